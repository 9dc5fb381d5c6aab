"""The benefits cards: the ask (what was expected beside inputs for what was seen, in
the same units) and the thank-you. Pure functions: the facts in, a card out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import microsoft_teams.cards as ac

from bot.domain.forms import FieldSpec
from bot.domain.text import long_date
from bot.journeys.benefits.answers import CASH, HOURS, NOTES, RESIDENTS, Realised
from cards.elements import button, card, heading, notice, para, user_text

ANSWER = "benefits.answer"  # the ask card's Send button
REFERENCE_KEY = "reference"  # card data: the request
MONTHS_KEY = "months"  # card data: the interval answered


@dataclass(frozen=True)
class Ask:
    """Everything the ask card shows."""

    reference: str
    title: str
    months: int
    delivered_on: dt.date | None
    expected_cash: int | None
    expected_hours: int | None
    expected_residents: int | None
    expected_impact: str
    # The sponsor named at intake when the bot cannot tell who they are in Teams: the
    # requester is asked to pass the card on. "" when the sponsor was asked themselves.
    pass_on_to: str = ""
    reminder_of: dt.date | None = None  # the day of the ask this card reminds about
    values: dict[str, str] = field(default_factory=dict)  # what was typed, kept
    errors: dict[str, str] = field(default_factory=dict)


def months_words(months: int) -> str:
    return f"{months} month{'' if months == 1 else 's'}"


def _expected(value: int | None, unit: str, money: bool = False) -> str:
    if value is None:
        return "Expected when it was raised: not given."
    amount = f"£{value:,}" if money else f"{value:,}"
    return f"Expected when it was raised: {amount} {unit}."


def _question(spec: FieldSpec, expected: list[ac.CardElement], ask: Ask) -> ac.Container:
    items: list[ac.CardElement] = [*expected]
    if spec.name in ask.errors:
        # Dark bold text, not red: meaning is in the words.
        error = ask.errors[spec.name]
        items.append(ac.TextBlock(text=f"Error: {error}", weight="Bolder", wrap=True))
    value = ask.values.get(spec.name, "")
    items.append(
        ac.TextInput(
            id=spec.name,
            label=f"{spec.label} (optional)",  # the intro says: blank if not known yet
            value=value or None,
            is_multiline=spec.kind == "multiline" or None,
            max_length=spec.max_length,
            style="Tel" if spec.kind == "number" else None,
        )
    )
    return ac.Container(items=items, spacing="Large", separator=True)


def _intro(ask: Ask) -> list[ac.CardElement]:
    when = f" on {long_date(ask.delivered_on)}" if ask.delivered_on else ""
    body: list[ac.CardElement] = [
        heading(f"What has {ask.reference} brought?"),
        user_text(ask.title, weight="Bolder"),
        para(
            f"This request was delivered{when}. It is now {months_words(ask.months)} on. "
            "Please tell us the benefits it has actually brought, beside the ones expected "
            "when it was raised. This shows the council whether its digital changes bring "
            "the benefits promised."
        ),
    ]
    if ask.reminder_of is not None:
        body.append(notice(f"A reminder: we asked you on {long_date(ask.reminder_of)}."))
    if ask.pass_on_to:
        body.append(para("We could not tell which person in Teams your named sponsor is:"))
        body.append(user_text(ask.pass_on_to))
        body.append(
            para(
                "Please pass this on to them, or fill it in together. "
                "One answer from either of you is enough."
            )
        )
    body.append(
        para(
            "Give figures for a whole year, in the same units as expected. "
            "Leave a box blank if it is not known yet. It takes about 2 minutes."
        )
    )
    return body


def _summary(errors: dict[str, str]) -> ac.Container:
    lines: list[ac.CardElement] = [
        ac.TextBlock(text="There is a problem", weight="Bolder", size="Medium", wrap=True)
    ]
    lines += [para(message) for message in errors.values()]
    return ac.Container(style="attention", items=lines)


def build_ask_card(ask: Ask) -> ac.AdaptiveCard:
    body: list[ac.CardElement] = []
    if ask.errors:
        body.append(_summary(ask.errors))
    body += _intro(ask)
    impact: list[ac.CardElement] = [para("Expected when it was raised:", subtle=True)]
    impact.append(user_text(ask.expected_impact or "Not given."))
    body += [
        _question(CASH, [para(_expected(ask.expected_cash, "a year", money=True), True)], ask),
        _question(HOURS, [para(_expected(ask.expected_hours, "staff hours a year"), True)], ask),
        _question(RESIDENTS, [para(_expected(ask.expected_residents, "residents"), True)], ask),
        _question(NOTES, impact, ask),
    ]
    data: dict[str, Any] = {REFERENCE_KEY: ask.reference, MONTHS_KEY: ask.months}
    reminder = "Reminder: " if ask.reminder_of else ""
    return card(
        body,
        [button("Send benefits", ANSWER, data, primary=True, validate=True)],
        fallback=f"{reminder}What has {ask.reference} brought, {months_words(ask.months)} "
        "after it was delivered?",
    )


def _seen(value: int | None, unit: str, money: bool = False) -> str:
    if value is None:
        return "not known yet"
    return f"£{value:,} {unit}" if money else f"{value:,} {unit}"


def build_thanks_card(reference: str, months: int, seen: Realised, last: bool) -> ac.AdaptiveCard:
    after = (
        "That was the last time we ask about it."
        if last
        else "We will ask again later, to see how the benefits grow."
    )
    return card(
        [
            heading("Thank you: benefits recorded"),
            para(
                f"We have recorded what {reference} has brought {months_words(months)} "
                "after delivery:"
            ),
            para(f"Cash saved: {_seen(seen.cash_saving_per_year, 'a year', money=True)}."),
            para(f"Staff hours saved: {_seen(seen.hours_saved_per_year, 'a year')}."),
            para(f"Residents helped: {_seen(seen.residents_affected, '')}".rstrip() + "."),
            para(
                "The Digital, Data and Customer Board sees these figures beside the ones "
                f"expected, in the benefits report. {after}"
            ),
        ],
        fallback=f"Thank you. Benefits recorded for {reference}.",
    )
