"""What the webhook triggers keep: the flows subscribed, one row per (event, flow) to
deliver, and the last status seen for each request.

A row is written when the event happens, in the same transaction for every flow it
goes to, so a restart loses nothing: pending rows are picked up again, and a row marked
delivered is never sent again. A runner leases a subscription before calling its flow,
so two runners (the loop and a test, or two processes sharing the file) never send one
flow's events twice or out of order.

`FlowStore` is the port; `SqliteFlowStore` keeps it in DATA_DIR/flows.sqlite3.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

from bot.store.database import Database, immediate

FILE_NAME = "flows.sqlite3"

State = Literal["active", "paused"]
RowState = Literal["pending", "delivered", "failed", "skipped"]


@dataclass(frozen=True)
class Subscription:
    id: str
    event: str  # "request.created", "request.status_changed", "board.decided"
    notification_url: str
    secret: str
    owner_id: str  # the person's Entra object id, or the app's id for an app on its own
    owner_is_app: bool
    owner_name: str
    created_at: dt.datetime
    api_base: str  # the API's address as the subscriber reached it (for links)
    to_status: str = ""  # filter: only changes to this status
    board: str = ""  # filter: only this board's decisions
    state: State = "active"
    failures_in_a_row: int = 0
    paused_at: dt.datetime | None = None
    last_error: str = ""
    last_delivered_at: dt.datetime | None = None


@dataclass(frozen=True)
class Delivery:
    seq: int
    event_id: str
    subscription_id: str
    event: str
    body: str  # the JSON sent
    occurred_at: dt.datetime
    state: RowState
    attempts: int
    last_status: int | None
    last_error: str
    next_try_at: dt.datetime | None
    delivered_at: dt.datetime | None


@dataclass(frozen=True)
class NewEvent:
    """An event to deliver: `wants` picks the subscriptions it goes to (filters),
    `render` makes the JSON body for each one."""

    id: str
    kind: str
    occurred_at: dt.datetime
    wants: Callable[[Subscription], bool]
    render: Callable[[Subscription], str]


class FlowStore(Protocol):
    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def add_subscription(self, subscription: Subscription) -> None: ...

    async def subscribe(self, subscription: Subscription, most: int) -> Subscription | None:
        """Keep a new subscription, all in one go. If its owner has one already for the
        same event and address (Power Automate subscribes again when it missed our
        answer), that one is kept instead, with the new secret, filters and API address,
        and active again; its id stays. None when the owner has `most` already."""
        ...

    async def subscription(self, subscription_id: str) -> Subscription | None: ...

    async def subscriptions(self) -> list[Subscription]:
        """Every subscription, oldest first."""
        ...

    async def delete_subscription(self, subscription_id: str) -> bool:
        """Gone with its deliveries; False if there was none."""
        ...

    async def swap_status(self, reference: str, status: str) -> str | None:
        """Keep `status` as the request's last seen one; the one kept before (None the
        first time the request is seen)."""
        ...

    async def add_event(self, event: NewEvent) -> int:
        """One row for each subscription the event goes to, all at once: pending for an
        active subscription, skipped for a paused one. Once per event id: the same
        event added again adds nothing. The number of pending rows added."""
        ...

    async def due(self, now: dt.datetime, lease_until: dt.datetime, most: int) -> list[str]:
        """Lease every subscription whose oldest pending row is due (to `lease_until`),
        and say which. A leased subscription is not leased again until the lease ends."""
        ...

    async def pending(self, subscription_id: str, most: int) -> list[Delivery]:
        """A subscription's pending rows, oldest first."""
        ...

    async def release(self, subscription_id: str) -> None: ...

    async def delivered(self, seq: int, status: int, at: dt.datetime) -> None:
        """The row went; the subscription's count of failures in a row starts again."""
        ...

    async def retry(
        self,
        seq: int,
        status: int | None,
        error: str,
        next_try_at: dt.datetime,
        pause_after: int,
        at: dt.datetime,
    ) -> bool:
        """A try failed; the row is tried again at `next_try_at`. True if the
        subscription has now failed `pause_after` tries in a row and is paused (its
        pending rows, this one too, are skipped)."""
        ...

    async def failed(
        self, seq: int, status: int | None, error: str, pause_after: int, at: dt.datetime
    ) -> bool:
        """A try failed and the row failed for good. True if the subscription has now
        failed `pause_after` tries in a row and is paused (its pending rows are skipped)."""
        ...

    async def deliveries(self, subscription_id: str, before: int, most: int) -> list[Delivery]:
        """A subscription's delivery log, newest first, from rows older than `before`
        (0: from the newest)."""
        ...

    async def prune(self, before: dt.datetime) -> int:
        """Forget rows finished (delivered, failed or skipped) for events older than
        `before`; pending rows stay. The number forgotten."""
        ...

    async def delete_deliveries(self, subscription_id: str, seqs: Collection[int]) -> int:
        """Forget these finished rows of the subscription's log (an erase: their bodies
        name a person); pending rows stay, to be sent. The number forgotten."""
        ...


