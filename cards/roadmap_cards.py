"""The quarterly roadmap review's summary card: the quarter's headline figures, the top
requests by score, each stage against its target, benefits, and links to the pack."""

from __future__ import annotations

from typing import Any

import microsoft_teams.cards as ac

from bot.domain.deadlines import STAGE_LABELS, Stage
from bot.domain.model import THEME_LABELS
from bot.domain.roadmap_review import Review, StageFigures
from cards.elements import button, card, facts, heading, para, to_dict, user_text

REVIEW_VERB = "roadmap.review"  # data: {"quarter": "2026-q2"}, which quarter (never who)
QUARTER_KEY = "quarter"
TOP_COUNT = 5


def _days(value: float | None) -> str:
    return "none finished" if value is None else f"{value:g} working days"


def _top(review: Review, horizon_words: dict[str, str]) -> list[ac.CardElement]:
    top = review.top(TOP_COUNT)
    if not top:
        return [para("No requests are waiting for a decision.")]
    found: list[ac.CardElement] = []
    for n, point in enumerate(top, start=1):
        found.append(user_text(f"{n}. {point.reference}: {point.title}", "Bolder", 120))
        found.append(
            para(
                f"Score {point.score}. Theme: {THEME_LABELS[point.theme]}. "
                f"Roadmap: {horizon_words.get(point.horizon, 'not placed yet')}.",
                subtle=True,
            )
        )
    return found


def _target(review: Review, figures: StageFigures) -> str:
    days = f"{figures.target_days} working days"
    if figures.stage is not Stage.BOARD:
        return f"the target of {days}"
    if review.meeting_boards:
        return f"the target: the next meeting, or {days} for a board without meetings"
    return f"the target of {days} (no board has its meetings set)"


def _stages(review: Review) -> list[tuple[str, str]]:
    return [
        (
            STAGE_LABELS[s.stage],
            f"{s.met:,} of {s.finished:,} met {_target(review, s)}. "
            f"Middle time {_days(s.median_days)}.",
        )
        for s in review.stages
    ]


def summary_card(
    review: Review,
    as_at_day: str,
    pack_url: str,
    pdf_url: str,
    link_days: int,
    horizon_words: dict[str, str],
) -> dict[str, Any]:
    """`as_at_day` is the day the figures are as at, in words."""
    moved = review.throughput
    benefits = review.benefits
    so_far = "" if review.complete else " The quarter has not ended yet: these are figures so far."
    body: list[ac.CardElement] = [
        heading("Quarterly roadmap review"),
        para(f"{review.quarter.label}. Figures as at {as_at_day}.{so_far}"),
        facts(
            [
                ("Requests counted", f"{review.counted:,}"),
                ("Raised", f"{moved.raised:,}"),
                ("Left IT triage", f"{moved.left_triage:,}"),
                ("Board decisions", f"{moved.decisions:,}"),
                ("Delivered", f"{moved.delivered:,}"),
            ]
        ),
        heading("Top scores still waiting for a decision", "Medium"),
        *_top(review, horizon_words),
        heading("Time in each stage", "Medium"),
        facts(_stages(review)),
        heading("Benefits", "Medium"),
        para(
            f"Approved requests expect to save £{benefits.expected_cash:,} and "
            f"{benefits.expected_hours:,} staff hours a year."
        ),
        para(
            "No benefits have been recorded yet."
            if not benefits.recorded_requests
            else f"Recorded so far: £{benefits.recorded_cash:,} and "
            f"{benefits.recorded_hours:,} staff hours a year, from "
            f"{benefits.recorded_requests:,} requests."
        ),
        para(
            "The pack has every figure, the value against effort chart and tables. "
            f"You can share its link with the board. It works for {link_days:,} days.",
            subtle=True,
        ),
    ]
    previous = review.quarter.previous()
    actions: list[ac.Action] = [
        ac.OpenUrlAction(title="Open the pack", url=pack_url),
        ac.OpenUrlAction(title="Download the PDF", url=pdf_url),
        button(f"See {previous.short}", REVIEW_VERB, {QUARTER_KEY: previous.key}),
    ]
    return to_dict(
        card(body, actions, fallback=f"The roadmap review for {review.quarter.short} is ready.")
    )
