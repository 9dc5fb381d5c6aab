"""Starting an early engagement: "before you buy", the catalogue check, then either a
request to use a system the council already has, or the request form for a new buy.

An engagement starts here in three ways: a command (`buy software`, "we want to buy…",
"our contract ends…"), a renewal reminder (the admin part calls `start_card`), or a
request sent saying it involves buying or renewing (REQUEST_SUBMITTED). Who acts always
comes from the validated Activity; card data only says which engagement or entry.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot import form_flow
from bot.domain.commands import without_mentions
from bot.domain.forms import NO, YES
from bot.domain.model import AuditEntry, DigitalRequest, RequestKind
from bot.domain.procurement import (
    CATALOGUE_CHECK,
    CatalogueEntry,
    CatalogueMatch,
    CatalogueOutcome,
    Engagement,
    Stage,
)
from bot.errors import BadCardData, NotAllowed, NotFound, UserFacingError
from bot.journey import (
    REQUEST_CHANGED,
    REQUEST_SUBMITTED,
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
from bot.journeys.intake.form import REQUEST_FORM
from bot.journeys.procurement import checklist
from bot.journeys.procurement.shared import Shared
from bot.journeys.servicedesk import DEFAULT_CONTACT
from bot.notifier import Delivered
from bot.ports import ChangedBySomeoneElse
from bot.telemetry.logs import person_ref
from cards import catalogue_cards as cards
from cards.elements import to_dict
from cards.form_card import build_form_card

logger = logging.getLogger(__name__)

PHRASES = (
    "buy software",
    "procurement",
    "buying software",
    "buy a system",
    "buy some software",
    "renew a contract",
    "renewal",
    "early engagement",
)
RENEWAL_PHRASES = ("renew a contract", "renewal")
BUYING = ("we want to buy ", "i want to buy ", "we need to buy ", "we are buying ")
CONTRACT = ("our contract ends", "our contract for ", "the contract for ")
# "our contract for Civica Pay ends in March": the system is named before the verb.
_CONTRACT_FOR = re.compile(
    r"^(?:our|the) contract for (?P<system>.+?) (?:ends|runs out|expires|is ending|finishes)\b",
    re.IGNORECASE,
)
NOTHING_MATCHED = "Nothing in the catalogue matched."
FROM_REQUEST = (
    "You said this involves buying or renewing software. Before anything is bought, "
    "see what the council already has."
)
NOT_YOURS = "Only the person who started this early engagement can do that. Nothing has changed."
_ENGAGEMENT_ID = re.compile(r"PE-[0-9a-f]{12}")
_CARD_KEY = re.compile(r"[0-9a-f]{16}")
_IN_PROGRESS = (Stage.CATALOGUE, Stage.REQUEST, Stage.CHECKLIST)
_MOST_TYPED = 20_000  # what a card input could hold at most: beyond, it is not our card
_TRIES = 3  # saves tried again when someone else changed the same thing meanwhile
# Kit the IT service desk gives out: "we want to buy a new laptop" is not a procurement.
_KIT = re.compile(
    r"\b(?:laptops?|computers?|pcs?|desktops?|phones?|mobiles?|iphones?|smartphones?|"
    r"monitors?|screens?|keyboards?|mouse|mice|headsets?|headphones|webcams?|printers?|"
    r"ink|toner|cartridges?|chargers?|cables?|docking stations?|docks?|tablets?|ipads?)\b",
    re.IGNORECASE,
)
_NOT_KIT = re.compile(r"\b(?:system|software|app|apps|platform|licen[cs]es?)\b", re.IGNORECASE)
_MOST_KIT_WORDS = 8


# ---- Reading what was typed ------------------------------------------------------------


def read_buying(said: str) -> str | None:
    """The message, when it starts with "we want to buy…" or "our contract…" (or is
    "we want to buy" on its own)."""
    for prefix in (*BUYING, *CONTRACT):
        if said.startswith(prefix) and len(said) > len(prefix):
            return said
    if said.rstrip(" .!?") in {prefix.strip() for prefix in BUYING}:
        return said
    return None


def what_they_said(typed: str) -> tuple[str, bool, str]:
    """The need, whether it is a renewal, and the system, from a message as typed."""
    text = without_mentions(typed)
    lowered = text.lower().rstrip(" .!?")
    for prefix in BUYING:
        if lowered.startswith(prefix) or lowered == prefix.strip():
            return text[len(prefix) :].strip(" .!?"), False, ""
    found = _CONTRACT_FOR.match(text)
    return text.strip(" .!"), True, found.group("system").strip() if found else ""


def is_kit(need: str) -> bool:
    """A short ask for a device or its parts ("a new laptop", "printer ink"), which the IT
    service desk gives out, and not for software."""
    return (
        len(need.split()) <= _MOST_KIT_WORDS
        and _KIT.search(need) is not None
        and _NOT_KIT.search(need) is None
    )


# ---- Card data -----------------------------------------------------------------------


@dataclass(frozen=True)
class StartPress:
    key: str
    need: str
    buy: str
    system_name: str


@dataclass(frozen=True)
class EngagementPress:
    engagement_id: str
    entry_id: str = ""
    reason: str = ""


def _typed(data: Mapping[str, Any], name: str) -> str:
    value = data.get(name, "")
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > _MOST_TYPED:
        raise BadCardData("That card is not one I recognise. Type buy software to start again.")
    return value


def parse_start(data: Mapping[str, Any]) -> StartPress:
    key = data.get(cards.KEY)
    if not isinstance(key, str) or not _CARD_KEY.fullmatch(key):
        raise BadCardData("That card is not one I recognise. Type buy software to start again.")
    return StartPress(
        key, _typed(data, cards.NEED), _typed(data, cards.BUY), _typed(data, cards.SYSTEM)
    )


def _engagement_id(data: Mapping[str, Any]) -> str:
    value = data.get(cards.ENGAGEMENT)
    if not isinstance(value, str) or not _ENGAGEMENT_ID.fullmatch(value):
        raise BadCardData(
            "That button did not say which early engagement it is about. Nothing has changed. "
            "Type buy software to see yours."
        )
    return value


def parse_need(data: Mapping[str, Any]) -> str:
    """ "Go on anyway": the need it was about, at most what the start card can hold."""
    return _typed(data, cards.NEED)[: cards.MAX_NEED]


def parse_engagement(data: Mapping[str, Any]) -> EngagementPress:
    return EngagementPress(_engagement_id(data))


def parse_existing(data: Mapping[str, Any]) -> EngagementPress:
    entry = data.get(cards.ENTRY)
    if not isinstance(entry, str) or not 0 < len(entry) <= 200:
        raise BadCardData("That button did not say which system it is about. Nothing has changed.")
    return EngagementPress(_engagement_id(data), entry_id=entry)


def parse_none_fit(data: Mapping[str, Any]) -> EngagementPress:
    return EngagementPress(_engagement_id(data), reason=_typed(data, cards.REASON))


def start_errors(press: StartPress) -> dict[str, str]:
    errors: dict[str, str] = {}
    need = press.need.strip()
    if not need:
        errors[cards.NEED] = cards.NEED_MISSING + "."
    elif len(need) > cards.MAX_NEED:
        errors[cards.NEED] = too_long("What you need", need, cards.MAX_NEED)
    if press.buy not in (cards.NEW_BUY, cards.RENEWAL):
        errors[cards.BUY] = cards.BUY_MISSING + "."
    if len(press.system_name.strip()) > cards.MAX_SYSTEM:
        errors[cards.SYSTEM] = too_long(
            "The system or product", press.system_name, cards.MAX_SYSTEM
        )
    return errors


def too_long(what: str, text: str, most: int) -> str:
    return f"{what} must be {most:,} characters or fewer. It is {len(text.strip()):,}."


def engagement_id_for(*parts: str) -> str:
    """The same card pressed twice, or the same request told twice, is one engagement."""
    return "PE-" + hashlib.sha256("|".join(parts).encode()).hexdigest()[:12]


# ---- What the request form is filled with ------------------------------------------------


def short_need(need: str, most: int) -> str:
    """The need's first line, cut at a word to fit `most` characters."""
    first = " ".join(need.strip().splitlines()[0].split()) if need.strip() else ""
    if len(first) <= most:
        return first
    cut = first[: most - 1].rsplit(" ", 1)[0].rstrip(" ,;:")
    return cut + "…"


