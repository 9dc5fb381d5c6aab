"""Each caller's share of the API: a token bucket per caller (API_RATE_LIMIT a minute).

A caller may spend its whole minute in a burst; after that calls are let through as the
bucket refills. A refused call is told how many seconds to wait (Retry-After).

Failed sign-ins are counted the same way, by the address they come from, so that an API
key cannot be guessed quickly (`FAILED_SIGN_INS_PER_MINUTE`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

MAX_CALLERS = 10_000  # buckets kept; the one used least recently is dropped first
FAILED_SIGN_INS_PER_MINUTE = 30


@dataclass
class TokenBuckets:
    per_minute: int
    # Seconds from any fixed point that never goes back (tests pass their own).
    monotonic: Callable[[], float] = time.monotonic
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)  # key -> (tokens, at)

    def _tokens(self, key: str, now: float) -> float:
        tokens, at = self._buckets.pop(key, (float(self.per_minute), now))
        return min(float(self.per_minute), tokens + (now - at) * self.per_minute / 60.0)

    def _keep(self, key: str, tokens: float, now: float) -> None:
        self._buckets[key] = (tokens, now)  # now the most recently used
        if len(self._buckets) > MAX_CALLERS:
            self._buckets.pop(next(iter(self._buckets)))

    def _wait(self, tokens: float) -> float:
        return (1.0 - tokens) * 60.0 / self.per_minute

    def take(self, key: str) -> float | None:
        """None if `key` may call now (one token taken); else the seconds to wait."""
        now = self.monotonic()
        tokens = self._tokens(key, now)
        if tokens < 1.0:
            self._keep(key, tokens, now)
            return self._wait(tokens)
        self._keep(key, tokens - 1.0, now)
        return None

    def waiting(self, key: str) -> float | None:
        """Like `take`, without taking: None if a token is there now."""
        if key not in self._buckets:
            return None
        now = self.monotonic()
        tokens = self._tokens(key, now)
        self._keep(key, tokens, now)
        return None if tokens >= 1.0 else self._wait(tokens)
