"""A board decides from its agenda: members (or their deputies) only, on requests on
its own list, against the version they saw. Each decision moves the request on, is
kept for the record with who, when and why, and the requester is told in plain English."""

from __future__ import annotations

import datetime as dt
from typing import Any

import aiohttp
import pytest

from bot.app import CONTEXT
from bot.domain.boards import Decision, DecisionKind
from bot.domain.model import DigitalRequest, Status
from tests.e2e.boards import (
    APPROVE_INPUTS,
    add_deputy,
    agenda_of,
    board_state,
    decide,
    decide_button,
    decision_card,
    in_board_channel,
    make_member,
    press_on,
    register_board_channel,
    to_board,
)
from tests.e2e.journey import raise_request
from tests.support.cards import all_text, assert_cards_ok
from tests.support.teams import (
    START,
    BotServer,
    Connector,
    TeamsUser,
    card_of,
    find_action,
    invoke_card,
    invoke_message,
)

TRB = "Technical Review Board"


@pytest.fixture
def adele(http: aiohttp.ClientSession, bot: BotServer, connector: Connector) -> TeamsUser:
    """Another member of staff: a deputy in some tests."""
    return TeamsUser(
        http,
        bot,
        connector,
        user_id="user-id-2",
        name="Adele Vance",
        aad_object_id="00000000-0000-0000-0000-0000000000022",
    )


async def on_trb_list(bot: BotServer, alex: TeamsUser, megan: TeamsUser) -> tuple[str, TeamsUser]:
    """Megan's request on the Technical Review Board's list; Alex its only member, in its
    channel."""
    reference = await to_board(alex, megan, board="trb")
    channel = await register_board_channel(alex, "trb")
    await make_member(bot, "trb", alex, only=True)
    return reference, channel


async def stored(bot: BotServer, reference: str) -> DigitalRequest:
    assert bot.app is not None
    found = await bot.app[CONTEXT].store.get(reference)
    assert found is not None
    return found


async def kept(bot: BotServer, reference: str) -> list[Decision]:
    async with board_state(bot) as shared:
        return await (await shared.store()).decisions_for(reference)


async def told(bot: BotServer, megan: TeamsUser, before: int) -> list[dict[str, Any]]:
    await bot.settled()
    return [card_of(a) for a in megan.connector.in_conversation(megan.conversation_id)[before:]]


def mine(megan: TeamsUser) -> int:
    return len(megan.connector.in_conversation(megan.conversation_id))


# ---- Each decision, end to end --------------------------------------------------------

DECISIONS = [
    (
        "approve_change",
        APPROVE_INPUTS,
        Status.IN_CHANGE,
        DecisionKind.APPROVE,
        "Approved as a change request. Delivery owner: Jo Smith, Waste Services.",
        "The Technical Review Board has approved your request",
    ),
    (
        "approve_project",
        {
            "projectOwner": "Sam Lee, PMO",
            "projectHorizon": "later",
            "projectTheme": "technology_and_architecture",
            "projectWhy": "It needs a new platform.",
        },
        Status.IN_PROJECT,
        DecisionKind.APPROVE,
        "Approved as a project. Delivery owner: Sam Lee, PMO. Roadmap: later.",
        "It goes to the project process now.",
    ),
    (
        "defer",
        {"deferUntil": "2027-01-12", "deferReason": "wait for the new waste contract"},
        Status.WITH_BOARD,
        DecisionKind.DEFER,
        "Deferred until 12 January 2027.",
        "It will look at it again from 12 January 2027.",
    ),
    (
        "reject",
        {"rejectRationale": "The new waste system already does this."},
        Status.REJECTED,
        DecisionKind.REJECT,
        "Not taken forward by the board. The reason: The new waste system already does this.",
        "has decided not to take your request",
    ),
    (
        "ask_info",
        {"askQuestion": "How many bookings a week?"},
        Status.AWAITING_INFORMATION,
        DecisionKind.ASK_INFO,
        "How many bookings a week?",
        "The board asks: How many bookings a week?",
    ),
    (
        "send_to_board",
        {"sendBoard": "ddc", "sendReason": "It changes the roadmap."},
        Status.WITH_BOARD,
        DecisionKind.SEND_TO_BOARD,
        "Sent to the Digital, Data and Customer Board. The reason: It changes the roadmap.",
        "has sent your request",
    ),
]


