"""Process mapping (Priority 5): `map a process` captures a process's steps, hand-offs and
pain points; the bot estimates, by published rules, the hours a year it takes and what
self-service or automation could save; the opportunities form the automation backlog that
Power Platform makers work from, and any one can be raised as a digital request.

Two parts: `flow` (mapping a process, `my processes`) and `backlog` (the estimates and
the automation backlog). A map just sent shows its estimate, and its backlog line is
copied to the SharePoint list in SharePoint mode (`sharepoint`). At start-up, in the
background, every process's latest line is copied again where the list differs, so a copy
missed while Graph was away is repaired after a restart."""

from __future__ import annotations

import logging
from typing import Any

from bot.journey import Journey, JourneyContext, Part, join
from bot.journeys.processes import backlog, flow, sharepoint
from bot.ports import Record

logger = logging.getLogger(__name__)


async def latest_lines(ctx: JourneyContext) -> list[dict[str, Any]]:
    """Each process's newest version as a backlog line, reading at most backlog.MOST
    records; a map that cannot be read is logged and left out."""
    newest: dict[str, Record] = {}
    after, read = 0, 0
    while read < backlog.MOST and (
        page := await ctx.store.records(backlog.MAP_KIND, after, backlog.READ_PAGE)
    ):
        for record in page:
            ident, version = record.data.get("id"), record.data.get("version")
            if not isinstance(ident, str) or type(version) is not int:
                continue
            kept = newest.get(ident.strip())
            if kept is None or version >= kept.data["version"]:
                newest[ident.strip()] = record
        after, read = page[-1].seq, read + len(page)
    lines = []
    for record in newest.values():
        try:
            lines.append(backlog.backlog_line(record.data, record.owner_id))
        except ValueError as error:
            logger.warning("Process map %s not copied to SharePoint: %s", record.key, error)
    return lines


async def repair_backlog_list(ctx: JourneyContext) -> None:
    """Bring the SharePoint backlog list in step with the journey's records. Never raises:
    a failure is logged, and the next start tries again."""
    try:
        await sharepoint.sync_backlog(ctx, await latest_lines(ctx))
    except Exception:
        logger.exception("Could not bring the SharePoint automation backlog up to date")


def repair_part(ctx: JourneyContext) -> Part:
    async def start() -> None:
        if ctx.graph is not None:  # with SQLite there is no list to repair
            ctx.in_background(repair_backlog_list(ctx))

    return Part(on_start=start)


def register(ctx: JourneyContext) -> Journey:
    async def publish(record: Record) -> None:
        line = backlog.backlog_line(record.data, record.owner_id)
        await sharepoint.publish_backlog_entry(ctx, line)

    mapping = flow.part(ctx, estimate_card=backlog.estimate_card, on_sent=publish)
    return join("processes", [mapping, backlog.part(ctx), repair_part(ctx)])
