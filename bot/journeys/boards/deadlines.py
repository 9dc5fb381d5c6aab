"""Deadlines that do not slip: reminders in chat as each open request's stage runs on.

Every few minutes the loop reads the open requests, works out which milestones of
their stage's target they have reached (`bot.domain.deadlines`) and tells people in
their chat with the bot: the stage's owner at 50% and 75%, the owner and whoever
oversees the stage at 100%. Whoever stands in for a board's chair (or secretary) that
day as their deputy hears what they hear. Each reminder's key is claimed before anything
is sent, so it goes once, across restarts; an owner the bot cannot reach is replaced by
the overseer, once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass, replace

from bot.domain import deadlines
from bot.domain.boards import BoardSetup, board_channel, first_meeting_for
from bot.domain.deadlines import Clockface, Reminder, Stage
from bot.domain.model import DigitalRequest, Status
from bot.domain.text import long_date
from bot.journey import JourneyContext, Part
from bot.journeys.boards.shared import Shared
from bot.notifier import Delivered
from bot.ports import RequestQuery
from bot.telemetry.steps import job
from cards.deadline_cards import ReminderNote, build_reminder_card
from cards.elements import to_dict

logger = logging.getLogger(__name__)

LOOP_SECONDS = 600  # real time between looks: targets are counted in working days
OPEN = frozenset(
    {Status.SUBMITTED, Status.IN_TRIAGE, Status.AWAITING_INFORMATION, Status.WITH_BOARD}
)
# Working out one request's reminders takes about a millisecond on the event loop, where
# everyone's turns run: read small pages and give other turns a go every few requests, so
# thousands of open requests never hold a turn up for long.
PAGE = 100
YIELD_EVERY = 20
TRIAGE_CHANNEL = "triage"  # the triage channel's purpose: a chat is made through it
_NOT_REACHED = frozenset({Delivered.NO_CHAT, Delivered.UNREACHABLE})
_NO_CHAIR = "the board, which has no chair or secretary set yet"


@dataclass(frozen=True)
class People:
    """Who hears about one request's stage: its owner(s) and its overseer(s)."""

    owners: tuple[str, ...]
    owner_name: str
    overseers: tuple[str, ...]
    via: str  # the channel purpose to make a chat through


async def run_deadlines(shared: Shared) -> int:
    """Send every reminder due now; the number of cards sent."""
    ctx = shared.ctx
    now = ctx.now()
    setups: dict[str, BoardSetup] = {}
    sent = 0
    after = 0
    while True:
        page = await ctx.store.query(RequestQuery(statuses=OPEN), after=after, limit=PAGE)
        for number, request in enumerate(page, 1):
            if number % YIELD_EVERY == 0:
                await asyncio.sleep(0)
            try:
                sent += await _remind(shared, request, now, setups)
            except Exception:
                logger.exception("Deadline reminders for %s failed", request.reference)
        if len(page) < PAGE:
            return sent
        after = int(page[-1].item_id)


async def clockface_for(shared: Shared, request: DigitalRequest) -> Clockface | None:
    """Time left or overdue in the request's stage now (for the agenda's items)."""
    ctx = shared.ctx
    meeting = await _meeting(shared, request, {})
    return deadlines.clockface(request, ctx.now(), ctx.calendar, ctx.targets, meeting)


async def _setup(shared: Shared, board: str, setups: dict[str, BoardSetup]) -> BoardSetup:
    if board not in setups:
        setups[board] = await (await shared.store()).setup(board)
    return setups[board]


async def _meeting(
    shared: Shared, request: DigitalRequest, setups: dict[str, BoardSetup]
) -> dt.datetime | None:
    """For a request with its board: the meeting that decides it, if meetings are set."""
    found = deadlines.stage_of(request, shared.ctx.calendar.zone)
    if found is None or found[0] is not Stage.BOARD:
        return None
    return first_meeting_for(await _setup(shared, request.route.board, setups), found[1])


async def _remind(
    shared: Shared, request: DigitalRequest, now: dt.datetime, setups: dict[str, BoardSetup]
) -> int:
    ctx = shared.ctx
    meeting = await _meeting(shared, request, setups)
    due = deadlines.reminders_due(request, now, ctx.calendar, ctx.targets, meeting)
    if not due:
        return 0
    # Only the highest milestone reached is sent, and only if it is new; the lower ones
    # are claimed with it, so a milestone passed while the bot was down never goes late.
    reminder = due[-1]
    if not await ctx.store.claim_notification(reminder.key):
        return 0
    for passed in due[:-1]:
        await ctx.store.notification_sent(passed.key)  # passed while down: never sent late
    try:
        told = await _send(shared, request, reminder, now, meeting, setups)
    except Exception:
        # Not all sent: the next look tries again; each person's own key stops repeats.
        await ctx.store.release_notification(reminder.key)
        raise
    await ctx.store.notification_sent(reminder.key)
    return told


