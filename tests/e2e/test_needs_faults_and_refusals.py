"""Over real HTTP: a need is never taken for a fault, a fault gets the IT service desk,
refusals in a group chat say "here", admins-only commands are not offered to others, and
every word on the score and triage cards can be looked up with `what is`."""

from __future__ import annotations

import re
from typing import Any

import pytest

from bot.domain.governance import DEFAULT_MATRIX
from tests.e2e.conftest import in_channel
from tests.e2e.journey import raise_request
from tests.e2e.test_triage import triage_card_posted, triager_view
from tests.support.cards import all_text, elements
from tests.support.teams import TENANT, YEAR, TeamsUser, card_of

POINTER = "That sounds like an IT problem"

# ---- 1. Faults go to the service desk; needs start a request --------------------------

FAULTS = (
    "change my password",
    "I need a new password",
    "my password has expired",
    "my monitor flickers",
    "My monitor keeps flickering",
    "the screen is flickering",
    "my screen is black",
    "screen has gone blank",
    "my keyboard is not working",
    "some keys on my keyboard are sticking",
    "my mouse has stopped working",
    "mouse is frozen",
    "headset crackling in calls",
    "my headset won't connect",
    "no sound from my headphones",
    "my phone won't charge",
    "desk phone not working",
    "the printer is jammed",
    "printer won't print",
    "paper jam on the second floor",
    "wifi keeps dropping",
    "the wifi is very slow today",
    "I can't connect to the VPN",
    "VPN keeps disconnecting",
    "my laptop is very slow",
    "laptop froze again",
    "Outlook has crashed",
    "Excel keeps crashing",
    "teams is frozen",
    "my webcam is not working",
    "the projector in room 4 is broken",
    "my charger is broken",
    "I can't open my files on OneDrive",
    "blue screen on my PC",
    "the booking system is down",
    "my docking station is faulty",
    "battery died on my laptop",
    # Asking words, but for help with a fault, not for something new.
    "I want to report a broken laptop",
    "I need help, my laptop won't turn on",
    "I need a new charger, mine is broken",
    "the app I need for work keeps crashing",
    "I need my password reset",
)

# Needs that start with a way of asking the request form knows: they open it.
NEEDS_THAT_OPEN_THE_FORM = (
    "I need a system because email is slow for residents",
    "I need a booking system because our phones are always busy",
    "I need a tool to track complaints because email is too slow",
    "I need an app for residents to report potholes",
    "I need a form so residents can report fly-tipping",
    "I need a report of missed bins each week",
    "I need a dashboard because our spreadsheets keep crashing",
    "I need a way to book rooms online",
    "I need a new case management system",
    "I'd like an online form for parking permits",
    "I would like a booking service for the leisure centre",
    "we need a booking system, the phones can't cope",
    "we need a new system because the old one is slow",
    "we need a replacement for the broken housing database",
    "we need software to manage licences, the spreadsheet is slow",
    "can we have a tool to share files with partners",
    "can I have a report on staff sickness",
    "we need a portal for landlords because email is not working for them",
)

# Needs said another way: never the service desk, and the answer points to new request.
NEEDS_SAID_ANOTHER_WAY = (
    "our teams cannot keep up with bookings, we need a booking system",
    "email is slow for residents so we want a better system",
    "the phones can't cope so we are looking for an online booking service",
    "staff can't keep up with emails, please build us a tool",
    "residents cannot pay online, we would like a payment system",
    "our spreadsheet keeps crashing, we need a database",
    "planning emails are lost, we want a workflow",
    "the team is slow at reporting, we want a dashboard",
    "bookings by phone are slow, could we have an app",
    "our paper forms are lost, we want an online form",
    "the current system is slow and broken, we want to replace the system",
    "housing repairs are slow, we require a new system",
)