def _title_case(text: str) -> str:
    return text[:1].upper() + text[1:]


def _mid_sentence(text: str) -> str:
    """ "We want to take…" after "for": its first letter small, unless the first word is
    "I" or a short form in capitals ("CRM for housing")."""
    first = text.split(" ", 1)[0]
    if first == "I" or (len(first) > 1 and first.isupper()):
        return text
    return text[:1].lower() + text[1:]


def prefill(engagement: Engagement, entry_name: str, supplier: str = "") -> dict[str, str]:
    """The request form's answers we already know, as the form's inputs send them.
    With RENEWAL, `entry_name` is the system being renewed and `supplier` its supplier."""
    most = REQUEST_FORM.fields["title"].max_length or 120
    if engagement.outcome is CatalogueOutcome.EXISTING:
        if engagement.renewal and engagement.system_name:
            title = short_need(f"Use {entry_name} instead of {engagement.system_name}", most)
        else:
            start = f"Use {entry_name} for "
            title = start + _mid_sentence(short_need(engagement.need, most - len(start)))
        return {
            "title": title,
            "problem": engagement.need,
            "kind": RequestKind.CHANGE_EXISTING.value,
            "existing_systems": entry_name,
            "involves_procurement": NO,
        }
    if engagement.outcome is CatalogueOutcome.RENEWAL:
        system = entry_name or engagement.system_name
        values = {
            "title": short_need(cards.renew_title(system), most),
            "problem": engagement.need,
            "kind": RequestKind.CHANGE_EXISTING.value,
            "involves_procurement": YES,
        }
        if system:
            values["existing_systems"] = system
        if supplier or engagement.system_name:
            values["supplier"] = supplier or engagement.system_name
        return values
    kind = RequestKind.CHANGE_EXISTING if engagement.renewal else RequestKind.NEW_SYSTEM
    values = {
        "title": _title_case(short_need(engagement.need, most)),
        "problem": engagement.need,
        "kind": kind.value,
        "involves_procurement": YES,
    }
    if engagement.system_name:
        values["supplier"] = engagement.system_name
    return values


