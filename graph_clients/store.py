"""The m365 store: SharePoint lists are the system of record; nothing is ever lost on the way.

Requests are taken into a local journal first (the reference, the request and an outbox
of writes owed to SharePoint), so a member of staff always gets their reference at once.
A writer then sends the queued writes to SharePoint, each request's in order, requests
side by side, and exactly once in effect: a create that may have been written already is
looked up first (or refused by the unique Reference column, then looked up), and a
request's queued updates go as one write of its latest state. Writes of different
requests go together in $batch envelopes of 20, paced to SharePoint's budget of resource
units a minute (graph_clients.budget), so catching up after an outage takes seconds.
Reads come from SharePoint, with anything not yet written added from the journal; if
Graph cannot be reached, the journal answers.

Drafts, Teams conversation references, once-only keys and journeys' records are the
bot's own working state, not council records: they are handed to the working state
object, and keeping them off Graph keeps a submission to one Graph request.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
from kiota_abstractions.api_error import APIError

from bot.clock import Clock
from bot.domain import codec
from bot.domain.edits import EDITED_IN_SHAREPOINT, described_changes, entries_not_in
from bot.domain.model import AuditEntry, DigitalRequest, Draft, Matrix
from bot.domain.references import parse_reference
from bot.errors import NotAnsweringNow, UserFacingError
from bot.ports import (
    CLAIM_HOLD,
    ChangedBySomeoneElse,
    Governance,
    Journal,
    NewRequest,
    NotApplied,
    OutboxOp,
    Page,
    Record,
    RequestQuery,
    WorkingState,
)
from bot.telemetry.steps import job
from graph_clients.budget import QUERY_UNITS, WRITE_UNITS, ResourceBudget, WriteBudget
from graph_clients.client import GraphUnavailable, is_transient, waiting_at_most
from graph_clients.config import DEFAULT_READ_WAIT
from graph_clients.config_list import (
    ConfigChangedMeanwhile,
    check_config,
    publish_matrix,
    read_config,
)
from graph_clients.provision import config_seed
from graph_clients.requests_list import (
    MAX_BATCH,
    UNIQUE_CONFLICT,
    AlreadyThere,
    FieldsChange,
    GraphRequests,
    Written,
    changed_columns,
    replace_columns,
)

logger = logging.getLogger(__name__)
T = TypeVar("T")

# Seconds on the monotonic timer: an interval for a cache, not a date, so not the Clock's.
GOVERNANCE_TTL = 300.0
# How long a submission on a new or lost data folder waits for SharePoint's highest reference.
FLOOR_WAIT = 2.0
# The longest pause between background tries to reach Graph while it is unreachable.
CATCH_UP_PAUSE = 30.0
# Items the writer writes side by side (a $batch of new items counts as one more): bounded,
# so catching up after a slowdown is quick without flooding Graph.
CONCURRENT_WRITES = 8
# $batch envelopes of changes to items in flight at once: the budget paces them anyway.
CONCURRENT_BATCHES = 4
# Queued writes the writer looks at per round: enough to see each item's updates together.
LOOKAHEAD = 500
# The kinds of write that change an item SharePoint has, and can go in one $batch.
CHANGES = frozenset({"update", "triage"})
# How long a board member's weights change waits for SharePoint before it is refused.
MATRIX_SAVE_WAIT = 10.0
MATRIX_KEYS = ("matrix", "matrix_history")
MATRIX_NOT_SAVED = (
    "SharePoint is not answering, so the new weights were not saved. Nothing has changed. "
    "Try again in a few minutes."
)
MATRIX_CHANGED_MEANWHILE = (
    "Someone changed the weights in SharePoint just now, so your new weights were not saved. "
    "Nothing else has changed. Look at the weights again, then make your change."
)
NO_REFERENCE_YET = (
    "I can't give out a reference just now: SharePoint isn't answering, and I need to check "
    "its latest reference first. Your answers are kept: press Send again in a few minutes."
)


@dataclass(frozen=True)
class _Owed:
    """The writes queued for one item, oldest first, as one round of the writer sees them."""

    reference: str
    ops: tuple[OutboxOp, ...]

    @property
    def head(self) -> OutboxOp:
        return self.ops[0]

    def last(self, kind: str) -> OutboxOp | None:
        return next((op for op in reversed(self.ops) if op.op == kind), None)

    def count(self, kind: str) -> int:
        return sum(op.op == kind for op in self.ops)


def _by_item(ops: list[OutboxOp], held: set[str]) -> list[_Owed]:
    """Queued writes per item, items in the order of their oldest write; none of `held`."""
    grouped: dict[str, list[OutboxOp]] = {}
    for op in ops:
        if op.reference not in held:
            grouped.setdefault(op.reference, []).append(op)
    return [_Owed(reference, tuple(queued)) for reference, queued in grouped.items()]


def _surely_unwritten(error: BaseException) -> bool:
    """Graph answered 429 or 503 (it processed nothing), or nothing was sent (the gate was
    shut): a create that failed so is still a first try, sent without a look-up first."""
    if not isinstance(error, GraphUnavailable):
        return False
    cause = error.__cause__
    return cause is None or getattr(cause, "response_status_code", None) in (429, 503)


@dataclass
class _Pass:
    """One call of the writer: an item whose write failed waits for the next call (its later
    writes with it), and once Graph is unreachable no more writes are started."""

    held: set[str] = field(default_factory=set)
    unreachable: bool = False
    wait: float = 0.0  # the longest Retry-After of a $batch's answers in this round

    def hold(self, reference: str, error: BaseException) -> None:
        self.held.add(reference)
        if isinstance(error, GraphUnavailable) or is_transient(error):
            self.unreachable = True


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
        self.read_budget = DEFAULT_READ_WAIT  # GRAPH_READ_WAIT: a person's read waits this long
        self._catching_up: asyncio.Future[None] | None = None
        self._floors: dict[int, asyncio.Future[bool]] = {}  # year -> read of SharePoint's highest
        self._refreshing: asyncio.Future[None] | None = None
        self._writing = asyncio.Lock()
        # SharePoint's units a minute the writer may spend (tests set a small one).
        self.budget: WriteBudget = ResourceBudget()
        # Told when changes made in Teams met a newer edit in the list and were not written.
        self.on_not_applied: Callable[[NotApplied], Awaitable[None]] | None = None
        # What is wrong with the config items read last (for /readyz), and who tells admins.
        self.config_problems: list[str] = []
        self.on_config_problem: Callable[[str], Awaitable[None]] | None = None
        self._config_problems_told: set[str] = set()
        # A weights change (`save_matrix`): one at a time, and counted, so a governance
        # read that crossed it does not put back the matrix it replaced.
        self._saving_matrix = asyncio.Lock()
        self._matrix_saves = 0

    # Lifecycle ----------------------------------------------------------------

    async def open(self) -> None:
        """Serves at once from the journal and working state, which keep the last governance
        read. SharePoint's config and highest reference are caught up with in the background;
        open waits only `read_budget` for that, so with Graph answering nothing is stale."""
        await self.journal.open()
        await self.working.open()
        first_round = asyncio.Event()
        self._catching_up = asyncio.ensure_future(
            self._catch_up(self._clock.now().year, first_round)
        )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(first_round.wait(), timeout=self.read_budget)

    @property
    def graph_reachable(self) -> bool:
        """Whether Graph answered the last call made to it, whoever made it (for /readyz)."""
        gate = getattr(self.graph, "gate", None)
        return bool(gate.reachable) if gate is not None else True

    async def _catch_up(self, year: int, first_round: asyncio.Event) -> None:
        """Runs for the store's life: reads governance and SharePoint's highest reference
        until Graph answers; then, whenever a call finds Graph unreachable, reads governance
        again every so often, so it is noticed (and /readyz says so) when Graph is back."""
        pause, governed, floored = 1.0, False, False
        while True:
            # Start-up waits for the first round: it gives up as soon as a person's read would.
            patience = float("inf") if first_round.is_set() else self.read_budget
            with waiting_at_most(patience):
                if not governed or not self.graph_reachable:
                    await self._refresh_governance()
                    governed = self.graph_reachable
                floored = floored or await self._floor_read(year)
            first_round.set()
            if governed and floored and self.graph_reachable:
                pause = 1.0
                await asyncio.sleep(CATCH_UP_PAUSE)
            else:
                await asyncio.sleep(pause)
                pause = min(pause * 2, CATCH_UP_PAUSE)

    def _floor_read(self, year: int) -> asyncio.Future[bool]:
        """SharePoint's highest reference in `year`, read once; read again after a failure."""
        reading = self._floors.get(year)
        if reading is None or (reading.done() and (reading.cancelled() or not reading.result())):
            reading = asyncio.ensure_future(self._raise_floor(year))
            self._floors[year] = reading
        return reading

    async def _raise_floor(self, year: int) -> bool:
        try:
            await self.journal.raise_reference_floor(year, await self.requests.max_number(year))
        except Exception as error:
            logger.warning("Could not read the highest reference from SharePoint: %r", error)
            return False
        return True

    async def _floor_known(self, new: NewRequest) -> None:
        """A reference is safe to give out if the journal has requests (its data folder was
        not lost, so its numbers are the bot's latest) or SharePoint's highest has been read.
        On a new or lost data folder, a submission waits briefly for that read, and is
        refused politely if Graph cannot say: never a number SharePoint may already have."""
        year = new.submitted_at.year
        reading = self._floors.get(year)
        if reading is not None and reading.done() and not reading.cancelled() and reading.result():
            return
        if await self.journal.recent(1) or await self.journal.by_draft(new.draft_id):
            return
        with contextlib.suppress(TimeoutError):
            if await asyncio.wait_for(asyncio.shield(self._floor_read(year)), FLOOR_WAIT):
                return
        raise UserFacingError(NO_REFERENCE_YET)

    async def close(self) -> None:
        for task in [self._catching_up, *self._floors.values()]:
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
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

    async def oldest_pending_write(self) -> dt.datetime | None:
        return await self.journal.outbox_oldest()

    # Governance: SharePoint's copy, kept locally for when Graph is unreachable ---

    async def governance(self) -> Governance:
        """The last known copy at once; a stale one is refreshed in the background, so a
        member of staff never waits on Graph (or its retries) for the rules."""
        stale = time.monotonic() - self._governance_at > GOVERNANCE_TTL
        if stale and (self._refreshing is None or self._refreshing.done()):
            self._governance_at = time.monotonic()
            self._refreshing = asyncio.ensure_future(self._refresh_governance())
        return await self._last_good_governance()

    async def _refresh_governance(self) -> None:
        """Take SharePoint's config items that are valid; an invalid edit leaves the last
        good copy in use, and admins are told what is wrong."""
        self._governance_at = time.monotonic()
        if self._read_governance is not None:
            saves = self._matrix_saves
            try:
                items = await self._read_governance()
            except Exception as error:
                logger.warning("Using the last known governance; SharePoint said %r", error)
            else:
                checked = check_config(items, await self._last_good_governance())
                values = checked.values
                if self._matrix_saves != saves or self._saving_matrix.locked():
                    # A new matrix was saved while this read was on its way: it may have
                    # read the one before. The next read takes SharePoint's matrix.
                    values = {k: v for k, v in values.items() if k not in MATRIX_KEYS}
                if values:
                    await self.journal.replace_governance(values)
                await self._config_checked(checked.problems)
        # A board or process typed into the requests list is checked against these.
        self.requests.known = await self._last_good_governance()

    async def _last_good_governance(self) -> Governance:
        """The journal's copy. One it cannot read (an edit kept before config was checked)
        gives way to the published defaults, until SharePoint's valid items replace them."""
        try:
            return await self.journal.governance()
        except (KeyError, TypeError, ValueError) as error:
            logger.error(
                "The local copy of DFD Config cannot be used (%r); the published defaults "
                "stand in until the items in SharePoint are valid.",
                error,
            )
            await self.journal.replace_governance(config_seed())
            return await self.journal.governance()

    async def save_matrix(self, matrix: Matrix) -> None:
        """Written to DFD Config through Graph first, then to the journal, so the next
        read of SharePoint keeps it. If Graph cannot take it, nothing changes anywhere:
        the board is told plainly and tries again (never a matrix kept locally only)."""
        self._matrix_saves += 1  # a governance read begun before this one is out of date
        async with self._saving_matrix:
            known = await self._last_good_governance()
            try:
                with waiting_at_most(MATRIX_SAVE_WAIT):
                    history = await publish_matrix(
                        self.graph.client,
                        self.graph.site_id,
                        self.graph.policy,
                        matrix,
                        known.matrix,
                        await self.journal.matrix_history(),
                    )
            except ConfigChangedMeanwhile as error:
                logger.warning("The new matrix was not saved: %s", error)
                raise UserFacingError(MATRIX_CHANGED_MEANWHILE) from error
            except (GraphUnavailable, APIError, httpx.HTTPError, TimeoutError) as error:
                logger.warning("The new matrix was not saved: SharePoint said %r", error)
                raise UserFacingError(MATRIX_NOT_SAVED) from error
            self._matrix_saves += 1
            await self.journal.replace_governance(
                {
                    "matrix": codec.matrix_to_dict(matrix),
                    "matrix_history": [codec.matrix_to_dict(m) for m in history],
                }
            )

    async def matrix_history(self) -> list[Matrix]:
        return await self.journal.matrix_history()

    async def listen_for_config_problems(self, tell: Callable[[str], Awaitable[None]]) -> None:
        """Set who hears of invalid config edits, and tell them of any found already (at
        start-up, before anyone was listening)."""
        self.on_config_problem = tell
        await self._config_checked(list(self.config_problems))

    async def _config_checked(self, problems: list[str]) -> None:
        for problem in problems:
            if problem not in self.config_problems:
                logger.warning("%s. The last good copy stays in use.", problem)
        self.config_problems = problems
        # Once per problem while it lasts: one that is fixed and comes back is told again.
        self._config_problems_told &= set(problems)
        for problem in problems:
            if problem in self._config_problems_told or self.on_config_problem is None:
                continue
            self._config_problems_told.add(problem)  # before the wait: a refresh alongside
            try:
                await self.on_config_problem(problem)
            except Exception:
                logger.exception("Could not tell admins: %s", problem)
                self._config_problems_told.discard(problem)  # told at the next refresh

    # Requests -------------------------------------------------------------------

    async def add(self, new: NewRequest) -> DigitalRequest:
        await self._floor_known(new)
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
            # SharePoint is slow, down or asked for a pause, the journal answers and changes
            # there are seen next time.
            found = await self._within_read_budget(self.requests.find(reference))
        except Exception as error:
            if not (isinstance(error, GraphUnavailable | TimeoutError) or is_transient(error)):
                raise
            logger.warning(
                "SharePoint slow or unreachable; answering %s from the journal", reference
            )
            if local is None:
                raise NotAnsweringNow(
                    f"SharePoint is not answering just now, so I cannot look up {reference}. "
                    "Nothing has changed. Please try again in a few minutes."
                ) from None
            # Edits made in the list since the bot last read it may not show yet.
            return dataclasses.replace(local, stale=True)
        if found is None or local is None:
            return found or local
        known = await self.journal.graph_item(reference)
        if known is not None and known[1] == found.etag:
            return local
        return await self._take_in(local, found)

    async def update(self, request: DigitalRequest) -> DigitalRequest:
        if await self.journal.get(request.reference) is None:
            # Not raised through this bot's journal: change it in SharePoint directly.
            etag = await self.requests.update_fields(
                request.item_id, changed_columns(request), request.etag
            )
            return dataclasses.replace(request, etag=etag)
        stored = await self.journal.update(request)
        self.wake_writer()
        return stored

    async def replace_request(self, request: DigitalRequest) -> DigitalRequest:
        """Data protection's overwrite: the journal's copy at once, and a "replace" write of
        every column (the requester's included) queued for the list. While it is owed, `get`
        answers from the journal, so SharePoint's old copy is never taken back in."""
        stored = await self.journal.replace_request(request)
        self.wake_writer()
        return stored

    async def for_requester(
        self, requester_id: str, page_token: str | None = None, page_size: int = 10
    ) -> Page:
        later = self.requests.continues(requester_id, page_token, page_size)
        try:
            page = await self._within_read_budget(
                self.requests.for_requester(requester_id, page_token, page_size)
            )
        except Exception as error:
            if not (isinstance(error, GraphUnavailable | TimeoutError) or is_transient(error)):
                raise
            logger.warning("SharePoint slow or unreachable; listing requests from the journal")
            # The journal knows only its own tokens: one of SharePoint's starts at its first page.
            local = await self.journal.for_requester(requester_id, page_token, page_size)
            return dataclasses.replace(local, stale=True)
        newest = [await self._newest(r) for r in page.items]
        # A replace still owed (an erased requester) no longer lists under the old id.
        mine = [r for r in newest if r.requester.user_id == requester_id]
        page = dataclasses.replace(page, items=mine)
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

    async def _newest(self, found: DigitalRequest) -> DigitalRequest:
        """The journal's copy while changes made in Teams wait to be written: it is newer."""
        if not await self.journal.pending_for(found.reference):
            return found
        return await self.journal.get(found.reference) or found

    async def _within_read_budget(self, read: Awaitable[T]) -> T:
        """A read a person waits for: Graph's answer within `read_budget`, retries and
        Retry-After included, or TimeoutError / GraphUnavailable (nothing sent) if not."""
        with waiting_at_most(self.read_budget):  # the read's task takes this context
            return await asyncio.wait_for(read, timeout=self.read_budget)

    async def recent(self, limit: int = 200) -> list[DigitalRequest]:
        # The journal holds every request raised through the bot: enough to find duplicates.
        return await self.journal.recent(limit)

    async def query(
        self, query: RequestQuery, after: int = 0, limit: int = 500
    ) -> list[DigitalRequest]:
        # The journal holds every request raised through the bot, as for `recent`.
        return await self.journal.query(query, after, limit)

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

    async def create_draft(self, draft: Draft) -> Draft | None:
        return await self.working.create_draft(draft)

    async def delete_draft(self, owner_id: str, form: str) -> None:
        await self.working.delete_draft(owner_id, form)

    async def register_channel(
        self, purpose: str, reference: dict[str, Any], registered_by: str
    ) -> None:
        await self.working.register_channel(purpose, reference, registered_by)

    async def channel(self, purpose: str) -> dict[str, Any] | None:
        return await self.working.channel(purpose)

    async def channel_purposes(self) -> list[str]:
        return await self.working.channel_purposes()

    async def remember_personal_chat(self, user_id: str, reference: dict[str, Any]) -> None:
        await self.working.remember_personal_chat(user_id, reference)

    async def personal_chat(self, user_id: str) -> dict[str, Any] | None:
        return await self.working.personal_chat(user_id)

    async def handled_invoke(self, key: str) -> dict[str, Any] | None:
        return await self.working.handled_invoke(key)

    async def remember_invoke(self, key: str, response: dict[str, Any]) -> None:
        await self.working.remember_invoke(key, response)

    async def claim_notification(self, key: str, hold: dt.timedelta = CLAIM_HOLD) -> bool:
        return await self.working.claim_notification(key, hold)

    async def notification_sent(self, key: str) -> None:
        await self.working.notification_sent(key)

    async def release_notification(self, key: str) -> None:
        await self.working.release_notification(key)

    async def remember_person(self, user_id: str, teams_id: str, name: str) -> None:
        await self.working.remember_person(user_id, teams_id, name)

    async def people(self, user_ids: frozenset[str]) -> dict[str, tuple[str, str]]:
        return await self.working.people(user_ids)

    async def add_record(self, record: Record) -> bool:
        return await self.working.add_record(record)

    async def records(self, kind: str, after_seq: int = 0, limit: int = 500) -> list[Record]:
        return await self.working.records(kind, after_seq, limit)

    # Personal data in the local working state (WorkingPersonalData): passed through.

    async def replace_record(self, record: Record) -> bool:
        return await self.working.replace_record(record)

    async def delete_record(self, kind: str, key: str) -> bool:
        return await self.working.delete_record(kind, key)

    async def records_of(self, owner_id: str, limit: int = 10_000) -> list[Record]:
        return await self.working.records_of(owner_id, limit)

    async def drafts_of(self, owner_id: str) -> list[Draft]:
        return await self.working.drafts_of(owner_id)

    async def delete_drafts_before(self, cutoff: dt.datetime) -> int:
        return await self.working.delete_drafts_before(cutoff)

    async def find_people(self, name: str) -> dict[str, tuple[str, str]]:
        return await self.working.find_people(name)

    async def forget_person(self, user_id: str) -> int:
        return await self.working.forget_person(user_id)

    async def forget_unseen_since(self, cutoff: dt.datetime) -> int:
        return await self.working.forget_unseen_since(cutoff)

    async def channels_registered_by(
        self, user_ids: frozenset[str]
    ) -> dict[str, tuple[str, dict[str, Any]]]:
        return await self.working.channels_registered_by(user_ids)

    async def forget_channel_registrar(self, user_ids: frozenset[str], stand_in: str) -> int:
        return await self.working.forget_channel_registrar(user_ids, stand_in)

    async def last_seen(self, user_id: str) -> dt.datetime | None:
        return await self.working.last_seen(user_id)

    async def forget_invokes_before(self, cutoff: dt.datetime) -> int:
        return await self.working.forget_invokes_before(cutoff)

    async def forget_sent_before(self, prefixes: tuple[str, ...], cutoff: dt.datetime) -> int:
        return await self.working.forget_sent_before(prefixes, cutoff)

    async def forget_keys_naming(self, user_id: str, stand_in: str) -> int:
        return await self.working.forget_keys_naming(user_id, stand_in)

    async def forget_answers_naming(self, texts: frozenset[str]) -> int:
        return await self.working.forget_answers_naming(texts)

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
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for loses a cancellation
            # that lands as the wake-up does, and this loop would then never stop.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait):
                    await self._wake.wait()
            self._wake.clear()
            written = 0
            try:
                with job("sharepoint_writer"):
                    written = await self.write_pending()
                    left = await self.journal.outbox_count()
            except Exception:
                logger.exception("Writing to SharePoint failed; will try again")
                left = 1
            # Back off only while nothing gets through; any progress starts again at 1 s.
            failures = 0 if not left else (1 if written else failures + 1)
            wait = min(idle_seconds, 2.0 ** (failures - 1)) if failures else idle_seconds

    async def write_pending(self) -> int:
        """Send the queued writes; returns how many are done.

        Items are independent: their writes go side by side, and new items' creates go
        together in a $batch. Each item's writes keep their order (its create first), and
        its queued updates go as one write of the journal's latest state. An item whose
        write still fails after retries waits for the next call, its later writes with it.
        """
        written, idle = 0, 0
        this_pass = _Pass()
        async with self._writing:
            # Bounded: a round writes at least one, or was throttled (`_batch_tries` in a row
            # at most), or it stops.
            for _ in range(10_000):
                ops = await self.journal.outbox_pending(limit=LOOKAHEAD)
                owed = _by_item(ops, this_pass.held)
                if not owed or this_pass.unreachable:
                    break
                done = await self._write_round(owed, this_pass)
                written += done
                idle = 0 if done else idle + 1
                throttled, this_pass.wait = this_pass.wait, 0.0
                if done == 0 and (not throttled or idle >= self._batch_tries):
                    break
                # Those throttled go again with whatever is queued since, once Graph said so.
                await asyncio.sleep(throttled)
        return written

    async def _write_round(self, owed: list[_Owed], this_pass: _Pass) -> int:
        """Each item's next writes: new items in one lane, changes to items SharePoint has
        in another, each in $batch envelopes."""
        creates = [item for item in owed if item.head.op == "create"]
        others = [item for item in owed if item.head.op != "create"]
        done = await asyncio.gather(
            self._write_creates(creates, this_pass), self._write_changes(others, this_pass)
        )
        return sum(done)

    async def _spend(self, units: int) -> None:
        """Wait for SharePoint's budget before a Graph call of the writer."""
        waited = await self.budget.take(units)
        if waited >= 1.0:
            logger.info("The writer waited %.1f s to stay within SharePoint's budget", waited)

    async def _write_changes(self, owed: list[_Owed], this_pass: _Pass) -> int:
        """Items SharePoint has, each with one write of the journal's latest state: in
        $batch envelopes of up to 20 (a few at a time), or alone if there is only one.
        One whose item id is not known yet is looked up and written on its own, and so is
        one whose writes were tried before: SharePoint may have taken one (the reply was
        lost, or the instance died) without its new ETag being noted. Alone, each write
        goes in the order queued and notes the ETag it got, so a change queued after the
        triage card's record is checked against the bot's own last write, not taken for
        an edit in the list (and dropped) because of that unnoted write."""
        known: list[tuple[_Owed, str, str]] = []
        alone: list[_Owed] = []
        for item in owed:
            found = await self.journal.graph_item(item.reference)
            tried = any(op.attempts for op in item.ops)
            if found and found[0] and {op.op for op in item.ops} <= CHANGES and not tried:
                known.append((item, found[0], found[1]))
            else:
                alone.append(item)
        if len(known) == 1:
            alone.append(known.pop()[0])
        slots = asyncio.Semaphore(CONCURRENT_WRITES)
        envelopes = asyncio.Semaphore(CONCURRENT_BATCHES)

        async def batch(chunk: list[tuple[_Owed, str, str]]) -> int:
            async with envelopes:
                if this_pass.unreachable or this_pass.wait:
                    return 0
                return await self._write_changes_batch(chunk, this_pass)

        chunks = [known[n : n + MAX_BATCH] for n in range(0, len(known), MAX_BATCH)]
        done = await asyncio.gather(
            *(batch(chunk) for chunk in chunks),
            *(self._write_item(item, slots, this_pass) for item in alone),
        )
        return sum(done)

    async def _write_changes_batch(
        self, chunk: list[tuple[_Owed, str, str]], this_pass: _Pass
    ) -> int:
        """One $batch of changes, one per item: its latest answers and triage (if updates
        are queued: only if nobody changed the item since the bot's version), and where
        its triage card is (if that is queued). Each item's outcome is its own: written;
        changed by someone else (their edit stands, see `_not_applied`); throttled (it
        waits for its Retry-After, the others do not); refused (it waits for the next
        call, its later writes with it)."""
        sent: list[tuple[_Owed, DigitalRequest, FieldsChange]] = []
        for item, item_id, etag in chunk:
            request = await self.journal.get(item.reference)
            if request is None:
                missing = LookupError(f"{item.reference} is in the outbox, not in the journal")
                await self._refused(item, missing, this_pass)
                continue
            fields: dict[str, Any] = {}
            if item.last("update"):
                fields.update(changed_columns(request))
            if item.last("triage"):
                message_id = await self.triage_message_id(item.reference)
                fields.update({"TriagePosted": True, "TriageMessageId": message_id})
            sent.append(
                (item, request, FieldsChange(item_id, fields, etag if item.last("update") else ""))
            )
        if not sent:
            return 0
        await self._spend(WRITE_UNITS * len(sent))
        try:
            outcomes = await self.requests.update_many([change for _, _, change in sent])
        except Exception as error:
            for item, _, _ in sent:
                await self._failed(item.head, error, log=False)
                this_pass.hold(item.reference, error)
            logger.warning("A batch of %d writes to SharePoint failed: %r", len(sent), error)
            return 0
        written = 0
        for (item, request, _), outcome in zip(sent, outcomes, strict=True):
            if isinstance(outcome, Written):
                written += await self._changed(item, outcome)
            elif isinstance(outcome, ChangedBySomeoneElse):
                written += await self._not_applied_in_batch(item, request, this_pass)
            elif isinstance(outcome, float):
                this_pass.wait = max(this_pass.wait, outcome)
            else:
                await self._refused(item, RuntimeError("SharePoint refused it"), this_pass)
        if this_pass.wait:
            logger.warning("SharePoint throttled changes: %.1f s", this_pass.wait)
        return written

    async def _changed(self, item: _Owed, written: Written) -> int:
        """Every queued write the batch's one write carried is done."""
        kinds = [kind for kind in ("update", "triage") if item.last(kind)]
        first = item.last(kinds[0])
        assert first is not None
        await self.journal.outbox_done(first.seq, item.reference, written.item_id, written.etag)
        for kind in kinds:
            last = item.last(kind)
            assert last is not None
            await self.journal.outbox_skip(item.reference, kind, through_seq=last.seq)
        return sum(item.count(kind) for kind in kinds)

    async def _not_applied_in_batch(
        self, item: _Owed, request: DigitalRequest, this_pass: _Pass
    ) -> int:
        """412 inside a batch: this item only goes the not-applied way; its triage card
        record, if it was in the same write, goes again in the next round."""
        op = item.last("update")
        assert op is not None
        try:
            await self._not_applied(op, request)
        except Exception as error:
            await self._failed(op, error)
            this_pass.hold(item.reference, error)
            return 0
        return item.count("update")

    async def _write_creates(self, owed: list[_Owed], this_pass: _Pass) -> int:
        """New items. One tried before is looked up first (SharePoint may have written it
        and the reply been lost), one at a time; the never tried go in $batch envelopes of
        up to 20, or alone if there is only one."""
        fresh = [item for item in owed if not item.head.attempts]
        alone = [item for item in owed if item.head.attempts] + (fresh if len(fresh) == 1 else [])
        batches = [fresh[n : n + MAX_BATCH] for n in range(0, len(fresh), MAX_BATCH)]
        written = 0
        for item in alone:
            if not this_pass.unreachable:
                written += await self._write_create(item, this_pass)
        for batch in batches if len(fresh) > 1 else []:
            if not this_pass.unreachable and not this_pass.wait:
                written += await self._write_batch(batch, this_pass)
        return written

    async def _write_create(self, item: _Owed, this_pass: _Pass) -> int:
        try:
            latest = await self._create_once(item.head)
        except Exception as error:
            if _surely_unwritten(error):
                logger.warning("SharePoint did not take %s yet: %r", item.reference, error)
            else:
                await self._failed(item.head, error)
            this_pass.hold(item.reference, error)
            return 0
        # A first try wrote the journal's latest state; a retry, or a create refused as a
        # duplicate, may have found an older one.
        return 1 + (await self._carried_by_create(item) if latest else 0)

    async def _carried_by_create(self, item: _Owed) -> int:
        """A create writes the journal's latest state, read after these updates were queued:
        they are carried, not sent again."""
        last = item.last("update")
        if last is not None:
            await self.journal.outbox_skip(item.reference, "update", through_seq=last.seq)
        return item.count("update")

    async def _write_item(self, item: _Owed, slots: asyncio.Semaphore, this_pass: _Pass) -> int:
        """An item's queued writes in the order queued, each kind once: the last update (or
        triage record) writes the journal's latest state, so it carries the ones before it."""
        written = 0
        kinds = list(dict.fromkeys(op.op for op in item.ops))
        replace = item.last("replace")
        if replace is not None:
            # Data protection's overwrite goes first, whatever was queued before it: it
            # writes the journal's latest state, so it carries the updates queued before it
            # (one sent first could meet a 412 and take SharePoint's old values back in).
            # Where the triage card is, it does not write: that goes after it.
            kinds = ["replace", *(kind for kind in kinds if kind != "replace")]
        async with slots:
            for kind in kinds:
                op = item.last(kind)
                if op is None or this_pass.unreachable:
                    break
                if replace is not None and kind == "update" and op.seq < replace.seq:
                    await self.journal.outbox_skip(item.reference, kind, through_seq=op.seq)
                    written += item.count(kind)
                    continue
                try:
                    await self._write(op)
                except Exception as error:
                    await self._failed(op, error)
                    this_pass.hold(item.reference, error)
                    break
                await self.journal.outbox_skip(item.reference, kind, through_seq=op.seq)
                written += item.count(kind)
        return written

    async def _write_batch(self, items: list[_Owed], this_pass: _Pass) -> int:
        """New items in one $batch, none depending on another. One throttled was not
        processed: it stays queued as it was, for the next round's batch, once the
        Retry-After its own answer asked for has passed. One refused waits for the next
        call, and is looked up before it is sent again."""
        sent: list[tuple[_Owed, DigitalRequest]] = []
        for item in items:
            request = await self.journal.get(item.reference)
            if request is not None:
                sent.append((item, request))
            else:
                missing = LookupError(f"{item.reference} is in the outbox, not in the journal")
                await self._refused(item, missing, this_pass)
        if not sent:
            return 0
        extras = [await self._triage_columns_known(item.reference) for item, _ in sent]
        await self._spend(WRITE_UNITS * len(sent))
        try:
            outcomes = await self.requests.create_many([r for _, r in sent], extras)
        except Exception as error:
            # Unless Graph said it processed none, the reply may have been lost after
            # SharePoint wrote some: those are looked up before they are sent again.
            for item, _ in sent:
                if not _surely_unwritten(error):
                    await self._failed(item.head, error, log=False)
                this_pass.hold(item.reference, error)
            logger.warning("A batch of %d writes to SharePoint failed: %r", len(sent), error)
            return 0
        written, throttled = 0, 0
        for (item, _), outcome, extra in zip(sent, outcomes, extras, strict=True):
            if isinstance(outcome, Written):
                written += await self._created(item, outcome, extra)
            elif isinstance(outcome, AlreadyThere):
                written += await self._found_there(item, this_pass)
            elif isinstance(outcome, float):
                throttled += 1
                this_pass.wait = max(this_pass.wait, outcome)
            else:
                await self._refused(item, RuntimeError("SharePoint refused it"), this_pass)
        if throttled:
            logger.warning("SharePoint throttled %d new items: %.1f s", throttled, this_pass.wait)
        return written

    async def _created(self, item: _Owed, written: Written, extra: dict[str, Any]) -> int:
        await self.journal.outbox_done(item.head.seq, item.reference, written.item_id, written.etag)
        if extra:
            await self.journal.outbox_skip(item.reference, "triage")
        return 1 + await self._carried_by_create(item)

    async def _found_there(self, item: _Owed, this_pass: _Pass) -> int:
        """A create refused as a duplicate Reference is written already: its item is taken.
        Its queued changes are not carried (the item may hold an older state): they go next."""
        try:
            await self._already_there(item.head)
        except Exception as error:
            await self._refused(item, error, this_pass)
            return 0
        return 1

    async def _already_there(self, op: OutboxOp) -> None:
        await self._spend(QUERY_UNITS)
        found = await self.requests.find(op.reference)
        if found is None:
            raise LookupError(f"SharePoint refused {op.reference} as a duplicate, but has none")
        logger.info("%s was in SharePoint already: its create is taken as written", op.reference)
        await self.journal.outbox_done(op.seq, op.reference, found.item_id, found.etag)

    async def _refused(self, item: _Owed, error: BaseException, this_pass: _Pass) -> None:
        await self._failed(item.head, error)
        this_pass.hold(item.reference, error)

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
            await self._create_once(op)
        elif op.op == "triage":
            await self._record_triage_post(op, request)
        elif op.op == "update":
            await self._send_update(op, request)
        elif op.op == "replace":
            await self._send_replace(op, request)
        else:
            raise ValueError(f"Unknown outbox operation {op.op!r}")

    async def _create_once(self, op: OutboxOp) -> bool:
        """Returns whether this wrote the journal's latest state (a first try did)."""
        request = await self.journal.get(op.reference)
        if request is None:
            raise LookupError(f"{op.reference} is in the outbox but not in the journal")
        # A first try cannot have written anything; a retry may have (the reply was lost).
        if op.attempts:
            await self._spend(QUERY_UNITS)
        existing = await self.requests.find(request.reference) if op.attempts else None
        if existing is not None:
            await self.journal.outbox_done(
                op.seq, request.reference, existing.item_id, existing.etag
            )
            return False
        extra = await self._triage_columns_known(request.reference)
        await self._spend(WRITE_UNITS)
        try:
            written = await self.requests.create(request, extra)
        except APIError as error:
            if error.response_status_code != UNIQUE_CONFLICT:
                raise
            await self._already_there(op)  # the unique Reference column refused a second
            return False
        await self.journal.outbox_done(op.seq, request.reference, written.item_id, written.etag)
        if extra:
            await self.journal.outbox_skip(request.reference, "triage")
        return not op.attempts

    async def _triage_columns_known(self, reference: str) -> dict[str, Any]:
        """If the triage card was posted before the item was written, the create carries it."""
        message_id = await self.journal.triage_message_id(reference)
        return {"TriagePosted": True, "TriageMessageId": message_id} if message_id else {}

    async def _record_triage_post(self, op: OutboxOp, request: DigitalRequest) -> None:
        item = await self.journal.graph_item(request.reference)
        if item is None or not item[0]:  # written in a $batch before its id was read back
            await self._spend(QUERY_UNITS)
            found = await self.requests.find(request.reference)
            if found is None:
                raise LookupError(f"{request.reference} is not in SharePoint yet")
            item = (found.item_id, found.etag)
        message_id = await self.triage_message_id(request.reference)
        await self._spend(WRITE_UNITS)
        etag = await self.requests.update_fields(
            item[0], {"TriagePosted": True, "TriageMessageId": message_id}, ""
        )
        await self.journal.outbox_done(op.seq, request.reference, item[0], etag)

    async def _send_update(self, op: OutboxOp, request: DigitalRequest) -> None:
        item = await self.journal.graph_item(request.reference)
        if item is None or not item[0]:
            await self._spend(QUERY_UNITS)
            found = await self.requests.find(request.reference)
            if found is None:
                raise LookupError(f"{request.reference} is not in SharePoint yet")
            item = (found.item_id, found.etag)
        await self._spend(WRITE_UNITS)
        try:
            etag = await self.requests.update_fields(item[0], changed_columns(request), item[1])
        except ChangedBySomeoneElse:
            await self._not_applied(op, request)
            return
        await self.journal.outbox_done(op.seq, request.reference, item[0], etag)

    async def _send_replace(self, op: OutboxOp, request: DigitalRequest) -> None:
        """Every column, whatever the item's ETag: an erasure or retention wins over an
        edit made in the list meanwhile (the edit's values are what it removes)."""
        item = await self.journal.graph_item(request.reference)
        if item is None or not item[0]:
            await self._spend(QUERY_UNITS)
            found = await self.requests.find(request.reference)
            if found is None:
                raise LookupError(f"{request.reference} is not in SharePoint yet")
            item = (found.item_id, found.etag)
        await self._spend(WRITE_UNITS)
        etag = await self.requests.update_fields(item[0], replace_columns(request), "")
        await self.journal.outbox_done(op.seq, request.reference, item[0], etag)

    async def _not_applied(self, op: OutboxOp, request: DigitalRequest) -> None:
        """Someone edited the item in the list after the bot last read it: their edit
        stands. The change made in Teams is not written, SharePoint's copy is taken in,
        and whoever made the change is told. Nothing is overwritten silently."""
        await self._spend(QUERY_UNITS)
        fresh = await self.requests.find(request.reference)
        if fresh is None:
            raise LookupError(f"{request.reference} is no longer in SharePoint")
        lost = tuple(entries_not_in(request, fresh))
        taken = await self._take_in(request, fresh)
        await self.journal.outbox_done(op.seq, request.reference, fresh.item_id, fresh.etag)
        await self.journal.outbox_skip(request.reference, "update")  # all made moot by it
        edit = self.requests.last_edit(fresh.etag)
        logger.warning(
            "%s was changed in SharePoint before %d change(s) made in Teams were written; "
            "those were not applied and their authors are told.",
            request.reference,
            len(lost),
        )
        if self.on_not_applied is not None and lost:
            await self.on_not_applied(NotApplied(taken, lost, edit.editor if edit else ""))

    async def _take_in(self, local: DigitalRequest, found: DigitalRequest) -> DigitalRequest:
        """SharePoint's copy becomes the journal's, with a history line saying what a
        person changed there, who and when (as Graph says)."""
        gov = await self.journal.governance()
        names = {key: board.name for key, board in gov.boards.items()}
        changes = described_changes(local, found, names)
        if not changes and found.history == local.history:
            # The same request under a new ETag (the bot's own write whose reply was lost,
            # so its ETag never learnt): cards drawn from the journal are still current.
            await self.journal.remember_item(found.reference, found.item_id, found.etag)
            return local
        if changes:
            edit = self.requests.last_edit(found.etag)
            entry = AuditEntry(
                at=(edit.at if edit and edit.at else self._clock.now()).astimezone(dt.UTC),
                actor_id="",
                actor_name=(edit.editor if edit and edit.editor else "Someone in SharePoint"),
                action=EDITED_IN_SHAREPOINT,
                from_status=local.status,
                to_status=found.status,
                detail="Changed in SharePoint: " + "; ".join(changes) + ".",
            )
            found = dataclasses.replace(found, history=(*found.history, entry))
        return await self.journal.import_version(found, found.item_id, found.etag)

    async def triage_message_id(self, reference: str) -> str:
        return await self.journal.triage_message_id(reference)


def governance_reader(client: Any, site_id: str, policy: Any) -> Any:
    async def read() -> dict[str, Any]:
        return await read_config(client, site_id, policy)

    return read
