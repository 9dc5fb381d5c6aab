"""Journeys' own records (a feedback rating, say): kept once by kind and key, read in order.

A record can be rewritten in place (anonymised) or deleted. A deleted record's key stays
taken, so a retried write never keeps it again: `deleted_records` holds a hash of the
kind and key, not the key itself, because a key may name a person."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3

from bot.ports import Record
from bot.store.database import Database, immediate

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
CREATE INDEX IF NOT EXISTS records_by_owner ON records (owner_id, seq);
CREATE TABLE IF NOT EXISTS deleted_records (gone TEXT PRIMARY KEY);
"""


class RecordTable:
    """RecordStore on SQLite. Subclasses give `_db`."""

    _db: Database

    async def add_record(self, record: Record) -> bool:
        cursor = await self._db.run(
            lambda db: db.execute(
                "INSERT OR IGNORE INTO records (kind, key, owner_id, at, data) "
                "SELECT ?, ?, ?, ?, ? WHERE NOT EXISTS "
                "(SELECT 1 FROM deleted_records WHERE gone = ?)",
                (
                    record.kind,
                    record.key,
                    record.owner_id,
                    record.at.isoformat(),
                    json.dumps(record.data),
                    gone_key(record.kind, record.key),
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

    async def replace_record(self, record: Record) -> bool:
        """New owner and data for a kept record; its seq and time stay."""
        cursor = await self._db.run(
            lambda db: db.execute(
                "UPDATE records SET owner_id = ?, data = ? WHERE kind = ? AND key = ?",
                (record.owner_id, json.dumps(record.data), record.kind, record.key),
            )
        )
        return bool(cursor.rowcount == 1)

    async def delete_record(self, kind: str, key: str) -> bool:
        def delete(db: sqlite3.Connection) -> bool:
            cursor = db.execute("DELETE FROM records WHERE kind = ? AND key = ?", (kind, key))
            if cursor.rowcount != 1:
                return False
            db.execute(
                "INSERT OR IGNORE INTO deleted_records (gone) VALUES (?)", (gone_key(kind, key),)
            )
            return True

        return await self._db.run(lambda db: immediate(db, lambda: delete(db)))

    async def records_of(self, owner_id: str, limit: int = 10_000) -> list[Record]:
        rows = await self._db.run(
            lambda db: db.execute(
                "SELECT * FROM records WHERE owner_id = ? ORDER BY seq LIMIT ?",
                (owner_id, limit),
            ).fetchall()
        )
        return [_record(row) for row in rows]


def gone_key(kind: str, key: str) -> str:
    """What marks a deleted record's key as taken: a hash, so the key itself is not kept."""
    return hashlib.sha256(json.dumps([kind, key]).encode()).hexdigest()


def _record(row: sqlite3.Row) -> Record:
    return Record(
        kind=row["kind"],
        key=row["key"],
        owner_id=row["owner_id"],
        at=dt.datetime.fromisoformat(row["at"]),
        data=json.loads(row["data"]),
        seq=row["seq"],
    )
