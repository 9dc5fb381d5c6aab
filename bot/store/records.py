"""Journeys' own records (a feedback rating, say): kept once by kind and key, read in order."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

from bot.ports import Record
from bot.store.database import Database

SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    at TEXT NOT NULL,
    data TEXT NOT NULL,
    UNIQUE (kind, key)
);
CREATE INDEX IF NOT EXISTS records_by_kind ON records (kind, seq);
"""


class RecordTable:
    """RecordStore on SQLite. Subclasses give `_db`."""

    _db: Database

    async def add_record(self, record: Record) -> bool:
        cursor = await self._db.run(
            lambda db: db.execute(
                "INSERT OR IGNORE INTO records (kind, key, owner_id, at, data) "
                "VALUES (?, ?, ?, ?, ?)",
                (
                    record.kind,
                    record.key,
                    record.owner_id,
                    record.at.isoformat(),
                    json.dumps(record.data),
                ),
            )
        )
        return bool(cursor.rowcount == 1)

    async def records(self, kind: str, after_seq: int = 0, limit: int = 500) -> list[Record]:
        rows = await self._db.run(
            lambda db: db.execute(
                "SELECT * FROM records WHERE kind = ? AND seq > ? ORDER BY seq LIMIT ?",
                (kind, after_seq, limit),
            ).fetchall()
        )
        return [_record(row) for row in rows]


def _record(row: sqlite3.Row) -> Record:
    return Record(
        kind=row["kind"],
        key=row["key"],
        owner_id=row["owner_id"],
        at=dt.datetime.fromisoformat(row["at"]),
        data=json.loads(row["data"]),
        seq=row["seq"],
    )
