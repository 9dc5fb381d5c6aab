"""Graph down with a long Retry-After: the bot keeps answering people within a second, from
its local copy, and a restart serves at once while /readyz says it is degraded.

The production retry policy honours a Retry-After of up to 30 s: with 5 s, a read that
waited on Graph's retries would take 20 s, and a start-up 40 s."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from graph_clients.client import RetryPolicy
from tests.e2e.journey import raise_request
from tests.support.cards import all_text
from tests.support.fake_graph import FakeGraph
from tests.support.graph import connect
from tests.support.teams import BotServer, TeamsUser, card_of

REQUESTS = "DFD Requests"


@pytest.fixture
async def bot(tmp_path: Path, fake: FakeGraph) -> AsyncIterator[BotServer]:
    server = BotServer(
        tmp_path / "data", {"BOT_STORE": "sharepoint"}, graph=lambda: connect(fake, RetryPolicy())
    )
    await server.start()
    yield server
    await server.stop()


async def written(fake: FakeGraph, count: int) -> None:
    deadline = time.monotonic() + 10
    while len(fake.list_items(REQUESTS)) < count:
        assert time.monotonic() < deadline, "the request did not reach SharePoint"
        await asyncio.sleep(0.05)


async def get_json(http: aiohttp.ClientSession, url: str) -> dict[str, object]:
    async with http.get(url) as response:
        assert response.status == 200
        body: dict[str, object] = await response.json()
        return body


async def raised_before_the_outage(alex: TeamsUser, fake: FakeGraph, retry_after: str) -> str:
    found = re.search(r"DR-\d{4}-\d{4}", all_text(await raise_request(alex)))
    assert found
    await written(fake, 1)
    fake.faults.unavailable = True
    fake.faults.retry_after = retry_after
    return found.group(0)


LONG = pytest.mark.parametrize("retry_after", ["5", "30"])


async def timed_say(user: TeamsUser, text: str) -> tuple[str, float]:
    started = time.monotonic()
    replies = await user.say(text)
    return all_text(card_of(replies[-1])), time.monotonic() - started


@LONG
async def test_my_requests_and_status_answer_within_a_second_during_an_outage(
    alex: TeamsUser, fake: FakeGraph, retry_after: str
) -> None:
    reference = await raised_before_the_outage(alex, fake, retry_after)
    listing, took = await timed_say(alex, "my requests")
    assert reference in listing and took < 1
    assert "may be a little out of date" in listing, "the person is told it may be stale"
    status, took = await timed_say(alex, f"status {reference}")
    assert reference in status and took < 1
    assert "may be a little out of date" in status
    listing, took = await timed_say(alex, "my requests")  # again, with Graph's pause running
    assert reference in listing and took < 1


@LONG
async def test_a_restart_during_an_outage_serves_at_once_and_says_it_is_degraded(
    bot: BotServer, alex: TeamsUser, http: aiohttp.ClientSession, fake: FakeGraph, retry_after: str
) -> None:
    reference = await raised_before_the_outage(alex, fake, retry_after)
    await bot.stop()
    started = time.monotonic()
    await bot.start()
    health = await get_json(http, f"{bot.url}/healthz")
    assert health["status"] == "ok" and time.monotonic() - started < 1
    ready = await get_json(http, f"{bot.url}/readyz")
    assert ready["status"] == "degraded" and ready["graph"] == "unreachable"
    listing, took = await timed_say(alex, "my requests")
    assert reference in listing and took < 1
    made = all_text(await raise_request(alex))
    assert re.search(r"Your reference is DR-\d{4}-0002", made), "submissions go on too"


async def test_readyz_says_ready_while_graph_answers(
    bot: BotServer, alex: TeamsUser, http: aiohttp.ClientSession, fake: FakeGraph
) -> None:
    await raise_request(alex)
    await written(fake, 1)
    ready = await get_json(http, f"{bot.url}/readyz")
    assert ready["status"] == "ready" and ready["graph"] == "reachable"
