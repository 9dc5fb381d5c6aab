"""The procurement journey's SQLite file: the engagements, and the application catalogue
in local mode.

Every read-modify-write runs in one `BEGIN IMMEDIATE`, so two bot processes sharing the
file never both save over one engagement, and an import is all or nothing. Times are
kept as UTC ISO text with microseconds, so they sort as text and read back
timezone-aware. Matches and checklist answers are kept as JSON.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection
from pathlib import Path
from typing import Any

from bot.domain.procurement import (
    CatalogueEntry,
    CatalogueMatch,
    CatalogueOutcome,
    Engagement,
    ReviewPath,
    Stage,
)
from bot.journeys.procurement.ports import Imported, catalogue_order, check_storable
from bot.ports import ChangedBySomeoneElse
from bot.store.database import Database, immediate
from bot.store.times import maybe_day_from, maybe_day_text, time_from, time_text

SCHEMA = """
CREATE TABLE IF NOT EXISTS catalogue (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    supplier TEXT NOT NULL,
    owner_name TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    capabilities TEXT NOT NULL,
    description TEXT NOT NULL,
    users INTEGER,
    contract_end TEXT,
    licences INTEGER,
    directorate TEXT NOT NULL,
    platform INTEGER NOT NULL,
    sample INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS catalogue_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    generation INTEGER NOT NULL,
    imported INTEGER NOT NULL,
    seeded INTEGER NOT NULL
);
INSERT OR IGNORE INTO catalogue_state (id, generation, imported, seeded) VALUES (1, 0, 0, 0);
CREATE TABLE IF NOT EXISTS engagements (
    id TEXT PRIMARY KEY,
    owner_id TEXT NOT NULL,
    owner_name TEXT NOT NULL,
    need TEXT NOT NULL,
    renewal INTEGER NOT NULL,
    system_name TEXT NOT NULL,
    stage TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    reference TEXT NOT NULL,
    draft_id TEXT NOT NULL,
    matches TEXT NOT NULL,
    outcome TEXT,
    chosen_entry_id TEXT NOT NULL,
    none_fit_reason TEXT NOT NULL,
    checklist TEXT NOT NULL,
    path TEXT,
    pack_token TEXT NOT NULL,
    version INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS engagements_by_owner ON engagements (owner_id, created_at);
CREATE INDEX IF NOT EXISTS engagements_by_reference ON engagements (reference);
CREATE INDEX IF NOT EXISTS engagements_by_draft ON engagements (draft_id);
CREATE UNIQUE INDEX IF NOT EXISTS engagements_by_pack_token
    ON engagements (pack_token) WHERE pack_token <> '';
"""


class SqliteProcurementStore:
    """CatalogueStore and EngagementStore on one SQLite file, safe for several processes."""

    def __init__(self, path: Path) -> None:
        self._db = Database(path, SCHEMA)

    async def open(self) -> None:
        await self._db.open()

    async def close(self) -> None:
        await self._db.close()

    # The catalogue

    async def entries(self) -> list[CatalogueEntry]:
        found = await self._db.every(_entry, "SELECT * FROM catalogue")
        return sorted(found, key=catalogue_order)

    async def entry(self, entry_id: str) -> CatalogueEntry | None:
        return await self._db.one(_entry, "SELECT * FROM catalogue WHERE id = ?", entry_id)

    async def generation(self) -> int:
        found = await self._db.one(
            lambda row: int(row[0]), "SELECT generation FROM catalogue_state WHERE id = 1"
        )
        return found or 0

    async def import_entries(
        self,
        entries: list[CatalogueEntry],
        replace: bool = False,
        keep: Collection[str] = frozenset(),
    ) -> Imported:
        entries = list(entries)
        check_storable(entries)
        staying = {entry.id for entry in entries} | set(keep)

        def write(db: sqlite3.Connection) -> Imported:
            removed: list[CatalogueEntry] = []
            for row in db.execute("SELECT * FROM catalogue").fetchall():
                if row["sample"]:
                    db.execute("DELETE FROM catalogue WHERE id = ?", (row["id"],))
                elif replace and row["id"] not in staying:
                    db.execute("DELETE FROM catalogue WHERE id = ?", (row["id"],))
                    removed.append(_entry(row))
            for entry in entries:
                _upsert(db, entry)
            db.execute(
                "UPDATE catalogue_state SET generation = generation + 1, imported = 1 WHERE id = 1"
            )
            return Imported(len(entries), tuple(sorted(removed, key=catalogue_order)))

        return await self._db.run(lambda db: immediate(db, lambda: write(db)))

    async def remove_entries(self, ids: Collection[str]) -> list[CatalogueEntry]:
        wanted = set(ids)

        def write(db: sqlite3.Connection) -> list[CatalogueEntry]:
            removed = []
            for entry_id in sorted(wanted):
                row = db.execute("SELECT * FROM catalogue WHERE id = ?", (entry_id,)).fetchone()
                if row is not None:
                    db.execute("DELETE FROM catalogue WHERE id = ?", (entry_id,))
                    removed.append(_entry(row))
            if removed:
                db.execute("UPDATE catalogue_state SET generation = generation + 1 WHERE id = 1")
            return sorted(removed, key=catalogue_order)

        return await self._db.run(lambda db: immediate(db, lambda: write(db)))

    async def seed_if_empty(self, entries: list[CatalogueEntry]) -> bool:
        entries = list(entries)
        check_storable(entries)

        def write(db: sqlite3.Connection) -> bool:
            state = db.execute(
                "SELECT imported, seeded FROM catalogue_state WHERE id = 1"
            ).fetchone()
            if state["imported"] or state["seeded"]:
                return False
            if db.execute("SELECT 1 FROM catalogue LIMIT 1").fetchone() is not None:
                return False
            for entry in entries:
                _upsert(db, entry)
            db.execute(
                "UPDATE catalogue_state SET generation = generation + 1, seeded = 1 WHERE id = 1"
            )
            return True

        return await self._db.run(lambda db: immediate(db, lambda: write(db)))

    # Engagements

    async def add(self, engagement: Engagement) -> Engagement:
        if not engagement.id:
            raise ValueError("An engagement needs an id.")
        e = engagement

        def write(db: sqlite3.Connection) -> Engagement:
            db.execute(
                f"INSERT INTO engagements ({', '.join(_COLUMNS)}) "
                f"VALUES ({', '.join('?' for _ in _COLUMNS)})",
                (*_engagement_values(e), 1),
            )
            return _must_engagement(db, e.id)

        return await self._db.run(lambda db: immediate(db, lambda: write(db)))

    async def get(self, engagement_id: str) -> Engagement | None:
        return await self._db.one(
            _engagement, "SELECT * FROM engagements WHERE id = ?", engagement_id
        )

    async def by_reference(self, reference: str) -> Engagement | None:
        if not reference:
            return None
        return await self._db.one(
            _engagement,
            "SELECT * FROM engagements WHERE reference = ? ORDER BY created_at DESC, id LIMIT 1",
            reference,
        )

    async def by_draft(self, draft_id: str) -> Engagement | None:
        if not draft_id:
            return None
        return await self._db.one(
            _engagement,
            "SELECT * FROM engagements WHERE draft_id = ? ORDER BY created_at DESC, id LIMIT 1",
            draft_id,
        )

    async def by_pack_token(self, token: str) -> Engagement | None:
        if not token:
            return None
        return await self._db.one(
            _engagement, "SELECT * FROM engagements WHERE pack_token = ?", token
        )

    async def for_owner(self, owner_id: str, limit: int = 20) -> list[Engagement]:
        return await self._db.every(
            _engagement,
            "SELECT * FROM engagements WHERE owner_id = ? "
            "ORDER BY created_at DESC, id DESC LIMIT ?",
            owner_id,
            max(0, limit),
        )

    async def save(self, engagement: Engagement) -> Engagement:
        e = engagement

        def write(db: sqlite3.Connection) -> Engagement:
            sets = ", ".join(f"{column} = ?" for column in _COLUMNS[1:-1])
            changed = db.execute(
                f"UPDATE engagements SET {sets}, version = version + 1 "
                "WHERE id = ? AND version = ?",
                (*_engagement_values(e)[1:], e.id, e.version),
            ).rowcount
            if not changed:
                if db.execute("SELECT 1 FROM engagements WHERE id = ?", (e.id,)).fetchone():
                    raise ChangedBySomeoneElse(f"{e.id} changed since it was read.")
                raise LookupError(f"{e.id} is not in the store.")
            return _must_engagement(db, e.id)

        return await self._db.run(lambda db: immediate(db, lambda: write(db)))

    async def all_engagements(self) -> list[Engagement]:
        """Every engagement, oldest first (for `my data`, `erase` and retention)."""
        return await self._db.every(
            _engagement, "SELECT * FROM engagements ORDER BY created_at, id"
        )


# Engagement columns, in the order `_engagement_values` gives them, then the version.
_COLUMNS = (
    "id",
    "owner_id",
    "owner_name",
    "need",
    "renewal",
    "system_name",
    "stage",
    "created_at",
    "updated_at",
    "reference",
    "draft_id",
    "matches",
    "outcome",
    "chosen_entry_id",
    "none_fit_reason",
    "checklist",
    "path",
    "pack_token",
    "version",
)


def _engagement_values(e: Engagement) -> tuple[Any, ...]:
    return (
        e.id,
        e.owner_id,
        e.owner_name,
        e.need,
        int(e.renewal),
        e.system_name,
        str(e.stage),
        time_text(e.created_at),
        time_text(e.updated_at),
        e.reference,
        e.draft_id,
        json.dumps([_match_json(m) for m in e.matches], ensure_ascii=False),
        None if e.outcome is None else str(e.outcome),
        e.chosen_entry_id,
        e.none_fit_reason,
        json.dumps(dict(e.checklist), ensure_ascii=False),
        None if e.path is None else str(e.path),
        e.pack_token,
    )


def _upsert(db: sqlite3.Connection, entry: CatalogueEntry) -> None:
    c = entry
    db.execute(
        "INSERT OR REPLACE INTO catalogue (id, name, supplier, owner_name, owner_id, "
        "capabilities, description, users, contract_end, licences, directorate, platform, "
        "sample) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            c.id,
            c.name,
            c.supplier,
            c.owner_name,
            c.owner_id,
            json.dumps(list(c.capabilities), ensure_ascii=False),
            c.description,
            c.users,
            maybe_day_text(c.contract_end),
            c.licences,
            c.directorate,
            int(c.platform),
            int(c.sample),
        ),
    )


def _must_engagement(db: sqlite3.Connection, engagement_id: str) -> Engagement:
    row = db.execute("SELECT * FROM engagements WHERE id = ?", (engagement_id,)).fetchone()
    if row is None:
        raise LookupError(f"{engagement_id} is not in the store.")
    return _engagement(row)


def _match_json(m: CatalogueMatch) -> dict[str, Any]:
    return {
        "entry_id": m.entry_id,
        "name": m.name,
        "score": m.score,
        "why": list(m.why),
        "platform": m.platform,
    }


def _match(data: dict[str, Any]) -> CatalogueMatch:
    return CatalogueMatch(
        entry_id=str(data["entry_id"]),
        name=str(data["name"]),
        score=float(data["score"]),
        why=tuple(str(why) for why in data["why"]),
        platform=bool(data.get("platform", False)),
    )


def _entry(row: sqlite3.Row) -> CatalogueEntry:
    return CatalogueEntry(
        id=row["id"],
        name=row["name"],
        supplier=row["supplier"],
        owner_name=row["owner_name"],
        owner_id=row["owner_id"],
        capabilities=tuple(str(c) for c in json.loads(row["capabilities"])),
        description=row["description"],
        users=row["users"],
        contract_end=maybe_day_from(row["contract_end"]),
        licences=row["licences"],
        directorate=row["directorate"],
        platform=bool(row["platform"]),
        sample=bool(row["sample"]),
    )


def _engagement(row: sqlite3.Row) -> Engagement:
    return Engagement(
        id=row["id"],
        owner_id=row["owner_id"],
        owner_name=row["owner_name"],
        need=row["need"],
        renewal=bool(row["renewal"]),
        system_name=row["system_name"],
        stage=Stage(row["stage"]),
        created_at=time_from(row["created_at"]),
        updated_at=time_from(row["updated_at"]),
        reference=row["reference"],
        draft_id=row["draft_id"],
        matches=tuple(_match(m) for m in json.loads(row["matches"])),
        outcome=None if row["outcome"] is None else CatalogueOutcome(row["outcome"]),
        chosen_entry_id=row["chosen_entry_id"],
        none_fit_reason=row["none_fit_reason"],
        checklist={str(k): str(v) for k, v in json.loads(row["checklist"]).items()},
        path=None if row["path"] is None else ReviewPath(row["path"]),
        pack_token=row["pack_token"],
        version=int(row["version"]),
    )