# ---- The cards others use ---------------------------------------------------------------


async def start_card(
    shared: Shared,
    actor: Actor,
    *,
    need: str = "",
    renewal: bool | None = None,
    system_name: str = "",
) -> dict[str, Any]:
    """The "Before you buy" card, saying first when they already have one in progress."""
    store = await shared.engagements()
    mine = await store.for_owner(actor.user_id)
    in_progress = next((e for e in mine if e.stage in _IN_PROGRESS), None)
    return cards.start_card(
        secrets.token_hex(8),
        need=need,
        renewal=renewal,
        system_name=system_name,
        in_progress=in_progress,
    )


async def shown_matches(
    shared: Shared, engagement: Engagement
) -> list[tuple[CatalogueMatch, CatalogueEntry | None]]:
    """Up to 5 matches; for a renewal, not the system being renewed (it is shown apart)."""
    renewed = engagement.chosen_entry_id if engagement.renewal else ""
    others = [match for match in engagement.matches if match.entry_id != renewed]
    return [(match, await shared.entry(match.entry_id)) for match in others[:5]]


async def renewed_entry(shared: Shared, engagement: Engagement) -> CatalogueEntry | None:
    """The catalogue's entry for the system a renewal is renewing, if it was found."""
    renewing = engagement.outcome in (None, CatalogueOutcome.RENEWAL)
    if not engagement.renewal or not engagement.chosen_entry_id or not renewing:
        return None
    return await shared.entry(engagement.chosen_entry_id)


