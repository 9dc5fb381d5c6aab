"""The benefits report's summary card: expected against realised, where each request is
(asked or not), the biggest themes, the filters (board, theme, year) and the page link."""

from __future__ import annotations

from typing import Any

import microsoft_teams.cards as ac

from bot.domain.benefits import (
    STAGE_LABELS,
    Filters,
    Report,
    Stage,
    Totals,
    realised_share,
    year_label,
)
from bot.domain.model import THEME_LABELS, Theme
from cards.elements import button, card, facts, heading, para, to_dict

REPORT_VERB = "benefits.report"  # data: the filters chosen, never who asks
BOARD, THEME, YEAR = "board", "theme", "year"
EVERY = "all"  # a filter's "every …" choice (a choice's value may not be empty)


def _share(total: Totals, measure: str) -> str:
    share = realised_share(total, measure)
    return "" if share is None else f" ({share}% of expected)"


def _figures(total: Totals) -> list[tuple[str, str]]:
    expected, realised = total.expected_answered, total.realised
    return [
        ("Delivered requests", f"{total.requests:,}"),
        (STAGE_LABELS[Stage.NOT_YET_ASKED], f"{total.not_yet_asked:,}"),
        (STAGE_LABELS[Stage.ASKED], f"{total.asked:,}"),
        (STAGE_LABELS[Stage.ANSWERED], f"{total.answered:,}"),
        (
            "Cash saving a year",
            f"£{realised.cash:,} realised against £{expected.cash:,} expected"
            + _share(total, "cash"),
        ),
        (
            "Staff hours saved a year",
            f"{realised.hours:,} realised against {expected.hours:,} expected"
            + _share(total, "hours"),
        ),
        (
            "Residents affected",
            f"{realised.residents:,} realised against {expected.residents:,} expected",
        ),
    ]


def _choices(
    key: str, label: str, options: list[tuple[str, str]], chosen: str
) -> ac.ChoiceSetInput:
    every = {BOARD: "Every board", THEME: "Every theme", YEAR: "Every year"}[key]
    known = {value for _, value in options}
    return ac.ChoiceSetInput(
        id=key,
        label=label,
        choices=[ac.Choice(title=every, value=EVERY)]
        + [ac.Choice(title=title, value=value) for title, value in options],
        value=chosen if chosen in known else EVERY,
        style="compact",
        is_required=True,
        error_message=f"Choose one, or {every}.",
    )


def summary_card(
    report: Report,
    scope: str,
    as_at_day: str,
    board_names: dict[str, str],
    years: list[int],
    page_url: str,
    link_days: int,
) -> dict[str, Any]:
    """`scope` is the filters in words; `years` the financial years with deliveries."""
    total = report.total
    chosen: Filters = report.filters
    body: list[ac.CardElement] = [
        heading("Benefits realised"),
        para(f"Showing: {scope}. Figures as at {as_at_day}."),
        facts(_figures(total)),
        para(
            "Expected and realised are compared only for the requests that have answered. "
            "Each request counts once, with its latest answer: the 12-month answer "
            "replaces the 3-month one.",
            subtle=True,
        ),
    ]
    if not total.requests:
        body.append(para("No delivered requests match. Choose other filters below."))
    body += [
        heading("Choose what to show", "Medium"),
        _choices(BOARD, "Board", sorted((n, k) for k, n in board_names.items()), chosen.board),
        _choices(
            THEME,
            "Theme",
            [(THEME_LABELS[t], t.value) for t in Theme],
            chosen.theme.value if chosen.theme else EVERY,
        ),
        _choices(
            YEAR,
            "Financial year of delivery",
            [(year_label(y), str(y)) for y in years],
            str(chosen.year) if chosen.year is not None else EVERY,
        ),
        para(
            "The page has every figure by theme, board and year, a chart and each request. "
            f"Anyone with this link can open it for {link_days} days. Do not forward it.",
            subtle=True,
        ),
    ]
    actions: list[ac.Action] = [
        button("Show", REPORT_VERB, primary=True, validate=True),
        ac.OpenUrlAction(title="Open the printable page", url=page_url),
    ]
    return to_dict(card(body, actions, fallback="The benefits report is ready."))
