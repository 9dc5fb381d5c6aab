"""What the requests hold about people (bot/privacy.py): requests they raised, with every
answer; history entries they made or that name them; requests assigned to them; and any
request whose words name them.

Erase keeps each request (the boards count it) with only that person's data gone
(bot/domain/anonymise.py `for_person`). Retention anonymises whole requests closed or
rejected before their cutoff (`for_retention`), and the names and words of history
entries older than the audit period in every other request (`history_before`).

In SharePoint mode the store writes each change to the list through its outbox, every
column included. SharePoint keeps the item's earlier versions: see
graph_clients/requests_list.py `replace_columns`.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from bot.domain import codec
from bot.domain.anonymise import for_person, for_retention, history_before, involves
from bot.domain.model import STATUS_LABELS, AuditEntry, DigitalRequest, Status
from bot.domain.retention import RetentionKind, RetentionPolicy
from bot.ports import RequestQuery
from bot.privacy import Erased, Held, Person, Retained

NAME = "requests"
PAGE = 500
KIND = "Digital requests"  # what Erased counts, in plain words

CLOSED = frozenset({Status.DELIVERED, Status.BENEFITS_REVIEWED, Status.DUPLICATE})
REJECTED = frozenset({Status.REJECTED, Status.WITHDRAWN})

# The answers a requester gives, in the words the request form uses.
ANSWER_LABELS = {
    "title": "Title",
    "problem": "The problem",
    "affected_staff": "Staff affected",
    "affected_residents": "Residents affected",
    "affected_businesses": "Businesses affected",
    "directorate": "Directorate",
    "kind": "Kind of request",
    "involves_procurement": "Involves buying something",
    "supplier": "Supplier",
    "contract_end": "Contract ends",
    "personal_data": "Involves personal data",
    "existing_systems": "Systems used now",
    "user_research": "User research",
    "sponsor": "Sponsor",
    "budget": "Budget",
    "needed_by": "Needed by",
    "statutory_deadline": "Legal deadline",
    "cash_saving_per_year": "Cash saving a year",
    "hours_saved_per_year": "Hours saved a year",
    "resident_impact": "Impact on residents",
    "drivers": "Strategic drivers",
}


class Requests(Protocol):
    """What this part needs of the store (bot.ports.Store)."""

    async def query(
        self, query: RequestQuery, after: int = 0, limit: int = 500
    ) -> list[DigitalRequest]: ...

    async def replace_request(self, request: DigitalRequest) -> DigitalRequest: ...


def last_change(request: DigitalRequest) -> dt.datetime:
    """When a request last changed: its newest history entry, else when it was sent."""
    return max([request.submitted_at, *(entry.at for entry in request.history)])


def _when(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime("%d %B %Y %H:%M UTC")


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


class RequestData:
    """PersonalData over the requests (the store's request register)."""

    def __init__(self, store: Requests) -> None:
        self._store = store

    async def _every_request(self) -> list[DigitalRequest]:
        found: list[DigitalRequest] = []
        after = 0
        while True:
            page = await self._store.query(RequestQuery(), after, PAGE)
            found.extend(page)
            if len(page) < PAGE:
                return found
            after = int(page[-1].item_id)

    async def held(self, person: Person) -> list[Held]:
        return [
            Held(
                NAME,
                _what(request, person),
                request.reference,
                _fields(request, person),
                last_change(request),
            )
            for request in await self._every_request()
            if involves(request, person)
        ]

    async def erase(self, person: Person, stand_in: str, now: dt.datetime) -> Erased:
        done = Erased()
        for request in await self._every_request():
            if not involves(request, person):
                continue
            erased = for_person(request, person, stand_in)
            if erased != request:
                await self._store.replace_request(erased)
                done.count(KIND)
        return done

    async def retain(self, policy: RetentionPolicy, now: dt.datetime) -> list[Retained]:
        closed = policy.cutoff(RetentionKind.CLOSED_REQUESTS, now)
        rejected = policy.cutoff(RetentionKind.REJECTED_REQUESTS, now)
        audit = policy.cutoff(RetentionKind.AUDIT, now)
        counts = {
            kind: 0
            for kind in (
                RetentionKind.CLOSED_REQUESTS,
                RetentionKind.REJECTED_REQUESTS,
                RetentionKind.AUDIT,
            )
        }
        for request in await self._every_request():
            kind = RetentionKind.AUDIT
            if request.status in CLOSED and last_change(request) < closed:
                kind, changed = RetentionKind.CLOSED_REQUESTS, for_retention(request)
            elif request.status in REJECTED and last_change(request) < rejected:
                kind, changed = RetentionKind.REJECTED_REQUESTS, for_retention(request)
            else:
                changed = history_before(request, audit)
            # A request already anonymised is the same again: a second run changes nothing.
            if changed != request:
                await self._store.replace_request(changed)
                counts[kind] += 1
        return [Retained(kind, anonymised=n) for kind, n in counts.items()]


def _theirs(request: DigitalRequest, person: Person) -> bool:
    requester = request.requester
    return person.is_them(requester.user_id) or person.is_them(requester.aad_object_id)


def _what(request: DigitalRequest, person: Person) -> str:
    if _theirs(request, person):
        return "A digital request you raised"
    return "A digital request that names you or that you worked on"


def _fields(request: DigitalRequest, person: Person) -> dict[str, str]:
    """Their own request: every answer and the whole history. Anyone else's: what names
    them or they did."""
    fields: dict[str, str] = {"Status": STATUS_LABELS[request.status]}
    if _theirs(request, person):
        fields["Requester"] = request.requester.name
        fields["Requester id"] = request.requester.user_id
        for name, value in codec.details_to_dict(request.details).items():
            fields[ANSWER_LABELS.get(name, name)] = _text(value)
    else:
        fields["Title"] = request.details.title
        for name, value in codec.details_to_dict(request.details).items():
            if isinstance(value, str) and name != "title" and person.named_in(value):
                fields[ANSWER_LABELS.get(name, name)] = value
    if person.is_them(request.assignee_id) or person.named_in(request.assignee_name):
        fields["Assigned to"] = request.assignee_name
    if request.question and (_theirs(request, person) or person.named_in(request.question)):
        fields["Question asked"] = request.question
    if request.delivery_owner and (
        _theirs(request, person) or person.named_in(request.delivery_owner)
    ):
        fields["Delivery owner"] = request.delivery_owner
    for n, entry in enumerate(request.history, start=1):
        if _theirs(request, person) or _entry_names(entry, person):
            fields[f"History {n}"] = _entry_text(entry)
    return fields


def _entry_names(entry: AuditEntry, person: Person) -> bool:
    texts = [entry.actor_name, entry.detail, *(t for c in entry.changes for t in (c.old, c.new))]
    return person.is_them(entry.actor_id) or any(person.named_in(text) for text in texts)


def _entry_text(entry: AuditEntry) -> str:
    words = f"{_when(entry.at)}, {entry.actor_name or 'the bot'}: {entry.action}"
    if entry.detail:
        words += f". {entry.detail}"
    for change in entry.changes:
        words += f". {change.label} was '{change.old}', now '{change.new}'"
    return words
