"""Catching up: after throttling, an outage or a slowdown, the outbox reaches SharePoint
quickly and exactly. A request's queued updates go as one PATCH of its latest state;
different requests are independent, so one throttled does not fail the others; each
request's own writes keep their order; nothing is written twice.

The SharePoint store against the local fake Graph server, its writer run by hand.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.domain.model import DigitalRequest, Status
from graph_clients.store import SharePointStore
from tests.integration.test_store_contract import NOW, new_request, triaged
from tests.support.clock import SettableClock
from tests.support.fake_graph import FakeGraph, Recorded
from tests.support.graph import open_store, provisioned

REQUESTS = "DFD Requests"


@pytest.fixture
async def fake() -> AsyncIterator[FakeGraph]:
    server = FakeGraph()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def store(fake: FakeGraph, tmp_path: Path) -> AsyncIterator[SharePointStore]:
    opened = await open_store(fake, tmp_path, SettableClock(NOW), await provisioned(fake))
    yield opened
    await opened.close()


def creates_of(records: list[Recorded], reference: str, status: int = 201) -> list[Recorded]:
    """The creates of `reference` that arrived at SharePoint and got `status`."""
    return [
        r
        for r in records
        if r.method == "POST"
        and isinstance(r.body, dict)
        and (r.body.get("fields") or {}).get("Reference") == reference
        and r.status == status
    ]


def item_ids(fake: FakeGraph) -> dict[str, str]:
    return {str(i["Reference"]): str(i["id"]) for i in fake.list_items(REQUESTS)}


def patches_of(records: list[Recorded], item_id: str) -> list[Recorded]:
    return [r for r in records if r.method == "PATCH" and f"/items/{item_id}/" in r.path]


async def write_all(store: SharePointStore, rounds: int = 5) -> None:
    for _ in range(rounds):
        await store.write_pending()
        if await store.pending_writes() == 0:
            return
    raise AssertionError(f"{await store.pending_writes()} writes still owed")


async def test_updates_queued_for_one_request_are_one_patch_of_its_latest_state(
    store: SharePointStore, fake: FakeGraph
) -> None:
    stored = await store.add(new_request())
    await store.write_pending()
    current: DigitalRequest | None = await store.get(stored.reference)
    assert current is not None
    steps = [(Status.IN_TRIAGE, "t1"), (Status.IN_TRIAGE, "t2"), (Status.WITH_BOARD, "t3")]
    for status, who in steps:
        current = await store.update(triaged(current, status, who))
    assert await store.pending_writes() == 3
    since = time.monotonic()
    await store.write_pending()
    patches = [r for r in fake.graph_requests(since) if r.method == "PATCH"]
    assert len(patches) == 1, "three queued updates, one PATCH"
    [item] = fake.list_items(REQUESTS)
    assert (item["Status"], item["AssigneeId"]) == ("with_board", "t3"), "the latest state"
    assert await store.pending_writes() == 0


async def test_a_throttled_new_request_in_a_batch_fails_none_of_the_others(
    store: SharePointStore, fake: FakeGraph
) -> None:
    references = [(await store.add(new_request(f"u{n}"))).reference for n in range(6)]
    fake.reset_counters()
    fake.faults.throttle_every = 3
    fake.faults.retry_after = "1"
    since = time.monotonic()
    await write_all(store)
    records = fake.graph_requests(since)
    assert not [r for r in records if r.status == 424], "no request depends on another"
    assert Counter(str(i["Reference"]) for i in fake.list_items(REQUESTS)) == Counter(references)
    throttled = [r for r in records if r.status == 429]
    assert throttled, "the server did throttle"
    for reference in references:
        tries = creates_of(records, reference, 201) + creates_of(records, reference, 429)
        hits = creates_of(records, reference, 429)
        assert len(creates_of(records, reference, 201)) == 1, "written once"
        assert len(tries) == len(hits) + 1, "sent again only if it was throttled"
        for hit, retry in zip(hits, sorted(tries, key=lambda r: r.at)[1:], strict=True):
            assert retry.at - hit.at >= 0.99, "sent again after its own Retry-After"


async def test_each_requests_writes_keep_their_order_and_none_is_written_twice(
    store: SharePointStore, fake: FakeGraph
) -> None:
    """Queued while Graph was down: each request's create, its triage card and its triage
    changes. When Graph is back, and throttling, each request is created once, before any
    change to it, with everything the triager did."""
    # On a busy machine the start-up's read of SharePoint's highest reference can outlast
    # the 0.4 s the store waits for it; without it no reference is given out in an outage.
    assert await store._floor_read(NOW.year)
    fake.faults.unavailable = True
    fake.faults.retry_after_on_503 = False
    latest: dict[str, DigitalRequest] = {}
    for n in range(3):
        stored = await store.add(new_request(f"u{n}"))
        await store.mark_triage_posted(stored.reference, f"message-{n}")
        current = await store.journal.get(stored.reference)
        assert current is not None
        for status, who in [(Status.IN_TRIAGE, "t1"), (Status.REJECTED, f"t{n}")]:
            current = await store.update(triaged(current, status, who))
        latest[stored.reference] = current
    await store.write_pending()
    assert await store.pending_writes() == 12, "nothing written while Graph is down"

    fake.faults.unavailable = False
    fake.reset_counters()
    fake.faults.throttle_every = 3
    fake.faults.retry_after = "1"
    since = time.monotonic()
    await write_all(store)
    records = fake.graph_requests(since)
    ids = item_ids(fake)
    assert Counter(str(i["Reference"]) for i in fake.list_items(REQUESTS)) == Counter(list(latest))
    for reference, request in latest.items():
        [created] = creates_of(records, reference)
        written = [p for p in patches_of(records, ids[reference]) if p.status == 200]
        assert all(p.at > created.at for p in written), "no change before the create"
        assert len(written) <= 1, "its queued changes are at most one PATCH"
        item = next(i for i in fake.list_items(REQUESTS) if i["Reference"] == reference)
        assert (item["Status"], item["AssigneeId"]) == (request.status.value, request.assignee_id)
        assert item["TriagePosted"] is True


async def test_new_requests_queued_while_graph_answered_503_go_together_when_it_is_back(
    store: SharePointStore, fake: FakeGraph
) -> None:
    """A 503 says Graph processed nothing: no look-up is owed before sending them again."""
    # Opening waits only so long for SharePoint's highest reference; on a busy machine the
    # read can still be under way, and without it no reference is given out while Graph is down.
    assert await store._floor_read(NOW.year), "SharePoint's highest reference was read"
    fake.faults.unavailable = True
    fake.faults.retry_after_on_503 = False
    references = [(await store.add(new_request(f"u{n}"))).reference for n in range(5)]
    await store.write_pending()
    fake.faults.unavailable = False
    since = time.monotonic()
    await write_all(store)
    records = fake.graph_requests(since)
    assert [(r.method, r.path.rsplit("/", 1)[-1]) for r in records if not r.batch] == [
        ("POST", "$batch")
    ], "one round trip, no look-ups"
    assert [str(i["Reference"]) for i in fake.list_items(REQUESTS)] == references


async def test_the_writer_stops_when_cancelled_as_it_is_woken(store: SharePointStore) -> None:
    """On Python 3.11, asyncio.wait_for loses a cancellation that lands just as the event it
    waits for is set: the writer then ran for ever and the app never shut down (seen in CI).
    Here the wake-up completes first, then the cancel arrives before the writer runs."""
    for _ in range(20):  # the race depends on scheduling: try it several times
        writer = asyncio.ensure_future(store.run_writer(idle_seconds=30))
        for _ in range(5):
            await asyncio.sleep(0)  # the writer's first round runs and it waits again
        await asyncio.sleep(0.05)
        store.wake_writer()
        await asyncio.sleep(0)  # the event's waiter completes; the writer is not run yet
        writer.cancel()
        done, _ = await asyncio.wait({writer}, timeout=5)
        assert writer in done, "the writer kept running after it was cancelled"
        assert writer.cancelled()
