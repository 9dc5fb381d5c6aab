"""The webhook triggers' store: subscriptions, one row per (event, flow), the last status
seen per request, leases, back-off and pausing. The contract tests run on the SQLite file
and on Azure Table storage (Azurite); "another instance" is a second store on the same
file or the same account. A few tests stop the Azure store at the worst moment, which
SQLite's transactions do not have. Real storage, a fixed clock."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bot.azure_state.account import AzureState
from bot.azure_state.settings import StateSettings
from bot.journey import JourneyContext
from bot.journeys.flows.config import FlowsConfig
from bot.journeys.flows.store import (
    PAUSED_NOTE,
    FlowStore,
    NewEvent,
    SqliteFlowStore,
    Subscription,
)
from bot.journeys.flows.store_azure import AzureFlowStore
from bot.journeys.flows.webhooks import Webhooks
from tests.support.azurite import new_prefix
from tests.support.clock import SettableClock

T0 = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)

Opener = Callable[[], Awaitable[FlowStore]]


def sub(
    sid: str, event: str = "request.created", owner: str = "person-1", **more: object
) -> Subscription:
    return Subscription(
        id=sid,
        event=event,
        notification_url=f"http://127.0.0.1:9/{sid}",
        secret="whsec_c2VjcmV0",
        owner_id=owner,
        owner_is_app=False,
        owner_name="Person One",
        created_at=T0,
        api_base="http://127.0.0.1:3978",
        **more,  # type: ignore[arg-type]
    )


def event(
    eid: str, kind: str = "request.created", at: dt.datetime = T0, board: str = ""
) -> NewEvent:
    return NewEvent(
        id=eid,
        kind=kind,
        occurred_at=at,
        wants=lambda s: not s.board or s.board == board,
        render=lambda s: f'{{"eventId": "{eid}", "to": "{s.id}"}}',
    )


@pytest.fixture(params=["sqlite", "azure"])
async def opener(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Opener]:
    """Opens one more store on the same storage each time it is called: another process
    on the same file, or another instance on the same Azure Storage account."""
    opened: list[FlowStore] = []
    accounts: list[AzureState] = []
    settings = None
    if request.param == "azure":
        azurite = request.getfixturevalue("azurite")
        settings = StateSettings(
            kind="azure", connection_string=azurite.connection_string, prefix=new_prefix()
        )

    async def open_one() -> FlowStore:
        store: FlowStore
        if settings is None:
            store = SqliteFlowStore(tmp_path / "flows.sqlite3")
        else:
            account = AzureState(settings)  # clients of its own, as an instance has
            accounts.append(account)
            store = AzureFlowStore(account)
        await store.open()
        opened.append(store)
        return store

    yield open_one
    for store in opened:
        await store.close()
    for account in accounts:
        await account.close()


@pytest.fixture
async def store(opener: Opener) -> FlowStore:
    return await opener()


async def test_a_subscription_is_kept_and_deleted_with_its_deliveries(
    store: FlowStore,
) -> None:
    await store.add_subscription(sub("s1", board="ddc"))
    kept = await store.subscription("s1")
    assert kept is not None and kept.board == "ddc" and kept.state == "active"
    assert kept.created_at == T0 and kept.owner_id == "person-1"
    await store.add_subscription(sub("s1x", board="ddc"))
    assert await store.add_event(event("e1", board="ddc")) == 2
    assert await store.delete_subscription("s1") is True
    assert await store.subscription("s1") is None
    assert await store.deliveries("s1", 0, 10) == []
    assert len(await store.deliveries("s1x", 0, 10)) == 1
    assert await store.delete_subscription("s1") is False


async def test_an_event_is_one_row_per_flow_it_is_for_and_kept_once(
    store: FlowStore,
) -> None:
    await store.add_subscription(sub("a"))
    await store.add_subscription(sub("b"))
    await store.add_subscription(sub("c", event="board.decided"))
    await store.add_subscription(sub("d", event="board.decided", board="trb"))
    assert await store.add_event(event("e1")) == 2
    assert await store.add_event(event("e1")) == 0  # the same event again: nothing new
    assert await store.add_event(event("e2", "board.decided", board="ddc")) == 1
    rows = await store.pending("a", 10)
    assert [(r.event_id, r.body, r.attempts, r.state) for r in rows] == [
        ("e1", '{"eventId": "e1", "to": "a"}', 0, "pending")
    ]
    assert [r.event_id for r in await store.pending("c", 10)] == ["e2"]
    assert await store.pending("d", 10) == []


async def test_the_last_status_is_swapped_and_the_first_sight_says_none(
    store: FlowStore,
) -> None:
    assert await store.swap_status("DR-2026-0001", "submitted") is None
    assert await store.swap_status("DR-2026-0001", "submitted") == "submitted"
    assert await store.swap_status("DR-2026-0001", "with_board") == "submitted"
    assert await store.swap_status("DR-2026-0002", "with_board") is None


async def test_a_due_subscription_is_leased_once_until_released_or_the_lease_ends(
    store: FlowStore,
) -> None:
    await store.add_subscription(sub("a"))
    await store.add_subscription(sub("b"))
    await store.add_event(event("e1"))
    assert sorted(await store.due(T0, T0 + 2 * MINUTE, 10)) == ["a", "b"]
    assert await store.due(T0, T0 + 2 * MINUTE, 10) == []  # both held
    await store.release("a")
    assert await store.due(T0 + MINUTE, T0 + 3 * MINUTE, 10) == ["a"]
    # A runner that died holding "b": another takes it once the lease has ended.
    assert await store.due(T0 + 2 * MINUTE, T0 + 4 * MINUTE, 10) == ["b"]


async def test_a_row_waiting_to_be_tried_again_holds_back_the_flows_later_rows(
    store: FlowStore,
) -> None:
    await store.add_subscription(sub("a"))
    await store.add_event(event("e1"))
    await store.add_event(event("e2", at=T0 + MINUTE))
    first, second = await store.pending("a", 10)
    assert not await store.retry(first.seq, 500, "The flow answered 500.", T0 + 30 * MINUTE, 5, T0)
    assert await store.due(T0 + 2 * MINUTE, T0 + 4 * MINUTE, 10) == []
    assert await store.due(T0 + 30 * MINUTE, T0 + 32 * MINUTE, 10) == ["a"]
    await store.delivered(first.seq, 200, T0 + 30 * MINUTE)
    await store.delivered(first.seq, 200, T0 + 31 * MINUTE)  # marked once only
    log = await store.deliveries("a", 0, 10)
    assert [(r.event_id, r.state) for r in log] == [("e2", "pending"), ("e1", "delivered")]
    done = log[1]
    assert (done.attempts, done.last_status, done.last_error) == (2, 200, "")
    assert done.delivered_at == T0 + 30 * MINUTE and done.next_try_at is None
    assert second.seq > first.seq


async def test_failures_in_a_row_pause_the_subscription_and_skip_what_waits(
    store: FlowStore,
) -> None:
    await store.add_subscription(sub("a"))
    for n in range(4):
        await store.add_event(event(f"e{n}"))
    rows = await store.pending("a", 10)
    assert await store.failed(rows[0].seq, 404, "refused", 2, T0) is False
    await store.delivered(rows[1].seq, 200, T0)  # a success starts the count again
    assert await store.failed(rows[2].seq, 404, "refused", 2, T0) is False
    assert await store.failed(rows[2].seq, 404, "refused", 2, T0) is False  # counted once
    kept = await store.subscription("a")
    assert kept is not None and kept.failures_in_a_row == 1
    await store.add_event(event("e9"))
    rows = await store.pending("a", 10)
    assert await store.failed(rows[0].seq, 400, "refused again", 2, T0 + MINUTE) is True
    paused = await store.subscription("a")
    assert paused is not None and paused.state == "paused"
    assert paused.paused_at == T0 + MINUTE and paused.last_error == "refused again"
    assert await store.pending("a", 10) == []
    assert (await store.deliveries("a", 0, 1))[0].last_error == PAUSED_NOTE
    # Events while paused are logged as skipped, never sent.
    assert await store.add_event(event("e10")) == 0
    newest = (await store.deliveries("a", 0, 1))[0]
    assert (newest.event_id, newest.state) == ("e10", "skipped")
    assert await store.due(T0 + MINUTE, T0 + 2 * MINUTE, 10) == []


async def test_failed_tries_count_towards_a_pause_not_only_events_that_failed_for_good(
    store: FlowStore,
) -> None:
    await store.add_subscription(sub("a"))
    await store.add_event(event("e1"))
    await store.add_event(event("e2", at=T0 + MINUTE))
    first, _ = await store.pending("a", 10)
    assert await store.retry(first.seq, 500, "err 1", T0 + MINUTE, 3, T0) is False
    assert await store.retry(first.seq, 500, "err 2", T0 + 2 * MINUTE, 3, T0 + MINUTE) is False
    kept = await store.subscription("a")
    assert kept is not None and (kept.failures_in_a_row, kept.state) == (2, "active")
    # The third failed try of the same event pauses it: the event had not failed for good.
    assert await store.retry(first.seq, 503, "err 3", T0 + 9 * MINUTE, 3, T0 + 2 * MINUTE)
    paused = await store.subscription("a")
    assert paused is not None and paused.state == "paused"
    assert (paused.paused_at, paused.last_error) == (T0 + 2 * MINUTE, "err 3")
    log = await store.deliveries("a", 0, 10)
    assert [(r.event_id, r.state, r.attempts) for r in log] == [
        ("e2", "skipped", 0),
        ("e1", "skipped", 3),
    ]
    assert await store.due(T0 + 9 * MINUTE, T0 + 10 * MINUTE, 10) == []


async def test_a_delivery_starts_the_count_of_failed_tries_again(store: FlowStore) -> None:
    await store.add_subscription(sub("a"))
    await store.add_event(event("e1"))
    [row] = await store.pending("a", 10)
    assert await store.retry(row.seq, 500, "err", T0 + MINUTE, 2, T0) is False
    await store.delivered(row.seq, 200, T0 + MINUTE)
    await store.add_event(event("e2"))
    [row] = await store.pending("a", 10)
    assert await store.retry(row.seq, 500, "err", T0 + 2 * MINUTE, 2, T0 + MINUTE) is False
    kept = await store.subscription("a")
    assert kept is not None and (kept.failures_in_a_row, kept.state) == (1, "active")


async def test_the_same_owner_event_and_address_again_is_the_same_subscription(
    store: FlowStore,
) -> None:
    made = await store.subscribe(sub("s1", to_status="with_board"), 25)
    assert made is not None and made.id == "s1"
    again = replace(
        sub("s2", to_status="decided"),
        notification_url=made.notification_url,
        secret="whsec_bmV3",
        created_at=T0 + MINUTE,
    )
    kept = await store.subscribe(again, 25)
    assert kept is not None and kept.id == "s1"  # the one there was, not a second
    assert (kept.secret, kept.to_status, kept.created_at) == ("whsec_bmV3", "decided", T0)
    assert [s.id for s in await store.subscriptions()] == ["s1"]
    # Another event, another address or another owner: a subscription of its own.
    assert await store.subscribe(replace(again, id="s3", event="board.decided"), 25)
    assert await store.subscribe(replace(again, id="s4", notification_url="http://x/4"), 25)
    assert await store.subscribe(replace(again, id="s5", owner_id="person-2"), 25)
    assert await store.subscribe(replace(again, id="s6", owner_is_app=True), 25)
    assert len(await store.subscriptions()) == 5


async def test_subscribing_again_makes_a_paused_subscription_active(
    store: FlowStore,
) -> None:
    await store.subscribe(sub("a"), 25)
    await store.add_event(event("e1"))
    [row] = await store.pending("a", 10)
    assert await store.failed(row.seq, 404, "refused", 1, T0) is True
    kept = await store.subscribe(replace(sub("b"), notification_url=sub("a").notification_url), 25)
    assert kept is not None and kept.id == "a"
    assert (kept.state, kept.failures_in_a_row, kept.paused_at, kept.last_error) == (
        "active",
        0,
        None,
        "",
    )
    assert await store.add_event(event("e2")) == 1


async def test_an_owner_has_at_most_so_many_subscriptions(store: FlowStore) -> None:
    for n in range(3):
        assert await store.subscribe(
            sub(f"s{n}", event=("request.created", "board.decided")[n % 2]), 3
        )
    assert await store.subscribe(sub("s3"), 3) is None
    assert await store.subscribe(sub("s4", owner="person-2"), 3) is not None  # another owner
    # The same address again is not one more: it is answered with the one there is.
    kept = await store.subscribe(replace(sub("s9"), notification_url=sub("s0").notification_url), 3)
    assert kept is not None and kept.id == "s0"
    await store.delete_subscription("s1")
    assert await store.subscribe(sub("s3"), 3) is not None
    assert len([s for s in await store.subscriptions() if s.owner_id == "person-1"]) == 3


async def test_the_log_pages_newest_first(store: FlowStore) -> None:
    await store.add_subscription(sub("a"))
    for n in range(5):
        await store.add_event(event(f"e{n}", at=T0 + n * MINUTE))
    first = await store.deliveries("a", 0, 2)
    assert [r.event_id for r in first] == ["e4", "e3"]
    second = await store.deliveries("a", first[-1].seq, 2)
    assert [r.event_id for r in second] == ["e2", "e1"]
    last = await store.deliveries("a", second[-1].seq, 2)
    assert [r.event_id for r in last] == ["e0"]


async def test_what_was_kept_is_there_after_reopening(opener: Opener) -> None:
    first = await opener()
    await first.add_subscription(sub("a"))
    await first.add_event(event("e1"))
    await first.swap_status("DR-2026-0001", "in_triage")
    await first.close()
    again = await opener()
    assert [r.event_id for r in await again.pending("a", 10)] == ["e1"]
    assert await again.swap_status("DR-2026-0001", "with_board") == "in_triage"


async def test_two_runners_never_lease_the_same_flow(opener: Opener) -> None:
    one, two = await opener(), await opener()
    for n in range(20):
        await one.add_subscription(sub(f"s{n:02}"))
    await one.add_event(event("e1"))
    got = await asyncio.gather(
        *(runner.due(T0, T0 + MINUTE, 100) for runner in (one, two, one, two))
    )
    leased = [s for batch in got for s in batch]
    assert sorted(leased) == [f"s{n:02}" for n in range(20)]


async def test_two_hundred_due_deliveries_leased_by_two_instances_at_once_go_once_each(
    opener: Opener,
) -> None:
    one, two = await opener(), await opener()
    flows = [f"s{n:02}" for n in range(40)]
    for tens in range(0, 40, 10):
        await asyncio.gather(
            *(one.add_subscription(sub(s, owner=s)) for s in flows[tens : tens + 10])
        )
    for n in range(5):
        assert await (one, two)[n % 2].add_event(event(f"e{n}", at=T0 + n * MINUTE)) == 40
    runners = (one, two, two, one)
    got = await asyncio.gather(*(runner.due(T0, T0 + MINUTE, 200) for runner in runners))
    assert sorted(s for batch in got for s in batch) == flows  # each leased by one runner
    holder = {sid: runner for runner, batch in zip(runners, got, strict=True) for sid in batch}
    # Each of the 200 rows is in the hands of one runner only.
    held = [(sid, row.event_id) for sid in flows for row in await holder[sid].pending(sid, 10)]
    assert len(held) == len(set(held)) == 200
    # A flow sent and released is not due again; one whose runner died is, once its lease ends.
    for row in await holder["s23"].pending("s23", 10):
        await holder["s23"].delivered(row.seq, 200, T0)
    await holder["s23"].release("s23")
    later = await one.due(T0 + MINUTE, T0 + 2 * MINUTE, 200)
    assert sorted(later) == [s for s in flows if s != "s23"]
    log = await two.deliveries("s23", 0, 10)
    assert [(r.event_id, r.state) for r in log] == [
        (f"e{n}", "delivered") for n in range(4, -1, -1)
    ]


class EventInTheGap(AzureFlowStore):
    """An Azure store that, working out when a flow is next due, lets another instance
    add an event between its look at the flow's rows and its write: the worst moment."""

    meanwhile: Callable[[], Awaitable[object]] | None = None

    async def _head(self, number: int) -> str:
        head = await super()._head(number)
        if self.meanwhile is not None:
            other, self.meanwhile = self.meanwhile, None
            await other()
        return head


