"""Load test: a busy council morning at rising rates, against one or two real bot processes.

    python -m tests.bench.bench_load [--processes 2] [--rates 1,2,5,10,20,40] [--seconds 20]
                                     [--state azure|sqlite]

Not a test (pytest does not collect it). All on 127.0.0.1: Azurite (the Azure Storage
emulator) holding the working state (STATE_STORE=azure), the local Graph-like server as
SharePoint, a Connector catching the bots' replies, one or two bot processes
(tests/support/bot_process.py: the product's app) and, with two, the round-robin proxy in
front of them (tests/support/round_robin.py).

The load is open: at each rate, turns start on a fixed schedule whether or not earlier
ones have finished (as people in Teams do not wait for each other). Each turn is the next
step of one of many people's mornings, in this mix:

- `help` (a message; timed until its reply reaches the Connector),
- `new request`, then the form's four "Next" presses and "Send request" (card actions;
  timed to the HTTP answer, which is the next card),
- `status DR-...` of the request they just raised (a message).

So 8 turns a person, 6 of them writes to the working state and one a write to SharePoint.
A turn is an error if the bot answers other than 2xx, sends no reply within 10 s, or the
card is not the one expected. At each rate the bench prints sent, ok, errors and the p50,
p95 and p99 in milliseconds, and names the first rate where it bends (an error, p99 over
1 s, or fewer turns done than offered).

The target, from the strategy's Teams traffic of 18,000 messages a month: over 22 working
days of 7.5 hours that is 18,000 / 9,900 minutes = 1.8 a minute in working hours. The
busiest minute is taken as 30, about 16 times that average. That is an assumption, not a
measurement: we have no council's own traffic by minute. It stands for the morning after
an all-staff email sends many people to the bot at once; if real traffic shows a higher
peak, raise BUSIEST_MINUTE and run again. 20 times that minute is 600 turns a minute: 10
turns a second, with no errors and a p99 under 1 s. The bench also runs 2 and 4 times that
rate, to show where it bends.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from tests.bench.bench_turns import TimedConnector
from tests.bench.common import check_ranges, print_header
from tests.e2e.journey import distinct_answers
from tests.support.azurite import Azurite
from tests.support.azurite import start as start_azurite
from tests.support.bot_process import BotProcess
from tests.support.fake_graph import FakeGraph
from tests.support.graph import provisioned
from tests.support.round_robin import RoundRobin
from tests.support.teams import TeamsUser, find_action

MONTHLY_MESSAGES = 18_000
WORKING_MINUTES = 22 * 7.5 * 60  # a month of working days
BUSIEST_MINUTE = 30  # messages: see the module docstring
TARGET_RATE = 20 * BUSIEST_MINUTE / 60  # turns a second
P99_TARGET_MS = 1000.0
REPLY_TIMEOUT = 10.0  # seconds for any one turn
MAX_IN_FLIGHT = 2000  # a bound on turns started and not yet finished


@dataclass
class Front:
    url: str
    clock: Any = None


@dataclass
class Person:
    """One member of staff working through their morning, one turn at a time."""

    user: TeamsUser
    step: int = 0
    card: dict[str, Any] = field(default_factory=dict)
    reference: str = ""


@dataclass
class Step:
    rate: float
    sent: int = 0
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> int:
        return len(self.latencies)

    def percentile(self, p: float) -> float:
        if len(self.latencies) < 2:
            return self.latencies[0] if self.latencies else float("nan")
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[int(p) - 1]

    def bent(self, seconds: float) -> str:
        if self.errors:
            return f"{len(self.errors)} errors"
        if self.ok and self.percentile(99) > P99_TARGET_MS:
            return "p99 over 1 s"
        if self.ok < 0.9 * self.rate * seconds:
            return "fewer done than offered"
        return ""


class Morning:
    """The mix of turns, each person's next step when it is their turn."""

    def __init__(self, http: aiohttp.ClientSession, front: Front, connector: TimedConnector):
        self.http = http
        self.front = front
        self.connector = connector
        self._numbers = itertools.count(1)
        self.idle: list[Person] = []

    def someone(self) -> Person:
        if self.idle:
            return self.idle.pop()
        n = next(self._numbers)
        user = TeamsUser(
            self.http,
            self.front,  # type: ignore[arg-type]
            self.connector,
            user_id=f"29:load-{n}",
            name=f"Load Person {n}",
            aad_object_id=f"00000000-0000-0000-0001-{n:012d}",
        )
        return Person(user)

    async def turn(self, person: Person) -> float:
        """Do this person's next step; its time in milliseconds. Raises on a bad answer."""
        started = time.perf_counter()
        step = person.step % 8
        if step == 0:
            await self.say(person, "help")
        elif step == 1:
            replies = await self.say(person, "new request")
            person.card = replies[-1]["attachments"][0]["content"]
        elif 2 <= step <= 5:
            answers = distinct_answers(f"{person.user.user_id}-{person.step}")[step - 1]
            person.card = await self.press(person, "Next", answers)
        elif step == 6:
            card = await self.press(person, "Send request", {})
            words = str(card)
            if "Your reference is" not in words:
                raise LoadError("no reference on the confirmation")
            person.reference = words.split("Your reference is ")[1][:12]
        else:
            await self.say(person, f"status {person.reference}")
        elapsed = (time.perf_counter() - started) * 1000
        person.step += 1
        self.idle.append(person)
        return elapsed

    async def say(self, person: Person, text: str) -> list[dict[str, Any]]:
        activity = person.user.activity(type="message", text=text)
        reply = self.connector.expect(activity["id"])
        try:
            status, _ = await person.user.post(activity)
            if status not in (200, 201, 202):
                raise LoadError(f"HTTP {status} to {text.split()[0]!r}")
            _, sent = await asyncio.wait_for(reply, REPLY_TIMEOUT)
        finally:
            self.connector.waiters.pop(activity["id"], None)
        return [sent]

    async def press(self, person: Person, title: str, inputs: dict[str, Any]) -> dict[str, Any]:
        action = find_action(person.card, title)
        body = await asyncio.wait_for(
            person.user.press(action["verb"], action["data"], inputs), REPLY_TIMEOUT
        )
        if body.get("type") != "application/vnd.microsoft.card.adaptive":
            raise LoadError(f"{title!r} answered {str(body.get('value'))[:80]!r}")
        card: dict[str, Any] = body["value"]
        return card