def test_the_tables_are_big_enough() -> None:
    assert len(FAULTS) >= 30
    assert len(NEEDS_THAT_OPEN_THE_FORM) + len(NEEDS_SAID_ANOTHER_WAY) >= 30


@pytest.mark.parametrize("said", FAULTS)
async def test_a_device_fault_gets_the_service_desk(alex: TeamsUser, said: str) -> None:
    replies = await alex.say(said)
    assert len(replies) == 1
    assert replies[0]["text"].startswith(POINTER), said
    assert not replies[0].get("attachments"), "no request form"


@pytest.mark.parametrize("said", NEEDS_THAT_OPEN_THE_FORM)
async def test_a_need_opens_the_request_form(alex: TeamsUser, said: str) -> None:
    reply = (await alex.say(said))[-1]
    assert POINTER not in (reply.get("text") or "")
    assert "Step 1 of 4" in all_text(card_of(reply)), said


@pytest.mark.parametrize("said", NEEDS_SAID_ANOTHER_WAY)
async def test_a_need_said_another_way_points_to_new_request(alex: TeamsUser, said: str) -> None:
    reply = (await alex.say(said))[-1]
    text = reply.get("text") or all_text(card_of(reply))
    assert POINTER not in text, said
    assert "Step 1 of 4" in text or "type new request" in text, said


async def test_a_message_that_is_neither_gets_no_new_request_hint(alex: TeamsUser) -> None:
    text = (await alex.say("the weather is lovely"))[-1]["text"]
    assert text.startswith("Sorry, I did not understand that.")
    assert "new or changed system" not in text


# ---- 2. Refusals in a group chat say "here" -------------------------------------------

GROUP_CHAT = {
    "id": "19:group-chat-0001@thread.v2",
    "conversationType": "groupChat",
    "tenantId": TENANT,
}


def in_group_chat(user: TeamsUser) -> TeamsUser:
    return TeamsUser(
        user.http,
        user.bot,
        user.connector,
        user.user_id,
        user.name,
        user.aad_object_id,
        conversation=dict(GROUP_CHAT),
    )


@pytest.mark.parametrize("said", ["new request", "my requests", "feedback"])
async def test_a_chat_only_command_in_a_group_chat_does_not_say_channel(
    megan: TeamsUser, said: str
) -> None:
    text = (await in_group_chat(megan).say(f"<at>Digital Front Door</at> {said}"))[-1]["text"]
    assert "chat with me one to one" in text
    assert "channel" not in text.lower(), text
    assert "Here, you can type" in text
    assert "feedback summary" not in text, "an admins-only command, and Megan is not one"
    assert "register triage" not in text


async def test_the_refusal_lists_admin_commands_to_an_admin(alex: TeamsUser) -> None:
    text = (await in_group_chat(alex).say("new request"))[-1]["text"]
    assert "Here, you can type" in text and "feedback summary" in text
    assert "register triage" not in text, "it works in a channel, not a group chat"
    in_a_channel = in_channel(alex)
    text = (await in_a_channel.say("<at>Digital Front Door</at> new request"))[-1]["text"]
    assert "register triage" in text and "feedback summary" in text


async def test_the_refusal_in_a_channel_says_here_too(megan: TeamsUser) -> None:
    text = (await in_channel(megan).say("<at>Digital Front Door</at> new request"))[-1]["text"]
    assert "chat with me one to one" in text
    assert "In a channel" not in text
    assert "Here, you can type" in text


# ---- 3. The unknown-message reply lists only what the person can use ------------------


@pytest.mark.parametrize("where", ["personal", "channel"])
async def test_an_unknown_message_does_not_offer_admin_commands_to_others(
    megan: TeamsUser, where: str
) -> None:
    user = megan if where == "personal" else in_channel(megan)
    text = (await user.say("<at>Digital Front Door</at> flibbertigibbet"))[-1]["text"]
    assert text.startswith("Sorry, I did not understand that.")
    assert "feedback summary" not in text
    assert "register triage" not in text
    assert "what is a change request" in text
    if where == "channel":
        assert "new request" not in text, "it only works one to one"


