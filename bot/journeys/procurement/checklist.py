"""(Being built.)"""

from __future__ import annotations

from bot.journey import JourneyContext
from bot.journeys.procurement.shared import Part, Shared


def part(ctx: JourneyContext, shared: Shared) -> Part:
    return Part()
