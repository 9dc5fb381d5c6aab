"""Benchmark: the quarterly roadmap review pack for a large portfolio.

    python -m tests.bench.bench_roadmap [--requests 5000] [--runs 3] [--seed 13]

Not a test (pytest does not collect it). Makes --requests requests raised over 18 months
before the end of Quarter 3 of 2026 to 2027, each walked through a realistic life: IT
triage (some asked a question), then rejected, joined or withdrawn, or on to a board,
where some wait, some are deferred, asked, sent on, rejected or approved (and some of
those delivered). Board decisions are made for each. Then, per run, times each step the
pack's link does: `build_review`, the charts (PNG), the HTML page and the PDF, and the
total. Target: the total under 10 seconds for 5,000 requests.

Prints each step's time per run, the best and the median. Exits 0 whether or not the
target is met; 1 only if the benchmark broke.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import random
import statistics
import sys
import time

from bot.domain.boards import BoardSetup, Cadence, Decision, DecisionKind, Repeat
from bot.domain.deadlines import StageTargets
from bot.domain.model import (
    AuditEntry,
    Budget,
    DigitalRequest,
    Driver,
    Horizon,
    RequestDetails,
    Requester,
    RequestKind,
    Route,
    Score,
    Status,
    Theme,
)
from bot.domain.roadmap_review import Quarter, build_review
from bot.domain.working_time import WorkingTime
from bot.journeys.boards import roadmap_page
from tests.bench.common import check_ranges, print_header

QUARTER = Quarter(2026, 3)
NOW = dt.datetime(2027, 1, 12, 9, tzinfo=dt.UTC)
TARGET_SECONDS = 10.0
BOARDS = {
    "ddc": "Digital, Data and Customer Board",
    "trb": "Technical Review Board",
    "ictig": "ICT Improvement Group",
}
# Two boards with meetings (measured against them), one without (working days).
SETUPS = {
    "ddc": BoardSetup("ddc", cadence=Cadence(dt.date(2025, 1, 2), dt.time(14), Repeat.WEEKLY)),
    "trb": BoardSetup("trb", cadence=Cadence(dt.date(2025, 1, 6), dt.time(10), Repeat.MONTHLY)),
    "ictig": BoardSetup("ictig"),
}


def _details(rng: random.Random, n: int) -> RequestDetails:
    return RequestDetails(
        title=f"Request {n}: {rng.choice(['Repairs', 'Payments', 'Case notes', 'Bookings'])}",
        problem="Spreadsheets and email.",
        affected_staff=rng.choice([None, 5, 20, 80, 400]),
        affected_residents=rng.choice([None, None, 100, 5000, 60000]),
        affected_businesses=rng.choice([None, None, 10, 300]),
        directorate="Place",
        kind=rng.choice(list(RequestKind)),
        involves_procurement=rng.random() < 0.3,
        supplier="",
        contract_end=None,
        personal_data=rng.random() < 0.4,
        existing_systems="",
        user_research="",
        sponsor="Sam Head",
        budget=rng.choice(list(Budget)),
        needed_by=None,
        statutory_deadline=None,
        cash_saving_per_year=rng.choice([None, 1000, 25000, 120000]),
        hours_saved_per_year=rng.choice([None, 50, 800]),
        resident_impact="",
        drivers=tuple(rng.sample(list(Driver), rng.randint(0, 3))),
    )


def _life(rng: random.Random, submitted: dt.datetime) -> tuple[list[AuditEntry], list[str]]:
    """A plausible history, and the decisions (kinds) a board made on the way."""
    entries: list[AuditEntry] = []
    kinds: list[str] = []
    at = submitted
    status = Status.SUBMITTED

    def move(action: str, new: Status, days: float) -> bool:
        nonlocal at, status
        at = at + dt.timedelta(days=days)
        if at >= NOW:
            return False
        entries.append(AuditEntry(at, "it", "Ivy Tee", action, status, new))
        status = new
        return True

    if not move("assign", Status.IN_TRIAGE, rng.uniform(0.1, 3)):
        return entries, kinds
    if rng.random() < 0.25:
        if not move("ask_info", Status.AWAITING_INFORMATION, rng.uniform(0.5, 4)):
            return entries, kinds
        if not move("answer_info", Status.IN_TRIAGE, rng.uniform(1, 15)):
            return entries, kinds
    roll = rng.random()
    if roll < 0.15:
        move(
            rng.choice(["reject", "link_duplicate", "withdraw"]),
            rng.choice([Status.REJECTED, Status.DUPLICATE, Status.WITHDRAWN]),
            rng.uniform(1, 9),
        )
        return entries, kinds
    if not move("accept", Status.WITH_BOARD, rng.uniform(1, 9)):
        return entries, kinds
    roll = rng.random()
    if roll < 0.25:
        return entries, kinds  # still waiting
    for kind, action, new in (
        (0.1, "defer", Status.WITH_BOARD),
        (0.1, "send_to_board", Status.WITH_BOARD),
        (0.1, "board_ask_info", Status.AWAITING_INFORMATION),
    ):
        if rng.random() < kind:
            if not move(action, new, rng.uniform(5, 40)):
                return entries, kinds
            kinds.append(action)
            asked = new is Status.AWAITING_INFORMATION
            if asked and not move("answer_info", Status.WITH_BOARD, rng.uniform(1, 15)):
                return entries, kinds
    if rng.random() < 0.2:
        if move("board_reject", Status.REJECTED, rng.uniform(5, 40)):
            kinds.append("board_reject")
        return entries, kinds
    if not move("approve", rng.choice([Status.IN_CHANGE, Status.IN_PROJECT]), rng.uniform(5, 40)):
        return entries, kinds
    kinds.append("approve")
    if rng.random() < 0.4:
        move("deliver", Status.DELIVERED, rng.uniform(30, 200))
    return entries, kinds


_KIND = {
    "defer": DecisionKind.DEFER,
    "send_to_board": DecisionKind.SEND_TO_BOARD,
    "board_ask_info": DecisionKind.ASK_INFO,
    "board_reject": DecisionKind.REJECT,
    "approve": DecisionKind.APPROVE,
}


def portfolio(count: int, seed: int) -> tuple[list[DigitalRequest], list[Decision]]:
    rng = random.Random(seed)
    first = NOW - dt.timedelta(days=540)
    requests: list[DigitalRequest] = []
    decisions: list[Decision] = []
    for n in range(1, count + 1):
        submitted = first + dt.timedelta(seconds=rng.uniform(0, 530 * 86400))
        history, kinds = _life(rng, submitted)
        approved = "approve" in kinds
        request = DigitalRequest(
            reference=f"DR-{submitted.year}-{n:04d}",
            details=_details(rng, n),
            requester=Requester(f"p{n}", f"Person {n}", f"p{n}"),
            score=Score(rng.randint(5, 98), "2026.1", ()),
            route=Route(rng.choice(list(BOARDS)), "project", "Why.", "rule"),
            status=history[-1].to_status if history else Status.SUBMITTED,
            submitted_at=submitted,
            item_id=str(n),
            history=tuple(history),
            theme=rng.choice(list(Theme)).value if approved else "",
            horizon=rng.choice(list(Horizon)).value if approved else "",
        )
        requests.append(request)
        board_entries = [e for e in history if e.action in _KIND]
        for entry in board_entries:
            decisions.append(
                Decision(
                    f"{request.reference}:{history.index(entry) + 1}",
                    request.reference,
                    request.route.board,
                    _KIND[entry.action],
                    "m1",
                    "Member One",
                    entry.at,
                    "Why.",
                )
            )
    decisions.sort(key=lambda d: d.at)
    return requests, [dataclasses.replace(d, seq=i) for i, d in enumerate(decisions, 1)]


def one_run(requests: list[DigitalRequest], decisions: list[Decision]) -> dict[str, float]:
    calendar = WorkingTime()
    times: dict[str, float] = {}
    started = time.perf_counter()
    review = build_review(requests, decisions, QUARTER, NOW, calendar, StageTargets(), [], SETUPS)
    times["build_review"] = time.perf_counter() - started
    view = roadmap_page.PackView(review, BOARDS, NOW, "Bench", calendar.zone)
    mark = time.perf_counter()
    drawn = roadmap_page.charts(review)
    times["charts"] = time.perf_counter() - mark
    mark = time.perf_counter()
    page = roadmap_page.render_html(view, drawn)
    times["html"] = time.perf_counter() - mark
    mark = time.perf_counter()
    pdf = roadmap_page.render_pdf(view, drawn)
    times["pdf"] = time.perf_counter() - mark
    times["total"] = time.perf_counter() - started
    times["_counted"] = review.counted
    times["_html_kb"] = len(page) / 1024
    times["_pdf_kb"] = len(pdf) / 1024
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args(argv)
    check_ranges(parser, args, [("requests", 1, 100_000), ("runs", 1, 50)])
    print_header("tests.bench.bench_roadmap", argv, "none (pure: the pack's own work)")
    made = time.perf_counter()
    requests, decisions = portfolio(args.requests, args.seed)
    print(
        f"made {len(requests):,} requests and {len(decisions):,} decisions "
        f"in {time.perf_counter() - made:.1f} s",
        flush=True,
    )
    runs = []
    steps = ("build_review", "charts", "html", "pdf", "total")
    for n in range(1, args.runs + 1):
        found = one_run(requests, decisions)
        runs.append(found)
        print(
            f"run {n}: "
            + "  ".join(f"{s} {found[s]:.2f} s" for s in steps)
            + f"  (counted {int(found['_counted']):,}, HTML {found['_html_kb']:.0f} KB, "
            f"PDF {found['_pdf_kb']:.0f} KB)",
            flush=True,
        )
    for step in steps:
        values = [r[step] for r in runs]
        print(f"{step:>13}: best {min(values):.2f} s, median {statistics.median(values):.2f} s")
    best = min(r["total"] for r in runs)
    verdict = "PASS" if best < TARGET_SECONDS else "FAIL"
    print(f"target: total under {TARGET_SECONDS:.0f} s for {args.requests:,} requests: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
