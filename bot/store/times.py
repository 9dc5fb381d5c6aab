"""Times and days as a journey's SQLite file keeps them.

Times are UTC ISO text with microseconds always written, so text order is time order,
and they read back timezone-aware. Days are ISO dates. None is kept as NULL.
"""

from __future__ import annotations

import datetime as dt


def time_text(at: dt.datetime) -> str:
    """UTC, with microseconds always written, so text order is time order."""
    if at.tzinfo is None:
        raise ValueError("The store keeps timezone-aware (UTC) times only.")
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def maybe_time_text(at: dt.datetime | None) -> str | None:
    return None if at is None else time_text(at)


def time_from(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC)


def maybe_time_from(text: str | None) -> dt.datetime | None:
    return None if text is None else time_from(text)


def maybe_day_text(day: dt.date | None) -> str | None:
    return None if day is None else day.isoformat()


def maybe_day_from(text: str | None) -> dt.date | None:
    return None if text is None else dt.date.fromisoformat(text)
