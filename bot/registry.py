"""Plugging the journeys into the Agents SDK: one route per chat command and per verb.

A card action gets two routes, Action.Execute (an invoke) and Action.Submit (a message
from clients without Universal Actions), both answered through the invoke wrapper.
What no journey claims gets a polite answer, never silence and never a stack trace.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable
from typing import Any

from microsoft_agents.activity import ActivityTypes
from microsoft_agents.hosting.core import AgentApplication, TurnContext, TurnState
from microsoft_agents.hosting.core.app._routes import RouteRank

from bot.domain.commands import normalise
from bot.errors import UserFacingError
from bot.identity import chat_reference
from bot.invoke import NOT_OURS, Invokes
from bot.journey import (
    SORRY,
    CardAction,
    ChatCommand,
    Journey,
    JourneyContext,
    NotForMe,
    Turn,
    actor_of,
    conversation_type,
    message_reply,
    send_invoke_response,
)
from bot.journeys.servicedesk import reads_as_a_need
from bot.message_actions import add_message_actions

logger = logging.getLogger(__name__)


def register_journeys(
    app: AgentApplication[TurnState], ctx: JourneyContext, journeys: Iterable[Journey]
) -> None:
    journeys = list(journeys)
    _check_unique(journeys)
    invokes = Invokes(ctx.store)
    for journey in journeys:
        ctx.catalogue.commands.extend(journey.commands)
        ctx.catalogue.menu.extend(journey.menu)
    commands = command_order(ctx.catalogue.commands)
    app.add_route(_typed(commands), _command_route(ctx, commands), rank=RouteRank.FIRST)
    _add_actions(app, invokes, [action for journey in journeys for action in journey.actions])
    add_message_actions(
        app,
        [action for journey in journeys for action in journey.message_actions],
        ctx.in_background,  # an action past its deadline carries on, and stops with the app
    )
    app.conversation_update("membersAdded")(_welcome(journeys))
    app.adaptive_card.action_execute(re.compile(r".*", re.DOTALL), rank=RouteRank.LAST)(
        _unknown_verb
    )
    app.add_route(
        lambda context: context.activity.type == ActivityTypes.invoke,
        _unknown_invoke,
        is_invoke=True,
        rank=RouteRank.LAST,
    )
    app.message(rank=RouteRank.LAST)(_not_understood(ctx))
    # Every other Activity (an edit, a deletion, a reaction, typing, an install...) is
    # taken quietly: with no route, the SDK would log the person's words.
    app.add_route(_not_message_or_invoke, _quietly, rank=RouteRank.LAST)
    app.error(_on_error)
    app.before_turn(_remember_chats(ctx))


# How many people one process keeps in mind as lately remembered (a bound, not a limit:
# past it, the dict starts again and a chat is remembered once more).
KNOWN_CHATS = 50_000
# How long a stamp of when someone was last seen holds before it is made again. A person
# forgotten by an erasure or by retention (on any instance) is remembered again within
# this long of their next message.
RESTAMP_AFTER = dt.timedelta(hours=1)


def _remember_chats(ctx: JourneyContext) -> Any:
    """Keep each person's own chat with the bot (and their Teams id), and when they were
    last seen, so a card can reach them later (a nudge, an answer, a reply) and retention
    keeps them while they use the bot: stamped again at most once an hour (ctx.now())."""
    stamped: dict[str, dt.datetime] = {}

    async def before(context: TurnContext, state: TurnState) -> bool:
        activity = context.activity
        actor = actor_of(activity)
        if (
            activity.type not in (ActivityTypes.message, ActivityTypes.invoke)
            or conversation_type(activity) != "personal"
            or not actor.user_id
        ):
            return True
        now = ctx.now()
        last = stamped.get(actor.user_id)
        if last is not None and last <= now < last + RESTAMP_AFTER:
            return True
        try:
            await ctx.store.remember_personal_chat(
                actor.user_id, chat_reference(activity, ctx.reply_hosts)
            )
            await ctx.store.remember_person(actor.user_id, actor.teams_id, actor.name)
        except Exception:
            logger.exception("Could not keep the chat of the person writing: carrying on")
            return True
        if len(stamped) >= KNOWN_CHATS:
            stamped.clear()
        stamped[actor.user_id] = now
        return True

    return before


def _check_unique(journeys: list[Journey]) -> None:
    """Two journeys claiming one verb or one phrase would shadow each other: refuse to start."""
    verbs = [action.verb for journey in journeys for action in journey.actions]
    verbs += [action.command_id for journey in journeys for action in journey.message_actions]
    phrases = [p for journey in journeys for c in journey.commands for p in c.phrases]
    clashes = sorted(
        {v for v in verbs if verbs.count(v) > 1} | {p for p in phrases if phrases.count(p) > 1}
    )
    if clashes:
        raise ValueError(f"More than one journey declares: {', '.join(map(repr, clashes))}")


def command_order(commands: Iterable[ChatCommand]) -> list[ChatCommand]:
    """The order typed commands are tried in, first match wins. A command with its own
    reading is more particular than a phrase or a prefix, so it comes first ("I need a
    password reset" is an IT problem, not "i need " a request); a reading that guesses
    from any word comes after the other readings; then phrases and prefixes. Within each,
    the journeys' order. (One route for them all: the SDK's order among routes of one
    rank is not the order they were added in.)"""
    commands = list(commands)
    readers = [c for c in commands if c.read is not None and not c.guess]
    guesses = [c for c in commands if c.read is not None and c.guess]
    return readers + guesses + [c for c in commands if c.read is None]


def _first_match(commands: list[ChatCommand], activity: Any) -> ChatCommand | None:
    if activity.type != ActivityTypes.message:
        return None
    if activity.value is not None and not activity.text:
        return None  # a button from a client without Universal Actions, not typing
    text = activity.text or ""
    for command in commands:
        if command.applies is not None and not command.applies(activity):
            continue
        if command.match(text) is not None:
            return command
    return None


def _typed(commands: list[ChatCommand]) -> Any:
    def selector(context: TurnContext) -> bool:
        return _first_match(commands, context.activity) is not None

    return selector


def _command_route(ctx: JourneyContext, commands: list[ChatCommand]) -> Any:
    async def route(context: TurnContext, state: TurnState) -> None:
        command = _first_match(commands, context.activity)
        if command is None:  # the selector found one: this does not happen
            await _not_understood(ctx)(context, state)
            return
        turn = Turn(context, actor_of(context.activity))
        if command.where == "personal" and turn.in_channel:
            await turn.send_text(_one_to_one(ctx, command, turn))
            return
        argument = command.match(context.activity.text or "") or ""
        try:
            await command.run(turn, argument)
        except NotForMe:
            await _not_understood(ctx)(context, state)
        except Exception as error:
            await _answer_problem(turn, error, command.name)

    return route


def _one_to_one(ctx: JourneyContext, command: ChatCommand, turn: Turn) -> str:
    """The refusal in a channel or a group chat: it says "here", which is true in both."""
    here = [c.name for c in _usable(ctx, turn.where, ctx.is_admin(turn.actor))]
    return (
        f"To do that, chat with me one to one: open my chat and type {command.name}. "
        f"Here, you can type {_listed(here)}."
    )


def _usable(ctx: JourneyContext, where: str, is_admin: bool) -> list[ChatCommand]:
    """The commands this person can use in this conversation: a personal chat, a channel
    or a group chat (where only the commands for anywhere work)."""
    return [
        c
        for c in ctx.catalogue.commands
        if c.help
        and (c.where == "anywhere" or c.where == where)
        and (is_admin or not admins_only(c.help))
    ]


def admins_only(help_text: str) -> bool:
    """Commands whose help says they are for admins: nobody else is told about them."""
    return help_text.startswith("Admins only")


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


async def _answer_problem(turn: Turn, error: Exception, what: str) -> None:
    if isinstance(error, UserFacingError):
        await turn.send_text(error.message)
        return
    logger.exception("The %s command failed", what, exc_info=error)
    await turn.send_text(SORRY)


def _add_actions(
    app: AgentApplication[TurnState], invokes: Invokes, actions: list[CardAction[Any]]
) -> None:
    """Every card action, as one Action.Execute route and one Action.Submit route that
    look the verb up. The SDK sorts its routes on every turn and tries them in turn: two
    routes for each of a hundred verbs made every message and every press slower."""
    if not actions:
        return
    by_verb = {action.verb: action for action in actions}
    ours = re.compile("^(?:" + "|".join(re.escape(verb) for verb in by_verb) + ")$")

    async def on_execute(context: TurnContext, state: TurnState, data: Any) -> Any:
        value = context.activity.value
        verb = (value.get("action") or {}).get("verb") if isinstance(value, dict) else None
        action = by_verb.get(verb) if isinstance(verb, str) else None
        if action is None:  # the selector matched it, so this does not happen
            return message_reply(NOT_OURS)
        return await invokes.run(action, context, data)

    async def on_submit(context: TurnContext, state: TurnState, data: Any) -> None:
        verb = data.get("verb") if isinstance(data, dict) else None
        action = by_verb.get(verb) if isinstance(verb, str) else None
        if action is None:
            await context.send_activity(NOT_OURS)
            return
        reply = await invokes.run(action, context, data)
        await Turn(context, actor_of(context.activity)).send_reply(reply)

    app.adaptive_card.action_execute(ours)(on_execute)
    app.adaptive_card.action_submit(ours)(on_submit)


def _welcome(journeys: list[Journey]) -> Any:
    async def on_members_added(context: TurnContext, state: TurnState) -> None:
        turn = Turn(context, actor_of(context.activity))
        for journey in journeys:
            if journey.on_members_added is not None:
                await journey.on_members_added(turn)

    return on_members_added


async def _unknown_verb(context: TurnContext, state: TurnState, data: Any) -> Any:
    return message_reply(NOT_OURS)


async def _unknown_invoke(context: TurnContext, state: TurnState) -> None:
    await send_invoke_response(context, message_reply(NOT_OURS))


def _not_message_or_invoke(context: TurnContext) -> bool:
    return context.activity.type not in (ActivityTypes.message, ActivityTypes.invoke)


async def _quietly(context: TurnContext, state: TurnState) -> None:
    """Nothing to do and nothing to say."""


def _not_understood(ctx: JourneyContext) -> Any:
    async def route(context: TurnContext, state: TurnState) -> None:
        activity = context.activity
        if activity.value is not None and not activity.text:
            # A button from a client without Universal Actions, for no verb of ours.
            await context.send_activity(NOT_OURS)
            return
        where = conversation_type(activity)
        usable = _usable(ctx, where, ctx.is_admin(actor_of(activity)))
        # Everyone's commands: those of champions or board members are behind help.
        examples = [c.example or c.name for c in usable if c.name != "help" and not c.audience]
        start = "Sorry, I did not understand that."
        if where == "personal" and reads_as_a_need(normalise(activity.text or "")):
            start += " To ask for a new or changed system, type new request."
        await context.send_activity(f"{start} You can type {', '.join(examples)}, or help.")

    return route


async def _on_error(context: TurnContext, error: Exception) -> None:
    """The last resort: log it all, tell the person nothing technical."""
    logger.exception("Unhandled error in a turn", exc_info=error)
    if context.activity.type == ActivityTypes.message:
        await context.send_activity(SORRY)
