"""A process map as data (Priority 5: process mapping): the questions, how a draft keeps
the answers, the checks, the hand-offs, and the record that is kept when it is sent.

Pure: no I/O. A draft keeps every answer as typed (strings), so nothing is lost when an
answer is wrong. The steps of the process are kept in the draft as `s<n>.<field>` with
`steps` saying how many; the step being typed on the card waits as `new.<field>` (or
changes step `editing`).

The record's data is a contract with the estimates and the backlog
(bot/domain/automation.py, backlog.py): {"id", "version", "name", "directorate",
"service_area", "users" (list of "staff"/"residents"/"businesses"), "items_per_month"
(int), "steps": [{"who", "what", "system", "minutes" (number), "share" (0..100, the % of
items that go through the step)}], "pain_points", "submitted_at" (ISO date and time)}.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.domain.forms import (
    UNREADABLE,
    UNREADABLE_MESSAGE,
    Choice,
    FieldError,
    FieldSpec,
    read_choice,
    read_multichoice,
    read_number,
    read_text,
)
from bot.domain.model import DIRECTORATES
from bot.domain.text import clean_text

KIND = "process_map"  # the kind of record kept for each version of a map
MAX_STEPS = 50
MAX_ITEMS = 1_000_000
MAX_MINUTES = 480  # a whole working day on one item

# The pages of the card, in order; the draft's step is the page a person is on.
ABOUT, STEPS, PAIN, REVIEW = 1, 2, 3, 4
PAGE_TITLES = {ABOUT: "About the process", STEPS: "The steps", PAIN: "Pain points"}

USERS: tuple[Choice, ...] = (
    Choice("staff", "Staff"),
    Choice("residents", "Residents"),
    Choice("businesses", "Businesses"),
)
EVERY, SOME = "every", "some"
HOW_OFTEN: tuple[Choice, ...] = (
    Choice(EVERY, "Every item"),
    Choice(SOME, "Some items"),
)

NAME = FieldSpec(
    "name",
    "Name of the process",
    "text",
    required=True,
    max_length=120,
    help="What people call it, like Booking a garden waste collection.",
    noun="the name of the process",
    missing="Enter the name of the process",
)
DIRECTORATE = FieldSpec(
    "directorate",
    "Directorate",
    "choice",
    required=True,
    choices=tuple(Choice(name, name) for name in DIRECTORATES),
    help="The directorate that runs the process.",
    noun="the directorate",
    missing="Choose the directorate that runs the process",
)
SERVICE_AREA = FieldSpec(
    "service_area",
    "Service area",
    "text",
    required=True,
    max_length=120,
    help="The team or service that does the work, like Waste and Recycling.",
    noun="the service area",
    missing="Enter the service area",
)
WHO_USES = FieldSpec(
    "users",
    "Who uses the process?",
    "multichoice",
    required=True,
    choices=USERS,
    help="Choose everyone it serves or who starts it. You can choose more than one.",
    noun="who uses the process",
    missing="Choose who uses the process",
)
ITEMS = FieldSpec(
    "items_per_month",
    "Items a month",
    "number",
    required=True,
    minimum=0,
    maximum=MAX_ITEMS,
    example="250",
    help="About how many times the process runs in a month: bookings, forms, cases or "
    "payments. A good guess is fine.",
    noun="items a month",
    missing="Enter about how many items a month, like 250",
)
ABOUT_FIELDS = (NAME, DIRECTORATE, SERVICE_AREA, WHO_USES, ITEMS)

WHO = FieldSpec(
    "who",
    "Who does this step",
    "text",
    required=True,
    max_length=100,
    help="Their role, not their name, like Contact centre adviser, or Resident.",
    noun="who does this step",
    missing="Enter who does this step, like Contact centre adviser",
)
WHAT = FieldSpec(
    "what",
    "What they do",
    "text",
    required=True,
    max_length=300,
    help="In a few words, like Types the booking into the waste system.",
    noun="what they do",
    missing="Enter what they do in this step",
)
SYSTEM = FieldSpec(
    "system",
    "Which system they use",
    "text",
    required=True,
    max_length=100,
    help="The system's name, or paper, email or phone.",
    noun="the system",
    missing="Enter the system they use, or paper, email or phone",
)
MINUTES = FieldSpec(
    "minutes",
    "Minutes for each item",
    "text",
    required=True,
    help=f"How long this step takes for one item, from 0 to {MAX_MINUTES}. "
    "You can use a decimal, like 2.5.",
    noun="the minutes for each item",
    missing="Enter the minutes for each item, like 4 or 2.5",
)
OFTEN = FieldSpec(
    "often",
    "How often this step happens",
    "choice",
    required=True,
    choices=HOW_OFTEN,
    help="Every item, or only some items (a check that only some cases need, say).",
    noun="how often this step happens",
    missing="Choose every item or some items",
)
SHARE = FieldSpec(
    "share",
    "Percentage of items",
    "number",
    minimum=1,
    maximum=99,
    example="25",
    needed_if="needed if some items",
    help="For some items only: about what percentage of items go through this step.",
    noun="the percentage of items",
    missing="Enter the percentage of items that go through this step, like 25",
)
STEP_FIELDS = (WHO, WHAT, SYSTEM, MINUTES, OFTEN, SHARE)
STEP_NAMES = tuple(spec.name for spec in STEP_FIELDS)

PAIN_POINTS = FieldSpec(
    "pain_points",
    "Pain points",
    "multiline",
    max_length=2000,
    help="What goes wrong, is slow or is done twice: typing the same thing into two "
    "systems, chasing people, waiting for approval. Please do not include anyone's "
    "personal details.",
    noun="the pain points",
)
PAIN_FIELDS = (PAIN_POINTS,)
PAGE_FIELDS = {ABOUT: ABOUT_FIELDS, PAIN: PAIN_FIELDS}


# ---- How a draft keeps the steps ------------------------------------------------


def step_key(index: int, name: str) -> str:
    return f"s{index}.{name}"


def new_key(name: str) -> str:
    return f"new.{name}"


def step_count(values: Mapping[str, str]) -> int:
    text = values.get("steps", "")
    return int(text) if text.isdigit() else 0


def editing(values: Mapping[str, str]) -> int:
    """The step being changed on the card, or 0 when it is a new step."""
    text = values.get("editing", "")
    number = int(text) if text.isdigit() else 0
    return number if 1 <= number <= step_count(values) else 0


def step_answers(values: Mapping[str, str], index: int) -> dict[str, str]:
    return {name: values.get(step_key(index, name), "") for name in STEP_NAMES}


def typed_step(values: Mapping[str, str]) -> dict[str, str]:
    """What the card's step inputs show: the step being changed, or the new one."""
    index = editing(values)
    if index:
        return step_answers(values, index)
    typed = {name: values.get(new_key(name), "") for name in STEP_NAMES}
    return {**typed, "often": typed["often"] or EVERY}


