"""The governance boards at work, as plain data: who sits on each board, when it meets,
who may decide for whom, and each decision it records.

The strategy's boards (Digital, Data and Customer Board; Technical Review Board; ICT
Improvement Group) decide what happens to the requests on their lists. Their names and
purposes are governance config (`bot.domain.governance`); how each one works day to day
is here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.domain.model import AuditEntry, Budget, DigitalRequest
from bot.domain.references import parse_reference
from bot.domain.text import long_date


def board_channel(board_key: str) -> str:
    """The purpose a board's channel is registered under, like "board:trb"."""
    return f"board:{board_key}"


class Repeat(StrEnum):
    """How often a board meets."""

    WEEKLY = "weekly"
    FORTNIGHTLY = "fortnightly"
    FOUR_WEEKLY = "four_weekly"
    MONTHLY = "monthly"  # the same weekday of the month as the first meeting (say, 2nd Tuesday)


REPEAT_LABELS: dict[Repeat, str] = {
    Repeat.WEEKLY: "Every week",
    Repeat.FORTNIGHTLY: "Every 2 weeks",
    Repeat.FOUR_WEEKLY: "Every 4 weeks",
    Repeat.MONTHLY: "Once a month, on the same weekday",
}


@dataclass(frozen=True)
class Cadence:
    """When a board meets: from `first` (a date), at `at` local time, repeating."""

    first: dt.date
    at: dt.time
    repeat: Repeat
    timezone: str = "Europe/London"


@dataclass(frozen=True)
class BoardSetup:
    """How one board works: its people, its meetings, and when its agenda goes out.

    `members` are Entra object ids, with their names in `names` where known. In m365
    mode `member_group` (an Entra group's id) adds the group's members. The secretary
    runs the agenda and hears of missed deadlines; the chair owns the board's decisions
    deadline. Either may also be a member.
    """

    key: str  # the board's key in governance: ddc, trb or ictig
    members: frozenset[str] = frozenset()
    names: dict[str, str] = field(default_factory=dict)  # Entra object id -> display name
    member_group: str = ""
    secretary_id: str = ""
    chair_id: str = ""
    cadence: Cadence | None = None  # None: meetings not set yet (no automatic agenda)
    agenda_days_before: int = 3  # the agenda is posted this many days before a meeting
    sample: bool = False  # seeded demo data, made-up people (local mode only)


@dataclass(frozen=True)
class Deputy:
    """A member away names someone to decide in their place, from `starts` to `ends`
    (both days included, in the council's time zone)."""

    board: str
    member_id: str
    member_name: str
    deputy_id: str
    deputy_name: str
    starts: dt.date
    ends: dt.date
    named_at: dt.datetime


@dataclass(frozen=True)
class Authority:
    """Why someone may decide for a board now: as a member, or as a member's deputy."""

    user_id: str
    name: str
    on_behalf_of_id: str = ""  # the member they stand in for; "" when deciding as a member
    on_behalf_of_name: str = ""


class DecisionKind(StrEnum):
    APPROVE = "approve"
    DEFER = "defer"
    REJECT = "reject"
    ASK_INFO = "ask_info"
    SEND_TO_BOARD = "send_to_board"


DECISION_LABELS: dict[DecisionKind, str] = {
    DecisionKind.APPROVE: "Approved",
    DecisionKind.DEFER: "Deferred",
    DecisionKind.REJECT: "Not taken forward",
    DecisionKind.ASK_INFO: "More information asked for",
    DecisionKind.SEND_TO_BOARD: "Sent to another board",
}


@dataclass(frozen=True)
class Decision:
    """One decision a board made, as recorded (and written to SharePoint for Power BI).

    `id` is f"{reference}:{n}" where n is the request's history length after the
    decision, so a decision is kept once however often its card is pressed.
    """

    id: str
    reference: str
    board: str
    kind: DecisionKind
    decided_by_id: str
    decided_by_name: str
    at: dt.datetime
    rationale: str
    on_behalf_of_id: str = ""  # a deputy decided for this member
    on_behalf_of_name: str = ""
    process: str = ""  # APPROVE: change_request or project
    delivery_owner: str = ""  # APPROVE
    theme: str = ""  # APPROVE: a Theme value
    horizon: str = ""  # APPROVE: a Horizon value
    deferred_until: dt.date | None = None  # DEFER
    to_board: str = ""  # SEND_TO_BOARD
    score: int = 0  # the request's priority score when decided
    matrix_version: str = ""
    seq: int = 0  # the order the store kept it in (0 until kept)


# -- When a board meets ---------------------------------------------------------------

_STEP_DAYS = {Repeat.WEEKLY: 7, Repeat.FORTNIGHTLY: 14, Repeat.FOUR_WEEKLY: 28}
_LAST = 5  # a first meeting in a month's 5th week repeats on the month's last such weekday


