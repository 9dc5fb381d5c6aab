"""How words are compared when looking for duplicate requests, and what the scores mean.

tests/unit/test_duplicates.py covers the ranking promises; these pin down the words.
"""

from __future__ import annotations

import pytest

from bot.domain.similarity import most_similar, tokens

GARDEN = ("DR-2026-0001", "Online booking for garden waste collection", "")
PRINTERS = ("DR-2026-0002", "Replace the printers in the Civic Centre", "")
TARGET = ("Book garden waste collections online", "")


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("services", "service"),
        ("policies", "policy"),
        ("processes", "process"),
        ("switches", "switch"),
        ("bookings", "booking"),
        ("booked", "book"),
        ("planned planning", "plan plan"),
        ("shared sharing", "share share"),
        ("applied", "apply"),
        ("the council's residents' requests", "council resident request"),
        ("The council\u2019s laptop", "council laptop"),
    ],
)
def test_everyday_endings_and_possessives_meet_at_the_same_word(one: str, other: str) -> None:
    assert tokens(one) == tokens(other)


@pytest.mark.parametrize("word", ["process", "status", "analysis", "business", "bus", "staff"])
def test_words_that_only_look_like_plurals_keep_their_ending(word: str) -> None:
    assert tokens(word) != tokens(word[:-1])


def test_punctuation_digits_and_other_alphabets() -> None:
    assert tokens("M365 -- Power Platform!!! (café)") == tokens("m365 power platform café")
    assert tokens("snake_case") == tokens("snake case")
    assert tokens("... ,,, !!!") == []


def test_title_words_count_double() -> None:
    in_title = ("DR-2026-0003", "Garden waste", "Printers")
    in_problem = ("DR-2026-0004", "Printers", "Garden waste")
    ranked = most_similar(("Garden waste", ""), [in_problem, in_title], minimum=0)
    assert [ref for ref, _ in ranked] == ["DR-2026-0003", "DR-2026-0004"]
    assert ranked[0][1] > ranked[1][1]


def test_the_same_words_score_one_and_no_shared_words_score_nothing() -> None:
    same = ("DR-2026-0005", *TARGET)
    ranked = most_similar(TARGET, [same, PRINTERS], minimum=0)
    assert ranked[0] == ("DR-2026-0005", 1.0)
    assert ("DR-2026-0002", 0.0) in ranked


def test_scores_fall_between_nothing_and_one() -> None:
    for _, score in most_similar(TARGET, [GARDEN, PRINTERS], minimum=0):
        assert 0.0 <= score <= 1.0


def test_the_minimum_is_inclusive_and_filters_the_rest() -> None:
    [(ref, score)] = most_similar(TARGET, [GARDEN, PRINTERS], limit=1)
    assert ref == "DR-2026-0001"
    assert most_similar(TARGET, [GARDEN, PRINTERS], minimum=score) == [(ref, score)]
    assert most_similar(TARGET, [GARDEN, PRINTERS], minimum=score + 0.0001) == []


@pytest.mark.parametrize("limit", [0, -1])
def test_no_room_means_no_results(limit: int) -> None:
    assert most_similar(TARGET, [GARDEN, PRINTERS], limit=limit) == []


def test_only_the_excluded_reference_is_left_out() -> None:
    itself = ("DR-2026-0009", *TARGET)
    ranked = [ref for ref, _ in most_similar(TARGET, [itself, GARDEN], exclude="DR-2026-0009")]
    assert ranked == ["DR-2026-0001"]
    assert most_similar(TARGET, [itself], exclude="DR-2026-0009") == []


def test_a_target_of_only_stop_words_matches_nothing() -> None:
    assert most_similar(("The and of", "it is to be"), [GARDEN, PRINTERS], minimum=0) == []


def test_five_hundred_candidates_give_the_same_answer_twice() -> None:
    many = [
        (f"DR-2026-{n:04d}", f"Garden waste request {n % 7}", f"Printers in building {n % 40}")
        for n in range(1, 501)
    ]
    first = most_similar(TARGET, many, limit=10, minimum=0)
    assert len(first) == 10
    assert first == most_similar(TARGET, list(reversed(many)), limit=10, minimum=0)
    assert first == sorted(first, key=lambda pair: (-pair[1], pair[0]))
