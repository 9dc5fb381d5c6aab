"""The Digital, Data and Customer Board changes the prioritisation matrix's weights.

The board publishes a new version; new scores use it, and scores already made keep
the version they were made with, so every score can still be checked by hand. Before
anything is rescored, the board sees each request's old and new score and rank side
by side (`rescore_rows`). Plain data and functions: no I/O.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.domain import scoring
from bot.domain.model import DigitalRequest, Matrix, Score

LOWEST, HIGHEST = 0, 100  # what one criterion may be worth
TOTAL = "total"  # the errors' key for the weights as a whole (no criterion has this key)
REASON_MIN, REASON_MAX = 3, 500  # why the weights are changing, in characters
RESCORED = "rescored"  # the history action of a request given its score with a newer matrix

_WHOLE = re.compile(r"[+-]?\d{1,9}")
_VERSION = re.compile(r"(\d{4})\.(\d{1,6})")


def _whole_number(value: Any) -> int | None:
    """A whole number as a card sends it ("20", 20 or 20.0), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str) and _WHOLE.fullmatch(value.strip()):
        return int(value.strip())
    return None


def _weight(label: str, value: Any) -> int | str:
    """One criterion's weight, or what is wrong with it."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return f"Give a weight for {label}, from {LOWEST} to {HIGHEST}."
    number = _whole_number(value)
    if number is None:
        return f"The weight for {label} must be a whole number, like 15."
    if number < LOWEST:
        return f"The weight for {label} cannot be below {LOWEST}."
    if number > HIGHEST:
        return f"The weight for {label} cannot be over {HIGHEST}."
    return number


def check_weights(
    current: Matrix, given: Mapping[str, Any]
) -> tuple[dict[str, int], dict[str, str]]:
    """The new weights by criterion key, and what is wrong, by criterion key.

    `TOTAL` holds what is wrong with the weights together: they must add up to exactly
    100, and change something. A key that is not a criterion (forged card data) is an
    error under that key. Weights are returned only for criteria whose value is right.
    """
    weights: dict[str, int] = {}
    errors: dict[str, str] = {}
    for criterion in current.criteria:
        checked = _weight(criterion.label, given.get(criterion.key))
        if isinstance(checked, str):
            errors[criterion.key] = checked
        else:
            weights[criterion.key] = checked
    known = {criterion.key for criterion in current.criteria}
    for key in given:
        if key not in known:
            errors[key] = "This card asked for a weight the matrix does not have."
    if errors:
        return weights, errors
    total = sum(weights.values())
    if total != scoring.MAX_TOTAL:
        errors[TOTAL] = (
            f"The weights add up to {total}. They must add up to exactly {scoring.MAX_TOTAL}."
        )
    elif all(weights[c.key] == c.weight for c in current.criteria):
        errors[TOTAL] = "These are the weights already published. Change at least one."
    return weights, errors


def check_reason(text: Any) -> tuple[str, str]:
    """Why the weights are changing, tidied, and what is wrong with it ("" if nothing)."""
    reason = " ".join(text.split()) if isinstance(text, str) else ""
    if len(reason) < REASON_MIN:
        return reason, "Say why the weights are changing."
    if len(reason) > REASON_MAX:
        return reason, (
            f"Say why in {REASON_MAX} characters or fewer. You wrote {len(reason):,} characters."
        )
    return reason, ""


def _numbered(version: str) -> tuple[int, int] | None:
    found = _VERSION.fullmatch(version.strip())
    return (int(found.group(1)), int(found.group(2))) if found else None


def next_version(current: str, earlier: Sequence[str], year: int) -> str:
    """The version after `current` in `year`: "2026.1" then "2026.2", and "2027.1" in a
    new year. Never one already used (by `current` or any `earlier` version)."""
    used = [n for v in (current, *earlier) if (n := _numbered(v)) is not None and n[0] == year]
    return f"{year}.{max((number for _, number in used), default=0) + 1}"


def publish(
    current: Matrix, weights: Mapping[str, int], year: int, earlier: Sequence[str] = ()
) -> Matrix:
    """The next version of the matrix with the new weights: the criteria and what each
    looks at stay as they are. Raises ValueError for weights `check_weights` refuses."""
    _, errors = check_weights(current, weights)
    if errors:
        raise ValueError(" ".join(errors.values()))
    criteria = tuple(dataclasses.replace(c, weight=weights[c.key]) for c in current.criteria)
    return Matrix(next_version(current.version, earlier, year), criteria)


@dataclass(frozen=True)
class RescoreRow:
    """One request on a board's list scored with an older matrix: its score and rank on
    the list now, and what they would be with the current matrix."""

    reference: str
    title: str
    old_score: int
    old_version: str
    old_rank: int
    new_score: int
    new_rank: int


def _ranks(scored: Iterable[tuple[DigitalRequest, int]]) -> dict[str, int]:
    """Places on the list, 1 first: the highest score, then the oldest, then by reference."""
    ordered = sorted(scored, key=lambda p: (-p[1], p[0].submitted_at, p[0].reference))
    return {request.reference: place for place, (request, _) in enumerate(ordered, start=1)}


def rescored(request: DigitalRequest, matrix: Matrix, today: dt.date) -> Score:
    """The request's score with `matrix`; one already scored with it keeps its score."""
    if request.score.matrix_version == matrix.version:
        return request.score
    return scoring.score(request.details, matrix, today)


def rescore_rows(
    requests: Sequence[DigitalRequest], matrix: Matrix, today: dt.date
) -> list[RescoreRow]:
    """Each request scored with an older version than `matrix`, in its new order.

    Ranks are places among all the `requests` (a board's whole list): old ranks by the
    scores kept now, new ranks as if every older score were replaced. Requests already
    on `matrix` keep their score in both."""
    new_scores = {r.reference: rescored(r, matrix, today).total for r in requests}
    old_ranks = _ranks((r, r.score.total) for r in requests)
    new_ranks = _ranks((r, new_scores[r.reference]) for r in requests)
    rows = [
        RescoreRow(
            reference=r.reference,
            title=r.details.title,
            old_score=r.score.total,
            old_version=r.score.matrix_version,
            old_rank=old_ranks[r.reference],
            new_score=new_scores[r.reference],
            new_rank=new_ranks[r.reference],
        )
        for r in requests
        if r.score.matrix_version != matrix.version
    ]
    return sorted(rows, key=lambda row: row.new_rank)


def rescore_note(old: Score, new: Score) -> str:
    """The history entry's words for a request given its score with a newer matrix."""
    return (
        f"Rescored with matrix {new.matrix_version}: {old.total} to {new.total} "
        f"(it was scored with {old.matrix_version})."
    )


@dataclass(frozen=True)
class Published:
    """Who published a matrix version, when, and why (kept as a record)."""

    version: str
    by_name: str
    on: dt.date
    reason: str
