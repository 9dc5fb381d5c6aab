"""The transparent prioritisation matrix: a score anyone can check by hand.

Each criterion is a plain rule that gives a fraction from 0 to 1 and a reason in
words. The published matrix says how many points each criterion is worth. The
rules live in code so they are tested; the weights are data so boards can change
them, and each score records the matrix version it used.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable, Sequence

from bot.domain.model import (
    DRIVER_LABELS,
    Budget,
    Driver,
    Matrix,
    RequestDetails,
    RequestKind,
    Score,
    ScoreLine,
)
from bot.domain.text import long_date

Rule = Callable[[RequestDetails, dt.date], tuple[float, str]]

MAX_TOTAL = 100


def _joined(words: Sequence[str]) -> str:
    """ "a", "a and b", "a, b and c": GOV.UK style, no comma before "and"."""
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def strategic_alignment(details: RequestDetails, today: dt.date) -> tuple[float, str]:
    drivers = tuple(dict.fromkeys(details.drivers))
    if not drivers:
        return 0.0, "Does not say which strategic drivers it supports."
    names = _joined([DRIVER_LABELS[driver] for driver in drivers])
    reason = f"Supports {len(drivers)} of the {len(Driver)} strategic drivers: {names}."
    # Four drivers is already broad support; ticking all ten should not win by itself.
    return min(len(drivers), 4) / 4, reason


def _band(value: int | None, bands: Sequence[tuple[int, float]]) -> float:
    """The fraction for the highest threshold the value reaches, or 0."""
    reached = [fraction for threshold, fraction in bands if (value or 0) >= threshold]
    return max(reached, default=0.0)


_CASH_BANDS = ((1_000, 0.25), (10_000, 0.5), (50_000, 0.75), (100_000, 1.0))
_HOURS_BANDS = ((100, 0.25), (500, 0.5), (2_000, 0.75), (5_000, 1.0))


def benefits(details: RequestDetails, today: dt.date) -> tuple[float, str]:
    cash, hours = details.cash_saving_per_year or 0, details.hours_saved_per_year or 0
    fraction = max(_band(cash, _CASH_BANDS), _band(hours, _HOURS_BANDS))
    savings = []
    if cash > 0:
        savings.append(f"£{cash:,} a year")
    if hours > 0:
        savings.append(f"{hours:,} staff hours a year")
    reasons = [f"Expects to save {_joined(savings)}." if savings else "No savings given."]
    if details.resident_impact:
        fraction += 0.25
        reasons.append("Describes how it helps residents.")
    else:
        reasons.append("Does not say how it helps residents.")
    return min(fraction, 1.0), " ".join(reasons)


def statutory_risk(details: RequestDetails, today: dt.date) -> tuple[float, str]:
    if details.statutory_deadline is not None:
        deadline = long_date(details.statutory_deadline)
        return 1.0, f"Has a statutory or legal deadline: {deadline}."
    end = details.contract_end
    # A contract that has already ended is at least as urgent as one about to end.
    if end is not None and (end - today).days <= 365:
        verb = "ended" if end < today else "ends"
        return 0.6, f"The current contract {verb} on {long_date(end)}."
    if details.personal_data:
        return 0.2, "Uses personal data, so there is a data protection risk to manage."
    return 0.0, "No statutory deadline, contract ending within a year or personal data."


# Readiness follows Priority 3 (senior sponsorship) and Priority 2 (user research),
# and the strategy's call to gather requirements before anything is bought.
_DETAILED_PROBLEM = 200


def readiness(details: RequestDetails, today: dt.date) -> tuple[float, str]:
    fraction, reasons = 0.0, []
    if details.sponsor:
        fraction += 0.4
        reasons.append("Has a named senior sponsor.")
    else:
        reasons.append("No senior sponsor named yet.")
    if details.user_research:
        fraction += 0.3
        reasons.append("Describes user research.")
    else:
        reasons.append("No user research described yet.")
    detailed = len(details.problem) >= _DETAILED_PROBLEM
    if detailed and details.existing_systems:
        fraction += 0.3
        reasons.append("Requirements gathered.")
    else:
        missing = []
        if not detailed:
            missing.append(f"describe the problem in at least {_DETAILED_PROBLEM} characters")
        if not details.existing_systems:
            missing.append("list the existing systems")
        reasons.append(f"Requirements not fully gathered yet: {_joined(missing)}.")
    return fraction, " ".join(reasons)


# Platforms the council already has (the strategy names them when it talks about
# duplication). Whole words in any letter case, so "Teams" matches but "steams" does not.
PLATFORMS = (
    "M365",
    "Microsoft 365",
    "Office 365",
    "Teams",
    "SharePoint",
    "Power Platform",
    "Power Apps",
    "Power Automate",
    "Power BI",
    "Dynamics",
    "Academy",
    "Digital360",
)
_PLATFORM_PATTERNS = tuple(
    (name, re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, name.split())) + r"(?!\w)", re.I))
    for name in PLATFORMS
)

_KIND_REUSE: dict[RequestKind, tuple[float, str]] = {
    RequestKind.CHANGE_EXISTING: (0.7, "It changes a system the council already has."),
    RequestKind.DATA_REPORTING: (0.6, "Data and reporting can often use tools we already have."),
    RequestKind.AUTOMATION: (0.6, "Automation can often be built on platforms we already have."),
    RequestKind.HARDWARE_ACCESS: (0.5, "Hardware and access usually use existing services."),
    RequestKind.OTHER: (0.4, "It is not yet clear what it could reuse."),
    RequestKind.NEW_SYSTEM: (0.2, "A new system adds to the systems the council runs."),
}


def reuse(details: RequestDetails, today: dt.date) -> tuple[float, str]:
    text = details.existing_systems + "\n" + details.problem
    found = [name for name, pattern in _PLATFORM_PATTERNS if pattern.search(text)]
    if found:
        return 1.0, f"Builds on platforms the council already has: {_joined(found)}."
    fraction, reason = _KIND_REUSE[details.kind]
    return fraction, f"No existing council platform named. {reason}"


def self_service_automation(details: RequestDetails, today: dt.date) -> tuple[float, str]:
    if details.kind is RequestKind.AUTOMATION:
        return 1.0, "It is an automation or self-service request."
    hours = details.hours_saved_per_year or 0
    if hours >= 500:
        return 0.6, f"Expects to save {hours:,} staff hours a year."
    ticked = [d for d in (Driver.SERVICE_DELIVERY, Driver.EFFICIENCY) if d in details.drivers]
    if ticked:
        names = _joined([DRIVER_LABELS[driver] for driver in ticked])
        return 0.3, f"Supports the {names} {'drivers' if len(ticked) > 1 else 'driver'}."
    return 0.0, "No automation or self-service potential given yet."


_COST: dict[Budget, tuple[float, str]] = {
    Budget.NONE: (1.0, "No cost expected."),
    Budget.UNDER_10K: (0.8, "Expected to cost under £10,000."),
    Budget.FROM_10K_TO_50K: (0.5, "Expected to cost £10,000 to £50,000."),
    Budget.FROM_50K_TO_250K: (0.25, "Expected to cost £50,000 to £250,000."),
    Budget.OVER_250K: (0.1, "Expected to cost over £250,000."),
    # Not knowing the cost is itself a risk, so it scores below a small known cost.
    Budget.UNKNOWN: (0.3, "The cost is not known yet."),
}


def cost_effort(details: RequestDetails, today: dt.date) -> tuple[float, str]:
    return _COST[details.budget]


RULES: dict[str, Rule] = {
    "strategic_alignment": strategic_alignment,
    "benefits": benefits,
    "statutory_risk": statutory_risk,
    "readiness": readiness,
    "reuse": reuse,
    "self_service_automation": self_service_automation,
    "cost_effort": cost_effort,
}


def check_matrix(matrix: Matrix) -> None:
    """Raise ValueError for a matrix we cannot score with. Call it at start-up."""
    keys = [criterion.key for criterion in matrix.criteria]
    for key in keys:
        if key not in RULES:
            raise ValueError(f"The scoring matrix has a criterion with no rule: {key!r}")
    if len(set(keys)) != len(keys):
        raise ValueError("The scoring matrix lists a criterion more than once")
    if any(criterion.weight < 0 for criterion in matrix.criteria):
        raise ValueError("Scoring weights must be 0 or more")
    if sum(criterion.weight for criterion in matrix.criteria) <= 0:
        raise ValueError("Scoring weights must add up to more than 0")


def score(details: RequestDetails, matrix: Matrix, today: dt.date) -> Score:
    """Score a request out of 100.

    Points for a criterion are its weight times its rule's fraction. Weights are
    meant to add up to 100. If they do not, every criterion's points are scaled by
    100 / (sum of weights), so a perfect request still scores exactly 100.
    """
    check_matrix(matrix)
    scale = MAX_TOTAL / sum(criterion.weight for criterion in matrix.criteria)
    lines = []
    for criterion in matrix.criteria:
        fraction, reason = RULES[criterion.key](details, today)
        # Two decimal places keep stored scores tidy; the total adds up what is shown.
        points = round(criterion.weight * scale * min(max(fraction, 0.0), 1.0), 2)
        lines.append(ScoreLine(criterion.key, criterion.label, criterion.weight, points, reason))
    return Score(_total(line.points for line in lines), matrix.version, tuple(lines))


def _total(points: Iterable[float]) -> int:
    # Round half up, as people do by hand, after rounding away float noise
    # (52.49999999 from adding tenths is really 52.5).
    exact = round(sum(points), 6)
    return min(max(math.floor(exact + 0.5), 0), MAX_TOTAL)


def _points(value: float) -> str:
    # Exactly what is stored: "15", "4.5", "3.75".
    return f"{value:.2f}".rstrip("0").rstrip(".")


def explain(score: Score) -> list[str]:
    """One line per criterion, like "Benefits: 15 of 20 points. Expects to save …"."""
    total_weight = sum(line.weight for line in score.lines)
    scale = MAX_TOTAL / total_weight if total_weight > 0 else 0.0
    explained = []
    for line in score.lines:
        most = line.weight * scale
        unit = "point" if _points(most) == "1" else "points"
        explained.append(
            f"{line.label}: {_points(line.points)} of {_points(most)} {unit}. {line.reason}"
        )
    return explained
