"""Benchmark: one look of the deadline loop over 5,000 open requests, and how long it
holds the event loop (every other person's turn waits while it does).

    python -m tests.bench.bench_deadlines [--requests 5000] [--due 0.1] [--seed 7]

Not a test (pytest does not collect it). Fills a real SQLite store (the bot's own
`SqliteStore`, in a temporary DATA_DIR) with --requests open requests: about half new
(IT triage's stage), half on the Technical Review Board's list (the boards journey's own
store seeded as in local mode, so the board meets). A share (--due) came in long enough
ago that a reminder is due; the rest are fresh. The notifier only counts the cards.

Then `run_deadlines(shared)` once, while a ticker asks the event loop for a turn every
millisecond. Prints the loop's time, the reminders sent and the longest the ticker had to
wait: the longest single stretch the loop held the event loop without yielding.
Exits 0 whether or not the target is met; 1 only if the benchmark broke.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime as dt
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from bot.domain.model import AuditEntry, Requester, Route, Status
from bot.domain.scoring import score
from bot.journey import JourneyContext
from bot.journeys.boards.config import BoardsConfig
from bot.journeys.boards.deadlines import run_deadlines
from bot.journeys.boards.shared import Shared
from bot.journeys.intake.form import build_details
from bot.notifier import Delivered
from bot.ports import NewRequest
from bot.store.sqlite import SqliteStore
from tests.bench.common import check_ranges, print_header
from tests.e2e.journey import distinct_answers
from tests.support.clock import SettableClock

NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)  # a Wednesday
TARGET_STRETCH_MS = 50.0  # the longest another person's turn should wait
TICK = 0.001


class CountingNotifier:
    """Counts the reminder cards instead of sending them."""

    def __init__(self) -> None:
        self.cards = 0

    async def deliver(
        self, user_id: str, card: dict[str, Any], once_key: str, via: str | None = None
    ) -> Delivered:
        self.cards += 1
        return Delivered.SENT


async def fill(store: SqliteStore, count: int, due: float, rng: random.Random) -> None:
    gov = await store.governance()
    answers = distinct_answers("deadlines")
    values = {k: str(v) for step in answers.values() for k, v in step.items()}
    details = build_details(values, NOW.date())
    for number in range(count):
        late = rng.random() < due
        at = NOW - (dt.timedelta(days=rng.randint(5, 40)) if late else dt.timedelta(minutes=30))
        added = await store.add(
            NewRequest(
                draft_id=str(uuid.uuid4()),
                details=details,
                requester=Requester(f"person-{number}", f"Person {number}", f"person-{number}"),
                score=score(details, gov.matrix, NOW.date()),
                route=Route("trb", "change_request", "New technology needs the board.", "bench"),
                submitted_at=at,
            )
        )
        if number % 2:
            accepted = AuditEntry(
                at, "triager", "Alex Wilber", "accept", Status.SUBMITTED, Status.WITH_BOARD
            )
            await store.update(
                dataclasses.replace(added, status=Status.WITH_BOARD, history=(accepted,))
            )


async def ticker(waits: list[float], done: asyncio.Event) -> None:
    """Asks for a turn every millisecond; keeps how late each turn came."""
    while not done.is_set():
        asked = time.perf_counter()
        await asyncio.sleep(TICK)
        waits.append(time.perf_counter() - asked - TICK)


async def run(args: argparse.Namespace) -> int:
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder)
        clock = SettableClock(NOW)
        store = SqliteStore(data / "digital-front-door.sqlite3", clock)
        await store.open()
        notifier = CountingNotifier()
        ctx = JourneyContext(
            store=store, clock=clock, notifier=notifier, admin_ids=frozenset({"admin"}),
            data_dir=data,
        )  # fmt: skip
        shared = Shared(ctx, BoardsConfig())
        try:
            started = time.perf_counter()
            await fill(store, args.requests, args.due, rng)
            took = time.perf_counter() - started
            print(f"filled:  {args.requests} open requests in {took:.1f} s")
            await shared.store()  # open and seed the boards store first
            waits: list[float] = []
            done = asyncio.Event()
            ticking = asyncio.create_task(ticker(waits, done))
            await asyncio.sleep(0.01)
            started = time.perf_counter()
            sent = await run_deadlines(shared)
            took = time.perf_counter() - started
            done.set()
            await ticking
        finally:
            await shared.close()
            await store.close()
    longest = max(waits) * 1000
    verdict = "PASS" if longest < TARGET_STRETCH_MS else "FAIL"
    print(f"loop:    {took * 1000:.0f} ms for {args.requests} open requests; {sent} cards sent")
    print(
        f"longest stretch without yielding: {longest:.1f} ms "
        f"[{verdict} under {TARGET_STRETCH_MS:g} ms]"
    )
    if sent != notifier.cards or (args.due and args.requests >= 100 and not sent):
        print(f"FAIL: {sent} cards counted by the loop, {notifier.cards} by the notifier")
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.bench_deadlines")
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--due", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    check_ranges(parser, args, [("requests", 1, 50_000), ("due", 0, 1)])
    print_header("tests.bench.bench_deadlines", argv, "SQLite (local mode), one process")
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
