"""Power Automate flows built on the bot: webhook triggers (a request created, a
request's status changed, a board decided), each subscribed flow called once per event,
signed, retried and logged, paused when it keeps failing (its owner told); and cards a
flow sends to a requester or a channel."""

from __future__ import annotations

from bot.journey import Journey, JourneyContext, Part, join
from bot.journeys.flows import admin, api, messages, webhooks
from bot.journeys.flows.config import FlowsConfig, load_settings
from bot.journeys.flows.personal_data import FlowData

__all__ = ["load_settings", "register"]

NAME = "flows"


def register(ctx: JourneyContext) -> Journey:
    config = ctx.journey_settings.get(NAME)
    hooks = webhooks.Webhooks(ctx, config if isinstance(config, FlowsConfig) else FlowsConfig())
    sends = messages.part(ctx)
    parts = [webhooks.part(ctx, hooks), api.part(hooks), admin.part(ctx, hooks), sends]
    parts.append(Part(personal_data=FlowData(hooks)))
    return join(NAME, parts, on_stop=hooks.close)
