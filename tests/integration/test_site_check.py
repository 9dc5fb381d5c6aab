"""A SharePoint site provisioned by an earlier version lacks the lists and columns added
since, and SharePoint would refuse every write that names them. At start-up the bot reads
each list's columns once and does not start if anything it writes is missing; it says
which list and columns, and the command that adds them. Over the real msgraph-sdk,
against the local Graph-like server."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest

import bot.__main__ as entry
from bot.app import create_app
from bot.backends import StoreNotReady
from graph_clients import schema
from graph_clients.provision import provision
from tests.support.clock import SettableClock
from tests.support.fake_graph import FakeGraph
from tests.support.graph import connect, open_store, provisioned
from tests.support.teams import START, BotServer

REQUESTS = schema.REQUESTS.name
DECISIONS = schema.DECISIONS.name
NEW_COLUMNS = ("Theme", "Horizon", "DeliveryOwner", "DeferredUntil")
TENANT = "11111111-2222-3333-4444-555555555555"
CLIENT = "66666666-7777-8888-9999-000000000000"


@pytest.fixture
async def fake() -> AsyncIterator[FakeGraph]:
    server = FakeGraph()
    await server.start()
    await (await provisioned(server)).close()
    yield server
    await server.stop()


def as_before_this_version(fake: FakeGraph) -> None:
    fake.remove_columns(REQUESTS, *NEW_COLUMNS)
    fake.remove_list(DECISIONS)


async def test_a_provisioned_site_starts(fake: FakeGraph, tmp_path: Path) -> None:
    since = time.monotonic()
    store = await open_store(fake, tmp_path, SettableClock(START))
    try:
        reads = [r for r in fake.graph_requests(since) if r.path.endswith("/columns")]
        assert len(reads) == len(schema.LISTS)  # one read of each list's columns
    finally:
        await store.close()


async def test_missing_columns_and_a_missing_list_stop_the_start(
    fake: FakeGraph, tmp_path: Path
) -> None:
    as_before_this_version(fake)
    since = time.monotonic()
    with pytest.raises(StoreNotReady) as stopped:
        await open_store(fake, tmp_path, SettableClock(START))
    assert stopped.value.problems == [
        f'The list "{REQUESTS}" is missing these columns: Theme, Horizon, DeliveryOwner, '
        "DeferredUntil.",
        f'The list "{DECISIONS}" is missing.',
    ]
    assert "python -m graph_clients.provision" in stopped.value.fix
    writes = [r for r in fake.graph_requests(since) if r.method in ("POST", "PATCH", "DELETE")]
    assert not writes  # nothing was written


async def test_one_missing_column_is_named(fake: FakeGraph, tmp_path: Path) -> None:
    fake.remove_columns(schema.CATALOGUE.name, "Platform")
    with pytest.raises(StoreNotReady) as stopped:
        await open_store(fake, tmp_path, SettableClock(START))
    assert stopped.value.problems == [
        f'The list "{schema.CATALOGUE.name}" is missing these columns: Platform.'
    ]


async def test_a_reference_column_that_allows_duplicates_stops_the_start(
    fake: FakeGraph, tmp_path: Path
) -> None:
    """Two instances writing one list rely on SharePoint refusing a second item with the
    same reference: a site whose Reference column allows it is told, with the fix."""
    column = next(c for c in fake.list_columns(REQUESTS) if c["name"] == "Reference")
    url = f"{fake.graph_url}/sites/{fake.site_id}/lists/{REQUESTS}/columns/{column['id']}"
    headers = {"Authorization": f"Bearer {fake.issue_token()}"}
    async with (
        aiohttp.ClientSession() as session,
        session.patch(url, json={"enforceUniqueValues": False}, headers=headers) as response,
    ):
        assert response.status == 200
    with pytest.raises(StoreNotReady) as stopped:
        await open_store(fake, tmp_path, SettableClock(START))
    assert stopped.value.problems == [
        f'In the list "{REQUESTS}", these columns must not allow the same value twice, and '
        "do: Reference."
    ]
    assert "python -m graph_clients.provision" in stopped.value.fix
    await (await provisioned(fake)).close()
    store = await open_store(fake, tmp_path, SettableClock(START))
    await store.close()


async def test_after_provisioning_again_it_starts(fake: FakeGraph, tmp_path: Path) -> None:
    as_before_this_version(fake)
    with pytest.raises(StoreNotReady):
        await open_store(fake, tmp_path, SettableClock(START))
    graph = await provisioned(fake)
    await graph.close()
    store = await open_store(fake, tmp_path, SettableClock(START))
    await store.close()


async def test_while_graph_is_down_the_bot_still_starts(fake: FakeGraph, tmp_path: Path) -> None:
    """The check cannot be made: the store serves from its journal, as it always has."""
    as_before_this_version(fake)
    fake.faults.unavailable = True
    store = await open_store(fake, tmp_path, SettableClock(START))
    await store.close()


async def test_the_bot_does_not_serve_on_an_old_site(fake: FakeGraph, tmp_path: Path) -> None:
    as_before_this_version(fake)
    bot = BotServer(tmp_path / "data", {"BOT_STORE": "sharepoint"}, graph=lambda: connect(fake))
    with pytest.raises(StoreNotReady):
        await bot.start()
    await bot.stop()


@pytest.fixture
def old_site() -> Iterator[FakeGraph]:
    """A fake Graph on its own thread, so `python -m bot`'s main can run its own loop."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    server = FakeGraph()

    async def ready() -> None:
        await server.start()
        graph = connect(server)
        await provision(graph.client, graph.site_id)
        await graph.close()
        as_before_this_version(server)

    asyncio.run_coroutine_threadsafe(ready(), loop).result(timeout=30)
    yield server
    asyncio.run_coroutine_threadsafe(server.stop(), loop).result(timeout=30)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=30)
    loop.close()


def test_python_m_bot_says_what_to_fix(
    old_site: FakeGraph,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    request: pytest.FixtureRequest,
) -> None:
    # A port already taken: should the start ever get that far, it stops rather than serve.
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    request.addfinalizer(taken.close)
    env = {
        "BOT_STORE": "sharepoint",
        "DATA_DIR": str(tmp_path),
        "HOST": "127.0.0.1",
        "PORT": str(taken.getsockname()[1]),
        "GRAPH_SITE_ID": old_site.site_id,
        "GRAPH_TENANT_ID": TENANT,
        "GRAPH_CLIENT_ID": CLIENT,
        "GRAPH_CLIENT_SECRET": "not-used-here",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr("sys.argv", ["bot"])
    # Only the Graph connection is the test's: everything else is the real start-up.
    monkeypatch.setattr(
        entry, "create_app", lambda settings: create_app(settings, connect(old_site))
    )
    assert entry.main() == 2
    said = capsys.readouterr().err
    assert "cannot start" in said and "not ready" in said
    assert f'"{REQUESTS}" is missing these columns: Theme, Horizon' in said
    assert f'"{DECISIONS}" is missing' in said
    assert "python -m graph_clients.provision" in said
    assert "Traceback" not in said
