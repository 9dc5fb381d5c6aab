"""When a delivered request's requester and sponsor are asked about its benefits, and
who the sponsor is: pure rules over dates and names, no I/O."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.model import DigitalRequest, Status

# An interval's ask and its reminder go only this long after it fell due, so a request
# delivered long before the bot knew of it (or while it was down) is not asked years late.
ACTIVE_DAYS = 120


class Step(StrEnum):
    ASK = "ask"
    REMIND = "remind"


@dataclass(frozen=True)
class Due:
    """What to send about one request now: the ask (or its reminder) for `months`."""

    months: int
    step: Step
    due_at: dt.datetime


def add_months(when: dt.datetime, months: int) -> dt.datetime:
    """The same day `months` later; the month's last day when it has no such day."""
    index = when.month - 1 + months
    year, month = when.year + index // 12, index % 12 + 1
    day = min(when.day, calendar.monthrange(year, month)[1])
    return when.replace(year=year, month=month, day=day)


def delivered_at(request: DigitalRequest) -> dt.datetime | None:
    """When the request was last marked delivered, from its history, if it says."""
    times = [entry.at for entry in request.history if entry.to_status is Status.DELIVERED]
    return max(times) if times else None


def due_now(
    delivered: dt.datetime,
    now: dt.datetime,
    intervals: tuple[int, ...],
    answered: Set[int],
    asked_at: Mapping[int, dt.datetime],
    reminder_days: int,
) -> Due | None:
    """Only the latest interval reached counts: an earlier one left unanswered is
    overtaken by it. Nothing once it is answered, or long past due."""
    reached = [months for months in intervals if add_months(delivered, months) <= now]
    if not reached:
        return None
    months = reached[-1]
    due_at = add_months(delivered, months)
    if months in answered or now - due_at > dt.timedelta(days=ACTIVE_DAYS):
        return None
    asked = asked_at.get(months)
    if asked is not None and now >= asked + dt.timedelta(days=reminder_days):
        return Due(months, Step.REMIND, due_at)
    return Due(months, Step.ASK, due_at)


def is_reached(delivered: dt.datetime, now: dt.datetime, months: int) -> bool:
    """Whether `months` after delivery has come: only then can that interval be answered."""
    return add_months(delivered, months) <= now


def interval_to_record(
    delivered: dt.datetime, now: dt.datetime, intervals: tuple[int, ...], answered: Set[int]
) -> int | None:
    """The interval someone recording benefits of their own accord answers: the latest
    one reached, if it is not answered yet (an earlier one is overtaken by it, as in
    `due_now`). None before the first is reached, and once the latest reached is
    answered: an interval is never answered before it comes."""
    reached = [months for months in intervals if is_reached(delivered, now, months)]
    if not reached or reached[-1] in answered:
        return None
    return reached[-1]


def next_interval(
    delivered: dt.datetime, now: dt.datetime, intervals: tuple[int, ...]
) -> tuple[int, dt.datetime] | None:
    """The first interval not reached yet and when it comes; None after the last."""
    for months in intervals:
        if not is_reached(delivered, now, months):
            return months, add_months(delivered, months)
    return None


_TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "cllr", "councillor", "prof"})
_NAME_ENDS = re.compile(r"\s*(?:[,(/;]|\s-\s|\s–\s).*$", re.DOTALL)


def name_key(text: str) -> str:
    """A name as compared: the part before a comma or bracket ("Jo Bloggs, Head of
    Waste"), without titles, in one case and spacing. "" when nothing is left."""
    words = [
        word.strip(".")
        for word in _NAME_ENDS.sub("", text.strip()).casefold().split()
        if word.strip(".") not in _TITLES
    ]
    return " ".join(word for word in words if word)


def match_person(sponsor: str, people: Iterable[tuple[str, str]]) -> str | None:
    """The id of the one known person (id, name) whose name is the sponsor's, or None
    when nobody or more than one person has that name: a guess is never made."""
    key = name_key(sponsor)
    if len(key.split()) < 2:  # a first name alone, or a job title, is not clear enough
        return None
    ids = {user_id for user_id, name in people if user_id and name_key(name) == key}
    return next(iter(ids)) if len(ids) == 1 else None
