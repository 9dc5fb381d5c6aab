"""What someone says a delivered request actually brought, in the units of the benefits
expected at intake: money a year, staff hours a year, residents affected, and notes.

A blank answer (or "not known yet") is kept as not known: it is not a zero.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.domain.forms import FieldError, FieldSpec, read_number, read_text
from bot.domain.text import clean_text

CASH = FieldSpec(
    "cash_saving_per_year",
    "Cash saved a year, in pounds",
    "number",
    noun="the cash saved",
    minimum=0,
    maximum=1_000_000_000,
    example="12000",
    money=True,
)
HOURS = FieldSpec(
    "hours_saved_per_year",
    "Staff hours saved a year",
    "number",
    noun="the staff hours saved",
    minimum=0,
    maximum=10_000_000,
    example="500",
)
RESIDENTS = FieldSpec(
    "residents_affected",
    "Residents it has helped",
    "number",
    noun="the number of residents",
    minimum=0,
    maximum=10_000_000,
    example="2000",
)
NOTES = FieldSpec(
    "notes",
    "What else has changed, for staff, residents or businesses?",
    "multiline",
    max_length=2000,
    noun="your notes",
)
FIELDS: tuple[FieldSpec, ...] = (CASH, HOURS, RESIDENTS, NOTES)
NUMBERS: tuple[FieldSpec, ...] = (CASH, HOURS, RESIDENTS)
# Words meaning "not known yet", taken as a blank answer rather than as a mistake.
_NOT_KNOWN = frozenset(
    {"not known", "not known yet", "unknown", "don't know", "dont know", "n/a", "na", "?"}
)


@dataclass(frozen=True)
class Realised:
    """The benefits seen, None where not known yet."""

    cash_saving_per_year: int | None
    hours_saved_per_year: int | None
    residents_affected: int | None
    notes: str

    def record_data(self, reference: str, months: int, by: str, at: dt.datetime) -> dict[str, Any]:
        """The "benefits_recorded" record's data: the layout the benefits report and the
        quarterly roadmap review read."""
        return {
            "reference": reference,
            "months": months,
            "cash_saving_per_year": self.cash_saving_per_year,
            "hours_saved_per_year": self.hours_saved_per_year,
            "residents_affected": self.residents_affected,
            "notes": self.notes,
            "by": by,
            "at": at.isoformat(),
        }


def raw_answers(data: Mapping[str, Any]) -> dict[str, str]:
    """What the card sent, as typed: a number a client sent as a number becomes text."""
    raw: dict[str, str] = {}
    for spec in FIELDS:
        value = data.get(spec.name)
        if isinstance(value, bool) or value is None:
            raw[spec.name] = ""
        elif isinstance(value, int | float | str):
            raw[spec.name] = str(value)[:20_000]
        else:
            raw[spec.name] = ""
    return raw


def read_answers(raw: Mapping[str, str]) -> Realised | dict[str, str]:
    """The benefits seen, or a plain message for each answer to put right."""
    errors: dict[str, str] = {}
    numbers: dict[str, int | None] = {}
    for spec in NUMBERS:
        text = raw.get(spec.name, "")
        if clean_text(text).strip(" .").casefold() in _NOT_KNOWN:
            numbers[spec.name] = None
            continue
        try:
            numbers[spec.name] = read_number(spec, text)
        except FieldError as error:
            errors[spec.name] = str(error)
    try:
        notes = read_text(NOTES, raw.get(NOTES.name, ""))
    except FieldError as error:
        errors[NOTES.name] = str(error)
        notes = ""
    if errors:
        return errors
    return Realised(
        cash_saving_per_year=numbers[CASH.name],
        hours_saved_per_year=numbers[HOURS.name],
        residents_affected=numbers[RESIDENTS.name],
        notes=notes,
    )