async def _send(
    shared: Shared,
    request: DigitalRequest,
    reminder: Reminder,
    now: dt.datetime,
    meeting: dt.datetime | None,
    setups: dict[str, BoardSetup],
) -> int:
    ctx = shared.ctx
    people = await _people(shared, request, reminder.stage, setups)
    face = deadlines.clockface(request, now, ctx.calendar, ctx.targets, meeting)
    note = ReminderNote(
        reference=request.reference,
        title=request.details.title,
        stage=reminder.stage,
        milestone=reminder.milestone,
        target=_target(shared, reminder, now, meeting),
        time_left=face.words if face else "",
        what_to_do=_what_to_do(reminder.stage, meeting is not None),
        owner_name=people.owner_name,
    )
    sent, reached = 0, False
    for owner in people.owners:
        delivered = await _deliver(shared, owner, note, reminder, people.via)
        sent += delivered is Delivered.SENT
        reached = reached or delivered not in _NOT_REACHED
    if reminder.stage is Stage.BOARD:
        sent += await _tell_deputies(shared, request, note, reminder, people)
    breach = reminder.milestone >= 100
    if not breach and reached:
        return sent
    # With nobody to own it (a board with no chair or secretary), the overseer just hears.
    overseer_note = _for_overseer(note, unreachable=bool(people.owners) and not reached)
    for overseer in people.overseers:
        if overseer in people.owners and reached:
            continue  # already told, as the owner
        delivered = await _deliver(shared, overseer, overseer_note, reminder, people.via)
        sent += delivered is Delivered.SENT
    return sent


async def _tell_deputies(
    shared: Shared, request: DigitalRequest, note: ReminderNote, reminder: Reminder, people: People
) -> int:
    """Whoever stands in for the board's owner today hears what the owner hears."""
    deputies = await (await shared.store()).deputies(request.route.board, on=shared.today())
    sent = 0
    for deputy in deputies:
        if deputy.member_id not in people.owners or deputy.deputy_id in people.owners:
            continue
        standing_in = replace(
            note, deputy_for=deputy.member_name, deputy_until=long_date(deputy.ends)
        )
        delivered = await _deliver(shared, deputy.deputy_id, standing_in, reminder, people.via)
        sent += delivered is Delivered.SENT
    return sent


def _for_overseer(note: ReminderNote, unreachable: bool) -> ReminderNote:
    what = {
        Stage.TRIAGE: "Please check who in IT triage can pick it up today.",
        Stage.QUESTION: "The requester has not answered yet. You may want to contact them.",
        Stage.BOARD: "Please make sure the board decides it. It is on the board's agenda.",
    }[note.stage]
    return replace(note, overseer=True, owner_unreachable=unreachable, what_to_do=what)


async def _deliver(
    shared: Shared, user_id: str, note: ReminderNote, reminder: Reminder, via: str
) -> Delivered:
    card = to_dict(build_reminder_card(note))
    return await shared.ctx.notifier.deliver(user_id, card, f"{reminder.key}:{user_id}", via=via)


async def _people(
    shared: Shared, request: DigitalRequest, stage: Stage, setups: dict[str, BoardSetup]
) -> People:
    ctx = shared.ctx
    leads = tuple(sorted(shared.config.triage_lead_ids or ctx.admin_ids))
    if stage is Stage.TRIAGE:
        owners: tuple[str, ...] = leads
        if request.assignee_id:
            owners, name = (request.assignee_id,), request.assignee_name
        else:
            name = "IT triage"
        return People(owners, name, leads, TRIAGE_CHANNEL)
    if stage is Stage.QUESTION:
        requester = request.requester
        if deadlines.asked_by_board(request):
            setup = await _setup(shared, request.route.board, setups)
            overseers = _one(setup.secretary_id) or leads
            via = board_channel(request.route.board)
        else:
            overseers, via = leads, TRIAGE_CHANNEL
        return People(_one(requester.user_id), requester.name, overseers, via)
    setup = await _setup(shared, request.route.board, setups)
    chair = setup.chair_id or setup.secretary_id
    name = setup.names.get(chair, "the board's chair") if chair else _NO_CHAIR
    overseers = _one(setup.secretary_id) or leads
    return People(_one(chair), name, overseers, board_channel(request.route.board))


def _one(user_id: str) -> tuple[str, ...]:
    return (user_id,) if user_id else ()


def _target(
    shared: Shared, reminder: Reminder, now: dt.datetime, meeting: dt.datetime | None
) -> str:
    ctx = shared.ctx
    if meeting is not None:
        today = now.astimezone(ctx.calendar.zone).date()
        day = deadlines.day_words(meeting.astimezone(ctx.calendar.zone).date(), today)
        return f"A decision at the board's meeting on {day}"
    days = {
        Stage.TRIAGE: ctx.targets.triage_days,
        Stage.QUESTION: ctx.targets.question_days,
        Stage.BOARD: ctx.targets.board_days_without_meetings,
    }[reminder.stage]
    return f"{days} working day{'' if days == 1 else 's'}"


def _what_to_do(stage: Stage, has_meeting: bool) -> str:
    if stage is Stage.TRIAGE:
        return "Open it in the IT triage channel and decide where it goes next."
    if stage is Stage.QUESTION:
        return (
            "We asked you a question about this request. Please answer it from the "
            "question card in this chat. Type 'my requests' to find it."
        )
    if has_meeting:
        return "It is on the agenda for the board's meeting. Please decide it there."
    return "It is on the board's list. Type 'agenda' in the board's channel to decide it."


def part(ctx: JourneyContext, shared: Shared) -> Part:
    async def loop() -> None:
        while True:
            await asyncio.sleep(LOOP_SECONDS)
            try:
                with job("deadlines"):
                    await run_deadlines(shared)
            except Exception:
                logger.exception("The deadline loop failed; it will try again")

    return Part(loops=(loop,))
