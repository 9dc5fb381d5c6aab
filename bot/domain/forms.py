"""The form engine: any form defined as data (steps, fields, checks), run the same way.

Answers are kept in a draft exactly as typed (strings), so nothing anyone typed is
lost, even when it is wrong. A form's `build` turns them into its typed result only
once every check passes.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Generic, Literal, NamedTuple, TypeVar

from bot.domain.model import Draft
from bot.domain.text import clean_text, one_line

FieldKind = Literal["text", "multiline", "number", "date", "yesno", "choice", "multichoice"]

# Kept in a draft in place of an answer of the wrong JSON type (a dict for a title,
# say). No card of ours sends one, so it was forged or came from an old card. The
# replacement character cannot be typed by accident and stores safely anywhere.
UNREADABLE = "\ufffd"
UNREADABLE_MESSAGE = "We could not read this answer. Try again."

# A yes/no answer is kept as "true" or "false", as the tick boxes of earlier versions
# kept it, so drafts saved before still read the same.
YES, NO = "true", "false"

_Key = TypeVar("_Key", bound=StrEnum)
Built = TypeVar("Built")


class Choice(NamedTuple):
    """One option. A meaning, if any, is shown with the option on the form only: answers
    elsewhere (the review, the triage card) show the label alone."""

    value: str
    label: str
    meaning: str = ""

    @property
    def title(self) -> str:
        return f"{self.label}: {self.meaning}" if self.meaning else self.label


YES_NO: tuple[Choice, ...] = (Choice(YES, "Yes"), Choice(NO, "No"))

# Whether a question is asked, from the answers so far and today's date.
ShownWhen = Callable[[Mapping[str, str], dt.date], bool]


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
    # A date in the past is accepted, and this note is shown next to it.
    past_note: str = ""
    # Part of a group where at least one answer is needed: not marked "(optional)".
    in_group: bool = False
    # Needed only sometimes: the label says when, like "needed if you are buying".
    needed_if: str = ""
    # A question asked only when other answers call for it; otherwise not shown or checked.
    shown_when: ShownWhen | None = None

    @property
    def label_text(self) -> str:
        """The label a card shows: "(optional)" only when it truly is."""
        if self.needed_if:
            return f"{self.label} ({self.needed_if})"
        if self.required or self.in_group:
            return self.label
        return f"{self.label} (optional)"

    def shown(self, values: Mapping[str, str], today: dt.date) -> bool:
        return self.shown_when is None or self.shown_when(values, today)

    def note(self, raw: str, today: dt.date) -> str:
        """A note about an accepted answer (a date that has passed), or ""."""
        if not self.past_note:
            return ""
        value = _real_date(clean_text(raw))
        return self.past_note if value is not None and value < today else ""


@dataclass(frozen=True)
class Step:
    number: int
    title: str
    intro: str
    fields: tuple[FieldSpec, ...]


FormButton = Literal["new", "next", "back", "edit", "save", "discard", "submit", "continue", "help"]
FORM_BUTTONS: tuple[FormButton, ...] = (
    "help",
    "new",
    "next",
    "back",
    "edit",
    "save",
    "discard",
    "submit",
    "continue",
)

# A check that needs more than one answer. It sees the step's field errors, so it only
# speaks when the answers it reads are themselves fine.
CrossCheck = Callable[[Mapping[str, str], Mapping[str, str]], dict[str, str]]


@dataclass(frozen=True)
class FormDefinition(Generic[Built]):
    """A form as data. `key` names its drafts and its button verbs (`<key>.next`…)."""

    key: str
    title: str
    steps: tuple[Step, ...]
    build: Callable[[Mapping[str, str], dt.date], Built]
    cross_checks: Mapping[int, CrossCheck] = field(default_factory=dict)
    # With a review, the last step leads to a check-your-answers page; without one,
    # the last step's main button sends the form.
    review: bool = True
    noun: str = "form"  # "You already have a … in progress"
    start_command: str = ""  # what a person types to start it
    resume_command: str = ""  # what a person types to open their draft again
    submit_label: str = "Send"
    review_note: str = ""

    def verb(self, button: FormButton) -> str:
        """The Action.Execute verb of one of the form's buttons, like request.next."""
        return f"{self.key}.{button}"

    @property
    def review_step(self) -> int:
        """The step number of the check-your-answers page (one past the last step)."""
        return len(self.steps) + 1

    @property
    def fields(self) -> dict[str, FieldSpec]:
        return {spec.name: spec for step in self.steps for spec in step.fields}

    def step(self, number: int) -> Step:
        for step in self.steps:
            if step.number == number:
                return step
        raise ValueError(f"The form has no step {number!r}")

    def step_of(self, field_name: str) -> int:
        for step in self.steps:
            if any(spec.name == field_name for spec in step.fields):
                return step.number
        raise ValueError(f"The form has no field called {field_name!r}")


