"""Looking after the procurement journey: importing the application catalogue, contract
renewal reminders, and the channels of the boards and the Procurement team.

- `import catalogue` (admins, personal chat): the CSV pasted after the command or
  attached, the council's whole CMDB export: good rows are imported all in one go, bad
  rows named by line number, and systems not in the file are removed (never one whose
  row was bad: a typo must not remove a system).
- `add to catalogue` (admins, personal chat): the same, for part of the catalogue: it
  adds or updates the rows given and removes nothing.
- `remove from catalogue <name or id>` (admins, personal chat): one system, after a
  confirm button.
- `catalogue` (anyone): how many systems, where they came from, how to search.
- The renewal loop (every hour): each system's owner is told, some months ahead, that its
  contract ends, once per contract end date, across restarts and processes (the once key
  is claimed in the bot's working store). An owner who cannot be told: the admins are.
- `register procurement` (admins, in a team channel). A board's channel is registered
  by the boards journey.
"""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.domain.catalogue_csv import parse_catalogue_csv, systems_on_bad_rows
from bot.domain.procurement import CatalogueEntry, ImportResult, RenewalDue
from bot.domain.renewals import due_renewals
from bot.errors import BadCardData, NotAllowed, NotFound, UserFacingError
from bot.identity import channel_reference
from bot.journey import CardAction, ChatCommand, JourneyContext, Part, Reply, Turn, card_reply
from bot.journeys.procurement.csv_upload import CsvText, csv_from_message
from bot.journeys.procurement.flow import start_card
from bot.journeys.procurement.ports import (
    CatalogueImportUnfinished,
    CatalogueNotStored,
    CatalogueRemoveUnfinished,
    CatalogueStore,
)
from bot.journeys.procurement.shared import PROCUREMENT_CHANNEL, Shared
from bot.notifier import Delivered
from bot.ports import Record
from bot.telemetry.logs import person_ref
from bot.telemetry.steps import job
from cards import catalogue_admin_cards as cards

logger = logging.getLogger(__name__)

LOOP_SECONDS = 3600  # contract end dates move in months: once an hour is plenty
FIRST_RUN_SECONDS = 300  # not while the app is starting, nor in a short test run
IMPORTED = "catalogue.import"  # the record kept for each import: when, how many, by whom
MAX_ENTRY_ID = 255
IMPORT_FAILED = (
    "Something went wrong on our side. The catalogue list may have only part of the "
    "file. Import the same file again in a few minutes to finish it."
)
_TAG = re.compile(r"</?[a-z][a-z0-9]*(?:\s[^<>]*)?/?>")


# ---- The catalogue ------------------------------------------------------------


async def record_import(store: Any, by: str, systems: int, problems: int, now: Any) -> None:
    """Kept in the bot's working store, so `catalogue` can say when it was last imported."""
    data = {"systems": systems, "problems": problems}
    await store.add_record(Record(IMPORTED, uuid.uuid4().hex, by, now, data))


async def last_import(store: Any) -> Record | None:
    last: Record | None = None
    after = 0
    while page := await store.records(IMPORTED, after_seq=after, limit=500):
        last, after = page[-1], page[-1].seq
    return last


def _reader(*commands: str) -> Callable[[str], str | None]:
    """Reads a command that a CSV may follow on the next lines (or in an attachment)."""

    def read(said: str) -> str | None:
        said = " ".join(_TAG.sub(" ", said).split())  # a formatted message: <p>import catalogue…
        for words in commands:
            if said == words or said.startswith(words + " "):
                return ""
        return None

    return read


_read_import = _reader("import catalogue", "import catalog")
_read_add = _reader("add to catalogue", "add to catalog", "add to the catalogue")


