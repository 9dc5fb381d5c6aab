"""What the boards journey holds about people (bot/privacy.py): board memberships and
roles, deputies, decisions made by them or for them, roadmap packs they made, and the
prioritisation weights they changed (the `matrix_change` record).

A board's decision is a public record of what the council decided (public task): it is
kept as decided, in this store and in the DFD Decisions SharePoint list copied from it,
and erase lists each one it keeps. A board member stays a member until a secretary
changes the membership: erase says so rather than leave a board a member short.

Retention (AUDIT): deputies whose period ended before the cutoff lose their names and
ids (pseudonyms keep them distinct); roadmap pack records past their link's life go;
`matrix_change` records past the cutoff lose the name and the reason.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

from bot.domain.boards import Decision, Deputy
from bot.domain.retention import RetentionKind, RetentionPolicy
from bot.journeys.boards.matrix import RECORD as MATRIX_RECORD
from bot.journeys.boards.ports import BoardStore
from bot.journeys.boards.shared import NAME, Shared
from bot.privacy import (
    ERASED_NAME,
    Erased,
    Held,
    Kept,
    Person,
    Retained,
    stand_in_for,
)
from bot.privacy_records import OWNER, RecordKeeper, RecordKindData, RecordSpec

PACK_PREFIX = "roadmap_pack:"  # roadmap.py's key for a pack, before its token
DECISION_REASON = (
    "A board's decision is a public record of the council's decision (public task); "
    "it is kept as decided."
)
PAGE = 500

MATRIX_SPEC = RecordSpec(
    kind=MATRIX_RECORD,
    journey=NAME,
    what="Change you made to how requests are scored",
    retention=RetentionKind.AUDIT,
    name_fields=("by_name",),
    text_fields=("reason",),
    labels={
        OWNER: "Changed by (your id)",
        "version": "Version",
        "by_name": "Your name",
        "reason": "Your reason",
    },
)


def _member_reason(board: str) -> str:
    return (
        f"You are a member of {board}: a board secretary must change the membership first. "
        "Then ask again."
    )


def _day(day: dt.date) -> str:
    return day.strftime("%d %B %Y")


class BoardData:
    """PersonalData over the boards store (SQLite file, or Azure Table storage) and the
    `matrix_change` records in the bot's own store."""

    def __init__(self, shared: Shared, records: RecordKeeper | None = None) -> None:
        self._shared = shared
        keeper: RecordKeeper = records if records is not None else shared.ctx.store
        self._records = RecordKindData(keeper, [MATRIX_SPEC])

    async def _store(self) -> BoardStore:
        return await self._shared.store()

    async def held(self, person: Person) -> list[Held]:
        store = await self._store()
        held: list[Held] = []
        boards = (await self._shared.ctx.store.governance()).boards

        def board_name(key: str) -> str:
            return boards[key].name if key in boards else key

        for setup in await store.setups():
            roles = []
            if any(person.is_them(m) for m in setup.members):
                roles.append("member")
            if person.is_them(setup.secretary_id):
                roles.append("secretary")
            if person.is_them(setup.chair_id):
                roles.append("chair")
            names = {i: n for i, n in setup.names.items() if person.is_them(i)}
            if roles or names:
                fields = {"Board": board_name(setup.key), "Role": ", ".join(roles) or "named"}
                for user_id, name in names.items():
                    fields["Your id"] = user_id
                    fields["Your name"] = name
                held.append(Held(NAME, "Board membership", setup.key, fields))
        for d in await store.all_deputies():
            if person.is_them(d.member_id) or person.is_them(d.deputy_id):
                held.append(
                    Held(
                        NAME,
                        "Deputy for a board member",
                        f"{d.board}:{d.member_id}:{d.starts.isoformat()}",
                        {
                            "Board": board_name(d.board),
                            "Member": d.member_name,
                            "Member id": d.member_id,
                            "Deputy": d.deputy_name,
                            "Deputy id": d.deputy_id,
                            "From": _day(d.starts),
                            "To": _day(d.ends),
                        },
                        d.named_at,
                    )
                )
        for decision in await self._decisions(store):
            mine = person.is_them(decision.decided_by_id)
            for_them = person.is_them(decision.on_behalf_of_id)
            named = person.named_in(decision.delivery_owner) or person.named_in(decision.rationale)
            if not (mine or for_them or named):
                continue
            fields = {"Request": decision.reference, "Board": board_name(decision.board)}
            if mine:
                fields["Decided by"] = decision.decided_by_name
                fields["Decided by (id)"] = decision.decided_by_id
            if for_them:
                fields["Decided for"] = decision.on_behalf_of_name
                fields["Decided for (id)"] = decision.on_behalf_of_id
            if mine or person.named_in(decision.rationale):
                fields["Reason"] = decision.rationale
            if person.named_in(decision.delivery_owner):
                fields["Delivery owner"] = decision.delivery_owner
            held.append(Held(NAME, "Board decision", decision.id, fields, decision.at))
        for key, raw in (await store.values_starting(PACK_PREFIX)).items():
            made_by = _pack(raw).get("by", "")
            if isinstance(made_by, str) and person.named_in(made_by):
                held.append(
                    Held(
                        NAME,
                        "Roadmap review pack you made",
                        key.removeprefix(PACK_PREFIX)[:6] + "…",
                        {"Made by": made_by, "Made": str(_pack(raw).get("made_at", ""))},
                    )
                )
        held.extend(await self._records.held(person))
        return held

    async def _decisions(self, store: BoardStore) -> list[Decision]:
        found: list[Decision] = []
        after = 0
        while True:
            page = await store.decisions(after_seq=after, limit=PAGE)
            found.extend(page)
            if len(page) < PAGE:
                return found
            after = page[-1].seq

    async def erase(self, person: Person, stand_in: str, now: dt.datetime) -> Erased:
        store = await self._store()
        done = Erased()
        hide = person.hide_names
        for setup in await store.setups():
            member = any(person.is_them(m) for m in setup.members)
            role = person.is_them(setup.secretary_id) or person.is_them(setup.chair_id)
            if member or role:
                done.kept.append(
                    Kept(NAME, f"Membership of {setup.key}", setup.key, _member_reason(setup.key))
                )
                continue
            names = {i: n for i, n in setup.names.items() if not person.is_them(i)}
            if names != setup.names:
                await store.save_setup(dataclasses.replace(setup, names=names))
                done.count("board memberships")

        def erase_deputy(d: Deputy) -> Deputy:
            if person.is_them(d.member_id):
                d = dataclasses.replace(d, member_id=stand_in, member_name=ERASED_NAME)
            if person.is_them(d.deputy_id):
                d = dataclasses.replace(d, deputy_id=stand_in, deputy_name=ERASED_NAME)
            return d

        done.count("deputies", await store.rewrite_deputies(erase_deputy))
        for decision in await self._decisions(store):
            if (
                person.is_them(decision.decided_by_id)
                or person.is_them(decision.on_behalf_of_id)
                or person.named_in(decision.delivery_owner)
                or person.named_in(decision.rationale)
            ):
                done.kept.append(
                    Kept(
                        NAME,
                        f"Decision on {decision.reference} by the {decision.board} board",
                        decision.reference,
                        DECISION_REASON,
                    )
                )
        for key, raw in (await store.values_starting(PACK_PREFIX)).items():
            data = _pack(raw)
            made_by = data.get("by", "")
            if isinstance(made_by, str) and person.named_in(made_by):
                await store.set_value(key, json.dumps({**data, "by": hide(made_by)}))
                done.count("roadmap review packs")
        done.merge(await self._records.erase(person, stand_in, now))
        return done

    async def retain(self, policy: RetentionPolicy, now: dt.datetime) -> list[Retained]:
        store = await self._store()
        cutoff = policy.cutoff(RetentionKind.AUDIT, now).date()

        def anonymise(d: Deputy) -> Deputy:
            if d.ends >= cutoff:
                return d
            return dataclasses.replace(
                d,
                member_id=stand_in_for(d.member_id),
                member_name=ERASED_NAME if d.member_name else "",
                deputy_id=stand_in_for(d.deputy_id),
                deputy_name=ERASED_NAME if d.deputy_name else "",
            )

        anonymised = await store.rewrite_deputies(anonymise)
        deleted = 0
        life = dt.timedelta(days=self._shared.config.pack_days)
        for key, raw in (await store.values_starting(PACK_PREFIX)).items():
            made_at = _made_at(raw)
            if (made_at is None or now >= made_at + life) and await store.delete_value(key):
                deleted += 1
        done = [Retained(RetentionKind.AUDIT, deleted=deleted, anonymised=anonymised)]
        return done + await self._records.retain(policy, now)


def _pack(raw: str) -> dict[str, object]:
    try:
        data = json.loads(raw)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _made_at(raw: str) -> dt.datetime | None:
    made = _pack(raw).get("made_at")
    try:
        return dt.datetime.fromisoformat(str(made))
    except ValueError:
        return None
