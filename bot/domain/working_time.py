"""Working time: the hours a nudge may count, in the council's own clock.

Nudges wait a number of *working* hours (9 to 5, Monday to Friday by default), so a
question asked at 4pm on a Friday is chased on Monday, not on Saturday. England and
Wales bank holidays come from the `holidays` library, never a hand-kept list, for
whatever years a calculation reaches. Times go in and come out as aware datetimes;
the arithmetic is done in UTC and the day boundaries in local time, so a clock change
(the last Sunday of March and of October) neither adds nor loses an hour.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Protocol
from zoneinfo import ZoneInfo

import holidays

_UTC = dt.UTC
_ONE_DAY = dt.timedelta(days=1)


class Hours(Protocol):
    """What WorkingTime needs from the journey's settings (CommunityConfig has it)."""

    @property
    def day_starts(self) -> dt.time: ...
    @property
    def day_ends(self) -> dt.time: ...
    @property
    def working_days(self) -> frozenset[int]: ...
    @property
    def timezone(self) -> str: ...


class WorkingTime:
    """Working days and hours in one time zone, less England and Wales bank holidays."""

    def __init__(
        self,
        day_starts: dt.time = dt.time(9, 0),
        day_ends: dt.time = dt.time(17, 0),
        working_days: Iterable[int] = (0, 1, 2, 3, 4),
        timezone: str = "Europe/London",
    ) -> None:
        days = frozenset(working_days)
        if not days or not days <= frozenset(range(7)):
            raise ValueError("working_days must name at least one weekday, Monday being 0")
        if day_ends <= day_starts:
            raise ValueError("the working day must end after it starts")
        self.day_starts = day_starts
        self.day_ends = day_ends
        self.working_days = days
        self.zone = ZoneInfo(timezone)
        # expand=True (the default) adds each year the first time a date in it is asked about.
        self._bank_holidays = holidays.UK(subdiv="ENG")

    @classmethod
    def from_config(cls, config: Hours) -> WorkingTime:
        """From a CommunityConfig."""
        return cls(config.day_starts, config.day_ends, config.working_days, config.timezone)

    def is_working_day(self, day: dt.date) -> bool:
        return day.weekday() in self.working_days and day not in self._bank_holidays

    def _starts(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, self.day_starts, self.zone).astimezone(_UTC)

    def _ends(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, self.day_ends, self.zone).astimezone(_UTC)

    def _local_day(self, at: dt.datetime) -> dt.date:
        return _aware(at).astimezone(self.zone).date()

    def is_working(self, at: dt.datetime) -> bool:
        """Whether `at` falls in working time (the end of the day is not in it)."""
        day = self._local_day(at)
        return self.is_working_day(day) and self._starts(day) <= at < self._ends(day)

    def next_working_moment(self, at: dt.datetime) -> dt.datetime:
        """`at` itself in working time, otherwise the start of the next working day, in UTC."""
        at = _aware(at).astimezone(_UTC)
        day = self._local_day(at)
        if self.is_working_day(day):
            if at < self._starts(day):
                return self._starts(day)
            if at < self._ends(day):
                return at
        day += _ONE_DAY
        while not self.is_working_day(day):
            day += _ONE_DAY
        return self._starts(day)

    def add(self, start: dt.datetime, hours: float) -> dt.datetime:
        """The moment `hours` working hours after `start`, in UTC.

        A start outside working time counts from the next working moment. Landing exactly
        on the end of a day stays there (it is not moved to the next morning).
        """
        if hours < 0:
            raise ValueError("hours must not be negative")
        left = dt.timedelta(hours=hours)
        at = self.next_working_moment(start)
        while True:
            ends = self._ends(self._local_day(at))
            if left <= ends - at:
                return at + left
            left -= ends - at
            at = self.next_working_moment(ends)

    def working_hours_between(self, a: dt.datetime, b: dt.datetime) -> float:
        """Working hours from `a` to `b` (0 when `b` is not after `a`)."""
        a = _aware(a).astimezone(_UTC)
        b = _aware(b).astimezone(_UTC)
        total = dt.timedelta(0)
        day = self._local_day(a)
        last = self._local_day(b)
        while day <= last:
            if self.is_working_day(day):
                begin = max(a, self._starts(day))
                end = min(b, self._ends(day))
                if end > begin:
                    total += end - begin
            day += _ONE_DAY
        return total.total_seconds() / 3600


def _aware(at: dt.datetime) -> dt.datetime:
    if at.tzinfo is None:
        raise ValueError("times must carry a time zone (the bot works in UTC)")
    return at
