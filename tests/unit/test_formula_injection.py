"""No export lets what someone typed start a cell as a spreadsheet formula.

Each export is built with a formula-like value in every place a person's words become a
cell (a request's title, a board's or system's name, a baseline, a checklist answer),
then every cell of the real output is read back: the HTML's table cells, headings and
paragraphs (Excel makes each a cell when a page is pasted in), the cells and lines the
PDF is drawn with, and the CSV's cells. None may start with =, + , - or @ (after spaces),
and each planted value must be there, with the apostrophe in front that makes it text.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import pytest

from bot.domain import benefits
from bot.domain.catalogue_csv import export_catalogue_csv, parse_catalogue_csv
from bot.domain.cells import FORMULA_START, safe_cell
from bot.domain.deadlines import Stage
from bot.domain.model import (
    Budget,
    DigitalRequest,
    RequestDetails,
    Requester,
    RequestKind,
    Route,
    Score,
    Status,
    Theme,
)
from bot.domain.procurement import (
    CatalogueEntry,
    CatalogueMatch,
    CatalogueOutcome,
    Engagement,
    ReviewPath,
)
from bot.domain.procurement import Stage as EngagementStage
from bot.domain.roadmap_review import Benefits, Point, Quarter, Review, StageFigures, Throughput
from bot.journeys.benefits import report_page
from bot.journeys.boards import roadmap_page
from bot.journeys.procurement import pack
from bot.journeys.skills import report_pack
from bot.journeys.skills.reports import AreaFigure, Filters, SkillsReport

AT = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)
FORMULAS = ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", " =1"]
CELL_TAGS = {"th", "td", "caption", "h1", "h2", "h3", "p", "li", "title"}


class Cells(HTMLParser):
    """The text of each cell-like element of a page, as a spreadsheet would get it."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[list[str]] = []
        self.cells: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in CELL_TAGS:
            self.open.append([])
        elif tag == "br" and self.open:
            self.open[-1].append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in CELL_TAGS and self.open:
            self.cells.append("".join(self.open.pop()))

    def handle_data(self, data: str) -> None:
        if self.open:
            self.open[-1].append(data)


def html_cells(page: str) -> list[str]:
    parser = Cells()
    parser.feed(page)
    parser.close()
    return parser.cells


def as_formula(cells: list[str]) -> list[str]:
    return [cell for cell in cells if cell.lstrip(" ").startswith(FORMULA_START)]


def check(cells: list[str], value: str, at_least: int) -> None:
    assert as_formula(cells) == []
    assert safe_cell(value) == "'" + value
    # A form may trim the spaces in front; the apostrophe must still be there.
    planted = [cell for cell in cells if cell.startswith("'") and value.strip() in cell]
    assert len(planted) >= at_least, (value, cells)


# ---- The quarterly roadmap review (HTML and PDF) ----------------------------------


def review(value: str) -> Review:
    point = Point(
        "DR-2026-0001",
        value,
        80,
        Budget.UNDER_10K,
        12,
        Theme.PEOPLE_AND_SKILLS,
        "now",
        Status.WITH_BOARD,
        AT,
    )
    return Review(
        quarter=Quarter(2026, 3),
        as_at=AT,
        complete=False,
        counted=1,
        by_theme={theme: 0 for theme in Theme} | {Theme.PEOPLE_AND_SKILLS: 1},
        by_horizon={"now": 1},
        by_status={Status.WITH_BOARD: 1},
        by_board={"ddc": 1},
        throughput=Throughput(1, 1, {}, 0),
        stages=tuple(StageFigures(stage, 5, 0, None, None, 0, 1, 0) for stage in Stage),
        benefits=Benefits(0, 0, 0, 0, 0, 0),
        points=(point,),
    )


def roadmap_view(value: str) -> roadmap_page.PackView:
    return roadmap_page.PackView(review(value), {"ddc": value}, AT, value, dt.UTC)


@pytest.fixture(scope="module")
def drawn() -> list[roadmap_page.Chart]:
    """Charts hold no one's words; drawn once, to keep the tests quick."""
    return roadmap_page.charts(review("Anything"))


@pytest.mark.parametrize("value", FORMULAS)
def test_the_roadmap_review_page(value: str, drawn: list[roadmap_page.Chart]) -> None:
    cells = html_cells(roadmap_page.render_html(roadmap_view(value), drawn))
    check(cells, value, at_least=2)  # the request's title and the board's name


