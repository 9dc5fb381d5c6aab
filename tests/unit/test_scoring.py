import dataclasses
import datetime as dt
from typing import Any

import pytest

from bot.domain.governance import DEFAULT_MATRIX
from bot.domain.model import Budget, Criterion, Driver, Matrix, RequestDetails, RequestKind
from bot.domain.scoring import RULES, check_matrix, explain, score

TODAY = dt.date(2026, 6, 1)

# The least a request can say and still pass the form's checks.
MINIMAL = RequestDetails(
    title="Printer",
    problem="It is slow.",
    affected_staff=1,
    affected_residents=None,
    affected_businesses=None,
    directorate="Place",
    kind=RequestKind.NEW_SYSTEM,
    involves_procurement=False,
    supplier="",
    contract_end=None,
    personal_data=False,
    existing_systems="",
    user_research="",
    sponsor="",
    budget=Budget.OVER_250K,
    needed_by=None,
    statutory_deadline=None,
    cash_saving_per_year=None,
    hours_saved_per_year=None,
    resident_impact="",
    drivers=(Driver.COLLABORATION,),
)

MAXIMAL = dataclasses.replace(
    MINIMAL,
    problem="Residents phone to book garden waste collections. " * 5,
    kind=RequestKind.AUTOMATION,
    existing_systems="SharePoint, Power Automate",
    user_research="We surveyed 300 residents.",
    sponsor="Jo Bloggs, Director of Place",
    budget=Budget.NONE,
    statutory_deadline=dt.date(2027, 3, 31),
    cash_saving_per_year=120_000,
    hours_saved_per_year=300,
    resident_impact="Book any time, without phoning.",
    drivers=(
        Driver.EFFICIENCY,
        Driver.SERVICE_DELIVERY,
        Driver.COLLABORATION,
        Driver.USER_ENGAGEMENT,
    ),
)


def points(details: RequestDetails, key: str, matrix: Matrix = DEFAULT_MATRIX) -> float:
    found = score(details, matrix, TODAY)
    return next(line.points for line in found.lines if line.key == key)


def reason(details: RequestDetails, key: str) -> str:
    return RULES[key](details, TODAY)[1]


def test_a_request_with_little_ticked_scores_low_but_valid() -> None:
    result = score(MINIMAL, DEFAULT_MATRIX, TODAY)
    assert [(line.key, line.points) for line in result.lines] == [
        ("strategic_alignment", 5.0),
        ("benefits", 0.0),
        ("statutory_risk", 0.0),
        ("readiness", 0.0),
        ("reuse", 2.0),
        ("self_service_automation", 0.0),
        ("cost_effort", 1.0),
    ]
    assert result.total == 8


def test_a_request_with_nothing_ticked_at_all_still_gets_a_score() -> None:
    assert score(dataclasses.replace(MINIMAL, drivers=()), DEFAULT_MATRIX, TODAY).total == 3


def test_a_request_that_meets_every_criterion_scores_exactly_100() -> None:
    result = score(MAXIMAL, DEFAULT_MATRIX, TODAY)
    assert result.total == 100
    assert all(line.points == line.weight for line in result.lines)


def test_each_score_records_the_matrix_version_it_used() -> None:
    assert score(MINIMAL, DEFAULT_MATRIX, TODAY).matrix_version == "2026.1"


def test_totals_round_half_up_as_people_do_by_hand() -> None:
    # 8 points plus 4.5 for user research is 12.5, shown as 13.
    with_research = dataclasses.replace(MINIMAL, user_research="We asked the team.")
    assert score(with_research, DEFAULT_MATRIX, TODAY).total == 13


def test_huge_figures_cannot_push_a_score_past_100() -> None:
    huge = dataclasses.replace(
        MAXIMAL,
        cash_saving_per_year=10**12,
        hours_saved_per_year=10**12,
        affected_residents=10**30,
        drivers=tuple(Driver),
    )
    result = score(huge, DEFAULT_MATRIX, TODAY)
    assert result.total == 100
    assert points(huge, "benefits") == 20
    assert "£1,000,000,000,000 a year" in reason(huge, "benefits")


# ---- Strategic alignment -----------------------------------------------------


