"""Anonymised copies of a request: for one person who asked to be erased, or for
everyone once the request is past its retention period. Pure: no I/O.

Two rules hold in every copy:
- what the boards' reports count stays: reference, status, board, route, score, dates,
  directorate, theme, horizon, kind, money and hours figures and drivers;
- distinct people stay distinct: an id is swapped for a stand-in of that one person
  (their pseudonym), so `DigitalRequest.also_affected` counts the same.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable

from bot.domain.model import (
    AuditEntry,
    DigitalRequest,
    FieldChange,
    RequestDetails,
    Requester,
    Score,
)
from bot.privacy import (
    ERASED_NAME,
    STAND_IN_PREFIX,
    Person,
    gone,
    scrub_contacts,
    stand_in_for,
)

# The answers a member of staff typed in their own words (the rest are choices,
# numbers and dates). Any of these may name people.
FREE_TEXT = (
    "problem",
    "supplier",
    "existing_systems",
    "user_research",
    "sponsor",
    "resident_impact",
)


def involves(request: DigitalRequest, person: Person) -> bool:
    """Whether the request holds anything about the person: they raised it, have it,
    did something to it, or are named in its words."""
    ids = (
        request.requester.user_id,
        request.requester.aad_object_id,
        request.assignee_id,
        *(entry.actor_id for entry in request.history),
    )
    if any(person.is_them(user_id) for user_id in ids):
        return True
    return any(person.named_in(text) for text in _texts(request))


def _texts(request: DigitalRequest) -> list[str]:
    """Every piece of text in a request that may name somebody."""
    details = request.details
    texts = [details.title, *(getattr(details, name) for name in FREE_TEXT)]
    texts += [request.requester.name, request.assignee_name, request.question]
    texts.append(request.delivery_owner)
    texts += [line.reason for line in request.score.lines]
    for entry in request.history:
        texts += [entry.actor_name, entry.detail]
        for change in entry.changes:
            texts += [change.old, change.new]
    return texts


def for_person(request: DigitalRequest, person: Person, stand_in: str) -> DigitalRequest:
    """The request with one person's data gone and everyone else's left.

    Their own request loses its requester, every answer in their words (its title too,
    which becomes "Request DR-…") and the score's reasons (which quote those answers).
    Their history entries keep what happened and when, under `stand_in`. Anywhere else
    text names them, it is scrubbed of their names, ids, and any email address or phone
    number (as `Person.scrub`)."""
    hide = _namer(person)
    theirs = person.is_them(request.requester.user_id) or person.is_them(
        request.requester.aad_object_id
    )
    requester = request.requester
    title = hide(request.details.title)
    details = _answers(request.details, title, hide)
    score = _reasons(request.score, hide)
    if theirs:
        requester = Requester(stand_in, ERASED_NAME, stand_in)
        details = _answers(request.details, f"Request {request.reference}", gone)
        score = _reasons(request.score, gone)
    assignee_id, assignee_name = request.assignee_id, hide(request.assignee_name)
    if person.is_them(request.assignee_id):
        assignee_id, assignee_name = stand_in, ERASED_NAME
    history = tuple(_entry_for(entry, person, stand_in, theirs, hide) for entry in request.history)
    return dataclasses.replace(
        request,
        requester=requester,
        details=details,
        score=score,
        assignee_id=assignee_id,
        assignee_name=assignee_name,
        question=hide(request.question),
        delivery_owner=hide(request.delivery_owner),
        history=history,
    )


def _entry_for(
    entry: AuditEntry, person: Person, stand_in: str, theirs: bool, hide: _Hide
) -> AuditEntry:
    if person.is_them(entry.actor_id):
        return dataclasses.replace(
            entry,
            actor_id=stand_in,
            actor_name=ERASED_NAME,
            detail=gone(entry.detail),
            changes=_changes_gone(entry.changes),
        )
    # Changes to the answers are the requester's words, whoever's entry holds them.
    changes = _changes_gone(entry.changes) if theirs else _changes_named(entry.changes, hide)
    return dataclasses.replace(
        entry, actor_name=hide(entry.actor_name), detail=hide(entry.detail), changes=changes
    )


def for_retention(request: DigitalRequest) -> DigitalRequest:
    """The request with everybody's data gone, for a request past its retention period:
    each id becomes its pseudonym, each name ERASED_NAME, each piece of free text (the
    score's reasons too) ERASED_TEXT. The same answer when run again."""
    requester_id = stand_in_for(request.requester.user_id)
    details = _answers(request.details, f"Request {request.reference}", gone)
    return dataclasses.replace(
        request,
        requester=Requester(requester_id, ERASED_NAME, requester_id),
        details=details,
        score=_reasons(request.score, gone),
        assignee_id=stand_in_for(request.assignee_id),
        assignee_name=_name_gone(request.assignee_name),
        question=gone(request.question),
        delivery_owner=_name_gone(request.delivery_owner),
        history=tuple(_entry_gone(entry) for entry in request.history),
    )


def history_before(request: DigitalRequest, cutoff: dt.datetime) -> DigitalRequest:
    """The request with the names and words of history entries made before `cutoff`
    gone (past the audit period); what happened and when stay."""
    history = tuple(_entry_gone(entry) if entry.at < cutoff else entry for entry in request.history)
    return dataclasses.replace(request, history=history)


def is_anonymised(request: DigitalRequest) -> bool:
    """Whether the requester is already a stand-in (erased, or past retention)."""
    return request.requester.user_id.startswith(STAND_IN_PREFIX)


def _entry_gone(entry: AuditEntry) -> AuditEntry:
    return dataclasses.replace(
        entry,
        actor_id=stand_in_for(entry.actor_id),
        actor_name=_name_gone(entry.actor_name),
        detail=gone(entry.detail),
        changes=_changes_gone(entry.changes),
    )


def _name_gone(name: str) -> str:
    return ERASED_NAME if name else ""


def _changes_gone(changes: tuple[FieldChange, ...]) -> tuple[FieldChange, ...]:
    return tuple(
        FieldChange(change.label, gone(change.old), gone(change.new)) for change in changes
    )


def _changes_named(changes: tuple[FieldChange, ...], hide: _Hide) -> tuple[FieldChange, ...]:
    return tuple(
        FieldChange(change.label, hide(change.old), hide(change.new)) for change in changes
    )


def _answers(details: RequestDetails, title: str, change: Callable[[str], str]) -> RequestDetails:
    """The answers with `title`, and each free-text answer (FREE_TEXT) changed."""
    return dataclasses.replace(
        details,
        title=title,
        problem=change(details.problem),
        supplier=change(details.supplier),
        existing_systems=change(details.existing_systems),
        user_research=change(details.user_research),
        sponsor=change(details.sponsor),
        resident_impact=change(details.resident_impact),
    )


def _reasons(score: Score, change: Callable[[str], str]) -> Score:
    """The score with each line's reason changed; criteria, weights and points stay."""
    lines = tuple(dataclasses.replace(line, reason=change(line.reason)) for line in score.lines)
    return dataclasses.replace(score, lines=lines)


class _Hide:
    """What `Person.scrub` does: any email address or phone number becomes ERASED_TEXT,
    then the person's names and ids ERASED_NAME, whatever the case, in one pass (so a
    short name is never found again inside ERASED_NAME itself)."""

    def __init__(self, pattern: re.Pattern[str] | None) -> None:
        self._pattern = pattern

    def __call__(self, text: str) -> str:
        text = scrub_contacts(text)
        if self._pattern is None:
            return text
        return self._pattern.sub(ERASED_NAME, text)


def _namer(person: Person) -> _Hide:
    # The names Person.named_in looks for and the ids, three letters or more, longest
    # first so "Sam Jones" goes whole rather than leaving "Jones".
    needles = [name for name in person.names if len(name) >= 3]
    needles += [user_id for user_id in person.ids if len(user_id) >= 3]
    if not needles:
        return _Hide(None)
    needles.sort(key=len, reverse=True)
    # Whole words only, as Person.named_in: "Tim" is not in "time".
    either = "|".join(re.escape(needle) for needle in needles)
    return _Hide(re.compile(rf"(?<![\w-])(?:{either})(?![\w-])", re.IGNORECASE))
