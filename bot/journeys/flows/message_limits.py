"""How often flows may send to one chat or channel: under Teams' limits, with room left.

Teams lets a bot send to one conversation 7 messages a second, 8 in 2 seconds, 60 in 30
seconds and 1,800 an hour (bot.delivery.PER_CONVERSATION). The bot's own cards go to the
same chats and channels, so flows get three quarters of each, rounded down, over the same
stretch of time. A send over a limit is refused at once (429 with Retry-After), not
queued: the flow's own retry policy waits, not our memory.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from bot.delivery import GUARD, PER_CONVERSATION, Window

FLOW_SHARE = 0.75  # of each of Teams' limits; the rest is left for the bot's own cards


def flow_windows(teams: Iterable[Window], share: float = FLOW_SHARE) -> tuple[Window, ...]:
    """A share of each of Teams' windows. The small guard the sender adds to each stretch
    (for the time a send takes to reach Teams) is taken off: a flow's limit is counted
    when the call arrives, and the share leaves far more room than the guard."""
    return tuple(
        Window(max(1, math.floor(window.limit * share)), round(window.seconds - GUARD, 6))
        for window in teams
    )


FLOW_WINDOWS = flow_windows(PER_CONVERSATION)
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
