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
    KIND_LABELS,
    Budget,
    Driver,
    Matrix,
    RequestDetails,
    RequestKind,
    Score,
    ScoreLine,
)
from bot.domain.text import defang_for_display, long_date

Rule = Callable[[RequestDetails, dt.date], tuple[float, str]]

MAX_TOTAL = 100

# Priority bands for a total out of 100. Most requests land in the middle band.
HIGH_FROM = 70
LOW_BELOW = 40


def priority_band(total: int) -> str:
    """ "high", "medium" or "low" for a total out of 100."""
    if total >= HIGH_FROM:
        return "high"
    if total < LOW_BELOW:
        return "low"
    return "medium"


def score_summary(total: int) -> str:
    """The score with its scale in words, so a number on its own never misleads."""
    return (
        f"{total} out of {MAX_TOTAL}: {priority_band(total)} priority. Scores of {HIGH_FROM} "
        f"or more are high priority, and under {LOW_BELOW} are low."
    )


def _joined(words: Sequence[str]) -> str:
    """ "a", "a and b", "a, b and c": GOV.UK style, no comma before "and"."""
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _quote(text: str, limit: int = 60) -> str:
    """Someone's words, short and on one line, in quotation marks and never a link."""
    words = " ".join(text.split()).rstrip(" ,;:.")
    if len(words) > limit:
        words = words[:limit].rsplit(" ", 1)[0].rstrip(" ,;:.") + "…"
    return f'"{defang_for_display(words)}"'


# Four drivers is already broad support; ticking all ten should not win by itself.
FULL_DRIVERS = 4


def strategic_alignment(details: RequestDetails, today: dt.date) -> tuple[float, str]:
    drivers = tuple(dict.fromkeys(details.drivers))
    if not drivers:
        return 0.0, (
            f"No strategic drivers chosen. Each driver it supports, up to {FULL_DRIVERS}, "
            "would earn points."
        )
    names = _joined([DRIVER_LABELS[driver] for driver in drivers])
    reason = f"It supports {len(drivers)} of the {len(Driver)} strategic drivers"
    # Short sentences: a list of long names is hard to read after a colon.
    reason += f". They are {names}." if len(drivers) > 1 else f": {names}."
    if len(drivers) < FULL_DRIVERS:
        reason += f" Full points need {FULL_DRIVERS} drivers."
    return min(len(drivers), FULL_DRIVERS) / FULL_DRIVERS, reason


def _band(value: int | None, bands: Sequence[tuple[int, float]]) -> float:
    """The fraction for the highest threshold the value reaches, or 0."""
    reached = [fraction for threshold, fraction in bands if (value or 0) >= threshold]
    return max(reached, default=0.0)


CASH_BANDS = ((1_000, 0.25), (10_000, 0.5), (50_000, 0.75), (100_000, 1.0))
HOURS_BANDS = ((100, 0.25), (500, 0.5), (2_000, 0.75), (5_000, 1.0))
_RESIDENT_SHARE = 0.25


def _least(bands: Sequence[tuple[int, float]]) -> int:
    return bands[0][0]


def _most(bands: Sequence[tuple[int, float]]) -> int:
    return bands[-1][0]


def benefits(details: RequestDetails, today: dt.date) -> tuple[float, str]:
    cash, hours = details.cash_saving_per_year or 0, details.hours_saved_per_year or 0
    fraction = max(_band(cash, CASH_BANDS), _band(hours, HOURS_BANDS))
    savings = []
    if cash > 0:
        savings.append(f"£{cash:,} a year")
    if hours > 0:
        savings.append(f"{hours:,} staff hours a year")
    reasons = [f"Expects to save {_joined(savings)}." if savings else "No savings given."]
    if fraction == 0:
        reasons.append(
            f"Saving at least £{_least(CASH_BANDS):,} or {_least(HOURS_BANDS):,} staff hours "
            "a year would earn points."
        )
    if details.resident_impact.strip():
        fraction += _RESIDENT_SHARE
        reasons.append(f"Says how it helps residents: {_quote(details.resident_impact)}.")
    else:
        reasons.append("Does not say how it helps residents. Saying how would earn points.")
    return min(fraction, 1.0), " ".join(reasons)


# A contract ending within this many days makes a request urgent.
CONTRACT_SOON_DAYS = 365


def statutory_risk(details: RequestDetails, today: dt.date) -> tuple[float, str]:
    if details.statutory_deadline is not None:
        deadline = long_date(details.statutory_deadline)
        if details.statutory_deadline < today:
            return 1.0, f"Has a statutory or legal deadline that has passed: {deadline}."
        return 1.0, f"Has a statutory or legal deadline: {deadline}."
    end = details.contract_end
    # A contract that has already ended is at least as urgent as one about to end.
    if end is not None and (end - today).days <= CONTRACT_SOON_DAYS:
        verb = "ended" if end < today else "ends"
        return 0.6, f"The current contract {verb} on {long_date(end)}."
    if details.personal_data:
        return 0.2, "It uses personal data, which must be kept safe."
    reason = "No legal deadline and no personal data."
    if end is None:
        reason = "No legal deadline, no contract end date and no personal data."
    else:
        reason += f" The contract ends on {long_date(end)}, more than a year away."
    return 0.0, (
        f"{reason} Each of these would earn points: a legal deadline, a contract that ends "
        f"within {CONTRACT_SOON_DAYS} days, or personal data."
    )


