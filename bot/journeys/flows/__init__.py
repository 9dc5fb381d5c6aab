"""Power Automate flows built on the bot: webhook triggers (a request created, a
request's status changed, a board decided), each subscribed flow called once per event,
signed, retried and logged, paused when it keeps failing (its owner told); and cards a
flow sends to a requester or a channel.

SKELETON: helpers D (webhooks.py) and E (messages.py) build the parts."""

from __future__ import annotations

from bot.journey import Journey, JourneyContext, join
from bot.journeys.flows import messages, webhooks


def register(ctx: JourneyContext) -> Journey:
    hooks = webhooks.part(ctx)
    sends = messages.part(ctx)
    return join("flows", [hooks, sends], on_stop=webhooks.stopper(ctx))