@dataclass(frozen=True)
class FormView:
    """What a form card shows: which form and step, what was typed, what is wrong."""

    form: FormDefinition[Any]
    draft: Draft
    step: int
    errors: dict[str, str]
    notice: str = ""
    # Came here with "Change" on the check-your-answers page: Next and Back go back there.
    from_review: bool = False
    today: dt.date | None = None  # for notes on dates and questions shown only sometimes

    def shown_fields(self, step: Step) -> tuple[FieldSpec, ...]:
        """The step's questions asked now. Without today's date, a question asked only
        sometimes is shown when it has an answer or an error, so none is ever hidden."""
        values = self.draft.values
        if self.today is None:
            return tuple(
                spec
                for spec in step.fields
                if spec.shown_when is None or spec.name in self.errors or values.get(spec.name)
            )
        return tuple(spec for spec in step.fields if spec.shown(values, self.today))

    def note(self, spec: FieldSpec) -> str:
        if self.today is None:
            return ""
        return spec.note(self.draft.values.get(spec.name, ""), self.today)


def choices_of(labels: Mapping[_Key, str]) -> tuple[Choice, ...]:
    return tuple(Choice(key.value, label) for key, label in labels.items())


# ---- From card data to draft values ----------------------------------------


def raw_values(form: FormDefinition[Any], data: Mapping[str, object], step: int) -> dict[str, str]:
    """The answers to one step, as the strings a draft keeps.

    Every field of the step is included, so clearing an answer clears it in the
    draft; a missing or null answer is "". Strings are kept exactly as typed.
    Other JSON types are kept only where a card input can send them: numbers for
    number fields, true/false for yes/no questions, a list of strings for a multichoice.
    Anything else becomes UNREADABLE, which validation reports.
    """
    fields = form.step(step).fields
    return {spec.name: _draft_value(spec.kind, data.get(spec.name)) for spec in fields}


def _draft_value(kind: FieldKind, value: object) -> str:
    match value:
        case None:
            return ""
        case str():
            return value
        case bool():
            return (YES if value else NO) if kind == "yesno" else UNREADABLE
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


def read_text(spec: FieldSpec, raw: str) -> str:
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


def read_number(spec: FieldSpec, raw: str) -> int | None:
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


def read_date(spec: FieldSpec, raw: str, today: dt.date) -> dt.date | None:
    text = clean_text(raw)
    if not text:
        return None
    value = _real_date(text)
    if value is None:
        raise FieldError(f"{_capitalised(spec.noun)} must be a real date, like 31 March 2027")
    if spec.not_in_past and value < today:
        raise FieldError(f"{_capitalised(spec.noun)} must be today or in the future")
    return value


def read_yes_no(spec: FieldSpec, raw: str) -> bool | None:
    """True for yes, False for no, None when not answered."""
    text = clean_text(raw).lower()
    if not text:
        return None
    if text in (YES, NO):
        return text == YES
    raise FieldError(f"Choose yes or no to say {spec.noun}")


def read_choice(spec: FieldSpec, raw: str) -> str:
    text = clean_text(raw)
    if text and text not in {choice.value for choice in spec.choices or ()}:
        raise FieldError("Choose one of the options listed")
    return text


def read_multichoice(spec: FieldSpec, raw: str) -> tuple[str, ...]:
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
                value = read_text(spec, raw)
            case "number":
                value = read_number(spec, raw)
            case "date":
                value = read_date(spec, raw, today)
            case "yesno":
                value = read_yes_no(spec, raw)
            case "choice":
                value = read_choice(spec, raw)
            case "multichoice":
                value = read_multichoice(spec, raw)
    except FieldError as error:
        return str(error)
    if spec.required and value in ("", None, ()):
        return spec.missing
    return None


# ---- Checking a step and the whole form -------------------------------------


def validate_step(
    form: FormDefinition[Any], step: int, values: Mapping[str, str], today: dt.date
) -> dict[str, str]:
    """Field name to a plain-English message for each wrong answer. Empty means all fine.

    A missing value counts as empty. Raises ValueError for a step the form does not have.
    """
    errors: dict[str, str] = {}
    for spec in form.step(step).fields:
        if not spec.shown(values, today):
            continue
        message = _field_error(spec, values.get(spec.name, ""), today)
        if message:
            errors[spec.name] = message
    cross_check = form.cross_checks.get(step)
    if cross_check is not None:
        # It reads only answers to questions asked now, like the checks above.
        errors.update(cross_check(without_hidden(form, values, today), errors))
    return errors


def all_errors(
    form: FormDefinition[Any], values: Mapping[str, str], today: dt.date
) -> dict[str, str]:
    errors: dict[str, str] = {}
    for step in form.steps:
        errors.update(validate_step(form, step.number, values, today))
    return errors


def validate_all(
    form: FormDefinition[Built], values: Mapping[str, str], today: dt.date
) -> tuple[Built | None, dict[str, str]]:
    """The typed result and no errors, or None and every error on every step."""
    errors = all_errors(form, values, today)
    if errors:
        return None, errors
    return form.build(values, today), {}


def without_hidden(
    form: FormDefinition[Any], values: Mapping[str, str], today: dt.date
) -> dict[str, str]:
    """The answers without those to questions not asked now (the date that called for
    one was changed, say), so an old answer is never taken for a new one."""
    hidden = {spec.name for spec in form.fields.values() if not spec.shown(values, today)}
    return {name: value for name, value in values.items() if name not in hidden}


def first_step_with_error(form: FormDefinition[Any], errors: Mapping[str, str]) -> int:
    """The step to send someone back to. Raises ValueError if there are no errors."""
    if not errors:
        raise ValueError("There are no errors, so no step to go back to")
    return min(form.step_of(name) for name in errors)
