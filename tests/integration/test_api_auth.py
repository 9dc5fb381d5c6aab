"""Who may call the REST API, over real HTTP, in both modes.

m365 mode: Entra access tokens for the API's app registration, from a token issuer owned
by the tests (OpenID metadata and signing keys on loopback), so that correctly signed
tokens with one thing wrong each can be tried. Every refused token gets the same plain
answer; only a token that is right in every way is let in, and then its app roles decide.
Local mode: the API key.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import jwt
import pydantic
import pytest
from aiohttp import web

from bot.api.auth import SIGN_IN, SIGN_IN_AGAIN, EntraAuth
from bot.api.operations import (
    DECISIONS_WRITE,
    REQUESTS_READ,
    REQUESTS_WRITE,
    ApiCall,
    ApiOperation,
    ApiResult,
)
from bot.api.ratelimit import TokenBuckets
from bot.api.server import ApiServer, Remembered
from bot.app import _api_auth
from bot.settings import load_settings
from tests.e2e.journey import raise_request
from tests.support.api import API_ENV, ApiClient
from tests.support.clock import SettableClock
from tests.support.identity import OwnToken, SigningKey, TokenIssuer
from tests.support.teams import START, TENANT, YEAR, BotServer, Connector, TeamsUser

APP = "11111111-2222-3333-4444-555555555555"  # the bot's and the API's app registration
AUDIENCE = f"api://{APP}"
CONNECTOR_APP = "99999999-8888-7777-6666-555555555555"  # the custom connector's client
FLOW_APP = "77777777-6666-5555-4444-333333333333"  # an app calling on its own
PERSON = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
OTHER_TENANT = "00000000-0000-0000-0000-0000000000bb"
REF = f"DR-{YEAR}-0001"
PROBLEM_FIELDS = {"type", "title", "status", "detail", "instance"}  # and nothing of the request
M365 = {
    "BOT_MODE": "m365",
    "BOT_STORE": "sqlite",
    "CLIENT_ID": APP,
    "TENANT_ID": TENANT,
    "CLIENT_SECRET": "not-a-real-secret",
}


@pytest.fixture
async def issuer() -> AsyncIterator[TokenIssuer]:
    service = TokenIssuer(TENANT)
    await service.start()
    yield service
    await service.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def connector() -> AsyncIterator[Connector]:
    service = Connector()
    await service.start()
    yield service
    await service.stop()


@pytest.fixture
async def m365(
    tmp_path: Path, issuer: TokenIssuer, http: aiohttp.ClientSession, connector: Connector
) -> AsyncIterator[BotServer]:
    """The bot in m365 mode, with one request in its register (raised in chat, locally,
    against the same data folder)."""
    local = BotServer(tmp_path / "data")
    await local.start()
    await raise_request(TeamsUser(http, local, connector))
    await local.settled()
    await local.stop()
    server = BotServer(tmp_path / "data", {**M365, **issuer.env()}, clock=local.clock)
    server.connections = OwnToken(APP, TENANT)
    await server.start()
    yield server
    await server.stop()


def person_token(issuer: TokenIssuer, now: dt.datetime, **overrides: Any) -> str:
    """A delegated token: the custom connector calling for a signed-in person."""
    claims: dict[str, Any] = {
        "scp": "access_as_user",
        "oid": PERSON,
        "name": "Tess Ortiz",
        "preferred_username": "tess.ortiz@example.gov.uk",
        "roles": [REQUESTS_READ, REQUESTS_WRITE],
        **overrides,
    }
    return issuer.entra_token(AUDIENCE, CONNECTOR_APP, now, **claims)


def app_token(issuer: TokenIssuer, now: dt.datetime, **overrides: Any) -> str:
    """An app-only token: a flow's service principal calling on its own."""
    claims: dict[str, Any] = {"idtyp": "app", "oid": FLOW_APP, "roles": [REQUESTS_READ]}
    return issuer.entra_token(APP, FLOW_APP, now, **{**claims, **overrides})


def signed_as_is(claims: dict[str, Any], key: SigningKey) -> str:
    """Signed rightly, with claims PyJWT would not write (an issuer in a list)."""
    payload = json.dumps(claims).encode()
    return jwt.PyJWS().encode(payload, key.private, "RS256", {"kid": key.kid})


def stamp(when: dt.datetime) -> int:
    return int(when.timestamp())


def unsigned(claims: dict[str, Any], header: dict[str, Any]) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part(header)}.{part(claims)}."


