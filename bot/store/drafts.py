"""Half-filled forms, one per person per form, with a version for optimistic concurrency."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

from bot.domain.model import Draft
from bot.ports import ChangedBySomeoneElse
from bot.store.database import Database, immediate

SCHEMA = """
CREATE TABLE IF NOT EXISTS form_drafts (
    owner_id TEXT NOT NULL,
    form TEXT NOT NULL,
    draft_id TEXT NOT NULL,
    step INTEGER NOT NULL,
    answers TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (owner_id, form)
);
"""

# Before drafts were kept per form, the only form was the digital request.
FORM_OF_OLD_DRAFTS = "request"


def move_drafts_keyed_by_person(db: sqlite3.Connection) -> None:
    """Files made when drafts were keyed by person alone: their drafts become request drafts."""

    def move() -> None:
        old = db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'drafts'"
        ).fetchone()
        if old is None:
            return  # a new file, or another connection moved them first
        db.execute(
            "INSERT OR IGNORE INTO form_drafts "
            "(owner_id, form, draft_id, step, answers, updated_at, version) "
            "SELECT owner_id, ?, draft_id, step, answers, updated_at, version FROM drafts",
            (FORM_OF_OLD_DRAFTS,),
        )
        db.execute("DROP TABLE drafts")

    immediate(db, move)


class DraftTable:
    """DraftStore on SQLite. Subclasses give `_db`."""

    _db: Database

    async def get_draft(self, owner_id: str, form: str) -> Draft | None:
        return await self._db.run(lambda db: _draft(db, owner_id, form))

    async def save_draft(self, draft: Draft) -> Draft:
        return await self._db.run(lambda db: immediate(db, lambda: _save(db, draft)))

    async def create_draft(self, draft: Draft) -> Draft | None:
        def create(db: sqlite3.Connection) -> Draft | None:
            made = db.execute(
                "INSERT INTO form_drafts "
                "(owner_id, form, draft_id, step, answers, updated_at, version) "
                "VALUES (?, ?, ?, ?, ?, ?, 1) ON CONFLICT(owner_id, form) DO NOTHING",
                (
                    draft.owner_id,
                    draft.form,
                    draft.draft_id,
                    draft.step,
                    json.dumps(draft.values),
                    draft.updated_at.isoformat(),
                ),
            )
            return _draft(db, draft.owner_id, draft.form) if made.rowcount == 1 else None

        return await self._db.run(lambda db: immediate(db, lambda: create(db)))

    async def delete_draft(self, owner_id: str, form: str) -> None:
        await self._db.run(
            lambda db: db.execute(
                "DELETE FROM form_drafts WHERE owner_id = ? AND form = ?", (owner_id, form)
            )
        )

    async def drafts_of(self, owner_id: str) -> list[Draft]:
        rows = await self._db.run(
            lambda db: db.execute(
                "SELECT * FROM form_drafts WHERE owner_id = ? ORDER BY form", (owner_id,)
            ).fetchall()
        )
        return [_from_row(row) for row in rows]

    async def delete_drafts_before(self, cutoff: dt.datetime) -> int:
        """Times are compared as times (the text is as each draft's save wrote it)."""

        def delete(db: sqlite3.Connection) -> int:
            rows = db.execute("SELECT owner_id, form, updated_at FROM form_drafts").fetchall()
            old = [
                (row["owner_id"], row["form"])
                for row in rows
                if dt.datetime.fromisoformat(row["updated_at"]) < cutoff
            ]
            for owner_id, form in old:
                db.execute(
                    "DELETE FROM form_drafts WHERE owner_id = ? AND form = ?", (owner_id, form)
                )
            return len(old)

        return await self._db.run(lambda db: immediate(db, lambda: delete(db)))


def _save(db: sqlite3.Connection, draft: Draft) -> Draft:
    answers = json.dumps(draft.values)
    updated = draft.updated_at.isoformat()
    if not draft.etag:
        db.execute(
            "INSERT INTO form_drafts "
            "(owner_id, form, draft_id, step, answers, updated_at, version) "
            "VALUES (?, ?, ?, ?, ?, ?, 1) ON CONFLICT(owner_id, form) DO UPDATE SET "
            "draft_id = excluded.draft_id, step = excluded.step, answers = excluded.answers, "
            "updated_at = excluded.updated_at, version = form_drafts.version + 1",
            (draft.owner_id, draft.form, draft.draft_id, draft.step, answers, updated),
        )
    else:
        cursor = db.execute(
            "UPDATE form_drafts SET step = ?, answers = ?, updated_at = ?, version = version + 1 "
            "WHERE owner_id = ? AND form = ? AND version = ?",
            (draft.step, answers, updated, draft.owner_id, draft.form, int(draft.etag)),
        )
        if cursor.rowcount != 1:
            raise ChangedBySomeoneElse("This draft changed since it was opened.")
    saved = _draft(db, draft.owner_id, draft.form)
    if saved is None:
        raise LookupError("The draft just saved is not there")
    return saved


def _draft(db: sqlite3.Connection, owner_id: str, form: str) -> Draft | None:
    row = db.execute(
        "SELECT * FROM form_drafts WHERE owner_id = ? AND form = ?", (owner_id, form)
    ).fetchone()
    return None if row is None else _from_row(row)


def _from_row(row: sqlite3.Row) -> Draft:
    return Draft(
        owner_id=row["owner_id"],
        form=row["form"],
        draft_id=row["draft_id"],
        step=row["step"],
        values=json.loads(row["answers"]),
        updated_at=dt.datetime.fromisoformat(row["updated_at"]),
        etag=str(row["version"]),
    )
