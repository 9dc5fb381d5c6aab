"""GET /readyz tells an App Service health check and an alert about each dependency: the
store, Graph, Azure Storage, and the writes still owed to SharePoint with the age of the
oldest. 503 only when the bot cannot serve (its store does not answer); Graph down or Azure
Storage slow is "degraded" with 200, because people are still answered."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot import readiness
from bot.app import STORE
from tests.e2e.journey import raise_request
from tests.support.azurite import ACCOUNT, ACCOUNT_KEY, Azurite, new_prefix
from tests.support.cards import all_text
from tests.support.clock import SettableClock
from tests.support.fake_graph import FakeGraph
from tests.support.graph import connect
from tests.support.teams import BotServer, Connector, TeamsUser

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)  # a Monday morning
SHAREPOINT = {"BOT_STORE": "sharepoint"}


async def ready(http: aiohttp.ClientSession, bot: BotServer) -> tuple[int, dict[str, Any]]:
    async with http.get(f"{bot.url}/readyz") as response:
        text = await response.text()
        assert "Traceback" not in text
        body: dict[str, Any] = await response.json()
        return response.status, body


async def until(check: Any, what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.05)


def person(http: aiohttp.ClientSession, bot: BotServer, connector: Connector) -> TeamsUser:
    return TeamsUser(http, bot, connector)


async def raised(user: TeamsUser) -> str:
    found = re.search(r"DR-\d{4}-\d{4}", all_text(await raise_request(user)))
    assert found, "the request was taken"
    return found.group(0)


async def one_request_written(
    http: aiohttp.ClientSession, bot: BotServer, connector: Connector
) -> None:
    """The bot has served a while with Graph answering: a request raised and written. A new
    data folder gives out no reference until SharePoint's highest is read, and on a busy
    machine that first read can still be under way when a test takes Graph away."""
    await raised(person(http, bot, connector))

    async def drained() -> bool:
        return (await ready(http, bot))[1]["outbox_depth"] == 0

    await until(drained, "the first request was not written to SharePoint", timeout=30)


# Local mode ---------------------------------------------------------------------------


async def test_local_mode_is_ready_and_says_what_it_does_not_use(
    bot: BotServer, http: aiohttp.ClientSession
) -> None:
    status, body = await ready(http, bot)
    assert status == 200
    assert body == {
        "status": "ready",
        "store": "sqlite",
        "state": "sqlite",
        "graph": "not used",
        "azure_storage": "not used",
        "outbox_depth": 0,
        "oldest_pending_write_age_seconds": 0,
    }
    async with http.get(f"{bot.url}/readyz") as response:
        # The availability test in deploy/README.md matches this text exactly.
        assert '"status": "ready"' in await response.text()


async def test_a_store_that_does_not_answer_makes_the_instance_unavailable(
    bot: BotServer, http: aiohttp.ClientSession
) -> None:
    assert bot.app is not None
    await bot.app[STORE].store.close()  # the database is gone from under the bot
    status, body = await ready(http, bot)
    assert status == 503
    assert body["status"] == "unavailable" and body["store"] == "not reachable"


# SharePoint mode, the journal in a local file -----------------------------------------


@pytest.fixture
async def on_sharepoint(tmp_path: Path, fake: FakeGraph) -> AsyncIterator[BotServer]:
    server = BotServer(
        tmp_path / "data", SHAREPOINT, graph=lambda: connect(fake), clock=SettableClock(START)
    )
    await server.start()
    yield server
    fake.faults.unavailable = False  # so the writer finishes and the bot stops at once
    await server.stop()


async def test_sharepoint_mode_with_graph_answering_is_ready_with_nothing_owed(
    on_sharepoint: BotServer, http: aiohttp.ClientSession, connector: Connector
) -> None:
    await raised(person(http, on_sharepoint, connector))

    async def drained() -> bool:
        return (await ready(http, on_sharepoint))[1]["outbox_depth"] == 0

    await until(drained, "the request was not written to SharePoint")
    status, body = await ready(http, on_sharepoint)
    assert status == 200
    assert body == {
        "status": "ready",
        "store": "sharepoint",
        "state": "sqlite",
        "graph": "reachable",
        "azure_storage": "not used",
        "outbox_depth": 0,
        "pending_sharepoint_writes": 0,
        "oldest_pending_write_age_seconds": 0,
    }


async def test_graph_down_is_degraded_not_unavailable_and_the_owed_write_ages(
    on_sharepoint: BotServer, http: aiohttp.ClientSession, connector: Connector, fake: FakeGraph
) -> None:
    await one_request_written(http, on_sharepoint, connector)
    fake.faults.unavailable = True
    await raised(person(http, on_sharepoint, connector))

    async def graph_down() -> bool:
        return (await ready(http, on_sharepoint))[1]["graph"] == "unreachable"

    await until(graph_down, "the bot did not notice Graph was down")
    on_sharepoint.clock.advance(dt.timedelta(minutes=7, seconds=30))
    status, body = await ready(http, on_sharepoint)
    assert status == 200, "people are still answered from the local copy"
    assert body["status"] == "degraded" and body["store"] == "sharepoint"
    assert body["outbox_depth"] == 1 and body["pending_sharepoint_writes"] == 1
    assert body["oldest_pending_write_age_seconds"] == 450

    fake.faults.unavailable = False  # Graph is back: the write goes, nothing is owed

    async def caught_up() -> bool:
        status, body = await ready(http, on_sharepoint)
        return status == 200 and body["status"] == "ready" and body["outbox_depth"] == 0

    await until(caught_up, "the owed write did not go once Graph was back", timeout=60)
    assert (await ready(http, on_sharepoint))[1]["oldest_pending_write_age_seconds"] == 0


# Several instances: the working state on Azure Storage (Azurite) -----------------------


class Stall:
    """A loopback TCP relay in front of one Azurite service that can stop passing bytes
    on, as a storage account that has become slow does."""

    def __init__(self, target: str) -> None:
        host, port = target.removeprefix("http://").split(":")
        self.target = (host, int(port))
        self.stalled = asyncio.Event()
        self.flowing = asyncio.Event()
        self.flowing.set()
        self.url = ""
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    def stall(self) -> None:
        self.flowing.clear()

    def flow(self) -> None:
        self.flowing.set()

    async def stop(self) -> None:
        self.flow()
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        pipes = [
            asyncio.ensure_future(self._pipe(reader, upstream_writer)),
            asyncio.ensure_future(self._pipe(upstream_reader, writer)),
        ]
        self._tasks.update(pipes)
        await asyncio.wait(pipes, return_when=asyncio.FIRST_COMPLETED)
        for pipe in pipes:
            pipe.cancel()
            self._tasks.discard(pipe)
        for end in (writer, upstream_writer):
            with contextlib.suppress(Exception):
                end.close()

    async def _pipe(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        while chunk := await source.read(65536):
            await self.flowing.wait()
            sink.write(chunk)
            await sink.drain()


@pytest.fixture
async def stalls(azurite: Azurite) -> AsyncIterator[dict[str, Stall]]:
    relays = {name: Stall(azurite.endpoints[name]) for name in ("Table", "Queue")}
    for relay in relays.values():
        await relay.start()
    yield relays
    for relay in relays.values():
        await relay.stop()


@pytest.fixture
async def on_azure(
    tmp_path: Path, fake: FakeGraph, stalls: dict[str, Stall]
) -> AsyncIterator[BotServer]:
    connection = (
        f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={ACCOUNT_KEY};"
        f"QueueEndpoint={stalls['Queue'].url}/{ACCOUNT};"
        f"TableEndpoint={stalls['Table'].url}/{ACCOUNT};"
    )
    env = {
        **SHAREPOINT,
        "STATE_STORE": "azure",
        "AZURE_STORAGE_CONNECTION_STRING": connection,
        "STATE_PREFIX": new_prefix(),
    }
    server = BotServer(
        tmp_path / "data", env, graph=lambda: connect(fake), clock=SettableClock(START)
    )
    await server.start()
    yield server
    for relay in stalls.values():
        relay.flow()
    fake.faults.unavailable = False
    await server.stop()


async def test_azure_state_owed_writes_are_counted_for_every_instance_with_their_age(
    on_azure: BotServer, http: aiohttp.ClientSession, connector: Connector, fake: FakeGraph
) -> None:
    status, body = await ready(http, on_azure)
    assert status == 200 and body["status"] == "ready"
    assert body["state"] == "azure" and body["azure_storage"] == "reachable"
    assert body["outbox_depth"] == 0 and body["oldest_pending_write_age_seconds"] == 0

    await one_request_written(http, on_azure, connector)
    fake.faults.unavailable = True
    await raised(person(http, on_azure, connector))
    on_azure.clock.advance(dt.timedelta(minutes=2))  # past the 5 s the count is kept for
    status, body = await ready(http, on_azure)
    assert status == 200
    assert body["outbox_depth"] == 1 and body["pending_sharepoint_writes"] == 1
    assert body["oldest_pending_write_age_seconds"] == 120


async def test_slow_azure_storage_is_degraded_and_the_answer_still_comes_quickly(
    on_azure: BotServer,
    http: aiohttp.ClientSession,
    stalls: dict[str, Stall],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(readiness, "PROBE_WAIT", 0.3)
    on_azure.clock.advance(dt.timedelta(minutes=1))  # the count is asked for afresh
    for relay in stalls.values():
        relay.stall()
    started = time.monotonic()
    status, body = await ready(http, on_azure)
    took = time.monotonic() - started
    assert status == 200, "every instance shares the account: taking one out would not help"
    assert body["status"] == "degraded" and body["azure_storage"] == "slow"
    assert body["outbox_depth"] == "unknown"
    assert body["oldest_pending_write_age_seconds"] == "unknown"
    print(f"/readyz with Azure Storage stalled answered in {took:.2f} s (probes bounded at 0.3 s)")

    for relay in stalls.values():
        relay.flow()

    async def recovered() -> bool:
        on_azure.clock.advance(readiness.FRESH)  # past the time an answer is kept
        return (await ready(http, on_azure))[1]["azure_storage"] == "reachable"

    await until(recovered, "/readyz did not see Azure Storage answer again")


async def test_hammering_readyz_writes_to_azure_storage_at_most_once_in_10_seconds(
    on_azure: BotServer, http: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert on_azure.app is not None
    account = on_azure.app[STORE].azure
    assert account is not None
    ping = account.ping  # the upsert of the "health" row, which the store's check makes too
    writes = 0

    async def counted() -> bool:
        nonlocal writes
        writes += 1
        return await ping()

    monkeypatch.setattr(account, "ping", counted)
    on_azure.clock.advance(dt.timedelta(minutes=1))  # whatever was kept is stale
    answers = await asyncio.gather(*(ready(http, on_azure) for _ in range(20)))
    answers += [await ready(http, on_azure) for _ in range(20)]
    assert all(status == 200 and body["status"] == "ready" for status, body in answers)
    assert writes == 2, "one check of the store and one of the account, for 40 asks"

    on_azure.clock.advance(readiness.FRESH - dt.timedelta(seconds=1))
    await ready(http, on_azure)
    assert writes == 2, "still fresh"
    on_azure.clock.advance(dt.timedelta(seconds=1))
    status, body = await ready(http, on_azure)
    assert writes == 4, "asked again once 10 seconds have passed"
    assert status == 200 and body["azure_storage"] == "reachable"
    print(f"40 asks of /readyz in one 10-second window: {writes // 2} write(s) per check")


async def test_local_mode_checks_its_store_every_time(
    bot: BotServer, http: aiohttp.ClientSession
) -> None:
    """Only Azure Storage's answers are kept: a local store costs nothing to ask, and a
    broken one is noticed at the next ask."""
    assert (await ready(http, bot))[0] == 200
    assert bot.app is not None
    await bot.app[STORE].store.close()
    assert (await ready(http, bot))[0] == 503


# What config_problems can say ----------------------------------------------------------


def test_config_problems_name_the_item_and_field_never_the_free_text_in_it() -> None:
    """/readyz is public and says `config_problems`. The config holds no person, but an
    admin may write a name into a free-text field (a board's name or purpose, a rule's
    reason, a criterion's label). A problem names the item, the entry's key and the field,
    never those texts, so such a name cannot leave through /readyz."""
    from bot.domain import governance
    from bot.ports import Governance
    from graph_clients.config_list import check_config
    from graph_clients.provision import config_seed

    name = "Jane Example-Person"
    seed = config_seed()
    for entry in [*seed["boards"], *seed["processes"], *seed["matrix"]["criteria"]]:
        for text in ("name", "purpose", "description", "label"):
            if text in entry:
                entry[text] = f"{name} ({entry[text]})"
    for rule in seed["routing_rules"]:
        rule["reason"] = f"Ask {name}."
    seed["boards"][0]["owner"] = name  # a field a board cannot have
    seed["processes"][0]["description"] = 7  # not text
    seed["matrix"]["criteria"][0]["weight"] += 1  # the weights no longer add up to 100
    seed["matrix_history"] = [seed["matrix"]]
    seed["routing_rules"][0]["board"] = "nowhere"  # a board that does not exist
    items = {key: json.dumps(value) for key, value in seed.items()}
    nothing_known = Governance({}, {}, governance.DEFAULT_MATRIX, ())

    problems = check_config(items, nothing_known).problems

    assert len(problems) == 5, problems
    assert {p.split("'")[1] for p in problems} == set(seed), "each names its item"
    assert not [p for p in problems if name.split()[0] in p], problems
