"""The quarterly roadmap review pack as a document: HTML that prints well on A4, and the
same content as a PDF (fpdf2). Every chart is an image with alt text AND a table.

Pure functions of a `PackView`, except that drawing the charts and the PDF is CPU work:
the route calls `charts` and `render_pdf` through asyncio.to_thread.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import html
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.domain.benefits import Report as BenefitsReport
from bot.domain.benefits import Totals
from bot.domain.boards import DECISION_LABELS
from bot.domain.cells import safe_cell
from bot.domain.deadlines import STAGE_LABELS, Stage
from bot.domain.model import (
    BUDGET_LABELS,
    HORIZON_LABELS,
    THEME_LABELS,
    Budget,
    Horizon,
    Theme,
)
from bot.domain.roadmap_review import EFFORT_ORDER, NOT_PLACED, Review, StageFigures
from bot.domain.text import long_date
from bot.domain.triage import status_for_it
from bot.journeys.boards import roadmap_charts

TOP_LISTED = 20  # requests listed under the value against effort chart
QUICK_WIN_SCORE = 60
CHEAP = (Budget.NONE, Budget.UNDER_10K)


@dataclass(frozen=True)
class PackView:
    review: Review
    board_names: dict[str, str]
    made_at: dt.datetime
    made_by: str
    zone: dt.tzinfo
    # Benefits realised after delivery (bot.domain.benefits), when any are recorded.
    realised: BenefitsReport | None = None


@dataclass(frozen=True)
class Table:
    """One table of the pack: what the HTML and the PDF both show."""

    caption: str
    head: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Chart:
    name: str  # for the file name
    alt: str
    png: bytes


def horizon_label(key: str) -> str:
    return HORIZON_LABELS[Horizon(key)] if key != NOT_PLACED else "Not placed yet"


def board_label(view: PackView, key: str) -> str:
    return view.board_names.get(key, key) if key else "No board"


def _days(value: float | None) -> str:
    if value is None:
        return "None finished"
    return f"{value:g} working {'day' if value == 1 else 'days'}"


def _local(view: PackView, at: dt.datetime) -> dt.date:
    return at.astimezone(view.zone).date()


def quick_wins(review: Review) -> int:
    return sum(1 for p in review.points if p.score >= QUICK_WIN_SCORE and p.effort in CHEAP)


# ---- The words and tables ---------------------------------------------------------


def scope_words(view: PackView) -> str:
    review = view.review
    day = long_date(_local(view, review.as_at - dt.timedelta(seconds=1)))
    when = f"at the end of {day}" if review.complete else f"when this pack was made ({day})"
    return (
        f"This pack counts every request that was still open {when}, and every request "
        f"that changed during the quarter: {review.counted:,} requests in all."
    )


def summary_table(view: PackView) -> Table:
    review = view.review
    moved = review.throughput
    benefits = review.benefits
    rows = (
        ("Requests counted", f"{review.counted:,}"),
        ("Raised in the quarter", f"{moved.raised:,}"),
        ("Board decisions in the quarter", f"{moved.decisions:,}"),
        ("Delivered in the quarter", f"{moved.delivered:,}"),
        ("Expected savings of approved requests", f"£{benefits.expected_cash:,} a year"),
    )
    return Table("The quarter at a glance", ("What", "Number"), rows)


def theme_table(review: Review) -> Table:
    rows = tuple((THEME_LABELS[t], f"{n:,}") for t, n in review.by_theme.items())
    return Table("Requests by theme", ("Theme", "Requests"), rows)


def horizon_table(review: Review) -> Table:
    rows = tuple((horizon_label(k), f"{n:,}") for k, n in review.by_horizon.items())
    return Table("Requests by roadmap horizon", ("Horizon", "Requests"), rows)


def status_table(review: Review) -> Table:
    rows = tuple((status_for_it(s), f"{n:,}") for s, n in review.by_status.items())
    return Table("Requests by status", ("Status", "Requests"), rows)


def board_table(view: PackView) -> Table:
    rows = tuple(
        (safe_cell(board_label(view, k)), f"{n:,}") for k, n in view.review.by_board.items()
    )
    return Table("Requests by board", ("Board", "Requests"), rows)


def throughput_table(review: Review) -> Table:
    moved = review.throughput
    rows = [
        ("Raised", f"{moved.raised:,}"),
        ("Left IT triage", f"{moved.left_triage:,}"),
        *((f"Board decision: {DECISION_LABELS[k]}", f"{n:,}") for k, n in moved.decided.items()),
        ("Delivered", f"{moved.delivered:,}"),
    ]
    return Table("What moved in the quarter", ("What happened", "Times"), tuple(rows))


def _target(review: Review, figures: StageFigures) -> str:
    if figures.stage is Stage.BOARD and review.meeting_boards:
        return f"The next meeting ({_days(figures.target_days)} without meetings)"
    return _days(figures.target_days)


def stage_table(review: Review) -> Table:
    rows = tuple(
        (
            STAGE_LABELS[s.stage],
            _target(review, s),
            f"{s.finished:,}",
            _days(s.median_days),
            _days(s.slowest_days),
            f"{s.met:,} of {s.finished:,}",
            f"{s.waiting:,} ({s.waiting_over:,} past the target)",
        )
        for s in review.stages
    )
    head = (
        "Stage",
        "Target",
        "Finished in the quarter",
        "Middle time (median)",
        "Slowest (90th percentile)",
        "Met the target",
        "Still waiting at the end",
    )
    return Table("Time in each stage, in working days", head, rows)


def benefits_table(review: Review) -> Table:
    b = review.benefits
    rows = (
        ("Cash savings a year", f"£{b.expected_cash:,}", f"£{b.recorded_cash:,}"),
        ("Staff hours saved a year", f"{b.expected_hours:,}", f"{b.recorded_hours:,}"),
        ("Requests", f"{b.approved:,} approved", f"{b.recorded_requests:,} with benefits recorded"),
    )
    return Table("Benefits expected against recorded", ("Benefit", "Expected", "Recorded"), rows)


def benefits_words(review: Review) -> str:
    b = review.benefits
    if not b.recorded_requests:
        return "No benefits have been recorded yet."
    return (
        f"Benefits have been recorded for {b.recorded_requests:,} of the {b.approved:,} "
        "approved requests."
    )


def realised_table(caption: str, first: str, groups: Sequence[tuple[str, Totals]]) -> Table:
    """Delivered requests by group: how many answered, and for those answered, what was
    expected against what was realised. Each request is in one group only."""
    rows = tuple(
        (
            name,
            f"{t.requests:,}",
            f"{t.answered:,}",
            f"£{t.expected_answered.cash:,}",
            f"£{t.realised.cash:,}",
            f"{t.expected_answered.hours:,}",
            f"{t.realised.hours:,}",
        )
        for name, t in groups
    )
    head = (
        first,
        "Delivered",
        "Answered",
        "Expected £ a year",
        "Realised £ a year",
        "Expected staff hours a year",
        "Realised staff hours a year",
    )
    return Table(caption, head, rows)


def realised_items(view: PackView) -> list[str | Table]:
    """The pack's words and table on benefits realised, when any answer is recorded."""
    report = view.realised
    if report is None or not report.total.answered:
        return []
    total = report.total
    return [
        f"{total.answered:,} of {total.requests:,} delivered requests have said what they "
        "brought. For those, expected and realised are side by side below. Each request "
        "counts once, with its latest answer (12 months replaces 3 months).",
        realised_table(
            "Benefits realised after delivery, by theme",
            "Theme",
            [(THEME_LABELS[theme], t) for theme, t in report.by_theme.items()],
        ),
    ]


