"""Words that stay true after a board has worked: the glossary after new weights, and the
requester's own card after a board asks a question. All over HTTP."""

from __future__ import annotations

import datetime as dt

import aiohttp
import pytest

from tests.e2e.boards import (
    add_deputy,
    agenda_of,
    decide,
    decision_card,
    in_board_channel,
    make_member,
    register_board_channel,
    to_board,
)
from tests.e2e.test_matrix import MOVED, publish
from tests.support.cards import all_text, assert_cards_ok
from tests.support.teams import (
    START,
    BotServer,
    Connector,
    TeamsUser,
    card_of,
    find_action,
    invoke_card,
)


@pytest.fixture
def adele(http: aiohttp.ClientSession, bot: BotServer, connector: Connector) -> TeamsUser:
    """Another member of staff: a deputy here."""
    return TeamsUser(
        http,
        bot,
        connector,
        user_id="user-id-2",
        name="Adele Vance",
        aad_object_id="00000000-0000-0000-0000-0000000000022",
    )


async def test_what_is_a_criterion_never_shows_an_old_weight(alex: TeamsUser) -> None:
    before = all_text(card_of((await alex.say("what is benefits"))[-1]))
    assert "Benefits" in before.splitlines()[0]

    assert "2026.2" in all_text(invoke_card(await publish(alex, **MOVED)))
    text = all_text(card_of((await alex.say("what is benefits"))[-1]))

    assert text.splitlines()[0] == "Benefits"
    assert "20 of 100" not in text
    assert "worth up to" not in text
    assert "Type how are requests scored to see how many points it is worth now." in text


async def test_the_requesters_card_shows_the_boards_question_and_the_answer(
    bot: BotServer, alex: TeamsUser, megan: TeamsUser
) -> None:
    reference = await to_board(alex, megan, board="trb")
    channel = await register_board_channel(alex, "trb")
    await make_member(bot, "trb", alex, only=True)
    card = await decision_card(channel, await agenda_of(channel), reference)
    await decide(channel, card, "ask_info", {"askQuestion": "How many bookings a week?"})
    await bot.settled()
    question = card_of(megan.connector.in_conversation(megan.conversation_id)[-1])

    waiting = await status_of(megan, reference)
    assert "The Technical Review Board asked on 25 November 2026" in waiting
    assert "How many bookings a week?" in waiting
    assert "Not answered yet. Answer it on the question I sent you in this chat." in waiting

    send = find_action(question, "Send answer")
    await megan.press(send["verb"], send["data"], {"answer": "About 400 a week."})
    answered = await status_of(megan, reference)

    assert "The Technical Review Board asked on 25 November 2026" in answered
    assert "You answered on 25 November 2026\nAbout 400 a week." in answered
    assert "Questions from IT triage" not in answered


async def test_a_deputys_question_is_shown_without_the_note_of_who_decided(
    bot: BotServer, alex: TeamsUser, megan: TeamsUser, adele: TeamsUser
) -> None:
    reference = await to_board(alex, megan, board="trb")
    await register_board_channel(alex, "trb")
    await make_member(bot, "trb", alex, only=True)
    today = START.date()
    await add_deputy(bot, "trb", alex, adele, today, today + dt.timedelta(days=5))
    deputy = in_board_channel(adele, "trb")
    card = await decision_card(deputy, await agenda_of(deputy), reference)
    await decide(deputy, card, "ask_info", {"askQuestion": "Who else uses it?"})

    text = await status_of(megan, reference)

    assert "The Technical Review Board asked on 25 November 2026\nWho else uses it?" in text
    assert "(deputy)" not in text.split("The Technical Review Board asked on")[1].split("\n")[1]


async def status_of(user: TeamsUser, reference: str) -> str:
    card = card_of((await user.say(f"status {reference}"))[-1])
    assert_cards_ok([card])
    return all_text(card)
