"""Deadlines that do not slip, over real HTTP: every stage's owner is reminded in chat
at 50% and 75% of the target, and at the deadline the owner and the overseer are told.
Working days and bank holidays count; each reminder goes once, across a restart.

The deadline loop waits minutes between looks: these tests move the bot's clock and
run the loop's work (`run_deadlines`) themselves.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.app import CONTEXT
from bot.domain import deadlines as domain_deadlines
from bot.domain.boards import Cadence, Repeat
from bot.domain.model import Requester, Route
from bot.domain.scoring import score
from bot.journeys.boards.deadlines import clockface_for, run_deadlines
from bot.journeys.intake.form import build_details
from bot.ports import NewRequest
from tests.e2e.boards import (
    add_deputy,
    board_state,
    press_on,
    set_setup,
    to_board,
    triage_view,
)
from tests.e2e.conftest import in_channel
from tests.e2e.journey import GOOD_ANSWERS, raise_request
from tests.support.cards import all_text, assert_cards_ok
from tests.support.limited_connector import LimitedConnector
from tests.support.teams import BotServer, TeamsUser, invoke_card

UTC = dt.UTC
LEE = "00000000-0000-0000-0000-000000000101"  # the triage lead
ISAIAH = "00000000-0000-0000-0000-000000000102"  # the Technical Review Board's chair
JOHANNA = "00000000-0000-0000-0000-000000000103"  # its secretary


def at(day: int, hour: int, minute: int = 0, month: int = 11, year: int = 2026) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=UTC)  # London is on UTC


THURSDAY = at(26, 10)  # Thursday 26 November 2026, 10am


@pytest.fixture
async def connector() -> AsyncIterator[LimitedConnector]:
    service = LimitedConnector()
    await service.start()
    yield service
    await service.stop()


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[BotServer]:
    server = BotServer(tmp_path / "data", env={"TRIAGE_LEAD_IDS": LEE})
    await server.start()
    yield server
    await server.stop()


def someone(alex: TeamsUser, aad: str, name: str) -> TeamsUser:
    """Someone else in the tenant, with their own chat with the bot."""
    return TeamsUser(alex.http, alex.bot, alex.connector, f"29:{aad[-3:]}", name, aad)


@pytest.fixture
def alex(http: aiohttp.ClientSession, bot: BotServer, connector: LimitedConnector) -> TeamsUser:
    """An admin, on the IT triage roster (local mode)."""
    return TeamsUser(http, bot, connector)


@pytest.fixture
def megan(alex: TeamsUser) -> TeamsUser:
    return someone(alex, "00000000-0000-0000-0000-0000000000021", "Megan Bowen")


def chats_of(user: TeamsUser) -> set[str]:
    ids = {user.conversation_id}
    for made in user.connector.created:
        if made.endswith(user.user_id) or made.endswith(user.aad_object_id):
            ids.add(made)
    return ids


def reminders(user: TeamsUser, reference: str) -> list[dict[str, Any]]:
    """The deadline cards about this request in the person's own chat."""
    found = []
    for sent in user.connector.sent:
        if sent.method != "POST" or sent.conversation_id not in chats_of(user):
            continue
        for attachment in sent.activity.get("attachments") or []:
            content = attachment.get("content") or {}
            said = str(content.get("fallbackText", ""))
            if said.startswith((f"Reminder: {reference}", f"Deadline missed: {reference}")):
                found.append(content)
    return found


def said(user: TeamsUser, reference: str) -> list[str]:
    return [all_text(card) for card in reminders(user, reference)]


async def remind(bot: BotServer, when: dt.datetime) -> int:
    """Move the clock and do what the deadline loop does."""
    bot.clock.set(when)
    async with board_state(bot) as shared:
        sent = await run_deadlines(shared)
    await bot.settled()
    return sent


async def raised(alex: TeamsUser, megan: TeamsUser) -> str:
    """Alex registers the triage channel and Megan raises a request, on Thursday."""
    alex.bot.clock.set(THURSDAY)
    await in_channel(alex).say("register triage")
    confirmation = await raise_request(megan)
    text = all_text(confirmation)
    start = text.index("DR-")
    return text[start : start + 12]


