"""Cards a flow sends: SendMessage (POST /api/v1/messages) to a request's requester or to
a registered channel.

The flow gives words (a title, text, facts, one https link); we build the card and say
on it that a flow sent it, and for whom. Each target chat or channel has its own limit
under Teams' (message_limits.py). Every send, refused or not, is kept in the audit
records ("api.message") with its title but not its text, and logged.
"""

from __future__ import annotations

import hashlib
import logging
import math
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from bot.api.operations import (
    REQUESTS_WRITE,
    ApiCall,
    ApiCaller,
    ApiOperation,
    ApiResult,
    FieldProblem,
    Problem,
)
from bot.api.problems import invalid, standard
from bot.domain.boards import board_channel
from bot.domain.references import format_reference, parse_reference
from bot.journey import JourneyContext, Part
from bot.journeys.flows.message_card import MOST_BYTES, card_bytes, message_card
from bot.journeys.flows.message_limits import TargetLimits
from bot.journeys.flows.message_models import MessageAccepted, MessageTo, SendMessageBody, Status
from bot.notifier import Delivered
from bot.ports import Record
from bot.telemetry.logs import person_ref

logger = logging.getLogger(__name__)

Outcome = Status | Literal["not_delivered"]  # what became of a send; kept in the audit

AUDIT = "api.message"
BOARD_PREFIX = board_channel("")
COMMUNITY_PREFIX = "community:"
MOST_NAMES_LISTED = 30
NOT_DELIVERED = "not-delivered"  # the problem's kind, when nothing reached Teams


@dataclass(frozen=True)
class Target:
    key: str  # what the limit counts by: one chat or one channel
    to: MessageTo  # as the caller gave it, tidied (DR-… upper case), for answer and audit
    user_id: str = ""  # a requester's chat
    purpose: str = ""  # a channel


def part(ctx: JourneyContext, new_id: Callable[[], str] = lambda: uuid.uuid4().hex) -> Part:
    # The bot's clock, so tests can move time; TargetLimits copes with it going back.
    limits = TargetLimits(now=lambda: ctx.clock.now().timestamp())
    sender = Sender(ctx, limits, new_id)
    return Part(operations=(send_message_operation(sender),))


