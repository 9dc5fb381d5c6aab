"""Asking about benefits after delivery: when a request is marked delivered (by a board
decision, by IT, or in the shared list), its requester and its sponsor are asked, some
months later (BENEFITS_REVIEW_MONTHS), what it actually brought, with one reminder if
nobody answers (BENEFITS_REMINDER_DAYS). Either person's answer stops the asks for that
interval. Each card's key is claimed before it is sent, so it goes once across restarts
and instances; a delivery missed while the bot was down is found on the next look.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from bot.domain.model import DigitalRequest, Status
from bot.journey import REQUEST_SAVED, JourneyContext, Part
from bot.journeys.benefits import records, schedule
from bot.journeys.benefits.ask_cards import Ask, build_ask_card
from bot.journeys.benefits.config import BenefitsConfig
from bot.journeys.benefits.schedule import Due, Step, due_now, match_person, name_key
from bot.notifier import Delivered
from bot.ports import RequestQuery
from bot.telemetry.steps import job
from cards.elements import to_dict

logger = logging.getLogger(__name__)

LOOP_SECONDS = 3600  # real time between looks: asks are counted in months
PAGE = 200
YIELD_EVERY = 20  # give other turns a go every few requests
MOST_REQUESTS = 100_000  # delivered requests looked at in one look, at most
KNOWN_REQUESTERS = 500  # recent requests whose requesters a sponsor's name may match
VIA = "triage"  # a chat with someone new is made through the triage channel's service
DELIVERED = frozenset({Status.DELIVERED})


@dataclass(frozen=True)
class Recipient:
    user_id: str
    pass_on_to: str  # the sponsor's name, when the requester is asked to pass it on


class Reminders:
    def __init__(self, ctx: JourneyContext, config: BenefitsConfig) -> None:
        self.ctx = ctx
        self.config = config

    async def on_saved(self, request: Any) -> None:
        """A request just saved as delivered: remember when, once."""
        if isinstance(request, DigitalRequest) and request.status is Status.DELIVERED:
            now = self.ctx.now()
            await records.remember_delivered(
                self.ctx.store, request, schedule.delivered_at(request) or now, now
            )

    async def delivered_requests(self) -> AsyncIterator[DigitalRequest]:
        after, seen = 0, 0
        while seen < MOST_REQUESTS:
            page = await self.ctx.store.query(RequestQuery(statuses=DELIVERED), after, PAGE)
            for number, request in enumerate(page, 1):
                if number % YIELD_EVERY == 0:
                    await asyncio.sleep(0)
                yield request
            seen += len(page)
            if len(page) < PAGE or not page[-1].item_id.isdigit():
                return
            after = int(page[-1].item_id)

    async def catch_up(self) -> int:
        """Delivered requests the bot did not hear about (it was down): remembered now."""
        known = await records.delivered(self.ctx.store)
        found = 0
        now = self.ctx.now()
        async for request in self.delivered_requests():
            if request.reference not in known:
                when = schedule.delivered_at(request) or now
                found += await records.remember_delivered(self.ctx.store, request, when, now)
        return found

    async def run(self) -> int:
        """Send every ask and reminder due now; the number of cards sent."""
        store = self.ctx.store
        now = self.ctx.now()
        known = await records.delivered(store)
        answered = await records.answered(store)
        asked = await records.asked(store)
        people = await self.known_people()
        sent = 0
        async for request in self.delivered_requests():
            try:
                when = known.get(request.reference)
                if when is None:
                    when = schedule.delivered_at(request) or now
                    await records.remember_delivered(store, request, when, now)
                due = due_now(
                    when,
                    now,
                    self.config.review_months,
                    answered.get(request.reference, set()),
                    asked.get(request.reference, {}),
                    self.config.reminder_days,
                )
                if due is not None:
                    first = asked.get(request.reference, {}).get(due.months)
                    sent += await self._send(request, when, due, first, people, now)
            except Exception:
                logger.exception("Benefits asks for %s failed", request.reference)
        return sent

    async def _send(
        self,
        request: DigitalRequest,
        when: dt.datetime,
        due: Due,
        first_asked: dt.datetime | None,
        people: list[tuple[str, str]],
        now: dt.datetime,
    ) -> int:
        sent = 0
        reminding = due.step is Step.REMIND
        for recipient in recipients(request, people):
            reminder_of = first_asked.date() if reminding and first_asked else None
            ask = ask_for(request, due.months, when, recipient.pass_on_to, reminder_of)
            step = "reminder" if reminding else "ask"
            key = f"benefits.{step}:{request.reference}:{due.months}:{recipient.user_id}"
            # The notifier claims the key, sends, then marks it sent (or gives it back if
            # the send failed, so the next look tries again).
            outcome = await self.ctx.notifier.deliver(
                recipient.user_id, to_dict(build_ask_card(ask)), key, via=VIA
            )
            sent += outcome is Delivered.SENT
        if not reminding and sent and first_asked is None:
            await records.remember_asked(self.ctx.store, request, due.months, now)
        return sent

    async def known_people(self) -> list[tuple[str, str]]:
        """(id, name) of the people the bot knows by name: the IT triage roster and
        everyone who raised a recent request. A sponsor is asked only if their name is
        one of these, and nobody else's."""
        ctx = self.ctx
        named = dict(ctx.triage_names)
        if ctx.roster is not None:
            try:
                named.update(await ctx.roster.names())
            except Exception:
                logger.warning("The triage roster's names could not be read", exc_info=True)
        people = list(named.items())
        for request in await ctx.store.recent(KNOWN_REQUESTERS):
            people.append((request.requester.user_id, request.requester.name))
        return people

    async def may_record(self, user_id: str, request: DigitalRequest) -> bool:
        if user_id == request.requester.user_id:
            return True
        return any(r.user_id == user_id for r in recipients(request, await self.known_people()))


