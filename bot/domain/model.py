"""The plain data the whole product talks in: no I/O, no SDK, no SQL."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum


class RequestKind(StrEnum):
    NEW_SYSTEM = "new_system"
    CHANGE_EXISTING = "change_existing"
    DATA_REPORTING = "data_reporting"
    AUTOMATION = "automation"
    HARDWARE_ACCESS = "hardware_access"
    OTHER = "other"


KIND_LABELS: dict[RequestKind, str] = {
    RequestKind.NEW_SYSTEM: "A new system",
    RequestKind.CHANGE_EXISTING: "A change to an existing system",
    RequestKind.DATA_REPORTING: "Data or reporting",
    RequestKind.AUTOMATION: "Automation or self-service",
    RequestKind.HARDWARE_ACCESS: "Hardware or access",
    RequestKind.OTHER: "Something else",
}


class Driver(StrEnum):
    """The ten strategic drivers of the Digital Strategy 2024-30 (appendix 1)."""

    COLLABORATION = "collaboration"
    USER_ENGAGEMENT = "user_engagement"
    DIGITAL_INNOVATION = "digital_innovation"
    EFFICIENCY = "efficiency"
    DIGITAL_GOVERNANCE = "digital_governance"
    DIGITAL_SKILLS = "digital_skills"
    BENEFIT_REALISATION = "benefit_realisation"
    CHANGE_MANAGEMENT = "change_management"
    FLEXIBLE_OPERATIONS = "flexible_operations"
    SERVICE_DELIVERY = "service_delivery"


DRIVER_LABELS: dict[Driver, str] = {
    Driver.COLLABORATION: "Collaboration",
    Driver.USER_ENGAGEMENT: "User engagement",
    Driver.DIGITAL_INNOVATION: "Digital innovation",
    Driver.EFFICIENCY: "Efficiency",
    Driver.DIGITAL_GOVERNANCE: "Digital governance",
    Driver.DIGITAL_SKILLS: "Digital skills and technology",
    Driver.BENEFIT_REALISATION: "Benefit realisation",
    Driver.CHANGE_MANAGEMENT: "Change management",
    Driver.FLEXIBLE_OPERATIONS: "Flexible and agile operations",
    Driver.SERVICE_DELIVERY: "Service delivery",
}


class Budget(StrEnum):
    NONE = "none"
    UNDER_10K = "under_10k"
    FROM_10K_TO_50K = "10k_to_50k"
    FROM_50K_TO_250K = "50k_to_250k"
    OVER_250K = "over_250k"
    UNKNOWN = "unknown"


BUDGET_LABELS: dict[Budget, str] = {
    Budget.NONE: "No cost expected",
    Budget.UNDER_10K: "Under £10,000",
    Budget.FROM_10K_TO_50K: "£10,000 to £50,000",
    Budget.FROM_50K_TO_250K: "£50,000 to £250,000",
    Budget.OVER_250K: "Over £250,000",
    Budget.UNKNOWN: "Not known yet",
}

DIRECTORATES: tuple[str, ...] = (
    "Children and Learning",
    "Communities, Culture and Homes",
    "Corporate Services",
    "Place",
    "Social Care and Health",
    "Strategy and Performance",
    "Several directorates",
)


class Status(StrEnum):
    """Life cycle of a request. This capability creates SUBMITTED ones."""

    SUBMITTED = "submitted"
    IN_TRIAGE = "in_triage"
    AWAITING_INFORMATION = "awaiting_information"
    WITH_BOARD = "with_board"
    DECIDED = "decided"
    IN_CHANGE = "in_change"
    IN_PROJECT = "in_project"
    DELIVERED = "delivered"
    BENEFITS_REVIEWED = "benefits_reviewed"
    REJECTED = "rejected"
    DUPLICATE = "duplicate"
    WITHDRAWN = "withdrawn"  # by the requester, before any board decided it


STATUS_LABELS: dict[Status, str] = {
    Status.SUBMITTED: "Submitted, waiting for IT triage",
    Status.IN_TRIAGE: "Being triaged by IT",
    Status.AWAITING_INFORMATION: "Waiting for more information from you",
    Status.WITH_BOARD: "With the board",
    Status.DECIDED: "Decided by the board",
    Status.IN_CHANGE: "In the change request process",
    Status.IN_PROJECT: "In the project process",
    Status.DELIVERED: "Delivered",
    Status.BENEFITS_REVIEWED: "Benefits reviewed",
    Status.REJECTED: "Not taken forward",
    Status.DUPLICATE: "Joined to another request",
    Status.WITHDRAWN: "Withdrawn by you",
}


class Theme(StrEnum):
    """The strategy's four themes. Technology and architecture enables the other three."""

    PEOPLE_AND_SKILLS = "people_and_skills"
    ORGANISATION_AND_PROCESS = "organisation_and_process"
    DESIGN_PLAN_IMPLEMENT = "design_plan_implement"
    TECHNOLOGY_AND_ARCHITECTURE = "technology_and_architecture"


