"""Idempotency keys: a retried call with the same `Idempotency-Key` gets the first
answer again, not a second request. Kept in the API's own SQLite file (api.sqlite3 in
DATA_DIR), so a retry after a restart is answered too. Keys last 24 hours.

Behind `IdempotencyStore` (bot.api.server): another place to keep them (Azure Table
storage, for several instances) is another class with the same three methods.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import sqlite3
from pathlib import Path

from bot.api.operations import FieldProblem, Problem
from bot.api.server import Remembered
from bot.clock import Clock
from bot.store.database import Database, immediate

KEEP = 24 * 60 * 60  # seconds a key is remembered after its first call
# A first call still unfinished after this long has died with its process: the key is free.
RUNNING_LONGEST = 120
RETRY_RUNNING = 1  # seconds to wait when the first call is still running (Retry-After)

SCHEMA = """
CREATE TABLE IF NOT EXISTS idempotency_keys (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    started REAL NOT NULL,
    status INTEGER,
    body TEXT,
    headers TEXT,
    PRIMARY KEY (scope, key)
);
CREATE INDEX IF NOT EXISTS idempotency_keys_started ON idempotency_keys (started);
"""


def reused() -> Problem:
    return Problem(
        422,
        "Idempotency key used before",
        "This Idempotency-Key was used with a different request. Use a new key for a new request.",
        kind="idempotency-key-reused",
        errors=(FieldProblem("Idempotency-Key", "Use a new key for a new request."),),
    )


def running() -> Problem:
    return Problem(
        409,
        "Still working on it",
        "A call with this Idempotency-Key has not finished yet. Wait a second, then try again.",
        kind="idempotency-in-progress",
        headers={"Retry-After": str(RETRY_RUNNING)},
    )


def _begin(
    db: sqlite3.Connection, scope: str, key: str, fingerprint: str, now: float
) -> Remembered | Problem | None:
    db.execute("DELETE FROM idempotency_keys WHERE started < ?", (now - KEEP,))
    db.execute(
        "DELETE FROM idempotency_keys WHERE scope = ? AND key = ? AND status IS NULL "
        "AND started < ?",
        (scope, key, now - RUNNING_LONGEST),
    )
    row = db.execute(
        "SELECT fingerprint, status, body, headers FROM idempotency_keys "
        "WHERE scope = ? AND key = ?",
        (scope, key),
    ).fetchone()
    if row is None:
        db.execute(
            "INSERT INTO idempotency_keys (scope, key, fingerprint, started) VALUES (?, ?, ?, ?)",
            (scope, key, fingerprint, now),
        )
        return None
    if row["fingerprint"] != fingerprint:
        return reused()
    if row["status"] is None:
        return running()
    return Remembered(row["status"], row["body"], json.loads(row["headers"]))


class SqliteIdempotency:
    """`IdempotencyStore` on a SQLite file, opened on first use, closed by `close`."""

    def __init__(self, path: Path, clock: Clock) -> None:
        self._path = path
        self._clock = clock
        self._db: Database | None = None
        self._opening = asyncio.Lock()

    async def _ready(self) -> Database:
        async with self._opening:
            if self._db is None:
                db = Database(self._path, SCHEMA)
                await db.open()
                self._db = db
            return self._db

    async def begin(self, scope: str, key: str, fingerprint: str) -> Remembered | None:
        digest = hashlib.sha256(fingerprint.encode()).hexdigest()
        now = self._clock.now().timestamp()
        db = await self._ready()
        found = await db.run(lambda c: immediate(c, lambda: _begin(c, scope, key, digest, now)))
        if isinstance(found, Problem):
            raise found
        return found

    async def finish(self, scope: str, key: str, answer: Remembered) -> None:
        db = await self._ready()
        await db.run(
            lambda c: c.execute(
                "UPDATE idempotency_keys SET status = ?, body = ?, headers = ? "
                "WHERE scope = ? AND key = ?",
                (answer.status, answer.body, json.dumps(answer.headers), scope, key),
            )
        )

    async def abandon(self, scope: str, key: str) -> None:
        db = await self._ready()
        await db.run(
            lambda c: c.execute(
                "DELETE FROM idempotency_keys WHERE scope = ? AND key = ? AND status IS NULL",
                (scope, key),
            )
        )

    async def close(self) -> None:
        async with self._opening:
            if self._db is not None:
                await self._db.close()
                self._db = None