def keep_typed(values: Mapping[str, str], typed: Mapping[str, str]) -> dict[str, str]:
    """The draft with the step inputs as typed, where they belong."""
    index = editing(values)
    keys = {name: step_key(index, name) if index else new_key(name) for name in STEP_NAMES}
    return {**values, **{keys[name]: typed.get(name, "") for name in STEP_NAMES}}


def anything_typed(typed: Mapping[str, str]) -> bool:
    return any(typed.get(name, "").strip() for name in STEP_NAMES if name != "often")


def put_step(values: Mapping[str, str], typed: Mapping[str, str]) -> dict[str, str]:
    """The step added at the end (or the one being changed, changed); the inputs empty."""
    index = editing(values) or step_count(values) + 1
    kept = {key: value for key, value in values.items() if not key.startswith("new.")}
    kept.update({step_key(index, name): typed.get(name, "") for name in STEP_NAMES})
    kept["steps"] = str(max(step_count(values), index))
    kept["editing"] = ""
    return kept


def remove_step(values: Mapping[str, str], index: int) -> dict[str, str]:
    """Without step `index`; the steps after it move up one."""
    count = step_count(values)
    kept = {key: value for key, value in values.items() if not re.match(r"s\d+\.", key)}
    number = 0
    for old in range(1, count + 1):
        if old == index:
            continue
        number += 1
        kept.update({step_key(number, n): values.get(step_key(old, n), "") for n in STEP_NAMES})
    kept["steps"] = str(count - 1)
    changing = editing(values)
    kept["editing"] = "" if changing in (0, index) else str(changing - (changing > index))
    return kept


