"""The triage card leads with what a triager needs, and keeps the rest one press away.

Over real HTTP: the bot posts to the triage channel, triagers press the card's buttons.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.journeys.intake.form import FIELDS
from tests.e2e.conftest import CHANNEL, in_channel
from tests.e2e.journey import GOOD_ANSWERS, fill_form
from tests.e2e.test_triage import find_input, press, triage_card_posted, triager_view
from tests.support.cards import all_text, assert_cards_ok, elements
from tests.support.fake_graph import FakeGraph
from tests.support.graph import connect, provisioned
from tests.support.teams import (
    START,
    YEAR,
    BotServer,
    Connector,
    TeamsUser,
    card_of,
    find_action,
    invoke_card,
)

ALEX = "00000000-0000-0000-0000-0000000000020"
MEGAN = "00000000-0000-0000-0000-0000000000021"
# On the roster by name, and has never sent the bot a message.
TESS = "6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f"
# Teams shows a card to its own user ids only up to this size (about 28 KB).
TEAMS_CARD_BYTES = 28 * 1024
REFERENCE = f"DR-{YEAR}-0001"


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[BotServer]:
    server = BotServer(tmp_path / "data", {"TRIAGE_ROSTER": f"{ALEX}, {TESS}:Tess Ortiz"})
    await server.start()
    yield server
    await server.stop()


def by_id(card: dict[str, Any], element_id: str) -> dict[str, Any]:
    for element in elements(card):
        if element.get("id") == element_id:
            return element
    raise AssertionError(f"No element {element_id!r}")


async def channel_card_updated(connector: Connector, text: str) -> dict[str, Any]:
    """The channel's card once an update in place says `text`."""
    for _ in range(200):
        for sent in reversed(connector.updates(CHANNEL["id"])):
            card: dict[str, Any] = sent.activity["attachments"][0]["content"]
            if text in all_text(card):
                return card
        await asyncio.sleep(0.025)
    raise AssertionError(f"The channel card was not updated to say {text!r}")


def size(card: dict[str, Any]) -> int:
    return len(json.dumps(card).encode())


async def raise_with(user: TeamsUser, changes: dict[int, dict[str, Any]]) -> dict[str, Any]:
    answers = {step: {**values, **changes.get(step, {})} for step, values in GOOD_ANSWERS.items()}
    review = await fill_form(user, answers)
    send = find_action(review, "Send request")
    return invoke_card(await user.press(send["verb"], send["data"]))


async def test_the_card_leads_with_what_matters_and_shows_each_fact_once(
    alex: TeamsUser, megan: TeamsUser
) -> None:
    posted = await triage_card_posted(alex, megan)
    view = await triager_view(alex)
    for card in (posted, view):
        text = all_text(card)
        order = [
            f"New request {REFERENCE}",
            "Book garden waste collections online",
            "Status: Submitted, waiting for IT triage.",
            "Who has it: nobody yet.",
            "Score: 81 out of 100: high priority.",
            "Proposed board: Digital, Data and Customer Board, then a project.",
            "Flags",
            "Personal data: yes.",
            "Senior sponsor" if "Senior sponsor" in text else "Dates",
            "Dates",
            "Needed by",
            "Show details",
        ]
        places = [text.index(piece) for piece in order]
        assert places == sorted(places), order
        assert text.count("Status:") == 1
        assert text.count("out of 100") == 1
        assert text.count("Proposed board") == 1
    assert_cards_ok([posted, view])


