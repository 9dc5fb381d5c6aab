"""Who may call /api/messages, and what is refused at the door, in both modes.

m365 mode uses a token issuer owned by the tests (OpenID metadata and signing keys on
loopback), so correctly signed tokens with one wrong claim each can be tried: only a
Bot Framework token for our app and serviceUrl, and an Entra token from an allowed
caller app, are processed.
"""

from __future__ import annotations

import datetime as dt
import io
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.support.identity import OwnToken, SigningKey, TokenIssuer
from tests.support.teams import TENANT, BotServer, Connector, TeamsUser

APP = "11111111-2222-3333-4444-555555555555"
ALLOWED_CALLER = "99999999-8888-7777-6666-555555555555"
UNKNOWN_CALLER = "12121212-3434-5656-7878-909090909090"
OTHER_TENANT = "00000000-0000-0000-0000-0000000000bb"
TEAMS = "https://smba.trafficmanager.net/uk/"


@pytest.fixture
async def issuer() -> AsyncIterator[TokenIssuer]:
    service = TokenIssuer(TENANT)
    await service.start()
    yield service
    await service.stop()


@pytest.fixture
async def m365(tmp_path: Path, issuer: TokenIssuer) -> AsyncIterator[BotServer]:
    env = {
        "BOT_MODE": "m365",
        "BOT_STORE": "sqlite",
        "CLIENT_ID": APP,
        "TENANT_ID": TENANT,
        "CLIENT_SECRET": "not-a-real-secret",
        "ALLOWED_CALLER_IDS": ALLOWED_CALLER,
        **issuer.env(),
    }
    server = BotServer(tmp_path / "data", env, connections=OwnToken(APP, TENANT))
    await server.start()
    yield server
    await server.stop()


def my_requests_invoke(user: TeamsUser, **changes: Any) -> dict[str, Any]:
    activity = user.activity(
        type="invoke",
        name="adaptiveCard/action",
        value={"action": {"type": "Action.Execute", "verb": "requests.mine", "data": {}}},
    )
    activity["serviceUrl"] = TEAMS
    activity.update(changes)
    return activity


async def post(
    user: TeamsUser, activity: dict[str, Any], token: str | None, **headers: str
) -> tuple[int, Any]:
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    async with user.http.post(
        f"{user.bot.url}/api/messages", json=activity, headers=headers
    ) as response:
        body = await response.json(content_type=None) if await response.read() else None
        return response.status, body


def processed(status: int, body: Any) -> bool:
    """The bot ran the turn: the invoke was answered with the person's requests card."""
    return status == 200 and isinstance(body, dict) and "Your requests" in str(body.get("value"))


async def test_only_the_channel_service_and_allowed_callers_are_processed(
    m365: BotServer, issuer: TokenIssuer, connector: Connector, http: aiohttp.ClientSession
) -> None:
    user = TeamsUser(http, m365, connector)
    now = m365.clock.now()
    activity = my_requests_invoke(user)
    hour_ago = now - dt.timedelta(hours=2)
    cases: dict[str, tuple[str | None, bool]] = {
        "Bot Framework token for our app and this serviceUrl": (
            issuer.channel_token(APP, TEAMS, now),
            True,
        ),
        "Entra token from an allowed caller app": (
            issuer.entra_token(APP, ALLOWED_CALLER, now),
            True,
        ),
        "Entra token from an unknown app in our tenant": (
            issuer.entra_token(APP, UNKNOWN_CALLER, now),
            False,
        ),
        "Entra token from an allowed app but another tenant": (
            issuer.entra_token(APP, ALLOWED_CALLER, now, tid=OTHER_TENANT),
            False,
        ),
        "Entra token naming another tenant's issuer": (
            issuer.entra_token(
                APP,
                ALLOWED_CALLER,
                now,
                iss=f"https://login.microsoftonline.com/{OTHER_TENANT}/v2.0",
            ),
            False,
        ),
        "Bot Framework token for another serviceUrl": (
            issuer.channel_token(APP, "https://anyone.blob.core.windows.net/", now),
            False,
        ),
        "Bot Framework token for another app": (
            issuer.channel_token("22222222-2222-3333-4444-555555555555", TEAMS, now),
            False,
        ),
        "expired Bot Framework token": (
            issuer.channel_token(
                APP,
                TEAMS,
                now,
                nbf=int(hour_ago.timestamp()) - 60,
                exp=int((now - dt.timedelta(hours=1)).timestamp()),
            ),
            False,
        ),
        "token signed with a key nobody publishes": (
            TokenIssuer.sign(
                {
                    "iss": "https://api.botframework.com",
                    "aud": APP,
                    "serviceurl": TEAMS,
                    "exp": int((now + dt.timedelta(hours=1)).timestamp()),
                },
                SigningKey(),
            ),
            False,
        ),
        "unsigned token": ("eyJhbGciOiJub25lIn0.eyJhdWQiOiIxMTExIn0.", False),
        "no token": (None, False),
    }
    for name, (token, accepted) in cases.items():
        status, body = await post(user, activity, token)
        assert processed(status, body) is accepted, (name, status, body)
        if not accepted:
            assert status == 401, (name, status)
            assert body == {"error": "Invalid token or authentication failed."}, name


