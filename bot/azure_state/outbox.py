"""The writes owed to SharePoint, shared by every instance: rows in the journal, a queue.

Each owed write is an `out|<reference>|<n>` row in the journal table, added in the same
transaction as the change that owes it (`_owe`), so a change is never stored without its
write. After the commit, `_announce` puts a message naming the request on the "outbox"
queue. Rows are the truth; messages only say where there is work.

Sharing the work (`outbox_pending`):
- An instance receives messages, which the queue then hides from the others for the
  visibility timeout.
- Per request it takes a writer lease (a `lease|<reference>` row, held as long as the
  visibility timeout): only one instance writes an item at once, so the writer never takes
  another instance's write for someone editing the item in SharePoint. A message for a
  request another instance holds is made visible again soon and left alone.
- It returns the held requests' rows, oldest first. One request's writes always go from one
  instance in the order they were made.
- While it holds anything, its leases and messages are renewed in the background every
  quarter of the hold (`_keep_holding`, from `_open_outbox` to `_close_outbox`), so a round
  of writes that waits (the SharePoint budget's pacing, Retry-After, retries) keeps its
  hold; each call of `outbox_pending` renews too. When a request has no rows left, its
  messages are deleted and its lease given back. Messages for a request with no
  rows (a duplicate, or work another instance finished) are deleted.

An instance that dies mid-write: its messages reappear after the visibility timeout and its
lease runs out, so another instance takes the request. That instance finds the lease never
given back, so it counts each of the request's writes as tried at least once (attempts 1):
the writer then looks SharePoint up before creating the item again, since the instance that
died may have written it just before dying. A lease given back (written, failed, or handed
back at close) means nobody was mid-write, and attempts are the row's own.

Nothing lost: a message can fail to be sent after the commit (the instance died, or the
queue did not answer). On open, and then every SWEEP_EVERY as the writer asks for work,
`_sweep` re-announces each request whose oldest row is older than the visibility timeout
and that nobody holds and nobody announced within that time: at most SWEEP_MAX requests,
from one query of the rows and one of the leases. A duplicate message is harmless: the
writer takes a request's writes together, and a message with nothing left is deleted.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import secrets
import socket
from collections.abc import Awaitable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from azure.core import MatchConditions
from azure.core.exceptions import (
    AzureError,
    HttpResponseError,
    ResourceExistsError,
    ResourceModifiedError,
    ResourceNotFoundError,
)
from azure.data.tables import TableTransactionError, UpdateMode
from azure.data.tables.aio import TableClient
from azure.storage.queue import QueueMessage, StorageErrorCode
from azure.storage.queue.aio import QueueClient

from bot.azure_state.account import AzureState
from bot.azure_state.entities import (
    as_int,
    delete_if,
    etag_of,
    get_or_none,
    insert_new,
    int64,
    replace_if,
    stamp,
)
from bot.azure_state.journal_rows import (
    PARTITION,
    TABLE,
    item_entity,
    outbox_row,
    prefix_range,
    seq_of,
    split_seq,
)
from bot.clock import Clock
from bot.domain.references import format_reference, parse_reference
from bot.ports import OutboxOp

logger = logging.getLogger(__name__)
T = TypeVar("T")

QUEUE = "outbox"
# How long a received message stays hidden from other instances, and a writer lease lasts;
# both are renewed while the instance keeps asking for work, so this is how long work of an
# instance that died waits for another.
VISIBILITY = dt.timedelta(seconds=60)
# A message for a request another instance holds comes back after this.
BOUNCE = dt.timedelta(seconds=5)
# Failures retried at once: the writer already waits between its passes (1 s, doubling) and
# never retries an item in the pass it failed in. After these, a failing write's message
# waits RETRY_BASE, doubling up to RETRY_MAX, so a write that keeps failing costs little.
RETRY_AT_ONCE = 2
RETRY_BASE = dt.timedelta(seconds=2)
RETRY_MAX = dt.timedelta(minutes=5)
SWEEP_EVERY = dt.timedelta(minutes=5)
SWEEP_MAX = 500  # requests re-announced per sweep
RECEIVE_MAX = 256  # messages per call of outbox_pending (8 receives of 32)
SIDE_BY_SIDE = 16  # storage calls at once for one call of outbox_pending
SCAN_ABOVE = 8  # requests held: above this, their rows come from one query of all rows
TRANSACTION_MAX = 100  # entities in one entity-group transaction
LAST_ERROR = 500
STOP_WAIT = 10.0  # seconds the renewal round under way may take to finish at close
# How long a count of the owed writes is used again (readiness checks and the writer ask
# often; counting is a query of every owed row). This instance's own changes correct it.
COUNT_FRESH = dt.timedelta(seconds=5)


def lease_row(reference: str) -> str:
    return f"lease|{reference}"


def reference_of(seq: int) -> str:
    """The request an OutboxOp's seq names (its order is year * 1,000,000 + number)."""
    order, _ = split_seq(seq)
    return format_reference(*divmod(order, 1_000_000))


