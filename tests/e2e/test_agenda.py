"""A board's agenda: its list, highest priority first, paged and never cut silently,
shown in the board's channel and posted there by itself before each meeting."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.domain.boards import Cadence, Repeat
from bot.journeys.boards.agenda import run_agendas
from tests.e2e.boards import (
    agenda_of,
    board_channel_id,
    board_state,
    in_board_channel,
    make_member,
    press_on,
    put_on_list,
    register_board_channel,
    set_setup,
    to_board,
)
from tests.e2e.conftest import in_channel
from tests.e2e.journey import GOOD_ANSWERS, distinct_answers
from tests.support.cards import all_text, assert_cards_ok
from tests.support.teams import BotServer, Connector, TeamsUser, card_of, invoke_card

TEAMS_CARD_BYTES = 28 * 1024
DECIDE = re.compile(r"Decide on (DR-\d{4}-\d{4})")


def listed(card: dict[str, Any]) -> list[str]:
    """The references on an agenda card, in the order shown."""
    titles = [a.get("title", "") for a in _buttons(card) if a.get("type") == "Action.Execute"]
    return DECIDE.findall(json.dumps(titles))


def _buttons(node: Any) -> list[dict[str, Any]]:
    from tests.support.teams import iter_actions

    return list(iter_actions(node))


def size(card: dict[str, Any]) -> int:
    return len(json.dumps(card, separators=(",", ":"), ensure_ascii=False).encode())


def with_drivers(seed: str, drivers: str) -> dict[int, dict[str, Any]]:
    answers = distinct_answers(seed)
    return {**answers, 4: {**answers[4], "drivers": drivers}}


# ---- Order ------------------------------------------------------------------------------


async def test_the_list_is_ordered_by_score_then_by_age(
    bot: BotServer, alex: TeamsUser, megan: TeamsUser
) -> None:
    middle = "efficiency,service_delivery,user_engagement"
    first = await to_board(alex, megan, answers=with_drivers("first", middle))
    bot.clock.advance(dt.timedelta(hours=1))
    low = await to_board(alex, megan, answers=with_drivers("low", "efficiency"))
    bot.clock.advance(dt.timedelta(hours=1))
    second = await to_board(alex, megan, answers=with_drivers("second", middle))
    bot.clock.advance(dt.timedelta(hours=1))
    high = await to_board(
        alex, megan, answers=with_drivers("high", middle + ",collaboration,digital_skills")
    )
    channel = await register_board_channel(alex, "ddc")

    card = await agenda_of(channel)

    # The same score: the older first. Scores are shown, so the order can be checked.
    assert listed(card) == [high, first, second, low]
    text = all_text(card)
    scores = [int(s) for s in re.findall(r"Score (\d+) out of 100", text)]
    assert scores[0] > scores[1] == scores[2] > scores[3]
    assert "Digital, Data and Customer Board: agenda" in text
    assert "4 requests, highest priority first." in text
    assert "Page 1" not in text  # one page: no paging words, no paging buttons
    assert "Next meeting: Tuesday 8 December 2026 at 10am." in text
    assert "On the list 0 days" not in text and "Put on the list today. Raised today." in text
    assert "To note: Needed by" in text and "Personal data" in text
    assert_cards_ok([card])


async def test_each_item_says_what_the_board_needs_to_know(
    bot: BotServer, alex: TeamsUser, megan: TeamsUser
) -> None:
    reference = await to_board(alex, megan, board="trb")
    bot.clock.advance(dt.timedelta(days=6))
    channel = await register_board_channel(alex, "trb")

    text = all_text(await agenda_of(channel, "show the agenda"))

    assert f"{reference}: \n{GOOD_ANSWERS[1]['title']}" in text  # one line, two runs
    assert "Residents phone the contact centre to book garden waste collections." in text
    assert "Why it is here:" in text and "It needs the Technical Review Board." in text
    assert "On the list 6 days. Raised 6 days ago." in text
    assert "Time left:" in text
    assert re.search(r"Score \d+ out of 100: (high|medium|low) priority\.", text)


# ---- Pages ------------------------------------------------------------------------------


async def test_twenty_requests_make_three_pages_and_each_is_shown_once(
    bot: BotServer, alex: TeamsUser
) -> None:
    references = await put_on_list(bot, "ictig", 20)
    channel = await register_board_channel(alex, "ictig")

    first = await agenda_of(channel)
    second = invoke_card(await press_on(channel, first, "Next page"))
    third = await agenda_of(channel, "agenda page 3")
    back = invoke_card(await press_on(channel, third, "Previous page"))

    pages = [listed(first), listed(second), listed(third)]
    assert [len(p) for p in pages] == [8, 8, 4]
    assert sorted(r for p in pages for r in p) == sorted(references)  # every request exactly once
    assert listed(back) == pages[1]
    assert "20 requests, highest priority first. Page 1 of 3: requests 1 to 8." in all_text(first)
    assert "Page 3 of 3: requests 17 to 20." in all_text(third)
    assert [a["title"] for a in first["actions"]] == ["Next page"]
    assert [a["title"] for a in second["actions"]] == ["Previous page", "Next page"]
    assert [a["title"] for a in third["actions"]] == ["Previous page"]
    assert_cards_ok([first, second, third])


async def test_a_page_past_the_end_shows_the_last_page_and_says_so(
    bot: BotServer, alex: TeamsUser
) -> None:
    await put_on_list(bot, "ictig", 10)
    channel = await register_board_channel(alex, "ictig")

    typed = all_text(await agenda_of(channel, "agenda page 9"))
    pressed = invoke_card(await channel.press("agenda.page", {"board": "ictig", "page": 50}))

    assert "There is no page 9. This is the last page, page 2." in typed
    assert "Page 2 of 2: requests 9 to 10." in typed
    assert "There is no page 50." in all_text(pressed)


async def test_long_words_make_more_pages_never_a_card_too_big_for_teams(
    tmp_path: Path, alex: TeamsUser, connector: Connector
) -> None:
    server = BotServer(tmp_path / "big", {"BOARD_AGENDA_PAGE_SIZE": "25"})
    await server.start()
    try:
        user = TeamsUser(alex.http, server, connector)
        long_answers = {
            **GOOD_ANSWERS,
            1: {**GOOD_ANSWERS[1], "problem": "Réservé € " * 390},
        }
        references = await put_on_list(server, "trb", 16, long_answers, title="€ Ω " * 30)
        channel = await register_board_channel(user, "trb")
        seen: list[str] = []
        card = await agenda_of(channel)
        cards = [card]
        while any(a["title"] == "Next page" for a in card.get("actions", [])):
            card = invoke_card(await press_on(channel, card, "Next page"))
            cards.append(card)
        for shown in cards:
            assert size(shown) < TEAMS_CARD_BYTES
            seen += listed(shown)
        assert len(cards) >= 2  # 25 to a page would not fit
        assert sorted(seen) == sorted(references)
        assert "…" in all_text(cards[0])  # the long problem is cut, and says so
    finally:
        await server.stop()


# ---- Nothing to show, or not here ----------------------------------------------------


async def test_an_empty_list_says_how_requests_get_there(alex: TeamsUser) -> None:
    channel = await register_board_channel(alex, "trb")

    text = all_text(await agenda_of(channel))

    assert (
        "There is nothing on the Technical Review Board's list now. "
        "Requests come here when IT triage sends them."
    ) in text


async def test_agenda_outside_a_boards_channel_names_the_boards_that_have_one(
    alex: TeamsUser, megan: TeamsUser
) -> None:
    said = (await megan.say("agenda"))[-1]["text"]
    assert "no board has a channel yet" in said

    await register_board_channel(alex, "trb")
    await register_board_channel(alex, "ictig")
    in_chat = (await megan.say("agenda"))[-1]["text"]
    in_triage = (await in_channel(megan).say("agenda"))[-1]["text"]

    for said in (in_chat, in_triage):
        assert "Type agenda in a board's channel to see its list." in said
        assert "Technical Review Board and ICT Improvement Group" in said


async def test_a_page_press_from_outside_the_channel_by_someone_else_is_refused(
    bot: BotServer, alex: TeamsUser, megan: TeamsUser
) -> None:
    await put_on_list(bot, "trb", 2)
    await register_board_channel(alex, "trb")

    body = await megan.press("agenda.page", {"board": "trb", "page": 1})
    in_channel_body = await in_board_channel(megan, "trb").press(
        "agenda.page", {"board": "trb", "page": 1}
    )

    assert "in the board's channel" in body["value"]
    assert "Technical Review Board: agenda" in all_text(invoke_card(in_channel_body))


@pytest.mark.parametrize(
    "data",
    [
        {"board": "finance", "page": 1},
        {"board": ["trb"], "page": 1},
        {"page": 1},
        {"board": "trb", "page": "two"},
        {"board": "trb", "page": 0},
        {"board": "trb", "page": True},
        {"board": "trb", "page": 10**9},
    ],
)
async def test_page_buttons_with_data_no_card_sends_are_refused_plainly(
    alex: TeamsUser, data: dict[str, Any]
) -> None:
    channel = await register_board_channel(alex, "trb")

    body = await channel.press("agenda.page", data)

    assert body["type"] == "application/vnd.microsoft.activity.message"
    assert "Nothing has changed." in body["value"]


# ---- Posted by itself before each meeting --------------------------------------------

# Mondays at 10am from 7 December 2026; the agenda goes out 3 days before, on Friday.
MEETINGS = Cadence(dt.date(2026, 12, 7), dt.time(10, 0), Repeat.WEEKLY)
AGENDA_OUT = dt.datetime(2026, 12, 4, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
async def quiet_boards(bot: BotServer) -> AsyncIterator[None]:
    """Only the Technical Review Board meets (the sample meetings of the others are taken
    away), so what is posted is the one agenda under test."""
    await set_setup(bot, "ddc", cadence=None)
    await set_setup(bot, "ictig", cadence=None)
    await set_setup(bot, "trb", cadence=MEETINGS, agenda_days_before=3)
    yield


async def agendas_now(bot: BotServer) -> int:
    async with board_state(bot) as shared:
        return await run_agendas(shared)


async def test_the_agenda_is_posted_once_before_a_meeting_across_a_restart(
    bot: BotServer, alex: TeamsUser, connector: Connector, quiet_boards: None
) -> None:
    await put_on_list(bot, "trb", 3)
    await register_board_channel(alex, "trb")
    posts = lambda: connector.in_conversation(board_channel_id("trb"))  # noqa: E731
    before = len(posts())

    assert await agendas_now(bot) == 0  # 25 November: too early for 7 December
    bot.clock.set(AGENDA_OUT - dt.timedelta(minutes=1))
    assert await agendas_now(bot) == 0
    bot.clock.set(AGENDA_OUT)
    assert await agendas_now(bot) == 1
    assert await agendas_now(bot) == 0
    await bot.settled()
    posted = posts()[before:]
    assert len(posted) == 1
    text = all_text(card_of(posted[0]))
    assert "Technical Review Board: agenda" in text
    assert "For the meeting on Monday 7 December 2026 at 10am." in text
    assert "3 requests, highest priority first." in text

    await bot.restart()
    bot.clock.set(AGENDA_OUT + dt.timedelta(hours=5))
    assert await agendas_now(bot) == 0
    await bot.settled()
    assert len(posts()[before:]) == 1

    # After the meeting, the next agenda waits for its own time.
    bot.clock.set(dt.datetime(2026, 12, 7, 10, 1, tzinfo=dt.UTC))
    assert await agendas_now(bot) == 0
    bot.clock.set(dt.datetime(2026, 12, 11, 10, 0, tzinfo=dt.UTC))
    assert await agendas_now(bot) == 1


async def test_every_page_of_a_long_agenda_is_posted(
    bot: BotServer, alex: TeamsUser, connector: Connector, quiet_boards: None
) -> None:
    await put_on_list(bot, "trb", 10)
    await register_board_channel(alex, "trb")
    before = len(connector.in_conversation(board_channel_id("trb")))
    bot.clock.set(AGENDA_OUT)

    assert await agendas_now(bot) == 1
    await bot.settled()

    posted = [card_of(a) for a in connector.in_conversation(board_channel_id("trb"))[before:]]
    assert [len(listed(c)) for c in posted] == [8, 2]


async def test_with_no_channel_the_secretary_is_told_once_instead(
    bot: BotServer, alex: TeamsUser, megan: TeamsUser, connector: Connector, quiet_boards: None
) -> None:
    await megan.say("help")  # the bot knows Megan's chat
    await make_member(bot, "trb", megan, secretary=True)
    await in_channel(alex).say("register triage")
    before = len(connector.in_conversation(megan.conversation_id))
    bot.clock.set(AGENDA_OUT)

    assert await agendas_now(bot) == 1
    assert await agendas_now(bot) == 0
    await bot.settled()

    told = connector.in_conversation(megan.conversation_id)[before:]
    assert len(told) == 1
    text = all_text(card_of(told[0]))
    assert "Technical Review Board: agenda not posted" in text
    assert "register board Technical Review Board" in text
    assert connector.in_conversation(board_channel_id("trb")) == []


# ---- The page size setting ------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "size", "problem"),
    [
        ("", 8, ""),
        ("12", 12, ""),
        ("25", 25, ""),
        ("0", 8, "BOARD_AGENDA_PAGE_SIZE must be a whole number of requests from 1 to 25."),
        ("26", 8, "BOARD_AGENDA_PAGE_SIZE must be a whole number of requests from 1 to 25."),
        ("ten", 8, "It is 'ten'."),
    ],
)
def test_the_agenda_page_size_is_checked_at_start_up(raw: str, size: int, problem: str) -> None:
    from bot.journeys.boards.config import load_settings

    problems: list[str] = []
    config = load_settings({"BOARD_AGENDA_PAGE_SIZE": raw}, problems)

    assert config.agenda_page_size == size
    assert (problem in " ".join(problems)) if problem else problems == []


async def test_an_agenda_that_could_not_be_posted_is_tried_again(
    bot: BotServer, alex: TeamsUser, connector: Connector, quiet_boards: None
) -> None:
    await put_on_list(bot, "trb", 2)
    await register_board_channel(alex, "trb")
    bot.clock.set(AGENDA_OUT)
    connector.unreachable.add(board_channel_id("trb"))  # Teams answers 503, every try

    assert await agendas_now(bot) == 0
    connector.unreachable.clear()
    before = len(connector.in_conversation(board_channel_id("trb")))
    assert await agendas_now(bot) == 1
    await bot.settled()

    posted = connector.in_conversation(board_channel_id("trb"))[before:]
    assert len(posted) == 1 and "For the meeting on Monday 7 December" in all_text(
        card_of(posted[0])
    )


# ---- Fix round: pages as typed, and "went out" only once posted ---------------------------


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("agenda 2", "Page 2 of 2: requests 9 to 10."),
        ("agenda page 2", "Page 2 of 2: requests 9 to 10."),
        ("agenda 0002", "Page 2 of 2: requests 9 to 10."),
        ("agenda 99999999999999999999", "There is no page that far on. This is the last page"),
        ("agenda page 1000000", "There is no page that far on. This is the last page"),
        ("agenda 100000", "There is no page 100000. This is the last page, page 2."),
    ],
)
async def test_a_page_can_be_typed_with_or_without_the_word_page(
    bot: BotServer, alex: TeamsUser, typed: str, said: str
) -> None:
    await put_on_list(bot, "ictig", 10)
    channel = await register_board_channel(alex, "ictig")

    text = all_text(await agenda_of(channel, typed))

    assert said in text
    assert "Page 2 of 2: requests 9 to 10." in text


async def board_card_text(user: TeamsUser, key: str = "trb") -> str:
    """The board's setup card, as `board.show` draws it (anywhere, for any board)."""
    return all_text(invoke_card(await user.press("board.show", {"board": key})))


async def test_the_board_card_says_the_agenda_went_out_only_once_it_was_posted(
    bot: BotServer, alex: TeamsUser, quiet_boards: None
) -> None:
    out = "Friday 4 December 2026 at 10am"
    assert f"Agenda goes out\n{out}" in await board_card_text(alex)

    bot.clock.set(AGENDA_OUT + dt.timedelta(minutes=5))
    text = await board_card_text(alex)
    assert f"Agenda due\n{out}. It was not posted: no channel is registered for the board." in text
    assert "went out" not in text

    await register_board_channel(alex, "trb")
    text = await board_card_text(alex)
    assert f"Agenda due\n{out}. It will be posted shortly." in text

    assert await agendas_now(bot) == 1
    text = await board_card_text(alex)
    assert f"Agenda went out\n{out}" in text and "shortly" not in text
    async with board_state(bot) as shared:
        kept = await (await shared.store()).get_value("agenda_posted:trb:20261207T1000")
    assert kept == (AGENDA_OUT + dt.timedelta(minutes=5)).isoformat()
