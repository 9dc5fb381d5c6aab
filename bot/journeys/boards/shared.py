"""What the parts of the boards journey share: the store, the settings, the context,
and the reads every part needs (a board's setup, its queue, who may decide)."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from bot.domain.model import DigitalRequest, Status
from bot.journey import JourneyContext
from bot.journeys.boards.config import BoardsConfig
from bot.journeys.boards.ports import BoardStore
from bot.ports import RequestQuery

NAME = "boards"
FILE_NAME = "boards.sqlite3"  # in DATA_DIR, beside the bot's own working state


@dataclass
class Shared:
    ctx: JourneyContext
    config: BoardsConfig
    _store: BoardStore | None = None
    _opening: asyncio.Lock = field(default_factory=asyncio.Lock)
    # m365 mode: each board's Entra group, read through Graph and held a few minutes
    # (group id -> graph_clients.roster.GroupRoster); see setup.effective_setup.
    groups: dict[str, Any] = field(default_factory=dict)

    async def store(self) -> BoardStore:
        """The journey's store, opened (and seeded with sample setups in local mode) on
        first use: on Azure Storage with STATE_STORE=azure, else its SQLite file."""
        if self._store is not None:
            return self._store
        async with self._opening:
            if self._store is None:
                store = self._make_store()
                await store.open()
                self._store = store
        return self._store

    def _make_store(self) -> BoardStore:
        local = self.ctx.graph is None
        members = frozenset(self.ctx.admin_ids) if local else frozenset()
        if self.ctx.azure is not None:
            from bot.journeys.boards.store_azure import AzureBoardStore

            return AzureBoardStore(self.ctx.azure, seed=local, seed_members=members)
        from bot.journeys.boards.store_sqlite import SqliteBoardStore

        data_dir = self.ctx.data_dir
        if data_dir is None:
            raise RuntimeError("The boards journey needs DATA_DIR for its store")
        return SqliteBoardStore(data_dir / FILE_NAME, seed=local, seed_members=members)

    async def queue(self, board: str) -> list[DigitalRequest]:
        """Every request on the board's list now (status WITH_BOARD), in the order kept.
        Ordering for the agenda is the agenda's job."""
        found: list[DigitalRequest] = []
        query = RequestQuery(statuses=frozenset({Status.WITH_BOARD}), board=board)
        after = 0
        while True:
            page = await self.ctx.store.query(query, after=after, limit=500)
            found.extend(page)
            if len(page) < 500:
                return found
            after = int(page[-1].item_id)

    def today(self) -> dt.date:
        """Today in the council's time zone."""
        return self.ctx.now().astimezone(self.ctx.calendar.zone).date()

    async def close(self) -> None:
        if self._store is not None:
            await self._store.close()
            self._store = None
