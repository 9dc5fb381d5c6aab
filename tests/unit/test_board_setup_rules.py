"""The rules of a board's setup that need no service: the dates people type for a deputy,
and the meetings card's checks."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.domain.boards import Cadence, Repeat
from bot.errors import UserFacingError
from bot.journeys.boards.deputies import months_ahead, read_date, read_deputy
from bot.journeys.boards.setup import check_meetings

TODAY = dt.date(2026, 11, 25)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("12 December", dt.date(2026, 12, 12)),
        ("12 dec 2027", dt.date(2027, 12, 12)),
        ("1st March", dt.date(2027, 3, 1)),
        ("25 November", TODAY),  # today is on or after today
        ("24 November", dt.date(2027, 11, 24)),
        ("29 February", dt.date(2028, 2, 29)),  # the next year that has one
        ("Tuesday, 5 January", dt.date(2027, 1, 5)),
        ("05/01/2027", dt.date(2027, 1, 5)),  # day first, as in the UK
    ],
)
def test_dates_people_write(typed: str, expected: dt.date) -> None:
    assert read_date(typed, TODAY) == expected


@pytest.mark.parametrize("typed", ["31 June", "tomorrow", "12/13/2026", "December 12", "", "12"])
def test_dates_that_cannot_be_read_say_what_works(typed: str) -> None:
    with pytest.raises(UserFacingError, match="Write it like 12 December, 12 December 2026"):
        read_date(typed, TODAY)


def test_six_months_ahead_stays_in_the_month() -> None:
    assert months_ahead(TODAY, 6) == dt.date(2027, 5, 25)
    assert months_ahead(dt.date(2026, 8, 31), 6) == dt.date(2027, 2, 28)
    assert months_ahead(dt.date(2027, 8, 31), 6) == dt.date(2028, 2, 29)


@pytest.mark.parametrize(
    ("said", "read"),
    [
        ("deputy until 12 december", True),
        ("deputy", True),
        ("name a deputy until 1 january", True),
        ("deputy end", False),
        ("back from leave", False),
        ("deputies", False),
        ("deputyship", False),
    ],
)
def test_which_messages_name_a_deputy(said: str, read: bool) -> None:
    assert (read_deputy(said) is not None) == read


def test_good_meetings_make_a_cadence() -> None:
    values = {
        "firstMeeting": "2027-01-12",
        "meetingTime": "14:30",
        "repeat": "four_weekly",
        "agendaDaysBefore": "0",
    }
    cadence, days, errors = check_meetings(values, TODAY)
    assert errors == {}
    assert cadence == Cadence(dt.date(2027, 1, 12), dt.time(14, 30), Repeat.FOUR_WEEKLY)
    assert days == 0


def test_every_wrong_meeting_value_is_named() -> None:
    values = {
        "firstMeeting": "12/01/2027",
        "meetingTime": "24:00",
        "repeat": "",
        "agendaDaysBefore": "99",
    }
    cadence, _, errors = check_meetings(values, TODAY)
    assert cadence is None
    assert set(errors) == {"firstMeeting", "meetingTime", "repeat", "agendaDaysBefore"}
