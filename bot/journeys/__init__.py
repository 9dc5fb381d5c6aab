"""Every capability of the bot, one folder each. To add a journey, add its folder and
one line below: `help`, the routes and the welcome card come from what it declares.

Each folder's `register(ctx) -> Journey` says what it offers. The order here is the
order of the help card.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

from bot.clock import SystemClock
from bot.journey import ChatCommand, HttpRoute, Journey, JourneyContext, MessageAction

JOURNEYS: tuple[str, ...] = (
    "intake",  # raise a digital request
    "requests",  # my requests, status
    "changes",  # withdraw a request, or change its answers
    "triage",  # IT triage in the triage channel
    "feedback",  # rate the bot; a summary for admins
    "glossary",  # what is …: the words we use, explained
    "servicedesk",  # IT problems: a pointer to the IT service desk
    "communities",  # ask a question; champions answer; communities of practice
    "procurement",  # buy software: IT engaged early, the catalogue checked, the pack
    "boards",  # board agendas and decisions, deadlines, the quarterly review, the matrix
    "flows",  # Power Automate: webhook triggers, cards a flow sends, the delivery log
    "skills",  # the digital skills check, the competency framework, skills reports
    "processes",  # map a process; the automation backlog
    "benefits",  # benefits realised after delivery, against those expected; the report
    "privacy",  # my data, erase a person's data, retention
    "home",  # welcome, hello, help
)


def load_journey_settings(
    env: Mapping[str, str], problems: list[str], names: tuple[str, ...] = JOURNEYS
) -> dict[str, Any]:
    """Each journey's own settings, by name, from the journeys that declare any.

    A journey declares them with `load_settings(env, problems)` in its folder: it reads
    its own variables, adds a plain sentence to `problems` for each bad one, and returns
    what it read (used as `ctx.settings_for(name)`).
    """
    found: dict[str, Any] = {}
    for name in names:
        module = importlib.import_module(f"{__name__}.{name}")
        loader = getattr(module, "load_settings", None)
        if loader is not None:
            found[name] = loader(env, problems)
    return found


def load(names: tuple[str, ...] = JOURNEYS) -> list[Callable[[JourneyContext], Journey]]:
    registers = []
    for name in names:
        module = importlib.import_module(f"{__name__}.{name}")
        registers.append(module.register)
    return registers


class _NotRunning:
    """Stands in for the store and the notifier when journeys are only described."""

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError(f"A journey used {name} while only being described")


def declared_commands() -> list[ChatCommand]:
    """Every chat command the journeys declare, in help order, without running the bot.

    The Teams app manifest's command lists are built from this, so a new journey's
    commands reach Teams' command menu with no other change.
    """
    inert: Any = _NotRunning()
    ctx = JourneyContext(store=inert, clock=SystemClock(), notifier=inert, admin_ids=frozenset())
    return [command for register in load() for command in register(ctx).commands]


def declared_routes() -> list[HttpRoute]:
    """Every web route the journeys declare, without running the bot: aiohttp fixes its
    routes before the app starts, so they are added first and answered by the running
    journeys' handlers."""
    inert: Any = _NotRunning()
    ctx = JourneyContext(store=inert, clock=SystemClock(), notifier=inert, admin_ids=frozenset())
    return [route for register in load() for route in register(ctx).routes]


def declared_operations() -> list[Any]:
    """Every REST API operation the journeys declare (bot.api.operations.ApiOperation),
    without running the bot: the API's routes, its OpenAPI document and the custom
    connector are made from this."""
    inert: Any = _NotRunning()
    ctx = JourneyContext(store=inert, clock=SystemClock(), notifier=inert, admin_ids=frozenset())
    return [op for register in load() for op in register(ctx).operations]


def declared_message_actions() -> list[MessageAction]:
    """Every action on a Teams message the journeys declare, without running the bot: the
    app manifest's message extension lists them."""
    inert: Any = _NotRunning()
    ctx = JourneyContext(store=inert, clock=SystemClock(), notifier=inert, admin_ids=frozenset())
    return [action for register in load() for action in register(ctx).message_actions]
