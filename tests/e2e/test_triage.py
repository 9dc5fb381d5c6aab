"""IT triage acts on the card in the triage channel; everyone sees the current card."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.e2e.conftest import CHANNEL, in_channel
from tests.e2e.journey import GOOD_ANSWERS, fill_form, raise_request, send_anyway
from tests.support.cards import all_text, assert_cards_ok
from tests.support.fake_graph import FakeGraph
from tests.support.graph import connect, provisioned
from tests.support.teams import (
    YEAR,
    BotServer,
    Connector,
    TeamsUser,
    card_of,
    find_action,
    invoke_card,
    invoke_message,
)

ALEX = "00000000-0000-0000-0000-0000000000020"
ADELE = "00000000-0000-0000-0000-0000000000022"


@pytest.fixture(params=["sqlite", "sharepoint"])
async def bot(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[BotServer]:
    """Every triage promise holds on both stores."""
    env = {"TRIAGE_ROSTER": f"{ALEX},{ADELE}", "BOT_STORE": request.param}
    fake: FakeGraph | None = None
    if request.param == "sharepoint":
        fake = FakeGraph()
        await fake.start()
        await (await provisioned(fake)).close()
    server = BotServer(tmp_path / "data", env, graph=(lambda: connect(fake)) if fake else None)
    await server.start()
    yield server
    await server.stop()
    if fake is not None:
        await fake.stop()


@pytest.fixture
def adele(http: aiohttp.ClientSession, bot: BotServer, connector: Connector) -> TeamsUser:
    return TeamsUser(
        http, bot, connector, user_id="user-id-2", name="Adele Vance", aad_object_id=ADELE
    )


async def triage_card_posted(alex: TeamsUser, megan: TeamsUser) -> dict[str, Any]:
    """Alex registers the channel, Megan raises a request: the card lands in the channel."""
    await in_channel(alex).say("register triage")
    await raise_request(megan)
    posted = await alex.connector.wait_for(CHANNEL["id"], 1)
    return card_of(posted[-1])


async def triager_view(user: TeamsUser, reference: str = f"DR-{YEAR}-0001") -> dict[str, Any]:
    channel = in_channel(user)
    body = await channel.press("triage.refresh", {"verb": "triage.refresh", "reference": reference})
    return invoke_card(body)


async def press(
    user: TeamsUser,
    card: dict[str, Any],
    title: str,
    inputs: dict[str, Any] | None = None,
    activity_id: str | None = None,
) -> dict[str, Any]:
    action = find_action(card, title)
    channel = in_channel(user)
    value = {
        "action": {
            "type": "Action.Execute",
            "verb": action["verb"],
            "data": {**action["data"], **(inputs or {})},
        },
        "trigger": "manual",
    }
    activity = channel.activity(type="invoke", name="adaptiveCard/action", value=value)
    if activity_id:
        activity["id"] = activity_id
    status, body = await channel.post(activity)
    assert status == 200, body
    return dict(body)


async def requester_messages(megan: TeamsUser, count: int) -> list[dict[str, Any]]:
    return await megan.connector.wait_for(megan.conversation_id, count)


async def test_the_channel_card_is_read_only_and_refreshes_for_the_roster(
    alex: TeamsUser, megan: TeamsUser
) -> None:
    posted = await triage_card_posted(alex, megan)
    assert [a["title"] for a in posted["actions"]] == ["Open for triage"]
    assert "Only the IT triage team can act" in all_text(posted)
    assert posted["refresh"]["action"]["verb"] == "triage.refresh"
    view = await triager_view(alex)
    titles = [a["title"] for a in view["actions"]]
    assert titles == [
        "Assign to me",
        "Accept to board",
        "Reject…",
        "Ask for information…",
        "More…",
    ]
    assert_cards_ok([posted, view])


async def test_assign_to_me_updates_everyones_card_and_tells_the_requester_once(
    alex: TeamsUser, megan: TeamsUser, connector: Connector
) -> None:
    await triage_card_posted(alex, megan)
    mine_before = len(connector.in_conversation(megan.conversation_id))
    view = await triager_view(alex)
    after = invoke_card(await press(alex, view, "Assign to me"))
    text = all_text(after)
    assert "Assigned to Alex Wilber" in text and "Being triaged by IT" in text
    assert "History" in text and "Alex Wilber assigned it. Now: being triaged by IT" in text
    updates = []
    for _ in range(100):
        updates = connector.updates(CHANNEL["id"])
        if updates:
            break
        await asyncio.sleep(0.05)
    assert updates, "the channel message was updated in place"
    assert "Assigned to Alex Wilber" in all_text(updates[-1].activity["attachments"][0]["content"])
    told = await requester_messages(megan, mine_before + 1)
    assert "Being triaged by IT" in all_text(card_of(told[-1]))


async def test_someone_not_on_the_roster_is_refused_and_nothing_changes(
    alex: TeamsUser, megan: TeamsUser
) -> None:
    await triage_card_posted(alex, megan)
    view = await triager_view(alex)
    every_button = {
        "Assign to me": {},
        "Accept to board": {},
        "Reject": {"rejectReason": "Not needed."},
        "Send question": {"question": "Why?"},
        "Assign": {"assignee": ALEX},
        "Change route": {"routeBoard": "trb", "routeProcess": "project", "routeReason": "Tech."},
        "Link as duplicate": {"duplicateRef": f"DR-{YEAR}-0001"},
    }
    for title, inputs in every_button.items():
        message = invoke_message(await press(megan, view, title, inputs))
        assert "Only the IT triage team can act" in message, title
    reopen = {"verb": "triage.reopen", "reference": f"DR-{YEAR}-0001", "version": "1"}
    assert "Only the IT triage team" in invoke_message(
        await in_channel(megan).press("triage.reopen", reopen)
    )
    megans_own = await triager_view(megan)
    assert [a["title"] for a in megans_own["actions"]] == ["Open for triage"]
    status = all_text(card_of((await megan.say(f"status DR-{YEAR}-0001"))[-1]))
    assert "Submitted, waiting for IT triage" in status


async def test_reject_needs_a_reason_then_the_requester_learns_why_and_it_can_reopen(
    alex: TeamsUser, megan: TeamsUser, connector: Connector
) -> None:
    await triage_card_posted(alex, megan)
    before = len(connector.in_conversation(megan.conversation_id))
    view = await triager_view(alex)
    refused = invoke_card(await press(alex, view, "Reject", {"rejectReason": " "}))
    assert "There is a problem: Give a reason for rejecting the request" in all_text(refused)
    assert "Submitted, waiting for IT triage" in all_text(refused), "nothing changed"
    view = await triager_view(alex)
    rejected = invoke_card(
        await press(
            alex,
            view,
            "Reject",
            {"rejectReason": "We already have a booking system. Talk to your IT business partner."},
        )
    )
    assert "Status: Rejected." in all_text(rejected)
    assert [a["title"] for a in rejected["actions"]] == ["Reopen"]
    told = all_text(card_of((await requester_messages(megan, before + 1))[-1]))
    assert "We already have a booking system" in told
    reopened = invoke_card(await press(alex, rejected, "Reopen"))
    assert "Being triaged by IT" in all_text(reopened)
    assert_cards_ok(
        [rejected, reopened, card_of((await requester_messages(megan, before + 2))[-1])]
    )


async def test_ask_for_information_and_the_requesters_answer(
    alex: TeamsUser, megan: TeamsUser, connector: Connector
) -> None:
    await triage_card_posted(alex, megan)
    before = len(connector.in_conversation(megan.conversation_id))
    view = await triager_view(alex)
    asked = invoke_card(
        await press(alex, view, "Send question", {"question": "How many bookings a week?"})
    )
    assert "Status: Waiting for the requester to answer." in all_text(asked)
    assert "from you" not in all_text(asked), "the IT card speaks about the requester"
    assert "asked the requester a question. Now: waiting for the requester to answer." in (
        all_text(asked)
    )
    question = card_of((await requester_messages(megan, before + 1))[-1])
    assert "How many bookings a week?" in all_text(question)
    assert "Waiting for more information from you" in all_text(question)
    send = find_action(question, "Send answer")
    thanks = invoke_card(await megan.press(send["verb"], send["data"], {"answer": "About 400"}))
    assert f"Answer sent for DR-{YEAR}-0001" in all_text(thanks)
    view = await triager_view(alex)
    assert "Being triaged by IT" in all_text(view)
    assert "About 400" in all_text(view)
    again = await megan.press(send["verb"], send["data"], {"answer": "Twice"})
    assert "not waiting for an answer" in invoke_message(again)
    assert_cards_ok([asked, question, thanks, view])


async def test_accept_and_change_route_are_recorded_in_the_history(
    alex: TeamsUser, megan: TeamsUser
) -> None:
    await triage_card_posted(alex, megan)
    view = await triager_view(alex)
    routed = invoke_card(
        await press(
            alex,
            view,
            "Change route",
            {
                "routeBoard": "trb",
                "routeProcess": "change_request",
                "routeReason": "It must work with the waste system, so it needs a review.",
            },
        )
    )
    assert "Proposed board: Technical Review Board, then a change request." in all_text(routed)
    assert "Alex Wilber changed where it goes. Now: being triaged by IT." in all_text(routed)
    assert (
        "It was going to the Digital, Data and Customer Board, then "
        "a project. Why: it affects 1,000 residents or more. The Digital, Data and Customer "
        "Board prioritises work that reaches this many people. It now goes to the Technical Review "
        "Board, then a change request. Why: it must work with the waste system, so it needs "
        "a review."
    ) in all_text(routed)
    accepted = invoke_card(await press(alex, routed, "Accept to board"))
    text = all_text(accepted)
    assert "With the board: Technical Review Board, then a change request." in text
    assert "Proposed board" not in text
    assert "accepted it to the board" in text
    # Megan's "Update on …" message may arrive before or after the status reply: pick
    # the status card by its heading (the reference), not by its place.
    said = len(megan.connector.in_conversation(megan.conversation_id))
    await megan.say(f"status DR-{YEAR}-0001")
    deadline = asyncio.get_running_loop().time() + 5
    cards: list[dict[str, Any]] = []
    while not cards and asyncio.get_running_loop().time() < deadline:
        later = megan.connector.in_conversation(megan.conversation_id)[said:]
        cards = [
            card_of(a)
            for a in later
            if a.get("attachments")
            and (card_of(a).get("body") or [{}])[0].get("text") == f"DR-{YEAR}-0001"
        ]
        await asyncio.sleep(0.02)
    assert len(cards) == 1, "exactly one status card came back"
    status = all_text(cards[0])
    assert "With the board" in status and "Technical Review Board" in status
    # The requester's record tells the same route change in the same words.
    assert (
        "Alex Wilber changed where it goes. It was going to the Digital, Data and Customer "
        "Board, then a project."
    ) in status
    assert "It now goes to the Technical Review Board, then a change request." in status


async def test_two_triagers_at_once_exactly_one_wins(
    alex: TeamsUser, adele: TeamsUser, megan: TeamsUser
) -> None:
    await triage_card_posted(alex, megan)
    view = await triager_view(alex)
    first, second = await asyncio.gather(
        press(alex, view, "Assign to me"), press(adele, view, "Assign to me")
    )
    cards = [invoke_card(first), invoke_card(second)]
    notes = [c for c in cards if "changed this request first" in all_text(c)]
    assert len(notes) == 1, "exactly one action wins; the other hears who changed it"
    final = await triager_view(alex)
    assert all_text(final).count(" assigned it.") == 1


async def test_the_same_invoke_delivered_twice_changes_state_once(
    alex: TeamsUser, megan: TeamsUser, connector: Connector
) -> None:
    await triage_card_posted(alex, megan)
    before = len(connector.in_conversation(megan.conversation_id))
    view = await triager_view(alex)
    activity_id = str(uuid.uuid4())
    first = await press(alex, view, "Assign to me", activity_id=activity_id)
    again = await press(alex, view, "Assign to me", activity_id=activity_id)
    assert first == again
    await asyncio.sleep(0.3)
    assert all_text(await triager_view(alex)).count(" assigned it.") == 1
    assert len(connector.in_conversation(megan.conversation_id)) == before + 1


async def test_an_invoke_replayed_by_someone_else_gets_no_stored_answer(
    alex: TeamsUser, megan: TeamsUser, adele: TeamsUser
) -> None:
    """The once-only answer is keyed by Activity id and actor: another person reusing the
    id (a forged or mixed-up redelivery) is answered as themselves, never with Alex's card."""
    await triage_card_posted(alex, megan)
    view = await triager_view(alex)
    activity_id = str(uuid.uuid4())
    first = invoke_card(await press(alex, view, "Assign to me", activity_id=activity_id))
    assert "Assigned to Alex Wilber" in all_text(first)
    # Megan is not on the roster: she is refused, and does not get Alex's triager card.
    refused = invoke_message(await press(megan, view, "Assign to me", activity_id=activity_id))
    assert "Only the IT triage team can act" in refused
    # Adele is on the roster: her press is her own (the card changed, so she is told).
    adele_sees = await press(adele, view, "Assign to me", activity_id=activity_id)
    text = all_text(invoke_card(adele_sees))
    assert "Alex Wilber changed this request first" in text
    assert all_text(await triager_view(alex)).count(" assigned it.") == 1


