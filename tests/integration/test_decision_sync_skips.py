"""A decision SharePoint refuses for good must not hold the sync's cursor for ever: after
five refusals in a row it is skipped, kept in the journey's own file, and the admins are
told once, naming it. An outage is not a refusal: the cursor stays, as before. Over the
real msgraph-sdk, against the local Graph-like server."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.domain.boards import Decision, DecisionKind
from bot.journey import JourneyContext
from bot.journeys.boards.config import BoardsConfig
from bot.journeys.boards.shared import Shared
from bot.journeys.boards.sync import CURSOR, GIVE_UP, NOT_COPIED, REFUSALS, run_decision_sync
from bot.notifier import Delivered
from graph_clients import schema
from graph_clients.client import GraphUnavailable
from graph_clients.decisions_list import DecisionsNotWritten
from graph_clients.wiring import GraphConnection
from tests.support.clock import SettableClock
from tests.support.fake_graph import FakeGraph
from tests.support.graph import provisioned

DECISIONS = schema.DECISIONS.name
NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)
ADMINS = frozenset({"aad-admin-1", "aad-admin-2"})


class Admins:
    """The notifier port as the sync uses it: who was told what, once per key."""

    def __init__(self) -> None:
        self.told: list[tuple[str, dict[str, Any]]] = []
        self._keys: set[str] = set()

    async def deliver(
        self, user_id: str, card: dict[str, Any], once_key: str, via: str | None = None
    ) -> Delivered:
        if once_key in self._keys:
            return Delivered.ALREADY
        self._keys.add(once_key)
        self.told.append((user_id, card))
        return Delivered.SENT


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
def admins() -> Admins:
    return Admins()


@pytest.fixture
async def shared(graph: GraphConnection, admins: Admins, tmp_path: Path) -> AsyncIterator[Shared]:
    unused: Any = object()  # the sync does not touch the requests store
    ctx = JourneyContext(
        store=unused,
        clock=SettableClock(NOW),
        notifier=admins,  # type: ignore[arg-type]
        admin_ids=ADMINS,
        data_dir=tmp_path,
        graph=graph,
    )
    journey = Shared(ctx, BoardsConfig())
    yield journey
    await journey.close()


def decision(number: int, **changes: Any) -> Decision:
    made = Decision(
        id=f"DR-2026-{number:04d}:1",
        reference=f"DR-2026-{number:04d}",
        board="trb",
        kind=DecisionKind.APPROVE,
        decided_by_id="aad-sam",
        decided_by_name="Sam Lee",
        at=NOW + dt.timedelta(minutes=number),
        rationale="Fits the roadmap.",
        process="project",
        delivery_owner="Jo Bloggs",
        theme="technology_and_architecture",
        horizon="next",
        score=72,
        matrix_version="2026.1",
    )
    return dataclasses.replace(made, **changes)


# SharePoint takes at most 255 characters in a single line of text: it answers 400.
REFUSED = decision(1, delivery_owner="x" * 300)


def ids_in_list(fake: FakeGraph) -> list[str]:
    return sorted(item["DecisionId"] for item in fake.list_items(DECISIONS))


def card_text(card: dict[str, Any]) -> str:
    return json.dumps(card)


async def test_a_decision_refused_five_times_is_skipped_and_admins_told_once(
    fake: FakeGraph, shared: Shared, admins: Admins
) -> None:
    store = await shared.store()
    await store.add_decision(REFUSED)
    await store.add_decision(decision(2))
    for _ in range(GIVE_UP - 1):
        with pytest.raises(DecisionsNotWritten):
            await run_decision_sync(shared)
        assert await store.get_value(CURSOR) == "", "the cursor waits while it may yet go"
    assert ids_in_list(fake) == [decision(2).id]
    assert admins.told == []

    assert await run_decision_sync(shared) == 0  # the fifth refusal: skipped
    assert await store.get_value(CURSOR) == str((await store.decisions())[-1].seq)
    assert [d.id for d in await store.decisions()] == [REFUSED.id, decision(2).id], "kept"
    assert sorted(who for who, _ in admins.told) == sorted(ADMINS)
    for _, card in admins.told:
        assert NOT_COPIED in card_text(card)
        assert REFUSED.id in card_text(card) and REFUSED.reference in card_text(card)

    await store.add_decision(decision(3))
    assert await run_decision_sync(shared) == 1  # later decisions go as usual
    assert ids_in_list(fake) == [decision(2).id, decision(3).id]
    assert len(admins.told) == len(ADMINS), "told once"
    assert json.loads(await store.get_value(REFUSALS)) == {}


async def test_an_outage_is_not_a_refusal(fake: FakeGraph, shared: Shared, admins: Admins) -> None:
    store = await shared.store()
    await store.add_decision(REFUSED)
    with pytest.raises(DecisionsNotWritten):
        await run_decision_sync(shared)  # one refusal
    fake.faults.retry_after = "0"
    fake.faults.unavailable = True
    for _ in range(GIVE_UP + 1):
        with pytest.raises(GraphUnavailable):
            await run_decision_sync(shared)
    assert await store.get_value(CURSOR) == ""
    assert json.loads(await store.get_value(REFUSALS)) == {REFUSED.id: 1}
    fake.faults.unavailable = False
    for _ in range(GIVE_UP - 2):
        with pytest.raises(DecisionsNotWritten):
            await run_decision_sync(shared)
    assert admins.told == []
    assert await run_decision_sync(shared) == 0
    assert len(admins.told) == len(ADMINS)


async def test_two_refused_decisions_are_both_skipped_and_forgotten(
    fake: FakeGraph, shared: Shared, admins: Admins
) -> None:
    store = await shared.store()
    also_refused = decision(2, rationale="", delivery_owner="y" * 300)
    await store.add_decision(REFUSED)
    await store.add_decision(also_refused)
    for _ in range(GIVE_UP - 1):
        with pytest.raises(DecisionsNotWritten) as failed:
            await run_decision_sync(shared)
        assert sorted(failed.value.refused) == [REFUSED.id, also_refused.id]
    assert await run_decision_sync(shared) == 0
    assert ids_in_list(fake) == []
    assert len(admins.told) == 2 * len(ADMINS)
    assert json.loads(await store.get_value(REFUSALS)) == {}
