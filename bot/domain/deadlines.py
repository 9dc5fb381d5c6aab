"""Deadlines that do not slip: each stage of a request's life has a target time.

A request waits in one stage at a time: in IT triage, for the requester's answer to a
question, or for its board's decision. Each stage's target is configuration (working
days for triage and questions; the board's next meeting for a decision). At 50% and
75% of the time allowed the stage's owner is reminded; at the deadline (100%) the owner
and whoever oversees the stage (the triage lead, or the board's secretary) are told.
Working days and bank holidays come from `WorkingTime`, the same calendar as the
champions' nudges. Pure: no I/O; the clock's time is passed in.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.domain.model import DigitalRequest, Status
from bot.domain.text import long_date
from bot.domain.triage import Action
from bot.domain.working_time import WorkingTime


class Stage(StrEnum):
    TRIAGE = "triage"  # submitted / in triage: IT triage decides where it goes
    QUESTION = "question"  # awaiting information: the requester answers
    BOARD = "board"  # with a board: the board decides


STAGE_LABELS: dict[Stage, str] = {
    Stage.TRIAGE: "IT triage",
    Stage.QUESTION: "Answer to a question",
    Stage.BOARD: "Board decision",
}

# The points at which someone is told, as a share of the time allowed.
MILESTONES: tuple[int, ...] = (50, 75, 100)


@dataclass(frozen=True)
class StageTargets:
    """The target for each stage (DEADLINE_* settings)."""

    triage_days: int = 5  # working days from submission
    question_days: int = 10  # working days from the question being asked
    # A board decides by its first meeting whose agenda is posted after the request
    # reached its list; with no meetings set, this many working days instead.
    board_days_without_meetings: int = 20


@dataclass(frozen=True)
class Clockface:
    """Where one request stands against its stage's target now."""

    stage: Stage
    entered_at: dt.datetime  # when the request entered this stage (UTC)
    due_at: dt.datetime  # the deadline (UTC)
    overdue: bool
    words: str  # "3 working days left", "Due today by 5pm", "Overdue by 2 working days"


@dataclass(frozen=True)
class Reminder:
    """One reminder owed: `key` is unique per request, stage entry and milestone, so it is
    claimed once (OnceOnly.claim_notification) and sent once across restarts."""

    key: str  # f"deadline:{reference}:{stage}:{entered_at:%Y%m%dT%H%M%S}:{milestone}"
    reference: str
    stage: Stage
    milestone: int  # 50, 75 or 100
    entered_at: dt.datetime
    due_at: dt.datetime


# Which statuses make up each stage. Anything else (decided, closed) has no deadline.
STAGE_STATUSES: dict[Stage, frozenset[Status]] = {
    Stage.TRIAGE: frozenset({Status.SUBMITTED, Status.IN_TRIAGE}),
    Stage.QUESTION: frozenset({Status.AWAITING_INFORMATION}),
    Stage.BOARD: frozenset({Status.WITH_BOARD}),
}
_SEND_TO_BOARD = Action.SEND_TO_BOARD.value  # a new board: its clock starts again
_DEFER = Action.DEFER.value
_BOARD_ASKED = Action.BOARD_ASK_INFO.value
_LONDON = ZoneInfo("Europe/London")


def _stage_for(status: Status) -> Stage | None:
    for stage, statuses in STAGE_STATUSES.items():
        if status in statuses:
            return stage
    return None


def stage_of(
    request: DigitalRequest, zone: dt.tzinfo = _LONDON
) -> tuple[Stage, dt.datetime] | None:
    """The stage the request waits in and when it last entered it (UTC); None when no
    stage applies (decided or closed).

    It entered when the latest history entry moved it in from outside the stage (an
    answer sends it back to triage, a reopen too); a send to another board starts the
    board's clock again; a deferred request comes back at the start of its date, in
    `zone` (the council's time zone).
    """
    stage = _stage_for(request.status)
    if stage is None:
        return None
    statuses = STAGE_STATUSES[stage]
    entered = request.submitted_at
    defer_at: dt.datetime | None = None
    for entry in request.history:
        moved_in = entry.to_status in statuses and entry.from_status not in statuses
        if moved_in or (stage is Stage.BOARD and entry.action == _SEND_TO_BOARD):
            entered = max(entered, entry.at)
        if entry.action == _DEFER:
            defer_at = entry.at
    if stage is Stage.BOARD and request.deferred_until is not None:
        back = dt.datetime.combine(request.deferred_until, dt.time(0), zone).astimezone(dt.UTC)
        # Deferred after it last entered (or with no deferral recorded): back on its date.
        if defer_at is None or defer_at >= entered:
            entered = max(entered, back)
    return stage, entered.astimezone(dt.UTC)


def asked_by_board(request: DigitalRequest) -> bool:
    """Whether the open question came from a board (not IT triage): the latest entry
    into awaiting information says who asked."""
    for entry in reversed(request.history):
        if entry.to_status is Status.AWAITING_INFORMATION:
            return entry.action == _BOARD_ASKED
    return False


