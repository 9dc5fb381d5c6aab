"""The webhook triggers' SQLite file: subscriptions, one row per (event, flow), the last
status seen per request, leases, back-off and pausing. Real files, a fixed clock."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.journeys.flows.store import PAUSED_NOTE, NewEvent, SqliteFlowStore, Subscription

T0 = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)


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


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteFlowStore]:
    opened = SqliteFlowStore(tmp_path / "flows.sqlite3")
    await opened.open()
    yield opened
    await opened.close()


async def test_a_subscription_is_kept_and_deleted_with_its_deliveries(
    store: SqliteFlowStore,
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
    store: SqliteFlowStore,
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
    store: SqliteFlowStore,
) -> None:
    assert await store.swap_status("DR-2026-0001", "submitted") is None
    assert await store.swap_status("DR-2026-0001", "submitted") == "submitted"
    assert await store.swap_status("DR-2026-0001", "with_board") == "submitted"
    assert await store.swap_status("DR-2026-0002", "with_board") is None


async def test_a_due_subscription_is_leased_once_until_released_or_the_lease_ends(
    store: SqliteFlowStore,
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
    store: SqliteFlowStore,
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
    store: SqliteFlowStore,
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
    store: SqliteFlowStore,
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


async def test_a_delivery_starts_the_count_of_failed_tries_again(store: SqliteFlowStore) -> None:
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
    store: SqliteFlowStore,
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
    store: SqliteFlowStore,
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


async def test_an_owner_has_at_most_so_many_subscriptions(store: SqliteFlowStore) -> None:
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


async def test_the_log_pages_newest_first(store: SqliteFlowStore) -> None:
    await store.add_subscription(sub("a"))
    for n in range(5):
        await store.add_event(event(f"e{n}", at=T0 + n * MINUTE))
    first = await store.deliveries("a", 0, 2)
    assert [r.event_id for r in first] == ["e4", "e3"]
    second = await store.deliveries("a", first[-1].seq, 2)
    assert [r.event_id for r in second] == ["e2", "e1"]
    last = await store.deliveries("a", second[-1].seq, 2)
    assert [r.event_id for r in last] == ["e0"]


async def test_what_was_kept_is_there_after_reopening(tmp_path: Path) -> None:
    path = tmp_path / "flows.sqlite3"
    first = SqliteFlowStore(path)
    await first.open()
    await first.add_subscription(sub("a"))
    await first.add_event(event("e1"))
    await first.swap_status("DR-2026-0001", "in_triage")
    await first.close()
    again = SqliteFlowStore(path)
    await again.open()
    try:
        assert [r.event_id for r in await again.pending("a", 10)] == ["e1"]
        assert await again.swap_status("DR-2026-0001", "with_board") == "in_triage"
    finally:
        await again.close()


async def test_two_runners_on_one_file_never_lease_the_same_flow(tmp_path: Path) -> None:
    path = tmp_path / "flows.sqlite3"
    one, two = SqliteFlowStore(path), SqliteFlowStore(path)
    await one.open()
    await two.open()
    try:
        for n in range(20):
            await one.add_subscription(sub(f"s{n:02}"))
        await one.add_event(event("e1"))
        got = await asyncio.gather(
            *(runner.due(T0, T0 + MINUTE, 100) for runner in (one, two, one, two))
        )
        leased = [s for batch in got for s in batch]
        assert sorted(leased) == [f"s{n:02}" for n in range(20)]
    finally:
        await one.close()
        await two.close()


async def test_finished_rows_are_forgotten_after_a_while_and_pending_ones_kept(
    store: SqliteFlowStore,
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
