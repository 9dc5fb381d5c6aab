"""What every handler shares: collaborators, invoke responses, sending a card."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from microsoft_agents.activity import (
    Activity,
    ActivityTypes,
    AdaptiveCardInvokeResponse,
    Attachment,
    InvokeResponse,
)
from microsoft_agents.hosting.core import TurnContext

from bot.ports import Roster, Store
from bot.usecases.triage_posting import TriagePoster

CARD_TYPE = "application/vnd.microsoft.card.adaptive"
MESSAGE_TYPE = "application/vnd.microsoft.activity.message"
SORRY = (
    "Sorry, something went wrong on our side. Nothing you typed has been lost. "
    "Please try again in a minute. If it keeps happening, contact the IT service desk."
)


@dataclass
class Deps:
    store: Store
    poster: TriagePoster
    admin_ids: frozenset[str]
    triage_roster: frozenset[str] = frozenset()
    roster: Roster | None = None  # when set (an Entra group), it decides who is on the team
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)

    def in_background(self, work: Awaitable[Any]) -> None:
        task: asyncio.Task[Any] = asyncio.ensure_future(work)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)


def card_response(card: dict[str, Any]) -> AdaptiveCardInvokeResponse:
    return AdaptiveCardInvokeResponse(status_code=200, type=CARD_TYPE, value=card)


def message_response(text: str) -> AdaptiveCardInvokeResponse:
    return AdaptiveCardInvokeResponse(status_code=200, type=MESSAGE_TYPE, value=text)


def _attachment(card: dict[str, Any]) -> Attachment:
    return Attachment(content_type=CARD_TYPE, content=card)


async def send_card(context: TurnContext, card: dict[str, Any]) -> None:
    await context.send_activity(
        Activity(type=ActivityTypes.message, attachments=[_attachment(card)])
    )


async def send_invoke_response(context: TurnContext, body: AdaptiveCardInvokeResponse) -> None:
    await context.send_activity(
        Activity(
            type=ActivityTypes.invoke_response,
            value=InvokeResponse(
                status=200, body=body.model_dump(mode="json", by_alias=True, exclude_none=True)
            ),
        )
    )