# The history's action for each decision on the card.
ACTIONS = {
    "approve_change": "approve",
    "approve_project": "approve",
    "defer": "defer",
    "reject": "board_reject",
    "ask_info": "board_ask_info",
    "send_to_board": "send_to_board",
}


@pytest.mark.parametrize(("decision", "inputs", "status", "kind", "history", "message"), DECISIONS)
async def test_each_decision_moves_the_request_on_and_is_kept_and_told(
    bot: BotServer,
    alex: TeamsUser,
    megan: TeamsUser,
    decision: str,
    inputs: dict[str, str],
    status: Status,
    kind: DecisionKind,
    history: str,
    message: str,
) -> None:
    reference, channel = await on_trb_list(bot, alex, megan)
    card = await decision_card(channel, await agenda_of(channel), reference)
    assert_cards_ok([card])
    before = mine(megan)

    answer = invoke_card(await decide(channel, card, decision, inputs))

    assert all_text(answer).startswith("Recorded: ")
    assert "Technical Review Board: agenda" in all_text(answer)
    request = await stored(bot, reference)
    assert request.status is status
    last = request.history[-1]
    assert (last.actor_name, last.action) == ("Alex Wilber", ACTIONS[decision])
    assert history in last.detail
    [record] = await kept(bot, reference)
    assert record.kind is kind and record.board == "trb"
    assert record.decided_by_name == "Alex Wilber" and record.on_behalf_of_name == ""
    assert record.id == f"{reference}:{len(request.history)}"
    assert record.score == request.score.total and record.matrix_version
    news = await told(bot, megan, before)
    assert len(news) == 1
    assert message in all_text(news[0])
    assert_cards_ok([answer, news[0]])


async def test_an_approval_keeps_owner_roadmap_and_theme(
    bot: BotServer, alex: TeamsUser, megan: TeamsUser
) -> None:
    reference, channel = await on_trb_list(bot, alex, megan)
    card = await decision_card(channel, await agenda_of(channel), reference)
    assert "Suggested theme:" in all_text(card)

    await decide(channel, card, "approve_change", APPROVE_INPUTS)

    request = await stored(bot, reference)
    assert (request.delivery_owner, request.horizon, request.theme) == (
        "Jo Smith, Waste Services",
        "now",
        "design_plan_implement",
    )
    [record] = await kept(bot, reference)
    assert (record.process, record.delivery_owner, record.horizon) == (
        "change_request",
        "Jo Smith, Waste Services",
        "now",
    )


async def test_the_triage_card_is_redrawn_after_a_decision(
    bot: BotServer, alex: TeamsUser, megan: TeamsUser, connector: Connector
) -> None:
    from tests.e2e.conftest import CHANNEL

    reference, channel = await on_trb_list(bot, alex, megan)
    card = await decision_card(channel, await agenda_of(channel), reference)
    updates_before = len(connector.updates(CHANNEL["id"]))

    await decide(channel, card, "reject", {"rejectRationale": "Not needed now."})
    await bot.settled()

    updates = connector.updates(CHANNEL["id"])[updates_before:]
    assert updates, "the triage channel's card was updated in place"
    assert "Not taken forward" in all_text(updates[-1].activity["attachments"][0]["content"])


async def test_a_deferred_request_goes_last_until_its_date_then_comes_back(
    bot: BotServer, alex: TeamsUser, megan: TeamsUser
) -> None:
    reference, channel = await on_trb_list(bot, alex, megan)
    other = await to_board(alex, megan, board="trb")
    card = await decision_card(channel, await agenda_of(channel), reference)
    await decide(channel, card, "defer", {"deferUntil": "2026-12-01", "deferReason": "Wait."})

    text = all_text(await agenda_of(channel))
    assert text.index(other) < text.index(reference)
    assert "2 requests, highest priority first. 1 deferred to a later date" in text
    assert "Deferred: back on the agenda from 1 December 2026." in text

    bot.clock.set(dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC))
    text = all_text(await agenda_of(channel))
    assert "Came back from deferral" in text
    assert "deferred to a later date" not in text


