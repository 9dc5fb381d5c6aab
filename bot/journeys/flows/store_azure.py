"""The webhook triggers' store on Azure Table storage, shared by every instance.

Two tables. `flows` holds, in partition `subs`, each subscription (`s|<id>`: its JSON, and
the columns `due` filters on: `State`, `NextDue`, `LeaseUntil`), each owner's list of
subscriptions (`o|<app?>|<owner>`) and each subscription number ever drawn (`n|<number>`);
in partition `status`, the last status seen per request; in partition `events`, each
event's number (`<event id>`) and the last one given (`%last`), taken together.
`flowdeliveries` holds one partition per subscription (its number), a row per delivery
(`q|<inverted seq>`, newest first). An event announced again gets the number it had, so
its rows' keys are the same and are not added twice.

A delivery's seq is its subscription's number * EVENT_SPAN + the event's number: it names
its partition, so `delivered(seq)` finds the row with one read, and a subscription's rows
sort in the order their events were numbered.

Why two instances cannot trip over each other:
- Subscribing writes the owner's row (conditional on its ETag), the subscription's row and
  its number's row in one transaction in one partition. Two instances subscribing at once
  both read the owner's list; only the first transaction commits, the other reads the list
  again, so an owner never passes `most` and one address is never subscribed twice.
- `swap_status` replaces the status only if unchanged since read (ETag), else reads again.
- `due` leases a subscription by replacing its row conditionally: of two instances, one
  wins; the other's write fails on the ETag and it does not get that subscription.
- `NextDue` is when the subscription's oldest pending row is due ("" when none). Whoever
  changes the head of a subscription's rows writes it back conditionally, reading the
  subscription first and its rows after; whoever adds a row writes the subscription
  (conditionally) after adding it. So a row added meanwhile is either seen, or its adder's
  write makes this write fail and run again: no pending row is left with nothing due.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import random
from collections.abc import AsyncIterator, Callable, Collection, Mapping
from dataclasses import asdict
from typing import Any

from azure.core import MatchConditions
from azure.core.exceptions import ResourceNotFoundError
from azure.data.tables import UpdateMode
from azure.data.tables.aio import TableClient

from bot.azure_state.account import AzureState
from bot.azure_state.entities import (
    as_int,
    etag_of,
    get_or_none,
    insert_new,
    int64,
    key,
    pack,
    replace_if,
    replace_op,
    stamp,
    transact,
    unpack,
)
from bot.journeys.flows.store import (
    PAUSED_NOTE,
    Delivery,
    NewEvent,
    Subscription,
    delivery_from,
    stored_time,
    subscription_from,
)

SUBS = "subs"
STATUS = "status"
EVENTS = "events"
LAST = "%last"  # the events' counter: `key` never writes % but before two hex digits
NUMBERS = 10**8  # subscriptions' numbers are drawn below this
EVENT_SPAN = 10**10  # events a subscription can have; seqs stay under 10**18
SEQ_WIDTH = 18
TRIES = 50  # conditional writes that met another's write; settles in a few
BATCH = 100  # operations in one transaction, as Table storage allows
_SUB_ROWS = "PartitionKey eq @p and RowKey ge 's|' and RowKey lt 's}'"
_PENDING = "PartitionKey eq @p and Kind eq 'delivery' and State eq 'pending'"


class FlowStoreBusy(Exception):
    """Every try met another instance's write: the caller tries again later."""


def _iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(dt.UTC).isoformat()


def _sub_key(subscription_id: str) -> str:
    return f"s|{key(subscription_id)}"


def _owner_key(owner_id: str, owner_is_app: bool) -> str:
    return f"o|{int(owner_is_app)}|{key(owner_id)}"


def _row_key(seq: int) -> str:
    return f"q|{10**SEQ_WIDTH - seq:0{SEQ_WIDTH}d}"


def _partition(number: int) -> str:
    return f"{number:08d}"


def _sub_doc(s: Subscription) -> dict[str, Any]:
    doc = asdict(s)
    for name in ("created_at", "paused_at", "last_delivered_at"):
        doc[name] = _iso(doc[name])
    return doc


def _subscription(entity: Mapping[str, Any]) -> Subscription:
    return subscription_from(unpack(entity))


