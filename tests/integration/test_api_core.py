"""The REST API's core, over real HTTP: a problem document for every mistake, in plain
words; idempotent calls kept in SQLite or Azure Table storage (across a restart, for 24
hours); rate limits with Retry-After; answers never cached; HEAD on every GET.

Most promises are shown on the real bot (GetRequest, CreateRequest). What no journey
does (a handler that fails, one that waits) runs on a small app around the same
ApiServer with test-only operations.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import aiohttp
import pydantic
import pytest
from aiohttp import web
from pydantic import AwareDatetime, Field

from bot.api.idempotency import SqliteIdempotency
from bot.api.models import ApiModel
from bot.api.operations import (
    ROLES,
    ApiCall,
    ApiCaller,
    ApiOperation,
    ApiResult,
    Problem,
)
from bot.api.problems import standard
from bot.api.ratelimit import TokenBuckets
from bot.api.server import ApiServer, IdempotencyStore, Remembered, field_problems, mount
from bot.app import API
from bot.azure_state.account import AzureState
from bot.azure_state.idempotency import AzureIdempotency
from bot.azure_state.settings import StateSettings
from tests.support.api import API_ENV, ApiClient
from tests.support.azurite import Azurite, new_prefix
from tests.support.clock import SettableClock
from tests.support.fake_graph import FakeGraph
from tests.support.graph import connect
from tests.support.identity import OwnToken, TokenIssuer
from tests.support.teams import START, TENANT, BotServer

SECRET = "hunter2-at-/srv/secret.db"  # in an exception's text: must never reach a caller
PROBLEM = "application/problem+json"

# ---------------------------------------------------------------------------------------
# A small app around ApiServer, with operations no journey has


class ThingIn(ApiModel):
    name: str = Field(min_length=1, max_length=40)
    size: int = Field(ge=1, le=10)
    kind: Literal["small", "large"]
    due: dt.date | None = None
    at: AwareDatetime | None = None
    urgent: bool = False
    tags: list[str] = Field(default_factory=list, max_length=3)


class ThingOut(ApiModel):
    number: int
    name: str


class ThingsQuery(ApiModel):
    top: int = Field(default=25, ge=1, le=100)
    kind: list[Literal["small", "large"]] = Field(default_factory=list)
    since: dt.date | None = None


class ThingsPage(ApiModel):
    top: int
    kind: list[str]
    since: dt.date | None


def person(user_id: str, name: str) -> ApiCaller:
    return ApiCaller("key", user_id, name, "", "", frozenset(ROLES))


KEYS = {
    "key-alex": person("alex-id", "Alex Wilber"),
    "key-megan": person("megan-id", "Megan Bowen"),
}


class Keys:
    """Two people, each with their own key (the bot's ApiKeyAuth has one)."""

    async def caller(self, request: web.Request) -> ApiCaller:
        found = KEYS.get(request.headers.get("X-API-Key", ""))
        if found is None:
            raise standard(401, "The API key is not right.")
        return found


@dataclass
class Ticks:
    """A monotonic clock that moves only when told."""

    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Workshop:
    """Makes things. Can be told to wait, to fail, or to answer 503."""

    made: list[str] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)
    entered: asyncio.Event = field(default_factory=asyncio.Event)
    gate: asyncio.Event | None = None
    fail_next: int = 0
    unavailable_next: int = 0

    async def make(self, call: ApiCall) -> ApiResult:
        assert isinstance(call.body, ThingIn)
        self.entered.set()
        if self.gate is not None:
            await self.gate.wait()
        if self.fail_next:
            self.fail_next -= 1
            raise RuntimeError(f"could not write to {SECRET}")
        if self.unavailable_next:
            self.unavailable_next -= 1
            return ApiResult(503)
        self.made.append(call.body.name)
        number = len(self.made)
        location = f"{call.base_url}/api/v1/things/{number}"
        return ApiResult(201, ThingOut(number=number, name=call.body.name), {"Location": location})

    async def close(self, call: ApiCall) -> ApiResult:
        self.closed.append(call.path["number"])
        return ApiResult(204)

    async def explode(self, call: ApiCall) -> ApiResult:
        raise RuntimeError(f"password for {SECRET}")

    async def things(self, call: ApiCall) -> ApiResult:
        assert isinstance(call.query, ThingsQuery)
        page = ThingsPage(top=call.query.top, kind=call.query.kind, since=call.query.since)
        return ApiResult(200, page)

    def operations(self) -> tuple[ApiOperation, ...]:
        common: dict[str, Any] = {"summary": "Test", "description": "Test.", "tag": "Test"}
        return (
            ApiOperation(
                "MakeThing", "POST", "/things", handler=self.make, body=ThingIn,
                response=ThingOut, status=201, idempotent=True, **common,
            ),
            ApiOperation(
                "CloseThing", "POST", "/things/{number}/close", handler=self.close,
                status=204, idempotent=True, **common,
            ),
            ApiOperation(
                "ListThings", "GET", "/things", handler=self.things, query=ThingsQuery,
                response=ThingsPage, **common,
            ),
            ApiOperation("Explode", "GET", "/explode", handler=self.explode, **common),
        )  # fmt: skip


