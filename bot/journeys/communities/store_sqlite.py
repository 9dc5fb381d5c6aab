"""The communities store on one SQLite file: local mode, and the shape for Azure later.

Every read-modify-write runs in one `BEGIN IMMEDIATE`, so two bot processes sharing
the file never hand out one reference twice, never both lease one nudge, and never
both save over one question. Times are kept as UTC ISO text with microseconds, so
they sort as text and read back timezone-aware.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.clock import Clock
from bot.domain.communities import (
    Answer,
    Champion,
    Community,
    KnowledgeEntry,
    Nudge,
    NudgeOutcome,
    NudgeStep,
    Question,
)
from bot.journeys.communities.ports import StaleQuestion
from bot.journeys.communities.records import (
    answer_from,
    champion_from,
    community_from,
    entry_from,
    format_reference,
    parse_reference,
    question_from,
    record_from,
)
from bot.store.database import Database, immediate
from bot.store.times import (
    maybe_day_text,
    maybe_time_from,
    maybe_time_text,
    time_from,
    time_text,
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS communities (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    keywords TEXT NOT NULL,
    lead_id TEXT NOT NULL,
    lead_name TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS champions (
    user_id TEXT NOT NULL,
    community_id TEXT NOT NULL,
    name TEXT NOT NULL,
    service_area TEXT NOT NULL,
    can_help_with TEXT NOT NULL,
    status TEXT NOT NULL,
    volunteered_at TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    paused_until TEXT,
    paused INTEGER NOT NULL,
    pause_reason TEXT NOT NULL,
    unreachable INTEGER NOT NULL,
    from_group TEXT NOT NULL,
    PRIMARY KEY (user_id, community_id)
);
CREATE INDEX IF NOT EXISTS champions_by_community ON champions (community_id, name);
CREATE TABLE IF NOT EXISTS question_counters (year INTEGER PRIMARY KEY, last INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS questions (
    reference TEXT PRIMARY KEY,
    year INTEGER NOT NULL,
    number INTEGER NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    asker_id TEXT NOT NULL,
    asker_name TEXT NOT NULL,
    text TEXT NOT NULL,
    community_id TEXT NOT NULL,
    service_area TEXT NOT NULL,
    status TEXT NOT NULL,
    asked_at TEXT NOT NULL,
    routed_at TEXT,
    first_answer_at TEXT,
    resolved_at TEXT,
    best_answer_id TEXT NOT NULL,
    channel_message_id TEXT NOT NULL,
    answered_by_entry TEXT NOT NULL,
    version INTEGER NOT NULL,
    UNIQUE (year, number)
);
CREATE INDEX IF NOT EXISTS questions_by_status ON questions (status, year, number);
CREATE INDEX IF NOT EXISTS questions_by_community ON questions (community_id, year, number);
CREATE INDEX IF NOT EXISTS questions_by_asker ON questions (asker_id, year, number);
CREATE INDEX IF NOT EXISTS questions_by_message ON questions (channel_message_id);
CREATE TABLE IF NOT EXISTS answers (
    id TEXT PRIMARY KEY,
    question_ref TEXT NOT NULL,
    champion_id TEXT NOT NULL,
    champion_name TEXT NOT NULL,
    text TEXT NOT NULL,
    kind TEXT NOT NULL,
    at TEXT NOT NULL,
    best INTEGER NOT NULL,
    helped_count INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS answers_by_question ON answers (question_ref, at);
CREATE TABLE IF NOT EXISTS entries (
    id TEXT PRIMARY KEY,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    community_id TEXT NOT NULL,
    tags TEXT NOT NULL,
    answered_by TEXT NOT NULL,
    added_at TEXT NOT NULL,
    review_on TEXT NOT NULL,
    source_question TEXT NOT NULL,
    best_count INTEGER NOT NULL,
    helped_count INTEGER NOT NULL,
    retired INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS helped (
    answer_id TEXT,
    entry_id TEXT,
    user_id TEXT NOT NULL,
    at TEXT NOT NULL,
    UNIQUE (answer_id, user_id),
    UNIQUE (entry_id, user_id),
    CHECK ((answer_id IS NULL) <> (entry_id IS NULL))
);
CREATE TABLE IF NOT EXISTS nudges (
    id TEXT PRIMARY KEY,
    question_ref TEXT NOT NULL,
    step TEXT NOT NULL,
    recipient_id TEXT NOT NULL,
    due_at TEXT NOT NULL,
    outcome TEXT NOT NULL,
    sent_at TEXT,
    seen_at TEXT,
    acted_at TEXT,
    lease_owner TEXT,
    lease_until TEXT
);
CREATE INDEX IF NOT EXISTS nudges_due ON nudges (outcome, due_at);
CREATE INDEX IF NOT EXISTS nudges_by_question ON nudges (question_ref, recipient_id);
CREATE INDEX IF NOT EXISTS nudges_by_recipient ON nudges (recipient_id);
CREATE INDEX IF NOT EXISTS nudges_sent ON nudges (outcome, sent_at);
"""

