"""The buttons every form has, as card actions: start, next, back, change, save, discard,
continue, help. A journey adds what sending its form does.

A press on a card that no longer shows the draft as it is (the draft moved on, or was
sent or discarded) changes nothing and is answered with a card that says so and offers
a way on.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bot import form_flow
from bot.domain import forms
from bot.domain.forms import FormDefinition, FormView
from bot.errors import BadCardData, StaleForm
from bot.journey import CardAction, JourneyContext, Reply, Turn, card_reply, message_reply
from cards.elements import to_dict
from cards.form_card import (
    DRAFT_ID,
    FROM_REVIEW,
    GOTO,
    STEP,
    VERSION,
    build_draft_deleted_card,
    build_form_card,
    build_stale_card,
)
from cards.welcome import build_help_card

# What a journey may say about a draft that became something (a request's reference),
# given the owner and the draft id; "" when it says nothing.
SentAs = Callable[[str, str], Awaitable[str]]


@dataclass(frozen=True)
class FormPress:
    """A press of one of a form's buttons: which draft, which step, and what was typed
    on that step, as the strings a draft keeps (nothing from the review page)."""

    draft_id: str
    step: int
    answers: dict[str, str]
    goto: int | None = None
    version: str = ""  # the draft's version the card shows ("" on cards from before)
    from_review: bool = False  # the step was opened with Change on the review page


@dataclass(frozen=True)
class NoData:
    """A button that carries nothing we read (start, continue)."""


def form_card(view: FormView) -> Reply:
    return card_reply(to_dict(build_form_card(view)))


def press_parser(form: FormDefinition[Any]) -> Callable[[Mapping[str, Any]], FormPress]:
    def parse(data: Mapping[str, Any]) -> FormPress:
        draft_id, step, goto = data.get(DRAFT_ID), data.get(STEP), data.get(GOTO)
        version, from_review = data.get(VERSION, ""), data.get(FROM_REVIEW, False)
        if not isinstance(draft_id, str) or not re.fullmatch(r"[0-9a-f]{32}", draft_id):
            command = form.resume_command or form.start_command
            raise BadCardData(
                f"That form is not one I recognise. Type {command} to open your draft."
            )
        if isinstance(step, bool) or not isinstance(step, int) or not 1 <= step <= form.review_step:
            raise BadCardData("That form step is not one I recognise. Type continue to go on.")
        if goto is not None and (isinstance(goto, bool) or not isinstance(goto, int)):
            raise BadCardData("That button did not say which part to change. Type continue.")
        if not isinstance(version, str) or len(version) > 200 or not isinstance(from_review, bool):
            raise BadCardData("That form is not one I recognise. Type continue to go on.")
        answers = forms.raw_values(form, data, step) if step < form.review_step else {}
        return FormPress(draft_id, step, answers, goto, version, from_review)

    return parse


def no_data(data: Mapping[str, Any]) -> NoData:
    return NoData()


class FormButtons:
    """The handlers of one form's buttons."""

    def __init__(
        self, form: FormDefinition[Any], ctx: JourneyContext, sent_as: SentAs | None = None
    ) -> None:
        self.form = form
        self.ctx = ctx
        self.sent_as = sent_as

    async def start(self, turn: Turn, _: NoData) -> Reply:
        view = await form_flow.start(self.form, self.ctx.store, turn.actor.user_id, self.ctx.now())
        return form_card(view)

    async def resume(self, turn: Turn, _: NoData) -> Reply:
        view = await form_flow.resume(self.form, self.ctx.store, turn.actor.user_id, self.ctx.now())
        if view is None:
            form = self.form
            return message_reply(
                f"You have no {form.noun} in progress. Type {form.start_command} to start one."
            )
        return form_card(view)

    async def help(self, turn: Turn, _: NoData) -> Reply:
        catalogue = self.ctx.catalogue
        lines = catalogue.help_lines(turn.in_channel, self.ctx.is_admin(turn.actor))
        return card_reply(to_dict(build_help_card(lines, catalogue.menu)))

    async def next(self, turn: Turn, press: FormPress) -> Reply:
        return await self._move(turn, press, press.step + 1, press.from_review)

    async def back(self, turn: Turn, press: FormPress) -> Reply:
        return await self._move(turn, press, press.step - 1, press.from_review)

    async def edit(self, turn: Turn, press: FormPress) -> Reply:
        steps = len(self.form.steps)
        if press.goto is None or not 1 <= press.goto <= steps:
            raise BadCardData("That button did not say which part to change. Type continue.")
        return await self._move(turn, press, press.goto, press.step == self.form.review_step)

    async def _move(self, turn: Turn, press: FormPress, target: int, from_review: bool) -> Reply:
        view = await form_flow.move(
            self.form,
            self.ctx.store,
            turn.actor.user_id,
            press.draft_id,
            press.step,
            press.answers,
            target,
            self.ctx.now(),
            from_review,
        )
        return form_card(view)

    async def save(self, turn: Turn, press: FormPress) -> Reply:
        view = await form_flow.save_for_later(
            self.form,
            self.ctx.store,
            turn.actor.user_id,
            press.draft_id,
            press.step,
            press.answers,
            self.ctx.now(),
            press.from_review,
        )
        return form_card(view)

    async def discard(self, turn: Turn, press: FormPress) -> Reply:
        await form_flow.discard(self.form, self.ctx.store, turn.actor.user_id, press.draft_id)
        return card_reply(to_dict(build_draft_deleted_card(self.form)))

    def guarded(
        self, handle: Callable[[Turn, FormPress], Awaitable[Reply]], *, any_version: bool = False
    ) -> Callable[[Turn, FormPress], Awaitable[Reply]]:
        """`handle`, run only for a card that shows the draft as it is now.

        With `any_version`, only a sent or discarded draft stops it (discarding an older
        card of the same draft still discards it).
        """

        async def run(turn: Turn, press: FormPress) -> Reply:
            try:
                if not any_version:
                    await form_flow.up_to_date(
                        self.form,
                        self.ctx.store,
                        turn.actor.user_id,
                        press.draft_id,
                        press.version,
                        press.step,
                    )
                return await handle(turn, press)
            except StaleForm as stale:
                return await self._stale(turn, press, stale)

        return run

    async def _stale(self, turn: Turn, press: FormPress, stale: StaleForm) -> Reply:
        owner = turn.actor.user_id
        latest = await self.ctx.store.get_draft(owner, self.form.key)
        message = stale.message
        if isinstance(stale, form_flow.CardOutOfDate):
            latest = stale.draft
        elif self.sent_as is not None:
            said = await self.sent_as(owner, press.draft_id)
            message = f"{message} {said}" if said else message
        return card_reply(to_dict(build_stale_card(self.form, message, latest is not None)))


