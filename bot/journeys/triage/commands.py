"""Card data to typed commands. Only this module reads the triage cards' input ids."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.domain.references import parse_reference
from bot.domain.text import clean_text
from bot.domain.triage import Action
from bot.errors import BadCardData
from bot.journeys.triage import verbs


@dataclass(frozen=True)
class CardRef:
    """The request a card names, and the version it was drawn from ("" for any)."""

    reference: str
    version: str = ""


@dataclass(frozen=True)
class TriageCommand:
    """One triage button press: what to do to which request, with what was typed."""

    card: CardRef
    action: Action
    assignee_id: str = ""  # someone else on the roster; "" means the person pressing
    board: str = ""
    process: str = ""
    reason: str = ""
    question: str = ""
    answer: str = ""
    duplicate_of: str = ""
    # Assign to someone chosen from the list: whoever was chosen ("" if nobody), never
    # the person pressing.
    chosen: bool = False
    # Link as duplicate: what was typed, and what was picked from the list, as sent.
    typed_ref: str = ""
    picked_ref: str = ""


OUT_OF_DATE = (
    "That card does not say which version of the request it shows, so it may be out of "
    "date. Nothing has changed. Choose Open for triage to see the request as it is now."
)


def card_ref(data: Mapping[str, Any]) -> CardRef:
    """The request a card names; any version (opening a card, answering a question)."""
    reference, version = data.get(verbs.REFERENCE), data.get(verbs.VERSION, "")
    if not isinstance(reference, str) or parse_reference(reference) is None:
        raise BadCardData("That card does not name a request I know. Nothing has changed.")
    if not isinstance(version, str):
        raise BadCardData("That card is not one I recognise. Nothing has changed.")
    return CardRef(reference.strip().upper(), version)


def versioned_ref(data: Mapping[str, Any]) -> CardRef:
    """The request a triage button acts on, with the version the card was drawn from:
    without it two triagers could both change the request and neither be told."""
    ref = card_ref(data)
    if not ref.version or len(ref.version) > 100 or not ref.version.isprintable():
        raise BadCardData(OUT_OF_DATE)
    return ref


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key, "")
    if not isinstance(value, str):
        raise BadCardData("One of the answers on the card was not text. Nothing has changed.")
    return clean_text(value)


def _plain(action: Action) -> Callable[[Mapping[str, Any]], TriageCommand]:
    def parse(data: Mapping[str, Any]) -> TriageCommand:
        return TriageCommand(versioned_ref(data), action)

    return parse


def parse_assign(data: Mapping[str, Any]) -> TriageCommand:
    # Nobody chosen is for the rules to refuse, next to the list on the card.
    chosen = _text(data, verbs.ASSIGNEE)
    return TriageCommand(versioned_ref(data), Action.ASSIGN, assignee_id=chosen, chosen=True)


def parse_reject(data: Mapping[str, Any]) -> TriageCommand:
    return TriageCommand(
        versioned_ref(data), Action.REJECT, reason=_text(data, verbs.REJECT_REASON)
    )


def parse_ask(data: Mapping[str, Any]) -> TriageCommand:
    return TriageCommand(versioned_ref(data), Action.ASK_INFO, question=_text(data, verbs.QUESTION))


def parse_route(data: Mapping[str, Any]) -> TriageCommand:
    return TriageCommand(
        versioned_ref(data),
        Action.CHANGE_ROUTE,
        board=_text(data, verbs.ROUTE_BOARD),
        process=_text(data, verbs.ROUTE_PROCESS),
        reason=_text(data, verbs.ROUTE_REASON),
    )


def parse_duplicate(data: Mapping[str, Any]) -> TriageCommand:
    typed = _text(data, verbs.DUPLICATE_TYPED)
    picked = _text(data, verbs.DUPLICATE_PICKED)
    return TriageCommand(
        versioned_ref(data),
        Action.LINK_DUPLICATE,
        duplicate_of=(typed or picked).upper(),
        typed_ref=typed,
        picked_ref=picked,
    )


def parse_deliver(data: Mapping[str, Any]) -> TriageCommand:
    return TriageCommand(
        versioned_ref(data), Action.DELIVER, reason=_text(data, verbs.DELIVERED_NOTE)
    )


def parse_answer(data: Mapping[str, Any]) -> TriageCommand:
    # The requester's own card: any version, since only they can answer.
    ref = card_ref(data)
    return TriageCommand(
        CardRef(ref.reference), Action.ANSWER_INFO, answer=_text(data, verbs.ANSWER_TEXT)
    )


parse_assign_me = _plain(Action.ASSIGN)
parse_accept = _plain(Action.ACCEPT)
parse_reopen = _plain(Action.REOPEN)
