import dataclasses
import datetime as dt

import pytest

from bot.domain.forms import without_hidden
from bot.domain.model import Budget, Driver, RequestDetails, RequestKind
from bot.journeys.intake.form import (
    FIELD_NAMES,
    FIELDS,
    REQUEST_FORM,
    STEPS,
    UNREADABLE,
    UNREADABLE_MESSAGE,
    FieldSpec,
    build_details,
    first_step_with_error,
    raw_values,
    step_of,
    validate_all,
    validate_step,
)

TODAY = dt.date(2026, 6, 1)

VALID: dict[str, str] = {
    "title": "Book garden waste collections online",
    "problem": "Residents phone us to book collections and staff retype every booking.",
    "affected_staff": "12",
    "affected_residents": "",
    "affected_businesses": "",
    "directorate": "Place",
    "kind": "automation",
    "involves_procurement": "false",
    "supplier": "",
    "contract_end": "",
    "personal_data": "true",
    "existing_systems": "Dynamics, SharePoint",
    "user_research": "",
    "sponsor": "Jo Bloggs",
    "budget": "under_10k",
    "needed_by": "2026-12-31",
    "statutory_deadline": "",
    "cash_saving_per_year": "£12,000",
    "hours_saved_per_year": "",
    "resident_impact": "",
    "drivers": "efficiency,service_delivery",
}


def errors_for(**changes: str) -> dict[str, str]:
    values = {**VALID, **changes}
    return validate_step(step_of(next(iter(changes))), values, TODAY)


def error_for(name: str, raw: str) -> str | None:
    return errors_for(**{name: raw}).get(name)


def fields_of_kind(*kinds: str) -> list[FieldSpec]:
    return [spec for spec in FIELDS.values() if spec.kind in kinds]


# ---- The form itself ---------------------------------------------------------


def test_the_form_asks_for_exactly_what_a_request_records() -> None:
    assert tuple(field.name for field in dataclasses.fields(RequestDetails)) == FIELD_NAMES


def test_the_steps_are_numbered_one_to_four_in_order() -> None:
    assert [step.number for step in STEPS] == [1, 2, 3, 4]
    assert [step.title for step in STEPS] == [
        "About the problem",
        "What you need",
        "Sponsor, budget and dates",
        "Benefits and the strategy",
    ]
    assert step_of("title") == 1
    assert step_of("supplier") == 2
    assert step_of("budget") == 3
    assert step_of("drivers") == 4


def test_asking_for_a_field_or_step_the_form_does_not_have_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="nickname"):
        step_of("nickname")
    with pytest.raises(ValueError):
        validate_step(5, VALID, TODAY)
    with pytest.raises(ValueError):
        raw_values({}, 0)


def test_every_choice_has_a_label_people_understand() -> None:
    kinds = {choice.value: choice.label for choice in FIELDS["kind"].choices or ()}
    assert kinds["new_system"] == "A new system"
    assert len(FIELDS["drivers"].choices or ()) == 10


def test_a_complete_and_correct_form_gives_typed_details() -> None:
    details, errors = validate_all(VALID, TODAY)
    assert errors == {}
    assert details == RequestDetails(
        title="Book garden waste collections online",
        problem=VALID["problem"],
        affected_staff=12,
        affected_residents=None,
        affected_businesses=None,
        directorate="Place",
        kind=RequestKind.AUTOMATION,
        involves_procurement=False,
        supplier="",
        contract_end=None,
        personal_data=True,
        existing_systems="Dynamics, SharePoint",
        user_research="",
        sponsor="Jo Bloggs",
        budget=Budget.UNDER_10K,
        needed_by=dt.date(2026, 12, 31),
        statutory_deadline=None,
        cash_saving_per_year=12000,
        hours_saved_per_year=None,
        resident_impact="",
        drivers=(Driver.EFFICIENCY, Driver.SERVICE_DELIVERY),
    )


# ---- From card data to the draft --------------------------------------------


def test_card_answers_are_kept_exactly_as_typed_and_only_for_that_step() -> None:
    long_text = "  x" * 40_000
    data = {"title": long_text, "problem": " Line one\r\nLine two ", "kind": "automation"}
    kept = raw_values(data, 1)
    assert set(kept) == {spec.name for spec in STEPS[0].fields}
    assert kept["title"] == long_text
    assert kept["problem"] == " Line one\r\nLine two "
    assert kept["affected_staff"] == ""


