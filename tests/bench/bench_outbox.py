"""Benchmark: how long the SharePoint outbox takes to catch up after a Graph outage.

    python -m tests.bench.bench_outbox [--items 1000] [--updates 1] [--latency 0.05]
        [--state sqlite|azure] [--budget 2250]

Not a test (pytest does not collect it). Everything runs in this process on 127.0.0.1: a
`FakeGraph` (tests.support.fake_graph) with the lists provisioned, and the SharePoint store
(the real msgraph-sdk client, the production retry policy) with its journal in SQLite or,
with --state azure, on an Azurite this script starts (tests.support.azurite).

1. With no added latency, --items requests are raised and written to SharePoint.
   (Each raise is one create; they go in $batch envelopes of 20, as in production.)
2. Graph goes down (503 on every request); each request gets --updates triage changes,
   as triage goes on in Teams during the outage. The writer tries once and gives up.
3. Graph comes back with --latency seconds added to every HTTP request, and the writer
   runs until the outbox is empty, with a fresh budget of --budget units a minute (the
   outage lasted longer than a minute). Timed: the catch-up, from the first call to empty.
   Past the budget (more than 1,125 writes with the default) the writer waits for it.

Prints the catch-up time, queued writes a second, the Graph HTTP calls and the requests
inside $batch envelopes, the resource units spent (2 a write or query, as SharePoint
counts them) and the most spent in any 60 s. Then checks that every item holds the
journal's latest state, exactly once. Exits 1 only if the benchmark broke.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

from bot.azure_state.budget import SharedBudget
from bot.backends import open_sharepoint, open_sharepoint_on_azure
from bot.clock import Clock
from bot.domain.model import Status
from graph_clients.budget import WRITER_UNITS_PER_MINUTE, ResourceBudget, WriteBudget
from graph_clients.client import RetryPolicy
from graph_clients.store import SharePointStore
from tests.bench.common import check_ranges, print_header
from tests.integration.test_store_contract import NOW, new_request, triaged
from tests.support.clock import SettableClock
from tests.support.fake_graph import FakeGraph, Recorded
from tests.support.graph import connect, provisioned

REQUESTS = "DFD Requests"
TARGET_WRITES_PER_SECOND = 18.0  # the figure: 2,500 units a minute, 2 a write
UNITS = 2  # SharePoint's resource units for a list item write or a multi-item query
MAX_ROUNDS = 200  # write_pending calls at most, while catching up


@contextlib.asynccontextmanager
async def opened_store(
    state: str, data: Path, clock: Clock, fake: FakeGraph
) -> AsyncIterator[SharePointStore]:
    graph = connect(fake, RetryPolicy())
    if state == "sqlite":
        store = await open_sharepoint(data / "digital-front-door.sqlite3", clock, graph)
        try:
            yield store
        finally:
            await store.close()
        return
    from bot.azure_state.account import AzureState
    from bot.azure_state.settings import StateSettings
    from tests.support.azurite import new_prefix, start

    azurite = await asyncio.to_thread(start)
    try:
        settings = StateSettings(
            kind="azure", connection_string=azurite.connection_string, prefix=new_prefix()
        )
        store = await open_sharepoint_on_azure(AzureState(settings), clock, graph)
        try:
            yield store
        finally:
            await store.close()  # closes the AzureState too
    finally:
        azurite.stop()


def units_in_busiest_minute(records: list[Recorded]) -> int:
    """The most resource units spent in any 60 s, each Graph operation counted once."""
    times = sorted(r.at for r in records if r.batch or not r.path.endswith("/$batch"))
    most, start = 0, 0
    for end, at in enumerate(times):
        while times[start] <= at - 60:
            start += 1
        most = max(most, end - start + 1)
    return most * UNITS


def fresh_budget(store: SharePointStore, per_minute: int, name: str) -> WriteBudget:
    """A budget nothing has been spent from: with --state azure, the one every instance
    shares on Azure Storage (as the store has it), under a name of its own."""
    if isinstance(store.budget, SharedBudget):
        return SharedBudget(store.budget.table, per_minute, name=name)
    return ResourceBudget(per_minute)


async def drain(store: SharePointStore) -> int:
    written = 0
    for _ in range(MAX_ROUNDS):
        written += await store.write_pending()
        if await store.pending_writes() == 0:
            return written
    raise RuntimeError(f"{await store.pending_writes()} writes still owed after {MAX_ROUNDS}")


async def run(args: argparse.Namespace) -> int:
    fake = FakeGraph()
    await fake.start()
    await (await provisioned(fake)).close()
    data = Path(tempfile.mkdtemp(prefix="dfd-outbox-"))
    clock = SettableClock(NOW)
    try:
        async with opened_store(args.state, data, clock, fake) as store:
            store.budget = fresh_budget(store, args.budget, "bench-setup")
            started = time.monotonic()
            references = [
                (await store.add(new_request(f"u{n}"))).reference for n in range(args.items)
            ]
            await drain(store)
            print(
                f"setup: {args.items} requests raised and written in "
                f"{time.monotonic() - started:.1f} s",
                flush=True,
            )

            fake.faults.unavailable = True
            fake.faults.retry_after_on_503 = False
            latest = {}
            for reference in references:
                current = await store.journal.get(reference)
                assert current is not None
                for step in range(args.updates):
                    status = Status.IN_TRIAGE if step < args.updates - 1 else Status.WITH_BOARD
                    current = await store.update(triaged(current, status, f"t{step}"))
                latest[reference] = current
            await store.write_pending()  # Graph is down: nothing is written
            queued = await store.pending_writes()

            fake.faults.unavailable = False
            fake.faults.latency = args.latency
            # The outage lasted minutes: what the setup spent has left the budget's window.
            store.budget = fresh_budget(store, args.budget, "bench-catch-up")
            since = time.monotonic()
            written = await drain(store)
            took = time.monotonic() - since
            records = fake.graph_requests(since)
    finally:
        await fake.stop()

    http_calls = [r for r in records if not r.batch]
    envelopes = [r for r in http_calls if r.path.endswith("/$batch")]
    inside = [r for r in records if r.batch]
    operations = len(inside) + len(http_calls) - len(envelopes)
    items = fake.list_items(REQUESTS)
    wrong = [
        str(i["Reference"])
        for i in items
        if (i["Status"], i.get("AssigneeId"))
        != (
            latest[str(i["Reference"])].status.value,
            latest[str(i["Reference"])].assignee_id,
        )
    ]
    rate = queued / took if took else float("inf")
    busiest = units_in_busiest_minute(records)
    print(f"latency:            {args.latency * 1000:.0f} ms on every Graph HTTP request")
    print(f"queued writes:      {queued} ({args.items} requests x {args.updates} change(s))")
    print(f"written (counted):  {written}")
    print(f"catch-up:           {took:.2f} s")
    print(f"writes a second:    {rate:.1f} (target at least {TARGET_WRITES_PER_SECOND:.0f})")
    print(f"Graph HTTP calls:   {len(http_calls)} ({len(envelopes)} $batch envelopes)")
    print(f"requests in $batch: {len(inside)}")
    print(f"Graph operations:   {operations} ({operations * UNITS} resource units)")
    print(f"busiest minute:     {busiest} units (writer's budget {args.budget}, tenant 2,500)")
    print(f"throttled (429):    {sum(r.status == 429 for r in records)}")
    print(f"items in the list:  {len(items)}, {len(set(i['Reference'] for i in items))} unique")
    print(f"latest state:       {'all' if not wrong else f'{len(wrong)} WRONG'}")
    ok = not wrong and len(items) == args.items and busiest <= args.budget
    print(f"verdict:            {'PASS' if ok and rate >= TARGET_WRITES_PER_SECOND else 'FAIL'}")
    return 0 if not wrong and len(items) == args.items else 1


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--items", type=int, default=1000, help="requests, each changed")
    parser.add_argument("--updates", type=int, default=1, help="changes to each request")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per HTTP request")
    parser.add_argument("--state", choices=("sqlite", "azure"), default="sqlite")
    parser.add_argument(
        "--budget", type=int, default=WRITER_UNITS_PER_MINUTE, help="writer's units a minute"
    )
    args = parser.parse_args(argv)
    check_ranges(
        parser,
        args,
        [("items", 1, 5000), ("updates", 1, 10), ("latency", 0.0, 5.0), ("budget", 10, 100_000)],
    )
    store = "SharePoint (local Graph-like server), journal in " + (
        "SQLite" if args.state == "sqlite" else "Azure Storage (Azurite)"
    )
    print_header("tests.bench.bench_outbox", argv, store)
    sys.exit(asyncio.run(run(args)))


if __name__ == "__main__":
    main()
