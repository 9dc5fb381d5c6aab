"""Benchmark: answer search at 5,000 knowledge entries (target p95 under 20 ms).

    python -m tests.bench.bench_search [--entries 5000] [--queries 1000] [--seed 11]

Not a test (pytest does not collect it). Builds a knowledge base of the seeded answers
plus generated ones in the same style (a council system, a task, a team, a few steps,
tags), with a fixed random seed so every run builds the same entries. Then it runs the
question set from tests/unit/search_questions.py and --queries more generated questions
(some about generated entries, some loosely worded, some about nothing in the base),
timing each `KnowledgeIndex.search` call, and checks how often the question set finds
its expected answer first (top-1) and in the first three (top-3), at this size and with
the seeds alone. Also times adding, replacing and removing one entry.

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

from bot.domain.communities import KnowledgeEntry
from bot.domain.knowledge_search import KnowledgeIndex, build_index
from bot.journeys.communities.seed import seed_communities, seed_entries
from tests.bench.common import check_ranges, print_header
from tests.unit.search_questions import QUESTIONS, UNRELATED

TODAY = dt.date(2026, 11, 25)
TARGET_P95_MS = 20.0

SYSTEMS = (
    "Outlook",
    "Teams",
    "OneDrive",
    "SharePoint",
    "Excel",
    "Word",
    "PowerPoint",
    "Power BI",
    "Power Automate",
    "Power Apps",
    "Forms",
    "Planner",
    "the HR portal",
    "the payroll system",
    "the housing management system",
    "the revenues system",
    "the planning portal",
    "the customer relationship system",
    "the intranet",
    "the booking system",
    "the GIS maps",
    "the case management system",
    "the finance system",
    "the expenses app",
    "the complaints system",
    "the waste rounds app",
    "the library catalogue",
    "the parking permits system",
    "the council tax portal",
    "the social care record",
    "the training platform",
    "the print room portal",
    "the visitor sign-in screen",
    "the phone system",
    "the building access system",
    "the fleet booking tool",
)
TASKS = (
    ("export", "a report to a spreadsheet"),
    ("change", "who owns a record"),
    ("archive", "old records"),
    ("print", "address labels"),
    ("add", "a new column"),
    ("share", "a saved view with my team"),
    ("reset", "my filters"),
    ("find", "a case someone else closed"),
    ("merge", "duplicate contacts"),
    ("attach", "a scanned letter"),
    ("set up", "a reminder for a deadline"),
    ("bulk upload", "a list of addresses"),
    ("undo", "a change I made by mistake"),
    ("give", "a temporary worker access"),
    ("remove", "a leaver's access"),
    ("book", "a meeting room with a screen"),
    ("copy", "a template for a new project"),
    ("track", "response times for enquiries"),
    ("send", "a letter to many residents"),
    ("search", "by postcode"),
    ("sort", "records by due date"),
    ("lock", "a finished document"),
    ("rename", "a shared folder"),
    ("move", "files between sites"),
    ("check", "who last changed a record"),
    ("schedule", "a report every Monday"),
    ("turn off", "email alerts"),
    ("join", "a training session"),
    ("request", "a new user account"),
    ("fix", "a broken link"),
    ("translate", "a letter into another language"),
    ("redact", "personal details"),
    ("record", "a phone call outcome"),
    ("scan", "a document to email"),
    ("restore", "a deleted view"),
    ("report", "a fault with equipment"),
)
TEAMS = (
    "Housing",
    "Revenues and benefits",
    "Planning",
    "Waste and recycling",
    "Parks",
    "Libraries",
    "Adult social care",
    "Children's services",
    "Licensing",
    "Environmental health",
    "Highways",
    "Customer services",
    "Finance",
    "HR",
    "Legal",
    "Democratic services",
    "Building control",
    "Trading standards",
    "Leisure",
    "Elections",
)
STEPS = (
    "Open {system} and choose the menu at the top right.",
    "Pick {object} from the list and check the details are right.",
    "If the option is greyed out, ask your line manager to confirm you need it.",
    "The {team} team keeps a short guide on its SharePoint site.",
    "Changes show within a few minutes; sign out and back in if they do not.",
    "For anything with personal data, check with information governance first.",
    "Raise an IT request if you see an error message, and include a screenshot.",
    "A digital champion can walk you through it in a short call.",
)
LOOSE = (
    "{verb} {object} {system}",
    "how do I {verb} {object} in {system}",
    "is there a way to {verb} {object}",
    "{team} team needs to {verb} {object}",
    "can't {verb} {object} in {system} any more",
)


def generated(count: int, rng: random.Random) -> list[KnowledgeEntry]:
    communities = [c.id for c in seed_communities()]
    added = dt.datetime.combine(TODAY, dt.time(9), dt.UTC)
    entries = []
    for number in range(count):
        system = rng.choice(SYSTEMS)
        verb, thing = rng.choice(TASKS)
        team = rng.choice(TEAMS)
        steps = rng.sample(STEPS, rng.randint(2, 4))
        answer = " ".join(s.format(system=system, object=thing, team=team) for s in steps)
        entries.append(
            KnowledgeEntry(
                id=f"gen-{number:05d}",
                question=f"How do I {verb} {thing} in {system}? ({team})",
                answer=answer,
                community_id=rng.choice(communities),
                tags=(system.removeprefix("the ").lower(), verb, team.lower()),
                answered_by="Digital champions",
                added_at=added,
                review_on=TODAY + dt.timedelta(days=365),
                helped_count=rng.choice((0, 0, 0, 1, 2, 5)),
            )
        )
    return entries


def more_queries(count: int, rng: random.Random) -> list[str]:
    queries = []
    for _ in range(count):
        if rng.random() < 0.1:
            queries.append(rng.choice(UNRELATED))
            continue
        verb, thing = rng.choice(TASKS)
        queries.append(
            rng.choice(LOOSE).format(
                verb=verb, object=thing, system=rng.choice(SYSTEMS), team=rng.choice(TEAMS)
            )
        )
    return queries


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def hit_rates(index: KnowledgeIndex) -> tuple[float, float, list[str]]:
    top1 = top3 = 0
    missed = []
    for text, want in QUESTIONS:
        found = [m.entry_id for m in index.search(text, limit=3)]
        top1 += found[:1] == [want]
        top3 += want in found
        if found[:1] != [want]:
            missed.append(f"  {'top-3' if want in found else 'missed'}: {text!r} -> {found}")
    return top1 / len(QUESTIONS), top3 / len(QUESTIONS), missed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.bench_search")
    parser.add_argument("--entries", type=int, default=5000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    check_ranges(parser, args, [("entries", 50, 200_000), ("queries", 0, 1_000_000)])
    print_header("tests.bench.bench_search", argv, "in memory (pure domain)")
    rng = random.Random(args.seed)
    seeds = seed_entries(TODAY)
    entries = seeds + generated(args.entries - len(seeds), rng)

    started = time.perf_counter()
    index = build_index(entries)
    build_ms = (time.perf_counter() - started) * 1000
    if len(index) != len(entries):
        print(f"FAIL: the index holds {len(index)} entries, not {len(entries)}")
        return 1

    queries = [text for text, _ in QUESTIONS] + more_queries(args.queries, rng)
    gc.collect()
    times: list[float] = []
    empty = 0
    for text in queries:
        started = time.perf_counter()
        matches = index.search(text, limit=3)
        times.append((time.perf_counter() - started) * 1000)
        empty += not matches

    # After a change the next search works out the length factors again: time that too.
    changes: list[float] = []
    after_change: list[float] = []
    for entry in rng.sample(entries, 200):
        started = time.perf_counter()
        index.remove(entry.id)
        index.add(entry)
        changes.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        index.search(rng.choice(QUESTIONS)[0], limit=3)
        after_change.append((time.perf_counter() - started) * 1000)

    top1, top3, missed = hit_rates(index)
    seed_top1, seed_top3, _ = hit_rates(build_index(seeds))
    p95 = pct(times, 0.95)
    print(f"entries: {len(index)} ({len(seeds)} seeded); built in {build_ms:.0f} ms")
    print(
        f"search:  n={len(times)} p50={pct(times, 0.5):.2f} ms p95={p95:.2f} ms "
        f"p99={pct(times, 0.99):.2f} ms max={max(times):.2f} ms "
        f"[{'PASS' if p95 < TARGET_P95_MS else 'FAIL'} p95 < {TARGET_P95_MS:g} ms]"
    )
    print(f"         {empty} of {len(queries)} queries found nothing")
    print(
        f"change:  remove + add one entry p50={pct(changes, 0.5):.2f} ms "
        f"p95={pct(changes, 0.95):.2f} ms; the first search after it "
        f"p50={pct(after_change, 0.5):.2f} ms p95={pct(after_change, 0.95):.2f} ms"
    )
    print(
        f"quality: {len(QUESTIONS)} questions at {len(index)} entries: "
        f"top-1 {top1:.0%}, top-3 {top3:.0%}; seeds alone: top-1 {seed_top1:.0%}, "
        f"top-3 {seed_top3:.0%}"
    )
    for line in missed:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