# ---- The requester answers the board's question ----------------------------------------


async def test_an_answer_to_the_boards_question_brings_it_back_to_the_list(
    bot: BotServer, alex: TeamsUser, megan: TeamsUser
) -> None:
    reference, channel = await on_trb_list(bot, alex, megan)
    card = await decision_card(channel, await agenda_of(channel), reference)
    before = mine(megan)
    await decide(channel, card, "ask_info", {"askQuestion": "How many bookings a week?"})
    assert "nothing on the" in all_text(await agenda_of(channel))
    [question] = await told(bot, megan, before)

    send = find_action(question, "Send answer")
    thanks = await megan.press(send["verb"], send["data"], {"answer": "About 400 a week."})

    assert thanks["type"] == "application/vnd.microsoft.card.adaptive"
    request = await stored(bot, reference)
    assert request.status is Status.WITH_BOARD and request.route.board == "trb"
    text = all_text(await agenda_of(channel))
    assert reference in text and "Answer received from the requester" in text


# ---- Who may decide --------------------------------------------------------------------


async def test_someone_not_on_the_board_cannot_decide_or_open_the_card(
    bot: BotServer, alex: TeamsUser, megan: TeamsUser
) -> None:
    reference, channel = await on_trb_list(bot, alex, megan)
    card = await decision_card(channel, await agenda_of(channel), reference)
    outsider = in_board_channel(megan, "trb")

    refused = invoke_message(await decide(outsider, card, "reject", {"rejectRationale": "No."}))
    opened = invoke_message(
        await outsider.press(
            "decide.open", find_action(await agenda_of(channel), f"Decide on {reference}")["data"]
        )
    )

    for said in (refused, opened):
        assert f"Only members of the {TRB}, or their deputies, can decide." in said
        assert "Nothing has changed." in said
    assert (await stored(bot, reference)).status is Status.WITH_BOARD
    assert await kept(bot, reference) == []


async def test_a_deputy_in_their_period_decides_and_the_record_says_for_whom(
    bot: BotServer, alex: TeamsUser, megan: TeamsUser, adele: TeamsUser
) -> None:
    reference, _ = await on_trb_list(bot, alex, megan)
    await add_deputy(bot, "trb", alex, adele, START.date(), START.date() + dt.timedelta(days=7))
    deputy = in_board_channel(adele, "trb")
    card = await decision_card(deputy, await agenda_of(deputy), reference)

    answer = invoke_card(await decide(deputy, card, "reject", {"rejectRationale": "Not now."}))

    assert "You decided for Alex Wilber (deputy)." in all_text(answer)
    last = (await stored(bot, reference)).history[-1]
    assert "Decided by Adele Vance for Alex Wilber (deputy)." in last.detail
    [record] = await kept(bot, reference)
    assert (record.decided_by_name, record.on_behalf_of_name) == ("Adele Vance", "Alex Wilber")
    assert record.on_behalf_of_id == alex.aad_object_id


async def test_a_deputy_outside_their_period_is_told_when_it_ended(
    bot: BotServer, alex: TeamsUser, megan: TeamsUser, adele: TeamsUser
) -> None:
    reference, channel = await on_trb_list(bot, alex, megan)
    ended = START.date() - dt.timedelta(days=1)
    await add_deputy(bot, "trb", alex, adele, ended - dt.timedelta(days=7), ended)
    card = await decision_card(channel, await agenda_of(channel), reference)

    said = invoke_message(
        await decide(in_board_channel(adele, "trb"), card, "reject", {"rejectRationale": "No."})
    )

    assert said.startswith("Your time as Alex Wilber's deputy ended on 24 November 2026.")
    assert f"Only members of the {TRB}, or their deputies, can decide." in said
    assert (await stored(bot, reference)).status is Status.WITH_BOARD


# ---- The wrong state, forged data, out of date ------------------------------------------


