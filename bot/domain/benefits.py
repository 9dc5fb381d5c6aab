"""Benefits realisation (driver 7) as figures: expected against realised.

Expected benefits are a request's own answers at intake (cash saving a year, staff hours
saved a year, residents affected). Realised benefits are what its requester or sponsor
recorded after delivery, in the same units: a "benefits_recorded" record for each
interval asked (3 months, 12 months…).

One answer per request counts: the one for the LONGEST interval answered (the latest kept
wins a tie). Each answer is a reading of the same yearly saving, so the 12-month answer
replaces the 3-month one; adding them would count one saving twice.

Only delivered requests are in the report: benefits can only be seen after delivery.
Every request is in exactly one row, and each grouping (board, theme, year) splits the
rows, so no figure is counted twice. Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from bot.domain.model import DigitalRequest, Status, Theme
from bot.domain.themes import THEME_ORDER, theme_of

BENEFITS_RECORDED = "benefits_recorded"  # {"reference", "months", figures…, "by", "at"}
BENEFITS_DUE = "benefits_due"  # {"reference", "delivered_at"}: a delivery was noticed
BENEFITS_ASKED = "benefits_asked"  # {"reference", "months"}: the first ask for an interval
DELIVERED = frozenset({Status.DELIVERED, Status.BENEFITS_REVIEWED})


@dataclass(frozen=True)
class Answer:
    """One recorded answer, with figures that are not whole numbers of 0 or more left out."""

    reference: str
    months: int  # the interval asked; 0 when the record does not say
    cash: int | None  # £ a year
    hours: int | None  # staff hours a year
    residents: int | None
    notes: str
    at: str  # when it was recorded (ISO), to break a tie between two of one interval


def _whole(value: Any) -> int | None:
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
    return value if ok else None


def answer_of(data: Mapping[str, Any]) -> Answer | None:
    """The record's answer, or None when it names no request."""
    reference = data.get("reference")
    if not isinstance(reference, str) or not reference:
        return None
    return Answer(
        reference=reference,
        months=_whole(data.get("months")) or 0,
        cash=_whole(data.get("cash_saving_per_year")),
        hours=_whole(data.get("hours_saved_per_year")),
        residents=_whole(data.get("residents_affected")),
        notes=str(data.get("notes") or "")[:2000],
        at=str(data.get("at") or ""),
    )


def latest_answers(records: Iterable[Mapping[str, Any]]) -> dict[str, Answer]:
    """Each request's answer that counts: the longest interval answered; of two answers
    for one interval, the later one (records come in the order they were kept)."""
    found: dict[str, Answer] = {}
    for data in records:
        answer = answer_of(data)
        if answer is None:
            continue
        kept = found.get(answer.reference)
        if kept is None or (answer.months, answer.at) >= (kept.months, kept.at):
            found[answer.reference] = answer
    return found


# ---- The report ------------------------------------------------------------------


class Stage(StrEnum):
    NOT_YET_ASKED = "not_yet_asked"
    ASKED = "asked"  # asked, no answer yet
    ANSWERED = "answered"


STAGE_LABELS: dict[Stage, str] = {
    Stage.NOT_YET_ASKED: "Not yet asked",
    Stage.ASKED: "Asked, no answer yet",
    Stage.ANSWERED: "Answered",
}


@dataclass(frozen=True)
class Amounts:
    cash: int = 0  # £ a year
    hours: int = 0  # staff hours a year
    residents: int = 0

    def __add__(self, other: Amounts) -> Amounts:
        return Amounts(
            self.cash + other.cash, self.hours + other.hours, self.residents + other.residents
        )


@dataclass(frozen=True)
class Row:
    """One delivered request: what it was expected to bring, and what it brought."""

    reference: str
    title: str
    board: str  # the board's key ("" for none)
    theme: Theme
    delivered_at: dt.datetime | None
    year: int | None  # the financial year of delivery (2026 for 2026 to 2027)
    stage: Stage
    expected: Amounts
    realised: Amounts | None  # None until answered
    months: int  # the interval of the answer that counts; 0 when none
    notes: str


@dataclass(frozen=True)
class Totals:
    requests: int = 0
    not_yet_asked: int = 0
    asked: int = 0
    answered: int = 0
    expected: Amounts = Amounts()  # every request counted
    expected_answered: Amounts = Amounts()  # only those answered: the fair comparison
    realised: Amounts = Amounts()

    def plus(self, row: Row) -> Totals:
        answered = row.stage is Stage.ANSWERED
        return Totals(
            requests=self.requests + 1,
            not_yet_asked=self.not_yet_asked + (row.stage is Stage.NOT_YET_ASKED),
            asked=self.asked + (row.stage is Stage.ASKED),
            answered=self.answered + answered,
            expected=self.expected + row.expected,
            expected_answered=self.expected_answered + (row.expected if answered else Amounts()),
            realised=self.realised + (row.realised or Amounts()),
        )


@dataclass(frozen=True)
class Filters:
    board: str = ""  # a board's key; "": every board
    theme: Theme | None = None
    year: int | None = None  # a financial year, by the year it starts in

    def keeps(self, row: Row) -> bool:
        return (
            (not self.board or row.board == self.board)
            and (self.theme is None or row.theme is self.theme)
            and (self.year is None or row.year == self.year)
        )

    @property
    def any(self) -> bool:
        return bool(self.board) or self.theme is not None or self.year is not None


@dataclass(frozen=True)
class Report:
    as_at: dt.datetime
    filters: Filters
    rows: tuple[Row, ...]  # newest delivery first
    total: Totals
    by_board: dict[str, Totals]  # most requests first
    by_theme: dict[Theme, Totals]  # the strategy's order, every theme
    by_year: dict[int | None, Totals] = field(default_factory=dict)  # newest first; None last


