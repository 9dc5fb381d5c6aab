"""Thin turn handlers: parse, call one use case, build a card, send."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from microsoft_agents.activity import (
    Activity,
    ActivityTypes,
    AdaptiveCardInvokeResponse,
    Attachment,
    InvokeResponse,
)
from microsoft_agents.hosting.core import AgentApplication, TurnContext, TurnState
from microsoft_agents.hosting.core.app._routes import RouteRank

import cards.verbs as verbs
from bot.domain.commands import CommandName, parse_command
from bot.identity import channel_reference, chat_reference, conversation_type, requester_of
from bot.store.sqlite import SqliteStore
from bot.usecases import intake, lookup
from bot.usecases.errors import BadCardData, UserFacingError
from bot.usecases.triage_posting import TRIAGE, TriagePoster
from cards.elements import to_dict
from cards.form_card import build_form_card
from cards.request_cards import (
    build_confirmation_card,
    build_my_requests_card,
    build_status_card,
)
from cards.welcome import build_help_card, build_welcome_card

logger = logging.getLogger(__name__)

CARD_TYPE = "application/vnd.microsoft.card.adaptive"
MESSAGE_TYPE = "application/vnd.microsoft.activity.message"
SORRY = (
    "Sorry, something went wrong on our side. Nothing you typed has been lost. "
    "Please try again in a minute. If it keeps happening, contact the IT service desk."
)


@dataclass
class Deps:
    store: SqliteStore
    poster: TriagePoster
    admin_ids: frozenset[str]
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)

    def in_background(self, work: Awaitable[Any]) -> None:
        task: asyncio.Task[Any] = asyncio.ensure_future(work)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)


def card_response(card: dict[str, Any]) -> AdaptiveCardInvokeResponse:
    return AdaptiveCardInvokeResponse(status_code=200, type=CARD_TYPE, value=card)


def message_response(text: str) -> AdaptiveCardInvokeResponse:
    return AdaptiveCardInvokeResponse(status_code=200, type=MESSAGE_TYPE, value=text)


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


class Turns:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    # Messages ---------------------------------------------------------------

    async def on_members_added(self, context: TurnContext, state: TurnState) -> None:
        """One welcome per install: a card in a personal chat, a short note elsewhere."""
        activity = context.activity
        bot_id = activity.recipient.id if activity.recipient else ""
        added = activity.members_added or []
        people = [m for m in added if m.id != bot_id]
        if conversation_type(activity) == "personal":
            if people or any(m.id == bot_id for m in added):
                name = people[0].name if people and people[0].name else ""
                await self._send_card(context, to_dict(build_welcome_card(name or "")))
        elif any(m.id == bot_id for m in added):
            await context.send_activity(
                "Hello. I am Digital Front Door. An admin can type register triage in a "
                "channel to send new digital requests there for IT triage. Type help to see more."
            )

    async def on_message(self, context: TurnContext, state: TurnState) -> None:
        activity = context.activity
        if activity.value is not None and not activity.text:
            await context.send_activity(
                "That button works only in the newer Teams. Type help to see what to type instead."
            )
            return
        command = parse_command(activity.text or "")
        try:
            await self._run_command(context, command.name, command.argument)
        except UserFacingError as problem:
            await context.send_activity(problem.message)

    async def _run_command(self, context: TurnContext, name: CommandName, argument: str) -> None:
        activity = context.activity
        who = requester_of(activity)
        in_channel = conversation_type(activity) != "personal"
        if name is CommandName.REGISTER_TRIAGE:
            await self._register_triage(context)
        elif name is CommandName.HELP:
            await self._send_card(context, to_dict(build_help_card(in_channel)))
        elif name is CommandName.HELLO:
            await self._send_card(context, to_dict(build_welcome_card(who.name)))
        elif in_channel:
            await context.send_activity(
                "To raise or check a request, chat with me one to one: open my chat and type "
                "new request. In a channel I understand help and register triage."
            )
        elif name is CommandName.NEW_REQUEST:
            view = await intake.start(self.deps.store, who.user_id, self.deps.clock(), argument)
            await self._send_card(context, to_dict(build_form_card(view)))
        elif name is CommandName.CONTINUE:
            resumed = await intake.resume(self.deps.store, who.user_id)
            if resumed is None:
                await context.send_activity(
                    "You have no request in progress. Type new request to start one."
                )
            else:
                await self._send_card(context, to_dict(build_form_card(resumed)))
        elif name is CommandName.MY_REQUESTS:
            await self._send_card(context, await self._my_requests_card(who.user_id, None))
        elif name is CommandName.STATUS:
            found = await lookup.status(
                self.deps.store, who.user_id, argument, who.aad_object_id in self.deps.admin_ids
            )
            gov = await self.deps.store.governance()
            await self._send_card(context, to_dict(build_status_card(found, gov)))
        else:
            await context.send_activity(
                "Sorry, I did not understand that. You can type new request, continue, "
                "my requests, status and a reference (like status DR-2026-0001), or help."
            )

    async def _my_requests_card(self, user_id: str, token: str | None) -> dict[str, Any]:
        page = await lookup.my_requests(self.deps.store, user_id, token)
        return to_dict(build_my_requests_card(page, await self.deps.store.governance()))

    async def _register_triage(self, context: TurnContext) -> None:
        activity = context.activity
        who = requester_of(activity)
        if conversation_type(activity) != "channel":
            await context.send_activity(
                "Type register triage in the team channel where IT triage should see new requests."
            )
            return
        if who.aad_object_id not in self.deps.admin_ids:
            await context.send_activity(
                "Only a Digital Front Door admin can register the triage channel. "
                "Nothing has changed. Ask an admin if this channel should be used."
            )
            return
        await self.deps.store.register_channel(TRIAGE, channel_reference(activity), who.user_id)
        waiting = len(await self.deps.store.awaiting_triage_post(limit=1000))
        note = ""
        if waiting:
            plural = "request" if waiting == 1 else "requests"
            note = f" {waiting} waiting {plural} will be posted here now."
        await context.send_activity(
            "This channel is now the IT triage channel. New digital requests will appear here."
            + note
        )
        self.deps.in_background(self.deps.poster.post_waiting())

    async def _send_card(self, context: TurnContext, card: dict[str, Any]) -> None:
        activity = Activity(type=ActivityTypes.message, attachments=[_attachment(card)])
        await context.send_activity(activity)

    # Card actions -----------------------------------------------------------

    async def on_action(
        self, context: TurnContext, state: TurnState, data: Any
    ) -> AdaptiveCardInvokeResponse:
        """Every Action.Execute comes here: answer fast, with a card or a plain message."""
        verb = (
            context.activity.value.get("action", {}).get("verb")
            if isinstance(context.activity.value, dict)
            else None
        )
        try:
            response = await self._dispatch(context, str(verb), data)
        except UserFacingError as problem:
            response = message_response(problem.message)
        except Exception:
            logger.exception("Card action %s failed", verb)
            response = message_response(SORRY)
        return response

    async def _dispatch(
        self, context: TurnContext, verb: str, data: Any
    ) -> AdaptiveCardInvokeResponse:
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
                await self._my_requests_card(who.user_id, token if isinstance(token, str) else None)
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
        await _send_invoke_response(
            context,
            message_response("That button is not one I recognise. Type help to see what I can do."),
        )

    async def on_error(self, context: TurnContext, error: Exception) -> None:
        logger.exception("Unhandled error in a turn", exc_info=error)
        if context.activity.type == ActivityTypes.message:
            await context.send_activity(SORRY)


def _attachment(card: dict[str, Any]) -> Attachment:
    return Attachment(content_type=CARD_TYPE, content=card)


async def _send_invoke_response(context: TurnContext, body: AdaptiveCardInvokeResponse) -> None:
    await context.send_activity(
        Activity(
            type=ActivityTypes.invoke_response,
            value=InvokeResponse(
                status=200, body=body.model_dump(mode="json", by_alias=True, exclude_none=True)
            ),
        )
    )


def register_routes(app: AgentApplication[TurnState], turns: Turns) -> None:
    app.conversation_update("membersAdded")(turns.on_members_added)
    app.message()(turns.on_message)
    app.adaptive_card.action_execute(re.compile(r".*", re.DOTALL))(turns.on_action)
    app.add_route(
        lambda context: context.activity.type == ActivityTypes.invoke,
        turns.on_other_invoke,
        is_invoke=True,
        rank=RouteRank.LAST,
    )
    app.error(turns.on_error)
