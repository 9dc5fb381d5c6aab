"""Who may call /api/messages in m365 mode: the bearer token, checked in full.

Two kinds of token are accepted, and nothing else:
- one issued by the Bot Framework channel service (Teams, through the Azure Bot Service)
  for our app id, whose `serviceurl` claim names the Activity's serviceUrl;
- one issued by Entra ID in our tenant, for our app id, to a caller app on the explicit
  allow-list (`ALLOWED_CALLER_IDS`, empty by default).

Each issuer's signing keys come from its OpenID metadata (configurable for sovereign
clouds and for tests). Expiry is checked against the injected clock.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import jwt
from jwt import PyJWK

from bot.clock import Clock

logger = logging.getLogger(__name__)

SKEW = dt.timedelta(minutes=5)  # clock difference allowed, as the Bot Framework does
KEYS_FOR = 24 * 3600.0  # signing keys are read again at least daily
# An unknown key id (the issuer rotated its keys) reads them again, at most this often.
RETRY_UNKNOWN_KEY_AFTER = 60.0


class TokenRefused(Exception):
    """The token is not one we accept. The reason is for the log, never for the caller."""


@dataclass(frozen=True)
class TokenPolicy:
    app_id: str
    tenant_id: str
    channel_metadata_url: str
    entra_metadata_url: str  # may contain {tenant}
    allowed_callers: frozenset[str] = frozenset()


@dataclass
class _Issuer:
    metadata_url: str
    issuer: str = ""
    keys: dict[str, dict[str, Any]] = field(default_factory=dict)
    read_at: float = 0.0


@dataclass(frozen=True)
class Caller:
    """Who sent the Activity: the channel service, or an allowed app."""

    kind: str  # "channel" or "entra"
    claims: dict[str, Any]


class TokenValidator:
    def __init__(
        self, policy: TokenPolicy, clock: Clock, session: aiohttp.ClientSession | None = None
    ) -> None:
        self._policy = policy
        self._clock = clock
        self._session = session
        self._channel = _Issuer(policy.channel_metadata_url)
        self._entra = _Issuer(policy.entra_metadata_url.replace("{tenant}", policy.tenant_id))
        self._lock = asyncio.Lock()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def check(self, token: str, service_url: str, channel_id: str) -> Caller:
        """The caller, if the token is one we accept; raises TokenRefused otherwise."""
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError as error:
            raise TokenRefused(f"unreadable token ({type(error).__name__})") from None
        if header.get("alg") != "RS256":
            raise TokenRefused(f"algorithm {header.get('alg')!r} is not RS256")
        issuer = await self._issuer_named(unverified.get("iss"))
        if issuer is self._channel:
            claims = await self._verified(token, header, issuer, channel_id)
            self._check_channel(claims, service_url)
            return Caller("channel", claims)
        if issuer is self._entra:
            claims = await self._verified(token, header, issuer, "")
            self._check_entra(claims)
            return Caller("entra", claims)
        raise TokenRefused("the issuer is neither the channel service nor our tenant")

    def _check_channel(self, claims: Mapping[str, Any], service_url: str) -> None:
        claimed = claims.get("serviceurl") or claims.get("serviceUrl")
        if not isinstance(claimed, str) or _same_url(claimed) != _same_url(service_url):
            raise TokenRefused("the serviceurl claim does not match the Activity's serviceUrl")

    def _check_entra(self, claims: Mapping[str, Any]) -> None:
        caller = claims.get("azp") or claims.get("appid")
        if not isinstance(caller, str) or caller.lower() not in self._policy.allowed_callers:
            raise TokenRefused("the calling app is not on ALLOWED_CALLER_IDS")
        if str(claims.get("tid", "")).lower() != self._policy.tenant_id.lower():
            raise TokenRefused("the token is from another tenant")

    async def _verified(
        self, token: str, header: Mapping[str, Any], issuer: _Issuer, channel_id: str
    ) -> dict[str, Any]:
        key = await self._key(issuer, str(header.get("kid", "")))
        endorsements = key.get("endorsements")
        if channel_id and isinstance(endorsements, list) and channel_id not in endorsements:
            raise TokenRefused(f"the signing key is not endorsed for channel {channel_id!r}")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=PyJWK(key).key,
                algorithms=["RS256"],
                audience=self._policy.app_id,
                issuer=issuer.issuer,
                options={
                    "require": ["exp", "aud", "iss"],
                    # Times are checked against the injected clock below, not the machine's.
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                },
            )
        except jwt.PyJWTError as error:
            raise TokenRefused(f"token refused ({type(error).__name__})") from None
        self._check_times(claims)
        return claims

    def _check_times(self, claims: Mapping[str, Any]) -> None:
        now = self._clock.now().timestamp()
        skew = SKEW.total_seconds()
        expires, not_before = claims.get("exp"), claims.get("nbf")
        if not isinstance(expires, int | float) or now > expires + skew:
            raise TokenRefused("the token has expired")
        if isinstance(not_before, int | float) and now < not_before - skew:
            raise TokenRefused("the token is not valid yet")

    async def _key(self, issuer: _Issuer, kid: str) -> dict[str, Any]:
        if kid not in issuer.keys and time.monotonic() - issuer.read_at > RETRY_UNKNOWN_KEY_AFTER:
            await self._read(issuer)
        if kid not in issuer.keys:
            raise TokenRefused("the token is signed with a key the issuer does not publish")
        return issuer.keys[kid]

    async def _issuer_named(self, issued_by: object) -> _Issuer | None:
        """The trusted issuer a token names. Entra tokens are only looked at when some
        caller app is allowed; an issuer whose metadata cannot be read is skipped."""
        trusted = [self._channel, self._entra] if self._policy.allowed_callers else [self._channel]
        for issuer in trusted:
            if not issuer.issuer or time.monotonic() - issuer.read_at > KEYS_FOR:
                try:
                    await self._read(issuer)
                except TokenRefused:
                    continue
            if isinstance(issued_by, str) and issued_by == issuer.issuer:
                return issuer
        return None

    async def _read(self, issuer: _Issuer) -> None:
        async with self._lock:
            try:
                metadata = await self._get_json(issuer.metadata_url)
                jwks = await self._get_json(str(metadata["jwks_uri"]))
                name = str(metadata["issuer"]).replace("{tenantid}", self._policy.tenant_id)
            except (aiohttp.ClientError, TimeoutError, KeyError, TypeError, ValueError) as error:
                logger.warning(
                    "Could not read signing keys from %s: %r", issuer.metadata_url, error
                )
                issuer.read_at = time.monotonic()
                if not issuer.issuer:
                    raise TokenRefused("the issuer's signing keys could not be read") from None
                return
            issuer.issuer = name
            issuer.keys = {
                str(k.get("kid")): k for k in jwks.get("keys", []) if isinstance(k, dict)
            }
            issuer.read_at = time.monotonic()

    async def _get_json(self, url: str) -> dict[str, Any]:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        async with self._session.get(url) as response:
            response.raise_for_status()
            data = json.loads(await response.text())
        if not isinstance(data, dict):
            raise ValueError(f"{url} did not answer with a JSON object")
        return data


def _same_url(url: str) -> str:
    return url.strip().rstrip("/").lower()