SCHEMA = """
CREATE TABLE IF NOT EXISTS subscriptions (
    id TEXT PRIMARY KEY,
    event TEXT NOT NULL,
    notification_url TEXT NOT NULL,
    secret TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    owner_is_app INTEGER NOT NULL,
    owner_name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    api_base TEXT NOT NULL,
    to_status TEXT NOT NULL,
    board TEXT NOT NULL,
    state TEXT NOT NULL,
    failures_in_a_row INTEGER NOT NULL,
    paused_at TEXT,
    last_error TEXT NOT NULL,
    last_delivered_at TEXT,
    lease_until TEXT
);
CREATE INDEX IF NOT EXISTS subscriptions_by_event ON subscriptions (event, state);
CREATE TABLE IF NOT EXISTS deliveries (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL,
    subscription_id TEXT NOT NULL,
    event TEXT NOT NULL,
    body TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    last_status INTEGER,
    last_error TEXT NOT NULL,
    next_try_at TEXT,
    delivered_at TEXT,
    UNIQUE (event_id, subscription_id)
);
CREATE INDEX IF NOT EXISTS deliveries_waiting ON deliveries (state, subscription_id, seq);
CREATE INDEX IF NOT EXISTS deliveries_log ON deliveries (subscription_id, seq);
CREATE TABLE IF NOT EXISTS last_status (
    reference TEXT PRIMARY KEY,
    status TEXT NOT NULL
);
"""


def _text(when: dt.datetime) -> str:
    # One length for every time, so times kept as text sort as the times do.
    return when.astimezone(dt.UTC).isoformat(timespec="microseconds")


def stored_time(text: str | None) -> dt.datetime | None:
    return None if text is None else dt.datetime.fromisoformat(text)


def subscription_from(fields: Mapping[str, Any] | sqlite3.Row) -> Subscription:
    """A subscription from its stored fields: a row here, the JSON the Azure store keeps."""
    created = stored_time(fields["created_at"])
    assert created is not None
    return Subscription(
        id=fields["id"],
        event=fields["event"],
        notification_url=fields["notification_url"],
        secret=fields["secret"],
        owner_id=fields["owner_id"],
        owner_is_app=bool(fields["owner_is_app"]),
        owner_name=fields["owner_name"],
        created_at=created,
        api_base=fields["api_base"],
        to_status=fields["to_status"],
        board=fields["board"],
        state="paused" if fields["state"] == "paused" else "active",
        failures_in_a_row=fields["failures_in_a_row"],
        paused_at=stored_time(fields["paused_at"]),
        last_error=fields["last_error"],
        last_delivered_at=stored_time(fields["last_delivered_at"]),
    )


