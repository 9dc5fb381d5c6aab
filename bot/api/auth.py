"""Who is calling the REST API.

- m365 mode (CLIENT_ID set): an Entra access token issued for the API's app registration
  (API_AUDIENCE), sent as `Authorization: Bearer <token>` and checked in full: signature
  (RS256, keys from the tenant's OpenID metadata), issuer, audience, expiry and not-before
  (against the injected clock), tenant. App roles come from its `roles` claim. A
  delegated token (one with `scp`) names the signed-in person (`oid`); a token without
  `scp` is an app calling on its own.
- local mode: the API key from the environment (API_KEY), sent as `X-API-Key`. It acts
  as API_KEY_USER with every role. With no API_KEY set, the API is switched off.

A refused token gets the same plain answer whatever was wrong with it; the reason goes
to the log only, so a caller cannot probe what we check.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Mapping
from typing import Any

import aiohttp
import jwt
from aiohttp import web
from jwt import PyJWK

from bot.api.operations import ROLES, ApiCaller
from bot.api.problems import standard
from bot.clock import Clock
from bot.tokens import SKEW, IssuerKeys, KeysUnreadable, TokenRefused, get_json

logger = logging.getLogger(__name__)

API_KEY_HEADER = "X-API-Key"
# Version 1 access tokens (the API's manifest asks for version 1 or does not say) name
# this issuer; version 2 tokens name the one in the tenant's OpenID metadata.
V1_ISSUER = "https://sts.windows.net/{tenant}/"
SIGN_IN = (
    "Sign in to use the API. Send an access token for it in the Authorization header, "
    "as Bearer followed by the token."
)
SIGN_IN_AGAIN = (
    "Sign in again, then try again. If this keeps happening, ask your IT team to check "
    "the connection."
)


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
    """Entra access tokens for the API's app registration, checked in full."""

    def __init__(
        self,
        audiences: frozenset[str],
        tenant_id: str,
        allowed_tenants: frozenset[str],
        metadata_url: str,
        clock: Clock,
    ) -> None:
        self._audiences = frozenset(a.lower() for a in audiences)
        self._tenant = tenant_id.lower()
        self._allowed = frozenset(t.lower() for t in allowed_tenants)
        self._clock = clock
        self._keys = IssuerKeys(metadata_url, tenant_id, _read_json)
        self._v1_issuer = V1_ISSUER.format(tenant=tenant_id)

    async def caller(self, request: web.Request) -> ApiCaller:
        scheme, _, token = request.headers.get("Authorization", "").strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise standard(401, SIGN_IN, headers={"WWW-Authenticate": "Bearer"})
        try:
            claims = await self.claims(token.strip())
            return _caller(claims)
        except KeysUnreadable:  # our fault, not the caller's (logged where it happened)
            raise standard(
                503,
                "We cannot check sign-ins just now. Try again in a few minutes.",
                headers={"Retry-After": "60"},
            ) from None
        except TokenRefused as refused:
            logger.info("Refused an API token: %s", refused)
            raise standard(
                401, SIGN_IN_AGAIN, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}
            ) from None

    async def claims(self, token: str) -> dict[str, Any]:
        """The token's claims, if it is one we accept; raises TokenRefused otherwise."""
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError as error:
            raise TokenRefused(f"unreadable token ({type(error).__name__})") from None
        if header.get("alg") != "RS256":
            raise TokenRefused(f"algorithm {header.get('alg')!r} is not RS256")
        issued_by = unverified.get("iss")
        if not isinstance(issued_by, str) or issued_by not in (
            await self._keys.name(),
            self._v1_issuer,
        ):
            raise TokenRefused(f"issuer {issued_by!r} is not our tenant's")
        key = await self._keys.key(str(header.get("kid", "")))
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=PyJWK(key).key,
                algorithms=["RS256"],
                options={
                    "require": ["exp", "aud", "iss", "tid"],
                    # The issuer was checked above (the signature covers it); audience
                    # and times below: the audience in any letter case, the times
                    # against the injected clock.
                    "verify_aud": False,
                    "verify_iss": False,
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                },
            )
        except jwt.PyJWTError as error:
            raise TokenRefused(f"token refused ({type(error).__name__})") from None
        self._check(claims)
        return claims

    def _check(self, claims: Mapping[str, Any]) -> None:
        audience = claims.get("aud")
        given = audience if isinstance(audience, list) else [audience]
        if not any(isinstance(a, str) and a.lower() in self._audiences for a in given):
            raise TokenRefused(f"audience {audience!r} is not this API")
        tenant = str(claims.get("tid", "")).lower()
        if tenant != self._tenant or (self._allowed and tenant not in self._allowed):
            raise TokenRefused(f"tenant {tenant!r} is not ours or not allowed")
        now = self._clock.now().timestamp()
        skew = SKEW.total_seconds()
        expires, not_before = claims.get("exp"), claims.get("nbf")
        if not isinstance(expires, int | float) or now > expires + skew:
            raise TokenRefused("the token has expired")
        if not_before is not None and (
            not isinstance(not_before, int | float) or now < not_before - skew
        ):
            raise TokenRefused("the token is not valid yet")


def _caller(claims: Mapping[str, Any]) -> ApiCaller:
    """A delegated token (with `scp`) acts for the signed-in person; a token without it
    is an app calling on its own, and names no one."""
    roles = claims.get("roles")
    found = frozenset(r for r in roles if isinstance(r, str)) if isinstance(roles, list) else set()
    app_id = str(claims.get("azp") or claims.get("appid") or "")
    tenant = str(claims.get("tid", ""))
    scopes = claims.get("scp")
    if isinstance(scopes, str) and scopes.strip() and claims.get("idtyp") != "app":
        person = claims.get("oid")
        if not isinstance(person, str) or not person:
            raise TokenRefused("a delegated token without the person's oid")
        name = claims.get("name") or claims.get("preferred_username") or ""
        return ApiCaller("user", person, str(name), app_id, tenant, frozenset(found))
    if not app_id:
        raise TokenRefused("an app token without azp or appid")
    name = str(claims.get("app_displayname") or f"App {app_id}")
    return ApiCaller("app", "", name, app_id, tenant, frozenset(found))


async def _read_json(url: str) -> dict[str, Any]:
    """The OpenID metadata and keys are read rarely (daily, or on a new key id at most
    once a minute), so each read has its own short-lived connection."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        return await get_json(session, url)