def year_label(year: int | None) -> str:
    return "Date not known" if year is None else f"{year} to {year + 1}"


def financial_year(day: dt.date) -> int:
    """April to March: 1 April 2026 to 31 March 2027 is 2026."""
    return day.year if day.month >= 4 else day.year - 1


_YEAR = re.compile(r"^(20\d\d)(?:\s*(?:-|/|to)\s*(?:20)?(\d\d))?$")


def parse_year(text: str) -> int | None:
    """A financial year as people type it: "2026", "2026-27", "2026 to 2027"."""
    found = _YEAR.match(text.strip().lower())
    if found is None:
        return None
    start = int(found.group(1))
    if found.group(2) is not None and int(found.group(2)) != (start + 1) % 100:
        return None
    return start


def theme_for(request: DigitalRequest) -> Theme:
    """The theme a board set, else the one its drivers and kind suggest."""
    try:
        return Theme(request.theme)
    except ValueError:
        return theme_of(request.details)


def delivered_at(request: DigitalRequest, due: Mapping[str, dt.datetime]) -> dt.datetime | None:
    """When it was delivered: as the reminders noted it, else its history's last move to
    delivered. None when neither says."""
    if request.reference in due:
        return due[request.reference]
    moves = [e.at for e in request.history if e.to_status is Status.DELIVERED]
    return moves[-1] if moves else None


def _stage(answer: Answer | None, asked: bool) -> Stage:
    if answer is not None:
        return Stage.ANSWERED
    return Stage.ASKED if asked else Stage.NOT_YET_ASKED


def _row(
    request: DigitalRequest,
    answer: Answer | None,
    delivered: dt.datetime | None,
    year_of: Callable[[dt.datetime], int],
    stage: Stage,
) -> Row:
    details = request.details
    return Row(
        reference=request.reference,
        title=details.title,
        board=request.route.board,
        theme=theme_for(request),
        delivered_at=delivered,
        year=year_of(delivered) if delivered is not None else None,
        stage=stage,
        expected=Amounts(
            details.cash_saving_per_year or 0,
            details.hours_saved_per_year or 0,
            details.affected_residents or 0,
        ),
        realised=(
            None
            if answer is None
            else Amounts(answer.cash or 0, answer.hours or 0, answer.residents or 0)
        ),
        months=answer.months if answer is not None else 0,
        notes=answer.notes if answer is not None else "",
    )


def build_report(
    requests: Iterable[DigitalRequest],
    recorded: Iterable[Mapping[str, Any]],
    due: Iterable[Mapping[str, Any]],
    asked: Iterable[Mapping[str, Any]],
    now: dt.datetime,
    zone: dt.tzinfo = dt.UTC,
    filters: Filters = Filters(),
) -> Report:
    """Expected against realised for every delivered request, as at `now`.

    `recorded`, `due` and `asked` are the data of the "benefits_recorded", "benefits_due"
    and "benefits_asked" records kept by `now`."""
    answers = latest_answers(recorded)
    due_at = _due_times(due)
    asked_about = {data.get("reference") for data in asked}

    def year_of(at: dt.datetime) -> int:
        return financial_year(at.astimezone(zone).date())

    rows: list[Row] = []
    for request in requests:
        delivered = delivered_at(request, due_at)
        # Delivered by `now`: by when it was delivered, else (when not known) its status.
        if delivered is not None and delivered > now:
            continue
        if delivered is None and request.status not in DELIVERED:
            continue
        answer = answers.get(request.reference)
        stage = _stage(answer, request.reference in asked_about)
        row = _row(request, answer, delivered, year_of, stage)
        if filters.keeps(row):
            rows.append(row)
    rows.sort(key=lambda r: (r.delivered_at is None, -(_stamp(r.delivered_at)), r.reference))
    return _grouped(rows, now, filters)


def _stamp(at: dt.datetime | None) -> float:
    return at.timestamp() if at is not None else 0.0


def _due_times(due: Iterable[Mapping[str, Any]]) -> dict[str, dt.datetime]:
    found: dict[str, dt.datetime] = {}
    for data in due:
        reference, raw = data.get("reference"), data.get("delivered_at")
        if not isinstance(reference, str) or not isinstance(raw, str):
            continue
        try:
            at = dt.datetime.fromisoformat(raw)
        except ValueError:
            continue
        found.setdefault(reference, at if at.tzinfo else at.replace(tzinfo=dt.UTC))
    return found


def _grouped(rows: list[Row], now: dt.datetime, filters: Filters) -> Report:
    total = Totals()
    boards: dict[str, Totals] = {}
    themes: dict[Theme, Totals] = {theme: Totals() for theme in THEME_ORDER}
    years: dict[int | None, Totals] = {}
    for row in rows:
        total = total.plus(row)
        boards[row.board] = boards.get(row.board, Totals()).plus(row)
        themes[row.theme] = themes[row.theme].plus(row)
        years[row.year] = years.get(row.year, Totals()).plus(row)
    return Report(
        as_at=now,
        filters=filters,
        rows=tuple(rows),
        total=total,
        by_board=dict(sorted(boards.items(), key=lambda kv: (-kv[1].requests, kv[0]))),
        by_theme=themes,
        by_year=dict(sorted(years.items(), key=lambda kv: (kv[0] is None, -(kv[0] or 0)))),
    )


def realised_share(total: Totals, measure: str) -> int | None:
    """Realised as a whole percentage of expected, for the requests answered; None when
    nothing was expected of them."""
    expected = getattr(total.expected_answered, measure)
    if not expected:
        return None
    return round(100 * getattr(total.realised, measure) / expected)
