"""The benefits report as a printable page, with the boards' page helpers: the same look
as the quarterly roadmap pack. Every chart is an image with alt text AND a table.

Drawing the charts is CPU work: the route calls `charts` through asyncio.to_thread.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib.figure import Figure

from bot.domain.benefits import STAGE_LABELS, Report, Row, Totals, year_label
from bot.domain.cells import safe_cell
from bot.domain.model import THEME_LABELS, Theme
from bot.domain.text import long_date
from bot.journeys.boards import roadmap_charts
from bot.journeys.boards.roadmap_page import Chart, Table, document_html, realised_table

LISTED = 200  # requests listed on the page, newest delivery first
EXPECTED_COLOUR, REALISED_COLOUR = "#b1b4b6", roadmap_charts.BAR_COLOUR


@dataclass(frozen=True)
class ReportView:
    report: Report
    board_names: dict[str, str]
    made_at: dt.datetime
    made_by: str
    zone: dt.tzinfo
    scope: str  # the filters in words, like "Every board, every theme and every year"


def title_of(view: ReportView) -> str:
    return "Benefits realised against expected"


def _board(view: ReportView, key: str) -> str:
    return view.board_names.get(key, key) if key else "No board"


def _amounts(row: Row) -> tuple[str, str, str]:
    expected, realised = row.expected, row.realised
    if realised is None:
        return (f"£{expected.cash:,}", f"{expected.hours:,}", "Not answered yet")
    return (
        f"£{expected.cash:,} expected, £{realised.cash:,} realised",
        f"{expected.hours:,} expected, {realised.hours:,} realised",
        f"{expected.residents:,} expected, {realised.residents:,} realised",
    )


def requests_table(view: ReportView) -> Table:
    rows = []
    for row in view.report.rows[:LISTED]:
        cash, hours, residents = _amounts(row)
        delivered = (
            long_date(row.delivered_at.astimezone(view.zone).date())
            if row.delivered_at
            else "Not known"
        )
        answer = f" ({row.months} months after delivery)" if row.months else ""
        rows.append(
            (
                row.reference,
                safe_cell(row.title),
                delivered,
                STAGE_LABELS[row.stage] + answer,
                cash,
                hours,
                residents,
            )
        )
    head = (
        "Reference",
        "Request",
        "Delivered",
        "Answer",
        "Cash a year",
        "Staff hours a year",
        "Residents affected",
    )
    return Table(f"Delivered requests, newest first (up to {LISTED})", head, tuple(rows))


def stages_table(total: Totals) -> Table:
    rows = (
        (STAGE_LABELS[key], f"{n:,}")
        for key, n in zip(
            STAGE_LABELS, (total.not_yet_asked, total.asked, total.answered), strict=True
        )
    )
    return Table("Have they been asked?", ("Where it is", "Requests"), tuple(rows))


def summary_words(view: ReportView) -> list[str]:
    total = view.report.total
    return [
        f"Showing: {view.scope}. {total.requests:,} delivered requests.",
        "Expected benefits are what the requester said at intake. Realised benefits are "
        "what the requester or sponsor said after delivery, in the same units. Each request "
        "counts once, with its latest answer: the 12-month answer replaces the 3-month one, "
        "because both are a reading of the same saving a year.",
        "To compare like with like, expected and realised are set side by side only for the "
        "requests that have answered.",
    ]


def sections(view: ReportView) -> list[tuple[str, list[str | Table]]]:
    report = view.report
    return [
        ("Summary", [*summary_words(view), stages_table(report.total)]),
        (
            "By theme",
            [
                "chart:themes",
                realised_table(
                    "Benefits by theme",
                    "Theme",
                    [(THEME_LABELS[t], n) for t, n in report.by_theme.items()],
                ),
            ],
        ),
        (
            "By board",
            [
                realised_table(
                    "Benefits by board",
                    "Board",
                    [(safe_cell(_board(view, k)), n) for k, n in report.by_board.items()],
                )
            ],
        ),
        (
            "By year of delivery",
            [
                "Years are the council's financial years, April to March.",
                realised_table(
                    "Benefits by financial year of delivery",
                    "Year",
                    [(year_label(y), n) for y, n in report.by_year.items()],
                ),
            ],
        ),
        ("Each request", [requests_table(view)]),
    ]


def render_html(view: ReportView, drawn: Sequence[Chart]) -> str:
    intro = (
        "For the PMO and the Digital, Data and Customer Board. Made on "
        f"{long_date(view.made_at.astimezone(view.zone).date())} by {view.made_by or 'the bot'}."
    )
    return document_html(title_of(view), intro, "", sections(view), drawn)


# ---- The chart --------------------------------------------------------------------


def expected_realised_chart(
    labels: Sequence[str], expected: Sequence[int], realised: Sequence[int], unit: str
) -> bytes:
    """Pairs of bars, expected then realised, each written with its number. The two are
    told apart by their labels and a hatch pattern, not by colour alone."""
    figure = Figure(figsize=(roadmap_charts.WIDTH / 100, 4.5), dpi=100, layout="constrained")
    axes = figure.add_subplot()
    places = list(range(len(labels)))[::-1]
    high = 0.2
    for values, shift, colour, hatch, name in (
        (expected, high, EXPECTED_COLOUR, "//", "Expected"),
        (realised, -high, REALISED_COLOUR, "", "Realised"),
    ):
        spots = [p + shift for p in places]
        axes.barh(
            spots, values, height=0.38, color=colour, hatch=hatch, edgecolor="#0b0c0c", label=name
        )
        for spot, value in zip(spots, values, strict=True):
            axes.text(value, spot, f" {name}: {unit}{value:,}", va="center", fontsize=9)
    axes.set_yticks(places, list(labels))
    axes.set_xlim(0, max([*expected, *realised, 1]) * 1.45)
    axes.set_xlabel(f"{unit or 'Staff hours'} a year, for requests that have answered")
    axes.legend(loc="lower right", frameon=False)
    axes.spines[["top", "right"]].set_visible(False)
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=100, metadata={"Software": None})
    return out.getvalue()


def chart_alt(report: Report) -> str:
    parts = [
        f"{THEME_LABELS[theme]}: £{t.expected_answered.cash:,} expected, "
        f"£{t.realised.cash:,} realised"
        for theme, t in report.by_theme.items()
    ]
    return (
        "Bar chart of cash savings a year by theme, expected against realised, for the "
        "requests that have answered. " + "; ".join(parts) + ". The table after the chart "
        "gives the same figures, with staff hours."
    )


def charts(report: Report) -> list[Chart]:
    """CPU work: call through asyncio.to_thread."""
    themes: list[Theme] = list(report.by_theme)
    return [
        Chart(
            "themes",
            chart_alt(report),
            expected_realised_chart(
                [THEME_LABELS[t] for t in themes],
                [report.by_theme[t].expected_answered.cash for t in themes],
                [report.by_theme[t].realised.cash for t in themes],
                "£",
            ),
        )
    ]
