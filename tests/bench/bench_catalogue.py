"""Benchmark: catalogue search at 2,000 entries (target p95 under 20 ms).

    python -m tests.bench.bench_catalogue [--entries 2000] [--queries 2000] [--seed 7]

Not a test (pytest does not collect it). Builds a catalogue of the sample entries plus
generated ones in the same style (a kind of system a council has, a made-up product
name and supplier, a few of that kind's capabilities, a description), with a fixed
random seed so every run builds the same catalogue. Then it runs the query set from
tests/unit/catalogue_queries.py and --queries more generated queries (some about a
generated entry's capabilities, some loosely worded, some about nothing in the
catalogue), timing each `CatalogueIndex.search` call (limit 5, as the journey asks),
and checks how often the query set finds its expected entry first (top-1) and in the
first three (top-3), at this size and on the sample alone.

Prints the index build time, p50/p95/p99/max search time in ms, and the hit rates.
Exits 0 whether or not targets are met; 1 only if the benchmark broke.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import random
import sys
import time

from bot.domain.catalogue_search import CatalogueIndex
from bot.domain.procurement import CatalogueEntry
from bot.journeys.procurement.sample_catalogue import SAMPLE
from tests.bench.common import check_ranges, print_header
from tests.unit.catalogue_queries import QUERIES, UNRELATED, hit

TARGET_P95_MS = 20.0
TODAY = dt.date(2026, 11, 25)

# Kinds of system a council has: what they do, and a line about them.
KINDS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    (
        "case management",
        (
            "case management",
            "case notes",
            "assessments",
            "referrals",
            "document uploads",
            "workflow",
            "caseload reports",
        ),
        "Keeps case records for the {team} team, from referral to closure.",
    ),
    (
        "payments",
        (
            "online payments",
            "card payments",
            "refunds",
            "income reconciliation",
            "direct debits",
            "payment links",
        ),
        "Takes payments for {team} and reconciles them with the ledger.",
    ),
    (
        "bookings",
        ("room bookings", "appointments", "reminders", "calendar sync", "online booking"),
        "Lets residents and staff book {team} appointments and spaces.",
    ),
    (
        "inspections",
        (
            "inspections",
            "mobile working",
            "offline forms",
            "photos",
            "risk scoring",
            "scheduling",
        ),
        "Used by {team} officers to plan and record inspections on site.",
    ),
    (
        "reporting",
        ("dashboards", "reporting", "data extracts", "performance indicators", "charts"),
        "Reports and dashboards on {team} performance for managers.",
    ),
    (
        "documents",
        ("document management", "scanning", "retention", "version control", "templates"),
        "Stores and routes {team} documents and letters.",
    ),
    (
        "contact",
        ("customer contact", "enquiries", "web chat", "call recording", "email handling"),
        "Handles enquiries from residents to the {team} team.",
    ),
    (
        "assets",
        ("asset register", "maintenance schedules", "fault reporting", "work orders"),
        "Keeps the register of {team} assets and the work done on them.",
    ),
    (
        "permits",
        ("permits", "licences", "applications", "renewals", "fees"),
        "Processes {team} permits and licence applications.",
    ),
    (
        "scheduling",
        ("rota planning", "shift scheduling", "timesheets", "staff availability"),
        "Plans rotas and shifts for {team} staff.",
    ),
)
TEAMS = (
    "housing",
    "adult social care",
    "children's services",
    "planning",
    "licensing",
    "environmental health",
    "highways",
    "parks",
    "leisure",
    "libraries",
    "waste",
    "trading standards",
    "revenues",
    "benefits",
    "customer services",
    "finance",
    "HR",
    "legal",
    "elections",
    "registrars",
    "youth services",
    "education",
    "public health",
    "regeneration",
)
FIRST = (
    "Civ",
    "Nor",
    "Axi",
    "Lum",
    "Ver",
    "Pro",
    "Sol",
    "Qua",
    "Tri",
    "Hal",
    "Zen",
    "Mer",
    "Kel",
    "Ori",
    "Dax",
)
LAST = ("ica", "gate", "on", "ara", "ex", "ium", "aro", "is", "wave", "point", "line", "ly")
SUPPLIERS = (
    "Northbridge Software",
    "Civic Systems",
    "Meridian Digital",
    "Greyfield Technology",
    "Harbour Data",
    "Kestrel Solutions",
    "Oakway Services",
    "Bluestone IT",
)
LOOSE = (
    "we need something for {capability}",
    "{team} want a system for {capability}",
    "{capability} for the {team} team",
    "our {kind} contract for {team} ends next year",
    "is there anything already for {capability} and {other}",
)


def generated(count: int, rng: random.Random) -> list[CatalogueEntry]:
    entries = []
    for number in range(count):
        kind, capabilities, line = rng.choice(KINDS)
        team = rng.choice(TEAMS)
        name = f"{rng.choice(FIRST)}{rng.choice(LAST)} {kind.title()} {number}"
        entries.append(
            CatalogueEntry(
                id=f"gen-{number:05d}",
                name=name,
                supplier=rng.choice(SUPPLIERS),
                owner_name="Generated owner",
                owner_id=f"00000000-0000-0000-0001-{number:012d}",
                capabilities=tuple(rng.sample(capabilities, rng.randint(3, len(capabilities)))),
                description=line.format(team=team) + f" Used by the {team} team.",
                users=rng.randint(5, 900),
                contract_end=TODAY + dt.timedelta(days=rng.randint(-200, 1500)),
                licences=rng.randint(5, 1000),
                directorate=team.title(),
            )
        )
    return entries


def more_queries(count: int, rng: random.Random) -> list[str]:
    queries = []
    for _ in range(count):
        if rng.random() < 0.1:
            queries.append(rng.choice(UNRELATED))
            continue
        kind, capabilities, _ = rng.choice(KINDS)
        capability, other = rng.sample(capabilities, 2)
        queries.append(
            rng.choice(LOOSE).format(
                capability=capability, other=other, kind=kind, team=rng.choice(TEAMS)
            )
        )
    return queries


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def hit_rates(index: CatalogueIndex) -> tuple[float, float, list[str]]:
    top1 = top3 = 0
    missed = []
    for text, want, also in QUERIES:
        found = [m.entry_id for m in index.search(text, 3)]
        top1 += hit(found, want, also, 1)
        top3 += hit(found, want, also, 3)
        if not hit(found, want, also, 1):
            place = "top-3" if hit(found, want, also, 3) else "missed"
            missed.append(f"  {place}: {text!r} -> {found}")
    return top1 / len(QUERIES), top3 / len(QUERIES), missed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.bench_catalogue")
    parser.add_argument("--entries", type=int, default=2000)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    check_ranges(parser, args, [("entries", len(SAMPLE), 100_000), ("queries", 0, 1_000_000)])
    print_header("tests.bench.bench_catalogue", argv, "in memory (pure domain)")
    rng = random.Random(args.seed)
    entries = [*SAMPLE, *generated(args.entries - len(SAMPLE), rng)]

    builds: list[float] = []
    for _ in range(5):
        started = time.perf_counter()
        index = CatalogueIndex(entries)
        builds.append((time.perf_counter() - started) * 1000)
    if len(index) != len(entries):
        print(f"FAIL: the index holds {len(index)} entries, not {len(entries)}")
        return 1

    queries = [text for text, _, _ in QUERIES] * 5 + more_queries(args.queries, rng)
    gc.collect()
    times: list[float] = []
    empty = 0
    for text in queries:
        started = time.perf_counter()
        matches = index.search(text, 5)
        times.append((time.perf_counter() - started) * 1000)
        empty += not matches

    top1, top3, missed = hit_rates(index)
    sample_top1, sample_top3, _ = hit_rates(CatalogueIndex(SAMPLE))
    p95 = pct(times, 0.95)
    print(
        f"entries: {len(index)} ({len(SAMPLE)} sample); built in "
        f"{min(builds):.0f} ms (best of 5), {max(builds):.0f} ms (worst)"
    )
    print(
        f"search:  n={len(times)} p50={pct(times, 0.5):.2f} ms p95={p95:.2f} ms "
        f"p99={pct(times, 0.99):.2f} ms max={max(times):.2f} ms "
        f"[{'PASS' if p95 < TARGET_P95_MS else 'FAIL'} p95 < {TARGET_P95_MS:g} ms]"
    )
    print(f"         {empty} of {len(queries)} queries found nothing")
    print(
        f"quality: {len(QUERIES)} queries at {len(index)} entries: top-1 {top1:.0%}, "
        f"top-3 {top3:.0%}; sample alone ({len(SAMPLE)}): top-1 {sample_top1:.0%}, "
        f"top-3 {sample_top3:.0%}"
    )
    for line in missed:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
