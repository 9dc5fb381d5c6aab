"""What a person changed in a shared list, in words: the fields people may edit there.

Used when an edit made in SharePoint (the list view, a Power App) is taken in, and when a
change made in Teams is not applied because such an edit came first.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.domain.model import AuditEntry, DigitalRequest
from bot.domain.triage import status_in_words

EDITED_IN_SHAREPOINT = "edited_in_sharepoint"  # the history action for such an edit


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