@dataclass
class _Held:
    """A request this instance writes now: the messages it received for it, until when its
    lease (and the messages' invisibility) lasts, the lease row's ETag, and the seqs of
    its rows as last read (each message held was received before that read, so a row made
    after it has a message of its own, not held here). `lock`: one change at a time to its
    lease and messages (the background renewal runs beside the writer)."""

    messages: list[QueueMessage]
    until: dt.datetime
    lease_etag: str
    taken_over: bool
    rows: set[int]
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class AzureOutbox:
    """The Journal port's outbox methods on Table and Queue storage: a mixin for the journal.

    The journal calls `AzureOutbox.__init__(self, azure, clock)` from its own `__init__`,
    `_owe` for each write a change owes (an entity for its transaction), `_announce` after
    the commit, `_open_outbox` from `open` and `_close_outbox` from `close`. The item
    SharePoint has is remembered on the `ref|` row (`item_entity`), as `remember_item` does.
    """

    def __init__(
        self,
        azure: AzureState,
        clock: Clock,
        *,
        visibility: dt.timedelta = VISIBILITY,
        bounce: dt.timedelta = BOUNCE,
        retry_at_once: int = RETRY_AT_ONCE,
        retry_base: dt.timedelta = RETRY_BASE,
        holder: str | None = None,
        renew_every: dt.timedelta | None = None,
    ) -> None:
        self._outbox_azure = azure
        self._outbox_clock = clock
        self._visibility = visibility
        self._bounce = bounce
        self._retry_at_once = retry_at_once
        self._retry_base = retry_base
        self._holder = holder or f"{socket.gethostname()}:{secrets.token_hex(6)}"
        # Renewed once a quarter of the hold has passed: the writer asks at least every
        # 30 s, well inside the 60 s hold.
        self._renew_below = visibility * 3 / 4
        self._held: dict[str, _Held] = {}
        self._next_sweep: dt.datetime | None = None
        self._renew_every = renew_every or visibility / 4
        self._renewer: asyncio.Task[None] | None = None
        self._stop_renewing = asyncio.Event()
        self._count: tuple[dt.datetime, int] | None = None  # when counted, how many
        self._oldest: dt.datetime | None = None  # the oldest owed write when counted
        self._count_changes = 0  # this instance's changes to the owed rows

    # For the journal ---------------------------------------------------------------

    def _owe(self, reference: str, order: int, n: int, op: str) -> dict[str, Any]:
        """The row of one write owed to SharePoint, for the change's own transaction."""
        return {
            "PartitionKey": PARTITION,
            "RowKey": outbox_row(reference, n),
            "Reference": reference,
            "Op": op,
            "Seq": int64(seq_of(order, n)),
            "Attempts": 0,
            "LastError": "",
            "CreatedAt": stamp(self._outbox_clock.now()),
        }

    async def _announce(self, reference: str) -> None:
        """Tell every instance the request has writes owed. The change is stored already: a
        message that cannot be sent now is sent by a later sweep, so this never raises."""
        self._count, self._count_changes = None, self._count_changes + 1  # count again
        try:
            # Kept until deleted: a write failing for days still has its message.
            await (await self._outbox_queue()).send_message(reference, time_to_live=-1)
        except AzureError as error:
            logger.warning("The outbox queue did not take %s: %r", reference, error)

    async def _open_outbox(self) -> None:
        await self._sweep(self._outbox_clock.now())
        if self._renewer is None or self._renewer.done():
            self._stop_renewing.clear()
            self._renewer = asyncio.create_task(self._keep_holding(), name="outbox renewals")

    async def _close_outbox(self) -> None:
        """Give back what this instance holds, so another takes it at once, not after the
        visibility timeout. Nothing was being written: attempts stay as they are."""
        await self._stop_holding()
        for reference in list(self._held):
            try:
                await self._let_go(reference, dt.timedelta(0))
            except AzureError as error:
                logger.warning("Could not give back %s at close: %r", reference, error)

    # The Journal port ----------------------------------------------------------------

    async def outbox_pending(self, limit: int = 20) -> list[OutboxOp]:
        now = self._outbox_clock.now()
        if self._next_sweep is None or now >= self._next_sweep:
            await self._sweep(now)
        fresh: dict[str, list[QueueMessage]] = {}
        for message in await self._receive(limit):
            parsed = parse_reference(str(message.content))
            if parsed is None:
                logger.warning("The outbox queue had a message that is not a reference")
                await self._delete_messages([message])
                continue
            reference = format_reference(*parsed)
            if reference in self._held:
                self._held[reference].messages.append(message)
            else:
                fresh.setdefault(reference, []).append(message)
        await _side_by_side(self._take(ref, messages, now) for ref, messages in fresh.items())
        renewing = [r for r, held in self._held.items() if held.until - now < self._renew_below]
        await _side_by_side(self._renew(reference, now) for reference in renewing)
        references = list(self._held)
        if len(references) > SCAN_ABOVE:
            every = await self._all_rows()
            found = [every.get(reference, []) for reference in references]
        else:
            found = await _side_by_side(self._rows(reference) for reference in references)
        ops: list[OutboxOp] = []
        empty: list[str] = []
        for reference, rows in zip(references, found, strict=True):
            held = self._held.get(reference)
            if held is None:
                continue
            held.rows = {as_int(row["Seq"]) for row in rows}
            if rows:
                ops.extend(_op(row, held.taken_over) for row in rows)
            else:
                empty.append(reference)
        await _side_by_side(self._finished(reference) for reference in empty)
        ops.sort(key=lambda op: op.seq)
        return ops[:limit]

    async def outbox_count(self) -> int:
        """Counted by one query of the owed rows at most every COUNT_FRESH; meanwhile the
        writes this instance finishes come off the count, and one it owes makes it count
        again next time. Another instance's changes show within COUNT_FRESH."""
        return (await self._counted())[0]

    async def outbox_oldest(self) -> dt.datetime | None:
        """From the same query as the count, so as fresh as it: within COUNT_FRESH, a write
        finished meanwhile may still be taken as the oldest (never a newer one)."""
        count, oldest = await self._counted()
        return oldest if count else None

    async def _counted(self) -> tuple[int, dt.datetime | None]:
        now = self._outbox_clock.now()
        if self._count is not None and self._count[0] <= now < self._count[0] + COUNT_FRESH:
            return self._count[1], self._oldest
        changes = self._count_changes
        table = await self._outbox_table()
        rows = table.query_entities(prefix_range("out|"), select=["RowKey", "CreatedAt"])
        created = [str(row["CreatedAt"]) async for row in rows]
        oldest = dt.datetime.fromisoformat(min(created)) if created else None  # stamps sort
        if changes == self._count_changes:  # else the rows changed as they were counted
            self._count, self._oldest = (now, len(created)), oldest
        return len(created), oldest

    def _counted_off(self, written: int) -> None:
        self._count_changes += 1
        if self._count is not None:
            self._count = (self._count[0], max(0, self._count[1] - written))

    async def outbox_done(self, seq: int, reference: str, item_id: str, etag: str) -> None:
        """The item is remembered and the row goes in one transaction (with the lease row,
        if this was the request's last row this instance knows of), so a write is never
        forgotten without its item being remembered."""
        held = self._held.get(reference)
        async with held.lock if held is not None else contextlib.nullcontext():
            await self._done(seq, reference, item_id, etag, held)
        self._counted_off(1)

    async def _done(
        self, seq: int, reference: str, item_id: str, etag: str, held: _Held | None
    ) -> None:
        last = held is not None and held.rows <= {seq}
        table = await self._outbox_table()
        item = item_entity(reference, item_id, etag)
        row = {"PartitionKey": PARTITION, "RowKey": outbox_row(reference, split_seq(seq)[1])}
        steps: list[tuple[Any, ...]] = (
            [("upsert", item, {"mode": UpdateMode.MERGE})] if item_id else []
        )
        steps.append(("delete", row))
        if held is not None and last:
            steps.append(("delete", self._lease_key(reference), _if_unchanged(held.lease_etag)))
        try:
            await table.submit_transaction(steps)
        except TableTransactionError:
            # The row went already, or the lease changed hands: each on its own.
            if item_id:
                await table.upsert_entity(item, mode=UpdateMode.MERGE)
            with contextlib.suppress(ResourceNotFoundError):
                await table.delete_entity(PARTITION, row["RowKey"])
            if held is not None and last:
                await delete_if(table, PARTITION, lease_row(reference), held.lease_etag)
        if held is not None:
            held.rows.discard(seq)
            if last:
                self._held.pop(reference, None)
                await self._delete_messages(held.messages)

    async def outbox_skip(self, reference: str, op: str, through_seq: int | None = None) -> None:
        rows = await self._rows(reference)
        carried = [
            row
            for row in rows
            if row["Op"] == op and (through_seq is None or as_int(row["Seq"]) <= through_seq)
        ]
        await self._delete_rows(carried)
        self._counted_off(len(carried))
        held = self._held.get(reference)
        if held is not None:
            held.rows = {as_int(row["Seq"]) for row in rows} - {as_int(r["Seq"]) for r in carried}
            if not held.rows:
                await self._finished(reference)

    async def outbox_failed(self, seq: int, error: str) -> None:
        """One more attempt on the row (an ETag-guarded write, though only the lease holder
        writes it), then the request is let go: its message comes back after a back-off
        that grows with the attempts, for whichever instance asks first."""
        reference, (_, n) = reference_of(seq), split_seq(seq)
        table = await self._outbox_table()
        attempts = 0
        for _ in range(10):
            row = await get_or_none(table, PARTITION, outbox_row(reference, n))
            if row is None:
                break
            attempts = as_int(row.get("Attempts", 0)) + 1
            changed = {**row, "Attempts": attempts, "LastError": error[:LAST_ERROR]}
            if await replace_if(table, changed, etag_of(row)):
                break
        if reference in self._held:
            await self._let_go(reference, self._retry_after(attempts))

    async def pending_for(self, reference: str) -> int:
        return len(await self._rows(reference))

    async def unwritten_references(self) -> set[str]:
        table = await self._outbox_table()
        rows = table.query_entities(
            prefix_range("out|") + " and Op eq 'create'", select=["Reference"]
        )
        return {str(row["Reference"]) async for row in rows}

    # Holding requests ------------------------------------------------------------------

    async def _take(self, reference: str, messages: list[QueueMessage], now: dt.datetime) -> None:
        etag, taken_over = await self._claim(reference, now)
        if etag is not None:
            until = now + self._visibility
            self._held[reference] = _Held(messages, until, etag, taken_over, set())
        else:
            await self._show_again(messages, self._bounce)

    async def _claim(self, reference: str, now: dt.datetime) -> tuple[str | None, bool]:
        """(the lease row's ETag if claimed, whether it was taken over). Like `claim_lease`,
        keeping the ETag and what the row said before: a lease still set (HeldUntil) was
        never given back, so its holder may have died mid-write. Two instances claiming at
        once: the insert, or the replace on the ETag read, lets only one win."""
        table = await self._outbox_table()
        lease = {
            **self._lease_key(reference),
            "Holder": self._holder,
            "HeldUntil": stamp(now + self._visibility),
        }
        with contextlib.suppress(ResourceExistsError):
            return str((await table.create_entity(lease))["etag"]), False
        found = await get_or_none(table, PARTITION, lease_row(reference))
        if found is None:
            return None, False  # given up just now: its message comes back
        held_until = str(found.get("HeldUntil") or "")
        if held_until > stamp(now) and found.get("Holder") != self._holder:
            return None, False
        return await _replaced(table, {**found, **lease}, etag_of(found)), bool(held_until)

    async def _renew(self, reference: str, now: dt.datetime) -> None:
        held = self._held.get(reference)
        if held is None:
            return
        async with held.lock:
            if self._held.get(reference) is not held:
                return  # finished or let go while this waited
            table = await self._outbox_table()
            lease = {
                **self._lease_key(reference),
                "Holder": self._holder,
                "HeldUntil": stamp(now + self._visibility),
            }
            etag = await _replaced(table, lease, held.lease_etag)
            if etag is None:
                # Our lease ran out and another instance took the request: it is theirs now.
                logger.warning("%s was taken by another instance; left to it", reference)
                self._held.pop(reference, None)
                return
            held.until, held.lease_etag = now + self._visibility, etag
            renewing = list(held.messages)
            kept = await self._show_again(renewing, self._visibility)
            # Messages for it received meanwhile were added after these: they stay.
            held.messages = kept + held.messages[len(renewing) :]

    async def _keep_holding(self) -> None:
        """Every `renew_every` (a quarter of the hold), until `_stop_holding`: renew all this
        instance holds, so its hold lasts however long a round of writes waits. Runs for
        the journal's life; each round is bounded by what is held, and never raises."""
        period = self._renew_every.total_seconds()
        while not self._stop_renewing.is_set():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(period):
                    await self._stop_renewing.wait()
            if self._stop_renewing.is_set():
                return
            now = self._outbox_clock.now()
            await _side_by_side(self._renew_quietly(ref, now) for ref in list(self._held))

    async def _renew_quietly(self, reference: str, now: dt.datetime) -> None:
        try:
            await self._renew(reference, now)
        except Exception as error:  # the next round tries again; the writer goes on
            logger.warning("Could not renew the hold on %s: %r", reference, error)

    async def _stop_holding(self) -> None:
        """Stop the renewals; a round under way finishes first (so what it renewed is
        known), or is cancelled after STOP_WAIT."""
        renewer, self._renewer = self._renewer, None
        if renewer is None:
            return
        self._stop_renewing.set()
        await asyncio.wait({renewer}, timeout=STOP_WAIT)
        if not renewer.done():
            renewer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await renewer

    async def _finished(self, reference: str) -> None:
        """No rows left: its messages go and its lease row with them."""
        held = self._held.pop(reference, None)
        if held is None:
            return
        async with held.lock:  # a renewal under way ends first: its ETag is the one
            await self._delete_messages(held.messages)
            table = await self._outbox_table()
            await delete_if(table, PARTITION, lease_row(reference), held.lease_etag)

    async def _let_go(self, reference: str, after: dt.timedelta) -> None:
        """Rows left: one message comes back `after` from now (duplicates go), and the lease
        is given back, noting when the message is due (so the sweep leaves it alone)."""
        held = self._held.pop(reference, None)
        if held is None:
            return
        async with held.lock:  # a renewal under way ends first: its ETag is the one
            await self._delete_messages(held.messages[1:])
            await self._show_again(held.messages[:1], after)
            given_back = {
                **self._lease_key(reference),
                "Holder": "",
                "HeldUntil": "",
                "DueAt": stamp(self._outbox_clock.now() + after),
            }
            await _replaced(await self._outbox_table(), given_back, held.lease_etag)

    @staticmethod
    def _lease_key(reference: str) -> dict[str, str]:
        return {"PartitionKey": PARTITION, "RowKey": lease_row(reference)}

    def _retry_after(self, attempts: int) -> dt.timedelta:
        beyond = attempts - self._retry_at_once
        if beyond <= 0:
            return dt.timedelta(0)
        return min(self._retry_base * 2 ** min(beyond - 1, 20), RETRY_MAX)

    # Rows --------------------------------------------------------------------------------

    async def _rows(self, reference: str) -> list[Mapping[str, Any]]:
        table = await self._outbox_table()
        rows = table.query_entities(
            prefix_range(f"out|{reference}|"),
            select=["RowKey", "Reference", "Op", "Seq", "Attempts"],
        )
        return [row async for row in rows]

    async def _all_rows(self) -> dict[str, list[Mapping[str, Any]]]:
        """Every owed write, by request: one query (a page per 1,000 rows)."""
        table = await self._outbox_table()
        rows = table.query_entities(
            prefix_range("out|"), select=["RowKey", "Reference", "Op", "Seq", "Attempts"]
        )
        by_request: dict[str, list[Mapping[str, Any]]] = {}
        async for row in rows:
            by_request.setdefault(str(row["Reference"]), []).append(row)
        return by_request

    async def _delete_rows(self, rows: list[Mapping[str, Any]]) -> None:
        """In transactions of up to 100; if a row went meanwhile, the rest one by one."""
        table = await self._outbox_table()
        for start in range(0, len(rows), TRANSACTION_MAX):
            part = rows[start : start + TRANSACTION_MAX]
            try:
                await table.submit_transaction(
                    [("delete", {"PartitionKey": PARTITION, "RowKey": r["RowKey"]}) for r in part]
                )
            except TableTransactionError:
                for row in part:
                    with contextlib.suppress(ResourceNotFoundError):
                        await table.delete_entity(PARTITION, row["RowKey"])

    # Messages -----------------------------------------------------------------------------

    async def _receive(self, limit: int) -> list[QueueMessage]:
        queue = await self._outbox_queue()
        wanted = max(1, min(limit, RECEIVE_MAX))
        received = queue.receive_messages(
            messages_per_page=min(32, wanted),  # 32 is the most one receive hands out
            visibility_timeout=max(1, _seconds(self._visibility)),
            max_messages=wanted,
        )
        return [message async for message in received]

    async def _show_again(
        self, messages: list[QueueMessage], after: dt.timedelta
    ) -> list[QueueMessage]:
        """Each message visible again `after` from now; those still ours, as now updated (one
        whose hold ran out and was received elsewhere is not ours to change)."""
        queue = await self._outbox_queue()
        kept = []
        for message in messages:
            try:
                updated = await queue.update_message(
                    message, pop_receipt=message.pop_receipt, visibility_timeout=_seconds(after)
                )
            except HttpResponseError as error:
                if _not_ours(error):
                    continue
                raise
            message.pop_receipt = updated.pop_receipt
            kept.append(message)
        return kept

    async def _delete_messages(self, messages: Iterable[QueueMessage]) -> None:
        queue = await self._outbox_queue()
        for message in messages:
            try:
                await queue.delete_message(message)
            except HttpResponseError as error:
                if not _not_ours(error):
                    raise

    # Nothing lost ---------------------------------------------------------------------

    async def _sweep(self, now: dt.datetime) -> None:
        """Re-announce requests owed a write whose message may have been lost: the oldest
        row older than the visibility timeout, no live lease, nothing announced within that
        time. Lease rows of requests owing nothing are tidied away. Bounded: two queries,
        then at most SWEEP_MAX requests."""
        self._next_sweep = now + SWEEP_EVERY
        try:
            await self._sweep_now(now)
        except AzureError as error:
            logger.warning("Could not look for unannounced SharePoint writes: %r", error)

    async def _sweep_now(self, now: dt.datetime) -> None:
        table = await self._outbox_table()
        oldest: dict[str, str] = {}
        rows = table.query_entities(prefix_range("out|"), select=["Reference", "CreatedAt"])
        async for row in rows:
            reference, created = str(row["Reference"]), str(row["CreatedAt"])
            oldest[reference] = min(created, oldest.get(reference, created))
        leases: dict[str, Any] = {}
        async for row in table.query_entities(prefix_range("lease|")):
            leases[str(row["RowKey"]).removeprefix("lease|")] = row
        since, at = stamp(now - self._visibility), stamp(now)
        quiet = sorted(
            (created, reference)
            for reference, created in oldest.items()
            if created <= since and not _busy(leases.get(reference), at, since)
        )
        for _, reference in quiet[:SWEEP_MAX]:
            if await self._mark_due(table, reference, leases.get(reference), at):
                await self._announce(reference)
        if quiet:
            logger.warning("Announced again %d requests owed SharePoint writes", len(quiet))
        idle = [row for ref, row in leases.items() if ref not in oldest and not _live(row, at)]
        for row in idle[:SWEEP_MAX]:
            await delete_if(table, PARTITION, str(row["RowKey"]), etag_of(row))

    async def _mark_due(
        self, table: TableClient, reference: str, lease: Mapping[str, Any] | None, at: str
    ) -> bool:
        """Note on the lease row that a message is due now, unless the row changed since the
        sweep read it (someone just took the request, or another sweep announced it)."""
        if lease is None:
            return await insert_new(table, {**self._lease_key(reference), "DueAt": at})
        return await replace_if(table, {**lease, "DueAt": at}, etag_of(lease))

    # Clients --------------------------------------------------------------------------

    async def _outbox_table(self) -> TableClient:
        return await self._outbox_azure.table(TABLE)

    async def _outbox_queue(self) -> QueueClient:
        return await self._outbox_azure.queue(QUEUE)