def value_effort_table(review: Review) -> Table:
    """The chart's figures by cost band and theme: how many, the middle score, people."""
    rows = []
    for effort in (*EFFORT_ORDER, Budget.UNKNOWN):
        for theme, label in THEME_LABELS.items():
            mine = [p for p in review.points if p.effort is effort and p.theme is theme]
            if not mine:
                continue
            scores = sorted(p.score for p in mine)
            rows.append(
                (
                    BUDGET_LABELS[effort],
                    label,
                    f"{len(mine):,}",
                    f"{scores[len(scores) // 2]}",
                    f"{max(scores)}",
                    f"{sum(p.people for p in mine):,}",
                )
            )
    head = ("Estimated cost", "Theme", "Requests", "Middle score", "Highest score", "People")
    return Table("Value against effort, by cost and theme", head, tuple(rows))


def top_table(review: Review, count: int) -> Table:
    rows = tuple(
        (
            p.reference,
            safe_cell(p.title),
            str(p.score),
            BUDGET_LABELS[p.effort],
            f"{p.people:,}",
            THEME_LABELS[p.theme],
            horizon_label(p.horizon),
        )
        for p in review.top(count)
    )
    head = ("Reference", "Request", "Score", "Estimated cost", "People", "Theme", "Horizon")
    return Table(f"The {count} highest-scoring requests waiting for a decision", head, rows)


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def board_target_words(view: PackView) -> str:
    """How a board's decision time is measured, naming the boards with meetings."""
    review = view.review
    board = next(s for s in review.stages if s.stage is Stage.BOARD)
    days = f"{board.target_days} working days (the DEADLINE_BOARD_DAYS setting)"
    meeting = sorted(board_label(view, key) for key in review.meeting_boards)
    if not meeting:
        return (
            f"No board has its meetings set, so a board's target is {days} from the request "
            "reaching its list."
        )
    return (
        "A board with meetings set should decide at its next meeting: the first one whose "
        "agenda goes out after the request reaches its list. Its reminders use the same "
        f"deadline. Boards measured this way: {_listed(meeting)}. Any other board has {days}."
    )


