"""Asking: answers already given first, then the right community and a few champions.

The whole loop over real HTTP: ask, search, route, answer, best answer, and the next
person's similar question finds the kept answer.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.domain.communities import KnowledgeEntry
from bot.journeys.communities.shared import FILE_NAME
from bot.journeys.communities.store_sqlite import SqliteCommunityStore
from tests.e2e.communities import (
    ASK,
    BEST,
    FOUND,
    ROUTE,
    SEND_ANSWER,
    action_with_verb,
    ask,
    cards_in,
    community_channel,
    question_reference,
    register_community,
    send_to_community,
    volunteer_and_approve,
    wait_for_card,
)
from tests.support.limited_connector import LimitedConnector
from tests.support.teams import YEAR, BotServer, Connector, TeamsUser, card_of, invoke_card

POWER = "power-platform"
NEW_QUESTION = (
    "How do I stop a Power Automate flow emailing the whole team every time a "
    "tenancy inspection form is submitted?"
)
ANSWER = (
    "Open the flow, add a condition before the Send an email step, and send it only when "
    "the inspection result is Fail."
)
SIMILAR = "Power Automate flow sends an email to the team on every inspection form. Stop it?"


@pytest.fixture
async def connector() -> AsyncIterator[LimitedConnector]:
    """Teams' own limits: the bot must keep within them, and every message is counted."""
    service = LimitedConnector()
    await service.start()
    yield service
    await service.stop()


def person(
    http: aiohttp.ClientSession, bot: BotServer, connector: Connector, n: int, name: str
) -> TeamsUser:
    return TeamsUser(
        http, bot, connector, f"user-id-{n}", name, f"00000000-0000-0000-0000-0000000001{n:02d}"
    )


def text_of(card: dict[str, Any]) -> str:
    return json.dumps(card)


async def champion_ready(alex: TeamsUser, sam: TeamsUser) -> TeamsUser:
    """The Power Platform channel registered and Sam an approved champion there."""
    channel = await register_community(alex, "Power Platform")
    await volunteer_and_approve(sam, alex, "Power Platform", service_area="Housing")
    return channel


async def test_the_whole_loop_ask_route_answer_best_then_reuse(
    http: aiohttp.ClientSession,
    bot: BotServer,
    connector: Connector,
    alex: TeamsUser,
    megan: TeamsUser,
) -> None:
    sam = person(http, bot, connector, 1, "Sam Champion")
    rita = person(http, bot, connector, 2, "Rita Asker")
    channel = await champion_ready(alex, sam)

    # 1. Megan asks. Nothing kept fits well, or the matches do not help: she asks a champion.
    first = await ask(megan, NEW_QUESTION)
    reference = question_reference(first)
    assert reference == f"Q-{YEAR}-0001"
    sent = invoke_card(await send_to_community(megan, first, POWER, "Housing"))
    said = text_of(sent)
    assert f"Your question {reference} has been sent" in said
    assert "Power Platform community's channel" in said
    assert "Sam Champion" in said  # who it went to
    assert "If there is no answer by 2pm on Wednesday 25 November" in said  # 4 working hours on

    # 2. The question is in the community's channel, and in Sam's chat.
    posted = await wait_for_card(channel, channel.conversation_id, SEND_ANSWER)
    assert NEW_QUESTION in text_of(posted) and "Rita" not in text_of(posted)
    nudge = await wait_for_card(sam, sam.conversation_id, SEND_ANSWER, "reference", reference)
    assert "Megan Bowen" in text_of(nudge) and "Housing" in text_of(nudge)

    # 3. Sam answers from his chat. Megan gets the answer in hers, with the choices.
    reply = invoke_card(
        await sam.press(
            SEND_ANSWER, action_with_verb(nudge, SEND_ANSWER)["data"], {"answer_text": ANSWER}
        )
    )
    assert "has been sent to Megan Bowen" in text_of(reply)
    answer_card = await wait_for_card(megan, megan.conversation_id, BEST)
    assert ANSWER in text_of(answer_card)
    assert "None of these helped" in text_of(answer_card)
    # The channel's card now shows the answer, for everyone.
    redrawn = connector.updates(channel.conversation_id.split(";")[0])
    assert redrawn and ANSWER in text_of(redrawn[-1].activity)

    # 4. Megan marks it best: resolved, kept for the next person.
    best = invoke_card(await megan.press(BEST, action_with_verb(answer_card, BEST)["data"]))
    assert f"K-{reference}" in text_of(best)
    mine = card_of((await megan.say("my questions"))[-1])
    assert reference in text_of(mine) and "Done" in text_of(mine) and "Best answer" in text_of(mine)

    # 5. Rita asks something similar and finds Sam's answer, with why it matched.
    found = await ask(rita, SIMILAR)
    assert ANSWER in text_of(found)
    assert "Why it matched: Matched your words" in text_of(found)
    this = next(
        a
        for a in _actions_of(found)
        if a.get("verb") == FOUND and a["data"].get("entry") == f"K-{reference}"
    )
    closed = invoke_card(await rita.press(FOUND, this["data"]))
    assert "We are glad that helped" in text_of(closed)
    rita_mine = text_of(card_of((await rita.say("my questions"))[-1]))
    assert "An answer already given helped you" in rita_mine and "Done" in rita_mine

    # What is kept: the question and answer, tags, a review date a year on, and both counts.
    entry = await kept_entry(bot, f"K-{reference}")
    assert (entry.question, entry.answer, entry.community_id) == (NEW_QUESTION, ANSWER, POWER)
    assert entry.source_question == reference and entry.answered_by == "Sam Champion"
    assert {"flow", "emailing", "team"} <= set(entry.tags)  # as written, not stems
    assert entry.review_on == dt.date(YEAR + 1, 11, 25)
    assert (entry.best_count, entry.helped_count) == (1, 1)  # Megan's best, Rita's "answered it"
    # Within Teams' limits all the way, and nothing sent twice.
    assert isinstance(connector, LimitedConnector)
    assert (connector.counts.throttled, connector.counts.duplicates) == (0, 0)
    assert connector.counts.accepted == len([s for s in connector.sent if s.method == "POST"])