async def test_another_tenant_is_refused_with_403_for_messages_and_invokes(
    m365: BotServer, issuer: TokenIssuer, connector: Connector, http: aiohttp.ClientSession
) -> None:
    outsider = TeamsUser(
        http,
        m365,
        connector,
        conversation={"id": "a:outsider", "conversationType": "personal", "tenantId": OTHER_TENANT},
    )
    token = issuer.channel_token(APP, TEAMS, m365.clock.now())
    elsewhere = {"channelData": {"tenant": {"id": OTHER_TENANT}}}
    status, body = await post(outsider, my_requests_invoke(outsider, **elsewhere), token)
    assert status == 403 and body == {"error": "This bot does not serve that tenant."}
    message = outsider.activity(type="message", text="new request", serviceUrl=TEAMS, **elsewhere)
    status, _ = await post(outsider, message, token)
    assert status == 403
    database = Path(m365.env["DATA_DIR"]) / "digital-front-door.sqlite3"
    with sqlite3.connect(database) as db:
        drafts = db.execute("SELECT COUNT(*) FROM form_drafts").fetchone()[0]
    assert drafts == 0, "nothing from another tenant is processed"


async def test_a_reply_address_outside_teams_is_refused_even_with_a_good_token(
    m365: BotServer, issuer: TokenIssuer, connector: Connector, http: aiohttp.ClientSession
) -> None:
    user = TeamsUser(http, m365, connector)
    now = m365.clock.now()
    for where in (
        "https://anyone.blob.core.windows.net/",
        "https://council.sharepoint.com/",
        "http://smba.trafficmanager.net/uk/",
        "https://smba.trafficmanager.net.evil.example/",
        "https://user:pass@smba.trafficmanager.net/",
    ):
        token = issuer.channel_token(APP, where, now)
        status, body = await post(user, my_requests_invoke(user, serviceUrl=where), token)
        assert status == 403, (where, status, body)


async def test_locally_only_loopback_reply_addresses_and_no_other_web_page(
    alex: TeamsUser,
) -> None:
    activity = alex.activity(type="message", text="help")
    for where in ("https://anyone.blob.core.windows.net/", "http://10.0.0.5:3978/", "file:///x"):
        status, body = await post(alex, {**activity, "serviceUrl": where}, None)
        assert status == 403 and "serviceUrl" in body["error"], where
    status, body = await post(alex, activity, None, Origin="https://evil.example")
    assert status == 403 and "web pages" in body["error"]
    status, _ = await post(alex, activity, None, Origin="http://localhost:56150")
    assert status in (200, 202), "the Agents Playground's page may"
    async with alex.http.post(
        f"{alex.bot.url}/api/messages",
        data=b'{"type": "message", "text": "help"}',
        headers={"Content-Type": "text/plain"},
    ) as response:
        assert response.status == 415


async def test_deep_or_huge_json_is_refused_with_a_clear_400(alex: TeamsUser) -> None:
    for payload, status in (
        (b"[" * 100_000 + b"]" * 100_000, 400),
        (b'{"type": "message", "value": ' + b"[" * 40 + b"]" * 40 + b"}", 400),
        (b'{"type": "message", "text": "' + b"x" * (2 * 1024 * 1024) + b'"}', 413),
    ):
        async with alex.http.post(
            f"{alex.bot.url}/api/messages",
            data=io.BytesIO(payload),
            headers={"Content-Type": "application/json"},
        ) as response:
            text = await response.text()
            assert response.status == status, (response.status, text[:200])
            assert "Traceback" not in text
    assert (await alex.say("help"))[-1]["attachments"], "still serving"
