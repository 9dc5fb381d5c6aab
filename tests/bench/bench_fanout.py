"""Benchmark: 2,000 proactive nudges to 2,000 people within Teams' limits.

    python -m tests.bench.bench_fanout [--people 2000] [--concurrency 64]
        [--share-429 0.05] [--share-403 0.01] [--seed 11]

Not a test (pytest does not collect it). Everything runs in this process on 127.0.0.1:
the real bot as a `BotServer` (local mode, SQLite), and a `LimitedConnector`
(tests.support.limited_connector) standing in for the Bot Connector service. The connector
enforces Teams' limits (per conversation 7 a second, 8 in 2 seconds, 60 in 30 seconds,
1,800 an hour; 50 requests a second for the bot), answers 429 with Retry-After when a limit
is exceeded, and counts every message accepted and every duplicate (a message whose
hidden marker it has already accepted in that conversation).

Each person has a chat with the bot (remembered in the store before timing starts). The
nudges go through the app's own notifier, `deliver(user_id, card, once_key)`: the
CloudAdapter and ChannelPoster, the throttle and the retry policy in bot/delivery.py,
fanned out with `fan_out(..., concurrency)`.

Two runs, each with a fresh bot and connector:
1. clean: the connector refuses only what breaks a limit;
2. faults: besides, --share-429 of sends are answered 429 (Retry-After: 1) and
   --share-403 answered 403 (that person then stays blocked).

Prints per run: messages accepted per second against the ceiling (target at least 48 when
clean), lost (a person neither sent to nor reported unreachable, or a message reported
sent that never arrived), duplicated, limit 429s, injected 429s and 403s, people reported
unreachable. Exits 0 whether or not targets are met; 1 only if the benchmark broke.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.app import CONTEXT
from bot.delivery import fan_out
from bot.notifier import Delivered
from tests.bench.common import check_ranges, print_header
from tests.support.limited_connector import LimitedConnector
from tests.support.teams import TENANT, BotServer

RATE_TARGET = 48.0
CEILING = 50.0  # requests a second for the bot, as the connector enforces


@dataclass
class Result:
    name: str
    people: int
    seconds: float
    accepted: int
    requests: int  # every send the connector answered, refused ones included
    outcomes: Counter[str]
    lost: int
    duplicated: int
    limit_429: int
    injected_429: int
    injected_403: int
    most_in_flight_tasks: int

    @property
    def rate(self) -> float:
        return self.accepted / self.seconds if self.seconds else 0.0


def nudge(i: int) -> dict[str, Any]:
    return {
        "type": "AdaptiveCard",
        "version": "1.5",
        "body": [
            {"type": "TextBlock", "text": "A question in your community is waiting.", "wrap": True},
            {"type": "TextBlock", "id": "marker", "text": f"nudge-{i}", "isVisible": False},
        ],
        "actions": [
            {"type": "Action.Execute", "title": "Open the question", "verb": "nudge.open"},
        ],
    }


def person(i: int) -> str:
    return f"00000000-0000-4000-8000-{i:012d}"


async def one_run(
    name: str, args: argparse.Namespace, share_429: float, share_403: float
) -> Result:
    connector = LimitedConnector(
        share_429=share_429, share_403=share_403, seed=args.seed, keep_activities=False
    )
    await connector.start()
    with tempfile.TemporaryDirectory(prefix="bench-fanout-") as data:
        bot = BotServer(Path(data))
        await bot.start()
        try:
            assert bot.app is not None
            ctx = bot.app[CONTEXT]
            chats: dict[str, str] = {}
            for i in range(args.people):
                chats[person(i)] = f"a:personal-{i}"
                await ctx.store.remember_personal_chat(
                    person(i),
                    {
                        "serviceUrl": connector.url,
                        "channelId": "msteams",
                        "conversation": {
                            "id": chats[person(i)],
                            "conversationType": "personal",
                            "tenantId": TENANT,
                        },
                        "bot": {"id": "28:digital-front-door"},
                    },
                )
            notifier = ctx.notifier
            outcomes: Counter[str] = Counter()
            most = 0

            async def send(i: int) -> Delivered:
                return await notifier.deliver(person(i), nudge(i), f"bench:{name}:{i}")

            started = time.perf_counter()
            sent_to: set[int] = set()
            async for i, outcome in fan_out(range(args.people), send, args.concurrency):
                most = max(most, len(asyncio.all_tasks()))
                if isinstance(outcome, BaseException):
                    outcomes[f"failed: {type(outcome).__name__}"] += 1
                    continue
                outcomes[str(outcome)] += 1
                if outcome == Delivered.SENT:
                    sent_to.add(i)
            seconds = time.perf_counter() - started
        finally:
            await bot.stop()
            await connector.stop()
    counts = connector.counts
    arrived = {cid for cid, n in counts.per_conversation.items() if n > 0}
    never_arrived = sum(1 for i in sent_to if chats[person(i)] not in arrived)
    unaccounted = args.people - outcomes[str(Delivered.SENT)] - outcomes[str(Delivered.UNREACHABLE)]
    return Result(
        name=name,
        people=args.people,
        seconds=seconds,
        accepted=counts.accepted,
        requests=counts.accepted
        + counts.throttled
        + counts.injected_429
        + counts.injected_403
        + counts.blocked,
        outcomes=outcomes,
        lost=never_arrived + unaccounted,
        duplicated=counts.duplicates
        + sum(n - 1 for n in counts.per_conversation.values() if n > 1),
        limit_429=counts.throttled,
        injected_429=counts.injected_429,
        injected_403=counts.injected_403,
        most_in_flight_tasks=most,
    )


def report(result: Result, ceiling: float) -> None:
    share = result.rate / ceiling
    verdict = "PASS" if result.rate >= RATE_TARGET else "below target"
    print(f"\n[{result.name}] {result.people} nudges to {result.people} people")
    print(f"  time:            {result.seconds:.1f} s")
    print(
        f"  messages/second: {result.rate:.1f} against the {ceiling:g}/s ceiling "
        f"({share:.0%}; target >= {RATE_TARGET:g}: {verdict})"
    )
    print(
        f"  requests/second: {result.requests / result.seconds:.1f} "
        f"({result.requests} answered, refusals included: they count toward the limit)"
    )
    print(f"  accepted:        {result.accepted}")
    print(f"  lost:            {result.lost} (target 0)")
    print(f"  duplicated:      {result.duplicated} (target 0)")
    print(f"  429 for a limit: {result.limit_429}")
    print(f"  injected:        {result.injected_429} x 429, {result.injected_403} x 403")
    print(f"  outcomes:        {dict(sorted(result.outcomes.items()))}")
    print(f"  tasks at most:   {result.most_in_flight_tasks} (bounded by --concurrency)")


async def run(args: argparse.Namespace) -> list[Result]:
    clean = await one_run("clean", args, 0.0, 0.0)
    report(clean, CEILING)
    faults = await one_run("faults", args, args.share_429, args.share_403)
    report(faults, CEILING)
    return [clean, faults]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.bench_fanout")
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--share-429", type=float, default=0.05)
    parser.add_argument("--share-403", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    check_ranges(
        parser,
        args,
        [
            ("people", 1, 100_000),
            ("concurrency", 1, 1000),
            ("share_429", 0, 0.5),
            ("share_403", 0, 0.5),
        ],
    )
    logging.basicConfig(level=logging.ERROR)
    print_header("tests.bench.bench_fanout", argv, "sqlite")
    try:
        asyncio.run(run(args))
    except Exception as error:
        print(f"The benchmark broke: {error!r}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