def recipients(request: DigitalRequest, people: list[tuple[str, str]]) -> list[Recipient]:
    """The requester, and the sponsor when the name given at intake is clearly one known
    person; otherwise the requester is asked to pass it on."""
    requester = request.requester
    sponsor = request.details.sponsor.strip()
    if not sponsor or name_key(sponsor) == name_key(requester.name):
        return [Recipient(requester.user_id, "")]
    found = match_person(sponsor, people)
    if found is None:
        return [Recipient(requester.user_id, sponsor)]
    if found == requester.user_id:
        return [Recipient(requester.user_id, "")]
    return [Recipient(requester.user_id, ""), Recipient(found, "")]


def ask_for(
    request: DigitalRequest,
    months: int,
    delivered: dt.datetime | None,
    pass_on_to: str = "",
    reminder_of: dt.date | None = None,
) -> Ask:
    details = request.details
    return Ask(
        reference=request.reference,
        title=details.title,
        months=months,
        delivered_on=delivered.date() if delivered else None,
        expected_cash=details.cash_saving_per_year,
        expected_hours=details.hours_saved_per_year,
        expected_residents=details.affected_residents,
        expected_impact=details.resident_impact,
        pass_on_to=pass_on_to,
        reminder_of=reminder_of,
    )


def part(ctx: JourneyContext, reminders: Reminders) -> Part:
    async def loop() -> None:
        while True:
            await asyncio.sleep(LOOP_SECONDS)
            try:
                with job("benefits"):
                    await reminders.run()
            except Exception:
                logger.exception("The benefits loop failed; it will try again")

    async def on_start() -> None:
        try:
            await reminders.catch_up()
        except Exception:
            logger.exception("Finding deliveries missed while the bot was down failed")

    ctx.events.subscribe(REQUEST_SAVED, reminders.on_saved)
    return Part(loops=(loop,), on_start=on_start)
