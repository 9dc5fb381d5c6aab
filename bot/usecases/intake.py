"""Raise a digital request: the guided form, drafts that survive restarts, submit."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from bot.domain import form, routing, scoring
from bot.domain.model import DigitalRequest, Draft, Requester
from bot.ports import ChangedBySomeoneElse, DraftStore, GovernanceStore, NewRequest, RequestRegister
from bot.usecases.errors import StaleForm

REVIEW_STEP = len(form.STEPS) + 1


def new_draft_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True)
class FormView:
    """What the form card shows: which step, what was typed, what is wrong."""

    draft: Draft
    step: int
    errors: dict[str, str]
    notice: str = ""


async def start(drafts: DraftStore, owner_id: str, now: dt.datetime, title: str = "") -> FormView:
    existing = await drafts.get_draft(owner_id)
    if existing is not None:
        notice = (
            "You already have a request in progress, so we have opened it. "
            "To start again instead, choose Discard draft."
        )
        return FormView(existing, existing.step, {}, notice)
    values = {"title": title[:120]} if title else {}
    draft = Draft(owner_id, new_draft_id(), 1, values, now)
    return FormView(await drafts.save_draft(draft), 1, {})


async def resume(drafts: DraftStore, owner_id: str) -> FormView | None:
    draft = await drafts.get_draft(owner_id)
    if draft is None:
        return None
    return FormView(draft, draft.step, {}, "Welcome back. Here is your request where you left it.")


async def _current(drafts: DraftStore, owner_id: str, draft_id: str) -> Draft:
    draft = await drafts.get_draft(owner_id)
    if draft is None or draft.draft_id != draft_id:
        raise StaleForm(
            "This form is from a request that has already been sent or discarded. "
            "Type new request to start another, or my requests to see your requests."
        )
    return draft


async def _save(
    drafts: DraftStore, draft: Draft, step: int, values: dict[str, str], now: dt.datetime
) -> tuple[Draft, str]:
    updated = dataclasses.replace(draft, step=step, values=values, updated_at=now)
    try:
        return await drafts.save_draft(updated), ""
    except ChangedBySomeoneElse:
        latest = await drafts.get_draft(draft.owner_id)
        if latest is None or latest.draft_id != draft.draft_id:
            raise StaleForm("This request was sent or discarded in another window.") from None
        notice = "This request was changed in another window. Here is the latest version."
        return latest, notice


async def move(
    drafts: DraftStore,
    owner_id: str,
    draft_id: str,
    step: int,
    data: Mapping[str, object],
    to_step: int,
    now: dt.datetime,
) -> FormView:
    """Keep what was typed on `step`, then go to `to_step`. Going forward checks the step."""
    draft = await _current(drafts, owner_id, draft_id)
    values = {**draft.values, **form.raw_values(data, step)} if step < REVIEW_STEP else draft.values
    errors = form.validate_step(step, values, now.date()) if to_step > step else {}
    target = step if errors else max(1, min(to_step, REVIEW_STEP))
    saved, notice = await _save(drafts, draft, target, values, now)
    if notice:
        return FormView(saved, saved.step, {}, notice)
    return FormView(saved, target, errors)


async def save_for_later(
    drafts: DraftStore,
    owner_id: str,
    draft_id: str,
    step: int,
    data: Mapping[str, object],
    now: dt.datetime,
) -> Draft:
    draft = await _current(drafts, owner_id, draft_id)
    values = {**draft.values, **form.raw_values(data, step)} if step < REVIEW_STEP else draft.values
    saved, _ = await _save(drafts, draft, step, values, now)
    return saved


async def discard(drafts: DraftStore, owner_id: str, draft_id: str) -> None:
    await _current(drafts, owner_id, draft_id)
    await drafts.delete_draft(owner_id)


async def submit(
    drafts: DraftStore,
    register: RequestRegister,
    governance: GovernanceStore,
    owner_id: str,
    draft_id: str,
    requester: Requester,
    now: dt.datetime,
) -> DigitalRequest | FormView:
    """Check everything, score, route and store. Returns the form again if anything is wrong.

    Teams resends an invoke that was slow to answer: a second Send for a draft that
    already became a request returns that request instead of an error.
    """
    already = await register.by_draft(draft_id)
    if already is not None and already.requester.user_id == owner_id:
        return already
    draft = await _current(drafts, owner_id, draft_id)
    details, errors = form.validate_all(draft.values, now.date())
    if details is None:
        step = form.first_step_with_error(errors)
        saved, _ = await _save(drafts, draft, step, draft.values, now)
        return FormView(saved, step, errors, "Some answers need changing before you can send this.")
    rules = await governance.governance()
    new = NewRequest(
        draft_id=draft.draft_id,
        details=details,
        requester=requester,
        score=scoring.score(details, rules.matrix, now.date()),
        route=routing.route(details, rules.rules),
        submitted_at=now,
    )
    stored = await register.add(new)
    await drafts.delete_draft(owner_id)
    return stored