class Drawn:
    """What the PDF is drawn with: every table row's cells and every line of text."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import fpdf
        import fpdf.table

        self.cells: list[str] = []
        row, multi_cell = fpdf.table.Table.row, fpdf.FPDF.multi_cell

        def table_row(table: Any, cells: Any = (), *args: Any, **kwargs: Any) -> Any:
            self.cells += [str(cell) for cell in cells]
            return row(table, cells, *args, **kwargs)

        def line(pdf: Any, w: float, h: float | None = None, text: str = "", **kw: Any) -> Any:
            self.cells.append(text)
            return multi_cell(pdf, w, h, text, **kw)

        monkeypatch.setattr(fpdf.table.Table, "row", table_row)
        monkeypatch.setattr(fpdf.FPDF, "multi_cell", line)


@pytest.mark.parametrize("value", FORMULAS)
def test_the_roadmap_review_pdf(
    value: str, drawn: list[roadmap_page.Chart], monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = Drawn(monkeypatch)
    made = roadmap_page.render_pdf(roadmap_view(value), drawn)
    assert made.startswith(b"%PDF-")
    check(seen.cells, value, at_least=2)


# ---- The benefits report page -----------------------------------------------------


def benefits_view(value: str) -> report_page.ReportView:
    amounts = benefits.Amounts(1000, 10, 5)
    row = benefits.Row(
        "DR-2026-0002",
        value,
        "ddc",
        Theme.PEOPLE_AND_SKILLS,
        AT,
        2026,
        benefits.Stage.ANSWERED,
        amounts,
        amounts,
        3,
        value,
    )
    total = benefits.Totals().plus(row)
    report = benefits.Report(
        AT,
        benefits.Filters(),
        (row,),
        total,
        {"ddc": total},
        {theme: benefits.Totals() for theme in Theme} | {Theme.PEOPLE_AND_SKILLS: total},
        {2026: total},
    )
    return report_page.ReportView(report, {"ddc": value}, AT, value, dt.UTC, "Every board")


@pytest.mark.parametrize("value", FORMULAS)
def test_the_benefits_report_page(value: str) -> None:
    view = benefits_view(value)
    cells = html_cells(report_page.render_html(view, report_page.charts(view.report)))
    check(cells, value, at_least=2)  # the request's title and the board's name


# ---- The skills report page -------------------------------------------------------


@pytest.mark.parametrize("value", FORMULAS)
def test_the_skills_report_page(value: str) -> None:
    report = SkillsReport(
        scope=value,
        filters=Filters(directorate=value),
        senior=False,
        baselines=(value,),
        people=(12,),
        areas=(AreaFigure("data", value, (60,)),),
        min_group=5,
        framework_version=1,
    )
    cells = html_cells(report_pack.page(report, AT, dt.UTC, report_pack.charts(report)))
    # the scope, the baseline (a row and a column), the area (a row and a heading)
    check(cells, value, at_least=5)


# ---- The procurement early-engagement pack ----------------------------------------

DETAILS = RequestDetails(
    title="Repairs",
    problem="Spreadsheets.",
    affected_staff=40,
    affected_residents=None,
    affected_businesses=None,
    directorate="Place",
    kind=RequestKind.NEW_SYSTEM,
    involves_procurement=True,
    supplier="Repairs Ltd",
    contract_end=None,
    personal_data=False,
    existing_systems="Academy",
    user_research="Interviews.",
    sponsor="Sam Head",
    budget=Budget.UNDER_10K,
    needed_by=None,
    statutory_deadline=None,
    cash_saving_per_year=None,
    hours_saved_per_year=None,
    resident_impact="",
    drivers=(),
)


def typed_fields(details: RequestDetails) -> Iterator[str]:
    for name, value in dataclasses.asdict(details).items():
        if type(value) is str and value:  # not the enums: those are our own labels
            yield name


def pack_view(value: str) -> pack.PackView:
    details = dataclasses.replace(DETAILS, **{name: value for name in typed_fields(DETAILS)})
    request = DigitalRequest(
        reference="DR-2026-0042",
        details=details,
        requester=Requester("megan", value, "megan"),
        score=Score(72, "2026.1", ()),
        route=Route("trb", "project", "It is new technology.", "new_technology"),
        status=Status.SUBMITTED,
        submitted_at=AT,
    )
    engagement = Engagement(
        id="PE-0123456789ab",
        owner_id="megan",
        owner_name=value,
        need=value,
        renewal=False,
        system_name=value,
        stage=EngagementStage.READY,
        created_at=AT,
        updated_at=AT,
        reference="DR-2026-0042",
        matches=(CatalogueMatch("x", value, 3.0, ("It matched.",)),),
        outcome=CatalogueOutcome.NONE_FIT,
        none_fit_reason=value,
        checklist={"systems": value, "exit_plan": value, "service_owner": value},
        path=ReviewPath.FULL,
        pack_token="x" * 32,
    )
    return pack.PackView(engagement, request, value, value, value, False, True)


@pytest.mark.parametrize("value", FORMULAS)
def test_the_procurement_pack(value: str) -> None:
    cells = html_cells(pack.render_pack(pack_view(value)))
    planted = len(list(typed_fields(DETAILS)))
    # the request's answers; the requester, directorate, system, board, process and match;
    # three checklist answers
    check(cells, value, at_least=planted + 9)


# ---- The catalogue CSV ------------------------------------------------------------


@pytest.mark.parametrize("value", FORMULAS)
def test_the_catalogue_csv(value: str) -> None:
    entry = CatalogueEntry("crm", value, value, value, "", (value,), value, directorate=value)
    cells = [cell for row in csv.reader(io.StringIO(export_catalogue_csv([entry]))) for cell in row]
    check(cells, value, at_least=5)
    assert parse_catalogue_csv(export_catalogue_csv([entry])).entries  # it still reads back
