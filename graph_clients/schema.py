"""The SharePoint lists the bot keeps its records in, as data.

Internal column names are stable and friendly to Power Platform: PascalCase, no
spaces, never renamed (add a new column instead). Every column used in a $filter
or $orderby is indexed, so queries keep working past SharePoint's 5,000-item
list view threshold.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ColumnType = Literal["text", "note", "number", "boolean", "dateTime"]


@dataclass(frozen=True)
class Column:
    name: str
    display_name: str
    type: ColumnType
    indexed: bool = False


@dataclass(frozen=True)
class ListSpec:
    name: str  # also the list's display name; lists are found by it
    description: str
    columns: tuple[Column, ...]


REQUESTS = ListSpec(
    "DFD Requests",
    "Digital requests raised through Digital Front Door. One item per request.",
    (
        # The built-in Title column holds the request's title.
        Column("Reference", "Reference", "text", indexed=True),
        Column("RefYear", "Reference year", "number", indexed=True),
        Column("RefNumber", "Reference number", "number", indexed=True),
        Column("DraftId", "Draft id", "text", indexed=True),
        Column("RequesterId", "Requester id", "text", indexed=True),
        Column("RequesterName", "Requester", "text"),
        Column("RequesterAadId", "Requester Entra object id", "text"),
        Column("Status", "Status", "text", indexed=True),
        Column("Board", "Board", "text", indexed=True),
        Column("Process", "Next process", "text"),
        Column("Score", "Priority score", "number", indexed=True),
        Column("MatrixVersion", "Matrix version", "text"),
        Column("Kind", "Kind of request", "text"),
        Column("Directorate", "Directorate", "text"),
        Column("Budget", "Budget", "text"),
        Column("InvolvesProcurement", "Involves procurement", "boolean"),
        Column("PersonalData", "Personal data", "boolean"),
        Column("Sponsor", "Senior sponsor", "text"),
        Column("CashSavingPerYear", "Cash saving per year", "number"),
        Column("HoursSavedPerYear", "Staff hours saved per year", "number"),
        Column("SubmittedAt", "Submitted at", "dateTime", indexed=True),
        Column("TriageMessageId", "Triage message id", "text"),
        Column("TriagePosted", "Posted to triage", "boolean", indexed=True),
        Column("Problem", "The problem today", "note"),
        Column("DetailsJson", "Details (JSON)", "note"),
        Column("ScoreJson", "Score breakdown (JSON)", "note"),
        Column("RouteJson", "Route (JSON)", "note"),
        # Added with IT triage: who has it, what it duplicates, and its history.
        Column("AssigneeId", "Assigned to (id)", "text", indexed=True),
        Column("AssigneeName", "Assigned to", "text"),
        Column("DuplicateOf", "Duplicate of", "text"),
        Column("TriageJson", "Triage and history (JSON)", "note"),
    ),
)

CONFIG = ListSpec(
    "DFD Config",
    "Boards, processes, the prioritisation matrix and routing rules. Edited by admins.",
    (
        # Title holds the key: boards, processes, matrix, routing_rules.
        Column("ConfigKey", "Key", "text", indexed=True),
        Column("ValueJson", "Value (JSON)", "note"),
    ),
)

LISTS: tuple[ListSpec, ...] = (REQUESTS, CONFIG)
