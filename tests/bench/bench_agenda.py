"""Benchmark: a board's agenda with 1,000 requests on its list (target p95 under 500 ms
for the first page).

    python -m tests.bench.bench_agenda [--requests 1000] [--runs 50] [--seed 7]

Not a test (pytest does not collect it). Fills a real SQLite store (the bot's own
`SqliteStore`, in a temporary DATA_DIR) with --requests requests on the Technical Review
Board's list: the request form's answers with made-up titles, problems and drivers (so the
scores differ), submitted over the last 90 days, each accepted by IT triage; some with a
statutory deadline, some deferred. The boards journey's own store is seeded as in local
mode, so the board meets and each item has its time left.

Then, --runs times each: `agenda_cards(shared, "trb", 1)` (the first page, as `agenda`
shows it) and `agenda_cards(shared, "trb", None)` (every page, as the automatic agenda
posts it). Each run reads the list from the store, orders it, pages it and builds the
cards, as the journey does. Prints p50, p95 and max in ms, the pages and the largest card.
Exits 0 whether or not targets are met; 1 only if the benchmark broke.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime as dt
import json
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from bot.domain.model import AuditEntry, Driver, Requester, Route, Status
from bot.domain.scoring import score
from bot.journey import JourneyContext
from bot.journeys.boards.agenda import agenda_cards
from bot.journeys.boards.config import BoardsConfig
from bot.journeys.boards.shared import Shared
from bot.journeys.intake.form import build_details
from bot.ports import NewRequest
from bot.store.sqlite import SqliteStore
from tests.bench.common import check_ranges, print_header
from tests.e2e.journey import distinct_answers
from tests.support.clock import SettableClock

TARGET_P95_MS = 500.0
NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)
BOARD = "trb"
TEAMS_CARD_BYTES = 28 * 1024


class _Inert:
    """The agenda sends nothing: the notifier is never used."""

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError(f"The agenda used the notifier's {name}")


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


async def fill(store: SqliteStore, count: int, rng: random.Random) -> None:
    gov = await store.governance()
    drivers = [d.value for d in Driver]
    for number in range(count):
        answers = distinct_answers(f"agenda-{number}")
        chosen = ",".join(rng.sample(drivers, rng.randint(1, 6)))
        answers[4] = {**answers[4], "drivers": chosen}
        if rng.random() < 0.2:
            deadline = NOW.date() + dt.timedelta(days=rng.randint(30, 400))
            answers[3] = {**answers[3], "statutory_deadline": deadline.isoformat()}
        values = {k: str(v) for step in answers.values() for k, v in step.items()}
        details = build_details(values, NOW.date())
        at = NOW - dt.timedelta(days=rng.randint(1, 90), minutes=rng.randint(0, 600))
        added = await store.add(
            NewRequest(
                draft_id=str(uuid.uuid4()),
                details=details,
                requester=Requester(f"person-{number}", f"Person {number}", f"person-{number}"),
                score=score(details, gov.matrix, NOW.date()),
                route=Route(BOARD, "change_request", "New technology needs the board.", "bench"),
                submitted_at=at,
            )
        )
        accepted = AuditEntry(
            at + dt.timedelta(days=1),
            "triager",
            "Alex Wilber",
            "accept",
            Status.SUBMITTED,
            Status.WITH_BOARD,
        )
        deferred = (
            NOW.date() + dt.timedelta(days=rng.randint(1, 120)) if rng.random() < 0.1 else None
        )
        await store.update(
            dataclasses.replace(
                added, status=Status.WITH_BOARD, history=(accepted,), deferred_until=deferred
            )
        )


async def timed(runs: int, work: Any) -> tuple[list[float], Any]:
    times: list[float] = []
    result: Any = None
    for _ in range(runs):
        started = time.perf_counter()
        result = await work()
        times.append((time.perf_counter() - started) * 1000)
    return times, result


def line(name: str, times: list[float], target: float | None = None) -> str:
    p95 = pct(times, 0.95)
    said = (
        f"{name}: n={len(times)} p50={pct(times, 0.5):.1f} ms p95={p95:.1f} ms "
        f"max={max(times):.1f} ms"
    )
    if target is not None:
        said += f" [{'PASS' if p95 < target else 'FAIL'} p95 < {target:g} ms]"
    return said


async def run(args: argparse.Namespace) -> int:
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder)
        clock = SettableClock(NOW)
        store = SqliteStore(data / "digital-front-door.sqlite3", clock)
        await store.open()
        inert: Any = _Inert()
        ctx = JourneyContext(
            store=store, clock=clock, notifier=inert, admin_ids=frozenset(), data_dir=data
        )
        shared = Shared(ctx, BoardsConfig())
        try:
            started = time.perf_counter()
            await fill(store, args.requests, rng)
            print(f"filled:  {args.requests} requests in {time.perf_counter() - started:.1f} s")
            await agenda_cards(shared, BOARD, 1)  # open the boards store, warm up
            first, cards = await timed(args.runs, lambda: agenda_cards(shared, BOARD, 1))
            if "Technical Review Board: agenda" not in json.dumps(cards[0]):
                print("FAIL: the first page is not the board's agenda")
                return 1
            every, pages = await timed(args.runs, lambda: agenda_cards(shared, BOARD, None))
            sizes = [len(json.dumps(c, ensure_ascii=False).encode()) for c in pages]
            shown = sum(json.dumps(c).count("Decide on DR-") // 2 for c in pages)
        finally:
            await shared.close()
            await store.close()
    print(line("first page", first, TARGET_P95_MS))
    print(line("all pages ", every))
    print(
        f"pages:   {len(pages)} for {args.requests} requests ({shown} shown); largest card "
        f"{max(sizes)} bytes [{'PASS' if max(sizes) < TEAMS_CARD_BYTES else 'FAIL'} under 28 KB]"
    )
    if shown != args.requests:
        print(f"FAIL: {shown} requests shown across the pages, not {args.requests}")
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.bench_agenda")
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    check_ranges(parser, args, [("requests", 1, 20_000), ("runs", 1, 10_000)])
    print_header("tests.bench.bench_agenda", argv, "SQLite (local mode), one process")
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
