"""In m365 mode a board's new weights are written to "DFD Config" through Graph, then to the
journal: the next read of SharePoint keeps them, the matrix they replace is kept in the
"matrix_history" item, and if SharePoint is not answering nothing changes anywhere and the
board is told plainly. Real msgraph-sdk, local Graph-like server, real SQLite journal."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from msgraph.generated.models.field_value_set import FieldValueSet

from bot.domain import codec, governance
from bot.domain.model import Matrix
from bot.errors import UserFacingError
from graph_clients import schema
from graph_clients.config_list import ConfigChangedMeanwhile, put_config_item, read_config_items
from graph_clients.provision import config_seed
from graph_clients.store import MATRIX_NOT_SAVED, SharePointStore
from graph_clients.wiring import GraphConnection
from tests.integration.test_store_contract import NOW
from tests.support.clock import SettableClock
from tests.support.fake_graph import FakeGraph
from tests.support.graph import connect, open_store, provisioned

CONFIG = schema.CONFIG.name


@pytest.fixture
async def fake() -> AsyncIterator[FakeGraph]:
    server = FakeGraph()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def told() -> list[str]:
    return []


@pytest.fixture
async def store(fake: FakeGraph, tmp_path: Path, told: list[str]) -> AsyncIterator[SharePointStore]:
    graph = await provisioned(fake)
    opened = await open_store(fake, tmp_path, SettableClock(NOW), graph)

    async def tell_admins(problem: str) -> None:
        told.append(problem)

    opened.on_config_problem = tell_admins
    yield opened
    await opened.close()


@pytest.fixture
async def admin(fake: FakeGraph) -> AsyncIterator[GraphConnection]:
    graph = connect(fake)
    yield graph
    await graph.close()


def reweighted(version: str, moved: int = 5) -> Matrix:
    matrix = config_seed()["matrix"]
    matrix["version"] = version
    matrix["criteria"][1]["weight"] -= moved
    matrix["criteria"][2]["weight"] += moved
    return codec.matrix_from_dict(matrix)


def as_json(matrix: Matrix) -> Any:
    return json.loads(json.dumps(codec.matrix_to_dict(matrix)))


def in_sharepoint(fake: FakeGraph, key: str) -> Any:
    items = [i for i in fake.list_items(CONFIG) if i["ConfigKey"] == key]
    assert len(items) <= 1, f"one {key} item, not {len(items)}"
    return json.loads(items[0]["ValueJson"]) if items else None


async def edit(admin: GraphConnection, fake: FakeGraph, key: str, value_json: str) -> None:
    """An admin changes an item's ValueJson in the list, through Graph."""
    item = next(i for i in fake.list_items(CONFIG) if i["ConfigKey"] == key)
    await (
        admin.client.sites.by_site_id(admin.site_id)
        .lists.by_list_id(CONFIG)
        .items.by_list_item_id(str(item["id"]))
        .fields.patch(FieldValueSet(additional_data={"ValueJson": value_json}))
    )


async def bot_reads_config(store: SharePointStore, times: int = 1) -> None:
    """What the store does every few minutes, and at start-up."""
    for _ in range(times):
        await store._refresh_governance()


async def test_new_weights_go_to_dfd_config_and_a_later_read_keeps_them(
    store: SharePointStore, fake: FakeGraph
) -> None:
    new = reweighted("2027.1")
    await store.save_matrix(new)
    assert in_sharepoint(fake, "matrix") == as_json(new)
    assert in_sharepoint(fake, "matrix_history") == [as_json(governance.DEFAULT_MATRIX)]
    assert (await store.governance()).matrix == new
    assert await store.matrix_history() == [governance.DEFAULT_MATRIX]

    await bot_reads_config(store, times=2)
    assert (await store.governance()).matrix == new
    assert await store.matrix_history() == [governance.DEFAULT_MATRIX]
    assert store.config_problems == []


async def test_each_version_replaced_joins_the_history_in_order(
    store: SharePointStore, fake: FakeGraph
) -> None:
    first, second = reweighted("2027.1"), reweighted("2027.2", moved=10)
    await store.save_matrix(first)
    await bot_reads_config(store)
    await store.save_matrix(second)
    await bot_reads_config(store)
    assert (await store.governance()).matrix == second
    assert await store.matrix_history() == [governance.DEFAULT_MATRIX, first]
    assert in_sharepoint(fake, "matrix_history") == [
        as_json(governance.DEFAULT_MATRIX),
        as_json(first),
    ]


async def test_a_save_tried_again_after_a_failure_adds_no_version_twice(
    store: SharePointStore, fake: FakeGraph
) -> None:
    new = reweighted("2027.1")
    await store.save_matrix(new)
    await store.save_matrix(new)  # pressed again: nothing new to keep
    assert in_sharepoint(fake, "matrix_history") == [as_json(governance.DEFAULT_MATRIX)]
    assert await store.matrix_history() == [governance.DEFAULT_MATRIX]


