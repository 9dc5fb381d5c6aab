"""The one wrapper every card action goes through.

It gives each action the actor from the validated Activity, answers a redelivered
invoke from the first answer (keyed by the Activity id and the actor, so nobody else
can ever receive a stored answer), turns each domain error into its plain-English
message, and never lets a stack trace reach a person.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from microsoft_agents.hosting.core import TurnContext

from bot.errors import BadCardData, UserFacingError
from bot.journey import SORRY, CardAction, Reply, Turn, actor_of, message_reply
from bot.ports import OnceOnly

logger = logging.getLogger(__name__)

NOT_OURS = (
    "That button is not one I recognise. It may be from an older card. Nothing has changed. "
    "Type help to see what I can do."
)


def once_key(activity_id: str, user_id: str) -> str:
    return f"{activity_id}|{user_id}"


async def run_action(
    action: CardAction[Any], once: OnceOnly, context: TurnContext, data: Any
) -> Reply:
    actor = actor_of(context.activity)
    activity_id = context.activity.id or ""
    key = once_key(activity_id, actor.user_id) if action.once_only and activity_id else ""
    if key and (done := await once.handled_invoke(key)):
        # Teams redelivers a slow invoke: answer as before, change nothing twice.
        return Reply.model_validate(done)
    try:
        if not isinstance(data, Mapping):
            raise BadCardData(NOT_OURS)
        reply = await action.handle(Turn(context, actor), action.parse(data))
    except UserFacingError as problem:
        reply = message_reply(problem.message)
    except Exception:
        # Not remembered: the same press may work when tried again.
        logger.exception("Card action %s failed", action.verb)
        return message_reply(SORRY)
    if key:
        await once.remember_invoke(
            key, reply.model_dump(mode="json", by_alias=True, exclude_none=True)
        )
    return reply
