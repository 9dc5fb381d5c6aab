"""The flows journey's settings: the mode (where flows may be called) and when a
failing flow's trigger is paused (API_WEBHOOK_PAUSE_AFTER, read by the API's settings,
which also report a bad value); and how many triggers one person or app may have."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.api.settings import load_api_settings

# Subscriptions one person or app may have, across all triggers: enough for every flow
# a maker keeps, and a stop to a script (or a loop in a flow) making them without end.
MOST_PER_OWNER = 25


@dataclass(frozen=True)
class FlowsConfig:
    local: bool = True  # local mode: flows only on this machine; m365: https, public
    pause_after: int = 5  # failed tries in a row (of any events) before a pause


def load_settings(env: Mapping[str, str], problems: list[str]) -> FlowsConfig:
    mode = env.get("BOT_MODE", "local").strip().lower() or "local"
    # The API's settings read and check API_WEBHOOK_PAUSE_AFTER, and say what is wrong
    # with it: read here for the value only, so it is said once.
    api = load_api_settings(env, mode, env.get("CLIENT_ID", "").strip(), "", [])
    return FlowsConfig(local=mode != "m365", pause_after=max(1, api.webhook_pause_after))
