"""A clock a test can set: stand on 31 December at 23:59:59, then step into the new year."""

from __future__ import annotations

import datetime as dt


class SettableClock:
    def __init__(self, start: dt.datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("A clock tells timezone-aware (UTC) time")
        self._now = start

    def now(self) -> dt.datetime:
        return self._now

    def set(self, when: dt.datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("A clock tells timezone-aware (UTC) time")
        self._now = when

    def advance(self, by: dt.timedelta) -> None:
        self._now += by
