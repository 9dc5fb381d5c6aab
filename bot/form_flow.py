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
from bot.domain.text import with_article
from bot.errors import StaleForm, UserFacingError
from bot.ports import ChangedBySomeoneElse, DraftStore

Built = TypeVar("Built")


def new_draft_id() -> str:
    return uuid.uuid4().hex


class CardOutOfDate(StaleForm):
    """The card is from this draft, but the draft has changed since the card was sent."""

    def __init__(self, message: str, draft: Draft) -> None:
        super().__init__(message)
        self.draft = draft


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
    if existing is None:
        started = await start_new(form, drafts, owner_id, now, prefill)
        if started is not None:
            return started
        # Another instance (or a retry) started one a moment ago: that one is theirs.
        existing = await drafts.get_draft(owner_id, form.key)
        if existing is None:  # and it was discarded straight away
            started = await start_new(form, drafts, owner_id, now, prefill)
            if started is not None:
                return started
            raise UserFacingError(
                f"Your {form.noun} was started and discarded in another window just now. Try again."
            )
    notice = (
        f"You already have {with_article(form.noun)} in progress, so we have opened it. "
        "To start again instead, choose Discard draft."
    )
    return FormView(form, existing, existing.step, {}, notice, today=now.date())


async def start_new(
    form: FormDefinition[Any],
    drafts: DraftStore,
    owner_id: str,
    now: dt.datetime,
    prefill: Mapping[str, str] | None = None,
) -> FormView | None:
    """A new draft at step 1, or None when the person has one of this form already: only
    one of two starts at once (two instances, a retried click) ever makes it."""
    draft = Draft(owner_id, form.key, new_draft_id(), 1, dict(prefill or {}), now)
    made = await drafts.create_draft(draft)
    return None if made is None else FormView(form, made, 1, {}, today=now.date())


async def resume(
    form: FormDefinition[Any], drafts: DraftStore, owner_id: str, now: dt.datetime | None = None
) -> FormView | None:
    draft = await drafts.get_draft(owner_id, form.key)
    if draft is None:
        return None
    notice = f"Welcome back. Here is your {form.noun} where you left it."
    today = now.date() if now else None
    return FormView(form, draft, draft.step, {}, notice, today=today)


def where_it_is(form: FormDefinition[Any], draft: Draft) -> str:
    """Where a draft stands, in words: "step 3 of 4: Sponsor, budget and dates"."""
    if draft.step >= form.review_step and form.review:
        return "ready for you to check your answers and send it"
    step = form.step(max(1, min(draft.step, len(form.steps))))
    if len(form.steps) == 1:
        return "waiting for you to finish it"
    return f"at step {step.number} of {len(form.steps)}: {step.title}"


async def up_to_date(
    form: FormDefinition[Any],
    drafts: DraftStore,
    owner_id: str,
    draft_id: str,
    version: str,
    step: int,
) -> Draft:
    """The draft a card was drawn from, if the card still shows it as it is now.

    A card carries the version of the draft it shows; one from before this was added
    is judged by its step. Raises StaleForm if the draft was sent or discarded, and
    CardOutOfDate if it has changed since (in another card or window).
    """
    draft = await current(form, drafts, owner_id, draft_id)
    moved = (version != draft.etag) if version and draft.etag else step != draft.step
    if moved:
        # What the person did since, as far as we can tell: went to another step (with
        # Next, Back or a Change button), or saved the same step from another card.
        did = (
            "you have gone to another step of it"
            if step != draft.step
            else "you have saved it from another card"
        )
        raise CardOutOfDate(
            f"This card shows your {form.noun} as it was before. Since then, {did}, so "
            f"nothing on this card was saved. Your {form.noun} is {where_it_is(form, draft)}.",
            draft,
        )
    return draft


async def current(
    form: FormDefinition[Any], drafts: DraftStore, owner_id: str, draft_id: str
) -> Draft:
    draft = await drafts.get_draft(owner_id, form.key)
    if draft is None or draft.draft_id != draft_id:
        raise StaleForm(
            f"This form is from {with_article(form.noun)} that has already been sent or "
            "discarded, so nothing on it was saved."
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
    from_review: bool = False,
) -> FormView:
    """Keep what was typed on `step`, then go to `to_step`. Going forward checks the step.

    Someone who came to a step with "Change" on the check-your-answers page
    (`from_review`) goes straight back there, with Next (once the step is fine) or
    with Back.
    Answers to questions no longer asked are dropped.
    """
    today = now.date()
    draft = await current(form, drafts, owner_id, draft_id)
    values = forms.without_hidden(form, _kept(draft, answers), today)
    # `from_review` on the review page itself is a Change button; on a step, it is a
    # step someone came to with one.
    returning = from_review and form.review and step < form.review_step
    errors = forms.validate_step(form, step, values, today) if to_step > step else {}
    if returning:
        to_step = form.review_step
    target = step if errors else max(1, min(to_step, form.review_step))
    from_review = from_review and target < form.review_step
    saved, notice = await _save(form, drafts, draft, target, values, now)
    if notice:
        return FormView(form, saved, saved.step, {}, notice, today=today)
    return FormView(form, saved, target, errors, from_review=from_review, today=today)


async def save_for_later(
    form: FormDefinition[Any],
    drafts: DraftStore,
    owner_id: str,
    draft_id: str,
    step: int,
    answers: Mapping[str, str],
    now: dt.datetime,
    from_review: bool = False,
) -> FormView:
    today = now.date()
    draft = await current(form, drafts, owner_id, draft_id)
    values = forms.without_hidden(form, _kept(draft, answers), today)
    saved, _ = await _save(form, drafts, draft, step, values, now)
    command = form.resume_command or form.start_command
    notice = f"Saved. Type {command} to finish it later."
    return FormView(form, saved, saved.step, {}, notice, from_review=from_review, today=today)


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
    today = now.date()
    draft = await current(form, drafts, owner_id, draft_id)
    values = forms.without_hidden(form, _kept(draft, answers), today)
    errors = forms.all_errors(form, values, today)
    if errors:
        back = forms.first_step_with_error(form, errors)
        saved, _ = await _save(form, drafts, draft, back, values, now)
        notice = "Some answers need changing before you can send this."
        return FormView(form, saved, back, errors, notice, today=today)
    if values != draft.values:
        draft, _ = await _save(form, drafts, draft, step, values, now)
    return Checked(draft, form.build(values, now.date()))
