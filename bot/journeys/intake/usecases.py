"""Sending a digital request: checked, scored, routed and stored under its reference."""

from __future__ import annotations

import datetime as dt

from bot import form_flow
from bot.domain import routing, scoring
from bot.domain.forms import FormView
from bot.domain.model import DigitalRequest, RequestDetails, Requester
from bot.journeys.intake.form import REQUEST_FORM
from bot.ports import DraftStore, GovernanceStore, NewRequest, RequestRegister


async def submit(
    drafts: DraftStore,
    register: RequestRegister,
    governance: GovernanceStore,
    requester: Requester,
    draft_id: str,
    now: dt.datetime,
) -> DigitalRequest | FormView:
    """Check everything, score, route and store. Returns the form again if anything is wrong.

    Teams resends an invoke that was slow to answer: a second Send for a draft that
    already became a request returns that request instead of an error.
    """
    owner_id = requester.user_id
    already = await register.by_draft(draft_id)
    if already is not None and already.requester.user_id == owner_id:
        return already
    checked = await form_flow.check(
        REQUEST_FORM, drafts, owner_id, draft_id, REQUEST_FORM.review_step, {}, now
    )
    if isinstance(checked, FormView):
        return checked
    details: RequestDetails = checked.result
    stored = await score_route_store(register, governance, details, requester, draft_id, now)
    await drafts.delete_draft(owner_id, REQUEST_FORM.key)
    return stored


async def score_route_store(
    register: RequestRegister,
    governance: GovernanceStore,
    details: RequestDetails,
    requester: Requester,
    draft_id: str,
    now: dt.datetime,
) -> DigitalRequest:
    """Score checked answers on the current matrix, route them by the current rules and
    store the request: the same for a request sent in chat and one sent through the API."""
    rules = await governance.governance()
    new = NewRequest(
        draft_id=draft_id,
        details=details,
        requester=requester,
        score=scoring.score(details, rules.matrix, now.date()),
        route=routing.route(details, rules.rules),
        submitted_at=now,
    )
    return await register.add(new)