class LoadError(Exception):
    """A turn that did not get the answer it should."""


@dataclass
class ReplyConnector(TimedConnector):
    """The timed Connector, resolving a turn on its first message: not on the typing
    indicator the bot sends first when a turn takes a while."""

    async def _post(self, request: web.Request) -> web.Response:
        body = await request.json()
        if body.get("type") == "typing":
            return web.json_response({"id": "typing"})
        return await super()._post(request)


async def run_rate(morning: Morning, rate: float, seconds: float) -> Step:
    """Start `rate` turns a second for `seconds`, on schedule; wait for them (bounded)."""
    step = Step(rate)
    running: set[asyncio.Task[None]] = set()
    start = time.perf_counter()
    total = int(rate * seconds)

    async def one() -> None:
        person = morning.someone()
        try:
            step.latencies.append(await morning.turn(person))
        except Exception as error:  # any failed turn is counted, whatever went wrong
            step.errors.append(f"{type(error).__name__}: {error}"[:200])
            person.step = 0  # start their morning again
            morning.idle.append(person)

    for n in range(total):
        delay = start + n / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        if len(running) >= MAX_IN_FLIGHT:
            step.errors.append("too many turns in flight")
            continue
        step.sent += 1
        task = asyncio.ensure_future(one())
        running.add(task)
        task.add_done_callback(running.discard)
    if running:
        await asyncio.wait(running, timeout=REPLY_TIMEOUT * 3)
    return step


