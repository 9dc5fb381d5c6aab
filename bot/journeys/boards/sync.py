"""Part of the boards journey (being written for issue 13)."""

from __future__ import annotations

from bot.journey import JourneyContext, Part
from bot.journeys.boards.shared import Shared


def part(ctx: JourneyContext, shared: Shared) -> Part:
    return Part()
