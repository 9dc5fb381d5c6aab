"""Card actions (Action.Execute): answer fast, with a card or a plain message."""

from __future__ import annotations

import logging
import re
from typing import Any

from microsoft_agents.activity import AdaptiveCardInvokeResponse
from microsoft_agents.hosting.core import TurnContext, TurnState

import cards.verbs as verbs
from bot.handlers.common import (
    SORRY,
    Deps,
    card_response,
    message_response,
    send_invoke_response,
)
from bot.handlers.messages import my_requests_card
from bot.handlers.triage import TriageActions
from bot.identity import chat_reference, requester_of
from bot.usecases import intake, lookup
from bot.usecases.errors import BadCardData, UserFacingError
from cards.elements import to_dict
from cards.form_card import build_form_card
from cards.request_cards import build_confirmation_card, build_status_card
from cards.welcome import build_help_card

logger = logging.getLogger(__name__)


def _form_data(data: Any) -> tuple[str, int]:
    """The draft id and step a form card carries; anything else is not from our cards."""
    if not isinstance(data, dict):
        raise BadCardData("That button sent something I did not expect. Type continue to go on.")
    draft_id, step = data.get("draftId"), data.get("step")
    if not isinstance(draft_id, str) or not re.fullmatch(r"[0-9a-f]{32}", draft_id):
        raise BadCardData("That form is not one I recognise. Type continue to open your draft.")
    if isinstance(step, bool) or not isinstance(step, int) or not 1 <= step <= intake.REVIEW_STEP:
        raise BadCardData("That form step is not one I recognise. Type continue to go on.")
    return draft_id, step


class CardActions:
    def __init__(self, deps: Deps, triage: TriageActions) -> None:
        self.deps = deps
        self.triage = triage

    async def on_action(
        self, context: TurnContext, state: TurnState, data: Any
    ) -> AdaptiveCardInvokeResponse:
        """Every Action.Execute comes here: answer fast, with a card or a plain message."""
        verb = (
            context.activity.value.get("action", {}).get("verb")
            if isinstance(context.activity.value, dict)
            else None
        )
        return await self.respond(context, str(verb), data)

    async def respond(
        self, context: TurnContext, verb: str, data: Any
    ) -> AdaptiveCardInvokeResponse:
        """One answer for a button, whichever way it came (Action.Execute or Action.Submit)."""
        try:
            response = await self._dispatch(context, verb, data)
        except UserFacingError as problem:
            response = message_response(problem.message)
        except Exception:
            logger.exception("Card action %s failed", verb)
            response = message_response(SORRY)
        return response

    async def _dispatch(
        self, context: TurnContext, verb: str, data: Any
    ) -> AdaptiveCardInvokeResponse:
        if verb in verbs.TRIAGE:
            return await self.triage.handle(context, verb, data)
        if verb == verbs.REQUEST_ANSWER:
            return await self.triage.answer(context, data)
        who = requester_of(context.activity)
        now = self.deps.clock()
        store = self.deps.store
        if verb == verbs.NEW_REQUEST:
            return card_response(
                to_dict(build_form_card(await intake.start(store, who.user_id, now)))
            )
        if verb == verbs.CONTINUE:
            resumed = await intake.resume(store, who.user_id)
            if resumed is None:
                return message_response("You have no request in progress. Type new request.")
            return card_response(to_dict(build_form_card(resumed)))
        if verb == verbs.HELP:
            return card_response(to_dict(build_help_card()))
        if verb == verbs.MY_REQUESTS:
            token = data.get("page") if isinstance(data, dict) else None
            return card_response(
                await my_requests_card(
                    self.deps, who.user_id, token if isinstance(token, str) else None
                )
            )
        if verb == verbs.SHOW_REQUEST:
            reference = data.get("reference") if isinstance(data, dict) else None
            if not isinstance(reference, str):
                raise BadCardData("That button did not say which request. Type my requests.")
            found = await lookup.status(store, who.user_id, reference)
            return card_response(to_dict(build_status_card(found, await store.governance())))
        if verb in (
            verbs.FORM_NEXT,
            verbs.FORM_BACK,
            verbs.FORM_EDIT,
            verbs.FORM_SAVE,
            verbs.FORM_DISCARD,
            verbs.FORM_SUBMIT,
        ):
            return await self._form_action(context, verb, data)
        raise BadCardData(
            "That button is not one I recognise. It may be from an older card. Type help."
        )

    async def _form_action(
        self, context: TurnContext, verb: str, data: Any
    ) -> AdaptiveCardInvokeResponse:
        draft_id, step = _form_data(data)
        who = requester_of(context.activity)
        now = self.deps.clock()
        store = self.deps.store
        if verb == verbs.FORM_DISCARD:
            await intake.discard(store, who.user_id, draft_id)
            return card_response(to_dict(build_help_card()))
        if verb == verbs.FORM_SAVE:
            saved = await intake.save_for_later(store, who.user_id, draft_id, step, data, now)
            view = intake.FormView(
                saved, saved.step, {}, "Saved. Type continue to finish it later."
            )
            return card_response(to_dict(build_form_card(view)))
        if verb == verbs.FORM_SUBMIT:
            return await self._submit(context, draft_id)
        target = step + 1 if verb == verbs.FORM_NEXT else step - 1
        if verb == verbs.FORM_EDIT:
            goto = data.get("goto")
            if isinstance(goto, bool) or not isinstance(goto, int):
                raise BadCardData("That button did not say which part to change. Type continue.")
            target = goto
        view = await intake.move(store, who.user_id, draft_id, step, data, target, now)
        return card_response(to_dict(build_form_card(view)))

    async def _submit(self, context: TurnContext, draft_id: str) -> AdaptiveCardInvokeResponse:
        who = requester_of(context.activity)
        store = self.deps.store
        result = await intake.submit(
            store, store, store, who.user_id, draft_id, who, self.deps.clock()
        )
        if isinstance(result, intake.FormView):
            return card_response(to_dict(build_form_card(result)))
        await store.remember_personal_chat(who.user_id, chat_reference(context.activity))
        self.deps.in_background(self.deps.poster.post_waiting())
        gov = await store.governance()
        return card_response(to_dict(build_confirmation_card(result, gov)))

    async def on_other_invoke(self, context: TurnContext, state: TurnState) -> None:
        await send_invoke_response(
            context,
            message_response("That button is not one I recognise. Type help to see what I can do."),
        )