@pytest.mark.parametrize(
    ("count", "expected"), [(0, 0), (1, 5), (2, 10), (3, 15), (4, 20), (10, 20)]
)
def test_strategic_alignment_counts_up_to_four_drivers(count: int, expected: float) -> None:
    details = dataclasses.replace(MINIMAL, drivers=tuple(Driver)[:count])
    assert points(details, "strategic_alignment") == expected


def test_strategic_alignment_names_the_drivers_in_words() -> None:
    details = dataclasses.replace(
        MINIMAL, drivers=(Driver.EFFICIENCY, Driver.SERVICE_DELIVERY, Driver.COLLABORATION)
    )
    assert reason(details, "strategic_alignment") == (
        "It supports 3 of the 10 strategic drivers. They are Efficiency, Service delivery and "
        "Collaboration. "
        "Full points need 4 drivers."
    )
    assert reason(MINIMAL, "strategic_alignment") == (
        "It supports 1 of the 10 strategic drivers: Collaboration. Full points need 4 drivers."
    )


# ---- Benefits ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("cash", "expected"),
    [
        (None, 0),
        (0, 0),
        (999, 0),
        (1_000, 5),
        (9_999, 5),
        (10_000, 10),
        (50_000, 15),
        (99_999, 15),
        (100_000, 20),
        (10**30, 20),
    ],
)
def test_cash_savings_score_in_bands(cash: int | None, expected: float) -> None:
    assert points(dataclasses.replace(MINIMAL, cash_saving_per_year=cash), "benefits") == expected


@pytest.mark.parametrize(
    ("hours", "expected"),
    [(None, 0), (99, 0), (100, 5), (500, 10), (1_999, 10), (2_000, 15), (5_000, 20)],
)
def test_staff_hours_saved_score_in_bands(hours: int | None, expected: float) -> None:
    assert points(dataclasses.replace(MINIMAL, hours_saved_per_year=hours), "benefits") == expected


def test_benefits_take_the_better_of_cash_and_hours_plus_resident_impact() -> None:
    details = dataclasses.replace(
        MINIMAL, cash_saving_per_year=120_000, hours_saved_per_year=300, resident_impact="Yes."
    )
    assert points(details, "benefits") == 20
    assert reason(details, "benefits") == (
        "Expects to save £120,000 a year and 300 staff hours a year. "
        'Says how it helps residents: "Yes".'
    )
    modest = dataclasses.replace(MINIMAL, hours_saved_per_year=600, resident_impact="Yes.")
    assert points(modest, "benefits") == 15
    assert reason(MINIMAL, "benefits") == (
        "No savings given. Saving at least £1,000 or 100 staff hours a year would earn points. "
        "Does not say how it helps residents. Saying how would earn points."
    )


# ---- Statutory or risk need --------------------------------------------------


def test_a_statutory_deadline_is_the_strongest_need() -> None:
    details = dataclasses.replace(
        MINIMAL, statutory_deadline=dt.date(2027, 3, 31), contract_end=TODAY, personal_data=True
    )
    assert points(details, "statutory_risk") == 15
    assert reason(details, "statutory_risk") == (
        "Has a statutory or legal deadline: 31 March 2027."
    )


@pytest.mark.parametrize(
    ("contract_end", "expected"),
    [(dt.date(2027, 6, 1), 9), (dt.date(2027, 6, 2), 0), (TODAY, 9), (dt.date(2020, 1, 1), 9)],
)
def test_a_contract_ending_within_a_year_or_already_ended_is_a_risk(
    contract_end: dt.date, expected: float
) -> None:
    details = dataclasses.replace(MINIMAL, contract_end=contract_end)
    assert points(details, "statutory_risk") == expected


def test_the_reason_says_whether_the_contract_has_ended() -> None:
    ended = dataclasses.replace(MINIMAL, contract_end=dt.date(2026, 1, 1))
    ending = dataclasses.replace(MINIMAL, contract_end=dt.date(2026, 9, 30))
    assert reason(ended, "statutory_risk") == "The current contract ended on 1 January 2026."
    assert reason(ending, "statutory_risk") == "The current contract ends on 30 September 2026."


def test_personal_data_is_a_risk_to_manage() -> None:
    details = dataclasses.replace(MINIMAL, personal_data=True)
    assert points(details, "statutory_risk") == 3


# ---- Readiness ---------------------------------------------------------------