async def test_an_event_added_while_another_instance_finishes_one_is_not_left_waiting(
    azure_state: AzureState,
) -> None:
    other = AzureState(azure_state.settings)
    runner, adder = EventInTheGap(azure_state), AzureFlowStore(other)
    await runner.open()
    await adder.open()
    try:
        await adder.add_subscription(sub("a"))
        await adder.add_event(event("e1"))
        assert await runner.due(T0, T0 + MINUTE, 10) == ["a"]
        [row] = await runner.pending("a", 10)
        runner.meanwhile = lambda: adder.add_event(event("e2", at=T0 + MINUTE))
        await runner.delivered(row.seq, 200, T0)  # saw no row waiting; e2 came just after
        await runner.release("a")
        assert await runner.due(T0 + MINUTE, T0 + 2 * MINUTE, 10) == ["a"]
        assert [r.event_id for r in await runner.pending("a", 10)] == ["e2"]
    finally:
        await other.close()


class PauseInTheGap(AzureFlowStore):
    """An Azure store that, adding an event, lets another instance pause a flow between
    its look at the flows and its writing the event's rows."""

    meanwhile: Callable[[], Awaitable[object]] | None = None

    async def _event_number(self, event: NewEvent) -> int:
        number = await super()._event_number(event)
        if self.meanwhile is not None:
            other, self.meanwhile = self.meanwhile, None
            await other()
        return number


