"""Relay: see bot/journeys/communities/__init__.py."""

from __future__ import annotations

from bot.journey import JourneyContext
from bot.journeys.communities.shared import Part, Shared


def part(ctx: JourneyContext, shared: Shared) -> Part:
    return Part()
