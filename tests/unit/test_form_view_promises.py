"""What a form card shows (which questions, which notes) and how the engine reads numbers and
options, at the edges mutation testing found unchecked.

The expected values are written by hand, not read from bot/domain/forms.py.
"""

from __future__ import annotations

import datetime as dt

import pytest

from bot.domain.forms import (
    Choice,
    FieldError,
    FieldSpec,
    FormView,
    choices_of,
    first_step_with_error,
    raw_values,
    read_number,
)
from bot.domain.model import BUDGET_LABELS, KIND_LABELS, Draft
from bot.journeys.intake.form import REQUEST_FORM

TODAY = dt.date(2026, 6, 1)
CONTRACT = REQUEST_FORM.step_of("contract_ended")
DEADLINE = REQUEST_FORM.step_of("statutory_deadline")


def view(values: dict[str, str], errors: dict[str, str], today: dt.date | None) -> FormView:
    draft = Draft("megan", "request", "d1", CONTRACT, values, dt.datetime(2026, 6, 1, 9, 0))
    return FormView(REQUEST_FORM, draft, CONTRACT, errors, today=today)


def shown(values: dict[str, str], errors: dict[str, str], today: dt.date | None) -> list[str]:
    step = REQUEST_FORM.step(CONTRACT)
    return [spec.name for spec in view(values, errors, today).shown_fields(step)]


def every_question_on_the_contract_step_but_whether_it_ended() -> list[str]:
    return [s.name for s in REQUEST_FORM.step(CONTRACT).fields if s.name != "contract_ended"]


# ---- Which questions a card shows ----------------------------------------------------------


def test_whether_the_contract_ended_is_asked_only_once_its_end_date_has_passed() -> None:
    asked = shown({"contract_end": "2026-05-31"}, {}, TODAY)
    assert "contract_ended" in asked
    assert set(every_question_on_the_contract_step_but_whether_it_ended()) <= set(asked)
    not_yet = shown({"contract_end": "2026-06-01"}, {}, TODAY)
    assert not_yet == every_question_on_the_contract_step_but_whether_it_ended()


def test_the_same_end_date_asks_the_question_or_not_depending_on_today() -> None:
    values = {"contract_end": "2026-05-31"}
    assert "contract_ended" in shown(values, {}, TODAY)
    assert "contract_ended" not in shown(values, {}, dt.date(2026, 5, 1))


def test_without_todays_date_every_question_asked_always_is_shown() -> None:
    assert shown({}, {}, None) == every_question_on_the_contract_step_but_whether_it_ended()


def test_without_todays_date_a_question_asked_sometimes_is_shown_if_it_has_an_answer() -> None:
    assert "contract_ended" in shown({"contract_ended": "true"}, {}, None)


def test_without_todays_date_a_question_asked_sometimes_is_shown_if_it_has_an_error() -> None:
    assert "contract_ended" in shown({}, {"contract_ended": "Choose yes or no"}, None)


def test_without_todays_date_an_unanswered_question_asked_sometimes_stays_hidden() -> None:
    assert "contract_ended" not in shown({"contract_end": "2020-01-01"}, {}, None)
    assert "contract_ended" not in shown({}, {"title": "Enter a title"}, None)


# ---- Notes next to accepted answers ---------------------------------------------------------


def deadline_note(values: dict[str, str], today: dt.date | None) -> str:
    draft = Draft("megan", "request", "d1", DEADLINE, values, dt.datetime(2026, 6, 1, 9, 0))
    form_view = FormView(REQUEST_FORM, draft, DEADLINE, {}, today=today)
    return form_view.note(REQUEST_FORM.fields["statutory_deadline"])


def test_a_deadline_that_has_passed_is_noted_as_urgent() -> None:
    note = deadline_note({"statutory_deadline": "2026-05-31"}, TODAY)
    assert note == "This date has passed. We will flag it as urgent."


def test_no_note_for_a_deadline_not_yet_passed_or_not_given() -> None:
    assert deadline_note({"statutory_deadline": "2026-06-01"}, TODAY) == ""
    assert deadline_note({}, TODAY) == ""


def test_without_todays_date_no_note_is_shown() -> None:
    assert deadline_note({"statutory_deadline": "2020-01-01"}, None) == ""


# ---- Reading numbers --------------------------------------------------------------------------

PLAIN = FieldSpec("change", "Change in head count", "number", noun="the change in head count")


@pytest.mark.parametrize(
    ("raw", "number"),
    [
        ("-12", -12),
        ("-1,200", -1200),
        ("0", 0),
        ("-0", 0),
        ("000000000000000000000000042", 42),
        ("99999999999999999999", 10**20 - 1),
    ],
)
def test_a_whole_number_is_read_exactly_whatever_its_sign_or_leading_zeros(
    raw: str, number: int
) -> None:
    assert read_number(PLAIN, raw) == number


def test_leading_zeros_do_not_make_a_small_number_look_too_big() -> None:
    spec = FieldSpec("staff", "Staff", "number", noun="the number of staff", maximum=100)
    assert read_number(spec, "0" * 30 + "7") == 7


def test_a_negative_number_below_the_minimum_is_refused_in_words() -> None:
    spec = FieldSpec("staff", "Staff", "number", noun="the number of staff", minimum=0)
    with pytest.raises(FieldError) as error:
        read_number(spec, "-3")
    assert str(error.value) == "The number of staff must be 0 or more"


def test_a_fraction_from_a_card_is_kept_as_sent_so_the_person_is_asked_for_a_whole_number() -> None:
    kept = raw_values(REQUEST_FORM, {"affected_staff": 12.5}, 1)["affected_staff"]
    assert kept == "12.5"
    with pytest.raises(FieldError) as error:
        read_number(REQUEST_FORM.fields["affected_staff"], kept)
    assert str(error.value) == "Enter the number of staff as a whole number, like 25"


# ---- Options, steps ---------------------------------------------------------------------------


def test_options_are_made_from_labels_in_their_order_with_the_key_as_the_value() -> None:
    assert choices_of(KIND_LABELS) == (
        Choice("new_system", "A new system"),
        Choice("change_existing", "A change to an existing system"),
        Choice("data_reporting", "Data or reporting"),
        Choice("automation", "Automation or self-service"),
        Choice("hardware_access", "Hardware or access"),
        Choice("other", "Something else"),
    )
    assert choices_of(BUDGET_LABELS)[0] == Choice("none", "No cost expected")


def test_there_is_no_step_to_go_back_to_without_errors() -> None:
    with pytest.raises(ValueError) as error:
        first_step_with_error(REQUEST_FORM, {})
    assert str(error.value) == "There are no errors, so no step to go back to"


def test_asking_for_a_step_the_form_does_not_have_names_it() -> None:
    with pytest.raises(ValueError) as error:
        REQUEST_FORM.step(9)
    assert str(error.value) == "The form has no step 9"
