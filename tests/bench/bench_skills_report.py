"""Benchmark: the skills report for the whole council.

    python -m tests.bench.bench_skills_report [--staff 3600] [--baselines 3] [--runs 3]

Not a test (pytest does not collect it). Makes --staff people in 6 directorates, 48
service areas and the framework's 5 role families, each with a skills check in each of
--baselines baselines (one in ten with a second, later check, which replaces the first).
Then, per run, times what `skills report` and its printable page do: deciding what may be
shown in every baseline (the anonymity rule over every group, all baselines taken as
closed; the filter lists from the groups shown), the figures for everyone,
one directorate and the senior leaders, the card, the charts (PNG) and the HTML page, and
the total. Target: the total under 5 seconds for 3,600 staff and 3 baselines.

Prints each step's time per run, the best and the median. Exits 0 whether or not the
target is met; 1 only if the benchmark broke.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time

from bot.journeys.skills import report_cards, report_pack
from bot.journeys.skills.framework import seed_framework
from bot.journeys.skills.reports import (
    SENIOR_LEADER,
    Filters,
    build_report,
    by_baseline,
    known_values,
    scope_words,
)
from bot.ports import Record
from tests.bench.common import check_ranges, print_header

NOW = dt.datetime(2026, 11, 25, 10, tzinfo=dt.UTC)
TARGET_SECONDS = 5.0
K = 5
# Role families by share of staff: most are front line or office based.
FAMILIES = (
    ("front_line", 40),
    ("office_based", 35),
    ("manager", 15),
    ("specialist", 7),
    ("senior_leader", 3),
)


def make_checks(staff: int, baselines: int, seed: int) -> tuple[list[Record], list[str]]:
    rng = random.Random(seed)
    framework = seed_framework()
    areas = [area.key for area in framework.areas]
    names = [f"Baseline {n + 1}" for n in range(baselines)]
    keys, weights = zip(*FAMILIES, strict=True)
    people = []
    for n in range(staff):
        directorate = rng.randrange(6)
        people.append(
            (
                f"person-{n}",
                f"Directorate {directorate + 1}",
                f"Service area {directorate * 8 + rng.randrange(8) + 1}",
                rng.choices(keys, weights)[0],
            )
        )
    checks = []
    for b, name in enumerate(names):
        at = NOW - dt.timedelta(days=180 * (baselines - b))
        for person, directorate, service_area, family in people:
            for again in range(2 if rng.random() < 0.1 else 1):
                levels = {
                    area: min(4, rng.randint(1, 3) + (b if rng.random() < 0.3 else 0))
                    for area in areas
                }
                data = {
                    "baseline": name,
                    "role_family": family,
                    "directorate": directorate,
                    "service_area": service_area,
                    "levels": levels,
                    "framework_version": 1,
                }
                when = at + dt.timedelta(minutes=again)
                checks.append(
                    Record("skills_assessment", f"{name}:{person}:{again}", person, when, data)
                )
    return checks, names


def one_run(checks: list[Record], names: list[str]) -> dict[str, float]:
    framework = seed_framework()
    times: dict[str, float] = {}
    started = time.perf_counter()
    baselines = by_baseline(checks, names, K)
    times["anonymity rule, every baseline"] = time.perf_counter() - started
    known = known_values(framework, baselines)
    step = time.perf_counter()
    reports = []
    for filters, senior in (
        (Filters(), False),
        (Filters(directorate="Directorate 1"), False),
        (Filters(role_family=SENIOR_LEADER), True),
    ):
        scope = scope_words(filters, known)
        reports.append(build_report(framework, baselines, filters, scope, senior, K))
    times["figures (3 reports)"] = time.perf_counter() - step
    step = time.perf_counter()
    card = report_cards.report_card(reports[0], known, "https://dfd.example/skills/x", 24)
    times["card"] = time.perf_counter() - step
    step = time.perf_counter()
    drawn = report_pack.charts(reports[0])
    times["charts"] = time.perf_counter() - step
    step = time.perf_counter()
    page = report_pack.page(reports[0], NOW, dt.UTC, drawn)
    times["page"] = time.perf_counter() - step
    times["total"] = time.perf_counter() - started
    if not reports[0].shown or not card or len(drawn) != len(framework.areas):
        raise RuntimeError("The whole council's report should be shown, with every chart")
    if len(page) < 10_000:
        raise RuntimeError("The page is too short to hold its charts")
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--staff", type=int, default=3600)
    parser.add_argument("--baselines", type=int, default=3)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args(argv)
    check_ranges(parser, args, [("staff", 10, 100_000), ("baselines", 1, 10), ("runs", 1, 20)])
    print_header("tests.bench.bench_skills_report", argv, "none (pure functions over records)")
    checks, names = make_checks(args.staff, args.baselines, args.seed)
    print(f"staff: {args.staff:,}, baselines: {args.baselines}, skills checks: {len(checks):,}")
    runs = []
    for n in range(args.runs):
        times = one_run(checks, names)
        runs.append(times)
        print(f"run {n + 1}: " + ", ".join(f"{k} {v:.3f}s" for k, v in times.items()))
    totals = [r["total"] for r in runs]
    best, median = min(totals), statistics.median(totals)
    print(f"total: best {best:.3f}s, median {median:.3f}s (target under {TARGET_SECONDS:g}s)")
    print("target met" if median < TARGET_SECONDS else "TARGET MISSED")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as error:  # the benchmark itself broke
        print(f"The benchmark broke: {error}", file=sys.stderr)
        sys.exit(1)
