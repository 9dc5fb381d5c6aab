"""A token issuer owned by the tests: OpenID metadata and signing keys on loopback.

It stands in for both issuers the bot trusts (the Bot Framework channel service and
Entra ID), so that correctly signed tokens with one wrong claim each can be tried.
"""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa

CHANNEL_ISSUER = "https://api.botframework.com"


def _b64(number: int) -> str:
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@dataclass
class SigningKey:
    kid: str = field(default_factory=lambda: uuid.uuid4().hex)
    private: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )

    def jwk(self, endorsements: list[str] | None = None) -> dict[str, Any]:
        numbers = self.private.public_key().public_numbers()
        key: dict[str, Any] = {
            "kty": "RSA",
            "use": "sig",
            "kid": self.kid,
            "n": _b64(numbers.n),
            "e": _b64(numbers.e),
        }
        if endorsements is not None:
            key["endorsements"] = endorsements
        return key


class TokenIssuer:
    """Serves /channel/... and /entra/{tenant}/... metadata and keys on 127.0.0.1."""

    def __init__(self, tenant: str) -> None:
        self.tenant = tenant
        self.channel_key = SigningKey()
        self.entra_key = SigningKey()
        self.url = ""
        self.requests = 0
        self._runner: web.AppRunner | None = None

    @property
    def entra_issuer(self) -> str:
        return f"https://login.microsoftonline.com/{self.tenant}/v2.0"

    def env(self) -> dict[str, str]:
        return {
            "BOT_OPENID_METADATA": f"{self.url}/channel/.well-known/openidconfiguration",
            "ENTRA_OPENID_METADATA": (
                f"{self.url}/entra/{{tenant}}/v2.0/.well-known/openid-configuration"
            ),
        }

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/channel/.well-known/openidconfiguration", self._channel_metadata)
        app.router.add_get("/channel/keys", self._channel_keys)
        app.router.add_get(
            "/entra/{tenant}/v2.0/.well-known/openid-configuration", self._entra_metadata
        )
        app.router.add_get("/entra/{tenant}/keys", self._entra_keys)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _channel_metadata(self, request: web.Request) -> web.Response:
        self.requests += 1
        return web.json_response({"issuer": CHANNEL_ISSUER, "jwks_uri": f"{self.url}/channel/keys"})

    async def _channel_keys(self, request: web.Request) -> web.Response:
        self.requests += 1
        return web.json_response({"keys": [self.channel_key.jwk(["msteams"])]})

    async def _entra_metadata(self, request: web.Request) -> web.Response:
        self.requests += 1
        tenant = request.match_info["tenant"]
        return web.json_response(
            {
                "issuer": "https://login.microsoftonline.com/{tenantid}/v2.0",
                "jwks_uri": f"{self.url}/entra/{tenant}/keys",
            }
        )

    async def _entra_keys(self, request: web.Request) -> web.Response:
        self.requests += 1
        return web.json_response({"keys": [self.entra_key.jwk()]})

    def channel_token(
        self, app_id: str, service_url: str, now: dt.datetime, **overrides: Any
    ) -> str:
        claims = {
            "iss": CHANNEL_ISSUER,
            "aud": app_id,
            "serviceurl": service_url,
            "nbf": int(now.timestamp()) - 60,
            "exp": int((now + dt.timedelta(hours=1)).timestamp()),
            **overrides,
        }
        return self.sign(claims, self.channel_key)

    def entra_token(self, app_id: str, caller: str, now: dt.datetime, **overrides: Any) -> str:
        claims = {
            "iss": self.entra_issuer,
            "aud": app_id,
            "azp": caller,
            "tid": self.tenant,
            "ver": "2.0",
            "nbf": int(now.timestamp()) - 60,
            "exp": int((now + dt.timedelta(hours=1)).timestamp()),
            **overrides,
        }
        return self.sign(claims, self.entra_key)

    @staticmethod
    def sign(claims: dict[str, Any], key: SigningKey) -> str:
        return jwt.encode(
            {k: v for k, v in claims.items() if v is not None},
            key.private,
            algorithm="RS256",
            headers={"kid": key.kid},
        )


class OwnToken:
    """The bot's own outgoing token in m365-mode tests (there is no Entra ID to ask).

    Implements what the Agents SDK uses of its public `Connections` and
    `AccessTokenProviderBase` protocols (the bot asks for nothing else, no user or agentic
    tokens), the way a council could plug in another credential.
    """

    def __init__(self, app_id: str, tenant: str) -> None:
        from microsoft_agents.hosting.core import AgentAuthConfiguration

        self._configuration = AgentAuthConfiguration(client_id=app_id, tenant_id=tenant)

    # Connections
    def get_connection(self, connection_name: str) -> OwnToken:
        return self

    def get_default_connection(self) -> OwnToken:
        return self

    def get_token_provider(self, claims_identity: Any, service_url: str) -> OwnToken:
        return self

    def get_token_provider_from_activity(self, *args: Any, **kwargs: Any) -> OwnToken:
        return self

    def get_default_connection_configuration(self) -> Any:
        return self._configuration

    # AccessTokenProviderBase
    @property
    def configuration(self) -> Any:
        return self._configuration

    async def get_access_token(
        self, resource_url: str, scopes: list[str], force_refresh: bool = False
    ) -> str:
        return "the-bots-own-test-token"
