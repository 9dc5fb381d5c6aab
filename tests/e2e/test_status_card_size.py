"""The status card stays inside Teams' card size limit (about 28 KB) however long the
answers, questions and history are: it shows the latest, cut long texts, and says the
rest is kept."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from bot.journeys.intake.form import FIELDS
from tests.e2e.conftest import CHANNEL, in_channel
from tests.e2e.journey import GOOD_ANSWERS, fill_form
from tests.e2e.test_requester_record import (  # noqa: F401  (fixtures: both stores)
    REF,
    bot,
    fake,
    status_card,
)
from tests.e2e.test_triage import press, triager_view
from tests.support.cards import all_text, assert_cards_ok
from tests.support.teams import YEAR, TeamsUser, card_of, find_action, invoke_card

TEAMS_CARD_BYTES = 28 * 1024
QUESTIONS = 6


def size(card: dict[str, Any]) -> int:
    return len(json.dumps(card).encode())


def longest(name: str) -> str:
    limit = FIELDS[name].max_length
    assert limit
    return ("Plenty of words here " * 400)[: limit - 1] + "x"


async def raise_longest(megan: TeamsUser) -> None:
    answers = {
        step: {**values, **{name: longest(name) for name in values if FIELDS[name].max_length}}
        for step, values in GOOD_ANSWERS.items()
    }
    answers[2]["contract_end"] = f"{YEAR + 1}-03-31"
    review = await fill_form(megan, answers)
    send = find_action(review, "Send request")
    invoke_card(await megan.press(send["verb"], send["data"]))


async def question_card(megan: TeamsUser, before: int) -> dict[str, Any]:
    """IT triage's question, once it reaches Megan's chat (news may come with it)."""
    for _ in range(200):
        for sent in megan.connector.in_conversation(megan.conversation_id)[before:]:
            if "Send answer" in json.dumps(sent.get("attachments")):
                return card_of(sent)
        await asyncio.sleep(0.025)
    raise AssertionError("The question never reached the requester")


async def test_the_longest_record_fits_in_a_teams_card(alex: TeamsUser, megan: TeamsUser) -> None:
    await in_channel(alex).say("register triage")
    await raise_longest(megan)
    await alex.connector.wait_for(CHANNEL["id"], 1)
    for turn in range(QUESTIONS):
        board = ("trb", "ddc")[turn % 2]
        reason = f"Reason {turn}. " + "Because of the systems it touches. " * 40
        await press(
            alex,
            await triager_view(alex),
            "Change route",
            {"routeBoard": board, "routeProcess": "project", "routeReason": reason[:1000]},
        )
        before = len(megan.connector.in_conversation(megan.conversation_id))
        question = f"Question {turn}. " + "Why? " * 200
        await press(alex, await triager_view(alex), "Send question", {"question": question[:1000]})
        asked = await question_card(megan, before)
        answer = f"Answer {turn}. " + "Because it is. " * 200
        reply = find_action(asked, "Send answer")
        invoke_card(await megan.press(reply["verb"], reply["data"], {"answer": answer[:2000]}))
    mine = await status_card(megan)
    theirs = await status_card(alex)
    for card in (mine, theirs):
        assert size(card) < TEAMS_CARD_BYTES, size(card)
        text = all_text(card)
        assert "earlier changes are kept" in text
        assert "The full text is kept" in text
        assert f"Question {QUESTIONS - 1}." in text and f"Answer {QUESTIONS - 1}." in text
        assert "Question 0." not in text, "the oldest questions give way to the latest"
    assert_cards_ok([mine, theirs])