def test_card_inputs_that_send_other_json_types_are_kept_as_text() -> None:
    data = {"involves_procurement": True, "personal_data": False, "kind": None}
    kept = raw_values(data, 2)
    assert kept["involves_procurement"] == "true"
    assert kept["personal_data"] == "false"
    assert kept["kind"] == ""
    assert (
        raw_values({"affected_staff": 25, "affected_residents": 3.0}, 1)["affected_staff"] == "25"
    )
    assert raw_values({"affected_residents": 3.0}, 1)["affected_residents"] == "3"
    assert raw_values({"drivers": ["efficiency", "collaboration"]}, 4)["drivers"] == (
        "efficiency,collaboration"
    )


@pytest.mark.parametrize("forged", [42, 4.2, True, ["a"], {"a": 1}, [["a"]]])
def test_a_text_answer_of_the_wrong_json_type_is_refused_clearly(forged: object) -> None:
    kept = raw_values({"title": forged}, 1)
    assert kept["title"] == UNREADABLE
    assert error_for("title", kept["title"]) == UNREADABLE_MESSAGE


def test_a_null_text_answer_counts_as_empty() -> None:
    kept = raw_values({"title": None}, 1)
    assert error_for("title", kept["title"]) == "Enter a title"


@pytest.mark.parametrize(
    ("name", "forged"),
    [
        ("affected_staff", True),
        ("affected_staff", {"n": 1}),
        ("affected_staff", [25]),
        ("affected_staff", 10**30),
        ("involves_procurement", 1),
        ("involves_procurement", ["true"]),
        ("directorate", 3),
        ("directorate", ["Place"]),
        ("drivers", [1, 2]),
        ("drivers", [["efficiency"]]),
        ("drivers", {"efficiency": True}),
        ("needed_by", 20261231),
    ],
)
def test_any_answer_of_a_type_no_card_sends_is_refused_clearly(name: str, forged: object) -> None:
    kept = raw_values({name: forged}, step_of(name))
    assert kept[name] == UNREADABLE
    assert error_for(name, kept[name]) == UNREADABLE_MESSAGE


@pytest.mark.parametrize("forged", [12.5, float("inf"), float("nan")])
def test_a_number_answer_that_is_not_whole_is_refused(forged: float) -> None:
    kept = raw_values({"affected_staff": forged}, 1)
    assert error_for("affected_staff", kept["affected_staff"]) == (
        "Enter the number of staff as a whole number, like 25"
    )


# ---- Text --------------------------------------------------------------------


@pytest.mark.parametrize("empty", ["", "   ", "\x00\x01\x1b", " \u202e\u200b\ufeff \r\n\t"])
def test_a_title_of_spaces_or_control_characters_counts_as_empty(empty: str) -> None:
    assert error_for("title", empty) == "Enter a title"


@pytest.mark.parametrize("empty", ["", "   ", "\x00\x07"])
def test_the_problem_must_be_described(empty: str) -> None:
    assert error_for("problem", empty) == "Describe the problem today"


def test_a_100_kb_title_is_refused_saying_how_long_it_was() -> None:
    assert error_for("title", "x" * 102_400) == (
        "Title must be 120 characters or fewer. You entered 102,400."
    )


def test_length_is_counted_after_cleaning() -> None:
    assert error_for("title", "  " + "x" * 120 + "\x00" * 50 + "  ") is None
    assert error_for("title", "x" * 121) == (
        "Title must be 120 characters or fewer. You entered 121."
    )


@pytest.mark.parametrize("spec", fields_of_kind("text", "multiline"), ids=lambda s: s.name)
def test_every_text_answer_has_a_length_limit_named_in_words(spec: FieldSpec) -> None:
    assert spec.max_length is not None
    message = error_for(spec.name, "y" * 102_400)
    assert message is not None
    assert message.endswith(
        f"must be {spec.max_length:,} characters or fewer. You entered 102,400."
    )
    assert message[0].isupper()
    assert "_" not in message


@pytest.mark.parametrize("spec", list(FIELDS.values()), ids=lambda s: s.name)
def test_every_answer_of_the_wrong_type_gets_the_same_clear_message(spec: FieldSpec) -> None:
    assert error_for(spec.name, UNREADABLE) == UNREADABLE_MESSAGE


@pytest.mark.parametrize(
    "name", ["supplier", "existing_systems", "user_research", "sponsor", "resident_impact"]
)
def test_optional_text_may_be_left_blank(name: str) -> None:
    assert not FIELDS[name].required
    assert error_for(name, "  \x00 ") is None


# ---- Numbers -----------------------------------------------------------------


COUNTS = ["affected_staff", "affected_residents", "affected_businesses", "hours_saved_per_year"]
NOUNS = {
    "affected_staff": "the number of staff",
    "affected_residents": "the number of residents",
    "affected_businesses": "the number of businesses",
    "hours_saved_per_year": "the staff hours saved",
}


