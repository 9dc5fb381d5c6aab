"""Webhook triggers for Power Automate: a flow subscribes, and is called once per event.

When a maker turns a flow on, Power Automate calls a trigger operation with its callback
address (`notificationUrl`); we answer 201 with the subscription's Location, and it
calls DELETE there when the flow is turned off. Each event (a request created, a
request's status changed, a board decided) is kept as one row per subscribed flow, then
sent by the delivery loop: signed, tried again with back-off when the flow's side fails,
and logged (ListDeliveries). After `pause_after` failed tries in a row (5 by default:
about 40 minutes of a flow that keeps failing, with the back-off in `sending`), the
subscription is paused and its owner told in Teams; events while paused are logged as
skipped, not sent. Turning the flow off and on again subscribes it afresh.

A request the flows' store has not seen before (its file was lost, or made after the
request last moved) is compared with its history instead: its newest status change is
sent to the flows subscribed since it happened, never to those subscribed after.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any

import aiohttp
import pydantic

from bot.api.models import request_out
from bot.domain.boards import DECISION_LABELS, Decision, DecisionKind
from bot.domain.model import STATUS_LABELS, AuditEntry, DigitalRequest
from bot.journey import (
    BOARD_DECIDED,
    REQUEST_SAVED,
    REQUEST_SUBMITTED,
    JourneyContext,
    Part,
)
from bot.journeys.flows import sending
from bot.journeys.flows.addresses import PublicOnly
from bot.journeys.flows.cards import PausedNote, build_paused_card
from bot.journeys.flows.config import FlowsConfig
from bot.journeys.flows.payloads import (
    CREATED,
    DECIDED,
    STATUS_CHANGED,
    BoardDecidedEvent,
    RequestCreatedEvent,
    RequestStatusChangedEvent,
)
from bot.journeys.flows.store import (
    FILE_NAME,
    FlowStore,
    NewEvent,
    SqliteFlowStore,
    Subscription,
)
from bot.journeys.flows.store_azure import AzureFlowStore
from bot.telemetry.logs import person_ref
from bot.telemetry.steps import job
from cards.elements import to_dict

logger = logging.getLogger(__name__)

LOOP_SECONDS = 5.0  # between looks for retries that are due; new events wake it at once
# The least time between looks: when events come thick and fast, each look takes many
# at once rather than one look (and a lease, a read and a release) for each event.
LOOK_GAP = 0.02
LEASE = dt.timedelta(minutes=2)  # a runner's hold on a subscription while it calls the flow
BATCH = 200  # rows per subscription per look
MOST_SUBSCRIPTIONS = 200  # subscriptions per look
AT_ONCE = 20  # flows called at the same time
KEEP_LOG = dt.timedelta(days=30)  # how long the delivery log keeps a finished event
TRIGGERS = {
    CREATED: "When a request is created",
    STATUS_CHANGED: "When a request's status changes",
    DECIDED: "When a board decides",
}


@dataclass
class Webhooks:
    """The subscriptions' store, the HTTP session that calls flows, and the runner."""

    ctx: JourneyContext
    config: FlowsConfig
    _store: FlowStore | None = None
    _opening: asyncio.Lock = field(default_factory=asyncio.Lock)
    _http: aiohttp.ClientSession | None = None
    _saving: asyncio.Lock = field(default_factory=asyncio.Lock)
    _gate: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(AT_ONCE))
    _running: set[asyncio.Task[int]] = field(default_factory=set)
    wake: asyncio.Event = field(default_factory=asyncio.Event)

    async def store(self) -> FlowStore:
        if self._store is not None:
            return self._store
        async with self._opening:
            if self._store is None:
                store: FlowStore
                if self.ctx.azure is not None:
                    store = AzureFlowStore(self.ctx.azure)
                elif self.ctx.data_dir is None:
                    raise RuntimeError("The flows journey needs DATA_DIR for its store")
                else:
                    store = SqliteFlowStore(self.ctx.data_dir / FILE_NAME)
                await store.open()
                self._store = store
        return self._store

    def http(self) -> aiohttp.ClientSession:
        if self._http is None or self._http.closed:
            # m365 mode: only public addresses, whatever a flow's host name resolves to.
            resolver = None if self.config.local else PublicOnly()
            self._http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(resolver=resolver))
        return self._http

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None
        if self._store is not None:
            await self._store.close()
            self._store = None

    # -- Events ---------------------------------------------------------------------

    async def on_submitted(self, request: DigitalRequest, now: dt.datetime) -> None:
        names = await self.board_names()

        def render(sub: Subscription) -> str:
            return _json(
                RequestCreatedEvent(
                    event_id=f"created.{request.reference}",
                    event="request.created",
                    occurred_at=now,
                    request=request_out(request, names, sub.api_base),
                )
            )

        await self._add(NewEvent(f"created.{request.reference}", CREATED, now, _every, render))

    async def on_saved(self, request: DigitalRequest, now: dt.datetime) -> None:
        # One save at a time, in the order they were announced: two quick saves of one
        # request are compared, and reach its flows, in the order they happened.
        async with self._saving:
            await self._status_changed(request, now)

    async def _status_changed(self, request: DigitalRequest, now: dt.datetime) -> None:
        store = await self.store()
        to = request.status.value
        before = await store.swap_status(request.reference, to)
        since: dt.datetime | None = None  # only for flows subscribed by then
        count = len(request.history)
        if before is None:
            # Not seen before: its newest change to where it is now, if there is one.
            found = _last_move(request)
            if found is None:
                return
            count, entry = found
            before, since, now = entry.from_status.value, entry.at, entry.at
        if before == to:
            return
        names = await self.board_names()
        event_id = f"status.{request.reference}.{count}.{to}"
        moved_from = before

        def render(sub: Subscription) -> str:
            return _json(
                RequestStatusChangedEvent(
                    event_id=event_id,
                    event="request.status_changed",
                    occurred_at=now,
                    from_status=moved_from,
                    to_status=to,
                    to_status_label=STATUS_LABELS[request.status],
                    request=request_out(request, names, sub.api_base),
                )
            )

        def wants(sub: Subscription) -> bool:
            if since is not None and sub.created_at > since:
                return False  # subscribed after it happened: history is not sent again
            return not sub.to_status or sub.to_status == to

        await self._add(NewEvent(event_id, STATUS_CHANGED, now, wants, render))

    async def on_decided(self, decision: Decision, now: dt.datetime) -> None:
        names = await self.board_names()
        request = await self.ctx.store.get(decision.reference)
        event_id = f"decided.{decision.id}"

        def render(sub: Subscription) -> str:
            shown = None if request is None else request_out(request, names, sub.api_base)
            return _json(_decided(event_id, now, decision, names, shown))

        def wants(sub: Subscription) -> bool:
            return not sub.board or sub.board == decision.board

        await self._add(NewEvent(event_id, DECIDED, now, wants, render))

    async def _add(self, event: NewEvent) -> None:
        if await (await self.store()).add_event(replace(event, render=_once_per_base(event))):
            self.wake.set()

    async def board_names(self) -> dict[str, str]:
        gov = await self.ctx.store.governance()
        return {key: board.name for key, board in gov.boards.items()}

    # -- Delivery -------------------------------------------------------------------

    async def run_deliveries(self, now: dt.datetime) -> int:
        """Call every flow with the events due for it at `now`, oldest first for each
        flow, several flows at once. The number of events delivered."""
        store = await self.store()
        leased = await store.due(now, now + LEASE, MOST_SUBSCRIPTIONS)
        return sum(await asyncio.gather(*(self._work(store, s, now) for s in leased)))

    async def _work(self, store: FlowStore, subscription_id: str, now: dt.datetime) -> int:
        async with self._gate:
            try:
                return await self._deliver_to(store, subscription_id, now)
            finally:
                await store.release(subscription_id)

    async def _deliver_to(self, store: FlowStore, subscription_id: str, now: dt.datetime) -> int:
        sub = await store.subscription(subscription_id)
        if sub is None or sub.state != "active":
            return 0
        sent = 0
        for row in await store.pending(subscription_id, BATCH):
            if row.next_try_at is not None and row.next_try_at > now:
                return sent  # in order: later events wait for this one
            if self.ctx.now() - now > LEASE / 2:
                return sent  # well within the lease: the next look goes on from here
            signed_at = self.ctx.now()
            outcome = await sending.call_flow(
                self.http(), sub.notification_url, sub.secret, row.event_id, row.body, signed_at
            )
            at = self.ctx.now()
            if outcome.verdict == "delivered":
                await store.delivered(row.seq, outcome.status or 200, at)
                sent += 1
            elif outcome.verdict == "gone":
                logger.info("Flow subscription %s answered 410: deleted", sub.id)
                await store.delete_subscription(sub.id)
                return sent
            else:
                # Every failed try counts towards a pause, so a flow that keeps failing is
                # paused within the back-off of one event, not after hours of them.
                retry = sending.next_try(row.attempts, outcome, at)
                pause_after = self.config.pause_after
                if outcome.verdict == "retry" and retry is not None:
                    paused = await store.retry(
                        row.seq, outcome.status, outcome.error, retry, pause_after, at
                    )
                else:
                    paused = await store.failed(
                        row.seq, outcome.status, outcome.error, pause_after, at
                    )
                if paused:
                    await self._tell_paused(sub, outcome.error, at)
                    return sent
                if outcome.verdict == "retry" and retry is not None:
                    return sent  # in order: later events wait for this one
        return sent

    async def _tell_paused(self, sub: Subscription, error: str, at: dt.datetime) -> None:
        note = PausedNote(
            trigger=TRIGGERS.get(sub.event, sub.event),
            since=at,
            failures=self.config.pause_after,
            last_error=error,
            for_app=sub.owner_is_app,
        )
        card = to_dict(build_paused_card(note))
        people = sorted(self.ctx.admin_ids) if sub.owner_is_app else [sub.owner_id]
        for person in people:
            try:
                once = f"flows.paused.{sub.id}.{person}"
                told = await self.ctx.notifier.deliver(person, card, once)
                logger.info(
                    "Told %s that flow subscription %s is paused: %s",
                    person_ref(person),
                    sub.id,
                    told,
                )
            except Exception:
                logger.exception("Could not tell %s that a flow is paused", person_ref(person))

    async def loop(self) -> None:
        """Each look leases the flows with events due and calls each in a task of its
        own, so a slow flow holds up only itself; a flow finished wakes the next look."""
        pruned: dt.date | None = None
        last_look = 0.0
        try:
            while True:
                # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a
                # cancel that lands as the wait ends, and the app's stop then waits for
                # ever on this loop.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(LOOP_SECONDS):
                        await self.wake.wait()
                since = time.monotonic() - last_look
                if since < LOOK_GAP:
                    await asyncio.sleep(LOOK_GAP - since)
                last_look = time.monotonic()
                self.wake.clear()
                now = self.ctx.now()
                try:
                    with job("flow_events"):
                        store = await self.store()
                        due = await store.due(now, now + LEASE, MOST_SUBSCRIPTIONS)
                        for subscription_id in due:
                            task = asyncio.create_task(self._work(store, subscription_id, now))
                            self._running.add(task)
                            task.add_done_callback(self._finished)
                        if pruned != now.date():  # once a day
                            await store.prune(now - KEEP_LOG)
                            pruned = now.date()
                except Exception:
                    logger.exception("Delivering events to flows failed; it will try again")
        finally:
            for task in self._running:
                task.cancel()
            await asyncio.gather(*self._running, return_exceptions=True)

    def _finished(self, task: asyncio.Task[int]) -> None:
        self._running.discard(task)
        if task.cancelled():
            return
        if task.exception() is not None:
            logger.error("Delivering events to a flow failed", exc_info=task.exception())
            return
        self.wake.set()  # what waited behind it, or came meanwhile, goes on the next look