async def test_every_answer_and_the_score_workings_are_behind_show_details(
    alex: TeamsUser, megan: TeamsUser
) -> None:
    posted = await triage_card_posted(alex, megan)
    details = by_id(posted, "details")
    assert details["isVisible"] is False
    show = find_action(posted, "Show details")
    assert show["type"] == "Action.ToggleVisibility"
    assert "details" in show["targetElements"]
    hidden = all_text(details)
    for name, spec in FIELDS.items():
        if name != "title":
            assert spec.label in hidden, f"the answer to {name!r} is on the card"
    needed_by = dt.date.fromisoformat(GOOD_ANSWERS[3]["needed_by"])
    for answer in (
        "Jo Bloggs, Head of Waste Services",  # sponsor
        f"{needed_by.day} {needed_by:%B %Y}",  # needed by, as a UK date
        "Power Automate, SharePoint, Dynamics",  # existing systems
        "£45,000",  # expected cash saving
        "2,600",  # staff hours saved
        "Efficiency",  # the strategic drivers, by their short names
        "Service delivery",
        "User engagement",
        "Under £10,000",
    ):
        assert answer in hidden, answer
    assert "How the score was worked out" in hidden and "Strategic alignment: " in hidden
    shown = all_text({"body": [e for e in posted["body"] if e.get("id") != "details"]})
    assert "Jo Bloggs" not in shown and "Strategic alignment" not in shown


async def test_a_statutory_deadline_that_has_passed_is_flagged(
    alex: TeamsUser, megan: TeamsUser, bot: BotServer
) -> None:
    deadline = START.date() + dt.timedelta(days=10)
    await in_channel(alex).say("register triage")
    await raise_with(megan, {3: {"statutory_deadline": deadline.isoformat()}})
    due = f"{deadline.day} {deadline:%B %Y}"
    view = await triager_view(alex)
    assert due in all_text(view) and "has passed" not in all_text(view)
    bot.clock.advance(dt.timedelta(days=11))
    view = await triager_view(alex)
    assert f"{due} (this date has passed)" in all_text(view)


async def test_a_request_with_every_answer_at_its_longest_fits_in_a_teams_card(
    alex: TeamsUser, megan: TeamsUser, connector: Connector
) -> None:
    def longest(name: str) -> str:
        limit = FIELDS[name].max_length
        assert limit
        return ("Plenty of words here " * 400)[: limit - 1] + "x"

    longest_answers = {
        step: {name: longest(name) for name in values if FIELDS[name].max_length}
        for step, values in GOOD_ANSWERS.items()
    }
    longest_answers[2]["contract_end"] = f"{YEAR + 1}-03-31"
    await in_channel(alex).say("register triage")
    await raise_with(megan, longest_answers)
    posted = card_of((await connector.wait_for(CHANNEL["id"], 1))[-1])
    view = await triager_view(alex)
    asked = invoke_card(await press(alex, view, "Send question", {"question": "Why? " * 200}))
    refused = invoke_card(
        await press(
            alex,
            asked,
            "Change route",
            {"routeBoard": "trb", "routeProcess": "project", "routeReason": "ab"},
        )
    )
    hidden = all_text(by_id(view, "details"))
    assert longest("problem") in hidden and longest("user_research") in hidden
    for card in (posted, view, asked, refused):
        assert size(card) < TEAMS_CARD_BYTES, size(card)
    assert_cards_ok([posted, view, asked, refused])


async def test_anyone_on_the_roster_can_be_assigned_before_they_use_the_bot(
    alex: TeamsUser, megan: TeamsUser
) -> None:
    posted = await triage_card_posted(alex, megan)
    refresh = posted["refresh"]["userIds"]
    assert f"8:orgid:{TESS}" in refresh, "Tess gets her view without ever messaging the bot"
    assert alex.user_id in refresh, "Alex by the Teams id the bot has seen"
    view = await triager_view(alex)
    choices = {c["title"]: c["value"] for c in find_input(view, "assignee")["choices"]}
    assert choices == {"Alex Wilber": ALEX, "Tess Ortiz": TESS}, "everyone on the roster"
    assigned = invoke_card(await press(alex, view, "Assign", {"assignee": TESS}))
    assert "Who has it: Tess Ortiz" in all_text(assigned)
    again = await triager_view(alex)
    assert [c["title"] for c in find_input(again, "assignee")["choices"]] == ["Alex Wilber"]


