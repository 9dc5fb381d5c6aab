"""What makes a retried card action or a repeated notification happen once."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterator
from typing import Any

from bot.clock import Clock
from bot.ports import CLAIM_HOLD
from bot.privacy import whole_words
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


INVOKE_CLAIMS = "invoke:"  # bot/invoke.py: the claim of a card press, "invoke:<activity>|<id>"


def _forget_sent(db: sqlite3.Connection, prefixes: tuple[str, ...], cutoff: dt.datetime) -> int:
    rows = [
        row
        for prefix in dict.fromkeys(prefixes)
        for row in db.execute(
            "SELECT key, at FROM sent_notifications WHERE substr(key, 1, ?) = ?",
            (len(prefix), prefix),
        )
    ]
    old = list(dict.fromkeys(r["key"] for r in rows if is_past(r["at"], cutoff)))
    for key in old:
        db.execute("DELETE FROM sent_notifications WHERE key = ?", (key,))
    return len(old)


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

    async def forget_invokes_before(self, cutoff: dt.datetime) -> int:
        """Stored answers and the claims of card presses ("invoke:<key>", they hold the
        presser's id) kept before `cutoff`. Times are compared as times (the text is as
        each write wrote it)."""

        def forget(db: sqlite3.Connection) -> int:
            rows = db.execute("SELECT key, at FROM handled_invokes").fetchall()
            old = [r["key"] for r in rows if is_past(r["at"], cutoff)]
            for key in old:
                db.execute("DELETE FROM handled_invokes WHERE key = ?", (key,))
            return len(old) + _forget_sent(db, (INVOKE_CLAIMS,), cutoff)

        return await self._db.run(lambda db: immediate(db, lambda: forget(db)))

    async def forget_sent_before(self, prefixes: tuple[str, ...], cutoff: dt.datetime) -> int:
        """Sent-notification keys starting with one of `prefixes` kept before `cutoff`."""
        if not prefixes:
            return 0
        return await self._db.run(
            lambda db: immediate(db, lambda: _forget_sent(db, prefixes, cutoff))
        )

    async def forget_keys_naming(self, user_id: str, stand_in: str) -> int:
        """Sent-notification keys holding the id get the stand-in instead; stored answers
        to the person's card presses (keys ending "|<id>") go. instr(), not LIKE, so an
        id holding % or _ matches only itself."""
        if not user_id:
            return 0

        def forget(db: sqlite3.Connection) -> int:
            changed = 0
            sent = db.execute(
                "SELECT key, at, held_until FROM sent_notifications WHERE instr(key, ?) > 0",
                (user_id,),
            ).fetchall()
            for row in sent:
                db.execute("DELETE FROM sent_notifications WHERE key = ?", (row["key"],))
                db.execute(
                    "INSERT OR IGNORE INTO sent_notifications (key, at, held_until) "
                    "VALUES (?, ?, ?)",
                    (row["key"].replace(user_id, stand_in), row["at"], row["held_until"]),
                )
                changed += 1
            answers = db.execute(
                "SELECT key FROM handled_invokes WHERE instr(key, ?) > 0", (user_id,)
            ).fetchall()
            for row in answers:
                if row["key"].endswith(f"|{user_id}"):
                    db.execute("DELETE FROM handled_invokes WHERE key = ?", (row["key"],))
                    changed += 1
            return changed

        return await self._db.run(lambda db: immediate(db, lambda: forget(db)))

    async def forget_answers_naming(self, texts: frozenset[str]) -> int:
        wanted = answer_needles(texts)
        if not wanted:
            return 0

        def forget(db: sqlite3.Connection) -> int:
            rows = db.execute("SELECT key, response FROM handled_invokes").fetchall()
            naming = [r["key"] for r in rows if names_any(json.loads(r["response"]), wanted)]
            for key in naming:
                db.execute("DELETE FROM handled_invokes WHERE key = ?", (key,))
            return len(naming)

        return await self._db.run(lambda db: immediate(db, lambda: forget(db)))


SHORTEST_NEEDLE = 3  # as Person.named_in: a shorter name would match too much


def answer_needles(texts: frozenset[str]) -> frozenset[str]:
    """The texts to look for in stored answers; too-short ones left out."""
    return frozenset(t.strip() for t in texts if len(t.strip()) >= SHORTEST_NEEDLE)


def names_any(answer: Any, needles: frozenset[str]) -> bool:
    """Whether a stored answer holds any needle as whole words, ignoring case, wherever
    it is in the card ("Tim" is not in "time")."""
    patterns = [whole_words(needle) for needle in needles]
    return any(p.search(text) for text in _texts(answer) for p in patterns)


def _texts(value: Any) -> Iterator[str]:
    """Every string in a card's JSON (keys and values), as written (not JSON-escaped)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _texts(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _texts(item)


def is_past(at: str | None, cutoff: dt.datetime) -> bool:
    """Whether a kept time (as each write wrote it) is before `cutoff`; unknown is not."""
    return bool(at) and dt.datetime.fromisoformat(str(at)) < cutoff
