"""Answers and changes in words, as the history, the triage card and the requester's card say
them, at the edges mutation testing found unchecked.

The expected words are written by hand, not read from bot/domain/edits.py.
"""

from __future__ import annotations

import dataclasses

from bot.domain.edits import answers_in_words, changed_fields, described_changes
from bot.domain.model import Budget, FieldChange, RequestKind, Route, Status
from tests.unit.test_edits import NAMES, make_request
from tests.unit.test_requester_changes import DETAILS


def test_every_answer_is_told_in_words_in_the_forms_order() -> None:
    assert answers_in_words(DETAILS) == [
        ("title", "Book garden waste collections online"),
        ("the problem today", "Residents phone to book."),
        ("staff affected", "12"),
        ("residents affected", "18,000"),
        ("businesses affected", "not given"),
        ("directorate", "Place"),
        ("kind of request", "Automation or self-service"),
        ("buying or renewing", "No"),
        ("supplier", "not given"),
        ("contract end date", "not given"),
        ("personal data", "Yes"),
        ("existing systems", "SharePoint"),
        ("what users have said", "not given"),
        ("senior sponsor", "Jo Bloggs"),
        ("budget", "Under £10,000"),
        ("needed by date", "31 March 2027"),
        ("statutory deadline", "not given"),
        ("cash saving a year", "£45,000"),
        ("staff hours saved a year", "2,600"),
        ("how it helps residents", "not given"),
        ("strategic drivers", "Efficiency"),
    ]


def test_a_changed_count_is_a_number_and_a_changed_saving_is_in_pounds() -> None:
    after = dataclasses.replace(DETAILS, affected_staff=1200, cash_saving_per_year=50000)
    assert changed_fields(DETAILS, after) == [
        FieldChange("staff affected", "12", "1,200"),
        FieldChange("cash saving a year", "£45,000", "£50,000"),
    ]


def test_a_changed_kind_and_a_cleared_answer_read_as_people_said_them() -> None:
    after = dataclasses.replace(
        DETAILS, kind=RequestKind.NEW_SYSTEM, sponsor="", budget=Budget.UNKNOWN
    )
    assert changed_fields(DETAILS, after) == [
        FieldChange("kind of request", "Automation or self-service", "A new system"),
        FieldChange("senior sponsor", "Jo Bloggs", "not given"),
        FieldChange("budget", "Under £10,000", "Not known yet"),
    ]


def test_a_short_answer_is_kept_whole_and_300_characters_is_not_too_long() -> None:
    after = dataclasses.replace(DETAILS, title="Book online", problem="x" * 300)
    assert changed_fields(DETAILS, after) == [
        FieldChange("title", "Book garden waste collections online", "Book online"),
        FieldChange("the problem today", "Residents phone to book.", "x" * 300),
    ]


def test_a_long_answer_is_cut_at_300_characters_with_no_space_before_the_ellipsis() -> None:
    after = dataclasses.replace(DETAILS, problem="word " * 100)
    (cut,) = changed_fields(DETAILS, after)
    assert cut.new == "word " * 59 + "word…"


def test_a_board_cleared_in_the_list_reads_none() -> None:
    before = make_request()
    after = dataclasses.replace(before, route=Route("", "change_request", "", ""))
    assert described_changes(before, after, NAMES) == ["board: none"]


def test_a_process_is_named_in_words_not_by_its_key() -> None:
    before = dataclasses.replace(make_request(), route=Route("ddc", "project", "", ""))
    after = dataclasses.replace(before, route=Route("ddc", "change_request", "", ""))
    assert described_changes(before, after, NAMES) == ["then: change request"]


def test_a_status_changed_in_the_list_reads_as_the_requester_would_see_it() -> None:
    before = make_request()
    after = dataclasses.replace(before, status=Status.AWAITING_INFORMATION)
    assert described_changes(before, after, NAMES) == [
        "status: waiting for more information from you"
    ]