async def find_renewed(
    shared: Shared, names: list[str], matches: list[CatalogueMatch]
) -> CatalogueEntry | None:
    """The system being renewed, by its name (or id) as typed, in any case: the matches
    first, then the whole catalogue."""
    wanted = {" ".join(name.split()).casefold() for name in names if name.strip()}
    if not wanted:
        return None
    for match in matches:
        if match.name.casefold() in wanted or match.entry_id.casefold() in wanted:
            return await shared.entry(match.entry_id)
    for entry in await (await shared.catalogue()).entries():
        if entry.name.casefold() in wanted or entry.id.casefold() in wanted:
            return entry
    return None


async def check_card_for(
    shared: Shared, engagement: Engagement, *, intro: str = "", error: str = "", reason: str = ""
) -> dict[str, Any]:
    """The catalogue check card: up to 5 matches, each with why, and "none of these fit";
    for a renewal, the system being renewed first, with "Renew" it."""
    return cards.check_card(
        engagement,
        await shown_matches(shared, engagement),
        today=shared.ctx.now().date(),
        renewed=await renewed_entry(shared, engagement),
        intro=intro,
        error=error,
        reason=reason,
    )


# ---- The use cases ---------------------------------------------------------------------


class Flow:
    def __init__(self, ctx: JourneyContext, shared: Shared) -> None:
        self.ctx = ctx
        self.shared = shared

    async def own(self, actor: Actor, engagement_id: str) -> Engagement:
        engagement = await (await self.shared.engagements()).get(engagement_id)
        if engagement is None:
            raise NotFound(
                "I cannot find that early engagement. Nothing has changed. "
                "Type buy software to start one."
            )
        if engagement.owner_id != actor.user_id and not self.ctx.is_admin(actor):
            raise NotAllowed(NOT_YOURS)
        return engagement

    # -- starting ----------------------------------------------------------------------

    async def start(self, turn: Turn, _: str) -> None:
        said = (turn.activity.text or "").strip().lower().rstrip(" .!?")
        renewal = True if said in RENEWAL_PHRASES else None
        await turn.send_card(await start_card(self.shared, turn.actor, renewal=renewal))

    async def start_from_words(self, turn: Turn, _: str) -> None:
        need, renewal, system = what_they_said(turn.activity.text or "")
        if not renewal and is_kit(need):
            contact = self.ctx.service_desk or DEFAULT_CONTACT
            await turn.send_card(cards.equipment_card(need, contact))
            return
        card = await start_card(
            self.shared, turn.actor, need=need, renewal=renewal, system_name=system
        )
        await turn.send_card(card)

    async def start_anyway(self, turn: Turn, need: str) -> Reply:
        """ "Go on anyway" from the service desk note: the start card, as a new buy."""
        return card_reply(await start_card(self.shared, turn.actor, need=need, renewal=False))

    async def check(self, turn: Turn, press: StartPress) -> Reply:
        errors = start_errors(press)
        if errors:
            renewal = {cards.NEW_BUY: False, cards.RENEWAL: True}.get(press.buy)
            return card_reply(
                cards.start_card(
                    press.key,
                    need=press.need,
                    renewal=renewal,
                    system_name=press.system_name,
                    errors=errors,
                )
            )
        store = await self.shared.engagements()
        actor = turn.actor
        engagement_id = engagement_id_for("card", press.key, actor.user_id)
        if (already := await store.get(engagement_id)) is not None:
            return await self.where_now(turn, already)  # the same card, pressed again
        need, system = press.need.strip(), " ".join(press.system_name.split())
        now = self.ctx.now()
        renewal = press.buy == cards.RENEWAL
        matches = await self.shared.search(f"{need} {system}".strip())
        renewed = await find_renewed(self.shared, [system], matches) if renewal else None
        engagement = Engagement(
            id=engagement_id,
            owner_id=actor.user_id,
            owner_name=actor.name,
            need=need,
            renewal=renewal,
            system_name=system,
            stage=Stage.CATALOGUE,
            created_at=now,
            updated_at=now,
            matches=tuple(matches),
            chosen_entry_id=renewed.id if renewed is not None else "",
        )
        saved = await store.add(engagement)
        return card_reply(await check_card_for(self.shared, saved))

    # -- where an engagement is --------------------------------------------------------

    async def carry_on(self, turn: Turn, press: EngagementPress) -> Reply:
        return await self.where_now(turn, await self.own(turn.actor, press.engagement_id))

    async def where_now(self, turn: Turn, engagement: Engagement) -> Reply:
        """The card for the step an engagement is at now."""
        stage = engagement.stage
        if stage is Stage.CATALOGUE:
            return card_reply(await check_card_for(self.shared, engagement))
        if stage is Stage.CHECKLIST:
            return card_reply(checklist.offer_card(engagement))
        owner = engagement.owner_id == turn.actor.user_id
        if stage in (Stage.REQUEST, Stage.EXISTING) and not engagement.reference and owner:
            return await self.open_request(engagement)
        return card_reply(cards.moved_on_card(engagement, _sent_note(engagement)))

    async def moved_on(self, engagement: Engagement) -> Reply:
        return card_reply(cards.moved_on_card(engagement, _sent_note(engagement)))

    # -- "this already does it" ----------------------------------------------------------

    async def existing(self, turn: Turn, press: EngagementPress) -> Reply:
        engagement = await self.own(turn.actor, press.engagement_id)
        if engagement.stage is not Stage.CATALOGUE:
            return await self.moved_on(engagement)
        if engagement.renewal and press.entry_id == engagement.chosen_entry_id:
            return await self.renew(turn, press)  # the system being renewed is renewed
        if press.entry_id not in {match.entry_id for match in engagement.matches}:
            raise BadCardData(
                "That system was not one of the matches on this card. Nothing has changed."
            )
        entry = await self.shared.entry(press.entry_id)
        if entry is None:
            raise UserFacingError(
                "That system is no longer in the council's catalogue. Nothing has changed. "
                "Type buy software to check again."
            )
        changed = dataclasses.replace(
            engagement,
            outcome=CatalogueOutcome.EXISTING,
            chosen_entry_id=entry.id,
            stage=Stage.EXISTING,
            updated_at=self.ctx.now(),
        )
        try:
            saved = await (await self.shared.engagements()).save(changed)
        except ChangedBySomeoneElse:
            return await self.where_now(turn, await self.own(turn.actor, engagement.id))
        told = await self.tell_owner(saved, entry, turn.actor)
        if saved.reference:
            noted = await self.note_on_request(saved, turn.actor, outcome_words(saved, entry.name))
            return card_reply(cards.existing_done_card(entry.name, told, saved.reference, noted))
        if saved.owner_id != turn.actor.user_id:
            return message_reply(f"{told} {saved.owner_name or 'They'} can carry on from here.")
        return await self.open_request(saved, told)

    async def tell_owner(self, engagement: Engagement, entry: CatalogueEntry, actor: Actor) -> str:
        """Tell the system's owner; the admins when the owner cannot be reached. Says who
        was told, and only who was."""
        if entry.owner_id and _is_owner(entry, engagement, actor):
            return f"You own {entry.name}, so we have not told anyone else."
        if entry.owner_id:
            card = cards.owner_card(engagement, entry)
            if await self._deliver(entry.owner_id, card, f"existing:{engagement.id}"):
                return f"We have told {entry.owner_name or 'its owner'}, who owns {entry.name}."
        admins = cards.owner_card(engagement, entry, for_admins=True)
        reached = False
        for admin in sorted(self.ctx.admin_ids):
            reached |= await self._deliver(admin, admins, f"existing:{engagement.id}:{admin}")
        if reached:
            return f"We could not reach the owner of {entry.name}, so we have told the IT admins."
        later = (
            "IT will see this on your request."
            if engagement.reference
            else "IT will see this when you send your request."
        )
        return f"We could not tell the owner of {entry.name} or the IT admins yet. {later}"

    async def _deliver(self, user_id: str, card: dict[str, Any], once_key: str) -> bool:
        try:
            result = await self.ctx.notifier.deliver(user_id, card, once_key)
        except Exception:
            logger.exception("Telling %s about an early engagement failed", person_ref(user_id))
            return False
        return result in (Delivered.SENT, Delivered.ALREADY)

    # -- "none of these fit" -------------------------------------------------------------

    async def none_fit(self, turn: Turn, press: EngagementPress) -> Reply:
        engagement = await self.own(turn.actor, press.engagement_id)
        if engagement.stage is not Stage.CATALOGUE:
            return await self.moved_on(engagement)
        reason = press.reason.strip()
        if not engagement.matches:
            reason = NOTHING_MATCHED
        elif not reason or len(reason) > cards.MAX_REASON:
            error = (
                cards.REASON_MISSING + "."
                if not reason
                else too_long("Why none of these fit", reason, cards.MAX_REASON)
            )
            card = await check_card_for(self.shared, engagement, error=error, reason=reason)
            return card_reply(card)
        stage = Stage.CHECKLIST if engagement.reference else Stage.REQUEST
        changed = dataclasses.replace(
            engagement,
            outcome=CatalogueOutcome.NONE_FIT,
            none_fit_reason=reason,
            stage=stage,
            updated_at=self.ctx.now(),
        )
        try:
            saved = await (await self.shared.engagements()).save(changed)
        except ChangedBySomeoneElse:
            return await self.where_now(turn, await self.own(turn.actor, engagement.id))
        return await self.after_the_check(turn, saved)

    async def after_the_check(self, turn: Turn, saved: Engagement) -> Reply:
        """After "none of these fit" or "renew": the checklist when the request is sent
        (the outcome added to it), else the request form."""
        if saved.stage is Stage.CHECKLIST:
            words = outcome_words(saved, await self.chosen_name(saved))
            await self.note_on_request(saved, turn.actor, words)
            return card_reply(checklist.offer_card(saved))
        if saved.owner_id != turn.actor.user_id:
            return message_reply(f"Recorded. {saved.owner_name or 'They'} can carry on from here.")
        return await self.open_request(saved)

    # -- "renew <system>" ----------------------------------------------------------------

    async def renew(self, turn: Turn, press: EngagementPress) -> Reply:
        engagement = await self.own(turn.actor, press.engagement_id)
        if engagement.stage is not Stage.CATALOGUE:
            return await self.moved_on(engagement)
        if not engagement.renewal:
            raise BadCardData("This early engagement is not a renewal. Nothing has changed.")
        changed = dataclasses.replace(
            engagement,
            outcome=CatalogueOutcome.RENEWAL,
            stage=Stage.CHECKLIST if engagement.reference else Stage.REQUEST,
            updated_at=self.ctx.now(),
        )
        try:
            saved = await (await self.shared.engagements()).save(changed)
        except ChangedBySomeoneElse:
            return await self.where_now(turn, await self.own(turn.actor, engagement.id))
        renewed = await renewed_entry(self.shared, saved)
        if renewed is not None and renewed.owner_id and not _is_owner(renewed, saved, turn.actor):
            card = cards.renewal_started_card(saved, renewed)
            await self._deliver(renewed.owner_id, card, f"renewal-started:{saved.id}")
        return await self.after_the_check(turn, saved)

    # -- telling IT triage, on the request ------------------------------------------------

    async def note_on_request(self, engagement: Engagement, actor: Actor, words: str) -> bool:
        """Add the catalogue check's outcome to the request's history, so IT triage sees
        it, and redraw their card. False when it could not be saved."""
        store = self.ctx.store
        for _ in range(_TRIES):
            request = await store.get(engagement.reference)
            if request is None:
                return False
            entry = AuditEntry(
                at=self.ctx.now().astimezone(dt.UTC),
                actor_id=actor.user_id,
                actor_name=actor.name,
                action=CATALOGUE_CHECK,
                from_status=request.status,
                to_status=request.status,
                detail=words,
            )
            try:
                saved = await store.update(
                    dataclasses.replace(request, history=(*request.history, entry))
                )
            except ChangedBySomeoneElse:
                continue
            self.ctx.events.publish(REQUEST_CHANGED, saved)
            return True
        logger.warning("%s kept changing: its catalogue check was not added", engagement.id)
        return False

    # -- the request form ----------------------------------------------------------------

    async def start_request(self, turn: Turn, press: EngagementPress) -> Reply:
        """ "Start this request", once their other draft is sent or discarded."""
        engagement = await self.own(turn.actor, press.engagement_id)
        return await self.where_now(turn, engagement)

    async def open_request(self, engagement: Engagement, told: str = "") -> Reply:
        """The request form, filled in with what we know; never over someone's draft."""
        store, owner, now = self.ctx.store, engagement.owner_id, self.ctx.now()
        draft = await store.get_draft(owner, REQUEST_FORM.key)
        if draft is not None and draft.draft_id != engagement.draft_id:
            continue_verb = REQUEST_FORM.verb("continue")
            return card_reply(cards.draft_waiting_card(engagement, continue_verb, told))
        if draft is not None:
            view = await form_flow.resume(REQUEST_FORM, store, owner, now)
        else:
            entry_name = await self.chosen_name(engagement)
            renewed = await renewed_entry(self.shared, engagement)
            values = prefill(engagement, entry_name, renewed.supplier if renewed else "")
            view = await form_flow.start(REQUEST_FORM, store, owner, now, values)
            if view is not None and view.draft.draft_id != engagement.draft_id:
                changed = dataclasses.replace(engagement, draft_id=view.draft.draft_id)
                try:
                    await (await self.shared.engagements()).save(changed)
                except ChangedBySomeoneElse:
                    logger.info("%s changed while its form opened", engagement.id)
        assert view is not None
        words = "We have filled in what we know. Check it and add the rest."
        notice = f"{told} {words}" if told else words
        return card_reply(to_dict(build_form_card(dataclasses.replace(view, notice=notice))))

    async def chosen_name(self, engagement: Engagement) -> str:
        """The system chosen (or being renewed), by name; "" when none is."""
        if not engagement.chosen_entry_id:
            return engagement.system_name if engagement.renewal else ""
        entry = await self.shared.entry(engagement.chosen_entry_id)
        if entry is not None:
            return entry.name
        names = {m.entry_id: m.name for m in engagement.matches}
        fallback = engagement.system_name or "the existing system"
        return names.get(engagement.chosen_entry_id, fallback)

    # -- a request was sent -------------------------------------------------------------

    async def request_sent(self, request: DigitalRequest) -> None:
        store = await self.shared.engagements()
        for engagement in await store.for_owner(request.requester.user_id):
            if engagement.draft_id and not engagement.reference:
                sent = await self.ctx.store.by_draft(engagement.draft_id)
                if sent is not None and sent.reference == request.reference:
                    await self.joined_to_request(engagement, request)
                    return
        if request.details.involves_procurement:
            await self.engagement_from_request(request)

    async def joined_to_request(self, engagement: Engagement, request: DigitalRequest) -> None:
        store = await self.shared.engagements()
        for _ in range(_TRIES):
            to_checklist = engagement.outcome in (
                CatalogueOutcome.NONE_FIT,
                CatalogueOutcome.RENEWAL,
            )
            changed = dataclasses.replace(
                engagement,
                reference=request.reference,
                stage=Stage.CHECKLIST if to_checklist else engagement.stage,
                updated_at=self.ctx.now(),
            )
            try:
                saved = await store.save(changed)
                break
            except ChangedBySomeoneElse:
                latest = await store.get(engagement.id)
                if latest is None or latest.reference:
                    return
                engagement = latest
        else:
            return
        if saved.outcome is not None:  # the check, as it was recorded, on the new request
            requester = Actor(saved.owner_id, "", saved.owner_name, "")
            await self.note_on_request(
                saved, requester, outcome_words(saved, await self.chosen_name(saved))
            )
        if saved.stage is Stage.CHECKLIST:
            card = checklist.offer_card(saved)
            await self._deliver(saved.owner_id, card, f"checklist-offer:{saved.id}")

    async def engagement_from_request(self, request: DigitalRequest) -> None:
        store = await self.shared.engagements()
        if await store.by_reference(request.reference) is not None:
            return
        engagement_id = engagement_id_for("request", request.reference)
        engagement = await store.get(engagement_id)
        if engagement is None:
            details, now = request.details, self.ctx.now()
            need = details.problem
            matches = await self.shared.search(f"{details.title} {need} {details.supplier}")
            # A current contract that ends is one being renewed: of the systems it names.
            renewal = details.contract_end is not None
            names = [*details.existing_systems.split(","), details.supplier]
            renewed = await find_renewed(self.shared, names, matches) if renewal else None
            engagement = await store.add(
                Engagement(
                    id=engagement_id,
                    owner_id=request.requester.user_id,
                    owner_name=request.requester.name,
                    need=need,
                    renewal=renewal,
                    system_name=details.supplier,
                    stage=Stage.CATALOGUE,
                    created_at=now,
                    updated_at=now,
                    reference=request.reference,
                    matches=tuple(matches),
                    chosen_entry_id=renewed.id if renewed is not None else "",
                )
            )
        card = await check_card_for(self.shared, engagement, intro=FROM_REQUEST)
        await self._deliver(engagement.owner_id, card, f"catalogue-check:{engagement.id}")