# A nudge was handed to a sender (or kept as delivered): only then can it be seen or acted on.
_WAS_SENT = "(outcome = 'delivered' OR lease_owner IS NOT NULL)"


class SqliteCommunityStore:
    """CommunityStore on SQLite, safe for several processes sharing one file."""

    def __init__(self, path: Path, clock: Clock) -> None:
        self._db = Database(path, SCHEMA)
        self._clock = clock

    async def open(self) -> None:
        await self._db.open()

    async def close(self) -> None:
        await self._db.close()

    # Communities

    async def communities(self) -> list[Community]:
        return await self._db.every(_community, "SELECT * FROM communities ORDER BY name, id")

    async def community(self, community_id: str) -> Community | None:
        return await self._db.one(
            _community, "SELECT * FROM communities WHERE id = ?", community_id
        )

    async def save_community(self, community: Community) -> None:
        c = community
        await self._db.run(
            lambda db: db.execute(
                "INSERT OR REPLACE INTO communities "
                "(id, name, description, keywords, lead_id, lead_name) VALUES (?, ?, ?, ?, ?, ?)",
                (c.id, c.name, c.description, json.dumps(list(c.keywords)), c.lead_id, c.lead_name),
            )
        )

    # Champions

    async def save_champion(self, champion: Champion) -> None:
        c = champion
        await self._db.run(
            lambda db: db.execute(
                "INSERT OR REPLACE INTO champions (user_id, community_id, name, service_area, "
                "can_help_with, status, volunteered_at, decided_by, paused_until, paused, "
                "pause_reason, unreachable, from_group) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    c.user_id,
                    c.community_id,
                    c.name,
                    c.service_area,
                    c.can_help_with,
                    str(c.status),
                    time_text(c.volunteered_at),
                    c.decided_by,
                    maybe_day_text(c.paused_until),
                    int(c.paused),
                    c.pause_reason,
                    int(c.unreachable),
                    c.from_group,
                ),
            )
        )

    async def champion(self, user_id: str, community_id: str) -> Champion | None:
        return await self._db.one(
            _champion,
            "SELECT * FROM champions WHERE user_id = ? AND community_id = ?",
            user_id,
            community_id,
        )

    async def champions(
        self, community_id: str | None = None, user_id: str | None = None
    ) -> list[Champion]:
        where, args = _filters(community_id=community_id, user_id=user_id)
        return await self._db.every(
            _champion, f"SELECT * FROM champions{where} ORDER BY name, user_id, community_id", *args
        )

    async def mark_unreachable(self, user_id: str, unreachable: bool = True) -> None:
        await self._db.run(
            lambda db: db.execute(
                "UPDATE champions SET unreachable = ? WHERE user_id = ?",
                (int(unreachable), user_id),
            )
        )

    # Questions

    async def add_question(self, question: Question, key: str) -> Question:
        if not key:
            raise ValueError("A question needs a key so that asking twice keeps it once.")
        return await self._db.run(
            lambda db: immediate(db, lambda: _add_question(db, question, key))
        )

    async def question(self, reference: str) -> Question | None:
        return await self._db.one(
            _question, "SELECT * FROM questions WHERE reference = ?", reference.strip().upper()
        )

    async def update_question(self, question: Question) -> Question:
        return await self._db.run(lambda db: immediate(db, lambda: _update_question(db, question)))

    async def questions(
        self,
        status: str | None = None,
        community_id: str | None = None,
        asker_id: str | None = None,
        limit: int = 50,
        after: str = "",
    ) -> list[Question]:
        where, args = _filters(status=status, community_id=community_id, asker_id=asker_id)
        if after:
            year, number = parse_reference(after)
            where += (" AND" if where else " WHERE") + " (year, number) > (?, ?)"
            args = (*args, year, number)
        return await self._db.every(
            _question,
            f"SELECT * FROM questions{where} ORDER BY year, number LIMIT ?",
            *args,
            max(0, limit),
        )

    async def question_by_message(self, message_id: str) -> Question | None:
        if not message_id:
            return None
        return await self._db.one(
            _question,
            "SELECT * FROM questions WHERE channel_message_id = ? ORDER BY year, number",
            message_id,
        )

    # Answers

    async def add_answer(self, answer: Answer) -> Answer:
        a = answer

        def write(db: sqlite3.Connection) -> Answer:
            db.execute(
                "INSERT OR IGNORE INTO answers (id, question_ref, champion_id, champion_name, "
                "text, kind, at, best, helped_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    a.id,
                    a.question_ref,
                    a.champion_id,
                    a.champion_name,
                    a.text,
                    str(a.kind),
                    time_text(a.at),
                    int(a.best),
                    a.helped_count,
                ),
            )
            return _answer(db.execute("SELECT * FROM answers WHERE id = ?", (a.id,)).fetchone())

        return await self._db.run(lambda db: immediate(db, lambda: write(db)))

    async def answers(self, question_ref: str) -> list[Answer]:
        return await self._db.every(
            _answer, "SELECT * FROM answers WHERE question_ref = ? ORDER BY at, id", question_ref
        )

    async def answer(self, answer_id: str) -> Answer | None:
        return await self._db.one(_answer, "SELECT * FROM answers WHERE id = ?", answer_id)

    async def set_best(self, question_ref: str, answer_id: str) -> None:
        def write(db: sqlite3.Connection) -> None:
            found = db.execute(
                "SELECT 1 FROM answers WHERE id = ? AND question_ref = ?", (answer_id, question_ref)
            ).fetchone()
            if found is None:
                raise LookupError(f"Answer {answer_id} is not an answer to {question_ref}.")
            db.execute(
                "UPDATE answers SET best = (id = ?) WHERE question_ref = ?",
                (answer_id, question_ref),
            )

        await self._db.run(lambda db: immediate(db, lambda: write(db)))

    async def add_helped(self, answer_id: str, user_id: str) -> bool:
        return await self._helped("answers", "answer_id", answer_id, user_id)

    # Knowledge base

    async def save_entry(self, entry: KnowledgeEntry) -> None:
        e = entry
        await self._db.run(
            lambda db: db.execute(
                "INSERT OR REPLACE INTO entries (id, question, answer, community_id, tags, "
                "answered_by, added_at, review_on, source_question, best_count, helped_count, "
                "retired) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    e.id,
                    e.question,
                    e.answer,
                    e.community_id,
                    json.dumps(list(e.tags)),
                    e.answered_by,
                    time_text(e.added_at),
                    e.review_on.isoformat(),
                    e.source_question,
                    e.best_count,
                    e.helped_count,
                    int(e.retired),
                ),
            )
        )

    async def entry(self, entry_id: str) -> KnowledgeEntry | None:
        return await self._db.one(_entry, "SELECT * FROM entries WHERE id = ?", entry_id)

    async def entries(self, include_retired: bool = False) -> list[KnowledgeEntry]:
        where = "" if include_retired else " WHERE retired = 0"
        return await self._db.every(_entry, f"SELECT * FROM entries{where} ORDER BY added_at, id")

    async def add_entry_helped(self, entry_id: str, user_id: str) -> bool:
        return await self._helped("entries", "entry_id", entry_id, user_id)

    async def _helped(self, table: str, column: str, target_id: str, user_id: str) -> bool:
        """Count one person once, and bump the count in the same transaction."""
        at = time_text(self._clock.now())

        def write(db: sqlite3.Connection) -> bool:
            if db.execute(f"SELECT 1 FROM {table} WHERE id = ?", (target_id,)).fetchone() is None:
                raise LookupError(f"{target_id} is not in the store.")
            added = db.execute(
                f"INSERT OR IGNORE INTO helped ({column}, user_id, at) VALUES (?, ?, ?)",
                (target_id, user_id, at),
            ).rowcount
            if added:
                db.execute(
                    f"UPDATE {table} SET helped_count = helped_count + 1 WHERE id = ?",
                    (target_id,),
                )
            return bool(added)

        return await self._db.run(lambda db: immediate(db, lambda: write(db)))

    # Nudges

    async def schedule(self, nudges: list[Nudge]) -> int:
        def write(db: sqlite3.Connection) -> int:
            added = 0
            for n in nudges:
                added += db.execute(
                    "INSERT OR IGNORE INTO nudges (id, question_ref, step, recipient_id, due_at, "
                    "outcome, sent_at, seen_at, acted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        n.id,
                        n.question_ref,
                        str(n.step),
                        n.recipient_id,
                        time_text(n.due_at),
                        str(n.outcome),
                        maybe_time_text(n.sent_at),
                        maybe_time_text(n.seen_at),
                        maybe_time_text(n.acted_at),
                    ),
                ).rowcount
            return added

        return await self._db.run(lambda db: immediate(db, lambda: write(db)))

    async def claim_due(
        self, now: dt.datetime, owner: str, lease: dt.timedelta, limit: int = 100
    ) -> list[Nudge]:
        if not owner:
            raise ValueError("A lease needs an owner.")
        at, until = time_text(now), time_text(now + lease)

        def write(db: sqlite3.Connection) -> list[Nudge]:
            rows = db.execute(
                "SELECT * FROM nudges WHERE outcome = 'waiting' AND due_at <= ? "
                "AND (lease_owner IS NULL OR lease_until <= ?) ORDER BY due_at, id LIMIT ?",
                (at, at, max(0, limit)),
            ).fetchall()
            db.executemany(
                "UPDATE nudges SET lease_owner = ?, lease_until = ? WHERE id = ?",
                [(owner, until, row["id"]) for row in rows],
            )
            return [_nudge(row) for row in rows]

        return await self._db.run(lambda db: immediate(db, lambda: write(db)))

    async def finish(
        self, nudge_id: str, owner: str, outcome: NudgeOutcome, at: dt.datetime
    ) -> bool:
        """Record the outcome while `owner` holds the lease and the nudge is still waiting.

        A lease that ran out but nobody else took is still held: better to record a card
        that really went than to let another process send it again. WAITING gives the
        lease back, for a nudge the owner chose not to send yet.
        """
        if outcome == NudgeOutcome.WAITING:
            sql = "UPDATE nudges SET lease_owner = NULL, lease_until = NULL"
            args: tuple[Any, ...] = ()
        else:
            sql = "UPDATE nudges SET outcome = ?, sent_at = ?"
            sent = time_text(at) if outcome == NudgeOutcome.DELIVERED else None
            args = (str(outcome), sent)
        changed = await self._db.run(
            lambda db: (
                db.execute(
                    f"{sql} WHERE id = ? AND lease_owner = ? AND outcome = 'waiting'",
                    (*args, nudge_id, owner),
                ).rowcount
            )
        )
        return bool(changed)

    async def cancel_waiting(self, question_ref: str) -> int:
        changed = await self._db.run(
            lambda db: (
                db.execute(
                    "UPDATE nudges SET outcome = 'cancelled' "
                    "WHERE question_ref = ? AND outcome = 'waiting'",
                    (question_ref,),
                ).rowcount
            )
        )
        return int(changed)

    async def nudges(
        self, question_ref: str | None = None, recipient_id: str | None = None
    ) -> list[Nudge]:
        where, args = _filters(question_ref=question_ref, recipient_id=recipient_id)
        return await self._db.every(
            _nudge, f"SELECT * FROM nudges{where} ORDER BY due_at, id", *args
        )

    async def mark_seen(self, question_ref: str, recipient_id: str, at: dt.datetime) -> None:
        await self._first_time("seen_at", question_ref, recipient_id, at)

    async def mark_acted(self, question_ref: str, recipient_id: str, at: dt.datetime) -> None:
        await self._first_time("acted_at", question_ref, recipient_id, at)

    async def _first_time(
        self, column: str, question_ref: str, recipient_id: str, at: dt.datetime
    ) -> None:
        await self._db.run(
            lambda db: db.execute(
                f"UPDATE nudges SET {column} = ? WHERE question_ref = ? AND recipient_id = ? "
                f"AND {column} IS NULL AND {_WAS_SENT}",
                (time_text(at), question_ref, recipient_id),
            )
        )

    async def sent_since(self, since: dt.datetime) -> dict[str, int]:
        rows = await self._db.run(
            lambda db: db.execute(
                "SELECT recipient_id, COUNT(DISTINCT question_ref) AS sent FROM nudges "
                "WHERE outcome = 'delivered' AND sent_at >= ? GROUP BY recipient_id",
                (time_text(since),),
            ).fetchall()
        )
        return {row["recipient_id"]: int(row["sent"]) for row in rows}

    # Personal data (bot/journeys/communities/personal_data.py): find, anonymise, remove

    async def all_answers(self) -> list[Answer]:
        """Every answer to every question, oldest first."""
        return await self._db.every(_answer, "SELECT * FROM answers ORDER BY at, id")

    async def replace_asker(
        self, reference: str, asker_id: str, asker_name: str, text: str
    ) -> bool:
        """Write the question's asker and words whoever saved it last (data protection
        wins over a concurrent save, whose next save is then stale): True if changed."""

        def write(db: sqlite3.Connection) -> bool:
            return bool(
                db.execute(
                    "UPDATE questions SET asker_id = ?, asker_name = ?, text = ?, "
                    "version = version + 1 WHERE reference = ? "
                    "AND NOT (asker_id = ? AND asker_name = ? AND text = ?)",
                    (asker_id, asker_name, text, reference, asker_id, asker_name, text),
                ).rowcount
            )

        return await self._db.run(lambda db: immediate(db, lambda: write(db)))

    async def replace_answer(self, answer: Answer) -> bool:
        """Write the answer's champion id, name and text (nothing else): True if it is kept."""
        a = answer
        return bool(
            await self._db.run(
                lambda db: (
                    db.execute(
                        "UPDATE answers SET champion_id = ?, champion_name = ?, text = ? "
                        "WHERE id = ?",
                        (a.champion_id, a.champion_name, a.text, a.id),
                    ).rowcount
                )
            )
        )

    async def delete_champion(self, user_id: str, community_id: str) -> bool:
        return bool(
            await self._db.run(
                lambda db: (
                    db.execute(
                        "DELETE FROM champions WHERE user_id = ? AND community_id = ?",
                        (user_id, community_id),
                    ).rowcount
                )
            )
        )

    async def helped_by(self, user_id: str) -> list[tuple[str, str, dt.datetime]]:
        """What the person said helped them: ("answer" or "entry", its id, when)."""
        rows = await self._db.run(
            lambda db: db.execute(
                "SELECT answer_id, entry_id, at FROM helped WHERE user_id = ? ORDER BY at",
                (user_id,),
            ).fetchall()
        )
        return [
            ("answer", row["answer_id"], time_from(row["at"]))
            if row["answer_id"] is not None
            else ("entry", row["entry_id"], time_from(row["at"]))
            for row in rows
        ]

    async def rename_people(
        self, rename: Callable[[str], str | None], question_ref: str | None = None
    ) -> int:
        """Each id in "helped" marks and nudges (only one question's, when given) that
        `rename` gives a new id for: an anonymised trace keeps its counts. How many rows
        changed."""

        def write(db: sqlite3.Connection) -> int:
            changed = 0
            answers = "answer_id IN (SELECT id FROM answers WHERE question_ref = ?)"
            where, args = (f" WHERE {answers}", (question_ref,)) if question_ref else ("", ())
            for row in db.execute(f"SELECT rowid, user_id FROM helped{where}", args).fetchall():
                new = rename(row["user_id"])
                if new is not None and new != row["user_id"]:
                    db.execute(
                        "UPDATE OR REPLACE helped SET user_id = ? WHERE rowid = ?",
                        (new, row["rowid"]),
                    )
                    changed += 1
            where, args = (" WHERE question_ref = ?", (question_ref,)) if question_ref else ("", ())
            for row in db.execute(
                f"SELECT id, question_ref, step, recipient_id FROM nudges{where}", args
            ).fetchall():
                new = rename(row["recipient_id"])
                if new is not None and new != row["recipient_id"]:
                    db.execute(
                        "UPDATE OR REPLACE nudges SET id = ?, recipient_id = ? WHERE id = ?",
                        (f"{row['question_ref']}:{row['step']}:{new}", new, row["id"]),
                    )
                    changed += 1
            return changed

        return await self._db.run(lambda db: immediate(db, lambda: write(db)))