async def test_an_event_for_a_flow_paused_meanwhile_is_skipped_not_left_pending(
    azure_state: AzureState,
) -> None:
    other = AzureState(azure_state.settings)
    adder, runner = PauseInTheGap(azure_state), AzureFlowStore(other)
    await adder.open()
    await runner.open()
    try:
        await adder.add_subscription(sub("a"))
        await adder.add_event(event("e1"))
        [row] = await runner.pending("a", 10)
        adder.meanwhile = lambda: runner.failed(row.seq, 404, "refused", 1, T0)
        assert await adder.add_event(event("e2", at=T0 + MINUTE)) == 0
        assert await runner.pending("a", 10) == []
        newest = (await runner.deliveries("a", 0, 1))[0]
        assert (newest.event_id, newest.state, newest.last_error) == ("e2", "skipped", PAUSED_NOTE)
    finally:
        await other.close()


async def test_a_lease_that_runs_out_is_taken_by_the_next_instance(opener: Opener) -> None:
    one, two = await opener(), await opener()
    await one.add_subscription(sub("a"))
    await one.add_event(event("e1"))
    assert await one.due(T0, T0 + 2 * MINUTE, 10) == ["a"]  # and then the instance dies
    assert await two.due(T0 + MINUTE, T0 + 3 * MINUTE, 10) == []
    assert await two.due(T0 + 2 * MINUTE, T0 + 4 * MINUTE, 10) == ["a"]
    assert await one.due(T0 + 3 * MINUTE, T0 + 5 * MINUTE, 10) == []


