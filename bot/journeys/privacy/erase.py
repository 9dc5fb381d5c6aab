"""`erase <person>` (admins): every part of the product removes that person's data.

The person is an @mention, an id, or a display name looked up among the people the bot
knows (or, once their people row has gone, the requests they raised). Only names the
product stored are used to find words that name them, never what the admin typed.

A confirmation card says what will go and asks why; the Erase press checks again that
the presser is an admin. Each part of the product erases on its own: when one does not
answer, the others still erase, and a new card lets the admin press Erase again to
finish. Each try is recorded with its reason, counts and the parts that did not answer,
and no name or id of the person: only their pseudonym, which cannot be turned back.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.domain.model import DigitalRequest
from bot.errors import BadCardData, NotAllowed, UserFacingError
from bot.journey import JourneyContext, Reply, Turn, card_reply, message_reply
from bot.journeys.privacy import cards
from bot.journeys.privacy.my_data import person_of
from bot.mentions import entra_id, mentioned
from bot.ports import Record, RequestQuery
from bot.privacy import ERASED_NAME, AllOf, Erased, Held, Person, PersonalData, pseudonym
from bot.privacy_records import ERASURES
from bot.store.conversations import name_words
from bot.telemetry.logs import person_ref

logger = logging.getLogger(__name__)

ERASURE = ERASURES  # the audit record of each erasure: counts and reason only
ONLY_ADMINS = (
    "Only a Digital Front Door admin can erase a person's data, or see past erasures. "
    "Nothing has changed. To see what is held about you, type my data."
)
# An id typed instead of a name: an Entra object id, a Teams id ("29:…"). One word, with
# a digit in it, which a display name has not.
_ID = re.compile(r"(?=[^ ]*\d)[0-9A-Za-z][0-9A-Za-z:_.@-]{7,255}")
MOST_ID = 256
_CARD = re.compile(r"[0-9a-f]{32}")
NOBODY = "I could not find anyone with that id or name. Nothing has changed."
PAGE = 500
# Plain names for the parts of the product, for an erase that could not finish.
_PARTS = {
    "RequestData": "the requests list",
    "WorkingData": "the bot's own records",
    "LinkData": "the data download links",
    "ProcessMapData": "the process maps",
    "ProcurementData": "the procurement checklists",
    "CommunityData": "the communities",
    "BoardData": "the boards",
    "FlowData": "the automation flows",
}


def part_name(part: PersonalData) -> str:
    """A plain name for one part of the product: no person's data in it."""
    specs = getattr(part, "specs", None)
    if specs:
        return f"the {specs[0].journey} records"
    name = type(part).__name__
    return _PARTS.get(name, f"the {name.removesuffix('Data').lower() or 'other'} records")


def parts_of(found: PersonalData | None) -> list[PersonalData]:
    """Every part on its own, so one part failing does not stop the others."""
    if found is None:
        return []
    if isinstance(found, AllOf):
        return [part for inner in found.parts for part in parts_of(inner)]
    return [found]


@dataclass(frozen=True)
class ErasePress:
    card: str  # this confirmation card's own id: one erasure is recorded for it
    user_id: str
    ids: tuple[str, ...]
    names: tuple[str, ...]
    reason: str
    warned: bool = False  # the card warned that this is the presser's own data


def _strings(value: Any, most: int) -> tuple[str, ...]:
    if not isinstance(value, list) or len(value) > most:
        raise BadCardData("That button is from a card I did not send. Nothing has changed.")
    if not all(isinstance(v, str) and 0 < len(v) <= MOST_ID for v in value):
        raise BadCardData("That button is from a card I did not send. Nothing has changed.")
    return tuple(value)


def parse_erase(data: Mapping[str, Any]) -> ErasePress:
    if not isinstance(data, Mapping):
        raise BadCardData("That button is from a card I did not send. Nothing has changed.")
    user_id = data.get("person")
    if not isinstance(user_id, str) or not 0 < len(user_id) <= MOST_ID:
        raise BadCardData("That button is from a card I did not send. Nothing has changed.")
    reason = data.get(cards.REASON)
    if reason not in cards.REASONS:
        raise UserFacingError("Choose why you are erasing the data. Nothing has changed yet.")
    card = data.get("card")
    if not isinstance(card, str) or not _CARD.fullmatch(card):
        raise BadCardData("That button is from a card I did not send. Nothing has changed.")
    return ErasePress(
        card,
        user_id,
        _strings(data.get("ids"), 10),
        _strings(data.get("names"), 10),
        reason,
        data.get("warned") is True,
    )


