"""IT triage acts on a request: checked against the roster, the life cycle and the version."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.domain import triage
from bot.domain.model import DigitalRequest, Route
from bot.domain.references import parse_reference
from bot.domain.similarity import most_similar
from bot.domain.text import clean_text, long_date
from bot.domain.triage import Action, Change, TransitionRefused, TriageState
from bot.ports import ChangedBySomeoneElse, Governance, Store
from bot.usecases.errors import BadCardData, NotAllowed, NotFound

OPEN = frozenset({"submitted", "in_triage", "awaiting_information", "with_board"})


@dataclass(frozen=True)
class Actor:
    """Who pressed the button, from the validated Activity."""

    user_id: str
    teams_id: str
    name: str


@dataclass(frozen=True)
class Outcome:
    request: DigitalRequest
    changed: bool
    note: str = ""
    before: DigitalRequest | None = None


def state_of(request: DigitalRequest) -> TriageState:
    return TriageState(
        status=request.status,
        assignee_id=request.assignee_id,
        assignee_name=request.assignee_name,
        board=request.route.board,
        process=request.route.process,
        route_reason=request.route.reason,
        duplicate_of=request.duplicate_of,
        question=request.question,
        history=request.history,
    )


def with_state(request: DigitalRequest, state: TriageState) -> DigitalRequest:
    route = request.route
    if (state.board, state.process) != (route.board, route.process) or (
        state.route_reason != route.reason
    ):
        route = Route(state.board, state.process, state.route_reason, "changed in triage")
    return dataclasses.replace(
        request,
        status=state.status,
        route=route,
        assignee_id=state.assignee_id,
        assignee_name=state.assignee_name,
        duplicate_of=state.duplicate_of,
        question=state.question,
        history=state.history,
    )


def reference_from(data: Any) -> tuple[str, str]:
    """The request a card names, and the version the card was drawn from."""
    if not isinstance(data, Mapping):
        raise BadCardData("That button sent something I did not expect. Nothing has changed.")
    reference, version = data.get("reference"), data.get("version", "")
    if not isinstance(reference, str) or parse_reference(reference) is None:
        raise BadCardData("That card does not name a request I know. Nothing has changed.")
    if not isinstance(version, str):
        raise BadCardData("That card is not one I recognise. Nothing has changed.")
    return reference.strip().upper(), version


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key, "")
    if not isinstance(value, str):
        raise BadCardData("One of the answers on the card was not text. Nothing has changed.")
    return clean_text(value)


def change_for(
    verb_action: Action,
    data: Mapping[str, Any],
    actor: Actor,
    now: dt.datetime,
    assignee: Actor | None = None,
) -> Change:
    """The change a button asks for, with the actor from the Activity, never from the card."""
    payload: dict[str, str] = {}
    if verb_action is Action.ASSIGN:
        given = assignee or actor
        payload = {"assignee_id": given.user_id, "assignee_name": given.name}
    elif verb_action is Action.REJECT:
        payload = {"reason": _text(data, "rejectReason")}
    elif verb_action is Action.ASK_INFO:
        payload = {"question": _text(data, "question")}
    elif verb_action is Action.ANSWER_INFO:
        payload = {"answer": _text(data, "answer")}
    elif verb_action is Action.CHANGE_ROUTE:
        payload = {
            "board": _text(data, "routeBoard"),
            "process": _text(data, "routeProcess"),
            "reason": _text(data, "routeReason"),
        }
    elif verb_action is Action.LINK_DUPLICATE:
        typed = _text(data, "duplicateRef").upper() or _text(data, "duplicateOf").upper()
        payload = {"duplicate_of": typed}
    return Change(verb_action, actor.user_id, actor.name, now, **payload)


def changed_by_note(request: DigitalRequest) -> str:
    if not request.history:
        return "This request changed since your card was drawn. Here it is as it is now."
    last = request.history[-1]
    return (
        f"{last.actor_name or 'Someone'} changed this request first, at {last.at:%H:%M} on "
        f"{long_date(last.at.date())}: it is now {triage.status_in_words(last.to_status)}. "
        "Check it, then try again if you still need to."
    )


async def act(
    store: Store,
    actor: Actor,
    action: Action,
    data: Mapping[str, Any],
    now: dt.datetime,
    assignee: Actor | None = None,
    already_read: DigitalRequest | None = None,
) -> Outcome:
    reference, version = reference_from(data)
    same = already_read is not None and already_read.reference == reference
    request = already_read if same else await store.get(reference)
    if request is None:
        raise NotFound(f"There is no request {reference}. Nothing has changed.")
    if version and version != request.etag:
        return Outcome(request, changed=False, note=changed_by_note(request))
    change = change_for(action, data, actor, now, assignee)
    if (
        action is Action.LINK_DUPLICATE
        and change.duplicate_of
        and await store.get(change.duplicate_of) is None
    ):
        raise NotAllowed(f"There is no request {change.duplicate_of}. Check the reference.")
    try:
        state = triage.apply(state_of(request), change, reference)
    except TransitionRefused as refused:
        raise NotAllowed(refused.message) from refused
    try:
        saved = await store.update(with_state(request, state))
    except ChangedBySomeoneElse:
        fresh = await store.get(reference)
        if fresh is None:
            raise
        return Outcome(fresh, changed=False, note=changed_by_note(fresh))
    return Outcome(saved, changed=True, before=request)


def similar_open(request: DigitalRequest, others: list[DigitalRequest]) -> list[tuple[str, str]]:
    candidates = [
        (r.reference, r.details.title, r.details.problem)
        for r in others
        if r.status.value in OPEN and r.reference != request.reference
    ]
    titles = {r.reference: r.details.title for r in others}
    ranked = most_similar(
        (request.details.title, request.details.problem),
        candidates,
        limit=3,
        exclude=request.reference,
    )
    return [(ref, titles[ref]) for ref, _ in ranked]


def board_name(gov: Governance, request: DigitalRequest) -> str:
    board = gov.boards.get(request.route.board)
    return board.name if board else request.route.board
