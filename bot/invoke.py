"""The one wrapper every card action goes through.

It gives each action the actor from the validated Activity, answers a redelivered
invoke with the first delivery's answer (keyed by the Activity id and the actor, so
nobody else can ever receive a stored answer; a redelivery that arrives while the
first is still running waits for it), turns each domain error into its plain-English
message, and never lets a stack trace reach a person.
"""

from __future__ import annotations

import asyncio
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


class Invokes:
    """Runs card actions for one app. Deliveries in progress are known in this process;
    finished ones are remembered in the store."""

    def __init__(self, once: OnceOnly) -> None:
        self._once = once
        self._running: dict[str, asyncio.Future[Reply]] = {}

    async def run(self, action: CardAction[Any], context: TurnContext, data: Any) -> Reply:
        actor = actor_of(context.activity)
        activity_id = context.activity.id or ""
        if not action.once_only or not activity_id:
            reply, _ = await _answer(action, Turn(context, actor), data)
            return reply
        key = once_key(activity_id, actor.user_id)
        if (running := self._running.get(key)) is not None:
            return await asyncio.shield(running)  # Teams redelivered it while we worked
        first: asyncio.Future[Reply] = asyncio.get_running_loop().create_future()
        self._running[key] = first
        try:
            reply = await self._once_only(action, Turn(context, actor), data, key)
        except BaseException:
            first.set_result(message_reply(SORRY))
            raise
        finally:
            self._running.pop(key, None)
        first.set_result(reply)
        return reply

    async def _once_only(self, action: CardAction[Any], turn: Turn, data: Any, key: str) -> Reply:
        if done := await self._once.handled_invoke(key):
            return Reply.model_validate(done)  # answer as before, change nothing twice
        reply, keep = await _answer(action, turn, data)
        if keep:
            answer = reply.model_dump(mode="json", by_alias=True, exclude_none=True)
            await self._once.remember_invoke(key, answer)
        return reply


async def _answer(action: CardAction[Any], turn: Turn, data: Any) -> tuple[Reply, bool]:
    """The answer, and whether to keep it for a redelivery (not after an unexpected
    failure: the same press may work when tried again)."""
    try:
        if not isinstance(data, Mapping):
            raise BadCardData(NOT_OURS)
        return await action.handle(turn, action.parse(data)), True
    except UserFacingError as problem:
        return message_reply(problem.message), True
    except Exception:
        logger.exception("Card action %s failed", action.verb)
        return message_reply(SORRY), False
