"""Webhook triggers for Power Automate. SKELETON: helper D."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.journey import JourneyContext, Part


def part(ctx: JourneyContext) -> Part:
    return Part()


def stopper(ctx: JourneyContext) -> Callable[[], Awaitable[None]] | None:
    return None
