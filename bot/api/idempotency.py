"""Idempotency keys: a retried create with the same `Idempotency-Key` gets the first
answer again, not a second request. Kept in the API's own SQLite file (api.sqlite3 in
DATA_DIR), so a retry after a restart is answered too.

SKELETON: kept in memory for now; helper A1 makes it SQLite and expires old keys."""

from __future__ import annotations

import hashlib

from bot.api.operations import Problem
from bot.api.server import Remembered


class MemoryIdempotency:
    def __init__(self) -> None:
        self._seen: dict[tuple[str, str], tuple[str, Remembered | None]] = {}

    async def begin(self, scope: str, key: str, fingerprint: str) -> Remembered | None:
        digest = hashlib.sha256(fingerprint.encode()).hexdigest()
        found = self._seen.get((scope, key))
        if found is None:
            self._seen[(scope, key)] = (digest, None)
            return None
        if found[0] != digest:
            raise Problem(
                422,
                "Idempotency key used before",
                "This Idempotency-Key was used with a different body. Use a new key.",
                kind="idempotency-key-reused",
            )
        if found[1] is None:
            raise Problem(
                409,
                "Still working on it",
                "A call with this Idempotency-Key has not finished yet. Try again shortly.",
                kind="idempotency-in-progress",
            )
        return found[1]

    async def finish(self, scope: str, key: str, answer: Remembered) -> None:
        digest = self._seen.get((scope, key), ("", None))[0]
        self._seen[(scope, key)] = (digest, answer)

    async def abandon(self, scope: str, key: str) -> None:
        self._seen.pop((scope, key), None)
