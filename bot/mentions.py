"""Who a message @mentions, as Entra object ids.

Teams puts each @mention in the message's entities, with the person's Teams id and,
not always, their Entra object id. Journeys that name people by mention (a community's
lead, a board's members, a member's deputy) read them here.
"""

from __future__ import annotations

import logging
import re

from microsoft_agents.activity import ChannelAccount
from microsoft_agents.hosting.core.connector import ConnectorClientBase

from bot.journey import Turn

logger = logging.getLogger(__name__)

_ENTRA_ID = re.compile(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", re.IGNORECASE)


def _mentions(turn: Turn) -> list[ChannelAccount]:
    found: list[ChannelAccount] = []
    for entity in turn.activity.entities or []:
        if getattr(entity, "type", "") != "mention":
            continue
        mentioned = getattr(entity, "mentioned", None)
        if isinstance(mentioned, ChannelAccount) and mentioned.id:
            found.append(mentioned)
    return found


def mentioned(turn: Turn) -> list[ChannelAccount]:
    """People @mentioned in the message, not the bot, each once."""
    bot_id = turn.activity.recipient.id if turn.activity.recipient else ""
    people: dict[str, ChannelAccount] = {}
    for person in _mentions(turn):
        if person.id != bot_id:
            people[person.id] = person
    return list(people.values())


def bot_named(turn: Turn) -> bool:
    """The bot is @mentioned as a person the message is about, not only addressed: in a
    channel Teams sends one mention of the bot to reach it, so a second one names it."""
    bot_id = turn.activity.recipient.id if turn.activity.recipient else ""
    times = sum(1 for person in _mentions(turn) if bot_id and person.id == bot_id)
    return times > (1 if turn.in_channel else 0)


async def entra_id(turn: Turn, person: ChannelAccount) -> str:
    """The mentioned person's Entra object id. Teams puts only their Teams id in a mention,
    so the bot asks Teams, through the conversation's members, who that is."""
    if person.aad_object_id:
        return person.aad_object_id
    if _ENTRA_ID.fullmatch(person.id or ""):
        return person.id
    client = turn.context.services.get(ConnectorClientBase)  # type: ignore[type-abstract]
    conversation = turn.activity.conversation.id if turn.activity.conversation else ""
    if client is None or not conversation:
        return ""
    try:
        member = await client.conversations.get_conversation_member(conversation, person.id)
    except Exception:
        logger.exception("Could not look up a mentioned person in the conversation")
        return ""
    return member.aad_object_id or ""
