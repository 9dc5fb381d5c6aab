"""Benchmark: Digital Front Door against a minimal echo bot on the same SDK, over HTTP.

    python -m tests.bench.bench_turns [--turns 300] [--submits 100] [--concurrency 8]

Not a test (pytest does not collect it). It starts, all on 127.0.0.1:

- a `Connector` (tests.support.teams) standing in for the Bot Connector service, which
  the bots send their replies to;
- our bot as a subprocess, `python -m bot`, with a fresh temporary DATA_DIR (SQLite);
- the echo bot (tests/bench/echo_bot.py) as a subprocess.

For each bot it measures a text turn (POST a message Activity to /api/messages, time until
the reply reaches the connector): sequential turns for p50/p95/p99, then --concurrency
workers for turns per second. For our bot only it also measures the form submit: each of
--submits users fills the form to the review step (not timed), then the HTTP round trip of
the "Send request" invoke is timed (its response body is the confirmation card).

Prints a plain table with the targets from the issue: submit p95 under 100 ms, and
throughput at least half the echo bot's. Exits 0 whether or not targets are met; non-zero
only if the benchmark itself broke.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import aiohttp
from aiohttp import web

import cards.verbs as verbs
from tests.bench.common import check_ranges, print_header
from tests.e2e.journey import distinct_answers, fill_form
from tests.support.cards import all_text
from tests.support.otlp_collector import Collector
from tests.support.teams import (
    BOT,
    TENANT,
    BotServer,
    Connector,
    TeamsUser,
    find_action,
    invoke_card,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
HEALTH_TIMEOUT = 20.0  # seconds to wait for a bot's /healthz
REPLY_TIMEOUT = 10.0  # seconds to wait for any one reply or invoke response
SUBMIT_P95_TARGET_MS = 100.0
THROUGHPUT_RATIO_TARGET = 0.5
SUBMIT_WARMUP_USERS = 3


class BenchError(Exception):
    """Something broke: the benchmark could not measure what it should."""


# Connector that tells us the moment a reply arrives -----------------------------------


@dataclass
class TimedConnector(Connector):
    """The test Connector, plus a future per posted activity id resolved on its reply.

    `Connector.wait_for` polls every 20 ms, too coarse to time a turn, so replies are
    matched here by replyToId (the URL's activity id, or the body's replyToId).
    """

    waiters: dict[str, asyncio.Future[tuple[float, dict[str, Any]]]] = field(default_factory=dict)

    def expect(self, activity_id: str) -> asyncio.Future[tuple[float, dict[str, Any]]]:
        future: asyncio.Future[tuple[float, dict[str, Any]]] = (
            asyncio.get_running_loop().create_future()
        )
        self.waiters[activity_id] = future
        return future

    async def _post(self, request: web.Request) -> web.Response:
        response = await super()._post(request)
        arrived = time.perf_counter()
        if response.status == 200 and self.sent:
            # No await between the base class appending and returning: sent[-1] is this one.
            sent = self.sent[-1]
            key = sent.reply_to or sent.activity.get("replyToId")
            future = self.waiters.pop(str(key), None) if key else None
            if future is not None and not future.done():
                future.set_result((arrived, sent.activity))
        return response


# Bots as subprocesses -----------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@dataclass
class BotProcess:
    name: str
    command: list[str]
    env: dict[str, str]
    log_path: Path
    port: int
    process: subprocess.Popen[bytes] | None = None
    _log: Any = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> None:
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            self.command,
            cwd=REPO_ROOT,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def log_tail(self, lines: int = 25) -> str:
        try:
            text = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return "(no log)"
        return "\n".join(text[-lines:]) or "(log is empty)"

    async def wait_healthy(self, http: aiohttp.ClientSession) -> None:
        deadline = time.monotonic() + HEALTH_TIMEOUT
        last = "no answer yet"
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise BenchError(
                    f"{self.name} exited with code {self.process.returncode} before it was "
                    f"healthy. Last lines of its log:\n{self.log_tail()}"
                )
            try:
                async with http.get(
                    f"{self.url}/healthz", timeout=aiohttp.ClientTimeout(total=2)
                ) as response:
                    if response.status == 200:
                        return
                    last = f"HTTP {response.status}"
            except (TimeoutError, aiohttp.ClientError) as error:
                last = type(error).__name__
            await asyncio.sleep(0.1)
        raise BenchError(
            f"{self.name} did not answer GET /healthz within {HEALTH_TIMEOUT:.0f} s ({last}). "
            f"Last lines of its log:\n{self.log_tail()}"
        )

    def error_lines(self) -> list[str]:
        try:
            text = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return []
        return [t for t in text if " ERROR " in t or " CRITICAL " in t or "Traceback" in t]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        if self._log is not None:
            self._log.close()
            self._log = None


def bot_env(data_dir: Path, port: int) -> dict[str, str]:
    env = dict(os.environ)
    # Anonymous local mode on loopback, whatever the caller's environment says.
    for name in ("CLIENT_ID", "TENANT_ID", "CLIENT_SECRET", "ALLOWED_TENANTS", "ADMIN_IDS"):
        env.pop(name, None)
    env.update(
        {
            "BOT_MODE": "local",
            "HOST": HOST,
            "PORT": str(port),
            "DATA_DIR": str(data_dir),
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


# Activities ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    user_id: str
    name: str
    aad_object_id: str
    conversation_id: str


def person(tag: str, n: int) -> Person:
    aad = str(uuid.UUID(int=(0xBE7C << 64) + n))  # a distinct, valid GUID per person
    return Person(f"29:bench-{tag}-{n}", f"Bench User {tag} {n}", aad, f"a:bench-{tag}-{n}")


def message_activity(who: Person, service_url: str, text: str) -> dict[str, Any]:
    return {
        "type": "message",
        "id": str(uuid.uuid4()),
        "timestamp": "2026-11-25T10:00:00.000Z",
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": {"id": who.user_id, "name": who.name, "aadObjectId": who.aad_object_id},
        "conversation": {
            "id": who.conversation_id,
            "conversationType": "personal",
            "tenantId": TENANT,
        },
        "recipient": BOT,
        "channelData": {"tenant": {"id": TENANT}},
        "locale": "en-GB",
        "text": text,
        "textFormat": "plain",
    }


JSON_HEADERS = {"Content-Type": "application/json"}


async def post_bytes(http: aiohttp.ClientSession, url: str, body: bytes) -> tuple[int, bytes]:
    async with http.post(
        f"{url}/api/messages",
        data=body,
        headers=JSON_HEADERS,
        timeout=aiohttp.ClientTimeout(total=REPLY_TIMEOUT),
    ) as response:
        return response.status, await response.read()


# Measurements -------------------------------------------------------------------------

ReplyCheck = Callable[[dict[str, Any]], str | None]


def check_ours(reply: dict[str, Any]) -> str | None:
    attachments = reply.get("attachments") or []
    if not attachments or "adaptive" not in str(attachments[0].get("contentType", "")):
        return f"expected the help card, got {json.dumps(reply)[:300]}"
    return None


def check_echo(reply: dict[str, Any]) -> str | None:
    if reply.get("text") != "You said: hello":
        return f"expected 'You said: hello', got {reply.get('text')!r}"
    return None


async def text_turn(
    http: aiohttp.ClientSession,
    connector: TimedConnector,
    bot_url: str,
    who: Person,
    text: str,
    check: ReplyCheck,
) -> float:
    """One message turn; returns seconds from POST to the reply reaching the connector."""
    activity = message_activity(who, connector.url, text)
    body = json.dumps(activity).encode()
    waiter = connector.expect(activity["id"])
    try:
        started = time.perf_counter()
        status, answer = await post_bytes(http, bot_url, body)
        if status not in (200, 201, 202):
            raise BenchError(f"{bot_url} answered HTTP {status} to {text!r}: {answer[:300]!r}")
        arrived, reply = await asyncio.wait_for(waiter, REPLY_TIMEOUT)
    except TimeoutError:
        raise BenchError(
            f"No reply from {bot_url} to {text!r} within {REPLY_TIMEOUT:.0f} s "
            "(none reached the connector)."
        ) from None
    finally:
        connector.waiters.pop(activity["id"], None)
    problem = check(reply)
    if problem:
        raise BenchError(f"Wrong reply from {bot_url} to {text!r}: {problem}")
    return arrived - started


async def sequential_turns(
    http: aiohttp.ClientSession,
    connector: TimedConnector,
    bot_url: str,
    tag: str,
    text: str,
    check: ReplyCheck,
    turns: int,
    warmup: int,
) -> list[float]:
    who = person(f"{tag}-seq", 0)
    for _ in range(warmup):
        await text_turn(http, connector, bot_url, who, text, check)
    return [await text_turn(http, connector, bot_url, who, text, check) for _ in range(turns)]


async def concurrent_turns(
    http: aiohttp.ClientSession,
    connector: TimedConnector,
    bot_url: str,
    tag: str,
    text: str,
    check: ReplyCheck,
    turns: int,
    workers: int,
) -> tuple[float, int, list[float]]:
    """`turns` turns shared by `workers` workers, each in its own conversation.

    Returns (turns per second, turns done, per-turn latencies)."""
    share = [turns // workers + (1 if i < turns % workers else 0) for i in range(workers)]
    latencies: list[float] = []

    async def worker(index: int, count: int) -> None:
        who = person(f"{tag}-w", index)
        for _ in range(count):
            latencies.append(await text_turn(http, connector, bot_url, who, text, check))

    # One untimed turn per worker first, so every keep-alive connection is open.
    await asyncio.gather(
        *(
            text_turn(http, connector, bot_url, person(f"{tag}-w", i), text, check)
            for i in range(workers)
        )
    )
    started = time.perf_counter()
    await asyncio.gather(*(worker(i, n) for i, n in enumerate(share)))
    elapsed = time.perf_counter() - started
    return len(latencies) / elapsed, len(latencies), latencies


@dataclass
class RemoteBot:
    """What TeamsUser needs of a bot: its base URL."""

    url: str


async def submit_once(
    http: aiohttp.ClientSession, connector: TimedConnector, bot_url: str, who: Person
) -> float:
    """Fill the form to review (not timed), then time the Send request invoke."""
    user = TeamsUser(
        http,
        cast(BotServer, RemoteBot(bot_url)),  # TeamsUser only reads .url
        connector,
        user_id=who.user_id,
        name=who.name,
        aad_object_id=who.aad_object_id,
        conversation={
            "id": who.conversation_id,
            "conversationType": "personal",
            "tenantId": TENANT,
        },
    )
    # Each their own need: the same need would be offered first, not sent.
    review = await fill_form(user, distinct_answers(user.user_id))
    send = find_action(review, "Send request")
    if send.get("verb") != verbs.FORM_SUBMIT:
        raise BenchError(f"'Send request' has verb {send.get('verb')!r}, not {verbs.FORM_SUBMIT}")
    value = {
        "action": {"type": "Action.Execute", "verb": send["verb"], "data": send["data"]},
        "trigger": "manual",
    }
    body = json.dumps(
        user.activity(type="invoke", name="adaptiveCard/action", value=value)
    ).encode()
    started = time.perf_counter()
    status, answer = await post_bytes(http, bot_url, body)
    elapsed = time.perf_counter() - started
    if status != 200:
        raise BenchError(f"Send request answered HTTP {status}: {answer[:300]!r}")
    try:
        card = invoke_card(json.loads(answer))
    except (ValueError, AssertionError) as error:
        raise BenchError(f"Send request did not return a card: {error}") from None
    if "Your reference is DR-" not in all_text(card):
        raise BenchError(
            f"The confirmation card does not say 'Your reference is DR-…': {all_text(card)[:400]!r}"
        )
    return elapsed


async def submits(
    http: aiohttp.ClientSession, connector: TimedConnector, bot_url: str, count: int
) -> list[float]:
    for n in range(SUBMIT_WARMUP_USERS):
        await submit_once(http, connector, bot_url, person("submit-warmup", n))
    return [await submit_once(http, connector, bot_url, person("submit", n)) for n in range(count)]


# Report -------------------------------------------------------------------------------


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    """p50, p95, p99 in milliseconds."""
    if len(samples) == 1:
        ms = samples[0] * 1000
        return ms, ms, ms
    cuts = statistics.quantiles([s * 1000 for s in samples], n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98]


@dataclass
class Results:
    ours_text: list[float] = field(default_factory=list)
    echo_text: list[float] = field(default_factory=list)
    ours_tps: float = 0.0
    echo_tps: float = 0.0
    ours_conc: list[float] = field(default_factory=list)
    echo_conc: list[float] = field(default_factory=list)
    ours_submit: list[float] = field(default_factory=list)


def render(results: Results, args: argparse.Namespace) -> str:
    rows: list[tuple[str, str, str, str, str]] = []
    ot, et = percentiles(results.ours_text), percentiles(results.echo_text)
    for label, o, e in zip(("p50", "p95", "p99"), ot, et, strict=True):
        rows.append((f"text turn {label} (ms, sequential)", f"{o:.1f}", f"{e:.1f}", "-", "-"))
    oc, ec = percentiles(results.ours_conc), percentiles(results.echo_conc)
    rows.append(
        (
            f"text turn p95 (ms, {args.concurrency} concurrent)",
            f"{oc[1]:.1f}",
            f"{ec[1]:.1f}",
            "-",
            "-",
        )
    )
    rows.append(
        (
            f"turns/s ({args.concurrency} concurrent)",
            f"{results.ours_tps:.1f}",
            f"{results.echo_tps:.1f}",
            "-",
            "-",
        )
    )
    ratio = results.ours_tps / results.echo_tps if results.echo_tps else 0.0
    rows.append(
        (
            "throughput ratio ours/echo",
            f"{ratio:.2f}",
            "1.00",
            f">= {THROUGHPUT_RATIO_TARGET:.2f}",
            "PASS" if ratio >= THROUGHPUT_RATIO_TARGET else "FAIL",
        )
    )
    sp = percentiles(results.ours_submit)
    targets = {"p95": (f"< {SUBMIT_P95_TARGET_MS:.0f}", sp[1] < SUBMIT_P95_TARGET_MS)}
    for label, value in zip(("p50", "p95", "p99"), sp, strict=True):
        target, ok = targets.get(label, ("-", None))
        rows.append(
            (
                f"form submit {label} (ms)",
                f"{value:.1f}",
                "n/a",
                target,
                "-" if ok is None else ("PASS" if ok else "FAIL"),
            )
        )
    header = ("metric", "ours", "echo", "target", "result")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(5)]

    def line(row: tuple[str, ...]) -> str:
        return "  ".join(
            [
                row[0].ljust(widths[0]),
                *(cell.rjust(w) for cell, w in zip(row[1:], widths[1:], strict=True)),
            ]
        )

    out = [line(header), line(tuple("-" * w for w in widths)), *(line(r) for r in rows)]
    return "\n".join(out)


# Main ---------------------------------------------------------------------------------


async def run(args: argparse.Namespace) -> Results:
    results = Results()
    connector = TimedConnector()
    await connector.start()
    collector = Collector()  # with --telemetry, our bot exports its spans and metrics here
    telemetry: dict[str, str] = {}
    if args.telemetry:
        await collector.start()
        telemetry = {"OTEL_EXPORTER_OTLP_ENDPOINT": collector.url}
    with tempfile.TemporaryDirectory(prefix="dfd-bench-") as tmp:
        tmp_path = Path(tmp)
        ours_port = free_port()
        echo_port = free_port()
        while echo_port == ours_port:
            echo_port = free_port()
        ours = BotProcess(
            "our bot (python -m bot)",
            [sys.executable, "-m", "bot"],
            {**bot_env(tmp_path / "data", ours_port), **telemetry},
            tmp_path / "ours.log",
            ours_port,
        )
        echo = BotProcess(
            "echo bot",
            [sys.executable, "-m", "tests.bench.echo_bot", "--port", str(echo_port)],
            bot_env(tmp_path / "echo-data", echo_port),
            tmp_path / "echo.log",
            echo_port,
        )
        limits = aiohttp.TCPConnector(limit=args.concurrency * 2 + 4)
        try:
            async with aiohttp.ClientSession(connector=limits) as http:
                ours.start()
                echo.start()
                await asyncio.gather(ours.wait_healthy(http), echo.wait_healthy(http))
                print(
                    f"our bot on {ours.url} (DATA_DIR {tmp_path / 'data'}), echo bot on "
                    f"{echo.url}, connector on {connector.url}",
                    flush=True,
                )

                async def phase(label: str, work: Awaitable[Any]) -> Any:
                    started = time.perf_counter()
                    print(f"  {label} ...", end="", flush=True)
                    value = await work
                    print(f" {time.perf_counter() - started:.1f} s", flush=True)
                    for bot in (ours, echo):
                        if bot.process is not None and bot.process.poll() is not None:
                            raise BenchError(
                                f"{bot.name} died during the run. Its log:\n{bot.log_tail()}"
                            )
                    return value

                results.ours_text = await phase(
                    f"ours: {args.turns} sequential 'help' turns",
                    sequential_turns(
                        http,
                        connector,
                        ours.url,
                        "ours",
                        "help",
                        check_ours,
                        args.turns,
                        args.warmup,
                    ),
                )
                results.echo_text = await phase(
                    f"echo: {args.turns} sequential 'hello' turns",
                    sequential_turns(
                        http,
                        connector,
                        echo.url,
                        "echo",
                        "hello",
                        check_echo,
                        args.turns,
                        args.warmup,
                    ),
                )
                results.ours_tps, _, results.ours_conc = await phase(
                    f"ours: {args.turns} turns, {args.concurrency} workers",
                    concurrent_turns(
                        http,
                        connector,
                        ours.url,
                        "ours",
                        "help",
                        check_ours,
                        args.turns,
                        args.concurrency,
                    ),
                )
                results.echo_tps, _, results.echo_conc = await phase(
                    f"echo: {args.turns} turns, {args.concurrency} workers",
                    concurrent_turns(
                        http,
                        connector,
                        echo.url,
                        "echo",
                        "hello",
                        check_echo,
                        args.turns,
                        args.concurrency,
                    ),
                )
                results.ours_submit = await phase(
                    f"ours: {args.submits} form submits (+{SUBMIT_WARMUP_USERS} warm-up)",
                    submits(http, connector, ours.url, args.submits),
                )
                for bot in (ours, echo):
                    errors = bot.error_lines()
                    lines = len(bot.log_path.read_text(errors="replace").splitlines())
                    print(f"  {bot.name} log: {lines} lines, {len(errors)} error lines", flush=True)
                    for text in errors[:5]:
                        print(f"    {text}")
        finally:
            for bot in (ours, echo):
                bot.stop()
            await connector.stop()
            if args.telemetry:
                turns = len(collector.named("turn"))
                print(
                    f"  telemetry: the collector received {len(collector.spans)} spans "
                    f"({turns} turns) in {collector.exports} exports",
                    flush=True,
                )
                await collector.stop()
    return results


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tests.bench.bench_turns",
        description="Latency and throughput of our bot against an echo bot on the same SDK.",
    )
    parser.add_argument(
        "--turns",
        type=int,
        default=300,
        help="text turns per bot, for latency and again for throughput",
    )
    parser.add_argument("--submits", type=int, default=100, help="form submits (ours only)")
    parser.add_argument("--concurrency", type=int, default=8, help="workers for turns/s")
    parser.add_argument(
        "--telemetry",
        action="store_true",
        help="our bot exports traces and metrics over OTLP to a local collector",
    )
    parser.add_argument(
        "--warmup",
        type=int,
        default=20,
        help="untimed text turns per bot before the sequential ones",
    )
    args = parser.parse_args(argv)
    check_ranges(
        parser,
        args,
        (
            ("turns", 2, 100_000),
            ("submits", 2, 10_000),
            ("concurrency", 1, 256),
            ("warmup", 0, 10_000),
        ),
    )
    if args.turns < args.concurrency:
        parser.error("--turns must be at least --concurrency")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    print_header(
        "tests.bench.bench_turns",
        argv,
        "SQLite (fresh temporary DATA_DIR); everything on 127.0.0.1",
    )
    started = time.perf_counter()
    try:
        results = asyncio.run(run(args))
    except BenchError as error:
        print(f"\nBENCHMARK BROKE: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nInterrupted.", file=sys.stderr)
        return 130
    except Exception as error:
        print(f"\nBENCHMARK BROKE: {type(error).__name__}: {error}", file=sys.stderr)
        raise
    print()
    print(render(results, args))
    print(
        f"\nsequential latency: {args.turns} turns per bot after {args.warmup} warm-up; "
        f"submit: HTTP round trip of the 'Send request' invoke, {args.submits} users; "
        f"total {time.perf_counter() - started:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