async def assigned_to_alex(alex: TeamsUser, reference: str) -> None:
    view = await triage_view(alex, reference)
    after = invoke_card(await press_on(in_channel(alex), view, "Assign to me"))
    assert "Who has it: Alex Wilber" in all_text(after)


# ---- IT triage --------------------------------------------------------------------------


async def test_triage_is_reminded_after_the_weekend_once_each_across_a_restart(
    alex: TeamsUser, megan: TeamsUser, bot: BotServer
) -> None:
    lee = someone(alex, LEE, "Lee Gu")
    reference = await raised(alex, megan)
    await assigned_to_alex(alex, reference)

    # 40 working hours from Thursday 10am: by Saturday only 15 have gone.
    assert await remind(bot, at(28, 12)) == 0
    assert await remind(bot, at(30, 13, 59)) == 0
    assert await remind(bot, at(30, 14)) == 1  # Monday 2pm: half the time
    [half] = said(alex, reference)
    assert f"Reminder: {reference} is due soon" in half
    assert "Half the time for this has gone." in half
    assert "IT triage" in half and "5 working days" in half
    assert "2 working days left (due by 10am on Thursday 3 December)" in half
    assert "Open it in the IT triage channel" in half
    assert not said(lee, reference), "the lead hears only when it is missed"
    assert not reminders(megan, reference)

    assert await remind(bot, at(30, 15)) == 0  # once
    await bot.restart()
    assert await remind(bot, at(30, 16)) == 0  # once, across the restart
    assert await remind(bot, at(1, 16, month=12)) == 1  # Tuesday 4pm: three quarters
    assert "Three quarters of the time for this has gone." in said(alex, reference)[-1]

    # Thursday 10am: missed. Alex, who has it, and Lee, the triage lead, are told.
    assert await remind(bot, at(3, 10, month=12)) == 2
    missed = said(alex, reference)[-1]
    assert f"Deadline missed: {reference}" in missed
    assert "Overdue: it was due by 10am today" in missed
    [lead] = said(lee, reference)
    assert "The deadline for this has passed." in lead
    assert "It is with Alex Wilber." in lead
    await bot.restart()
    assert await remind(bot, at(7, 10, month=12)) == 0
    assert len(said(alex, reference)) == 3 and len(said(lee, reference)) == 1


async def test_a_bank_holiday_pushes_the_reminders_and_the_deadline(
    alex: TeamsUser, megan: TeamsUser, bot: BotServer
) -> None:
    lee = someone(alex, LEE, "Lee Gu")
    alex.bot.clock.set(at(23, 10, month=12))  # Wednesday 23 December
    await in_channel(alex).say("register triage")
    text = all_text(await raise_request(megan))
    reference = text[text.index("DR-") :][:12]
    # Nobody has it yet: the triage lead is its owner. Christmas Day and Boxing Day
    # (on Monday 28th) are not working days.
    assert await remind(bot, at(25, 14, month=12)) == 0
    assert await remind(bot, at(28, 14, month=12)) == 0
    assert await remind(bot, at(29, 13, 59, month=12)) == 0
    assert await remind(bot, at(29, 14, month=12)) == 1
    [half] = said(lee, reference)
    assert "due by 10am on Monday 4 January 2027" in half
    # New Year's Day is off too: due on Monday 4 January, not Friday 1 January.
    assert await remind(bot, at(1, 12, month=1, year=2027)) == 1  # three quarters
    assert await remind(bot, at(4, 9, 59, month=1, year=2027)) == 0
    assert await remind(bot, at(4, 10, month=1, year=2027)) == 1  # missed: the lead, once
    assert "Deadline missed" in said(lee, reference)[-1]


async def test_only_the_latest_milestone_is_sent_when_several_were_reached_at_once(
    alex: TeamsUser, megan: TeamsUser, bot: BotServer
) -> None:
    reference = await raised(alex, megan)
    await assigned_to_alex(alex, reference)
    # The bot was not running for a week: the deadline has passed.
    assert await remind(bot, at(4, 11, month=12)) == 2
    [missed] = said(alex, reference)
    assert "Deadline missed" in missed
    assert "Overdue by 1 working day (it was due by 10am on Thursday 3 December)" in missed
    assert await remind(bot, at(8, 11, month=12)) == 0


