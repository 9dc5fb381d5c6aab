"""A requester withdraws their request, or changes its answers while IT triage has it.

Only the requester may do either: who they are comes from the validated Activity, and
the request is read again here, never trusted from card data.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot import form_flow
from bot.domain import routing, scoring, triage
from bot.domain.edits import EDITED_IN_SHAREPOINT, changed_fields, moves, moves_in_words
from bot.domain.forms import FormView
from bot.domain.model import DigitalRequest, FieldChange, RequestDetails
from bot.domain.triage import Action, Change, TransitionRefused, TriageState
from bot.errors import NotAllowed, NotFound, UserFacingError
from bot.journey import Actor
from bot.journeys.changes.form import CHANGE_FORM, TARGET, answers_of
from bot.ports import (
    ChangedBySomeoneElse,
    DraftStore,
    Governance,
    GovernanceStore,
    RequestRegister,
)

TRIES = 3  # a triager may act at the same moment: read again and check again


@dataclass(frozen=True)
class Changed:
    request: DigitalRequest
    changes: list[FieldChange]
    route_kept: bool  # IT triage chose the route by hand, so the new answers do not move it


async def own_request(register: RequestRegister, actor: Actor, reference: str) -> DigitalRequest:
    request = await register.get(reference)
    if request is None or request.requester.user_id != actor.user_id:
        raise NotFound(
            f"We could not find a request {reference} raised by you. Only the person who "
            "raised a request can withdraw or change it. Type my requests to see yours."
        )
    return request


def _applied(request: DigitalRequest, change: Change) -> DigitalRequest:
    state = TriageState(request.status, question=request.question, history=request.history)
    try:
        new = triage.apply(state, change, request.reference)
    except TransitionRefused as refused:
        raise NotAllowed(refused.message) from refused
    return dataclasses.replace(
        request, status=new.status, question=new.question, history=new.history
    )


async def _saved(
    register: RequestRegister,
    actor: Actor,
    reference: str,
    changed: Callable[[DigitalRequest], Awaitable[DigitalRequest]],
) -> DigitalRequest:
    """Read, change and save; read again if someone changed it in between."""
    for _ in range(TRIES):
        request = await own_request(register, actor, reference)
        try:
            return await register.update(await changed(request))
        except ChangedBySomeoneElse:
            continue
    raise UserFacingError(
        f"{reference} is being changed by someone else just now. Nothing has changed. "
        "Try again in a minute."
    )


async def withdraw(
    register: RequestRegister, actor: Actor, reference: str, reason: str, now: dt.datetime
) -> DigitalRequest:
    async def withdrawn(request: DigitalRequest) -> DigitalRequest:
        return _applied(
            request, Change(Action.WITHDRAW, actor.user_id, actor.name, now, reason=reason)
        )

    return await _saved(register, actor, reference, withdrawn)


def _refuse_unless(request: DigitalRequest, action: Action) -> None:
    if said := triage.refusal(request.status, action):
        raise NotAllowed(said)


async def can_withdraw(register: RequestRegister, actor: Actor, reference: str) -> DigitalRequest:
    """The request, if its requester may withdraw it now; else why not."""
    request = await own_request(register, actor, reference)
    _refuse_unless(request, Action.WITHDRAW)
    return request


async def open_change(
    register: RequestRegister, drafts: DraftStore, actor: Actor, reference: str, now: dt.datetime
) -> FormView:
    """The request form filled in with the request's answers. One change at a time."""
    request = await own_request(register, actor, reference)
    _refuse_unless(request, Action.EDIT_DETAILS)
    existing = await drafts.get_draft(actor.user_id, CHANGE_FORM.key)
    if existing is not None and existing.values.get(TARGET) != request.reference:
        other = existing.values.get(TARGET) or "another request"
        raise NotAllowed(
            f"You are already changing {other}. Send or discard those changes first: "
            "type change to open them."
        )
    prefill = {**answers_of(request.details), TARGET: request.reference}
    return await form_flow.start(CHANGE_FORM, drafts, actor.user_id, now, prefill)


