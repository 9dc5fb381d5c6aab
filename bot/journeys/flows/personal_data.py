"""What the Power Automate flows journey holds about people (bot/privacy.py): the
webhook triggers they made (their name and id as the flow's maker), the delivery log's
bodies that name them (a request's requester, say: the log forgets finished rows after
30 days anyway), and the `api.message` record of each card a flow sent for them.

Erase: their triggers are deleted (a flow made by someone who asked to be erased stops
being called: its maker can subscribe again under a new owner), finished log rows naming
them are deleted, and their `api.message` records keep what happened under their
stand-in, without the title. Retention (AUDIT): `api.message` records past the cutoff
lose the caller and the title.
"""

from __future__ import annotations

import datetime as dt

from bot.domain.retention import RetentionKind, RetentionPolicy
from bot.journeys.flows.messages import AUDIT
from bot.journeys.flows.store import Delivery, FlowStore
from bot.journeys.flows.webhooks import Webhooks
from bot.privacy import Erased, Held, Person, Retained
from bot.privacy_records import OWNER, RecordKeeper, RecordKindData, RecordSpec

NAME = "flows"  # the journey's name (bot/journeys/flows/__init__.py)
PAGE = 500

MESSAGE_SPEC = RecordSpec(
    kind=AUDIT,
    journey=NAME,
    what="Card a flow sent in Teams",
    retention=RetentionKind.AUDIT,
    text_fields=("title",),
    labels={OWNER: "Sent by (your id)", "title": "Card title", "result": "What happened"},
)


def _names_them(person: Person, body: str) -> bool:
    return any(user_id in body for user_id in person.ids if len(user_id) >= 3) or (
        person.named_in(body)
    )


class FlowData:
    """PersonalData over the flows store (SQLite file, or Azure Table storage) and the
    `api.message` records in the bot's own store."""

    def __init__(self, hooks: Webhooks, records: RecordKeeper | None = None) -> None:
        self._hooks = hooks
        keeper: RecordKeeper = records if records is not None else hooks.ctx.store
        self._records = RecordKindData(keeper, [MESSAGE_SPEC])

    async def _log(self, store: FlowStore, subscription_id: str) -> list[Delivery]:
        found: list[Delivery] = []
        before = 0
        while True:
            page = await store.deliveries(subscription_id, before, PAGE)
            found.extend(page)
            if len(page) < PAGE:
                return found
            before = page[-1].seq

    async def held(self, person: Person) -> list[Held]:
        store = await self._hooks.store()
        held: list[Held] = []
        for s in await store.subscriptions():
            if person.is_them(s.owner_id) or person.named_in(s.owner_name):
                held.append(
                    Held(
                        NAME,
                        "Power Automate trigger you made",
                        s.id,
                        {
                            "Made by": s.owner_name,
                            "Made by (id)": s.owner_id,
                            "When": s.event,
                            "Made": s.created_at.strftime("%d %B %Y %H:%M"),
                        },
                        s.created_at,
                    )
                )
            for d in await self._log(store, s.id):
                if _names_them(person, d.body):
                    held.append(
                        Held(
                            NAME,
                            "What a flow was sent that names you",
                            f"{s.id}:{d.seq}",
                            {"Event": d.event, "What was sent": d.body},
                            d.occurred_at,
                        )
                    )
        held.extend(await self._records.held(person))
        return held

    async def erase(self, person: Person, stand_in: str, now: dt.datetime) -> Erased:
        store = await self._hooks.store()
        done = Erased()
        for s in await store.subscriptions():
            if person.is_them(s.owner_id):
                if await store.delete_subscription(s.id):  # its log goes with it
                    done.count("Power Automate triggers")
                continue
            naming = [d.seq for d in await self._log(store, s.id) if _names_them(person, d.body)]
            done.count("flow delivery log entries", await store.delete_deliveries(s.id, naming))
        done.merge(await self._records.erase(person, stand_in, now))
        return done

    async def retain(self, policy: RetentionPolicy, now: dt.datetime) -> list[Retained]:
        # The delivery log keeps itself to 30 days (webhooks.py KEEP_LOG); the triggers
        # last as long as their flows do.
        return await self._records.retain(policy, now)
