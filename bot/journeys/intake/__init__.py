"""Raise a digital request: the requirements-gathering form, drafts, and sending it."""

from __future__ import annotations

from bot import form_flow
from bot.domain.forms import FormView
from bot.domain.model import Requester
from bot.form_actions import FormPress, form_actions, form_card
from bot.identity import chat_reference
from bot.journey import (
    REQUEST_SUBMITTED,
    ChatCommand,
    Journey,
    JourneyContext,
    MenuButton,
    Reply,
    Turn,
    card_reply,
)
from bot.journeys.intake import usecases
from bot.journeys.intake.form import REQUEST_FORM
from cards import verbs
from cards.elements import to_dict
from cards.form_card import build_form_card
from cards.request_cards import build_confirmation_card

NEW_PHRASES = (
    "new request",
    "new",
    "request",
    "raise a request",
    "raise request",
    "make a request",
    "new digital request",
)
# "I need a way to book rooms online" starts a request titled "a way to book rooms online".
NEED_PREFIXES = ("i need ", "i'd like ", "i would like ", "we need ", "can i have ", "can we have ")
CONTINUE_PHRASES = ("continue", "resume", "carry on", "continue my request")


def requester(turn: Turn) -> Requester:
    actor = turn.actor
    return Requester(user_id=actor.user_id, name=actor.name, aad_object_id=actor.aad_object_id)


def register(ctx: JourneyContext) -> Journey:
    store = ctx.store

    async def new_request(turn: Turn, title: str) -> None:
        prefill = {"title": title[:120]} if title else None
        view = await form_flow.start(REQUEST_FORM, store, turn.actor.user_id, ctx.now(), prefill)
        await turn.send_card(to_dict(build_form_card(view)))

    async def carry_on(turn: Turn, _: str) -> None:
        view = await form_flow.resume(REQUEST_FORM, store, turn.actor.user_id, ctx.now())
        if view is None:
            await turn.send_text("You have no request in progress. Type new request to start one.")
            return
        await turn.send_card(to_dict(build_form_card(view)))

    async def send(turn: Turn, press: FormPress) -> Reply:
        chat = chat_reference(turn.activity, ctx.reply_hosts)  # where news reaches them
        result = await usecases.submit(
            store, store, store, requester(turn), press.draft_id, ctx.now()
        )
        if isinstance(result, FormView):
            return form_card(result)
        await store.remember_personal_chat(turn.actor.user_id, chat)
        ctx.events.publish(REQUEST_SUBMITTED, result)
        return card_reply(to_dict(build_confirmation_card(result, await store.governance())))

    async def sent_as(owner_id: str, draft_id: str) -> str:
        """What an old card of a sent request says: its reference, to its requester only."""
        sent = await store.by_draft(draft_id)
        if sent is None or sent.requester.user_id != owner_id:
            return ""
        return f"It was sent as {sent.reference}. Type status {sent.reference} to see where it is."

    return Journey(
        name="intake",
        commands=(
            ChatCommand(
                "new request",
                new_request,
                menu_rank=1,
                phrases=NEW_PHRASES,
                prefixes=NEED_PREFIXES,
                help="Ask for something digital, or tell IT before you buy or renew software.",
            ),
            ChatCommand(
                "continue",
                carry_on,
                phrases=CONTINUE_PHRASES,
                help="Carry on with a request you started.",
            ),
        ),
        actions=form_actions(REQUEST_FORM, ctx, send, sent_as),
        menu=(MenuButton("Raise a new request", verbs.NEW_REQUEST, primary=True),),
    )
