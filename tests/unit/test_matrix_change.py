"""The board changes the matrix's weights: every check on what the weights card sends,
version numbers that never repeat, and old and new scores and places side by side."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from bot.domain import scoring
from bot.domain.governance import DEFAULT_MATRIX
from bot.domain.matrix_change import (
    REASON_MAX,
    RESCORED,
    TOTAL,
    RescoreRow,
    check_reason,
    check_weights,
    next_version,
    publish,
    rescore_note,
    rescore_rows,
    rescored,
)
from bot.domain.model import DigitalRequest, Requester, Route, Score, Status
from tests.unit.test_scoring import MAXIMAL, MINIMAL

TODAY = dt.date(2026, 11, 30)
AT = dt.datetime(2026, 10, 1, 9, 0, tzinfo=dt.UTC)
CURRENT = {c.key: c.weight for c in DEFAULT_MATRIX.criteria}  # 20 20 15 15 10 10 10
# The same total, moved from benefits to reuse.
MOVED = {**CURRENT, "benefits": 10, "reuse": 20}


def given(**changes: Any) -> dict[str, Any]:
    return {**CURRENT, **changes}


# ---- check_weights -------------------------------------------------------------------


def test_good_new_weights_come_back_as_whole_numbers_with_no_errors() -> None:
    typed = {key: str(value) for key, value in MOVED.items()}  # a card sends text

    weights, errors = check_weights(DEFAULT_MATRIX, typed)

    assert errors == {}
    assert weights == MOVED


@pytest.mark.parametrize("value", [10, "10", " 10 ", "+10", 10.0])
def test_a_whole_number_is_accepted_however_the_card_sends_it(value: Any) -> None:
    weights, errors = check_weights(DEFAULT_MATRIX, {**MOVED, "benefits": value})

    assert errors == {}
    assert weights["benefits"] == 10


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("ten", "The weight for Benefits must be a whole number, like 15."),
        ("2.5", "The weight for Benefits must be a whole number, like 15."),
        (2.5, "The weight for Benefits must be a whole number, like 15."),
        (True, "The weight for Benefits must be a whole number, like 15."),
        ([10], "The weight for Benefits must be a whole number, like 15."),
        ("1" * 5000, "The weight for Benefits must be a whole number, like 15."),
        (-1, "The weight for Benefits cannot be below 0."),
        ("-1", "The weight for Benefits cannot be below 0."),
        (101, "The weight for Benefits cannot be over 100."),
        ("999999999", "The weight for Benefits cannot be over 100."),
        (None, "Give a weight for Benefits, from 0 to 100."),
        ("", "Give a weight for Benefits, from 0 to 100."),
        ("  ", "Give a weight for Benefits, from 0 to 100."),
    ],
)
def test_a_bad_weight_is_named_with_its_criterion(value: Any, said: str) -> None:
    weights, errors = check_weights(DEFAULT_MATRIX, given(benefits=value))

    assert errors == {"benefits": said}
    assert "benefits" not in weights
    assert weights["reuse"] == 10  # the others still come back


def test_a_missing_criterion_is_an_error_for_that_criterion() -> None:
    typed = {key: value for key, value in CURRENT.items() if key != "readiness"}

    _, errors = check_weights(DEFAULT_MATRIX, typed)

    assert errors == {"readiness": "Give a weight for Readiness, from 0 to 100."}


def test_a_criterion_the_matrix_does_not_have_is_refused_by_its_key() -> None:
    _, errors = check_weights(DEFAULT_MATRIX, {**MOVED, "magic": 0})

    assert errors == {"magic": "This card asked for a weight the matrix does not have."}


@pytest.mark.parametrize("edge", [0, 100])
def test_0_and_100_are_allowed_for_one_criterion(edge: int) -> None:
    typed = {key: 0 for key in CURRENT}
    typed["benefits"] = edge
    typed["reuse"] = 100 - edge

    weights, errors = check_weights(DEFAULT_MATRIX, typed)

    assert errors == {}
    assert weights["benefits"] == edge


@pytest.mark.parametrize(("change", "total"), [(-1, 99), (1, 101)])
def test_weights_that_do_not_add_up_to_100_say_their_total(change: int, total: int) -> None:
    _, errors = check_weights(DEFAULT_MATRIX, {**MOVED, "cost_effort": 10 + change})

    assert errors == {TOTAL: f"The weights add up to {total}. They must add up to exactly 100."}


def test_the_total_is_checked_only_once_every_weight_is_a_number() -> None:
    _, errors = check_weights(DEFAULT_MATRIX, given(benefits="ten"))

    assert TOTAL not in errors


def test_the_weights_already_published_are_not_a_change() -> None:
    _, errors = check_weights(DEFAULT_MATRIX, dict(CURRENT))

    assert errors == {TOTAL: "These are the weights already published. Change at least one."}


def test_changing_only_the_last_criterion_counts_as_a_change() -> None:
    last = DEFAULT_MATRIX.criteria[-1].key
    first = DEFAULT_MATRIX.criteria[0].key
    typed = {**CURRENT, last: CURRENT[last] + 5, first: CURRENT[first] - 5}

    assert check_weights(DEFAULT_MATRIX, typed)[1] == {}


# ---- check_reason ------------------------------------------------------------------------


def test_a_reason_is_tidied_onto_one_line() -> None:
    assert check_reason("  Benefits   count\nfor more  ") == ("Benefits count for more", "")


@pytest.mark.parametrize("text", ["", "ab", "  ab  ", " a\n ", None, 42])
def test_a_reason_is_needed(text: Any) -> None:
    assert check_reason(text)[1] == "Say why the weights are changing."


def test_the_shortest_and_longest_reasons_are_allowed() -> None:
    assert check_reason("abc")[1] == ""
    assert check_reason("x" * REASON_MAX)[1] == ""


def test_a_reason_over_500_characters_says_how_long_it_is() -> None:
    reason, problem = check_reason("x" * 1501)

    assert problem == "Say why in 500 characters or fewer. You wrote 1,501 characters."
    assert len(reason) == 1501


# ---- Versions --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "earlier", "year", "expected"),
    [
        ("2026.1", [], 2026, "2026.2"),
        ("2026.9", ["2026.1"], 2026, "2026.10"),
        ("2026.10", ["2026.9"], 2026, "2026.11"),
        ("2026.3", [], 2027, "2027.1"),
        # Back to an earlier version's weights, or a version made by hand: never reused.
        ("2026.2", ["2026.1", "2026.5"], 2026, "2026.6"),
        ("2027.1", ["2026.4"], 2027, "2027.2"),
        ("council-v3", [], 2026, "2026.1"),
        ("council-v3", ["2026.1"], 2026, "2026.2"),
        (" 2026.1 ", [], 2026, "2026.2"),
        ("2026.1.1", [], 2026, "2026.1"),
    ],
)
def test_the_next_version_is_never_one_already_used(
    current: str, earlier: list[str], year: int, expected: str
) -> None:
    assert next_version(current, earlier, year) == expected


def test_publishing_keeps_each_criterion_and_changes_only_its_weight() -> None:
    new = publish(DEFAULT_MATRIX, MOVED, 2026, ["2025.4"])

    assert new.version == "2026.2"
    assert [c.key for c in new.criteria] == [c.key for c in DEFAULT_MATRIX.criteria]
    assert {c.key: c.weight for c in new.criteria} == MOVED
    for old, changed in zip(DEFAULT_MATRIX.criteria, new.criteria, strict=True):
        assert (changed.label, changed.description) == (old.label, old.description)


def test_publishing_uses_the_earlier_versions() -> None:
    assert publish(DEFAULT_MATRIX, MOVED, 2026, ["2026.7"]).version == "2026.8"


@pytest.mark.parametrize(
    ("bad", "said"),
    [
        (dict(CURRENT), "These are the weights already published"),
        ({**MOVED, "reuse": 21}, "The weights add up to 101"),
        ({**MOVED, "x": 1}, "a weight the matrix does not have"),
        (
            {**MOVED, "reuse": 200, "x": 1},
            "^The weight for Reuse of existing platforms cannot be over 100. This card asked "
            "for a weight the matrix does not have.$",
        ),
    ],
)
def test_weights_the_checks_refuse_are_never_published(bad: dict[str, int], said: str) -> None:
    with pytest.raises(ValueError, match=said):
        publish(DEFAULT_MATRIX, bad, 2026)


def test_new_weights_change_the_points_a_criterion_is_worth() -> None:
    new = publish(DEFAULT_MATRIX, MOVED, 2026)

    lines = {line.key: line for line in scoring.score(MAXIMAL, new, TODAY).lines}

    assert lines["reuse"].points == 20
    assert lines["benefits"].points == 10


# ---- Rescoring a board's list --------------------------------------------------------------

NEW = publish(DEFAULT_MATRIX, MOVED, 2026)  # 2026.2


def request(number: int, total: int, version: str = "2026.1", **changes: Any) -> DigitalRequest:
    base = DigitalRequest(
        reference=f"DR-2026-{number:04d}",
        details=dataclasses.replace(MINIMAL, title=f"Request {number}"),
        requester=Requester("u1", "Megan Bowen", "u1"),
        score=Score(total, version, ()),
        route=Route("ddc", "project", "Routed by the rules.", "default"),
        status=Status.WITH_BOARD,
        submitted_at=AT + dt.timedelta(days=number),
    )
    return dataclasses.replace(base, **changes)


def test_each_old_score_is_shown_with_its_new_score_and_both_places() -> None:
    maximal = request(1, 40, details=MAXIMAL)
    minimal = request(2, 50)

    rows = rescore_rows([maximal, minimal], NEW, TODAY)

    new_max = scoring.score(MAXIMAL, NEW, TODAY).total
    new_min = scoring.score(MINIMAL, NEW, TODAY).total
    assert new_max > new_min  # so the two change places
    assert rows == [
        RescoreRow("DR-2026-0001", MAXIMAL.title, 40, "2026.1", 2, new_max, 1),
        RescoreRow("DR-2026-0002", "Request 2", 50, "2026.1", 1, new_min, 2),
    ]


def test_requests_already_on_the_new_version_keep_their_score_and_are_not_listed() -> None:
    on_new = request(1, 99, "2026.2")
    old = request(2, 10)

    rows = rescore_rows([on_new, old], NEW, TODAY)

    assert [row.reference for row in rows] == ["DR-2026-0002"]
    assert (rows[0].old_rank, rows[0].new_rank) == (2, 2)  # 99 stays first


def test_equal_scores_are_placed_oldest_first_then_by_reference() -> None:
    newer = request(1, 50, submitted_at=AT + dt.timedelta(days=9))
    older = request(3, 50, submitted_at=AT)
    same_time = request(2, 50, submitted_at=AT)
    middle = request(4, 50, submitted_at=AT + dt.timedelta(days=4))

    rows = rescore_rows([newer, older, same_time, middle], NEW, TODAY)

    # All score 50 now and the same as each other with the new weights.
    expected = ["DR-2026-0002", "DR-2026-0003", "DR-2026-0004", "DR-2026-0001"]
    assert [row.reference for row in rows] == expected
    assert [(row.old_rank, row.new_rank) for row in rows] == [(1, 1), (2, 2), (3, 3), (4, 4)]


def test_the_rows_come_in_their_new_order() -> None:
    requests = [request(n, 10 * n, details=MAXIMAL if n == 1 else MINIMAL) for n in (1, 2, 3)]

    rows = rescore_rows(requests, NEW, TODAY)

    assert [row.new_rank for row in rows] == [1, 2, 3]
    assert rows[0].reference == "DR-2026-0001"


def test_an_empty_list_has_no_rows() -> None:
    assert rescore_rows([], NEW, TODAY) == []


def test_a_request_on_the_matrix_keeps_its_score_when_rescored() -> None:
    kept = Score(77, NEW.version, ())

    assert rescored(request(1, 77, NEW.version, score=kept), NEW, TODAY) is kept


def test_a_request_on_an_older_matrix_is_scored_with_the_new_one_on_the_day_given() -> None:
    deadline = dataclasses.replace(MINIMAL, contract_end=dt.date(2027, 6, 1))
    old = request(1, 5, details=deadline)

    soon = rescored(old, NEW, dt.date(2026, 11, 30))
    later = rescored(old, NEW, dt.date(2025, 1, 1))

    assert soon.matrix_version == "2026.2"
    assert soon == scoring.score(deadline, NEW, dt.date(2026, 11, 30))
    assert soon.total > later.total  # the contract ends within a year only from 2026


def test_the_history_says_what_rescoring_did() -> None:
    note = rescore_note(Score(64, "2026.1", ()), Score(71, "2026.2", ()))

    assert note == "Rescored with matrix 2026.2: 64 to 71 (it was scored with 2026.1)."
    assert RESCORED == "rescored"
