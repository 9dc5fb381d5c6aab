"""Board decisions to SharePoint, for Power BI (m365 mode).

A decision is kept in the journey's SQLite file first, so a board member never waits on
Graph. Every minute the loop writes those kept since the cursor to the "DFD Decisions"
list, then moves the cursor: if Graph is down the cursor stays, and the next run writes
them. The list is looked up before each write, so nothing is written twice.
"""

from __future__ import annotations

import asyncio
import logging

from bot.journey import JourneyContext, Part
from bot.journeys.boards.shared import Shared

logger = logging.getLogger(__name__)

CURSOR = "decisions_cursor"  # the seq of the last decision written to SharePoint
PAGE = 100  # decisions read from the store and written per step
LOOP_SECONDS = 60.0


async def run_decision_sync(shared: Shared) -> int:
    """Write the decisions kept since the cursor to SharePoint; how many were written.

    Local mode (no Graph): nothing to do, 0. Raises when Graph fails; the cursor then
    stays after the last page written in full."""
    graph = shared.ctx.graph
    if graph is None:
        return 0
    from graph_clients.decisions_list import SharePointDecisions  # Graph stays at the edge

    store = await shared.store()
    decisions_list = SharePointDecisions(graph)
    cursor = int(await store.get_value(CURSOR) or 0)
    written = 0
    while True:
        page = await store.decisions(after_seq=cursor, limit=PAGE)
        if not page:
            return written
        written += await decisions_list.write(page)
        cursor = page[-1].seq
        await store.set_value(CURSOR, str(cursor))


def part(ctx: JourneyContext, shared: Shared) -> Part:
    async def loop() -> None:
        while True:
            await asyncio.sleep(LOOP_SECONDS)
            try:
                await run_decision_sync(shared)
            except Exception as error:
                logger.warning(
                    "Decisions not written to SharePoint yet (%r); will try again", error
                )

    return Part(loops=(loop,) if ctx.graph is not None else ())