async def test_likely_duplicates_are_offered_and_linking_tells_the_requester(
    alex: TeamsUser, megan: TeamsUser, connector: Connector
) -> None:
    await triage_card_posted(alex, megan)
    answers = {step: dict(values) for step, values in GOOD_ANSWERS.items()}
    answers[1]["title"] = "Online booking for garden waste collection"
    review = await fill_form(alex, answers)
    send = find_action(review, "Send request")
    # The same need is offered before sending: Alex sends his as a new request anyway.
    await send_anyway(alex, invoke_card(await alex.press(send["verb"], send["data"])))
    alex_before = len(connector.in_conversation(alex.conversation_id))
    megan_before = len(connector.in_conversation(megan.conversation_id))
    view = await triager_view(alex, f"DR-{YEAR}-0002")
    assert f"DR-{YEAR}-0001: Book garden waste collections online" in all_text(view)
    linked = invoke_card(
        await press(alex, view, "Link as duplicate", {"duplicateOf": f"DR-{YEAR}-0001"})
    )
    assert f"Duplicate of DR-{YEAR}-0001" in all_text(linked)
    to_alex = await connector.wait_for(alex.conversation_id, alex_before + 1)
    assert "joined" in all_text(card_of(to_alex[-1])) and f"DR-{YEAR}-0001" in all_text(
        card_of(to_alex[-1])
    )
    to_megan = await connector.wait_for(megan.conversation_id, megan_before + 1)
    assert f"DR-{YEAR}-0002" in all_text(card_of(to_megan[-1])), "both requesters are told"