def _add_question(db: sqlite3.Connection, question: Question, key: str) -> Question:
    kept = db.execute("SELECT * FROM questions WHERE idempotency_key = ?", (key,)).fetchone()
    if kept is not None:
        return _question(kept)
    year = question.asked_at.astimezone(dt.UTC).year
    number = db.execute(
        "INSERT INTO question_counters (year, last) VALUES (?, 1) "
        "ON CONFLICT (year) DO UPDATE SET last = last + 1 RETURNING last",
        (year,),
    ).fetchone()[0]
    reference = format_reference(year, number)
    q = question
    db.execute(
        "INSERT INTO questions (reference, year, number, idempotency_key, asker_id, asker_name, "
        "text, community_id, service_area, status, asked_at, routed_at, first_answer_at, "
        "resolved_at, best_answer_id, channel_message_id, answered_by_entry, version) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
        (
            reference,
            year,
            number,
            key,
            q.asker_id,
            q.asker_name,
            q.text,
            q.community_id,
            q.service_area,
            str(q.status),
            time_text(q.asked_at),
            maybe_time_text(q.routed_at),
            maybe_time_text(q.first_answer_at),
            maybe_time_text(q.resolved_at),
            q.best_answer_id,
            q.channel_message_id,
            q.answered_by_entry,
        ),
    )
    return _must_question(db, reference)


