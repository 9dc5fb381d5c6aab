"""Opening the store the settings ask for: SQLite locally, SharePoint lists in m365 mode."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.azure_state.account import AzureState
from bot.clock import Clock
from bot.ports import NotApplied, Roster, Store
from bot.settings import Settings
from bot.store.journal import SqliteJournal
from bot.store.sqlite import SqliteStore
from bot.store.working import SqliteWorkingState

if TYPE_CHECKING:
    from graph_clients.store import SharePointStore


class StoreNotReady(Exception):
    """The store cannot be used as it is (a SharePoint site without a list or column this
    version writes): the bot does not start. Each problem in plain words, then the fix."""

    def __init__(self, problems: list[str], fix: str) -> None:
        super().__init__("\n".join([*problems, fix]))
        self.problems = problems
        self.fix = fix


@dataclass
class OpenStore:
    store: Store
    kind: str
    # Background work the store needs for its life (the SharePoint writer), if any.
    background: Callable[[], Coroutine[Any, Any, None]] | None = None
    pending_writes: Callable[[], Awaitable[int]] | None = None
    # When the oldest of those writes was queued (None when none is owed).
    oldest_pending_write: Callable[[], Awaitable[dt.datetime | None]] | None = None
    close: Callable[[], Awaitable[None]] | None = None
    graph: Any = None  # the GraphConnection in SharePoint mode
    # SharePoint mode: who to tell when changes made in Teams met a newer edit in the list.
    on_not_applied: Callable[[Callable[[NotApplied], Awaitable[None]]], None] | None = None
    # SharePoint mode: who to tell about an edit to the config list that was not used.
    on_config_problem: Callable[[Callable[[str], Awaitable[None]]], Awaitable[None]] | None = None
    # STATE_STORE=azure: the Azure Storage account the working state is in (the journeys'
    # own stores use it too). None with SQLite.
    azure: AzureState | None = None


async def open_store(settings: Settings, clock: Clock, graph: Any = None) -> OpenStore:
    """`graph` is an optional prebuilt graph_clients.wiring.GraphConnection (tests use it)."""
    if settings.store == "sqlite":
        local = SqliteStore(settings.database_path, clock)
        await local.open()
        return OpenStore(local, "sqlite", close=local.close)
    azure = AzureState(settings.state) if settings.state.kind == "azure" else None
    if azure is None:
        sharepoint = await open_sharepoint(settings.database_path, clock, graph)
    else:
        sharepoint = await open_sharepoint_on_azure(azure, clock, graph)
    return OpenStore(
        sharepoint,
        "sharepoint",
        background=sharepoint.run_writer,
        pending_writes=sharepoint.pending_writes,
        oldest_pending_write=sharepoint.oldest_pending_write,
        close=sharepoint.close,
        graph=sharepoint.graph,
        on_not_applied=lambda tell: setattr(sharepoint, "on_not_applied", tell),
        on_config_problem=sharepoint.listen_for_config_problems,
        azure=azure,
    )


async def open_sharepoint(database: Path, clock: Clock, graph: Any = None) -> SharePointStore:
    """SharePoint lists, with the journal and the working state in one local SQLite file."""
    from graph_clients.wiring import open_sharepoint_store

    journal = SqliteJournal(database, clock)
    working = SqliteWorkingState(database, clock)
    return await open_sharepoint_store(journal, working, clock, graph)


async def open_sharepoint_on_azure(
    azure: AzureState, clock: Clock, graph: Any = None
) -> SharePointStore:
    """SharePoint lists, with the journal and the working state on Azure Storage, shared by
    every instance. Closing the store closes the account's clients too."""
    from bot.azure_state.budget import SharedBudget
    from bot.azure_state.journal import AzureJournal
    from bot.azure_state.working import AzureWorkingState
    from bot.page_tokens import SealedPageTokens, shared_page_key
    from graph_clients.wiring import open_sharepoint_store

    budget = SharedBudget(await azure.table("budget"))  # SharePoint's, for every instance
    # "My requests" pages on: a token any instance gave, any instance reads.
    tokens = SealedPageTokens(await shared_page_key(azure), clock, purpose="sharepoint list")
    store = await open_sharepoint_store(
        AzureJournal(azure, clock), AzureWorkingState(azure, clock), clock, graph, tokens
    )
    store.budget = budget
    close = store.close

    async def close_all() -> None:
        try:
            await close()
        finally:
            await azure.close()

    store.close = close_all  # type: ignore[method-assign]
    return store


def open_roster(settings: Settings, opened: OpenStore) -> Roster | None:
    """The IT triage team from an Entra group, when one is configured (m365 mode)."""
    if not settings.triage_group_id or opened.graph is None:
        return None
    from graph_clients.roster import GroupRoster

    graph = opened.graph
    return GroupRoster(graph.client, settings.triage_group_id, graph.policy)