async def test_when_sharepoint_is_down_the_weights_are_refused_and_nothing_changes(
    store: SharePointStore, fake: FakeGraph
) -> None:
    before_config = {i["ConfigKey"]: i["ValueJson"] for i in fake.list_items(CONFIG)}
    fake.faults.retry_after = "0"
    fake.faults.unavailable = True
    with pytest.raises(UserFacingError) as refused:
        await store.save_matrix(reweighted("2027.1"))
    assert str(refused.value) == MATRIX_NOT_SAVED
    assert MATRIX_NOT_SAVED == (
        "SharePoint is not answering, so the new weights were not saved. Nothing has "
        "changed. Try again in a few minutes."
    )
    # Nothing kept locally only: the journal and the list are as they were.
    assert (await store.governance()).matrix == governance.DEFAULT_MATRIX
    assert await store.matrix_history() == []
    fake.faults.unavailable = False
    assert {i["ConfigKey"]: i["ValueJson"] for i in fake.list_items(CONFIG)} == before_config
    await store.save_matrix(reweighted("2027.1"))  # a few minutes later, it works
    assert (await store.governance()).matrix == reweighted("2027.1")


async def test_a_read_that_crossed_a_save_does_not_put_the_old_weights_back(
    store: SharePointStore,
) -> None:
    reading = store._read_governance
    read_done, save_done = asyncio.Event(), asyncio.Event()

    async def slow_read() -> Any:
        items = await reading()  # read before the save: the old matrix
        read_done.set()
        await save_done.wait()
        return items

    store._read_governance = slow_read
    refresh = asyncio.ensure_future(store._refresh_governance())
    await read_done.wait()
    new = reweighted("2027.1")
    await store.save_matrix(new)
    save_done.set()
    await refresh
    assert (await store.governance()).matrix == new
    assert await store.matrix_history() == [governance.DEFAULT_MATRIX]
    store._read_governance = reading
    await bot_reads_config(store)
    assert (await store.governance()).matrix == new


async def test_an_invalid_history_item_is_reported_like_other_config_problems(
    store: SharePointStore, admin: GraphConnection, fake: FakeGraph, told: list[str]
) -> None:
    await store.save_matrix(reweighted("2027.1"))
    broken = [as_json(reweighted("2026.9", moved=-300))]
    await edit(admin, fake, "matrix_history", json.dumps(broken))
    await bot_reads_config(store, times=2)
    assert len(store.config_problems) == 1
    problem = store.config_problems[0]
    assert problem.startswith("DFD Config item 'matrix_history': matrix 1: "), problem
    assert told == [problem]
    # The last good history stays in use; the matrix item, which is fine, is still taken.
    assert await store.matrix_history() == [governance.DEFAULT_MATRIX]
    assert (await store.governance()).matrix == reweighted("2027.1")

    await edit(admin, fake, "matrix_history", '{"not": "a list"}')
    await bot_reads_config(store)
    assert store.config_problems == [
        "DFD Config item 'matrix_history': it must be a JSON list [...] of the matrices "
        "published before"
    ]


async def test_saving_over_a_broken_item_keeps_the_last_good_versions(
    store: SharePointStore, admin: GraphConnection, fake: FakeGraph
) -> None:
    await edit(admin, fake, "matrix", '{"edited": "by an admin"}')
    await bot_reads_config(store)
    assert store.config_problems
    new = reweighted("2027.1")
    await store.save_matrix(new)
    assert in_sharepoint(fake, "matrix") == as_json(new)
    assert in_sharepoint(fake, "matrix_history") == [as_json(governance.DEFAULT_MATRIX)]
    await bot_reads_config(store)
    assert store.config_problems == []
    assert (await store.governance()).matrix == new


async def test_a_matrix_the_next_read_would_refuse_is_never_written(
    store: SharePointStore, fake: FakeGraph
) -> None:
    before = in_sharepoint(fake, "matrix")
    first, *others = governance.DEFAULT_MATRIX.criteria
    short = Matrix("2027.1", (dataclasses.replace(first, weight=first.weight - 5), *others))
    with pytest.raises(ValueError, match="add up to 95, not 100"):
        await store.save_matrix(short)
    assert in_sharepoint(fake, "matrix") == before
    assert (await store.governance()).matrix == governance.DEFAULT_MATRIX


async def test_a_write_over_an_item_someone_changed_since_it_was_read_is_refused(
    store: SharePointStore, admin: GraphConnection, fake: FakeGraph
) -> None:
    graph = store.graph
    read = (await read_config_items(graph.client, graph.site_id, graph.policy))["matrix"]
    mine = json.dumps(as_json(reweighted("2027.1")))
    await put_config_item(graph.client, graph.site_id, graph.policy, "matrix", read, mine)
    # The same write again (its answer was lost, say): the item already says so.
    await put_config_item(graph.client, graph.site_id, graph.policy, "matrix", read, mine)
    assert in_sharepoint(fake, "matrix") == as_json(reweighted("2027.1"))

    fresh = (await read_config_items(graph.client, graph.site_id, graph.policy))["matrix"]
    theirs = json.dumps(as_json(reweighted("2027.9", moved=2)))
    await edit(admin, fake, "matrix", theirs)  # an admin, in the list, meanwhile
    newer = json.dumps(as_json(reweighted("2027.2", moved=3)))
    with pytest.raises(ConfigChangedMeanwhile):
        await put_config_item(graph.client, graph.site_id, graph.policy, "matrix", fresh, newer)
    assert in_sharepoint(fake, "matrix") == as_json(reweighted("2027.9", moved=2))
