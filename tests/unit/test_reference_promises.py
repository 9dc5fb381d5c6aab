"""The limits of a request reference, DR-YYYY-NNNN, from both sides.

tests/unit/test_references.py covers the everyday spellings.
"""

from __future__ import annotations

import pytest

from bot.domain.references import format_reference, parse_reference


@pytest.mark.parametrize(
    ("year", "number", "reference"),
    [
        (2000, 1, "DR-2000-0001"),
        (9999, 1, "DR-9999-0001"),
        (2026, 1, "DR-2026-0001"),
        (2026, 9_999, "DR-2026-9999"),
        (2026, 10_000, "DR-2026-10000"),
        (2026, 999_999_999, "DR-2026-999999999"),
    ],
)
def test_every_reference_made_can_be_read_back(year: int, number: int, reference: str) -> None:
    assert format_reference(year, number) == reference
    assert parse_reference(reference) == (year, number)


@pytest.mark.parametrize(
    ("year", "number", "message"),
    [
        (1999, 1, "Reference year must be 2000 to 9999, not 1999"),
        (10_000, 1, "Reference year must be 2000 to 9999, not 10000"),
        (2026, 0, "Reference number must be 1 or more, not 0"),
        (2026, 1_000_000_000, "Reference number must be 999,999,999 or less, not 1000000000"),
    ],
)
def test_a_reference_outside_the_limits_is_refused_saying_which_limit(
    year: int, number: int, message: str
) -> None:
    with pytest.raises(ValueError) as refused:
        format_reference(year, number)
    assert str(refused.value) == message


@pytest.mark.parametrize(
    "typed",
    ["DR-1999-9999", "DR-2026-0000", "DR-2026-09999", "DR-2026-1000000000", "DR-20260-0001"],
)
def test_a_reference_just_outside_the_limits_is_not_one(typed: str) -> None:
    assert parse_reference(typed) is None


@pytest.mark.parametrize("typed", ["dr-2026-10000", "Dr-2026-10000", "dR-2026-10000"])
def test_a_reference_in_any_letter_case_is_the_same_request(typed: str) -> None:
    assert parse_reference(typed) == (2026, 10_000)