@pytest.mark.parametrize("name", COUNTS)
@pytest.mark.parametrize("typed", ["12.5", "abc", "1e9", "12 staff", "--3", "0x10", "½"])
def test_a_count_that_is_not_a_whole_number_is_refused(name: str, typed: str) -> None:
    example = "500" if name == "hours_saved_per_year" else "25"
    assert error_for(name, typed) == f"Enter {NOUNS[name]} as a whole number, like {example}"


@pytest.mark.parametrize("name", COUNTS)
def test_a_negative_count_is_refused(name: str) -> None:
    assert error_for(name, "-3") == f"{NOUNS[name].capitalize()} must be 0 or more"


@pytest.mark.parametrize("name", COUNTS)
@pytest.mark.parametrize("typed", ["10000001", "99999999999999999999", "9" * 102_400])
def test_a_count_above_ten_million_is_refused(name: str, typed: str) -> None:
    assert error_for(name, typed) == f"{NOUNS[name].capitalize()} must be 10,000,000 or fewer"


@pytest.mark.parametrize(
    ("typed", "count"),
    [("0", 0), ("10,000,000", 10_000_000), (" 1 200 ", 1200), ("007", 7), ("-0", 0)],
)
def test_counts_can_be_written_the_way_people_write_numbers(typed: str, count: int) -> None:
    details = build_details({**VALID, "hours_saved_per_year": typed}, TODAY)
    assert details.hours_saved_per_year == count


def test_a_cash_saving_is_whole_pounds_up_to_a_billion() -> None:
    assert error_for("cash_saving_per_year", "12.50") == (
        "Enter the cash saving as a whole number of pounds, like 12000"
    )
    assert error_for("cash_saving_per_year", "-1") == "The cash saving must be £0 or more"
    assert error_for("cash_saving_per_year", "1000000001") == (
        "The cash saving must be £1,000,000,000 or less"
    )
    assert error_for("cash_saving_per_year", "£1,000,000,000") is None


# ---- Who it affects ----------------------------------------------------------

NOBODY = (
    "Enter how many staff, residents or businesses it affects. At least one must be more than 0."
)


@pytest.mark.parametrize(
    ("staff", "residents", "businesses"), [("", "", ""), ("0", "0", "0"), ("0", "", " ")]
)
def test_someone_must_be_affected(staff: str, residents: str, businesses: str) -> None:
    errors = errors_for(
        affected_staff=staff, affected_residents=residents, affected_businesses=businesses
    )
    assert errors == {"affected_staff": NOBODY}


@pytest.mark.parametrize("name", ["affected_staff", "affected_residents", "affected_businesses"])
def test_any_one_of_staff_residents_or_businesses_is_enough(name: str) -> None:
    values = {"affected_staff": "", "affected_residents": "", "affected_businesses": "", name: "1"}
    assert errors_for(**values) == {}


def test_a_wrong_count_gets_its_own_message_not_the_nobody_affected_one() -> None:
    errors = errors_for(affected_staff="lots", affected_residents="", affected_businesses="")
    assert errors == {"affected_staff": "Enter the number of staff as a whole number, like 25"}


# ---- Dates -------------------------------------------------------------------

DATES = {
    "contract_end": "The contract end date",
    "needed_by": "The date you need it by",
    "statutory_deadline": "The statutory or legal deadline",
}


@pytest.mark.parametrize("name", list(DATES))
@pytest.mark.parametrize(
    "typed",
    [
        "2026-02-30",
        "31/12/2026",
        "20261231",
        "2026-W52-1",
        "2026-13-01",
        "tomorrow",
        "2026-12-31T00:00",
        "\u0662\u0660\u0662\u0667-01-01",
    ],
)
def test_a_date_must_be_a_real_date(name: str, typed: str) -> None:
    assert error_for(name, typed) == f"{DATES[name]} must be a real date, like 31 March 2027"


@pytest.mark.parametrize("name", list(DATES))
def test_dates_are_optional(name: str) -> None:
    assert error_for(name, "") is None


def test_the_date_you_need_it_by_cannot_be_in_the_past() -> None:
    assert error_for("needed_by", "2026-05-31") == (
        "The date you need it by must be today or in the future"
    )
    assert error_for("needed_by", "2026-06-01") is None


def test_a_statutory_deadline_already_missed_is_accepted_and_noted() -> None:
    assert error_for("statutory_deadline", "2020-01-01") is None
    details = build_details({**VALID, "statutory_deadline": "2020-01-01"}, TODAY)
    assert details.statutory_deadline == dt.date(2020, 1, 1)
    spec = FIELDS["statutory_deadline"]
    assert spec.note("2020-01-01", TODAY) == "This date has passed. We will flag it as urgent."
    assert spec.note("2026-06-01", TODAY) == ""
    assert spec.note("", TODAY) == ""
    assert spec.note("not a date", TODAY) == ""


