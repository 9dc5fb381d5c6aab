import re

from bot.domain.governance import (
    DEFAULT_BOARDS,
    DEFAULT_MATRIX,
    DEFAULT_PROCESSES,
    DEFAULT_RULES,
)
from bot.domain.routing import check_rules
from bot.domain.scoring import RULES, check_matrix


def test_the_three_boards_of_the_strategy_are_set_up() -> None:
    boards = {board.key: board for board in DEFAULT_BOARDS}
    assert {key: board.name for key, board in boards.items()} == {
        "ddc": "Digital, Data and Customer Board",
        "trb": "Technical Review Board",
        "ictig": "ICT Improvement Group",
    }
    assert "quarter" in boards["ddc"].purpose
    assert "architecture" in boards["trb"].purpose
    assert "feedback" in boards["ictig"].purpose


def test_work_goes_on_to_a_change_request_or_a_project() -> None:
    assert {process.key: process.name for process in DEFAULT_PROCESSES} == {
        "change_request": "Change request",
        "project": "Project (PMO)",
    }


def test_the_published_weights_are_those_agreed() -> None:
    assert DEFAULT_MATRIX.version == "2026.1"
    assert {c.key: c.weight for c in DEFAULT_MATRIX.criteria} == {
        "strategic_alignment": 20,
        "benefits": 20,
        "statutory_risk": 15,
        "readiness": 15,
        "reuse": 10,
        "self_service_automation": 10,
        "cost_effort": 10,
    }
    check_matrix(DEFAULT_MATRIX)
    assert set(RULES) == {c.key for c in DEFAULT_MATRIX.criteria}


def test_every_criterion_is_explained_in_one_plain_sentence() -> None:
    for criterion in DEFAULT_MATRIX.criteria:
        assert criterion.label
        assert criterion.description.endswith(".")
        assert criterion.description.count(". ") == 0, criterion.key


def test_the_default_rules_are_in_the_agreed_order() -> None:
    assert [rule.key for rule in DEFAULT_RULES] == [
        "new_technology",
        "procurement",
        "large_budget",
        "data_reporting",
        "cross_directorate",
        "wide_reach",
        "integration",
        "improve_current_it",
        "default",
    ]
    check_rules(
        DEFAULT_RULES,
        board_keys={board.key for board in DEFAULT_BOARDS},
        process_keys={process.key for process in DEFAULT_PROCESSES},
    )


def test_every_routing_reason_is_short_plain_english() -> None:
    for rule in DEFAULT_RULES:
        sentences = [s for s in re.split(r"(?<=\.) ", rule.reason) if s]
        assert 1 <= len(sentences) <= 2, rule.key
        assert all(len(sentence) <= 120 for sentence in sentences), rule.key
        assert "_" not in rule.reason, rule.key