# Readiness follows Priority 3 (senior sponsorship) and Priority 2 (user research),
# and the strategy's call to gather requirements before anything is bought.
DETAILED_PROBLEM = 200


def readiness(details: RequestDetails, today: dt.date) -> tuple[float, str]:
    fraction, reasons = 0.0, []
    if details.sponsor.strip():
        fraction += 0.4
        reasons.append(f"Has a named senior sponsor: {_quote(details.sponsor)}.")
    else:
        reasons.append("No senior sponsor named yet. Naming one would earn points.")
    if details.user_research.strip():
        fraction += 0.3
        reasons.append(f"Describes user research: {_quote(details.user_research)}.")
    else:
        reasons.append("No user research described yet. Describing it would earn points.")
    length = len(details.problem)
    detailed = length >= DETAILED_PROBLEM
    listed = bool(details.existing_systems.strip())
    said = f"The problem is described in {length:,} characters"
    if detailed and listed:
        fraction += 0.3
        reasons.append(f"Requirements gathered: {said.lower()} and existing systems are listed.")
    else:
        missing = []
        if not detailed:
            missing.append(f"describe the problem in at least {DETAILED_PROBLEM} characters")
        if not listed:
            missing.append("list the existing systems")
        reasons.append(f"{said}. To earn more points, {_joined(missing)}.")
    return fraction, " ".join(reasons)


# Platforms the council already has: the strategy names Microsoft 365 (with E5
# licences), SharePoint, Power Platform, Academy and Digital360; Microsoft 365
# brings the rest. Each name lists the other ways people write it.
PLATFORMS: dict[str, tuple[str, ...]] = {
    "Microsoft 365": ("M365", "MS365", "Office 365", "O365"),
    "Teams": ("Microsoft Teams",),
    "SharePoint": ("Share Point",),
    "OneDrive": ("One Drive",),
    "Outlook": (),
    "Exchange Online": ("Microsoft Exchange",),
    "Microsoft Forms": ("MS Forms",),
    "Planner": ("Microsoft Planner",),
    "Microsoft Lists": ("MS Lists",),
    "Viva Engage": ("Yammer",),
    "Power Platform": (),
    "Power Apps": ("PowerApps",),
    "Power Automate": ("Microsoft Flow",),
    "Power BI": ("PowerBI",),
    "Dynamics": ("Dynamics 365",),
    "Azure": (),
    "Academy": (),
    "Digital360": ("Digital 360",),
}


def _pattern(spellings: Iterable[str]) -> re.Pattern[str]:
    # Whole words in any letter case, so "Teams" matches but "steams" does not.
    words = [r"\s+".join(map(re.escape, spelling.split())) for spelling in spellings]
    return re.compile(r"(?<!\w)(?:" + "|".join(words) + r")(?!\w)", re.I)


# Names that are also everyday words count in the problem description only with a
# capital letter: "Teams" is the platform, "our teams" is not.
_EVERYDAY_WORDS = frozenset({"Teams", "Outlook", "Planner", "Academy"})
_PLATFORM_PATTERNS = tuple((name, _pattern((name, *others))) for name, others in PLATFORMS.items())
_PROSE_PATTERNS = tuple(
    (name, re.compile(pattern.pattern) if name in _EVERYDAY_WORDS else pattern)
    for name, pattern in _PLATFORM_PATTERNS
)
# Commas, semicolons, new lines and the word "and" separate one system from the next.
_SYSTEM_SEPARATORS = re.compile(r"[,;\n]|\band\b|&", re.I)

_KIND_REUSE: dict[RequestKind, tuple[float, str]] = {
    RequestKind.CHANGE_EXISTING: (0.7, "It changes a system the council already has."),
    RequestKind.DATA_REPORTING: (0.6, "Data and reporting can often use tools we already have."),
    RequestKind.AUTOMATION: (0.6, "Automation can often be built on platforms we already have."),
    RequestKind.HARDWARE_ACCESS: (0.5, "Hardware and access usually use existing services."),
    RequestKind.OTHER: (0.4, "It is not yet clear what it could reuse."),
    RequestKind.NEW_SYSTEM: (0.2, "A new system adds to the systems the council runs."),
}


def platforms_in(text: str, prose: bool = False) -> list[str]:
    """The council platforms a piece of text names, in the order of PLATFORMS."""
    patterns = _PROSE_PATTERNS if prose else _PLATFORM_PATTERNS
    return [name for name, pattern in patterns if pattern.search(text)]


