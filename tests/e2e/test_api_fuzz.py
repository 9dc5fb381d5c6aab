"""The REST API fuzzed from its own OpenAPI document (schemathesis), over real HTTP,
with each store (SQLite, and SharePoint lists on the Graph-like server).

Every operation gets calls made from its parameters and body schemas, valid ones and
broken ones. Whatever comes in, the bot never fails with a 500, refuses every broken call
(4xx), and every answer is one the document promises: a documented status code, the
documented content type, a body that fits the documented schema, the documented
headers. (Refusing calls without a valid key or token is tested in test_api_auth.py:
schemathesis's own probe for it sends wrong keys fast enough to be rate limited, a 429 it
does not expect.)
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import hypothesis
import pytest
import requests
import schemathesis
from aiohttp import web
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.e2e.journey import distinct_answers, fill_form, send_anyway
from tests.support.api import API_ENV, TEST_KEY
from tests.support.fake_graph import FakeGraph
from tests.support.graph import connect
from tests.support.teams import BotServer, Connector, TeamsUser, find_action, invoke_card

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,  # a call that breaks the document is refused (4xx)
]
EXAMPLES = {GenerationMode.POSITIVE: 25, GenerationMode.NEGATIVE: 15}
BUDGET_SECONDS = 90


class Sink:
    """Where subscribed flows are told of events: this machine, answering 200."""

    def __init__(self) -> None:
        self.url = ""
        self.calls = 0
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/hook", self._hook)
        self._runner = web.AppRunner(app, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/hook"

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    async def _hook(self, request: web.Request) -> web.Response:
        self.calls += 1
        return web.Response(status=200)


@pytest.fixture
async def sink() -> AsyncIterator[Sink]:
    server = Sink()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture(params=["local", "sharepoint"])
async def api_bot(
    request: pytest.FixtureRequest, tmp_path: Path, fake: FakeGraph
) -> AsyncIterator[BotServer]:
    """The bot with each store: SQLite, and SharePoint lists on the Graph-like server."""
    # A fuzzer calls fast: a high limit, so that calls reach the operations.
    env = {**API_ENV, "API_RATE_LIMIT": "10000"}
    graph = None
    if request.param == "sharepoint":
        env["BOT_STORE"] = "sharepoint"

        def graph() -> Any:
            return connect(fake)

    server = BotServer(tmp_path / "data", env=env, graph=graph)
    await server.start()
    yield server
    await server.stop()


async def raise_some(http: aiohttp.ClientSession, bot: BotServer, connector: Connector) -> None:
    """A few requests raised in Teams, so that reads find something."""
    for n in range(3):
        user = TeamsUser(
            http,
            bot,
            connector,
            user_id=f"fuzz-{n}",
            name=f"Person {n}",
            aad_object_id=f"00000000-0000-0000-0000-{n + 100:012d}",
        )
        review = await fill_form(user, distinct_answers(f"fuzz {n}"))
        send = find_action(review, "Send request")
        await send_anyway(user, invoke_card(await user.press(send["verb"], send["data"])))
    await bot.settled()


@dataclass
class Fuzzer:
    """Calls to a running bot, made by schemathesis from the bot's own document. Runs in
    a thread: the calls block, and the bot answers them on the test's event loop."""

    base_url: str
    sink_url: str
    session: requests.Session
    statuses: list[int] = field(default_factory=list)  # each answer's status
    failures: list[str] = field(default_factory=list)  # what went wrong, in words

    def every_operation(self, schema: Any) -> None:
        for result in schema.get_all_operations():
            for mode, examples in EXAMPLES.items():
                self.operation(result.ok(), mode, examples)

    def operation(self, operation: Any, mode: GenerationMode, examples: int) -> None:
        @hypothesis.settings(
            max_examples=examples,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
            suppress_health_check=list(hypothesis.HealthCheck),
        )
        @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
        def call(case: schemathesis.Case) -> None:
            body = case.body
            if (
                mode is GenerationMode.POSITIVE
                and isinstance(body, dict)
                and "notificationUrl" in body
            ):
                # A flow's address the bot takes: locally, only this machine's. (A broken
                # call keeps its broken address: the bot must refuse it.)
                body["notificationUrl"] = self.sink_url
            headers = {"X-API-Key": TEST_KEY}
            response = case.call(self.base_url, self.session, headers=headers, timeout=20)
            self.statuses.append(response.status_code)
            case.validate_response(response, checks=CHECKS)

        try:
            call()
        except Unsatisfiable:
            # Nothing to break: a lone text path value is never "invalid".
            assert mode is GenerationMode.NEGATIVE, operation.label
        # Every operation is tried and all failures reported (schemathesis raises a
        # group of them, not an Exception).
        except (Exception, BaseExceptionGroup) as failure:
            self.failures.append(f"{operation.label} ({mode.value}): {failure}")


def fuzz(schema: Any, base_url: str, sink_url: str) -> Fuzzer:
    with requests.Session() as session:
        session.trust_env = False  # loopback only: no proxy from the environment
        fuzzer = Fuzzer(base_url, sink_url, session)
        fuzzer.every_operation(schema)
    return fuzzer


async def test_no_call_breaks_the_api_or_its_document(
    api_bot: BotServer, sink: Sink, http: aiohttp.ClientSession, connector: Connector
) -> None:
    await raise_some(http, api_bot, connector)
    async with http.get(f"{api_bot.url}/api/v1/openapi.json") as got:
        document = await got.json()
    schema = schemathesis.openapi.from_dict(document)
    operations = [result.ok() for result in schema.get_all_operations()]
    declared = {
        op["operationId"] for methods in document["paths"].values() for op in methods.values()
    }
    assert {op.definition.raw["operationId"] for op in operations} == declared

    started = time.monotonic()
    fuzzer = await asyncio.to_thread(fuzz, schema, api_bot.url, sink.url)
    took = time.monotonic() - started
    await api_bot.settled()
    assert fuzzer.failures == [], "\n\n".join(fuzzer.failures)
    statuses = fuzzer.statuses
    # The calls reached the operations: some were done, some refused as they should be.
    assert len(statuses) >= 10 * len(operations)
    assert any(200 <= status < 300 for status in statuses)
    assert 422 in statuses and 500 not in statuses
    assert took < BUDGET_SECONDS, f"fuzzing took {took:.0f} s"
