"""Benefits realisation (driver 7, and the roadmap's "build in monitoring and reporting of
benefits"): after a request is delivered, its requester and sponsor are asked what it
actually brought, beside what was expected; the benefits report compares the two."""

from __future__ import annotations

from bot.journey import Journey, JourneyContext, join
from bot.journeys.benefits import recording, reminders, report
from bot.journeys.benefits.config import BenefitsConfig, load_settings

NAME = "benefits"

__all__ = ["load_settings", "register"]


def register(ctx: JourneyContext) -> Journey:
    config = ctx.journey_settings.get(NAME)
    asking = reminders.Reminders(
        ctx, config if isinstance(config, BenefitsConfig) else BenefitsConfig()
    )
    return join(NAME, [reminders.part(ctx, asking), recording.part(ctx, asking), report.part(ctx)])
