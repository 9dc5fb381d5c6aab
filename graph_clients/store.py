"""The m365 store: SharePoint lists are the system of record; nothing is ever lost on the way.

Requests are taken into a local journal first (the reference, the request and an outbox
of writes owed to SharePoint), so a member of staff always gets their reference at once.
A writer then sends each queued write to SharePoint in order, and exactly once in effect:
a retried create first looks the reference up. Reads come from SharePoint, with anything
not yet written added from the journal; if Graph cannot be reached, the journal answers.

Drafts, Teams conversation references, once-only keys and journeys' records are the
bot's own working state, not council records: they are handed to the working state
object, and keeping them off Graph keeps a submission to one Graph request.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from typing import Any

from bot.clock import Clock
from bot.domain.model import DigitalRequest, Draft
from bot.domain.references import parse_reference
from bot.ports import (
    ChangedBySomeoneElse,
    Governance,
    Journal,
    NewRequest,
    OutboxOp,
    Page,
    Record,
    WorkingState,
)
from graph_clients.client import GraphUnavailable, is_transient
from graph_clients.config_list import read_config
from graph_clients.requests_list import MAX_BATCH, GraphRequests, Written, triage_columns

logger = logging.getLogger(__name__)

# Seconds on the monotonic timer: an interval for a cache, not a date, so not the Clock's.
GOVERNANCE_TTL = 300.0


def _leading_fresh_creates(ops: list[OutboxOp]) -> list[OutboxOp]:
    """The run of never-tried creates at the head of the queue: safe to send as one batch."""
    fresh: list[OutboxOp] = []
    for op in ops:
        if op.op != "create" or op.attempts:
            break
        fresh.append(op)
    return fresh


class SharePointStore:
    """The Store port over SharePoint lists, a local journal and local working state."""

    def __init__(
        self,
        journal: Journal,
        working: WorkingState,
        requests: GraphRequests,
        clock: Clock,
        read_governance: Any = None,
        on_close: Any = None,
    ) -> None:
        self.journal = journal
        self.working = working
        self.requests = requests
        self._clock = clock
        self.graph: Any = None  # the GraphConnection, for other Graph needs (the roster)
        self._on_close = on_close
        self._read_governance = read_governance
        self._governance_at = 0.0
        self._wake = asyncio.Event()
        self._batch_tries = 10
        self.read_budget = 0.25
        self._refreshing: asyncio.Future[None] | None = None
        self._writing = asyncio.Lock()

    # Lifecycle ----------------------------------------------------------------

    async def open(self) -> None:
        await self.journal.open()
        await self.working.open()
        await self._refresh_governance()
        try:
            year = self._clock.now().year
            await self.journal.raise_reference_floor(year, await self.requests.max_number(year))
        except Exception as error:
            logger.warning("Could not read the highest reference from SharePoint: %r", error)

    async def close(self) -> None:
        if self._refreshing is not None and not self._refreshing.done():
            self._refreshing.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._refreshing
        await self.journal.close()
        await self.working.close()
        if self._on_close is not None:
            await self._on_close()

    async def ping(self) -> bool:
        return await self.journal.ping()

    async def pending_writes(self) -> int:
        return await self.journal.outbox_count()

    # Governance: SharePoint's copy, kept locally for when Graph is unreachable ---

    async def governance(self) -> Governance:
        """The last known copy at once; a stale one is refreshed in the background, so a
        member of staff never waits on Graph (or its retries) for the rules."""
        stale = time.monotonic() - self._governance_at > GOVERNANCE_TTL
        if stale and (self._refreshing is None or self._refreshing.done()):
            self._governance_at = time.monotonic()
            self._refreshing = asyncio.ensure_future(self._refresh_governance())
        return await self.journal.governance()

    async def _refresh_governance(self) -> None:
        self._governance_at = time.monotonic()
        if self._read_governance is None:
            return
        try:
            values = await self._read_governance()
        except Exception as error:
            logger.warning("Using the last known governance; SharePoint said %r", error)
            return
        if values:
            await self.journal.replace_governance(values)

    # Requests -------------------------------------------------------------------

    async def add(self, new: NewRequest) -> DigitalRequest:
        stored = await self.journal.add(new)
        self.wake_writer()
        return stored

    async def by_draft(self, draft_id: str) -> DigitalRequest | None:
        return await self.journal.by_draft(draft_id)

    async def get(self, reference: str) -> DigitalRequest | None:
        """SharePoint's copy, through the journal: the journal's version is what updates use.

        If the item changed in SharePoint outside the bot (a board secretary in Power Apps,
        say), SharePoint's copy is taken into the journal first.
        """
        if parse_reference(reference) is None:
            return None
        reference = reference.strip().upper()
        local = await self.journal.get(reference)
        if local is not None and await self.journal.pending_for(reference):
            return local  # our own changes are newer than SharePoint's copy
        try:
            # A person is waiting (a card action must be answered within seconds): if
            # SharePoint is slow, the journal answers and changes there are seen next time.
            budget = self.read_budget if local is not None else None
            found = await asyncio.wait_for(self.requests.find(reference), timeout=budget)
        except Exception as error:
            if not (isinstance(error, GraphUnavailable | TimeoutError) or is_transient(error)):
                raise
            logger.warning(
                "SharePoint slow or unreachable; answering %s from the journal", reference
            )
            return local
        if found is None or local is None:
            return found or local
        known = await self.journal.graph_item(reference)
        if known is not None and known[1] == found.etag:
            return local
        return await self.journal.import_version(found, found.item_id, found.etag)

    async def update(self, request: DigitalRequest) -> DigitalRequest:
        if await self.journal.get(request.reference) is None:
            # Not raised through this bot's journal: change it in SharePoint directly.
            etag = await self.requests.update_fields(
                request.item_id, triage_columns(request), request.etag
            )
            return dataclasses.replace(request, etag=etag)
        stored = await self.journal.update(request)
        self.wake_writer()
        return stored

    async def for_requester(
        self, requester_id: str, page_token: str | None = None, page_size: int = 10
    ) -> Page:
        later = self.requests.continues(requester_id, page_token, page_size)
        try:
            page = await self.requests.for_requester(requester_id, page_token, page_size)
        except Exception as error:
            if not (isinstance(error, GraphUnavailable) or is_transient(error)):
                raise
            logger.warning("SharePoint unreachable; listing requests from the journal")
            # The journal knows only its own tokens: one of SharePoint's starts at its first page.
            return await self.journal.for_requester(requester_id, page_token, page_size)
        if later:
            return page
        unwritten = await self.journal.unwritten_references()
        local = await self.journal.for_requester(requester_id, None, page_size)
        extra = [r for r in local.items if r.reference in unwritten]
        known = {r.reference for r in page.items}
        return Page(
            items=[r for r in extra if r.reference not in known] + page.items,
            next_token=page.next_token,
        )

    async def recent(self, limit: int = 200) -> list[DigitalRequest]:
        # The journal holds every request raised through the bot: enough to find duplicates.
        return await self.journal.recent(limit)

    async def awaiting_triage_post(self, limit: int = 50) -> list[DigitalRequest]:
        return await self.journal.awaiting_triage_post(limit)

    async def mark_triage_posted(self, reference: str, message_id: str) -> None:
        await self.journal.mark_triage_posted(reference, message_id)
        self.wake_writer()

    # Local working state ----------------------------------------------------------

    async def get_draft(self, owner_id: str, form: str) -> Draft | None:
        return await self.working.get_draft(owner_id, form)

    async def save_draft(self, draft: Draft) -> Draft:
        return await self.working.save_draft(draft)

    async def delete_draft(self, owner_id: str, form: str) -> None:
        await self.working.delete_draft(owner_id, form)

    async def register_channel(
        self, purpose: str, reference: dict[str, Any], registered_by: str
    ) -> None:
        await self.working.register_channel(purpose, reference, registered_by)

    async def channel(self, purpose: str) -> dict[str, Any] | None:
        return await self.working.channel(purpose)

    async def remember_personal_chat(self, user_id: str, reference: dict[str, Any]) -> None:
        await self.working.remember_personal_chat(user_id, reference)

    async def personal_chat(self, user_id: str) -> dict[str, Any] | None:
        return await self.working.personal_chat(user_id)

    async def handled_invoke(self, key: str) -> dict[str, Any] | None:
        return await self.working.handled_invoke(key)

    async def remember_invoke(self, key: str, response: dict[str, Any]) -> None:
        await self.working.remember_invoke(key, response)

    async def claim_notification(self, key: str) -> bool:
        return await self.working.claim_notification(key)

    async def remember_person(self, user_id: str, teams_id: str, name: str) -> None:
        await self.working.remember_person(user_id, teams_id, name)

    async def people(self, user_ids: frozenset[str]) -> dict[str, tuple[str, str]]:
        return await self.working.people(user_ids)

    async def add_record(self, record: Record) -> bool:
        return await self.working.add_record(record)

    async def records(self, kind: str, after_seq: int = 0, limit: int = 500) -> list[Record]:
        return await self.working.records(kind, after_seq, limit)

    # The writer -----------------------------------------------------------------

    def wake_writer(self) -> None:
        self._wake.set()

    async def run_writer(self, idle_seconds: float = 30.0) -> None:
        """Runs for the life of the app: writes whenever woken, and retries when idle.

        After a failed round the next comes sooner (1 s, doubling up to `idle_seconds`),
        so a passing fault costs seconds, and a long outage costs Graph little.
        """
        self._wake.set()  # whatever a previous run left in the outbox goes first
        wait = idle_seconds
        failures = 0
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=wait)
            self._wake.clear()
            written = 0
            try:
                written = await self.write_pending()
                left = await self.journal.outbox_count()
            except Exception:
                logger.exception("Writing to SharePoint failed; will try again")
                left = 1
            # Back off only while nothing gets through; any progress starts again at 1 s.
            failures = 0 if not left else (1 if written else failures + 1)
            wait = min(idle_seconds, 2.0 ** (failures - 1)) if failures else idle_seconds

    async def write_pending(self) -> int:
        """Send queued writes in order. Stops at the first that still fails after retries."""
        written = 0
        async with self._writing:
            for _ in range(10_000):  # bounded: each round writes at least one, or stops
                ops = await self.journal.outbox_pending(limit=MAX_BATCH)
                if not ops:
                    break
                fresh = _leading_fresh_creates(ops)
                done = await (
                    self._write_batch(fresh) if len(fresh) > 1 else self._write_one(ops[0])
                )
                written += done
                if done == 0:
                    break
        return written

    async def _write_one(self, op: OutboxOp) -> int:
        try:
            await self._write(op)
        except Exception as error:
            await self._failed(op, error)
            return 0
        return 1

    async def _write_batch(self, ops: list[OutboxOp]) -> int:
        """Several new requests at once; only those not written are tried again."""
        requests = [await self.journal.get(op.reference) for op in ops]
        if any(r is None for r in requests):
            return await self._write_one(ops[0])
        remaining = list(zip(ops, requests, strict=True))
        written = 0
        for _ in range(self._batch_tries):
            extras = [await self._triage_columns_known(op.reference) for op, _ in remaining]
            try:
                outcomes = await self.requests.create_many([r for _, r in remaining if r], extras)
            except Exception as error:
                # The reply may be lost after SharePoint wrote some: each is checked on retry.
                for op, _ in remaining:
                    await self._failed(op, error, log=False)
                logger.warning(
                    "A batch of %d writes to SharePoint failed: %r", len(remaining), error
                )
                return written
            wait = 0.0
            left = []
            for (op, request), outcome, extra in zip(remaining, outcomes, extras, strict=True):
                if isinstance(outcome, Written):
                    await self.journal.outbox_done(
                        op.seq, op.reference, outcome.item_id, outcome.etag
                    )
                    if extra:
                        await self.journal.outbox_skip(op.reference, "triage")
                    written += 1
                else:
                    left.append((op, request))
                    if isinstance(outcome, float) and not wait:
                        wait = outcome
            if not left:
                return written
            if not wait:
                for op, _ in left:
                    await self._failed(op, RuntimeError("SharePoint refused the write"))
                return written
            logger.warning("SharePoint throttled a batch; %d writes wait %.1f s", len(left), wait)
            await asyncio.sleep(wait)
            remaining = left
        return written

    async def _failed(self, op: OutboxOp, error: BaseException, log: bool = True) -> None:
        await self.journal.outbox_failed(op.seq, repr(error))
        if log:
            pending = await self.journal.outbox_count()
            logger.warning(
                "SharePoint write of %s (%s) failed: %r. %d writes wait in the outbox.",
                op.reference,
                op.op,
                error,
                pending,
            )

    async def _write(self, op: OutboxOp) -> None:
        request = await self.journal.get(op.reference)
        if request is None:
            raise LookupError(f"{op.reference} is in the outbox but not in the journal")
        if op.op == "create":
            await self._create_once(op, request)
        elif op.op == "triage":
            await self._record_triage_post(op, request)
        elif op.op == "update":
            await self._send_update(op, request)
        else:
            raise ValueError(f"Unknown outbox operation {op.op!r}")

    async def _create_once(self, op: OutboxOp, request: DigitalRequest) -> None:
        # A first try cannot have written anything; a retry may have (the reply was lost).
        existing = await self.requests.find(request.reference) if op.attempts else None
        if existing is not None:
            await self.journal.outbox_done(
                op.seq, request.reference, existing.item_id, existing.etag
            )
            return
        extra = await self._triage_columns_known(request.reference)
        written = await self.requests.create(request, extra)
        await self.journal.outbox_done(op.seq, request.reference, written.item_id, written.etag)
        if extra:
            await self.journal.outbox_skip(request.reference, "triage")

    async def _triage_columns_known(self, reference: str) -> dict[str, Any]:
        """If the triage card was posted before the item was written, the create carries it."""
        message_id = await self.journal.triage_message_id(reference)
        return {"TriagePosted": True, "TriageMessageId": message_id} if message_id else {}

    async def _record_triage_post(self, op: OutboxOp, request: DigitalRequest) -> None:
        item = await self.journal.graph_item(request.reference)
        if item is None:
            found = await self.requests.find(request.reference)
            if found is None:
                raise LookupError(f"{request.reference} is not in SharePoint yet")
            item = (found.item_id, found.etag)
        message_id = await self.triage_message_id(request.reference)
        etag = await self.requests.update_fields(
            item[0], {"TriagePosted": True, "TriageMessageId": message_id}, ""
        )
        await self.journal.outbox_done(op.seq, request.reference, item[0], etag)

    async def _send_update(self, op: OutboxOp, request: DigitalRequest) -> None:
        item = await self.journal.graph_item(request.reference)
        if item is None or not item[0]:
            found = await self.requests.find(request.reference)
            if found is None:
                raise LookupError(f"{request.reference} is not in SharePoint yet")
            item = (found.item_id, found.etag)
        try:
            etag = await self.requests.update_fields(item[0], triage_columns(request), item[1])
        except ChangedBySomeoneElse:
            # Changed in SharePoint since our last write. Triage changes made in Teams are
            # applied on top, and it is logged: never silently.
            fresh = await self.requests.find(request.reference)
            if fresh is None:
                raise
            logger.warning(
                "%s changed in SharePoint outside the bot (status there: %s). Applying the "
                "triage change made in Teams (status %s) on top.",
                request.reference,
                fresh.status.value,
                request.status.value,
            )
            etag = await self.requests.update_fields(
                fresh.item_id, triage_columns(request), fresh.etag
            )
            item = (fresh.item_id, etag)
        await self.journal.outbox_done(op.seq, request.reference, item[0], etag)

    async def triage_message_id(self, reference: str) -> str:
        return await self.journal.triage_message_id(reference)


def governance_reader(client: Any, site_id: str, policy: Any) -> Any:
    async def read() -> dict[str, Any]:
        return await read_config(client, site_id, policy)

    return read