def parse_cancel(data: Mapping[str, Any]) -> None:
    return None


@dataclass
class Erasing:
    ctx: JourneyContext
    # Called with the person's ids once erased, so this instance's caches drop them.
    forget: Callable[[frozenset[str]], None]

    def _must_be_admin(self, turn: Turn) -> None:
        if not self.ctx.is_admin(turn.actor):
            raise NotAllowed(ONLY_ADMINS)

    async def command(self, turn: Turn, said: str) -> None:
        self._must_be_admin(turn)
        person = await self._find(turn, said.strip())
        if person is None:
            return
        held, unread = await self._held(person)
        who = ", ".join(sorted(person.names)) or person.user_id
        yourself = bool(person.ids & {turn.actor.user_id, turn.actor.aad_object_id} - {""})
        data: dict[str, Any] = {
            "card": uuid.uuid4().hex,
            "person": person.user_id,
            "ids": sorted(person.ids),
            "names": sorted(person.names),
        }
        if yourself:
            data["warned"] = True
        card = cards.confirm_erase_card(
            f"{who} ({person.user_id})",
            held,
            data,
            unread=unread,
            no_name=not person.names,
            yourself=yourself,
            admin=not yourself and bool(person.ids & self.ctx.admin_ids),
        )
        await turn.send_card(card)

    async def _held(self, person: Person) -> tuple[list[Held], list[str]]:
        """What each part holds, and the parts that could not be read."""
        held: list[Held] = []
        unread: list[str] = []
        for part in parts_of(self.ctx.personal_data):
            try:
                held.extend(await part.held(person))
            except Exception:
                logger.exception("A part could not say what it holds about a person")
                unread.append(part_name(part))
        return held, unread

    async def _requests(self) -> list[DigitalRequest]:
        found: list[DigitalRequest] = []
        after = 0
        while True:
            page = await self.ctx.store.query(RequestQuery(), after, PAGE)
            found.extend(page)
            if len(page) < PAGE or not page[-1].item_id.isdigit():
                return found
            after = int(page[-1].item_id)

    async def _person(self, user_id: str, ids: set[str], names: set[str]) -> tuple[Person, bool]:
        """Everyone the product knows this person as, from the people rows and the
        requests they raised (never words an admin typed); and whether any was found."""
        known = bool(await self.ctx.store.people(frozenset(ids | {user_id})))
        person = await person_of(self.ctx, user_id, ids, names)
        ids, names = set(person.ids), set(person.names)
        for request in await self._requests():
            them = request.requester
            if {them.user_id, them.aad_object_id} & ids:
                known = True
                ids |= {them.user_id, them.aad_object_id}
                if them.name and them.name != ERASED_NAME:
                    names.add(them.name)
        ids = {i for i in ids if i and not i.startswith("erased-")}
        return Person(user_id, frozenset(ids | {user_id}), frozenset(n for n in names if n)), known

    async def _by_id(self, said: str) -> Person | None:
        """The person with this Entra id or Teams id, or None when nobody has it."""
        user_id = said
        if said.startswith("29:"):  # a Teams id: their Entra id, if the bot knows it
            for request in await self._requests():
                if said in (request.requester.user_id, request.requester.aad_object_id):
                    user_id = request.requester.aad_object_id or request.requester.user_id
                    break
        person, known = await self._person(user_id, {user_id, said}, set())
        if known:
            return person
        if said.startswith("29:"):
            return None
        held, _ = await self._held(person)
        return person if held else None

    async def _named(self, said: str) -> dict[str, tuple[str, str]]:
        """People with this name: the people rows, else the requests they raised."""
        matches = await self.ctx.store.find_people(said)
        if matches:
            return matches
        wanted = name_words(said)
        found: dict[str, tuple[str, str]] = {}
        for request in await self._requests():
            them = request.requester
            user_id = them.aad_object_id or them.user_id
            if wanted and them.name != ERASED_NAME and wanted <= name_words(them.name):
                found.setdefault(user_id, ("", them.name))
        return found

    async def _find(self, turn: Turn, said: str) -> Person | None:
        """The person meant, or None when the admin has been told why not."""
        people = [p for p in mentioned(turn)]
        if people:
            found = people[0]
            aad = await entra_id(turn, found)
            user_id = aad or found.id
            person, _ = await self._person(user_id, {user_id, found.id}, {found.name or ""})
            return person
        if not said:
            await turn.send_text("Type erase and the person's name, or @mention them.")
            return None
        if _ID.fullmatch(said):
            by_id = await self._by_id(said)
            if by_id is None:
                await turn.send_text(NOBODY)
            return by_id
        matches = await self._named(said)
        if not matches:
            await turn.send_text(
                f"I could not find anyone called {said[:100]}. Check the spelling, or "
                "@mention them. Nothing has changed."
            )
            return None
        if len(matches) > 1:
            await turn.send_card(cards.choose_person_card(said[:100], matches))
            return None
        user_id, (teams_id, name) = next(iter(matches.items()))
        person, _ = await self._person(user_id, {user_id, teams_id}, {name})
        return person

    async def confirmed(self, turn: Turn, press: ErasePress) -> Reply:
        self._must_be_admin(turn)
        now = self.ctx.now()
        person, _ = await self._person(press.user_id, set(press.ids), set(press.names))
        actor = {turn.actor.user_id, turn.actor.aad_object_id} - {""}
        if person.ids & actor and not press.warned:
            raise UserFacingError(
                "To erase your own data, type erase and your name, and read the warning "
                "first. Nothing has changed."
            )
        stand_in = pseudonym(press.user_id)
        done = Erased()
        failed: list[str] = []
        for part in parts_of(self.ctx.personal_data):
            try:
                done.merge(await part.erase(person, stand_in, now))
            except Exception:
                logger.exception("A part could not erase a person's data")
                failed.append(part_name(part))
        self.forget(person.ids)
        first = await self._record(turn, press.card, press.reason, stand_in, done, failed, now)
        if not first and (done.changed or failed):  # this card again: each try is recorded
            await self._record(turn, uuid.uuid4().hex, press.reason, stand_in, done, failed, now)
        logger.info(
            "%s erased a person's data (%s records, %s kept, %s parts failed)",
            person_ref(turn.actor.user_id),
            sum(done.changed.values()),
            len(done.kept),
            len(failed),
        )
        if failed:
            data = {
                "card": uuid.uuid4().hex,
                "person": press.user_id,
                "ids": list(press.ids),
                "names": list(press.names),
                cards.REASON: press.reason,
                "warned": press.warned,
            }
            return card_reply(cards.erase_unfinished_card(done.changed, failed, data))
        if not first:
            return message_reply(
                "This person's data was erased when the button was first pressed. "
                "It has been checked again now."
            )
        return card_reply(cards.erased_card(done.changed, done.kept, stand_in))

    async def _record(
        self,
        turn: Turn,
        key: str,
        reason: str,
        stand_in: str,
        done: Erased,
        failed: list[str],
        now: dt.datetime,
    ) -> bool:
        """One record for each try: False if one was already kept under `key`."""
        data = {
            "stand_in": stand_in,
            "reason": reason,
            "counts": dict(done.changed),
            "kept": len(done.kept),
            "failed": failed,
            "at": now.isoformat(),
            "by": pseudonym(turn.actor.user_id),
        }
        return await self.ctx.store.add_record(Record(ERASURE, key, "", now, data))

    async def cancelled(self, turn: Turn, _: None) -> Reply:
        return message_reply("Nothing has been erased.")

    async def history(self, turn: Turn, _: str) -> None:
        self._must_be_admin(turn)
        found: list[dict[str, Any]] = []
        after = 0
        while page := await self.ctx.store.records(ERASURE, after_seq=after, limit=500):
            found.extend(record.data for record in page)
            after = page[-1].seq
            if len(page) < 500:
                break
        await turn.send_card(cards.erasures_card(found, self.ctx.calendar.zone))
