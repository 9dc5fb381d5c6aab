"""What a board's decision sets on a request (theme, roadmap horizon, delivery owner, deferral)
is written to its own "DFD Requests" columns for views and Power BI, and read back from the
bot's JSON as before. Real msgraph-sdk, local Graph-like server."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import AsyncIterator

import pytest

from bot.domain.model import Status
from graph_clients import schema
from graph_clients.requests_list import GraphRequests, triage_columns
from tests.integration.test_graph_requests import request
from tests.integration.test_store_contract import NOW
from tests.support.fake_graph import FakeGraph
from tests.support.graph import provisioned

REQUESTS = schema.REQUESTS.name
NEW_COLUMNS = ("Theme", "Horizon", "DeliveryOwner", "DeferredUntil")


@pytest.fixture
async def fake() -> AsyncIterator[FakeGraph]:
    server = FakeGraph()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def graph_requests(fake: FakeGraph) -> AsyncIterator[GraphRequests]:
    graph = await provisioned(fake)
    yield GraphRequests(graph.client, graph.site_id, graph.base_url, graph.policy)
    await graph.close()


async def test_provisioning_adds_the_columns_as_the_bots(
    fake: FakeGraph, graph_requests: GraphRequests
) -> None:
    columns = {c["name"]: c for c in fake.list_columns(REQUESTS)}
    for name in NEW_COLUMNS:
        assert columns[name]["description"].startswith(schema.BOT), name
    assert "dateTime" in columns["DeferredUntil"]


async def test_an_approval_is_written_to_its_columns_and_read_back(
    fake: FakeGraph, graph_requests: GraphRequests
) -> None:
    approved = dataclasses.replace(
        request(1),
        status=Status.IN_PROJECT,
        theme="design_plan_implement",
        horizon="next",
        delivery_owner="Jo Bloggs – Digital team",
    )
    await graph_requests.create(approved)
    item = fake.list_items(REQUESTS)[0]
    assert item["Theme"] == "design_plan_implement"
    assert item["Horizon"] == "next"
    assert item["DeliveryOwner"] == "Jo Bloggs – Digital team"
    assert "DeferredUntil" not in item  # none: the column is left empty
    found = await graph_requests.find(approved.reference)
    assert found is not None
    assert (found.theme, found.horizon, found.delivery_owner, found.deferred_until) == (
        "design_plan_implement",
        "next",
        "Jo Bloggs – Digital team",
        None,
    )


async def test_a_deferral_is_written_as_a_day_and_cleared_when_it_ends(
    fake: FakeGraph, graph_requests: GraphRequests
) -> None:
    await graph_requests.create(request(2))
    found = await graph_requests.find(f"DR-{NOW.year}-0002")
    assert found is not None
    deferred = dataclasses.replace(
        found, status=Status.WITH_BOARD, deferred_until=dt.date(2027, 3, 1)
    )
    etag = await graph_requests.update_fields(found.item_id, triage_columns(deferred), found.etag)
    assert fake.list_items(REQUESTS)[0]["DeferredUntil"] == "2027-03-01T00:00:00Z"
    again = await graph_requests.find(deferred.reference)
    assert again is not None and again.deferred_until == dt.date(2027, 3, 1)

    back = dataclasses.replace(again, deferred_until=None)
    await graph_requests.update_fields(found.item_id, triage_columns(back), etag)
    assert "DeferredUntil" not in fake.list_items(REQUESTS)[0]
    last = await graph_requests.find(deferred.reference)
    assert last is not None and last.deferred_until is None