async def kept_entry(bot: BotServer, entry_id: str) -> KnowledgeEntry:
    """Read the knowledge entry from the bot's own SQLite file."""
    store = SqliteCommunityStore(Path(bot.env["DATA_DIR"]) / FILE_NAME, bot.clock)
    await store.open()
    try:
        entry = await store.entry(entry_id)
    finally:
        await store.close()
    assert entry is not None, entry_id
    return entry


def _actions_of(card: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if str(node.get("type", "")).startswith("Action."):
                found.append(node)
            for key, value in node.items():
                if key != "data":
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card)
    return found


async def test_ask_alone_gives_a_card_with_a_labelled_box(megan: TeamsUser) -> None:
    replies = await megan.say("ask")
    assert "What would you like to ask?" in str(replies[0].get("text"))
    card = card_of(replies[-1])
    box = next(
        i for i in card["body"] if i.get("type") == "Input.Text" and i["id"] == "question_text"
    )
    assert box["label"] == "Your question" and box["isMultiline"] is True
    data = action_with_verb(card, ASK)["data"]
    answer = invoke_card(
        await megan.press(ASK, data, {"question_text": "How do I book a Teams meeting room?"})
    )
    assert "How do I book a Teams meeting room?" in text_of(answer)
    # Pressed again (the same card): the same question, not a second one.
    again = invoke_card(
        await megan.press(ASK, data, {"question_text": "How do I book a Teams meeting room?"})
    )
    assert question_reference(again) == question_reference(answer) == f"Q-{YEAR}-0001"


async def test_the_route_card_suggests_a_community_and_says_why(megan: TeamsUser) -> None:
    card = await ask(megan, "My Power Automate flow keeps failing on the approval step")
    routed = card
    if not any(a.get("verb") == ROUTE for a in _actions_of(card)):
        routed = invoke_card(
            await megan.press(
                "question.none_found", action_with_verb(card, "question.none_found")["data"]
            )
        )
    picker = next(
        i for i in routed["body"] if i.get("type") == "Input.ChoiceSet" and i["id"] == "community"
    )
    assert picker["value"] == POWER
    assert picker["label"]
    assert "We suggest Power Platform." in text_of(routed)


async def test_without_a_channel_it_says_so_and_still_reaches_champions(
    http: aiohttp.ClientSession,
    bot: BotServer,
    connector: Connector,
    alex: TeamsUser,
    megan: TeamsUser,
) -> None:
    sam = person(http, bot, connector, 1, "Sam Champion")
    await volunteer_and_approve(sam, alex, "Power Platform")  # no channel registered
    card = await ask(megan, NEW_QUESTION)
    sent = text_of(invoke_card(await send_to_community(megan, card, POWER)))
    assert "has no Teams channel with this bot yet" in sent
    assert "Sam Champion" in sent
    await wait_for_card(sam, sam.conversation_id, SEND_ANSWER)
    assert not cards_in(megan, community_channel(alex, "Power Platform").conversation_id)


async def test_the_welcome_cards_ask_a_question_opens_the_box(megan: TeamsUser) -> None:
    welcome = card_of((await megan.say("help"))[-1])
    start = next(a for a in _actions_of(welcome) if a.get("title") == "Ask a question")
    card = invoke_card(await megan.press(start["verb"], start["data"]))
    box = next(i for i in card["body"] if i.get("id") == "question_text")
    assert box["label"] == "Your question" and box["isRequired"] is True
    assert action_with_verb(card, ASK)["data"]["key"]


async def test_an_entry_changed_or_retired_elsewhere_is_never_shown_stale(
    bot: BotServer, megan: TeamsUser
) -> None:
    question = "How do I share a file from OneDrive with someone outside the council?"
    first = await ask(megan, question)
    shown = [a["data"]["entry"] for a in _actions_of(first) if a.get("verb") == FOUND]
    assert len(shown) >= 2, "the seeded answers include some about sharing files"
    changed, retired = shown[0], shown[1]
    # Another process (a lead's edit, say) changes one entry and retires another.
    store = SqliteCommunityStore(Path(bot.env["DATA_DIR"]) / FILE_NAME, bot.clock)
    await store.open()
    try:
        was = await store.entry(changed)
        gone = await store.entry(retired)
        assert was is not None and gone is not None
        edited = dataclasses.replace(was, answer="The answer as the lead changed it.")
        await store.save_entry(edited)
        await store.save_entry(dataclasses.replace(gone, retired=True))
    finally:
        await store.close()
    again = await ask(megan, question)
    entries = [a["data"]["entry"] for a in _actions_of(again) if a.get("verb") == FOUND]
    assert retired not in entries
    assert "The answer as the lead changed it." in text_of(again)


async def test_my_questions_lets_the_asker_send_one_not_sent_yet(megan: TeamsUser) -> None:
    await ask(megan, "How do I share a file from OneDrive with someone outside the council?")
    mine = card_of((await megan.say("my questions"))[-1])
    assert "Not sent yet" in text_of(mine)
    start = next(a for a in _actions_of(mine) if a.get("title") == "Ask a champion")
    routing = invoke_card(await megan.press(start["verb"], start["data"]))
    assert action_with_verb(routing, ROUTE)["data"]["reference"] == f"Q-{YEAR}-0001"
