"""The buttons every form has, as card actions: start, next, back, change, save, discard,
continue. A journey adds what sending its form does."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bot import form_flow
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
    """A press of one of a form's buttons: which draft, which step, what was typed."""

    draft_id: str
    step: int
    answers: Mapping[str, Any]
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
        return FormPress(draft_id, step, data, goto)

    return parse


def no_data(data: Mapping[str, Any]) -> NoData:
    return NoData()


def form_actions(
    form: FormDefinition[Any],
    ctx: JourneyContext,
    submit: Callable[[Turn, FormPress], Awaitable[Reply]],
) -> tuple[CardAction[Any], ...]:
    """Every button of the form, each its own verb; `submit` is the journey's own."""
    drafts = ctx.store

    async def start(turn: Turn, _: NoData) -> Reply:
        return form_card(await form_flow.start(form, drafts, turn.actor.user_id, ctx.now()))

    async def resume(turn: Turn, _: NoData) -> Reply:
        view = await form_flow.resume(form, drafts, turn.actor.user_id)
        if view is None:
            return message_reply(
                f"You have no {form.noun} in progress. Type {form.start_command} to start one."
            )
        return form_card(view)

    def moving(direction: str) -> Callable[[Turn, FormPress], Awaitable[Reply]]:
        async def move(turn: Turn, press: FormPress) -> Reply:
            if direction == "edit" and press.goto is None:
                raise BadCardData("That button did not say which part to change. Type continue.")
            step = press.step
            target = (
                press.goto if direction == "edit" else step + (1 if direction == "next" else -1)
            )
            view = await form_flow.move(
                form,
                drafts,
                turn.actor.user_id,
                press.draft_id,
                step,
                press.answers,
                int(target or step),
                ctx.now(),
            )
            return form_card(view)

        return move

    async def save(turn: Turn, press: FormPress) -> Reply:
        view = await form_flow.save_for_later(
            form, drafts, turn.actor.user_id, press.draft_id, press.step, press.answers, ctx.now()
        )
        return form_card(view)

    async def discard(turn: Turn, press: FormPress) -> Reply:
        await form_flow.discard(form, drafts, turn.actor.user_id, press.draft_id)
        catalogue = ctx.catalogue
        return card_reply(
            to_dict(build_help_card(catalogue.help_lines(turn.in_channel), catalogue.menu))
        )

    parse = press_parser(form)
    return (
        CardAction(form.verb("new"), no_data, start),
        CardAction(form.verb("continue"), no_data, resume),
        CardAction(form.verb("next"), parse, moving("next")),
        CardAction(form.verb("back"), parse, moving("back")),
        CardAction(form.verb("edit"), parse, moving("edit")),
        CardAction(form.verb("save"), parse, save),
        CardAction(form.verb("discard"), parse, discard),
        # Teams resends a slow invoke: a second Send gets the first answer, nothing twice.
        CardAction(form.verb("submit"), parse, submit, once_only=True),
    )
