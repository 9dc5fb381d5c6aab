"""How long people wait while Graph is down: `my requests`, `status` and a restart.

    python -m tests.bench.bench_outage [--retry-after 5]

Graph (the local fake) answers every request 503 with Retry-After; the bot runs in
SharePoint mode with the production retry policy. Prints each wait in seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import tempfile
import time
from pathlib import Path

import aiohttp

from graph_clients.client import RetryPolicy
from tests.bench.common import check_ranges, print_header
from tests.e2e.journey import raise_request
from tests.support.cards import all_text
from tests.support.fake_graph import FakeGraph
from tests.support.graph import connect, provisioned
from tests.support.teams import BotServer, Connector, TeamsUser, card_of


async def timed(user: TeamsUser, said: str) -> tuple[float, str]:
    started = time.monotonic()
    replies = await user.say(said)
    return time.monotonic() - started, all_text(card_of(replies[-1]))


async def run(retry_after: int) -> list[tuple[str, float, str]]:
    fake = FakeGraph()
    await fake.start()
    await (await provisioned(fake)).close()
    connector = Connector()
    await connector.start()
    data = Path(tempfile.mkdtemp(prefix="dfd-outage-")) / "data"
    bot = BotServer(data, {"BOT_STORE": "sharepoint"}, graph=lambda: connect(fake, RetryPolicy()))
    rows: list[tuple[str, float, str]] = []
    try:
        await bot.start()
        async with aiohttp.ClientSession() as http:
            alex = TeamsUser(http, bot, connector)
            found = re.search(r"DR-\d{4}-\d{4}", all_text(await raise_request(alex)))
            reference = found.group(0) if found else "DR-0000-0000"
            for _ in range(200):  # at most 10 s for the request to reach SharePoint
                if fake.list_items("DFD Requests"):
                    break
                await asyncio.sleep(0.05)
            fake.faults.unavailable = True
            fake.faults.retry_after = str(retry_after)
            for said in ("my requests", f"status {reference}", "my requests"):
                took, text = await timed(alex, said)
                rows.append((said, took, "shown" if reference in text else "MISSING"))
            await bot.stop()
            started = time.monotonic()
            await bot.start()
            async with http.get(f"{bot.url}/healthz") as response:
                rows.append(
                    ("restart to /healthz", time.monotonic() - started, str(response.status))
                )
            async with http.get(f"{bot.url}/readyz") as response:
                ready = await response.json()
            rows.append(("/readyz after restart", 0.0, str(ready.get("status"))))
            took, text = await timed(alex, "my requests")
            rows.append(
                ("my requests after restart", took, "shown" if reference in text else "MISSING")
            )
    finally:
        await bot.stop()
        await connector.stop()
        await fake.stop()
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--retry-after", type=int, default=5, help="seconds Graph asks to wait")
    args = parser.parse_args(argv)
    check_ranges(parser, args, [("retry_after", 1, 120)])
    print_header("tests.bench.bench_outage", argv, "SharePoint (local Graph-like server)")
    print(f"Graph answers 503 with Retry-After: {args.retry_after}")
    print(f"{'what':<28} {'seconds':>8}  result")
    for what, took, result in asyncio.run(run(args.retry_after)):
        print(f"{what:<28} {took:>8.2f}  {result}")


if __name__ == "__main__":
    main()