@pytest.mark.parametrize("forged", [MEGAN, "user-id-1", "", "someone-else", TESS.upper()])
async def test_an_assignee_not_on_the_roster_is_refused(
    alex: TeamsUser, megan: TeamsUser, forged: str
) -> None:
    await triage_card_posted(alex, megan)
    view = await triager_view(alex)
    refused = invoke_card(await press(alex, view, "Assign", {"assignee": forged}))
    assert "There is a problem: Choose someone on the triage team." in all_text(refused)
    assert "Who has it: nobody yet." in all_text(refused)
    assert "Who has it: nobody yet." in all_text(await triager_view(alex))


async def test_the_refresh_list_covers_the_roster_up_to_teams_limit(
    tmp_path: Path, http: aiohttp.ClientSession, connector: Connector
) -> None:
    many = [f"{n:08x}-0000-4000-8000-000000000000" for n in range(1, 71)]
    server = BotServer(tmp_path / "data", {"TRIAGE_ROSTER": ",".join([ALEX, *many])})
    await server.start()
    try:
        alex = TeamsUser(http, server, connector)
        megan = TeamsUser(http, server, connector, "user-id-1", "Megan Bowen", MEGAN)
        posted = await triage_card_posted(alex, megan)
        user_ids = posted["refresh"]["userIds"]
        assert len(user_ids) == 60 == len(set(user_ids))
        assert user_ids[0] == alex.user_id, "people seen in Teams come first"
    finally:
        await server.stop()


async def test_a_refused_reason_is_shown_next_to_its_box_with_the_panel_open(
    alex: TeamsUser, megan: TeamsUser
) -> None:
    await triage_card_posted(alex, megan)
    view = await triager_view(alex)
    asked = invoke_card(await press(alex, view, "Send question", {"question": "  "}))
    text = all_text(asked)
    assert "There is a problem: Write the question for the requester." in text
    assert "Ask for information…" not in [a["title"] for a in asked["actions"]]
    box = find_input(asked, "question")
    # On the card itself a required box would stop every other button: the bot checks it.
    assert "isRequired" not in box
    assert "Status: Submitted, waiting for IT triage." in text, "nothing changed"
    routed = invoke_card(
        await press(
            alex, view, "Change route", {"routeBoard": "trb", "routeProcess": "project", "x": 1}
        )
    )
    assert "There is a problem: Say why the route changes." in all_text(routed)
    assert find_input(routed, "routeBoard")["value"] == "trb", "what was chosen is kept"
    short = invoke_card(
        await press(
            alex,
            view,
            "Change route",
            {"routeBoard": "ictig", "routeProcess": "project", "routeReason": "ok"},
        )
    )
    assert find_input(short, "routeReason")["value"] == "ok", "what was typed is kept"
    assert find_input(short, "routeBoard")["value"] == "ictig"
    rejected = invoke_card(await press(alex, view, "Reject", {"rejectReason": "No"}))
    assert find_input(rejected, "rejectReason")["value"] == "No"
    assert "There is a problem: Give a reason for rejecting" in all_text(rejected)
    # The panel drawn open still works.
    done = invoke_card(await press(alex, rejected, "Reject", {"rejectReason": "Not needed."}))
    assert "Status: Rejected." in all_text(done)
    assert_cards_ok([asked, routed, short, rejected, done])


async def test_an_empty_answer_is_shown_next_to_the_answer_box(
    alex: TeamsUser, megan: TeamsUser, connector: Connector
) -> None:
    await triage_card_posted(alex, megan)
    before = len(connector.in_conversation(megan.conversation_id))
    view = await triager_view(alex)
    await press(alex, view, "Send question", {"question": "How many bookings a week?"})
    told = await connector.wait_for(megan.conversation_id, before + 1)
    question = card_of(told[-1])
    box = find_input(question, "answer")
    assert box["isRequired"] is True and box["errorMessage"]
    send = find_action(question, "Send answer")
    again = invoke_card(await megan.press(send["verb"], send["data"], {"answer": " \n "}))
    text = all_text(again)
    assert "There is a problem: Write your answer before you send it." in text
    assert "IT triage asks: How many bookings a week?" in text
    assert find_action(again, "Send answer")
    assert "Waiting for the requester to answer" in all_text(await triager_view(alex))
    assert_cards_ok([question, again])


