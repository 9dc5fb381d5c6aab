"""Every capability of the bot, one folder each. To add a journey, add its folder and
one line below: `help`, the routes and the welcome card come from what it declares.

Each folder's `register(ctx) -> Journey` says what it offers. The order here is the
order of the help card.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from bot.journey import Journey, JourneyContext

JOURNEYS: tuple[str, ...] = (
    "intake",  # raise a digital request
    "requests",  # my requests, status
    "triage",  # IT triage in the triage channel
    "feedback",  # rate the bot; a summary for admins
    "home",  # welcome, hello, help
)


def load(names: tuple[str, ...] = JOURNEYS) -> list[Callable[[JourneyContext], Journey]]:
    registers = []
    for name in names:
        module = importlib.import_module(f"{__name__}.{name}")
        registers.append(module.register)
    return registers
