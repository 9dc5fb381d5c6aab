"""Running any form: drafts that survive restarts, one per person per form, and the
steps a person moves through. The form itself is data (`bot.domain.forms`)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from bot.domain import forms
from bot.domain.forms import FormDefinition, FormView
from bot.domain.model import Draft
from bot.errors import StaleForm
from bot.ports import ChangedBySomeoneElse, DraftStore

Built = TypeVar("Built")


def new_draft_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True)
class Checked(Generic[Built]):
    """Every answer is fine: the draft and the form's typed result."""

    draft: Draft
    result: Built


async def start(
    form: FormDefinition[Any],
    drafts: DraftStore,
    owner_id: str,
    now: dt.datetime,
    prefill: Mapping[str, str] | None = None,
) -> FormView:
    existing = await drafts.get_draft(owner_id, form.key)
    if existing is not None:
        notice = (
            f"You already have a {form.noun} in progress, so we have opened it. "
            "To start again instead, choose Discard draft."
        )
        return FormView(form, existing, existing.step, {}, notice)
    draft = Draft(owner_id, form.key, new_draft_id(), 1, dict(prefill or {}), now)
    return FormView(form, await drafts.save_draft(draft), 1, {})


async def resume(form: FormDefinition[Any], drafts: DraftStore, owner_id: str) -> FormView | None:
    draft = await drafts.get_draft(owner_id, form.key)
    if draft is None:
        return None
    notice = f"Welcome back. Here is your {form.noun} where you left it."
    return FormView(form, draft, draft.step, {}, notice)


async def current(
    form: FormDefinition[Any], drafts: DraftStore, owner_id: str, draft_id: str
) -> Draft:
    draft = await drafts.get_draft(owner_id, form.key)
    if draft is None or draft.draft_id != draft_id:
        again = f" Type {form.start_command} to start another." if form.start_command else ""
        raise StaleForm(
            f"This form is from a {form.noun} that has already been sent or discarded."
            f"{again} Type help to see what else I can do."
        )
    return draft


async def _save(
    form: FormDefinition[Any],
    drafts: DraftStore,
    draft: Draft,
    step: int,
    values: dict[str, str],
    now: dt.datetime,
) -> tuple[Draft, str]:
    updated = dataclasses.replace(draft, step=step, values=values, updated_at=now)
    try:
        return await drafts.save_draft(updated), ""
    except ChangedBySomeoneElse:
        latest = await drafts.get_draft(draft.owner_id, form.key)
        if latest is None or latest.draft_id != draft.draft_id:
            raise StaleForm(f"This {form.noun} was sent or discarded in another window.") from None
        notice = f"This {form.noun} was changed in another window. Here is the latest version."
        return latest, notice


def _kept(draft: Draft, answers: Mapping[str, str]) -> dict[str, str]:
    """The draft's answers with what the step's card sent (the review page sends none)."""
    return {**draft.values, **answers}


async def move(
    form: FormDefinition[Any],
    drafts: DraftStore,
    owner_id: str,
    draft_id: str,
    step: int,
    answers: Mapping[str, str],
    to_step: int,
    now: dt.datetime,
) -> FormView:
    """Keep what was typed on `step`, then go to `to_step`. Going forward checks the step."""
    draft = await current(form, drafts, owner_id, draft_id)
    values = _kept(draft, answers)
    errors = forms.validate_step(form, step, values, now.date()) if to_step > step else {}
    target = step if errors else max(1, min(to_step, form.review_step))
    saved, notice = await _save(form, drafts, draft, target, values, now)
    if notice:
        return FormView(form, saved, saved.step, {}, notice)
    return FormView(form, saved, target, errors)


async def save_for_later(
    form: FormDefinition[Any],
    drafts: DraftStore,
    owner_id: str,
    draft_id: str,
    step: int,
    answers: Mapping[str, str],
    now: dt.datetime,
) -> FormView:
    draft = await current(form, drafts, owner_id, draft_id)
    saved, _ = await _save(form, drafts, draft, step, _kept(draft, answers), now)
    command = form.resume_command or form.start_command
    return FormView(form, saved, saved.step, {}, f"Saved. Type {command} to finish it later.")


async def discard(
    form: FormDefinition[Any], drafts: DraftStore, owner_id: str, draft_id: str
) -> None:
    await current(form, drafts, owner_id, draft_id)
    await drafts.delete_draft(owner_id, form.key)


async def check(
    form: FormDefinition[Built],
    drafts: DraftStore,
    owner_id: str,
    draft_id: str,
    step: int,
    answers: Mapping[str, str],
    now: dt.datetime,
) -> Checked[Built] | FormView:
    """Every answer checked before sending. Returns the form again if anything is wrong.

    A form without a review page is sent from its last step, so that step's answers
    are kept first; nothing typed is lost either way.
    """
    draft = await current(form, drafts, owner_id, draft_id)
    values = _kept(draft, answers)
    errors = forms.all_errors(form, values, now.date())
    if errors:
        back = forms.first_step_with_error(form, errors)
        saved, _ = await _save(form, drafts, draft, back, values, now)
        notice = "Some answers need changing before you can send this."
        return FormView(form, saved, back, errors, notice)
    if values != draft.values:
        draft, _ = await _save(form, drafts, draft, step, values, now)
    return Checked(draft, form.build(values, now.date()))
