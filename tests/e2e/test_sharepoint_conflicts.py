"""People edit the SharePoint list too: their edits stand, and nothing is overwritten
silently. A change from Teams that meets a newer edit in the list is not applied; the
triager sees the request as it is now, with who changed what in SharePoint."""

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
from tests.e2e.test_triage import ADELE, ALEX, press, triager_view
from tests.support.cards import all_text
from tests.support.fake_graph import FakeGraph
from tests.support.graph import connect
from tests.support.teams import (
    YEAR,
    BotServer,
    Connector,
    TeamsUser,
    card_of,
    find_action,
    invoke_card,
)

REQUESTS = "DFD Requests"
REF = f"DR-{YEAR}-0001"
# What a board secretary does in the list view: the Technical Review Board takes it.
SECRETARY_EDIT = {"Status": "with_board", "Board": "trb"}

# Every kind of change a triager makes, with what the card asks for.
CHANGES: dict[str, dict[str, Any]] = {
    "Assign to me": {},
    "Accept to board": {},
    "Reject": {"rejectReason": "We already have a booking system."},
    "Send question": {"question": "How many bookings a week?"},
    "Change route": {
        "routeBoard": "ictig",
        "routeProcess": "change_request",
        "routeReason": "Small.",
    },
    "Link as duplicate": {"duplicateRef": f"DR-{YEAR}-0002"},
}


@pytest.fixture
async def bot(tmp_path: Path, fake: FakeGraph) -> AsyncIterator[BotServer]:
    env = {"BOT_STORE": "sharepoint", "TRIAGE_ROSTER": f"{ALEX},{ADELE}"}
    server = BotServer(tmp_path / "data", env, graph=lambda: connect(fake))
    await server.start()
    yield server
    await server.stop()


async def settled(http: aiohttp.ClientSession, bot: BotServer, timeout: float = 10) -> None:
    """Every write the bot owes SharePoint has been made."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        async with http.get(f"{bot.url}/readyz") as response:
            if (await response.json()).get("pending_sharepoint_writes") == 0:
                return
        await asyncio.sleep(0.05)
    raise AssertionError("the bot's writes did not reach SharePoint")


def item(fake: FakeGraph, reference: str = REF) -> dict[str, Any]:
    return next(i for i in fake.list_items(REQUESTS) if i["Reference"] == reference)


async def posted_and_opened(
    alex: TeamsUser, megan: TeamsUser, http: aiohttp.ClientSession
) -> dict[str, Any]:
    """Megan's request (and a second one, to link duplicates to) in SharePoint; Alex's view."""
    await in_channel(alex).say("register triage")
    await raise_request(megan)
    await raise_request(megan)
    await alex.connector.wait_for(CHANNEL["id"], 2)
    await settled(http, alex.bot)
    return await triager_view(alex)


@pytest.mark.parametrize("change", sorted(CHANGES))
async def test_a_change_from_teams_after_an_edit_in_the_list_is_not_applied(
    change: str, alex: TeamsUser, megan: TeamsUser, http: aiohttp.ClientSession, fake: FakeGraph
) -> None:
    view = await posted_and_opened(alex, megan, http)
    fake.edit_as_person(REQUESTS, REF, SECRETARY_EDIT, editor="Jo Bloggs")
    answer = invoke_card(await press(alex, view, change, CHANGES[change]))
    text = all_text(answer)
    assert "Jo Bloggs changed this request in SharePoint first" in text, text
    assert "board: Technical Review Board" in text
    assert "With the board" in text, "the card shows the request as it is now"
    await settled(http, alex.bot)
    kept = item(fake)
    assert (kept["Status"], kept["Board"]) == ("with_board", "trb"), "the edit stands"


@pytest.mark.parametrize("change", sorted(CHANGES))
async def test_a_change_queued_while_graph_was_down_does_not_overwrite_a_newer_edit(
    change: str,
    alex: TeamsUser,
    megan: TeamsUser,
    http: aiohttp.ClientSession,
    fake: FakeGraph,
    connector: Connector,
) -> None:
    view = await posted_and_opened(alex, megan, http)
    fake.faults.unavailable = True
    applied = invoke_card(await press(alex, view, change, CHANGES[change]))
    assert "changed this request" not in all_text(applied), "Teams took the change"
    fake.edit_as_person(REQUESTS, REF, SECRETARY_EDIT, editor="Jo Bloggs")
    fake.faults.unavailable = False
    before = len(connector.in_conversation(CHANNEL["id"]))
    await settled(http, alex.bot, timeout=40)
    kept = item(fake)
    assert (kept["Status"], kept["Board"]) == ("with_board", "trb"), "the edit stands"
    told = await connector.wait_for(CHANNEL["id"], before + 1)
    news = " ".join(all_text(card_of(m)) for m in told[before:])
    assert f"For Alex Wilber: Your change to {REF}" in news, news
    assert "was not saved. Jo Bloggs changed the request in SharePoint" in news
    now = all_text(await triager_view(alex))
    assert "Jo Bloggs changed it in SharePoint" in now, "the history says who changed what"
    assert "With the board" in now


async def test_reopening_after_an_edit_in_the_list_is_not_applied(
    alex: TeamsUser, megan: TeamsUser, http: aiohttp.ClientSession, fake: FakeGraph
) -> None:
    view = await posted_and_opened(alex, megan, http)
    await press(alex, view, "Reject", CHANGES["Reject"])
    await settled(http, alex.bot)
    rejected = await triager_view(alex)
    fake.edit_as_person(REQUESTS, REF, {"Status": "in_triage", "Board": "trb"}, editor="Jo Bloggs")
    text = all_text(invoke_card(await press(alex, rejected, "Reopen")))
    assert "Jo Bloggs changed this request in SharePoint first" in text, text
    await settled(http, alex.bot)
    assert (item(fake)["Status"], item(fake)["Board"]) == ("in_triage", "trb")


async def test_an_answer_sent_while_graph_was_down_is_not_written_over_an_edit(
    alex: TeamsUser,
    megan: TeamsUser,
    http: aiohttp.ClientSession,
    fake: FakeGraph,
    connector: Connector,
) -> None:
    view = await posted_and_opened(alex, megan, http)
    asked = len(connector.in_conversation(megan.conversation_id))
    await press(alex, view, "Send question", CHANGES["Send question"])
    await settled(http, alex.bot)
    question = card_of((await connector.wait_for(megan.conversation_id, asked + 1))[-1])
    send = find_action(question, "Send answer")
    fake.faults.unavailable = True
    thanks = invoke_card(await megan.press(send["verb"], send["data"], {"answer": "About 400."}))
    assert "Answer sent" in all_text(thanks)
    fake.edit_as_person(REQUESTS, REF, SECRETARY_EDIT, editor="Jo Bloggs")
    before = len(connector.in_conversation(megan.conversation_id))
    fake.faults.unavailable = False
    await settled(http, alex.bot, timeout=40)
    assert (item(fake)["Status"], item(fake)["Board"]) == ("with_board", "trb")
    told = await connector.wait_for(megan.conversation_id, before + 1)
    news = all_text(card_of(told[-1]))
    assert f"Your change to {REF}" in news and "was not saved" in news, news
