"""The printable skills report: the boards' page layout (A4, no scripts, every value
escaped), a chart for each area with the same figures in words and in a table.

Drawing the charts is CPU work: `render` draws them in a worker thread.
"""

from __future__ import annotations

import asyncio
import datetime as dt

from bot.domain.cells import safe_cell
from bot.domain.text import long_date
from bot.journeys.boards import roadmap_charts
from bot.journeys.boards.roadmap_page import Chart, Table, document_html
from bot.journeys.skills.report_cards import (
    HIDDEN,
    HOW_TO_CLOSE,
    change_words,
    not_shown,
    open_words,
    rule_words,
)
from bot.journeys.skills.reports import AreaFigure, SkillsReport

NOT_FOUND_PAGE = (
    '<!DOCTYPE html>\n<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
    "<title>Page not found</title>\n</head>\n<body>\n<main>\n<h1>Page not found</h1>\n"
    "<p>This link to a skills report is not right, or it has expired.</p>\n"
    "<p>To get a new link, type skills report in the Digital Front Door bot in Teams.</p>\n"
    "</main>\n</body>\n</html>\n"
)


def _share(value: int | None, k: int) -> str:
    return not_shown(k) if value is None else f"{value}%"


def people_table(report: SkillsReport) -> Table:
    rows = tuple(
        (safe_cell(name), not_shown(report.min_group) if n is None else f"{n:,}")
        for name, n in zip(report.baselines, report.people, strict=True)
    )
    return Table("People who took the skills check, by baseline", ("Baseline", "People"), rows)


def areas_table(report: SkillsReport) -> Table:
    head = ("Area", *(safe_cell(f"{name}: at or above target") for name in report.baselines))
    rows = tuple(
        (safe_cell(f.name), *(_share(s, report.min_group) for s in f.shares)) for f in report.areas
    )
    return Table("Share at or above target in each area, by baseline", head, rows)


def chart_words(figure: AreaFigure, report: SkillsReport) -> str:
    """What the area's chart shows, in words (its alt text, and a paragraph)."""
    said = [
        f"{name}: {_share(share, report.min_group).lower()}"
        for name, share in zip(report.baselines, figure.shares, strict=True)
    ]
    return (
        f"Bar chart of the share of people at or above target in {figure.name}, by baseline. "
        + "; ".join(said)
        + "."
        + change_words(figure)
    )


def _chart(figure: AreaFigure, report: SkillsReport) -> Chart:
    shown = [(n, s) for n, s in zip(report.baselines, figure.shares, strict=True) if s is not None]
    png = roadmap_charts.bar_chart(
        figure.name,
        [name for name, _ in shown],
        [share for _, share in shown],
        "Share at or above target (%)",
        height=120 + 60 * max(len(shown), 1),
    )
    return Chart(figure.key, chart_words(figure, report), png)


def charts(report: SkillsReport) -> list[Chart]:
    """A chart for each area the group is shown in. CPU work."""
    return [_chart(f, report) for f in report.areas if any(s is not None for s in f.shares)]


def sections(report: SkillsReport, drawn: list[Chart]) -> list[tuple[str, list[str | Table]]]:
    drawn_keys = {chart.name for chart in drawn}
    about: list[str | Table] = [
        safe_cell(report.scope + "."),
        "Each person counts once in each baseline, with their latest skills check in it. "
        "An area's share is of everyone in the group, so every share uses the same number "
        "of people.",
        f"Targets are each role family's target in the competency framework in use now "
        f"(version {report.framework_version}).",
        rule_words(report.min_group),
        *([open_words(report.open_baseline)] if report.open_baseline else []),
        people_table(report),
    ]
    found: list[tuple[str, list[str | Table]]] = [("Who this report is about", about)]
    if not report.baselines:
        found.append(("Areas", ["There are no figures to show yet.", HOW_TO_CLOSE]))
        return found
    if not report.shown:
        found.append(("Areas", [HIDDEN]))
        return found
    found.append(("Every area", [areas_table(report)]))
    for figure in report.areas:
        if figure.key in drawn_keys:
            heading = safe_cell(figure.name)
            found.append((heading, [f"chart:{figure.key}", chart_words(figure, report)]))
    return found


async def render(report: SkillsReport, made_at: dt.datetime, zone: dt.tzinfo) -> str:
    """The page's HTML. Charts are drawn in a worker thread."""
    drawn = await asyncio.to_thread(charts, report)
    return page(report, made_at, zone, drawn)


def page(report: SkillsReport, made_at: dt.datetime, zone: dt.tzinfo, drawn: list[Chart]) -> str:
    title = "Senior leaders' digital skills" if report.senior else "Digital skills report"
    intro = (
        f"For managers and HR: the learning needs analysis (Priority 1 of the digital "
        f"strategy). Figures as at {long_date(made_at.astimezone(zone).date())}."
    )
    if report.senior:
        intro += " Priority 3: senior leader digital skills."
    return document_html(title, intro, "", sections(report, drawn), drawn)
