"""Board decisions reach the "DFD Decisions" SharePoint list for Power BI, each exactly once,
through the real msgraph-sdk against the local Graph-like server: after a throttle, an outage
or a lost answer, the next run writes what is missing and nothing twice. The sync moves its
cursor only after the decisions are written."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.domain.boards import Decision, DecisionKind
from bot.journey import JourneyContext
from bot.journeys.boards.config import BoardsConfig
from bot.journeys.boards.shared import Shared
from bot.journeys.boards.sync import CURSOR, TURN, run_decision_sync
from graph_clients import schema
from graph_clients.client import GraphUnavailable
from graph_clients.decisions_list import DecisionsListMissing, SharePointDecisions
from graph_clients.provision import provision
from graph_clients.wiring import GraphConnection
from tests.support.clock import SettableClock
from tests.support.fake_graph import FakeGraph
from tests.support.graph import connect, provisioned

DECISIONS = schema.DECISIONS.name
NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
async def fake() -> AsyncIterator[FakeGraph]:
    server = FakeGraph()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def graph(fake: FakeGraph) -> AsyncIterator[GraphConnection]:
    connection = await provisioned(fake)
    yield connection
    await connection.close()


@pytest.fixture
async def shared(graph: GraphConnection, tmp_path: Path) -> AsyncIterator[Shared]:
    unused: Any = object()  # the sync touches neither the requests store nor the notifier
    ctx = JourneyContext(
        store=unused,
        clock=SettableClock(NOW),
        notifier=unused,
        admin_ids=frozenset(),
        data_dir=tmp_path,
        graph=graph,
    )
    journey = Shared(ctx, BoardsConfig())
    yield journey
    await journey.close()


def decision(number: int, n: int = 4, **changes: Any) -> Decision:
    made = Decision(
        id=f"DR-2026-{number:04d}:{n}",
        reference=f"DR-2026-{number:04d}",
        board="trb",
        kind=DecisionKind.APPROVE,
        decided_by_id="aad-sam",
        decided_by_name="Sam Lee",
        at=NOW + dt.timedelta(minutes=number),
        rationale="Fits the roadmap.\nThe board agreed.",
        process="project",
        delivery_owner="Jo Bloggs",
        theme="technology_and_architecture",
        horizon="next",
        score=72,
        matrix_version="2026.1",
    )
    return dataclasses.replace(made, **changes)


def ids_in_list(fake: FakeGraph) -> list[str]:
    return sorted(item["DecisionId"] for item in fake.list_items(DECISIONS))


async def test_provisioning_creates_the_decisions_list_with_its_indexed_columns(
    fake: FakeGraph, graph: GraphConnection
) -> None:
    columns = {c["name"]: c for c in fake.list_columns(DECISIONS)}
    for column in schema.DECISIONS.columns:
        assert column.name in columns, column.name
        assert columns[column.name].get("indexed", False) == column.indexed, column.name
        assert columns[column.name]["description"].startswith(schema.BOT)
    for name in ("DecisionId", "Reference", "Board", "Decision", "DecidedAt"):
        assert columns[name]["indexed"]
    report = await provision(graph.client, graph.site_id)
    assert not report.changed  # run again: nothing to add


async def test_each_decision_becomes_one_item_with_every_column(
    fake: FakeGraph, graph: GraphConnection
) -> None:
    approve = decision(1)
    defer = decision(
        2,
        kind=DecisionKind.DEFER,
        process="",
        delivery_owner="",
        theme="",
        horizon="",
        deferred_until=dt.date(2027, 3, 1),
        decided_by_id="aad-deputy",
        decided_by_name="Dee Puty",
        on_behalf_of_id="aad-alex",
        on_behalf_of_name="Alex Kay",
        rationale="Wait for the new contract – ‘soon’.",
    )
    sent = decision(3, kind=DecisionKind.SEND_TO_BOARD, to_board="ddc", process="")
    assert await SharePointDecisions(graph).write([approve, defer, sent]) == 3
    items = {item["DecisionId"]: item for item in fake.list_items(DECISIONS)}
    first = items[approve.id]
    assert first["Title"] == "DR-2026-0001: Approved"
    assert first["Reference"] == "DR-2026-0001"
    assert first["Board"] == "trb"
    assert first["Decision"] == "approve"
    assert (first["DecidedById"], first["DecidedBy"]) == ("aad-sam", "Sam Lee")
    assert first["DecidedAt"] == "2026-11-25T10:01:00Z"
    assert first["Rationale"] == "Fits the roadmap.\nThe board agreed."
    assert (first["Process"], first["DeliveryOwner"]) == ("project", "Jo Bloggs")
    assert (first["Theme"], first["Horizon"]) == ("technology_and_architecture", "next")
    assert (first["Score"], first["MatrixVersion"]) == (72, "2026.1")
    assert "DeferredUntil" not in first
    second = items[defer.id]
    assert second["Title"] == "DR-2026-0002: Deferred"
    assert second["DeferredUntil"] == "2027-03-01T00:00:00Z"
    assert (second["OnBehalfOfId"], second["OnBehalfOf"]) == ("aad-alex", "Alex Kay")
    assert second["Rationale"] == "Wait for the new contract – ‘soon’."
    assert items[sent.id]["ToBoard"] == "ddc"
    assert items[sent.id]["Decision"] == "send_to_board"


async def test_writing_the_same_decisions_again_writes_nothing(
    fake: FakeGraph, graph: GraphConnection
) -> None:
    decisions = SharePointDecisions(graph)
    assert await decisions.write([decision(1), decision(2)]) == 2
    assert await decisions.write([decision(1), decision(2), decision(1)]) == 0
    assert await decisions.write([decision(2), decision(3)]) == 1
    assert ids_in_list(fake) == ["DR-2026-0001:4", "DR-2026-0002:4", "DR-2026-0003:4"]


async def test_many_decisions_go_in_batches_of_twenty(
    fake: FakeGraph, graph: GraphConnection
) -> None:
    since = fake.graph_requests()[-1].at
    assert await SharePointDecisions(graph).write([decision(n) for n in range(1, 46)]) == 45
    assert len(ids_in_list(fake)) == 45
    envelopes = [r for r in fake.graph_requests(since) if r.path == "/v1.0/$batch"]
    creates = [r for r in fake.graph_requests(since) if r.batch and r.method == "POST"]
    assert len(envelopes) == 3 and len(creates) == 45


async def test_a_decision_id_that_looks_like_odata_is_looked_up_as_text(
    fake: FakeGraph, graph: GraphConnection
) -> None:
    odd = decision(1, id="DR-2026-0001:4' or fields/DecisionId ne 'x")
    decisions = SharePointDecisions(graph)
    assert await decisions.write([decision(2)]) == 1
    assert await decisions.write([odd]) == 1  # the other item does not hide it
    assert await decisions.write([odd]) == 0
    assert len(fake.list_items(DECISIONS)) == 2


async def test_throttled_writes_wait_as_told_and_land_once(
    fake: FakeGraph, graph: GraphConnection
) -> None:
    fake.faults.retry_after = "0"
    fake.faults.throttle_every = 3
    fake.reset_counters()
    assert await SharePointDecisions(graph).write([decision(n) for n in range(1, 11)]) == 10
    fake.faults.throttle_every = 0
    assert ids_in_list(fake) == sorted(decision(n).id for n in range(1, 11))


async def test_an_outage_raises_and_the_next_write_sends_them(
    fake: FakeGraph, graph: GraphConnection
) -> None:
    fake.faults.retry_after = "0"
    fake.faults.unavailable = True
    with pytest.raises(GraphUnavailable):
        await SharePointDecisions(graph).write([decision(1), decision(2)])
    fake.faults.unavailable = False
    assert fake.list_items(DECISIONS) == []
    assert await SharePointDecisions(graph).write([decision(1), decision(2)]) == 2


async def test_an_answer_lost_after_part_was_written_is_not_written_twice(
    fake: FakeGraph, graph: GraphConnection
) -> None:
    fake.faults.drop_every = 3  # the look-up, the first create, then the connection drops
    fake.reset_counters()
    with pytest.raises((httpx.HTTPError, GraphUnavailable)):
        await SharePointDecisions(graph).write([decision(1), decision(2), decision(3)])
    fake.faults.drop_every = 0
    assert ids_in_list(fake) == ["DR-2026-0001:4"]  # SharePoint wrote one; nobody was told
    assert await SharePointDecisions(graph).write([decision(1), decision(2), decision(3)]) == 2
    assert ids_in_list(fake) == ["DR-2026-0001:4", "DR-2026-0002:4", "DR-2026-0003:4"]


async def test_a_site_not_provisioned_yet_says_so(fake: FakeGraph) -> None:
    graph = connect(fake)
    try:
        with pytest.raises(DecisionsListMissing, match=r"graph_clients\.provision"):
            await SharePointDecisions(graph).write([decision(1)])
    finally:
        await graph.close()


# -- The sync: the journey's decisions to the list, behind a cursor


async def test_the_sync_writes_decisions_kept_since_its_cursor_once(
    fake: FakeGraph, shared: Shared
) -> None:
    store = await shared.store()
    assert await store.setups() == []  # m365 mode: no sample boards
    for n in range(1, 4):
        await store.add_decision(decision(n))
    assert await run_decision_sync(shared) == 3
    cursor = int(await store.get_value(CURSOR))
    assert cursor == (await store.decisions())[-1].seq
    assert await run_decision_sync(shared) == 0
    await store.add_decision(decision(4))
    assert await run_decision_sync(shared) == 1
    assert ids_in_list(fake) == [decision(n).id for n in range(1, 5)]


async def test_a_failed_sync_keeps_its_cursor_and_the_next_run_writes_them(
    fake: FakeGraph, shared: Shared
) -> None:
    store = await shared.store()
    await store.add_decision(decision(1))
    assert await run_decision_sync(shared) == 1
    before = await store.get_value(CURSOR)
    await store.add_decision(decision(2))
    await store.add_decision(decision(3))
    fake.faults.retry_after = "0"
    fake.faults.unavailable = True
    with pytest.raises(GraphUnavailable):
        await run_decision_sync(shared)
    assert await store.get_value(CURSOR) == before
    fake.faults.unavailable = False
    assert await run_decision_sync(shared) == 2
    assert ids_in_list(fake) == [decision(n).id for n in range(1, 4)]


async def test_the_sync_pages_through_many_decisions(fake: FakeGraph, shared: Shared) -> None:
    store = await shared.store()
    for n in range(1, 131):
        await store.add_decision(decision(n))
    assert await run_decision_sync(shared) == 130
    assert len(fake.list_items(DECISIONS)) == 130
    assert await store.get_value(CURSOR) == str((await store.decisions(limit=500))[-1].seq)


async def test_in_local_mode_the_sync_does_nothing(tmp_path: Path) -> None:
    unused: Any = object()
    ctx = JourneyContext(
        store=unused,
        clock=SettableClock(NOW),
        notifier=unused,
        admin_ids=frozenset(),
        data_dir=tmp_path,
    )
    local = Shared(ctx, BoardsConfig())
    try:
        store = await local.store()
        await store.add_decision(decision(1))
        assert await run_decision_sync(local) == 0
        assert await store.get_value(CURSOR) == ""
    finally:
        await local.close()


async def test_with_two_instances_one_copies_at_a_time_and_another_takes_over(
    fake: FakeGraph, graph: GraphConnection, tmp_path: Path
) -> None:
    """Two bot processes on one store: the one holding the sync's turn copies; the other's
    run copies nothing (no lookups racing each other), until the first stops taking its
    turn (its process died) and the turn runs out."""
    clock = SettableClock(NOW)
    unused: Any = object()
    instances = [
        Shared(
            JourneyContext(
                store=unused,
                clock=clock,
                notifier=unused,
                admin_ids=frozenset(),
                data_dir=tmp_path,
                graph=graph,
            ),
            BoardsConfig(),
        )
        for _ in range(2)
    ]
    first, second = instances
    try:
        store = await first.store()
        await store.add_decision(decision(1))
        assert await run_decision_sync(first) == 1
        await store.add_decision(decision(2))
        assert await run_decision_sync(second) == 0, "the first holds the turn"
        assert ids_in_list(fake) == ["DR-2026-0001:4"]
        clock.advance(TURN + dt.timedelta(seconds=1))
        assert await run_decision_sync(second) == 1
        assert await run_decision_sync(first) == 0, "now the second holds it"
        assert ids_in_list(fake) == ["DR-2026-0001:4", "DR-2026-0002:4"]
    finally:
        for instance in instances:
            await instance.close()