def delivery_from(fields: Mapping[str, Any] | sqlite3.Row, seq: int) -> Delivery:
    """A delivery from its stored fields (as `subscription_from`) and its seq."""
    occurred = stored_time(fields["occurred_at"])
    assert occurred is not None
    return Delivery(
        seq=seq,
        event_id=fields["event_id"],
        subscription_id=fields["subscription_id"],
        event=fields["event"],
        body=fields["body"],
        occurred_at=occurred,
        state=fields["state"],
        attempts=fields["attempts"],
        last_status=fields["last_status"],
        last_error=fields["last_error"],
        next_try_at=stored_time(fields["next_try_at"]),
        delivered_at=stored_time(fields["delivered_at"]),
    )


def _delivery(row: sqlite3.Row) -> Delivery:
    return delivery_from(row, row["seq"])


def _insert(db: sqlite3.Connection, s: Subscription) -> None:
    db.execute(
        "INSERT INTO subscriptions (id, event, notification_url, secret, owner_id, "
        "owner_is_app, owner_name, created_at, api_base, to_status, board, state, "
        "failures_in_a_row, paused_at, last_error, last_delivered_at, lease_until) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', 0, NULL, '', NULL, NULL)",
        (
            s.id,
            s.event,
            s.notification_url,
            s.secret,
            s.owner_id,
            int(s.owner_is_app),
            s.owner_name,
            _text(s.created_at),
            s.api_base,
            s.to_status,
            s.board,
        ),
    )


def _failed_try(
    db: sqlite3.Connection,
    seq: int,
    status: int | None,
    error: str,
    next_try_at: dt.datetime | None,
    pause_after: int,
    at: dt.datetime,
) -> bool:
    """One failed try of a pending row: kept pending to try again at `next_try_at`, or
    failed for good (None). Counted against its subscription, which is paused (and its
    pending rows skipped) at `pause_after` failed tries in a row. True if paused now."""
    marked = db.execute(
        "UPDATE deliveries SET state = ?, attempts = attempts + 1, last_status = ?, "
        "last_error = ?, next_try_at = ? WHERE seq = ? AND state = 'pending'",
        (
            "failed" if next_try_at is None else "pending",
            status,
            error,
            None if next_try_at is None else _text(next_try_at),
            seq,
        ),
    )
    if marked.rowcount == 0:
        return False  # marked already (by another runner): counted then
    row = db.execute(
        "SELECT s.id, s.failures_in_a_row, s.state FROM subscriptions s "
        "JOIN deliveries d ON d.subscription_id = s.id WHERE d.seq = ?",
        (seq,),
    ).fetchone()
    if row is None or row["state"] == "paused":
        return False
    failures = int(row["failures_in_a_row"]) + 1
    pause = failures >= pause_after
    db.execute(
        "UPDATE subscriptions SET failures_in_a_row = ?, last_error = ?, state = ?, "
        "paused_at = ? WHERE id = ?",
        (failures, error, "paused" if pause else "active", _text(at) if pause else None, row["id"]),
    )
    if pause:
        db.execute(
            "UPDATE deliveries SET state = 'skipped', last_error = ?, next_try_at = NULL "
            "WHERE subscription_id = ? AND state = 'pending'",
            (PAUSED_NOTE, row["id"]),
        )
    return pause