def _is_owner(entry: CatalogueEntry, engagement: Engagement, actor: Actor) -> bool:
    """The system's owner is the person the engagement is for, or the one pressing."""
    mine = {engagement.owner_id, actor.user_id, actor.aad_object_id} - {""}
    return entry.owner_id in mine


def outcome_words(engagement: Engagement, name: str) -> str:
    """The catalogue check's outcome, as IT triage reads it in the request's history."""
    match engagement.outcome:
        case CatalogueOutcome.EXISTING:
            return f"Said {name or 'a system the council has'} already does this."
        case CatalogueOutcome.RENEWAL:
            return f"Is renewing {name or 'the current system'}."
        case CatalogueOutcome.NONE_FIT if engagement.none_fit_reason == NOTHING_MATCHED:
            return NOTHING_MATCHED
        case CatalogueOutcome.NONE_FIT:
            return f"Said none of the catalogue's systems fit: {engagement.none_fit_reason}"
    return ""


def _sent_note(engagement: Engagement) -> str:
    if engagement.reference:
        return (
            f"Its request is {engagement.reference}. Type status {engagement.reference} to see it."
        )
    return "Type buy software to start a new one."


def part(ctx: JourneyContext, shared: Shared) -> Part:
    flow = Flow(ctx, shared)

    async def on_request_sent(request: Any) -> None:
        if isinstance(request, DigitalRequest):
            await flow.request_sent(request)

    ctx.events.subscribe(REQUEST_SUBMITTED, on_request_sent)
    return Part(
        commands=(
            ChatCommand(
                "buy software",
                flow.start,
                phrases=PHRASES,
                help="Tell IT before you buy or renew software, and see what the council "
                "already has.",
                menu_rank=1,  # a main way in: shown in Teams' command menu
            ),
            # "We want to buy…", "our contract ends…": read first, so "we need to buy…" is
            # this and not a request titled "to buy…" (commands with a reading go first).
            ChatCommand("buy software", flow.start_from_words, read=read_buying),
        ),
        actions=(
            CardAction(cards.CHECK, parse_start, flow.check, once_only=True),
            CardAction(cards.EXISTING, parse_existing, flow.existing, once_only=True),
            CardAction(cards.NONE_FIT, parse_none_fit, flow.none_fit, once_only=True),
            CardAction(cards.RENEW, parse_engagement, flow.renew, once_only=True),
            CardAction(cards.START_ANYWAY, parse_need, flow.start_anyway),
            CardAction(cards.CARRY_ON, parse_engagement, flow.carry_on),
            CardAction(cards.REQUEST, parse_engagement, flow.start_request, once_only=True),
        ),
    )