def form_actions(
    form: FormDefinition[Any],
    ctx: JourneyContext,
    submit: Callable[[Turn, FormPress], Awaitable[Reply]],
    sent_as: SentAs | None = None,
) -> tuple[CardAction[Any], ...]:
    """Every button of the form, each its own verb; `submit` is the journey's own.

    Teams resends an invoke that was slow to answer: each button answers a resend with
    its first answer, so a resent Next neither moves twice nor looks out of date.
    """
    buttons = FormButtons(form, ctx, sent_as)
    parse = press_parser(form)
    guarded = buttons.guarded
    return (
        CardAction(form.verb("new"), no_data, buttons.start),
        CardAction(form.verb("continue"), no_data, buttons.resume),
        CardAction(form.verb("help"), no_data, buttons.help),
        CardAction(form.verb("next"), parse, guarded(buttons.next), once_only=True),
        CardAction(form.verb("back"), parse, guarded(buttons.back), once_only=True),
        CardAction(form.verb("edit"), parse, guarded(buttons.edit), once_only=True),
        CardAction(form.verb("save"), parse, guarded(buttons.save), once_only=True),
        CardAction(
            form.verb("discard"), parse, guarded(buttons.discard, any_version=True), once_only=True
        ),
        CardAction(form.verb("submit"), parse, guarded(submit), once_only=True),
    )
