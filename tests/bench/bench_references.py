"""Benchmark: reference numbers handed out by several processes at once on Azure Storage.

    python -m tests.bench.bench_references [--per-process 500] [--processes 2] [--at-once 4]

Not a test (pytest does not collect it). Starts an Azurite (tests.support.azurite) on
127.0.0.1, then --processes bot-like processes, each adding --per-process requests through
AzureJournal.add (the reference counter, the request's rows and the SharePoint write it owes
in one transaction), --at-once in flight in each. The same race as
tests/integration/test_references_two_processes.py, bigger.

Prints the allocations a second, the failures, and whether every reference is unique and
the numbers run 1..N with no gap. Exits 1 if any reference was given twice.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from tests.bench.common import check_ranges, print_header
from tests.integration.test_references_two_processes import race
from tests.support.azurite import new_prefix
from tests.support.azurite import start as start_azurite


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-process", type=int, default=500)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--at-once", type=int, default=4)
    args = parser.parse_args(argv)
    check_ranges(
        parser, args, [("per_process", 1, 20_000), ("processes", 1, 8), ("at_once", 1, 64)]
    )
    print_header("tests.bench.bench_references", argv, "azure (Azurite)")
    azurite = start_azurite()
    try:
        result = asyncio.run(
            race(
                azurite.connection_string,
                new_prefix(),
                per_process=args.per_process,
                at_once=args.at_once,
                processes=args.processes,
            )
        )
    finally:
        azurite.stop()
    references = result.references
    numbers = sorted(int(ref.rsplit("-", 1)[1]) for ref in references)
    unique = len(set(references)) == len(references)
    gaps = (numbers[-1] - len(numbers)) if numbers else 0
    print(f"processes:    {args.processes}, {args.at_once} adds at once in each")
    print(f"allocated:    {len(references)} in {result.seconds:.1f} s")
    print(f"per second:   {result.per_second:.1f}")
    print(f"failures:     {result.failures}")
    print(f"unique:       {'yes' if unique else 'NO'}")
    print(f"gaps:         {gaps} (numbers 1..{numbers[-1] if numbers else 0})")
    return 0 if unique else 1


if __name__ == "__main__":
    sys.exit(main())