async def test_forged_card_data_is_refused_plainly(alex: TeamsUser, megan: TeamsUser) -> None:
    await triage_card_posted(alex, megan)
    channel = in_channel(alex)
    for data in (
        {"reference": 42},
        {"reference": f"DR-{YEAR}-9999"},
        ["x"],
        {"reference": f"DR-{YEAR}-0001", "version": 7},
    ):
        message = invoke_message(await channel.press("triage.accept", data))
        assert "Nothing has changed" in message or "not one I recognise" in message, (data, message)
    view = await triager_view(alex)
    refused = invoke_card(
        await press(alex, view, "Link as duplicate", {"duplicateRef": f"DR-{YEAR}-0001"})
    )
    assert "There is a problem: A request cannot be a duplicate of itself." in all_text(refused)
    assert find_input(refused, "duplicateRef")["value"] == f"DR-{YEAR}-0001"
    assert "Status: Submitted, waiting for IT triage." in all_text(refused), "nothing changed"


async def test_clients_without_universal_actions_can_still_triage(
    alex: TeamsUser, megan: TeamsUser, connector: Connector
) -> None:
    """Action.Execute falls back to Action.Submit: the same action, answered as a message."""
    await triage_card_posted(alex, megan)
    view = await triager_view(alex)
    fallback = find_action(view, "Assign to me")["fallback"]
    assert fallback["type"] == "Action.Submit"
    channel = in_channel(alex)
    before = len(connector.in_conversation(channel.conversation_id))
    await channel.post(channel.activity(type="message", value=fallback["data"]))
    replies = await connector.wait_for(channel.conversation_id, before + 1)
    assert "Assigned to Alex Wilber" in all_text(card_of(replies[-1]))


