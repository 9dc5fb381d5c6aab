"""A board member away names a deputy, over real HTTP: `deputy @name until 12 December`
in the board's channel or a personal chat, the dates people write, every refusal, the
deputy and the channel told, `deputy end`, `deputies`, and who may decide in and out of
the deputy's period (what the decisions check)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from bot.domain.boards import authority
from bot.journeys.boards.setup import effective_setup
from tests.e2e.boards import (
    board_channel_id,
    board_state,
    in_board_channel,
    make_member,
    name_deputy,
    register_board_channel,
)
from tests.support.cards import all_text
from tests.support.teams import BOT, BotServer, TeamsUser, card_of

TRB = "trb"
SAM = "00000000-0000-0000-0000-0000000000025"
DIEGO = "00000000-0000-0000-0000-0000000000029"
AT_BOT = f"<at>{BOT['name']}</at>"


@pytest.fixture
def sam(alex: TeamsUser) -> TeamsUser:
    return TeamsUser(alex.http, alex.bot, alex.connector, "user-id-5", "Sam Lee", SAM)


@pytest.fixture
async def on_board(bot: BotServer, alex: TeamsUser, megan: TeamsUser, sam: TeamsUser) -> TeamsUser:
    """Megan is the Technical Review Board's only member; its channel is registered; Sam
    has chatted with the bot, so a card can reach him."""
    await register_board_channel(alex, TRB)
    await make_member(bot, TRB, megan, chair=True, only=True)
    await sam.say("help")
    return megan


async def kept(bot: BotServer, key: str = TRB) -> list[Any]:
    async with board_state(bot) as shared:
        return await (await shared.store()).deputies(key)


def cards_to(user: TeamsUser) -> list[str]:
    """The deputy cards sent to the user's chat (not the answers to what they typed)."""
    texts = [
        all_text(card_of(activity))
        for activity in user.connector.in_conversation(user.conversation_id)
        if activity.get("attachments")
    ]
    return [text for text in texts if "a deputy on the" in text]


async def type_deputy(
    user: TeamsUser, text: str, people: list[TeamsUser], bot_mentions: int = 0
) -> str:
    """Typed in the user's current conversation, each "@" the next person's mention."""
    entities = [{"type": "mention", "text": AT_BOT, "mentioned": BOT}] * bot_mentions + [
        {
            "type": "mention",
            "text": f"<at>{p.name}</at>",
            "mentioned": {"id": p.user_id, "name": p.name, "aadObjectId": p.aad_object_id},
        }
        for p in people
    ]
    for p in people:
        text = text.replace("@", f"<at>{p.name}</at>", 1)
    activity = user.activity(type="message", text=text, entities=entities)
    status, _ = await user.post(activity)
    assert status in (200, 201, 202)
    replies = await user.connector.wait_for_replies(user.conversation_id, activity["id"])
    return str(replies[-1].get("text") or "")


# ---- Naming a deputy ----------------------------------------------------------------


async def test_a_member_names_a_deputy_who_is_told_what_they_may_do(
    bot: BotServer, on_board: TeamsUser, sam: TeamsUser
) -> None:
    said = await name_deputy(on_board, sam, TRB, "12 December")

    assert said == (
        "Sam Lee is your deputy on the Technical Review Board from 25 November 2026 to "
        "12 December 2026. They can decide in your place until then. I have told them in Teams."
    )
    [deputy] = await kept(bot)
    assert (deputy.member_id, deputy.member_name) == (on_board.aad_object_id, "Megan Bowen")
    assert (deputy.deputy_id, deputy.deputy_name) == (SAM, "Sam Lee")
    assert (deputy.starts, deputy.ends) == (dt.date(2026, 11, 25), dt.date(2026, 12, 12))
    await bot.settled()
    [told] = cards_to(sam)
    assert "You are a deputy on the Technical Review Board" in told
    assert "Megan Bowen has named you as their deputy from 25 November 2026 to 12 December" in told
    assert "decide on requests" in told and "After 12 December 2026" in told

    # Typed again (Teams resends, or the member repeats it): Sam is told once.
    again = await name_deputy(on_board, sam, TRB, "12 December")
    assert "This replaces" not in again
    await bot.settled()
    assert len(cards_to(sam)) == 1
    assert len(await kept(bot)) == 1