async def test_an_unknown_message_in_a_group_chat_lists_what_works_there(
    alex: TeamsUser,
) -> None:
    text = (await in_group_chat(alex).say("flibbertigibbet"))[-1]["text"]
    assert "what is a change request" in text and "feedback summary" in text
    assert "register triage" not in text and "new request" not in text


async def test_an_unknown_message_offers_admin_commands_to_an_admin(alex: TeamsUser) -> None:
    text = (await alex.say("flibbertigibbet"))[-1]["text"]
    assert "feedback summary" in text


# ---- 4. Every word on the score and triage cards can be looked up ---------------------


@pytest.mark.parametrize(
    ("asked", "heading"),
    [
        ("what is version 2026.1", "Matrix version"),
        ("what is matrix version", "Matrix version"),
        ("what is prioritization matrix", "Prioritisation matrix"),
        ("what is the prioritization matrix", "Prioritisation matrix"),
        ("what is readiness", "Readiness"),
        ("what is strategic alignment", "Strategic alignment"),
        ("what is cost and effort", "Cost and effort"),
        ("what is reuse of existing platforms", "Reuse of existing platforms"),
        ("what is self-service and automation", "Self-service and automation"),
        ("what is statutory or risk need", "Statutory or risk need"),
        ("what are benefits", "Benefits"),
        ("what are flags", "Flags"),
    ],
)
async def test_the_score_words_are_explained(alex: TeamsUser, asked: str, heading: str) -> None:
    text = all_text(card_of((await alex.say(asked))[-1]))
    assert text.splitlines()[0] == heading
    assert "any word I use" not in text, "no promise the glossary cannot keep"


def _card_words(card: dict[str, Any]) -> set[str]:
    """Each heading of one or two words, each criterion name ("Readiness: 10 of 15") and
    the matrix version the card names. Longer headings are sentences,
    such as "How the score was worked out"; their words are checked through these."""
    words: set[str] = set()
    for element in elements(card):
        text = element.get("text")
        if element.get("type") == "TextBlock" and isinstance(text, str):
            criterion = re.match(r"^(.+?): [\d.]+ of \d+( points)?$", text)
            if criterion:
                words.add(criterion.group(1))
            elif (
                element.get("size") in ("Medium", "Large")
                and len(text.split()) <= 2
                and not re.search(r"DR-\d{4}-\d+", text)
            ):
                words.add(text)
            version = re.search(r"version (\d{4}\.\d+)", text)
            if version:
                words.add(f"version {version.group(1)}")
    return words


async def test_every_heading_and_criterion_on_the_score_and_triage_cards_is_explained(
    alex: TeamsUser, megan: TeamsUser
) -> None:
    triage_card = await triage_card_posted(alex, megan)
    triage_full = await triager_view(alex)
    status = (await megan.say(f"status DR-{YEAR}-0001"))[-1]
    score_card = card_of(status)
    words = _card_words(triage_card) | _card_words(triage_full) | _card_words(score_card)
    for criterion in DEFAULT_MATRIX.criteria:
        assert criterion.label in words, "the cards show every criterion"
    assert f"version {DEFAULT_MATRIX.version}" in words
    assert {"Flags", "Dates"} <= words, "/".join(sorted(words))
    unexplained = []
    for word in sorted(words):
        reply = (await alex.say(f"what is {word}"))[-1]
        if reply.get("text", "").startswith("Sorry"):
            unexplained.append(word)
    assert unexplained == [], unexplained


async def test_a_requester_can_look_up_the_words_on_their_score(megan: TeamsUser) -> None:
    confirmation = await raise_request(megan)
    assert "Request sent" in all_text(confirmation)
    reply = (await megan.say("what is readiness"))[-1]
    assert all_text(card_of(reply)).splitlines()[0] == "Readiness"
