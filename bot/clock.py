"""Time, passed in: nothing reads the system clock but `SystemClock`.

Every use case, store and journey gets a `Clock`, so a test can stand on
31 December at 23:59:59 or on a bank holiday.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """The current time, timezone-aware (UTC)."""
        ...


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)
