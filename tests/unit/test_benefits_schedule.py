"""When benefits are asked about, and whose name a sponsor is: the pure rules."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.journeys.benefits.schedule import (
    ACTIVE_DAYS,
    Due,
    Step,
    add_months,
    due_now,
    interval_to_record,
    is_reached,
    match_person,
    name_key,
    next_interval,
)

UTC = dt.UTC
DELIVERED = dt.datetime(2026, 1, 31, 9, 0, tzinfo=UTC)
MONTHS = (3, 12)


def at(year: int, month: int, day: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=UTC)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (at(2026, 1, 31), 1, at(2026, 2, 28)),  # no 31 February: the month's last day
        (at(2028, 1, 31), 1, at(2028, 2, 29)),  # a leap year
        (at(2026, 11, 15), 3, at(2027, 2, 15)),  # over the year's end
        (at(2026, 12, 1), 12, at(2027, 12, 1)),
        (at(2026, 5, 31), 60, at(2031, 5, 31)),
    ],
)
def test_months_are_added_by_the_calendar(
    start: dt.datetime, months: int, expected: dt.datetime
) -> None:
    assert add_months(start, months) == expected


def test_nothing_is_due_before_the_first_interval() -> None:
    assert due_now(DELIVERED, at(2026, 4, 30, 8), MONTHS, set(), {}, 14) is None
    due = due_now(DELIVERED, at(2026, 4, 30, 9), MONTHS, set(), {}, 14)
    assert due == Due(3, Step.ASK, at(2026, 4, 30))


def test_the_reminder_comes_after_the_days_set_and_an_answer_stops_both() -> None:
    asked = {3: at(2026, 5, 1)}
    assert due_now(DELIVERED, at(2026, 5, 14), MONTHS, set(), asked, 14) == Due(
        3, Step.ASK, at(2026, 4, 30)
    )
    assert due_now(DELIVERED, at(2026, 5, 15), MONTHS, set(), asked, 14) == Due(
        3, Step.REMIND, at(2026, 4, 30)
    )
    assert due_now(DELIVERED, at(2026, 5, 15), MONTHS, {3}, asked, 14) is None


def test_a_later_interval_overtakes_an_earlier_one_left_unanswered() -> None:
    due = due_now(DELIVERED, at(2027, 1, 31), MONTHS, set(), {3: at(2026, 5, 1)}, 14)
    assert due == Due(12, Step.ASK, at(2027, 1, 31))


def test_an_interval_long_past_is_not_asked_about() -> None:
    late = at(2026, 4, 30) + dt.timedelta(days=ACTIVE_DAYS, hours=1)
    assert due_now(DELIVERED, late, MONTHS, set(), {}, 14) is None


def test_an_interval_is_recorded_only_once_it_has_come() -> None:
    before = at(2026, 4, 30, 8)  # an hour before the 3-month review opens
    assert interval_to_record(DELIVERED, at(2026, 2, 10), MONTHS, set()) is None
    assert interval_to_record(DELIVERED, before, MONTHS, set()) is None
    assert interval_to_record(DELIVERED, at(2026, 4, 30), MONTHS, set()) == 3
    assert interval_to_record(DELIVERED, at(2026, 5, 31), MONTHS, {3}) is None  # not 12 yet
    assert interval_to_record(DELIVERED, at(2027, 1, 31), MONTHS, {3}) == 12
    assert interval_to_record(DELIVERED, at(2027, 3, 1), MONTHS, set()) == 12  # 3 overtaken
    assert interval_to_record(DELIVERED, at(2027, 3, 1), MONTHS, {12}) is None
    assert not is_reached(DELIVERED, before, 3) and is_reached(DELIVERED, at(2026, 4, 30), 3)


def test_the_next_interval_and_when_it_opens() -> None:
    assert next_interval(DELIVERED, at(2026, 2, 10), MONTHS) == (3, at(2026, 4, 30))
    assert next_interval(DELIVERED, at(2026, 4, 30), MONTHS) == (12, at(2027, 1, 31))
    assert next_interval(DELIVERED, at(2027, 1, 31), MONTHS) is None


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("Jo Bloggs, Head of Waste Services", "jo bloggs"),
        ("  Dr. Jo   BLOGGS (Waste) ", "jo bloggs"),
        ("Cllr Jo Bloggs - Waste", "jo bloggs"),
        ("Head of Waste Services", "head of waste services"),
        ("", ""),
    ],
)
def test_a_sponsors_name_is_read_without_titles_or_job(typed: str, key: str) -> None:
    assert name_key(typed) == key


PEOPLE = [
    ("id-jo", "Jo Bloggs"),
    ("id-lee", "Lee Gu"),
    ("id-lee-2", "Lee  Gu"),
    ("id-jo", "jo bloggs"),
]


@pytest.mark.parametrize(
    ("sponsor", "found"),
    [
        ("Jo Bloggs, Head of Waste Services", "id-jo"),  # one person, seen twice
        ("Lee Gu", None),  # two people share the name: no guess
        ("Jo", None),  # a first name alone is not clear enough
        ("Sam Other", None),  # nobody known
        ("Head of Waste Services", None),
    ],
)
def test_a_sponsor_is_matched_only_to_one_clearly_named_person(
    sponsor: str, found: str | None
) -> None:
    assert match_person(sponsor, PEOPLE) == found
