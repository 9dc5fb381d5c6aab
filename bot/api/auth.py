"""Who is calling the REST API.

- m365 mode: an Entra bearer token issued for the API's app registration (API_AUDIENCE),
  checked in full: signature (keys from the tenant's OpenID metadata), issuer, audience,
  expiry (against the injected clock), tenant. App roles come from its `roles` claim; a
  delegated token (one with `scp`) names the signed-in person (`oid`).
- local mode: the API key from the environment (API_KEY), sent as `X-API-Key`. It acts
  as API_KEY_USER with every role. With no API_KEY set, the API is switched off.

SKELETON: helper A2 writes EntraAuth and the settings; ApiKeyAuth works already."""

from __future__ import annotations

import hmac

from aiohttp import web

from bot.api.operations import ROLES, ApiCaller, Problem
from bot.api.problems import standard

API_KEY_HEADER = "X-API-Key"


class ApiKeyAuth:
    def __init__(self, key: str, user_id: str, name: str = "API key") -> None:
        self._key = key
        self._user_id = user_id
        self._name = name

    async def caller(self, request: web.Request) -> ApiCaller:
        if not self._key:
            raise standard(
                401,
                "The API is switched off. To switch it on, set API_KEY in the bot's "
                "environment and send it in the X-API-Key header.",
            )
        given = request.headers.get(API_KEY_HEADER, "")
        if not given:
            raise standard(401, "Send the API key in the X-API-Key header.")
        if not hmac.compare_digest(given.encode(), self._key.encode()):
            raise standard(401, "The API key is not right.")
        return ApiCaller(
            kind="key",
            user_id=self._user_id,
            name=self._name,
            app_id="",
            tenant_id="",
            roles=frozenset(ROLES),
        )


class EntraAuth:
    """SKELETON (helper A2)."""

    async def caller(self, request: web.Request) -> ApiCaller:
        raise Problem(401, "Sign-in needed", "Entra tokens are not checked yet.")
