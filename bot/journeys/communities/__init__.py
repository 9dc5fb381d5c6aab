"""Communities of practice and digital champions (strategy Priority 1).

Staff ask questions; the bot first searches answers already given, then sends the
question to the right community and a few matching champions, nudges when it waits,
and keeps accepted answers for the next person. Champions volunteer, leads approve
them, and points come only from what others confirmed.

Two parts share one store: `champions` (communities, champions, the knowledge base's
upkeep, recognition) and `questions` (asking, answering, nudges, the thread relay).
"""

from __future__ import annotations

from bot.journey import Journey, JourneyContext, Part, join
from bot.journeys.communities import api, champions, nudging, questions, relay
from bot.journeys.communities.config import CommunityConfig, load_settings
from bot.journeys.communities.personal_data import CommunityData
from bot.journeys.communities.shared import NAME, Shared

__all__ = ["load_settings", "register"]


def register(ctx: JourneyContext) -> Journey:
    config = ctx.journey_settings.get(NAME)
    shared = Shared(ctx, config if isinstance(config, CommunityConfig) else CommunityConfig())
    parts = [
        champions.part(ctx, shared),
        questions.part(ctx, shared),
        nudging.part(ctx, shared),
        relay.part(ctx, shared),
        api.part(ctx, shared),
        Part(personal_data=CommunityData(shared)),
    ]
    return join(NAME, parts, on_stop=shared.close)
