"""The requirements-gathering form: its steps as data, and the checks on each answer.

Answers are kept in a draft exactly as typed (strings), so nothing anyone typed is
lost, even when it is wrong. They become typed `RequestDetails` only once every
check passes.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal, NamedTuple, TypeVar

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
from bot.domain.text import clean_text, one_line

FieldKind = Literal["text", "multiline", "number", "date", "toggle", "choice", "multichoice"]

# Kept in a draft in place of an answer of the wrong JSON type (a dict for a title,
# say). No card of ours sends one, so it was forged or came from an old card. The
# replacement character cannot be typed by accident and stores safely anywhere.
UNREADABLE = "\ufffd"
UNREADABLE_MESSAGE = "We could not read this answer. Try again."

_Key = TypeVar("_Key", bound=StrEnum)


class Choice(NamedTuple):
    value: str
    label: str


@dataclass(frozen=True)
class FieldSpec:
    """One question. `noun` and `missing` give the words error messages use."""

    name: str
    label: str
    kind: FieldKind
    required: bool = False
    max_length: int | None = None
    choices: tuple[Choice, ...] | None = None
    help: str = ""
    noun: str = ""
    missing: str = ""
    minimum: int | None = None
    maximum: int | None = None
    example: str = "25"
    money: bool = False
    not_in_past: bool = False
    # Part of a group where at least one answer is needed: not marked "(optional)".
    in_group: bool = False


@dataclass(frozen=True)
class Step:
    number: int
    title: str
    intro: str
    fields: tuple[FieldSpec, ...]


def _count(name: str, label: str, noun: str, help: str = "") -> FieldSpec:
    return FieldSpec(
        name, label, "number", noun=noun, minimum=0, maximum=10_000_000, help=help, in_group=True
    )


def _choices(labels: Mapping[_Key, str]) -> tuple[Choice, ...]:
    return tuple(Choice(key.value, label) for key, label in labels.items())


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
            choices=_choices(KIND_LABELS),
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
            choices=_choices(BUDGET_LABELS),
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
            choices=_choices(DRIVER_LABELS),
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
_STEP_OF: dict[str, int] = {spec.name: step.number for step in STEPS for spec in step.fields}


def step_of(field_name: str) -> int:
    if field_name not in _STEP_OF:
        raise ValueError(f"The form has no field called {field_name!r}")
    return _STEP_OF[field_name]


def _step(number: int) -> Step:
    for step in STEPS:
        if step.number == number:
            return step
    raise ValueError(f"The form has no step {number!r}")


# ---- From card data to draft values ----------------------------------------


def raw_values(data: Mapping[str, object], step: int) -> dict[str, str]:
    """The answers to one step, as the strings a draft keeps.

    Every field of the step is included, so clearing an answer clears it in the
    draft; a missing or null answer is "". Strings are kept exactly as typed.
    Other JSON types are kept only where a card input can send them: numbers for
    number fields, true/false for toggles, a list of strings for a multichoice.
    Anything else becomes UNREADABLE, which validation reports.
    """
    return {spec.name: _draft_value(spec.kind, data.get(spec.name)) for spec in _step(step).fields}


def _draft_value(kind: FieldKind, value: object) -> str:
    match value:
        case None:
            return ""
        case str():
            return value
        case bool():
            return ("true" if value else "false") if kind == "toggle" else UNREADABLE
        case int() if kind == "number":
            # A number this long is not a real answer; str() would refuse it anyway.
            return str(value) if value.bit_length() <= 64 else UNREADABLE
        case float() if kind == "number":
            return str(int(value)) if value.is_integer() else repr(value)
        case list() if kind == "multichoice" and all(isinstance(item, str) for item in value):
            return ",".join(value)
        case _:
            return UNREADABLE


# ---- Reading one answer ----------------------------------------------------


class FieldError(ValueError):
    """One answer is wrong. The message says how to put it right."""


def _capitalised(words: str) -> str:
    return words[:1].upper() + words[1:]


def _text(spec: FieldSpec, raw: str) -> str:
    text = one_line(raw) if spec.kind == "text" else clean_text(raw)
    if spec.max_length is not None and len(text) > spec.max_length:
        raise FieldError(
            f"{_capitalised(spec.noun)} must be {spec.max_length:,} characters or fewer. "
            f"You entered {len(text):,}."
        )
    return text


_WHOLE_NUMBER = re.compile(r"-?[0-9]+")


def _amount(spec: FieldSpec, number: int) -> str:
    return f"£{number:,}" if spec.money else f"{number:,}"


def _number(spec: FieldSpec, raw: str) -> int | None:
    # Be forgiving about how people write numbers: "1,200", "1 200", "£1200".
    text = "".join(clean_text(raw).split()).replace(",", "").removeprefix("£")
    if not text:
        return None
    if not _WHOLE_NUMBER.fullmatch(text):
        unit = " of pounds" if spec.money else ""
        raise FieldError(f"Enter {spec.noun} as a whole number{unit}, like {spec.example}")
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("-").lstrip("0") or "0"
    # A pasted 100,000-digit number never reaches int(): that long is out of range anyway.
    number = sign * (int(digits) if len(digits) <= 20 else 10**20)
    if spec.minimum is not None and number < spec.minimum:
        raise FieldError(f"{_capitalised(spec.noun)} must be {_amount(spec, spec.minimum)} or more")
    if spec.maximum is not None and number > spec.maximum:
        fewer = "less" if spec.money else "fewer"
        raise FieldError(
            f"{_capitalised(spec.noun)} must be {_amount(spec, spec.maximum)} or {fewer}"
        )
    return number


# Card date inputs send YYYY-MM-DD. fromisoformat alone would also take "20271231"
# and week dates, which no card sends.
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _real_date(text: str) -> dt.date | None:
    if not _ISO_DATE.fullmatch(text):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:  # a day that does not exist, like 2026-02-30
        return None


def _date(spec: FieldSpec, raw: str, today: dt.date) -> dt.date | None:
    text = clean_text(raw)
    if not text:
        return None
    value = _real_date(text)
    if value is None:
        raise FieldError(f"{_capitalised(spec.noun)} must be a real date, like 31 March 2027")
    if spec.not_in_past and value < today:
        raise FieldError(f"{_capitalised(spec.noun)} must be today or in the future")
    return value


def _toggle(spec: FieldSpec, raw: str) -> bool:
    text = clean_text(raw).lower()
    if text in ("", "false"):
        return False
    if text == "true":
        return True
    raise FieldError(f"Choose yes or no to say {spec.noun}")


def _choice(spec: FieldSpec, raw: str) -> str:
    text = clean_text(raw)
    if text and text not in {choice.value for choice in spec.choices or ()}:
        raise FieldError("Choose one of the options listed")
    return text


def _multichoice(spec: FieldSpec, raw: str) -> tuple[str, ...]:
    picked = [item.strip() for item in clean_text(raw).split(",")]
    unique = tuple(dict.fromkeys(item for item in picked if item))
    if not set(unique) <= {choice.value for choice in spec.choices or ()}:
        raise FieldError("Choose only from the options listed")
    return unique


def _field_error(spec: FieldSpec, raw: str, today: dt.date) -> str | None:
    if raw == UNREADABLE:
        return UNREADABLE_MESSAGE
    value: object
    try:
        match spec.kind:
            case "text" | "multiline":
                value = _text(spec, raw)
            case "number":
                value = _number(spec, raw)
            case "date":
                value = _date(spec, raw, today)
            case "toggle":
                value = _toggle(spec, raw)
            case "choice":
                value = _choice(spec, raw)
            case "multichoice":
                value = _multichoice(spec, raw)
    except FieldError as error:
        return str(error)
    if spec.required and value in ("", None, ()):
        return spec.missing
    return None


# ---- Checking a step and the whole form -------------------------------------


def _someone_affected(values: Mapping[str, str], errors: Mapping[str, str]) -> dict[str, str]:
    names = ("affected_staff", "affected_residents", "affected_businesses")
    if any(name in errors for name in names):
        return {}
    counts = [_number(FIELDS[name], values.get(name, "")) for name in names]
    if any(count for count in counts):
        return {}
    return {
        "affected_staff": "Enter how many staff, residents or businesses it affects. "
        "At least one must be more than 0."
    }


def _supplier_named(values: Mapping[str, str], errors: Mapping[str, str]) -> dict[str, str]:
    if "involves_procurement" in errors or "supplier" in errors:
        return {}
    buying = _toggle(FIELDS["involves_procurement"], values.get("involves_procurement", ""))
    if buying and not _text(FIELDS["supplier"], values.get("supplier", "")):
        return {
            "supplier": "Enter the supplier or product name. We need it because this "
            "involves buying or renewing."
        }
    return {}


# Checks that need more than one answer, by step. Each sees the step's field errors
# so it only speaks when the answers it reads are themselves fine.
_CROSS_CHECKS: dict[int, Callable[[Mapping[str, str], Mapping[str, str]], dict[str, str]]] = {
    1: _someone_affected,
    2: _supplier_named,
}


def validate_step(step: int, values: Mapping[str, str], today: dt.date) -> dict[str, str]:
    """Field name to a plain-English message for each wrong answer. Empty means all fine.

    A missing value counts as empty. Raises ValueError for a step the form does not have.
    """
    errors: dict[str, str] = {}
    for spec in _step(step).fields:
        message = _field_error(spec, values.get(spec.name, ""), today)
        if message:
            errors[spec.name] = message
    cross_check = _CROSS_CHECKS.get(step)
    if cross_check is not None:
        errors.update(cross_check(values, errors))
    return errors


def _all_errors(values: Mapping[str, str], today: dt.date) -> dict[str, str]:
    errors: dict[str, str] = {}
    for step in STEPS:
        errors.update(validate_step(step.number, values, today))
    return errors


def validate_all(
    values: Mapping[str, str], today: dt.date
) -> tuple[RequestDetails | None, dict[str, str]]:
    """The typed details and no errors, or None and every error on every step."""
    errors = _all_errors(values, today)
    if errors:
        return None, errors
    return build_details(values, today), {}


def first_step_with_error(errors: Mapping[str, str]) -> int:
    """The step to send someone back to. Raises ValueError if there are no errors."""
    if not errors:
        raise ValueError("There are no errors, so no step to go back to")
    return min(step_of(name) for name in errors)


def build_details(values: Mapping[str, str], today: dt.date) -> RequestDetails:
    """Typed, cleaned details from checked answers. Raises ValueError if any answer is wrong."""
    errors = _all_errors(values, today)
    if errors:
        raise ValueError(f"These answers need changing first: {', '.join(errors)}")

    def raw(name: str) -> str:
        return values.get(name, "")

    def text(name: str) -> str:
        return _text(FIELDS[name], raw(name))

    def number(name: str) -> int | None:
        return _number(FIELDS[name], raw(name))

    def date(name: str) -> dt.date | None:
        return _date(FIELDS[name], raw(name), today)

    def toggle(name: str) -> bool:
        return _toggle(FIELDS[name], raw(name))

    def choice(name: str) -> str:
        return _choice(FIELDS[name], raw(name))

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
        drivers=tuple(Driver(value) for value in _multichoice(FIELDS["drivers"], raw("drivers"))),
    )