async def test_the_triage_card_shows_the_time_left_then_overdue_in_words(
    alex: TeamsUser, megan: TeamsUser, bot: BotServer
) -> None:
    reference = await raised(alex, megan)
    view = all_text(await triage_view(alex, reference))
    assert "Time left" in view
    assert "5 working days left (due by 10am on Thursday 3 December)" in view
    bot.clock.set(at(4, 11, month=12))
    view = all_text(await triage_view(alex, reference))
    assert "Overdue by 1 working day (it was due by 10am on Thursday 3 December)" in view


# ---- The requester's answer -------------------------------------------------------------


async def asked(alex: TeamsUser, reference: str) -> None:
    view = await triage_view(alex, reference)
    question = {"question": "How many bookings a week?"}
    after = invoke_card(await press_on(in_channel(alex), view, "Send question", question))
    assert "Waiting for the requester to answer" in all_text(after)


async def test_a_question_reminds_the_requester_and_the_lead_hears_when_it_is_missed(
    alex: TeamsUser, megan: TeamsUser, bot: BotServer
) -> None:
    lee = someone(alex, LEE, "Lee Gu")
    reference = await raised(alex, megan)
    await asked(alex, reference)
    view = all_text(await triage_view(alex, reference))
    assert "10 working days left (due by 10am on Thursday 10 December)" in view
    # 10 working days from Thursday 26 November: half gone on Thursday 3 December.
    assert await remind(bot, at(3, 9, 59, month=12)) == 0
    assert await remind(bot, at(3, 10, month=12)) == 1
    [half] = said(megan, reference)
    assert "Answer to a question" in half and "10 working days" in half
    assert "Please answer it from the question card in this chat." in half
    assert not said(alex, reference)
    assert await remind(bot, at(10, 10, month=12)) == 2
    assert "Deadline missed" in said(megan, reference)[-1]
    [lead] = said(lee, reference)
    assert "The requester has not answered yet." in lead
    assert "It is with Megan Bowen." in lead


async def test_a_requester_the_bot_cannot_reach_is_replaced_by_the_lead_once(
    alex: TeamsUser, megan: TeamsUser, bot: BotServer, connector: LimitedConnector
) -> None:
    lee = someone(alex, LEE, "Lee Gu")
    reference = await raised(alex, megan)
    await asked(alex, reference)
    await bot.settled()  # the question itself reached her
    connector.blocked.add(megan.conversation_id)  # Teams answers 403 in her chat
    assert await remind(bot, at(3, 10, month=12)) == 1
    assert not said(megan, reference)
    [instead] = said(lee, reference)
    assert "We could not reach Megan Bowen in Teams, so we are telling you instead." in instead
    assert await remind(bot, at(3, 12, month=12)) == 0
    await bot.restart()
    assert await remind(bot, at(3, 14, month=12)) == 0
    assert len(said(lee, reference)) == 1
    assert connector.counts.blocked == 1, "her chat is tried once for this reminder"


# ---- A board's decision ---------------------------------------------------------------


async def trb_setup(bot: BotServer, cadence: Cadence | None) -> None:
    await set_setup(
        bot,
        "trb",
        chair_id=ISAIAH,
        secretary_id=JOHANNA,
        names={ISAIAH: "Isaiah Langer", JOHANNA: "Johanna Lorenz"},
        cadence=cadence,
        agenda_days_before=3,
    )


