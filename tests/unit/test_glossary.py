"""The words we use, explained: every driver and term has a short meaning, and a lookup
forgives the ways people ask. Also how chat messages are read as questions or IT problems."""

from __future__ import annotations

import pytest

from bot.domain.commands import normalise
from bot.domain.glossary import (
    DRIVER_MEANINGS,
    SUGGESTED,
    TERMS,
    _key,
    explain_term,
    known_terms,
)
from bot.domain.model import DRIVER_LABELS, Driver
from bot.journeys.glossary import read_question
from bot.journeys.servicedesk import DEFAULT_CONTACT, pointer, read_it_problem


def test_every_driver_has_one_short_meaning() -> None:
    assert set(DRIVER_MEANINGS) == set(Driver)
    for meaning in DRIVER_MEANINGS.values():
        assert meaning.endswith(".")
        assert meaning.count(". ") == 0, "one sentence"
        assert len(meaning) <= 100


@pytest.mark.parametrize(
    "name",
    [
        "Procurement early engagement",
        "Project (PMO)",
        "Change request",
        "Prioritisation matrix",
        "IT business partner",
        "Digital, Data and Customer Board",
        "Technical Review Board",
        "ICT Improvement Group",
        "Senior sponsor",
        "DPIA",
        "Digital champion",
        "Now, next, later roadmap",
        "IT triage",
        "Strategic drivers",
        *DRIVER_LABELS.values(),
    ],
)
def test_each_word_the_product_uses_is_explained_in_one_or_two_sentences(name: str) -> None:
    meaning = TERMS[name].meaning
    assert meaning.endswith(".")
    assert 1 <= meaning.count(".") - meaning.count("2026.1") <= 3
    assert len(meaning) <= 240


def test_the_matrix_says_what_a_version_is() -> None:
    assert "version" in TERMS["Prioritisation matrix"].meaning


def test_no_two_terms_answer_to_the_same_words() -> None:
    owners: dict[str, str] = {}
    for term in TERMS.values():
        for spelling in (term.name, *term.aliases):
            assert owners.setdefault(_key(spelling), term.name) == term.name, spelling


@pytest.mark.parametrize(
    ("asked", "name"),
    [
        ("change request", "Change request"),
        ("A Change Request", "Change request"),
        ("change requests", "Change request"),
        ("the DDC", "Digital, Data and Customer Board"),
        ("ddc", "Digital, Data and Customer Board"),
        ("TRB", "Technical Review Board"),
        ("ICTIG", "ICT Improvement Group"),
        ("PMO", "Project (PMO)"),
        ("project", "Project (PMO)"),
        ("DPIAs", "DPIA"),
        ("data protection impact assessment", "DPIA"),
        ("digital champions", "Digital champion"),
        ("now, next and later", "Now, next, later roadmap"),
        ("the roadmap", "Now, next, later roadmap"),
        ("triage", "IT triage"),
        ("IT business partners", "IT business partner"),
        ("strategic drivers", "Strategic drivers"),
        ("the efficiency driver", "Efficiency"),
        ("flexible operations", "Flexible and agile operations"),
        ("digital skills", "Digital skills and technology"),
        ("matrix version", "Matrix version"),
        ("prioritization matrix", "Prioritisation matrix"),
        ("version 2026.1", "Matrix version"),
        ("early engagement", "Procurement early engagement"),
        ("senior sponsors", "Senior sponsor"),
        ("an IT business partner", "IT business partner"),
        ("our roadmap", "Now, next, later roadmap"),
        ("your senior sponsor", "Senior sponsor"),
        ("CRs", "Change request"),
    ],
)
def test_the_lookup_forgives_case_the_plurals_and_abbreviations(asked: str, name: str) -> None:
    found = explain_term(asked)
    assert found is not None and found.name == name


@pytest.mark.parametrize("asked", ["", "  ", "the", "flux capacitor", "process", "board"])
def test_unknown_words_are_not_guessed(asked: str) -> None:
    assert explain_term(asked) is None


def test_the_suggested_words_are_a_short_list_of_real_terms() -> None:
    assert known_terms() == list(SUGGESTED)
    assert 5 <= len(known_terms()) <= 8


@pytest.mark.parametrize(
    ("said", "asked"),
    [
        ("what is a change request", "a change request"),
        ("what's the TRB?", "the trb"),
        ("What does PMO mean?", "pmo"),
        ("what does DDC stand for", "ddc"),
        ("explain procurement early engagement", "procurement early engagement"),
        ("what are strategic drivers", "strategic drivers"),
        ("what is", ""),
    ],
)
def test_questions_about_words_are_recognised(said: str, asked: str) -> None:
    assert read_question(normalise(said)) == asked


@pytest.mark.parametrize("said", ["what can you do", "help", "new request", "whatever"])
def test_other_messages_are_not_questions_about_words(said: str) -> None:
    assert read_question(normalise(said)) is None


@pytest.mark.parametrize(
    "said",
    [
        "my laptop is broken",
        "password reset",
        "I need a password reset",
        "printer not working",
        "locked out",
        "I'm locked out of my account",
        "can't log in",
        "cannot login",
        "my screen is broken",
        "teams is not working",
        "Teams isn't working!",
        "Outlook keeps crashing",
        "I forgot my password",
        "wifi is down",
        "my phone is cracked",
    ],
)
def test_it_problems_are_recognised(said: str) -> None:
    assert read_it_problem(normalise(said)) is not None


@pytest.mark.parametrize(
    "said",
    [
        "I need a new case management system",
        "I need a way to book rooms online",
        "we need a new laptop for each social worker",
        "Our reporting is slow because we retype data",
        "residents need to reset their password online",
        "new request",
        "what is a change request",
        "status DR-2026-0001",
        # A long description of work is a request, even when it mentions a fault.
        "Our teams are not working together because every service keeps its own list of "
        "cases and nobody can see the whole picture of a family",
    ],
)
def test_requests_and_other_commands_are_not_taken_for_it_problems(said: str) -> None:
    assert read_it_problem(normalise(said)) is None


def test_the_pointer_uses_the_configured_contact_or_a_default_without_a_number() -> None:
    assert "Call 4000." in pointer("Call 4000.")
    assert DEFAULT_CONTACT in pointer("")
    assert not any(char.isdigit() for char in pointer(""))


def test_every_part_of_the_score_is_a_word_you_can_look_up() -> None:
    from bot.domain.governance import DEFAULT_MATRIX

    for criterion in DEFAULT_MATRIX.criteria:
        found = explain_term(criterion.label)
        assert found is not None and found.name == criterion.label
        # Never a weight: a board may publish new ones; the matrix card shows them.
        assert "of 100 points" not in found.meaning
        assert "Type how are requests scored" in found.meaning
    found = explain_term(f"version {DEFAULT_MATRIX.version}")
    assert found is not None and found.name == "Matrix version"
