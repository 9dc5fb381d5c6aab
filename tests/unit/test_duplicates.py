"""Likely duplicates by classic text similarity (TF-IDF and cosine), no language model."""

from __future__ import annotations

from bot.domain.similarity import most_similar, tokens

CANDIDATES = [
    (
        "DR-2026-0001",
        "Online booking for garden waste collection",
        "Residents phone to book garden waste collections.",
    ),
    ("DR-2026-0002", "Replace the printers in the Civic Centre", "The printers jam every day."),
    ("DR-2026-0003", "New laptop for a starter", "A new social worker needs a laptop."),
]
TARGET = ("Book garden waste collections online", "People call us to book a collection.")


def test_the_near_duplicate_ranks_first_and_unrelated_ones_are_left_out() -> None:
    ranked = most_similar(TARGET, CANDIDATES)
    assert ranked[0][0] == "DR-2026-0001"
    assert all(ref != "DR-2026-0002" for ref, _ in ranked)
    assert 0 < ranked[0][1] <= 1


def test_words_are_compared_without_case_punctuation_stop_words_or_endings() -> None:
    assert tokens("The BOOKING of collections, online!") == tokens("booking collection online")
    assert tokens("the and of to") == []


def test_empty_inputs_are_safe() -> None:
    assert most_similar(("", ""), CANDIDATES) == []
    assert most_similar(TARGET, []) == []
    assert most_similar(TARGET, [("DR-2026-0009", "", "")]) == []


def test_the_request_itself_is_never_its_own_duplicate() -> None:
    itself = [("DR-2026-0004", *TARGET), *CANDIDATES]
    assert "DR-2026-0004" not in [
        r for r, _ in most_similar(TARGET, itself, exclude="DR-2026-0004")
    ]


def test_a_minimum_score_and_a_limit_apply() -> None:
    assert most_similar(TARGET, CANDIDATES, minimum=0.99) == []
    many = [(f"DR-2026-{n:04d}", "Garden waste booking", "Book online") for n in range(10, 20)]
    assert len(most_similar(TARGET, many, limit=3)) == 3


def test_results_are_the_same_every_time_ties_by_reference() -> None:
    twins = [("DR-2026-0020", "Garden waste", ""), ("DR-2026-0010", "Garden waste", "")]
    first = most_similar(("Garden waste", ""), twins)
    assert first == most_similar(("Garden waste", ""), list(reversed(twins)))
    assert [r for r, _ in first] == ["DR-2026-0010", "DR-2026-0020"]


def test_five_hundred_candidates_are_ranked() -> None:
    many = [(f"DR-2026-{n:04d}", f"Request number {n} about printers", "") for n in range(500)]
    many.append(("DR-2026-0999", "Online garden waste booking", "book collections"))
    assert most_similar(TARGET, many)[0][0] == "DR-2026-0999"
