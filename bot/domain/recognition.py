"""Recognition: points only for what other people confirmed, never for volume.

An answer earns `Points.best_answer` when the asker chose it as the best one and
`Points.helped_too` for each person who said it helped them too. An answer nobody
confirmed earns nothing, however many are written. The rules are configuration
(COMMUNITY_POINTS), passed in here as any object with those two numbers.

    answer_points(answer, points) -> int
    leaderboard(answers, points, since, limit=10) -> list[LeaderRow]
        answers at or after `since`; people with no points are left out; most points
        first, ties by name.
    monthly_digest(questions, answers, community_id, month_start, month_end) -> MonthlyDigest
        the community's questions first answered in [month_start, month_end), with the
        median time to a first answer and who helped most (by points).
    in_words(delta) -> str: "2 hours 15 minutes", for the digest.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from bot.domain.communities import Answer, Question


class PointRules(Protocol):
    @property
    def best_answer(self) -> int: ...
    @property
    def helped_too(self) -> int: ...


@dataclass(frozen=True)
class Points:
    """Recognition rules: points only for what others confirmed, never for volume."""

    best_answer: int = 10  # the asker chose their answer as the best one
    helped_too: int = 2  # someone else said it helped them too


DEFAULT_POINTS = Points()


@dataclass(frozen=True)
class LeaderRow:
    champion_id: str
    name: str
    points: int
    best_answers: int
    helped: int  # "helped me too" marks on their answers


@dataclass(frozen=True)
class MonthlyDigest:
    community_id: str
    month_start: dt.datetime
    month_end: dt.datetime
    questions_answered: int
    best_answers: int
    median_first_answer: dt.timedelta | None  # None when nothing was answered
    helped_most: tuple[LeaderRow, ...]  # up to three, most points first


def answer_points(answer: Answer, points: PointRules) -> int:
    best = points.best_answer if answer.best else 0
    return best + points.helped_too * max(answer.helped_count, 0)


def _rank(answers: Iterable[Answer], points: PointRules) -> list[LeaderRow]:
    totals: dict[str, list[int]] = {}
    names: dict[str, tuple[dt.datetime, str]] = {}
    for answer in answers:
        row = totals.setdefault(answer.champion_id, [0, 0, 0])
        row[0] += answer_points(answer, points)
        row[1] += 1 if answer.best else 0
        row[2] += max(answer.helped_count, 0)
        latest = names.get(answer.champion_id)
        if latest is None or answer.at >= latest[0]:
            names[answer.champion_id] = (answer.at, answer.champion_name)
    rows = [
        LeaderRow(who, names[who][1], total, best, helped)
        for who, (total, best, helped) in totals.items()
        if total > 0
    ]
    return sorted(rows, key=lambda r: (-r.points, r.name.casefold(), r.champion_id))


def leaderboard(
    answers: Iterable[Answer], points: PointRules, since: dt.datetime, limit: int = 10
) -> list[LeaderRow]:
    """Who earned the most points for answers given at or after `since`."""
    return _rank((a for a in answers if a.at >= since), points)[: max(limit, 0)]


def monthly_digest(
    questions: Iterable[Question],
    answers: Iterable[Answer],
    community_id: str,
    month_start: dt.datetime,
    month_end: dt.datetime,
    points: PointRules = DEFAULT_POINTS,
) -> MonthlyDigest:
    """One community's month: questions first answered in [month_start, month_end)."""
    answered = [
        q
        for q in questions
        if q.community_id == community_id
        and q.first_answer_at is not None
        and month_start <= q.first_answer_at < month_end
    ]
    refs = {q.reference for q in answered}
    waits = [
        q.first_answer_at - (q.routed_at or q.asked_at)
        for q in answered
        if q.first_answer_at is not None
    ]
    theirs = [a for a in answers if a.question_ref in refs]
    return MonthlyDigest(
        community_id=community_id,
        month_start=month_start,
        month_end=month_end,
        questions_answered=len(answered),
        best_answers=sum(1 for a in theirs if a.best),
        median_first_answer=_median(waits),
        helped_most=tuple(_rank(theirs, points)[:3]),
    )


def _median(waits: list[dt.timedelta]) -> dt.timedelta | None:
    if not waits:
        return None
    ordered = sorted(waits)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def _count(number: int, unit: str) -> str:
    return f"{number} {unit}" if number == 1 else f"{number} {unit}s"


def in_words(delta: dt.timedelta | None) -> str:
    """A wait as people say it: "3 days 2 hours", "45 minutes", "under a minute"."""
    if delta is None:
        return "no answers yet"
    minutes = int(delta.total_seconds() // 60)
    if minutes < 1:
        return "under a minute"
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return _count(days, "day") + (f" {_count(hours, 'hour')}" if hours else "")
    if hours:
        return _count(hours, "hour") + (f" {_count(minutes, 'minute')}" if minutes else "")
    return _count(minutes, "minute")
