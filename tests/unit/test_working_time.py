"""Working time counts only council working hours, in London time, bank holidays off."""

import datetime as dt
from collections.abc import Callable

import pytest

from bot.domain.working_time import WorkingTime
from bot.journeys.communities.config import CommunityConfig

UTC = dt.UTC


def london() -> WorkingTime:
    """Built inside each test, so mutation testing sees which tests use the constructor."""
    return WorkingTime.from_config(CommunityConfig())


def utc(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=UTC)


def test_friday_afternoon_plus_four_hours_is_monday_noon() -> None:
    assert london().add(utc(2026, 11, 27, 16), 4) == utc(2026, 11, 30, 12)


def test_christmas_and_boxing_day_observed_are_skipped() -> None:
    # Thursday 24 December 2026: 2 hours left that day; Friday 25th Christmas, Monday 28th
    # the Boxing Day holiday (the 26th is a Saturday); work resumes Tuesday 29th.
    assert london().add(utc(2026, 12, 24, 15), 4) == utc(2026, 12, 29, 11)


def test_new_years_day_is_skipped() -> None:
    assert london().add(utc(2026, 12, 31, 16), 2) == utc(2027, 1, 4, 10)


def test_good_friday_and_easter_monday_are_skipped_across_the_clock_change() -> None:
    # Thursday 25 March 2027, 16:00 GMT: one hour that day. Good Friday 26th, Easter Monday
    # 29th; the clocks went forward on Sunday 28th, so Tuesday 11:00 BST is 10:00 UTC.
    assert london().add(utc(2027, 3, 25, 16), 3) == utc(2027, 3, 30, 10)


def test_the_autumn_clock_change_weekend_neither_adds_nor_loses_an_hour() -> None:
    # Friday 23 October 2026, 16:00 BST (15:00 UTC); clocks go back on Sunday 25th.
    assert london().add(utc(2026, 10, 23, 15), 2) == utc(2026, 10, 26, 10)
    assert london().working_hours_between(utc(2026, 10, 23, 15), utc(2026, 10, 26, 10)) == 2


def test_summer_working_day_runs_9_to_5_london_time() -> None:
    assert not london().is_working(utc(2026, 7, 1, 7, 59))  # 08:59 BST
    assert london().is_working(utc(2026, 7, 1, 8))  # 09:00 BST
    assert london().is_working(utc(2026, 7, 1, 15, 59))
    assert not london().is_working(utc(2026, 7, 1, 16))  # 17:00 BST: the day has ended


def test_before_nine_counts_from_nine() -> None:
    assert london().add(utc(2026, 11, 25, 7), 1) == utc(2026, 11, 25, 10)
    assert london().next_working_moment(utc(2026, 11, 25, 7)) == utc(2026, 11, 25, 9)


def test_after_five_counts_from_nine_next_morning() -> None:
    assert london().add(utc(2026, 11, 25, 18), 1) == utc(2026, 11, 26, 10)
    assert london().next_working_moment(utc(2026, 11, 25, 17)) == utc(2026, 11, 26, 9)


def test_a_weekend_start_counts_from_monday_morning() -> None:
    assert london().add(utc(2026, 11, 28, 12), 0.5) == utc(2026, 11, 30, 9, 30)
    assert not london().is_working(utc(2026, 11, 28, 12))


def test_bank_holidays_are_not_working_time() -> None:
    assert not london().is_working(utc(2026, 12, 25, 12))
    assert not london().is_working_day(dt.date(2027, 3, 29))  # Easter Monday
    assert london().is_working_day(dt.date(2027, 3, 30))


def test_landing_on_the_end_of_the_day_stays_there() -> None:
    assert london().add(utc(2026, 11, 25, 13), 4) == utc(2026, 11, 25, 17)


def test_inside_working_time_the_moment_itself_is_next() -> None:
    at = utc(2026, 11, 25, 10, 15)
    assert london().next_working_moment(at) == at
    assert london().add(at, 0) == at


def test_several_days_of_hours() -> None:
    # 20 working hours from Monday 09:00: Monday and Tuesday full, 4 hours on Wednesday.
    assert london().add(utc(2026, 11, 30, 9), 20) == utc(2026, 12, 2, 13)


def test_working_hours_between() -> None:
    assert london().working_hours_between(utc(2026, 11, 27, 16), utc(2026, 11, 30, 12)) == 4
    assert london().working_hours_between(utc(2026, 11, 25, 10), utc(2026, 11, 25, 10, 30)) == 0.5
    assert london().working_hours_between(utc(2026, 11, 30, 12), utc(2026, 11, 27, 16)) == 0
    assert london().working_hours_between(utc(2026, 12, 24, 15), utc(2026, 12, 29, 11)) == 4


