"""The form engine's promises at its edges, found by mutation testing."""

from __future__ import annotations

import datetime as dt

from bot.domain.forms import UNREADABLE, without_hidden
from bot.journeys.intake.form import FIELDS, REQUEST_FORM, raw_values, validate_step
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


def test_a_yes_no_answer_from_a_card_is_kept_as_true_or_false() -> None:
    kept = raw_values({"involves_procurement": True, "personal_data": False}, 2)
    assert (kept["involves_procurement"], kept["personal_data"]) == ("true", "false")
    assert raw_values({"personal_data": 1}, 2)["personal_data"] == UNREADABLE
    assert raw_values({}, 2)["personal_data"] == ""


def test_only_a_truly_optional_question_is_labelled_optional() -> None:
    labels = {name: spec.label_text for name, spec in REQUEST_FORM.fields.items()}
    assert labels["title"] == "Short title"
    assert labels["affected_staff"] == "How many staff does it affect?"
    assert labels["sponsor"] == "Named senior sponsor (optional)"
    assert labels["supplier"] == "Supplier or product name (needed if you are buying or renewing)"
    assert labels["involves_procurement"].endswith("contract?")


def test_answers_to_questions_no_longer_asked_are_dropped_and_others_kept() -> None:
    values = {**VALID, "contract_end": "2020-01-01", "contract_ended": "true"}
    assert without_hidden(REQUEST_FORM, values, TODAY) == values
    later = {**values, "contract_end": "2027-01-01"}
    assert without_hidden(REQUEST_FORM, later, TODAY) == {
        k: v for k, v in later.items() if k != "contract_ended"
    }


def test_a_note_is_only_for_a_real_date_that_has_passed() -> None:
    spec = REQUEST_FORM.fields["statutory_deadline"]
    assert spec.note("2026-05-31", TODAY) != ""
    for raw in ("2026-06-01", "", "2026-02-30", "yesterday", UNREADABLE):
        assert spec.note(raw, TODAY) == "", raw
    assert REQUEST_FORM.fields["needed_by"].note("2020-01-01", TODAY) == ""