PAST = "2026-05-31"  # the day before TODAY


def test_a_contract_end_date_that_has_passed_is_questioned_not_lost() -> None:
    errors = errors_for(contract_end=PAST)
    assert errors == {
        "contract_ended": "Choose yes if the contract has already ended. Choose no if it has not."
    }
    assert REQUEST_FORM.fields["contract_ended"].shown({**VALID, "contract_end": PAST}, TODAY)


def test_yes_the_contract_has_ended_keeps_the_date() -> None:
    assert errors_for(contract_end=PAST, contract_ended="true") == {}
    values = {**VALID, "contract_end": PAST, "contract_ended": "true"}
    assert build_details(values, TODAY).contract_end == dt.date(2026, 5, 31)


def test_no_the_contract_has_not_ended_asks_for_the_date_again() -> None:
    errors = errors_for(contract_end=PAST, contract_ended="false")
    assert errors == {
        "contract_end": "Correct the contract end date. You said the contract has not "
        "ended, so the date must be today or later."
    }
    with pytest.raises(ValueError, match="contract_end"):
        build_details({**VALID, "contract_end": PAST, "contract_ended": "false"}, TODAY)


@pytest.mark.parametrize("typed", ["maybe", "yes", "1", UNREADABLE])
def test_has_the_contract_ended_is_only_yes_or_no(typed: str) -> None:
    errors = errors_for(contract_end=PAST, contract_ended=typed)
    assert set(errors) == {"contract_ended"}
    assert errors["contract_ended"] != ""


@pytest.mark.parametrize("contract_end", ["", "2026-06-01", "2027-01-01"])
@pytest.mark.parametrize("left_over", ["maybe", "false", "true"])
def test_has_the_contract_ended_is_asked_only_of_a_date_that_has_passed(
    contract_end: str, left_over: str
) -> None:
    values = {**VALID, "contract_end": contract_end, "contract_ended": left_over}
    assert not REQUEST_FORM.fields["contract_ended"].shown(values, TODAY)
    assert validate_step(2, values, TODAY) == {}
    assert "contract_ended" not in without_hidden(REQUEST_FORM, values, TODAY)


def test_a_contract_end_that_is_not_a_date_is_not_asked_about() -> None:
    values = {**VALID, "contract_end": "2026-02-30", "contract_ended": "false"}
    assert not REQUEST_FORM.fields["contract_ended"].shown(values, TODAY)
    assert set(validate_step(2, values, TODAY)) == {"contract_end"}
    assert "real date" in validate_step(2, values, TODAY)["contract_end"]


def test_the_extra_contract_answer_stays_in_the_draft_not_the_request() -> None:
    assert "contract_ended" not in FIELDS
    assert "contract_ended" in REQUEST_FORM.fields
    assert REQUEST_FORM.step_of("contract_ended") == step_of("contract_end")


# ---- Yes/no questions and choices ------------------------------------------


@pytest.mark.parametrize("name", ["involves_procurement", "personal_data"])
@pytest.mark.parametrize("typed", ["maybe", "yes", "1", "on"])
def test_a_yes_no_answer_is_only_true_or_false(name: str, typed: str) -> None:
    message = error_for(name, typed)
    assert message is not None
    assert message.startswith("Choose yes or no to say whether")


@pytest.mark.parametrize(("typed", "meaning"), [("true", True), ("TRUE ", True), ("false", False)])
def test_yes_no_answers_keep_the_values_drafts_always_kept(typed: str, meaning: bool) -> None:
    assert build_details({**VALID, "personal_data": typed}, TODAY).personal_data is meaning


@pytest.mark.parametrize(
    ("name", "missing"),
    [
        (
            "involves_procurement",
            "Choose yes if this involves buying or renewing software or a contract. "
            "Choose no if it does not.",
        ),
        ("personal_data", "Choose yes if it will use personal data. Choose no if it will not."),
    ],
)
def test_a_yes_no_question_left_unanswered_is_asked_again(name: str, missing: str) -> None:
    assert FIELDS[name].required
    assert FIELDS[name].kind == "yesno"
    assert error_for(name, "") == missing


@pytest.mark.parametrize(
    ("name", "missing"),
    [
        ("directorate", "Choose the directorate it is for"),
        ("kind", "Choose the kind of request"),
        ("budget", "Choose how much you expect it to cost"),
    ],
)
def test_each_required_choice_must_be_made(name: str, missing: str) -> None:
    assert error_for(name, "") == missing
    assert error_for(name, " \x00 ") == missing


