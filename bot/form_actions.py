"""The buttons every form has, as card actions: start, next, back, change, save, discard,
continue. A journey adds what sending its form does."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bot import form_flow
from bot.domain import forms
from bot.domain.forms import FormDefinition, FormView
from bot.errors import BadCardData
from bot.journey import CardAction, JourneyContext, Reply, Turn, card_reply, message_reply
from cards.elements import to_dict
from cards.form_card import build_form_card
from cards.welcome import build_help_card

# Card data a form's buttons carry, by the names the form card uses.
DRAFT_ID = "draftId"
STEP = "step"
GOTO = "goto"


@dataclass(frozen=True)
class FormPress:
    """A press of one of a form's buttons: which draft, which step, and what was typed
    on that step, as the strings a draft keeps (nothing from the review page)."""

    draft_id: str
    step: int
    answers: dict[str, str]
    goto: int | None = None


@dataclass(frozen=True)
class NoData:
    """A button that carries nothing we read (start, continue)."""


def form_card(view: FormView) -> Reply:
    return card_reply(to_dict(build_form_card(view)))


def press_parser(form: FormDefinition[Any]) -> Callable[[Mapping[str, Any]], FormPress]:
    def parse(data: Mapping[str, Any]) -> FormPress:
        draft_id, step, goto = data.get(DRAFT_ID), data.get(STEP), data.get(GOTO)
        if not isinstance(draft_id, str) or not re.fullmatch(r"[0-9a-f]{32}", draft_id):
            command = form.resume_command or form.start_command
            raise BadCardData(
                f"That form is not one I recognise. Type {command} to open your draft."
            )
        if isinstance(step, bool) or not isinstance(step, int) or not 1 <= step <= form.review_step:
            raise BadCardData("That form step is not one I recognise. Type continue to go on.")
        if goto is not None and (isinstance(goto, bool) or not isinstance(goto, int)):
            raise BadCardData("That button did not say which part to change. Type continue.")
        answers = forms.raw_values(form, data, step) if step < form.review_step else {}
        return FormPress(draft_id, step, answers, goto)

    return parse


def no_data(data: Mapping[str, Any]) -> NoData:
    return NoData()


class FormButtons:
    """The handlers of one form's buttons."""

    def __init__(self, form: FormDefinition[Any], ctx: JourneyContext) -> None:
        self.form = form
        self.ctx = ctx

    async def start(self, turn: Turn, _: NoData) -> Reply:
        view = await form_flow.start(self.form, self.ctx.store, turn.actor.user_id, self.ctx.now())
        return form_card(view)

    async def resume(self, turn: Turn, _: NoData) -> Reply:
        view = await form_flow.resume(self.form, self.ctx.store, turn.actor.user_id)
        if view is None:
            form = self.form
            return message_reply(
                f"You have no {form.noun} in progress. Type {form.start_command} to start one."
            )
        return form_card(view)

    async def next(self, turn: Turn, press: FormPress) -> Reply:
        return await self._move(turn, press, press.step + 1)

    async def back(self, turn: Turn, press: FormPress) -> Reply:
        return await self._move(turn, press, press.step - 1)

    async def edit(self, turn: Turn, press: FormPress) -> Reply:
        if press.goto is None:
            raise BadCardData("That button did not say which part to change. Type continue.")
        return await self._move(turn, press, press.goto)

    async def _move(self, turn: Turn, press: FormPress, target: int) -> Reply:
        view = await form_flow.move(
            self.form,
            self.ctx.store,
            turn.actor.user_id,
            press.draft_id,
            press.step,
            press.answers,
            target,
            self.ctx.now(),
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
        )
        return form_card(view)

    async def discard(self, turn: Turn, press: FormPress) -> Reply:
        await form_flow.discard(self.form, self.ctx.store, turn.actor.user_id, press.draft_id)
        catalogue = self.ctx.catalogue
        lines = catalogue.help_lines(turn.in_channel)
        return card_reply(to_dict(build_help_card(lines, catalogue.menu)))


def form_actions(
    form: FormDefinition[Any],
    ctx: JourneyContext,
    submit: Callable[[Turn, FormPress], Awaitable[Reply]],
) -> tuple[CardAction[Any], ...]:
    """Every button of the form, each its own verb; `submit` is the journey's own."""
    buttons = FormButtons(form, ctx)
    parse = press_parser(form)
    return (
        CardAction(form.verb("new"), no_data, buttons.start),
        CardAction(form.verb("continue"), no_data, buttons.resume),
        CardAction(form.verb("next"), parse, buttons.next),
        CardAction(form.verb("back"), parse, buttons.back),
        CardAction(form.verb("edit"), parse, buttons.edit),
        CardAction(form.verb("save"), parse, buttons.save),
        CardAction(form.verb("discard"), parse, buttons.discard),
        # Teams resends a slow invoke: a second Send gets the first answer, nothing twice.
        CardAction(form.verb("submit"), parse, submit, once_only=True),
    )
