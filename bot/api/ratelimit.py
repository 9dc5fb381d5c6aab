"""Each caller's share of the API: a token bucket per caller (API_RATE_LIMIT a minute).

A caller may spend its whole minute in a burst; after that calls are let through as the
bucket refills. A refused call is told how many seconds to wait (Retry-After)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

MAX_CALLERS = 10_000  # buckets kept; the fullest (idle longest) are dropped first


@dataclass
class TokenBuckets:
    per_minute: int
    clock: Callable[[], float] = time.monotonic
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)  # key -> (tokens, at)

    def take(self, key: str) -> float | None:
        now = self.clock()
        rate = self.per_minute / 60.0
        tokens, at = self._buckets.get(key, (float(self.per_minute), now))
        tokens = min(float(self.per_minute), tokens + (now - at) * rate)
        if tokens < 1.0:
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / rate
        self._buckets[key] = (tokens - 1.0, now)
        if len(self._buckets) > MAX_CALLERS:
            self._buckets.pop(next(iter(self._buckets)))
        return None