@pytest.mark.parametrize("spec", fields_of_kind("choice"), ids=lambda s: s.name)
@pytest.mark.parametrize("typed", ["bogus", "A new system", "place", "'; DROP TABLE x; --"])
def test_a_choice_must_be_one_of_the_options(spec: FieldSpec, typed: str) -> None:
    assert error_for(spec.name, typed) == "Choose one of the options listed"


def test_at_least_one_strategic_driver_must_be_chosen() -> None:
    assert error_for("drivers", "") == "Choose at least one strategic driver"
    assert error_for("drivers", " , ,") == "Choose at least one strategic driver"


def test_strategic_drivers_must_all_be_from_the_list() -> None:
    assert error_for("drivers", "efficiency,world_peace") == "Choose only from the options listed"


def test_strategic_drivers_chosen_twice_count_once() -> None:
    details = build_details({**VALID, "drivers": " efficiency , collaboration,efficiency"}, TODAY)
    assert details.drivers == (Driver.EFFICIENCY, Driver.COLLABORATION)


# ---- Buying software ---------------------------------------------------------


def test_someone_buying_or_renewing_must_name_the_supplier() -> None:
    errors = errors_for(involves_procurement="true", supplier="  ")
    assert errors == {
        "supplier": "Enter the supplier or product name. "
        "It is needed because you are buying or renewing."
    }
    assert FIELDS["supplier"].label_text == (
        "Supplier or product name (needed if you are buying or renewing)"
    )
    assert errors_for(involves_procurement="true", supplier="Civica") == {}
    assert errors_for(involves_procurement="false", supplier="") == {}


# ---- The whole form ----------------------------------------------------------


def test_checking_everything_reports_every_problem_on_every_step() -> None:
    details, errors = validate_all({**VALID, "budget": "", "title": "", "drivers": ""}, TODAY)
    assert details is None
    assert errors == {
        "title": "Enter a title",
        "budget": "Choose how much you expect it to cost",
        "drivers": "Choose at least one strategic driver",
    }
    assert first_step_with_error(errors) == 1


def test_an_empty_form_is_refused_not_crashed() -> None:
    details, errors = validate_all({}, TODAY)
    assert details is None
    assert set(errors) == {
        "title",
        "problem",
        "affected_staff",
        "directorate",
        "kind",
        "involves_procurement",
        "personal_data",
        "budget",
        "drivers",
    }


def _worst_answers() -> list[dict[str, str]]:
    """Answers that make the form ask the most: buying, a contract ended, nothing else."""
    return [
        {},
        {**VALID, "involves_procurement": "true", "supplier": "Civica"},
        {**VALID, "contract_end": "2020-01-01", "contract_ended": "true"},
        {name: "" for name in REQUEST_FORM.fields},
    ]


@pytest.mark.parametrize("answers", _worst_answers())
def test_a_question_marked_optional_is_never_told_to_be_filled_in(answers: dict[str, str]) -> None:
    optional = [s for s in REQUEST_FORM.fields.values() if s.label_text.endswith("(optional)")]
    assert {s.name for s in optional} >= {"sponsor", "user_research", "resident_impact"}
    values = {**answers, **{spec.name: "" for spec in optional}}
    errors = {}
    for step in STEPS:
        errors.update(validate_step(step.number, values, TODAY))
    assert not {spec.name for spec in optional} & set(errors), errors
    for spec in optional:
        assert spec.missing == ""
        assert "you must" not in spec.help.lower(), spec.help


def test_people_go_back_to_the_earliest_step_with_a_problem() -> None:
    assert first_step_with_error({"drivers": "x", "budget": "y"}) == 3
    with pytest.raises(ValueError):
        first_step_with_error({})


def test_details_are_cleaned_before_they_are_kept() -> None:
    values = {
        **VALID,
        "title": "  Garden\nwaste\t\u202eonline\x00 ",
        "problem": "\ufeffLine one\r\n\r\nLine two\u2028",
        "sponsor": " Jo\n Bloggs ",
        "supplier": "Civica\tLtd",
        "involves_procurement": "true",
    }
    details = build_details(values, TODAY)
    assert details.title == "Garden waste online"
    assert details.problem == "Line one\n\nLine two"
    assert details.sponsor == "Jo Bloggs"
    assert details.supplier == "Civica Ltd"


def test_details_are_never_built_from_wrong_answers() -> None:
    with pytest.raises(ValueError, match="title"):
        build_details({**VALID, "title": ""}, TODAY)
