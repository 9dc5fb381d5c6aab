"""Benchmark: Digital Front Door in SharePoint mode against the local fake Graph server.

    python -m tests.bench.bench_sharepoint [--submissions 200] [--latency 0.05]
        [--concurrency 8] [--throttled-submissions 50] [--triage-submissions 50]
        [--happy 5] [--store-timeout 300]

Not a test (pytest does not collect it). Everything runs in this process on 127.0.0.1, as
tests/e2e/test_sharepoint_mode.py runs it: a `FakeGraph` (tests.support.fake_graph) with the
lists provisioned, a `Connector` standing in for the Bot Connector service, and the real
bot application as a `BotServer` with BOT_STORE=sharepoint, talking to the fake through the
real msgraph-sdk client. Each part below gets a fresh fake, bot and DATA_DIR.

1. Happy path. With no added latency, one member of staff at a time fills the form and
   presses "Send request". Every Graph request the fake records from just before the Send
   invoke until the item is in the "DFD Requests" list and the bot's outbox is empty
   (GET /readyz says pending_sharepoint_writes 0) is counted and listed. --happy separate
   submissions, each alone; the worst one is reported. Done twice: as the e2e test runs it
   (no triage channel), and with an IT triage channel registered, as a deployment runs it
   (posting to the channel queues a second write, recording TriagePosted on the item).
2. Latency run. Every Graph HTTP request waits --latency seconds. --submissions people fill
   the form (not timed, --concurrency at a time), then all of them press "Send request",
   --concurrency at a time. Timed: the HTTP round trip of each Send invoke (its response is
   the confirmation card, which must say "Your reference is DR-"), and the time from the
   first Send until every request is in the list ("time to all stored").
   Then the same with --triage-submissions people and an IT triage channel registered, so
   each request also gets its triage write (TriagePosted), as in a deployment; the Graph
   requests are counted until every item has TriagePosted and the outbox is empty.
3. Throttled run. The same with --throttled-submissions people while the fake also answers
   every 3rd Graph operation 429 with Retry-After: 1. A confirmation that waited for a Graph
   retry would take at least a second.
4. Probe: one Send just after the bot's 5-minute cache of the governance rules ("DFD Config")
   has expired, while Graph throttles every request. Shows whether that read is on the
   confirmation's path.

The bot uses the production retry policy, graph_clients.client.RetryPolicy().

Prints a plain table with the targets from the issue: at most 2 Graph requests per
submission on the happy path, and a confirmation p95 under 300 ms that does not wait for
Graph retries. Exits 0 whether or not targets are met; 1 only if the benchmark broke.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import math
import re
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import aiohttp

import cards.verbs as verbs
import graph_clients.store as sharepoint_store
from bot.app import STORE
from graph_clients.client import RetryPolicy
from tests.bench.common import check_ranges, print_header
from tests.e2e.journey import distinct_answers, fill_form
from tests.support.cards import all_text
from tests.support.fake_graph import FakeGraph, Recorded
from tests.support.graph import connect, provisioned
from tests.support.teams import TENANT, BotServer, Connector, TeamsUser, find_action

T = TypeVar("T")

REQUESTS = "DFD Requests"
CONFIG = "DFD Config"
BATCH_PATH = "/v1.0/$batch"
CHANNEL_ID = "19:bench-triage@thread.tacv2"
ADMIN_AAD_ID = "00000000-0000-0000-0000-0000000000020"  # the local-mode default admin
REQUESTS_PER_SUBMISSION_TARGET = 2
CONFIRMATION_P95_TARGET_MS = 300.0
SEND_TIMEOUT = 60.0  # seconds for any one Send invoke
SETTLE_TIMEOUT = 30.0  # seconds for one happy-path submission to reach SharePoint
QUIET_SECONDS = 0.5  # after a happy-path submission settles, watch this long for stragglers
POLL_SECONDS = 0.02
REFERENCE_RE = re.compile(r"Your reference is (DR-\d{4}-\d{4,})")


class BenchError(Exception):
    """Something broke: the benchmark could not measure what it should."""


# Logging: the bot logs a warning per throttled write; count them instead of printing them.


class LogTally(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.counts: Counter[tuple[str, str]] = Counter()
        self.example: dict[tuple[str, str], str] = {}

    def emit(self, record: logging.LogRecord) -> None:
        key = (record.levelname, record.name)
        self.counts[key] += 1
        if key not in self.example:
            with contextlib.suppress(Exception):
                self.example[key] = record.getMessage()[:160]

    def reset(self) -> Counter[tuple[str, str]]:
        counts = self.counts
        self.counts = Counter()
        return counts


# One fresh fake Graph, connector and bot -------------------------------------------------


@dataclass
class Rig:
    fake: FakeGraph
    connector: Connector
    bot: BotServer
    http: aiohttp.ClientSession

    def store(self) -> Any:
        assert self.bot.app is not None
        return self.bot.app[STORE].store


@contextlib.asynccontextmanager
async def rig(concurrency: int) -> AsyncIterator[Rig]:
    with tempfile.TemporaryDirectory(prefix="dfd-bench-sp-") as tmp:
        fake = FakeGraph()
        connector = Connector()
        bot = BotServer(
            Path(tmp) / "data",
            {"BOT_STORE": "sharepoint"},
            graph=lambda: connect(fake, RetryPolicy()),
        )
        limits = aiohttp.TCPConnector(limit=concurrency * 2 + 8)
        http = aiohttp.ClientSession(connector=limits)
        try:
            await fake.start()
            graph = await provisioned(fake)
            await graph.close()
            await connector.start()
            await bot.start()
            yield Rig(fake, connector, bot, http)
        finally:
            await bot.stop()
            await connector.stop()
            await fake.stop()
            await http.close()


def person(rig_: Rig, tag: str, n: int) -> TeamsUser:
    return TeamsUser(
        rig_.http,
        rig_.bot,
        rig_.connector,
        user_id=f"bench-{tag}-{n}",
        name=f"Bench {tag.title()} {n}",
        aad_object_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"dfd-bench/{tag}/{n}")),
    )


async def register_triage_channel(rig_: Rig) -> None:
    admin = TeamsUser(
        rig_.http,
        rig_.bot,
        rig_.connector,
        user_id="bench-admin",
        name="Bench Admin",
        aad_object_id=ADMIN_AAD_ID,
        conversation={"id": CHANNEL_ID, "conversationType": "channel", "tenantId": TENANT},
    )
    replies = await admin.say("register triage")
    text = " ".join(str(r.get("text") or "") for r in replies)
    if "triage channel" not in text:
        raise BenchError(f"Could not register the triage channel: {text[:300]!r}")


async def readiness(rig_: Rig) -> dict[str, Any]:
    async with rig_.http.get(f"{rig_.bot.url}/readyz") as response:
        body: dict[str, Any] = await response.json()
        return body


async def pending_writes(rig_: Rig) -> int:
    body = await readiness(rig_)
    if "pending_sharepoint_writes" not in body:
        raise BenchError(f"/readyz does not report pending_sharepoint_writes: {body}")
    return int(body["pending_sharepoint_writes"])


# Filling the form and pressing Send -------------------------------------------------------


@dataclass
class Prepared:
    user: TeamsUser
    activity: dict[str, Any]


async def prepare(user: TeamsUser) -> Prepared:
    """Fill the form to the review card (not timed) and build the Send invoke."""
    # Each their own need: the same need would be offered first, not sent.
    review = await fill_form(user, distinct_answers(user.user_id))
    send = find_action(review, "Send request")
    if send.get("verb") != verbs.FORM_SUBMIT:
        raise BenchError(f"'Send request' has verb {send.get('verb')!r}, not {verbs.FORM_SUBMIT}")
    value = {
        "action": {"type": "Action.Execute", "verb": send["verb"], "data": send["data"]},
        "trigger": "manual",
    }
    return Prepared(user, user.activity(type="invoke", name="adaptiveCard/action", value=value))


async def send(prepared: Prepared) -> tuple[float, str]:
    """Press Send; returns (seconds for the HTTP round trip, the reference confirmed)."""
    started = time.perf_counter()
    try:
        status, body = await asyncio.wait_for(prepared.user.post(prepared.activity), SEND_TIMEOUT)
    except TimeoutError:
        raise BenchError(f"A Send invoke got no answer within {SEND_TIMEOUT:.0f} s") from None
    elapsed = time.perf_counter() - started
    if status != 200 or not isinstance(body, dict):
        raise BenchError(f"Send request answered HTTP {status}: {str(body)[:300]!r}")
    if body.get("type") != "application/vnd.microsoft.card.adaptive":
        raise BenchError(f"Send request did not return a card: {str(body)[:300]!r}")
    text = all_text(body["value"])
    match = REFERENCE_RE.search(text)
    if match is None:
        raise BenchError(f"The confirmation does not say 'Your reference is DR-': {text[:400]!r}")
    return elapsed, match.group(1)


async def in_workers(items: Sequence[T], workers: int, work: Callable[[T], Awaitable[Any]]) -> list:
    """`work` on every item, `workers` at a time; results in item order."""
    results: list[Any] = [None] * len(items)
    indexes = iter(range(len(items)))

    async def worker() -> None:
        for i in indexes:  # shared iterator: each index is taken once
            results[i] = await work(items[i])

    await asyncio.gather(*(worker() for _ in range(min(workers, len(items)))))
    return results


def stored_references(fake: FakeGraph) -> list[str]:
    return [str(item.get("Reference")) for item in fake.list_items(REQUESTS)]


# Counting Graph requests ------------------------------------------------------------------


def is_envelope(r: Recorded) -> bool:
    return not r.batch and r.path == BATCH_PATH


@dataclass
class Tally:
    """Graph traffic in a window: HTTP round trips, and operations as Graph throttles them
    (each plain request and each $batch sub-request; the $batch envelope is not one)."""

    records: list[Recorded]

    @property
    def http(self) -> list[Recorded]:
        return [r for r in self.records if not r.batch]

    @property
    def operations(self) -> list[Recorded]:
        return [r for r in self.records if not is_envelope(r)]

    @property
    def writes(self) -> list[Recorded]:
        return [r for r in self.operations if r.method != "GET"]

    @property
    def throttled(self) -> list[Recorded]:
        return [r for r in self.records if r.status == 429]


def window(fake: FakeGraph, since: float, until: float) -> Tally:
    return Tally([r for r in fake.graph_requests(since) if r.at <= until])


def shape(site_id: str, r: Recorded) -> str:
    path = r.path.replace(site_id, "{site}")
    path = re.sub(r"/items/\d+", "/items/{id}", path)
    query = r.query
    query = re.sub(r"'DR-\d{4}-\d+'", "'{ref}'", query)
    query = re.sub(r"RefYear eq \d{4}", "RefYear eq {year}", query)
    where = " (in $batch)" if r.batch else ""
    text = f"{r.method} {path}{'?' + query if query else ''}{where} -> {r.status or 'open'}"
    return text if len(text) <= 150 else text[:147] + "..."


# 1. Happy path ----------------------------------------------------------------------------


@dataclass
class HappyResult:
    label: str
    http: list[int] = field(default_factory=list)
    operations: list[int] = field(default_factory=list)
    writes: list[int] = field(default_factory=list)
    late: list[int] = field(default_factory=list)
    shapes: list[list[str]] = field(default_factory=list)
    confirm_ms: list[float] = field(default_factory=list)


async def settled(rig_: Rig, reference: str, triage: bool) -> float:
    """Wait until `reference` is in the list (TriagePosted too if `triage`) and the outbox
    is empty. Returns time.monotonic() at that moment."""
    deadline = time.monotonic() + SETTLE_TIMEOUT
    while time.monotonic() < deadline:
        items = [i for i in rig_.fake.list_items(REQUESTS) if i.get("Reference") == reference]
        if items and (not triage or items[0].get("TriagePosted") is True):
            at = time.monotonic()
            if await pending_writes(rig_) == 0:
                return at
        await asyncio.sleep(POLL_SECONDS)
    pending = await pending_writes(rig_)
    raise BenchError(
        f"{reference} did not settle in SharePoint within {SETTLE_TIMEOUT:.0f} s "
        f"({pending} writes pending)"
    )


async def happy_path(concurrency: int, runs: int, triage: bool) -> HappyResult:
    label = "with triage channel" if triage else "no triage channel"
    result = HappyResult(label)
    async with rig(concurrency) as r:
        if triage:
            await register_triage_channel(r)
        for n in range(runs):
            user = person(r, "happy-triage" if triage else "happy", n)
            prepared = await prepare(user)
            await asyncio.sleep(QUIET_SECONDS)  # nothing else in flight
            before = r.fake.graph_requests(time.monotonic())
            if before:
                raise BenchError(f"Graph traffic before the Send: {before}")
            since = time.monotonic()
            elapsed, reference = await send(prepared)
            until = await settled(r, reference, triage)
            await asyncio.sleep(QUIET_SECONDS)
            tally = window(r.fake, since, until)
            late = [x for x in r.fake.graph_requests(until) if x.at > until]
            result.http.append(len(tally.http))
            result.operations.append(len(tally.operations))
            result.writes.append(len(tally.writes))
            result.late.append(len(late))
            result.shapes.append([shape(r.fake.site_id, x) for x in tally.records + late])
            result.confirm_ms.append(elapsed * 1000)
    return result


# 2./3. Load runs --------------------------------------------------------------------------


@dataclass
class LoadResult:
    label: str
    submissions: int
    latency: float
    throttle_every: int
    triage: bool
    site_id: str = ""
    confirm: list[float] = field(default_factory=list)  # seconds
    send_wall: float = 0.0
    fill_wall: float = 0.0
    fill_graph_requests: int = 0
    to_all_stored: float | None = None
    to_outbox_empty: float | None = None
    to_all_triage_recorded: float | None = None
    stored: int = 0
    duplicates: int = 0
    missing: int = 0
    order_ok: bool = False
    tally: Tally | None = None
    after_last_send: Tally | None = None
    logs: Counter[tuple[str, str]] = field(default_factory=Counter)


async def load_run(
    label: str,
    submissions: int,
    latency: float,
    concurrency: int,
    throttle_every: int,
    triage: bool,
    store_timeout: float,
    logs: LogTally,
) -> LoadResult:
    result = LoadResult(label, submissions, latency, throttle_every, triage)
    async with rig(concurrency) as r:
        result.site_id = r.fake.site_id
        if triage:
            await register_triage_channel(r)
        r.fake.faults.latency = latency
        logs.reset()
        fill_from = time.monotonic()
        started = time.perf_counter()
        users = [person(r, f"load-{throttle_every}-{triage}", n) for n in range(submissions)]
        prepared: list[Prepared] = await in_workers(users, concurrency, prepare)
        result.fill_wall = time.perf_counter() - started
        result.fill_graph_requests = len(r.fake.graph_requests(fill_from))

        if throttle_every:
            r.fake.faults.throttle_every = throttle_every
            r.fake.faults.retry_after = "1"
            r.fake.reset_counters()
        first_send = time.monotonic()
        started = time.perf_counter()
        outcomes: list[tuple[float, str]] = await in_workers(prepared, concurrency, send)
        result.send_wall = time.perf_counter() - started
        last_send = time.monotonic()
        result.confirm = [elapsed for elapsed, _ in outcomes]
        confirmed = [reference for _, reference in outcomes]
        if len(set(confirmed)) != len(confirmed):
            raise BenchError("Two members of staff were given the same reference")

        # Only now poll the list, so polling does not slow the Sends being timed.
        wanted = set(confirmed)
        deadline = first_send + store_timeout
        stored: list[str] = []
        for _ in range(int(store_timeout / POLL_SECONDS) + 1):  # bounded by the deadline too
            stored = stored_references(r.fake)
            if wanted <= set(stored):
                result.to_all_stored = time.monotonic() - first_send
                break
            if time.monotonic() > deadline:
                break
            await asyncio.sleep(POLL_SECONDS)
        if result.to_all_stored is not None:
            for _ in range(int(store_timeout / POLL_SECONDS) + 1):
                items = r.fake.list_items(REQUESTS)
                recorded = all(i.get("TriagePosted") is True for i in items)
                if triage and recorded and result.to_all_triage_recorded is None:
                    result.to_all_triage_recorded = time.monotonic() - first_send
                if (recorded or not triage) and await pending_writes(r) == 0:
                    result.to_outbox_empty = time.monotonic() - first_send
                    break
                if time.monotonic() > deadline:
                    break
                await asyncio.sleep(POLL_SECONDS)
        end = time.monotonic()
        stored = stored_references(r.fake)
        result.stored = len(set(stored) & wanted)
        result.duplicates = len(stored) - len(set(stored))
        result.missing = len(wanted - set(stored))
        result.order_ok = stored == sorted(confirmed)[: len(stored)]
        result.tally = window(r.fake, first_send, end)
        result.after_last_send = window(r.fake, last_send, end)
        r.fake.faults.latency = 0.0
        r.fake.faults.throttle_every = 0
        result.logs = logs.reset()
    return result


# 4. Probe: the governance cache expires -------------------------------------------------


@dataclass
class ProbeResult:
    confirm_ms: float = 0.0
    config_reads: int = 0
    throttled: int = 0


async def governance_probe(concurrency: int, latency: float, logs: LogTally) -> ProbeResult:
    result = ProbeResult()
    async with rig(concurrency) as r:
        r.fake.faults.latency = latency
        prepared = await prepare(person(r, "probe", 0))
        store = r.store()
        # As if GOVERNANCE_TTL (5 minutes) had passed since the rules were last read.
        store._governance_at = time.monotonic() - sharepoint_store.GOVERNANCE_TTL - 1
        r.fake.faults.throttle_every = 1
        r.fake.faults.retry_after = "1"
        r.fake.reset_counters()
        since = time.monotonic()
        elapsed, _ = await send(prepared)
        until = time.monotonic()
        tally = window(r.fake, since, until)
        config = f"/lists/{CONFIG}/"
        result.confirm_ms = elapsed * 1000
        result.config_reads = len([x for x in tally.operations if config in x.path])
        result.throttled = len(tally.throttled)
        r.fake.faults.throttle_every = 0
        r.fake.faults.latency = 0.0
        logs.reset()
    return result


# Report -------------------------------------------------------------------------------


def pct(samples: list[float], q: float) -> float:
    """The q-th percentile (0-100) in milliseconds, nearest-rank."""
    ordered = sorted(samples)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1] * 1000


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


Row = tuple[str, str, str, str]


def happy_rows(h: HappyResult) -> list[Row]:
    worst_http, worst_ops = max(h.http), max(h.operations)
    target = f"<= {REQUESTS_PER_SUBMISSION_TARGET}"
    return [
        (
            f"happy path, {h.label}: Graph requests/submission (max of {len(h.http)})",
            str(worst_http),
            target,
            verdict(worst_http <= REQUESTS_PER_SUBMISSION_TARGET),
        ),
        (
            f"happy path, {h.label}: of which writes (max)",
            str(max(h.writes)),
            "-",
            "-",
        ),
        (
            f"happy path, {h.label}: Graph operations/submission (max)",
            str(worst_ops),
            target,
            verdict(worst_ops <= REQUESTS_PER_SUBMISSION_TARGET),
        ),
    ]


def load_rows(x: LoadResult, retry_after: float) -> list[Row]:
    name = x.label
    n = x.submissions
    p95 = pct(x.confirm, 95)
    rows: list[Row] = [
        (f"{name}: confirmation p50 (ms)", f"{pct(x.confirm, 50):.1f}", "-", "-"),
        (
            f"{name}: confirmation p95 (ms)",
            f"{p95:.1f}",
            f"< {CONFIRMATION_P95_TARGET_MS:.0f}",
            verdict(p95 < CONFIRMATION_P95_TARGET_MS),
        ),
        (f"{name}: confirmation p99 (ms)", f"{pct(x.confirm, 99):.1f}", "-", "-"),
        (f"{name}: confirmation max (ms)", f"{max(x.confirm) * 1000:.1f}", "-", "-"),
    ]
    if x.throttle_every:
        slow = sum(1 for s in x.confirm if s >= retry_after)
        rows.append(
            (
                f"{name}: confirmations >= Retry-After ({retry_after:.0f} s)",
                str(slow),
                "0",
                verdict(slow == 0),
            )
        )
    stored_ok = x.to_all_stored is not None and x.duplicates == 0
    rows.append(
        (
            f"{name}: time to all {n} stored (s)",
            f"{x.to_all_stored:.2f}" if x.to_all_stored is not None else f"> timeout ({x.stored})",
            "all stored once",
            verdict(stored_ok),
        )
    )
    tally = x.tally or Tally([])
    http, ops = len(tally.http), len(tally.operations)
    rows.append((f"{name}: Graph HTTP requests (total)", str(http), "-", "-"))
    rows.append((f"{name}: Graph operations (total)", str(ops), "-", "-"))
    per_http, per_ops = http / n, ops / n
    limit = REQUESTS_PER_SUBMISSION_TARGET
    rows.append(
        (
            f"{name}: Graph HTTP requests/submission",
            f"{per_http:.2f}",
            f"<= {limit}" if not x.throttle_every else "-",
            verdict(per_http <= limit) if not x.throttle_every else "-",
        )
    )
    rows.append(
        (
            f"{name}: Graph operations/submission",
            f"{per_ops:.2f}",
            f"<= {limit}" if not x.throttle_every else "-",
            verdict(per_ops <= limit) if not x.throttle_every else "-",
        )
    )
    return rows


def render(rows: list[Row]) -> str:
    header: Row = ("metric", "value", "target", "result")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]

    def line(row: Row) -> str:
        return "  ".join(
            [
                row[0].ljust(widths[0]),
                *(c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)),
            ]
        )

    return "\n".join(
        [line(header), line(("-" * widths[0], *("-" * w for w in widths[1:]))), *map(line, rows)]
    )


def describe_happy(h: HappyResult) -> None:
    print(f"\nhappy path, {h.label}: {len(h.http)} submissions, each alone, no added latency")
    for i, (http, ops, writes, late, ms) in enumerate(
        zip(h.http, h.operations, h.writes, h.late, h.confirm_ms, strict=True), start=1
    ):
        print(
            f"  submission {i}: {http} HTTP requests, {ops} operations, {writes} writes, "
            f"{late} more in the next {QUIET_SECONDS:.1f} s; confirmation {ms:.1f} ms"
        )
    distinct = Counter(tuple(s) for s in h.shapes)
    for shapes, times in distinct.most_common():
        print(f"  requests seen in {times} of {len(h.shapes)} submissions:")
        for text in shapes or ("(none)",):
            print(f"    {text}")


def describe_load(x: LoadResult, tally_logs: LogTally) -> None:
    tally = x.tally or Tally([])
    print(
        f"\n{x.label}: {x.submissions} submissions, latency {x.latency * 1000:.0f} ms per Graph "
        f"request"
        + (f", 429 every {x.throttle_every} operations" if x.throttle_every else "")
        + (", IT triage channel registered" if x.triage else "")
    )
    print(
        f"  filling the forms: {x.fill_wall:.1f} s (not timed), "
        f"{x.fill_graph_requests} Graph requests meanwhile"
    )
    print(
        f"  all Sends answered in {x.send_wall:.2f} s "
        f"({x.submissions / x.send_wall:.1f} confirmations/s)"
    )
    if x.to_all_stored is not None:
        print(
            f"  all stored {x.to_all_stored:.2f} s after the first Send "
            f"({x.to_all_stored - x.send_wall:.2f} s after the last confirmation); outbox empty "
            + (f"at {x.to_outbox_empty:.2f} s" if x.to_outbox_empty is not None else "not seen")
        )
    else:
        print(f"  only {x.stored} of {x.submissions} stored before the timeout")
    if x.triage:
        print(
            "  TriagePosted recorded on every item "
            + (
                f"{x.to_all_triage_recorded:.2f} s after the first Send"
                if x.to_all_triage_recorded is not None
                else "not seen before the timeout"
            )
        )
    print(
        f"  stored: {x.stored}, missing: {x.missing}, duplicates: {x.duplicates}, "
        f"in reference order: {'yes' if x.order_ok else 'no'}"
    )
    print("  Graph traffic from the first Send until the outbox was empty:")
    for text, count in Counter(shape(x.site_id, r) for r in tally.records).most_common():
        print(f"    {count:5d} x {text}")
    envelopes = [r for r in tally.records if is_envelope(r)]
    if envelopes:
        subs = len([r for r in tally.records if r.batch])
        print(
            f"  $batch: {len(envelopes)} envelopes, {subs / len(envelopes):.1f} sub-requests each"
        )
    after = x.after_last_send or Tally([])
    print(
        f"  after the last confirmation: {len(after.http)} HTTP requests, "
        f"{len(after.operations)} operations"
    )
    other = 0
    for (level, name), count in sorted(x.logs.items()):
        if not name.startswith(("bot", "graph_clients")):
            other += count  # e.g. the Agents SDK's "App ID is not provided" warning
            continue
        example = tally_logs.example.get((level, name), "")
        print(f"  log {level} {name}: {count} (e.g. {example!r})")
    if other:
        print(f"  log: {other} warnings from libraries (Agents SDK, aiohttp), not shown")


async def run(args: argparse.Namespace, logs: LogTally) -> list[Row]:
    rows: list[Row] = []

    async def phase(label: str, work: Awaitable[T]) -> T:
        started = time.perf_counter()
        print(f"  {label} ...", end="", flush=True)
        value = await work
        print(f" {time.perf_counter() - started:.1f} s", flush=True)
        return value

    plain = await phase(
        f"happy path, {args.happy} submissions, no triage channel",
        happy_path(args.concurrency, args.happy, triage=False),
    )
    triage = await phase(
        f"happy path, {args.happy} submissions, with a triage channel",
        happy_path(args.concurrency, args.happy, triage=True),
    )
    latency = await phase(
        f"latency run, {args.submissions} submissions",
        load_run(
            "latency run",
            args.submissions,
            args.latency,
            args.concurrency,
            0,
            False,
            args.store_timeout,
            logs,
        ),
    )
    triage_load = await phase(
        f"latency run with a triage channel, {args.triage_submissions} submissions",
        load_run(
            "latency run + triage channel",
            args.triage_submissions,
            args.latency,
            args.concurrency,
            0,
            True,
            args.store_timeout,
            logs,
        ),
    )
    throttled = await phase(
        f"throttled run, {args.throttled_submissions} submissions",
        load_run(
            "throttled run",
            args.throttled_submissions,
            args.latency,
            args.concurrency,
            3,
            False,
            args.store_timeout,
            logs,
        ),
    )
    probe = await phase(
        "probe: governance cache expired while Graph throttles",
        governance_probe(args.concurrency, args.latency, logs),
    )

    describe_happy(plain)
    describe_happy(triage)
    describe_load(latency, logs)
    describe_load(triage_load, logs)
    describe_load(throttled, logs)
    print(
        f"\nprobe: Send just after the 5-minute governance cache expired, every Graph request "
        f"throttled (Retry-After 1 s): confirmation {probe.confirm_ms:.0f} ms; during it "
        f"{probe.config_reads} reads of '{CONFIG}', {probe.throttled} answered 429"
    )

    rows += happy_rows(plain)
    rows += happy_rows(triage)
    rows += load_rows(latency, 1.0)
    rows += load_rows(triage_load, 1.0)
    rows += load_rows(throttled, 1.0)
    rows.append(
        (
            "probe: confirmation when the governance cache expires (ms)",
            f"{probe.confirm_ms:.0f}",
            f"< {CONFIRMATION_P95_TARGET_MS:.0f}",
            verdict(probe.confirm_ms < CONFIRMATION_P95_TARGET_MS),
        )
    )
    return rows


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tests.bench.bench_sharepoint",
        description="Graph requests per submission, and confirmation latency in SharePoint mode.",
    )
    parser.add_argument("--submissions", type=int, default=200, help="latency run submissions")
    parser.add_argument(
        "--latency", type=float, default=0.05, help="seconds added to every Graph request"
    )
    parser.add_argument("--concurrency", type=int, default=8, help="people at a time")
    parser.add_argument(
        "--throttled-submissions", type=int, default=50, help="throttled run submissions"
    )
    parser.add_argument(
        "--triage-submissions",
        type=int,
        default=50,
        help="submissions of the latency run with a triage channel registered",
    )
    parser.add_argument("--happy", type=int, default=5, help="happy-path submissions, each alone")
    parser.add_argument(
        "--store-timeout",
        type=float,
        default=300.0,
        help="seconds from the first Send to wait for every request to be stored",
    )
    args = parser.parse_args(argv)
    check_ranges(
        parser,
        args,
        (
            ("submissions", 1, 10_000),
            ("throttled_submissions", 1, 10_000),
            ("triage_submissions", 1, 10_000),
            ("concurrency", 1, 256),
            ("happy", 1, 100),
            ("latency", 0.0, 10.0),
            ("store_timeout", 1.0, 3600.0),
        ),
    )
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    print_header(
        "tests.bench.bench_sharepoint",
        argv,
        "SharePoint mode (BOT_STORE=sharepoint) against tests.support.fake_graph, "
        "bot, connector and fake in this process, all on 127.0.0.1",
    )
    policy = RetryPolicy()
    print(
        f"retries: production RetryPolicy (max_tries={policy.max_tries}, "
        f"max_total_seconds={policy.max_total_seconds:g}, honours Retry-After)",
        flush=True,
    )
    logs = LogTally()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(logs)
    root.setLevel(logging.WARNING)
    started = time.perf_counter()
    try:
        rows = asyncio.run(run(args, logs))
    except BenchError as error:
        print(f"\nBENCHMARK BROKE: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nInterrupted.", file=sys.stderr)
        return 130
    except Exception as error:
        print(f"\nBENCHMARK BROKE: {type(error).__name__}: {error}", file=sys.stderr)
        raise
    finally:
        root.removeHandler(logs)
        root.setLevel(old_level)
    print()
    print(render(rows))
    print(
        "\nGraph requests: HTTP round trips to the fake; operations: plain requests plus $batch "
        "sub-requests (what Graph throttles), not the envelope. Confirmation: HTTP round trip of "
        f"the 'Send request' invoke. Total {time.perf_counter() - started:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
