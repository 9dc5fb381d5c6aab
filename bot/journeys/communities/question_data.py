"""Reading the data on a question or answer card: which question or answer a press is
about, and anything typed on the card. Identity never comes from here (see `turn.actor`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.domain.text import clean_text, one_line
from bot.errors import BadCardData
from bot.journeys.communities import question_cards as cards

# What people type is refused with how long it may be, up to this size; beyond it the
# card data is not from a card of ours.
TYPED_CAP = 500_000
_REFERENCE = re.compile(r"Q-[0-9]{4}-[0-9]{4,9}")
_ID = re.compile(r"[A-Za-z0-9:._-]{1,200}")

NOT_A_QUESTION = "That card does not name a question I know. Nothing has changed."


@dataclass(frozen=True)
class Press:
    """A button about one question, with anything typed on its card."""

    reference: str
    text: str = ""
    community: str = ""
    service_area: str = ""
    entry: str = ""


@dataclass(frozen=True)
class AnswerPress:
    answer_id: str


@dataclass(frozen=True)
class AskPress:
    key: str
    text: str


@dataclass(frozen=True)
class PagePress:
    community: str
    after: str


def _field(data: Mapping[str, Any], key: str, cap: int, required: bool = True) -> str:
    """A text field as sent; `cap` is far beyond anything a card of ours sends."""
    value = data.get(key, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise BadCardData("Something on that card was not text. Nothing has changed.")
    if len(value) > cap:
        raise BadCardData("Something on that card was far too long. Nothing has changed.")
    if required and not value.strip():
        raise BadCardData(NOT_A_QUESTION)
    return value


def _reference(data: Mapping[str, Any]) -> str:
    reference = _field(data, "reference", 100).strip().upper()
    if not _REFERENCE.fullmatch(reference):
        raise BadCardData(NOT_A_QUESTION)
    return reference


def _an_id(data: Mapping[str, Any], key: str) -> str:
    value = _field(data, key, 1000, required=False).strip()
    if not _ID.fullmatch(value):
        raise BadCardData("That card does not name an answer I know. Nothing has changed.")
    return value


def parse_press(data: Mapping[str, Any]) -> Press:
    return Press(_reference(data))


def parse_answer_send(data: Mapping[str, Any]) -> Press:
    text = _field(data, cards.ANSWER_TEXT, TYPED_CAP, required=False)
    return Press(_reference(data), text=clean_text(text))


def parse_found(data: Mapping[str, Any]) -> Press:
    return Press(_reference(data), entry=_an_id(data, "entry"))


def parse_route(data: Mapping[str, Any]) -> Press:
    return Press(
        _reference(data),
        community=one_line(_field(data, cards.COMMUNITY, 1000, required=False)),
        service_area=one_line(_field(data, cards.SERVICE_AREA, TYPED_CAP, required=False)),
    )


def parse_answer(data: Mapping[str, Any]) -> AnswerPress:
    return AnswerPress(_an_id(data, "answer"))


def parse_ask(data: Mapping[str, Any]) -> AskPress:
    key = _an_id(data, "key")
    text = _field(data, cards.QUESTION_TEXT, TYPED_CAP, required=False)
    return AskPress(key, clean_text(text))


def parse_page(data: Mapping[str, Any]) -> PagePress:
    community = _field(data, "community", 1000).strip()
    after = _field(data, "after", 100, required=False).strip().upper()
    if after and not _REFERENCE.fullmatch(after):
        raise BadCardData("That card is not one I recognise. Nothing has changed.")
    return PagePress(community, after)


def parse_nothing(data: Mapping[str, Any]) -> object:
    return None
