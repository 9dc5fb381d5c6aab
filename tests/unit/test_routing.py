import dataclasses
from typing import Any

import pytest

from bot.domain.governance import DEFAULT_BOARDS, DEFAULT_PROCESSES, DEFAULT_RULES
from bot.domain.model import Budget, Driver, RequestDetails, RequestKind, RoutingRule
from bot.domain.routing import check_rules, count_existing_systems, route

# A small change that no rule but the default picks up.
PLAIN = RequestDetails(
    title="Shared mailbox for the depot",
    problem="The depot team share one personal mailbox.",
    affected_staff=8,
    affected_residents=None,
    affected_businesses=None,
    directorate="Place",
    kind=RequestKind.OTHER,
    involves_procurement=False,
    supplier="",
    contract_end=None,
    personal_data=False,
    existing_systems="Outlook",
    user_research="",
    sponsor="",
    budget=Budget.NONE,
    needed_by=None,
    statutory_deadline=None,
    cash_saving_per_year=None,
    hours_saved_per_year=None,
    resident_impact="",
    drivers=(Driver.COLLABORATION,),
)


def request(**changes: Any) -> RequestDetails:
    return dataclasses.replace(PLAIN, **changes)


@pytest.mark.parametrize(
    ("changes", "rule", "board", "process"),
    [
        ({"kind": RequestKind.NEW_SYSTEM}, "new_technology", "trb", "project"),
        ({"involves_procurement": True, "supplier": "Civica"}, "procurement", "trb", "project"),
        ({"budget": Budget.FROM_50K_TO_250K}, "large_budget", "ddc", "project"),
        ({"budget": Budget.OVER_250K}, "large_budget", "ddc", "project"),
        ({"kind": RequestKind.DATA_REPORTING}, "data_reporting", "ddc", "project"),
        ({"directorate": "Several directorates"}, "cross_directorate", "ddc", "project"),
        ({"affected_residents": 1000}, "wide_reach", "ddc", "project"),
        ({"existing_systems": "Academy and Digital360"}, "integration", "trb", "change_request"),
        ({"kind": RequestKind.CHANGE_EXISTING}, "improve_current_it", "ictig", "change_request"),
        ({"kind": RequestKind.HARDWARE_ACCESS}, "improve_current_it", "ictig", "change_request"),
        ({}, "default", "ddc", "change_request"),
    ],
)
def test_every_default_rule_can_be_reached(
    changes: dict[str, Any], rule: str, board: str, process: str
) -> None:
    found = route(request(**changes), DEFAULT_RULES)
    assert (found.rule, found.board, found.process) == (rule, board, process)
    assert found.reason == next(r.reason for r in DEFAULT_RULES if r.key == rule)


def test_new_technology_goes_to_the_technical_review_board_whatever_else_is_true() -> None:
    everything = request(
        kind=RequestKind.NEW_SYSTEM,
        involves_procurement=True,
        budget=Budget.OVER_250K,
        directorate="Several directorates",
        affected_residents=250_000,
        existing_systems="Teams, SharePoint, Academy",
    )
    found = route(everything, DEFAULT_RULES)
    assert found.rule == "new_technology"
    assert found.reason.startswith("It is new technology.")


def test_the_first_matching_rule_wins() -> None:
    buying_data = request(kind=RequestKind.DATA_REPORTING, involves_procurement=True)
    assert route(buying_data, DEFAULT_RULES).rule == "procurement"
    big_change = request(kind=RequestKind.CHANGE_EXISTING, budget=Budget.OVER_250K)
    assert route(big_change, DEFAULT_RULES).rule == "large_budget"
    integrating_change = request(kind=RequestKind.CHANGE_EXISTING, existing_systems="A; B")
    assert route(integrating_change, DEFAULT_RULES).rule == "integration"


def test_all_of_a_rules_conditions_must_hold() -> None:
    rules = (
        RoutingRule(
            "both", "trb", "project", "Both.", {"procurement": True, "personal_data": True}
        ),
        RoutingRule("default", "ddc", "change_request", "Default."),
    )
    assert route(request(involves_procurement=True), rules).rule == "default"
    assert route(request(personal_data=True), rules).rule == "default"
    assert route(request(involves_procurement=True, personal_data=True), rules).rule == "both"