# ---- Reading and checking answers ------------------------------------------------


class StepIndexError(ValueError):
    """Card data names a step the process does not have."""


def read_minutes(raw: str) -> float | None:
    text = clean_text(raw).replace(",", ".").strip()
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        raise FieldError("Enter the minutes as a number, like 4 or 2.5") from None
    if not math.isfinite(number):
        raise FieldError("Enter the minutes as a number, like 4 or 2.5")
    if number < 0:
        raise FieldError("The minutes for each item must be 0 or more")
    if number > MAX_MINUTES:
        raise FieldError(
            f"The minutes for each item must be {MAX_MINUTES} or fewer (a whole working day)"
        )
    return round(number, 2)


def _error(spec: FieldSpec, raw: str) -> str | None:
    if raw == UNREADABLE:
        return UNREADABLE_MESSAGE
    value: object
    try:
        if spec is MINUTES:
            value = read_minutes(raw)
        elif spec.kind in ("text", "multiline"):
            value = read_text(spec, raw)
        elif spec.kind == "number":
            value = read_number(spec, raw)
        elif spec.kind == "choice":
            value = read_choice(spec, raw)
        else:
            value = read_multichoice(spec, raw)
    except FieldError as error:
        return str(error)
    if spec.required and value in ("", None, ()):
        return spec.missing
    return None


def page_errors(page: int, values: Mapping[str, str]) -> dict[str, str]:
    """Field name to a plain message, for the About or Pain points page."""
    errors = {}
    for spec in PAGE_FIELDS.get(page, ()):
        if message := _error(spec, values.get(spec.name, "")):
            errors[spec.name] = message
    return errors


def step_errors(typed: Mapping[str, str]) -> dict[str, str]:
    """Field name to a plain message, for one step's answers."""
    errors = {}
    for spec in STEP_FIELDS:
        if spec is SHARE and typed.get("often") != SOME:
            continue
        raw = typed.get(spec.name, "")
        message = _error(spec, raw)
        if spec is SHARE and not message and not clean_text(raw):
            message = SHARE.missing
        if message:
            errors[spec.name] = message
    return errors


def steps_with_errors(values: Mapping[str, str]) -> list[int]:
    return [i for i in range(1, step_count(values) + 1) if step_errors(step_answers(values, i))]


def first_page_with_errors(values: Mapping[str, str]) -> tuple[int, dict[str, str], str]:
    """The page to send someone back to, its field errors and a notice; (0, …) if fine."""
    if errors := page_errors(ABOUT, values):
        return ABOUT, errors, ""
    if step_count(values) == 0:
        return STEPS, {}, "Add at least one step before you send the process map."
    if wrong := steps_with_errors(values):
        return STEPS, {}, f"Step {wrong[0]} needs changing: choose it below, then Change step."
    if errors := page_errors(PAIN, values):
        return PAIN, errors, ""
    return 0, {}, ""


# ---- What is shown and kept ------------------------------------------------------


@dataclass(frozen=True)
class Handoff:
    """Work passing from one role to another between two steps."""

    after_step: int
    from_who: str
    to_who: str


