"""The REST API's settings (API_*), read once with the rest of the configuration.

Every value is checked at start-up; each bad one is a plain sentence in `problems`, so
the bot will not start with it (deploy/api.md explains each setting)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

KEY_MIN = 16
RATE_MOST = 10_000
PAUSE_AFTER_MOST = 100
# The Agents Playground's default user, when the key acts as them.
PLAYGROUND_NAME = "Alex Wilber"
KEY_USER_NAME = "API key user"
NAME_MAX = 120
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_URI = re.compile(r"^(api://|https://)[^\s/?#]+(/[^\s?#]*)?$")


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
    # The name the API key's person goes by (shown as the requester of what it creates).
    key_user_name: str = KEY_USER_NAME

    def audiences(self) -> frozenset[str]:
        """The audiences a token may carry: the App ID URI and, when it is api://<client
        id>, the bare client id too (version 2 tokens carry the client id)."""
        if not self.audience:
            return frozenset()
        bare = self.audience.removeprefix("api://")
        if _GUID.match(bare):
            return frozenset({f"api://{bare}".lower(), bare.lower()})
        return frozenset({self.audience.lower()})


def load_api_settings(
    env: Mapping[str, str], mode: str, client_id: str, default_user: str, problems: list[str]
) -> ApiSettings:
    """`default_user` is the first admin: the key acts as them unless API_KEY_USER says."""
    key = _key(env.get("API_KEY", "").strip(), mode, client_id, problems)
    user, name = _key_user(env.get("API_KEY_USER", ""), default_user, problems)
    return ApiSettings(
        key=key,
        key_user=user,
        key_user_name=name,
        audience=_audience(env.get("API_AUDIENCE", ""), client_id, problems),
        rate_per_minute=_whole(env, "API_RATE_LIMIT", 120, RATE_MOST, "calls a minute", problems),
        webhook_pause_after=_whole(
            env, "API_WEBHOOK_PAUSE_AFTER", 5, PAUSE_AFTER_MOST, "failed calls", problems
        ),
    )


def _key(key: str, mode: str, client_id: str, problems: list[str]) -> str:
    if not key:
        return ""
    if mode == "m365" or client_id:
        problems.append(
            "API_KEY only works in local mode, without CLIENT_ID. With CLIENT_ID set, the API "
            "accepts Entra sign-ins only. Remove API_KEY."
        )
    if any(c.isspace() for c in key):
        problems.append("API_KEY must not have spaces in it. Use letters, digits and symbols.")
    elif len(key) < KEY_MIN:
        problems.append(
            f"API_KEY is too short to be safe. Use at least {KEY_MIN} characters, "
            "such as a long random string."
        )
    return key


def _key_user(raw: str, default_user: str, problems: list[str]) -> tuple[str, str]:
    """API_KEY_USER: an id, or id:Name. Without it, the first admin."""
    from bot.settings import _PLAYGROUND_ID, PLAYGROUND_DEFAULT_USER  # it imports us

    user, _, name = (part.strip() for part in raw.partition(":"))
    user = user or default_user
    name = " ".join(name.split())
    if raw.strip() and not (_GUID.match(user) or _PLAYGROUND_ID.match(user)):
        problems.append(
            "API_KEY_USER must be the Entra object id (a GUID) of the person the API key "
            f"acts as, optionally followed by :Name. It is '{raw.strip()[:60]}'."
        )
    if len(name) > NAME_MAX or not name.isprintable():
        problems.append(
            f"API_KEY_USER has a name that is too long or has characters that cannot be "
            f"shown. Keep it to {NAME_MAX} letters."
        )
    if not name:
        name = PLAYGROUND_NAME if user == PLAYGROUND_DEFAULT_USER else KEY_USER_NAME
    return user, name


def _audience(raw: str, client_id: str, problems: list[str]) -> str:
    audience = raw.strip()
    if not audience:
        return f"api://{client_id}" if client_id else ""
    if not (_GUID.match(audience) or _URI.match(audience)):
        problems.append(
            "API_AUDIENCE must be the API's Application ID URI, such as api://<client id> "
            f"or an https address, or its client id (a GUID). It is '{audience[:60]}'."
        )
    return audience


def _whole(
    env: Mapping[str, str], name: str, default: int, most: int, what: str, problems: list[str]
) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if raw.isascii() and raw.isdigit() and 1 <= int(raw) <= most:
        return int(raw)
    problems.append(
        f"{name} must be a whole number of {what} from 1 to {most:,}, such as {default}. "
        f"It is '{raw[:60]}'."
    )
    return default
