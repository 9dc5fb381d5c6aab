"""The SharePoint lists the bot keeps its records in, as data.

Internal column names are stable and friendly to Power Platform: PascalCase, no
spaces, never renamed (add a new column instead). Every column used in a $filter
or $orderby is indexed, so queries keep working past SharePoint's 5,000-item
list view threshold.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from bot.domain.boards import DecisionKind
from bot.domain.model import Status, Theme

ColumnType = Literal["text", "note", "number", "boolean", "dateTime", "choice"]


@dataclass(frozen=True)
class Column:
    name: str
    display_name: str
    type: ColumnType
    indexed: bool = False
    # SharePoint refuses a second item with the same value (it needs `indexed` too).
    unique: bool = False
    # Shown to makers in the list settings and Power Apps: who edits it, and what it means.
    description: str = ""
    # A choice column's values, in the order the list shows them.
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class ListSpec:
    name: str  # also the list's display name; lists are found by it
    description: str
    columns: tuple[Column, ...]


# Who edits a column, first in its description, so makers see it in the list settings
# and in Power Apps. The bot reads people's columns from the column itself; what it
# keeps as JSON is only what people never edit.
PEOPLE = "People edit this; the bot reads it from here."
BOT = "Set by the bot; do not edit (the bot does not read changes made here)."
ADMINS = "Admins edit this."
_STATUSES = ", ".join(status.value for status in Status)
_THEMES = ", ".join(theme.value for theme in Theme)
_AS_SUBMITTED = "What the requester said, copied from Details (JSON) for views and reports."


def _people(name: str, display: str, kind: ColumnType, meaning: str, **extra: Any) -> Column:
    return Column(name, display, kind, description=f"{PEOPLE} {meaning}", **extra)


def _bot(name: str, display: str, kind: ColumnType, meaning: str, **extra: Any) -> Column:
    return Column(name, display, kind, description=f"{BOT} {meaning}", **extra)


REQUESTS = ListSpec(
    "DFD Requests",
    "Digital requests raised through Digital Front Door. One item per request.",
    (
        # The built-in Title column holds the request's title, as the requester gave it.
        # Unique: however many instances write, SharePoint never holds one reference twice.
        _bot(
            "Reference",
            "Reference",
            "text",
            "The request's reference.",
            indexed=True,
            unique=True,
        ),
        _bot("RefYear", "Reference year", "number", "The reference's year.", indexed=True),
        _bot("RefNumber", "Reference number", "number", "The reference's number.", indexed=True),
        _bot("DraftId", "Draft id", "text", "The form it came from.", indexed=True),
        _bot("RequesterId", "Requester id", "text", "Who raised it.", indexed=True),
        _bot("RequesterName", "Requester", "text", "Who raised it."),
        _bot("RequesterAadId", "Requester Entra object id", "text", "Who raised it."),
        _people("Status", "Status", "text", f"One of: {_STATUSES}.", indexed=True),
        _people(
            "Board",
            "Board",
            "text",
            "The key of a board in DFD Config, such as ddc, trb or ictig.",
            indexed=True,
        ),
        _people(
            "Process",
            "Next process",
            "text",
            "The key of a process in DFD Config, such as change_request or project.",
        ),
        _bot("Score", "Priority score", "number", "From the published matrix.", indexed=True),
        _bot("MatrixVersion", "Matrix version", "text", "The matrix the score used."),
        _bot("Kind", "Kind of request", "text", _AS_SUBMITTED),
        _bot("Directorate", "Directorate", "text", _AS_SUBMITTED),
        _bot("Budget", "Budget", "text", _AS_SUBMITTED),
        _bot("InvolvesProcurement", "Involves procurement", "boolean", _AS_SUBMITTED),
        _bot("PersonalData", "Personal data", "boolean", _AS_SUBMITTED),
        _bot("Sponsor", "Senior sponsor", "text", _AS_SUBMITTED),
        _bot("CashSavingPerYear", "Cash saving per year", "number", _AS_SUBMITTED),
        _bot("HoursSavedPerYear", "Staff hours saved per year", "number", _AS_SUBMITTED),
        _bot("SubmittedAt", "Submitted at", "dateTime", "When it was sent.", indexed=True),
        _bot("TriageMessageId", "Triage message id", "text", "Its card in IT triage."),
        _bot(
            "TriagePosted", "Posted to triage", "boolean", "Its card is in IT triage.", indexed=True
        ),
        _bot("Problem", "The problem today", "note", _AS_SUBMITTED),
        _bot("DetailsJson", "Details (JSON)", "note", "Everything the requester said."),
        _bot("ScoreJson", "Score breakdown (JSON)", "note", "The score, line by line."),
        _bot(
            "RouteJson",
            "Route (JSON)",
            "note",
            "Which routing rule proposed the board, and why. Board and Next process are "
            "their own columns.",
        ),
        # Added with IT triage: who has it, what it duplicates, and its history.
        _people(
            "AssigneeId",
            "Assigned to (id)",
            "text",
            "The Entra object id of who in IT has it; empty for nobody.",
            indexed=True,
        ),
        _people("AssigneeName", "Assigned to", "text", "The name of who in IT has it."),
        _people(
            "DuplicateOf",
            "Duplicate of",
            "text",
            "The reference of the request this one repeats, such as DR-2026-0042.",
        ),
        _bot(
            "TriageJson",
            "Triage and history (JSON)",
            "note",
            "The open question to the requester and every triage change.",
        ),
        # Added with the same-need check: people who joined a request instead of raising one.
        _bot(
            "AlsoAffected",
            "Also affected",
            "number",
            "How many people besides the requester said they have the same need.",
        ),
        # Added with the boards' decisions: what an approval or a deferral set, for views
        # and Power BI. Each decision's who, when and why is in DFD Decisions.
        _bot("Theme", "Strategy theme", "text", f"One of: {_THEMES}. Set when approved."),
        _bot("Horizon", "Roadmap", "text", "now, next or later. Set when approved."),
        _bot(
            "DeliveryOwner",
            "Delivery owner",
            "text",
            "Who delivers the change request or project. Set when approved.",
        ),
        _bot(
            "DeferredUntil",
            "Deferred until",
            "dateTime",
            "The day a deferred request comes back to its board's list.",
        ),
    ),
)

CONFIG = ListSpec(
    "DFD Config",
    "Boards, processes, the prioritisation matrix and routing rules. Edited by admins.",
    (
        # Title holds the key: boards, processes, matrix, routing_rules; and matrix_history
        # (the matrices published before, a JSON list) once the weights are changed.
        Column(
            "ConfigKey",
            "Key",
            "text",
            indexed=True,
            description=f"{ADMINS} boards, processes, matrix, matrix_history or routing_rules.",
        ),
        Column(
            "ValueJson",
            "Value (JSON)",
            "note",
            description=f"{ADMINS} The value as JSON. The bot checks every edit: an invalid "
            "one is ignored, the last good one kept, and admins are told what is wrong.",
        ),
    ),
)

# Who edits the catalogue: admins, in the list or by importing the CMDB export.
_IMPORT = f"{ADMINS} An import (import catalogue) replaces it."


def _catalogue(name: str, display: str, kind: ColumnType, meaning: str, **extra: Any) -> Column:
    return Column(name, display, kind, description=f"{_IMPORT} {meaning}", **extra)


CATALOGUE = ListSpec(
    "DFD Application catalogue",
    "The systems the council has and the platforms it owns, checked before anything is "
    "bought. One item per system. Admins import it from the CMDB export.",
    (
        # The built-in Title column holds the system's name.
        _catalogue(
            "EntryId",
            "Entry id",
            "text",
            "The system's id in the CMDB; the import matches items by it. Unique.",
            indexed=True,
        ),
        _catalogue("Supplier", "Supplier", "text", "Who supplies the system."),
        _catalogue("OwnerName", "System owner", "text", "Who in the council owns the system."),
        _catalogue(
            "OwnerId",
            "System owner (Entra object id)",
            "text",
            "The owner's Entra object id; empty when not known (admins are told instead).",
        ),
        _catalogue(
            "Capabilities",
            "Capabilities",
            "note",
            "What the system does, one short phrase per line, such as case management.",
        ),
        _catalogue("Description", "Description", "note", "What the system is used for."),
        _catalogue("Users", "Users", "number", "How many staff use it."),
        _catalogue(
            "ContractEnd",
            "Contract end",
            "dateTime",
            "When the contract ends; owners are reminded before then.",
            indexed=True,
        ),
        _catalogue("Licences", "Licences", "number", "How many licences the council has."),
        _catalogue("Directorate", "Directorate", "text", "The directorate that uses it most."),
        _catalogue(
            "Platform",
            "Platform",
            "boolean",
            "Yes for a platform the council owns across the organisation, such as Power "
            "Platform or SharePoint.",
        ),
        _catalogue(
            "Sample",
            "Sample data",
            "boolean",
            "Yes for sample data; the first import removes every sample item.",
        ),
    ),
)

DECISIONS = ListSpec(
    "DFD Decisions",
    "Every decision a governance board made on a request, for Power BI. One item per "
    "decision, written by the bot after the decision is kept.",
    (
        # The built-in Title column holds the reference and the decision in words, such as
        # "DR-2026-0042: Approved".
        _bot(
            "DecisionId",
            "Decision id",
            "text",
            "The decision's own id: the reference and a number. Unique.",
            indexed=True,
        ),
        _bot("Reference", "Reference", "text", "The request's reference.", indexed=True),
        _bot("Board", "Board", "text", "The key of the board that decided it.", indexed=True),
        _bot(
            "Decision",
            "Decision",
            "text",
            f"One of: {', '.join(kind.value for kind in DecisionKind)}.",
            indexed=True,
        ),
        _bot("DecidedById", "Decided by (id)", "text", "Who decided: an Entra object id."),
        _bot("DecidedBy", "Decided by", "text", "Who decided: their name."),
        _bot(
            "OnBehalfOfId",
            "On behalf of (id)",
            "text",
            "The member a deputy decided for; empty when a member decided.",
        ),
        _bot("OnBehalfOf", "On behalf of", "text", "The member a deputy decided for."),
        _bot("DecidedAt", "Decided at", "dateTime", "When it was decided.", indexed=True),
        _bot("Rationale", "Why", "note", "Why the board decided so, in its own words."),
        _bot(
            "Process",
            "Next process",
            "text",
            "Approved: change_request or project (keys of processes in DFD Config).",
        ),
        _bot("DeliveryOwner", "Delivery owner", "text", "Approved: who delivers it."),
        _bot("Theme", "Strategy theme", "text", f"Approved: one of {_THEMES}."),
        _bot("Horizon", "Roadmap", "text", "Approved: now, next or later."),
        _bot("DeferredUntil", "Deferred until", "dateTime", "Deferred: when it comes back."),
        _bot("ToBoard", "Sent to board", "text", "Sent to another board: its key."),
        _bot("Score", "Priority score", "number", "The request's score when decided."),
        _bot("MatrixVersion", "Matrix version", "text", "The matrix that score used."),
    ),
)

# How the automation backlog names the kind of change that fits a process (Priority 5).
BACKLOG_KINDS = ("Self-service form", "Power Automate flow", "Integration", "None")

BACKLOG = ListSpec(
    "DFD Automation Backlog",
    "Processes mapped with map a process, and what self-service or automation could save, "
    "for Power Platform makers. One item per process, its latest version.",
    (
        # The built-in Title column holds the process's name, as the person mapping it gave it.
        _bot(
            "ProcessId",
            "Process id",
            "text",
            "The process's own id. Unique.",
            indexed=True,
            unique=True,
        ),
        _bot("Version", "Version", "number", "Which version of the map this is; 1 is the first."),
        _bot("Directorate", "Directorate", "text", "The directorate that runs it.", indexed=True),
        _bot("ServiceArea", "Service area", "text", "The service area that runs it."),
        _bot("HoursPerYear", "Hours a year", "number", "Staff hours a year the process takes."),
        _bot(
            "HoursSaveable",
            "Hours a year saveable",
            "number",
            "Staff hours a year self-service or automation could save.",
            indexed=True,
        ),
        Column(
            "Kind",
            "Kind of change",
            "choice",
            indexed=True,
            description=f"{BOT} What fits: {', '.join(BACKLOG_KINDS)}.",
            choices=BACKLOG_KINDS,
        ),
        _bot(
            "Ease",
            "Ease",
            "number",
            "3 quick to build, 2 some work to build, 1 a bigger piece of work, 0 nothing to build.",
        ),
        _bot("Reason", "Why", "note", "Why this kind fits, and how the hours were worked out."),
        _bot("Systems", "Systems", "note", "The systems the process uses, one per line."),
        _bot(
            "OwnerId",
            "Owner (Entra object id)",
            "text",
            "The Entra object id of who mapped the process.",
            indexed=True,
        ),
        _bot("UpdatedAt", "Updated at", "dateTime", "When this version was sent.", indexed=True),
    ),
)

LISTS: tuple[ListSpec, ...] = (REQUESTS, CONFIG, CATALOGUE, DECISIONS, BACKLOG)
