"""The flows journey's settings: the mode (where flows may be called) and when a
failing flow's trigger is paused (API_WEBHOOK_PAUSE_AFTER, read by the API's settings,
which also report a bad value)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.api.settings import load_api_settings


@dataclass(frozen=True)
class FlowsConfig:
    local: bool = True  # local mode: flows only on this machine; m365: https, public
    pause_after: int = 5  # events in a row that failed for good before a pause


def load_settings(env: Mapping[str, str], problems: list[str]) -> FlowsConfig:
    mode = env.get("BOT_MODE", "local").strip().lower() or "local"
    # The API's settings read and check API_WEBHOOK_PAUSE_AFTER, and say what is wrong
    # with it: read here for the value only, so it is said once.
    api = load_api_settings(env, mode, env.get("CLIENT_ID", "").strip(), "", [])
    return FlowsConfig(local=mode != "m365", pause_after=max(1, api.webhook_pause_after))
