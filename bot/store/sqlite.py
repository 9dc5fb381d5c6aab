"""The local store: one SQLite file, every call run on one worker thread.

One connection on one thread keeps SQLite simple and safe; `BEGIN IMMEDIATE`
makes the reference counter atomic even if two processes share the file.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import datetime as dt
import json
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from bot.domain import governance as defaults
from bot.domain.model import DigitalRequest, Draft, Requester, Status
from bot.domain.references import format_reference
from bot.ports import ChangedBySomeoneElse, Governance, NewRequest, Page
from bot.store import codec

T = TypeVar("T")

SCHEMA = """
CREATE TABLE IF NOT EXISTS config (key TEXT PRIMARY KEY, value TEXT NOT NULL);
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
CREATE TABLE IF NOT EXISTS drafts (
    owner_id TEXT PRIMARY KEY,
    draft_id TEXT NOT NULL,
    step INTEGER NOT NULL,
    answers TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS channels (
    purpose TEXT PRIMARY KEY,
    reference TEXT NOT NULL,
    registered_by TEXT NOT NULL,
    registered_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS personal_chats (user_id TEXT PRIMARY KEY, reference TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS graph_outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    reference TEXT NOT NULL,
    op TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at TEXT NOT NULL,
    done_at TEXT
);
CREATE INDEX IF NOT EXISTS graph_outbox_pending ON graph_outbox (seq) WHERE done_at IS NULL;
CREATE TABLE IF NOT EXISTS handled_invokes (
    activity_id TEXT PRIMARY KEY,
    response TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sent_notifications (key TEXT PRIMARY KEY, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS people (user_id TEXT PRIMARY KEY, teams_id TEXT NOT NULL,
    name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS graph_items (
    reference TEXT PRIMARY KEY,
    item_id TEXT NOT NULL,
    etag TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class OutboxOp:
    """A write still owed to SharePoint. `create` makes the item; `triage` records the post."""

    seq: int
    reference: str
    op: str
    attempts: int


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


class SqliteStore:
    """Implements RequestRegister, DraftStore, GovernanceStore and ChannelDirectory."""

    def __init__(self, path: Path, outbox: bool = False) -> None:
        """With `outbox`, every write to a request is also queued for SharePoint."""
        self._path = path
        self._outbox = outbox
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite")
        self._db: sqlite3.Connection | None = None

    async def _run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._call, fn)

    def _call(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        if self._db is None:
            raise RuntimeError("The store is closed.")
        return fn(self._db)

    async def open(self) -> None:
        await asyncio.get_running_loop().run_in_executor(self._executor, self._open)

    def _open(self) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self._path, isolation_level=None, timeout=10)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA busy_timeout=10000")
        db.executescript(SCHEMA)
        _add_missing_columns(db)
        self._db = db
        self._seed(db)

    def _seed(self, db: sqlite3.Connection) -> None:
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

    async def close(self) -> None:
        def _close(db: sqlite3.Connection) -> None:
            db.close()

        if self._db is not None:
            await self._run(_close)
            self._db = None
        self._executor.shutdown(wait=True)

    async def ping(self) -> bool:
        return await self._run(lambda db: db.execute("SELECT 1").fetchone()[0] == 1)

    # Governance -------------------------------------------------------------

    async def governance(self) -> Governance:
        rows = await self._run(lambda db: db.execute("SELECT key, value FROM config").fetchall())
        config = {row["key"]: json.loads(row["value"]) for row in rows}
        return Governance(
            boards=codec.boards_from_list(config["boards"]),
            processes=codec.processes_from_list(config["processes"]),
            matrix=codec.matrix_from_dict(config["matrix"]),
            rules=codec.rules_from_list(config["routing_rules"]),
        )

    # Requests ---------------------------------------------------------------

    async def add(self, new: NewRequest) -> DigitalRequest:
        return await self._run(lambda db: self._add(db, new))

    def _add(self, db: sqlite3.Connection, new: NewRequest) -> DigitalRequest:
        db.execute("BEGIN IMMEDIATE")
        try:
            existing = db.execute(
                "SELECT * FROM requests WHERE draft_id = ?", (new.draft_id,)
            ).fetchone()
            if existing is not None:
                db.execute("COMMIT")
                return _request_from_row(existing)
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
                "requester_aad, status, board, score, details, score_detail, route, submitted_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                ),
            )
            row = db.execute("SELECT * FROM requests WHERE reference = ?", (reference,)).fetchone()
            self._enqueue(db, reference, "create")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return _request_from_row(row)

    async def get(self, reference: str) -> DigitalRequest | None:
        row = await self._run(
            lambda db: db.execute(
                "SELECT * FROM requests WHERE reference = ?", (reference.upper(),)
            ).fetchone()
        )
        return _request_from_row(row) if row else None

    async def update(self, request: DigitalRequest) -> DigitalRequest:
        """Save a triage change if nobody has changed the request since it was read."""
        return await self._run(lambda db: self._update(db, request))

    def _update(self, db: sqlite3.Connection, request: DigitalRequest) -> DigitalRequest:
        with db:
            db.execute("BEGIN IMMEDIATE")
            cursor = db.execute(
                "UPDATE requests SET status = ?, board = ?, route = ?, triage = ?, "
                "version = version + 1 WHERE reference = ? AND version = ?",
                (
                    request.status.value,
                    request.route.board,
                    json.dumps(codec.route_to_dict(request.route)),
                    json.dumps(codec.triage_to_dict(request)),
                    request.reference,
                    int(request.etag or 0),
                ),
            )
            if cursor.rowcount != 1:
                raise ChangedBySomeoneElse(f"{request.reference} changed since it was read.")
            self._enqueue(db, request.reference, "update")
            row = db.execute(
                "SELECT * FROM requests WHERE reference = ?", (request.reference,)
            ).fetchone()
        return _request_from_row(row)

    async def import_version(
        self, request: DigitalRequest, item_id: str, etag: str
    ) -> DigitalRequest:
        """Take SharePoint's copy as the truth (someone changed it there, say in Power Apps)."""

        def write(db: sqlite3.Connection) -> DigitalRequest:
            with db:
                db.execute("BEGIN IMMEDIATE")
                db.execute(
                    "UPDATE requests SET status = ?, board = ?, route = ?, triage = ?, "
                    "version = version + 1 WHERE reference = ?",
                    (
                        request.status.value,
                        request.route.board,
                        json.dumps(codec.route_to_dict(request.route)),
                        json.dumps(codec.triage_to_dict(request)),
                        request.reference,
                    ),
                )
                db.execute(
                    "INSERT INTO graph_items (reference, item_id, etag) VALUES (?, ?, ?) "
                    "ON CONFLICT(reference) DO UPDATE SET item_id = excluded.item_id, "
                    "etag = excluded.etag",
                    (request.reference, item_id, etag),
                )
                row = db.execute(
                    "SELECT * FROM requests WHERE reference = ?", (request.reference,)
                ).fetchone()
            return _request_from_row(row)

        return await self._run(write)

    async def pending_for(self, reference: str) -> int:
        return int(
            await self._run(
                lambda db: db.execute(
                    "SELECT COUNT(*) FROM graph_outbox WHERE reference = ? AND done_at IS NULL",
                    (reference,),
                ).fetchone()[0]
            )
        )

    async def by_draft(self, draft_id: str) -> DigitalRequest | None:
        row = await self._run(
            lambda db: db.execute(
                "SELECT * FROM requests WHERE draft_id = ?", (draft_id,)
            ).fetchone()
        )
        return _request_from_row(row) if row else None

    async def for_requester(
        self, requester_id: str, page_token: str | None = None, page_size: int = 10
    ) -> Page:
        before = _decode_token(page_token)

        def query(db: sqlite3.Connection) -> list[sqlite3.Row]:
            return db.execute(
                "SELECT * FROM requests WHERE requester_id = ? AND item_id < ? "
                "ORDER BY item_id DESC LIMIT ?",
                (requester_id, before, page_size + 1),
            ).fetchall()

        rows = await self._run(query)
        items = [_request_from_row(r) for r in rows[:page_size]]
        more = len(rows) > page_size
        token = _encode_token(int(items[-1].item_id)) if more and items else None
        return Page(items=items, next_token=token)

    async def recent(self, limit: int = 200) -> list[DigitalRequest]:
        rows = await self._run(
            lambda db: db.execute(
                "SELECT * FROM requests ORDER BY item_id DESC LIMIT ?", (limit,)
            ).fetchall()
        )
        return [_request_from_row(r) for r in rows]

    async def awaiting_triage_post(self, limit: int = 50) -> list[DigitalRequest]:
        rows = await self._run(
            lambda db: db.execute(
                "SELECT * FROM requests WHERE triage_message_id IS NULL ORDER BY item_id LIMIT ?",
                (limit,),
            ).fetchall()
        )
        return [_request_from_row(r) for r in rows]

    async def mark_triage_posted(self, reference: str, message_id: str) -> None:
        def mark(db: sqlite3.Connection) -> None:
            with db:
                db.execute("BEGIN IMMEDIATE")
                # Where the card is, not a change to the request: the version stays.
                db.execute(
                    "UPDATE requests SET triage_message_id = ? WHERE reference = ?",
                    (message_id, reference),
                )
                self._enqueue(db, reference, "triage")

        await self._run(mark)

    # Outbox (SharePoint mode) ---------------------------------------------------

    def _enqueue(self, db: sqlite3.Connection, reference: str, op: str) -> None:
        if self._outbox:
            db.execute(
                "INSERT INTO graph_outbox (reference, op, created_at) VALUES (?, ?, ?)",
                (reference, op, _now()),
            )

    async def outbox_pending(self, limit: int = 20) -> list[OutboxOp]:
        rows = await self._run(
            lambda db: db.execute(
                "SELECT seq, reference, op, attempts FROM graph_outbox WHERE done_at IS NULL "
                "ORDER BY seq LIMIT ?",
                (limit,),
            ).fetchall()
        )
        return [OutboxOp(r["seq"], r["reference"], r["op"], r["attempts"]) for r in rows]

    async def outbox_count(self) -> int:
        return int(
            await self._run(
                lambda db: db.execute(
                    "SELECT COUNT(*) FROM graph_outbox WHERE done_at IS NULL"
                ).fetchone()[0]
            )
        )

    async def outbox_done(self, seq: int, reference: str, item_id: str, etag: str) -> None:
        def done(db: sqlite3.Connection) -> None:
            with db:
                db.execute("BEGIN IMMEDIATE")
                db.execute("UPDATE graph_outbox SET done_at = ? WHERE seq = ?", (_now(), seq))
                if not item_id:
                    return
                db.execute(
                    "INSERT INTO graph_items (reference, item_id, etag) VALUES (?, ?, ?) "
                    "ON CONFLICT(reference) DO UPDATE SET item_id = excluded.item_id, "
                    "etag = excluded.etag",
                    (reference, item_id, etag),
                )

        await self._run(done)

    async def outbox_skip(self, reference: str, op: str) -> None:
        """A queued write that another write has already carried to SharePoint."""
        await self._run(
            lambda db: db.execute(
                "UPDATE graph_outbox SET done_at = ? WHERE reference = ? AND op = ? "
                "AND done_at IS NULL",
                (_now(), reference, op),
            )
        )

    async def outbox_failed(self, seq: int, error: str) -> None:
        await self._run(
            lambda db: db.execute(
                "UPDATE graph_outbox SET attempts = attempts + 1, last_error = ? WHERE seq = ?",
                (error[:500], seq),
            )
        )

    async def graph_item(self, reference: str) -> tuple[str, str] | None:
        row = await self._run(
            lambda db: db.execute(
                "SELECT item_id, etag FROM graph_items WHERE reference = ?", (reference,)
            ).fetchone()
        )
        return (row["item_id"], row["etag"]) if row else None

    async def triage_message_id(self, reference: str) -> str:
        row = await self._run(
            lambda db: db.execute(
                "SELECT triage_message_id FROM requests WHERE reference = ?", (reference,)
            ).fetchone()
        )
        return str(row["triage_message_id"] or "") if row else ""

    async def unwritten_references(self) -> set[str]:
        rows = await self._run(
            lambda db: db.execute(
                "SELECT reference FROM graph_outbox WHERE done_at IS NULL AND op = 'create'"
            ).fetchall()
        )
        return {r["reference"] for r in rows}

    async def raise_reference_floor(self, year: int, number: int) -> None:
        """Never hand out a number SharePoint already has (say, after the data folder was lost)."""
        await self._run(
            lambda db: db.execute(
                "INSERT INTO reference_counters (year, last) VALUES (?, ?) "
                "ON CONFLICT(year) DO UPDATE SET last = MAX(last, excluded.last)",
                (year, number),
            )
        )

    async def replace_governance(self, config: dict[str, Any]) -> None:
        """Keep the latest governance read from SharePoint, for when Graph is unreachable."""

        def write(db: sqlite3.Connection) -> None:
            with db:
                db.execute("BEGIN IMMEDIATE")
                for key, value in config.items():
                    db.execute(
                        "INSERT INTO config (key, value) VALUES (?, ?) ON CONFLICT(key) "
                        "DO UPDATE SET value = excluded.value",
                        (key, json.dumps(value)),
                    )

        await self._run(write)

    # Drafts -----------------------------------------------------------------

    async def get_draft(self, owner_id: str) -> Draft | None:
        row = await self._run(
            lambda db: db.execute("SELECT * FROM drafts WHERE owner_id = ?", (owner_id,)).fetchone()
        )
        return _draft_from_row(row) if row else None

    async def save_draft(self, draft: Draft) -> Draft:
        return await self._run(lambda db: self._save_draft(db, draft))

    def _save_draft(self, db: sqlite3.Connection, draft: Draft) -> Draft:
        answers = json.dumps(draft.values)
        updated = draft.updated_at.isoformat()
        if not draft.etag:
            db.execute(
                "INSERT INTO drafts (owner_id, draft_id, step, answers, updated_at, version) "
                "VALUES (?, ?, ?, ?, ?, 1) ON CONFLICT(owner_id) DO UPDATE SET "
                "draft_id = excluded.draft_id, step = excluded.step, answers = excluded.answers, "
                "updated_at = excluded.updated_at, version = drafts.version + 1",
                (draft.owner_id, draft.draft_id, draft.step, answers, updated),
            )
        else:
            cursor = db.execute(
                "UPDATE drafts SET step = ?, answers = ?, updated_at = ?, version = version + 1 "
                "WHERE owner_id = ? AND version = ?",
                (draft.step, answers, updated, draft.owner_id, int(draft.etag)),
            )
            if cursor.rowcount != 1:
                raise ChangedBySomeoneElse("This draft changed since it was opened.")
        row = db.execute("SELECT * FROM drafts WHERE owner_id = ?", (draft.owner_id,)).fetchone()
        return _draft_from_row(row)

    async def delete_draft(self, owner_id: str) -> None:
        await self._run(lambda db: db.execute("DELETE FROM drafts WHERE owner_id = ?", (owner_id,)))

    # Channels and chats -----------------------------------------------------

    async def register_channel(
        self, purpose: str, reference: dict[str, Any], registered_by: str
    ) -> None:
        await self._run(
            lambda db: db.execute(
                "INSERT INTO channels (purpose, reference, registered_by, registered_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT(purpose) DO UPDATE SET "
                "reference = excluded.reference, registered_by = excluded.registered_by, "
                "registered_at = excluded.registered_at",
                (purpose, json.dumps(reference), registered_by, _now()),
            )
        )

    async def channel(self, purpose: str) -> dict[str, Any] | None:
        row = await self._run(
            lambda db: db.execute(
                "SELECT reference FROM channels WHERE purpose = ?", (purpose,)
            ).fetchone()
        )
        return json.loads(row["reference"]) if row else None

    async def personal_chat(self, user_id: str) -> dict[str, Any] | None:
        row = await self._run(
            lambda db: db.execute(
                "SELECT reference FROM personal_chats WHERE user_id = ?", (user_id,)
            ).fetchone()
        )
        return json.loads(row["reference"]) if row else None

    # Exactly once: redelivered invokes and repeated notifications ------------------

    async def handled_invoke(self, activity_id: str) -> dict[str, Any] | None:
        row = await self._run(
            lambda db: db.execute(
                "SELECT response FROM handled_invokes WHERE activity_id = ?", (activity_id,)
            ).fetchone()
        )
        return json.loads(row["response"]) if row else None

    async def remember_invoke(self, activity_id: str, response: dict[str, Any]) -> None:
        await self._run(
            lambda db: db.execute(
                "INSERT OR IGNORE INTO handled_invokes (activity_id, response, at) "
                "VALUES (?, ?, ?)",
                (activity_id, json.dumps(response), _now()),
            )
        )

    async def claim_notification(self, key: str) -> bool:
        """True the first time a key is claimed, False ever after."""
        cursor = await self._run(
            lambda db: db.execute(
                "INSERT OR IGNORE INTO sent_notifications (key, at) VALUES (?, ?)", (key, _now())
            )
        )
        return bool(cursor.rowcount == 1)

    async def remember_person(self, user_id: str, teams_id: str, name: str) -> None:
        await self._run(
            lambda db: db.execute(
                "INSERT INTO people (user_id, teams_id, name) VALUES (?, ?, ?) "
                "ON CONFLICT(user_id) DO UPDATE SET teams_id = excluded.teams_id, "
                "name = excluded.name",
                (user_id, teams_id, name),
            )
        )

    async def people(self, user_ids: frozenset[str]) -> dict[str, tuple[str, str]]:
        """Known Teams ids and names of these people: user id -> (teams id, name)."""
        rows = await self._run(lambda db: db.execute("SELECT * FROM people").fetchall())
        return {r["user_id"]: (r["teams_id"], r["name"]) for r in rows if r["user_id"] in user_ids}

    async def remember_personal_chat(self, user_id: str, reference: dict[str, Any]) -> None:
        await self._run(
            lambda db: db.execute(
                "INSERT INTO personal_chats (user_id, reference) VALUES (?, ?) "
                "ON CONFLICT(user_id) DO UPDATE SET reference = excluded.reference",
                (user_id, json.dumps(reference)),
            )
        )


def _encode_token(item_id: int) -> str:
    return base64.urlsafe_b64encode(str(item_id).encode()).decode()


def _decode_token(token: str | None) -> int:
    if not token:
        return 2**62
    try:
        return int(base64.urlsafe_b64decode(token.encode()).decode())
    except (ValueError, UnicodeDecodeError):
        return 2**62


def _add_missing_columns(db: sqlite3.Connection) -> None:
    """Files made by an earlier version get the columns added since."""
    have = {row["name"] for row in db.execute("PRAGMA table_info(requests)")}
    if "triage" not in have:
        db.execute("ALTER TABLE requests ADD COLUMN triage TEXT")


def _request_from_row(row: sqlite3.Row) -> DigitalRequest:
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


def _draft_from_row(row: sqlite3.Row) -> Draft:
    return Draft(
        owner_id=row["owner_id"],
        draft_id=row["draft_id"],
        step=row["step"],
        values=json.loads(row["answers"]),
        updated_at=dt.datetime.fromisoformat(row["updated_at"]),
        etag=str(row["version"]),
    )