@dataclass
class CatalogueAdmin:
    ctx: JourneyContext
    shared: Shared

    async def import_catalogue(self, turn: Turn, _: str) -> None:
        """The whole catalogue: systems not in the file are removed."""
        await self._start(turn, replace=True)

    async def add_to_catalogue(self, turn: Turn, _: str) -> None:
        """Part of the catalogue: adds or updates, removes nothing."""
        await self._start(turn, replace=False)

    def _must_be_admin(self, turn: Turn) -> None:
        if not self.ctx.is_admin(turn.actor):
            raise NotAllowed(
                "Only a Digital Front Door admin can change the catalogue of systems. "
                "Nothing has changed."
            )

    async def _start(self, turn: Turn, replace: bool) -> None:
        self._must_be_admin(turn)
        activity = turn.activity
        found = await csv_from_message(
            activity.text or "", activity.attachments or [], self.ctx.reply_hosts.loopback_only
        )
        result = parse_catalogue_csv(found.text)
        if self.ctx.graph is not None and result.entries:
            # A SharePoint list takes minutes for a big catalogue; Teams would not wait.
            count = len(result.entries)
            await turn.send_text(
                f"Importing {count:,} {'system' if count == 1 else 'systems'} into the "
                "catalogue list in SharePoint. This can take a few minutes. "
                "I will send you the result here."
            )
            key = f"catalogue.import:{activity.id or uuid.uuid4().hex}"
            work = self._import_later(turn.actor.user_id, result, found, key, replace)
            self.ctx.in_background(work)
            return
        await turn.send_card(await self._import(turn.actor.user_id, result, found, replace))

    async def _import(
        self, by: str, result: ImportResult, found: CsvText, replace: bool
    ) -> dict[str, Any]:
        """The good rows imported (all or none); the card that says what happened."""
        catalogue = await self.shared.catalogue()
        before = await catalogue.entries()
        sample_before = any(entry.sample for entry in before)
        keep: set[str] = set()
        removal_skipped = False
        if replace and result.problems:
            bad = systems_on_bad_rows(found.text, [problem.line for problem in result.problems])
            if bad is None:
                removal_skipped = True
            else:
                keep = {entry.id for entry in before if bad.covers(entry)}
        imported = 0
        removed: tuple[CatalogueEntry, ...] = ()
        if result.entries:
            try:
                done = await catalogue.import_entries(
                    list(result.entries), replace=replace and not removal_skipped, keep=keep
                )
            except CatalogueNotStored as error:
                raise UserFacingError(f"Nothing has been imported. {error}") from None
            except CatalogueImportUnfinished as error:
                raise UserFacingError(str(error)) from None
            imported, removed = done.saved, done.removed
            await record_import(self.ctx.store, by, imported, len(result.problems), self.ctx.now())
        total = len(await catalogue.entries())
        return cards.import_card(
            imported,
            total,
            result.problems,
            found.file_name,
            sample_removed=sample_before and imported > 0,
            replace=replace,
            removed=removed,
            removal_skipped=removal_skipped,
        )

    async def _import_later(
        self, by: str, result: ImportResult, found: CsvText, key: str, replace: bool
    ) -> None:
        try:
            card = await self._import(by, result, found, replace)
        except UserFacingError as error:
            card = cards.import_failed_card(error.message)
        except Exception:
            logger.exception("Importing the catalogue into SharePoint failed")
            card = cards.import_failed_card(IMPORT_FAILED)
        await self.ctx.notifier.deliver(by, card, key)

    async def show_catalogue(self, turn: Turn, _: str) -> None:
        entries = await (await self.shared.catalogue()).entries()
        sample = bool(entries) and all(entry.sample for entry in entries)
        last = None if sample else await last_import(self.ctx.store)
        await turn.send_card(
            cards.catalogue_card(len(entries), sample, last.at if last is not None else None)
        )

    async def remove_from_catalogue(self, turn: Turn, said: str) -> None:
        self._must_be_admin(turn)
        wanted = said.strip()
        if not wanted:
            raise UserFacingError(
                "Type the system's name or id too, like this: remove from catalogue Civica Pay"
            )
        matches = find_to_remove(await (await self.shared.catalogue()).entries(), wanted)
        if not matches:
            raise NotFound(
                "There is no system with that name or id in the catalogue. Nothing has "
                "changed. Check the spelling, or use the id from the CMDB file."
            )
        await turn.send_card(cards.remove_card(matches))


