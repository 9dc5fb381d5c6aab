"""`map a process`: the card a person fills in over as many sittings as they like, sent
as a record, and `my processes` to see and change what they mapped.

The map's steps are a list of any length up to 50, so it has its own pages rather than
the form engine's fixed ones; it keeps the engine's ways: a draft per person that
survives restarts (form "process_map"), answers kept exactly as typed, a card that no
longer shows the draft as it is changes nothing, and every button sends what was typed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import re
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.domain.forms import UNREADABLE
from bot.domain.model import Draft
from bot.errors import BadCardData
from bot.journey import (
    CardAction,
    ChatCommand,
    JourneyContext,
    Part,
    Reply,
    Turn,
    card_reply,
    message_reply,
)
from bot.journeys.processes import cards as c
from bot.journeys.processes import mapping as m
from bot.ports import ChangedBySomeoneElse, Record, RecordStore
from cards.elements import to_dict

logger = logging.getLogger(__name__)

FORM = "process_map"  # the draft's form key: one draft per person
PAGE_SIZE = 500
MOST = 200_000  # `my processes` reads at most this many records, so it always ends
EstimateCard = Callable[[Mapping[str, Any]], dict[str, Any]]
# What else happens once a map is sent, given its record (copying it to SharePoint, say).
# It must not wait on anything slow: the person is waiting for their answer.
OnSent = Callable[[Record], Awaitable[None]]

_HEX_ID = re.compile(r"[0-9a-f]{32}")
_STEP_KEY = re.compile(r"s(\d+)\.")


@dataclass(frozen=True)
class Press:
    """A press on a page of a process map: which draft and page, and what was typed."""

    draft_id: str
    page: int
    version: str
    inputs: dict[str, str]
    goto: int | None = None
    which: str = ""


@dataclass(frozen=True)
class Which:
    """A button that names a kept process map."""

    process_id: str


@dataclass(frozen=True)
class Nothing:
    """A button that carries nothing we read."""


def _raw(value: object) -> str:
    """An answer as a draft keeps it (see bot.domain.forms.raw_values)."""
    match value:
        case None:
            return ""
        case str():
            return value
        case bool():
            return UNREADABLE
        case int():
            return str(value) if value.bit_length() <= 64 else UNREADABLE
        case float():
            return str(int(value)) if value.is_integer() else repr(value)
        case list() if all(isinstance(item, str) for item in value):
            return ",".join(value)
        case _:
            return UNREADABLE


def _inputs(page: int, data: Mapping[str, Any]) -> dict[str, str]:
    if page == m.STEPS:
        return {name: _raw(data.get(c.STEP_INPUT + name)) for name in m.STEP_NAMES}
    return {spec.name: _raw(data.get(spec.name)) for spec in m.PAGE_FIELDS.get(page, ())}


def _many_steps(data: Mapping[str, Any]) -> int:
    """How many steps card data carries at once (no card of ours sends any this way)."""
    numbers = {int(found.group(1)) for key in data if (found := _STEP_KEY.match(str(key)))}
    listed = data.get("steps")
    return max(len(numbers), len(listed) if isinstance(listed, list) else 0)


def parse_press(data: Mapping[str, Any]) -> Press:
    draft_id, page, version = data.get(c.DRAFT_ID), data.get(c.PAGE), data.get(c.VERSION, "")
    if not isinstance(draft_id, str) or not _HEX_ID.fullmatch(draft_id):
        raise BadCardData("That card is not one I recognise. Type map a process to open yours.")
    if isinstance(page, bool) or not isinstance(page, int) or not m.ABOUT <= page <= m.REVIEW:
        raise BadCardData("That page is not one I recognise. Type map a process to open yours.")
    if not isinstance(version, str) or len(version) > 200:
        raise BadCardData("That card is not one I recognise. Type map a process to open yours.")
    if (many := _many_steps(data)) > 1:
        raise BadCardData(
            f"That card sent {many:,} steps at once, but steps are added one at a time, up "
            f"to {m.MAX_STEPS}. Nothing was saved from it, and your process map is as it was. "
            "Type map a process to open it."
        )
    goto = data.get(c.GOTO)
    if goto is not None and (isinstance(goto, bool) or not isinstance(goto, int)):
        raise BadCardData("That button did not say which part to change. Nothing changed.")
    which = data.get(c.WHICH)
    which_text = _raw(which) if which is not None else ""
    return Press(draft_id, page, version, _inputs(page, data), goto, which_text.strip())


def parse_which(data: Mapping[str, Any]) -> Which:
    process_id = data.get(c.PROCESS_ID)
    if not isinstance(process_id, str) or not _HEX_ID.fullmatch(process_id):
        raise BadCardData(
            "That button did not say which process map. Type my processes to see yours."
        )
    return Which(process_id)


def nothing(data: Mapping[str, Any]) -> Nothing:
    return Nothing()


class Stale(Exception):
    def __init__(self, message: str, can_continue: bool) -> None:
        super().__init__(message)
        self.message = message
        self.can_continue = can_continue


async def latest_maps(records: RecordStore) -> dict[str, Record]:
    """The newest version of every process map, by its id."""
    latest: dict[str, Record] = {}
    after, read = 0, 0
    while read < MOST and (page := await records.records(m.KIND, after, PAGE_SIZE)):
        for record in page:
            process_id = str(record.data.get("id", ""))
            version = record.data.get("version", 0)
            kept = latest.get(process_id)
            if kept is None or version > kept.data.get("version", 0):
                latest[process_id] = record
        after, read = page[-1].seq, read + len(page)
    return latest


def _mapped(record: Record) -> c.Mapped:
    data = record.data
    try:
        submitted: dt.date | None = dt.datetime.fromisoformat(data["submitted_at"]).date()
    except (KeyError, TypeError, ValueError):
        submitted = None
    return c.Mapped(
        process_id=str(data.get("id", "")),
        version=int(data.get("version", 1)),
        name=str(data.get("name", "")),
        steps=len(data.get("steps", [])),
        items_per_month=int(data.get("items_per_month", 0)),
        submitted=submitted,
    )


class ProcessMaps:
    """The use cases behind the process map's commands and buttons."""

    def __init__(
        self,
        ctx: JourneyContext,
        estimate_card: EstimateCard | None = None,
        on_sent: OnSent | None = None,
    ) -> None:
        self.ctx = ctx
        self.store = ctx.store
        self.estimate_card = estimate_card
        self.on_sent = on_sent

    # ---- Drafts --------------------------------------------------------------

    @staticmethod
    def _card(
        draft: Draft,
        page: int,
        errors: Mapping[str, str] | None = None,
        notice: str = "",
        important: bool = False,
    ) -> dict[str, Any]:
        view = c.MapView(draft, page, errors or {}, notice, important)
        return to_dict(c.build_map_card(view))

    async def _save(self, draft: Draft, page: int, values: dict[str, str]) -> tuple[Draft, str]:
        updated = dataclasses.replace(draft, step=page, values=values, updated_at=self.ctx.now())
        try:
            return await self.store.save_draft(updated), ""
        except ChangedBySomeoneElse:
            latest = await self.store.get_draft(draft.owner_id, FORM)
            if latest is None or latest.draft_id != draft.draft_id:
                message = "This process map was sent or discarded in another window."
                raise Stale(message, False) from None
            return latest, "This process map was changed in another window. Here is the latest."

    async def _show(
        self,
        draft: Draft,
        page: int,
        values: dict[str, str],
        errors: Mapping[str, str] | None = None,
        notice: str = "",
        important: bool = False,
    ) -> Reply:
        saved, clash = await self._save(draft, page, values)
        if clash:
            return card_reply(self._card(saved, saved.step, notice=clash))
        return card_reply(self._card(saved, page, errors, notice=notice, important=important))

    async def open(self, owner_id: str) -> dict[str, Any]:
        """The person's draft where they left it, or a new one."""
        existing = await self.store.get_draft(owner_id, FORM)
        if existing is not None:
            notice = (
                "You already have a process map in progress, so we have opened it. "
                "To start again instead, choose Discard draft."
            )
            return self._card(existing, existing.step, notice=notice)
        new_id = uuid.uuid4().hex
        draft = Draft(owner_id, FORM, new_id, m.ABOUT, {}, self.ctx.now())
        return self._card(await self.store.save_draft(draft), m.ABOUT)

    async def _current(self, owner_id: str, press: Press) -> Draft:
        draft = await self.store.get_draft(owner_id, FORM)
        if draft is None or draft.draft_id != press.draft_id:
            raise Stale(
                "This card is from a process map that has already been sent or discarded, "
                "so nothing on it was saved.",
                draft is not None,
            )
        moved = (press.version != draft.etag) if press.version and draft.etag else False
        if moved or press.page != draft.step:
            raise Stale(
                "This card shows your process map as it was before. Since then you have "
                "changed it on another card, so nothing on this card was saved. Choose "
                "Continue to see it as it is now.",
                True,
            )
        return draft

    def guarded(
        self, handle: Callable[[Turn, Draft, Press], Awaitable[Reply]]
    ) -> Callable[[Turn, Press], Awaitable[Reply]]:
        """`handle`, run only for a card that shows the person's draft as it is now."""

        async def run(turn: Turn, press: Press) -> Reply:
            try:
                draft = await self._current(turn.actor.user_id, press)
                return await handle(turn, draft, press)
            except Stale as stale:
                return card_reply(to_dict(c.build_stale_card(stale.message, stale.can_continue)))

        return run

    @staticmethod
    def _kept(draft: Draft, press: Press) -> dict[str, str]:
        """The draft's answers with what the page sent, where each belongs."""
        if press.page == m.STEPS:
            return m.keep_typed(draft.values, press.inputs)
        return {**draft.values, **press.inputs}

    # ---- Buttons -------------------------------------------------------------

    async def next(self, turn: Turn, draft: Draft, press: Press) -> Reply:
        values = self._kept(draft, press)
        if press.page in (m.ABOUT, m.PAIN):
            if errors := m.page_errors(press.page, values):
                return await self._show(draft, press.page, values, errors)
            return await self._show(draft, press.page + 1, values)
        if press.page == m.STEPS:
            if m.anything_typed(press.inputs) or m.editing(values):
                return await self._put_step(draft, values, press, then=m.PAIN)
            if m.step_count(values) == 0:
                notice = "Add at least one step before you go on."
                return await self._show(draft, m.STEPS, values, notice=notice, important=True)
            return await self._show(draft, m.PAIN, values)
        return await self._show(draft, m.REVIEW, values)

    async def back(self, turn: Turn, draft: Draft, press: Press) -> Reply:
        values = self._kept(draft, press)
        return await self._show(draft, max(m.ABOUT, press.page - 1), values)

    async def save(self, turn: Turn, draft: Draft, press: Press) -> Reply:
        values = self._kept(draft, press)
        notice = "Saved. Type map a process to finish it later."
        return await self._show(draft, press.page, values, notice=notice)

    async def add_step(self, turn: Turn, draft: Draft, press: Press) -> Reply:
        if press.page != m.STEPS:
            raise BadCardData("That button is for the steps page. Type map a process.")
        return await self._put_step(draft, self._kept(draft, press), press, then=m.STEPS)

    async def _put_step(
        self, draft: Draft, values: dict[str, str], press: Press, then: int
    ) -> Reply:
        """Keep the typed step, then go to page `then`; or say what is wrong."""
        if errors := m.step_errors(press.inputs):
            return await self._show(draft, m.STEPS, values, errors)
        changing, count = m.editing(values), m.step_count(values)
        if not changing and count >= m.MAX_STEPS:
            notice = (
                f"A process map can have up to {m.MAX_STEPS} steps, and this one has "
                f"{count}. The step you typed is kept below but not added. Put small steps "
                "together, or map part of the process as a process of its own."
            )
            return await self._show(draft, m.STEPS, values, notice=notice, important=True)
        values = m.put_step(values, press.inputs)
        done = f"Step {changing} changed." if changing else f"Step {count + 1} added."
        if then == m.STEPS:
            done += " Add the next step, or choose Next if that was the last."
        return await self._show(draft, then, values, notice=done)

    def _step_number(self, values: Mapping[str, str], which: str) -> int:
        count = m.step_count(values)
        if not which:
            raise ValueError("Choose a step from the list first, then choose the button again.")
        if not which.isdigit() or not 1 <= int(which) <= count:
            shown = which[:20]
            raise ValueError(
                f"There is no step {shown} in this process: it has {count} "
                f"step{'s' if count != 1 else ''}. Nothing was changed."
            )
        return int(which)

    async def change_step(self, turn: Turn, draft: Draft, press: Press) -> Reply:
        values = self._kept(draft, press)
        try:
            number = self._step_number(values, press.which)
        except ValueError as wrong:
            return await self._show(draft, m.STEPS, values, notice=str(wrong), important=True)
        values["editing"] = str(number)
        notice = f"Change step {number} below, then choose Save this step."
        return await self._show(draft, m.STEPS, values, notice=notice)

    async def remove_step(self, turn: Turn, draft: Draft, press: Press) -> Reply:
        values = self._kept(draft, press)
        try:
            number = self._step_number(values, press.which)
        except ValueError as wrong:
            return await self._show(draft, m.STEPS, values, notice=str(wrong), important=True)
        values = m.remove_step(values, number)
        notice = f"Step {number} removed. The steps after it have moved up one."
        return await self._show(draft, m.STEPS, values, notice=notice)

    async def go_to(self, turn: Turn, draft: Draft, press: Press) -> Reply:
        if press.goto is None or not m.ABOUT <= press.goto <= m.PAIN:
            raise BadCardData("That button did not say which part to change. Nothing changed.")
        return await self._show(draft, press.goto, self._kept(draft, press))

    async def discard(self, turn: Turn, draft: Draft, press: Press) -> Reply:
        await self.store.delete_draft(turn.actor.user_id, FORM)
        return card_reply(to_dict(c.build_deleted_card()))

    async def send(self, turn: Turn, draft: Draft, press: Press) -> Reply:
        values = self._kept(draft, press)
        page, errors, notice = m.first_page_with_errors(values)
        if page:
            notice = notice or "Some answers need changing before you can send this."
            return await self._show(draft, page, values, errors, notice, important=True)
        owner, now = turn.actor.user_id, self.ctx.now()
        process_id = values.get("process_id") or draft.draft_id
        kept = (await latest_maps(self.store)).get(process_id)
        version = int(kept.data.get("version", 0)) + 1 if kept else 1
        data = m.record_data(values, process_id, version, now)
        record = Record(m.KIND, f"{process_id}:{version}", owner, now, data)
        while not await self.store.add_record(record):
            # Sent from another window meanwhile: this is the next version.
            version += 1
            data = {**data, "version": version}
            record = Record(m.KIND, f"{process_id}:{version}", owner, now, data)
        await self.store.delete_draft(owner, FORM)
        await self._after_sent(record)
        return card_reply(self._sent(data))

    async def _after_sent(self, record: Record) -> None:
        if self.on_sent is None:
            return
        try:
            await self.on_sent(record)
        except Exception:
            # The map is kept; only what follows from it failed. The next version retries.
            logger.exception("After process map %s was sent, the follow-on failed", record.key)

    def _sent(self, data: dict[str, Any]) -> dict[str, Any]:
        sent = to_dict(c.build_sent_card(data))
        if self.estimate_card is None:
            return sent
        try:
            estimate = self.estimate_card(data)
        except Exception:
            logger.exception("The estimate of process map %s could not be shown", data["id"])
            return sent
        return {
            **sent,
            "body": [*sent["body"], *estimate.get("body", [])],
            "actions": [*estimate.get("actions", []), *sent.get("actions", [])],
        }

    # ---- Commands and buttons that open a map ----------------------------------

    async def new(self, turn: Turn, _: Nothing) -> Reply:
        return card_reply(await self.open(turn.actor.user_id))

    async def resume(self, turn: Turn, _: Nothing) -> Reply:
        draft = await self.store.get_draft(turn.actor.user_id, FORM)
        if draft is None:
            return message_reply(
                "You have no process map in progress. Type map a process to start one."
            )
        notice = "Welcome back. Here is your process map where you left it."
        return card_reply(self._card(draft, draft.step, notice=notice))

    async def change(self, turn: Turn, which: Which) -> Reply:
        owner = turn.actor.user_id
        kept = (await latest_maps(self.store)).get(which.process_id)
        if kept is None or kept.owner_id != owner:
            return message_reply(
                "I could not find that process map among yours. Type my processes to see them."
            )
        draft = await self.store.get_draft(owner, FORM)
        if draft is not None:
            if draft.values.get("process_id") == which.process_id:
                notice = "You are already changing this process map. Here it is."
                return card_reply(self._card(draft, draft.step, notice=notice))
            notice = (
                "You already have a process map in progress, so we have opened it. Send "
                "or discard it first, then choose Change again."
            )
            return card_reply(self._card(draft, draft.step, notice=notice, important=True))
        values = m.draft_values(kept.data)
        new = Draft(owner, FORM, uuid.uuid4().hex, m.REVIEW, values, self.ctx.now())
        notice = "Change what you need, then send it. It is kept as the next version."
        return card_reply(self._card(await self.store.save_draft(new), m.REVIEW, notice=notice))

    async def mine(self, turn: Turn, _: Nothing) -> Reply:
        return card_reply(await self.mine_card(turn.actor.user_id))

    async def mine_card(self, owner_id: str) -> dict[str, Any]:
        latest = await latest_maps(self.store)
        theirs = [_mapped(r) for r in latest.values() if r.owner_id == owner_id]
        theirs.sort(key=lambda item: (item.submitted or dt.date.min, item.name), reverse=True)
        return to_dict(c.build_mine_card(theirs))