async def test_statuses_swapped_at_once_by_two_instances_each_see_a_different_before(
    opener: Opener,
) -> None:
    one, two = await opener(), await opener()
    await one.swap_status("DR-2026-0001", "submitted")
    statuses = [f"status-{n}" for n in range(10)]
    befores = await asyncio.gather(
        *(
            runner.swap_status("DR-2026-0001", s)
            for n, s in enumerate(statuses)
            for runner in ((one, two)[n % 2],)
        )
    )
    # One chain of swaps: each status seen as "before" by exactly one swap, the first one
    # (submitted) by the winner of the race, and the last swap's status is what stays.
    assert "submitted" in befores and len(set(befores)) == len(befores)
    assert set(befores) - {"submitted"} < set(statuses)
    last = (set(statuses) - set(befores)).pop()
    assert await one.swap_status("DR-2026-0001", "done") == last


async def test_two_instances_subscribing_at_once_never_pass_the_limit(opener: Opener) -> None:
    one, two = await opener(), await opener()
    for n in range(22):
        assert await one.subscribe(sub(f"s{n:02}"), 25) is not None
    made = await asyncio.gather(*((one, two)[n % 2].subscribe(sub(f"r{n}"), 25) for n in range(6)))
    assert len([m for m in made if m is not None]) == 3
    kept = await two.subscriptions()
    assert len(kept) == 25
    assert {s.id for s in kept} >= {m.id for m in made if m is not None}
    # The same address from both at once: one subscription, not two.
    again = await asyncio.gather(
        one.subscribe(sub("x1", owner="person-2"), 25),
        two.subscribe(
            replace(sub("x2", owner="person-2"), notification_url=sub("x1").notification_url), 25
        ),
    )
    assert len([s for s in await one.subscriptions() if s.owner_id == "person-2"]) == 1
    assert again[0] is not None and again[1] is not None and again[0].id == again[1].id