def find_to_remove(entries: list[CatalogueEntry], wanted: str) -> list[CatalogueEntry]:
    """The system with this id, else every system with this name (case ignored)."""
    folded = " ".join(wanted.split()).casefold()
    by_id = [e for e in entries if e.id == wanted] or [
        e for e in entries if e.id.casefold() == folded
    ]
    return by_id or [e for e in entries if " ".join(e.name.split()).casefold() == folded]


@dataclass(frozen=True)
class RemovePress:
    entry_id: str


def parse_remove_press(data: Mapping[str, Any]) -> RemovePress:
    entry_id = data.get("entry") if isinstance(data, Mapping) else None
    if not isinstance(entry_id, str) or not entry_id.strip() or len(entry_id) > MAX_ENTRY_ID:
        raise BadCardData(
            "That button did not say which system to remove. Nothing has changed. "
            "Type remove from catalogue and the system's name."
        )
    return RemovePress(entry_id)


def remove_confirmed(shared: Shared) -> Any:
    async def handle(turn: Turn, press: RemovePress) -> Reply:
        if not shared.ctx.is_admin(turn.actor):
            raise NotAllowed(
                "Only a Digital Front Door admin can remove a system from the catalogue. "
                "Nothing has changed."
            )
        catalogue: CatalogueStore = await shared.catalogue()
        try:
            removed = await catalogue.remove_entries([press.entry_id])
        except CatalogueRemoveUnfinished as error:
            raise UserFacingError(error.message) from None
        if not removed:
            raise NotFound("That system is not in the catalogue any more. Nothing has changed.")
        logger.info(
            "%s removed %s from the catalogue", person_ref(turn.actor.user_id), press.entry_id
        )
        return card_reply(cards.removed_card(removed[0], len(await catalogue.entries())))

    return handle


# ---- Contract renewals ----------------------------------------------------------


async def run_renewals(shared: Shared) -> int:
    """Tell each owner whose contract ends within the notice period, once per contract end
    date; tell the admins about owners who cannot be told. How many people were told."""
    ctx = shared.ctx
    entries = await (await shared.catalogue()).entries()
    told = 0
    for due in due_renewals(entries, ctx.now().date(), shared.config.renewal_months):
        try:
            told += await _tell_about(ctx, due)
        except Exception:
            logger.exception("Telling the owner of %s about its renewal failed", due.entry.id)
    return told


async def _tell_about(ctx: JourneyContext, due: RenewalDue) -> int:
    owner = due.entry.owner_id
    if owner:
        delivered = await ctx.notifier.deliver(
            owner, cards.renewal_card(due), due.once_key, via=PROCUREMENT_CHANNEL
        )
        if delivered in (Delivered.SENT, Delivered.ALREADY):
            return 1 if delivered == Delivered.SENT else 0
        if due.entry.sample:
            # Sample owners are made up: the admins are not asked to chase them.
            logger.info("Sample entry %s: its made-up owner was not told", due.entry.id)
            return 0
        reason = "We could not reach its owner in Teams."
    else:
        reason = "The catalogue does not give its owner's Microsoft 365 account."
    told = 0
    card = cards.owner_not_told_card(due, reason)
    for admin in sorted(ctx.admin_ids):
        key = f"{due.once_key}:admins:{admin}"
        delivered = await ctx.notifier.deliver(admin, card, key, via=PROCUREMENT_CHANNEL)
        told += delivered == Delivered.SENT
    return told


@dataclass(frozen=True)
class RenewalPress:
    entry_id: str


def parse_renewal_press(data: Mapping[str, Any]) -> RenewalPress:
    entry_id = data.get("entry") if isinstance(data, Mapping) else None
    if not isinstance(entry_id, str) or not entry_id.strip() or len(entry_id) > MAX_ENTRY_ID:
        raise BadCardData(
            "That button did not say which system it is about. "
            "Type catalogue to see the application catalogue."
        )
    return RenewalPress(entry_id)


def _owns(entry: CatalogueEntry, turn: Turn) -> bool:
    actor = turn.actor
    return bool(entry.owner_id) and entry.owner_id in (actor.user_id, actor.aad_object_id)


