"""What the parts of the procurement journey share: the stores, the search index, the
settings and the context."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.domain.boards import board_channel
from bot.domain.procurement import CatalogueEntry, CatalogueMatch
from bot.journey import JourneyContext
from bot.journeys.procurement.config import ProcurementConfig
from bot.journeys.procurement.ports import CatalogueStore, EngagementStore

if TYPE_CHECKING:
    from bot.journeys.procurement.store_sqlite import SqliteProcurementStore

NAME = "procurement"
FILE_NAME = "procurement.sqlite3"  # in DATA_DIR, beside the bot's own working state
# Channel purposes (ChannelDirectory): the Procurement team's channel, and a board's.
PROCUREMENT_CHANNEL = "procurement"

__all__ = ["FILE_NAME", "NAME", "PROCUREMENT_CHANNEL", "Shared", "board_channel"]


@dataclass
class Shared:
    ctx: JourneyContext
    config: ProcurementConfig
    _catalogue: CatalogueStore | None = None
    _engagements: EngagementStore | None = None
    _index: Any = None  # a CatalogueIndex, with the generation it was built from
    _index_generation: int | None = None
    _opening: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def catalogue(self) -> CatalogueStore:
        """The catalogue: a SharePoint list with Graph, else the journey's SQLite file
        (seeded with the sample catalogue on first open)."""
        await self._open()
        assert self._catalogue is not None
        return self._catalogue

    async def engagements(self) -> EngagementStore:
        await self._open()
        assert self._engagements is not None
        return self._engagements

    async def search(self, text: str, limit: int = 5) -> list[CatalogueMatch]:
        """The catalogue entries most like `text`, best first, each with why it matched."""
        from bot.domain.catalogue_search import CatalogueIndex

        catalogue = await self.catalogue()
        generation = await catalogue.generation()
        if self._index is None or generation != self._index_generation:
            # Some tenths of a second at 2,000 systems: built off the event loop, so other
            # people's turns are not held up while the catalogue is read in again.
            entries = await catalogue.entries()
            self._index = await asyncio.to_thread(CatalogueIndex, entries)
            self._index_generation = generation
        matches: list[CatalogueMatch] = self._index.search(text, limit)
        return matches

    async def entry(self, entry_id: str) -> CatalogueEntry | None:
        return await (await self.catalogue()).entry(entry_id)

    async def _open(self) -> None:
        """The catalogue: the SharePoint list with Graph, else the SQLite file. The
        engagements: on Azure Storage with STATE_STORE=azure, else the SQLite file."""
        if self._catalogue is not None and self._engagements is not None:
            return
        async with self._opening:
            if self._catalogue is not None and self._engagements is not None:
                return
            catalogue: CatalogueStore
            engagements: EngagementStore
            local: SqliteProcurementStore | None = None
            if self.ctx.graph is not None:
                from graph_clients.catalogue_list import SharePointCatalogue

                catalogue = SharePointCatalogue(self.ctx.graph)
                await catalogue.open()
            else:
                from bot.journeys.procurement.sample_catalogue import SAMPLE

                catalogue = local = await self._local()
                await local.seed_if_empty(list(SAMPLE))
            if self.ctx.azure is not None:
                from bot.journeys.procurement.store_azure import AzureProcurementStore

                engagements = AzureProcurementStore(self.ctx.azure)
                await engagements.open()
            else:
                engagements = local or await self._local()
            self._engagements, self._catalogue = engagements, catalogue

    async def _local(self) -> SqliteProcurementStore:
        """The journey's SQLite file in DATA_DIR, opened."""
        from bot.journeys.procurement.store_sqlite import SqliteProcurementStore

        data_dir = self.ctx.data_dir
        if data_dir is None:
            raise RuntimeError("The procurement journey needs DATA_DIR for its store")
        local = SqliteProcurementStore(data_dir / FILE_NAME)
        await local.open()
        return local

    async def close(self) -> None:
        for store in {id(s): s for s in (self._catalogue, self._engagements) if s}.values():
            await store.close()
        self._catalogue = self._engagements = None
