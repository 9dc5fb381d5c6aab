"""Recording the benefits seen: the answer to an ask card, and `benefits DR-YYYY-NNNN`
for the requester, the sponsor or an admin to record them at any time.

One answer per request per interval: whoever answers first, the requester or the
sponsor, stops the asks for that interval. An interval can be answered only once it has
come (delivery + its months, by the bot's clock): before then the person is told the day
it opens, and a card naming an interval not come yet (or not set) keeps nothing. After
the last interval's answer the request is marked "Benefits reviewed".
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.domain.commands import REFERENCE, without_mentions
from bot.domain.model import AuditEntry, DigitalRequest, Status
from bot.domain.references import parse_reference
from bot.domain.text import long_date
from bot.errors import BadCardData, NotFound, UserFacingError
from bot.journey import (
    Actor,
    CardAction,
    ChatCommand,
    JourneyContext,
    Part,
    Reply,
    Turn,
    card_reply,
    message_reply,
)
from bot.journeys.benefits import records, schedule
from bot.journeys.benefits.answers import raw_answers, read_answers
from bot.journeys.benefits.ask_cards import (
    ANSWER,
    MONTHS_KEY,
    REFERENCE_KEY,
    build_ask_card,
    build_thanks_card,
    months_words,
)
from bot.journeys.benefits.config import LONGEST_MONTHS
from bot.journeys.benefits.reminders import Reminders, ask_for
from bot.ports import ChangedBySomeoneElse, Record
from cards.elements import to_dict

logger = logging.getLogger(__name__)

TRIES = 3
REVIEWED = "benefits_reviewed"  # the history action of the move to Benefits reviewed
EXAMPLE = "benefits DR-2026-0001"
_PREFIXES = ("benefits ", "record benefits ")


@dataclass(frozen=True)
class Answer:
    reference: str
    months: int
    raw: dict[str, str]


def read_command(said: str) -> str | None:
    """`benefits DR-2026-0001`: the reference. "benefits report" and the like are not
    this command's, so other benefits commands can share the word."""
    for prefix in _PREFIXES:
        if said.startswith(prefix):
            rest = said.removeprefix(prefix).strip()
            found = REFERENCE.search(rest)
            if found:
                return found.group(0).upper()
            if rest.startswith("dr-"):
                return rest
    return None


def parse_answer(data: Mapping[str, Any]) -> Answer:
    reference = data.get(REFERENCE_KEY)
    months = data.get(MONTHS_KEY)
    if not isinstance(reference, str) or parse_reference(reference) is None:
        raise BadCardData("That card did not say which request. Type benefits and its reference.")
    if not isinstance(months, int) or isinstance(months, bool) or not 1 <= months <= LONGEST_MONTHS:
        raise BadCardData("That card did not say when it asked. Type benefits and the reference.")
    return Answer(reference.upper(), months, raw_answers(data))


