"""The Digital, Data and Customer Board's quarterly roadmap review, as figures.

The strategy's board reviews the roadmap every quarter. This gathers what it looks at:
requests by the four themes, by now/next/later, by status and by board; what moved in the
quarter; how long each stage took against its target; benefits expected against
recorded; and each request's value (its priority score) against its estimated effort.

Quarters are the council's financial-year quarters: Quarter 1 is April to June. Every
figure is worked out "as at" one moment (the quarter's end, or the moment the pack was
made while the quarter is still going), from the requests' histories, so a pack for a
past quarter shows the same figures whenever it is opened. Pure: no I/O.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.domain.benefits import BENEFITS_RECORDED as BENEFITS_RECORDED
from bot.domain.benefits import latest_answers, theme_for
from bot.domain.boards import BoardSetup, Decision, DecisionKind, first_meeting_for
from bot.domain.deadlines import Stage, StageTargets, due_at
from bot.domain.model import Budget, DigitalRequest, Horizon, Status, Theme
from bot.domain.themes import THEME_ORDER
from bot.domain.working_time import WorkingTime

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

# A request in one of these is finished: it is not on the roadmap any more.
CLOSED = frozenset(
    {
        Status.DELIVERED,
        Status.BENEFITS_REVIEWED,
        Status.REJECTED,
        Status.DUPLICATE,
        Status.WITHDRAWN,
    }
)
# Not taken forward in any way: left off the value against effort chart.
DROPPED = frozenset({Status.REJECTED, Status.DUPLICATE, Status.WITHDRAWN})
APPROVED = frozenset(
    {
        Status.DECIDED,
        Status.IN_CHANGE,
        Status.IN_PROJECT,
        Status.DELIVERED,
        Status.BENEFITS_REVIEWED,
    }
)
_TRIAGE = frozenset({Status.SUBMITTED, Status.IN_TRIAGE})
# Still waiting for a decision: with IT triage, the requester or a board.
WAITING = frozenset(
    {Status.SUBMITTED, Status.IN_TRIAGE, Status.AWAITING_INFORMATION, Status.WITH_BOARD}
)
_STAGE_OF: dict[Status, Stage] = {
    Status.SUBMITTED: Stage.TRIAGE,
    Status.IN_TRIAGE: Stage.TRIAGE,
    Status.AWAITING_INFORMATION: Stage.QUESTION,
    Status.WITH_BOARD: Stage.BOARD,
}
_DEFER = "defer"
_SEND_TO_BOARD = "send_to_board"

# Estimated effort, from the budget answer, as an ordered scale. "Not known yet" is apart.
EFFORT_ORDER: tuple[Budget, ...] = (
    Budget.NONE,
    Budget.UNDER_10K,
    Budget.FROM_10K_TO_50K,
    Budget.FROM_50K_TO_250K,
    Budget.OVER_250K,
)
NOT_PLACED = ""  # the horizon of a request no board has placed on the roadmap


# ---- Quarters ----------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Quarter:
    """One quarter of a financial year. `year` is the year the financial year starts in:
    Quarter 3 of 2026 to 2027 is Quarter(2026, 3), October to December 2026."""

    year: int
    number: int  # 1 to 4

    def __post_init__(self) -> None:
        if not 1 <= self.number <= 4:
            raise ValueError("a quarter is numbered 1 to 4")

    @property
    def first_day(self) -> dt.date:
        month = 4 + 3 * (self.number - 1)
        return dt.date(self.year + month // 13, (month - 1) % 12 + 1, 1)

    @property
    def last_day(self) -> dt.date:
        return self.next().first_day - dt.timedelta(days=1)

    @property
    def label(self) -> str:
        """Like "Quarter 3 of 2026 to 2027 (October to December 2026)"."""
        first, last = self.first_day, self.last_day
        months = f"{_MONTHS[first.month - 1]} to {_MONTHS[last.month - 1]} {last.year}"
        return f"Quarter {self.number} of {self.year} to {self.year + 1} ({months})"

    @property
    def short(self) -> str:
        """Like "Q3 2026-27", as people type it."""
        return f"Q{self.number} {self.year}-{(self.year + 1) % 100:02d}"

    @property
    def key(self) -> str:
        return f"{self.year}-q{self.number}"

    def next(self) -> Quarter:
        return (
            Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)
        )

    def previous(self) -> Quarter:
        return (
            Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)
        )

    def starts_at(self, zone: dt.tzinfo) -> dt.datetime:
        """The quarter's first moment, local midnight, in UTC."""
        return dt.datetime.combine(self.first_day, dt.time(0), zone).astimezone(dt.UTC)

    def ends_at(self, zone: dt.tzinfo) -> dt.datetime:
        """The moment after the quarter's last day ends, in UTC."""
        return self.next().starts_at(zone)

    @classmethod
    def from_key(cls, key: str) -> Quarter | None:
        found = re.fullmatch(r"(\d{4})-q([1-4])", key)
        return cls(int(found[1]), int(found[2])) if found else None