def test_other_working_days_and_hours() -> None:
    wt = WorkingTime(dt.time(10), dt.time(16), {0, 1, 2}, "Europe/London")
    # Wednesday 25 November 2026, 15:00: one hour, then Monday 10:00.
    assert wt.add(utc(2026, 11, 25, 15), 3) == utc(2026, 11, 30, 12)
    assert not wt.is_working(utc(2026, 11, 26, 12))  # Thursday


def test_another_time_zone() -> None:
    wt = WorkingTime(dt.time(9), dt.time(17), range(5), "America/New_York")
    # 09:00 in New York in November is 14:00 UTC.
    assert wt.next_working_moment(utc(2026, 11, 25, 12)) == utc(2026, 11, 25, 14)


def refused(make: Callable[[], object]) -> str:
    with pytest.raises(ValueError) as caught:
        make()
    return str(caught.value)


def test_bad_arguments_are_refused() -> None:
    naive = dt.datetime(2026, 11, 25, 10)
    no_zone = "times must carry a time zone (the bot works in UTC)"
    assert refused(lambda: london().add(naive, 1)) == no_zone
    assert refused(lambda: london().working_hours_between(naive, utc(2026, 11, 26))) == no_zone
    assert refused(lambda: london().add(utc(2026, 11, 25, 10), -1)) == "hours must not be negative"
    no_days = "working_days must name at least one weekday, Monday being 0"
    assert refused(lambda: WorkingTime(dt.time(9), dt.time(17), set())) == no_days
    assert refused(lambda: WorkingTime(dt.time(9), dt.time(17), {7})) == no_days
    backwards = "the working day must end after it starts"
    assert refused(lambda: WorkingTime(dt.time(17), dt.time(9))) == backwards
    assert refused(lambda: WorkingTime(dt.time(9), dt.time(9))) == backwards


def test_results_are_in_utc() -> None:
    ten_am = dt.datetime(2026, 7, 1, 10, tzinfo=london().zone)
    assert london().add(ten_am, 1) == utc(2026, 7, 1, 10)
    assert london().add(ten_am, 1).tzinfo is UTC


def test_scottish_and_northern_irish_holidays_are_working_days_in_england() -> None:
    wt = london()
    assert wt.is_working_day(dt.date(2026, 11, 30))  # St Andrew's Day
    assert wt.is_working_day(dt.date(2026, 1, 2))  # 2 January
    assert wt.is_working_day(dt.date(2027, 7, 12))  # Battle of the Boyne
    assert not wt.is_working_day(dt.date(2026, 8, 31))  # late summer bank holiday, England


def test_the_defaults_are_9_to_5_monday_to_friday_in_london() -> None:
    wt = WorkingTime()
    assert (wt.day_starts, wt.day_ends) == (dt.time(9), dt.time(17))
    assert wt.working_days == frozenset(range(5))
    assert wt.zone.key == "Europe/London"
    assert not wt.is_working_day(dt.date(2027, 3, 29))  # Easter Monday


def test_from_config_takes_every_setting() -> None:
    config = CommunityConfig(
        day_starts=dt.time(8),
        day_ends=dt.time(12),
        working_days=frozenset({5}),
        timezone="Asia/Tokyo",
    )
    wt = WorkingTime.from_config(config)
    assert (wt.day_starts, wt.day_ends, wt.working_days) == (dt.time(8), dt.time(12), {5})
    assert wt.zone.key == "Asia/Tokyo"
    # Saturday 28 November 2026, 08:00 in Tokyo is Friday 23:00 UTC.
    assert wt.next_working_moment(utc(2026, 11, 27, 12)) == utc(2026, 11, 27, 23)


def test_every_day_can_be_a_working_day() -> None:
    wt = WorkingTime(dt.time(9), dt.time(17), range(7), "Europe/London")
    assert wt.is_working(utc(2026, 11, 28, 12))  # a Saturday


def test_a_working_day_that_spans_midnight_utc() -> None:
    # 9 to 5 in Auckland (UTC+13 in November) runs from 20:00 to 04:00 UTC.
    wt = WorkingTime(dt.time(9), dt.time(17), range(5), "Pacific/Auckland")
    assert wt.is_working(utc(2026, 11, 24, 21))  # Wednesday 10:00 in Auckland
    assert not wt.is_working(utc(2026, 11, 24, 19))  # Wednesday 08:00
    assert wt.add(utc(2026, 11, 24, 19), 1) == utc(2026, 11, 24, 21)


def test_every_result_is_in_utc() -> None:
    wt = london()
    assert wt.next_working_moment(utc(2026, 11, 28, 12)).tzinfo is UTC
    assert wt.add(utc(2026, 11, 25, 13), 4).tzinfo is UTC  # lands on the end of a day
    assert wt.add(utc(2026, 11, 28, 12), 1).tzinfo is UTC
