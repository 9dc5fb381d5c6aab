"""Keeping the knowledge base right: the lead checks each answer once its review date comes.

`review answers` shows a lead the answers in their communities that are due a check.
Each answer's card has "Still right" (the next check moves on by the review period),
"Edit" and "Retire". A loop asks each lead once per answer per review date.
Only the community's lead or an admin can do any of this.
"""

from __future__ import annotations

import asyncio
import calendar
import dataclasses
import datetime as dt
import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import microsoft_teams.cards as ac

from bot.domain.communities import Community, KnowledgeEntry
from bot.domain.text import long_date
from bot.errors import BadCardData, NotAllowed
from bot.invoke import NOT_OURS
from bot.journey import (
    CardAction,
    ChatCommand,
    JourneyContext,
    Reply,
    Turn,
    card_reply,
)
from bot.journeys.communities.champion_cards import field_with_error, form_start
from bot.journeys.communities.shared import Shared, text_values
from bot.notifier import Delivered
from bot.telemetry.logs import person_ref
from bot.telemetry.steps import job
from cards.elements import (
    button,
    card,
    facts,
    heading,
    labelled_user_text,
    para,
    to_dict,
    user_text,
)

logger = logging.getLogger(__name__)

OPEN = "knowledge.open"
KEEP = "knowledge.keep"
EDIT = "knowledge.edit"
SAVE = "knowledge.save"
RETIRE = "knowledge.retire"

QUESTION = "question"
ANSWER = "answer"
QUESTION_MAX = 500
ANSWER_MAX = 4000
MISSING = {QUESTION: "Enter the question", ANSWER: "Enter the answer"}
MAX_ID = 200
LOOP_EVERY = 15 * 60.0  # seconds between looks for answers due a check
SHOWN = 20  # answers listed on one card at most


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later; the month's last day where that month is shorter."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def is_due(entry: KnowledgeEntry, today: dt.date) -> bool:
    return not entry.retired and entry.review_on <= today


@dataclass(frozen=True)
class EntryPress:
    entry_id: str
    values: Mapping[str, str]


def parse_entry(data: Mapping[str, Any]) -> EntryPress:
    entry_id = data.get("entry")
    if not isinstance(entry_id, str) or not entry_id or len(entry_id) > MAX_ID:
        raise BadCardData(NOT_OURS)
    return EntryPress(entry_id, text_values(data, (QUESTION, ANSWER)))


# ---- Cards -------------------------------------------------------------------------------


def due_card(due: list[tuple[KnowledgeEntry, Community]], today: dt.date) -> ac.AdaptiveCard:
    body: list[ac.CardElement] = [heading("Answers to check")]
    if not due:
        body.append(para("No answers need checking today. We will tell you when one does."))
        return card(body, fallback="Answers to check")
    body.append(
        para(
            "These answers have reached their review date. Check each one is still "
            "right, change it, or retire it so nobody is given it again."
        )
    )
    for number, (entry, community) in enumerate(due[:SHOWN], start=1):
        body += [
            heading(f"Answer {number}, {community.name}", size="Medium"),
            user_text(entry.question, weight="Bolder", max_chars=300),
            para(f"Review date: {long_date(entry.review_on)}", subtle=True),
            ac.ActionSet(actions=[button(f"Check answer {number}", OPEN, {"entry": entry.id})]),
        ]
    if len(due) > SHOWN:
        body.append(para(f"There are {len(due) - SHOWN} more. Check these first."))
    return card(body, fallback="Answers to check")


def entry_card(entry: KnowledgeEntry, community: Community, note: str = "") -> ac.AdaptiveCard:
    data = {"entry": entry.id}
    body: list[ac.CardElement] = [heading("Is this answer still right?")]
    if note:
        body.append(para(note))
    body += [
        para(f"Community: {community.name}"),
        labelled_user_text("Question", entry.question),
        labelled_user_text("Answer", entry.answer),
        facts(
            [
                ("Answered by", entry.answered_by or "Not known"),
                ("Added", long_date(entry.added_at.date())),
                ("Review date", long_date(entry.review_on)),
                ("Chosen as best", _times(entry.best_count)),
                ("Helped others", _times(entry.helped_count)),
            ]
        ),
    ]
    if entry.retired:
        body.append(para("This answer is retired. Nobody is shown it any more."))
        return card(body, fallback="Is this answer still right?")
    actions: list[ac.Action] = [
        button("Still right", KEEP, data, primary=True),
        button("Edit", EDIT, data),
        button("Retire", RETIRE, data),
    ]
    return card(body, actions, fallback="Is this answer still right?")