def quarter_of(day: dt.date) -> Quarter:
    """The financial-year quarter a day falls in."""
    if day.month >= 4:
        return Quarter(day.year, (day.month - 4) // 3 + 1)
    return Quarter(day.year - 1, 4)


_RELATIVE = {
    "this quarter": 0,
    "current quarter": 0,
    "this": 0,
    "last quarter": -1,
    "previous quarter": -1,
    "the last quarter": -1,
    "last": -1,
}
_NAMED = re.compile(
    r"(?:q|quarter)\s*([1-4])"
    r"(?:\s+(?:of\s+)?(?:fy\s*)?(\d{4})(?:\s*(?:-|/|to)\s*(\d{4}|\d{2}))?)?"
)


def parse_quarter(text: str, today: dt.date) -> Quarter | None:
    """A quarter from what someone typed: "this quarter", "last quarter", "Q2 2026-27",
    "quarter 2 2026" (the financial year starting in 2026), "Q2" (this financial year).
    None for anything else."""
    said = " ".join(text.lower().replace(",", " ").split()).strip(" .!?")
    if said in _RELATIVE:
        current = quarter_of(today)
        return current.previous() if _RELATIVE[said] else current
    found = _NAMED.fullmatch(said)
    if found is None:
        return None
    number = int(found[1])
    if found[2] is None:
        return Quarter(quarter_of(today).year, number)
    year = int(found[2])
    if not 2000 <= year <= 2100:
        return None
    if found[3] is not None:
        second = int(found[3])
        if second != (year + 1 if len(found[3]) == 4 else (year + 1) % 100):
            return None
    return Quarter(year, number)


# ---- What the review shows -----------------------------------------------------


@dataclass(frozen=True)
class StageFigures:
    """How long one stage took, for stays that ended in the quarter, in working days."""

    stage: Stage
    target_days: int
    finished: int  # stays that ended in the quarter
    median_days: float | None
    slowest_days: float | None  # the 90th percentile (nearest rank)
    met: int  # of `finished`, how many took no longer than the target
    waiting: int  # stays still going at the end
    waiting_over: int  # of `waiting`, how many are past the target already


@dataclass(frozen=True)
class Throughput:
    raised: int
    left_triage: int  # times a request left IT triage: to a board, rejected, joined, withdrawn
    decided: dict[DecisionKind, int]  # board decisions in the quarter, by kind
    delivered: int

    @property
    def decisions(self) -> int:
        return sum(self.decided.values())


@dataclass(frozen=True)
class Point:
    """One request on the value against effort chart."""

    reference: str
    title: str
    score: int
    effort: Budget
    people: int  # staff, residents and businesses affected
    theme: Theme
    horizon: str  # a Horizon value, or NOT_PLACED
    status: Status
    submitted_at: dt.datetime


@dataclass(frozen=True)
class Benefits:
    """Expected: the answers of every request approved by the review's moment.
    Recorded: what has been recorded after delivery (none until issue 17)."""

    approved: int
    expected_cash: int  # £ a year
    expected_hours: int  # staff hours a year
    recorded_requests: int
    recorded_cash: int
    recorded_hours: int


@dataclass(frozen=True)
class Review:
    quarter: Quarter
    as_at: dt.datetime  # every figure is as at this moment (UTC)
    complete: bool  # the quarter has ended
    counted: int  # requests open at `as_at` or changed in the quarter
    by_theme: dict[Theme, int]
    by_horizon: dict[str, int]  # Horizon values and NOT_PLACED, in roadmap order
    by_status: dict[Status, int]  # only the statuses that have requests
    by_board: dict[str, int]  # board key ("" for none) -> count, most first
    throughput: Throughput
    stages: tuple[StageFigures, ...]
    benefits: Benefits
    points: tuple[Point, ...]  # every counted request still going or done, for the chart
    # Boards with meetings set: their target is the meeting, as for reminders and agendas.
    # The others have `StageFigures.target_days` working days.
    meeting_boards: tuple[str, ...] = ()

    def top(self, count: int = 5) -> list[Point]:
        """The highest-scoring requests still waiting for a decision (with IT triage, the
        requester or a board, not yet approved): score, then oldest, then reference."""
        waiting = [point for point in self.points if point.status in WAITING]
        return sorted(waiting, key=lambda p: (-p.score, p.submitted_at, p.reference))[:count]


# ---- Working it out --------------------------------------------------------------


def status_at(request: DigitalRequest, at: dt.datetime) -> Status:
    """The request's status at a moment, from its history."""
    if not request.history:
        return request.status
    status = request.history[0].from_status
    for entry in request.history:
        if entry.at >= at:
            break
        status = entry.to_status
    return status


def horizon_for(request: DigitalRequest) -> str:
    return request.horizon if request.horizon in {h.value for h in Horizon} else NOT_PLACED


def _touched(request: DigitalRequest, start: dt.datetime, end: dt.datetime) -> bool:
    if start <= request.submitted_at < end:
        return True
    return any(start <= entry.at < end for entry in request.history)


@dataclass(frozen=True)
class _Stay:
    stage: Stage
    entered: dt.datetime
    left: dt.datetime | None  # None: still in the stage at the end
    board: str = ""  # Stage.BOARD: the board it waited for
    due: dt.datetime | None = None  # its deadline (see _with_deadline)


def stays(request: DigitalRequest, until: dt.datetime) -> list[_Stay]:
    """The request's stays in each stage up to `until`. A stay starts when the request
    moves into a stage from outside it (or is sent to another board) and ends when it
    leaves, or when a board defers it (time deferred is not counted)."""
    found: list[_Stay] = []
    status = request.history[0].from_status if request.history else request.status
    stage: Stage | None = _STAGE_OF.get(status)
    entered = request.submitted_at
    for entry in request.history:
        if entry.at >= until:
            break
        new_stage = _STAGE_OF.get(entry.to_status)
        restart = entry.action == _SEND_TO_BOARD and new_stage is Stage.BOARD
        if stage is not None and (new_stage is not stage or restart or entry.action == _DEFER):
            found.append(_Stay(stage, entered, entry.at))
        if entry.action == _DEFER:
            stage = None
        elif new_stage is not stage or restart:
            stage, entered = new_stage, entry.at
    if stage is not None:
        found.append(_Stay(stage, entered, None))
    return found


def _left_triage(request: DigitalRequest, start: dt.datetime, end: dt.datetime) -> int:
    """Times the request left IT triage in the window: its first move out of triage
    (a question in between does not count), and again after each reopening."""
    count = 0
    in_triage = True
    for entry in request.history:
        if entry.at >= end:
            break
        if in_triage and entry.to_status not in _TRIAGE | {Status.AWAITING_INFORMATION}:
            in_triage = False
            count += start <= entry.at
        elif not in_triage and entry.to_status in _TRIAGE:
            in_triage = True
    return count


def nearest_rank(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile: the smallest value with at least `share` of the
    values at or below it."""
    ordered = sorted(values)
    return ordered[max(1, math.ceil(share * len(ordered))) - 1]


def _day_hours(calendar: WorkingTime) -> float:
    day = dt.date(2000, 1, 3)
    length = dt.datetime.combine(day, calendar.day_ends) - dt.datetime.combine(
        day, calendar.day_starts
    )
    return length.total_seconds() / 3600


def working_days(calendar: WorkingTime, start: dt.datetime, end: dt.datetime) -> float:
    """Working days between two moments, to one decimal place."""
    return round(calendar.working_hours_between(start, end) / _day_hours(calendar), 1)


def _target(stage: Stage, targets: StageTargets) -> int:
    return {
        Stage.TRIAGE: targets.triage_days,
        Stage.QUESTION: targets.question_days,
        Stage.BOARD: targets.board_days_without_meetings,
    }[stage]


def _with_boards(
    request: DigitalRequest, found: list[_Stay], sends: Sequence[Decision]
) -> list[_Stay]:
    """Each board stay with the board it waited for: the board that sent it on next
    (its "send to another board" decision; `sends` are the request's), else the
    request's board now."""
    mine = sorted(sends, key=lambda d: d.at)
    placed = []
    for stay in found:
        if stay.stage is Stage.BOARD:
            later = [d.board for d in mine if d.at > stay.entered]
            stay = dataclasses.replace(stay, board=later[0] if later else request.route.board)
        placed.append(stay)
    return placed


def _with_deadline(
    stay: _Stay,
    calendar: WorkingTime,
    targets: StageTargets,
    setup_of: Callable[[str], BoardSetup | None],
) -> _Stay:
    """The stay with its deadline, worked out as reminders and agendas work it out
    (`deadlines.due_at`): a board with meetings set decides by the first meeting whose
    agenda goes out after the request reached its list."""
    meeting = None
    if stay.stage is Stage.BOARD:
        setup = setup_of(stay.board)
        meeting = first_meeting_for(setup, stay.entered) if setup is not None else None
    return dataclasses.replace(
        stay, due=due_at(stay.stage, stay.entered, calendar, targets, meeting)
    )


def _stage_figures(
    all_stays: list[_Stay],
    window: tuple[dt.datetime, dt.datetime],
    calendar: WorkingTime,
    targets: StageTargets,
) -> tuple[StageFigures, ...]:
    """Each stay is measured against its own deadline (see _with_deadline)."""
    start, end = window

    def kept(stay: _Stay, ended: dt.datetime) -> bool:
        if stay.due is None:  # never: build_review gives every stay its deadline first
            raise ValueError("a stay is measured only once it has its deadline")
        return ended <= stay.due

    figures = []
    for stage in Stage:
        target = _target(stage, targets)
        mine = [stay for stay in all_stays if stay.stage is stage]
        took = [
            (working_days(calendar, stay.entered, stay.left), stay)
            for stay in mine
            if stay.left is not None and start <= stay.left < end
        ]
        waiting = [(working_days(calendar, s.entered, end), s) for s in mine if s.left is None]
        times = [days for days, _ in took]
        figures.append(
            StageFigures(
                stage=stage,
                target_days=target,
                finished=len(took),
                median_days=round(statistics.median(times), 1) if times else None,
                slowest_days=nearest_rank(times, 0.9) if times else None,
                met=sum(kept(s, s.left) for _, s in took if s.left),
                waiting=len(waiting),
                waiting_over=sum(not kept(s, end) for _, s in waiting),
            )
        )
    return tuple(figures)


def _people(request: DigitalRequest) -> int:
    details = request.details
    return sum(
        n or 0
        for n in (details.affected_staff, details.affected_residents, details.affected_businesses)
    )


def _point(request: DigitalRequest, status: Status) -> Point:
    return Point(
        reference=request.reference,
        title=request.details.title,
        score=request.score.total,
        effort=request.details.budget,
        people=_people(request),
        theme=theme_for(request),
        horizon=horizon_for(request),
        status=status,
        submitted_at=request.submitted_at,
    )


def _benefits(approved: list[DigitalRequest], recorded: Iterable[Mapping[str, Any]]) -> Benefits:
    """Each request's answer that counts (`benefits.latest_answers`: the longest interval
    answered), so the 3-month and 12-month answers are not added together."""
    references = {request.reference for request in approved}
    answers = [a for ref, a in latest_answers(recorded).items() if ref in references]
    return Benefits(
        approved=len(approved),
        expected_cash=sum(r.details.cash_saving_per_year or 0 for r in approved),
        expected_hours=sum(r.details.hours_saved_per_year or 0 for r in approved),
        recorded_requests=len(answers),
        recorded_cash=sum(a.cash or 0 for a in answers),
        recorded_hours=sum(a.hours or 0 for a in answers),
    )


def build_review(
    requests: Iterable[DigitalRequest],
    decisions: Iterable[Decision],
    quarter: Quarter,
    now: dt.datetime,
    calendar: WorkingTime,
    targets: StageTargets,
    benefits_recorded: Iterable[Mapping[str, Any]],
    setups: Mapping[str, BoardSetup] | None = None,
) -> Review:
    """The quarter's figures, as at the quarter's end (or `now`, if sooner).

    `benefits_recorded` are the data of "benefits_recorded" records kept by then:
    {"reference", "cash_saving_per_year", "hours_saved_per_year"}. `setups` are the
    boards' setups by key: a board with meetings set is measured against its meetings,
    as reminders and agendas are; any other board against DEADLINE_BOARD_DAYS."""
    setups = setups or {}
    decisions = list(decisions)
    sends: dict[str, list[Decision]] = {}
    for sent in decisions:
        if sent.kind is DecisionKind.SEND_TO_BOARD:
            sends.setdefault(sent.reference, []).append(sent)
    start = quarter.starts_at(calendar.zone)
    ends = quarter.ends_at(calendar.zone)
    # What happened at `now` itself is in: figures as at a moment include that moment.
    until = min(now + dt.timedelta(microseconds=1), ends)
    counted: list[tuple[DigitalRequest, Status]] = []
    approved: list[DigitalRequest] = []
    all_stays: list[_Stay] = []
    raised = left = delivered = 0
    for request in requests:
        if request.submitted_at >= until:
            continue
        status = status_at(request, until)
        if status in APPROVED:
            approved.append(request)
        if status not in CLOSED or _touched(request, start, until):
            counted.append((request, status))
        raised += start <= request.submitted_at
        left += _left_triage(request, start, until)
        delivered += sum(
            1
            for entry in request.history
            if entry.to_status is Status.DELIVERED and start <= entry.at < until
        )
        # Only stays that ended in the quarter or are still going are measured.
        all_stays.extend(
            _with_deadline(stay, calendar, targets, setups.get)
            for stay in _with_boards(
                request, stays(request, until), sends.get(request.reference, [])
            )
            if stay.left is None or stay.left >= start
        )
    decided = Counter(d.kind for d in decisions if start <= d.at < until)
    themes = Counter(theme_for(request) for request, _ in counted)
    horizons = Counter(horizon_for(request) for request, _ in counted)
    statuses = Counter(status for _, status in counted)
    boards = Counter(request.route.board for request, _ in counted)
    return Review(
        quarter=quarter,
        as_at=min(now, ends),
        complete=now >= ends,
        counted=len(counted),
        by_theme={theme: themes[theme] for theme in THEME_ORDER},
        by_horizon={key: horizons[key] for key in (*(h.value for h in Horizon), NOT_PLACED)},
        by_status={status: statuses[status] for status in Status if statuses[status]},
        by_board=dict(sorted(boards.items(), key=lambda item: (-item[1], item[0]))),
        throughput=Throughput(
            raised=raised,
            left_triage=left,
            decided={kind: decided[kind] for kind in DecisionKind},
            delivered=delivered,
        ),
        stages=_stage_figures(all_stays, (start, until), calendar, targets),
        benefits=_benefits(approved, benefits_recorded),
        points=tuple(
            _point(request, status) for request, status in counted if status not in DROPPED
        ),
        meeting_boards=tuple(sorted(k for k, setup in setups.items() if setup.cadence)),
    )
