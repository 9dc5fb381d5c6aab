"""The scoring matrix's promises at its edges: each band boundary from both sides, no rule worth
more than full marks, points kept to two decimal places, and the words that explain them.

tests/unit/test_scoring.py covers each criterion in the published matrix.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from bot.domain.model import (
    Budget,
    Criterion,
    Driver,
    Matrix,
    RequestKind,
    Score,
    ScoreLine,
)
from bot.domain.scoring import (
    RULES,
    benefits,
    explain,
    score,
    self_service_automation,
    statutory_risk,
    strategic_alignment,
)
from tests.unit.test_scoring import MINIMAL

TODAY = dt.date(2026, 6, 1)

# Says as little as the form allows, so each test changes only what it is about.
BARE = dataclasses.replace(MINIMAL, drivers=())

# Meets every criterion several times over.
EVERYTHING = dataclasses.replace(
    BARE,
    problem="Residents phone to book garden waste collections. " * 5,
    kind=RequestKind.AUTOMATION,
    existing_systems="SharePoint",
    user_research="We surveyed 300 residents.",
    sponsor="Jo Bloggs, Director of Place",
    budget=Budget.NONE,
    statutory_deadline=dt.date(2027, 3, 31),
    cash_saving_per_year=10**9,
    hours_saved_per_year=10**9,
    resident_impact="Book any time, without phoning.",
    drivers=tuple(Driver),
)


LABELS = {
    "strategic_alignment": "Strategic alignment",
    "benefits": "Benefits",
    "cost_effort": "Cost and effort",
}


def matrix(*weights: tuple[str, int]) -> Matrix:
    return Matrix("test", tuple(Criterion(key, LABELS[key], weight, "") for key, weight in weights))


@pytest.mark.parametrize(
    ("cash", "fraction"),
    [
        (999, 0.0),
        (1_000, 0.25),
        (9_999, 0.25),
        (10_000, 0.5),
        (49_999, 0.5),
        (50_000, 0.75),
        (99_999, 0.75),
        (100_000, 1.0),
    ],
)
def test_each_cash_saving_band_starts_exactly_at_its_threshold(cash: int, fraction: float) -> None:
    assert benefits(dataclasses.replace(BARE, cash_saving_per_year=cash), TODAY)[0] == fraction


@pytest.mark.parametrize(
    ("hours", "fraction"),
    [
        (99, 0.0),
        (100, 0.25),
        (499, 0.25),
        (500, 0.5),
        (1_999, 0.5),
        (2_000, 0.75),
        (4_999, 0.75),
        (5_000, 1.0),
    ],
)
def test_each_staff_hours_band_starts_exactly_at_its_threshold(hours: int, fraction: float) -> None:
    assert benefits(dataclasses.replace(BARE, hours_saved_per_year=hours), TODAY)[0] == fraction


def test_no_rule_gives_more_than_full_marks_however_much_a_request_offers() -> None:
    fractions = {key: rule(EVERYTHING, TODAY)[0] for key, rule in RULES.items()}
    assert fractions == {
        "strategic_alignment": 1.0,
        "benefits": 1.0,
        "statutory_risk": 1.0,
        "readiness": 1.0,
        "reuse": 1.0,
        "self_service_automation": 1.0,
        "cost_effort": 1.0,
    }


@pytest.mark.parametrize("count", [4, 5, 10])
def test_four_strategic_drivers_already_earn_full_alignment(count: int) -> None:
    details = dataclasses.replace(BARE, drivers=tuple(Driver)[:count])
    assert strategic_alignment(details, TODAY)[0] == 1.0


def test_the_smallest_savings_are_still_named_in_the_reason() -> None:
    one_pound = dataclasses.replace(BARE, cash_saving_per_year=1)
    assert benefits(one_pound, TODAY)[1].startswith("Expects to save £1 a year.")
    one_hour = dataclasses.replace(BARE, hours_saved_per_year=1)
    assert benefits(one_hour, TODAY)[1].startswith("Expects to save 1 staff hours a year.")


def test_a_contract_ending_today_has_not_ended_yet() -> None:
    details = dataclasses.replace(BARE, contract_end=TODAY)
    assert statutory_risk(details, TODAY) == (0.6, "The current contract ends on 1 June 2026.")


def test_self_service_potential_names_one_driver_or_two() -> None:
    one = dataclasses.replace(BARE, drivers=(Driver.EFFICIENCY,))
    assert self_service_automation(one, TODAY) == (0.3, "Supports the Efficiency driver.")
    both = dataclasses.replace(BARE, drivers=(Driver.EFFICIENCY, Driver.SERVICE_DELIVERY))
    assert self_service_automation(both, TODAY) == (
        0.3,
        "Supports the Service delivery and Efficiency drivers.",
    )


def test_saving_499_hours_is_not_yet_self_service_potential_but_500_is() -> None:
    below, at = (dataclasses.replace(BARE, hours_saved_per_year=h) for h in (499, 500))
    assert self_service_automation(below, TODAY)[0] == 0
    assert self_service_automation(at, TODAY) == (0.6, "Expects to save 500 staff hours a year.")


def test_a_matrix_whose_weights_add_up_to_1_still_scores_out_of_100() -> None:
    result = score(dataclasses.replace(BARE, budget=Budget.NONE), matrix(("cost_effort", 1)), TODAY)
    assert (result.total, result.lines[0].points) == (100, 100.0)
    assert explain(result) == ["Cost and effort: 100 of 100 points. No cost expected."]


def test_a_criterion_worth_one_point_says_point_not_points() -> None:
    weights = matrix(("strategic_alignment", 99), ("cost_effort", 1))
    result = score(dataclasses.replace(BARE, budget=Budget.NONE), weights, TODAY)
    assert explain(result)[1] == "Cost and effort: 1 of 1 point. No cost expected."


def test_points_are_kept_to_two_decimal_places_and_the_total_adds_them_up() -> None:
    # Weights adding up to 30 are scaled by 100/30: a tenth of 66.67 points is 6.67.
    weights = matrix(("strategic_alignment", 10), ("cost_effort", 20))
    result = score(dataclasses.replace(BARE, drivers=(Driver.EFFICIENCY,)), weights, TODAY)
    assert [line.points for line in result.lines] == [8.33, 6.67]
    assert result.total == 15
    assert explain(result)[0].startswith("Strategic alignment: 8.33 of 33.33 points.")


def test_a_request_that_meets_no_criterion_scores_nothing() -> None:
    result = score(BARE, matrix(("strategic_alignment", 100)), TODAY)
    assert (result.total, result.lines[0].points) == (0, 0.0)


@pytest.mark.parametrize(("fraction", "points"), [(1.5, 40.0), (-0.5, 0.0)])
def test_a_criterion_gives_no_more_than_its_weight_and_no_less_than_nothing(
    monkeypatch: pytest.MonkeyPatch, fraction: float, points: float
) -> None:
    monkeypatch.setitem(RULES, "benefits", lambda details, today: (fraction, "Odd."))
    result = score(BARE, matrix(("benefits", 40), ("cost_effort", 60)), TODAY)
    assert result.lines[0].points == points


def test_a_stored_score_with_no_weight_left_is_still_explained() -> None:
    stored = Score(0, "old", (ScoreLine("benefits", "Benefits", 0, 0.0, "No savings given."),))
    assert explain(stored) == ["Benefits: 0 of 0 points. No savings given."]
