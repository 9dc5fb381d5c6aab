"""Webhook triggers for Power Automate: a flow subscribes, and is called once per event.

When a maker turns a flow on, Power Automate calls a trigger operation with its callback
address (`notificationUrl`); we answer 201 with the subscription's Location, and it
calls DELETE there when the flow is turned off. Each event (a request created, a
request's status changed, a board decided) is kept as one row per subscribed flow, then
sent by the delivery loop: signed, tried again with back-off when the flow's side fails,
and logged (ListDeliveries). After `pause_after` events in a row that failed for good,
the subscription is paused and its owner told in Teams; events while paused are logged
as skipped, not sent. Turning the flow off and on again subscribes it afresh.
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
from bot.domain.boards import DECISION_LABELS, Decision
from bot.domain.model import STATUS_LABELS, DigitalRequest
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
                if self.ctx.data_dir is None:
                    raise RuntimeError("The flows journey needs DATA_DIR for its store")
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
        before = await store.swap_status(request.reference, request.status.value)
        if before is None or before == request.status.value:
            return
        names = await self.board_names()
        to = request.status.value
        event_id = f"status.{request.reference}.{len(request.history)}.{to}"

        def render(sub: Subscription) -> str:
            return _json(
                RequestStatusChangedEvent(
                    event_id=event_id,
                    event="request.status_changed",
                    occurred_at=now,
                    from_status=before,
                    to_status=to,
                    to_status_label=STATUS_LABELS[request.status],
                    request=request_out(request, names, sub.api_base),
                )
            )

        def wants(sub: Subscription) -> bool:
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
                retry = sending.next_try(row.attempts, outcome, at)
                if outcome.verdict == "retry" and retry is not None:
                    await store.retry(row.seq, outcome.status, outcome.error, retry)
                    return sent
                paused = await store.failed(
                    row.seq, outcome.status, outcome.error, self.config.pause_after, at
                )
                if paused:
                    await self._tell_paused(sub, outcome.error, at)
                    return sent
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
                logger.info("Told %s that flow subscription %s is paused: %s", person, sub.id, told)
            except Exception:
                logger.exception("Could not tell %s that a flow is paused", person)

    async def loop(self) -> None:
        """Each look leases the flows with events due and calls each in a task of its
        own, so a slow flow holds up only itself; a flow finished wakes the next look."""
        pruned: dt.date | None = None
        last_look = 0.0
        try:
            while True:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wake.wait(), LOOP_SECONDS)
                since = time.monotonic() - last_look
                if since < LOOK_GAP:
                    await asyncio.sleep(LOOK_GAP - since)
                last_look = time.monotonic()
                self.wake.clear()
                now = self.ctx.now()
                try:
                    store = await self.store()
                    for subscription_id in await store.due(now, now + LEASE, MOST_SUBSCRIPTIONS):
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
        rationale=decision.rationale,
        process=decision.process,
        delivery_owner=decision.delivery_owner,
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
