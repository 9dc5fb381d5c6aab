"""Where and to whom the bot can write: registered channels, personal chats, people."""

from __future__ import annotations

import json
from typing import Any

from bot.clock import Clock
from bot.store.database import Database

SCHEMA = """
CREATE TABLE IF NOT EXISTS channels (
    purpose TEXT PRIMARY KEY,
    reference TEXT NOT NULL,
    registered_by TEXT NOT NULL,
    registered_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS personal_chats (user_id TEXT PRIMARY KEY, reference TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS people (user_id TEXT PRIMARY KEY, teams_id TEXT NOT NULL,
    name TEXT NOT NULL);
"""


class ConversationTables:
    """ChannelDirectory, and OnceOnly's people, on SQLite. Subclasses give `_db`, `_clock`."""

    _db: Database
    _clock: Clock

    async def register_channel(
        self, purpose: str, reference: dict[str, Any], registered_by: str
    ) -> None:
        registered_at = self._clock.now().isoformat()
        await self._db.run(
            lambda db: db.execute(
                "INSERT INTO channels (purpose, reference, registered_by, registered_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT(purpose) DO UPDATE SET "
                "reference = excluded.reference, registered_by = excluded.registered_by, "
                "registered_at = excluded.registered_at",
                (purpose, json.dumps(reference), registered_by, registered_at),
            )
        )

    async def channel(self, purpose: str) -> dict[str, Any] | None:
        row = await self._db.run(
            lambda db: db.execute(
                "SELECT reference FROM channels WHERE purpose = ?", (purpose,)
            ).fetchone()
        )
        return json.loads(row["reference"]) if row else None

    async def channel_purposes(self) -> list[str]:
        rows = await self._db.run(
            lambda db: db.execute("SELECT purpose FROM channels ORDER BY purpose").fetchall()
        )
        return [str(row["purpose"]) for row in rows]

    async def remember_personal_chat(self, user_id: str, reference: dict[str, Any]) -> None:
        await self._db.run(
            lambda db: db.execute(
                "INSERT INTO personal_chats (user_id, reference) VALUES (?, ?) "
                "ON CONFLICT(user_id) DO UPDATE SET reference = excluded.reference",
                (user_id, json.dumps(reference)),
            )
        )

    async def personal_chat(self, user_id: str) -> dict[str, Any] | None:
        row = await self._db.run(
            lambda db: db.execute(
                "SELECT reference FROM personal_chats WHERE user_id = ?", (user_id,)
            ).fetchone()
        )
        return json.loads(row["reference"]) if row else None

    async def remember_person(self, user_id: str, teams_id: str, name: str) -> None:
        await self._db.run(
            lambda db: db.execute(
                "INSERT INTO people (user_id, teams_id, name) VALUES (?, ?, ?) "
                "ON CONFLICT(user_id) DO UPDATE SET teams_id = excluded.teams_id, "
                "name = excluded.name",
                (user_id, teams_id, name),
            )
        )

    async def people(self, user_ids: frozenset[str]) -> dict[str, tuple[str, str]]:
        """Known Teams ids and names of these people: user id -> (teams id, name)."""
        rows = await self._db.run(
            lambda db: db.execute(
                "SELECT * FROM people WHERE user_id IN (SELECT value FROM json_each(?))",
                (json.dumps(sorted(user_ids)),),
            ).fetchall()
        )
        return {r["user_id"]: (r["teams_id"], r["name"]) for r in rows}