def test_readiness_rewards_a_sponsor_user_research_and_gathered_requirements() -> None:
    sponsor = dataclasses.replace(MINIMAL, sponsor="Jo Bloggs")
    assert points(sponsor, "readiness") == 6
    assert points(MAXIMAL, "readiness") == 15
    assert reason(MAXIMAL, "readiness") == (
        'Has a named senior sponsor: "Jo Bloggs, Director of Place". '
        'Describes user research: "We surveyed 300 residents". '
        "Requirements gathered: the problem is described in 250 characters and existing "
        "systems are listed."
    )


def test_readiness_says_what_is_missing() -> None:
    assert reason(MINIMAL, "readiness") == (
        "No senior sponsor named yet. Naming one would earn points. No user research described "
        "yet. Describing it would earn points. The problem is described in 11 characters. To "
        "earn more points, describe the problem in at least 200 characters and list the "
        "existing systems."
    )


def test_requirements_need_both_a_detailed_problem_and_the_existing_systems() -> None:
    detailed = dataclasses.replace(MINIMAL, problem="x" * 200)
    assert points(detailed, "readiness") == 0
    both = dataclasses.replace(detailed, existing_systems="Academy")
    assert points(both, "readiness") == 4.5


# ---- Reuse -------------------------------------------------------------------


@pytest.mark.parametrize(
    "mentioned",
    [
        "We use teams",
        "SHAREPOINT",
        "power   bi",
        "Microsoft 365",
        "M365.",
        "(Digital360)",
        "Academy and Dynamics",
        "office 365",
        "Power Apps",
    ],
)
def test_naming_an_existing_council_platform_scores_full_reuse(mentioned: str) -> None:
    details = dataclasses.replace(MINIMAL, existing_systems=mentioned)
    assert points(details, "reuse") == 10


@pytest.mark.parametrize("mentioned", ["steams", "SharePointless", "PowerBIG", "AM365", "Teamster"])
def test_platform_names_must_be_whole_words(mentioned: str) -> None:
    details = dataclasses.replace(MINIMAL, problem=mentioned)
    assert points(details, "reuse") == 2


def test_reuse_names_the_platforms_found_in_the_problem_or_systems() -> None:
    details = dataclasses.replace(
        MINIMAL, problem="Staff retype from sharepoint", existing_systems="Power BI"
    )
    assert reason(details, "reuse") == (
        "Power BI: on the council's platforms list. The problem description names SharePoint, "
        "on the council's platforms list."
    )


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (RequestKind.CHANGE_EXISTING, 7),
        (RequestKind.DATA_REPORTING, 6),
        (RequestKind.AUTOMATION, 6),
        (RequestKind.HARDWARE_ACCESS, 5),
        (RequestKind.OTHER, 4),
        (RequestKind.NEW_SYSTEM, 2),
    ],
)
def test_without_a_named_platform_reuse_depends_on_the_kind(
    kind: RequestKind, expected: float
) -> None:
    assert points(dataclasses.replace(MINIMAL, kind=kind), "reuse") == expected


# ---- Self-service and automation, cost and effort -----------------------------


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"kind": RequestKind.AUTOMATION}, 10),
        ({"hours_saved_per_year": 500}, 6),
        ({"hours_saved_per_year": 499, "drivers": (Driver.EFFICIENCY,)}, 3),
        ({"drivers": (Driver.SERVICE_DELIVERY,)}, 3),
        ({"hours_saved_per_year": 499}, 0),
    ],
)
def test_self_service_and_automation_potential(changes: dict[str, Any], expected: float) -> None:
    details = dataclasses.replace(MINIMAL, **changes)
    assert points(details, "self_service_automation") == expected


@pytest.mark.parametrize(
    ("budget", "expected"),
    [
        (Budget.NONE, 10),
        (Budget.UNDER_10K, 8),
        (Budget.FROM_10K_TO_50K, 5),
        (Budget.FROM_50K_TO_250K, 2.5),
        (Budget.OVER_250K, 1),
        (Budget.UNKNOWN, 3),
    ],
)
def test_cheaper_work_scores_higher(budget: Budget, expected: float) -> None:
    assert points(dataclasses.replace(MINIMAL, budget=budget), "cost_effort") == expected


# ---- The matrix --------------------------------------------------------------


