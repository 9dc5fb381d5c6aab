"""Soak: a steady load on one bot process for many minutes; does its memory stay flat?

    scripts/soak [--minutes 30] [--rate 3] [--state azure|sqlite]

Not a test (pytest does not collect it). The same set-up and mix of turns as
tests/bench/bench_load.py (Azurite, the Graph-like server, the product's app as its own
process), one process, at a steady `--rate` turns a second. The resident memory of the
bot process (VmRSS in /proc/<pid>/status) is printed after a warm-up minute (the start),
every 5 minutes, and at the end, with the growth from start to end. Errors and the turns'
p50 and p99 are printed for each period too, so a slow leak that shows as time is seen.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

from tests.bench.bench_load import REPLY_TIMEOUT, Front, Morning, bots, run_rate, running_connector
from tests.bench.common import check_ranges, print_header

REPORT_EVERY = 300.0  # seconds
WARM_UP = 60.0  # seconds of load before the first reading


async def main_async(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="soak-") as temporary:
        async with (
            bots(1, args.state, Path(temporary)) as (url, (process,), fake),
            running_connector() as connector,
            aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=0),
                timeout=aiohttp.ClientTimeout(total=REPLY_TIMEOUT),
            ) as http,
        ):
            morning = Morning(http, Front(url), connector)
            warm_up = min(WARM_UP, args.minutes * 60 / 5)
            await run_rate(morning, args.rate, warm_up)
            start_rss = process.rss_kib()
            print(f"rate {args.rate:g} turns a second for {args.minutes:g} minutes")
            print("  minute    turns  errors   p50 ms   p99 ms   RSS MiB")
            print(f"{0:8.1f} {'':8} {'':7} {'':8} {'':8} {start_rss / 1024:9.1f}  (start)")
            began = time.monotonic()
            total = args.minutes * 60
            errors = 0
            planned = 0.0
            while planned < total:  # by plan, not by the clock: each period runs in full
                period = min(REPORT_EVERY, total - planned)
                planned += period
                step = await run_rate(morning, args.rate, period)
                errors += len(step.errors)
                p50 = step.percentile(50) if step.ok else float("nan")
                p99 = step.percentile(99) if step.ok else float("nan")
                print(
                    f"{(time.monotonic() - began) / 60:8.1f} {step.sent:8d} "
                    f"{len(step.errors):7d} {p50:8.0f} {p99:8.0f} "
                    f"{process.rss_kib() / 1024:9.1f}",
                    flush=True,
                )
                for error in sorted(set(step.errors))[:3]:
                    print(f"           e.g. {error}")
            end_rss = process.rss_kib()
            growth = end_rss - start_rss
            print(
                f"RSS start {start_rss / 1024:.1f} MiB, end {end_rss / 1024:.1f} MiB, growth "
                f"{growth / 1024:+.1f} MiB ({100 * growth / start_rss:+.1f}%); "
                f"{errors} errors; {len(fake.list_items('DFD Requests'))} requests in SharePoint"
            )
    return 0


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--rate", type=float, default=3.0)
    parser.add_argument("--state", choices=["azure", "sqlite"], default="azure")
    args = parser.parse_args(argv)
    check_ranges(parser, args, [("minutes", 1, 240), ("rate", 0.5, 20)])
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    print_header("tests.bench.soak", argv, f"sharepoint on {args.state} state")
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
