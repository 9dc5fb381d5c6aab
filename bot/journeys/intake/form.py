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
    NO,
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
    read_yes_no,
)
from bot.domain.glossary import DRIVER_MEANINGS
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
from bot.domain.scoring import FORM_HINTS

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


def _hint(name: str, *lines: str) -> str:
    """A question's hint: what to write, then how the answer counts in the score."""
    return " ".join(line for line in (*lines, FORM_HINTS.get(name, "")) if line)


def _count(name: str, label: str, noun: str, help: str = "") -> FieldSpec:
    return FieldSpec(
        name,
        label,
        "number",
        noun=noun,
        minimum=0,
        maximum=10_000_000,
        help=_hint(name, help),
        in_group=True,
    )


def _date_passed(name: str) -> forms.ShownWhen:
    """Whether the date answered for `name` is a real date before today."""

    def passed(values: Mapping[str, str], today: dt.date) -> bool:
        spec = FIELDS[name]
        try:
            value = read_date(spec, values.get(name, ""), today)
        except forms.FieldError:
            return False
        return value is not None and value < today

    return passed


# The one line that explains the strategy's word for telling IT before buying.
EARLY_ENGAGEMENT = (
    "Procurement early engagement means you tell IT before you buy or renew. Then we can "
    "check if the council already has something that does the job."
)


SUPPLIER_NEEDED_IF = "needed if you are buying or renewing"
SUPPLIER_MISSING = (
    "Enter the supplier or product name. It is needed because you are buying or renewing."
)
# Each driver with what it means in the strategy, so nobody has to guess.
_DRIVER_CHOICES = tuple(
    Choice(driver.value, label, DRIVER_MEANINGS[driver]) for driver, label in DRIVER_LABELS.items()
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
            help=_hint("title", "For example, Book garden waste collections online."),
            noun="title",
            missing="Enter a title",
        ),
        FieldSpec(
            "problem",
            "The problem today: what is wrong, and for whom",
            "multiline",
            required=True,
            max_length=4000,
            help=_hint("problem", "Say what happens now, who it affects and why it matters."),
            noun="the description of the problem",
            missing="Describe the problem today",
        ),
        # The group's hint goes first, before the three questions it is about.
        _count(
            "affected_staff",
            "How many staff does it affect?",
            "the number of staff",
            help="Fill in at least one of staff, residents or businesses. A rough number is fine.",
        ),
        _count(
            "affected_residents", "How many residents does it affect?", "the number of residents"
        ),
        _count(
            "affected_businesses", "How many businesses does it affect?", "the number of businesses"
        ),
        FieldSpec(
            "directorate",
            "Which directorate is it for?",
            "choice",
            required=True,
            choices=tuple(Choice(name, name) for name in DIRECTORATES),
            help=_hint("directorate", "Choose Several directorates if it is for more than one."),
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
            help=_hint("kind"),
            noun="the kind of request",
            missing="Choose the kind of request",
        ),
        FieldSpec(
            "involves_procurement",
            "Does this involve buying or renewing software or a contract?",
            "yesno",
            required=True,
            help=_hint("involves_procurement", EARLY_ENGAGEMENT),
            noun="whether this involves buying or renewing software or a contract",
            missing="Choose yes if this involves buying or renewing software or a contract. "
            "Choose no if it does not.",
        ),
        FieldSpec(
            "supplier",
            "Supplier or product name",
            "text",
            max_length=200,
            help=_hint("supplier", "Leave blank if you are not buying or renewing."),
            noun="the supplier or product name",
            needed_if=SUPPLIER_NEEDED_IF,
        ),
        FieldSpec(
            "contract_end",
            "When does the current contract end?",
            "date",
            help=_hint(
                "contract_end",
                "For example, 31 March 2027. Leave blank if there is no current contract.",
            ),
            noun="the contract end date",
        ),
        FieldSpec(
            "contract_ended",
            "This date has passed. Has the contract already ended?",
            "yesno",
            required=True,
            help="Choose yes if it has ended. Choose no if it has not, and correct the date.",
            noun="whether the contract has already ended",
            missing="Choose yes if the contract has already ended. Choose no if it has not.",
            shown_when=_date_passed("contract_end"),
        ),
        FieldSpec(
            "personal_data",
            "Will it use personal data?",
            "yesno",
            required=True,
            help=_hint(
                "personal_data",
                "If yes, you will need a data protection impact assessment (DPIA).",
            ),
            noun="whether it will use personal data",
            missing="Choose yes if it will use personal data. Choose no if it will not.",
        ),
        FieldSpec(
            "existing_systems",
            "Existing systems it must work with",
            "multiline",
            max_length=1000,
            help=_hint(
                "existing_systems", "Separate them with commas, like Teams, SharePoint, Academy."
            ),
            noun="the list of existing systems",
        ),
        FieldSpec(
            "user_research",
            "What do you already know from the people who will use it?",
            "multiline",
            max_length=2000,
            help=_hint(
                "user_research", "For example, feedback, complaints, surveys or interviews."
            ),
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
            help=_hint(
                "sponsor",
                "The strategy asks that every digital change has a senior sponsor in the "
                "service. Leave blank if you do not have one yet.",
            ),
            noun="the sponsor's name",
        ),
        FieldSpec(
            "budget",
            "How much do you expect it to cost?",
            "choice",
            required=True,
            choices=choices_of(BUDGET_LABELS),
            help=_hint("budget"),
            noun="the expected cost",
            missing="Choose how much you expect it to cost",
        ),
        FieldSpec(
            "needed_by",
            "When do you need it by?",
            "date",
            not_in_past=True,
            help=_hint("needed_by", "For example, 31 March 2027."),
            noun="the date you need it by",
        ),
        FieldSpec(
            "statutory_deadline",
            "Statutory or legal deadline, if any",
            "date",
            help=_hint(
                "statutory_deadline",
                "For example, 31 March 2027. Leave blank if there is none. "
                "A deadline that has passed is fine: tell us anyway.",
            ),
            noun="the statutory or legal deadline",
            past_note="This date has passed. We will flag it as urgent.",
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
            help=_hint("cash_saving_per_year"),
        ),
        FieldSpec(
            "hours_saved_per_year",
            "Expected staff hours saved a year",
            "number",
            noun="the staff hours saved",
            minimum=0,
            maximum=10_000_000,
            example="500",
            help=_hint("hours_saved_per_year"),
        ),
        FieldSpec(
            "resident_impact",
            "How will it help residents or businesses?",
            "multiline",
            max_length=1000,
            help=_hint("resident_impact"),
            noun="the description of how it helps residents",
        ),
        FieldSpec(
            "drivers",
            "Which strategic drivers does it support?",
            "multichoice",
            required=True,
            choices=_DRIVER_CHOICES,
            help=_hint(
                "drivers",
                "These are the ten drivers in the Digital Strategy 2024-30. Choose all that apply.",
            ),
            noun="the strategic drivers",
            missing="Choose at least one strategic driver",
        ),
    ),
)

