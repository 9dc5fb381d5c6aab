"""Catching up within Graph's budget: changes to many requests go together in $batch
envelopes of 20, each request still with one write of its latest state; a request changed
in the list meanwhile, or throttled, is dealt with on its own; a create SharePoint refuses
as a duplicate Reference is taken as written; and the writer never spends more of
SharePoint's resource units a minute than its budget.

The SharePoint store against the local fake Graph server, its writer run by hand.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.azure_state.account import AzureState
from bot.azure_state.budget import SharedBudget
from bot.azure_state.settings import StateSettings
from bot.domain.model import DigitalRequest, Status
from bot.ports import NotApplied
from graph_clients.budget import ResourceBudget
from graph_clients.store import SharePointStore
from graph_clients.wiring import GraphConnection
from tests.integration.test_catch_up import item_ids, patches_of, write_all
from tests.integration.test_store_contract import NOW, new_request, triaged
from tests.support.azurite import Azurite, new_prefix
from tests.support.clock import SettableClock
from tests.support.fake_graph import FakeGraph, Recorded
from tests.support.graph import connect, open_store, provisioned

REQUESTS = "DFD Requests"


@pytest.fixture
async def fake() -> AsyncIterator[FakeGraph]:
    server = FakeGraph()
    await server.start()
    await (await provisioned(server)).close()
    yield server
    await server.stop()


@pytest.fixture
def graph(fake: FakeGraph) -> GraphConnection:
    return connect(fake)


@pytest.fixture
async def store(
    fake: FakeGraph, graph: GraphConnection, tmp_path: Path
) -> AsyncIterator[SharePointStore]:
    opened = await open_store(fake, tmp_path, SettableClock(NOW), graph)
    yield opened
    await opened.close()


def envelopes(records: list[Recorded]) -> list[Recorded]:
    return [r for r in records if not r.batch and r.path.endswith("/$batch")]


def plain(records: list[Recorded]) -> list[Recorded]:
    """HTTP requests that are not $batch envelopes nor inside one."""
    return [r for r in records if not r.batch and not r.path.endswith("/$batch")]


async def written_requests(store: SharePointStore, count: int) -> list[DigitalRequest]:
    references = [(await store.add(new_request(f"u{n}"))).reference for n in range(count)]
    await write_all(store)
    found = [await store.journal.get(reference) for reference in references]
    assert all(request is not None for request in found)
    return [request for request in found if request is not None]


async def test_sixty_requests_changed_during_an_outage_catch_up_in_three_envelopes(
    store: SharePointStore, fake: FakeGraph
) -> None:
    requests = await written_requests(store, 60)
    latest: dict[str, DigitalRequest] = {}
    for n, request in enumerate(requests):
        current = await store.update(triaged(request, Status.IN_TRIAGE, "t1"))
        if n % 2:
            current = await store.update(triaged(current, Status.WITH_BOARD, f"t{n}"))
        if n % 3 == 0:
            await store.mark_triage_posted(request.reference, f"message-{n}")
        latest[request.reference] = current
    assert await store.pending_writes() == 60 + 30 + 20
    since = time.monotonic()
    await write_all(store)
    records = fake.graph_requests(since)
    assert len(envelopes(records)) == 3, "60 requests' changes, 20 to an envelope"
    assert plain(records) == [], "no look-ups, no lone PATCHes: each item's id was known"
    ids = item_ids(fake)
    items = {str(i["Reference"]): i for i in fake.list_items(REQUESTS)}
    for n, (reference, request) in enumerate(latest.items()):
        [patch] = patches_of(records, ids[reference])
        assert patch.batch and patch.status == 200, "one write of the latest state"
        item = items[reference]
        assert (item["Status"], item["AssigneeId"]) == (request.status.value, request.assignee_id)
        assert item["TriagePosted"] is (n % 3 == 0), "the triage card went in the same write"
        if n % 3 == 0:
            assert item["TriageMessageId"] == f"message-{n}"
    assert await store.pending_writes() == 0

    # Each write's new ETag was learnt from the batch's answer: the next changes go
    # conditionally again, and none is taken for someone else's edit.
    for request in latest.values():
        await store.update(triaged(request, Status.REJECTED, "t2"))
    since = time.monotonic()
    await write_all(store)
    records = fake.graph_requests(since)
    assert len(envelopes(records)) == 3 and plain(records) == []
    assert sorted({r.status for r in records}) == [200]
    inside = [r for r in records if r.batch]
    if_match = [{k.lower(): v for k, v in r.headers.items()}.get("if-match") for r in inside]
    assert len(if_match) == 60 and all(tag and tag != "*" for tag in if_match), if_match
    assert {i["Status"] for i in fake.list_items(REQUESTS)} == {"rejected"}


async def test_a_request_changed_in_the_list_meanwhile_goes_the_not_applied_way_alone(
    store: SharePointStore, fake: FakeGraph
) -> None:
    told: list[NotApplied] = []

    async def tell(not_applied: NotApplied) -> None:
        told.append(not_applied)

    store.on_not_applied = tell
    first, edited, third = await written_requests(store, 3)
    fake.edit_as_person(REQUESTS, edited.reference, {"Status": "rejected"}, "Sam Secretary")
    for request in (first, edited, third):
        await store.update(triaged(request, Status.IN_TRIAGE, "t1"))
    since = time.monotonic()
    await write_all(store)
    records = fake.graph_requests(since)
    assert len(envelopes(records)) == 1
    assert sorted(r.status for r in records if r.batch) == [200, 200, 412]
    statuses = {str(i["Reference"]): i["Status"] for i in fake.list_items(REQUESTS)}
    assert statuses == {
        first.reference: "in_triage",
        edited.reference: "rejected",  # the person's edit stands
        third.reference: "in_triage",
    }
    assert [n.now.reference for n in told] == [edited.reference]
    assert told[0].editor == "Sam Secretary"
    taken = await store.journal.get(edited.reference)
    assert taken is not None and taken.status is Status.REJECTED, "SharePoint's copy taken in"
    assert await store.pending_writes() == 0


async def test_a_request_throttled_inside_a_batch_waits_alone_for_its_retry_after(
    store: SharePointStore, fake: FakeGraph
) -> None:
    requests = await written_requests(store, 4)
    for request in requests:
        await store.update(triaged(request, Status.IN_TRIAGE, "t1"))
    fake.reset_counters()
    fake.faults.throttle_every = 3
    fake.faults.retry_after = "1"
    since = time.monotonic()
    await write_all(store)
    fake.faults.throttle_every = 0
    records = fake.graph_requests(since)
    ids = item_ids(fake)
    first_envelope = envelopes(records)[0]
    throttled = [r for r in records if r.status == 429]
    assert len(throttled) == 1 and throttled[0].batch
    hit = throttled[0]
    for request in requests:
        patches = patches_of(records, ids[request.reference])
        written = [p for p in patches if p.status == 200]
        assert len(written) == 1, "written once"
        if hit in patches:
            assert written[0].at - hit.at >= 0.99, "sent again after its own Retry-After"
        else:
            assert written[0].at - first_envelope.at < 0.99, "the others did not wait"
    assert {str(i["Reference"]): i["Status"] for i in fake.list_items(REQUESTS)} == {
        r.reference: "in_triage" for r in requests
    }


@pytest.mark.parametrize("together", [1, 3], ids=["alone", "in-a-batch"])
async def test_a_create_refused_as_a_duplicate_reference_is_taken_as_written(
    store: SharePointStore, fake: FakeGraph, together: int
) -> None:
    """SharePoint wrote the item but its reply was lost (or another instance wrote it): the
    unique Reference column refuses it again. The writer finds it and takes its id; it is
    neither a failure nor a second item, and a change queued since still reaches it."""
    added = [await store.add(new_request(f"u{n}")) for n in range(together)]
    lost = added[0]
    written = await store.requests.create(lost)  # the write whose reply never came
    await store.update(triaged(lost, Status.IN_TRIAGE, "t9"))
    since = time.monotonic()
    await write_all(store)
    records = fake.graph_requests(since)
    refused = [r for r in records if r.status == 409]
    assert len(refused) == 1 and refused[0].body["fields"]["Reference"] == lost.reference
    items = fake.list_items(REQUESTS)
    assert Counter(str(i["Reference"]) for i in items) == Counter(a.reference for a in added)
    item = next(i for i in items if i["Reference"] == lost.reference)
    assert (item["Status"], item["AssigneeId"]) == ("in_triage", "t9"), "the change landed"
    known = await store.journal.graph_item(lost.reference)
    assert known is not None and known[0] == written.item_id
    assert await store.pending_writes() == 0
    failures = [op for op in await store.journal.outbox_pending(100) if op.attempts]
    assert failures == []


class StandStill:
    """Monotonic time that moves only when someone sleeps on it."""

    def __init__(self) -> None:
        self.now = 1000.0

    def time(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.mark.parametrize("kind", ["this-process", "shared-on-azure"])
async def test_the_writer_never_spends_more_than_its_budget_in_any_minute(
    store: SharePointStore,
    fake: FakeGraph,
    graph: GraphConnection,
    kind: str,
    request: pytest.FixtureRequest,
) -> None:
    """A budget of 40 units a minute is 20 writes: 60 changes take three minutes, paced on
    the budget's own clock, and never more than 40 units in any 60 seconds at Graph. The
    same with the budget every instance shares on Azure Storage (STATE_STORE=azure)."""
    requests = await written_requests(store, 60)
    moment = StandStill()
    sent: list[tuple[float, int]] = []  # (moment, writes in it)

    async def note(call: httpx.Request) -> None:
        body = json.loads(call.content) if call.content else {}
        inside = len(body.get("requests", [])) if call.url.path.endswith("/$batch") else 1
        sent.append((moment.now, inside))

    assert graph.http is not None
    graph.http.event_hooks["request"].append(note)
    for each in requests:
        await store.update(triaged(each, Status.IN_TRIAGE, "t1"))
    if kind == "shared-on-azure":
        azurite: Azurite = request.getfixturevalue("azurite")
        account = AzureState(
            StateSettings(
                kind="azure", connection_string=azurite.connection_string, prefix=new_prefix()
            )
        )
        try:
            table = await account.table("budget")
            store.budget = SharedBudget(table, 40, moment.time, moment.sleep)
            await write_all(store)
        finally:
            await account.close()
    else:
        store.budget = ResourceBudget(40, moment.time, moment.sleep)
        await write_all(store)
    assert sum(writes for _, writes in sent) == 60
    for start, _ in sent:
        in_window = sum(2 * w for at, w in sent if start <= at < start + 60)
        assert in_window <= 40, f"{in_window} units in the minute from {start}"
    assert moment.now - 1000.0 >= 120, "three minutes' worth, so at least two waits"
    assert await store.pending_writes() == 0
    assert {i["Status"] for i in fake.list_items(REQUESTS)} == {"in_triage"}


async def test_a_budget_smaller_than_one_call_still_lets_it_through_alone() -> None:
    moment = StandStill()
    budget = ResourceBudget(10, moment.time, moment.sleep)
    assert await budget.take(4) == 0
    assert await budget.take(40) >= 60, "waits for an empty window, then goes alone"
    assert budget.used() == 40
    with pytest.raises(ValueError, match="at least 1 unit"):
        ResourceBudget(0)


async def test_a_triage_card_of_a_request_whose_item_id_was_never_read_back_is_recorded(
    store: SharePointStore, fake: FakeGraph
) -> None:
    """Before $batch answers were read, a request created in a $batch had no item id in
    the journal: its triage card's record looks the item up instead of failing for ever."""
    [request] = await written_requests(store, 1)
    await store.journal.remember_item(request.reference, "", "")
    await store.mark_triage_posted(request.reference, "message-1")
    await write_all(store)
    [item] = fake.list_items(REQUESTS)
    assert (item["TriagePosted"], item["TriageMessageId"]) == (True, "message-1")