def test_a_false_condition_matches_only_when_the_answer_is_no() -> None:
    rules = (
        RoutingRule("no_data", "ictig", "change_request", "No data.", {"personal_data": False}),
        RoutingRule("default", "ddc", "change_request", "Default."),
    )
    assert route(request(), rules).rule == "no_data"
    assert route(request(personal_data=True), rules).rule == "default"


@pytest.mark.parametrize(
    ("residents", "rule"),
    [(None, "default"), (999, "default"), (1000, "wide_reach"), (10**12, "wide_reach")],
)
def test_wide_reach_starts_at_1000_residents(residents: int | None, rule: str) -> None:
    assert route(request(affected_residents=residents), DEFAULT_RULES).rule == rule


@pytest.mark.parametrize(
    ("listed", "count"),
    [
        ("", 0),
        ("Outlook", 1),
        ("Teams, SharePoint", 2),
        ("Teams; SharePoint", 2),
        ("Teams\nSharePoint\n\n", 2),
        ("Academy and Digital360", 2),
        ("Academy AND Digital360, and Civica", 3),
        (" , ; ", 0),
        ("Brandon", 1),
    ],
)
def test_existing_systems_are_counted_as_people_list_them(listed: str, count: int) -> None:
    assert count_existing_systems(listed) == count


def test_routing_with_no_default_rule_is_an_error() -> None:
    rules = (RoutingRule("only", "trb", "project", "Only.", {"kind_in": ["new_system"]}),)
    with pytest.raises(ValueError, match="default"):
        route(request(), rules)
    with pytest.raises(ValueError, match="last routing rule"):
        check_rules(rules)


def test_routing_with_an_unknown_condition_is_an_error() -> None:
    rules = (
        RoutingRule("typo", "trb", "project", "Typo.", {"kind": ["new_system"]}),
        RoutingRule("default", "ddc", "change_request", "Default."),
    )
    with pytest.raises(ValueError, match="'kind'"):
        route(request(), rules)


def test_the_default_rules_pass_the_start_up_check() -> None:
    check_rules(
        DEFAULT_RULES,
        board_keys={board.key for board in DEFAULT_BOARDS},
        process_keys={process.key for process in DEFAULT_PROCESSES},
    )


DEFAULT = RoutingRule("default", "ddc", "change_request", "Default.")


@pytest.mark.parametrize(
    ("when", "message"),
    [
        ({"kind": ["new_system"]}, "unknown condition 'kind'"),
        ({"min_residents": 5}, "unknown condition 'min_residents'"),
        ({"kind_in": ["spaceship"]}, "unknown values"),
        ({"kind_in": "new_system"}, "list of text"),
        ({"budget_in": ["lots"]}, "unknown values"),
        ({"directorate_in": ["Place", "Mars"]}, "unknown values"),
        ({"procurement": "yes"}, "true or false"),
        ({"personal_data": 1}, "true or false"),
        ({"min_existing_systems": "2"}, "whole number"),
        ({"min_affected_residents": True}, "whole number"),
        ({"min_affected_residents": 2.5}, "whole number"),
    ],
)
def test_the_start_up_check_refuses_rules_that_could_misroute(
    when: dict[str, object], message: str
) -> None:
    rules = (RoutingRule("bad", "trb", "project", "Bad.", when), DEFAULT)
    with pytest.raises(ValueError, match=message):
        check_rules(rules)


def test_the_start_up_check_refuses_a_default_that_hides_later_rules() -> None:
    rules = (
        DEFAULT,
        RoutingRule("later", "trb", "project", "Later.", {"procurement": True}),
        dataclasses.replace(DEFAULT, key="default_again"),
    )
    with pytest.raises(ValueError, match="could never match"):
        check_rules(rules)


def test_the_start_up_check_refuses_repeated_keys_and_unknown_boards_or_processes() -> None:
    with pytest.raises(ValueError, match="unique"):
        check_rules((DEFAULT, DEFAULT))
    with pytest.raises(ValueError, match="unknown board 'cab'"):
        check_rules((dataclasses.replace(DEFAULT, board="cab"),), board_keys={"ddc"})
    with pytest.raises(ValueError, match="unknown process 'agile'"):
        check_rules((dataclasses.replace(DEFAULT, process="agile"),), process_keys={"project"})
    with pytest.raises(ValueError):
        check_rules(())