def _day_hours(calendar: WorkingTime) -> float:
    """How long a working day is, in hours (8 from 9 to 5)."""

    def hours(at: dt.time) -> float:
        return at.hour + at.minute / 60

    return hours(calendar.day_ends) - hours(calendar.day_starts)


def due_at(
    stage: Stage,
    entered_at: dt.datetime,
    calendar: WorkingTime,
    targets: StageTargets,
    board_meeting: dt.datetime | None,
) -> dt.datetime:
    """The stage's deadline (UTC): a number of working days from entering it, or for a
    board with meetings set, the meeting (`boards.first_meeting_for`)."""
    if stage is Stage.BOARD and board_meeting is not None:
        return board_meeting.astimezone(dt.UTC)
    days = {
        Stage.TRIAGE: targets.triage_days,
        Stage.QUESTION: targets.question_days,
        Stage.BOARD: targets.board_days_without_meetings,
    }[stage]
    return calendar.add(entered_at, days * _day_hours(calendar))


def _share_used(
    entered_at: dt.datetime, due: dt.datetime, now: dt.datetime, calendar: WorkingTime
) -> float:
    """How much of the working time allowed has gone, in percent (100 at the deadline)."""
    if now >= due:
        return 100.0
    allowed = calendar.working_hours_between(entered_at, due)
    if allowed <= 0:
        return 0.0
    return 100 * calendar.working_hours_between(entered_at, now) / allowed


def reminders_due(
    request: DigitalRequest,
    now: dt.datetime,
    calendar: WorkingTime,
    targets: StageTargets,
    board_meeting: dt.datetime | None,
) -> list[Reminder]:
    """A Reminder for each milestone reached in the stage the request waits in now, lowest
    first. Only the last one is worth sending: when several were reached at once (the
    bot was down, say), the others are claimed without being sent."""
    found = stage_of(request, calendar.zone)
    if found is None:
        return []
    stage, entered = found
    due = due_at(stage, entered, calendar, targets, board_meeting)
    used = _share_used(entered, due, now, calendar)
    stamp = f"{entered:%Y%m%dT%H%M%S}"
    return [
        Reminder(
            key=f"deadline:{request.reference}:{stage.value}:{stamp}:{milestone}",
            reference=request.reference,
            stage=stage,
            milestone=milestone,
            entered_at=entered,
            due_at=due,
        )
        for milestone in MILESTONES
        if now >= entered and used >= milestone
    ]


def clockface(
    request: DigitalRequest,
    now: dt.datetime,
    calendar: WorkingTime,
    targets: StageTargets,
    board_meeting: dt.datetime | None,
) -> Clockface | None:
    """Time left or overdue in the stage the request waits in; None when it waits in no
    stage, or its deferral has not ended yet."""
    found = stage_of(request, calendar.zone)
    if found is None or now < found[1]:
        return None
    stage, entered = found
    due = due_at(stage, entered, calendar, targets, board_meeting)
    at_meeting = stage is Stage.BOARD and board_meeting is not None
    words = _words(now, due, calendar, at_meeting)
    return Clockface(stage=stage, entered_at=entered, due_at=due, overdue=now >= due, words=words)


def _days(count: int) -> str:
    return f"{count} working day{'' if count == 1 else 's'}"


def clock_time(at: dt.datetime) -> str:
    """A time of day as GOV.UK writes it: 5pm, 9:30am, midday."""
    if at.hour == 12 and at.minute == 0:
        return "midday"
    hour = at.hour % 12 or 12
    minutes = f":{at.minute:02d}" if at.minute else ""
    return f"{hour}{minutes}{'am' if at.hour < 12 else 'pm'}"


_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def day_words(day: dt.date, today: dt.date) -> str:
    """Tuesday 1 December (with the year when it is not this year's), whatever the locale."""
    date = long_date(day) if day.year != today.year else long_date(day).rsplit(" ", 1)[0]
    return f"{_WEEKDAYS[day.weekday()]} {date}"


def _words(now: dt.datetime, due: dt.datetime, calendar: WorkingTime, at_meeting: bool) -> str:
    today = now.astimezone(calendar.zone).date()
    local_due = due.astimezone(calendar.zone)
    on_day = "today" if local_due.date() == today else day_words(local_due.date(), today)
    if at_meeting:
        when = "at the meeting " + ("today" if on_day == "today" else f"on {on_day}")
    else:
        when = f"by {clock_time(local_due)} " + ("today" if on_day == "today" else f"on {on_day}")
    length = _day_hours(calendar)
    if now >= due:
        if on_day == "today":
            return f"Overdue: it was due {when}"
        late = max(1, int(calendar.working_hours_between(due, now) // length))
        return f"Overdue by {_days(late)} (it was due {when})"
    if on_day == "today" and not at_meeting:
        return f"Due today, by {clock_time(local_due)}"
    if at_meeting:
        return f"Due {when}"
    left = int(calendar.working_hours_between(now, due) // length)
    if left < 1:
        return f"Less than 1 working day left (due {when})"
    return f"{_days(left)} left (due {when})"
