"""The form engine's promises at its edges, found by mutation testing."""

from __future__ import annotations

import datetime as dt

from bot.journeys.intake.form import FIELDS, raw_values, validate_step
from tests.unit.test_form_validation import VALID

TODAY = dt.date(2026, 6, 1)


def test_every_strategic_driver_may_be_chosen_at_once() -> None:
    every = ",".join(choice.value for choice in FIELDS["drivers"].choices or ())
    assert validate_step(4, {**VALID, "drivers": every}, TODAY) == {}


def test_a_64_bit_number_from_a_card_is_read_and_told_it_is_too_big() -> None:
    """Numbers up to 64 bits are kept as typed and checked against the limit; only longer
    ones are unreadable."""
    kept = raw_values({"affected_staff": 2**64 - 1}, 1)["affected_staff"]
    assert kept == str(2**64 - 1)
    errors = validate_step(1, {**VALID, "affected_staff": kept}, TODAY)
    assert errors["affected_staff"] == "The number of staff must be 10,000,000 or fewer"
    assert raw_values({"affected_staff": 2**64}, 1)["affected_staff"] != str(2**64)
