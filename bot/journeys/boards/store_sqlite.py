"""The boards journey's own SQLite file: each board's setup, its deputies, its decisions
and a few small values (the SharePoint sync's cursor, pack tokens).

Decisions are kept once by id (`UNIQUE`), in the order kept (`seq`), so a card pressed
twice, or two bot processes sharing the file, never keep one decision twice. In local
mode a new file is seeded with sample setups for the three boards, so `agenda` and the
decision cards work on a fresh clone.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import sqlite3
from collections.abc import Callable
from pathlib import Path

from bot.domain.boards import BoardSetup, Decision, Deputy
from bot.journeys.boards.records import (
    decision_data,
    decision_from,
    deputy_from,
    sample_setups,
    setup_data,
    setup_from,
)
from bot.store.database import Database, immediate
from bot.store.times import time_text

SCHEMA = """
CREATE TABLE IF NOT EXISTS setups (
    key TEXT PRIMARY KEY,
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS deputies (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    board TEXT NOT NULL,
    member_id TEXT NOT NULL,
    member_name TEXT NOT NULL,
    deputy_id TEXT NOT NULL,
    deputy_name TEXT NOT NULL,
    starts TEXT NOT NULL,
    ends TEXT NOT NULL,
    named_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS deputies_by_board ON deputies (board, member_id, starts);
CREATE TABLE IF NOT EXISTS decisions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    reference TEXT NOT NULL,
    board TEXT NOT NULL,
    kind TEXT NOT NULL,
    decided_by_id TEXT NOT NULL,
    decided_by_name TEXT NOT NULL,
    at TEXT NOT NULL,
    rationale TEXT NOT NULL,
    on_behalf_of_id TEXT NOT NULL,
    on_behalf_of_name TEXT NOT NULL,
    process TEXT NOT NULL,
    delivery_owner TEXT NOT NULL,
    theme TEXT NOT NULL,
    horizon TEXT NOT NULL,
    deferred_until TEXT,
    to_board TEXT NOT NULL,
    score INTEGER NOT NULL,
    matrix_version TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS decisions_by_board ON decisions (board, seq);
CREATE INDEX IF NOT EXISTS decisions_by_reference ON decisions (reference, seq);
CREATE TABLE IF NOT EXISTS board_values (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""

_SEEDED = "sample_setups_seeded"  # kept in board_values once the sample setups are written


class SqliteBoardStore:
    """BoardStore on one SQLite file, safe for several processes sharing it."""

    def __init__(self, path: Path, seed: bool, seed_members: frozenset[str] = frozenset()) -> None:
        migrations = (lambda db: _seed(db, seed_members),) if seed else ()
        self._db = Database(path, SCHEMA, migrations)
        self._holder = secrets.token_hex(8)  # this store's process, for take_turn

    async def open(self) -> None:
        await self._db.open()

    async def close(self) -> None:
        await self._db.close()

    # -- Setups

    async def setup(self, board: str) -> BoardSetup:
        found = await self._db.one(_setup, "SELECT data FROM setups WHERE key = ?", board)
        return found if found is not None else BoardSetup(board)

    async def setups(self) -> list[BoardSetup]:
        return await self._db.every(_setup, "SELECT data FROM setups ORDER BY key")

    async def save_setup(self, setup: BoardSetup) -> None:
        data = json.dumps(setup_data(setup), sort_keys=True)
        await self._db.run(
            lambda db: db.execute(
                "INSERT INTO setups (key, data) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET data = excluded.data",
                (setup.key, data),
            )
        )

    # -- Deputies

    async def add_deputy(self, deputy: Deputy) -> None:
        await self._db.run(lambda db: immediate(db, lambda: _add_deputy(db, deputy)))

    async def end_deputy(self, board: str, member_id: str, today: dt.date) -> bool:
        return await self._db.run(
            lambda db: immediate(db, lambda: _end_deputy(db, board, member_id, today))
        )

    async def deputies(self, board: str, on: dt.date | None = None) -> list[Deputy]:
        if on is None:
            return await self._db.every(
                _deputy,
                "SELECT * FROM deputies WHERE board = ? ORDER BY starts, member_id, id",
                board,
            )
        day = on.isoformat()
        return await self._db.every(
            _deputy,
            "SELECT * FROM deputies WHERE board = ? AND starts <= ? AND ends >= ? "
            "ORDER BY starts, member_id, id",
            board,
            day,
            day,
        )

    # -- Decisions

    async def add_decision(self, decision: Decision) -> bool:
        row = decision_data(decision)
        columns = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        sql = f"INSERT INTO decisions ({columns}) VALUES ({marks}) ON CONFLICT (id) DO NOTHING"

        def _add(db: sqlite3.Connection) -> bool:
            return db.execute(sql, tuple(row.values())).rowcount == 1

        return await self._db.run(_add)

    async def decisions(
        self, after_seq: int = 0, limit: int = 500, board: str = ""
    ) -> list[Decision]:
        if board:
            return await self._db.every(
                _decision,
                "SELECT * FROM decisions WHERE seq > ? AND board = ? ORDER BY seq LIMIT ?",
                after_seq,
                board,
                limit,
            )
        return await self._db.every(
            _decision,
            "SELECT * FROM decisions WHERE seq > ? ORDER BY seq LIMIT ?",
            after_seq,
            limit,
        )

    async def decisions_for(self, reference: str) -> list[Decision]:
        return await self._db.every(
            _decision, "SELECT * FROM decisions WHERE reference = ? ORDER BY seq", reference
        )

    # -- Values

    async def get_value(self, key: str) -> str:
        found = await self._db.one(
            lambda row: str(row["value"]), "SELECT value FROM board_values WHERE key = ?", key
        )
        return found or ""

    async def set_value(self, key: str, value: str) -> None:
        await self._db.run(
            lambda db: db.execute(
                "INSERT INTO board_values (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )
        )

    async def take_turn(self, job: str, now: dt.datetime, hold: dt.timedelta) -> bool:
        key, held_until = f"turn:{job}", time_text(now + hold)

        def _take(db: sqlite3.Connection) -> bool:
            row = db.execute("SELECT value FROM board_values WHERE key = ?", (key,)).fetchone()
            if row is not None:
                held = json.loads(row["value"])
                if held["holder"] != self._holder and held["until"] > time_text(now):
                    return False
            db.execute(
                "INSERT INTO board_values (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, json.dumps({"holder": self._holder, "until": held_until})),
            )
            return True

        return await self._db.run(lambda db: immediate(db, lambda: _take(db)))

    # -- Personal data (personal_data.py: `my data`, `erase` and retention)

    async def all_deputies(self) -> list[Deputy]:
        """Every deputy of every board, oldest period first."""
        return await self._db.every(
            _deputy, "SELECT * FROM deputies ORDER BY board, starts, member_id, id"
        )

    async def rewrite_deputies(self, change: Callable[[Deputy], Deputy]) -> int:
        """Every deputy as `change` gives it back (ids and names anonymised, say): how many
        changed. Their periods stay as they are."""

        def write(db: sqlite3.Connection) -> int:
            changed = 0
            for row in db.execute("SELECT * FROM deputies").fetchall():
                old = _deputy(row)
                new = change(old)
                if new != old:
                    db.execute(
                        "UPDATE deputies SET member_id = ?, member_name = ?, deputy_id = ?, "
                        "deputy_name = ? WHERE id = ?",
                        (new.member_id, new.member_name, new.deputy_id, new.deputy_name, row["id"]),
                    )
                    changed += 1
            return changed

        return await self._db.run(lambda db: immediate(db, lambda: write(db)))

    async def values_starting(self, prefix: str) -> dict[str, str]:
        """Every value whose key starts with `prefix`, by key."""
        rows = await self._db.run(
            lambda db: db.execute(
                "SELECT key, value FROM board_values WHERE substr(key, 1, ?) = ? ORDER BY key",
                (len(prefix), prefix),
            ).fetchall()
        )
        return {str(row["key"]): str(row["value"]) for row in rows}

    async def delete_value(self, key: str) -> bool:
        return bool(
            await self._db.run(
                lambda db: db.execute("DELETE FROM board_values WHERE key = ?", (key,)).rowcount
            )
        )


def _seed(db: sqlite3.Connection, seed_members: frozenset[str]) -> None:
    """Write the sample setups on a file's first open only: a board set up since, or a
    sample changed by an admin, is never written over."""

    def _write() -> None:
        if db.execute("SELECT 1 FROM board_values WHERE key = ?", (_SEEDED,)).fetchone():
            return
        for setup in sample_setups(seed_members):
            db.execute(
                "INSERT INTO setups (key, data) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
                (setup.key, json.dumps(setup_data(setup), sort_keys=True)),
            )
        db.execute("INSERT INTO board_values (key, value) VALUES (?, ?)", (_SEEDED, "yes"))

    immediate(db, _write)


# -- Deputies


def _add_deputy(db: sqlite3.Connection, deputy: Deputy) -> None:
    # An earlier deputy of this member whose period overlaps the new one is replaced.
    db.execute(
        "DELETE FROM deputies WHERE board = ? AND member_id = ? AND starts <= ? AND ends >= ?",
        (deputy.board, deputy.member_id, deputy.ends.isoformat(), deputy.starts.isoformat()),
    )
    db.execute(
        "INSERT INTO deputies (board, member_id, member_name, deputy_id, deputy_name, starts, "
        "ends, named_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            deputy.board,
            deputy.member_id,
            deputy.member_name,
            deputy.deputy_id,
            deputy.deputy_name,
            deputy.starts.isoformat(),
            deputy.ends.isoformat(),
            time_text(deputy.named_at),
        ),
    )


def _end_deputy(db: sqlite3.Connection, board: str, member_id: str, today: dt.date) -> bool:
    """Deputies still running end yesterday; those not started yet (or starting today) go."""
    day = today.isoformat()
    yesterday = (today - dt.timedelta(days=1)).isoformat()
    gone = db.execute(
        "DELETE FROM deputies WHERE board = ? AND member_id = ? AND starts >= ?",
        (board, member_id, day),
    ).rowcount
    ended = db.execute(
        "UPDATE deputies SET ends = ? WHERE board = ? AND member_id = ? AND ends >= ?",
        (yesterday, board, member_id, day),
    ).rowcount
    return gone + ended > 0


def _setup(row: sqlite3.Row) -> BoardSetup:
    return setup_from(json.loads(row["data"]))


def _deputy(row: sqlite3.Row) -> Deputy:
    return deputy_from(dict(row))


def _decision(row: sqlite3.Row) -> Decision:
    return decision_from(dict(row), int(row["seq"]))
