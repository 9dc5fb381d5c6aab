"""Actions on a Teams message (a message extension's commands), routed by command id.

Teams asks for a dialog with a `composeExtension/fetchTask` invoke and sends what the
person filled in with `composeExtension/submitAction`. Each is answered as the invoke's
response (HTTP 200, the body a task to show or a message). Anything we cannot read, or a
command no journey declares, gets a plain message, never an error.

Teams gives up on an invoke after 5 seconds, so each answer has a deadline: past it, the
person is asked to try again in a minute while the action carries on to its end (a draft
is never left half-made). One person's actions of one command run one after another, so
a retry sees what the slow one did (a saved draft) and does not do it again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from microsoft_agents.activity import Activity, ActivityTypes, InvokeResponse
from microsoft_agents.hosting.core import AgentApplication, TurnContext, TurnState

from bot.errors import UserFacingError
from bot.journey import SORRY, MessageAction, Turn, actor_of

logger = logging.getLogger(__name__)

FETCH = "composeExtension/fetchTask"
SUBMIT = "composeExtension/submitAction"

NOT_OURS = (
    "That action is not one I recognise. It may be from an older version of the app. "
    "Nothing has changed. Type help in your chat with Digital Front Door to see what I can do."
)
UNREADABLE = (
    "Teams sent something I could not read, so nothing has changed. Close this and try the "
    "action on the message again."
)
SLOW = "This is taking longer than it should. Try again in a minute."

# Seconds an answer may take: under Teams' 5, with time left to send it.
DEADLINE_SECONDS = 4.0

Background = Callable[[Awaitable[Any]], None]


def task_message(text: str) -> dict[str, Any]:
    """An invoke answer that shows a short message in place of a dialog."""
    return {"task": {"type": "message", "value": text}}


def add_message_actions(
    app: AgentApplication[TurnState],
    actions: list[MessageAction],
    background: Background | None = None,
) -> None:
    """`background` keeps an action that outlives its deadline, so stopping the app stops
    it too (JourneyContext.in_background); without it, the actions are kept here."""
    by_id = {action.command_id: action for action in actions}
    runs = _Runs(background)

    def selector(context: TurnContext) -> bool:
        activity = context.activity
        return activity.type == ActivityTypes.invoke and activity.name in (FETCH, SUBMIT)

    async def route(context: TurnContext, state: TurnState) -> None:
        body = await _answer(by_id, context, runs)
        await context.send_activity(
            Activity(
                type=ActivityTypes.invoke_response, value=InvokeResponse(status=200, body=body)
            )
        )

    app.add_route(selector, route, is_invoke=True)


class _Runs:
    """Each person's actions of one command, one after another, each run to its end."""

    def __init__(self, background: Background | None) -> None:
        self._last: dict[tuple[str, str], asyncio.Task[Mapping[str, Any]]] = {}
        self._kept: set[asyncio.Task[Mapping[str, Any]]] = set()
        self._background = background

    def start(
        self, key: tuple[str, str], work: Callable[[], Awaitable[Mapping[str, Any]]]
    ) -> asyncio.Task[Mapping[str, Any]]:
        task = asyncio.ensure_future(self._after(self._last.get(key), work))
        self._last[key] = task
        task.add_done_callback(lambda done: self._forget(key, done))
        if self._background is not None:
            self._background(task)
        else:
            self._kept.add(task)
        return task

    @staticmethod
    async def _after(
        earlier: asyncio.Task[Mapping[str, Any]] | None,
        work: Callable[[], Awaitable[Mapping[str, Any]]],
    ) -> Mapping[str, Any]:
        if earlier is not None:
            await asyncio.wait([earlier])  # its outcome is its own turn's to report
        return await work()

    def _forget(self, key: tuple[str, str], done: asyncio.Task[Mapping[str, Any]]) -> None:
        self._kept.discard(done)
        if self._last.get(key) is done:
            del self._last[key]


async def _answer(
    by_id: Mapping[str, MessageAction], context: TurnContext, runs: _Runs
) -> Mapping[str, Any]:
    activity = context.activity
    value = activity.value
    if not isinstance(value, Mapping):
        return task_message(UNREADABLE)
    if value.get("botMessagePreviewAction"):  # we never show previews
        return task_message(NOT_OURS)
    command_id = value.get("commandId")
    action = by_id.get(command_id) if isinstance(command_id, str) else None
    if action is None:
        return task_message(NOT_OURS)
    turn = Turn(context, actor_of(activity))
    if not turn.actor.user_id:
        return task_message(UNREADABLE)
    step = action.fetch if activity.name == FETCH else action.submit

    async def work() -> Mapping[str, Any]:
        try:
            return await step(turn, value)
        except UserFacingError as problem:
            return task_message(problem.message)
        except Exception:
            logger.exception("The message action %s failed", action.command_id)
            return task_message(SORRY)

    running = runs.start((action.command_id, turn.actor.user_id), work)
    try:
        # Shielded: past the deadline the action still finishes, so a draft is whole.
        return await asyncio.wait_for(asyncio.shield(running), DEADLINE_SECONDS)
    except TimeoutError:
        logger.warning(
            "The message action %s (%s) took longer than %g s: asked to try again; it carries on",
            action.command_id,
            activity.name,
            DEADLINE_SECONDS,
        )
        return task_message(SLOW)
