"""Two bot processes hand out references at once from one Azure Storage account (Azurite):
every request stored once, no reference twice, and numbers 1..N with a gap only where an
allocation failed.

Each process is this module run as a program (`python -m`), adding requests through
AzureJournal.add as fast as it can, a few at a time. tests/bench/bench_references.py runs
the same race bigger and prints allocations per second.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bot.azure_state.account import AzureState
from bot.azure_state.journal import AzureJournal
from bot.azure_state.references import ReferenceCounter
from bot.azure_state.settings import StateSettings
from bot.domain.references import parse_reference
from bot.ports import RequestQuery
from tests.integration.test_store_contract import NOW, new_request
from tests.support.azurite import Azurite, new_prefix
from tests.support.clock import SettableClock

ROOT = Path(__file__).resolve().parents[2]
PER_PROCESS = 100  # 2 x 500 in tests/bench/bench_references.py
AT_ONCE = 4  # adds in flight in each process


@dataclass(frozen=True)
class Race:
    references: list[str]  # every reference handed out, from both processes
    failures: int  # adds that raised (their number, if they had one, is a gap)
    seconds: float  # from "go" until the slower process finished

    @property
    def per_second(self) -> float:
        return len(self.references) / self.seconds if self.seconds else 0.0


async def race(
    connection_string: str,
    prefix: str,
    per_process: int = PER_PROCESS,
    at_once: int = AT_ONCE,
    processes: int = 2,
) -> Race:
    """Start the processes, let each open its journal, then say "go" to all at once."""
    env = {
        **os.environ,
        "AZURE_STORAGE_CONNECTION_STRING": connection_string,
        "STATE_PREFIX": prefix,
        "RACE_COUNT": str(per_process),
        "RACE_AT_ONCE": str(at_once),
    }
    started = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.integration.test_references_two_processes",
            cwd=ROOT,
            env=env,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        for _ in range(processes)
    ]
    try:
        for process in started:
            assert process.stdout is not None
            ready = await asyncio.wait_for(process.stdout.readline(), timeout=60)
            assert ready.strip() == b"ready", ready
        go = time.monotonic()
        for process in started:
            assert process.stdin is not None
            process.stdin.write(b"go\n")
            await process.stdin.drain()
        outputs = await asyncio.wait_for(
            asyncio.gather(*(process.communicate() for process in started)), timeout=300
        )
        seconds = time.monotonic() - go
    finally:
        for process in started:
            if process.returncode is None:
                process.kill()
                await process.wait()
    results = [json.loads(out.strip().splitlines()[-1]) for out, _ in outputs]
    assert all(process.returncode == 0 for process in started)
    return Race(
        references=[ref for result in results for ref in result["references"]],
        failures=sum(result["failures"] for result in results),
        seconds=seconds,
    )


async def test_two_processes_allocating_at_once_never_share_a_reference(
    azurite: Azurite,
) -> None:
    prefix = new_prefix()
    result = await race(azurite.connection_string, prefix)
    print(
        f"\n{len(result.references)} references from 2 processes in {result.seconds:.1f} s: "
        f"{result.per_second:.0f} a second, {result.failures} failed"
    )
    assert result.failures == 0
    assert len(result.references) == 2 * PER_PROCESS
    assert len(set(result.references)) == len(result.references), "a reference given twice"
    numbers = sorted(_number(ref) for ref in result.references)
    assert numbers == list(range(1, len(numbers) + 1)), "no gaps when nothing failed"

    account = AzureState(
        StateSettings(kind="azure", connection_string=azurite.connection_string, prefix=prefix)
    )
    journal = AzureJournal(account, SettableClock(NOW))
    try:
        await journal.open()
        stored = await journal.query(RequestQuery(), after=0, limit=5 * PER_PROCESS)
        assert sorted(r.reference for r in stored) == sorted(result.references)
        assert await journal.unwritten_references() == set(result.references), (
            "each request stored with the SharePoint write it owes"
        )
        counter = ReferenceCounter(await account.table("references"))
        assert await counter.last(NOW.year) == len(numbers)
    finally:
        await journal.close()
        await account.close()


async def test_adds_waiting_together_in_one_instance_share_one_write_of_the_counter(
    azure_state: AzureState,
) -> None:
    counter = ReferenceCounter(await azure_state.table("references"))
    assert await counter.next_number(NOW.year, count=5) == 1
    assert await counter.next_number(NOW.year) == 6
    journal = AzureJournal(azure_state, SettableClock(NOW))
    await journal.open()
    try:
        made = await asyncio.gather(*(journal.add(new_request(f"u{n}")) for n in range(12)))
    finally:
        await journal.close()
    assert sorted(_number(r.reference) for r in made) == list(range(7, 19))
    assert await counter.last(NOW.year) == 18


async def test_a_counter_behind_the_journal_never_hands_out_a_number_twice(
    azure_state: AzureState,
) -> None:
    """The counter's row lost or restored from a backup: the journal's own rows stop a
    second request taking a reference, and the counter catches up with them."""
    journal = AzureJournal(azure_state, SettableClock(NOW))
    await journal.open()
    try:
        made = [await journal.add(new_request(f"u{n}")) for n in range(8)]
        counters = await azure_state.table("references")
        await counters.upsert_entity(
            {"PartitionKey": "reference-counter", "RowKey": str(NOW.year), "Last": 1}
        )
        after = await journal.add(new_request("u9"))
        assert [_number(r.reference) for r in [*made, after]] == list(range(1, 10))
        assert await ReferenceCounter(counters).last(NOW.year) == 9
        assert (await journal.get(made[1].reference)) == made[1], "the first keeps its number"
    finally:
        await journal.close()


def _number(reference: str) -> int:
    parsed = parse_reference(reference)
    assert parsed is not None and parsed[0] == NOW.year
    return parsed[1]


# The program each process runs ------------------------------------------------------------


async def _add_many() -> None:
    count, at_once = int(os.environ["RACE_COUNT"]), int(os.environ["RACE_AT_ONCE"])
    account = AzureState(
        StateSettings(
            kind="azure",
            connection_string=os.environ["AZURE_STORAGE_CONNECTION_STRING"],
            prefix=os.environ["STATE_PREFIX"],
        )
    )
    journal = AzureJournal(account, SettableClock(NOW))
    references: list[str] = []
    failures = 0
    try:
        await journal.open()
        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        left = iter(range(count))

        async def adder() -> None:
            nonlocal failures
            for n in left:
                try:
                    made = await journal.add(new_request(f"u{os.getpid()}-{n % 50}"))
                except Exception as error:
                    failures += 1
                    print(f"add failed: {error!r}", file=sys.stderr)
                else:
                    references.append(made.reference)

        await asyncio.gather(*(adder() for _ in range(at_once)))
    finally:
        await journal.close()
        await account.close()
    print(json.dumps({"references": references, "failures": failures}), flush=True)


if __name__ == "__main__":
    asyncio.run(_add_many())