def renewal_start(shared: Shared) -> Any:
    async def handle(turn: Turn, press: RenewalPress) -> Reply:
        entry = await shared.entry(press.entry_id)
        if entry is None:
            raise NotFound(
                "That system is no longer in the application catalogue. "
                "To start an early engagement anyway, type buy software."
            )
        if not (_owns(entry, turn) or shared.ctx.is_admin(turn.actor)):
            raise NotAllowed(
                "Only the system's owner or an admin can start this early engagement. "
                "To start one of your own, type buy software."
            )
        need = f"Renew the contract for {entry.name}"
        if entry.capabilities:
            need += ": " + ", ".join(entry.capabilities[:6])
        card = await start_card(
            shared, turn.actor, need=need[:500], renewal=True, system_name=entry.name[:200]
        )
        return card_reply(card)

    return handle


# ---- The Procurement team's channel ---------------------------------------------


@dataclass
class Channels:
    ctx: JourneyContext

    async def register_procurement(self, turn: Turn, _: str) -> None:
        await self._check(turn, "register procurement", "the Procurement team's channel")
        await self._register(turn, PROCUREMENT_CHANNEL)
        await turn.send_text(
            "This channel is now the Procurement team's channel. Early-engagement packs "
            "for Procurement will be posted here."
        )

    async def _check(self, turn: Turn, example: str, what: str) -> None:
        if turn.where != "channel":
            raise UserFacingError(f"Type {example} in the team channel you want to use.")
        if not self.ctx.is_admin(turn.actor):
            raise NotAllowed(
                f"Only a Digital Front Door admin can register {what}. Nothing has changed. "
                "Ask an admin if this channel should be used."
            )

    async def _register(self, turn: Turn, purpose: str) -> None:
        actor = turn.actor
        reference = channel_reference(turn.activity, self.ctx.reply_hosts)
        await self.ctx.store.register_channel(purpose, reference, actor.user_id)
        if actor.teams_id:
            await self.ctx.store.remember_person(actor.user_id, actor.teams_id, actor.name)


# ---- The part -------------------------------------------------------------------


def part(ctx: JourneyContext, shared: Shared) -> Part:
    catalogue = CatalogueAdmin(ctx, shared)
    channels = Channels(ctx)

    async def loop() -> None:
        await asyncio.sleep(FIRST_RUN_SECONDS)
        while True:
            try:
                with job("renewals"):
                    await run_renewals(shared)
            except Exception:
                logger.exception("The contract renewal check failed; it will try again")
            await asyncio.sleep(LOOP_SECONDS)

    return Part(
        commands=(
            ChatCommand(
                "import catalogue",
                catalogue.import_catalogue,
                read=_read_import,
                help=(
                    "Admins only. Import the whole list of systems the council has from a "
                    "CSV file. Systems not in the file are removed."
                ),
                example="import catalogue",
                menu_rank=3,
            ),
            ChatCommand(
                "add to catalogue",
                catalogue.add_to_catalogue,
                read=_read_add,
                help="Admins only. Add or update some systems from a CSV file. Nothing is removed.",
                example="add to catalogue",
                menu_rank=3,
            ),
            ChatCommand(
                "remove from catalogue",
                catalogue.remove_from_catalogue,
                phrases=("remove from catalogue", "remove from catalog"),
                prefixes=("remove from catalogue ", "remove from catalog "),
                help="Admins only. Take one system out of the catalogue.",
                example="remove from catalogue Civica Pay",
                menu_rank=3,
            ),
            ChatCommand(
                "catalogue",
                catalogue.show_catalogue,
                phrases=("catalogue", "catalog", "application catalogue"),
                help="See the list of systems the council already has.",
                menu_rank=3,
            ),
            ChatCommand(
                "register procurement",
                channels.register_procurement,
                phrases=("register procurement",),
                help="Admins only. Make this the channel of the Procurement team.",
                where="channel",
                menu_rank=3,
            ),
        ),
        actions=(
            CardAction(
                cards.RENEWAL_START, parse_renewal_press, renewal_start(shared), once_only=True
            ),
            CardAction(
                cards.CATALOGUE_REMOVE, parse_remove_press, remove_confirmed(shared), once_only=True
            ),
        ),
        loops=(loop,),
    )