def named_systems(text: str) -> list[str]:
    """The systems in an "existing systems" answer, one per name, tidied."""
    names = (" ".join(part.split()).strip(" .-") for part in _SYSTEM_SEPARATORS.split(text))
    return list(dict.fromkeys(name for name in names if name))


def _system_line(system: str, found: list[str]) -> str:
    quoted = defang_for_display(system)
    if not found:
        return f"{quoted}: not on the list, so it does not count as reuse."
    if [system.casefold()] == [name.casefold() for name in found]:
        return f"{quoted}: on the council's platforms list."
    return f"{quoted}: names {_joined(found)}, on the council's platforms list."


def reuse(details: RequestDetails, today: dt.date) -> tuple[float, str]:
    lines, counted = [], []
    for system in named_systems(details.existing_systems):
        found = platforms_in(system)
        lines.append(_system_line(system, found))
        counted += found
    in_problem = [name for name in platforms_in(details.problem, prose=True) if name not in counted]
    if in_problem:
        names = _joined(in_problem)
        lines.append(f"The problem description names {names}, on the council's platforms list.")
    if counted or in_problem:
        return 1.0, " ".join(lines)
    fraction, reason = _KIND_REUSE[details.kind]
    if not lines:
        lines.append("No existing systems named.")
    return fraction, (
        f"{' '.join(lines)} {reason} Building on a platform the council already has, such as "
        "Teams, SharePoint or Power Apps, would earn full points."
    )


# Saving this many staff hours a year shows self-service or automation potential.
AUTOMATION_HOURS = 500
_AUTOMATION_DRIVERS = (Driver.SERVICE_DELIVERY, Driver.EFFICIENCY)


def self_service_automation(details: RequestDetails, today: dt.date) -> tuple[float, str]:
    if details.kind is RequestKind.AUTOMATION:
        return 1.0, "It is a request to automate work or let people serve themselves."
    hours = details.hours_saved_per_year or 0
    if hours >= AUTOMATION_HOURS:
        return 0.6, f"Expects to save {hours:,} staff hours a year."
    ticked = [d for d in _AUTOMATION_DRIVERS if d in details.drivers]
    if ticked:
        names = _joined([DRIVER_LABELS[driver] for driver in ticked])
        return 0.3, f"Supports the {names} {'drivers' if len(ticked) > 1 else 'driver'}."
    drivers = _joined([DRIVER_LABELS[driver] for driver in _AUTOMATION_DRIVERS]).replace(
        " and ", " or "
    )
    return 0.0, (
        f"It is not an automation request. It does not support the {drivers} driver. To earn "
        f"points, automate work, save {AUTOMATION_HOURS:,} staff hours a year or more, or "
        "support one of those drivers."
    )


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


def _pounds(value: int) -> str:
    return f"£{value:,}"


def _hours(value: int) -> str:
    return f"{value:,}"


# What each rule reads, said before someone sends, so nothing about the score is a surprise.
FORM_HINTS: dict[str, str] = {
    "sponsor": "You score higher for readiness if you name a senior sponsor.",
    "user_research": "You score higher for readiness if you say what you know from users.",
    "problem": (
        f"To score higher for readiness, describe the problem in {DETAILED_PROBLEM} characters "
        "or more. Also list the existing systems."
    ),
    "existing_systems": (
        "You score higher for reuse if you name a platform the council already has, such as "
        "Teams, SharePoint or Power Apps. Put each system on its own line or after a comma."
    ),
    "cash_saving_per_year": (
        f"Savings of {_pounds(_least(CASH_BANDS))} a year or more score for benefits. "
        f"{_pounds(_most(CASH_BANDS))} or more scores the most."
    ),
    "hours_saved_per_year": (
        f"Saving {_hours(_least(HOURS_BANDS))} staff hours a year or more scores for benefits, "
        f"and {_hours(_most(HOURS_BANDS))} or more scores the most. "
        f"{_hours(AUTOMATION_HOURS)} hours or more also scores for automation."
    ),
    "resident_impact": "You score higher for benefits if you say how it helps residents.",
    "statutory_deadline": "A legal deadline gives full points for statutory need.",
    "contract_end": (
        f"A contract that ends within {CONTRACT_SOON_DAYS} days, or has ended, "
        "scores for statutory need."
    ),
    "personal_data": "Using personal data scores a little for risk, as it must be kept safe.",
    "budget": "A lower cost scores higher. A cost not known yet scores less than a small cost.",
    "kind": (
        f"{KIND_LABELS[RequestKind.AUTOMATION]} scores the most for automation. "
        f"{KIND_LABELS[RequestKind.NEW_SYSTEM]} scores the least for reuse."
    ),
    "drivers": (
        f"Each driver you choose scores for strategic alignment, up to {FULL_DRIVERS}. "
        "Choose only the ones that really apply."
    ),
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
