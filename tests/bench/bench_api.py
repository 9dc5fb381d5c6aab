"""Benchmark: the REST API's ListRequests with filters over 10,000 stored requests, and
CreateRequest, over real HTTP.

    python -m tests.bench.bench_api [--requests 10000] [--runs 50] [--creates 100] [--seed 7]

Not a test (pytest does not collect it). Fills a real SQLite store (the bot's own
`SqliteStore`, in a temporary DATA_DIR) with --requests requests straight through the
store: the request form's answers with made-up titles, spread over the three boards and
the directorates, submitted over the last 180 days; about a third then changed (status,
and a theme for some), so `updatedAt` differs. Then starts the real service on that
folder with an API key and, --runs times each, asks for the first page (25) of
ListRequests with each filter set below, then raises --creates requests with
CreateRequest. Each call is timed from sending to reading the whole answer. Prints p50,
p95 and max in ms. Exits 0 whether or not targets are met; 1 only if the benchmark broke
(a wrong status, or a filter that finds nothing).
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

import aiohttp

from bot.domain.model import DIRECTORATES, AuditEntry, Requester, Route, Status, Theme
from bot.domain.scoring import score
from bot.journeys.intake.form import build_details
from bot.ports import NewRequest
from bot.store.sqlite import SqliteStore
from tests.bench.common import check_ranges, print_header
from tests.e2e.journey import distinct_answers
from tests.e2e.test_api_requests import good_body
from tests.support.api import API_ENV, ApiClient
from tests.support.clock import SettableClock
from tests.support.teams import BotServer

TARGET_LIST_P95_MS = 200.0
TARGET_CREATE_P95_MS = 500.0
NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)
BOARDS = ("ddc", "trb", "ictig")
LATER = (Status.IN_TRIAGE, Status.WITH_BOARD, Status.WITHDRAWN, Status.REJECTED)

FILTERS: dict[str, dict[str, str]] = {
    "no filter          ": {},
    "status+board       ": {"status": "with_board,in_triage", "board": "trb"},
    "directorate        ": {"directorate": "Corporate Services"},
    "theme              ": {"theme": "design_plan_implement"},
    "updatedSince       ": {"updatedSince": (NOW - dt.timedelta(days=30)).isoformat()},
    "sparse: 3 filters  ": {
        "status": "rejected",
        "theme": "people_and_skills",
        "directorate": "Strategy and Performance",
    },
    "all four           ": {
        "status": "with_board",
        "board": "ddc",
        "directorate": "Place",
        "updatedSince": (NOW - dt.timedelta(days=60)).isoformat(),
    },
}


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def line(name: str, times: list[float], target: float | None = None) -> str:
    p95 = pct(times, 0.95)
    said = (
        f"{name}: n={len(times)} p50={pct(times, 0.5):.1f} ms p95={p95:.1f} ms "
        f"max={max(times):.1f} ms"
    )
    if target is not None:
        said += f" [{'PASS' if p95 < target else 'FAIL'} p95 < {target:g} ms]"
    return said


async def fill(store: SqliteStore, count: int, rng: random.Random) -> None:
    gov = await store.governance()
    base = distinct_answers("api-bench")
    for number in range(count):
        answers = distinct_answers(f"api-{number}") if number % 50 == 0 else base
        answers = {**answers, 1: {**answers[1], "directorate": rng.choice(DIRECTORATES)}}
        values = {k: str(v) for step in answers.values() for k, v in step.items()}
        details = build_details(values, NOW.date())
        at = NOW - dt.timedelta(days=rng.randint(1, 180), minutes=rng.randint(0, 600))
        added = await store.add(
            NewRequest(
                draft_id=uuid.uuid4().hex,
                details=details,
                requester=Requester(f"person-{number}", f"Person {number}", f"person-{number}"),
                score=score(details, gov.matrix, NOW.date()),
                route=Route(rng.choice(BOARDS), "change_request", "Bench.", "bench"),
                submitted_at=at,
            )
        )
        if rng.random() < 0.35:
            status = rng.choice(LATER)
            changed = at + dt.timedelta(days=rng.randint(0, max(0, (NOW - at).days)))
            entry = AuditEntry(changed, "triager", "Alex Wilber", "bench", added.status, status)
            theme = rng.choice(list(Theme)).value if rng.random() < 0.4 else ""
            await store.update(
                dataclasses.replace(added, status=status, history=(entry,), theme=theme)
            )


async def timed(runs: int, call: Any) -> list[float]:
    times: list[float] = []
    for number in range(runs):
        started = time.perf_counter()
        await call(number)
        times.append((time.perf_counter() - started) * 1000)
    return times


async def run(args: argparse.Namespace) -> int:
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "data"
        clock = SettableClock(NOW)
        store = SqliteStore(data / "digital-front-door.sqlite3", clock)
        await store.open()
        started = time.perf_counter()
        try:
            await fill(store, args.requests, rng)
        finally:
            await store.close()
        print(f"filled:  {args.requests} requests in {time.perf_counter() - started:.1f} s")
        bot = BotServer(data, {**API_ENV, "API_RATE_LIMIT": "10000"}, clock=clock)
        await bot.start()
        try:
            async with aiohttp.ClientSession() as http:
                return await measure(ApiClient(http, bot), args, bot)
        finally:
            await bot.stop()


async def measure(api: ApiClient, args: argparse.Namespace, bot: BotServer) -> int:
    for name, params in FILTERS.items():
        found: list[int] = []

        async def listed(_: int, params: dict[str, str] = params, found: list[int] = found) -> None:
            answer = await api.get("requests", **params)
            if answer.status != 200:
                raise RuntimeError(f"ListRequests answered {answer.status}: {answer.body}")
            found.append(len(answer.body["value"]))

        await listed(0)  # warm up
        times = await timed(args.runs, listed)
        print(line(f"list {name}", times, TARGET_LIST_P95_MS) + f" ({found[-1]} on the page)")
        if not found[-1]:
            print(f"FAIL: the filter {params} found nothing")
            return 1

    started, pages, seen = time.perf_counter(), 0, set()
    answer = await api.get("requests", board="trb", top="100")
    while answer.status == 200:
        pages += 1
        seen.update(item["reference"] for item in answer.body["value"])
        link = answer.body["nextLink"]
        if link is None or pages > args.requests:
            break
        answer = await api.call("GET", link.removeprefix(bot.url))
    took = (time.perf_counter() - started) * 1000
    print(
        f"every page of board=trb, 100 a page: {pages} pages, {len(seen)} requests, {took:.0f} ms"
    )

    async def created(number: int) -> None:
        answer = await api.post("requests", good_body(title=f"Bench request {number}"))
        if answer.status != 201:
            raise RuntimeError(f"CreateRequest answered {answer.status}: {answer.body}")

    times = await timed(args.creates, created)
    await bot.settled(timeout=60)
    print(line("create             ", times, TARGET_CREATE_P95_MS))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.bench_api")
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--creates", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    check_ranges(
        parser,
        args,
        [("requests", 1, 50_000), ("runs", 1, 10_000), ("creates", 1, 5_000)],
    )
    print_header("tests.bench.bench_api", argv, "SQLite (local mode), one process, real HTTP")
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