@contextlib.asynccontextmanager
async def bots(
    processes: int, state: str, base: Path, extra_env: dict[str, str] | None = None
) -> AsyncIterator[tuple[str, list[BotProcess], FakeGraph]]:
    """Azurite, the Graph-like server and the bot processes (behind the proxy if two).
    Yields the URL to send Activities to."""
    azurite: Azurite | None = start_azurite() if state == "azure" else None
    fake = FakeGraph()
    await fake.start()
    await (await provisioned(fake)).close()
    env = {
        "BOT_STORE": "sharepoint",
        "FAKE_GRAPH_URL": fake.url,
        "FAKE_GRAPH_TENANT": fake.tenant_id,
        "FAKE_GRAPH_SITE_ID": fake.site_id,
        **(azurite.env() if azurite else {"STATE_STORE": "sqlite"}),
        **(extra_env or {}),
    }
    started = [BotProcess(env, base / f"bot-{n}") for n in range(processes)]
    proxy: RoundRobin | None = None
    try:
        await asyncio.gather(*(p.start() for p in started))
        url = started[0].url
        if processes > 1:
            proxy = RoundRobin([p.url for p in started])
            await proxy.start()
            url = proxy.url
        yield url, started, fake
    finally:
        if proxy is not None:
            await proxy.stop()
        await asyncio.gather(*(p.stop() for p in started))
        await fake.stop()
        if azurite is not None:
            azurite.stop()


def print_row(step: Step, seconds: float) -> None:
    def ms(p: float) -> str:
        return f"{step.percentile(p):8.0f}" if step.ok else "       -"

    bent = step.bent(seconds)
    print(
        f"{step.rate:8.1f} {step.sent:6d} {step.ok:6d} {len(step.errors):6d} "
        f"{ms(50)} {ms(95)} {ms(99)}  {bent or 'ok'}",
        flush=True,
    )


async def main_async(args: argparse.Namespace) -> int:
    rates = [float(r) for r in args.rates.split(",")]
    print(
        f"target:  {TARGET_RATE:.0f} turns a second (20 x a busiest minute of {BUSIEST_MINUTE}; "
        f"the month's average is {MONTHLY_MESSAGES / WORKING_MINUTES:.1f} a working minute), "
        f"no errors, p99 under {P99_TARGET_MS:.0f} ms"
    )
    with tempfile.TemporaryDirectory(prefix="bench-load-") as temporary:
        async with (
            bots(args.processes, args.state, Path(temporary)) as (url, processes, _),
            running_connector() as connector,
            aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=0),
                timeout=aiohttp.ClientTimeout(total=REPLY_TIMEOUT),
            ) as http,
        ):
            morning = Morning(http, Front(url), connector)
            await run_rate(morning, 2, 5)  # warm-up, not reported
            print(f"processes: {args.processes}, {args.seconds:.0f} s a rate")
            print("    rate   sent     ok errors   p50 ms   p95 ms   p99 ms")
            bends = ""
            for rate in rates:
                step = await run_rate(morning, rate, args.seconds)
                print_row(step, args.seconds)
                for error in sorted(set(step.errors))[:3]:
                    print(f"           e.g. {error}")
                if not bends and step.bent(args.seconds):
                    bends = f"{rate:g} turns a second ({step.bent(args.seconds)})"
            print(f"bends at: {bends or 'not within the rates tried'}")
            for process in processes:
                errors = [line for line in process.log_tail(2000).splitlines() if " ERROR " in line]
                if errors:
                    print(f"bot on {process.port} logged {len(errors)} errors, e.g. {errors[0]}")
    return 0


@contextlib.asynccontextmanager
async def running_connector() -> AsyncIterator[TimedConnector]:
    connector = ReplyConnector()
    await connector.start()
    try:
        yield connector
    finally:
        await connector.stop()


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--rates", default="1,2,5,10,20,40")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--state", choices=["azure", "sqlite"], default="azure")
    args = parser.parse_args(argv)
    check_ranges(parser, args, [("processes", 1, 2), ("seconds", 1, 120)])
    if any(not 0 < float(r) <= 200 for r in args.rates.split(",")):
        parser.error("--rates must be numbers from 0 to 200, separated by commas")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    print_header("tests.bench.bench_load", argv, f"sharepoint on {args.state} state")
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
