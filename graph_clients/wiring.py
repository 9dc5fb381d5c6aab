"""Everything the SharePoint store needs, built from the environment or handed in by tests."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import httpx
from msgraph import GraphServiceClient

from bot.backends import StoreNotReady
from bot.clock import Clock
from bot.page_tokens import PageTokenKeeper
from bot.ports import Journal, WorkingState
from graph_clients.client import (
    RetryPolicy,
    ThrottleGate,
    build_graph_client,
    close_http_client,
    new_http_client,
    waiting_at_most,
)
from graph_clients.config import DEFAULT_READ_WAIT
from graph_clients.requests_list import GraphRequests
from graph_clients.site_check import check_site
from graph_clients.store import SharePointStore, governance_reader


@dataclass
class GraphConnection:
    client: GraphServiceClient
    site_id: str
    base_url: str
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    credential: Any = None
    http: httpx.AsyncClient | None = None
    gate: ThrottleGate = field(default_factory=ThrottleGate)
    read_wait: float = DEFAULT_READ_WAIT  # GRAPH_READ_WAIT

    def __post_init__(self) -> None:
        # One gate for every call on this connection (reads, writes, config, roster):
        # a Retry-After told to one caller binds them all. A policy bringing its own keeps it.
        if self.policy.gate is None:
            self.policy = dataclasses.replace(self.policy, gate=self.gate)
        else:
            self.gate = self.policy.gate

    async def close(self) -> None:
        if self.http is not None:
            await close_http_client(self.http)
        if self.credential is not None and hasattr(self.credential, "close"):
            await self.credential.close()


def connect_from_environment() -> GraphConnection:
    from graph_clients.config import load_graph_settings
    from graph_clients.credentials import build_credential

    settings = load_graph_settings()
    credential = build_credential(settings)
    http = new_http_client()
    client = build_graph_client(credential, settings.base_url, http)
    return GraphConnection(
        client,
        settings.site_id,
        settings.base_url,
        credential=credential,
        http=http,
        read_wait=settings.read_wait,
    )


async def open_sharepoint_store(
    journal: Journal,
    working: WorkingState,
    clock: Clock,
    graph: GraphConnection | None,
    page_tokens: PageTokenKeeper | None = None,
) -> SharePointStore:
    """The SharePoint store, opened: it opens (and will close) the journal and working state.
    `page_tokens`: how "my requests" page tokens are made (by default, kept in memory)."""
    graph = graph or connect_from_environment()
    requests = GraphRequests(
        graph.client, graph.site_id, graph.base_url, graph.policy, page_tokens=page_tokens
    )
    store = SharePointStore(
        journal,
        working,
        requests,
        clock,
        governance_reader(graph.client, graph.site_id, graph.policy),
        on_close=graph.close,
    )
    store.graph = graph
    store.read_budget = graph.read_wait
    # Checked before the store opens (its first reads then have their full wait), and as
    # patiently: while Graph is away the check is not made, and the journal answers.
    try:
        with waiting_at_most(graph.read_wait):
            await check_site(graph)
    except StoreNotReady:
        await graph.close()
        raise
    await store.open()
    return store
