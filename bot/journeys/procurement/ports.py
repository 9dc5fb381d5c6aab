"""What the procurement journey keeps, as ports: the application catalogue (SQLite
locally, a SharePoint list in m365 mode) and the engagements (the journey's own file, or
Azure Table storage with STATE_STORE=azure: store_azure.py).

Both stores pass one contract suite (tests/integration/test_catalogue_store_contract.py).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Protocol

from bot.domain.procurement import CatalogueEntry, Engagement


@dataclass(frozen=True)
class Imported:
    """What an import did: how many entries were saved, and the systems it removed
    because they were not in the file (a replacing import only; the sample entries,
    always removed, are not among them)."""

    saved: int
    removed: tuple[CatalogueEntry, ...] = ()


class CatalogueStore(Protocol):
    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def entries(self) -> list[CatalogueEntry]:
        """Every entry, sorted by name (a council has hundreds to a few thousand)."""
        ...

    async def entry(self, entry_id: str) -> CatalogueEntry | None: ...

    async def generation(self) -> int:
        """A number that changes whenever the catalogue does, so a search index built
        from `entries()` is rebuilt only then."""
        ...

    async def import_entries(
        self,
        entries: list[CatalogueEntry],
        replace: bool = False,
        keep: Collection[str] = frozenset(),
    ) -> Imported:
        """Add or update these entries by id, all in one go (all or nothing), and drop
        the sample entries: the council's real catalogue has arrived. With `replace`, the
        file is the whole catalogue: every other entry is removed too, except the ids in
        `keep` (systems whose row in the file was bad, kept as they were)."""
        ...

    async def remove_entries(self, ids: Collection[str]) -> list[CatalogueEntry]:
        """Remove the entries with these ids, all in one go; the ones that were there."""
        ...

    async def seed_if_empty(self, entries: list[CatalogueEntry]) -> bool:
        """Local mode's sample catalogue, on first open only. True if it was added."""
        ...


class EngagementStore(Protocol):
    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def add(self, engagement: Engagement) -> Engagement: ...

    async def get(self, engagement_id: str) -> Engagement | None: ...

    async def by_reference(self, reference: str) -> Engagement | None: ...

    async def by_draft(self, draft_id: str) -> Engagement | None: ...

    async def by_pack_token(self, token: str) -> Engagement | None: ...

    async def for_owner(self, owner_id: str, limit: int = 20) -> list[Engagement]:
        """Newest first."""
        ...

    async def save(self, engagement: Engagement) -> Engagement:
        """Save if nobody saved it since it was read (same `version`); the saved copy has
        the next version. Raises bot.ports.ChangedBySomeoneElse otherwise."""
        ...

    async def all_engagements(self) -> list[Engagement]:
        """Every engagement, oldest first (for `my data`, `erase` and retention)."""
        ...


# What an entry must be to be stored, the same in every store (added by H2): the
# SharePoint list keeps single-line text up to 255 characters and capabilities one per
# line, so anything else could not come back as it was given.
MAX_LINE = 255  # a name, supplier, owner, id, directorate or one capability
MAX_NOTE = 10_000  # the description, and all the capabilities together
MAX_COUNT = 10_000_000  # users or licences: more is a typing mistake


class CatalogueNotStored(ValueError):
    """An entry could not be stored, so nothing was: the message says which and why."""


class CatalogueImportUnfinished(Exception):
    """Part of an import was written before the list stopped answering (SharePoint only,
    where an import cannot be one transaction). Running the same import again finishes it:
    it writes only what is still missing or different."""

    def __init__(self, written: int, total: int, not_removed: int = 0) -> None:
        if written < total:
            message = (
                f"{written} of {total} catalogue entries were saved before the list stopped "
                "answering. Nothing was removed. Run the same import again to finish it."
            )
        else:
            message = (
                f"All {total} catalogue entries were saved, but {not_removed} entries that "
                "should go could not be removed yet. Run the same import again to finish it."
            )
        super().__init__(message)
        self.message = message
        self.written = written
        self.total = total
        self.not_removed = not_removed


class CatalogueRemoveUnfinished(Exception):
    """The list stopped answering while entries were being removed (SharePoint only).
    Removing them again is safe: one already gone is not an error."""

    def __init__(self) -> None:
        self.message = (
            "The catalogue list in SharePoint stopped answering, so the system may not have "
            "been removed. Try again in a few minutes."
        )
        super().__init__(self.message)


def catalogue_order(entry: CatalogueEntry) -> tuple[str, str]:
    """How every store sorts `entries()`: by name, ignoring case, then by id."""
    return (entry.name.casefold(), entry.id)


def check_storable(entries: list[CatalogueEntry]) -> None:
    """Raise CatalogueNotStored for the first entry a store could not keep as given."""
    seen: set[str] = set()
    for number, entry in enumerate(entries, start=1):
        problem = _problem(entry)
        if problem is None and entry.id in seen:
            problem = "its id is used by another entry in the same import"
        if problem is not None:
            raise CatalogueNotStored(f"Entry {number} ({entry.id or 'no id'}): {problem}.")
        seen.add(entry.id)


def _problem(entry: CatalogueEntry) -> str | None:
    if not entry.id.strip():
        return "it has no id"
    if not entry.name.strip():
        return "it has no name"
    lines = {
        "id": entry.id,
        "name": entry.name,
        "supplier": entry.supplier,
        "owner name": entry.owner_name,
        "owner id": entry.owner_id,
        "directorate": entry.directorate,
    }
    for label, value in lines.items():
        if len(value) > MAX_LINE:
            return f"its {label} is longer than {MAX_LINE} characters"
        if any(ord(c) < 32 or ord(c) == 127 for c in value):
            return f"its {label} has a line break or control character"
    for capability in entry.capabilities:
        if not capability.strip():
            return "it has an empty capability"
        if len(capability) > MAX_LINE:
            return f"a capability is longer than {MAX_LINE} characters"
        if any(ord(c) < 32 or ord(c) == 127 for c in capability):
            return "a capability has a line break or control character"
    if sum(len(c) + 1 for c in entry.capabilities) > MAX_NOTE:
        return f"its capabilities are longer than {MAX_NOTE} characters together"
    if len(entry.description) > MAX_NOTE:
        return f"its description is longer than {MAX_NOTE} characters"
    for label, number in (("users", entry.users), ("licences", entry.licences)):
        if number is not None and (
            isinstance(number, bool) or not isinstance(number, int) or number < 0
        ):
            return f"its {label} is not a whole number of 0 or more"
        if number is not None and number > MAX_COUNT:
            return f"its {label} is more than {MAX_COUNT:,}"
    return None
