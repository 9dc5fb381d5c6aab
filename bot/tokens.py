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
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
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


class KeysUnreadable(TokenRefused):
    """The issuer's signing keys have never been read: we cannot check any token yet."""


@dataclass(frozen=True)
class TokenPolicy:
    app_id: str
    tenant_id: str
    channel_metadata_url: str
    entra_metadata_url: str  # may contain {tenant}
    allowed_callers: frozenset[str] = frozenset()


JsonGetter = Callable[[str], Awaitable[dict[str, Any]]]


class IssuerKeys:
    """One issuer's name and signing keys, from its OpenID metadata (`jwks_uri`).

    Read on first use and again at least daily. A key id we do not know (the issuer
    rotated its keys) reads them again, at most once a minute, so a stream of made-up
    key ids cannot make us hammer the issuer. If a read fails, the keys we have stay.
    Shared by the Activity door (TokenValidator) and the REST API (bot.api.auth)."""

    def __init__(self, metadata_url: str, tenant_id: str, get_json: JsonGetter) -> None:
        self.metadata_url = metadata_url.replace("{tenant}", tenant_id)
        self.issuer = ""
        self.keys: dict[str, dict[str, Any]] = {}
        self.read_at = 0.0
        self._tenant_id = tenant_id
        self._get_json = get_json
        self._lock = asyncio.Lock()

    async def name(self) -> str:
        """The issuer's name (`iss`), with our tenant filled in; raises TokenRefused if
        its metadata has never been read."""
        if not self.issuer or time.monotonic() - self.read_at > KEYS_FOR:
            await self.read()
        return self.issuer

    async def key(self, kid: str) -> dict[str, Any]:
        """The published key (a JWK) with this id; raises TokenRefused if there is none."""
        if kid not in self.keys and time.monotonic() - self.read_at > RETRY_UNKNOWN_KEY_AFTER:
            await self.read()
        if kid not in self.keys:
            raise TokenRefused("the token is signed with a key the issuer does not publish")
        return self.keys[kid]

    async def read(self) -> None:
        async with self._lock:
            try:
                metadata = await self._get_json(self.metadata_url)
                jwks = await self._get_json(str(metadata["jwks_uri"]))
                name = str(metadata["issuer"]).replace("{tenantid}", self._tenant_id)
            except (aiohttp.ClientError, TimeoutError, KeyError, TypeError, ValueError) as error:
                logger.warning("Could not read signing keys from %s: %r", self.metadata_url, error)
                self.read_at = time.monotonic()
                if not self.issuer:
                    raise KeysUnreadable("the issuer's signing keys could not be read") from None
                return
            self.issuer = name
            self.keys = {str(k.get("kid")): k for k in jwks.get("keys", []) if isinstance(k, dict)}
            self.read_at = time.monotonic()


async def get_json(session: aiohttp.ClientSession, url: str) -> dict[str, Any]:
    async with session.get(url) as response:
        response.raise_for_status()
        data = json.loads(await response.text())
    if not isinstance(data, dict):
        raise ValueError(f"{url} did not answer with a JSON object")
    return data


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
        self._channel = IssuerKeys(policy.channel_metadata_url, policy.tenant_id, self._get_json)
        self._entra = IssuerKeys(policy.entra_metadata_url, policy.tenant_id, self._get_json)

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
        self, token: str, header: Mapping[str, Any], issuer: IssuerKeys, channel_id: str
    ) -> dict[str, Any]:
        key = await issuer.key(str(header.get("kid", "")))
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

    async def _issuer_named(self, issued_by: object) -> IssuerKeys | None:
        """The trusted issuer a token names. Entra tokens are only looked at when some
        caller app is allowed; an issuer whose metadata cannot be read is skipped."""
        trusted = [self._channel, self._entra] if self._policy.allowed_callers else [self._channel]
        for issuer in trusted:
            try:
                name = await issuer.name()
            except TokenRefused:
                continue
            if isinstance(issued_by, str) and issued_by == name:
                return issuer
        return None

    async def _get_json(self, url: str) -> dict[str, Any]:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        return await get_json(self._session, url)


def _same_url(url: str) -> str:
    return url.strip().rstrip("/").lower()
