"""Deadlines that do not slip: each stage of a request's life has a target time.

A request waits in one stage at a time: in IT triage, for the requester's answer to a
question, or for its board's decision. Each stage's target is configuration (working
days for triage and questions; the board's next meeting for a decision). At 50% and
75% of the time allowed the stage's owner is reminded; at the deadline (100%) the owner
and whoever oversees the stage (the triage lead, or the board's secretary) are told.
Working days and bank holidays come from `WorkingTime`, the same calendar as the
champions' nudges. Pure: no I/O; the clock's time is passed in.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum


class Stage(StrEnum):
    TRIAGE = "triage"  # submitted / in triage: IT triage decides where it goes
    QUESTION = "question"  # awaiting information: the requester answers
    BOARD = "board"  # with a board: the board decides


STAGE_LABELS: dict[Stage, str] = {
    Stage.TRIAGE: "IT triage",
    Stage.QUESTION: "Answer to a question",
    Stage.BOARD: "Board decision",
}

# The points at which someone is told, as a share of the time allowed.
MILESTONES: tuple[int, ...] = (50, 75, 100)


@dataclass(frozen=True)
class StageTargets:
    """The target for each stage (DEADLINE_* settings)."""

    triage_days: int = 5  # working days from submission
    question_days: int = 10  # working days from the question being asked
    # A board decides by its first meeting whose agenda is posted after the request
    # reached its list; with no meetings set, this many working days instead.
    board_days_without_meetings: int = 20


@dataclass(frozen=True)
class Clockface:
    """Where one request stands against its stage's target now."""

    stage: Stage
    entered_at: dt.datetime  # when the request entered this stage (UTC)
    due_at: dt.datetime  # the deadline (UTC)
    overdue: bool
    words: str  # "3 working days left", "Due today by 5pm", "Overdue by 2 working days"


@dataclass(frozen=True)
class Reminder:
    """One reminder owed: `key` is unique per request, stage entry and milestone, so it is
    claimed once (OnceOnly.claim_notification) and sent once across restarts."""

    key: str  # f"deadline:{reference}:{stage}:{entered_at:%Y%m%dT%H%M%S}:{milestone}"
    reference: str
    stage: Stage
    milestone: int  # 50, 75 or 100
    entered_at: dt.datetime
    due_at: dt.datetime