async def test_assign_to_someone_else_on_the_roster(
    alex: TeamsUser, adele: TeamsUser, megan: TeamsUser
) -> None:
    await triage_card_posted(alex, megan)
    await triager_view(adele)  # Adele has used the bot, so the roster knows her name
    view = await triager_view(alex)
    assignees = [c["title"] for c in find_input(view, "assignee")["choices"]]
    assert "Adele Vance" in assignees
    after = invoke_card(await press(alex, view, "Assign", {"assignee": ADELE}))
    assert "Assigned to Adele Vance" in all_text(after)
    view = await triager_view(alex)
    refused = invoke_card(await press(alex, view, "Assign", {"assignee": "someone-else"}))
    assert "There is a problem: Choose someone on the triage team." in all_text(refused)
    assert "Who has it: Adele Vance" in all_text(refused), "nothing changed"


def find_input(card: dict[str, Any], input_id: str) -> dict[str, Any]:
    from tests.support.cards import find_inputs

    for item in find_inputs(card):
        if item["id"] == input_id:
            return item
    raise AssertionError(f"No input {input_id!r}")


async def test_in_m365_mode_the_roster_is_an_entra_group(
    tmp_path: Path, http: aiohttp.ClientSession, connector: Connector
) -> None:
    """Adele is in the triage group and may act; Alex is an admin but not in the group."""
    group = "5b6f7c2e-1111-4222-8333-944455556666"
    fake = FakeGraph()
    await fake.start()
    fake.add_group(group, [ADELE])
    await (await provisioned(fake)).close()
    env = {"BOT_STORE": "sharepoint", "TRIAGE_GROUP_ID": group}
    server = BotServer(tmp_path / "data", env, graph=lambda: connect(fake))
    await server.start()
    try:
        alex = TeamsUser(http, server, connector)
        adele = TeamsUser(
            http, server, connector, user_id="user-id-2", name="Adele Vance", aad_object_id=ADELE
        )
        megan = TeamsUser(
            http,
            server,
            connector,
            user_id="user-id-1",
            name="Megan Bowen",
            aad_object_id="00000000-0000-0000-0000-0000000000021",
        )
        await triage_card_posted(alex, megan)
        alex_view = await triager_view(alex)
        assert [a["title"] for a in alex_view["actions"]] == ["Open for triage"]
        adele_view = await triager_view(adele)
        assigned = invoke_card(await press(adele, adele_view, "Assign to me"))
        assert "Assigned to Adele Vance" in all_text(assigned)
        refused = invoke_message(await press(alex, adele_view, "Accept to board"))
        assert "Only the IT triage team can act" in refused
        reads = [r for r in fake.graph_requests() if "transitiveMembers" in r.path]
        assert len(reads) == 1, "the group is read once and cached"
    finally:
        await server.stop()
        await fake.stop()
