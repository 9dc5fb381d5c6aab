"""The bot's own working state on SQLite: drafts, conversations, once-only keys, records.

In SharePoint mode this is all the bot keeps locally besides the journal: none of it
is a council record, and keeping it local keeps a turn off Graph.
"""

from __future__ import annotations

from pathlib import Path

from bot.clock import Clock
from bot.store import conversations, drafts, once, records
from bot.store.conversations import ConversationTables
from bot.store.database import Database, Migration
from bot.store.drafts import DraftTable
from bot.store.once import OnceTables
from bot.store.records import RecordTable

SCHEMA = drafts.SCHEMA + conversations.SCHEMA + once.SCHEMA + records.SCHEMA
MIGRATIONS: tuple[Migration, ...] = (
    drafts.move_drafts_keyed_by_person,
    once.rename_invoke_key,
    once.add_claim_hold,
)


def migrations(clock: Clock) -> tuple[Migration, ...]:
    """Every migration of the working state's tables: MIGRATIONS, then those that need
    the time (people seen before `seen_at` was kept count as seen when it is added)."""
    return (*MIGRATIONS, conversations.add_seen_at(clock))


class SqliteWorkingState(DraftTable, ConversationTables, OnceTables, RecordTable):
    """DraftStore, ChannelDirectory, OnceOnly, RecordStore and WorkingPersonalData in one
    SQLite file."""

    def __init__(self, path: Path, clock: Clock) -> None:
        self._db = Database(path, SCHEMA, migrations(clock))
        self._clock = clock

    async def open(self) -> None:
        await self._db.open()

    async def close(self) -> None:
        await self._db.close()