@dataclass
class Harness:
    """The small app on 127.0.0.1; restartable against the same api.sqlite3 (or, with
    `azure`, the same Azure Storage account)."""

    data: Path
    azure: AzureState | None = None
    clock: SettableClock = field(default_factory=lambda: SettableClock(START))
    ticks: Ticks = field(default_factory=Ticks)
    per_minute: int = 120
    shop: Workshop = field(default_factory=Workshop)
    url: str = ""
    _runner: web.AppRunner | None = None

    def idempotency(self) -> IdempotencyStore:
        if self.azure is not None:
            return AzureIdempotency(self.azure, self.clock)
        return SqliteIdempotency(self.data / "api.sqlite3", self.clock)

    async def start(self) -> None:
        store = self.idempotency()
        api = ApiServer(
            auth=Keys(),
            limiter=TokenBuckets(self.per_minute, monotonic=self.ticks),
            idempotency=store,
            failures=TokenBuckets(30, monotonic=self.ticks),
        )
        app = web.Application()
        mount(app, api, self.shop.operations())
        api.start(self.shop.operations())
        app.on_cleanup.append(lambda _: store.close())
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def restart(self) -> None:
        await self.stop()
        await self.start()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def harness(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Harness]:
    """Idempotency keys in SQLite, or with `indirect` "azure", on Azurite."""
    azure = None
    if getattr(request, "param", "sqlite") == "azure":
        azurite: Azurite = request.getfixturevalue("azurite")
        settings = StateSettings("azure", azurite.connection_string, prefix=new_prefix())
        azure = AzureState(settings)
    served = Harness(tmp_path / "api", azure=azure)
    await served.start()
    yield served
    await served.stop()
    if azure is not None:
        await azure.close()


# The idempotency tests run with the keys in each place they can be kept.
both_stores = pytest.mark.parametrize("harness", ["sqlite", "azure"], indirect=True)


@pytest.fixture
def alex(http: aiohttp.ClientSession, harness: Harness) -> ApiClient:
    return ApiClient(http, harness, key="key-alex")


@pytest.fixture
def megan(http: aiohttp.ClientSession, harness: Harness) -> ApiClient:
    return ApiClient(http, harness, key="key-megan")


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[BotServer]:
    server = BotServer(tmp_path / "data", env={**API_ENV})
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def api(http: aiohttp.ClientSession, bot: BotServer) -> ApiClient:
    return ApiClient(http, bot)


THING = {"name": "Kettle", "size": 3, "kind": "small"}


def key(name: str) -> dict[str, str]:
    return {"Idempotency-Key": name}


def fields(answer: Any) -> dict[str, str]:
    return {e["field"]: e["message"] for e in answer.problem.get("errors", [])}


# ---------------------------------------------------------------------------------------
# The shape of every problem, and answers under /api/v1/


async def test_a_problem_has_type_title_status_detail_and_instance(api: ApiClient) -> None:
    answer = await api.get("requests/DR-2026-0999")
    assert answer.status == 404
    assert answer.headers["Content-Type"].startswith(PROBLEM)
    assert answer.problem == {
        "type": "urn:digital-front-door:problem:not-found",
        "title": "Not found",
        "status": 404,
        "detail": "There is no request DR-2026-0999.",
        "instance": "/api/v1/requests/DR-2026-0999",
    }


async def test_a_field_problem_names_the_field(alex: ApiClient) -> None:
    answer = await alex.post("things", {**THING, "size": 11})
    assert answer.status == 422
    assert answer.problem["type"] == "urn:digital-front-door:problem:validation"
    assert answer.problem["title"] == "Check your answers"
    assert answer.problem["errors"] == [
        {"field": "size", "message": "Enter a number of at most 10."}
    ]
    assert answer.problem["detail"] == "Enter a number of at most 10. (size)"


