"""Text messages and installs: commands typed in a chat or a channel."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from microsoft_agents.activity import AdaptiveCardInvokeResponse
from microsoft_agents.hosting.core import TurnContext, TurnState

from bot.domain.commands import CommandName, parse_command
from bot.handlers.common import CARD_TYPE, Deps, send_card
from bot.identity import channel_reference, conversation_type, requester_of
from bot.usecases import intake, lookup
from bot.usecases.errors import UserFacingError
from bot.usecases.triage_posting import TRIAGE
from cards.elements import to_dict
from cards.form_card import build_form_card
from cards.request_cards import build_my_requests_card, build_status_card
from cards.welcome import build_help_card, build_welcome_card

# Answers a button pressed in a client that sends Action.Submit: (context, verb, data).
SubmitHandler = Callable[[TurnContext, str, Any], Awaitable[AdaptiveCardInvokeResponse]]


class MessageTurns:
    def __init__(self, deps: Deps, on_submit: SubmitHandler | None = None) -> None:
        self.deps = deps
        self.on_submit = on_submit

    async def on_members_added(self, context: TurnContext, state: TurnState) -> None:
        """One welcome per install: a card in a personal chat, a short note elsewhere."""
        activity = context.activity
        bot_id = activity.recipient.id if activity.recipient else ""
        added = activity.members_added or []
        people = [m for m in added if m.id != bot_id]
        if conversation_type(activity) == "personal":
            if people or any(m.id == bot_id for m in added):
                name = people[0].name if people and people[0].name else ""
                await send_card(context, to_dict(build_welcome_card(name or "")))
        elif any(m.id == bot_id for m in added):
            await context.send_activity(
                "Hello. I am Digital Front Door. An admin can type register triage in a "
                "channel to send new digital requests there for IT triage. Type help to see more."
            )

    async def on_message(self, context: TurnContext, state: TurnState) -> None:
        activity = context.activity
        if activity.value is not None and not activity.text:
            await self._submitted(context, activity.value)
            return
        command = parse_command(activity.text or "")
        try:
            await self._run_command(context, command.name, command.argument)
        except UserFacingError as problem:
            await context.send_activity(problem.message)

    async def _submitted(self, context: TurnContext, value: Any) -> None:
        """A button from a client without Universal Actions: the same answer, as a message."""
        verb = value.get("verb") if isinstance(value, dict) else None
        if self.on_submit is None or not isinstance(verb, str):
            await context.send_activity(
                "That button is not one I recognise. Type help to see what I can do."
            )
            return
        answer = await self.on_submit(context, verb, value)
        if answer.type == CARD_TYPE and isinstance(answer.value, dict):
            await send_card(context, answer.value)
        else:
            await context.send_activity(str(answer.value))

    async def _run_command(self, context: TurnContext, name: CommandName, argument: str) -> None:
        activity = context.activity
        who = requester_of(activity)
        in_channel = conversation_type(activity) != "personal"
        if name is CommandName.REGISTER_TRIAGE:
            await self._register_triage(context)
        elif name is CommandName.HELP:
            await send_card(context, to_dict(build_help_card(in_channel)))
        elif name is CommandName.HELLO:
            await send_card(context, to_dict(build_welcome_card(who.name)))
        elif in_channel:
            await context.send_activity(
                "To raise or check a request, chat with me one to one: open my chat and type "
                "new request. In a channel I understand help and register triage."
            )
        elif name is CommandName.NEW_REQUEST:
            view = await intake.start(self.deps.store, who.user_id, self.deps.clock(), argument)
            await send_card(context, to_dict(build_form_card(view)))
        elif name is CommandName.CONTINUE:
            resumed = await intake.resume(self.deps.store, who.user_id)
            if resumed is None:
                await context.send_activity(
                    "You have no request in progress. Type new request to start one."
                )
            else:
                await send_card(context, to_dict(build_form_card(resumed)))
        elif name is CommandName.MY_REQUESTS:
            await send_card(context, await my_requests_card(self.deps, who.user_id, None))
        elif name is CommandName.STATUS:
            found = await lookup.status(
                self.deps.store, who.user_id, argument, who.aad_object_id in self.deps.admin_ids
            )
            gov = await self.deps.store.governance()
            await send_card(context, to_dict(build_status_card(found, gov)))
        else:
            await context.send_activity(
                "Sorry, I did not understand that. You can type new request, continue, "
                "my requests, status and a reference (like status DR-2026-0001), or help."
            )

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
        sender = activity.from_property
        if sender and sender.id:
            await self.deps.store.remember_person(who.user_id, sender.id, who.name)
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


async def my_requests_card(deps: Deps, user_id: str, token: str | None) -> dict[str, Any]:
    page = await lookup.my_requests(deps.store, user_id, token)
    return to_dict(build_my_requests_card(page, await deps.store.governance()))