def scaled(factor: int) -> Matrix:
    criteria = tuple(
        dataclasses.replace(criterion, weight=criterion.weight * factor)
        for criterion in DEFAULT_MATRIX.criteria
    )
    return Matrix("test", criteria)


def test_weights_that_do_not_add_up_to_100_are_scaled_so_the_best_is_still_100() -> None:
    assert score(MAXIMAL, scaled(2), TODAY).total == 100
    assert score(MINIMAL, scaled(2), TODAY).total == 8
    assert score(MINIMAL, scaled(2), TODAY).lines[0].weight == 40


def test_a_matrix_with_some_criteria_left_out_still_scores_out_of_100() -> None:
    two = Matrix(
        "two",
        (
            Criterion("cost_effort", "Cost and effort", 3, ""),
            Criterion("strategic_alignment", "Strategic alignment", 1, ""),
        ),
    )
    result = score(MINIMAL, two, TODAY)
    # cost: 0.1 of 75 points = 7.5; alignment: 0.25 of 25 points = 6.25
    assert [line.points for line in result.lines] == [7.5, 6.25]
    assert result.total == 14
    assert explain(result)[1].startswith("Strategic alignment: 6.25 of 25 points.")


@pytest.mark.parametrize(
    ("criteria", "message"),
    [
        ((Criterion("popularity", "Popularity", 100, ""),), "popularity"),
        (
            (Criterion("benefits", "B", 50, ""), Criterion("benefits", "B", 50, "")),
            "more than once",
        ),
        ((Criterion("benefits", "B", -10, ""), Criterion("reuse", "R", 110, "")), "0 or more"),
        ((Criterion("benefits", "B", 0, ""),), "more than 0"),
        ((), "more than 0"),
    ],
)
def test_a_matrix_that_cannot_be_scored_with_is_refused(
    criteria: tuple[Criterion, ...], message: str
) -> None:
    matrix = Matrix("bad", criteria)
    with pytest.raises(ValueError, match=message):
        check_matrix(matrix)
    with pytest.raises(ValueError, match=message):
        score(MINIMAL, matrix, TODAY)


def test_the_published_matrix_has_a_rule_for_every_criterion_and_adds_up_to_100() -> None:
    check_matrix(DEFAULT_MATRIX)
    assert [c.key for c in DEFAULT_MATRIX.criteria] == list(RULES)
    assert sum(c.weight for c in DEFAULT_MATRIX.criteria) == 100


# ---- Explaining a score ------------------------------------------------------


def test_anyone_can_see_why_a_request_scored_what_it_did() -> None:
    assert explain(score(MINIMAL, DEFAULT_MATRIX, TODAY)) == [
        "Strategic alignment: 5 of 20 points. It supports 1 of the 10 strategic drivers: "
        "Collaboration. Full points need 4 drivers.",
        "Benefits: 0 of 20 points. No savings given. Saving at least £1,000 or 100 staff hours "
        "a year would earn points. Does not say how it helps residents. Saying how would earn "
        "points.",
        "Statutory or risk need: 0 of 15 points. No legal deadline, no contract end date and "
        "no personal data. Each of these would earn points: a legal deadline, a contract that "
        "ends within 365 days, or personal data.",
        "Readiness: 0 of 15 points. No senior sponsor named yet. Naming one would earn points. "
        "No user research described yet. Describing it would earn points. The problem is "
        "described in 11 characters. To earn more points, describe the problem in at least 200 "
        "characters and list the existing systems.",
        "Reuse of existing platforms: 2 of 10 points. No existing systems named. A new system "
        "adds to the systems the council runs. Building on a platform the council already has, "
        "such as Teams, SharePoint or Power Apps, would earn full points.",
        "Self-service and automation: 0 of 10 points. It is not an automation request. It does "
        "not support the Service delivery or Efficiency driver. To earn points, automate work, "
        "save 500 staff hours a year or more, or support one of those drivers.",
        "Cost and effort: 1 of 10 points. Expected to cost over £250,000.",
    ]


def test_half_points_are_shown_as_they_are() -> None:
    details = dataclasses.replace(MINIMAL, budget=Budget.FROM_50K_TO_250K)
    lines = explain(score(details, DEFAULT_MATRIX, TODAY))
    assert lines[-1] == "Cost and effort: 2.5 of 10 points. Expected to cost £50,000 to £250,000."