@pytest.mark.parametrize(
    ("until", "starts", "first", "last"),
    [
        ("12 December 2026", "", dt.date(2026, 11, 25), dt.date(2026, 12, 12)),
        ("12/12/2026", "", dt.date(2026, 11, 25), dt.date(2026, 12, 12)),
        ("12th Dec", "", dt.date(2026, 11, 25), dt.date(2026, 12, 12)),
        ("25 November", "", dt.date(2026, 11, 25), dt.date(2026, 11, 25)),  # today
        ("12 December", "1 December", dt.date(2026, 12, 1), dt.date(2026, 12, 12)),
        # No year: the next such date on or after today, for each of the two.
        ("8 January", "28 December", dt.date(2026, 12, 28), dt.date(2027, 1, 8)),
        ("Friday 8 January 2027", "", dt.date(2026, 11, 25), dt.date(2027, 1, 8)),
    ],
)
async def test_the_dates_people_write(
    bot: BotServer,
    on_board: TeamsUser,
    sam: TeamsUser,
    until: str,
    starts: str,
    first: dt.date,
    last: dt.date,
) -> None:
    said = await name_deputy(on_board, sam, TRB, until, starts)
    assert said.startswith("Sam Lee is your deputy"), said
    [deputy] = await kept(bot)
    assert (deputy.starts, deputy.ends) == (first, last)


@pytest.mark.parametrize(
    ("until", "starts", "refusal"),
    [
        ("24 November 2026", "", "The last day, 24 November 2026, is in the past."),
        ("12/11/2026", "", "The last day, 12 November 2026, is in the past."),
        # No year: 20 November is next in 2027, more than 6 months away.
        ("20 November", "", "A deputy can be named for up to 6 months ahead."),
        ("1 July 2027", "", "Choose a last day on or before 25 May 2027."),
        ("12 December", "20 December", "The first day, 20 December 2026, is after the last day"),
        ("12 December", "1 November 2026", "The first day, 1 November 2026, is in the past."),
        ("next friday", "", 'I could not read the date "next friday". Write it like 12 December'),
        ("31 February", "", 'I could not read the date "31 february".'),
        ("12/13/2026", "", "Write it like 12 December, 12 December 2026 or 12/12/2026."),
    ],
)
async def test_dates_that_do_not_work_are_refused_plainly(
    bot: BotServer, on_board: TeamsUser, sam: TeamsUser, until: str, starts: str, refusal: str
) -> None:
    said = await name_deputy(on_board, sam, TRB, until, starts)
    assert refusal in said, said
    assert await kept(bot) == []
    await bot.settled()
    assert cards_to(sam) == []


async def test_who_and_whom_are_checked(
    bot: BotServer, on_board: TeamsUser, sam: TeamsUser, alex: TeamsUser
) -> None:
    channel = in_board_channel(on_board, TRB)
    # Nobody mentioned: the name typed is not enough.
    said = await type_deputy(channel, "deputy Sam Lee until 12 December", [])
    assert said.startswith("Nobody was @mentioned.") and "deputy @name until 12 December" in said
    # Until when is missing.
    said = await type_deputy(channel, "deputy @", [sam])
    assert said.startswith("Say until when.")
    # Two people.
    said = await type_deputy(channel, "deputy @ @ until 12 December", [sam, alex])
    assert said.startswith("@mention just one person.")
    # The bot: Teams sends one mention of it to reach it, and one more for the name.
    said = await type_deputy(channel, f"{AT_BOT} deputy {AT_BOT} until 12 December", [], 2)
    assert said.startswith("That is me, the bot.")
    # Yourself.
    said = await type_deputy(channel, "deputy @ until 12 December", [on_board])
    assert said.startswith("You cannot be your own deputy.")
    # Someone on the board already.
    await make_member(bot, TRB, sam)
    said = await type_deputy(channel, "deputy @ until 12 December", [sam])
    assert said.startswith("Sam Lee is on the Technical Review Board already")
    assert await kept(bot) == []


async def test_someone_not_on_the_board_cannot_name_a_deputy(
    bot: BotServer, on_board: TeamsUser, sam: TeamsUser, alex: TeamsUser
) -> None:
    said = await name_deputy(sam, alex, TRB, "12 December")
    assert said == (
        "Only a member of the Technical Review Board can name a deputy for it. Nothing has changed."
    )
    said = await type_deputy(sam, "deputy @ until 12 December", [alex])
    assert said == "You are not a member of any board, so you cannot name a deputy."
    assert await kept(bot) == []


async def test_in_a_personal_chat_for_a_member_of_one_board_the_channel_is_told_too(
    bot: BotServer, on_board: TeamsUser, sam: TeamsUser
) -> None:
    said = await type_deputy(on_board, "deputy @ from 1 December until 12 December", [sam])
    assert said.startswith(
        "Sam Lee is your deputy on the Technical Review Board from 1 December 2026 to "
        "12 December 2026."
    )
    assert said.endswith("I have told the board's channel too.")
    posted = [
        all_text(card_of(a))
        for a in on_board.connector.in_conversation(board_channel_id(TRB))
        if a.get("attachments")
    ]
    assert any(
        "Megan Bowen has named Sam Lee as their deputy from 1 December 2026" in text
        for text in posted
    )