async def test_a_request_already_decided_cannot_be_decided_again(
    bot: BotServer, alex: TeamsUser, megan: TeamsUser
) -> None:
    reference, channel = await on_trb_list(bot, alex, megan)
    card = await decision_card(channel, await agenda_of(channel), reference)
    await decide(channel, card, "approve_change", APPROVE_INPUTS)
    request = await stored(bot, reference)

    # The same card again: someone decided first. A card with the new version: decided.
    again = invoke_card(await decide(channel, card, "reject", {"rejectRationale": "No."}))
    fresh = {**card_data(reference), "version": request.etag, "decision": "reject"}
    refused = invoke_message(
        await channel.press("decide.record", {**fresh, "rejectRationale": "No."})
    )

    assert "Alex Wilber changed" in all_text(
        again
    ) and "Nothing you chose was recorded." in all_text(again)
    assert "already decided" in refused
    assert (await stored(bot, reference)).status is Status.IN_CHANGE
    assert len(await kept(bot, reference)) == 1


def card_data(reference: str, board: str = "trb") -> dict[str, Any]:
    return {"reference": reference, "board": board, "version": "x", "page": 1}


async def test_a_request_still_in_triage_cannot_be_decided(
    bot: BotServer, alex: TeamsUser, megan: TeamsUser
) -> None:
    channel = await register_board_channel(alex, "ddc")
    await make_member(bot, "ddc", alex, only=True)
    reference = "DR-2026-0001"
    await raise_request(megan)
    request = await stored(bot, reference)
    data = {**card_data(reference, "ddc"), "version": request.etag, "decision": "reject"}

    said = invoke_message(await channel.press("decide.record", {**data, "rejectRationale": "No."}))

    assert "waiting for IT triage, so the board cannot decide it yet" in said
    assert (await stored(bot, reference)).status is Status.SUBMITTED


async def test_a_request_on_another_boards_list_is_not_this_boards_to_decide(
    bot: BotServer, alex: TeamsUser, megan: TeamsUser
) -> None:
    reference = await to_board(alex, megan)  # the Digital, Data and Customer Board's
    channel = await register_board_channel(alex, "trb")
    await make_member(bot, "trb", alex, only=True)
    request = await stored(bot, reference)
    data = {**card_data(reference), "version": request.etag, "decision": "reject"}

    said = invoke_message(await channel.press("decide.record", {**data, "rejectRationale": "No."}))
    opened = invoke_message(await channel.press("decide.open", {**data}))

    for answer in (said, opened):
        assert f"{reference} is not on the {TRB}'s list. Nothing has changed." == answer
    assert (await stored(bot, reference)).status is Status.WITH_BOARD


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"reference": "DR-2026-9999"}, "is not on the Technical Review Board's list"),
        ({"reference": "not a reference"}, "does not name a request"),
        ({"reference": 42}, "does not name a request"),
        ({"board": "finance"}, "does not name a board"),
        ({"board": None}, "does not name a board"),
        ({"decision": "promote"}, "a decision I do not know"),
        ({"decision": None}, "a decision I do not know"),
        ({"version": ""}, "out of date"),
        ({"version": ["v"]}, "out of date"),
        ({"page": "two"}, "a page I do not have"),
        ({"rejectRationale": 3}, "was not text"),
        ({"rejectRationale": ["No."]}, "was not text"),
    ],
)
async def test_forged_or_broken_card_data_is_refused_and_nothing_changes(
    bot: BotServer, alex: TeamsUser, megan: TeamsUser, changes: dict[str, Any], said: str
) -> None:
    reference, channel = await on_trb_list(bot, alex, megan)
    request = await stored(bot, reference)
    data = {
        **card_data(reference),
        "version": request.etag,
        "decision": "reject",
        "rejectRationale": "No.",
        **changes,
    }

    answer = invoke_message(await channel.press("decide.record", data))

    assert said in answer and "Nothing has changed." in answer
    assert (await stored(bot, reference)).status is Status.WITH_BOARD
    assert await kept(bot, reference) == []


APPROVE = APPROVE_INPUTS
WAIT = {"deferReason": "Wait."}
WHY = {"sendReason": "Why not."}


