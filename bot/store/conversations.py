"""Where and to whom the bot can write: registered channels, personal chats, people.

A personal chat and a person's row say when the person was last seen (`seen_at`, from the
store's clock on every remember), so the retention job can forget people who stopped
using the bot, and an erase can forget one person.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from typing import Any

from bot.clock import Clock
from bot.privacy import ERASED_NAME
from bot.store.database import Database, Migration, immediate
from bot.store.times import time_from, time_text

SCHEMA = """
CREATE TABLE IF NOT EXISTS channels (
    purpose TEXT PRIMARY KEY,
    reference TEXT NOT NULL,
    registered_by TEXT NOT NULL,
    registered_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS personal_chats (user_id TEXT PRIMARY KEY, reference TEXT NOT NULL,
    seen_at TEXT);
CREATE TABLE IF NOT EXISTS people (user_id TEXT PRIMARY KEY, teams_id TEXT NOT NULL,
    name TEXT NOT NULL, seen_at TEXT);
"""

SEEN_TABLES = ("personal_chats", "people")


def add_seen_at(clock: Clock) -> Migration:
    """Files from before people were stamped when seen: everyone in them counts as seen
    when the file is first opened by this version (the clock's time then)."""

    def add(db: sqlite3.Connection) -> None:
        def stamp() -> None:
            now = time_text(clock.now())
            for table in SEEN_TABLES:
                have = {row["name"] for row in db.execute(f"PRAGMA table_info({table})")}
                if "seen_at" not in have:
                    db.execute(f"ALTER TABLE {table} ADD COLUMN seen_at TEXT")
                db.execute(f"UPDATE {table} SET seen_at = ? WHERE seen_at IS NULL", (now,))

        immediate(db, stamp)

    return add


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
        seen = time_text(self._clock.now())
        await self._db.run(
            lambda db: db.execute(
                "INSERT INTO personal_chats (user_id, reference, seen_at) VALUES (?, ?, ?) "
                "ON CONFLICT(user_id) DO UPDATE SET reference = excluded.reference, "
                "seen_at = excluded.seen_at",
                (user_id, json.dumps(reference), seen),
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
        seen = time_text(self._clock.now())
        await self._db.run(
            lambda db: db.execute(
                "INSERT INTO people (user_id, teams_id, name, seen_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(user_id) DO UPDATE SET teams_id = excluded.teams_id, "
                "name = excluded.name, seen_at = excluded.seen_at",
                (user_id, teams_id, name, seen),
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

    async def last_seen(self, user_id: str) -> dt.datetime | None:
        """When the person was last seen (their chat or their people row, the later)."""
        row = await self._db.run(
            lambda db: db.execute(
                "SELECT max(seen_at) AS seen FROM (SELECT seen_at FROM personal_chats "
                "WHERE user_id = ? UNION ALL SELECT seen_at FROM people WHERE user_id = ?)",
                (user_id, user_id),
            ).fetchone()
        )
        return None if row is None or row["seen"] is None else time_from(row["seen"])

    async def find_people(self, name: str) -> dict[str, tuple[str, str]]:
        """People whose display name holds every word typed, ignoring case and spacing."""
        wanted = name_words(name)
        if not wanted:
            return {}
        rows = await self._db.run(
            lambda db: db.execute("SELECT user_id, teams_id, name FROM people").fetchall()
        )
        return {
            r["user_id"]: (r["teams_id"], r["name"])
            for r in rows
            if wanted <= name_words(r["name"])
        }

    async def forget_person(self, user_id: str) -> int:
        def forget(db: sqlite3.Connection) -> int:
            return sum(
                db.execute(f"DELETE FROM {table} WHERE user_id = ?", (user_id,)).rowcount
                for table in SEEN_TABLES
            )

        return await self._db.run(lambda db: immediate(db, lambda: forget(db)))

    async def channels_registered_by(
        self, user_ids: frozenset[str]
    ) -> dict[str, tuple[str, dict[str, Any]]]:
        rows = await self._db.run(
            lambda db: db.execute(
                "SELECT purpose, reference, registered_by FROM channels ORDER BY purpose"
            ).fetchall()
        )
        found = {}
        for row in rows:
            reference = json.loads(row["reference"])
            if registered_by(row["registered_by"], reference, user_ids):
                found[str(row["purpose"])] = (str(row["registered_by"]), reference)
        return found

    async def forget_channel_registrar(self, user_ids: frozenset[str], stand_in: str) -> int:
        def forget(db: sqlite3.Connection) -> int:
            changed = 0
            rows = db.execute("SELECT purpose, reference, registered_by FROM channels").fetchall()
            for row in rows:
                by, reference = registrar_forgotten(
                    row["registered_by"], json.loads(row["reference"]), user_ids, stand_in
                )
                if by == row["registered_by"] and reference == json.loads(row["reference"]):
                    continue
                db.execute(
                    "UPDATE channels SET reference = ?, registered_by = ? WHERE purpose = ?",
                    (json.dumps(reference), by, row["purpose"]),
                )
                changed += 1
            return changed

        return await self._db.run(lambda db: immediate(db, lambda: forget(db)))

    async def forget_unseen_since(self, cutoff: dt.datetime) -> int:
        before = time_text(cutoff)

        def forget(db: sqlite3.Connection) -> int:
            return sum(
                db.execute(f"DELETE FROM {table} WHERE seen_at < ?", (before,)).rowcount
                for table in SEEN_TABLES
            )

        return await self._db.run(lambda db: immediate(db, lambda: forget(db)))


def name_words(name: str) -> frozenset[str]:
    """A display name as the words in it, ignoring case and spacing."""
    return frozenset(name.casefold().split())


def registered_by(by: str, reference: dict[str, Any], user_ids: frozenset[str]) -> bool:
    """Whether one of these people registered the channel: `registered_by`, or the
    reference's `user` (whoever typed `register`)."""
    user = reference.get("user")
    ids = {by}
    if isinstance(user, dict):
        ids |= {str(user.get(name) or "") for name in ("id", "aadObjectId", "aad_object_id")}
    return bool((ids - {""}) & user_ids)


def registrar_forgotten(
    by: str, reference: dict[str, Any], user_ids: frozenset[str], stand_in: str
) -> tuple[str, dict[str, Any]]:
    """A channel's `registered_by` and reference with the registrar, if one of these
    people, replaced: their ids by `stand_in`, their name by ERASED_NAME."""
    if by in user_ids:
        by = stand_in
    user = reference.get("user")
    if isinstance(user, dict) and registered_by("", reference, user_ids):
        user = dict(user)
        for name in ("id", "aadObjectId", "aad_object_id"):
            if user.get(name):
                user[name] = stand_in
        if user.get("name"):
            user["name"] = ERASED_NAME
        reference = {**reference, "user": user}
    return by, reference
