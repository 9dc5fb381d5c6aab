"""What people think of the bot, in numbers: pure functions over the kept ratings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

SHOWN_COMMENTS = 5


@dataclass(frozen=True)
class Rated:
    rating: int
    comment: str
    at: dt.datetime


@dataclass(frozen=True)
class Summary:
    count: int
    average: float  # 0 when there is no feedback yet
    by_rating: dict[int, int]  # 5 down to 1, every rating present
    latest_comments: tuple[Rated, ...]  # newest first, only those with a comment


def summarise(feedback: Iterable[Rated]) -> Summary:
    given = list(feedback)
    by_rating = {rating: 0 for rating in (5, 4, 3, 2, 1)}
    for item in given:
        by_rating[item.rating] += 1
    count = len(given)
    average = sum(item.rating for item in given) / count if count else 0.0
    commented = [item for item in given if item.comment]
    latest = sorted(commented, key=lambda item: item.at, reverse=True)[:SHOWN_COMMENTS]
    return Summary(count, round(average, 1), by_rating, tuple(latest))
