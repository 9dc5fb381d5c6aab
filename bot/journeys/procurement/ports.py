"""What the procurement journey keeps, as ports: the application catalogue (SQLite
locally, a SharePoint list in m365 mode) and the engagements (the journey's own file).

Both stores pass one contract suite (tests/integration/test_catalogue_store_contract.py).
"""

from __future__ import annotations

from typing import Protocol

from bot.domain.procurement import CatalogueEntry, Engagement


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

    async def import_entries(self, entries: list[CatalogueEntry]) -> int:
        """Add or replace these entries by id, all in one go (all or nothing), and drop
        the sample entries: the council's real catalogue has arrived. How many were kept."""
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