async def test_a_board_without_meetings_has_twenty_working_days(
    alex: TeamsUser, megan: TeamsUser, bot: BotServer
) -> None:
    isaiah = someone(alex, ISAIAH, "Isaiah Langer")
    johanna = someone(alex, JOHANNA, "Johanna Lorenz")
    bot.clock.set(THURSDAY)
    reference = await to_board(alex, megan, board="trb")
    await trb_setup(bot, None)
    # Half of 20 working days from Thursday 26 November: Thursday 10 December.
    assert await remind(bot, at(10, 9, 59, month=12)) == 0
    assert await remind(bot, at(10, 10, month=12)) == 1
    [half] = said(isaiah, reference)
    assert "Board decision" in half and "20 working days" in half
    assert "Type 'agenda' in the board's channel to decide it." in half
    assert not said(johanna, reference)
    # Christmas Eve: missed. The chair and the secretary are told.
    assert await remind(bot, at(24, 10, month=12)) == 2
    assert "Deadline missed" in said(isaiah, reference)[-1]
    [secretary] = said(johanna, reference)
    assert "It is with Isaiah Langer." in secretary
    assert "Please make sure the board decides it." in secretary


async def test_a_board_with_meetings_is_due_at_its_next_meeting(
    alex: TeamsUser, megan: TeamsUser, bot: BotServer
) -> None:
    isaiah = someone(alex, ISAIAH, "Isaiah Langer")
    johanna = someone(alex, JOHANNA, "Johanna Lorenz")
    bot.clock.set(THURSDAY)
    reference = await to_board(alex, megan, board="trb")
    # Every Tuesday at 2pm, the agenda out 3 days before: the meeting on Tuesday
    # 1 December is the first whose agenda goes out after Thursday.
    await trb_setup(bot, Cadence(dt.date(2026, 11, 3), dt.time(14, 0), Repeat.WEEKLY))
    async with board_state(bot) as shared:
        request = await shared.ctx.store.get(reference)
        assert request is not None
        face = await clockface_for(shared, request)  # what the agenda shows
    assert face is not None and face.due_at == at(1, 14, month=12) and not face.overdue
    assert face.words == "Due at the meeting on Tuesday 1 December"
    # 28 working hours to the meeting: half by Friday 4pm, three quarters Monday 3pm.
    assert await remind(bot, at(27, 15, 59)) == 0
    assert await remind(bot, at(27, 16)) == 1
    [half] = said(isaiah, reference)
    assert "A decision at the board's meeting on Tuesday 1 December" in half
    assert "Due at the meeting on Tuesday 1 December" in half
    assert "It is on the agenda for the board's meeting." in half
    assert await remind(bot, at(30, 15)) == 1
    assert await remind(bot, at(1, 14, month=12)) == 2
    assert "Overdue: it was due at the meeting today" in said(isaiah, reference)[-1]
    assert len(said(johanna, reference)) == 1


async def test_the_chairs_deputy_today_hears_too_saying_whose_deputy_they_are(
    alex: TeamsUser, megan: TeamsUser, bot: BotServer
) -> None:
    isaiah = someone(alex, ISAIAH, "Isaiah Langer")
    adele = someone(alex, "00000000-0000-0000-0000-000000000104", "Adele Vance")
    diego = someone(alex, "00000000-0000-0000-0000-000000000105", "Diego Siciliani")
    bot.clock.set(THURSDAY)
    reference = await to_board(alex, megan, board="trb")
    await trb_setup(bot, None)
    # Adele stands in for the chair over the half-way day; Diego's turn is over by then.
    await add_deputy(bot, "trb", isaiah, adele, dt.date(2026, 12, 9), dt.date(2026, 12, 11))
    await add_deputy(bot, "trb", isaiah, diego, dt.date(2026, 11, 26), dt.date(2026, 12, 4))

    assert await remind(bot, at(10, 10, month=12)) == 2

    assert len(said(isaiah, reference)) == 1
    [told] = said(adele, reference)
    assert "You are standing in for Isaiah Langer on the board until 11 December 2026" in told
    assert "Type 'agenda' in the board's channel to decide it." in told
    assert_cards_ok(reminders(adele, reference))
    assert not said(diego, reference)
    # At the deadline (Christmas Eve) Adele's turn is over: the chair and secretary hear.
    assert await remind(bot, at(24, 10, month=12)) == 2
    assert len(said(adele, reference)) == 1


# ---- Many open requests ------------------------------------------------------------------


