"""Admins name the team channels of the boards and of the Procurement team, so the bot
can post there: `register board <name>` and `register procurement`, typed in the channel."""

from __future__ import annotations

import pytest

from bot.app import CONTEXT
from bot.journeys.procurement.shared import PROCUREMENT_CHANNEL, board_channel
from tests.e2e.conftest import CHANNEL, in_channel
from tests.support.teams import BotServer, TeamsUser


async def registered(bot: BotServer, purpose: str) -> str | None:
    """The conversation id registered for a purpose, or None."""
    assert bot.app is not None
    reference = await bot.app[CONTEXT].store.channel(purpose)
    return None if reference is None else str(reference["conversation"]["id"])


@pytest.mark.parametrize(
    ("typed", "key", "name"),
    [
        ("register board Technical Review Board", "trb", "Technical Review Board"),
        ("register board trb", "trb", "Technical Review Board"),
        ("Register board the technical review board.", "trb", "Technical Review Board"),
        (
            "register board Digital, Data and Customer Board",
            "ddc",
            "Digital, Data and Customer Board",
        ),
        ("register board ICT improvement group", "ictig", "ICT Improvement Group"),
    ],
)
async def test_an_admin_registers_a_boards_channel_by_name_or_key(
    bot: BotServer, alex: TeamsUser, typed: str, key: str, name: str
) -> None:
    replies = await in_channel(alex).say(typed)

    assert replies[-1]["text"].startswith(f"This channel is now the {name}'s channel.")
    # Posts go to the channel itself, not into the thread the command was typed in.
    assert await registered(bot, board_channel(key)) == CHANNEL["id"]
    assert await registered(bot, PROCUREMENT_CHANNEL) is None


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("register board Finance Board", "There is no board with that name."),
        ("register board", "Type the board's name too."),
    ],
)
async def test_an_unknown_board_is_answered_with_the_list(
    bot: BotServer, alex: TeamsUser, typed: str, said: str
) -> None:
    replies = await in_channel(alex).say(typed)

    text = replies[-1]["text"]
    assert said in text
    assert "Technical Review Board (trb)" in text and "ICT Improvement Group (ictig)" in text
    assert "Nothing has changed" in text
    for key in ("trb", "ddc", "ictig"):
        assert await registered(bot, board_channel(key)) is None


async def test_an_admin_registers_the_procurement_channel(bot: BotServer, alex: TeamsUser) -> None:
    replies = await in_channel(alex).say("register procurement")

    assert replies[-1]["text"].startswith("This channel is now the Procurement team's channel.")
    assert await registered(bot, PROCUREMENT_CHANNEL) == CHANNEL["id"]


@pytest.mark.parametrize("typed", ["register board Technical Review Board", "register procurement"])
async def test_someone_who_is_not_an_admin_is_refused(
    bot: BotServer, megan: TeamsUser, typed: str
) -> None:
    replies = await in_channel(megan).say(typed)

    assert "Only a Digital Front Door admin" in replies[-1]["text"]
    assert await registered(bot, board_channel("trb")) is None
    assert await registered(bot, PROCUREMENT_CHANNEL) is None


@pytest.mark.parametrize("typed", ["register board Technical Review Board", "register procurement"])
async def test_registering_in_a_personal_chat_is_refused(
    bot: BotServer, alex: TeamsUser, typed: str
) -> None:
    replies = await alex.say(typed)

    assert "in the team channel you want to use" in replies[-1]["text"]
    assert await registered(bot, board_channel("trb")) is None
    assert await registered(bot, PROCUREMENT_CHANNEL) is None