@pytest.mark.parametrize(
    ("decision", "inputs", "problem", "kept_input"),
    [
        ("reject", {"rejectRationale": "x" * 1001}, "1,000 characters", "rejectRationale"),
        ("reject", {}, "Give the board's reason", ""),
        ("approve_change", {**APPROVE, "changeOwner": ""}, "Say who will own", "changeHorizon"),
        ("approve_change", {**APPROVE, "changeHorizon": "soon"}, "next or later", "changeOwner"),
        ("defer", {"deferUntil": "2026-11-20", **WAIT}, "a date after today", "deferReason"),
        ("defer", {"deferUntil": "someday", **WAIT}, "Choose the date", "deferReason"),
        ("defer", {"deferUntil": "2030-01-01", **WAIT}, "within 2 years", "deferUntil"),
        ("send_to_board", {"sendBoard": "trb", **WHY}, "Choose another board", "sendReason"),
        ("ask_info", {"askQuestion": "  "}, "Write the question", ""),
    ],
)
async def test_a_refused_answer_is_shown_on_the_card_with_what_was_typed(
    bot: BotServer,
    alex: TeamsUser,
    megan: TeamsUser,
    decision: str,
    inputs: dict[str, str],
    problem: str,
    kept_input: str,
) -> None:
    reference, channel = await on_trb_list(bot, alex, megan)
    card = await decision_card(channel, await agenda_of(channel), reference)

    again = invoke_card(await decide(channel, card, decision, inputs))

    assert problem in all_text(again)
    if kept_input:
        shown = [e for e in _inputs(again) if e.get("id") == kept_input]
        assert shown and shown[0].get("value") == inputs[kept_input][:1200]
    assert (await stored(bot, reference)).status is Status.WITH_BOARD
    assert await kept(bot, reference) == []


