"""Benchmark: webhook delivery lag for --events events to --flows subscribed flows, with
the real delivery loop running.

    python -m tests.bench.bench_webhooks [--events 1000] [--flows 10] [--rate 0]

Not a test (pytest does not collect it). Starts the real service (local mode, an API key,
a temporary DATA_DIR, the machine's own clock) and, in a second process (as flows are
elsewhere: their work is not the bot's), --flows receiving servers on 127.0.0.1, each
subscribed through the API to "When a request's status changes". Then puts --events
requests onto a board's list through the bot's own store (each one status change, so
one event per flow), --rate a second (0: as fast as the store takes them). Each call's
lag is from the event's occurredAt to the moment its flow received it; every signature
is checked with the flow's secret. Prints p50, p95 and max in ms, and how long the whole
run took. Exits 0 whether or not targets are met; 1 only if the benchmark broke (a call
missing, a repeat, or a bad signature).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from aiohttp import web

from bot.clock import SystemClock
from tests.bench.common import check_ranges, print_header
from tests.e2e.boards import put_on_list
from tests.e2e.flow_receiver import checks
from tests.support.api import API_ENV, ApiClient
from tests.support.teams import BotServer

TARGET_P95_MS = 2000.0
WAIT_SECONDS = 300.0


@dataclass(frozen=True)
class Heard:
    flow: str
    event_id: str
    stamp: str
    signature: str
    raw: bytes
    at: float  # time.time() when the flow received it


# ---- The flows' side, in its own process ----------------------------------------------


async def serve(flows: int) -> None:
    """`flows` receiving servers; prints their addresses, then one line per call."""

    async def call(request: web.Request) -> web.Response:
        raw = await request.read()
        line = {
            "flow": request.match_info["flow"],
            "id": request.headers.get("webhook-id", ""),
            "stamp": request.headers.get("webhook-timestamp", ""),
            "signature": request.headers.get("webhook-signature", ""),
            "raw": base64.b64encode(raw).decode(),
            "at": time.time(),
        }
        sys.stdout.write(json.dumps(line) + "\n")
        return web.Response(status=200)

    runners = []
    urls = []
    for n in range(flows):
        app = web.Application()
        app.router.add_post("/flows/{flow}", call)
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        runners.append(runner)
        urls.append(f"http://127.0.0.1:{runner.addresses[0][1]}/flows/flow{n}")
    sys.stdout.write(json.dumps({"urls": urls}) + "\n")
    sys.stdout.flush()
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until closed
    sys.stdout.flush()
    for runner in runners:
        await runner.cleanup()


# ---- The bot's side ------------------------------------------------------------------


async def listen(stream: asyncio.StreamReader, heard: list[Heard]) -> None:
    while line := await stream.readline():
        data = json.loads(line)
        heard.append(
            Heard(
                data["flow"],
                data["id"],
                data["stamp"],
                data["signature"],
                base64.b64decode(data["raw"]),
                data["at"],
            )
        )


async def run(args: argparse.Namespace) -> int:
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.bench.bench_webhooks",
        "--serve",
        str(args.flows),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        limit=16 * 1024 * 1024,
    )
    assert child.stdout is not None and child.stdin is not None
    urls: list[str] = json.loads(await child.stdout.readline())["urls"]
    heard: list[Heard] = []
    listening = asyncio.ensure_future(listen(child.stdout, heard))
    secrets: dict[str, str] = {}
    want = args.events * args.flows
    with tempfile.TemporaryDirectory() as folder:
        clock = SystemClock()
        bot = BotServer(Path(folder) / "data", env={**API_ENV}, clock=clock)  # type: ignore[arg-type]
        await bot.start()
        try:
            async with aiohttp.ClientSession() as http:
                api = ApiClient(http, bot)
                for n, url in enumerate(urls):
                    body = {"notificationUrl": url}
                    answer = await api.post("subscriptions/request-status-changed", body)
                    assert answer.status == 201, answer.body
                    secrets[f"flow{n}"] = answer.body["secret"]
            started = time.perf_counter()
            gap = 1.0 / args.rate if args.rate else 0.0
            for _ in range(args.events):
                await put_on_list(bot, "ddc", 1)
                if gap:
                    await asyncio.sleep(gap)
            made = time.perf_counter() - started
            deadline = time.monotonic() + WAIT_SECONDS
            while len(heard) < want and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            took = time.perf_counter() - started
        finally:
            await bot.stop()
            child.stdin.close()
            await child.wait()
            await listening
    return report(args, heard, secrets, made, took)


def report(
    args: argparse.Namespace, heard: list[Heard], secrets: dict[str, str], made: float, took: float
) -> int:
    broken = False
    for flow in secrets:
        ids = [h.event_id for h in heard if h.flow == flow]
        if len(ids) != args.events or len(set(ids)) != len(ids):
            print(f"{flow}: {len(ids)} calls, {len(set(ids))} events (want {args.events})")
            broken = True
    if not all(checks(secrets[h.flow], h.event_id, h.stamp, h.raw, h.signature) for h in heard):
        print("A signature did not check out.")
        broken = True
    lags = []
    for h in heard:
        occurred = dt.datetime.fromisoformat(json.loads(h.raw)["occurredAt"]).timestamp()
        lags.append((h.at - occurred) * 1000)
    print(f"events:  {args.events} to {args.flows} flows ({len(lags)} calls)")
    print(f"made:    {made:.1f} s to make the events ({args.rate or 'as fast as possible'}/s)")
    print(f"all in:  {took:.1f} s from the first event to the last call")
    if lags:
        ordered = sorted(lags)
        p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
        print(
            f"lag ms:  p50 {statistics.median(lags):.0f}  p95 {p95:.0f}  max {max(lags):.0f}"
            f"  (target p95 under {TARGET_P95_MS:.0f})"
        )
    return 1 if broken else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--flows", type=int, default=10)
    parser.add_argument("--rate", type=float, default=0.0, help="events a second; 0: no pause")
    parser.add_argument("--serve", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        asyncio.run(serve(args.serve))
        return 0
    check_ranges(parser, args, [("events", 1, 100_000), ("flows", 1, 200), ("rate", 0, 10_000)])
    print_header("tests.bench.bench_webhooks", argv, "sqlite (DATA_DIR in a temporary folder)")
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
