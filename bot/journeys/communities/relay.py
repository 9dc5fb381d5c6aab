"""The thread relay: the question's thread in the community channel, and the asker's chat.

A reply in the channel thread under a question's card reaches the asker in their
own chat with the bot, as a card they can answer from; their answer goes back into
the thread. Teams sends a thread reply with the conversation id
"<channel id>;messageid=<root message id>"; the root is the question's card.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import microsoft_teams.cards as ac
from microsoft_agents.activity import Activity

from bot.domain.commands import without_mentions
from bot.domain.communities import Question
from bot.errors import BadCardData, NotAllowed
from bot.journey import (
    CardAction,
    ChatCommand,
    JourneyContext,
    NotForMe,
    Part,
    Reply,
    Turn,
    message_reply,
)
from bot.journeys.communities.shared import Shared
from bot.notifier import Delivered
from cards.elements import (
    button,
    card,
    heading,
    labelled_user_text,
    para,
    to_dict,
)

REPLY = "relay.reply"  # the asker's "Send reply"
REPLY_TEXT = "reply_text"
MAX_REPLY = 2000  # characters in a reply
MAX_SHOWN = 4000  # characters of a thread reply shown to the asker
THREAD = ";messageid="
OWN_THREAD = "This is your question, so everyone here can see what you write. I did not pass it on."
SENT = "Sent. Your reply is in your question's thread in the community channel."


def thread_root(activity: Activity) -> tuple[str, str] | None:
    """(channel id, root message id) for a reply in a channel thread, else None.

    A new post carries its own id as the root: it is not a reply to anything.
    """
    conversation = activity.conversation
    if conversation is None or getattr(conversation, "conversation_type", "") != "channel":
        return None
    channel, _, root = (conversation.id or "").partition(THREAD)
    if not root or root == activity.id:
        return None
    return channel, root


def _channel_id(reference: Mapping[str, Any] | None) -> str:
    conversation = (reference or {}).get("conversation") or {}
    return str(conversation.get("id", "")).partition(THREAD)[0]


# Cards


def asker_card(question: Question, replier: str, text: str) -> dict[str, Any]:
    """What the asker sees when someone replies in their question's thread."""
    body: list[ac.CardElement] = [
        heading("A reply to your question"),
        para(f"Someone replied in the community channel about {question.reference}."),
        labelled_user_text("Your question", question.text, max_chars=300),
        labelled_user_text("Reply from", replier),
        labelled_user_text("They said", text, max_chars=MAX_SHOWN),
    ]
    if len(text) > MAX_SHOWN:
        body.append(
            para(
                f"This shows the first {MAX_SHOWN:,} characters. Read the whole reply in the "
                "question's thread in the community channel."
            )
        )
    body += [
        ac.TextInput(
            id=REPLY_TEXT,
            label="Your reply",
            is_multiline=True,
            max_length=MAX_REPLY,
            is_required=True,
            error_message="Type your reply before you send it.",
        ),
    ]
    reference = {"reference": question.reference}
    return to_dict(
        card(
            body,
            [button("Send reply", REPLY, reference, primary=True, validate=True)],
            fallback=f"A reply to your question {question.reference}.",
        )
    )


def thread_card(question: Question, text: str) -> dict[str, Any]:
    """The asker's reply, in the question's thread."""
    return to_dict(
        card(
            [
                para(f"Reply from the person who asked {question.reference}"),
                labelled_user_text("From", question.asker_name),
                labelled_user_text("They said", text),
            ],
            fallback=f"A reply from the person who asked {question.reference}.",
        )
    )


# From the thread to the asker


def other_command(ctx: JourneyContext, name: str) -> Any:
    """Any text that no other command of any journey reads: those still run as typed."""

    def read(said: str) -> str | None:
        if not said:
            return None
        for command in ctx.catalogue.commands:
            if command.name != name and command.match(said) is not None:
                return None
        return said

    return read


def from_thread(shared: Shared) -> Any:
    async def run(turn: Turn, _: str) -> None:
        root = thread_root(turn.activity)
        store = await shared.store()
        question = await store.question_by_message(root[1]) if root else None
        if root is None or question is None:
            raise NotForMe()
        channel = await shared.ctx.store.channel(shared.channel_purpose(question.community_id))
        if _channel_id(channel) != root[0]:
            raise NotForMe()  # the same message id in another channel
        if turn.actor.user_id == question.asker_id:
            await turn.send_text(OWN_THREAD)  # nothing to pass on: it is their question
            return
        text = without_mentions(turn.activity.text or "")
        result = await shared.ctx.notifier.deliver(
            question.asker_id,
            asker_card(question, turn.actor.name or "A member of the community", text),
            f"relay:{turn.activity.id}",
            via=shared.channel_purpose(question.community_id),  # to make a chat, if none
        )
        if result in (Delivered.SENT, Delivered.ALREADY):
            await turn.send_text(f"I have sent your reply to {question.asker_name}.")
        else:
            await turn.send_text(
                f"I could not reach {question.asker_name} in Teams chat, so they have not "
                "seen your reply. Please contact them another way."
            )

    return run


# From the asker to the thread


@dataclass(frozen=True)
class SendReply:
    reference: str
    text: str


def parse_reply(data: Mapping[str, Any]) -> SendReply:
    reference = data.get("reference")
    if not isinstance(reference, str) or not reference.strip() or len(reference) > 40:
        raise BadCardData("That card is not one I recognise. Nothing has changed.")
    text = data.get(REPLY_TEXT, "")
    if not isinstance(text, str):
        raise BadCardData("That card is not one I recognise. Nothing has changed.")
    return SendReply(reference.strip(), text.strip())


def reply_handler(shared: Shared) -> Any:
    async def handle(turn: Turn, command: SendReply) -> Reply:
        """The asker (from the Activity, never the card) replies into their question's thread.

        The answer is a message, so the card stays as it was, with the reply it answers."""
        store = await shared.store()
        question = await store.question(command.reference)
        if question is None:
            raise BadCardData("That question is not one I know. Nothing has changed.")
        if turn.actor.user_id != question.asker_id:
            raise NotAllowed("Only the person who asked this question can reply here.")
        if not command.text:
            raise BadCardData("Type your reply before you send it.")
        if len(command.text) > MAX_REPLY:
            raise BadCardData(
                f"Your reply is too long. Keep it under {MAX_REPLY:,} characters. "
                "Nothing has been sent."
            )
        posted = None
        if question.channel_message_id:
            posted = await shared.ctx.notifier.post_reply(
                shared.channel_purpose(question.community_id),
                question.channel_message_id,
                thread_card(question, command.text),
            )
        if posted is None:
            raise NotAllowed(
                "This question has no thread in a community channel now, so your reply "
                "was not sent."
            )
        return message_reply(
            "Sent. Your reply is in your question's thread in the community channel."
        )

    return handle


def part(ctx: JourneyContext, shared: Shared) -> Part:
    name = "reply in a question's thread"
    return Part(
        commands=(
            ChatCommand(
                name,
                from_thread(shared),
                read=other_command(ctx, name),
                where="channel",
                applies=lambda activity: thread_root(activity) is not None,
            ),
        ),
        actions=(CardAction(REPLY, parse_reply, reply_handler(shared), once_only=True),),
    )
