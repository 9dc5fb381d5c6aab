"""What the procurement journey holds about people (bot/privacy.py): the early
engagements they started (their need, why nothing fitted, their checklist answers as
typed), the catalogue's systems they own (a SharePoint list in m365 mode, the
journey's file locally), and the catalogue imports they made (`catalogue.import`).

Erase: their engagements stay, for the boards' counts, under their stand-in and without
their words. A system they own stays in the catalogue with their name until someone
names a new owner: the catalogue must say who owns each system, so erase lists them.

Retention: an engagement is anonymised once its last change is older than the
REJECTED_REQUESTS period (its request was rejected or withdrawn) or the
CLOSED_REQUESTS period (any other).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

from bot.domain.model import Status
from bot.domain.procurement import Engagement
from bot.domain.retention import RetentionKind, RetentionPolicy
from bot.journeys.procurement.admin import IMPORTED
from bot.journeys.procurement.shared import NAME, Shared
from bot.ports import ChangedBySomeoneElse
from bot.privacy import (
    ERASED_NAME,
    STAND_IN_PREFIX,
    Erased,
    Held,
    Kept,
    Person,
    Retained,
    gone,
    pseudonym,
)
from bot.privacy_records import OWNER, RecordKeeper, RecordKindData, RecordSpec

OWNER_REASON = "Name a new system owner in the catalogue first. Then ask again."
REJECTED = frozenset({Status.REJECTED, Status.WITHDRAWN})

IMPORT_SPEC = RecordSpec(
    kind=IMPORTED,
    journey=NAME,
    what="Catalogue import you made",
    retention=RetentionKind.AUDIT,
    owner_is_person=False,
    labels={OWNER: "Imported by (your id)"},
)


def _anonymised(e: Engagement, owner_id: str, hide: Callable[[str], str] | None) -> Engagement:
    """The engagement under `owner_id`, without its owner's name and words. With `hide`
    (an erase), the system's name is kept unless it names them; past retention, too."""
    return dataclasses.replace(
        e,
        owner_id=owner_id,
        owner_name=ERASED_NAME if e.owner_name else "",
        need=gone(e.need),
        none_fit_reason=gone(e.none_fit_reason),
        checklist={name: gone(value) for name, value in e.checklist.items()},
        system_name=e.system_name if hide is None else hide(e.system_name),
    )


def _past_retention(e: Engagement) -> Engagement:
    """Past retention: the owner's id becomes their pseudonym (kept distinct), the rest goes."""
    owner = e.owner_id
    if owner and not owner.startswith(STAND_IN_PREFIX):
        owner = pseudonym(owner)
    return _anonymised(e, owner, None)


class ProcurementData:
    """PersonalData over the engagements (SQLite file, or Azure Table storage), the
    application catalogue, and the `catalogue.import` records in the bot's own store."""

    def __init__(self, shared: Shared, records: RecordKeeper | None = None) -> None:
        self._shared = shared
        keeper: RecordKeeper = records if records is not None else shared.ctx.store
        self._records = RecordKindData(keeper, [IMPORT_SPEC])

    async def held(self, person: Person) -> list[Held]:
        held: list[Held] = []
        engagements = await self._shared.engagements()
        for e in await engagements.all_engagements():
            if not person.is_them(e.owner_id):
                continue
            fields = {
                "Your id": e.owner_id,
                "Your name": e.owner_name,
                "What you need": e.need,
                "System": e.system_name,
                "Request": e.reference,
                "Why nothing fitted": e.none_fit_reason,
            }
            for name, value in e.checklist.items():
                fields[f"Checklist: {name.replace('_', ' ')}"] = value
            held.append(
                Held(
                    NAME,
                    "Procurement early engagement",
                    e.reference or e.id,
                    {label: value for label, value in fields.items() if value},
                    e.updated_at,
                )
            )
        catalogue = await self._shared.catalogue()
        for entry in await catalogue.entries():
            if person.is_them(entry.owner_id) or person.named_in(entry.owner_name):
                held.append(
                    Held(
                        NAME,
                        "System you own in the application catalogue",
                        entry.id,
                        {
                            "System": entry.name,
                            "Owner": entry.owner_name,
                            "Owner id": entry.owner_id,
                        },
                    )
                )
        held.extend(await self._records.held(person))
        return held

    async def erase(self, person: Person, stand_in: str, now: dt.datetime) -> Erased:
        done = Erased()
        hide = person.hide_names
        engagements = await self._shared.engagements()
        for e in await engagements.all_engagements():
            if person.is_them(e.owner_id) and await self._save(
                e, lambda e: _anonymised(e, stand_in, hide)
            ):
                done.count("procurement early engagements")
        catalogue = await self._shared.catalogue()
        for entry in await catalogue.entries():
            if person.is_them(entry.owner_id) or person.named_in(entry.owner_name):
                done.kept.append(
                    Kept(
                        NAME,
                        f"You own {entry.name} in the application catalogue",
                        entry.id,
                        OWNER_REASON,
                    )
                )
        done.merge(await self._records.erase(person, stand_in, now))
        return done

    async def _save(self, e: Engagement, change: Callable[[Engagement], Engagement]) -> bool:
        """Save the change, reading the engagement again if it changed meanwhile."""
        engagements = await self._shared.engagements()
        for _ in range(5):
            new = change(e)
            if new == e:
                return False
            try:
                await engagements.save(new)
                return True
            except ChangedBySomeoneElse:
                fresh = await engagements.get(e.id)
                if fresh is None:
                    return False
                e = fresh
        raise ChangedBySomeoneElse(f"{e.id} kept changing.")

    async def retain(self, policy: RetentionPolicy, now: dt.datetime) -> list[Retained]:
        closed = rejected = 0
        engagements = await self._shared.engagements()
        for e in await engagements.all_engagements():
            if e.owner_id.startswith(STAND_IN_PREFIX) and e.owner_name in ("", ERASED_NAME):
                continue  # anonymised already (erased, or an earlier pass)
            kind = RetentionKind.CLOSED_REQUESTS
            if e.reference:
                request = await self._shared.ctx.store.get(e.reference)
                if request is not None and request.status in REJECTED:
                    kind = RetentionKind.REJECTED_REQUESTS
            if not policy.is_past(kind, e.updated_at, now):
                continue
            if await self._save(e, _past_retention):
                if kind is RetentionKind.REJECTED_REQUESTS:
                    rejected += 1
                else:
                    closed += 1
        done = [
            Retained(RetentionKind.CLOSED_REQUESTS, anonymised=closed),
            Retained(RetentionKind.REJECTED_REQUESTS, anonymised=rejected),
        ]
        return done + await self._records.retain(policy, now)