def _sub_row(number: int, doc: Mapping[str, Any], next_due: str, lease: str) -> dict[str, Any]:
    return {
        "PartitionKey": SUBS,
        "RowKey": _sub_key(doc["id"]),
        "Number": int64(number),
        "Event": doc["event"],
        "Created": stamp(dt.datetime.fromisoformat(doc["created_at"])),
        "State": doc["state"],
        "NextDue": next_due,
        "LeaseUntil": lease,
        **pack(doc),
    }


def _delivery(entity: Mapping[str, Any]) -> Delivery:
    return delivery_from(unpack(entity), as_int(entity["Seq"]))


def _delivery_row(entity: Mapping[str, Any], doc: Mapping[str, Any]) -> dict[str, Any]:
    """The delivery row `entity` with its document `doc` (and its State) written in."""
    row = {n: v for n, v in entity.items() if not n.startswith("Json")}
    row.update(pack(doc))
    row["State"] = doc["state"]
    return row


def _due_text(doc: Mapping[str, Any]) -> str:
    """When a pending row is due, as `NextDue` keeps it ("0": at once)."""
    when = stored_time(doc["next_try_at"])
    return "0" if when is None else stamp(when)


async def _back_off() -> None:
    await asyncio.sleep(random.uniform(0, 0.01))