async def test_a_withdrawn_request_redraws_the_channel_card(
    alex: TeamsUser, megan: TeamsUser, connector: Connector
) -> None:
    await triage_card_posted(alex, megan)
    ask = card_of((await megan.say(f"withdraw {REFERENCE}"))[-1])
    withdraw = find_action(ask, "Withdraw request")
    await megan.press(withdraw["verb"], withdraw["data"], {"withdrawReason": "We found a way."})
    card = await channel_card_updated(connector, "Withdrawn by the requester")
    text = all_text(card)
    assert "Status: Withdrawn by the requester." in text
    assert "The requester withdrew this request" in text and "We found a way." in text
    view = await triager_view(alex)
    assert not view.get("actions"), "nothing is left for triage to do"
    assert_cards_ok([card, view])


async def test_in_m365_mode_names_come_from_the_entra_group(
    tmp_path: Path, http: aiohttp.ClientSession, connector: Connector
) -> None:
    """Tess is in the triage group and has never used the bot: she can still be assigned,
    by the name Entra gives her, and Teams refreshes the card for her."""
    group = "5b6f7c2e-1111-4222-8333-944455556666"
    adele_id = "00000000-0000-0000-0000-0000000000022"
    fake = FakeGraph()
    await fake.start()
    fake.add_group(group, [adele_id, TESS], names={TESS: "Tess Ortiz", adele_id: "Adele Vance"})
    await (await provisioned(fake)).close()
    env = {"BOT_STORE": "sharepoint", "TRIAGE_GROUP_ID": group}
    server = BotServer(tmp_path / "data", env, graph=lambda: connect(fake))
    await server.start()
    try:
        alex = TeamsUser(http, server, connector)
        adele = TeamsUser(http, server, connector, "user-id-2", "Adele Vance", adele_id)
        megan = TeamsUser(http, server, connector, "user-id-1", "Megan Bowen", MEGAN)
        posted = await triage_card_posted(alex, megan)
        assert f"8:orgid:{TESS}" in posted["refresh"]["userIds"]
        view = await triager_view(adele)
        choices = {c["title"]: c["value"] for c in find_input(view, "assignee")["choices"]}
        assert choices == {"Adele Vance": adele_id, "Tess Ortiz": TESS}
        assigned = invoke_card(await press(adele, view, "Assign", {"assignee": TESS}))
        assert "Who has it: Tess Ortiz" in all_text(assigned)
    finally:
        await server.stop()
        await fake.stop()


async def test_changed_answers_are_shown_first_on_the_channel_card(
    alex: TeamsUser, megan: TeamsUser, connector: Connector
) -> None:
    await triage_card_posted(alex, megan)
    form = card_of((await megan.say(f"change {REFERENCE}"))[-1])
    answers = {step: dict(values) for step, values in GOOD_ANSWERS.items()}
    answers[3]["sponsor"] = "Sam Lee, Director of Place"
    for step in sorted(answers):
        form = invoke_card(await megan.press(**_next(form), inputs=answers[step]))
    send = find_action(form, "Send changes")
    await megan.press(send["verb"], send["data"])
    card = await channel_card_updated(connector, "The requester changed this request")
    text = all_text(card)
    assert "Sam Lee, Director of Place" in text and "Jo Bloggs" in text
    first = all_text({"body": card["body"][:1]})
    assert "The requester changed this request" in first, "what changed comes first"
    assert_cards_ok([card])


def _next(form: dict[str, Any]) -> dict[str, Any]:
    action = find_action(form, "Next")
    return {"verb": action["verb"], "data": action["data"]}
