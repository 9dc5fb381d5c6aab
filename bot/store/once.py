"""What makes a retried card action or a repeated notification happen once."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from typing import Any

from bot.clock import Clock
from bot.ports import CLAIM_HOLD
from bot.store.database import Database, immediate

SCHEMA = """
CREATE TABLE IF NOT EXISTS handled_invokes (
    key TEXT PRIMARY KEY,
    response TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sent_notifications (
    key TEXT PRIMARY KEY,
    at TEXT NOT NULL,
    held_until TEXT
);
"""


def add_claim_hold(db: sqlite3.Connection) -> None:
    """Files from before claims were held: every key in them was sent (held_until NULL)."""

    def add() -> None:
        have = {row["name"] for row in db.execute("PRAGMA table_info(sent_notifications)")}
        if "held_until" not in have:
            db.execute("ALTER TABLE sent_notifications ADD COLUMN held_until TEXT")

    immediate(db, add)


def rename_invoke_key(db: sqlite3.Connection) -> None:
    """Files from when an invoke was known by its Activity id alone: the column is the key."""

    def rename() -> None:
        have = {row["name"] for row in db.execute("PRAGMA table_info(handled_invokes)")}
        if "activity_id" in have:  # not yet renamed by another connection
            db.execute("ALTER TABLE handled_invokes RENAME COLUMN activity_id TO key")

    immediate(db, rename)


class OnceTables:
    """OnceOnly's invokes and notifications on SQLite. Subclasses give `_db`, `_clock`."""

    _db: Database
    _clock: Clock

    async def handled_invoke(self, key: str) -> dict[str, Any] | None:
        row = await self._db.run(
            lambda db: db.execute(
                "SELECT response FROM handled_invokes WHERE key = ?", (key,)
            ).fetchone()
        )
        return json.loads(row["response"]) if row else None

    async def remember_invoke(self, key: str, response: dict[str, Any]) -> None:
        """The first answer stays: a replayed invoke gets what the first one got."""
        at = self._clock.now().isoformat()
        await self._db.run(
            lambda db: db.execute(
                "INSERT OR IGNORE INTO handled_invokes (key, response, at) VALUES (?, ?, ?)",
                (key, json.dumps(response), at),
            )
        )

    async def claim_notification(self, key: str, hold: dt.timedelta = CLAIM_HOLD) -> bool:
        """True if nobody sent `key` and nobody holds it (OnceOnly.claim_notification)."""
        now = self._clock.now()
        at, until = now.isoformat(), (now + hold).isoformat()

        def claim(db: sqlite3.Connection) -> bool:
            cursor = db.execute(
                "INSERT INTO sent_notifications (key, at, held_until) VALUES (?, ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET at = excluded.at, held_until = excluded.held_until "
                "WHERE sent_notifications.held_until IS NOT NULL "
                "AND sent_notifications.held_until <= ?",
                (key, at, until, at),
            )
            return bool(cursor.rowcount == 1)

        return bool(await self._db.run(claim))

    async def notification_sent(self, key: str) -> None:
        at = self._clock.now().isoformat()
        await self._db.run(
            lambda db: db.execute(
                "INSERT INTO sent_notifications (key, at, held_until) VALUES (?, ?, NULL) "
                "ON CONFLICT(key) DO UPDATE SET held_until = NULL",
                (key, at),
            )
        )

    async def release_notification(self, key: str) -> None:
        await self._db.run(
            lambda db: db.execute("DELETE FROM sent_notifications WHERE key = ?", (key,))
        )