async def test_a_look_at_many_open_requests_lets_other_turns_run_as_it_goes(
    alex: TeamsUser, bot: BotServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Working out reminders costs about a millisecond a request on the event loop:
    with thousands open, everyone else's turn would wait seconds if it never let go."""
    bot.clock.set(THURSDAY)
    assert bot.app is not None
    store = bot.app[CONTEXT].store
    values = {k: str(v) for step in GOOD_ANSWERS.values() for k, v in step.items()}
    details = build_details(values, THURSDAY.date())
    matrix = (await store.governance()).matrix
    for number in range(240):
        await store.add(
            NewRequest(
                draft_id=f"draft-{number}",
                details=details,
                requester=Requester(f"person-{number}", f"Person {number}", f"aad-{number}"),
                score=score(details, matrix, THURSDAY.date()),
                route=Route("trb", "change_request", "It needs the board.", "rule"),
                submitted_at=THURSDAY,
            )
        )
    # Count the requests worked out, and see how many go by between two turns of
    # someone else's.
    worked_out = 0
    work_out = domain_deadlines.reminders_due

    def counted(*args: Any, **kwargs: Any) -> Any:
        nonlocal worked_out
        worked_out += 1
        return work_out(*args, **kwargs)

    monkeypatch.setattr(domain_deadlines, "reminders_due", counted)
    longest, done = 0, asyncio.Event()

    async def someone_elses_turns() -> None:
        nonlocal longest
        seen = worked_out
        while not done.is_set():
            await asyncio.sleep(0)
            longest, seen = max(longest, worked_out - seen), worked_out

    others = asyncio.create_task(someone_elses_turns())
    async with board_state(bot) as shared:
        assert await run_deadlines(shared) == 0  # nothing due yet: only the working out
    done.set()
    await others

    assert worked_out == 240
    assert longest <= 25


# ---- Settings -------------------------------------------------------------------------


async def test_targets_and_working_hours_come_from_the_settings(
    tmp_path: Path, http: aiohttp.ClientSession, connector: LimitedConnector
) -> None:
    env = {"DEADLINE_TRIAGE_DAYS": "2", "COMMUNITY_WORKING_HOURS": "10:00-16:00"}
    server = BotServer(tmp_path / "other", env=env)
    await server.start()
    try:
        alex = TeamsUser(http, server, connector)
        megan = someone(alex, "00000000-0000-0000-0000-0000000000021", "Megan Bowen")
        reference = await raised(alex, megan)
        # 2 working days of 6 hours from Thursday 10am: 4pm on Friday.
        view = all_text(await triage_view(alex, reference))
        assert "2 working days left (due by 4pm on Friday 27 November)" in view
        assert await remind(server, at(26, 15, 59)) == 0
        assert await remind(server, at(26, 16)) == 1  # half: the whole of Thursday
    finally:
        await server.stop()


async def test_a_reminder_teams_could_not_take_is_sent_on_a_later_run_once(
    alex: TeamsUser, megan: TeamsUser, bot: BotServer, connector: LimitedConnector
) -> None:
    reference = await raised(alex, megan)
    await assigned_to_alex(alex, reference)
    await bot.settled()
    connector.fail_next = 100  # 503 past every retry: Teams is down for this run
    assert await remind(bot, at(30, 14)) == 0
    assert not said(alex, reference)
    connector.fail_next = 0
    assert await remind(bot, at(30, 14, 10)) == 1
    assert await remind(bot, at(30, 14, 20)) == 0
    assert len(said(alex, reference)) == 1


async def test_a_board_with_nobody_to_own_its_deadline_tells_the_triage_lead(
    alex: TeamsUser, megan: TeamsUser, bot: BotServer
) -> None:
    lee = someone(alex, LEE, "Lee Gu")
    bot.clock.set(THURSDAY)
    reference = await to_board(alex, megan, board="trb")
    await set_setup(bot, "trb", chair_id="", secretary_id="", cadence=None)
    assert await remind(bot, at(10, 10, month=12)) == 1
    [half] = said(lee, reference)
    assert "It is with the board, which has no chair or secretary set yet." in half
    assert "could not reach" not in half
