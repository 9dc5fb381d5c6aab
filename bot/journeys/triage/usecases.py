"""IT triage acts on a request: checked against the life cycle and the version it was read at."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from bot.domain import triage
from bot.domain.edits import EDITED_IN_SHAREPOINT
from bot.domain.model import AuditEntry, DigitalRequest, Status
from bot.domain.similarity import most_similar
from bot.domain.text import long_date
from bot.domain.triage import Action, Change, TransitionRefused, state_of, with_state
from bot.errors import NotAllowed, NotFound
from bot.journey import Actor
from bot.journeys.triage.commands import TriageCommand
from bot.journeys.triage.posting import TRIAGE
from bot.notifier import Notifier
from bot.ports import (
    ChangedBySomeoneElse,
    Governance,
    GovernanceStore,
    NotApplied,
    RequestRegister,
    Store,
)

logger = logging.getLogger(__name__)

OPEN = frozenset({"submitted", "in_triage", "awaiting_information", "with_board"})
_PROCESS_WORDS = {"change_request": "then a change request", "project": "then a project"}


class TriageRegister(RequestRegister, GovernanceStore, Protocol):
    """The requests, and the boards' names to speak of where one goes."""


@dataclass(frozen=True)
class Outcome:
    request: DigitalRequest
    changed: bool
    note: str = ""
    before: DigitalRequest | None = None


def change_for(
    command: TriageCommand, actor: Actor, now: dt.datetime, assignee: Actor | None = None
) -> Change:
    """The change a button asks for, with the actor from the Activity, never from the card."""
    assigned = (assignee or actor) if command.action is Action.ASSIGN else None
    return Change(
        command.action,
        actor.user_id,
        actor.name,
        now,
        assignee_id=assigned.user_id if assigned else "",
        assignee_name=assigned.name if assigned else "",
        board=command.board,
        process=command.process,
        reason=command.reason,
        question=command.question,
        answer=command.answer,
        duplicate_of=command.duplicate_of,
    )


def changed_by_note(request: DigitalRequest) -> str:
    if not request.history:
        return "This request changed since your card was drawn. Here it is as it is now."
    last = request.history[-1]
    where = " in SharePoint" if last.action == EDITED_IN_SHAREPOINT else ""
    what = f" {last.detail}" if where and last.detail else ""
    return (
        f"{last.actor_name or 'Someone'} changed this request{where} first, at "
        f"{last.at:%H:%M} on {long_date(last.at.date())}: it is now "
        f"{triage.status_for_it_in_words(last.to_status)}.{what} "
        "Check it, then try again if you still need to."
    )


def not_applied_message(news: NotApplied, entry: AuditEntry) -> str:
    """For the person whose change made in Teams was not written to the list."""
    when = f"{entry.at:%H:%M} on {long_date(entry.at.date())}"
    who = news.editor or "Someone"
    edit = next((e for e in reversed(news.now.history) if e.action == EDITED_IN_SHAREPOINT), None)
    what = f" {edit.detail}" if edit and edit.detail else ""
    return (
        f"Your change to {news.now.reference} at {when} was not saved. {who} changed the "
        f"request in SharePoint before it could be written, and their change stands.{what} "
        f"It is now {triage.status_for_it_in_words(news.now.status)}. Open it for triage and act "
        "again if you still need to."
    )


async def act(
    store: TriageRegister,
    actor: Actor,
    command: TriageCommand,
    now: dt.datetime,
    assignee: Actor | None = None,
    already_read: DigitalRequest | None = None,
) -> Outcome:
    reference, version = command.card.reference, command.card.version
    same = already_read is not None and already_read.reference == reference
    request = already_read if same else await store.get(reference)
    if request is None:
        raise NotFound(f"There is no request {reference}. Nothing has changed.")
    if version and version != request.etag:
        return Outcome(request, changed=False, note=changed_by_note(request))
    change = change_for(command, actor, now, assignee)
    if command.action is Action.CHANGE_ROUTE:
        await _check_new_route(store, request, change)
    try:
        state = triage.apply(state_of(request), change, reference)
    except TransitionRefused as refused:
        raise NotAllowed(refused.message) from refused
    if command.action is Action.LINK_DUPLICATE:
        await _check_original(store, state.duplicate_of)
    try:
        saved = await store.update(with_state(request, state))
    except ChangedBySomeoneElse:
        fresh = await store.get(reference)
        if fresh is None:
            raise
        return Outcome(fresh, changed=False, note=changed_by_note(fresh))
    return Outcome(saved, changed=True, before=request)


