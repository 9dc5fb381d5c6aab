"""The benefits report's figures on a fixed data set whose totals were worked out by hand:
expected against realised, the 3- and 12-month answers never added together, each
request in exactly one row and one group, the filters, and the settings and card data.

The report is looked at on 1 June 2027. Financial years run April to March.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from bot.domain.benefits import (
    Amounts,
    Filters,
    Report,
    Stage,
    build_report,
    financial_year,
    latest_answers,
    parse_year,
    realised_share,
    year_label,
)
from bot.domain.model import (
    AuditEntry,
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
from bot.errors import BadCardData
from bot.journeys.benefits import report_page
from bot.journeys.benefits.report import parse_filters, scope_words
from bot.journeys.benefits.report_settings import load_report_settings

NOW = dt.datetime(2027, 6, 1, 12, tzinfo=dt.UTC)
CASH, HOURS, RESIDENTS = "cash_saving_per_year", "hours_saved_per_year", "residents_affected"
PEOPLE, DESIGN, ORG, TECH = (
    Theme.PEOPLE_AND_SKILLS,
    Theme.DESIGN_PLAN_IMPLEMENT,
    Theme.ORGANISATION_AND_PROCESS,
    Theme.TECHNOLOGY_AND_ARCHITECTURE,
)
BASE = RequestDetails(
    title="Request",
    problem="Paper forms.",
    affected_staff=5,
    affected_residents=None,
    affected_businesses=None,
    directorate="Place",
    kind=RequestKind.CHANGE_EXISTING,
    involves_procurement=False,
    supplier="",
    contract_end=None,
    personal_data=False,
    existing_systems="",
    user_research="",
    sponsor="Sam Head",
    budget=Budget.UNDER_10K,
    needed_by=None,
    statutory_deadline=None,
    cash_saving_per_year=None,
    hours_saved_per_year=None,
    resident_impact="",
    drivers=(),
)


def on(year: int, month: int, day: int) -> dt.datetime:
    return dt.datetime(year, month, day, 10, tzinfo=dt.UTC)


def request(
    reference: str,
    board: str,
    theme: Theme,
    status: Status = Status.DELIVERED,
    delivered: dt.datetime | None = None,
    **details: Any,
) -> DigitalRequest:
    history = ()
    if delivered is not None:
        history = (
            AuditEntry(delivered, "it", "Ivy Tee", "deliver", Status.IN_CHANGE, Status.DELIVERED),
        )
    return DigitalRequest(
        reference=reference,
        details=dataclasses.replace(BASE, title=f"Request {reference}", **details),
        requester=Requester("megan", "Megan Bowen", "megan"),
        score=Score(50, "2026.1", ()),
        route=Route(board, "change_request", "Why.", "rule"),
        status=status,
        submitted_at=on(2026, 1, 5),
        history=history,
        theme=theme.value,
    )


def answer(reference: str, months: int, at: str = "", **figures: Any) -> dict[str, Any]:
    return {
        "reference": reference,
        "months": months,
        "notes": "",
        "by": "megan",
        "at": at,
        **figures,
    }


# A: delivered May 2026 (noted by the reminders); answered at 3 AND 12 months.
# B: delivered November 2026 (from its history); answered at 3 months.
# C: delivered February 2027 (financial year 2026); asked, no answer.
# D: delivered May 2027 (financial year 2027); not asked yet.
# E: approved, not delivered: not in the report, even with a stray answer.
# F: delivered, but nobody noted when: year not known; not asked yet.
# G: noted as delivered after the report's moment, still in a project: not in it.
REQUESTS = [
    request("DR-A", "ddc", PEOPLE, cash_saving_per_year=10_000, hours_saved_per_year=500),
    request(
        "DR-B",
        "trb",
        ORG,
        delivered=on(2026, 11, 1),
        cash_saving_per_year=5_000,
        hours_saved_per_year=200,
        affected_residents=1_000,
    ),
    request("DR-C", "ddc", ORG, cash_saving_per_year=3_000),
    request("DR-D", "ictig", TECH, delivered=on(2027, 5, 1)),
    request("DR-E", "ddc", PEOPLE, status=Status.IN_CHANGE, cash_saving_per_year=99_999),
    request("DR-F", "ddc", DESIGN, cash_saving_per_year=1_000),
    request("DR-G", "ddc", DESIGN, status=Status.IN_PROJECT, cash_saving_per_year=7_000),
]
DUE = [
    {"reference": "DR-A", "delivered_at": on(2026, 5, 10).isoformat()},
    {"reference": "DR-C", "delivered_at": on(2027, 2, 1).isoformat()},
    {"reference": "DR-G", "delivered_at": on(2027, 7, 1).isoformat()},
]
ASKED = [
    {"reference": "DR-A", "months": 3},
    {"reference": "DR-A", "months": 12},
    {"reference": "DR-B", "months": 3},
    {"reference": "DR-C", "months": 3},
]
# The 12-month answer of A is kept BEFORE its 3-month one (answered late): it still wins.
RECORDED = [
    answer("DR-A", 12, "2027-05-11T09:00:00+00:00", **{CASH: 8_000, HOURS: 400, RESIDENTS: 0}),
    answer("DR-A", 3, "2026-08-12T09:00:00+00:00", **{CASH: 2_000, HOURS: 100}),
    answer("DR-B", 3, "2027-02-02T09:00:00+00:00", **{CASH: 6_000, HOURS: 250, RESIDENTS: 1_200}),
    answer("DR-E", 3, "2027-02-02T09:00:00+00:00", **{CASH: 50_000}),
]


def report(filters: Filters | None = None) -> Report:
    return build_report(REQUESTS, RECORDED, DUE, ASKED, NOW, dt.UTC, filters or Filters())


def test_only_delivered_requests_are_counted_each_once() -> None:
    found = report()
    assert [row.reference for row in found.rows] == ["DR-D", "DR-C", "DR-B", "DR-A", "DR-F"]
    assert found.total.requests == 5


def test_the_12_month_answer_replaces_the_3_month_one() -> None:
    row = next(row for row in report().rows if row.reference == "DR-A")
    assert row.months == 12
    assert row.realised == Amounts(8_000, 400, 0)


def test_totals_worked_out_by_hand() -> None:
    total = report().total
    assert (total.not_yet_asked, total.asked, total.answered) == (2, 1, 2)
    assert total.expected == Amounts(19_000, 700, 1_000)
    # Expected of the two that answered (A and B), against what they realised.
    assert total.expected_answered == Amounts(15_000, 700, 1_000)
    assert total.realised == Amounts(14_000, 650, 1_200)
    assert realised_share(total, "cash") == 93
    assert realised_share(total, "hours") == 93


def test_each_row_says_where_it_is() -> None:
    stages = {row.reference: row.stage for row in report().rows}
    assert stages == {
        "DR-A": Stage.ANSWERED,
        "DR-B": Stage.ANSWERED,
        "DR-C": Stage.ASKED,
        "DR-D": Stage.NOT_YET_ASKED,
        "DR-F": Stage.NOT_YET_ASKED,
    }


def test_groups_by_board_theme_and_year() -> None:
    found = report()
    assert {k: t.requests for k, t in found.by_board.items()} == {"ddc": 3, "ictig": 1, "trb": 1}
    assert list(found.by_board) == ["ddc", "ictig", "trb"]
    assert {k: t.requests for k, t in found.by_theme.items()} == {
        PEOPLE: 1,
        DESIGN: 1,
        ORG: 2,
        TECH: 1,
    }
    assert {k: t.requests for k, t in found.by_year.items()} == {2027: 1, 2026: 3, None: 1}
    assert list(found.by_year) == [2027, 2026, None]
    assert found.by_theme[ORG].realised == Amounts(6_000, 250, 1_200)
    assert found.by_year[2026].realised == Amounts(14_000, 650, 1_200)


@pytest.mark.parametrize("groups", ["by_board", "by_theme", "by_year"])
def test_no_double_counting_the_groups_add_up_to_the_total(groups: str) -> None:
    found = report()
    parts = list(getattr(found, groups).values())
    assert sum(t.requests for t in parts) == found.total.requests
    assert sum((t.realised for t in parts), Amounts()) == found.total.realised
    assert sum((t.expected for t in parts), Amounts()) == found.total.expected


def test_filters_by_board_theme_and_year() -> None:
    assert [r.reference for r in report(Filters(board="ddc")).rows] == ["DR-C", "DR-A", "DR-F"]
    assert report(Filters(board="ddc")).total.realised == Amounts(8_000, 400, 0)
    assert [r.reference for r in report(Filters(theme=ORG)).rows] == ["DR-C", "DR-B"]
    assert [r.reference for r in report(Filters(year=2026)).rows] == ["DR-C", "DR-B", "DR-A"]
    both = report(Filters(board="ddc", year=2026))
    assert [r.reference for r in both.rows] == ["DR-C", "DR-A"]
    assert both.total.answered == 1
    assert report(Filters(board="nobody")).total.requests == 0


def test_figures_are_as_at_the_moment_asked() -> None:
    # On 1 March 2027: D is not delivered yet, and only what was kept by then counts.
    then = dt.datetime(2027, 3, 1, tzinfo=dt.UTC)
    kept = [data for data in RECORDED if data["at"] <= then.isoformat()]
    found = build_report(REQUESTS, kept, DUE, ASKED, then, dt.UTC)
    assert "DR-D" not in [row.reference for row in found.rows]
    a = next(row for row in found.rows if row.reference == "DR-A")
    assert (a.months, a.realised) == (3, Amounts(2_000, 100, 0))


def test_latest_answer_rules() -> None:
    found = latest_answers(
        [
            answer("DR-1", 3, "2026-01-01", **{CASH: 100}),
            answer("DR-1", 3, "2026-02-01", **{CASH: 150}),  # the same interval, later
            answer("DR-2", 12, "2026-01-01", **{CASH: -5, HOURS: 2.5, RESIDENTS: True}),
            answer("DR-2", 3, "2026-06-01", **{CASH: 999}),
            {"months": 3, CASH: 1},  # names no request
        ]
    )
    assert set(found) == {"DR-1", "DR-2"}
    assert found["DR-1"].cash == 150
    # The 12-month answer counts; its figures that are not whole numbers of 0 or more
    # are left out, not read as 0 from the 3-month answer.
    assert (found["DR-2"].months, found["DR-2"].cash, found["DR-2"].hours) == (12, None, None)
    assert found["DR-2"].residents is None


def test_financial_years() -> None:
    assert financial_year(dt.date(2027, 3, 31)) == 2026
    assert financial_year(dt.date(2027, 4, 1)) == 2027
    assert parse_year("2026") == parse_year("2026-27") == parse_year("2026 to 2027") == 2026
    assert parse_year("2026-28") is None
    assert parse_year("next year") is None


def test_card_data_is_checked() -> None:
    assert parse_filters({"board": "ddc", "theme": "", "year": "2026"}) == Filters(
        "ddc", None, 2026
    )
    assert parse_filters({}) == Filters()
    assert parse_filters({"board": "all", "theme": "all", "year": "all"}) == Filters()
    assert parse_filters({"theme": ORG.value}).theme is ORG
    for bad in (
        {"board": "<script>"},
        {"theme": "astrology"},
        {"year": "1999"},
        {"year": "twenty"},
        {"board": ["ddc"]},
    ):
        with pytest.raises(BadCardData):
            parse_filters(bad)


def test_scope_in_words() -> None:
    names = {"ddc": "Digital, Data and Customer Board"}
    assert scope_words(Filters(), names) == "every board, every theme, every year"
    assert scope_words(Filters("ddc", ORG, 2026), names) == (
        "Digital, Data and Customer Board, Organisation and process, delivered in 2026 to 2027"
    )


def test_bad_reader_ids_are_one_plain_sentence() -> None:
    problems: list[str] = []
    found = load_report_settings({"BENEFITS_REPORT_IDS": "megan, 1234"}, problems)
    assert found.reader_ids == frozenset()
    assert problems == [
        "BENEFITS_REPORT_IDS must list Entra object ids (GUIDs), separated by commas. "
        "These are not: 1234, megan."
    ]
    good = "00000000-0000-0000-0000-000000000021, 11111111-2222-3333-4444-555555555555"
    assert len(load_report_settings({"BENEFITS_REPORT_IDS": good}, []).reader_ids) == 2


def test_the_page_has_a_chart_with_a_text_alternative_and_the_same_figures_in_tables() -> None:
    found = report()
    view = report_page.ReportView(
        found, {"ddc": "Digital, Data and Customer Board"}, NOW, "Alex Wilber", dt.UTC, "all"
    )
    drawn = report_page.charts(found)
    assert drawn[0].png.startswith(b"\x89PNG")
    assert "Organisation and process: £5,000 expected, £6,000 realised" in drawn[0].alt
    page = report_page.render_html(view, drawn)
    assert 'alt="Bar chart of cash savings a year by theme' in page
    assert "£14,000" in page and "DR-F" in page and "Date not known" in page
    assert "12 months after delivery" in page


# ---- Each promise pinned down (issue 17's mutation survivors) ----------------------------


def test_each_row_carries_its_request_and_answer() -> None:
    rows = {row.reference: row for row in report().rows}
    answered, waiting = rows["DR-B"], rows["DR-D"]
    assert (answered.title, answered.board, answered.theme) == ("Request DR-B", "trb", ORG)
    assert (answered.months, answered.notes, answered.year) == (3, "", 2026)
    assert (waiting.realised, waiting.months, waiting.notes) == (None, 0, "")
    assert waiting.delivered_at == on(2027, 5, 1)


def test_a_figure_not_given_is_realised_as_nothing() -> None:
    recorded = [answer("DR-B", 3, "2027-02-02", notes="Fewer calls.", **{RESIDENTS: 40})]
    found = build_report(REQUESTS[1:2], recorded, [], [], NOW)
    (row,) = found.rows
    assert (row.realised, row.notes) == (Amounts(0, 0, 40), "Fewer calls.")


def test_an_answer_is_read_with_plain_fallbacks() -> None:
    found = latest_answers(
        [
            {"reference": "", "months": 12, CASH: 1},
            {"reference": 7, "months": 12, CASH: 1},
            {"reference": "DR-1", CASH: 0, "notes": "x" * 2001},
        ]
    )
    assert list(found) == ["DR-1"]
    one = found["DR-1"]
    assert (one.months, one.cash, one.hours, one.at) == (0, 0, None, "")
    assert one.notes == "x" * 2000
    assert latest_answers([{"reference": "DR-2", "notes": None}])["DR-2"].notes == ""


def test_of_two_answers_for_one_interval_at_one_moment_the_later_kept_counts() -> None:
    found = latest_answers(
        [
            answer("DR-1", 3, "2026-01-01", **{CASH: 100}),
            answer("DR-1", 3, "2026-01-01", **{CASH: 200}),
        ]
    )
    assert (found["DR-1"].cash, found["DR-1"].at) == (200, "2026-01-01")


def test_when_a_delivery_was_noticed_is_read_with_care() -> None:
    due = [
        {"reference": "DR-A", "delivered_at": None},
        {"reference": "DR-A", "delivered_at": "last spring"},
        {"reference": "DR-A", "delivered_at": "2026-05-10T10:00:00"},  # no zone: UTC
        {"reference": "DR-C", "delivered_at": "2027-02-01T10:00:00+01:00"},
        {"reference": "DR-C", "delivered_at": "2027-03-01T10:00:00+00:00"},  # the first counts
    ]
    found = build_report(REQUESTS, RECORDED, due, ASKED, NOW)
    rows = {row.reference: row for row in found.rows}
    assert rows["DR-A"].delivered_at == on(2026, 5, 10)
    assert rows["DR-C"].delivered_at == on(2027, 2, 1) - dt.timedelta(hours=1)
    assert rows["DR-C"].delivered_at.utcoffset() == dt.timedelta(hours=1)


def test_the_year_is_the_one_in_the_councils_time_zone() -> None:
    # 31 March 2027 at 23:30 UTC is already 1 April in an hour-ahead zone: 2027 to 2028.
    late = dt.datetime(2027, 3, 31, 23, 30, tzinfo=dt.UTC)
    due = [{"reference": "DR-D", "delivered_at": late.isoformat()}]
    ahead = dt.timezone(dt.timedelta(hours=1))
    (row,) = build_report(REQUESTS[3:4], [], due, [], NOW, ahead).rows
    assert row.year == 2027
    (row,) = build_report(REQUESTS[3:4], [], due, [], NOW, dt.UTC).rows
    assert row.year == 2026


def test_a_delivery_at_the_very_moment_counts_and_a_later_one_hides_only_itself() -> None:
    later = request("DR-L", "ddc", ORG, delivered=NOW + dt.timedelta(seconds=1))
    now = request("DR-N", "ddc", ORG, delivered=NOW)
    found = build_report([later, now, REQUESTS[1]], [], [], [], NOW)
    assert [row.reference for row in found.rows] == ["DR-N", "DR-B"]


def test_the_report_says_when_and_what_it_was_asked_for() -> None:
    filters = Filters(board="ddc")
    found = report(filters)
    assert (found.as_at, found.filters) == (NOW, filters)


def test_the_board_with_most_requests_comes_first_whatever_its_name() -> None:
    requests = [
        request("DR-1", "aaa", ORG, delivered=on(2026, 5, 1)),
        request("DR-2", "zzz", ORG, delivered=on(2026, 5, 1)),
        request("DR-3", "zzz", ORG, delivered=on(2026, 5, 1)),
    ]
    found = build_report(requests, [], [], [], NOW)
    assert list(found.by_board) == ["zzz", "aaa"]


def test_year_labels() -> None:
    assert year_label(2026) == "2026 to 2027"
    assert year_label(None) == "Date not known"
