"""SharePoint mode's journal on SQLite: the requests raised through the bot, and an outbox.

Every write to a request queues the same write for SharePoint in one transaction, so a
member of staff gets their reference at once and nothing is lost while Graph is down.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

from bot.clock import Clock
from bot.domain.model import DigitalRequest
from bot.ports import OutboxOp
from bot.store import governance, requests
from bot.store.database import Database, immediate
from bot.store.governance import GovernanceTable
from bot.store.requests import RequestTables
from bot.store.times import time_from

SCHEMA = """
CREATE TABLE IF NOT EXISTS graph_outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    reference TEXT NOT NULL,
    op TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at TEXT NOT NULL,
    done_at TEXT
);
CREATE INDEX IF NOT EXISTS graph_outbox_pending ON graph_outbox (seq) WHERE done_at IS NULL;
CREATE TABLE IF NOT EXISTS graph_items (
    reference TEXT PRIMARY KEY,
    item_id TEXT NOT NULL,
    etag TEXT NOT NULL
);
"""


class SqliteJournal(RequestTables, GovernanceTable):
    """The Journal port on SQLite."""

    def __init__(self, path: Path, clock: Clock) -> None:
        self._db = Database(
            path,
            requests.SCHEMA + governance.SCHEMA + SCHEMA,
            (requests.add_triage_column, requests.add_listing_columns, governance.seed_defaults),
        )
        self._clock = clock

    async def open(self) -> None:
        await self._db.open()

    async def close(self) -> None:
        await self._db.close()

    async def ping(self) -> bool:
        return await self._db.ping()

    def _written(self, db: sqlite3.Connection, reference: str, op: str) -> None:
        db.execute(
            "INSERT INTO graph_outbox (reference, op, created_at) VALUES (?, ?, ?)",
            (reference, op, self._now()),
        )

    def _now(self) -> str:
        return self._clock.now().isoformat()

    # The outbox -----------------------------------------------------------------

    async def outbox_pending(self, limit: int = 20) -> list[OutboxOp]:
        rows = await self._db.run(
            lambda db: db.execute(
                "SELECT seq, reference, op, attempts FROM graph_outbox WHERE done_at IS NULL "
                "ORDER BY seq LIMIT ?",
                (limit,),
            ).fetchall()
        )
        return [OutboxOp(r["seq"], r["reference"], r["op"], r["attempts"]) for r in rows]

    async def outbox_count(self) -> int:
        return int(
            await self._db.run(
                lambda db: db.execute(
                    "SELECT COUNT(*) FROM graph_outbox WHERE done_at IS NULL"
                ).fetchone()[0]
            )
        )

    async def outbox_oldest(self) -> dt.datetime | None:
        # Queued in seq order, so the lowest pending seq is the oldest (found by the index).
        row = await self._db.run(
            lambda db: db.execute(
                "SELECT created_at FROM graph_outbox WHERE done_at IS NULL ORDER BY seq LIMIT 1"
            ).fetchone()
        )
        return None if row is None else time_from(row["created_at"])

    async def outbox_done(self, seq: int, reference: str, item_id: str, etag: str) -> None:
        done_at = self._now()

        def done(db: sqlite3.Connection) -> None:
            db.execute("UPDATE graph_outbox SET done_at = ? WHERE seq = ?", (done_at, seq))
            if item_id:
                _remember_item(db, reference, item_id, etag)

        await self._db.run(lambda db: immediate(db, lambda: done(db)))

    async def outbox_skip(self, reference: str, op: str, through_seq: int | None = None) -> None:
        sql = (
            "UPDATE graph_outbox SET done_at = ? WHERE reference = ? AND op = ? AND done_at IS NULL"
        )
        params: tuple[str | int, ...] = (self._now(), reference, op)
        if through_seq is not None:
            sql, params = sql + " AND seq <= ?", (*params, through_seq)
        await self._db.run(lambda db: db.execute(sql, params))

    async def outbox_failed(self, seq: int, error: str) -> None:
        await self._db.run(
            lambda db: db.execute(
                "UPDATE graph_outbox SET attempts = attempts + 1, last_error = ? WHERE seq = ?",
                (error[:500], seq),
            )
        )

    async def pending_for(self, reference: str) -> int:
        return int(
            await self._db.run(
                lambda db: db.execute(
                    "SELECT COUNT(*) FROM graph_outbox WHERE reference = ? AND done_at IS NULL",
                    (reference,),
                ).fetchone()[0]
            )
        )

    async def unwritten_references(self) -> set[str]:
        rows = await self._db.run(
            lambda db: db.execute(
                "SELECT reference FROM graph_outbox WHERE done_at IS NULL AND op = 'create'"
            ).fetchall()
        )
        return {r["reference"] for r in rows}

    # What SharePoint has ------------------------------------------------------------

    async def graph_item(self, reference: str) -> tuple[str, str] | None:
        row = await self._db.run(
            lambda db: db.execute(
                "SELECT item_id, etag FROM graph_items WHERE reference = ?", (reference,)
            ).fetchone()
        )
        return (row["item_id"], row["etag"]) if row else None

    async def remember_item(self, reference: str, item_id: str, etag: str) -> None:
        await self._db.run(
            lambda db: immediate(db, lambda: _remember_item(db, reference, item_id, etag))
        )

    async def import_version(
        self, request: DigitalRequest, item_id: str, etag: str
    ) -> DigitalRequest:
        def take(db: sqlite3.Connection) -> DigitalRequest:
            _remember_item(db, request.reference, item_id, etag)
            return requests.overwrite(db, request)

        return await self._db.run(lambda db: immediate(db, lambda: take(db)))

    async def raise_reference_floor(self, year: int, number: int) -> None:
        await self._db.run(
            lambda db: db.execute(
                "INSERT INTO reference_counters (year, last) VALUES (?, ?) "
                "ON CONFLICT(year) DO UPDATE SET last = MAX(last, excluded.last)",
                (year, number),
            )
        )


def _remember_item(db: sqlite3.Connection, reference: str, item_id: str, etag: str) -> None:
    db.execute(
        "INSERT INTO graph_items (reference, item_id, etag) VALUES (?, ?, ?) "
        "ON CONFLICT(reference) DO UPDATE SET item_id = excluded.item_id, etag = excluded.etag",
        (reference, item_id, etag),
    )