@pytest.mark.parametrize(
    "path", ["/api/v1/nothing", "/api/v1", "/api/v1/", "/api/v1/requests/DR-2026-0001/extra"]
)
async def test_an_unknown_address_under_the_api_is_a_404_problem(api: ApiClient, path: str) -> None:
    answer = await api.get(path)
    assert answer.status == 404
    assert answer.problem["detail"] == "There is nothing at this address."
    assert answer.headers["Cache-Control"] == "no-store"


async def test_other_addresses_are_not_api_answers(api: ApiClient) -> None:
    answer = await api.get("/healthz")
    assert answer.status == 200 and answer.body["status"] == "ok"
    assert "Cache-Control" not in answer.headers
    missing = await api.get("/no-such-page")
    assert missing.status == 404
    assert not missing.headers.get("Content-Type", "").startswith(PROBLEM)


async def test_the_wrong_method_is_a_405_problem_with_allow(api: ApiClient) -> None:
    answer = await api.call("DELETE", "requests/DR-2026-0001")
    assert answer.status == 405
    assert answer.headers["Allow"] == "GET, HEAD"
    assert answer.problem["detail"] == "This address accepts GET or HEAD only."
    document = await api.call("PUT", "openapi.json", body={})
    assert document.status == 405 and document.problem["status"] == 405


async def test_head_works_on_get_routes(api: ApiClient, alex: ApiClient) -> None:
    document = await api.call("HEAD", "openapi.json")
    assert document.status == 200 and document.body is None
    missing = await api.call("HEAD", "requests/DR-2026-0999")
    assert missing.status == 404 and missing.body is None
    listed = await alex.call("HEAD", "things")
    assert listed.status == 200 and listed.body is None
    assert listed.headers["Content-Type"].startswith("application/json")
    assert listed.headers["Cache-Control"] == "no-store"


async def test_api_answers_are_never_cached(api: ApiClient, alex: ApiClient) -> None:
    for answer in (
        await api.get("openapi.json"),
        await api.get("requests/DR-2026-0999"),
        await alex.get("things"),
        await alex.post("things", THING),
        await alex.get("explode"),
    ):
        assert answer.headers["Cache-Control"] == "no-store", answer


async def test_a_path_part_too_long_is_a_plain_problem(api: ApiClient) -> None:
    answer = await api.get("requests/DR-" + "9" * 500)
    assert answer.status == 400
    assert answer.problem["detail"] == (
        "The address is too long. Each part can have at most 100 characters."
    )
    assert len(answer.problem["instance"]) <= 300


# ---------------------------------------------------------------------------------------
# Bodies


async def test_a_body_that_is_not_json_is_415(alex: ApiClient) -> None:
    answer = await alex.call(
        "POST", "things", data=b"name=Kettle", headers={"Content-Type": "text/plain"}
    )
    assert answer.status == 415
    assert answer.problem["detail"] == (
        "Send the body as JSON, with Content-Type: application/json."
    )


@pytest.mark.parametrize(
    ("sent", "detail"),
    [
        (b'{"name": "Kettle",', "The body is not valid JSON. Check its brackets and quotes."),
        (b"", "The body is not valid JSON. Check its brackets and quotes."),
        (b'{"name": "\xff\xfe"}', "The body is not valid JSON. Check its brackets and quotes."),
        (b'["Kettle"]', "The body must be a JSON object, in curly brackets { }."),
        (b"null", "The body must be a JSON object, in curly brackets { }."),
        (b'{"a":' * 40 + b"1" + b"}" * 40, "The JSON is nested too deeply (more than 32 levels)."),
        (b"[" * 100_000 + b"]" * 100_000, "The JSON is nested too deeply (more than 32 levels)."),
        (
            b'{"name": "Kettle", "size": ' + b"7" * 5000 + b"}",
            "A number in the body has too many digits. Send numbers of at most 4,300 digits.",
        ),
        (
            b'{"name": "Kettle", "size": -' + b"7" * 4301 + b"}",
            "A number in the body has too many digits. Send numbers of at most 4,300 digits.",
        ),
        (
            b'{"name": "Kettle", "size": 1e400}',
            "A number in the body is too large. Check the numbers you send.",
        ),
        (
            b'{"name": "Kettle", "size": NaN}',
            "The body is not valid JSON. Check its brackets and quotes.",
        ),
        (b'{"size": -Infinity}', "The body is not valid JSON. Check its brackets and quotes."),
    ],
)
async def test_a_body_we_cannot_read_is_a_400_problem(
    alex: ApiClient, harness: Harness, sent: bytes, detail: str
) -> None:
    answer = await alex.call(
        "POST", "things", data=sent, headers={"Content-Type": "application/json"}
    )
    assert answer.status == 400
    assert answer.problem["detail"] == detail
    assert harness.shop.made == []