def claims_of(token: str) -> dict[str, Any]:
    found: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return found


def bad_tokens(issuer: TokenIssuer, now: dt.datetime) -> dict[str, tuple[str, str]]:
    """Tokens each with one thing wrong: what is wrong -> (token, the reason logged)."""
    good = claims_of(person_token(issuer, now))
    later, earlier = dt.timedelta(minutes=6), dt.timedelta(hours=1)
    published = issuer.entra_key.kid
    other_issuer = f"https://login.microsoftonline.com/{OTHER_TENANT}/v2.0"
    return {
        "not a token": ("not-a-token", "unreadable token"),
        "expired over five minutes ago": (
            person_token(issuer, now, nbf=stamp(now - earlier), exp=stamp(now - later)),
            "the token has expired",
        ),
        "not valid for six minutes yet": (
            person_token(issuer, now, nbf=stamp(now + later), exp=stamp(now + earlier)),
            "the token is not valid yet",
        ),
        "with no expiry": (person_token(issuer, now, exp=None), "MissingRequiredClaimError"),
        "for another API": (
            person_token(issuer, now, aud="api://someone-elses-api"),
            "audience 'api://someone-elses-api' is not this API",
        ),
        "for the Bot Framework": (
            person_token(issuer, now, aud="https://api.botframework.com"),
            "is not this API",
        ),
        "from another tenant's issuer": (
            person_token(issuer, now, iss=other_issuer),
            "is not our tenant's",
        ),
        "from the Bot Framework's issuer": (
            person_token(issuer, now, iss="https://api.botframework.com"),
            "is not our tenant's",
        ),
        "naming its issuer in a list": (
            signed_as_is({**good, "iss": [issuer.entra_issuer]}, issuer.entra_key),
            "is not our tenant's",
        ),
        "from another tenant": (
            person_token(issuer, now, tid=OTHER_TENANT),
            f"tenant '{OTHER_TENANT}' is not ours",
        ),
        "with no tenant": (person_token(issuer, now, tid=None), "MissingRequiredClaimError"),
        "signed with another key under our key's id": (
            TokenIssuer.sign(good, SigningKey(kid=published)),
            "InvalidSignatureError",
        ),
        "with a changed claim after signing": (
            _tampered(person_token(issuer, now)),
            "InvalidSignatureError",
        ),
        "signed with a key nobody publishes": (
            TokenIssuer.sign(good, SigningKey()),
            "a key the issuer does not publish",
        ),
        "unsigned (alg none)": (
            unsigned(good, {"alg": "none", "typ": "JWT", "kid": published}),
            "algorithm 'none' is not RS256",
        ),
        "signed with a shared secret (HS256)": (
            _hs256(good, published),
            "algorithm 'HS256' is not RS256",
        ),
        "delegated, but naming no person": (
            person_token(issuer, now, oid=None),
            "without the person's oid",
        ),
        "app-only, but naming no app": (
            app_token(issuer, now, azp=None),
            "an app token without azp or appid",
        ),
    }


