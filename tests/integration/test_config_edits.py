"""Admins edit the "DFD Config" list by hand: a bad edit never stops the bot.

An invalid item is ignored and the last good copy stays in use; admins are told once which
item and what is wrong, and `config_problems` says it for /readyz; a later good edit is
taken and clears the problem. The edits are PATCHed through Graph to the local Graph-like
server, and the store reads them with the real msgraph-sdk.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from msgraph.generated.models.field_value_set import FieldValueSet

from bot.domain import codec, governance, scoring
from bot.ports import Governance
from graph_clients import schema
from graph_clients.config_list import check_config
from graph_clients.provision import config_seed
from graph_clients.store import SharePointStore
from graph_clients.wiring import GraphConnection
from tests.integration.test_store_contract import NOW, new_request
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


def reweighted(version: str, first_weight_change: int = 0) -> dict[str, Any]:
    matrix = config_seed()["matrix"]
    matrix["version"] = version
    matrix["criteria"][0]["weight"] += first_weight_change
    matrix["criteria"][1]["weight"] -= 5
    matrix["criteria"][2]["weight"] += 5
    return dict(matrix)


@pytest.mark.parametrize(
    ("value_json", "what"),
    [
        ('{"edited":"by an admin"}', "version and criteria are missing"),
        ('{"version": "2031.1", "criteria": [', "it is not valid JSON"),
        ("", "it is empty"),
        (json.dumps(reweighted("2031.1", first_weight_change=-10)), "add up to 90, not 100"),
    ],
    ids=["not-a-matrix", "not-json", "empty", "weights-add-up-to-90"],
)
async def test_an_invalid_matrix_edit_keeps_the_last_good_matrix_and_says_what_is_wrong(
    store: SharePointStore,
    admin: GraphConnection,
    fake: FakeGraph,
    told: list[str],
    value_json: str,
    what: str,
) -> None:
    await edit(admin, fake, "matrix", value_json)
    await bot_reads_config(store, times=3)

    kept = await store.governance()
    assert kept.matrix == governance.DEFAULT_MATRIX
    assert len(store.config_problems) == 1
    problem = store.config_problems[0]
    assert problem.startswith("DFD Config item 'matrix': ") and what in problem, problem
    assert told == [problem], "admins are told once, not at every read"
    # Requests are still scored with the last good matrix.
    assert scoring.score(new_request().details, kept.matrix, NOW.date()).matrix_version == (
        governance.DEFAULT_MATRIX.version
    )


async def test_a_later_good_edit_is_taken_and_clears_the_problem(
    store: SharePointStore, admin: GraphConnection, fake: FakeGraph, told: list[str]
) -> None:
    await edit(admin, fake, "matrix", '{"edited":"by an admin"}')
    await bot_reads_config(store)
    assert store.config_problems

    await edit(admin, fake, "matrix", json.dumps(reweighted("2031.2")))
    await bot_reads_config(store, times=2)

    assert store.config_problems == []
    assert (await store.governance()).matrix == codec.matrix_from_dict(reweighted("2031.2"))
    assert len(told) == 1


async def test_a_routing_rule_naming_a_board_that_does_not_exist_is_not_used(
    store: SharePointStore, admin: GraphConnection, fake: FakeGraph, told: list[str]
) -> None:
    rules = config_seed()["routing_rules"]
    rules[0]["board"] = "finance"
    await edit(admin, fake, "routing_rules", json.dumps(rules))
    await bot_reads_config(store, times=2)

    assert (await store.governance()).rules == governance.DEFAULT_RULES
    assert store.config_problems == [
        "DFD Config item 'routing_rules': routing rule 'new_technology' names an unknown "
        "board 'finance'"
    ]
    assert told == store.config_problems


async def test_boards_without_one_the_rules_still_use_are_not_used(
    store: SharePointStore, admin: GraphConnection, fake: FakeGraph
) -> None:
    boards = [b for b in config_seed()["boards"] if b["key"] != "trb"]
    await edit(admin, fake, "boards", json.dumps(boards))
    await bot_reads_config(store)

    assert "trb" in (await store.governance()).boards
    assert len(store.config_problems) == 1
    assert store.config_problems[0].startswith("DFD Config item 'boards': routing rule ")
    assert "'trb'" in store.config_problems[0]


async def test_good_items_are_taken_while_a_bad_one_is_left_out(
    store: SharePointStore, admin: GraphConnection, fake: FakeGraph, told: list[str]
) -> None:
    boards = config_seed()["boards"]
    boards[2]["name"] = "ICT Improvement Group (renamed)"
    await edit(admin, fake, "boards", json.dumps(boards))
    await edit(admin, fake, "matrix", "not json")
    await bot_reads_config(store)

    now = await store.governance()
    assert now.boards["ictig"].name == "ICT Improvement Group (renamed)"
    assert now.matrix == governance.DEFAULT_MATRIX
    assert [p.split(":")[0] for p in store.config_problems] == ["DFD Config item 'matrix'"]


async def test_two_problems_are_each_told_once(
    store: SharePointStore, admin: GraphConnection, fake: FakeGraph, told: list[str]
) -> None:
    await edit(admin, fake, "matrix", "{}")
    await edit(admin, fake, "processes", "[]")
    await bot_reads_config(store, times=3)

    assert sorted(told) == sorted(store.config_problems) and len(told) == 2


async def test_admins_who_could_not_be_told_are_told_at_the_next_read(
    store: SharePointStore, admin: GraphConnection, fake: FakeGraph, told: list[str]
) -> None:
    tries: list[str] = []

    async def no_admin_channel_yet(problem: str) -> None:
        tries.append(problem)
        if len(tries) == 1:
            raise RuntimeError("no admin channel registered")

    store.on_config_problem = no_admin_channel_yet
    await edit(admin, fake, "matrix", "{}")
    await bot_reads_config(store, times=3)

    assert len(tries) == 2 and tries[0] == tries[1]


async def test_a_bad_edit_read_at_start_up_keeps_the_journals_copy(
    fake: FakeGraph, tmp_path: Path, admin: GraphConnection
) -> None:
    graph = await provisioned(fake)
    first = await open_store(fake, tmp_path, SettableClock(NOW), graph)
    await edit(admin, fake, "matrix", json.dumps(reweighted("2031.3")))
    await bot_reads_config(first)
    await first.close()

    await edit(admin, fake, "matrix", '{"edited":"by an admin"}')
    again = await open_store(fake, tmp_path, SettableClock(NOW))
    try:
        await bot_reads_config(again)  # open may answer before its first read is done
        assert (await again.governance()).matrix == codec.matrix_from_dict(reweighted("2031.3"))
        assert again.config_problems and "'matrix'" in again.config_problems[0]
    finally:
        await again.close()


async def test_a_bad_edit_kept_before_config_was_checked_gives_way_to_the_defaults(
    store: SharePointStore, admin: GraphConnection, fake: FakeGraph
) -> None:
    # What the bot before this check did with the edit: kept it, and then failed every Send.
    await store.journal.replace_governance({"matrix": {"edited": "by an admin"}})
    await edit(admin, fake, "matrix", '{"edited":"by an admin"}')

    assert (await store.governance()).matrix == governance.DEFAULT_MATRIX
    await bot_reads_config(store)
    assert (await store.governance()).matrix == governance.DEFAULT_MATRIX
    assert store.config_problems

    await edit(admin, fake, "matrix", json.dumps(reweighted("2031.4")))
    await bot_reads_config(store)
    assert (await store.governance()).matrix == codec.matrix_from_dict(reweighted("2031.4"))


def test_the_seeded_config_stands_on_its_own() -> None:
    items = {key: json.dumps(value) for key, value in config_seed().items()}
    nothing_known = Governance({}, {}, governance.DEFAULT_MATRIX, ())
    checked = check_config(items, nothing_known)
    assert checked.problems == []
    assert checked.values == config_seed()