THEME_LABELS: dict[Theme, str] = {
    Theme.PEOPLE_AND_SKILLS: "People and skills",
    Theme.ORGANISATION_AND_PROCESS: "Organisation and process",
    Theme.DESIGN_PLAN_IMPLEMENT: "Design, plan and implement",
    Theme.TECHNOLOGY_AND_ARCHITECTURE: "Technology and architecture",
}


class Horizon(StrEnum):
    """Where an approved request sits on the transformation roadmap (appendix 2)."""

    NOW = "now"
    NEXT = "next"
    LATER = "later"


HORIZON_LABELS: dict[Horizon, str] = {
    Horizon.NOW: "Now",
    Horizon.NEXT: "Next",
    Horizon.LATER: "Later",
}


@dataclass(frozen=True)
class RequestDetails:
    """A member of staff's answers, checked and typed. Built only by validation."""

    title: str
    problem: str
    affected_staff: int | None
    affected_residents: int | None
    affected_businesses: int | None
    directorate: str
    kind: RequestKind
    involves_procurement: bool
    supplier: str
    contract_end: dt.date | None
    personal_data: bool
    existing_systems: str
    user_research: str
    sponsor: str
    budget: Budget
    needed_by: dt.date | None
    statutory_deadline: dt.date | None
    cash_saving_per_year: int | None
    hours_saved_per_year: int | None
    resident_impact: str
    drivers: tuple[Driver, ...]


@dataclass(frozen=True)
class Board:
    key: str
    name: str
    purpose: str


@dataclass(frozen=True)
class Process:
    key: str
    name: str
    description: str


@dataclass(frozen=True)
class Criterion:
    key: str
    label: str
    weight: int
    description: str


@dataclass(frozen=True)
class Matrix:
    """The published prioritisation matrix: weights are data, versioned."""

    version: str
    criteria: tuple[Criterion, ...]


@dataclass(frozen=True)
class ScoreLine:
    key: str
    label: str
    weight: int
    points: float
    reason: str


@dataclass(frozen=True)
class Score:
    total: int
    matrix_version: str
    lines: tuple[ScoreLine, ...]


@dataclass(frozen=True)
class RoutingRule:
    key: str
    board: str
    process: str
    reason: str
    when: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Route:
    board: str
    process: str
    reason: str
    rule: str


@dataclass(frozen=True)
class Requester:
    """Who raised it, as taken from the validated Activity."""

    user_id: str
    name: str
    aad_object_id: str


@dataclass(frozen=True)
class FieldChange:
    """One answer a requester changed: the question's short label, and the answer
    before and after, in words (long answers cut short)."""

    label: str
    old: str
    new: str


@dataclass(frozen=True)
class AuditEntry:
    """One change to a request: who, when, from what, to what, and why.

    `changes` lists the answers a requester changed, for an "edit_details" entry."""

    at: dt.datetime
    actor_id: str
    actor_name: str
    action: str
    from_status: Status
    to_status: Status
    detail: str = ""
    changes: tuple[FieldChange, ...] = ()


# The history action of someone who joined a request as also affected.
ALSO_AFFECTED = "also_affected"


@dataclass(frozen=True)
class DigitalRequest:
    reference: str
    details: RequestDetails
    requester: Requester
    score: Score
    route: Route
    status: Status
    submitted_at: dt.datetime
    item_id: str = ""
    etag: str = ""
    # Triage: who has it, what it duplicates, the open question, and every change so far.
    assignee_id: str = ""
    assignee_name: str = ""
    duplicate_of: str = ""
    question: str = ""
    history: tuple[AuditEntry, ...] = ()
    # Read from the bot's own copy because the shared list did not answer in time: edits
    # made there since may not show yet. Never stored.
    stale: bool = False
    # Set by a board's decision (issue 13): who delivers it, the date a deferred request
    # comes back, the strategy theme and the roadmap horizon ("" / None until decided).
    delivery_owner: str = ""
    deferred_until: dt.date | None = None
    theme: str = ""  # a Theme value; "" until a board sets it (see boards.theme_of)
    horizon: str = ""  # a Horizon value; "" until a board approves it

    @property
    def also_affected(self) -> int:
        """How many people other than the requester said they have the same need."""
        return len({e.actor_id for e in self.history if e.action == ALSO_AFFECTED})


@dataclass(frozen=True)
class Draft:
    """A half-filled form. Values are kept exactly as typed, even invalid ones.

    `form` names the form (its key, like "request" or "feedback"): one draft per
    person per form.
    """

    owner_id: str
    form: str
    draft_id: str
    step: int
    values: dict[str, str]
    updated_at: dt.datetime
    etag: str = ""