def _update_question(db: sqlite3.Connection, question: Question) -> Question:
    q = question
    changed = db.execute(
        "UPDATE questions SET asker_name = ?, text = ?, community_id = ?, service_area = ?, "
        "status = ?, routed_at = ?, first_answer_at = ?, resolved_at = ?, best_answer_id = ?, "
        "channel_message_id = ?, answered_by_entry = ?, version = version + 1 "
        "WHERE reference = ? AND version = ?",
        (
            q.asker_name,
            q.text,
            q.community_id,
            q.service_area,
            str(q.status),
            maybe_time_text(q.routed_at),
            maybe_time_text(q.first_answer_at),
            maybe_time_text(q.resolved_at),
            q.best_answer_id,
            q.channel_message_id,
            q.answered_by_entry,
            q.reference,
            q.version,
        ),
    ).rowcount
    if not changed:
        if db.execute("SELECT 1 FROM questions WHERE reference = ?", (q.reference,)).fetchone():
            raise StaleQuestion(f"{q.reference} changed since it was read.")
        raise LookupError(f"{q.reference} is not in the store.")
    return _must_question(db, q.reference)


def _must_question(db: sqlite3.Connection, reference: str) -> Question:
    row = db.execute("SELECT * FROM questions WHERE reference = ?", (reference,)).fetchone()
    if row is None:
        raise LookupError(f"{reference} is not in the store.")
    return _question(row)