async def test_a_long_number_that_python_can_read_is_checked_as_usual(alex: ApiClient) -> None:
    answer = await alex.post("things", {**THING, "size": int("7" * 4300)})
    assert answer.status == 422
    assert [error["field"] for error in answer.problem["errors"]] == ["size"]


async def test_a_body_too_large_is_413(alex: ApiClient, harness: Harness) -> None:
    big = {**THING, "name": "x" * (300 * 1024)}
    answer = await alex.post("things", big)
    assert answer.status == 413
    assert answer.problem["detail"] == "The body is too large. Send at most 256 KB."
    assert harness.shop.made == []


async def test_every_field_problem_at_once_in_plain_words(alex: ApiClient) -> None:
    answer = await alex.post(
        "things",
        {
            "name": "x" * 41,
            "size": "big",
            "kind": "medium",
            "due": "31/12/2026",
            "at": "2026-12-31T09:30:00",
            "urgent": "perhaps",
            "tags": ["a", "b", "c", "d"],
            "colour": "red",
        },
    )
    assert answer.status == 422
    assert fields(answer) == {
        "name": "Use 40 characters or fewer.",
        "size": "Enter a whole number, like 25.",
        "kind": "Choose one of: small or large.",
        "due": "Enter a date like 2027-03-31.",
        "at": "Add a time zone, like Z for UTC: 2027-03-31T09:30:00Z.",
        "urgent": "Enter true or false.",
        "tags": "Enter 3 values or fewer.",
        "colour": "We do not know this field. Check its spelling, or remove it.",
    }
    assert answer.problem["detail"] == "Some answers need changing."


async def test_missing_and_wrongly_typed_fields(alex: ApiClient) -> None:
    empty = await alex.post("things", {})
    assert fields(empty) == {n: "Enter a value." for n in ("name", "size", "kind")}
    typed = await alex.post(
        "things",
        {
            "name": 12,
            "size": 2.5,
            "kind": "small",
            "tags": "a",
            "at": "soon",
            "due": "2027-03-31T10:30:00",
        },
    )
    assert fields(typed) == {
        "name": "Enter text.",
        "size": "Enter a whole number, like 25.",
        "tags": "Enter a list of values.",
        "at": "Enter a date and time with a time zone, like 2027-03-31T09:30:00Z.",
        "due": "Enter a date without a time, like 2027-03-31.",
    }
    short = await alex.post("things", {**THING, "name": "", "size": 0})
    assert fields(short) == {"name": "Enter a value.", "size": "Enter a number of at least 1."}


async def test_every_error_our_models_raise_has_its_own_sentence(alex: ApiClient) -> None:
    """Each of the error types our models raise has its own sentence."""
    sent = [
        {"name": None, "size": True, "kind": 1},
        {**THING, "tags": [1], "due": "2026-02-30", "urgent": 3},
        {**THING, "size": 99999999999999999999999, "at": "2026-12-31"},
    ]
    for body in sent:
        answer = await alex.post("things", body)
        assert answer.status == 422
        for problem in answer.problem["errors"]:
            assert problem["message"] != "This value is not valid.", problem


# ---------------------------------------------------------------------------------------
# Query strings


async def test_an_unknown_query_parameter_is_named(api: ApiClient, alex: ApiClient) -> None:
    answer = await api.get("requests/DR-2026-0001", staus="submitted")
    assert answer.status == 422
    assert fields(answer) == {"staus": "We do not know this parameter. Check its spelling."}
    listed = await alex.call("GET", "things", params=[("kind", "small"), ("knd", "large")])
    assert fields(listed) == {"knd": "We do not know this parameter. Check its spelling."}


async def test_a_list_takes_repeated_and_comma_separated_values(alex: ApiClient) -> None:
    repeated = await alex.call("GET", "things", params=[("kind", "small"), ("kind", "large")])
    assert repeated.status == 200 and repeated.body["kind"] == ["small", "large"]
    commas = await alex.get("things", kind="small, large")
    assert commas.body["kind"] == ["small", "large"]
    wrong = await alex.get("things", kind="small,medium")
    assert fields(wrong) == {"kind.1": "Choose one of: small or large."}


async def test_a_single_value_given_twice_is_refused(alex: ApiClient) -> None:
    answer = await alex.call("GET", "things", params=[("top", "5"), ("top", "50")])
    assert fields(answer) == {"top": "Give this only once."}


