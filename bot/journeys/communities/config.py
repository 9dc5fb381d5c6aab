"""The communities journey's settings: read from the environment, checked at start-up.

Every value has a default a council can start with; a bad value stops the bot with a
plain sentence naming the variable (see `load_settings`).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain.recognition import Points

__all__ = ["CommunityConfig", "Points", "load_settings"]

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_HOURS = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")


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


def _time(hour: str, minute: str) -> dt.time | None:
    h, m = int(hour), int(minute)
    return dt.time(h, m) if h < 24 and m < 60 else None


def _working_hours(raw: str, problems: list[str]) -> tuple[dt.time, dt.time] | None:
    found = _HOURS.match(raw)
    times = (_time(found[1], found[2]), _time(found[3], found[4])) if found else (None, None)
    starts, ends = times
    if starts is None or ends is None or ends <= starts:
        problems.append(
            "COMMUNITY_WORKING_HOURS must be a start and end time such as 09:00-17:00, "
            f"with the end after the start. It is '{raw}'."
        )
        return None
    return starts, ends


def _day(name: str) -> int | None:
    name = name.strip().lower()
    for number, (short, full) in enumerate(zip(_DAYS, _DAY_NAMES, strict=True)):
        if name in (short, full):
            return number
    return None


def _working_days(raw: str, problems: list[str]) -> frozenset[int] | None:
    days: set[int] = set()
    for part in raw.split(","):
        ends = part.split("-")
        numbers = [_day(end) for end in ends]
        if len(ends) > 2 or None in numbers:
            days = set()
            break
        first, last = numbers[0], numbers[-1]
        assert first is not None and last is not None
        if last < first:
            days = set()
            break
        days.update(range(first, last + 1))
    if not days:
        problems.append(
            "COMMUNITY_WORKING_DAYS must be weekdays such as Mon-Fri or Mon,Tue,Wed. "
            f"It is '{raw}'."
        )
        return None
    return frozenset(days)


def _timezone(raw: str, problems: list[str]) -> str | None:
    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(
            f"COMMUNITY_TIMEZONE must be a time zone name such as Europe/London. It is '{raw}'."
        )
        return None
    return raw


def _number(
    name: str, raw: str, low: float, high: float, problems: list[str], whole: bool
) -> float | None:
    kind = "a whole number" if whole else "a number"
    try:
        value = int(raw) if whole else float(raw)
    except ValueError:
        value = None
    if value is None or not math.isfinite(value) or not low <= value <= high:
        problems.append(f"{name} must be {kind} from {low:g} to {high:g}. It is '{raw}'.")
        return None
    return value


def _points(raw: str, problems: list[str]) -> Points | None:
    values: dict[str, int] = {}
    for part in raw.split(","):
        name, _, number = part.partition("=")
        name = name.strip().lower()
        if name not in ("best_answer", "helped_too") or not re.fullmatch(
            r"[0-9]{1,6}", number.strip()
        ):
            problems.append(
                "COMMUNITY_POINTS must be like best_answer=10,helped_too=2: only those two "
                f"names, each with a whole number of 0 or more. It is '{raw}'."
            )
            return None
        values[name] = int(number.strip())
    return Points(**values)


def _digest_day(raw: str, problems: list[str]) -> int | None:
    day = _day(raw)
    if day is None:
        problems.append(
            f"COMMUNITY_DIGEST_DAY must be a day of the week such as Monday. It is '{raw}'."
        )
    return day


def load_settings(env: Mapping[str, str], problems: list[str]) -> CommunityConfig:
    """The journey's settings from the environment; a sentence in `problems` for each bad one."""
    default = CommunityConfig()

    def raw(name: str) -> str | None:
        value = env.get(name, "").strip()
        return value or None

    values: dict[str, object] = {}
    if (text := raw("COMMUNITY_WORKING_HOURS")) and (hours := _working_hours(text, problems)):
        values["day_starts"], values["day_ends"] = hours
    if (text := raw("COMMUNITY_WORKING_DAYS")) and (days := _working_days(text, problems)):
        values["working_days"] = days
    if (text := raw("COMMUNITY_TIMEZONE")) and (zone := _timezone(text, problems)):
        values["timezone"] = zone
    numbers = (
        ("COMMUNITY_CHAMPIONS_PER_WAVE", "champions_per_wave", 1, 20, True),
        ("COMMUNITY_NUDGE_AFTER_HOURS", "nudge_after_hours", 0.5, 80, False),
        ("COMMUNITY_FAIRNESS_DAYS", "fairness_days", 1, 365, True),
        ("COMMUNITY_REVIEW_MONTHS", "review_months", 1, 60, True),
    )
    for name, attribute, low, high, whole in numbers:
        text = raw(name)
        if text is not None:
            number = _number(name, text, low, high, problems, whole)
            if number is not None:
                values[attribute] = number
    if (text := raw("COMMUNITY_POINTS")) and (points := _points(text, problems)):
        values["points"] = points
    if (text := raw("COMMUNITY_DIGEST_DAY")) is not None:
        day = _digest_day(text, problems)
        if day is not None:
            values["digest_weekday"] = day
    return replace(default, **values)  # type: ignore[arg-type]
