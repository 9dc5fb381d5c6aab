"""What a person changed, in words.

In a shared list: the fields people may edit there, used when an edit made in SharePoint
(the list view, a Power App) is taken in, and when a change made in Teams is not applied
because such an edit came first. In Teams: the answers a requester changed on their own
request (`changed_fields`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping

from bot.domain.model import (
    BUDGET_LABELS,
    DRIVER_LABELS,
    KIND_LABELS,
    AuditEntry,
    Budget,
    DigitalRequest,
    FieldChange,
    RequestDetails,
    RequestKind,
)
from bot.domain.text import long_date
from bot.domain.triage import status_in_words

EDITED_IN_SHAREPOINT = "edited_in_sharepoint"  # the history action for such an edit

# Each answer's short name, in the form's order, as the history and the triage card say it.
ANSWER_LABELS: dict[str, str] = {
    "title": "title",
    "problem": "the problem today",
    "affected_staff": "staff affected",
    "affected_residents": "residents affected",
    "affected_businesses": "businesses affected",
    "directorate": "directorate",
    "kind": "kind of request",
    "involves_procurement": "buying or renewing",
    "supplier": "supplier",
    "contract_end": "contract end date",
    "personal_data": "personal data",
    "existing_systems": "existing systems",
    "user_research": "what users have said",
    "sponsor": "senior sponsor",
    "budget": "budget",
    "needed_by": "needed by date",
    "statutory_deadline": "statutory deadline",
    "cash_saving_per_year": "cash saving a year",
    "hours_saved_per_year": "staff hours saved a year",
    "resident_impact": "how it helps residents",
    "drivers": "strategic drivers",
}
_LONGEST = 300  # an old or new answer kept in the history, cut short after this


def _in_words(name: str, value: object) -> str:
    match value:
        case None | "" | ():
            return "not given"
        case bool():
            return "Yes" if value else "No"
        case int():
            return f"£{value:,}" if name == "cash_saving_per_year" else f"{value:,}"
        case dt.date():
            return long_date(value)
        case RequestKind():
            return KIND_LABELS[value]
        case Budget():
            return BUDGET_LABELS[value]
        case tuple():
            return ", ".join(DRIVER_LABELS.get(d, str(d)) for d in value)
    text = str(value)
    return text if len(text) <= _LONGEST else text[:_LONGEST].rstrip() + "…"


def answers_in_words(details: RequestDetails) -> list[tuple[str, str]]:
    """Every answer with its short label, in the form's order, as `changed_fields` says them."""
    values = dataclasses.asdict(details)
    return [(label, _in_words(name, values[name])) for name, label in ANSWER_LABELS.items()]


def changed_fields(before: RequestDetails, after: RequestDetails) -> list[FieldChange]:
    """Each answer that differs, in the form's order: its label, and old and new in words."""
    old, new = dataclasses.asdict(before), dataclasses.asdict(after)
    return [
        FieldChange(label, _in_words(name, old[name]), _in_words(name, new[name]))
        for name, label in ANSWER_LABELS.items()
        if old[name] != new[name]
    ]


def described_changes(
    before: DigitalRequest, after: DigitalRequest, board_names: Mapping[str, str]
) -> list[str]:
    """One short phrase per field a person changed, like "board: ICT Improvement Group"."""

    def board(key: str) -> str:
        return board_names.get(key, key) or "none"

    changes: list[str] = []
    if before.status is not after.status:
        changes.append(f"status: {status_in_words(after.status)}")
    if before.route.board != after.route.board:
        changes.append(f"board: {board(after.route.board)}")
    if before.route.process != after.route.process:
        changes.append(f"then: {after.route.process.replace('_', ' ') or 'none'}")
    if before.assignee_name != after.assignee_name:
        changes.append(f"assigned to: {after.assignee_name or 'nobody'}")
    if before.duplicate_of != after.duplicate_of:
        changes.append(f"duplicate of: {after.duplicate_of or 'none'}")
    return changes


def entries_not_in(mine: DigitalRequest, theirs: DigitalRequest) -> list[AuditEntry]:
    """History entries `mine` has that `theirs` does not: changes made here, not there."""
    known = {(e.at, e.actor_id, e.action) for e in theirs.history}
    return [e for e in mine.history if (e.at, e.actor_id, e.action) not in known]