async def test_query_values_are_checked_in_plain_words(alex: ApiClient) -> None:
    answer = await alex.get("things", top="0", since="31/12/2026")
    assert fields(answer) == {
        "top": "Enter a number of at least 1.",
        "since": "Enter a date like 2027-03-31.",
    }
    assert fields(await alex.get("things", top="ten")) == {"top": "Enter a whole number, like 25."}
    good = await alex.get("things", top="10", since="2026-12-31")
    assert good.body == {"top": 10, "kind": [], "since": "2026-12-31"}


# ---------------------------------------------------------------------------------------
# Failures


async def test_a_failing_handler_is_a_plain_500_without_a_trace(
    alex: ApiClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="bot.api.server"):
        answer = await alex.get("explode")
    assert answer.status == 500
    assert answer.problem == {
        "type": "urn:digital-front-door:problem:server-error",
        "title": "Something went wrong on our side",
        "status": 500,
        "detail": "Nothing was changed. Try again later. "
        "If it keeps happening, contact the IT service desk.",
        "instance": "/api/v1/explode",
    }
    said = str(answer.body)
    for leak in ("hunter2", "secret", "Traceback", "RuntimeError", "password"):
        assert leak not in said
    assert any(record.exc_info for record in caplog.records)  # the log has the trace


# ---------------------------------------------------------------------------------------
# Idempotency


@both_stores
async def test_the_same_key_and_body_get_the_first_answer_again(
    alex: ApiClient, harness: Harness
) -> None:
    first = await alex.post("things", THING, headers=key("k-1"))
    assert first.status == 201 and "Idempotency-Replayed" not in first.headers
    respaced = await alex.call(
        "POST",
        "things",
        data=b'{ "kind": "small",  "size": 3, "name": "Kettle" }',
        headers={**key("k-1"), "Content-Type": "application/json"},
    )
    for again in (await alex.post("things", THING, headers=key("k-1")), respaced):
        assert again.status == 201
        assert again.body == first.body == {"number": 1, "name": "Kettle"}
        assert again.headers["Location"] == first.headers["Location"]
        assert again.headers["Idempotency-Replayed"] == "true"
    assert harness.shop.made == ["Kettle"]
    other = await alex.post("things", THING, headers=key("k-2"))
    assert other.body["number"] == 2
    plain = await alex.post("things", THING)
    assert plain.body["number"] == 3


@both_stores
async def test_the_same_key_with_another_body_is_a_422_problem(
    alex: ApiClient, harness: Harness
) -> None:
    await alex.post("things", THING, headers=key("k-1"))
    answer = await alex.post("things", {**THING, "size": 4}, headers=key("k-1"))
    assert answer.status == 422
    assert answer.problem["type"] == "urn:digital-front-door:problem:idempotency-key-reused"
    assert fields(answer) == {"Idempotency-Key": "Use a new key for a new request."}
    assert harness.shop.made == ["Kettle"]


@both_stores
async def test_a_key_is_kept_per_caller_and_per_operation(
    alex: ApiClient, megan: ApiClient, harness: Harness
) -> None:
    mine = await alex.post("things", THING, headers=key("shared"))
    theirs = await megan.post("things", THING, headers=key("shared"))
    assert (mine.body["number"], theirs.body["number"]) == (1, 2)
    closed = await alex.post("things/1/close", None, headers=key("shared"))
    assert closed.status == 204 and harness.shop.closed == ["1"]


@both_stores
async def test_the_same_key_for_another_address_is_another_request(
    alex: ApiClient, harness: Harness
) -> None:
    first = await alex.post("things/1/close", None, headers=key("close"))
    again = await alex.post("things/1/close", None, headers=key("close"))
    assert (first.status, again.status) == (204, 204)
    assert again.headers["Idempotency-Replayed"] == "true" and again.body is None
    other = await alex.post("things/2/close", None, headers=key("close"))
    assert other.status == 422
    assert harness.shop.closed == ["1"]


@both_stores
async def test_a_key_too_long_is_refused(alex: ApiClient, harness: Harness) -> None:
    answer = await alex.post("things", THING, headers=key("k" * 201))
    assert fields(answer) == {"Idempotency-Key": "Use a key of 200 characters or fewer."}
    assert harness.shop.made == []