def handoffs(whos: list[str]) -> list[Handoff]:
    """Where "who" changes from one step to the next (ignoring case and spacing)."""
    said = [" ".join(who.split()) for who in whos]
    return [
        Handoff(i, said[i - 1], said[i])
        for i in range(1, len(said))
        if said[i] and said[i - 1] and said[i].casefold() != said[i - 1].casefold()
    ]


def share_of(typed: Mapping[str, str]) -> int:
    if typed.get("often") != SOME:
        return 100
    return read_number(SHARE, typed.get("share", "")) or 100


def built_steps(values: Mapping[str, str]) -> list[dict[str, Any]]:
    steps = []
    for index in range(1, step_count(values) + 1):
        typed = step_answers(values, index)
        steps.append(
            {
                "who": read_text(WHO, typed["who"]),
                "what": read_text(WHAT, typed["what"]),
                "system": read_text(SYSTEM, typed["system"]),
                "minutes": read_minutes(typed["minutes"]) or 0,
                "share": share_of(typed),
            }
        )
    return steps


def record_data(
    values: Mapping[str, str], process_id: str, version: int, now: dt.datetime
) -> dict[str, Any]:
    """The record kept for one version of a map. Only for a draft with no errors."""
    return {
        "id": process_id,
        "version": version,
        "name": read_text(NAME, values.get("name", "")),
        "directorate": read_choice(DIRECTORATE, values.get("directorate", "")),
        "service_area": read_text(SERVICE_AREA, values.get("service_area", "")),
        "users": list(read_multichoice(WHO_USES, values.get("users", ""))),
        "items_per_month": read_number(ITEMS, values.get("items_per_month", "")) or 0,
        "steps": built_steps(values),
        "pain_points": read_text(PAIN_POINTS, values.get("pain_points", "")),
        "submitted_at": now.isoformat(),
    }


def _number_text(number: Any) -> str:
    if isinstance(number, float) and number.is_integer():
        return str(int(number))
    return str(number)


def draft_values(data: Mapping[str, Any]) -> dict[str, str]:
    """A kept map's answers as a draft's, to change it: the next version."""
    values = {
        "name": str(data.get("name", "")),
        "directorate": str(data.get("directorate", "")),
        "service_area": str(data.get("service_area", "")),
        "users": ",".join(str(user) for user in data.get("users", [])),
        "items_per_month": _number_text(data.get("items_per_month", "")),
        "pain_points": str(data.get("pain_points", "")),
        "process_id": str(data.get("id", "")),
        "base_version": str(data.get("version", "")),
        "editing": "",
    }
    steps = [step for step in data.get("steps", []) if isinstance(step, dict)][:MAX_STEPS]
    for index, step in enumerate(steps, start=1):
        share = step.get("share", 100)
        values.update(
            {
                step_key(index, "who"): str(step.get("who", "")),
                step_key(index, "what"): str(step.get("what", "")),
                step_key(index, "system"): str(step.get("system", "")),
                step_key(index, "minutes"): _number_text(step.get("minutes", "")),
                step_key(index, "often"): EVERY if share == 100 else SOME,
                step_key(index, "share"): "" if share == 100 else _number_text(share),
            }
        )
    values["steps"] = str(len(steps))
    return values


def step_line(typed: Mapping[str, str]) -> str:
    """One step in words, as typed: "Contact centre adviser: Types it in (Bartec), 4
    minutes, every item"."""
    minutes = typed.get("minutes", "").strip() or "?"
    unit = "minute" if minutes == "1" else "minutes"
    if typed.get("often") == SOME:
        often = f"{typed.get('share', '').strip() or '?'}% of items"
    else:
        often = "every item"
    system = typed.get("system", "").strip() or "no system given"
    who = typed.get("who", "").strip() or "Nobody given"
    what = typed.get("what", "").strip() or "nothing given"
    return f"{who}: {what} ({system}), {minutes} {unit}, {often}"
