"""The local store: everything the bot keeps, in one SQLite file (local mode)."""

from __future__ import annotations

from pathlib import Path

from bot.clock import Clock
from bot.store import governance, requests, working
from bot.store.database import Database
from bot.store.governance import GovernanceTable
from bot.store.requests import RequestTables
from bot.store.working import SqliteWorkingState


class SqliteStore(RequestTables, GovernanceTable, SqliteWorkingState):
    """The whole Store port on SQLite: the working state's tables (and its open and
    close) with the requests and governance beside them. Writes go nowhere else."""

    def __init__(self, path: Path, clock: Clock) -> None:
        self._db = Database(
            path,
            requests.SCHEMA + governance.SCHEMA + working.SCHEMA,
            (
                requests.add_triage_column,
                requests.add_listing_columns,
                governance.seed_defaults,
                *working.migrations(clock),
            ),
        )
        self._clock = clock

    async def ping(self) -> bool:
        return await self._db.ping()