def _filters(**wanted: str | None) -> tuple[str, tuple[object, ...]]:
    """A WHERE clause for the filters given; the column names are ours, never a caller's."""
    given = {column: value for column, value in wanted.items() if value is not None}
    if not given:
        return "", ()
    return " WHERE " + " AND ".join(f"{column} = ?" for column in given), tuple(given.values())


def _fields(row: sqlite3.Row, *lists: str) -> dict[str, Any]:
    """A row's columns by name, with those kept as JSON lists read back."""
    fields = dict(row)
    for name in lists:
        fields[name] = json.loads(fields[name])
    return fields


def _community(row: sqlite3.Row) -> Community:
    return community_from(_fields(row, "keywords"))


def _champion(row: sqlite3.Row) -> Champion:
    return champion_from(_fields(row))


def _question(row: sqlite3.Row) -> Question:
    return question_from(_fields(row))


def _answer(row: sqlite3.Row) -> Answer:
    return answer_from(_fields(row))


def _entry(row: sqlite3.Row) -> KnowledgeEntry:
    return entry_from(_fields(row, "tags"))


def _nudge(row: sqlite3.Row) -> Nudge:
    return record_from(
        Nudge,
        _fields(row),
        step=NudgeStep,
        due_at=time_from,
        outcome=NudgeOutcome,
        sent_at=maybe_time_from,
        seen_at=maybe_time_from,
        acted_at=maybe_time_from,
    )
