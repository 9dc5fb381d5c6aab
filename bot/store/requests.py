"""The requests table and its reference counter, shared by the local store and the journal.

`_written` is called inside the transaction of every write to a request; the journal
uses it to queue the same write for SharePoint, the local store does nothing.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import sqlite3

from bot.domain import codec
from bot.domain.model import DigitalRequest, Requester, Status
from bot.domain.references import format_reference
from bot.page_tokens import PageTokens, requests_of_requester
from bot.ports import ChangedBySomeoneElse, NewRequest, Page, RequestQuery
from bot.store.database import Database, immediate

SCHEMA = """
CREATE TABLE IF NOT EXISTS reference_counters (year INTEGER PRIMARY KEY, last INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS requests (
    item_id INTEGER PRIMARY KEY AUTOINCREMENT,
    reference TEXT NOT NULL UNIQUE,
    draft_id TEXT NOT NULL UNIQUE,
    requester_id TEXT NOT NULL,
    requester_name TEXT NOT NULL,
    requester_aad TEXT NOT NULL,
    status TEXT NOT NULL,
    board TEXT NOT NULL,
    score INTEGER NOT NULL,
    details TEXT NOT NULL,
    score_detail TEXT NOT NULL,
    route TEXT NOT NULL,
    submitted_at TEXT NOT NULL,
    triage_message_id TEXT,
    triage TEXT,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX IF NOT EXISTS requests_by_requester ON requests (requester_id, item_id);
CREATE INDEX IF NOT EXISTS requests_awaiting_triage ON requests (item_id)
    WHERE triage_message_id IS NULL;
"""

# A change to a request after it was sent: by IT triage, or to its answers by its requester
# (which also changes the score).
_TRIAGE_CHANGE = (
    "UPDATE requests SET status = ?, board = ?, route = ?, triage = ?, details = ?, score = ?, "
    "score_detail = ?, directorate = ?, theme = ?, updated_at = ?, version = version + 1 "
    "WHERE reference = ?"
)
# Copies of what the JSON columns hold, so the API's filters can use an index.
LISTING_COLUMNS = ("directorate", "theme", "updated_at")
_LISTING_INDEXES = """
CREATE INDEX IF NOT EXISTS requests_by_status ON requests (status, item_id);
CREATE INDEX IF NOT EXISTS requests_by_board ON requests (board, item_id);
CREATE INDEX IF NOT EXISTS requests_by_directorate ON requests (directorate, item_id);
CREATE INDEX IF NOT EXISTS requests_by_theme ON requests (theme, item_id);
CREATE INDEX IF NOT EXISTS requests_by_updated ON requests (updated_at);
"""


def add_triage_column(db: sqlite3.Connection) -> None:
    """Files made before triage existed get its column."""

    def add() -> None:
        have = {row["name"] for row in db.execute("PRAGMA table_info(requests)")}
        if "triage" not in have:  # not yet added by another connection
            db.execute("ALTER TABLE requests ADD COLUMN triage TEXT")

    immediate(db, add)


def add_listing_columns(db: sqlite3.Connection) -> None:
    """Files made before the REST API get the columns its filters use, filled in from
    each request's stored answers and history, and their indexes."""

    def add() -> None:
        have = {row["name"] for row in db.execute("PRAGMA table_info(requests)")}
        missing = [name for name in LISTING_COLUMNS if name not in have]
        for name in missing:  # none when another connection has added them
            db.execute(f"ALTER TABLE requests ADD COLUMN {name} TEXT NOT NULL DEFAULT ''")
        if missing:
            for row in db.execute("SELECT * FROM requests").fetchall():
                request = request_from_row(row)
                db.execute(
                    "UPDATE requests SET directorate = ?, theme = ?, updated_at = ? "
                    "WHERE item_id = ?",
                    (*listing_values(request), row["item_id"]),
                )
        for statement in _LISTING_INDEXES.strip().split(";"):
            if statement.strip():
                db.execute(statement)

    immediate(db, add)


def utc_text(moment: dt.datetime) -> str:
    """A time as UTC ISO text of one fixed shape, so that text order is time order."""
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def last_changed(request: DigitalRequest) -> dt.datetime:
    """When a request last changed: its newest history entry, else when it was sent."""
    return max([request.submitted_at, *(entry.at for entry in request.history)])


def listing_values(request: DigitalRequest) -> tuple[str, str, str]:
    return (request.details.directorate, request.theme, utc_text(last_changed(request)))


class RequestTables:
    """RequestRegister on SQLite. Subclasses give `_db` and may override `_written`."""

    _db: Database

    def _written(self, db: sqlite3.Connection, reference: str, op: str) -> None:
        """A request was created ("create"), changed ("update"), posted ("triage") or
        overwritten whole for data protection ("replace")."""

    async def add(self, new: NewRequest) -> DigitalRequest:
        return await self._db.run(lambda db: immediate(db, lambda: self._add(db, new)))

    def _add(self, db: sqlite3.Connection, new: NewRequest) -> DigitalRequest:
        existing = _one(db, "draft_id", new.draft_id)
        if existing is not None:
            return existing
        year = new.submitted_at.year
        db.execute(
            "INSERT INTO reference_counters (year, last) VALUES (?, 1) "
            "ON CONFLICT(year) DO UPDATE SET last = last + 1",
            (year,),
        )
        number = db.execute(
            "SELECT last FROM reference_counters WHERE year = ?", (year,)
        ).fetchone()[0]
        reference = format_reference(year, number)
        db.execute(
            "INSERT INTO requests (reference, draft_id, requester_id, requester_name, "
            "requester_aad, status, board, score, details, score_detail, route, submitted_at, "
            "directorate, theme, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                reference,
                new.draft_id,
                new.requester.user_id,
                new.requester.name,
                new.requester.aad_object_id,
                Status.SUBMITTED.value,
                new.route.board,
                new.score.total,
                json.dumps(codec.details_to_dict(new.details)),
                json.dumps(codec.score_to_dict(new.score)),
                json.dumps(codec.route_to_dict(new.route)),
                new.submitted_at.isoformat(),
                new.details.directorate,
                "",
                utc_text(new.submitted_at),
            ),
        )
        self._written(db, reference, "create")
        return _must(db, reference)

    async def get(self, reference: str) -> DigitalRequest | None:
        return await self._db.run(lambda db: _one(db, "reference", reference.strip().upper()))

    async def by_draft(self, draft_id: str) -> DigitalRequest | None:
        return await self._db.run(lambda db: _one(db, "draft_id", draft_id))

    async def update(self, request: DigitalRequest) -> DigitalRequest:
        """Save a change if nobody has changed the request since it was read."""
        return await self._db.run(lambda db: immediate(db, lambda: self._update(db, request)))

    def _update(self, db: sqlite3.Connection, request: DigitalRequest) -> DigitalRequest:
        cursor = db.execute(
            f"{_TRIAGE_CHANGE} AND version = ?",
            (*triage_change(request), int(request.etag or 0)),
        )
        if cursor.rowcount != 1:
            raise ChangedBySomeoneElse(f"{request.reference} changed since it was read.")
        self._written(db, request.reference, "update")
        return _must(db, request.reference)

    async def replace_request(self, request: DigitalRequest) -> DigitalRequest:
        """Overwrite every field, the requester included, whatever the version: an
        anonymised copy (bot/domain/anonymise.py) wins over any concurrent edit."""
        return await self._db.run(lambda db: immediate(db, lambda: self._replace(db, request)))

    def _replace(self, db: sqlite3.Connection, request: DigitalRequest) -> DigitalRequest:
        cursor = db.execute(_REPLACE, replace_values(request))
        if cursor.rowcount != 1:
            raise LookupError(f"{request.reference} is not in the store")
        self._written(db, request.reference, "replace")
        return _must(db, request.reference)

    async def for_requester(
        self, requester_id: str, page_token: str | None = None, page_size: int = 10
    ) -> Page:
        query = requests_of_requester(page_size)
        cursor = self._page_tokens.cursor(page_token, requester_id, query)
        before = int(cursor) if cursor else 2**62
        rows = await self._db.run(
            lambda db: db.execute(
                "SELECT * FROM requests WHERE requester_id = ? AND item_id < ? "
                "ORDER BY item_id DESC LIMIT ?",
                (requester_id, before, page_size + 1),
            ).fetchall()
        )
        items = [request_from_row(r) for r in rows[:page_size]]
        token = None
        if len(rows) > page_size and items:
            token = self._page_tokens.issue(requester_id, query, items[-1].item_id)
        return Page(items=items, next_token=token)

    @functools.cached_property
    def _page_tokens(self) -> PageTokens:
        return PageTokens()

    async def recent(self, limit: int = 200) -> list[DigitalRequest]:
        rows = await self._db.run(
            lambda db: db.execute(
                "SELECT * FROM requests ORDER BY item_id DESC LIMIT ?", (limit,)
            ).fetchall()
        )
        return [request_from_row(r) for r in rows]

    async def query(
        self, query: RequestQuery, after: int = 0, limit: int = 500
    ) -> list[DigitalRequest]:
        where: list[str] = ["item_id > ?"]
        args: list[object] = [after]
        if query.statuses:
            where.append(f"status IN ({', '.join('?' for _ in query.statuses)})")
            args.extend(sorted(s.value for s in query.statuses))
        if query.board:
            where.append("board = ?")
            args.append(query.board)
        # submitted_at is kept as UTC ISO text, so text order is time order.
        if query.submitted_from is not None:
            where.append("submitted_at >= ?")
            args.append(query.submitted_from.astimezone(dt.UTC).isoformat())
        if query.submitted_before is not None:
            where.append("submitted_at < ?")
            args.append(query.submitted_before.astimezone(dt.UTC).isoformat())
        if query.directorate:
            where.append("directorate = ?")
            args.append(query.directorate)
        if query.theme:
            where.append("theme = ?")
            args.append(query.theme)
        if query.updated_since is not None:
            where.append("updated_at >= ?")
            args.append(utc_text(query.updated_since))
        sql = f"SELECT * FROM requests WHERE {' AND '.join(where)} ORDER BY item_id LIMIT ?"
        rows = await self._db.run(lambda db: db.execute(sql, (*args, limit)).fetchall())
        return [request_from_row(r) for r in rows]

    async def awaiting_triage_post(self, limit: int = 50) -> list[DigitalRequest]:
        rows = await self._db.run(
            lambda db: db.execute(
                "SELECT * FROM requests WHERE triage_message_id IS NULL ORDER BY item_id LIMIT ?",
                (limit,),
            ).fetchall()
        )
        return [request_from_row(r) for r in rows]

    async def mark_triage_posted(self, reference: str, message_id: str) -> None:
        def mark(db: sqlite3.Connection) -> None:
            # Where the card is, not a change to the request: the version stays.
            db.execute(
                "UPDATE requests SET triage_message_id = ? WHERE reference = ?",
                (message_id, reference),
            )
            self._written(db, reference, "triage")

        await self._db.run(lambda db: immediate(db, lambda: mark(db)))

    async def triage_message_id(self, reference: str) -> str:
        row = await self._db.run(
            lambda db: db.execute(
                "SELECT triage_message_id FROM requests WHERE reference = ?", (reference,)
            ).fetchone()
        )
        return str(row["triage_message_id"] or "") if row else ""


def overwrite(db: sqlite3.Connection, request: DigitalRequest) -> DigitalRequest:
    """Take another copy's triage state whatever the version (SharePoint's, say)."""
    db.execute(_TRIAGE_CHANGE, triage_change(request))
    return _must(db, request.reference)


# Data protection's overwrite (replace_request): the triage change and the requester.
_REPLACE = (
    "UPDATE requests SET requester_id = ?, requester_name = ?, requester_aad = ?, "
    + _TRIAGE_CHANGE.removeprefix("UPDATE requests SET ")
)


def replace_values(request: DigitalRequest) -> tuple[str | int, ...]:
    requester = request.requester
    return (requester.user_id, requester.name, requester.aad_object_id, *triage_change(request))


def triage_change(request: DigitalRequest) -> tuple[str | int, ...]:
    return (
        request.status.value,
        request.route.board,
        json.dumps(codec.route_to_dict(request.route)),
        json.dumps(codec.triage_to_dict(request)),
        json.dumps(codec.details_to_dict(request.details)),
        request.score.total,
        json.dumps(codec.score_to_dict(request.score)),
        *listing_values(request),
        request.reference,
    )


def _one(db: sqlite3.Connection, column: str, value: str) -> DigitalRequest | None:
    row = db.execute(f"SELECT * FROM requests WHERE {column} = ?", (value,)).fetchone()
    return request_from_row(row) if row else None


def _must(db: sqlite3.Connection, reference: str) -> DigitalRequest:
    found = _one(db, "reference", reference)
    if found is None:
        raise LookupError(f"{reference} is not in the store")
    return found


def request_from_row(row: sqlite3.Row) -> DigitalRequest:
    return DigitalRequest(
        reference=row["reference"],
        details=codec.details_from_dict(json.loads(row["details"])),
        requester=Requester(
            user_id=row["requester_id"],
            name=row["requester_name"],
            aad_object_id=row["requester_aad"],
        ),
        score=codec.score_from_dict(json.loads(row["score_detail"])),
        route=codec.route_from_dict(json.loads(row["route"])),
        status=Status(row["status"]),
        submitted_at=dt.datetime.fromisoformat(row["submitted_at"]),
        item_id=str(row["item_id"]),
        etag=str(row["version"]),
        **codec.triage_fields(json.loads(row["triage"]) if row["triage"] else None),
    )
