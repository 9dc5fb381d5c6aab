"""The governance boards at work, as plain data: who sits on each board, when it meets,
who may decide for whom, and each decision it records.

The strategy's boards (Digital, Data and Customer Board; Technical Review Board; ICT
Improvement Group) decide what happens to the requests on their lists. Their names and
purposes are governance config (`bot.domain.governance`); how each one works day to day
is here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum


def board_channel(board_key: str) -> str:
    """The purpose a board's channel is registered under, like "board:trb"."""
    return f"board:{board_key}"


class Repeat(StrEnum):
    """How often a board meets."""

    WEEKLY = "weekly"
    FORTNIGHTLY = "fortnightly"
    FOUR_WEEKLY = "four_weekly"
    MONTHLY = "monthly"  # the same weekday of the month as the first meeting (say, 2nd Tuesday)


REPEAT_LABELS: dict[Repeat, str] = {
    Repeat.WEEKLY: "Every week",
    Repeat.FORTNIGHTLY: "Every 2 weeks",
    Repeat.FOUR_WEEKLY: "Every 4 weeks",
    Repeat.MONTHLY: "Once a month, on the same weekday",
}


@dataclass(frozen=True)
class Cadence:
    """When a board meets: from `first` (a date), at `at` local time, repeating."""

    first: dt.date
    at: dt.time
    repeat: Repeat
    timezone: str = "Europe/London"


@dataclass(frozen=True)
class BoardSetup:
    """How one board works: its people, its meetings, and when its agenda goes out.

    `members` are Entra object ids, with their names in `names` where known. In m365
    mode `member_group` (an Entra group's id) adds the group's members. The secretary
    runs the agenda and hears of missed deadlines; the chair owns the board's decisions
    deadline. Either may also be a member.
    """

    key: str  # the board's key in governance: ddc, trb or ictig
    members: frozenset[str] = frozenset()
    names: dict[str, str] = field(default_factory=dict)  # Entra object id -> display name
    member_group: str = ""
    secretary_id: str = ""
    chair_id: str = ""
    cadence: Cadence | None = None  # None: meetings not set yet (no automatic agenda)
    agenda_days_before: int = 3  # the agenda is posted this many days before a meeting
    sample: bool = False  # seeded demo data, made-up people (local mode only)


@dataclass(frozen=True)
class Deputy:
    """A member away names someone to decide in their place, from `starts` to `ends`
    (both days included, in the council's time zone)."""

    board: str
    member_id: str
    member_name: str
    deputy_id: str
    deputy_name: str
    starts: dt.date
    ends: dt.date
    named_at: dt.datetime


@dataclass(frozen=True)
class Authority:
    """Why someone may decide for a board now: as a member, or as a member's deputy."""

    user_id: str
    name: str
    on_behalf_of_id: str = ""  # the member they stand in for; "" when deciding as a member
    on_behalf_of_name: str = ""


class DecisionKind(StrEnum):
    APPROVE = "approve"
    DEFER = "defer"
    REJECT = "reject"
    ASK_INFO = "ask_info"
    SEND_TO_BOARD = "send_to_board"


DECISION_LABELS: dict[DecisionKind, str] = {
    DecisionKind.APPROVE: "Approved",
    DecisionKind.DEFER: "Deferred",
    DecisionKind.REJECT: "Not taken forward",
    DecisionKind.ASK_INFO: "More information asked for",
    DecisionKind.SEND_TO_BOARD: "Sent to another board",
}


@dataclass(frozen=True)
class Decision:
    """One decision a board made, as recorded (and written to SharePoint for Power BI).

    `id` is f"{reference}:{n}" where n is the request's history length after the
    decision, so a decision is kept once however often its card is pressed.
    """

    id: str
    reference: str
    board: str
    kind: DecisionKind
    decided_by_id: str
    decided_by_name: str
    at: dt.datetime
    rationale: str
    on_behalf_of_id: str = ""  # a deputy decided for this member
    on_behalf_of_name: str = ""
    process: str = ""  # APPROVE: change_request or project
    delivery_owner: str = ""  # APPROVE
    theme: str = ""  # APPROVE: a Theme value
    horizon: str = ""  # APPROVE: a Horizon value
    deferred_until: dt.date | None = None  # DEFER
    to_board: str = ""  # SEND_TO_BOARD
    score: int = 0  # the request's priority score when decided
    matrix_version: str = ""
    seq: int = 0  # the order the store kept it in (0 until kept)
