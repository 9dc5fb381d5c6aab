"""Requests through the REST API in SharePoint mode, against the Graph-like server: the
same promises as on the local store, and the list's own edits found by the filters."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.e2e.conftest import CHANNEL, in_channel
from tests.e2e.journey import raise_request
from tests.e2e.test_api_requests import MEGAN, create, every_page, fields_of, good_body, references
from tests.support.api import ALEX, API_ENV, ApiClient
from tests.support.cards import all_text
from tests.support.fake_graph import FakeGraph
from tests.support.graph import connect
from tests.support.teams import YEAR, BotServer, Connector, TeamsUser, card_of

REQUESTS = "DFD Requests"


@pytest.fixture
async def bot(tmp_path: Path, fake: FakeGraph) -> AsyncIterator[BotServer]:
    env = {**API_ENV, "BOT_STORE": "sharepoint"}
    server = BotServer(tmp_path / "data", env, graph=lambda: connect(fake))
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def api(http: aiohttp.ClientSession, bot: BotServer) -> ApiClient:
    return ApiClient(http, bot)


async def written(http: aiohttp.ClientSession, bot: BotServer, timeout: float = 10) -> None:
    """Every write the bot owes SharePoint has been made (bounded wait)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        async with http.get(f"{bot.url}/readyz") as response:
            if (await response.json()).get("pending_sharepoint_writes") == 0:
                return
        await asyncio.sleep(0.05)
    raise AssertionError("the bot's writes did not reach SharePoint")


def item(fake: FakeGraph, reference: str) -> dict[str, Any]:
    return next(i for i in fake.list_items(REQUESTS) if i["Reference"] == reference)


async def test_a_request_raised_through_the_api_reaches_sharepoint_and_triage(
    api: ApiClient,
    alex: TeamsUser,
    connector: Connector,
    http: aiohttp.ClientSession,
    bot: BotServer,
    fake: FakeGraph,
) -> None:
    await in_channel(alex).say("register triage")
    key = {"Idempotency-Key": "run-1"}

    first = await api.post("requests", good_body(), headers=key)
    again = await api.post("requests", good_body(), headers=key)

    assert first.status == again.status == 201, first.body
    reference = first.body["reference"]
    assert reference == again.body["reference"] == f"DR-{YEAR}-0001"
    posted = await connector.wait_for(CHANNEL["id"], 1)
    assert reference in all_text(card_of(posted[-1]))
    await written(http, bot)
    [stored] = fake.list_items(REQUESTS)
    assert (stored["Reference"], stored["RequesterId"]) == (reference, ALEX)
    assert stored["Title"] == good_body()["title"]
    assert (await api.get(f"requests/{reference}")).body["score"] == first.body["score"]


async def test_wrong_answers_are_refused_and_nothing_reaches_sharepoint(
    api: ApiClient, http: aiohttp.ClientSession, bot: BotServer, fake: FakeGraph
) -> None:
    errors = fields_of(await api.post("requests", good_body(title="", affectedStaff="many")))
    assert errors == {
        "title": "Enter a title.",
        "affectedStaff": "Enter the number of staff as a whole number, like 25.",
    }
    await written(http, bot)
    assert fake.list_items(REQUESTS) == []


async def test_lists_page_and_filter_on_the_sharepoint_store(api: ApiClient) -> None:
    made = [
        await create(api, directorate="Place"),
        await create(api, kind="new_system", directorate="Corporate Services"),
        await create(api, directorate="Place"),
        await create(api, kind="new_system", directorate="Place"),
        await create(api, directorate="Social Care and Health"),
    ]
    refs = [r["reference"] for r in made]
    await api.post(f"requests/{refs[2]}/withdraw", {})

    pages = await every_page(api, top="2")
    assert [len(page) for page in pages] == [2, 2, 1]
    assert references(pages) == refs
    assert references(await every_page(api, top="1", board="trb")) == [refs[1], refs[3]]
    assert references(await every_page(api, top="2", directorate="Place")) == [
        refs[0],
        refs[2],
        refs[3],
    ]
    assert references(await every_page(api, status="withdrawn", directorate="Place")) == [refs[2]]
    assert fields_of(await api.get("requests", after="bm9wZQ"))["after"]


async def test_withdrawing_on_the_sharepoint_store(
    api: ApiClient,
    megan: TeamsUser,
    http: aiohttp.ClientSession,
    bot: BotServer,
    fake: FakeGraph,
) -> None:
    await raise_request(megan)
    mine = await create(api)

    withdrawn = await api.post(f"requests/{mine['reference']}/withdraw", {"reason": "Not needed"})
    others = await api.post(f"requests/DR-{YEAR}-0001/withdraw", {})
    twice = await api.post(f"requests/{mine['reference']}/withdraw", {})

    assert withdrawn.status == 200 and withdrawn.body["status"] == "withdrawn"
    assert others.status == 403 and twice.status == 409
    await written(http, bot)
    assert item(fake, mine["reference"])["Status"] == "withdrawn"
    theirs = item(fake, f"DR-{YEAR}-0001")
    assert (theirs["Status"], theirs["RequesterId"]) == ("submitted", MEGAN)


async def test_an_edit_in_the_list_is_found_by_the_filters(
    api: ApiClient, http: aiohttp.ClientSession, bot: BotServer, fake: FakeGraph
) -> None:
    made = await create(api)
    assert made["board"] == "ddc"
    await written(http, bot)
    fake.edit_as_person(
        REQUESTS, made["reference"], {"Status": "with_board", "Board": "trb"}, editor="Jo Bloggs"
    )

    read = await api.get(f"requests/{made['reference']}")  # takes SharePoint's copy in

    assert (read.body["status"], read.body["board"]) == ("with_board", "trb")
    assert references(await every_page(api, board="trb", status="with_board")) == [
        made["reference"]
    ]
    assert references(await every_page(api, board="ddc")) == []
    assert read.body["updatedAt"] != made["updatedAt"]
