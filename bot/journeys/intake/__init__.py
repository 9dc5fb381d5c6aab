"""Raise a digital request: the requirements-gathering form, drafts, and sending it."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot import form_flow
from bot.domain.forms import FormView
from bot.domain.model import DigitalRequest, Requester
from bot.domain.references import parse_reference
from bot.errors import BadCardData
from bot.form_actions import FormButtons, FormPress, form_actions, form_card, press_parser
from bot.identity import chat_reference
from bot.journey import (
    REQUEST_CHANGED,
    REQUEST_SUBMITTED,
    Actor,
    CardAction,
    ChatCommand,
    Journey,
    JourneyContext,
    MenuButton,
    Reply,
    Turn,
    card_reply,
)
from bot.journeys.intake import api, message_action, similar, usecases
from bot.journeys.intake.form import REQUEST_FORM
from cards import verbs
from cards.elements import to_dict
from cards.form_card import DRAFT_ID, FROM_REVIEW, STEP, VERSION, build_form_card
from cards.request_cards import build_confirmation_card
from cards.similar_cards import (
    JOIN,
    REFERENCE,
    SEND_ANYWAY,
    build_also_affected_news_card,
    build_also_affected_thread_card,
    build_joined_card,
    build_same_need_card,
)

logger = logging.getLogger(__name__)

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


@dataclass(frozen=True)
class Join:
    """Add me as also affected: which request, and the draft the card was drawn for."""

    reference: str
    draft_id: str


def parse_join(data: Mapping[str, Any]) -> Join:
    reference, draft_id = data.get(REFERENCE), data.get(DRAFT_ID)
    if not isinstance(reference, str) or parse_reference(reference) is None:
        raise BadCardData("That button did not say which request to join. Nothing changed.")
    if not isinstance(draft_id, str) or not re.fullmatch(r"[0-9a-f]{32}", draft_id):
        raise BadCardData("That button did not say which draft it is for. Nothing changed.")
    return Join(reference.strip().upper(), draft_id)


def send_data(press: FormPress) -> dict[str, Any]:
    """What the form's Send button carried, for "send mine as a new request"."""
    data: dict[str, Any] = {DRAFT_ID: press.draft_id, STEP: press.step}
    if press.version:
        data[VERSION] = press.version
    if press.from_review:
        data[FROM_REVIEW] = True
    return data


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
        """Before sending, open requests that look like the same need, if there are any."""
        owner = turn.actor.user_id
        same = await similar.same_needs(store, store, owner, press.draft_id)
        if same:
            return card_reply(to_dict(build_same_need_card(same, owner, send_data(press))))
        return await send_now(turn, press)

    async def send_now(turn: Turn, press: FormPress) -> Reply:
        chat = chat_reference(turn.activity, ctx.reply_hosts)  # where news reaches them
        result = await usecases.submit(
            store, store, store, requester(turn), press.draft_id, ctx.now()
        )
        if isinstance(result, FormView):
            return form_card(result)
        await store.remember_personal_chat(turn.actor.user_id, chat)
        ctx.events.publish(REQUEST_SUBMITTED, result)
        return card_reply(to_dict(build_confirmation_card(result, await store.governance())))

    async def join(turn: Turn, wanted: Join) -> Reply:
        joined = await similar.join(
            store, store, turn.actor, wanted.draft_id, wanted.reference, ctx.now()
        )
        ctx.events.publish(REQUEST_CHANGED, joined)  # IT triage's card shows the count
        ctx.in_background(tell_about_join(joined, turn.actor))
        return card_reply(to_dict(build_joined_card(joined)))

    async def tell_about_join(joined: DigitalRequest, actor: Actor) -> None:
        """The requester in their chat, and IT triage in the request's thread."""
        reference = joined.reference
        try:
            news = to_dict(build_also_affected_news_card(joined, actor.name))
            key = f"{reference}:also-affected:{actor.user_id}"
            await ctx.notifier.tell(joined.requester.user_id, news, key)
            message_id = await store.triage_message_id(reference)
            if message_id and message_id != "-":
                thread = to_dict(build_also_affected_thread_card(joined, actor.name))
                await ctx.notifier.post_reply("triage", message_id, thread)
        except Exception:
            logger.exception("Could not tell anyone that %s has more people affected", reference)

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
        actions=(
            *form_actions(REQUEST_FORM, ctx, send, sent_as),
            CardAction(JOIN, parse_join, join, once_only=True),
            CardAction(
                SEND_ANYWAY,
                press_parser(REQUEST_FORM),
                FormButtons(REQUEST_FORM, ctx, sent_as).guarded(send_now),
                once_only=True,
            ),
        ),
        menu=(MenuButton("Raise a new request", verbs.NEW_REQUEST, primary=True),),
        operations=api.operations(ctx),
        message_actions=(message_action.raise_request(ctx),),
    )