def route_set_by_hand(request: DigitalRequest) -> bool:
    """Whether IT triage chose where it goes (in Teams or in SharePoint), not the rules."""
    for entry in request.history:
        if entry.action == Action.CHANGE_ROUTE.value:
            return True
        if entry.action == EDITED_IN_SHAREPOINT and (
            "board:" in entry.detail or "then:" in entry.detail
        ):
            return True
    return False


@dataclass(frozen=True)
class Edited:
    """A request with new answers, what they changed, and whether IT's route was kept."""

    request: DigitalRequest
    changes: list[FieldChange]
    kept: bool


def with_new_answers(
    current: DigitalRequest,
    details: RequestDetails,
    rules: Governance,
    actor: Actor,
    now: dt.datetime,
) -> Edited:
    """The request with its new answers, scored and routed again (a route IT chose by hand
    is kept), and one history entry naming the changed answers and what they moved."""
    found = changed_fields(current.details, details)
    kept = route_set_by_hand(current)
    change = Change(Action.EDIT_DETAILS, actor.user_id, actor.name, now, changes=tuple(found))
    recorded = _applied(current, change)
    ruled = routing.route(details, rules.rules)
    new = dataclasses.replace(
        recorded,
        details=details,
        score=scoring.score(details, rules.matrix, now.date()),
        route=current.route if kept else ruled,
    )
    boards = {key: board.name for key, board in rules.boards.items()}
    processes = {key: process.name for key, process in rules.processes.items()}
    moved = moves(
        current, new, routing.route(current.details, rules.rules), ruled, boards, processes
    )
    if not moved:
        return Edited(new, found, kept)
    entry = new.history[-1]
    entry = dataclasses.replace(
        entry,
        detail=f"{entry.detail} {moves_in_words(moved, kept)}",
        changes=(*entry.changes, *moved),
    )
    return Edited(dataclasses.replace(new, history=(*new.history[:-1], entry)), found, kept)


async def send_change(
    store: RequestRegister,
    drafts: DraftStore,
    governance: GovernanceStore,
    actor: Actor,
    draft_id: str,
    now: dt.datetime,
) -> Changed | FormView:
    """Save the new answers, score and route again, and record what changed.

    Returns the form again if any answer is wrong: the draft is kept.
    """
    draft = await form_flow.current(CHANGE_FORM, drafts, actor.user_id, draft_id)
    reference = draft.values.get(TARGET, "")
    if not reference:
        await drafts.delete_draft(actor.user_id, CHANGE_FORM.key)
        raise UserFacingError(
            "These changes are not linked to a request, so they were not saved. "
            "Type change and the reference to start again."
        )
    request = await own_request(store, actor, reference)
    if said := triage.refusal(request.status, Action.EDIT_DETAILS):
        await drafts.delete_draft(actor.user_id, CHANGE_FORM.key)
        raise NotAllowed(f"{said} Your changes were not saved.")
    checked = await form_flow.check(
        CHANGE_FORM, drafts, actor.user_id, draft_id, CHANGE_FORM.review_step, {}, now
    )
    if isinstance(checked, FormView):
        return checked
    details: RequestDetails = checked.result
    rules = await governance.governance()
    outcome: list[Edited] = []

    async def edited(current: DigitalRequest) -> DigitalRequest:
        outcome[:] = [with_new_answers(current, details, rules, actor, now)]
        return outcome[0].request

    try:
        saved = await _saved(store, actor, reference, edited)
    except NotAllowed:
        # Nothing changed, or no longer allowed: the draft has nothing left to go to.
        await drafts.delete_draft(actor.user_id, CHANGE_FORM.key)
        raise
    await drafts.delete_draft(actor.user_id, CHANGE_FORM.key)
    return Changed(saved, outcome[0].changes, outcome[0].kept)
