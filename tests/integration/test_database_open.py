"""Two processes (here, two connections) opening one new SQLite file at the same moment
both open it: SQLite may answer "locked" to the switch to WAL without waiting."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.store.database import Database

SCHEMA = "CREATE TABLE IF NOT EXISTS things (id INTEGER PRIMARY KEY, name TEXT NOT NULL);"
ROUNDS = 100


async def test_two_openers_of_a_new_file_both_open_it(tmp_path: Path) -> None:
    for round_number in range(ROUNDS):
        path = tmp_path / f"new-{round_number}.sqlite3"
        one, two = Database(path, SCHEMA), Database(path, SCHEMA)
        try:
            await asyncio.gather(one.open(), two.open())
            assert await one.ping() and await two.ping()
            journal = await one.run(lambda db: db.execute("PRAGMA journal_mode").fetchone()[0])
            assert journal == "wal"
        finally:
            await one.close()
            await two.close()
