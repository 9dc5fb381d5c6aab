"""A requester withdraws their own request, or changes its answers while IT triage has it.

Both start from the status card's buttons or from chat (`withdraw DR-…`, `change DR-…`).
IT triage's card is redrawn through the REQUEST_CHANGED event.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot import form_flow
from bot.domain.commands import REFERENCE
from bot.domain.forms import FormView
from bot.domain.references import parse_reference
from bot.errors import BadCardData, UserFacingError
from bot.form_actions import FormPress, form_actions, form_card
from bot.journey import (
    REQUEST_CHANGED,
    CardAction,
    ChatCommand,
    Journey,
    JourneyContext,
    Reply,
    Turn,
    card_reply,
)
from bot.journeys.changes import api, usecases
from bot.journeys.changes.form import CHANGE_FORM
from cards import verbs
from cards.elements import to_dict
from cards.form_card import build_form_card
from cards.request_cards import (
    REFERENCE as REFERENCE_KEY,
)
from cards.request_cards import (
    WITHDRAW_REASON,
    build_changed_card,
    build_withdraw_card,
    build_withdrawn_card,
)


@dataclass(frozen=True)
class Withdraw:
    reference: str
    reason: str = ""


@dataclass(frozen=True)
class ChangeAnswers:
    reference: str


def _reference(data: Mapping[str, Any]) -> str:
    said = data.get(REFERENCE_KEY)
    parsed = parse_reference(said) if isinstance(said, str) else None
    if parsed is None:
        raise BadCardData("That button did not say which request. Type my requests.")
    return str(said).strip().upper()


def parse_withdraw(data: Mapping[str, Any]) -> Withdraw:
    reason = data.get(WITHDRAW_REASON) or ""
    if not isinstance(reason, str):
        raise BadCardData("We could not read your reason. Try again.")
    return Withdraw(_reference(data), reason)


def parse_change(data: Mapping[str, Any]) -> ChangeAnswers:
    return ChangeAnswers(_reference(data))


# What was typed after the command looks like a reference, typed wrong: "DR-2026-12".
_LIKE_A_REFERENCE = re.compile(r"dr(?:-|\s*\d)", re.IGNORECASE)


def read_reference(command: str) -> Any:
    """`withdraw DR-2026-0001` (or `withdraw my request DR-2026-0001`): the reference.

    The command on its own gives "". Anything else, like "change my password", is not
    ours (None), so another journey can answer it; a mistyped reference is ours, so the
    answer can say how references look.
    """

    def read(said: str) -> str | None:
        if said == command:
            return ""
        if not said.startswith(command + " "):
            return None
        if found := REFERENCE.search(said):
            return found.group(0).upper()
        rest = said.removeprefix(command).strip()
        return rest if _LIKE_A_REFERENCE.match(rest) else None

    return read


def _checked(command: str, said: str, example: str) -> str:
    if not said:
        raise UserFacingError(
            f"Type {command} and then the reference, like {command} {example}. "
            "Type my requests to see your references."
        )
    if parse_reference(said) is None:
        raise UserFacingError(
            f"'{said[:40]}' is not a request reference. References look like {example}."
        )
    return said.strip().upper()


def register(ctx: JourneyContext) -> Journey:
    store = ctx.store
    example = f"DR-{ctx.now().year}-0001"

    async def withdrawn(turn: Turn, wanted: Withdraw) -> Reply:
        request = await usecases.withdraw(
            store, turn.actor, wanted.reference, wanted.reason, ctx.now()
        )
        ctx.events.publish(REQUEST_CHANGED, request)
        return card_reply(to_dict(build_withdrawn_card(request)))

    async def open_form(turn: Turn, reference: str) -> FormView:
        return await usecases.open_change(store, store, turn.actor, reference, ctx.now())

    async def change_pressed(turn: Turn, wanted: ChangeAnswers) -> Reply:
        return form_card(await open_form(turn, wanted.reference))

    async def send(turn: Turn, press: FormPress) -> Reply:
        result = await usecases.send_change(
            store, store, store, turn.actor, press.draft_id, ctx.now()
        )
        if isinstance(result, FormView):
            return form_card(result)
        ctx.events.publish(REQUEST_CHANGED, result.request)
        gov = await store.governance()
        return card_reply(
            to_dict(build_changed_card(result.request, gov, result.changes, result.route_kept))
        )

    async def withdraw_typed(turn: Turn, said: str) -> None:
        """Asks first, on a card with room for a reason: withdrawing cannot be undone."""
        reference = _checked("withdraw", said, example)
        request = await usecases.can_withdraw(store, turn.actor, reference)
        await turn.send_card(to_dict(build_withdraw_card(request)))

    async def change_typed(turn: Turn, said: str) -> None:
        if not said:
            view = await form_flow.resume(CHANGE_FORM, store, turn.actor.user_id)
            if view is not None:
                await turn.send_card(to_dict(build_form_card(view)))
                return
        reference = _checked("change", said, example)
        await turn.send_card(to_dict(build_form_card(await open_form(turn, reference))))

    return Journey(
        name="changes",
        commands=(
            ChatCommand(
                "withdraw",
                withdraw_typed,
                menu_rank=3,
                read=read_reference("withdraw"),
                example=f"withdraw {example}",
                help="Withdraw a request no board has decided on yet.",
                menu_hint=f"Type withdraw and a reference, such as withdraw {example}.",
            ),
            ChatCommand(
                "change",
                change_typed,
                menu_rank=3,
                read=read_reference("change"),
                example=f"change {example}",
                help="Change your answers while IT triage has your request.",
                menu_hint=f"Type change and a reference, such as change {example}.",
            ),
        ),
        actions=(
            CardAction(verbs.WITHDRAW_REQUEST, parse_withdraw, withdrawn, once_only=True),
            CardAction(verbs.CHANGE_REQUEST, parse_change, change_pressed),
            *form_actions(CHANGE_FORM, ctx, send),
        ),
        operations=api.operations(ctx),
    )