def _tampered(token: str) -> str:
    header, _, rest = token.partition(".")
    payload, _, signature = rest.partition(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["roles"] = [REQUESTS_READ, REQUESTS_WRITE, DECISIONS_WRITE]
    changed = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{changed}.{signature}"


def _hs256(claims: dict[str, Any], kid: str) -> str:
    return jwt.encode(claims, "a-shared-secret-of-32-bytes-or-more!", "HS256", {"kid": kid})


async def test_every_wrong_token_gets_the_same_plain_401(
    m365: BotServer, issuer: TokenIssuer, http: aiohttp.ClientSession, caplog: Any
) -> None:
    caplog.set_level(logging.INFO, logger="bot.api.auth")
    # One call each (failed sign-ins from one address are rate limited too), to a list
    # and to one request in turn.
    cases = bad_tokens(issuer, m365.clock.now()).items()
    for number, (name, (token, reason)) in enumerate(cases):
        path = "requests" if number % 2 else f"requests/{REF}"
        caplog.clear()
        answer = await ApiClient(http, m365, token=token).get(path)
        logged = [r.getMessage() for r in caplog.records if r.name == "bot.api.auth"]
        assert len(logged) == 1 and reason in logged[0], (name, logged)
        assert answer.status == 401, (name, path, answer.status, answer.body)
        assert answer.problem["detail"] == SIGN_IN_AGAIN, name
        assert answer.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"', name
        assert set(answer.body) == PROBLEM_FIELDS, name


@pytest.mark.parametrize(
    "authorization", [None, "", "Bearer", "Bearer   ", "Basic dGVzczpzZWNyZXQ=", "token abc"]
)
async def test_no_bearer_token_is_told_how_to_sign_in(
    m365: BotServer, http: aiohttp.ClientSession, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    answer = await ApiClient(http, m365, key="").call("GET", f"requests/{REF}", headers=headers)
    assert answer.status == 401
    assert answer.problem["detail"] == SIGN_IN
    assert answer.headers["WWW-Authenticate"] == "Bearer"


async def test_the_api_key_does_nothing_in_m365_mode(
    m365: BotServer, http: aiohttp.ClientSession
) -> None:
    answer = await ApiClient(http, m365, key="test-api-key-0123456789abcdef").get(f"requests/{REF}")
    assert (answer.status, answer.problem["detail"]) == (401, SIGN_IN)


async def test_a_right_token_for_a_person_or_an_app_is_let_in(
    m365: BotServer, issuer: TokenIssuer, http: aiohttp.ClientSession
) -> None:
    now = m365.clock.now()
    v1_app = issuer.entra_token(
        AUDIENCE,
        FLOW_APP,
        now,
        azp=None,
        appid=FLOW_APP,
        iss=f"https://sts.windows.net/{TENANT}/",
        ver="1.0",
        roles=[REQUESTS_READ],
    )
    right = {
        "person, App ID URI audience": person_token(issuer, now),
        "person, client id audience": person_token(issuer, now, aud=APP),
        "person, expired four minutes ago (within the clock skew)": person_token(
            issuer, now, exp=stamp(now - dt.timedelta(minutes=4))
        ),
        "app, version 2": app_token(issuer, now),
        "app, version 1": v1_app,
    }
    for name, token in right.items():
        api = ApiClient(http, m365, token=token)
        one = await api.get(f"requests/{REF}")
        assert one.status == 200, (name, one.body)
        assert one.body["reference"] == REF
        assert (await api.get("requests")).status == 200, name
        assert (await api.get(f"requests/DR-{YEAR}-0999")).status == 404, name


async def test_the_clock_decides_when_a_token_expires(
    m365: BotServer, issuer: TokenIssuer, http: aiohttp.ClientSession
) -> None:
    api = ApiClient(http, m365, token=person_token(issuer, m365.clock.now()))
    assert (await api.get(f"requests/{REF}")).status == 200
    m365.clock.advance(dt.timedelta(hours=1, minutes=4))
    assert (await api.get(f"requests/{REF}")).status == 200, "five minutes' skew"
    m365.clock.advance(dt.timedelta(minutes=2))
    assert (await api.get(f"requests/{REF}")).status == 401


async def test_a_missing_role_is_403_and_says_which(
    m365: BotServer, issuer: TokenIssuer, http: aiohttp.ClientSession
) -> None:
    now = m365.clock.now()
    for token in (
        person_token(issuer, now, roles=None),
        person_token(issuer, now, roles=[DECISIONS_WRITE, "Requests.ReadAll"]),
        person_token(issuer, now, roles="Requests.Read"),  # not a list
        app_token(issuer, now, roles=[]),
    ):
        answer = await ApiClient(http, m365, token=token).get(f"requests/{REF}")
        assert answer.status == 403, answer.body
        assert answer.problem["detail"] == (
            "You need the Requests.Read role for this. Ask your IT team to assign it."
        )


async def test_an_app_on_its_own_cannot_create_a_request(
    m365: BotServer, issuer: TokenIssuer, http: aiohttp.ClientSession
) -> None:
    now = m365.clock.now()
    token = app_token(issuer, now, roles=[REQUESTS_READ, REQUESTS_WRITE])
    answer = await ApiClient(http, m365, token=token).post("requests", {})
    assert answer.status == 403, answer.body
    assert "signed-in person, not by an app on its own" in answer.problem["detail"]
    # A person with the same role gets past sign-in and roles (to the checks of the body).
    answer = await ApiClient(http, m365, token=person_token(issuer, now)).post("requests", {})
    assert answer.status == 422, answer.body


async def test_made_up_key_ids_read_the_keys_again_at_most_once_a_minute(
    m365: BotServer, issuer: TokenIssuer, http: aiohttp.ClientSession
) -> None:
    now = m365.clock.now()
    api = ApiClient(http, m365, token=person_token(issuer, now))
    assert (await api.get(f"requests/{REF}")).status == 200
    read = issuer.requests
    good = claims_of(person_token(issuer, now))
    for _ in range(5):
        made_up = ApiClient(http, m365, token=TokenIssuer.sign(good, SigningKey()))
        assert (await made_up.get(f"requests/{REF}")).status == 401
    assert issuer.requests - read <= 2, "one read of the metadata and the keys, at most"


# The same sign-in in front of a test-only operation that says who it thinks is calling.


class NoIdempotency:
    async def begin(self, scope: str, key: str, fingerprint: str) -> Remembered | None:
        return None

    async def finish(self, scope: str, key: str, answer: Remembered) -> None:
        return None

    async def abandon(self, scope: str, key: str) -> None:
        return None


class Who(pydantic.BaseModel):
    kind: str
    user_id: str
    name: str
    app_id: str
    tenant_id: str
    roles: list[str]


async def who(call: ApiCall) -> ApiResult:
    c = call.caller
    return ApiResult(200, Who(**{**c.__dict__, "roles": sorted(c.roles)}))


WHO = ApiOperation("WhoAmI", "GET", "/whoami", "Who am I", "Test only.", "Test", who)
ACT = ApiOperation("ActAsSomeone", "POST", "/act", "Act", "Test only.", "Test", who, person=True)


@pytest.fixture
async def serve(
    http: aiohttp.ClientSession,
) -> AsyncIterator[Callable[[Any], Awaitable[str]]]:
    runners: list[web.AppRunner] = []

    async def start(auth: Any) -> str:
        api = ApiServer(auth=auth, limiter=TokenBuckets(1000), idempotency=NoIdempotency())
        api.start([WHO, ACT])
        app = web.Application()
        for op in (WHO, ACT):
            app.router.add_route(op.method, op.full_path, api.route(op))
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        runners.append(runner)
        return f"http://127.0.0.1:{runner.addresses[0][1]}/api/v1"

    yield start
    for runner in runners:
        await runner.cleanup()


async def call(
    http: aiohttp.ClientSession, url: str, headers: dict[str, str], method: str = "GET"
) -> tuple[int, Any]:
    async with http.request(method, url, headers=headers) as response:
        return response.status, await response.json(content_type=None)


def entra(issuer: TokenIssuer, clock: SettableClock, **env: str) -> Any:
    settings = load_settings({**M365, **issuer.env(), **env})
    return _api_auth(settings, True, clock)


async def test_a_delegated_token_names_the_person_and_an_app_token_no_one(
    issuer: TokenIssuer, http: aiohttp.ClientSession, serve: Any
) -> None:
    clock = SettableClock(START)
    url = await serve(entra(issuer, clock))
    now = clock.now()
    bearer = {"Authorization": f"Bearer {person_token(issuer, now)}"}
    status, body = await call(http, f"{url}/whoami", bearer)
    assert status == 200
    assert body == {
        "kind": "user",
        "user_id": PERSON,
        "name": "Tess Ortiz",
        "app_id": CONNECTOR_APP,
        "tenant_id": TENANT,
        "roles": [REQUESTS_READ, REQUESTS_WRITE],
    }
    assert (await call(http, f"{url}/act", bearer, "POST"))[0] == 200
    no_name = person_token(issuer, now, name=None)
    status, body = await call(http, f"{url}/whoami", {"Authorization": f"Bearer {no_name}"})
    assert body["name"] == "tess.ortiz@example.gov.uk"

    bearer = {"Authorization": f"Bearer {app_token(issuer, now)}"}
    status, body = await call(http, f"{url}/whoami", bearer)
    assert (status, body["kind"], body["user_id"], body["app_id"]) == (200, "app", "", FLOW_APP)
    status, body = await call(http, f"{url}/act", bearer, "POST")
    assert status == 403
    # Without scp a token is an app's, whatever else it carries.
    sneaky = app_token(issuer, now, idtyp=None, oid=PERSON, name="Tess Ortiz")
    status, body = await call(http, f"{url}/whoami", {"Authorization": f"Bearer {sneaky}"})
    assert (body["kind"], body["user_id"]) == ("app", "")
    status, _ = await call(http, f"{url}/act", {"Authorization": f"Bearer {sneaky}"}, "POST")
    assert status == 403


async def test_allowed_tenants_narrows_who_is_let_in(
    issuer: TokenIssuer, http: aiohttp.ClientSession, serve: Any
) -> None:
    clock = SettableClock(START)
    url = await serve(entra(issuer, clock, ALLOWED_TENANTS=OTHER_TENANT))
    token = person_token(issuer, clock.now())
    status, body = await call(http, f"{url}/whoami", {"Authorization": f"Bearer {token}"})
    assert (status, body["detail"]) == (401, SIGN_IN_AGAIN)


async def test_a_custom_audience_is_the_only_one_accepted(
    issuer: TokenIssuer, http: aiohttp.ClientSession, serve: Any
) -> None:
    clock = SettableClock(START)
    custom = "https://dfd.example.gov.uk/api"
    url = await serve(entra(issuer, clock, API_AUDIENCE=custom))
    for audience, status in ((custom, 200), (AUDIENCE, 401), (APP, 401)):
        token = person_token(issuer, clock.now(), aud=audience)
        got, _ = await call(http, f"{url}/whoami", {"Authorization": f"Bearer {token}"})
        assert got == status, audience


async def test_unreadable_signing_keys_are_our_problem_not_the_callers(
    issuer: TokenIssuer, http: aiohttp.ClientSession, serve: Any
) -> None:
    clock = SettableClock(START)
    token = person_token(issuer, clock.now())
    await issuer.stop()  # nobody answers at the metadata address now
    url = await serve(entra(issuer, clock))
    async with http.get(f"{url}/whoami", headers={"Authorization": f"Bearer {token}"}) as got:
        assert got.status == 503
        assert got.headers["Retry-After"] == "60"
        body = await got.json(content_type=None)
    assert body["detail"] == "We cannot check sign-ins just now. Try again in a few minutes."


def test_entra_auth_is_built_for_m365_mode_and_the_key_otherwise(issuer: TokenIssuer) -> None:
    clock = SettableClock(START)
    assert isinstance(entra(issuer, clock), EntraAuth)
    local = _api_auth(load_settings(API_ENV), False, clock)
    assert not isinstance(local, EntraAuth)


# Local mode: the API key.


@pytest.fixture
async def local(
    tmp_path: Path, http: aiohttp.ClientSession, connector: Connector
) -> AsyncIterator[BotServer]:
    server = BotServer(tmp_path / "data", {**API_ENV})
    await server.start()
    await raise_request(TeamsUser(http, server, connector))
    await server.settled()
    yield server
    await server.stop()


async def test_the_api_key_lets_in_only_the_right_key(
    local: BotServer, http: aiohttp.ClientSession
) -> None:
    answer = await ApiClient(http, local).get(f"requests/{REF}")
    assert (answer.status, answer.body["reference"]) == (200, REF)
    for key, says in (
        ("", "Send the API key in the X-API-Key header."),
        ("test-api-key-0123456789abcdeX", "The API key is not right."),
        ("test-api-key", "The API key is not right."),
    ):
        answer = await ApiClient(http, local, key=key).get(f"requests/{REF}")
        assert (answer.status, answer.problem["detail"]) == (401, says), key
        assert set(answer.body) == PROBLEM_FIELDS
    bearer = ApiClient(http, local, key="", token="anything")
    assert (await bearer.get(f"requests/{REF}")).status == 401


async def test_without_api_key_the_api_is_off_and_says_how_to_switch_it_on(
    tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    server = BotServer(tmp_path / "data")
    await server.start()
    try:
        answer = await ApiClient(http, server).get(f"requests/{REF}")
    finally:
        await server.stop()
    assert answer.status == 401
    assert answer.problem["detail"] == (
        "The API is switched off. To switch it on, set API_KEY in the bot's environment "
        "and send it in the X-API-Key header."
    )


async def test_the_key_acts_as_api_key_user_with_every_role(
    http: aiohttp.ClientSession, serve: Any
) -> None:
    clock = SettableClock(START)
    key = API_ENV["API_KEY"]
    for user, name in (
        (f"{PERSON}:Tess Ortiz", "Tess Ortiz"),
        (PERSON, "API key user"),
        ("", "Alex Wilber"),
    ):
        settings = load_settings({"API_KEY": key, "API_KEY_USER": user})
        url = await serve(_api_auth(settings, False, clock))
        status, body = await call(http, f"{url}/whoami", {"X-API-Key": key})
        assert status == 200
        assert (body["kind"], body["name"]) == ("key", name)
        assert body["user_id"] == (PERSON if user else settings.api.key_user)
        assert body["roles"] == sorted([REQUESTS_READ, REQUESTS_WRITE, DECISIONS_WRITE])
