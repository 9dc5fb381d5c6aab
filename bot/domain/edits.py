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
    Route,
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


# What changed answers moved, as labelled on IT triage's card: "Score: was 81. Now: 77."
SCORE_LABEL = "Score"
BOARD_LABEL = "Board"
PROCESS_LABEL = "After the board"
RULES_LABEL = "Where the new answers would send it"
ROUTE_KEPT = (
    "IT triage chose where it goes, so the new answers have not moved it. "
    "IT triage decides whether to change it."
)


def _route_in_words(
    route: Route, board_names: Mapping[str, str], process_names: Mapping[str, str]
) -> str:
    board = board_names.get(route.board, route.board) or "no board"
    process = process_names.get(route.process, route.process) or "not known"
    return f"{board}, then {process}"


def moves(
    before: DigitalRequest,
    after: DigitalRequest,
    ruled_before: Route,
    ruled_after: Route,
    board_names: Mapping[str, str],
    process_names: Mapping[str, str],
) -> list[FieldChange]:
    """What a requester's new answers moved: the score, and the board and process.

    `ruled_…` are where the routing rules send the old and new answers. When IT triage
    chose the route by hand it is kept (`after.route` is `before.route`): then the rules'
    move is told instead, so IT triage can decide.
    """
    found: list[FieldChange] = []
    if before.score.total != after.score.total:
        found.append(FieldChange(SCORE_LABEL, str(before.score.total), str(after.score.total)))
    old, new = before.route, after.route
    if old.board != new.board:
        found.append(
            FieldChange(
                BOARD_LABEL,
                board_names.get(old.board, old.board) or "none",
                board_names.get(new.board, new.board) or "none",
            )
        )
    if old.process != new.process:
        found.append(
            FieldChange(
                PROCESS_LABEL,
                process_names.get(old.process, old.process) or "none",
                process_names.get(new.process, new.process) or "none",
            )
        )
    moved_by_rules = (ruled_before.board, ruled_before.process) != (
        ruled_after.board,
        ruled_after.process,
    )
    if (old.board, old.process) == (new.board, new.process) and moved_by_rules:
        found.append(
            FieldChange(
                RULES_LABEL,
                _route_in_words(ruled_before, board_names, process_names),
                _route_in_words(ruled_after, board_names, process_names),
            )
        )
    return found


def moves_in_words(found: list[FieldChange], route_kept: bool) -> str:
    """The moves as sentences for the history line, like "Score: was 81. Now: 77."."""
    words = " ".join(f"{c.label}: was {c.old}. Now: {c.new}." for c in found)
    if route_kept and any(c.label == RULES_LABEL for c in found):
        words = f"{words} {ROUTE_KEPT}"
    return words


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