class SqliteFlowStore:
    """FlowStore on one SQLite file, safe for several processes sharing it."""

    def __init__(self, path: Path) -> None:
        self._db = Database(path, SCHEMA)

    async def open(self) -> None:
        await self._db.open()

    async def close(self) -> None:
        await self._db.close()

    async def add_subscription(self, s: Subscription) -> None:
        await self._db.run(lambda db: _insert(db, s))

    async def subscribe(self, s: Subscription, most: int) -> Subscription | None:
        def keep(db: sqlite3.Connection) -> Subscription | None:
            def write() -> Subscription | None:
                owner = (s.owner_id, int(s.owner_is_app))
                same = db.execute(
                    "SELECT id FROM subscriptions WHERE owner_id = ? AND owner_is_app = ? "
                    "AND event = ? AND notification_url = ?",
                    (*owner, s.event, s.notification_url),
                ).fetchone()
                if same is not None:
                    db.execute(
                        "UPDATE subscriptions SET secret = ?, owner_name = ?, api_base = ?, "
                        "to_status = ?, board = ?, state = 'active', failures_in_a_row = 0, "
                        "paused_at = NULL, last_error = '' WHERE id = ?",
                        (s.secret, s.owner_name, s.api_base, s.to_status, s.board, same["id"]),
                    )
                    row = db.execute(
                        "SELECT * FROM subscriptions WHERE id = ?", (same["id"],)
                    ).fetchone()
                    return subscription_from(row)
                (count,) = db.execute(
                    "SELECT COUNT(*) FROM subscriptions WHERE owner_id = ? AND owner_is_app = ?",
                    owner,
                ).fetchone()
                if count >= most:
                    return None
                _insert(db, s)
                return s

            return immediate(db, write)

        return await self._db.run(keep)

    async def subscription(self, subscription_id: str) -> Subscription | None:
        return await self._db.one(
            subscription_from, "SELECT * FROM subscriptions WHERE id = ?", subscription_id
        )

    async def subscriptions(self) -> list[Subscription]:
        return await self._db.every(
            subscription_from, "SELECT * FROM subscriptions ORDER BY created_at, id"
        )

    async def delete_subscription(self, subscription_id: str) -> bool:
        def delete(db: sqlite3.Connection) -> bool:
            def write() -> bool:
                gone = db.execute("DELETE FROM subscriptions WHERE id = ?", (subscription_id,))
                db.execute("DELETE FROM deliveries WHERE subscription_id = ?", (subscription_id,))
                return gone.rowcount > 0

            return immediate(db, write)

        return await self._db.run(delete)

    async def swap_status(self, reference: str, status: str) -> str | None:
        def swap(db: sqlite3.Connection) -> str | None:
            def write() -> str | None:
                row = db.execute(
                    "SELECT status FROM last_status WHERE reference = ?", (reference,)
                ).fetchone()
                db.execute(
                    "INSERT INTO last_status (reference, status) VALUES (?, ?) "
                    "ON CONFLICT (reference) DO UPDATE SET status = excluded.status",
                    (reference, status),
                )
                return None if row is None else str(row["status"])

            return immediate(db, write)

        return await self._db.run(swap)

    async def add_event(self, event: NewEvent) -> int:
        def add(db: sqlite3.Connection) -> int:
            def write() -> int:
                rows = db.execute(
                    "SELECT * FROM subscriptions WHERE event = ? ORDER BY created_at, id",
                    (event.kind,),
                ).fetchall()
                added = 0
                for row in rows:
                    subscription = subscription_from(row)
                    if not event.wants(subscription):
                        continue
                    active = subscription.state == "active"
                    cursor = db.execute(
                        "INSERT OR IGNORE INTO deliveries (event_id, subscription_id, event, "
                        "body, occurred_at, state, attempts, last_status, last_error, "
                        "next_try_at, delivered_at) VALUES (?, ?, ?, ?, ?, ?, 0, NULL, ?, ?, NULL)",
                        (
                            event.id,
                            subscription.id,
                            event.kind,
                            event.render(subscription),
                            _text(event.occurred_at),
                            "pending" if active else "skipped",
                            "" if active else PAUSED_NOTE,
                            _text(event.occurred_at) if active else None,
                        ),
                    )
                    added += cursor.rowcount if active else 0
                return added

            return immediate(db, write)

        return await self._db.run(add)

    async def due(self, now: dt.datetime, lease_until: dt.datetime, most: int) -> list[str]:
        def lease(db: sqlite3.Connection) -> list[str]:
            # Each subscription's oldest pending row, found through the index: a look
            # costs the same however many rows wait.
            rows = db.execute(
                "SELECT oldest.id AS id FROM (SELECT s.id AS id, (SELECT d.seq FROM "
                "deliveries d WHERE d.state = 'pending' AND d.subscription_id = s.id "
                "ORDER BY d.seq LIMIT 1) AS seq FROM subscriptions s "
                "WHERE s.lease_until IS NULL OR s.lease_until <= ?) oldest "
                "JOIN deliveries head ON head.seq = oldest.seq "
                "WHERE head.next_try_at IS NULL OR head.next_try_at <= ? "
                "ORDER BY oldest.seq LIMIT ?",
                (_text(now), _text(now), most),
            ).fetchall()
            if not rows:
                return []  # nothing due: no write at all

            def write() -> list[str]:
                # Taken only if no one took it since it was read (another runner).
                return [
                    str(row["id"])
                    for row in rows
                    if db.execute(
                        "UPDATE subscriptions SET lease_until = ? WHERE id = ? "
                        "AND (lease_until IS NULL OR lease_until <= ?)",
                        (_text(lease_until), row["id"], _text(now)),
                    ).rowcount
                ]

            return immediate(db, write)

        return await self._db.run(lease)

    async def pending(self, subscription_id: str, most: int) -> list[Delivery]:
        return await self._db.every(
            _delivery,
            "SELECT * FROM deliveries WHERE state = 'pending' AND subscription_id = ? "
            "ORDER BY seq LIMIT ?",
            subscription_id,
            most,
        )

    async def release(self, subscription_id: str) -> None:
        await self._db.run(
            lambda db: db.execute(
                "UPDATE subscriptions SET lease_until = NULL WHERE id = ?", (subscription_id,)
            )
        )

    async def delivered(self, seq: int, status: int, at: dt.datetime) -> None:
        def mark(db: sqlite3.Connection) -> None:
            def write() -> None:
                marked = db.execute(
                    "UPDATE deliveries SET state = 'delivered', attempts = attempts + 1, "
                    "last_status = ?, last_error = '', next_try_at = NULL, delivered_at = ? "
                    "WHERE seq = ? AND state = 'pending'",
                    (status, _text(at), seq),
                )
                if marked.rowcount == 0:
                    return
                db.execute(
                    "UPDATE subscriptions SET failures_in_a_row = 0, last_delivered_at = ? "
                    "WHERE id = (SELECT subscription_id FROM deliveries WHERE seq = ?)",
                    (_text(at), seq),
                )

            immediate(db, write)

        await self._db.run(mark)

    async def retry(
        self,
        seq: int,
        status: int | None,
        error: str,
        next_try_at: dt.datetime,
        pause_after: int,
        at: dt.datetime,
    ) -> bool:
        return await self._db.run(
            lambda db: immediate(
                db, lambda: _failed_try(db, seq, status, error, next_try_at, pause_after, at)
            )
        )

    async def failed(
        self, seq: int, status: int | None, error: str, pause_after: int, at: dt.datetime
    ) -> bool:
        return await self._db.run(
            lambda db: immediate(
                db, lambda: _failed_try(db, seq, status, error, None, pause_after, at)
            )
        )

    async def deliveries(self, subscription_id: str, before: int, most: int) -> list[Delivery]:
        return await self._db.every(
            _delivery,
            "SELECT * FROM deliveries WHERE subscription_id = ? AND (? = 0 OR seq < ?) "
            "ORDER BY seq DESC LIMIT ?",
            subscription_id,
            before,
            before,
            most,
        )

    async def prune(self, before: dt.datetime) -> int:
        def delete(db: sqlite3.Connection) -> int:
            gone = db.execute(
                "DELETE FROM deliveries WHERE state != 'pending' AND occurred_at < ?",
                (_text(before),),
            )
            return int(gone.rowcount)

        return await self._db.run(delete)

    async def delete_deliveries(self, subscription_id: str, seqs: Collection[int]) -> int:
        wanted = sorted(set(seqs))

        def delete(db: sqlite3.Connection) -> int:
            gone = 0
            for seq in wanted:
                gone += db.execute(
                    "DELETE FROM deliveries WHERE seq = ? AND subscription_id = ? "
                    "AND state != 'pending'",
                    (seq, subscription_id),
                ).rowcount
            return gone

        return await self._db.run(lambda db: immediate(db, lambda: delete(db)))


PAUSED_NOTE = "Not sent: this trigger was paused because its flow kept failing."