@both_stores
async def test_a_key_whose_first_call_is_running_is_a_409_with_retry_after(
    alex: ApiClient, harness: Harness
) -> None:
    harness.shop.gate = asyncio.Event()
    first = asyncio.ensure_future(alex.post("things", THING, headers=key("slow")))
    await asyncio.wait_for(harness.shop.entered.wait(), 5)
    busy = await alex.post("things", THING, headers=key("slow"))
    assert busy.status == 409
    assert busy.headers["Retry-After"] == "1"
    assert busy.problem["type"] == "urn:digital-front-door:problem:idempotency-in-progress"
    harness.shop.gate.set()
    assert (await asyncio.wait_for(first, 5)).status == 201
    after = await alex.post("things", THING, headers=key("slow"))
    assert after.headers["Idempotency-Replayed"] == "true"
    assert harness.shop.made == ["Kettle"]


@both_stores
async def test_concurrent_calls_with_one_key_have_one_effect(
    alex: ApiClient, harness: Harness
) -> None:
    answers = await asyncio.gather(
        *(alex.post("things", THING, headers=key("many")) for _ in range(12))
    )
    assert {a.status for a in answers} <= {201, 409}
    assert [a.status for a in answers].count(201) >= 1
    assert harness.shop.made == ["Kettle"]
    again = await alex.post("things", THING, headers=key("many"))
    assert again.body == {"number": 1, "name": "Kettle"}


@both_stores
async def test_a_failed_call_frees_its_key(alex: ApiClient, harness: Harness) -> None:
    harness.shop.fail_next = 1
    failed = await alex.post("things", THING, headers=key("retry"))
    assert failed.status == 500 and failed.problem["status"] == 500
    harness.shop.unavailable_next = 1
    unavailable = await alex.post("things", THING, headers=key("retry"))
    assert unavailable.status == 503
    done = await alex.post("things", THING, headers=key("retry"))
    assert done.status == 201 and "Idempotency-Replayed" not in done.headers
    assert harness.shop.made == ["Kettle"]


@both_stores
async def test_a_body_refused_does_not_take_the_key(alex: ApiClient, harness: Harness) -> None:
    refused = await alex.post("things", {**THING, "size": 0}, headers=key("fix"))
    assert refused.status == 422
    fixed = await alex.post("things", THING, headers=key("fix"))
    assert fixed.status == 201 and harness.shop.made == ["Kettle"]


@both_stores
async def test_a_key_lasts_24_hours(alex: ApiClient, harness: Harness) -> None:
    await alex.post("things", THING, headers=key("day"))
    harness.clock.advance(dt.timedelta(hours=23))
    kept = await alex.post("things", THING, headers=key("day"))
    assert kept.headers.get("Idempotency-Replayed") == "true"
    harness.clock.advance(dt.timedelta(hours=2))
    anew = await alex.post("things", THING, headers=key("day"))
    assert anew.status == 201 and "Idempotency-Replayed" not in anew.headers
    assert anew.body["number"] == 2


@both_stores
async def test_a_first_call_that_died_frees_its_key_after_two_minutes(
    alex: ApiClient, harness: Harness
) -> None:
    """A call still 'running' in the file after its process died does not hold the key."""
    store = harness.idempotency()
    body = json.dumps(THING, sort_keys=True, separators=(",", ":"))  # as the server keeps it
    await store.begin("key:alex-id:MakeThing", "orphan", f"/api/v1/things\n{body}")
    await store.close()
    assert (await alex.post("things", THING, headers=key("orphan"))).status == 409
    harness.clock.advance(dt.timedelta(minutes=3))
    taken = await alex.post("things", THING, headers=key("orphan"))
    assert taken.status == 201 and harness.shop.made == ["Kettle"]


@both_stores
async def test_a_retry_after_a_restart_gets_the_first_answer(
    alex: ApiClient, harness: Harness
) -> None:
    first = await alex.post("things", THING, headers=key("restart"))
    await harness.restart()
    again = await alex.post("things", THING, headers=key("restart"))
    assert again.body == first.body and again.headers["Idempotency-Replayed"] == "true"
    assert harness.shop.made == ["Kettle"]


@both_stores
async def test_any_text_is_a_key_and_keys_are_kept_apart(harness: Harness) -> None:
    store = harness.idempotency()
    done = Remembered(201, '{"n": 1}', {"Location": "/things/1"})
    awkward = ["a/b#c?d\\e", "%" * 200, "tab\tnew line\n 日本語 😀", "O'Brien", "x" * 199 + "1"]
    for text in awkward:
        assert await store.begin(f"key:{text}:MakeThing", text, "body") is None
        await store.finish(f"key:{text}:MakeThing", text, done)
    for text in awkward:
        assert await store.begin(f"key:{text}:MakeThing", text, "body") == done
    assert await store.begin("key:a/b#c?d\\e:MakeThing", "x" * 199 + "2", "body") is None
    await store.close()


