"""How long each kind of record is kept, and why: retention as configuration.

Each kind has a period (days) after which the retention job deletes it, or anonymises
it where reports still need to count it. The defaults follow common local-authority
retention practice (the Local Government Association's retention guidelines, and the
Limitation Act 1980's six years for records a claim could rest on); a council sets its
own through RETENTION_<KIND>_DAYS. `docs/data-protection.md` lists the same periods and
reasons: a test keeps the two the same.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

LONGEST_DAYS = 36_500  # 100 years: a period longer than this is a typing mistake


def years(n: int) -> int:
    """`n` years as days, leap days included (365.25 a year, rounded up), so a period
    of years never ends before the same date `n` years on."""
    return math.ceil(n * 365.25)


class RetentionKind(enum.Enum):
    CLOSED_REQUESTS = "closed_requests"
    REJECTED_REQUESTS = "rejected_requests"
    QUESTIONS = "questions"
    SKILLS = "skills"
    FEEDBACK = "feedback"
    DRAFTS = "drafts"
    CONVERSATIONS = "conversations"
    AUDIT = "audit"
    CARD_ANSWERS = "card_answers"

    @property
    def setting(self) -> str:
        return f"RETENTION_{self.value.upper()}_DAYS"


@dataclass(frozen=True)
class Rule:
    """One kind's period, what happens after it, and why that period."""

    days: int
    action: str  # "delete" or "anonymise"
    what: str  # the records, in plain words
    reason: str  # why this period: what a council's records officer would expect


DEFAULTS: dict[RetentionKind, Rule] = {
    RetentionKind.CLOSED_REQUESTS: Rule(
        years(6),
        "anonymise",
        "Requests that were delivered, reviewed or closed as a duplicate",
        "Six years after the last change, as for project and contract records (Limitation "
        "Act 1980). Then the requester's name and free text go; the request stays as a "
        "count for the boards' reports.",
    ),
    RetentionKind.REJECTED_REQUESTS: Rule(
        years(2),
        "anonymise",
        "Requests that were rejected or withdrawn",
        "Two years after the last change, as for enquiries that were not taken forward. "
        "Then the requester's name and free text go; the count stays.",
    ),
    RetentionKind.QUESTIONS: Rule(
        years(2),
        "anonymise",
        "Questions to the communities of practice, and their answers",
        "Two years after the question, as for enquiries and advice given. Then the asker's "
        "and champions' names and the question's words go. The knowledge base keeps only "
        "answers a community lead reviewed, without names.",
    ),
    RetentionKind.SKILLS: Rule(
        years(3),
        "anonymise",
        "Digital skills self-assessments",
        "Three years, so three yearly baselines can be compared. Then the link to the "
        "person goes. So does their service area, unless enough others gave the same one. "
        "The levels stay as counts for the skills reports.",
    ),
    RetentionKind.FEEDBACK: Rule(
        years(2),
        "anonymise",
        "Feedback on the bot",
        "Two years. Then the comment and the link to the person go; the rating stays "
        "for the summary.",
    ),
    RetentionKind.DRAFTS: Rule(
        90,
        "delete",
        "Forms started and not sent",
        "90 days after the last change: a form nobody has touched for three months will "
        "not be sent.",
    ),
    RetentionKind.CONVERSATIONS: Rule(
        years(1),
        "delete",
        "How to reach a person in Teams (their chat with the bot) and their display name",
        "One year after the person last used the bot. The bot makes a new chat when they "
        "next write.",
    ),
    RetentionKind.AUDIT: Rule(
        years(6),
        "anonymise",
        "History entries and audit records (who did what, and when)",
        "Six years, with the records they explain. Then names and free text go; what "
        "happened and when stay.",
    ),
    RetentionKind.CARD_ANSWERS: Rule(
        7,
        "delete",
        "The bot's stored answers to card presses, kept so a press Teams sends twice is "
        "answered once",
        "Seven days: Teams sends a press again within seconds, so a week is more than enough.",
    ),
}


@dataclass(frozen=True)
class RetentionPolicy:
    days: dict[RetentionKind, int] = field(
        default_factory=lambda: {kind: rule.days for kind, rule in DEFAULTS.items()}
    )

    def period(self, kind: RetentionKind) -> dt.timedelta:
        return dt.timedelta(days=self.days[kind])

    def cutoff(self, kind: RetentionKind, now: dt.datetime) -> dt.datetime:
        """Records of `kind` last changed before this are past their period."""
        return now - self.period(kind)

    def is_past(self, kind: RetentionKind, at: dt.datetime, now: dt.datetime) -> bool:
        return at < self.cutoff(kind, now)


def load_policy(env: Mapping[str, str], problems: list[str]) -> RetentionPolicy:
    """RETENTION_<KIND>_DAYS for each kind: a whole number of days, 1 to 36,500. A bad
    value is one plain sentence in `problems`, and the default stands."""
    days: dict[RetentionKind, int] = {}
    for kind, rule in DEFAULTS.items():
        raw = env.get(kind.setting, "").strip()
        if not raw:
            days[kind] = rule.days
        elif raw.isascii() and raw.isdigit() and 1 <= int(raw) <= LONGEST_DAYS:
            days[kind] = int(raw)
        else:
            problems.append(
                f"{kind.setting} must be a whole number of days from 1 to {LONGEST_DAYS:,}, "
                f"such as {rule.days}. It is '{raw[:40]}'."
            )
            days[kind] = rule.days
    return RetentionPolicy(days)
