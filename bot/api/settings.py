"""The REST API's settings (API_*), read once with the rest of the configuration.

SKELETON: helper A2 checks every value (bad values are plain problems, tested)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class ApiSettings:
    # Local mode: the key callers send as X-API-Key ("" switches the API off), and the
    # person it acts as (an admin by default, like the Playground's user).
    key: str = ""
    key_user: str = ""
    # m365 mode: the API's app registration: the audience its tokens carry (its App ID
    # URI, like api://<client id>, or its client id) and the tenant that issues them.
    audience: str = ""
    # Calls a minute for each caller before 429 with Retry-After.
    rate_per_minute: int = 120
    # Webhook and proactive message sending.
    webhook_pause_after: int = 5


def load_api_settings(
    env: Mapping[str, str], mode: str, client_id: str, default_user: str, problems: list[str]
) -> ApiSettings:
    key = env.get("API_KEY", "").strip()
    return ApiSettings(
        key=key,
        key_user=env.get("API_KEY_USER", "").strip() or default_user,
        audience=env.get("API_AUDIENCE", "").strip() or (f"api://{client_id}" if client_id else ""),
        rate_per_minute=int(env.get("API_RATE_LIMIT", "120").strip() or "120"),
    )