@both_stores
async def test_two_instances_starting_one_key_at_once_let_one_go_ahead(
    harness: Harness,
) -> None:
    other = Harness(harness.data, azure=harness.azure, clock=harness.clock)
    stores = [harness.idempotency(), other.idempotency()]
    if harness.azure is not None:  # clients of its own, as another process has
        other.azure = AzureState(harness.azure.settings)
        stores[1] = other.idempotency()
    try:
        answers = await asyncio.gather(
            *(s.begin("key:alex-id:MakeThing", "race", "body") for _ in range(10) for s in stores),
            return_exceptions=True,
        )
    finally:
        for store in stores:
            await store.close()
        if harness.azure is not None and other.azure is not None:
            await other.azure.close()
    assert answers.count(None) == 1
    refused = [a for a in answers if a is not None]
    assert all(isinstance(a, Problem) and a.status == 409 for a in refused)


@pytest.mark.parametrize("harness", ["azure"], indirect=True)
async def test_keys_past_a_day_are_deleted_from_the_table(harness: Harness) -> None:
    """Azure Table storage keeps rows for ever: old keys are deleted, so it does not grow."""
    assert harness.azure is not None
    store = harness.idempotency()
    for n in range(3):
        assert await store.begin("key:alex-id:MakeThing", f"old-{n}", "body") is None
    harness.clock.advance(dt.timedelta(hours=2))
    assert await store.begin("key:alex-id:MakeThing", "newer", "body") is None
    harness.clock.advance(dt.timedelta(hours=23))
    assert await store.begin("key:alex-id:MakeThing", "newest", "body") is None
    table = await harness.azure.table("idempotency")
    kept = sorted([row["RowKey"] async for row in table.list_entities()])
    assert kept == ["newer", "newest"]


CREATE = {
    "title": "Book meeting rooms online",
    "problem": "Staff phone round to find a free room, which wastes an hour a week.",
    "affectedStaff": 40,
    "directorate": "Corporate Services",
    "kind": "new_system",
    "involvesProcurement": False,
    "personalData": False,
    "budget": "none",
    "drivers": ["efficiency"],
}


async def test_the_bot_answers_a_retried_create_after_a_restart(
    api: ApiClient, bot: BotServer, tmp_path: Path
) -> None:
    first = await api.post("requests", CREATE, headers=key("create-1"))
    assert first.status == 201, first.body
    await bot.restart()
    again = await api.post("requests", CREATE, headers=key("create-1"))
    assert again.status == 201
    assert again.headers["Idempotency-Replayed"] == "true"
    assert again.body["reference"] == first.body["reference"]
    assert again.headers["Location"] == first.headers["Location"]
    assert (tmp_path / "data" / "api.sqlite3").exists()
    bot.clock.advance(dt.timedelta(hours=25))
    later = await api.post("requests", CREATE, headers=key("create-1"))
    assert later.status == 201 and "Idempotency-Replayed" not in later.headers
    assert later.body["reference"] != first.body["reference"]


async def test_the_bot_on_azure_answers_a_retry_to_another_instance(
    http: aiohttp.ClientSession, tmp_path: Path, fake: FakeGraph, azurite: Azurite
) -> None:
    """With STATE_STORE=azure, Idempotency-Keys are in Azure Table storage: a retry that
    reaches another instance (its own DATA_DIR) gets the first answer, and no instance
    keeps them in a file of its own."""
    env = {**API_ENV, "BOT_STORE": "sharepoint", **azurite.env()}
    first_bot = BotServer(tmp_path / "one", env, graph=lambda: connect(fake))
    second_bot = BotServer(tmp_path / "two", env, graph=lambda: connect(fake))
    await first_bot.start()
    await second_bot.start()
    try:
        first = await ApiClient(http, first_bot).post("requests", CREATE, headers=key("az-1"))
        assert first.status == 201, first.body
        again = await ApiClient(http, second_bot).post("requests", CREATE, headers=key("az-1"))
        assert again.status == 201 and again.headers["Idempotency-Replayed"] == "true"
        assert again.body["reference"] == first.body["reference"]
    finally:
        await second_bot.stop()
        await first_bot.stop()
    assert not list(tmp_path.glob("*/api.sqlite3"))


# ---------------------------------------------------------------------------------------
# Rate limits


