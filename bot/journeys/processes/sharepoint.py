"""The automation backlog as a SharePoint list, for Power Platform makers (m365 mode).

When a process map is sent, the journey calls `publish_backlog_entry` with its backlog
line. With SharePoint (BOT_STORE=sharepoint) the line is copied to the "DFD Automation
Backlog" list after the person's answer, in the background; nobody waits on Graph, and a
failure is only logged. The journey's own records stay the source: the list holds each
process's latest version, for makers to work from. A copy missed while Graph was away is
made by `sync_backlog`, which the journey runs with every process's latest line (at
start-up, say). With SQLite there is no list: nothing to do.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from bot.journey import JourneyContext

if TYPE_CHECKING:
    from graph_clients.backlog_list import BacklogEntry

logger = logging.getLogger(__name__)


async def publish_backlog_entry(ctx: JourneyContext, entry: Mapping[str, Any]) -> None:
    """Copy a process's backlog line to SharePoint, after the turn. `entry` has the keys
    process_id, version, name, directorate, service_area, hours_per_year, hours_saveable,
    kind, ease, reason, systems, owner_id and updated_at (see graph_clients/backlog_list.py
    `backlog_entry` for what each may hold). Never raises."""
    if ctx.graph is None:
        return
    from graph_clients.backlog_list import BacklogEntryRefused, backlog_entry  # Graph at the edge

    try:
        checked = backlog_entry(entry)
    except BacklogEntryRefused as refused:
        logger.error(
            "Process %s was not copied to the SharePoint backlog: %s",
            entry.get("process_id"),
            refused,
        )
        return
    ctx.in_background(_upsert(ctx, checked))


async def _upsert(ctx: JourneyContext, entry: BacklogEntry) -> None:
    from graph_clients.backlog_list import BacklogList

    try:
        outcome = await BacklogList(ctx.graph).upsert(entry)
    except Exception:
        # The person's map is kept in the bot's records; the next version sent copies it.
        logger.exception("Process %s was not copied to the SharePoint backlog", entry.process_id)
        return
    logger.info("Process %s in the SharePoint backlog: %s", entry.process_id, outcome)


async def sync_backlog(ctx: JourneyContext, entries: Iterable[Mapping[str, Any]]) -> None:
    """Make the list hold every one of these lines (each process's latest), reading the list
    once: copies missed while Graph was away are made, the rest left alone. Lines the list
    cannot hold are logged and skipped. Raises when Graph fails (a loop tries again)."""
    if ctx.graph is None:
        return
    from graph_clients.backlog_list import BacklogEntryRefused, BacklogList, backlog_entry

    checked = []
    for entry in entries:
        try:
            checked.append(backlog_entry(entry))
        except BacklogEntryRefused as refused:
            logger.error(
                "Process %s was not copied to the SharePoint backlog: %s",
                entry.get("process_id"),
                refused,
            )
    outcomes = await BacklogList(ctx.graph).sync(checked)
    logger.info("The SharePoint backlog is in step: %s", dict(outcomes))
