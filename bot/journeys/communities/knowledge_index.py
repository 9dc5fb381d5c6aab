"""This process's search index over the knowledge base, kept fresh from the store."""

from __future__ import annotations

import time

from bot.domain import knowledge_search
from bot.domain.communities import KnowledgeEntry
from bot.journeys.communities.ports import CommunityStore

INDEX_FRESH_SECONDS = 60.0  # entries changed by another process show in search within this


class Knowledge:
    """This process's search index over the knowledge base.

    Built from the store once; this process's own changes go in at once, and it is
    read again (changes made by another process, or by a lead) when older than a minute.
    """

    def __init__(self) -> None:
        self._index: knowledge_search.KnowledgeIndex | None = None
        self._entries: dict[str, KnowledgeEntry] = {}
        self._read_at = 0.0

    async def search(
        self, store: CommunityStore, text: str, limit: int = 3
    ) -> list[tuple[KnowledgeEntry, str]]:
        """The best entries, each with why it matched. Each one found is read again, so an
        entry a lead has just retired or changed (in any process) is never shown stale."""
        if self._index is None or time.monotonic() - self._read_at > INDEX_FRESH_SECONDS:
            await self._read(store)
        assert self._index is not None
        found: list[tuple[KnowledgeEntry, str]] = []
        for match in self._index.search(text, limit=limit + 2):
            entry = await store.entry(match.entry_id)
            if entry is None:
                self._index.remove(match.entry_id)
                self._entries.pop(match.entry_id, None)
                continue
            if entry != self._entries.get(entry.id):
                self.changed(entry)
            if not entry.retired and len(found) < limit:
                found.append((entry, match.why))
        return found

    async def _read(self, store: CommunityStore) -> None:
        entries = {e.id: e for e in await store.entries()}
        if self._index is None:
            self._index = knowledge_search.build_index(list(entries.values()))
        else:
            for gone in self._entries.keys() - entries.keys():
                self._index.remove(gone)
            for entry in entries.values():
                if self._entries.get(entry.id) != entry:
                    self.changed(entry)
        self._entries = entries
        self._read_at = time.monotonic()

    def changed(self, entry: KnowledgeEntry) -> None:
        """An entry this process saved: searchable at once (or gone, if retired)."""
        if self._index is None:
            return  # read whole on first search
        self._index.add(entry)  # adds, replaces, or takes out a retired one
        if entry.retired:
            self._entries.pop(entry.id, None)
        else:
            self._entries[entry.id] = entry
