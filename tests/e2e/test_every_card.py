"""Every card the bot sends: schema 1.5, inputs labelled, parses in the official renderer."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import CHANNEL, in_channel
from tests.e2e.journey import GOOD_ANSWERS, start_form
from tests.e2e.test_form import press
from tests.support.cards import assert_cards_ok
from tests.support.teams import YEAR, Connector, TeamsUser, card_of, find_action, invoke_card


async def test_every_card_in_every_journey_is_valid(
    alex: TeamsUser, megan: TeamsUser, connector: Connector
) -> None:
    cards: list[dict[str, Any]] = []
    await in_channel(alex).say("register triage")
    cards.append(card_of((await alex.say("hello"))[-1]))
    cards.append(card_of((await alex.say("help"))[-1]))
    cards.append(card_of((await in_channel(alex).say("help"))[-1]))
    cards.append(card_of((await alex.say("my requests"))[-1]))
    card = await start_form(alex)
    cards.append(card)
    cards.append(await press(alex, card, "Next", {"title": "", "problem": "x" * 5000}))
    for step in (1, 2, 3, 4):
        card = await press(alex, card, "Next", GOOD_ANSWERS[step])
        cards.append(card)
    cards.append(await press(alex, card, "Save and finish later"))
    cards.append(card_of((await alex.say("continue"))[-1]))
    send = find_action(card, "Send request")
    cards.append(invoke_card(await alex.press(send["verb"], send["data"])))
    cards.append(card_of((await alex.say("my requests"))[-1]))
    cards.append(card_of((await alex.say(f"status DR-{YEAR}-0001"))[-1]))
    cards.append(card_of((await connector.wait_for(CHANNEL["id"], 1))[-1]))
    draft = await start_form(megan)
    cards.append(await press(megan, draft, "Discard draft"))
    assert len(cards) == 17
    assert_cards_ok(cards)