async def _check_new_route(store: TriageRegister, request: DigitalRequest, change: Change) -> None:
    """A change of route must change where it goes: the same board and process again
    would be recorded as a change that changed nothing."""
    if request.status not in triage.ALLOWED_FROM[Action.CHANGE_ROUTE]:
        return  # the rules say why not
    if (change.board, change.process) != (request.route.board, request.route.process):
        return
    gov = await store.governance()
    board = gov.boards.get(change.board)
    then = _PROCESS_WORDS.get(change.process, change.process)
    where = f"the {board.name if board else change.board}, {then}"
    raise NotAllowed(f"It already goes to {where}. Choose a different board or process.")


async def _check_original(store: RequestRegister, original: str) -> None:
    """The request this one duplicates must exist and be open: the requester is told
    the work carries on under it."""
    found = await store.get(original)
    if found is None:
        raise NotAllowed(f"There is no request {original}. Check the reference.")
    refused = triage.duplicate_target_refusal(original, found.status, found.duplicate_of)
    if refused:
        raise NotAllowed(refused)


def similar_open(request: DigitalRequest, others: list[DigitalRequest]) -> list[tuple[str, str]]:
    candidates = [
        (r.reference, r.details.title, r.details.problem)
        for r in others
        if r.status.value in OPEN and r.reference != request.reference
    ]
    titles = {r.reference: r.details.title for r in others}
    ranked = most_similar(
        (request.details.title, request.details.problem),
        candidates,
        limit=3,
        exclude=request.reference,
    )
    return [(ref, titles[ref]) for ref, _ in ranked]


def board_name(gov: Governance, request: DigitalRequest) -> str:
    board = gov.boards.get(request.route.board)
    return board.name if board else request.route.board


# ---- After a change: everyone's card in the channel, then the requester's chat ----

ChannelCard = Callable[[DigitalRequest], Awaitable[dict[str, Any]]]
UpdateCard = Callable[[DigitalRequest, str], dict[str, Any]]


@dataclass(frozen=True)
class FollowUp:
    """What happens after a triage change, once the person who pressed has their answer."""

    store: Store
    notifier: Notifier
    channel_card: ChannelCard  # the read-only card everyone in the channel sees
    update_card: UpdateCard  # the news card in the requester's chat

    async def after_change(self, outcome: Outcome, tell_requester: bool = True) -> None:
        request = outcome.request
        try:
            message_id = await self.store.triage_message_id(request.reference)
            await self.notifier.replace(TRIAGE, message_id, await self.channel_card(request))
        except Exception:
            logger.exception("Could not update the triage card for %s", request.reference)
        before = outcome.before
        if not tell_requester or before is None:
            return
        if before.status is request.status and not request.question:
            return  # nothing the requester needs to hear about
        try:
            await self.tell_requester(before, request)
            if request.status is Status.DUPLICATE and request.duplicate_of:
                await self.tell_original_requester(request)
        except Exception:
            logger.exception("Could not tell the requester about %s", request.reference)

    async def tell_requester(self, before: DigitalRequest, after: DigitalRequest) -> None:
        gov = await self.store.governance()
        text = triage.requester_message(
            after.reference, state_of(before), state_of(after), board_name(gov, after)
        )
        key = f"{after.reference}:{len(after.history)}"
        await self.notifier.tell(after.requester.user_id, self.update_card(after, text), key)

    async def tell_original_requester(self, duplicate: DigitalRequest) -> None:
        original = await self.store.get(duplicate.duplicate_of)
        if original is None or original.requester.user_id == duplicate.requester.user_id:
            return
        text = (
            f"IT triage found that {duplicate.reference} asks for the same thing as your "
            f"request {original.reference}, so the two are joined. Nothing changes for your "
            "request, and its priority may now show the wider need."
        )
        key = f"{original.reference}:joined:{duplicate.reference}"
        await self.notifier.tell(original.requester.user_id, self.update_card(original, text), key)


async def tell_not_applied(
    news: NotApplied,
    notifier: Notifier,
    update_card: UpdateCard,
    channel_card: ChannelCard,
    message_id: str,
    requester_card: UpdateCard | None = None,
) -> None:
    """Everyone whose change was not written hears why, once; the channel card is redrawn.

    Each is told in their chat with the bot; someone the bot has no chat with yet is
    told in the triage channel instead, by name."""
    await notifier.replace(TRIAGE, message_id, await channel_card(news.now))
    told: set[str] = set()
    for entry in news.lost:
        if entry.actor_id in told:
            continue
        told.add(entry.actor_id)
        text = not_applied_message(news, entry)
        key = f"{news.now.reference}:not-applied:{news.now.etag}:{entry.actor_id}"
        # The requester's own lost answer is told in their words; a triager's in IT's.
        theirs = entry.actor_id == news.now.requester.user_id
        build = requester_card if requester_card and theirs else update_card
        card = build(news.now, text)
        if not await notifier.tell(entry.actor_id, card, key):
            named = update_card(news.now, f"For {entry.actor_name or 'the triager'}: {text}")
            await notifier.post(TRIAGE, named)
