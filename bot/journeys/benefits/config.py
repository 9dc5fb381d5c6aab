"""The benefits journey's settings: read from the environment, checked at start-up.

Each has a default a council can start with; a bad value stops the bot with a plain
sentence naming the variable.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.journeys.benefits.report_settings import ReportSettings, load_report_settings

MOST_INTERVALS = 4
LONGEST_MONTHS = 60
LONGEST_REMINDER_DAYS = 90


@dataclass(frozen=True)
class BenefitsConfig:
    # How many months after delivery the requester and the sponsor are asked, in order.
    review_months: tuple[int, ...] = (3, 12)
    # Days after an ask with no answer before one reminder goes.
    reminder_days: int = 14
    # Who may see the benefits report besides admins (BENEFITS_REPORT_IDS).
    report: ReportSettings = field(default_factory=ReportSettings)


def load_settings(env: Mapping[str, str], problems: list[str]) -> BenefitsConfig:
    defaults = BenefitsConfig()
    return BenefitsConfig(
        review_months=_months(env.get("BENEFITS_REVIEW_MONTHS", ""), defaults, problems),
        reminder_days=_reminder_days(env.get("BENEFITS_REMINDER_DAYS", ""), defaults, problems),
        report=load_report_settings(env, problems),
    )


def _months(raw: str, defaults: BenefitsConfig, problems: list[str]) -> tuple[int, ...]:
    text = raw.strip()
    if not text:
        return defaults.review_months
    parts = [part.strip() for part in text.split(",")]
    whole = all(part.isascii() and part.isdigit() for part in parts)
    months = [int(part) for part in parts] if whole else []
    if (
        not whole
        or not 1 <= len(months) <= MOST_INTERVALS
        or any(not 1 <= month <= LONGEST_MONTHS for month in months)
        or any(later <= earlier for earlier, later in itertools.pairwise(months))
    ):
        problems.append(
            f"BENEFITS_REVIEW_MONTHS must be up to {MOST_INTERVALS} whole numbers of months "
            f"from 1 to {LONGEST_MONTHS}, separated by commas, each larger than the one "
            f"before, such as 3,12. It is '{text}'."
        )
        return defaults.review_months
    return tuple(months)


def _reminder_days(raw: str, defaults: BenefitsConfig, problems: list[str]) -> int:
    text = raw.strip()
    if not text:
        return defaults.reminder_days
    if text.isascii() and text.isdigit() and 1 <= int(text) <= LONGEST_REMINDER_DAYS:
        return int(text)
    problems.append(
        "BENEFITS_REMINDER_DAYS must be a whole number of days from 1 to "
        f"{LONGEST_REMINDER_DAYS}, such as 14. It is '{text}'."
    )
    return defaults.reminder_days
