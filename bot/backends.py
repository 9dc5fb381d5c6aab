"""Opening the store the settings ask for: SQLite locally, SharePoint lists in m365 mode."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
    close: Callable[[], Awaitable[None]] | None = None
    graph: Any = None  # the GraphConnection in SharePoint mode
    # SharePoint mode: who to tell when changes made in Teams met a newer edit in the list.
    on_not_applied: Callable[[Callable[[NotApplied], Awaitable[None]]], None] | None = None
    # SharePoint mode: who to tell about an edit to the config list that was not used.
    on_config_problem: Callable[[Callable[[str], Awaitable[None]]], Awaitable[None]] | None = None


async def open_store(settings: Settings, clock: Clock, graph: Any = None) -> OpenStore:
    """`graph` is an optional prebuilt graph_clients.wiring.GraphConnection (tests use it)."""
    if settings.store == "sqlite":
        local = SqliteStore(settings.database_path, clock)
        await local.open()
        return OpenStore(local, "sqlite", close=local.close)
    sharepoint = await open_sharepoint(settings.database_path, clock, graph)
    return OpenStore(
        sharepoint,
        "sharepoint",
        background=sharepoint.run_writer,
        pending_writes=sharepoint.pending_writes,
        close=sharepoint.close,
        graph=sharepoint.graph,
        on_not_applied=lambda tell: setattr(sharepoint, "on_not_applied", tell),
        on_config_problem=sharepoint.listen_for_config_problems,
    )


async def open_sharepoint(database: Path, clock: Clock, graph: Any = None) -> SharePointStore:
    """SharePoint lists, with the journal and the working state in one local SQLite file."""
    from graph_clients.wiring import open_sharepoint_store

    journal = SqliteJournal(database, clock)
    working = SqliteWorkingState(database, clock)
    return await open_sharepoint_store(journal, working, clock, graph)


def open_roster(settings: Settings, opened: OpenStore) -> Roster | None:
    """The IT triage team from an Entra group, when one is configured (m365 mode)."""
    if not settings.triage_group_id or opened.graph is None:
        return None
    from graph_clients.roster import GroupRoster

    graph = opened.graph
    return GroupRoster(graph.client, settings.triage_group_id, graph.policy)