def part(
    ctx: JourneyContext,
    estimate_card: EstimateCard | None = None,
    on_sent: OnSent | None = None,
) -> Part:
    """`estimate_card` draws the estimate shown once a map is sent; `on_sent` is given
    the record kept (to copy the backlog line to SharePoint, say)."""
    maps = ProcessMaps(ctx, estimate_card, on_sent)
    guarded = maps.guarded

    async def start(turn: Turn, _: str) -> None:
        await turn.send_card(await maps.open(turn.actor.user_id))

    async def carry_on(turn: Turn, _: str) -> None:
        await turn.send_reply(await maps.resume(turn, Nothing()))

    async def mine(turn: Turn, _: str) -> None:
        await turn.send_card(await maps.mine_card(turn.actor.user_id))

    def pressed(verb: str, handle: Callable[[Turn, Draft, Press], Awaitable[Reply]]) -> Any:
        return CardAction(verb, parse_press, guarded(handle), once_only=True)

    return Part(
        commands=(
            ChatCommand(
                "map a process",
                start,
                phrases=("map a process", "process map", "map process", "new process map"),
                help="Map the steps of a process, to find what could be automated or made "
                "self-service.",
            ),
            ChatCommand(
                "continue process map",
                carry_on,
                phrases=("continue process map", "continue my process map", "continue mapping"),
                menu_rank=3,
            ),
            ChatCommand(
                "my processes",
                mine,
                phrases=("my processes", "my process maps", "my maps"),
                help="See the processes you have mapped, and change them.",
                menu_rank=3,
            ),
        ),
        actions=(
            CardAction(c.NEW, nothing, maps.new),
            CardAction(c.CONTINUE, nothing, maps.resume),
            CardAction(c.MINE, nothing, maps.mine),
            CardAction(c.CHANGE_MAP, parse_which, maps.change, once_only=True),
            pressed(c.NEXT, maps.next),
            pressed(c.BACK, maps.back),
            pressed(c.SAVE, maps.save),
            pressed(c.ADD_STEP, maps.add_step),
            pressed(c.CHANGE_STEP, maps.change_step),
            pressed(c.REMOVE_STEP, maps.remove_step),
            pressed(c.GO_TO, maps.go_to),
            pressed(c.DISCARD, maps.discard),
            pressed(c.SEND, maps.send),
        ),
    )
