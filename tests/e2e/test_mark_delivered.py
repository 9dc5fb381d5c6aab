"""IT marks an approved request delivered, over real HTTP, and the benefits chain starts:
the requester is told at once, and three months later is asked what it brought.

Only the IT triage team can mark a request delivered, only once a board has approved it,
and only once. The same press delivered twice changes it once. Every promise holds on
both stores: in SharePoint mode the list item says delivered.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.app import CONTEXT
from bot.domain.model import DigitalRequest, Status
from tests.e2e.boards import (
    APPROVE_INPUTS,
    agenda_of,
    decide,
    decision_card,
    make_member,
    register_board_channel,
    to_board,
    triage_view,
)
from tests.e2e.conftest import in_channel
from tests.e2e.test_benefits_reminders import asks, run
from tests.support.cards import all_text, assert_cards_ok, find_inputs
from tests.support.fake_graph import FakeGraph
from tests.support.graph import connect, provisioned
from tests.support.teams import (
    START,
    BotServer,
    TeamsUser,
    card_of,
    find_action,
    invoke_card,
    invoke_message,
)

MARK = "Mark as delivered"
REQUESTS = "DFD Requests"  # the requests list in SharePoint mode
NOTE = "deliveredNote"
# The bot's clock stands at START when it is delivered: asked three months on.
THREE_MONTHS_ON = dt.datetime(2027, 2, 25, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(params=["sqlite", "sharepoint"])
async def fake(request: pytest.FixtureRequest) -> AsyncIterator[FakeGraph | None]:
    """The SharePoint site in SharePoint mode; None with the SQLite store."""
    if request.param == "sqlite":
        yield None
        return
    site = FakeGraph()
    await site.start()
    await (await provisioned(site)).close()
    yield site
    await site.stop()


@pytest.fixture
async def bot(fake: FakeGraph | None, tmp_path: Path) -> AsyncIterator[BotServer]:
    server = BotServer(
        tmp_path / "data",
        {"BOT_STORE": "sharepoint" if fake else "sqlite"},
        graph=(lambda: connect(fake)) if fake else None,
    )
    await server.start()
    yield server
    await server.stop()


async def stored(bot: BotServer, reference: str) -> DigitalRequest:
    assert bot.app is not None
    found = await bot.app[CONTEXT].store.get(reference)
    assert found is not None
    return found


async def approved(bot: BotServer, alex: TeamsUser, megan: TeamsUser) -> str:
    """Megan's request accepted by IT triage (Alex) to the Technical Review Board, and
    approved there as a change request (Alex its only member)."""
    reference = await to_board(alex, megan, board="trb")
    channel = await register_board_channel(alex, "trb")
    await make_member(bot, "trb", alex, only=True)
    card = await decision_card(channel, await agenda_of(channel), reference)
    await decide(channel, card, "approve_change", APPROVE_INPUTS)
    await bot.settled()
    assert (await stored(bot, reference)).status is Status.IN_CHANGE
    return reference


async def press(
    user: TeamsUser, card: dict[str, Any], note: str = "", activity_id: str = ""
) -> dict[str, Any]:
    """Press "Mark as delivered" on the triage card, in the triage channel."""
    action = find_action(card, MARK)
    channel = in_channel(user)
    value = {
        "action": {
            "type": "Action.Execute",
            "verb": action["verb"],
            "data": {**action["data"], NOTE: note},
        },
        "trigger": "manual",
    }
    activity = channel.activity(type="invoke", name="adaptiveCard/action", value=value)
    if activity_id:
        activity["id"] = activity_id
    status, body = await channel.post(activity)
    assert status == 200, body
    return dict(body)


async def press_now(user: TeamsUser, bot: BotServer, reference: str) -> str:
    """The deliver verb pressed against the request as it is now (no button needed)."""
    data = {"reference": reference, "version": (await stored(bot, reference)).etag}
    return invoke_message(await in_channel(user).press("triage.deliver", {**data, NOTE: ""}))


def told(megan: TeamsUser, since: int) -> list[str]:
    return [
        all_text(card_of(a))
        for a in megan.connector.in_conversation(megan.conversation_id)[since:]
        if a.get("attachments")
    ]


async def test_it_marks_an_approved_request_delivered_and_three_months_on_benefits_are_asked(
    bot: BotServer, fake: FakeGraph | None, alex: TeamsUser, megan: TeamsUser
) -> None:
    reference = await approved(bot, alex, megan)
    view = await triage_view(alex, reference)
    assert "The board has approved this request." in all_text(view)
    [note_box] = [i for i in find_inputs(view) if i["id"] == NOTE]
    assert note_box["label"].startswith("A note for the requester (optional)")
    assert not note_box.get("isRequired")
    before = len(megan.connector.in_conversation(megan.conversation_id))

    answer = invoke_card(await press(alex, view, "  Went live on 3 March.  "))
    await bot.settled()

    text = all_text(answer)
    assert "Status: Delivered." in text
    assert "Alex Wilber marked it as delivered. Now: delivered. Went live on 3 March." in text
    assert MARK not in [a.get("title") for a in answer.get("actions", [])]
    request = await stored(bot, reference)
    assert request.status is Status.DELIVERED
    entry = request.history[-1]
    assert (entry.action, entry.actor_id, entry.actor_name) == (
        "deliver",
        alex.aad_object_id,
        "Alex Wilber",
    )
    assert (entry.from_status, entry.to_status, entry.at) == (
        Status.IN_CHANGE,
        Status.DELIVERED,
        START,
    )
    if fake is not None:
        [item] = [i for i in fake.list_items(REQUESTS) if i["Reference"] == reference]
        assert item["Status"] == "delivered"
    [news] = told(megan, before)
    assert f"Your request {reference} has a new status: delivered." in news
    assert "IT triage adds: Went live on 3 March." in news
    assert "I will ask you whether it brought the benefits you expected." in news
    assert_cards_ok([view, answer])
    status = all_text(card_of((await megan.say(f"status {reference}"))[-1]))
    assert "Alex Wilber marked it as delivered. Went live on 3 March." in status

    # The benefits journey heard of it: nothing before three months, then one ask.
    assert await run(bot, THREE_MONTHS_ON - dt.timedelta(days=1)) == 0
    assert asks(megan, reference) == []
    assert await run(bot, THREE_MONTHS_ON) >= 1
    [ask] = asks(megan, reference)
    assert "delivered on 25 November 2026" in all_text(ask)
    assert "3 months on" in all_text(ask)


async def test_only_the_triage_team_may_mark_it_delivered(
    bot: BotServer, alex: TeamsUser, megan: TeamsUser
) -> None:
    reference = await approved(bot, alex, megan)
    view = await triage_view(alex, reference)
    refused = invoke_message(await press(megan, view))
    assert refused.startswith("Only the IT triage team can act on digital requests.")
    assert (await stored(bot, reference)).status is Status.IN_CHANGE
    # Megan's own view of the channel card has no buttons but "Open for triage".
    megans = await triage_view(megan, reference)
    assert [a["title"] for a in megans["actions"]] == ["Open for triage"]


async def test_a_request_not_yet_approved_cannot_be_marked_delivered(
    bot: BotServer, alex: TeamsUser, megan: TeamsUser
) -> None:
    reference = await to_board(alex, megan)
    view = await triage_view(alex, reference)
    titles = [a.get("title") for a in view.get("actions", [])]
    assert not any(str(t).startswith(MARK) for t in titles)
    said = await press_now(alex, bot, reference)
    assert said == (
        "This request has not been approved yet, so you cannot mark it as delivered. "
        "It is on the board's list, waiting for a decision. Nothing has changed."
    )
    assert (await stored(bot, reference)).status is Status.WITH_BOARD


async def test_delivered_once_a_double_press_and_a_second_go_change_nothing(
    bot: BotServer, alex: TeamsUser, megan: TeamsUser
) -> None:
    reference = await approved(bot, alex, megan)
    view = await triage_view(alex, reference)
    before = len(megan.connector.in_conversation(megan.conversation_id))
    activity_id = str(uuid.uuid4())
    first = await press(alex, view, "Live.", activity_id=activity_id)
    again = await press(alex, view, "Live.", activity_id=activity_id)
    assert first == again
    # The same old card pressed afresh: the request changed since it was drawn.
    stale = all_text(invoke_card(await press(alex, view, "Live again.")))
    assert "Alex Wilber changed this request first" in stale
    await bot.settled()

    assert await press_now(alex, bot, reference) == (
        "This request has already been delivered. Nothing has changed."
    )
    request = await stored(bot, reference)
    assert [e.action for e in request.history].count("deliver") == 1
    assert len(told(megan, before)) == 1


async def test_a_note_too_long_is_explained_next_to_the_box_with_the_words_kept(
    bot: BotServer, alex: TeamsUser, megan: TeamsUser
) -> None:
    reference = await approved(bot, alex, megan)
    view = await triage_view(alex, reference)
    too_long = "Went live. " * 100
    answer = invoke_card(await press(alex, view, too_long))
    text = all_text(answer)
    assert "There is a problem: Keep the note to 1,000 characters or fewer." in text
    [box] = [i for i in find_inputs(answer) if i["id"] == NOTE]
    assert box["value"] == too_long.strip()
    assert (await stored(bot, reference)).status is Status.IN_CHANGE
    assert_cards_ok([answer])
