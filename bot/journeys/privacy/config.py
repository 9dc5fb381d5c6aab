"""The privacy journey's settings: how long each kind of record is kept, how long a
`my data` link works, and the hour the retention job runs. Read once at start-up; a bad
value is one plain sentence naming the variable."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.domain.retention import RetentionPolicy, load_policy

LINK_MINUTES = (5, 1440)  # a `my data` link works from 5 minutes to a day
DEFAULT_LINK_MINUTES = 30
DEFAULT_RUN_HOUR = 2  # 2am local time: the quietest hour


@dataclass(frozen=True)
class PrivacySettings:
    policy: RetentionPolicy = field(default_factory=RetentionPolicy)
    # Minutes a `my data` download link works after it is made (MY_DATA_LINK_MINUTES).
    link_minutes: int = DEFAULT_LINK_MINUTES
    # The local hour (0 to 23) from which the day's retention run may start.
    run_hour: int = DEFAULT_RUN_HOUR


def load_settings(env: Mapping[str, str], problems: list[str]) -> PrivacySettings:
    return PrivacySettings(
        policy=load_policy(env, problems),
        link_minutes=_whole(
            env.get("MY_DATA_LINK_MINUTES", ""),
            "MY_DATA_LINK_MINUTES",
            LINK_MINUTES,
            DEFAULT_LINK_MINUTES,
            "minutes",
            problems,
        ),
        run_hour=_whole(
            env.get("RETENTION_RUN_HOUR", ""),
            "RETENTION_RUN_HOUR",
            (0, 23),
            DEFAULT_RUN_HOUR,
            "an hour of the day",
            problems,
        ),
    )


def _whole(
    raw: str, name: str, bounds: tuple[int, int], default: int, unit: str, problems: list[str]
) -> int:
    text = raw.strip()
    if not text:
        return default
    low, high = bounds
    if text.isascii() and text.isdigit() and low <= int(text) <= high:
        return int(text)
    what = f"a whole number of {unit}" if unit == "minutes" else unit
    problems.append(
        f"{name} must be {what} from {low} to {high:,}, such as {default}. It is '{text[:40]}'."
    )
    return default
