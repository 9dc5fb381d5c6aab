"""The bot in SharePoint mode: Graph throttles, fails or disappears, and nothing is lost."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.e2e.journey import raise_request
from tests.support.cards import all_text
from tests.support.fake_graph import FakeGraph
from tests.support.graph import connect
from tests.support.teams import BotServer, Connector, TeamsUser

REQUESTS = "DFD Requests"


@pytest.fixture
async def sharepoint_bot(tmp_path: Path, fake: FakeGraph) -> AsyncIterator[BotServer]:
    server = BotServer(tmp_path / "data", {"BOT_STORE": "sharepoint"}, graph=lambda: connect(fake))
    await server.start()
    yield server
    await server.stop()


def person(http: aiohttp.ClientSession, bot: BotServer, connector: Connector, n: int) -> TeamsUser:
    return TeamsUser(
        http,
        bot,
        connector,
        user_id=f"user-{n}",
        name=f"Person {n}",
        aad_object_id=f"00000000-0000-0000-0000-{n:012d}",
    )


async def wait_for_items(fake: FakeGraph, count: int, timeout: float) -> list[dict[str, object]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        items = fake.list_items(REQUESTS)
        if len(items) >= count:
            return items
        await asyncio.sleep(0.05)
    raise AssertionError(f"{len(fake.list_items(REQUESTS))} of {count} requests reached SharePoint")


async def readiness(http: aiohttp.ClientSession, bot: BotServer) -> dict[str, object]:
    async with http.get(f"{bot.url}/readyz") as response:
        body: dict[str, object] = await response.json()
        return body


async def outbox_empties(http: aiohttp.ClientSession, bot: BotServer, timeout: float) -> None:
    """The outbox marks a write done just after Graph has it: wait for that, within a bound."""
    deadline = time.monotonic() + timeout
    while (waiting := (await readiness(http, bot))["pending_sharepoint_writes"]) != 0:
        assert time.monotonic() < deadline, f"{waiting} writes still waiting"
        await asyncio.sleep(0.05)


async def test_a_request_is_one_graph_write_and_reads_back_from_sharepoint(
    sharepoint_bot: BotServer, connector: Connector, http: aiohttp.ClientSession, fake: FakeGraph
) -> None:
    user = person(http, sharepoint_bot, connector, 1)
    start = time.monotonic()
    confirmation = all_text(await raise_request(user))
    assert re.search(r"Your reference is DR-\d{4}-0001", confirmation)
    items = await wait_for_items(fake, 1, timeout=5)
    assert items[0]["Title"] == "Book garden waste collections online"
    assert items[0]["RequesterId"] == user.aad_object_id
    writes = [r for r in fake.graph_requests(since=start) if r.method != "GET"]
    assert len(writes) == 1, writes
    status = all_text(
        (await user.say(f"status {items[0]['Reference']}"))[-1]["attachments"][0]["content"]
    )
    assert "Submitted, waiting for IT triage" in status
    assert (await readiness(http, sharepoint_bot))["pending_sharepoint_writes"] == 0


async def test_fifty_requests_while_graph_throttles_every_third_call(
    sharepoint_bot: BotServer, connector: Connector, http: aiohttp.ClientSession, fake: FakeGraph
) -> None:
    fake.faults.throttle_every = 3
    fake.faults.retry_after = "1"
    started = time.monotonic()
    references = []
    for n in range(50):
        text = all_text(await raise_request(person(http, sharepoint_bot, connector, n)))
        references.append(re.search(r"DR-\d{4}-\d{4}", text).group(0))  # type: ignore[union-attr]
    assert references == sorted(set(references)) and len(references) == 50
    items = await wait_for_items(fake, 50, timeout=90)
    stored = [str(item["Reference"]) for item in items]
    # Requests are independent: one throttled is written after the others sent beside it.
    assert sorted(stored) == references, "every request stored once"
    throttled = [r for r in fake.graph_requests(since=started) if r.status == 429]
    assert throttled, "the server did throttle"
    for hit in throttled:
        same = (hit.method, hit.path, hit.query, hit.body)
        later = [
            r.at
            for r in fake.graph_requests(since=hit.at + 1e-6)
            if (r.method, r.path, r.query, r.body) == same
        ]
        if later:
            assert min(later) - hit.at >= 0.99, "a retry came before Retry-After"


async def test_graph_down_for_twenty_requests_and_a_restart_loses_nothing(
    sharepoint_bot: BotServer, connector: Connector, http: aiohttp.ClientSession, fake: FakeGraph
) -> None:
    fake.faults.unavailable = True
    references = []
    for n in range(20):
        text = all_text(await raise_request(person(http, sharepoint_bot, connector, n)))
        match = re.search(r"Your reference is (DR-\d{4}-\d{4})", text)
        assert match, "the member of staff gets their reference at once"
        references.append(match.group(1))
    assert "try again" not in text.lower()
    assert (await readiness(http, sharepoint_bot))["pending_sharepoint_writes"] == 20
    lookup = person(http, sharepoint_bot, connector, 3)
    status = all_text(
        (await lookup.say(f"status {references[3]}"))[-1]["attachments"][0]["content"]
    )
    assert references[3] in status, "status is answered from the journal while Graph is down"
    await sharepoint_bot.stop()
    fake.faults.unavailable = False
    await sharepoint_bot.start()
    items = await wait_for_items(fake, 20, timeout=30)
    assert [str(i["Reference"]) for i in items] == references
    await outbox_empties(http, sharepoint_bot, timeout=10)
    more = all_text(await raise_request(person(http, sharepoint_bot, connector, 99)))
    assert "DR-" in more and references[-1] not in more


async def test_dropped_connections_never_duplicate_a_request(
    sharepoint_bot: BotServer, connector: Connector, http: aiohttp.ClientSession, fake: FakeGraph
) -> None:
    fake.faults.drop_every = 3
    references = []
    for n in range(10):
        text = all_text(await raise_request(person(http, sharepoint_bot, connector, n)))
        references.append(re.search(r"DR-\d{4}-\d{4}", text).group(0))  # type: ignore[union-attr]
    await wait_for_items(fake, 10, timeout=60)
    await asyncio.sleep(0.5)
    stored = [str(i["Reference"]) for i in fake.list_items(REQUESTS)]
    assert stored == references, "each request once, in order, despite dropped connections"
