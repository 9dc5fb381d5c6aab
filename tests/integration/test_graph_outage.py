"""Graph down, or asking for a pause: people are answered from the local copy within a
second, start-up does not wait for Graph, and no call reaches Graph before Retry-After says.

The bot's production retry policy is used: it honours a Retry-After of up to 30 s, so a
read or a start-up that waited on Graph's retries here would take 20 s or more.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest

from bot.errors import NotAnsweringNow, UserFacingError
from graph_clients.client import RetryPolicy, ThrottleGate
from graph_clients.requests_list import GraphRequests
from graph_clients.store import SharePointStore
from graph_clients.wiring import GraphConnection
from tests.integration.test_store_contract import NOW, new_request, reference
from tests.support.clock import SettableClock
from tests.support.fake_graph import FakeGraph
from tests.support.graph import connect, open_store

RENAMED = "Digital, Data and Customer Board (renamed by an admin)"


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(NOW)


def production(fake: FakeGraph, gate: ThrottleGate | None = None) -> GraphConnection:
    return connect(fake, RetryPolicy(gate=gate))


def outage(fake: FakeGraph, retry_after: str) -> None:
    fake.faults.unavailable = True
    fake.faults.retry_after = retry_after


LONG = pytest.mark.parametrize("retry_after", ["5", "30"])


@LONG
async def test_my_requests_and_status_answer_from_the_journal_within_a_second(
    tmp_path: Path, fake: FakeGraph, clock: SettableClock, retry_after: str
) -> None:
    store = await open_store(fake, tmp_path, clock, production(fake))
    try:
        stored = await store.add(new_request("u1"))
        await store.write_pending()
        outage(fake, retry_after)
        started = time.monotonic()
        page = await store.for_requester("u1")
        assert time.monotonic() - started < 1
        assert [r.reference for r in page.items] == [stored.reference]
        assert page.stale, "the person is told the list may be a little out of date"
        started = time.monotonic()
        found = await store.get(stored.reference)
        assert time.monotonic() - started < 1
        assert found is not None and found.reference == stored.reference
        assert found.stale, "the card can say it may be a little out of date"
        assert not store.graph_reachable
        with pytest.raises(NotAnsweringNow, match="SharePoint is not answering just now"):
            await store.get(f"DR-{clock.now().year}-0999")  # not in the journal
        fake.faults.unavailable = False
    finally:
        await store.close()


async def test_with_graph_answering_my_requests_is_not_marked_stale(
    tmp_path: Path, fake: FakeGraph, clock: SettableClock
) -> None:
    store = await open_store(fake, tmp_path, clock, production(fake))
    try:
        await store.add(new_request("u1"))
        await store.write_pending()
        page = await store.for_requester("u1")
        assert len(page.items) == 1 and not page.stale
        assert store.graph_reachable
    finally:
        await store.close()


async def rename_board_in_sharepoint(fake: FakeGraph) -> None:
    """An admin renames a board in the DFD Config list."""
    graph = connect(fake)
    config = GraphRequests(graph.client, graph.site_id, graph.base_url, list_id="DFD Config")
    item = next(i for i in fake.list_items("DFD Config") if i["ConfigKey"] == "boards")
    boards = json.loads(str(item["ValueJson"]))
    next(b for b in boards if b["key"] == "ddc")["name"] = RENAMED
    await config.update_fields(str(item["id"]), {"ValueJson": json.dumps(boards)}, "")
    await graph.close()


@LONG
async def test_start_up_during_an_outage_serves_at_once_from_the_journal(
    tmp_path: Path, fake: FakeGraph, clock: SettableClock, retry_after: str
) -> None:
    await rename_board_in_sharepoint(fake)
    first = await open_store(fake, tmp_path, clock, production(fake))
    await first.add(new_request("u1"))
    await first.write_pending()
    await first.close()
    outage(fake, retry_after)
    started = time.monotonic()
    store = await open_store(fake, tmp_path, clock, production(fake))
    try:
        assert time.monotonic() - started < 1
        assert (await store.governance()).boards["ddc"].name == RENAMED
        made = await store.add(new_request("u2"))  # the journal knows this year's numbers
        assert made.reference == reference(NOW, 2)
        assert not store.graph_reachable
    finally:
        await store.close()
    assert time.monotonic() - started < 2, "closing does not wait for Graph either"


async def test_a_lost_data_folder_gives_no_reference_until_sharepoints_highest_is_known(
    tmp_path: Path, fake: FakeGraph, clock: SettableClock
) -> None:
    """A number SharePoint already has is never handed out again: on a new data folder,
    while Graph is down, a submission is refused politely, and works once Graph is back."""
    lost = await open_store(fake, tmp_path / "lost", clock, production(fake))
    for user in ("u1", "u2"):
        await lost.add(new_request(user))
    await lost.write_pending()
    await lost.close()
    outage(fake, "1")
    started = time.monotonic()
    store = await open_store(fake, tmp_path / "new", clock, production(fake))
    try:
        assert time.monotonic() - started < 1
        with pytest.raises(UserFacingError, match="press Send again"):
            await store.add(new_request("u3"))
        fake.faults.unavailable = False
        made = await store.add(new_request("u3"))
        assert made.reference == reference(NOW, 3)
    finally:
        await store.close()


async def test_retry_after_binds_every_caller_a_read_then_a_write(
    tmp_path: Path, fake: FakeGraph, clock: SettableClock
) -> None:
    store = await open_store(fake, tmp_path, clock, production(fake))
    try:
        stored = await store.add(new_request("u1"))
        await store.write_pending()
        outage(fake, "2")
        await store.get(stored.reference)  # told: Retry-After 2
        fake.faults.unavailable = False
        [told] = [r for r in fake.requests if r.status == 503]
        page = await store.for_requester("u1")  # a person: cannot wait 2 s, sends nothing
        assert page.stale
        await store.add(new_request("u2"))
        assert await store.write_pending() == 1  # the writer waits, then sends
        after = fake.graph_requests(since=told.at + 1e-9)
        assert after, "the write reached SharePoint"
        assert min(r.at for r in after) - told.at >= 2.0, "no call before Retry-After"
    finally:
        await store.close()


class StandStill:
    """Monotonic time that moves only when someone sleeps on it."""

    def __init__(self) -> None:
        self.now = 1000.0

    def time(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


async def test_no_call_of_any_kind_before_retry_after_on_the_gates_clock(
    tmp_path: Path, fake: FakeGraph, clock: SettableClock
) -> None:
    """Retry-After: 5, without waiting 5 s: each request's moment is taken on the gate's
    own clock as it is sent."""
    moment = StandStill()
    graph = production(fake, ThrottleGate(moment.time, moment.sleep))
    sent: list[float] = []

    async def note(request: httpx.Request) -> None:
        sent.append(moment.now)

    assert graph.http is not None
    graph.http.event_hooks["request"].append(note)
    store: SharePointStore = await open_store(fake, tmp_path, clock, graph)
    try:
        stored = await store.add(new_request("u1"))
        await store.write_pending()
        outage(fake, "5")
        told_at = moment.now
        await store.get(stored.reference)
        fake.faults.unavailable = False
        count = len(sent)
        assert (await store.for_requester("u1")).stale
        assert (await store.get(stored.reference)) is not None
        assert len(sent) == count, "a person's read inside the pause sends nothing"
        await store.add(new_request("u2"))
        assert await store.write_pending() == 1
        assert len(sent) > count
        assert min(sent[count:]) >= told_at + 5
        assert store.graph_reachable
    finally:
        await store.close()
