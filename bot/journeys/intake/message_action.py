""" "Raise as a digital request" on any Teams message: a dialog with the request's title
and description filled in from the message, saved as the person's request draft.

The dialog asks only what a message can answer; the rest of the form comes to the
person's chat with the bot, where `continue` also opens it. Both answers are quick (one
read, at most one write): sending the form to the chat happens after the answer.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from typing import Any

from bot import form_flow
from bot.domain.forms import FormView, raw_values, validate_step
from bot.journey import Actor, JourneyContext, MessageAction, Turn
from bot.journeys.intake.form import REQUEST_FORM
from bot.journeys.intake.message_text import message_link, prefill
from bot.message_actions import task_message
from cards.elements import to_dict
from cards.form_card import build_form_card
from cards.message_action_cards import Dialog, dialog_task

logger = logging.getLogger(__name__)

COMMAND_ID = "raiseDigitalRequest"
TITLE = "Raise as a digital request"
DESCRIPTION = (
    "Start a digital request from this message, with its words and a link to it filled in."
)
# The questions of the form's first step that a message can answer.
ASKED = ("title", "problem")

SHORTENED = (
    "The message was too long to fit in the description, so we have copied its first "
    "part. The link at the end of the description goes to the whole message."
)
NO_WORDS = (
    "The message has no words we could copy, so the title and description are empty. "
    "Type them in yourself."
)
NOT_READ = (
    "We could not read the message you chose, so nothing is filled in. Type the title "
    "and description yourself."
)
UNREADABLE_SUBMIT = (
    "We could not read what the dialog sent, so nothing was saved. Choose Raise as a "
    "digital request on the message again."
)
SAVED = (
    "Your draft request is saved. We have sent it to your chat with Digital Front Door: "
    "answer the other questions there, then send it. If you cannot see it, open the chat "
    "and type continue."
)
FROM_MESSAGE = (
    "We started this request from a Teams message. Check the title and description, "
    "answer the other questions, then choose Next."
)


def busy(where: str) -> str:
    return (
        f"You already have a request in progress, {where}. Finish or discard it first: open "
        "your chat with Digital Front Door and type continue. Then choose Raise as a "
        "digital request on this message again."
    )


SAVE_AGAIN = (
    "This was not saved, because your request changed in another window at the same "
    "moment. Your words are still here. Choose Save again."
)


def busy_on_save(where: str) -> str:
    return (
        f"You already have a request in progress, {where}, so this one was not saved. "
        "Your words are still here. Finish or discard the other request in your chat "
        "with Digital Front Door (type continue), then choose Save again."
    )


def raise_request(ctx: JourneyContext) -> MessageAction:
    store = ctx.store
    fields = REQUEST_FORM.fields
    asked = tuple(fields[name] for name in ASKED)

    async def in_progress(owner_id: str) -> str:
        draft = await store.get_draft(owner_id, REQUEST_FORM.key)
        return "" if draft is None else form_flow.where_it_is(REQUEST_FORM, draft)

    async def fetch(turn: Turn, value: Mapping[str, Any]) -> Mapping[str, Any]:
        if where := await in_progress(turn.actor.user_id):
            return task_message(busy(where))
        payload = value.get("messagePayload")
        if not isinstance(payload, Mapping):
            return dialog_task(Dialog(asked, {}, notes=(NOT_READ,)))
        filled = prefill(
            payload, fields["title"].max_length or 0, fields["problem"].max_length or 0
        )
        notes: tuple[str, ...] = (SHORTENED,) if filled.shortened else ()
        if not filled.title:
            notes += (NO_WORDS,)
        values = {"title": filled.title, "problem": filled.description}
        return dialog_task(Dialog(asked, values, notes=notes, link=filled.link))

    async def submit(turn: Turn, value: Mapping[str, Any]) -> Mapping[str, Any]:
        data = value.get("data")
        if not isinstance(data, Mapping):
            return task_message(UNREADABLE_SUBMIT)
        payload = value.get("messagePayload")
        link = message_link(payload) if isinstance(payload, Mapping) else ""
        values = {k: v for k, v in raw_values(REQUEST_FORM, data, 1).items() if k in ASKED}
        checked = validate_step(REQUEST_FORM, 1, values, ctx.now().date())
        errors = {name: message for name, message in checked.items() if name in ASKED}
        if errors:
            return dialog_task(Dialog(asked, values, errors, link=link))
        owner = turn.actor.user_id
        existing = await store.get_draft(owner, REQUEST_FORM.key)
        if existing is None:
            view = await form_flow.start_new(REQUEST_FORM, store, owner, ctx.now(), values)
            if view is not None:
                ctx.in_background(send_form(turn.actor, view, turn.in_channel))
                return task_message(SAVED)
            # A retry reached another instance, which saved first: judge against that.
            existing = await store.get_draft(owner, REQUEST_FORM.key)
            if existing is None:  # and it was discarded at once
                return dialog_task(Dialog(asked, values, notes=(SAVE_AGAIN,), link=link))
        if any(existing.values.get(k) != values[k] for k in ASKED):
            where = form_flow.where_it_is(REQUEST_FORM, existing)
            return dialog_task(Dialog(asked, values, notes=(busy_on_save(where),), link=link))
        return task_message(SAVED)  # Teams sent the same save twice: it is saved already

    async def send_form(actor: Actor, view: FormView, elsewhere: bool) -> None:
        """The form in the person's own chat, once per draft; made if they have none yet."""
        card = to_dict(build_form_card(dataclasses.replace(view, notice=FROM_MESSAGE)))
        try:
            if elsewhere:  # their Teams id, so a chat with them can be made
                await store.remember_person(actor.user_id, actor.teams_id, actor.name)
            sent = await ctx.notifier.deliver(
                actor.user_id, card, f"message-action:{view.draft.draft_id}"
            )
            logger.info("Draft %s from a message action: %s", view.draft.draft_id, sent)
        except Exception:
            logger.exception("Could not send draft %s to its owner's chat", view.draft.draft_id)

    return MessageAction(COMMAND_ID, TITLE, DESCRIPTION, fetch, submit)