def _times(count: int) -> str:
    return "once" if count == 1 else f"{count} times"


def edit_card(
    entry: KnowledgeEntry,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
) -> ac.AdaptiveCard:
    values = values if values is not None else {QUESTION: entry.question, ANSWER: entry.answer}
    errors = errors or {}
    body = form_start("Change this answer", errors)
    for name, label, most, lines in (
        (QUESTION, "Question", QUESTION_MAX, False),
        (ANSWER, "Answer", ANSWER_MAX, True),
    ):
        box = ac.TextInput(
            id=name,
            label=label,
            value=values.get(name, "")[:most] or None,
            max_length=most,
            is_multiline=lines or None,
            is_required=True,
            error_message=MISSING[name],
        )
        body.append(field_with_error(errors, name, box))
    data = {"entry": entry.id}
    actions: list[ac.Action] = [
        button("Save changes", SAVE, data, primary=True, validate=True),
        button("Cancel", OPEN, data),
    ]
    return card(body, actions, fallback="Change this answer")


def retired_card(entry: KnowledgeEntry) -> ac.AdaptiveCard:
    body: list[ac.CardElement] = [
        heading("Answer retired"),
        labelled_user_text("Question", entry.question, max_chars=300),
        para("Nobody will be shown this answer again. Their questions go to champions instead."),
    ]
    return card(body, fallback="Answer retired")


# ---- Use -----------------------------------------------------------------------------------


