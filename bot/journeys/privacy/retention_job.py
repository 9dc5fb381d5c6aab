"""The retention job: once a day, every journey deletes or anonymises what is past its
period (bot/domain/retention.py), and what it did is recorded as counts, never who.

The loop wakes every few minutes. From RETENTION_RUN_HOUR (local time) it claims the
day's key in the bot's working store: only one instance runs it, a restart the same day
does not run it again, and a claim whose instance died is taken over after its hold.
Each journey's `retain` is safe to run again, so a pass cut short is simply run again.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from collections.abc import Mapping
from typing import Any

from bot.errors import NotAllowed
from bot.journey import JourneyContext, Turn
from bot.journeys.privacy import cards
from bot.journeys.privacy.config import PrivacySettings
from bot.ports import Record
from bot.privacy import Retained
from bot.telemetry.steps import job

logger = logging.getLogger(__name__)

RUN = "retention.run"  # the record of each run: counts per kind
LOOP_SECONDS = 300.0
FIRST_RUN_SECONDS = 60.0  # not while the app is starting
HOLD = dt.timedelta(hours=2)  # far longer than a pass takes
ONLY_ADMINS = "Only a Digital Front Door admin can run the retention job. Nothing has changed."


def counts_of(done: list[Retained]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in done:
        counts[item.kind.value] = counts.get(item.kind.value, 0) + item.deleted + item.anonymised
    return counts


class Retention:
    def __init__(self, ctx: JourneyContext, settings: PrivacySettings) -> None:
        self.ctx = ctx
        self.settings = settings

    async def run(self, key: str, now: dt.datetime) -> dict[str, int]:
        """One pass over every journey, recorded under `key`: counts per kind."""
        parts = self.ctx.personal_data
        done = await parts.retain(self.settings.policy, now) if parts is not None else []
        counts = counts_of(done)
        data = {"at": now.isoformat(), "counts": counts}
        await self.ctx.store.add_record(Record(RUN, key, "", now, data))
        return counts

    async def run_if_due(self) -> bool:
        """Today's run, if it is time and no instance has done it: True if this one did."""
        now = self.ctx.now()
        local = now.astimezone(self.ctx.calendar.zone)
        if local.hour < self.settings.run_hour:
            return False
        day = local.date().isoformat()
        key = f"retention:{day}"
        if not await self.ctx.store.claim_notification(key, hold=HOLD):
            return False
        try:
            counts = await self.run(day, now)
        except BaseException:
            await self.ctx.store.release_notification(key)
            raise
        await self.ctx.store.notification_sent(key)
        logger.info("The retention job ran: %s records changed", sum(counts.values()))
        return True

    async def loop(self) -> None:
        await asyncio.sleep(FIRST_RUN_SECONDS)
        while True:
            try:
                with job("retention"):
                    await self.run_if_due()
            except Exception:
                logger.exception("The retention job failed; it will try again")
            await asyncio.sleep(LOOP_SECONDS)

    async def last_run(self) -> Mapping[str, Any] | None:
        last: Record | None = None
        after = 0
        while page := await self.ctx.store.records(RUN, after_seq=after, limit=500):
            last, after = page[-1], page[-1].seq
            if len(page) < 500:
                break
        return last.data if last is not None else None

    # ---- Commands

    async def show(self, turn: Turn, _: str) -> None:
        if not self.ctx.is_admin(turn.actor):
            raise NotAllowed("Only a Digital Front Door admin can see the retention settings.")
        last = await self.last_run()
        await turn.send_card(
            cards.retention_card(self.settings.policy, last, self.ctx.calendar.zone)
        )

    async def run_now(self, turn: Turn, _: str) -> None:
        if not self.ctx.is_admin(turn.actor):
            raise NotAllowed(ONLY_ADMINS)
        now = self.ctx.now()
        day = now.astimezone(self.ctx.calendar.zone).date().isoformat()
        key = f"{day}:now:{uuid.uuid4().hex[:12]}"
        counts = await self.run(key, now)
        await turn.send_card(cards.ran_card(counts))
