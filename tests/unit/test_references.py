import pytest

from bot.domain.references import format_reference, parse_reference


@pytest.mark.parametrize(
    ("year", "number", "reference"),
    [
        (2026, 1, "DR-2026-0001"),
        (2026, 42, "DR-2026-0042"),
        (2026, 9999, "DR-2026-9999"),
        (2026, 10000, "DR-2026-10000"),
        (2000, 123456, "DR-2000-123456"),
        (9999, 1, "DR-9999-0001"),
    ],
)
def test_references_are_zero_padded_to_four_digits_and_grow_after_9999(
    year: int, number: int, reference: str
) -> None:
    assert format_reference(year, number) == reference
    assert parse_reference(reference) == (year, number)


@pytest.mark.parametrize(("year", "number"), [(2026, 0), (2026, -1), (1999, 1), (10000, 1)])
def test_a_reference_cannot_be_made_from_an_impossible_year_or_number(
    year: int, number: int
) -> None:
    with pytest.raises(ValueError):
        format_reference(year, number)


@pytest.mark.parametrize("typed", ["dr-2026-0042", "  DR-2026-0042 ", "Dr-2026-0042\n"])
def test_a_reference_is_recognised_in_any_letter_case_and_with_spaces_around(typed: str) -> None:
    assert parse_reference(typed) == (2026, 42)


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "DR-2026-7",
        "DR-2026-042",
        "DR-2026-0000",
        "DR-1999-0001",
        "DR-26-0001",
        "DR-2026-00042",
        "DR 2026 0042",
        "DR-2026-0042x",
        "see DR-2026-0042",
        "DR-2026-\u0661\u0662\u0663\u0664",
        "DR-2026-" + "9" * 5000,
    ],
)
def test_anything_that_is_not_exactly_a_reference_is_not_one(typed: str) -> None:
    assert parse_reference(typed) is None
