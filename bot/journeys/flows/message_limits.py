"""How often flows may send to one chat or channel: under Teams' limits, with room left.

Teams lets a bot send to one conversation 7 messages a second, 8 in 2 seconds, 60 in 30
seconds and 1,800 an hour. The bot's own cards go to the same chats and channels, so
flows get about three quarters of each. A send over a limit is refused at once (429 with
Retry-After), not queued: the flow's own retry policy waits, not our memory.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.delivery import Window

FLOW_WINDOWS = (Window(5, 1.0), Window(6, 2.0), Window(45, 30.0), Window(1350, 3600.0))
MOST_TARGETS = 10_000  # targets remembered; the one used longest ago is forgotten first


@dataclass
class TargetLimits:
    """A sliding window per target. `now` is in seconds and only ever compared with
    itself; if it goes backwards (a clock set back), what was counted is forgotten."""

    now: Callable[[], float]
    windows: tuple[Window, ...] = FLOW_WINDOWS
    _sent: dict[str, list[float]] = field(default_factory=dict)
    _last: float | None = None

    def take(self, target: str) -> float | None:
        """None, and counted, if one more send to `target` fits; else seconds to wait."""
        now = self.now()
        if self._last is not None and now < self._last:
            self._sent.clear()
        self._last = now
        longest = max(window.seconds for window in self.windows)
        times = self._sent.pop(target, [])
        del times[: bisect.bisect_right(times, now - longest)]
        wait = 0.0
        for window in self.windows:
            inside = len(times) - bisect.bisect_right(times, now - window.seconds)
            if inside >= window.limit:
                wait = max(wait, times[-window.limit] + window.seconds - now)
        if wait <= 0:
            times.append(now)
        self._sent[target] = times  # last used goes last
        if len(self._sent) > MOST_TARGETS:
            del self._sent[next(iter(self._sent))]
        return wait if wait > 0 else None