def _every(sub: Subscription) -> bool:
    return True


def _last_move(request: DigitalRequest) -> tuple[int, AuditEntry] | None:
    """The request's newest history entry that moved it to the status it has now, and
    the history's length up to it; None if nothing in its history did."""
    for n in range(len(request.history), 0, -1):
        entry = request.history[n - 1]
        if entry.to_status == request.status and entry.from_status != request.status:
            return n, entry
    return None


def _once_per_base(event: NewEvent) -> Callable[[Subscription], str]:
    """The body differs between flows only by the API's address in its links: made once
    for each address, not once for each flow."""
    made: dict[str, str] = {}

    def render(sub: Subscription) -> str:
        if sub.api_base not in made:
            made[sub.api_base] = event.render(sub)
        return made[sub.api_base]

    return render


def _json(model: pydantic.BaseModel) -> str:
    return model.model_dump_json(by_alias=True)


def _decided(
    event_id: str,
    now: dt.datetime,
    decision: Decision,
    names: dict[str, str],
    request: Any,
) -> BoardDecidedEvent:
    asked = decision.kind is DecisionKind.ASK_INFO
    return BoardDecidedEvent(
        event_id=event_id,
        event="board.decided",
        occurred_at=now,
        decision_id=decision.id,
        reference=decision.reference,
        board=decision.board,
        board_name=names.get(decision.board, decision.board),
        decision=decision.kind.value,
        decision_label=DECISION_LABELS[decision.kind],
        decided_by_id=decision.decided_by_id,
        decided_by_name=decision.decided_by_name,
        decided_at=decision.at,
        reason="" if asked else decision.rationale,
        question=decision.rationale if asked else "",
        process=decision.process,
        theme=decision.theme,
        horizon=decision.horizon,
        deferred_until=decision.deferred_until,
        to_board=decision.to_board,
        score=decision.score,
        request=request,
    )


def part(ctx: JourneyContext, hooks: Webhooks) -> Part:
    # Called as the event is announced (the work runs after): the time is when it happened.
    def on_submitted(request: Any) -> Awaitable[None]:
        return hooks.on_submitted(request, ctx.now())

    def on_saved(request: Any) -> Awaitable[None]:
        return hooks.on_saved(request, ctx.now())

    def on_decided(decision: Any) -> Awaitable[None]:
        return hooks.on_decided(decision, ctx.now())

    async def on_start() -> None:
        await hooks.store()  # pending rows from before a restart go on the first look
        hooks.wake.set()

    ctx.events.subscribe(REQUEST_SUBMITTED, on_submitted)
    ctx.events.subscribe(REQUEST_SAVED, on_saved)
    ctx.events.subscribe(BOARD_DECIDED, on_decided)
    return Part(loops=(hooks.loop,), on_start=on_start)
