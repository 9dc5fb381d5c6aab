"""Thin turn handlers: parse, call one use case, build a card, send."""

from __future__ import annotations

import logging
import re

from microsoft_agents.activity import ActivityTypes
from microsoft_agents.hosting.core import AgentApplication, TurnContext, TurnState
from microsoft_agents.hosting.core.app._routes import RouteRank

from bot.handlers.actions import CardActions
from bot.handlers.common import SORRY, Deps
from bot.handlers.messages import MessageTurns
from bot.handlers.triage import TriageActions

logger = logging.getLogger(__name__)

__all__ = ["Deps", "TriageActions", "register_routes"]


def register_routes(app: AgentApplication[TurnState], deps: Deps, triage: TriageActions) -> None:
    actions = CardActions(deps, triage)
    messages = MessageTurns(deps, actions.respond)
    app.conversation_update("membersAdded")(messages.on_members_added)
    app.message()(messages.on_message)
    app.adaptive_card.action_execute(re.compile(r".*", re.DOTALL))(actions.on_action)
    app.add_route(
        lambda context: context.activity.type == ActivityTypes.invoke,
        actions.on_other_invoke,
        is_invoke=True,
        rank=RouteRank.LAST,
    )
    app.error(on_error)


async def on_error(context: TurnContext, error: Exception) -> None:
    """The last resort: log it all, tell the person nothing technical."""
    logger.exception("Unhandled error in a turn", exc_info=error)
    if context.activity.type == ActivityTypes.message:
        await context.send_activity(SORRY)
