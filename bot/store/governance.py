"""Boards, processes, the scoring matrix and routing rules, kept as JSON in a config table.

Seeded with the council's published defaults on first start. In SharePoint mode the
journal keeps the latest copy read from SharePoint here, for when Graph is unreachable.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from typing import Any

from bot.domain import codec
from bot.domain import governance as defaults
from bot.domain.model import Matrix
from bot.ports import Governance
from bot.store.database import Database, immediate

SCHEMA = "CREATE TABLE IF NOT EXISTS config (key TEXT PRIMARY KEY, value TEXT NOT NULL);"


def seed_defaults(db: sqlite3.Connection) -> None:
    """First start only: the council's boards, processes, matrix and routing rules."""
    seed = {
        "boards": [dataclasses.asdict(b) for b in defaults.DEFAULT_BOARDS],
        "processes": [dataclasses.asdict(p) for p in defaults.DEFAULT_PROCESSES],
        "matrix": codec.matrix_to_dict(defaults.DEFAULT_MATRIX),
        "routing_rules": codec.rules_to_list(tuple(defaults.DEFAULT_RULES)),
    }
    for key, value in seed.items():
        db.execute(
            "INSERT OR IGNORE INTO config (key, value) VALUES (?, ?)", (key, json.dumps(value))
        )


class GovernanceTable:
    """GovernanceStore on SQLite. Subclasses give `_db`."""

    _db: Database

    async def governance(self) -> Governance:
        rows = await self._db.run(lambda db: db.execute("SELECT key, value FROM config").fetchall())
        config = {row["key"]: json.loads(row["value"]) for row in rows}
        return Governance(
            boards=codec.boards_from_list(config["boards"]),
            processes=codec.processes_from_list(config["processes"]),
            matrix=codec.matrix_from_dict(config["matrix"]),
            rules=codec.rules_from_list(config["routing_rules"]),
        )

    async def replace_governance(self, config: dict[str, Any]) -> None:
        """Keep the latest governance read from elsewhere: key -> JSON value, as seeded."""

        def write(db: sqlite3.Connection) -> None:
            for key, value in config.items():
                db.execute(
                    "INSERT INTO config (key, value) VALUES (?, ?) ON CONFLICT(key) "
                    "DO UPDATE SET value = excluded.value",
                    (key, json.dumps(value)),
                )

        await self._db.run(lambda db: immediate(db, lambda: write(db)))

    async def save_matrix(self, matrix: Matrix) -> None:
        """The new matrix becomes current; the one it replaces joins `matrix_history`."""

        def write(db: sqlite3.Connection) -> None:
            rows = dict(db.execute("SELECT key, value FROM config").fetchall())
            history = json.loads(rows.get("matrix_history", "[]"))
            if "matrix" in rows:
                history.append(json.loads(rows["matrix"]))
            current = codec.matrix_to_dict(matrix)
            for key, value in (("matrix_history", history), ("matrix", current)):
                db.execute(
                    "INSERT INTO config (key, value) VALUES (?, ?) ON CONFLICT(key) "
                    "DO UPDATE SET value = excluded.value",
                    (key, json.dumps(value)),
                )

        await self._db.run(lambda db: immediate(db, lambda: write(db)))

    async def matrix_history(self) -> list[Matrix]:
        sql = "SELECT value FROM config WHERE key = 'matrix_history'"
        row = await self._db.run(lambda db: db.execute(sql).fetchone())
        return [codec.matrix_from_dict(m) for m in json.loads(row["value"])] if row else []
