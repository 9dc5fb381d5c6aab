"""Connecting the real msgraph-sdk to the local fake Graph server, as the bot would."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import aiohttp
from azure.core.credentials import AccessToken

from bot.backends import open_sharepoint
from bot.clock import Clock
from graph_clients.client import RetryPolicy, build_graph_client, new_http_client
from graph_clients.provision import provision
from graph_clients.store import SharePointStore
from graph_clients.wiring import GraphConnection
from tests.support.fake_graph import FakeGraph

# Fast enough for tests, still bounded; Retry-After from the server is always honoured.
TEST_POLICY = RetryPolicy(max_tries=4, max_total_seconds=10.0, base_delay=0.05, max_delay=0.2)


class FakeGraphCredential:
    """Fetches tokens over HTTP from the fake server's OAuth endpoint, like a client credential,
    and caches them until shortly before they expire."""

    def __init__(self, fake: FakeGraph) -> None:
        self._fake = fake
        self._token: AccessToken | None = None

    async def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        if self._token and self._token.expires_on - 60 > time.time():
            return self._token
        form = {
            "grant_type": "client_credentials",
            "client_id": "test-client",
            "client_secret": "test-secret",
            "scope": " ".join(scopes),
        }
        async with (
            aiohttp.ClientSession() as http,
            http.post(self._fake.token_url, data=form) as response,
        ):
            response.raise_for_status()
            body = await response.json()
        self._token = AccessToken(body["access_token"], int(time.time()) + int(body["expires_in"]))
        return self._token

    async def close(self) -> None:
        return None


def connect(fake: FakeGraph, policy: RetryPolicy = TEST_POLICY) -> GraphConnection:
    http = new_http_client()
    credential = FakeGraphCredential(fake)
    client = build_graph_client(credential, fake.graph_url, http)
    return GraphConnection(client, fake.site_id, fake.graph_url, policy, credential, http)


# What provisioning built on a new server, by the server's site, tenant, page size and secret.
_PROVISIONED: dict[tuple[object, ...], dict[str, Any]] = {}


async def provisioned(fake: FakeGraph) -> GraphConnection:
    """The bot's lists provisioned on `fake`, and a connection to it.

    Provisioning through msgraph-sdk takes about a second, most of it the SDK reading column
    definitions, and a quarter of the tests need a provisioned server. So the first new
    server in a test process is provisioned for real, and later new servers of the same kind
    are given a copy of what that built: the same lists, columns, recorded requests and fault
    counter. A server that is not new (lists already there, a fault set) is always
    provisioned for real."""
    key = (fake.site_id, fake.tenant_id, fake.page_size, fake.require_secret)
    new = fake.is_new()
    if new and key in _PROVISIONED:
        fake.load_state(_PROVISIONED[key])
        return connect(fake)
    graph = connect(fake)
    await provision(graph.client, graph.site_id)
    if new:
        _PROVISIONED[key] = fake.copy_state()
    return graph


async def open_store(
    fake: FakeGraph, data_dir: Path, clock: Clock, graph: GraphConnection | None = None
) -> SharePointStore:
    """The SharePoint store as the bot opens it, journal and working state in `data_dir`."""
    return await open_sharepoint(
        data_dir / "digital-front-door.sqlite3", clock, graph or connect(fake)
    )
