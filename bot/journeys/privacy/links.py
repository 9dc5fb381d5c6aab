"""`my data` download links, kept as records so that every instance knows them.

A link (LINK, keyed by its unguessable token) belongs to one person and expires. Each
time a browser without a confirmed cookie opens it, an OPEN is kept: a one-time code
shown on the page, and the hash of a random cookie given to that browser. The owner is
asked in Teams; their answer (ANSWER, keyed by the open, first answer wins) unlocks that
browser, or stops the link. Records are only ever added, so two instances never fight
over one; each instance reads what is new since it last looked.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from bot.ports import Record, RecordStore
from bot.privacy_records import Erasures

LINK = "privacy.link"
OPEN = "privacy.open"
ANSWER = "privacy.answer"
KINDS = (LINK, OPEN, ANSWER)
PAGE = 500


def cookie_hash(cookie: str) -> str:
    return hashlib.sha256(cookie.encode()).hexdigest()


def expires(link: Record) -> dt.datetime:
    return dt.datetime.fromisoformat(str(link.data.get("expires", "")))


@dataclass
class Links:
    """What this instance has read of the link records, refreshed before each use."""

    store: RecordStore
    seen: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    links: dict[str, Record] = field(default_factory=dict)  # token -> link
    opens: dict[str, Record] = field(default_factory=dict)  # open id -> open
    answers: dict[str, Record] = field(default_factory=dict)  # open id -> answer
    erasures: Erasures | None = None

    async def refresh(self) -> None:
        """Read what is new; after an erase on any instance, read everything again, so an
        erased person's links (removed from the store) stop working here too."""
        if self.erasures is None:
            self.erasures = Erasures(self.store)
        if await self.erasures.since_last_asked():
            self.seen = dict.fromkeys(KINDS, 0)
            self.links, self.opens, self.answers = {}, {}, {}
        found = {LINK: self.links, OPEN: self.opens, ANSWER: self.answers}
        for kind, into in found.items():
            while page := await self.store.records(kind, after_seq=self.seen[kind], limit=PAGE):
                into.update((record.key, record) for record in page)
                self.seen[kind] = page[-1].seq
                if len(page) < PAGE:
                    break

    def opens_of(self, token: str) -> list[Record]:
        return [o for o in self.opens.values() if o.data.get("token") == token]

    def voided(self, token: str) -> bool:
        """Its owner said No to someone opening it."""
        return any(
            answer.data.get("yes") is False and answer.data.get("token") == token
            for answer in self.answers.values()
        )

    def open_for(self, token: str, cookie: str) -> Record | None:
        if not cookie:
            return None
        hashed = cookie_hash(cookie)
        for opened in self.opens_of(token):
            if opened.data.get("cookie") == hashed:
                return opened
        return None

    def forget(self, ids: frozenset[str]) -> None:
        """Drop what this instance holds of a person's links (they were erased)."""
        for records in (self.links, self.opens, self.answers):
            for key in [key for key, record in records.items() if record.owner_id in ids]:
                del records[key]