def _if_unchanged(etag: str) -> dict[str, Any]:
    return {"etag": etag, "match_condition": MatchConditions.IfNotModified}


async def _replaced(table: TableClient, entity: Mapping[str, Any], etag: str) -> str | None:
    """`replace_if`, answering the row's new ETag (None if it changed since `etag`)."""
    try:
        done = await table.update_entity(entity, mode=UpdateMode.REPLACE, **_if_unchanged(etag))
    except (ResourceModifiedError, ResourceNotFoundError):
        return None
    except HttpResponseError as error:
        if error.status_code in (404, 409, 412):
            return None
        raise
    return str(done["etag"])


def _op(row: Mapping[str, Any], taken_over: bool) -> OutboxOp:
    attempts = as_int(row.get("Attempts", 0))
    return OutboxOp(
        seq=as_int(row["Seq"]),
        reference=str(row["Reference"]),
        op=str(row["Op"]),
        attempts=max(attempts, 1) if taken_over else attempts,
    )


def _live(lease: Mapping[str, Any], at: str) -> bool:
    return str(lease.get("HeldUntil") or "") > at


def _busy(lease: Mapping[str, Any] | None, at: str, since: str) -> bool:
    """Held now, or its message was due within the visibility timeout: not lost."""
    return lease is not None and (_live(lease, at) or str(lease.get("DueAt") or "") > since)


def _not_ours(error: HttpResponseError) -> bool:
    """The message is gone, or its hold ran out and another instance received it."""
    return isinstance(error, ResourceNotFoundError) or (
        getattr(error, "error_code", None) == StorageErrorCode.POP_RECEIPT_MISMATCH
    )


def _seconds(span: dt.timedelta) -> int:
    return max(0, round(span.total_seconds()))


async def _side_by_side(calls: Iterable[Awaitable[T]]) -> list[T]:
    """Await each, at most SIDE_BY_SIDE at once, results in order."""
    gate = asyncio.Semaphore(SIDE_BY_SIDE)

    async def one(call: Awaitable[T]) -> T:
        async with gate:
            return await call

    return await asyncio.gather(*(one(call) for call in calls))
