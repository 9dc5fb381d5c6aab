"""Cards a flow sends to a requester or a channel. SKELETON: helper E."""

from __future__ import annotations

from bot.journey import JourneyContext, Part


def part(ctx: JourneyContext) -> Part:
    return Part()