class AzureFlowStore:
    """FlowStore on the Azure Storage account every instance shares."""

    def __init__(self, azure: AzureState) -> None:
        self._azure = azure
        self._subs_table: TableClient | None = None
        self._rows_table: TableClient | None = None
        # Each subscription's number (its rows' partition), as read. A number is never
        # drawn twice and ids are random, never used again: what is kept is never wrong.
        self._numbers: dict[str, int] = {}

    async def open(self) -> None:
        self._subs_table = await self._azure.table("flows")
        self._rows_table = await self._azure.table("flowdeliveries")

    async def close(self) -> None:
        """Nothing of its own to close: the account's clients are the app's."""

    @property
    def _subs(self) -> TableClient:
        assert self._subs_table is not None, "open() the store first"
        return self._subs_table

    @property
    def _rows(self) -> TableClient:
        assert self._rows_table is not None, "open() the store first"
        return self._rows_table

    # -- Numbers ----------------------------------------------------------------------

    async def _event_number(self, event: NewEvent) -> int:
        """The event's number: the next one, taken with the event's row in one
        transaction; or the one it was given when it was added before."""
        marker_key = key(event.id)
        for _ in range(TRIES):
            counter = await get_or_none(self._subs, EVENTS, LAST)
            number = 1 if counter is None else as_int(counter["Last"]) + 1
            count = {"PartitionKey": EVENTS, "RowKey": LAST, "Last": int64(number)}
            marker = {
                "PartitionKey": EVENTS,
                "RowKey": marker_key,
                "Number": int64(number),
                "OccurredAt": stamp(event.occurred_at),
            }
            take = ("create", count) if counter is None else replace_op(count, etag_of(counter))
            if await transact(self._subs, [take, ("create", marker)]):
                return number
            found = await get_or_none(self._subs, EVENTS, marker_key)
            if found is not None:
                return as_int(found["Number"])
            await _back_off()  # another event took the number: take the next
        raise FlowStoreBusy(f"No number for event {event.id} after {TRIES} tries")

    # -- Subscriptions ----------------------------------------------------------------

    async def add_subscription(self, s: Subscription) -> None:
        for _ in range(TRIES):
            owner = await get_or_none(self._subs, SUBS, _owner_key(s.owner_id, s.owner_is_app))
            if await self._create(s, owner):
                return
            if await get_or_none(self._subs, SUBS, _sub_key(s.id)) is not None:
                raise ValueError(f"There is a flow subscription {s.id} already")
            await _back_off()
        raise FlowStoreBusy(f"Could not keep flow subscription {s.id}")

    async def subscribe(self, s: Subscription, most: int) -> Subscription | None:
        for _ in range(TRIES):
            owner = await get_or_none(self._subs, SUBS, _owner_key(s.owner_id, s.owner_is_app))
            entries: list[list[str]] = [] if owner is None else unpack(owner)
            same = next((e for e in entries if e[1:] == [s.event, s.notification_url]), None)
            if same is not None:
                kept = await self._change(same[0], lambda doc: _renewed(doc, s))
                if kept is not None:
                    return kept
            elif len(entries) >= most:
                return None
            else:
                if await self._create(s, owner):
                    return s
            await _back_off()  # another instance changed the owner's list: read it again
        raise FlowStoreBusy(f"Could not keep flow subscription {s.id}")

    async def _create(self, s: Subscription, owner: Any) -> bool:
        """The subscription's row, its number's row and its owner's list, in one
        transaction; False if the owner's list changed since it was read, or the number
        drawn or the id is taken. A number's row stays when its subscription goes, so a
        number is never given twice."""
        entries = [] if owner is None else unpack(owner)
        entries.append([s.id, s.event, s.notification_url])
        owner_row = {
            "PartitionKey": SUBS,
            "RowKey": _owner_key(s.owner_id, s.owner_is_app),
            **pack(entries),
        }
        owner_op = ("create", owner_row) if owner is None else replace_op(owner_row, etag_of(owner))
        number = random.randrange(1, NUMBERS)
        taken = {"PartitionKey": SUBS, "RowKey": f"n|{number:08d}", "Id": s.id}
        row = _sub_row(number, _sub_doc(s), "", "")
        return await transact(self._subs, [owner_op, ("create", row), ("create", taken)])

    async def subscription(self, subscription_id: str) -> Subscription | None:
        found = await get_or_none(self._subs, SUBS, _sub_key(subscription_id))
        if found is None:
            self._numbers.pop(subscription_id, None)
            return None
        self._numbers[subscription_id] = as_int(found["Number"])
        return _subscription(found)

    async def _number(self, subscription_id: str) -> int | None:
        """The subscription's number; None if there is no such subscription."""
        if subscription_id not in self._numbers:
            await self.subscription(subscription_id)
        return self._numbers.get(subscription_id)

    async def subscriptions(self) -> list[Subscription]:
        rows = [e async for e in self._subs.query_entities(_SUB_ROWS, parameters={"p": SUBS})]
        rows.sort(key=lambda e: (e["Created"], e["RowKey"]))
        return [_subscription(e) for e in rows]

    async def delete_subscription(self, subscription_id: str) -> bool:
        for _ in range(TRIES):
            found = await get_or_none(self._subs, SUBS, _sub_key(subscription_id))
            if found is None:
                return False
            doc = unpack(found)
            owner = await get_or_none(
                self._subs, SUBS, _owner_key(doc["owner_id"], doc["owner_is_app"])
            )
            ops: list[Any] = [("delete", found, _if_unchanged(found))]
            if owner is not None:
                left = [e for e in unpack(owner) if e[0] != subscription_id]
                if left:
                    ops.append(replace_op({**_keys(owner), **pack(left)}, etag_of(owner)))
                else:
                    ops.append(("delete", owner, _if_unchanged(owner)))
            if await transact(self._subs, ops):
                self._numbers.pop(subscription_id, None)
                await self._forget_rows(_partition(as_int(found["Number"])))
                return True
            await _back_off()
        raise FlowStoreBusy(f"Could not delete flow subscription {subscription_id}")

    async def _forget_rows(self, partition: str) -> None:
        rows = self._rows.query_entities(
            "PartitionKey eq @p", parameters={"p": partition}, select=["PartitionKey", "RowKey"]
        )
        keys = [_keys(e) async for e in rows]
        for start in range(0, len(keys), BATCH):
            await _delete_all(self._rows, keys[start : start + BATCH])

    async def _change(
        self, subscription_id: str, change: Callable[[dict[str, Any]], dict[str, Any] | None]
    ) -> Subscription | None:
        """Read-change-write the subscription, conditionally, with `NextDue` worked out
        again from its rows (read after the subscription: see the module's note). None if
        there is no such subscription; unchanged if `change` says None."""
        for _ in range(TRIES):
            found = await get_or_none(self._subs, SUBS, _sub_key(subscription_id))
            if found is None:
                return None
            doc = change(unpack(found))
            if doc is None:
                return _subscription(found)
            number = as_int(found["Number"])
            next_due = "" if doc["state"] == "paused" else await self._head(number)
            row = _sub_row(number, doc, next_due, str(found.get("LeaseUntil", "")))
            if await replace_if(self._subs, row, etag_of(found)):
                return _subscription(row)
            await _back_off()
        raise FlowStoreBusy(f"Could not change flow subscription {subscription_id}")

    # -- Status -----------------------------------------------------------------------

    async def swap_status(self, reference: str, status: str) -> str | None:
        """Read, then write only if no one wrote since (ETag); two instances swapping at
        once both see a different 'before', never the same one."""
        row = {"PartitionKey": STATUS, "RowKey": key(reference), "Status": status}
        for _ in range(TRIES):
            found = await get_or_none(self._subs, STATUS, key(reference))
            if found is None:
                if await insert_new(self._subs, row):
                    return None
            elif await replace_if(self._subs, row, etag_of(found)):
                return str(found["Status"])
            await _back_off()
        raise FlowStoreBusy(f"Could not keep the status of {reference}")

    # -- Events and deliveries --------------------------------------------------------

    async def add_event(self, event: NewEvent) -> int:
        query = _SUB_ROWS + " and Event eq @e"
        found = [
            e
            async for e in self._subs.query_entities(query, parameters={"p": SUBS, "e": event.kind})
        ]
        targets = [(e, s) for e in found if event.wants(s := _subscription(e))]
        if not targets:
            return 0
        number = await self._event_number(event)
        added = await asyncio.gather(*(self._add_one(event, number, e, s) for e, s in targets))
        pending = [(e, new) for (e, s), new in zip(targets, added, strict=True) if new is not None]
        # Every subscription told at once, in their one partition: if one of them changed
        # since the query, none is written, and each is told again on its own.
        count = 0
        for start in range(0, len(pending), BATCH):
            told = pending[start : start + BATCH]
            ops = [replace_op(_noted(e, doc), etag_of(e)) for e, (_, doc) in told]
            if await transact(self._subs, ops):
                count += len(told)
            else:
                for e, (row, doc) in told:
                    count += await self._note_pending(e, row, doc)
        return count

    async def _add_one(
        self, event: NewEvent, number: int, entity: Any, s: Subscription
    ) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """The event's row for one subscription; the row and its document if a pending
        row was added (None: skipped, or added before)."""
        active = s.state == "active"
        seq = as_int(entity["Number"]) * EVENT_SPAN + number
        doc = {
            "event_id": event.id,
            "subscription_id": s.id,
            "event": event.kind,
            "body": event.render(s),
            "occurred_at": _iso(event.occurred_at),
            "state": "pending" if active else "skipped",
            "attempts": 0,
            "last_status": None,
            "last_error": "" if active else PAUSED_NOTE,
            "next_try_at": _iso(event.occurred_at) if active else None,
            "delivered_at": None,
        }
        row = {
            "PartitionKey": _partition(as_int(entity["Number"])),
            "RowKey": _row_key(seq),
            "Kind": "delivery",
            "Seq": int64(seq),
            "OccurredAt": stamp(event.occurred_at),
            **_delivery_row({}, doc),
        }
        if not await insert_new(self._rows, row):
            return None  # this event reached this subscription before
        return (row, doc) if active else None

    async def _note_pending(self, entity: Any, row: dict[str, Any], doc: dict[str, Any]) -> int:
        """Tell the subscription it has a pending row (its `NextDue`, if it had none), with
        a conditional write even when unchanged: a runner working `NextDue` out meanwhile
        then fails its write and looks again. Paused meanwhile: the row is skipped."""
        for _ in range(TRIES):
            if entity is None:
                return 0  # deleted meanwhile, with its rows
            if entity["State"] == "paused":
                skipped = {**doc, "state": "skipped", "last_error": PAUSED_NOTE}
                await self._rows.upsert_entity(
                    _delivery_row(row, {**skipped, "next_try_at": None}), mode=UpdateMode.REPLACE
                )
                return 0
            if await replace_if(self._subs, _noted(entity, doc), etag_of(entity)):
                return 1
            await _back_off()
            entity = await get_or_none(self._subs, SUBS, entity["RowKey"])
        raise FlowStoreBusy("Could not note a flow's new event")

    async def _pending_rows(self, number: int) -> list[Any]:
        """A subscription's pending rows, oldest first."""
        rows = self._rows.query_entities(_PENDING, parameters={"p": _partition(number)})
        return [e async for e in rows][::-1]

    async def _head(self, number: int) -> str:
        rows = await self._pending_rows(number)
        return _due_text(unpack(rows[0])) if rows else ""

    async def due(self, now: dt.datetime, lease_until: dt.datetime, most: int) -> list[str]:
        """One query for the subscriptions due and free; each leased by a conditional
        replace, which only one of two instances leasing at once can win."""
        at = stamp(now)
        query = (
            _SUB_ROWS + " and State eq 'active' and NextDue ne '' and NextDue le @now "
            "and LeaseUntil le @now"
        )
        rows = [
            e async for e in self._subs.query_entities(query, parameters={"p": SUBS, "now": at})
        ]
        rows.sort(key=lambda e: (e["NextDue"], e["RowKey"]))
        until = stamp(lease_until)

        async def lease(entity: Any) -> bool:
            return await replace_if(self._subs, {**entity, "LeaseUntil": until}, etag_of(entity))

        won = await asyncio.gather(*(lease(e) for e in rows[:most]))
        return [unpack(e)["id"] for e, ok in zip(rows[:most], won, strict=True) if ok]

    async def pending(self, subscription_id: str, most: int) -> list[Delivery]:
        number = await self._number(subscription_id)
        if number is None:
            return []
        return [_delivery(e) for e in (await self._pending_rows(number))[:most]]

    async def release(self, subscription_id: str) -> None:
        row = {"PartitionKey": SUBS, "RowKey": _sub_key(subscription_id), "LeaseUntil": ""}
        with contextlib.suppress(ResourceNotFoundError):
            await self._subs.update_entity(row, mode=UpdateMode.MERGE)

    async def _mark(self, seq: int, change: Callable[[dict[str, Any]], None]) -> str | None:
        """Change a pending row, conditionally; its subscription's id, or None if the row
        is not pending (marked already, by this runner or another)."""
        partition, row_key = _partition(seq // EVENT_SPAN), _row_key(seq)
        for _ in range(TRIES):
            found = await get_or_none(self._rows, partition, row_key)
            if found is None or found["State"] != "pending":
                return None
            doc = unpack(found)
            change(doc)
            if await replace_if(self._rows, _delivery_row(found, doc), etag_of(found)):
                return str(doc["subscription_id"])
            await _back_off()
        raise FlowStoreBusy(f"Could not mark delivery {seq}")

    async def delivered(self, seq: int, status: int, at: dt.datetime) -> None:
        def went(doc: dict[str, Any]) -> None:
            doc.update(
                state="delivered",
                attempts=doc["attempts"] + 1,
                last_status=status,
                last_error="",
                next_try_at=None,
                delivered_at=_iso(at),
            )

        subscription_id = await self._mark(seq, went)
        if subscription_id is not None:
            await self._change(
                subscription_id,
                lambda doc: {**doc, "failures_in_a_row": 0, "last_delivered_at": _iso(at)},
            )

    async def retry(
        self,
        seq: int,
        status: int | None,
        error: str,
        next_try_at: dt.datetime,
        pause_after: int,
        at: dt.datetime,
    ) -> bool:
        return await self._failed_try(seq, status, error, next_try_at, pause_after, at)

    async def failed(
        self, seq: int, status: int | None, error: str, pause_after: int, at: dt.datetime
    ) -> bool:
        return await self._failed_try(seq, status, error, None, pause_after, at)

    async def _failed_try(
        self,
        seq: int,
        status: int | None,
        error: str,
        next_try_at: dt.datetime | None,
        pause_after: int,
        at: dt.datetime,
    ) -> bool:
        """As SqliteFlowStore's: the row kept to try again (or failed), counted once
        against its subscription (only the caller that marked the row counts it), which is
        paused at `pause_after` failed tries in a row. True if paused now."""

        def tried(doc: dict[str, Any]) -> None:
            doc.update(
                state="failed" if next_try_at is None else "pending",
                attempts=doc["attempts"] + 1,
                last_status=status,
                last_error=error,
                next_try_at=_iso(next_try_at),
            )

        subscription_id = await self._mark(seq, tried)
        if subscription_id is None:
            return False
        paused = False

        def count(doc: dict[str, Any]) -> dict[str, Any] | None:
            nonlocal paused
            paused = False
            if doc["state"] == "paused":
                return None
            failures = doc["failures_in_a_row"] + 1
            paused = failures >= pause_after
            return {
                **doc,
                "failures_in_a_row": failures,
                "last_error": error,
                "state": "paused" if paused else "active",
                "paused_at": _iso(at) if paused else None,
            }

        await self._change(subscription_id, count)
        if paused:
            await self._skip_pending(seq // EVENT_SPAN)
        return paused

    async def _skip_pending(self, number: int) -> None:
        """A paused subscription's pending rows, skipped (each only if unchanged since
        read; a row changed meanwhile is read again)."""
        for _ in range(TRIES):
            rows = await self._pending_rows(number)
            if not rows:
                return
            ops = []
            for row in rows[:BATCH]:
                doc = {**unpack(row), "state": "skipped", "last_error": PAUSED_NOTE}
                ops.append(
                    replace_op(_delivery_row(row, {**doc, "next_try_at": None}), etag_of(row))
                )
            if not await transact(self._rows, ops):
                await _back_off()
        raise FlowStoreBusy("Could not skip a paused flow's events")

    async def deliveries(self, subscription_id: str, before: int, most: int) -> list[Delivery]:
        number = await self._number(subscription_id)
        if number is None:
            return []
        start = "q|" if before == 0 else _row_key(before)
        rows = self._rows.query_entities(
            "PartitionKey eq @p and RowKey gt @start and RowKey lt 'q}'",
            parameters={"p": _partition(number), "start": start},
            results_per_page=most,
        )
        out: list[Delivery] = []
        async for entity in rows:
            out.append(_delivery(entity))
            if len(out) >= most:
                break
        return out

    async def prune(self, before: dt.datetime) -> int:
        """One query over every subscription's rows (once a day), then deletes in
        transactions of one partition each; and the events' rows of that age, so an event
        forgotten is one that could be added again, as with SQLite."""
        at = stamp(before)
        gone = await _delete_found(
            self._rows,
            self._rows.query_entities(
                "Kind eq 'delivery' and State ne 'pending' and OccurredAt lt @at",
                parameters={"at": at},
                select=["PartitionKey", "RowKey"],
            ),
        )
        await _delete_found(
            self._subs,
            self._subs.query_entities(
                "PartitionKey eq @p and RowKey ne @last and OccurredAt lt @at",
                parameters={"p": EVENTS, "last": LAST, "at": at},
                select=["PartitionKey", "RowKey"],
            ),
        )
        return gone

    async def delete_deliveries(self, subscription_id: str, seqs: Collection[int]) -> int:
        """Forget these finished rows of the subscription's log; pending rows stay."""
        number = await self._number(subscription_id)
        if number is None:
            return 0
        gone = 0
        for seq in sorted(set(seqs)):
            found = await get_or_none(self._rows, _partition(number), _row_key(seq))
            if found is None or found.get("State") == "pending":
                continue
            with contextlib.suppress(ResourceNotFoundError):
                await self._rows.delete_entity(_partition(number), _row_key(seq))
                gone += 1
        return gone


def _renewed(doc: dict[str, Any], s: Subscription) -> dict[str, Any]:
    """The subscription there was, with what the new subscribe says, and active again."""
    return {
        **doc,
        "secret": s.secret,
        "owner_name": s.owner_name,
        "api_base": s.api_base,
        "to_status": s.to_status,
        "board": s.board,
        "state": "active",
        "failures_in_a_row": 0,
        "paused_at": None,
        "last_error": "",
    }


def _noted(entity: Mapping[str, Any], doc: Mapping[str, Any]) -> dict[str, Any]:
    """The subscription's row, told of a new pending row: due then, unless due already."""
    return {**entity, "NextDue": entity["NextDue"] or _due_text(doc)}


async def _delete_found(table: TableClient, rows: AsyncIterator[Any]) -> int:
    """Delete the rows a query found, a transaction per partition; how many."""
    by_partition: dict[str, list[dict[str, Any]]] = {}
    async for e in rows:
        by_partition.setdefault(e["PartitionKey"], []).append(_keys(e))
    for keys in by_partition.values():
        for start in range(0, len(keys), BATCH):
            await _delete_all(table, keys[start : start + BATCH])
    return sum(len(keys) for keys in by_partition.values())


async def _delete_all(table: TableClient, keys: list[dict[str, Any]]) -> None:
    """Delete rows of one partition; rows gone already (another instance) are fine."""
    if await transact(table, [("delete", k) for k in keys]):
        return
    for k in keys:
        with contextlib.suppress(ResourceNotFoundError):
            await table.delete_entity(k["PartitionKey"], k["RowKey"])


def _keys(entity: Mapping[str, Any]) -> dict[str, Any]:
    return {"PartitionKey": entity["PartitionKey"], "RowKey": entity["RowKey"]}


def _if_unchanged(entity: Any) -> dict[str, Any]:
    return {"etag": etag_of(entity), "match_condition": MatchConditions.IfNotModified}