def stage_notes(view: PackView) -> list[str]:
    return [
        "Times are in working days: Monday to Friday, less bank holidays in England.",
        "A stay in a stage counts in the quarter it finished. The middle time is the median. "
        "The slowest time is the 90th percentile: 9 in 10 stays were quicker.",
        board_target_words(view) + " Time a request was deferred is not counted.",
    ]


# ---- Charts -----------------------------------------------------------------------


def _most(themes: dict[Theme, int]) -> str:
    most = max(themes.values(), default=0)
    if not most:
        return "There are no requests."
    names = [THEME_LABELS[t] for t, n in themes.items() if n == most]
    if len(names) == 1:
        return f"The most are in {names[0]}."
    return "The most are in " + ", ".join(names[:-1]) + f" and {names[-1]}, with {most:,} each."


def charts(review: Review) -> list[Chart]:
    """Every chart of the pack, drawn. CPU work: call through asyncio.to_thread."""
    themes = review.by_theme
    horizons = review.by_horizon
    points = review.points
    wins = quick_wins(review)
    return [
        Chart(
            "value-effort",
            f"Value against effort chart of {len(points):,} requests. Each shape is one "
            "request: higher up means a higher priority score, further right means a higher "
            "estimated cost, and a bigger shape means more people affected. Colour and shape "
            f"show the theme. {wins:,} requests score {QUICK_WIN_SCORE} or more and cost under "
            "£10,000. The table after the chart gives the same figures.",
            roadmap_charts.value_effort_chart(points),
        ),
        Chart(
            "themes",
            "Bar chart of requests by theme. "
            + ", ".join(f"{THEME_LABELS[t]}: {n:,}" for t, n in themes.items())
            + f". {_most(themes)}",
            roadmap_charts.bar_chart(
                "Requests by theme",
                [THEME_LABELS[t] for t in themes],
                list(themes.values()),
                "Requests",
            ),
        ),
        Chart(
            "horizons",
            "Bar chart of requests by roadmap horizon. "
            + ", ".join(f"{horizon_label(k)}: {n:,}" for k, n in horizons.items())
            + ".",
            roadmap_charts.bar_chart(
                "Requests by roadmap horizon",
                [horizon_label(k) for k in horizons],
                list(horizons.values()),
                "Requests",
            ),
        ),
    ]