class Sender:
    def __init__(self, ctx: JourneyContext, limits: TargetLimits, new_id: Callable[[], str]):
        self.ctx = ctx
        self.limits = limits
        self.new_id = new_id

    async def send(self, call: ApiCall) -> ApiResult:
        assert isinstance(call.body, SendMessageBody)
        body = call.body
        card = message_card(body, call.caller)
        if card_bytes(card) > MOST_BYTES:
            raise invalid(
                FieldProblem("text", "The message is too long for a Teams card. Shorten it."),
            )
        target = await self.target(body.to)
        message_id = self.message_id(call)
        wait = self.limits.take(target.key)
        if wait is not None:
            seconds = max(1, math.ceil(wait))
            await self.audit(message_id, call.caller, target, body, "refused: too many")
            raise standard(
                429,
                f"Too many messages to this {_kind(target)}. Wait {seconds} "
                f"second{'' if seconds == 1 else 's'}, then try again.",
                headers={"Retry-After": str(seconds)},
            )
        try:
            status, detail = await self.deliver(target, message_id, card)
        except Exception:
            logger.exception("SendMessage %s could not reach Teams", message_id)
            await self.audit(message_id, call.caller, target, body, "failed")
            raise standard(
                503,
                "Teams did not take the message, so nothing was sent. Try again in a few minutes.",
            ) from None
        await self.audit(message_id, call.caller, target, body, status)
        if status == "not_delivered":
            # A problem, not a 202: a flow run must not show green when nothing was sent.
            raise Problem(409, "Not delivered", detail, kind=NOT_DELIVERED)
        return ApiResult(
            202, MessageAccepted(id=message_id, to=target.to, status=status, detail=detail)
        )

    def message_id(self, call: ApiCall) -> str:
        """From the Idempotency-Key when given, so a retry the API no longer remembers
        (after a restart) is still sent only once."""
        key = call.headers.get("Idempotency-Key", "").strip()
        if key:
            seed = f"{call.caller.key}\n{key}".encode()
            return "msg-" + hashlib.sha256(seed).hexdigest()[:24]
        return "msg-" + self.new_id()[:24]

    async def target(self, to: MessageTo) -> Target:
        if to.requester_of is not None:
            return await self.requester(to.requester_of)
        assert to.channel is not None
        return await self.channel(to.channel)

    async def requester(self, said: str) -> Target:
        parsed = parse_reference(said)
        if parsed is None:
            raise invalid(
                FieldProblem("to.requesterOf", "Enter a request reference like DR-2026-0042.")
            )
        reference = format_reference(*parsed)
        request = await self.ctx.store.get(reference)
        if request is None:
            raise invalid(FieldProblem("to.requesterOf", f"There is no request {reference}."))
        user_id = request.requester.user_id
        return Target(f"person:{user_id}", MessageTo(requester_of=reference), user_id=user_id)

    async def channel(self, said: str) -> Target:
        name = said.strip().lower()
        registered = await self.ctx.store.channel_purposes()
        by_name = {friendly_name(purpose): purpose for purpose in registered}
        purpose = by_name.get(name) or (name if name in registered else "")
        if purpose:
            return Target(f"channel:{purpose}", MessageTo(channel=name), purpose=purpose)
        raise invalid(FieldProblem("to.channel", await self.unknown_channel(name, by_name)))

    async def unknown_channel(self, name: str, by_name: dict[str, str]) -> str:
        governance = await self.ctx.store.governance()
        if name == "triage" or name in governance.boards:
            said = f"The {name} channel is not registered yet. An admin can register it in Teams."
        else:
            said = f"There is no channel called {name[:80]}."
        if not by_name:
            return said + " No channels are registered yet."
        names = sorted(by_name)[:MOST_NAMES_LISTED]
        return said + " Channels you can use: " + ", ".join(names) + "."

    async def deliver(
        self, target: Target, message_id: str, card: dict[str, Any]
    ) -> tuple[Outcome, str]:
        once_key = f"api-message:{message_id}"
        if target.user_id:
            delivered = await self.ctx.notifier.deliver(target.user_id, card, once_key=once_key)
            if delivered is Delivered.UNREACHABLE:
                # Nothing was sent: a retry once the person can be reached again sends it.
                await self.ctx.store.release_notification(once_key)
            return _said(delivered)
        if not await self.ctx.store.claim_notification(once_key):
            return _said(Delivered.ALREADY)
        try:
            posted = await self.ctx.notifier.post(target.purpose, card)
        except BaseException:
            await self.ctx.store.release_notification(once_key)
            raise
        if posted is None:
            await self.ctx.store.release_notification(once_key)
            return "not_delivered", (
                "The channel is no longer registered, so nothing was sent. "
                "Ask an admin to register it again in Teams, then try again."
            )
        await self.ctx.store.notification_sent(once_key)
        return "sent", "Teams took the message."

    async def audit(
        self,
        message_id: str,
        caller: ApiCaller,
        target: Target,
        body: SendMessageBody,
        result: str,
    ) -> None:
        """Who sent what title where, and what became of it. Never the text."""
        data = {
            "to": target.to.model_dump(mode="json", by_alias=True, exclude_none=True),
            "title": body.title,
            "callerKind": caller.kind,
            "appId": caller.app_id,
            "result": result,
        }
        owner = caller.user_id or caller.app_id
        at = self.ctx.now()
        if not await self.ctx.store.add_record(Record(AUDIT, message_id, owner, at, data)):
            # The same id again (a retried call): kept as an attempt of its own.
            attempt = f"{message_id}:{self.new_id()[:12]}"
            await self.ctx.store.add_record(Record(AUDIT, attempt, owner, at, data))
        logger.info(
            "SendMessage %s to %s by %s %s: %s",
            message_id,
            data["to"],
            caller.kind,
            person_ref(caller.user_id) if caller.user_id else caller.app_id,
            result,
        )


def friendly_name(purpose: str) -> str:
    """What a flow calls a channel: 'triage', a board's key, a community's id."""
    for prefix in (BOARD_PREFIX, COMMUNITY_PREFIX):
        if purpose.startswith(prefix):
            return purpose[len(prefix) :]
    return purpose


def _kind(target: Target) -> str:
    return "person" if target.user_id else "channel"


def _said(delivered: Delivered) -> tuple[Outcome, str]:
    if delivered is Delivered.SENT:
        return "sent", "Teams took the message."
    if delivered is Delivered.ALREADY:
        return "already_sent", "A call with the same Idempotency-Key sent this message before."
    if delivered is Delivered.UNREACHABLE:
        return "not_delivered", (
            "Teams would not take it: the person has blocked or removed the bot. Nothing was "
            "sent. Ask them to open the bot in Teams, then try again, or contact them another way."
        )
    return "not_delivered", (
        "The bot has no chat with this person and could not start one. Nothing was sent. "
        "Ask them to open the bot in Teams, then try again, or contact them another way."
    )


def send_message_operation(sender: Sender) -> ApiOperation:
    return ApiOperation(
        operation_id="SendMessage",
        method="POST",
        path="/messages",
        summary="Send a card to a requester or a channel",
        description="Sends a card with your title, text, facts and link to the person who "
        "raised a request, or to a channel registered with the bot. The card says that a "
        "flow sent it, and for whom. Use an Idempotency-Key header so a retry sends it once.",
        tag="Messages",
        handler=sender.send,
        role=REQUESTS_WRITE,
        body=SendMessageBody,
        response=MessageAccepted,
        status=202,
        idempotent=True,
        problems={
            409: "Nothing was sent: the person has blocked the bot, the bot could not start "
            "a chat with them, or the channel is no longer registered. The detail says what to do.",
            422: "Something in the message needs changing, or the request or channel is unknown.",
            503: "Teams did not take the message. Nothing was sent.",
        },
    )
