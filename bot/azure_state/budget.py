"""SharePoint's write budget, shared by every instance of the bot (STATE_STORE=azure).

SharePoint counts resource units a minute for the app as a whole, not for each instance:
two instances each keeping to their own budget of 2,250 units a minute could spend 4,500
together, and SharePoint would throttle everyone, people's reads included. So with more
than one instance the writers take their units from one budget kept in Table storage.

How it is kept: time is cut into windows of `WINDOW_SECONDS`, numbered from the Unix epoch
so that every instance agrees which window is which. One table row holds the units given
out in each recent window. A take in window N is allowed only if the units given out in
windows N-30 to N (and any later window, from an instance whose clock is ahead), plus its
own, come to no more than the minute's budget. Any 60 seconds lie inside 31 windows of 2
seconds, so no 60 seconds ever see more than the budget spent, the same promise as the
in-memory `ResourceBudget`. A take that does not fit waits until enough old windows have
left the 31, then tries again.

Why this holds however many instances take at once: a take reads the row, and writes it
back with its units added only if nobody has written it since the read (a conditional
update on the row's ETag). Every window's count is in that one row, so the check and the
write are about the same numbers: if another instance gave out units in between, the
write fails, and the take reads again and checks again. Two takes can never both be
granted on one reading, so the sum can never pass the budget. Conflicts are retried a
bounded number of times (with a short random pause); a take that still cannot write, or
that waits too long for room, raises `BudgetBusy`, and the writer tries again later.

Windows are told by the wall clock (`time.time`, injectable with `sleep` for tests), as
instances must agree on it; Azure hosts keep time to a few milliseconds. A clock up to a
minute off does not break the promise: its windows are counted in the same row.
"""

from __future__ import annotations

import asyncio
import json
import math
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any

from azure.data.tables.aio import TableClient

from bot.azure_state.entities import etag_of, get_or_none, insert_new, key, replace_if
from graph_clients.budget import WINDOW, WRITER_UNITS_PER_MINUTE

WINDOW_SECONDS = 2.0
# Windows a take counts: any WINDOW (60 s) of time lies within this many windows.
SPAN = math.ceil(WINDOW / WINDOW_SECONDS) + 1
TRIES = 100  # conditional writes that met someone else's, before giving up for now
WAITS = 4 * SPAN  # waits for room, before giving up for now (a few minutes at most)
ROW = "units"


class BudgetBusy(Exception):
    """No units were given out after the bounded tries; the caller tries again later."""


class SharedBudget:
    """At most `per_minute` units in any 60 seconds, for every instance together.

    Same use as `graph_clients.budget.ResourceBudget`: `await take(units)` waits until
    the units fit, spends them and returns the seconds waited. `name` keeps separate
    budgets apart in one table (one per SharePoint app)."""

    def __init__(
        self,
        table: TableClient,
        per_minute: int = WRITER_UNITS_PER_MINUTE,
        now: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        name: str = "sharepoint-writer",
        tries: int = TRIES,
    ) -> None:
        if per_minute < 1:
            raise ValueError(f"A budget needs at least 1 unit a minute, not {per_minute}")
        if tries < 1:
            raise ValueError(f"A budget needs at least 1 try, not {tries}")
        self.per_minute = per_minute
        self.table = table
        self._now = now
        self._sleep = sleep
        self._partition = key(name)
        self._tries = tries
        self._lock = asyncio.Lock()  # this instance's callers take their turn
        self.conflicts = 0  # conditional writes that met another's write (for logs, tests)

    async def used(self) -> int:
        """Units given out in the windows the next take counts."""
        spent, _ = await self._read(self._window(self._now()))
        return sum(spent.values())

    async def take(self, units: int) -> float:
        """Wait until `units` fit, and spend them; returns the seconds waited.

        A call bigger than the whole budget waits until nothing has been spent in the last
        minute, then goes alone. Raises `BudgetBusy` after TRIES conflicts or WAITS waits."""
        units = max(0, units)
        waited = 0.0
        conflicts = waits = 0
        async with self._lock:
            while conflicts < self._tries and waits < WAITS:
                now = self._now()
                window = self._window(now)
                spent, found = await self._read(window)
                total = sum(spent.values())
                if total == 0 or total + units <= self.per_minute:
                    spent[window] = spent.get(window, 0) + units
                    if await self._write(spent, found):
                        return waited
                    conflicts += 1
                    self.conflicts += 1
                    await self._sleep(random.uniform(0, min(0.05, 0.002 * conflicts)))
                    continue
                pause = self._room_at(spent, units) - now + 0.001
                waits += 1
                await self._sleep(pause)
                waited += pause
        raise BudgetBusy(
            f"No room in SharePoint's shared budget after {conflicts} conflicts and {waits} waits"
        )

    def _window(self, now: float) -> int:
        return math.floor(now / WINDOW_SECONDS)

    def _room_at(self, spent: dict[int, int], units: int) -> float:
        """When enough of the oldest windows have left the span for `units` to fit."""
        left = sum(spent.values())
        for window in sorted(spent):
            left -= spent[window]
            if left == 0 or left + units <= self.per_minute:
                return (window + SPAN) * WINDOW_SECONDS
        return (max(spent) + SPAN) * WINDOW_SECONDS  # not reached: `left` comes to 0

    async def _read(self, window: int) -> tuple[dict[int, int], Any]:
        """Units of each window still counted at `window`, and the row as read (or None).

        A window further ahead than SPAN (a clock far wrong) is not counted, and goes."""
        found = await get_or_none(self.table, self._partition, ROW)
        if found is None:
            return {}, None
        pairs = json.loads(str(found.get("Spent", "[]")))
        spent = {
            int(w): int(u)
            for w, u in pairs
            if window - SPAN < int(w) <= window + SPAN and int(u) > 0
        }
        return spent, found

    async def _write(self, spent: dict[int, int], found: Any) -> bool:
        row = {
            "PartitionKey": self._partition,
            "RowKey": ROW,
            "Spent": json.dumps(sorted(spent.items()), separators=(",", ":")),
        }
        if found is None:
            return await insert_new(self.table, row)
        return await replace_if(self.table, row, etag_of(found))