# ---- HTML -------------------------------------------------------------------------


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _html_table(table: Table) -> str:
    head = "".join(f'<th scope="col">{_e(cell)}</th>' for cell in table.head)
    body = "".join(
        f'<tr><th scope="row">{_e(row[0])}</th>'
        + "".join(f"<td>{_e(cell)}</td>" for cell in row[1:])
        + "</tr>"
        for row in table.rows
    )
    if not table.rows:
        body = f'<tr><td colspan="{len(table.head)}">None</td></tr>'
    return (
        f"<table><caption>{_e(table.caption)}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def _img(chart: Chart) -> str:
    data = base64.b64encode(chart.png).decode("ascii")
    return (
        f'<figure><img src="data:image/png;base64,{data}" alt="{_e(chart.alt)}" '
        f'width="{roadmap_charts.WIDTH}"></figure>'
    )


def sections(view: PackView) -> list[tuple[str, list[str | Table]]]:
    """The pack's sections in order: a heading, then paragraphs and tables. Chart
    places are marked "chart:<name>"."""
    review = view.review
    return [
        ("The quarter at a glance", [scope_words(view), summary_table(view)]),
        ("Requests by theme", ["chart:themes", theme_table(review)]),
        (
            "Requests on the roadmap: now, next and later",
            [
                "A board places a request on the roadmap when it approves it.",
                "chart:horizons",
                horizon_table(review),
            ],
        ),
        ("Requests by status", [status_table(review)]),
        ("Requests by board", [board_table(view)]),
        ("What moved in the quarter", [throughput_table(review)]),
        ("Time in each stage against its target", [*stage_notes(view), stage_table(review)]),
        (
            "Benefits expected against recorded",
            [
                "Expected benefits are what the requesters of approved requests said they "
                "would save.",
                benefits_words(review),
                benefits_table(review),
                *realised_items(view),
            ],
        ),
        (
            "Value against effort",
            [
                "Value is the priority score. Effort is the estimated cost from the budget "
                "answer. Requests whose cost is not known yet are shown apart, on the right.",
                "chart:value-effort",
                value_effort_table(review),
                top_table(review, TOP_LISTED),
            ],
        ),
    ]


_STYLE = """
body { font-family: Arial, Helvetica, sans-serif; font-size: 12pt; line-height: 1.4;
  color: #0b0c0c; margin: 2rem auto; max-width: 52rem; padding: 0 1rem; }
h1 { font-size: 1.8rem; margin: 0 0 0.5rem; }
h2 { font-size: 1.35rem; margin: 2rem 0 0.5rem; border-top: 2px solid #0b0c0c;
  padding-top: 0.5rem; }
table { border-collapse: collapse; width: 100%; margin: 0.5rem 0 1rem; }
caption { text-align: left; font-weight: bold; padding: 0.25rem 0; }
th, td { text-align: left; vertical-align: top; border-bottom: 1px solid #b1b4b6;
  padding: 0.4rem 0.5rem 0.4rem 0; overflow-wrap: anywhere; }
figure { margin: 1rem 0; }
img { max-width: 100%; height: auto; }
@page { size: A4; margin: 15mm; }
@media print {
  body { margin: 0; max-width: none; padding: 0; font-size: 10pt; }
  h2, caption { break-after: avoid; page-break-after: avoid; }
  tr, figure { break-inside: avoid; page-break-inside: avoid; }
}
"""


def title_of(view: PackView) -> str:
    return f"Quarterly roadmap review: {view.review.quarter.label}"


def render_html(view: PackView, drawn: Sequence[Chart]) -> str:
    intro = (
        f"For the Digital, Data and Customer Board. Made on "
        f"{long_date(_local(view, view.made_at))} by {view.made_by or 'the bot'}."
    )
    warning = "" if view.review.complete else "The quarter has not ended yet: figures so far."
    return document_html(title_of(view), intro, warning, sections(view), drawn)


def document_html(
    title: str,
    intro: str,
    warning: str,
    parts_in_order: Sequence[tuple[str, Sequence[str | Table]]],
    drawn: Sequence[Chart],
) -> str:
    """A printable page (A4): a title, a line about it, a warning in bold if any, then
    sections of paragraphs, tables and charts ("chart:<name>"). Other journeys' reports
    use it too, so every printable page reads the same."""
    by_name = {chart.name: chart for chart in drawn}
    parts = [f"<h1>{_e(title)}</h1>", f"<p>{_e(intro)}</p>"]
    if warning:
        parts.append(f"<p><strong>{_e(warning)}</strong></p>")
    for heading, items in parts_in_order:
        parts.append(f"<h2>{_e(heading)}</h2>")
        for item in items:
            if isinstance(item, Table):
                parts.append(_html_table(item))
            elif item.startswith("chart:"):
                parts.append(_img(by_name[item.removeprefix("chart:")]))
            else:
                parts.append(f"<p>{_e(item)}</p>")
    return (
        '<!DOCTYPE html>\n<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="robots" content="noindex">\n'
        f"<title>{_e(title)}</title>\n<style>{_STYLE}</style>\n</head>\n"
        "<body>\n<main>\n" + "\n".join(parts) + "\n</main>\n</body>\n</html>\n"
    )


NOT_FOUND_PAGE = (
    '<!DOCTYPE html>\n<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
    "<title>Page not found</title>\n</head>\n<body>\n<main>\n<h1>Page not found</h1>\n"
    "<p>This link to a quarterly roadmap review pack is not right, or it has expired.</p>\n"
    "<p>To get a new link, a member of the Digital, Data and Customer Board types roadmap "
    "review in the Digital Front Door bot in Teams.</p>\n</main>\n</body>\n</html>\n"
)


# ---- PDF --------------------------------------------------------------------------


@functools.cache
def _font_path() -> Path:
    """DejaVu Sans, which matplotlib ships: a font with far more than Latin-1 in it."""
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"


@functools.cache
def _glyphs() -> frozenset[int]:
    from fontTools.ttLib import TTFont

    with TTFont(str(_font_path()), lazy=True) as font:
        return frozenset(font.getBestCmap())


def _printable(text: str) -> str:
    """Characters the font lacks (emoji, say) become "?" rather than empty boxes."""
    have = _glyphs()
    return "".join(c if ord(c) in have or c in "\n" else "?" for c in text)


def _lines(pdf: Any, height: float, text: str) -> None:
    """A paragraph across the page, then on to the next line at the left margin."""
    pdf.multi_cell(0, height, _printable(text), new_x="LMARGIN", new_y="NEXT")


def render_pdf(view: PackView, drawn: Sequence[Chart]) -> bytes:
    """The same pack as a PDF on A4. CPU work: call through asyncio.to_thread."""
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    by_name = {chart.name: chart for chart in drawn}
    pdf = FPDF(format="A4")
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(True, margin=15)
    pdf.set_title(title_of(view))
    pdf.set_lang("en-GB")
    pdf.set_creator("Digital Front Door")
    pdf.add_font("DejaVu", "", str(_font_path()))
    pdf.add_font("DejaVu", "B", str(_font_path().with_name("DejaVuSans-Bold.ttf")))
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 18)
    _lines(pdf, 9, title_of(view))
    pdf.set_font("DejaVu", "", 10)
    _lines(
        pdf,
        6,
        "For the Digital, Data and Customer Board. Made on "
        f"{long_date(_local(view, view.made_at))} by {view.made_by or 'the bot'}.",
    )
    if not view.review.complete:
        pdf.set_font("DejaVu", "B", 10)
        _lines(pdf, 6, "The quarter has not ended yet: figures so far.")
    heading_style = FontFace(emphasis="BOLD", fill_color=(243, 242, 241))
    for heading, items in sections(view):
        pdf.ln(4)
        pdf.start_section(heading)
        pdf.set_font("DejaVu", "B", 14)
        _lines(pdf, 8, heading)
        pdf.set_font("DejaVu", "", 9)
        for item in items:
            if isinstance(item, Table):
                pdf.set_font("DejaVu", "B", 10)
                _lines(pdf, 6, item.caption)
                pdf.set_font("DejaVu", "", 8)
                with pdf.table(headings_style=heading_style, line_height=5) as table:
                    table.row([_printable(cell) for cell in item.head])
                    for row in item.rows or (("None", *("" for _ in item.head[1:])),):
                        table.row([_printable(cell) for cell in row])
                pdf.set_font("DejaVu", "", 9)
                pdf.ln(2)
            elif item.startswith("chart:"):
                chart = by_name[item.removeprefix("chart:")]
                pdf.image(io.BytesIO(chart.png), w=pdf.epw, alt_text=_printable(chart.alt))
            else:
                _lines(pdf, 5, item)
                pdf.ln(1)
    return bytes(pdf.output())