async def test_finished_rows_are_forgotten_after_a_while_and_pending_ones_kept(
    store: FlowStore,
) -> None:
    await store.add_subscription(sub("a"))
    for n in range(4):
        await store.add_event(event(f"e{n}", at=T0 + n * MINUTE))
    e0, e1, _waiting, e3 = await store.pending("a", 10)
    await store.delivered(e0.seq, 200, T0)
    await store.failed(e1.seq, 404, "refused", 5, T0)
    await store.delivered(e3.seq, 200, T0)
    assert await store.prune(T0 + 3 * MINUTE) == 2  # e0 and e1; e2 waits; e3 is newer
    assert [r.event_id for r in await store.deliveries("a", 0, 10)] == ["e3", "e2"]


async def test_chosen_finished_rows_are_deleted_and_pending_ones_kept(store: FlowStore) -> None:
    await store.add_subscription(sub("a"))
    await store.add_subscription(sub("b"))
    for n in range(3):
        await store.add_event(event(f"e{n}", at=T0 + n * MINUTE))
    e0, e1, e2 = await store.pending("a", 10)
    (b0, *_) = await store.pending("b", 10)
    await store.delivered(e0.seq, 200, T0)
    await store.failed(e1.seq, 404, "refused", 5, T0)
    await store.delivered(b0.seq, 200, T0)
    # e2 still waits; b0 is another subscription's row.
    assert await store.delete_deliveries("a", [e0.seq, e1.seq, e2.seq, b0.seq]) == 2
    assert [r.event_id for r in await store.deliveries("a", 0, 10)] == ["e2"]
    assert len(await store.deliveries("b", 0, 10)) == 3
    assert await store.delete_deliveries("a", [e0.seq]) == 0
    assert await store.delete_deliveries("nobody", [e2.seq]) == 0


async def test_the_journey_keeps_its_triggers_on_azure_when_the_bot_has_an_account(
    azure_state: AzureState,
) -> None:
    unused: Any = object()  # the store's opening touches neither the bot's store nor notifier
    ctx = JourneyContext(
        store=unused,
        clock=SettableClock(T0),
        notifier=unused,
        admin_ids=frozenset(),
        azure=azure_state,
    )
    hooks = Webhooks(ctx, FlowsConfig())
    try:
        store = await hooks.store()
        assert isinstance(store, AzureFlowStore)
        await store.add_subscription(sub("a"))
    finally:
        await hooks.close()
    # Another instance's journey sees the same subscription.
    again = Webhooks(replace(ctx), FlowsConfig())
    try:
        assert [s.id for s in await (await again.store()).subscriptions()] == ["a"]
    finally:
        await again.close()