async def test_a_member_of_two_boards_is_asked_to_use_the_boards_channel(
    bot: BotServer, on_board: TeamsUser, sam: TeamsUser
) -> None:
    await make_member(bot, "ddc", on_board)
    said = await type_deputy(on_board, "deputy @ until 12 December", [sam])
    assert said == "You are on 2 boards. Type this in the board's channel."
    assert await kept(bot) == []
    # In the board's channel it works.
    said = await name_deputy(on_board, sam, TRB, "12 December")
    assert said.startswith("Sam Lee is your deputy on the Technical Review Board")


async def test_a_new_deputy_for_an_overlapping_period_replaces_the_old_one(
    bot: BotServer, on_board: TeamsUser, sam: TeamsUser, alex: TeamsUser
) -> None:
    await name_deputy(on_board, sam, TRB, "12 December")
    said = await name_deputy(on_board, alex, TRB, "20 December", "10 December")

    assert "This replaces Sam Lee as your deputy from 25 November 2026 to 12 December 2026." in said
    [deputy] = await kept(bot)
    assert deputy.deputy_name == "Alex Wilber"
    # A period that does not overlap is kept beside it.
    said = await name_deputy(on_board, sam, TRB, "10 January", "2 January")
    assert "This replaces" not in said
    assert len(await kept(bot)) == 2


# ---- Coming back, and seeing who stands in ----------------------------------------------


async def test_deputy_end_ends_the_members_deputies_from_today(
    bot: BotServer, on_board: TeamsUser, sam: TeamsUser
) -> None:
    await name_deputy(on_board, sam, TRB, "12 December")
    await name_deputy(on_board, sam, TRB, "20 January", "10 January")
    bot.clock.advance(dt.timedelta(days=2))  # Friday 27 November
    replies = await in_board_channel(on_board, TRB).say("back from leave")

    assert replies[-1]["text"] == (
        "Welcome back. Sam Lee no longer decides for you on the Technical Review Board."
    )
    # The running one ended yesterday; the coming one is gone.
    [deputy] = await kept(bot)
    assert (deputy.starts, deputy.ends) == (dt.date(2026, 11, 25), dt.date(2026, 11, 26))
    await bot.settled()
    assert any("You are no longer a deputy" in text for text in cards_to(sam))

    replies = await on_board.say("deputy end")
    assert replies[-1]["text"] == (
        "You have no deputy on the Technical Review Board now or later. Nothing has changed."
    )


async def test_deputies_lists_current_and_coming_ones(
    bot: BotServer, on_board: TeamsUser, sam: TeamsUser, alex: TeamsUser
) -> None:
    await make_member(bot, TRB, alex)
    await name_deputy(on_board, sam, TRB, "12 December")
    diego = TeamsUser(alex.http, bot, alex.connector, "user-id-9", "Diego Siciliani", DIEGO)
    await name_deputy(alex, diego, TRB, "3 January", "20 December")

    text = all_text(card_of((await in_board_channel(sam, TRB).say("deputies"))[-1]))

    now, coming = text.split("Coming up")
    assert "Sam Lee for Megan Bowen, until 12 December 2026" in now
    assert "Diego Siciliani for Alex Wilber, from 20 December 2026 to 3 January 2027" in coming
    # On the board's own card too.
    board = all_text(card_of((await in_board_channel(sam, TRB).say("board"))[-1]))
    assert "Sam Lee for Megan Bowen, until 12 December 2026" in board

    replies = await sam.say("deputies")
    assert "You are not a member of any board" in replies[-1]["text"]


# ---- Who may decide (what the board's decisions check) --------------------------------


async def test_a_deputy_may_decide_only_within_their_period(
    bot: BotServer, on_board: TeamsUser, sam: TeamsUser
) -> None:
    await name_deputy(on_board, sam, TRB, "12 December", "1 December")

    async def who_decides(day: dt.date) -> Any:
        async with board_state(bot) as shared:
            setup = await effective_setup(shared, TRB)
            deputies = await (await shared.store()).deputies(TRB)
        return authority(setup, deputies, SAM, "Sam Lee", day)

    assert await who_decides(dt.date(2026, 11, 30)) is None
    during = await who_decides(dt.date(2026, 12, 1))
    assert during is not None
    assert (during.on_behalf_of_id, during.on_behalf_of_name) == (
        on_board.aad_object_id,
        "Megan Bowen",
    )
    assert await who_decides(dt.date(2026, 12, 12)) is not None
    assert await who_decides(dt.date(2026, 12, 13)) is None
