"""Benchmark: IT triage card actions in SharePoint mode, with a slow Graph behind the store.

    python -m tests.bench.bench_triage [--requests 20] [--settled 3] [--latency 2.0]
        [--drain-timeout 150] [--baseline-requests 20]

Not a test (pytest does not collect it). Everything runs in this process on 127.0.0.1, as
tests/bench/bench_sharepoint.py runs it: a `FakeGraph` (tests.support.fake_graph) with the
lists provisioned, a `Connector` standing in for the Bot Connector service, and the real
bot as a `BotServer` with BOT_STORE=sharepoint and TRIAGE_ROSTER naming the triagers,
talking to the fake through the real msgraph-sdk client with the production RetryPolicy.

Each run gets a fresh fake, bot and DATA_DIR:

1. With no added latency: an admin registers the IT triage channel; --requests + --settled
   + 1 members of staff raise a request each (the first one is left alone: it is the
   original the duplicates are linked to, a request long since written to SharePoint). The
   benchmark waits until every request is in "DFD Requests" with TriagePosted and the
   bot's outbox is empty (GET /readyz: pending_sharepoint_writes 0).
2. Then every Graph HTTP request is made to wait --latency seconds (fake.faults.latency),
   and the triager (Alex, on the roster) works through the requests one at a time. The
   requests are dealt round-robin into sequences:
     full (2 of 4):  Open for triage (refresh), Assign to me, Change route, Ask for
                     information (Send question), the requester's Send answer (in their
                     own chat, on the question card the bot sent them), Open for triage
                     again (the card changed), Accept to board;
     reject (1 of 4): Open for triage, Reject, Reopen;
     duplicate (1 of 4): Open for triage, Link as duplicate (of the untouched original).
   Timed: the HTTP round trip of each invoke, to the invoke response (the card).
3. After the last action: how long until the outbox is empty and every item in SharePoint
   has the journal's Status, AssigneeName and DuplicateOf (bounded by --drain-timeout).
4. Settled probes, still with the latency: --settled more requests go through the full
   sequence with the outbox emptied before each step, as when triage and the requester act
   minutes or hours apart. In step 2 the writer is behind (one PATCH per --latency), so a
   request with a write pending is answered from the journal and the read of SharePoint is
   skipped; here no write is pending, so every read goes to Graph. Shown as "[settled]".
   Then every item is checked against the journal again.

The same is run first with no latency at all, for comparison (--baseline-requests, 0 to
skip). To see where the time of an invoke goes, the bot's SharePointStore.get and
GraphRequests.find are wrapped at run time (nothing in bot/ or graph_clients/ is changed):
each call records who called it, how long it took and whether its Graph read was cut off
by the store's read budget; the fake's request log shows the Graph requests that arrived
while each invoke was open.

Prints a table per run (n, p50, p95, p99, max in ms; PASS/FAIL for p99 < 1000 ms) and
where the time goes. Exits 0 whether or not targets are met; 1 only if the benchmark broke.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import aiohttp

from graph_clients.client import RetryPolicy
from tests.bench.bench_sharepoint import (
    ADMIN_AAD_ID,
    CHANNEL_ID,
    REQUESTS,
    BenchError,
    LogTally,
    Prepared,
    Rig,
    Row,
    in_workers,
    pct,
    pending_writes,
    person,
    prepare,
    register_triage_channel,
    render,
    send,
    shape,
    verdict,
)
from tests.bench.common import check_ranges, print_header
from tests.support.cards import all_text
from tests.support.fake_graph import FakeGraph, Recorded
from tests.support.graph import connect, provisioned
from tests.support.teams import (
    TENANT,
    BotServer,
    Connector,
    TeamsUser,
    card_of,
    find_action,
    iter_actions,
)

TRIAGER_AAD_ID = ADMIN_AAD_ID  # Alex Wilber: admin (registers the channel) and on the roster
SECOND_TRIAGER_AAD_ID = "00000000-0000-0000-0000-0000000000022"  # Adele Vance
TRIAGER_NAME = "Alex Wilber"
P99_TARGET_MS = 1000.0
INVOKE_TIMEOUT = 30.0  # seconds for any one invoke
SETUP_TIMEOUT = 60.0  # seconds for the raised requests to be written, before latency
MESSAGE_TIMEOUT = 10.0  # seconds for the question card to reach the requester's chat
SETTLE_TIMEOUT = 60.0  # seconds for the outbox to empty between the steps of a settled probe
POLL_SECONDS = 0.05
REPO = Path(__file__).resolve().parents[2]

REFRESH = "refresh (Open for triage)"
ASSIGN = "Assign to me"
ROUTE = "Change route"
ASK = "Ask for information"
ANSWER = "Send answer (requester)"
REFRESH_AGAIN = "refresh again (after the answer)"
ACCEPT = "Accept to board"
REJECT = "Reject"
REOPEN = "Reopen"
DUPLICATE = "Link as duplicate"
SETTLED = " [settled]"  # done once the outbox is empty: no write of this request pending
ACTIONS = (
    REFRESH,
    ASSIGN,
    ROUTE,
    ASK,
    ANSWER,
    REFRESH_AGAIN,
    ACCEPT,
    REJECT,
    REOPEN,
    DUPLICATE,
    *(a + SETTLED for a in (REFRESH, ASSIGN, ASK, ANSWER, REFRESH_AGAIN, ACCEPT)),
)
SEQUENCES = ("full", "full", "reject", "duplicate")  # dealt round-robin

# The status each sequence leaves a request in (bot.domain.model.Status values).
EXPECTED_STATUS = {
    "full": "with_board",
    "reject": "in_triage",
    "duplicate": "duplicate",
    "settled": "with_board",
    "original": "submitted",
}


# Run-time tracing of the store's reads (wraps the live objects; no source is changed) ----


def repo_chain(frame: FrameType | None) -> tuple[str, ...]:
    """The bot's own frames on this call's stack, outermost first: 'file:qualname (line)'."""
    chain: list[str] = []
    for _ in range(200):  # bounded walk up the (coroutine) stack
        if frame is None:
            break
        path = Path(frame.f_code.co_filename)
        with contextlib.suppress(ValueError):
            relative = path.resolve().relative_to(REPO)
            if relative.parts and relative.parts[0] in ("bot", "graph_clients", "cards"):
                chain.append(
                    f"{relative.as_posix()}:{frame.f_code.co_qualname} (line {frame.f_lineno})"
                )
        frame = frame.f_back
    return tuple(reversed(chain))


@dataclass
class FindCall:
    """One GraphRequests.find: a GET on "DFD Requests" filtered by Reference."""

    reference: str
    start: float
    end: float = 0.0
    outcome: str = "open"  # answered | cut off (cancelled by the read budget) | error


@dataclass
class GetCall:
    """One SharePointStore.get."""

    reference: str
    start: float
    chain: tuple[str, ...]
    end: float = 0.0
    finds: list[FindCall] = field(default_factory=list)

    @property
    def synchronous(self) -> bool:
        """Called while an invoke was being answered (not in a background task)."""
        return any("bot/handlers/" in f for f in self.chain) and not any(
            "after_change" in f for f in self.chain
        )

    @property
    def ms(self) -> float:
        return (self.end - self.start) * 1000


class Tracer:
    def __init__(self, store: Any) -> None:
        self.store = store
        self.gets: list[GetCall] = []
        self.finds: list[FindCall] = []
        self._get = store.get
        self._find = store.requests.find

    def install(self) -> None:
        self.store.get = self.traced_get
        self.store.requests.find = self.traced_find

    def uninstall(self) -> None:
        for owner, name in ((self.store, "get"), (self.store.requests, "find")):
            with contextlib.suppress(AttributeError):
                delattr(owner, name)

    async def traced_get(self, reference: str) -> Any:
        call = GetCall(str(reference), time.monotonic(), repo_chain(sys._getframe(1)))
        self.gets.append(call)
        try:
            return await self._get(reference)
        finally:
            call.end = time.monotonic()
            call.finds = [
                f
                for f in self.finds
                if f.reference.upper() == call.reference.strip().upper()
                and call.start <= f.start <= call.end
            ]

    async def traced_find(self, reference: str) -> Any:
        call = FindCall(str(reference), time.monotonic())
        self.finds.append(call)
        try:
            found = await self._find(reference)
        except asyncio.CancelledError:
            call.outcome = "cut off"
            raise
        except Exception:
            call.outcome = "error"
            raise
        else:
            call.outcome = "answered"
            return found
        finally:
            call.end = time.monotonic()


# One fresh fake Graph, connector and bot, with a triage roster -------------------------


@contextlib.asynccontextmanager
async def triage_rig() -> AsyncIterator[Rig]:
    with tempfile.TemporaryDirectory(prefix="dfd-bench-triage-") as tmp:
        fake = FakeGraph()
        connector = Connector()
        bot = BotServer(
            Path(tmp) / "data",
            {
                "BOT_STORE": "sharepoint",
                "TRIAGE_ROSTER": f"{TRIAGER_AAD_ID},{SECOND_TRIAGER_AAD_ID}",
            },
            graph=lambda: connect(fake, RetryPolicy()),
        )
        http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=32))
        try:
            await fake.start()
            graph = await provisioned(fake)
            await graph.close()
            await connector.start()
            await bot.start()
            yield Rig(fake, connector, bot, http)
        finally:
            fake.faults.latency = 0.0  # let the bot's shutdown go quickly
            await bot.stop()
            await connector.stop()
            await fake.stop()
            await http.close()


def triager_in_channel(r: Rig) -> TeamsUser:
    """Alex, pressing buttons on a card in the triage channel (a thread's conversation id)."""
    return TeamsUser(
        r.http,
        r.bot,
        r.connector,
        user_id="bench-triager",
        name=TRIAGER_NAME,
        aad_object_id=TRIAGER_AAD_ID,
        conversation={
            "id": CHANNEL_ID + ";messageid=1700000000000",
            "conversationType": "channel",
            "tenantId": TENANT,
        },
    )


# Timed invokes -------------------------------------------------------------------------


@dataclass
class Sample:
    action: str
    reference: str
    seconds: float
    start: float  # time.monotonic()
    end: float


@dataclass
class RunResult:
    label: str
    latency: float
    requests: int
    sequences: Counter[str] = field(default_factory=Counter)
    samples: list[Sample] = field(default_factory=list)
    gets: list[GetCall] = field(default_factory=list)
    graph: list[Recorded] = field(default_factory=list)  # from the first action to the end
    site_id: str = ""
    setup_seconds: float = 0.0
    actions_seconds: float = 0.0
    pending_at_last_action: int = 0
    outbox_empty_after: float | None = None  # seconds after the last action
    consistent_after: float | None = None  # seconds after the last action
    first_to_consistent: float | None = None  # seconds after the first action
    mismatches: list[tuple[str, str]] = field(default_factory=list)  # (reference, problem)
    checked: int = 0
    patches: int = 0
    logs: Counter[tuple[str, str]] = field(default_factory=Counter)

    def by_action(self) -> dict[str, list[float]]:
        out: dict[str, list[float]] = defaultdict(list)
        for s in self.samples:
            out[s.action].append(s.seconds)
        return out


async def invoke(
    r: RunResult,
    user: TeamsUser,
    label: str,
    reference: str,
    verb: str,
    data: Any,
    expect: str,
) -> dict[str, Any]:
    """Post one Action.Execute invoke as Teams does; time the HTTP round trip."""
    value = {"action": {"type": "Action.Execute", "verb": verb, "data": data}, "trigger": "manual"}
    activity = user.activity(type="invoke", name="adaptiveCard/action", value=value)
    start, started = time.monotonic(), time.perf_counter()
    try:
        status, body = await asyncio.wait_for(user.post(activity), INVOKE_TIMEOUT)
    except TimeoutError:
        raise BenchError(
            f"{label} on {reference}: no answer within {INVOKE_TIMEOUT:.0f} s"
        ) from None
    seconds = time.perf_counter() - started
    r.samples.append(Sample(label, reference, seconds, start, time.monotonic()))
    if status != 200 or not isinstance(body, dict):
        raise BenchError(f"{label} on {reference} answered HTTP {status}: {str(body)[:300]!r}")
    if body.get("type") != "application/vnd.microsoft.card.adaptive":
        raise BenchError(f"{label} on {reference} did not return a card: {str(body)[:300]!r}")
    card: dict[str, Any] = body["value"]
    text = all_text(card)
    if expect not in text:
        raise BenchError(
            f"{label} on {reference}: the card does not say {expect!r}: {text[:400]!r}"
        )
    return card


async def press(
    r: RunResult,
    user: TeamsUser,
    label: str,
    reference: str,
    card: dict[str, Any],
    title: str,
    expect: str,
    inputs: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Press the button `title` on `card`: its data (with "version") plus the inputs."""
    action = find_action(card, title)
    data = {**action["data"], **(inputs or {})}
    return await invoke(r, user, label, reference, action["verb"], data, expect)


def channel_card(r: Rig, reference: str) -> dict[str, Any]:
    """The read-only card the bot posted for `reference` in the triage channel."""
    for activity in reversed(r.connector.in_conversation(CHANNEL_ID)):
        with contextlib.suppress(AssertionError):
            card = card_of(activity)
            for action in iter_actions(card):
                data = action.get("data") or {}
                if action.get("title") == "Open for triage" and data.get("reference") == reference:
                    return card
    raise BenchError(f"No triage card for {reference} in the channel")


async def question_card(r: Rig, requester: TeamsUser, reference: str) -> dict[str, Any]:
    """The bot's message to the requester with the question and a Send answer button."""
    deadline = time.monotonic() + MESSAGE_TIMEOUT
    while time.monotonic() < deadline:
        for activity in reversed(r.connector.in_conversation(requester.conversation_id)):
            with contextlib.suppress(AssertionError):
                card = card_of(activity)
                for action in iter_actions(card):
                    if (
                        action.get("title") == "Send answer"
                        and (action.get("data") or {}).get("reference") == reference
                    ):
                        return card
        await asyncio.sleep(POLL_SECONDS)
    raise BenchError(f"The question about {reference} did not reach the requester")


async def full_sequence(
    r: RunResult, rig_: Rig, alex: TeamsUser, requester: TeamsUser, ref: str
) -> None:
    view = await press(
        r, alex, REFRESH, ref, channel_card(rig_, ref), "Open for triage", "Assign to me"
    )
    card = await press(r, alex, ASSIGN, ref, view, "Assign to me", f"Assigned to {TRIAGER_NAME}")
    card = await press(
        r,
        alex,
        ROUTE,
        ref,
        card,
        "Change route",
        "Proposed board: Technical Review Board",
        {
            "routeBoard": "trb",
            "routeProcess": "change_request",
            "routeReason": "It must work with the waste system, so it needs a review.",
        },
    )
    await press(
        r,
        alex,
        ASK,
        ref,
        card,
        "Send question",
        "Waiting for the requester to answer",
        {"question": "How many bookings a week?"},
    )
    question = await question_card(rig_, requester, ref)  # not timed: it comes in the background
    await press(
        r,
        requester,
        ANSWER,
        ref,
        question,
        "Send answer",
        f"Answer sent for {ref}",
        {"answer": "About 400 a week"},
    )
    # The card Alex holds is now out of date (the answer changed the request): open it again.
    view = await press(
        r, alex, REFRESH_AGAIN, ref, channel_card(rig_, ref), "Open for triage", "About 400"
    )
    await press(r, alex, ACCEPT, ref, view, "Accept to board", "With the board")


async def reject_sequence(r: RunResult, rig_: Rig, alex: TeamsUser, ref: str) -> None:
    view = await press(
        r, alex, REFRESH, ref, channel_card(rig_, ref), "Open for triage", "Assign to me"
    )
    rejected = await press(
        r,
        alex,
        REJECT,
        ref,
        view,
        "Reject",
        "Not taken forward",
        {"rejectReason": "We already have a booking system. Talk to your IT business partner."},
    )
    await press(r, alex, REOPEN, ref, rejected, "Reopen", "Being triaged by IT")


async def duplicate_sequence(
    r: RunResult, rig_: Rig, alex: TeamsUser, ref: str, original: str
) -> None:
    view = await press(
        r, alex, REFRESH, ref, channel_card(rig_, ref), "Open for triage", "Assign to me"
    )
    await press(
        r,
        alex,
        DUPLICATE,
        ref,
        view,
        "Link as duplicate",
        f"Duplicate of {original}",
        {"duplicateRef": original},
    )


async def outbox_empty(rig_: Rig, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while await pending_writes(rig_) > 0:
        if time.monotonic() > deadline:
            raise BenchError(f"The outbox did not empty within {timeout:.0f} s")
        await asyncio.sleep(POLL_SECONDS)


async def settled_sequence(
    r: RunResult, rig_: Rig, alex: TeamsUser, requester: TeamsUser, ref: str
) -> None:
    """The full sequence as it happens in real life, hours apart: before each change the
    outbox is empty, so no write of this request is pending when the next action reads it."""
    await outbox_empty(rig_, SETTLE_TIMEOUT)
    view = await press(
        r, alex, REFRESH + SETTLED, ref, channel_card(rig_, ref), "Open for triage", "Assign to me"
    )
    card = await press(
        r, alex, ASSIGN + SETTLED, ref, view, "Assign to me", f"Assigned to {TRIAGER_NAME}"
    )
    await outbox_empty(rig_, SETTLE_TIMEOUT)
    await press(
        r,
        alex,
        ASK + SETTLED,
        ref,
        card,
        "Send question",
        "Waiting for the requester to answer",
        {"question": "How many bookings a week?"},
    )
    question = await question_card(rig_, requester, ref)
    await outbox_empty(rig_, SETTLE_TIMEOUT)
    await press(
        r,
        requester,
        ANSWER + SETTLED,
        ref,
        question,
        "Send answer",
        f"Answer sent for {ref}",
        {"answer": "About 400 a week"},
    )
    await outbox_empty(rig_, SETTLE_TIMEOUT)
    view = await press(
        r,
        alex,
        REFRESH_AGAIN + SETTLED,
        ref,
        channel_card(rig_, ref),
        "Open for triage",
        "About 400",
    )
    await press(r, alex, ACCEPT + SETTLED, ref, view, "Accept to board", "With the board")


# One run -------------------------------------------------------------------------------


def references_of(fake: FakeGraph) -> dict[str, dict[str, Any]]:
    return {str(i.get("Reference")): i for i in fake.list_items(REQUESTS)}


async def raise_requests(rig_: Rig, count: int) -> tuple[list[str], dict[str, TeamsUser]]:
    """`count` members of staff raise a request each; waits until all are in SharePoint."""
    users = [person(rig_, "triage-requester", n) for n in range(count)]
    prepared: list[Prepared] = await in_workers(users, 4, prepare)
    outcomes: list[tuple[float, str]] = await in_workers(prepared, 4, send)
    by_ref = {ref: p.user for (_, ref), p in zip(outcomes, prepared, strict=True)}
    references = sorted(by_ref)
    deadline = time.monotonic() + SETUP_TIMEOUT
    while True:
        items = references_of(rig_.fake)
        posted = len(rig_.connector.in_conversation(CHANNEL_ID))
        written = all(items.get(ref, {}).get("TriagePosted") is True for ref in references)
        if written and posted >= count and await pending_writes(rig_) == 0:
            return references, by_ref
        if time.monotonic() > deadline:
            raise BenchError(
                f"Before any latency, the {count} requests were not all written within "
                f"{SETUP_TIMEOUT:.0f} s ({len(items)} in the list, {posted} cards posted, "
                f"{await pending_writes(rig_)} writes pending)"
            )
        await asyncio.sleep(POLL_SECONDS)


async def check_sharepoint(
    rig_: Rig, references: dict[str, str], original: str
) -> tuple[list[tuple[str, str]], int]:
    """Every item's triage columns against the journal, and against what the run did."""
    store = rig_.store()
    items = references_of(rig_.fake)
    problems: list[tuple[str, str]] = []
    for ref, sequence in sorted({**references, original: "original"}.items()):
        journal = await store.journal.get(ref)
        item = items.get(ref)
        if journal is None or item is None:
            problems.append((ref, "not in the journal" if journal is None else "not in SP"))
            continue
        want = {
            "Status": journal.status.value,
            "AssigneeName": journal.assignee_name or "",
            "DuplicateOf": journal.duplicate_of or "",
        }
        got = {name: str(item.get(name) or "") for name in want}
        if got != want:
            problems.append((ref, f"SharePoint has {got}, the journal {want}"))
        if journal.status.value != EXPECTED_STATUS[sequence]:
            problems.append(
                (
                    ref,
                    f"({sequence}) journal status {journal.status.value}, "
                    f"expected {EXPECTED_STATUS[sequence]}",
                )
            )
        if sequence in ("full", "settled") and journal.assignee_name != TRIAGER_NAME:
            problems.append((ref, f"assignee {journal.assignee_name!r} in the journal"))
        if sequence == "duplicate" and journal.duplicate_of != original:
            problems.append((ref, f"duplicate of {journal.duplicate_of!r} in the journal"))
    return problems, len(references) + 1


async def run_once(
    label: str,
    requests: int,
    settled: int,
    latency: float,
    drain_timeout: float,
    logs: LogTally,
) -> RunResult:
    result = RunResult(label, latency, requests)
    async with triage_rig() as rig_:
        result.site_id = rig_.fake.site_id
        started = time.perf_counter()
        await register_triage_channel(rig_)
        ordered, requesters = await raise_requests(rig_, requests + settled + 1)
        result.setup_seconds = time.perf_counter() - started
        original, acted, probes = ordered[0], ordered[1 : requests + 1], ordered[requests + 1 :]
        plan = {ref: SEQUENCES[i % len(SEQUENCES)] for i, ref in enumerate(acted)}
        result.sequences = Counter(plan.values())
        result.sequences["settled"] = len(probes)
        alex = triager_in_channel(rig_)

        tracer = Tracer(rig_.store())
        tracer.install()
        logs.reset()
        rig_.fake.faults.latency = latency
        first = time.monotonic()
        try:
            for ref in acted:
                sequence = plan[ref]
                if sequence == "full":
                    await full_sequence(result, rig_, alex, requesters[ref], ref)
                elif sequence == "reject":
                    await reject_sequence(result, rig_, alex, ref)
                else:
                    await duplicate_sequence(result, rig_, alex, ref, original)
            last = time.monotonic()
            result.actions_seconds = last - first
            result.pending_at_last_action = await pending_writes(rig_)

            # Bounded wait for every change to reach SharePoint.
            deadline = last + drain_timeout
            while time.monotonic() <= deadline:
                if result.outbox_empty_after is None and await pending_writes(rig_) == 0:
                    result.outbox_empty_after = time.monotonic() - last
                if result.outbox_empty_after is not None:
                    problems, _ = await check_sharepoint(rig_, plan, original)
                    if not problems:
                        now = time.monotonic()
                        result.consistent_after = now - last
                        result.first_to_consistent = now - first
                        result.patches = len(
                            [x for x in rig_.fake.graph_requests(first) if x.method == "PATCH"]
                        )
                        break
                await asyncio.sleep(POLL_SECONDS * 4)

            # Then the settled probes, still with the latency, each step after the outbox
            # has emptied; then every item is checked again, the probes' too.
            for ref in probes:
                await settled_sequence(result, rig_, alex, requesters[ref], ref)
            if probes:
                with contextlib.suppress(BenchError):
                    await outbox_empty(rig_, SETTLE_TIMEOUT)
            everything = {**plan, **{ref: "settled" for ref in probes}}
            result.mismatches, result.checked = await check_sharepoint(rig_, everything, original)
        finally:
            rig_.fake.faults.latency = 0.0
            tracer.uninstall()
        result.gets = tracer.gets
        result.graph = rig_.fake.graph_requests(first)
        result.logs = logs.reset()
    return result


# Report --------------------------------------------------------------------------------


def action_table(x: RunResult) -> str:
    header = ("action", "n", "p50 ms", "p95 ms", "p99 ms", "max ms", "target", "result")
    rows = [header]
    by_action = x.by_action()
    for action in ACTIONS:
        samples = by_action.get(action)
        if not samples:
            continue
        p99 = pct(samples, 99)
        rows.append(
            (
                action,
                str(len(samples)),
                f"{pct(samples, 50):.0f}",
                f"{pct(samples, 95):.0f}",
                f"{p99:.0f}",
                f"{max(samples) * 1000:.0f}",
                f"p99 < {P99_TARGET_MS:.0f}",
                verdict(p99 < P99_TARGET_MS),
            )
        )
    every = [s.seconds for s in x.samples]
    p99 = pct(every, 99)
    rows.append(
        (
            "all actions",
            str(len(every)),
            f"{pct(every, 50):.0f}",
            f"{pct(every, 95):.0f}",
            f"{p99:.0f}",
            f"{max(every) * 1000:.0f}",
            f"p99 < {P99_TARGET_MS:.0f}",
            verdict(p99 < P99_TARGET_MS),
        )
    )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]

    def line(row: tuple[str, ...]) -> str:
        return "  ".join(
            [
                row[0].ljust(widths[0]),
                *(c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)),
            ]
        )

    return "\n".join([line(rows[0]), line(tuple("-" * w for w in widths)), *map(line, rows[1:])])


def short_chain(chain: tuple[str, ...]) -> str:
    """The frames from the handler down to SharePointStore.get's caller."""
    start = next(
        (i for i, f in enumerate(chain) if "bot/handlers/triage.py" in f),
        next((i for i, f in enumerate(chain) if "bot/handlers/" in f), 0),
    )
    return " -> ".join(chain[start:]) + " -> graph_clients/store.py:SharePointStore.get"


def describe(x: RunResult, logs: LogTally, show_where: bool) -> None:
    seqs = ", ".join(f"{n} {name}" for name, n in sorted(x.sequences.items()))
    total = sum(x.sequences.values())
    main = [s for s in x.samples if not s.action.endswith(SETTLED)]
    print(
        f"\n{x.label}: {total} requests acted on ({seqs}) plus 1 untouched original; "
        f"Graph latency {x.latency * 1000:.0f} ms per request during the actions"
    )
    print(
        f"  setup (register channel, raise {total + 1}, all written, no latency): "
        f"{x.setup_seconds:.1f} s"
    )
    print(
        f"  full/reject/duplicate sequences: {len(main)} invokes, one at a time, in "
        f"{x.actions_seconds:.1f} s; {x.pending_at_last_action} writes still in the outbox "
        "after the last one"
    )
    if len(main) < len(x.samples):
        print(
            f"  then {len(x.samples) - len(main)} invokes of the settled probes "
            "(the outbox emptied before each step, as when triage happens hours apart)"
        )
    print()
    print("  " + action_table(x).replace("\n", "\n  "))
    print()
    if x.outbox_empty_after is not None:
        print(
            f"  outbox empty {x.outbox_empty_after:.1f} s after the last action of the "
            "full/reject/duplicate sequences"
        )
    else:
        print("  outbox NOT empty before the drain timeout")
    if x.consistent_after is not None and x.first_to_consistent is not None:
        print(
            f"  every change in SharePoint (Status, AssigneeName, DuplicateOf as in the journal) "
            f"{x.consistent_after:.1f} s after the last action, "
            f"{x.first_to_consistent:.1f} s after the first"
        )
    print(
        f"  checked {x.checked} items: {len(x.mismatches)} mismatches"
        + (
            ": " + "; ".join(f"{ref}: {text}" for ref, text in x.mismatches[:5])
            if x.mismatches
            else ""
        )
    )
    print(
        f"  Graph PATCHes (the writer's updates) from the first action until all were in "
        f"SharePoint: {x.patches}"
        + (
            f", {x.patches / x.first_to_consistent:.2f}/s"
            if x.first_to_consistent and x.patches
            else ""
        )
    )
    other = 0
    for (level, name), count in sorted(x.logs.items()):
        if not name.startswith(("bot", "graph_clients")):
            other += count
            continue
        print(f"  log {level} {name}: {count} (e.g. {logs.example.get((level, name), '')!r})")
    if other:
        print(f"  log: {other} warnings from libraries (Agents SDK, aiohttp), not shown")
    if show_where:
        where_the_time_goes(x, detail=x.latency > 0)


def where_the_time_goes(x: RunResult, detail: bool) -> None:
    print(
        "\n  where the time goes, per action (synchronous = inside the invoke, before its answer):"
    )
    header = (
        "action",
        "mean ms",
        "store.get/inv",
        "to Graph/inv",
        "cut off/inv",
        "ms in store.get",
        "ms elsewhere",
    )
    rows: list[tuple[str, ...]] = [header]
    callers: Counter[str] = Counter()
    for action in ACTIONS:
        samples = [s for s in x.samples if s.action == action]
        if not samples:
            continue
        gets, to_graph, cut, in_get, total = 0, 0, 0, 0.0, 0.0
        for s in samples:
            mine = [g for g in x.gets if g.synchronous and s.start <= g.start <= s.end]
            gets += len(mine)
            for g in mine:
                if g.finds:
                    to_graph += 1
                    callers[f"{action}: {short_chain(g.chain)}"] += 1
                cut += sum(1 for f in g.finds if f.outcome == "cut off")
                in_get += g.ms
            total += s.seconds * 1000
        n = len(samples)
        rows.append(
            (
                action,
                f"{total / n:.0f}",
                f"{gets / n:.2f}",
                f"{to_graph / n:.2f}",
                f"{cut / n:.2f}",
                f"{in_get / n:.0f}",
                f"{(total - in_get) / n:.0f}",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for i, row in enumerate(rows):
        print(
            "    "
            + "  ".join(
                [
                    row[0].ljust(widths[0]),
                    *(c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)),
                ]
            )
        )
        if i == 0:
            print("    " + "  ".join("-" * w for w in widths))
    if not detail:
        return
    print("\n  synchronous SharePointStore.get calls that went to Graph, by caller:")
    for text, count in callers.most_common():
        print(f"    {count:4d} x {text}")
    # The fake's own log: what arrived while an invoke was open, and how long it took.
    inside: Counter[str] = Counter()
    for s in x.samples:
        for rec in x.graph:
            if s.start <= rec.at <= s.end:
                inside[f"{s.action}: {shape(x.site_id, rec)}"] += 1
    print(
        "\n  Graph requests that arrived at the fake while an invoke was open (fake's log; "
        "GET ...Reference eq: the invoke's own read through SharePointStore.get; PATCH: the "
        "outbox writer in the background, not waited for):"
    )
    for text, count in sorted(inside.items()):
        print(f"    {count:4d} x {text}")
    cut_off = [f for g in x.gets if g.synchronous for f in g.finds if f.outcome == "cut off"]
    if cut_off:
        ms = [(f.end - f.start) * 1000 for f in cut_off]
        print(
            f"  Graph reads cut off by SharePointStore.read_budget: {len(cut_off)}, after "
            f"{min(ms):.0f}-{max(ms):.0f} ms (median {statistics.median(ms):.0f} ms); the "
            "fake still answers them 200 after its latency, to a client that has gone"
        )


async def run(args: argparse.Namespace, logs: LogTally) -> list[RunResult]:
    results: list[RunResult] = []

    async def phase(label: str, requests: int, latency: float) -> None:
        started = time.perf_counter()
        print(f"  {label} ...", end="", flush=True)
        results.append(
            await run_once(label, requests, args.settled, latency, args.drain_timeout, logs)
        )
        print(f" {time.perf_counter() - started:.1f} s", flush=True)

    if args.baseline_requests:
        await phase("no added latency (comparison)", args.baseline_requests, 0.0)
    await phase(f"Graph latency {args.latency * 1000:.0f} ms", args.requests, args.latency)
    return results


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tests.bench.bench_triage",
        description="Time to the invoke response for IT triage card actions, Graph slow.",
    )
    parser.add_argument(
        "--requests", type=int, default=20, help="requests acted on in the latency run"
    )
    parser.add_argument(
        "--latency", type=float, default=2.0, help="seconds added to every Graph request"
    )
    parser.add_argument(
        "--drain-timeout",
        type=float,
        default=150.0,
        help="seconds after the last action to wait for every change to reach SharePoint",
    )
    parser.add_argument(
        "--settled",
        type=int,
        default=3,
        help="requests taken through the full sequence with the outbox emptied before each step",
    )
    parser.add_argument(
        "--baseline-requests",
        type=int,
        default=20,
        help="requests acted on in the run with no added latency (0: skip it)",
    )
    args = parser.parse_args(argv)
    check_ranges(
        parser,
        args,
        (
            ("requests", 1, 400),
            ("baseline_requests", 0, 400),
            ("settled", 0, 20),
            ("latency", 0.0, 10.0),
            ("drain_timeout", 1.0, 3600.0),
        ),
    )
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    print_header(
        "tests.bench.bench_triage",
        argv,
        "SharePoint mode (BOT_STORE=sharepoint, TRIAGE_ROSTER set) against "
        "tests.support.fake_graph; bot, connector and fake in this process, all on 127.0.0.1",
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
        results = asyncio.run(run(args, logs))
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

    for x in results:
        describe(x, logs, show_where=True)

    rows: list[Row] = []
    for x in results:
        by_action = x.by_action()
        for action in ACTIONS:
            if action in by_action:
                p99 = pct(by_action[action], 99)
                rows.append(
                    (
                        f"{x.label}: {action} p99 (ms)",
                        f"{p99:.0f}",
                        f"< {P99_TARGET_MS:.0f}",
                        verdict(p99 < P99_TARGET_MS),
                    )
                )
        rows.append(
            (
                f"{x.label}: every change reached SharePoint",
                f"{x.checked - len({ref for ref, _ in x.mismatches})}/{x.checked} items",
                "all",
                verdict(not x.mismatches and x.consistent_after is not None),
            )
        )
        rows.append(
            (
                f"{x.label}: ... within (s after the last action)",
                f"{x.consistent_after:.1f}" if x.consistent_after is not None else "timeout",
                "-",
                "-",
            )
        )
    print()
    print(render(rows))
    print(
        "\nTime to the invoke response: HTTP round trip of the adaptiveCard/action invoke, one "
        f"at a time. Total {time.perf_counter() - started:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