def _inputs(node: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if str(node.get("type", "")).startswith("Input."):
            found.append(node)
        for value in node.values():
            found += _inputs(value)
    elif isinstance(node, list):
        for item in node:
            found += _inputs(item)
    return found


async def test_an_out_of_date_card_says_who_decided_first(
    bot: BotServer, alex: TeamsUser, megan: TeamsUser, adele: TeamsUser
) -> None:
    reference, channel = await on_trb_list(bot, alex, megan)
    await make_member(bot, "trb", adele)
    other = in_board_channel(adele, "trb")
    agenda = await agenda_of(channel)
    alexs = await decision_card(channel, agenda, reference)
    adeles = await decision_card(other, agenda, reference)
    await decide(other, adeles, "defer", {"deferUntil": "2027-02-01", "deferReason": "Wait."})

    answer = invoke_card(await decide(channel, alexs, "reject", {"rejectRationale": "No."}))

    text = all_text(answer)
    assert "Adele Vance changed" in text and "Deferred until 1 February 2027." in text
    assert "Nothing you chose was recorded." in text
    assert len(await kept(bot, reference)) == 1
    assert (await stored(bot, reference)).status is Status.WITH_BOARD


async def test_a_resent_press_is_answered_once_and_kept_once(
    bot: BotServer, alex: TeamsUser, megan: TeamsUser
) -> None:
    reference, channel = await on_trb_list(bot, alex, megan)
    card = await decision_card(channel, await agenda_of(channel), reference)
    action = find_action(card, "Do not take it forward")
    value = {
        "action": {
            "type": "Action.Execute",
            "verb": "decide.record",
            "data": {**action["data"], "rejectRationale": "Not now."},
        },
        "trigger": "manual",
    }
    activity = channel.activity(type="invoke", name="adaptiveCard/action", value=value)
    before = mine(megan)

    first = await channel.post(activity)
    second = await channel.post(activity)

    assert first == second
    assert len(await kept(bot, reference)) == 1
    assert len(await told(bot, megan, before)) == 1


async def test_opening_a_request_from_an_old_agenda_says_who_decided_it_first(
    bot: BotServer, alex: TeamsUser, megan: TeamsUser
) -> None:
    reference, channel = await on_trb_list(bot, alex, megan)
    old_agenda = await agenda_of(channel)
    card = await decision_card(channel, old_agenda, reference)
    await decide(channel, card, "reject", {"rejectRationale": "Not needed."})

    again = invoke_card(await press_on(channel, old_agenda, f"Decide on {reference}"))

    text = all_text(again)
    assert text.startswith(f"Alex Wilber changed {reference} first")
    assert "Technical Review Board: agenda" in text and "nothing on the" in text


async def test_a_request_in_triage_cannot_be_opened_for_a_decision(
    bot: BotServer, alex: TeamsUser, megan: TeamsUser
) -> None:
    channel = await register_board_channel(alex, "ddc")
    await raise_request(megan)
    reference = "DR-2026-0001"
    request = await stored(bot, reference)
    data = {**card_data(reference, "ddc"), "version": request.etag}

    said = invoke_message(await channel.press("decide.open", data))

    assert said == (
        f"{reference} is not on the Digital, Data and Customer Board's list now: it is "
        "submitted, waiting for IT triage. Nothing has changed."
    )


# ---- SharePoint mode -------------------------------------------------------------------


async def test_a_decision_in_sharepoint_mode_moves_the_request_on(
    tmp_path: Any, http: aiohttp.ClientSession, connector: Connector
) -> None:
    from tests.support.fake_graph import FakeGraph
    from tests.support.graph import connect, provisioned

    fake = FakeGraph()
    await fake.start()
    await (await provisioned(fake)).close()
    server = BotServer(tmp_path / "sp", {"BOT_STORE": "sharepoint"}, graph=lambda: connect(fake))
    await server.start()
    try:
        alex = TeamsUser(http, server, connector)
        megan = TeamsUser(
            http,
            server,
            connector,
            user_id="user-id-1",
            name="Megan Bowen",
            aad_object_id="00000000-0000-0000-0000-0000000000021",
        )
        reference, channel = await on_trb_list(server, alex, megan)
        card = await decision_card(channel, await agenda_of(channel), reference)
        before = mine(megan)

        answer = invoke_card(await decide(channel, card, "approve_change", APPROVE_INPUTS))

        assert all_text(answer).startswith(f"Recorded: {reference} approved as a change request.")
        assert (await stored(server, reference)).status is Status.IN_CHANGE
        assert [d.kind for d in await kept(server, reference)] == [DecisionKind.APPROVE]
        assert "has approved your request" in all_text((await told(server, megan, before))[0])
    finally:
        await server.stop()
        await fake.stop()


# ---- Fix round: another board's list, people's words, a second press --------------------

DDC = "Digital, Data and Customer Board"
MARKDOWN = "[Click](https://evil.example) **boss**"


async def sent_on_to_ddc(bot: BotServer, alex: TeamsUser, megan: TeamsUser) -> tuple[str, Any]:
    """Alex (the Technical Review Board's only member) sends Megan's request on to the
    Digital, Data and Customer Board. The request, and the decision card Alex used."""
    reference, channel = await on_trb_list(bot, alex, megan)
    card = await decision_card(channel, await agenda_of(channel), reference)
    await decide(channel, card, "send_to_board", {"sendBoard": "ddc", "sendReason": "Roadmap."})
    return reference, card


async def test_a_board_cannot_decide_a_request_it_sent_to_another_board(
    bot: BotServer, alex: TeamsUser, megan: TeamsUser
) -> None:
    reference, _ = await sent_on_to_ddc(bot, alex, megan)
    channel = in_board_channel(alex, "trb")
    request = await stored(bot, reference)
    data = {**card_data(reference), "version": request.etag, "decision": "approve_change"}

    said = invoke_message(await channel.press("decide.record", {**data, **APPROVE_INPUTS}))
    opened = invoke_message(await channel.press("decide.open", data))

    for answer in (said, opened):
        assert answer == (
            f"{reference} is on the {DDC}'s list now, not the {TRB}'s. Only the {DDC} can "
            "decide it. Nothing has changed."
        )
    after = await stored(bot, reference)
    assert (after.status, after.route.board) == (Status.WITH_BOARD, "ddc")
    assert after.etag == request.etag
    assert [d.kind for d in await kept(bot, reference)] == [DecisionKind.SEND_TO_BOARD]


@pytest.mark.parametrize("version", ["card", "made-up"])
async def test_an_old_or_made_up_version_for_another_boards_request_changes_nothing(
    bot: BotServer, alex: TeamsUser, megan: TeamsUser, version: str
) -> None:
    reference, card = await sent_on_to_ddc(bot, alex, megan)
    channel = in_board_channel(alex, "trb")
    request = await stored(bot, reference)
    data = {**decide_button(card, "approve_change")["data"], **APPROVE_INPUTS}
    if version == "made-up":
        data["version"] = "W/\"datetime'2026-11-25T10%3A00%3A00Z'\""

    answer = invoke_card(await channel.press("decide.record", data))

    text = all_text(answer)
    assert f"Alex Wilber changed {reference} first" in text
    assert "Nothing you chose was recorded." in text
    after = await stored(bot, reference)
    assert (after.status, after.route.board, after.etag) == (Status.WITH_BOARD, "ddc", request.etag)
    assert len(await kept(bot, reference)) == 1


def _texts(node: Any) -> list[tuple[str, str]]:
    """Every (element type, text) on a card: TextBlocks, TextRuns and facts."""
    found: list[tuple[str, str]] = []
    if isinstance(node, dict):
        if isinstance(node.get("text"), str):
            found.append((str(node.get("type", "")), node["text"]))
        for value in node.values():
            found += _texts(value)
    elif isinstance(node, list):
        for item in node:
            found += _texts(item)
    return found


def assert_plain(card: dict[str, Any]) -> None:
    """The Markdown someone typed is on the card as plain text: never a live link or bold."""
    shown = [(kind, text) for kind, text in _texts(card) if "evil" in text]
    assert shown, "the typed words are on the card"
    for kind, text in shown:
        assert kind == "TextRun", (kind, text)
        assert "://" not in text


async def test_a_delivery_owner_typed_as_markdown_is_shown_as_plain_text(
    bot: BotServer, alex: TeamsUser, megan: TeamsUser
) -> None:
    reference, channel = await on_trb_list(bot, alex, megan)
    card = await decision_card(channel, await agenda_of(channel), reference)

    answer = invoke_card(
        await decide(channel, card, "approve_change", {**APPROVE_INPUTS, "changeOwner": MARKDOWN})
    )

    assert all_text(answer).startswith(f"Recorded: {reference} approved as a change request.")
    assert_plain(answer)


async def test_a_reason_typed_as_markdown_is_plain_on_the_card_that_says_who_was_first(
    bot: BotServer, alex: TeamsUser, megan: TeamsUser, adele: TeamsUser
) -> None:
    reference, channel = await on_trb_list(bot, alex, megan)
    await make_member(bot, "trb", adele)
    other = in_board_channel(adele, "trb")
    agenda = await agenda_of(channel)
    alexs = await decision_card(channel, agenda, reference)
    await decide(
        other,
        await decision_card(other, agenda, reference),
        "reject",
        {"rejectRationale": MARKDOWN},
    )

    answer = invoke_card(await decide(channel, alexs, "reject", {"rejectRationale": "No."}))

    assert "Adele Vance changed" in all_text(answer)
    assert_plain(answer)


async def test_pressing_the_same_decision_again_says_it_is_already_recorded(
    bot: BotServer, alex: TeamsUser, megan: TeamsUser
) -> None:
    reference, channel = await on_trb_list(bot, alex, megan)
    card = await decision_card(channel, await agenda_of(channel), reference)
    await decide(channel, card, "approve_change", APPROVE_INPUTS)

    again = all_text(invoke_card(await decide(channel, card, "approve_change", APPROVE_INPUTS)))

    assert again.startswith(f"Your decision on {reference} is already recorded, from ")
    assert "Approved as a change request. Delivery owner: Jo Smith, Waste Services." in again
    assert "Nothing new was recorded." in again
    assert "changed" not in again.split("\n")[0] and "Nothing you chose" not in again
    assert len(await kept(bot, reference)) == 1


async def test_the_same_decision_by_someone_else_first_says_who(
    bot: BotServer, alex: TeamsUser, megan: TeamsUser, adele: TeamsUser
) -> None:
    reference, channel = await on_trb_list(bot, alex, megan)
    await make_member(bot, "trb", adele)
    other = in_board_channel(adele, "trb")
    agenda = await agenda_of(channel)
    alexs = await decision_card(channel, agenda, reference)
    await decide(
        other, await decision_card(other, agenda, reference), "approve_change", {**APPROVE_INPUTS}
    )

    again = all_text(invoke_card(await decide(channel, alexs, "approve_change", APPROVE_INPUTS)))

    assert again.startswith(f"Adele Vance changed {reference} first")
    assert "Nothing you chose was recorded." in again and "already recorded" not in again
    assert len(await kept(bot, reference)) == 1
