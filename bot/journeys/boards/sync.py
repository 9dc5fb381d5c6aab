"""Board decisions to SharePoint, for Power BI (m365 mode).

A decision is kept in the journey's SQLite file first, so a board member never waits on
Graph. Every minute the loop writes those kept since the cursor to the "DFD Decisions"
list, then moves the cursor: if Graph is down the cursor stays, and the next run writes
them. The list is looked up before each write, so nothing is written twice. With several
instances, only the one holding the store's turn for the sync runs it, so two never look
up and write the same decisions at once.

A decision SharePoint refuses for good (a bad value, say) would hold the cursor for ever
and every later decision behind it. After GIVE_UP refusals it is skipped: it stays in the
journey's file, and the admins are told once, naming it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
from typing import TYPE_CHECKING

from bot.domain.boards import DECISION_LABELS, Decision
from bot.journey import JourneyContext, Part
from bot.journeys.boards.ports import BoardStore
from bot.journeys.boards.shared import Shared
from bot.telemetry.steps import job
from cards.elements import to_dict
from cards.welcome import build_notice_card

if TYPE_CHECKING:
    from graph_clients.decisions_list import SharePointDecisions

logger = logging.getLogger(__name__)

CURSOR = "decisions_cursor"  # the seq of the last decision written to SharePoint
PAGE = 100  # decisions read from the store and written per step
LOOP_SECONDS = 60.0
SYNC_TURN = "decisions_sync"  # with several instances, one copies at a time…
TURN = dt.timedelta(minutes=5)  # …taking its turn again each run; if it dies, another after this
REFUSALS = "decisions_refused"  # JSON: DecisionId -> times SharePoint refused it for good
GIVE_UP = 5  # refusals in a row after which a decision is skipped
NOT_COPIED = "A board decision was not copied to SharePoint"


async def run_decision_sync(shared: Shared) -> int:
    """Write the decisions kept since the cursor to SharePoint; how many were written.

    Local mode (no Graph): nothing to do, 0. Raises when Graph fails; the cursor then
    stays after the last page written in full."""
    graph = shared.ctx.graph
    if graph is None:
        return 0
    from graph_clients.decisions_list import SharePointDecisions  # Graph stays at the edge

    store = await shared.store()
    if not await store.take_turn(SYNC_TURN, shared.ctx.now(), TURN):
        return 0  # another instance is copying them now
    decisions_list = SharePointDecisions(graph)
    cursor = int(await store.get_value(CURSOR) or 0)
    written = 0
    while True:
        page = await store.decisions(after_seq=cursor, limit=PAGE)
        if not page:
            return written
        written += await _write_page(shared, store, decisions_list, page)
        cursor = page[-1].seq
        await store.set_value(CURSOR, str(cursor))


async def _write_page(
    shared: Shared, store: BoardStore, decisions_list: SharePointDecisions, page: list[Decision]
) -> int:
    """Write a page; returns how many were written. Raises (the cursor stays) unless every
    decision not written has been refused GIVE_UP times: those are then skipped."""
    from graph_clients.decisions_list import DecisionsNotWritten

    refusals: dict[str, int] = json.loads(await store.get_value(REFUSALS) or "{}")
    skipped = [d for d in page if refusals.get(d.id, 0) >= GIVE_UP]
    skipped_ids = {d.id for d in skipped}
    try:
        written = await decisions_list.write([d for d in page if d.id not in skipped_ids])
    except DecisionsNotWritten as error:
        for decision_id in error.refused:
            refusals[decision_id] = refusals.get(decision_id, 0) + 1
        await store.set_value(REFUSALS, json.dumps(refusals))
        given_up = [d for d in page if d.id in error.refused and refusals[d.id] >= GIVE_UP]
        if error.failed > len(given_up):  # something may still be written: keep the cursor
            raise
        skipped += given_up
        written = error.written
    for decision in skipped:
        await _tell_skipped(shared, decision)
    # The cursor moves past this page: its decisions are written or skipped.
    done = [d.id for d in page if d.id in refusals]
    if done:
        for decision_id in done:
            del refusals[decision_id]
        await store.set_value(REFUSALS, json.dumps(refusals))
    return written


async def _tell_skipped(shared: Shared, decision: Decision) -> None:
    logger.error(
        "SharePoint refused decision %s %d times: skipped, kept only in the boards "
        "journey's own file",
        decision.id,
        GIVE_UP,
    )
    card = to_dict(build_notice_card(NOT_COPIED, not_copied_words(decision)))
    for admin in sorted(shared.ctx.admin_ids):
        await shared.ctx.notifier.deliver(admin, card, f"decision-not-copied:{decision.id}:{admin}")


def not_copied_words(decision: Decision) -> list[str]:
    label = DECISION_LABELS[decision.kind].lower()
    return [
        f"SharePoint refused the decision on {decision.reference} ({label}, decision "
        f"{decision.id}) {GIVE_UP} times. So it is not in the DFD Decisions list, and Power "
        "BI does not show it.",
        "The decision itself is kept, and the request is not affected. Later decisions are "
        "copied as usual.",
        "Look for a value in it that SharePoint cannot take, such as very long text. Then add "
        "it to the list by hand.",
    ]


def part(ctx: JourneyContext, shared: Shared) -> Part:
    async def loop() -> None:
        while True:
            await asyncio.sleep(LOOP_SECONDS)
            try:
                with job("decision_sync"):
                    await run_decision_sync(shared)
            except Exception as error:
                logger.warning(
                    "Decisions not written to SharePoint yet (%r); will try again", error
                )

    return Part(loops=(loop,) if ctx.graph is not None else ())