STEPS: tuple[Step, ...] = (_ABOUT, _NEED, _SPONSOR, _BENEFITS)
# Asked only to make sure of another answer; kept in the draft, not in the request.
DRAFT_ONLY = frozenset({"contract_ended"})
# The request's answers, one per field of RequestDetails, in the form's order.
FIELDS: dict[str, FieldSpec] = {
    spec.name: spec for step in STEPS for spec in step.fields if spec.name not in DRAFT_ONLY
}
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
    buying = read_yes_no(FIELDS["involves_procurement"], values.get("involves_procurement", ""))
    if buying and not read_text(FIELDS["supplier"], values.get("supplier", "")):
        return {"supplier": SUPPLIER_MISSING}
    return {}


def _contract_end_right(values: Mapping[str, str], errors: Mapping[str, str]) -> dict[str, str]:
    """A contract end date that has passed is kept only once they say the contract ended."""
    if "contract_end" in errors or "contract_ended" in errors:
        return {}
    if values.get("contract_ended", "").strip().lower() == NO:
        return {
            "contract_end": "Correct the contract end date. You said the contract has not "
            "ended, so the date must be today or later."
        }
    return {}


def _step_two(values: Mapping[str, str], errors: Mapping[str, str]) -> dict[str, str]:
    return {**_supplier_named(values, errors), **_contract_end_right(values, errors)}


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

    def yes(name: str) -> bool:
        return read_yes_no(FIELDS[name], raw(name)) is True

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
        involves_procurement=yes("involves_procurement"),
        supplier=text("supplier"),
        contract_end=date("contract_end"),
        personal_data=yes("personal_data"),
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
    cross_checks={1: _someone_affected, 2: _step_two},
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