class Recording:
    def __init__(self, ctx: JourneyContext, reminders: Reminders) -> None:
        self.ctx = ctx
        self.reminders = reminders
        self.config = reminders.config

    async def _request(self, actor: Actor, reference: str) -> DigitalRequest:
        request = await self.ctx.store.get(reference)
        allowed = request is not None and (
            self.ctx.is_admin(actor) or await self.reminders.may_record(actor.user_id, request)
        )
        if request is None or not allowed:
            raise NotFound(
                f"We could not find a request {reference} whose benefits you can record. "
                "Only its requester, its sponsor or an admin can. Type my requests to see yours."
            )
        return request

    async def command(self, turn: Turn, typed: str) -> None:
        if parse_reference(typed) is None:
            raise UserFacingError(
                f"'{without_mentions(typed)[:40]}' is not a request reference. "
                f"Type benefits and the reference, such as {EXAMPLE}."
            )
        request = await self._request(turn.actor, typed.upper())
        self._check_delivered(request)
        delivered = await self._delivered(request)
        done = (await records.answered(self.ctx.store)).get(request.reference, set())
        now = self.ctx.now()
        intervals = self.config.review_months
        months = schedule.interval_to_record(delivered, now, intervals, done)
        if months is not None:
            await turn.send_card(to_dict(build_ask_card(ask_for(request, months, delivered))))
            return
        coming = schedule.next_interval(delivered, now, intervals)
        if coming is None:
            await turn.send_text(
                f"The benefits of {request.reference} are recorded for every review already. "
                "Thank you."
            )
            return
        reached = [m for m in intervals if schedule.is_reached(delivered, now, m)]
        first = (
            f"Thank you: the benefits of {request.reference} at "
            f"{months_words(reached[-1])} are recorded."
            if reached
            else f"{request.reference} was delivered on {long_date(delivered.date())}."
        )
        await turn.send_text(f"{first} {opens_words(*coming)}")

    async def _delivered(self, request: DigitalRequest) -> dt.datetime:
        """When it was delivered, as the asks count it: as remembered, else from its
        history, else now (remembered then, as the benefits loop does)."""
        known = (await records.delivered(self.ctx.store)).get(request.reference)
        if known is not None:
            return known
        now = self.ctx.now()
        when = schedule.delivered_at(request) or now
        await records.remember_delivered(self.ctx.store, request, when, now)
        return when

    def _check_delivered(self, request: DigitalRequest) -> None:
        if request.status not in (Status.DELIVERED, Status.BENEFITS_REVIEWED):
            first = months_words(self.config.review_months[0])
            raise UserFacingError(
                f"{request.reference} has not been delivered yet, so there are no benefits to "
                f"record. We will ask {first} after it is delivered."
            )

    async def answer(self, turn: Turn, given: Answer) -> Reply:
        request = await self._request(turn.actor, given.reference)
        self._check_delivered(request)
        if given.months not in self.config.review_months:
            raise UserFacingError(
                "This card is from before the times we ask about benefits were changed, so "
                f"nothing was kept. Type benefits {request.reference} to get a new card."
            )
        delivered = await self._delivered(request)
        if not schedule.is_reached(delivered, self.ctx.now(), given.months):
            opens = schedule.add_months(delivered, given.months)
            raise UserFacingError(
                f"It is not {months_words(given.months)} yet since {request.reference} was "
                f"delivered, so nothing was kept. {opens_words(given.months, opens)}"
            )
        read = read_answers(given.raw)
        if isinstance(read, dict):
            ask = ask_for(request, given.months, delivered)
            ask = dataclasses.replace(ask, values=given.raw, errors=read)
            return card_reply(to_dict(build_ask_card(ask)))
        now = self.ctx.now()
        data = read.record_data(request.reference, given.months, turn.actor.user_id, now)
        key = f"{request.reference}:{given.months}"
        record = Record(records.RECORDED, key, turn.actor.user_id, now, data)
        if not await self.ctx.store.add_record(record):
            return message_reply(
                f"Someone has already told us the benefits of {request.reference} at "
                f"{months_words(given.months)}. It may have been you, or the other person we "
                "asked. So we have not kept these figures. Thank you."
            )
        last = given.months >= self.config.review_months[-1]
        if last:
            await self._reviewed(request.reference, turn.actor, given.months, now)
        return card_reply(to_dict(build_thanks_card(request.reference, given.months, read, last)))

    async def _reviewed(self, reference: str, actor: Actor, months: int, now: dt.datetime) -> None:
        """Delivered -> Benefits reviewed, read again if someone changed it meanwhile. The
        benefits are kept either way: a failure here is only logged."""
        for _ in range(TRIES):
            request = await self.ctx.store.get(reference)
            if request is None or request.status is not Status.DELIVERED:
                return
            entry = AuditEntry(
                at=now.astimezone(dt.UTC),
                actor_id=actor.user_id,
                actor_name=actor.name,
                action=REVIEWED,
                from_status=Status.DELIVERED,
                to_status=Status.BENEFITS_REVIEWED,
                detail=f"Benefits recorded {months_words(months)} after delivery.",
            )
            changed = dataclasses.replace(
                request, status=Status.BENEFITS_REVIEWED, history=(*request.history, entry)
            )
            try:
                await self.ctx.store.update(changed)
                return
            except ChangedBySomeoneElse:
                continue
            except Exception:
                logger.exception("Marking %s as benefits reviewed failed", reference)
                return
        logger.warning("%s kept changing; it was not marked as benefits reviewed", reference)


def opens_words(months: int, opens: dt.datetime) -> str:
    return (
        f"You can record benefits from {long_date(opens.date())}, "
        f"{months_words(months)} after it was delivered."
    )


def part(ctx: JourneyContext, reminders: Reminders) -> Part:
    recording = Recording(ctx, reminders)
    return Part(
        commands=(
            ChatCommand(
                "benefits",
                recording.command,
                read=read_command,
                example="benefits DR-YYYY-NNNN",
                help="Record the benefits a delivered request has brought.",
                menu_hint=f"Type benefits and a reference, such as {EXAMPLE}.",
                menu_rank=3,
            ),
        ),
        actions=(CardAction(ANSWER, parse_answer, recording.answer, once_only=True),),
    )