def _check_edit(values: Mapping[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    question = " ".join(values.get(QUESTION, "").split())
    answer = values.get(ANSWER, "").strip()
    errors: dict[str, str] = {}
    if not question:
        errors[QUESTION] = MISSING[QUESTION]
    elif len(question) > QUESTION_MAX:
        errors[QUESTION] = f"The question must be {QUESTION_MAX} characters or fewer"
    if not answer:
        errors[ANSWER] = MISSING[ANSWER]
    elif len(answer) > ANSWER_MAX:
        errors[ANSWER] = f"The answer must be {ANSWER_MAX:,} characters or fewer"
    return {QUESTION: question, ANSWER: answer}, errors


class Upkeep:
    def __init__(self, ctx: JourneyContext, shared: Shared) -> None:
        self.ctx = ctx
        self.shared = shared

    def commands(self) -> tuple[ChatCommand, ...]:
        return (
            ChatCommand(
                "review answers",
                self.review,
                menu_rank=3,
                phrases=("review answers", "knowledge", "review knowledge", "check answers"),
                audience="champions",
                help="Leads. Check the answers in your community that are due a review.",
            ),
        )

    def actions(self) -> tuple[CardAction[Any], ...]:
        return (
            CardAction(OPEN, parse_entry, self.open),
            CardAction(KEEP, parse_entry, self.keep, once_only=True),
            CardAction(EDIT, parse_entry, self.edit),
            CardAction(SAVE, parse_entry, self.save, once_only=True),
            CardAction(RETIRE, parse_entry, self.retire, once_only=True),
        )

    async def review(self, turn: Turn, _: str) -> None:
        store = await self.shared.store()
        led = [c for c in await store.communities() if self.shared.may_lead(turn.actor, c)]
        if not led:
            raise NotAllowed(
                "Only a community's lead or an admin can review its answers. "
                "Type communities to see who leads each one."
            )
        ids = {c.id for c in led}
        today = self.ctx.now().date()
        due = [pair for pair in await due_entries(self.shared, today) if pair[1].id in ids]
        await turn.send_card(to_dict(due_card(due, today)))

    async def _theirs(self, turn: Turn, press: EntryPress) -> tuple[KnowledgeEntry, Community]:
        store = await self.shared.store()
        entry = await store.entry(press.entry_id)
        community = await store.community(entry.community_id) if entry else None
        if entry is None or community is None:
            raise BadCardData(NOT_OURS)
        self.shared.must_lead(turn.actor, community, "change its answers")
        return entry, community

    async def open(self, turn: Turn, press: EntryPress) -> Reply:
        entry, community = await self._theirs(turn, press)
        return card_reply(to_dict(entry_card(entry, community)))

    def _next_review(self) -> dt.date:
        return add_months(self.ctx.now().date(), self.shared.config.review_months)

    async def keep(self, turn: Turn, press: EntryPress) -> Reply:
        entry, community = await self._theirs(turn, press)
        if entry.retired:
            return card_reply(to_dict(entry_card(entry, community)))
        kept = dataclasses.replace(entry, review_on=self._next_review())
        await (await self.shared.store()).save_entry(kept)
        note = f"Thank you. We will ask you again on {long_date(kept.review_on)}."
        return card_reply(to_dict(entry_card(kept, community, note)))

    async def edit(self, turn: Turn, press: EntryPress) -> Reply:
        entry, _ = await self._theirs(turn, press)
        if entry.retired:
            raise NotAllowed("This answer is retired, so it cannot be changed.")
        return card_reply(to_dict(edit_card(entry)))

    async def save(self, turn: Turn, press: EntryPress) -> Reply:
        entry, community = await self._theirs(turn, press)
        if entry.retired:
            raise NotAllowed("This answer is retired, so it cannot be changed.")
        values, errors = _check_edit(press.values)
        if errors:
            return card_reply(to_dict(edit_card(entry, press.values, errors)))
        changed = dataclasses.replace(
            entry, question=values[QUESTION], answer=values[ANSWER], review_on=self._next_review()
        )
        await (await self.shared.store()).save_entry(changed)
        note = f"Saved. We will ask you to check it again on {long_date(changed.review_on)}."
        return card_reply(to_dict(entry_card(changed, community, note)))

    async def retire(self, turn: Turn, press: EntryPress) -> Reply:
        entry, _ = await self._theirs(turn, press)
        retired = dataclasses.replace(entry, retired=True)
        if not entry.retired:
            await (await self.shared.store()).save_entry(retired)
        return card_reply(to_dict(retired_card(retired)))

    async def loop(self) -> None:
        await asyncio.sleep(LOOP_EVERY)  # not in the first minutes: the app is starting
        while True:
            try:
                with job("answer_reviews"):
                    await ask_leads(self.shared)
            except Exception:
                logger.exception("Asking leads to review answers failed")
            await asyncio.sleep(LOOP_EVERY)


async def due_entries(shared: Shared, today: dt.date) -> list[tuple[KnowledgeEntry, Community]]:
    """Answers in use whose review date has come, oldest review date first."""
    store = await shared.store()
    communities = {c.id: c for c in await store.communities()}
    found = [
        (entry, communities[entry.community_id])
        for entry in await store.entries()
        if is_due(entry, today) and entry.community_id in communities
    ]
    return sorted(found, key=lambda pair: (pair[0].review_on, pair[0].id))


async def ask_leads(shared: Shared) -> int:
    """Ask each lead (the admins where a community has none) about the answers past their
    review date: one "Answers to check" card per person, each answer asked about once per
    review date. Returns how many cards went."""
    ctx = shared.ctx
    today = ctx.now().astimezone(ZoneInfo(shared.config.timezone)).date()
    waiting: dict[str, list[tuple[KnowledgeEntry, Community]]] = {}
    for entry, community in await due_entries(shared, today):
        people = [community.lead_id] if community.lead_id else sorted(ctx.admin_ids)
        for person in people:
            waiting.setdefault(person, []).append((entry, community))
    sent = 0
    for person, due in waiting.items():
        claimed = []
        for entry, community in due:
            key = f"knowledge.review:{entry.id}:{entry.review_on.isoformat()}:{person}"
            if await ctx.store.claim_notification(key):
                claimed.append((key, entry, community))
        if not claimed:
            continue
        body = to_dict(due_card([(e, c) for _, e, c in claimed], today))
        asked = "\n".join(key for key, _, _ in claimed).encode()
        list_key = f"knowledge.review.list:{person}:{hashlib.sha256(asked).hexdigest()}"
        try:
            delivered = await ctx.notifier.deliver(
                person, body, list_key, via=shared.channel_purpose(claimed[0][2].id)
            )
        except Exception:
            logger.exception(
                "Could not ask %s to check %d answers", person_ref(person), len(claimed)
            )
            delivered = Delivered.NO_CHAT
        if delivered in (Delivered.SENT, Delivered.ALREADY):
            sent += delivered == Delivered.SENT
            for key, _, _ in claimed:
                await ctx.store.notification_sent(key)
        else:  # not asked after all: the next look asks again
            for key, _, _ in claimed:
                await ctx.store.release_notification(key)
    return sent