async def test_a_caller_over_its_rate_is_told_when_to_come_back(
    http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    served = Harness(tmp_path / "api", per_minute=3)
    await served.start()
    try:
        alex = ApiClient(http, served, key="key-alex")
        megan = ApiClient(http, served, key="key-megan")
        assert [(await alex.get("things")).status for _ in range(3)] == [200, 200, 200]
        refused = await alex.get("things")
        assert refused.status == 429
        assert refused.headers["Retry-After"] == "20"
        assert refused.problem["detail"] == "Too many requests. Wait 20 seconds, then try again."
        assert (await megan.get("things")).status == 200  # each caller has their own share
        served.ticks.now += 19.5
        assert (await alex.get("things")).headers["Retry-After"] == "1"
        served.ticks.now += 1
        assert (await alex.get("things")).status == 200
    finally:
        await served.stop()


async def test_the_bot_limits_each_caller_at_api_rate_limit(
    http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    bot = BotServer(tmp_path / "data", env={**API_ENV, "API_RATE_LIMIT": "2"})
    await bot.start()
    try:
        ticks = Ticks()
        limiter = bot.app[API].limiter if bot.app else None
        assert isinstance(limiter, TokenBuckets)
        limiter.monotonic = ticks
        api = ApiClient(http, bot)
        statuses = [(await api.get("requests/DR-2026-0999")).status for _ in range(3)]
        assert statuses == [404, 404, 429]
        ticks.now += 30
        assert (await api.get("requests/DR-2026-0999")).status == 404
    finally:
        await bot.stop()


async def test_failed_sign_ins_are_limited_by_address(
    http: aiohttp.ClientSession, alex: ApiClient, harness: Harness
) -> None:
    guesser = ApiClient(http, harness, key="guess")
    statuses = [(await guesser.get("things")).status for _ in range(30)]
    assert statuses == [401] * 30
    refused = await guesser.get("things")
    assert refused.status == 429 and refused.headers["Retry-After"] == "2"
    right = await alex.get("things")  # from the same address: a right key waits too
    assert right.status == 429
    harness.ticks.now += 2
    assert (await alex.get("things")).status == 200


async def test_in_m365_mode_failed_sign_ins_from_one_address_lock_nobody_out(
    http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    """Behind Azure's front end every caller shares a few addresses: one broken flow's
    bad tokens must not shut out everyone else. Entra tokens cannot be guessed."""
    app = "11111111-2222-3333-4444-555555555555"
    issuer = TokenIssuer(TENANT)
    await issuer.start()
    env = {
        "BOT_MODE": "m365",
        "BOT_STORE": "sqlite",
        "CLIENT_ID": app,
        "TENANT_ID": TENANT,
        "CLIENT_SECRET": "not-a-real-secret",
        **issuer.env(),
    }
    bot = BotServer(tmp_path / "data", env)
    bot.connections = OwnToken(app, TENANT)
    await bot.start()
    try:
        now = bot.clock.now()
        claims = {"scp": "access_as_user", "oid": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"}
        wrong = issuer.entra_token(
            "api://someone-else", app, now, roles=["Requests.Read"], **claims
        )
        right = issuer.entra_token(f"api://{app}", app, now, roles=["Requests.Read"], **claims)
        broken = ApiClient(http, bot, token=wrong)
        statuses = [(await broken.get("requests")).status for _ in range(31)]
        assert statuses == [401] * 31
        answer = await ApiClient(http, bot, token=right).get("requests")
        assert answer.status == 200, answer.body
    finally:
        await bot.stop()
        await issuer.stop()


async def test_signing_in_well_is_not_counted_as_a_failure(alex: ApiClient) -> None:
    statuses = {(await alex.get("things")).status for _ in range(40)}
    assert statuses == {200}


class Bounded(ApiModel):
    start: dt.date = Field(ge=dt.date(2027, 1, 1))
    end: dt.date = Field(lt=dt.date(2028, 1, 1))
    cost: Decimal = Field(max_digits=6, decimal_places=2)
    ratio: float = Field(gt=0, le=1)
    labels: list[str] = Field(min_length=2)


def test_limits_are_said_in_the_callers_terms() -> None:
    """Dates as the caller types them (ISO), numbers with their bound, lists counted."""
    with pytest.raises(pydantic.ValidationError) as raised:
        Bounded.model_validate(
            {"start": "2026-12-31", "end": "2028-01-01", "cost": "12345.678", "ratio": 0,
             "labels": ["one"]}
        )  # fmt: skip
    said = {p.field: p.message for p in field_problems(raised.value)}
    assert said == {
        "start": "Enter a date on or after 2027-01-01.",
        "end": "Enter a date before 2028-01-01.",
        "cost": "Use 6 digits or fewer.",
        "ratio": "Enter a number greater than 0.",
        "labels": "Enter at least 2 values.",
    }