def _week_of_month(day: dt.date) -> int:
    """1 for the month's first Tuesday (say), 2 for its second, ... 5 for a fifth."""
    return (day.day - 1) // 7 + 1


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> dt.date:
    """The month's nth such weekday; nth 5 means the last one (the 4th when there is no 5th)."""
    first = dt.date(year, month, 1)
    day = first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))
    if day.month != month:
        day -= dt.timedelta(days=7)
    return day


def _meeting_days(cadence: Cadence, from_day: dt.date) -> Iterator[dt.date]:
    """Every meeting day on or after `from_day` (and never before the first), in order."""
    start = max(from_day, cadence.first)
    step = _STEP_DAYS.get(cadence.repeat)
    if step is not None:
        skipped = -(-(start - cadence.first).days // step)  # whole steps, rounded up
        day = cadence.first + dt.timedelta(days=skipped * step)
        while True:
            yield day
            day += dt.timedelta(days=step)
    nth = min(_week_of_month(cadence.first), _LAST)
    year, month = start.year, start.month
    while True:
        day = _nth_weekday(year, month, cadence.first.weekday(), nth)
        if day >= start:
            yield day
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _meetings_after(cadence: Cadence, after: dt.datetime) -> Iterator[dt.datetime]:
    zone = ZoneInfo(cadence.timezone)
    # A day early, so a meeting later the same local day (or across midnight UTC) is seen.
    from_day = after.astimezone(zone).date() - dt.timedelta(days=1)
    for day in _meeting_days(cadence, from_day):
        at = dt.datetime.combine(day, cadence.at, tzinfo=zone).astimezone(dt.UTC)
        if at > after:
            yield at


def meetings(cadence: Cadence, after: dt.datetime, count: int) -> list[dt.datetime]:
    """The next `count` meetings strictly after `after`, as aware UTC datetimes.

    Meetings are at `cadence.at` local time in the cadence's time zone, so a 10am
    meeting stays at 10am across the clock changes. A meeting on a bank holiday still
    counts: boards set their own dates.
    """
    if after.tzinfo is None:
        raise ValueError("after must be timezone-aware")
    found: list[dt.datetime] = []
    if count <= 0:
        return found
    for at in _meetings_after(cadence, after):
        found.append(at)
        if len(found) == count:
            break
    return found


def agenda_at(setup: BoardSetup, meeting: dt.datetime) -> dt.datetime:
    """When the agenda for `meeting` goes out: `agenda_days_before` days earlier, at the
    same local time (so a clock change in between does not move it by an hour). Without
    meetings set, in the council's time zone."""
    zone = ZoneInfo(setup.cadence.timezone if setup.cadence else "Europe/London")
    local = meeting.astimezone(zone)
    earlier = (local.replace(tzinfo=None) - dt.timedelta(days=setup.agenda_days_before)).replace(
        tzinfo=zone
    )
    return earlier.astimezone(dt.UTC)


def first_meeting_for(setup: BoardSetup, reached_at: dt.datetime) -> dt.datetime | None:
    """The first meeting whose agenda goes out at or after `reached_at` (when a request
    reached the board's list): the meeting that should decide it. None without meetings."""
    if setup.cadence is None:
        return None
    # A meeting at `reached_at` itself counts when its agenda goes out that moment too.
    for meeting in _meetings_after(setup.cadence, reached_at - dt.timedelta(microseconds=1)):
        if agenda_at(setup, meeting) >= reached_at:
            return meeting
    return None  # pragma: no cover - the meetings never run out


def agenda_due(setup: BoardSetup, now: dt.datetime) -> dt.datetime | None:
    """The meeting whose agenda should be out by `now`: the next meeting, once `now` is
    on or after its agenda time. None between agendas, or without meetings."""
    if setup.cadence is None:
        return None
    upcoming = meetings(setup.cadence, now, 1)
    if upcoming and now >= agenda_at(setup, upcoming[0]):
        return upcoming[0]
    return None


_ORDINALS = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th", 5: "last"}
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def clock_time(at: dt.time) -> str:
    """A time as GOV.UK writes it: 2pm, 9:30am, midday, midnight."""
    if at.hour == 0 and at.minute == 0:
        return "midnight"
    if at.hour == 12 and at.minute == 0:
        return "midday"
    hour = at.hour % 12 or 12
    minutes = f":{at.minute:02d}" if at.minute else ""
    return f"{hour}{minutes}{'am' if at.hour < 12 else 'pm'}"


def describe_cadence(cadence: Cadence) -> str:
    """When a board meets, in words: "Every 2 weeks on Thursday at 2pm, from 8 January 2026"."""
    weekday = _WEEKDAYS[cadence.first.weekday()]
    if cadence.repeat is Repeat.MONTHLY:
        nth = _ORDINALS[min(_week_of_month(cadence.first), _LAST)]
        when = f"On the {nth} {weekday} of every month"
    else:
        when = f"{REPEAT_LABELS[cadence.repeat]} on {weekday}"
    return f"{when} at {clock_time(cadence.at)}, from {long_date(cadence.first)}"


# -- Who may decide -------------------------------------------------------------------


def authority(
    setup: BoardSetup,
    deputies: Iterable[Deputy],
    actor_id: str,
    actor_name: str,
    today: dt.date,
) -> Authority | None:
    """Why `actor_id` may decide for this board today, or None if they may not.

    A member decides as themselves (even if they are also someone's deputy). A deputy
    decides for a member only from `starts` to `ends`, and only while that member is
    still on the board. Nobody else decides.
    """
    if not actor_id:
        return None
    if actor_id in setup.members:
        return Authority(actor_id, actor_name)
    standing_in = sorted(
        (
            d
            for d in deputies
            if d.board == setup.key
            and d.deputy_id == actor_id
            and d.starts <= today <= d.ends
            and d.member_id in setup.members
        ),
        key=lambda d: (d.named_at, d.member_id),
    )
    if not standing_in:
        return None
    deputy = standing_in[0]
    member_name = setup.names.get(deputy.member_id) or deputy.member_name
    return Authority(actor_id, actor_name, deputy.member_id, member_name)


# -- The agenda -----------------------------------------------------------------------


def _reference_order(reference: str) -> tuple[int, int]:
    """(year, number), so DR-2026-10000 comes after DR-2026-9999."""
    return parse_reference(reference) or (0, 0)


def order_agenda(requests: Iterable[DigitalRequest]) -> list[DigitalRequest]:
    """The board's list in the order it should be taken: highest score first, then the
    oldest, then by reference (so two runs give the same order)."""
    return sorted(
        requests,
        key=lambda r: (
            -r.score.total,
            r.submitted_at,
            _reference_order(r.reference),
            r.reference,
        ),
    )


# The history actions of a board's decisions (triage.BOARD_ACTIONS' values; kept here as
# plain words so this module does not depend on the triage state machine).
_BOARD_DECISIONS = frozenset(
    {"approve", "defer", "board_reject", "board_ask_info", "send_to_board"}
)


def board_asked_last(history: Sequence[AuditEntry]) -> bool:
    """The latest question put to the requester was the board's (not IT triage's)."""
    for entry in reversed(history):
        if entry.action in ("ask_info", "board_ask_info"):
            return entry.action == "board_ask_info"
    return False


def _answer_for_board(history: Sequence[AuditEntry]) -> bool:
    """The requester has answered the board's question, and the board has not decided since."""
    for at in range(len(history) - 1, -1, -1):
        action = history[at].action
        if action == "answer_info":
            return board_asked_last(history[:at])
        if action in _BOARD_DECISIONS:
            return False
    return False


def _sent_here(request: DigitalRequest) -> bool:
    """The board's latest decision about it was another board's, sending it here."""
    for entry in reversed(request.history):
        if entry.action in _BOARD_DECISIONS:
            return entry.action == "send_to_board"
    return False


def _others(count: int) -> str:
    return f"{count} {'other' if count == 1 else 'others'} affected"


def flags(request: DigitalRequest, today: dt.date) -> list[str]:
    """Short plain words a board should notice before it decides, most pressing first."""
    details = request.details
    said: list[str] = []
    if details.statutory_deadline is not None:
        passed = "passed " if details.statutory_deadline < today else ""
        said.append(f"Statutory deadline {passed}{long_date(details.statutory_deadline)}")
    if details.contract_end is not None:
        verb = "ended" if details.contract_end < today else "ends"
        said.append(f"Contract {verb} {long_date(details.contract_end)}")
    if details.needed_by is not None and details.needed_by >= today:
        said.append(f"Needed by {long_date(details.needed_by)}")
    if details.personal_data:
        said.append("Personal data")
    if details.involves_procurement:
        said.append("Buying software")
    if details.budget is Budget.OVER_250K:
        said.append("Costs over £250,000")
    if not details.sponsor.strip():
        said.append("No senior sponsor")
    if request.also_affected:
        said.append(_others(request.also_affected))
    if request.deferred_until is not None:
        if request.deferred_until <= today:
            said.append("Came back from deferral")
        else:
            said.append(f"Deferred until {long_date(request.deferred_until)}")
    if _answer_for_board(request.history):
        said.append("Answer received from the requester")
    elif _sent_here(request):
        said.append("Sent here by another board")
    return said
