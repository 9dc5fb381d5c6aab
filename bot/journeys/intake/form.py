"""The requirements-gathering form, as data for the form engine: four short steps.

The strategy's requirements-gathering toolkit asks what is wrong today and for whom,
what is needed, who sponsors it, what it costs and saves, and which strategic drivers
it serves. Answers become typed `RequestDetails` only once every check passes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from bot.domain import forms
from bot.domain.forms import (
    UNREADABLE,
    UNREADABLE_MESSAGE,
    Choice,
    FieldSpec,
    FormDefinition,
    Step,
    choices_of,
    read_choice,
    read_date,
    read_multichoice,
    read_number,
    read_text,
    read_toggle,
)
from bot.domain.model import (
    BUDGET_LABELS,
    DIRECTORATES,
    DRIVER_LABELS,
    KIND_LABELS,
    Budget,
    Driver,
    RequestDetails,
    RequestKind,
)

__all__ = [
    "FIELDS",
    "FIELD_NAMES",
    "REQUEST_FORM",
    "STEPS",
    "UNREADABLE",
    "UNREADABLE_MESSAGE",
    "FieldSpec",
    "build_details",
    "first_step_with_error",
    "raw_values",
    "step_of",
    "validate_all",
    "validate_step",
]


def _count(name: str, label: str, noun: str, help: str = "") -> FieldSpec:
    return FieldSpec(
        name, label, "number", noun=noun, minimum=0, maximum=10_000_000, help=help, in_group=True
    )


_ABOUT = Step(
    1,
    "About the problem",
    "Tell us what is wrong today and who it affects. You do not need to know the answer yet.",
    (
        FieldSpec(
            "title",
            "Short title",
            "text",
            required=True,
            max_length=120,
            help="For example, Book garden waste collections online.",
            noun="title",
            missing="Enter a title",
        ),
        FieldSpec(
            "problem",
            "The problem today: what is wrong, and for whom",
            "multiline",
            required=True,
            max_length=4000,
            help="Say what happens now, who it affects and why it matters.",
            noun="the description of the problem",
            missing="Describe the problem today",
        ),
        _count("affected_staff", "How many staff does it affect?", "the number of staff"),
        _count(
            "affected_residents", "How many residents does it affect?", "the number of residents"
        ),
        _count(
            "affected_businesses",
            "How many businesses does it affect?",
            "the number of businesses",
            help="Fill in at least one of staff, residents or businesses. A rough number is fine.",
        ),
        FieldSpec(
            "directorate",
            "Which directorate is it for?",
            "choice",
            required=True,
            choices=tuple(Choice(name, name) for name in DIRECTORATES),
            help="Choose Several directorates if it is for more than one.",
            noun="the directorate",
            missing="Choose the directorate it is for",
        ),
    ),
)

_NEED = Step(
    2,
    "What you need",
    "Tell us what kind of help you need. If you are about to buy or renew software, "
    "IT must be involved before you do.",
    (
        FieldSpec(
            "kind",
            "What kind of request is it?",
            "choice",
            required=True,
            choices=choices_of(KIND_LABELS),
            noun="the kind of request",
            missing="Choose the kind of request",
        ),
        FieldSpec(
            "involves_procurement",
            "Does this involve buying or renewing software or a contract?",
            "toggle",
            noun="whether this involves buying or renewing software or a contract",
        ),
        FieldSpec(
            "supplier",
            "Supplier or product name",
            "text",
            max_length=200,
            help="You must fill this in if you are buying or renewing.",
            noun="the supplier or product name",
        ),
        FieldSpec(
            "contract_end",
            "When does the current contract end?",
            "date",
            help="For example, 31 March 2027. Leave blank if there is no current contract.",
            noun="the contract end date",
        ),
        FieldSpec(
            "personal_data",
            "Will it use personal data?",
            "toggle",
            help="If yes, you will need a data protection impact assessment (DPIA).",
            noun="whether it will use personal data",
        ),
        FieldSpec(
            "existing_systems",
            "Existing systems it must work with",
            "multiline",
            max_length=1000,
            help="Separate them with commas, like Teams, SharePoint, Academy.",
            noun="the list of existing systems",
        ),
        FieldSpec(
            "user_research",
            "What do you already know from the people who will use it?",
            "multiline",
            max_length=2000,
            help="For example, feedback, complaints, surveys or interviews.",
            noun="what you know from users",
        ),
    ),
)

_SPONSOR = Step(
    3,
    "Sponsor, budget and dates",
    "Tell us who supports this in your service, what it might cost and when you need it.",
    (
        FieldSpec(
            "sponsor",
            "Named senior sponsor",
            "text",
            max_length=120,
            help="The strategy asks that every digital change has a senior sponsor in the "
            "service. Leave blank if you do not have one yet.",
            noun="the sponsor's name",
        ),
        FieldSpec(
            "budget",
            "How much do you expect it to cost?",
            "choice",
            required=True,
            choices=choices_of(BUDGET_LABELS),
            noun="the expected cost",
            missing="Choose how much you expect it to cost",
        ),
        FieldSpec(
            "needed_by",
            "When do you need it by?",
            "date",
            not_in_past=True,
            help="For example, 31 March 2027.",
            noun="the date you need it by",
        ),
        FieldSpec(
            "statutory_deadline",
            "Statutory or legal deadline, if any",
            "date",
            not_in_past=True,
            help="For example, 31 March 2027. Leave blank if there is none.",
            noun="the statutory or legal deadline",
        ),
    ),
)

_BENEFITS = Step(
    4,
    "Benefits and the strategy",
    "Tell us what it will save and which parts of the council's Digital Strategy 2024-30 "
    "it supports. We use this to prioritise requests fairly and openly.",
    (
        FieldSpec(
            "cash_saving_per_year",
            "Expected cash saving a year, in pounds",
            "number",
            noun="the cash saving",
            minimum=0,
            maximum=1_000_000_000,
            example="12000",
            money=True,
        ),
        FieldSpec(
            "hours_saved_per_year",
            "Expected staff hours saved a year",
            "number",
            noun="the staff hours saved",
            minimum=0,
            maximum=10_000_000,
            example="500",
        ),
        FieldSpec(
            "resident_impact",
            "How will it help residents or businesses?",
            "multiline",
            max_length=1000,
            noun="the description of how it helps residents",
        ),
        FieldSpec(
            "drivers",
            "Which strategic drivers does it support?",
            "multichoice",
            required=True,
            choices=choices_of(DRIVER_LABELS),
            help="These are the ten drivers in the Digital Strategy 2024-30. Choose all "
            "that apply.",
            noun="the strategic drivers",
            missing="Choose at least one strategic driver",
        ),
    ),
)

STEPS: tuple[Step, ...] = (_ABOUT, _NEED, _SPONSOR, _BENEFITS)
FIELDS: dict[str, FieldSpec] = {spec.name: spec for step in STEPS for spec in step.fields}
FIELD_NAMES: tuple[str, ...] = tuple(FIELDS)


def _someone_affected(values: Mapping[str, str], errors: Mapping[str, str]) -> dict[str, str]:
    names = ("affected_staff", "affected_residents", "affected_businesses")
    if any(name in errors for name in names):
        return {}
    counts = [read_number(FIELDS[name], values.get(name, "")) for name in names]
    if any(count for count in counts):
        return {}
    return {
        "affected_staff": "Enter how many staff, residents or businesses it affects. "
        "At least one must be more than 0."
    }


def _supplier_named(values: Mapping[str, str], errors: Mapping[str, str]) -> dict[str, str]:
    if "involves_procurement" in errors or "supplier" in errors:
        return {}
    buying = read_toggle(FIELDS["involves_procurement"], values.get("involves_procurement", ""))
    if buying and not read_text(FIELDS["supplier"], values.get("supplier", "")):
        return {
            "supplier": "Enter the supplier or product name. We need it because this "
            "involves buying or renewing."
        }
    return {}


def build_details(values: Mapping[str, str], today: dt.date) -> RequestDetails:
    """Typed, cleaned details from checked answers. Raises ValueError if any answer is wrong."""
    errors = forms.all_errors(REQUEST_FORM, values, today)
    if errors:
        raise ValueError(f"These answers need changing first: {', '.join(errors)}")

    def raw(name: str) -> str:
        return values.get(name, "")

    def text(name: str) -> str:
        return read_text(FIELDS[name], raw(name))

    def number(name: str) -> int | None:
        return read_number(FIELDS[name], raw(name))

    def date(name: str) -> dt.date | None:
        return read_date(FIELDS[name], raw(name), today)

    def toggle(name: str) -> bool:
        return read_toggle(FIELDS[name], raw(name))

    def choice(name: str) -> str:
        return read_choice(FIELDS[name], raw(name))

    return RequestDetails(
        title=text("title"),
        problem=text("problem"),
        affected_staff=number("affected_staff"),
        affected_residents=number("affected_residents"),
        affected_businesses=number("affected_businesses"),
        directorate=choice("directorate"),
        kind=RequestKind(choice("kind")),
        involves_procurement=toggle("involves_procurement"),
        supplier=text("supplier"),
        contract_end=date("contract_end"),
        personal_data=toggle("personal_data"),
        existing_systems=text("existing_systems"),
        user_research=text("user_research"),
        sponsor=text("sponsor"),
        budget=Budget(choice("budget")),
        needed_by=date("needed_by"),
        statutory_deadline=date("statutory_deadline"),
        cash_saving_per_year=number("cash_saving_per_year"),
        hours_saved_per_year=number("hours_saved_per_year"),
        resident_impact=text("resident_impact"),
        drivers=tuple(
            Driver(value) for value in read_multichoice(FIELDS["drivers"], raw("drivers"))
        ),
    )


REQUEST_FORM: FormDefinition[RequestDetails] = FormDefinition(
    key="request",
    title="Raise a digital request",
    steps=STEPS,
    build=build_details,
    cross_checks={1: _someone_affected, 2: _supplier_named},
    noun="request",
    start_command="new request",
    resume_command="continue",
    submit_label="Send request",
    review_note="When you send it, you will get a reference, a priority score and the board "
    "it goes to.",
)


# The request form's checks, by the names the rest of the product and its tests use.


def step_of(field_name: str) -> int:
    return REQUEST_FORM.step_of(field_name)


def raw_values(data: Mapping[str, object], step: int) -> dict[str, str]:
    return forms.raw_values(REQUEST_FORM, data, step)


def validate_step(step: int, values: Mapping[str, str], today: dt.date) -> dict[str, str]:
    return forms.validate_step(REQUEST_FORM, step, values, today)


def validate_all(
    values: Mapping[str, str], today: dt.date
) -> tuple[RequestDetails | None, dict[str, str]]:
    return forms.validate_all(REQUEST_FORM, values, today)


def first_step_with_error(errors: Mapping[str, str]) -> int:
    return forms.first_step_with_error(REQUEST_FORM, errors)
