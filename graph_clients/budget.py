"""SharePoint's budget for the app, so that catching up after an outage is never throttled.

SharePoint Online limits each app in a tenant by resource units a minute (Microsoft Learn,
"Avoid getting throttled or blocked in SharePoint Online"): 2,500 a minute for a tenant of
1,001 to 5,000 licences, as the council's 3,600 staff are. Through Graph a list item write
(create, update, delete) and a query for several items each cost 2 units, and every request
inside a `$batch` counts on its own: a `$batch` saves round trips, not units.

The writer takes its units from a `ResourceBudget` before each call, so that in any minute
it spends at most its share; the rest is left for people's reads, which never wait on it.
Retry-After, when Graph sends it anyway, is obeyed separately (graph_clients.client).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Protocol

TENANT_UNITS_PER_MINUTE = 2_500  # a tenant of 1,001 to 5,000 licences
# The writer's share: 90% of the tenant's, so 1,125 writes a minute (18.75 a second) at
# most, and 250 units a minute are always left for people's reads and governance reads.
WRITER_UNITS_PER_MINUTE = 2_250
WRITE_UNITS = 2  # a list item created or updated
QUERY_UNITS = 2  # a query that may return several items (a look-up by Reference)
WINDOW = 60.0  # seconds: SharePoint counts units a minute


class WriteBudget(Protocol):
    """What the writer takes its units from: this process's `ResourceBudget`, or with
    STATE_STORE=azure one shared by every instance (bot.azure_state.budget)."""

    async def take(self, units: int) -> float:
        """Wait until `units` fit, spend them, and return the seconds waited."""
        ...


class ResourceBudget:
    """At most `per_minute` units in any `WINDOW` seconds, on a sliding window.

    `now` and `sleep` are injectable (the monotonic timer by default: an interval, not a
    date), so a test can spend a minute without waiting one.
    """

    def __init__(
        self,
        per_minute: int = WRITER_UNITS_PER_MINUTE,
        now: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if per_minute < 1:
            raise ValueError(f"A budget needs at least 1 unit a minute, not {per_minute}")
        self.per_minute = per_minute
        self._now = now
        self._sleep = sleep
        self._spent: deque[tuple[float, int]] = deque()  # (when, units), oldest first
        self._used = 0
        self._lock = asyncio.Lock()  # callers take their turn, first come first served

    def used(self) -> int:
        """Units spent in the last `WINDOW` seconds."""
        self._forget(self._now())
        return self._used

    async def take(self, units: int) -> float:
        """Wait until `units` fit in the window, and spend them; returns the seconds waited.

        A call bigger than the whole budget waits for an empty window, then goes alone."""
        units = max(0, units)
        waited = 0.0
        async with self._lock:
            # Bounded: each pass waits for the oldest spending to leave the window.
            for _ in range(2 * len(self._spent) + 2):
                now = self._now()
                self._forget(now)
                if not self._spent or self._used + units <= self.per_minute:
                    self._spent.append((now, units))
                    self._used += units
                    return waited
                pause = max(self._spent[0][0] + WINDOW - now, 0.0) + 0.001
                await self._sleep(pause)
                waited += pause
            raise AssertionError("unreachable: the window empties within the loop")

    def _forget(self, now: float) -> None:
        while self._spent and self._spent[0][0] <= now - WINDOW:
            self._used -= self._spent.popleft()[1]
