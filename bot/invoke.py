"""The one wrapper every card action goes through.

It gives each action the actor from the validated Activity, answers a redelivered
invoke with the first delivery's answer (keyed by the Activity id and the actor, so
nobody else can ever receive a stored answer; a redelivery that arrives while the
first is still running waits for it), turns each domain error into its plain-English
message, and never lets a stack trace reach a person.

With more than one instance, a redelivery may reach another instance than the first
delivery. So the instance that runs an action first claims its key in the shared store;
another instance that finds the key claimed waits a few seconds for the stored answer,
and if it does not come, says the action is still being done. Nothing is done twice.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any

from microsoft_agents.hosting.core import TurnContext

from bot.errors import BadCardData, UserFacingError
from bot.journey import SORRY, CardAction, Reply, Turn, actor_of, message_reply
from bot.ports import OnceOnly
from bot.telemetry.steps import card_action
from bot.telemetry.tracing import failed

logger = logging.getLogger(__name__)

NOT_OURS = (
    "That button is not one I recognise. It may be from an older card. Nothing has changed. "
    "Type help to see what I can do."
)


def once_key(activity_id: str, user_id: str) -> str:
    return f"{activity_id}|{user_id}"


# How long a card action's claim holds if its instance dies: Teams gives up on an invoke
# after 15 seconds, so a press found claimed after this can be run again.
INVOKE_HOLD = dt.timedelta(minutes=1)
STILL_RUNNING = (
    "I am still doing what you asked when you pressed that button. Nothing has been done "
    "twice. Check again in a minute."
)


class Invokes:
    """Runs card actions for one app. Deliveries in progress are known in this process
    and claimed in the store (for other instances); finished ones are remembered in the
    store. `poll` and `wait` are how often and how long (seconds) to look for the answer
    of a delivery another instance is running."""

    def __init__(self, once: OnceOnly, poll: float = 0.2, wait: float = 4.0) -> None:
        self._once = once
        self._running: dict[str, asyncio.Future[Reply]] = {}
        self._poll = poll
        self._wait = wait

    async def run(self, action: CardAction[Any], context: TurnContext, data: Any) -> Reply:
        with card_action(action.verb):
            return await self._run(action, context, data)

    async def _run(self, action: CardAction[Any], context: TurnContext, data: Any) -> Reply:
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
        claim = f"invoke:{key}"
        if not await self._once.claim_notification(claim, INVOKE_HOLD):
            return await self._answer_of_another(key)
        try:
            reply, keep = await _answer(action, turn, data)
            if keep:
                answer = reply.model_dump(mode="json", by_alias=True, exclude_none=True)
                await self._once.remember_invoke(key, answer)
                await self._once.notification_sent(claim)  # after the answer is kept
                return reply
        except BaseException:
            await self._release(claim)
            raise
        await self._release(claim)  # it failed unexpectedly: a retry may run it again
        return reply

    async def _answer_of_another(self, key: str) -> Reply:
        """Another instance is running this delivery: its answer, once it has kept it."""
        for _ in range(max(1, round(self._wait / self._poll))):
            await asyncio.sleep(self._poll)
            if done := await self._once.handled_invoke(key):
                return Reply.model_validate(done)
        return message_reply(STILL_RUNNING)

    async def _release(self, claim: str) -> None:
        try:
            await asyncio.shield(self._once.release_notification(claim))
        except Exception:  # the claim then runs out on its own (INVOKE_HOLD)
            logger.exception("Could not give back the claim on a card action")


async def _answer(action: CardAction[Any], turn: Turn, data: Any) -> tuple[Reply, bool]:
    """The answer, and whether to keep it for a redelivery (not after an unexpected
    failure: the same press may work when tried again)."""
    try:
        if not isinstance(data, Mapping):
            raise BadCardData(NOT_OURS)
        return await action.handle(turn, action.parse(data)), True
    except UserFacingError as problem:
        return message_reply(problem.message), True
    except Exception as error:
        logger.exception("Card action %s failed", action.verb)
        failed(error)  # answered with an apology, but a failure all the same
        return message_reply(SORRY), False
