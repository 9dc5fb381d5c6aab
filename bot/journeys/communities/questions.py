"""Asking and answering: search answers already given, route to a community and its
champions, collect answers, and keep the best one for the next person.

The question is kept as soon as it is asked (SEARCHING), so "This answered it", "None
of these" and routing all name it by its reference. Who is acting always comes from
the validated Activity (`turn.actor`); card data only says which question or answer.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from bot.domain import knowledge_search
from bot.domain.communities import (
    Answer,
    AnswerKind,
    ChampionStatus,
    Community,
    KnowledgeEntry,
    Question,
    QuestionStatus,
)
from bot.domain.text import clean_text, long_date
from bot.domain.working_time import WorkingTime
from bot.errors import BadCardData, NotAllowed, NotFound, UserFacingError
from bot.identity import chat_reference
from bot.journey import (
    Actor,
    CardAction,
    ChatCommand,
    JourneyContext,
    MenuButton,
    Part,
    Reply,
    Turn,
    card_reply,
    message_reply,
)
from bot.journeys.communities import nudging
from bot.journeys.communities import question_cards as cards
from bot.journeys.communities.knowledge import add_months
from bot.journeys.communities.knowledge_index import Knowledge
from bot.journeys.communities.ports import CommunityStore, StaleQuestion
from bot.journeys.communities.question_data import (
    AnswerPress,
    AskPress,
    PagePress,
    Press,
    parse_answer,
    parse_answer_send,
    parse_ask,
    parse_found,
    parse_nothing,
    parse_page,
    parse_press,
    parse_route,
)
from bot.journeys.communities.shared import Shared
from bot.notifier import Delivered
from bot.telemetry.logs import person_ref

logger = logging.getLogger(__name__)

PAGE = 10  # waiting questions shown at once in a channel
MINE = 10  # the asker's newest questions shown by "my questions"
MOST = 1000  # a list reads at most this many questions, so it always ends

NOT_ASKER = "Only the person who asked this question can do that. Nothing has changed."


# ---- Plain helpers -------------------------------------------------------------------


def too_long(what: str, text: str, most: int) -> str:
    return (
        f"Your {what} is {len(text):,} characters long. It can be up to {most:,} characters. "
        "Please make it shorter and try again."
    )


def tags_for(text: str, community_id: str, most: int = 8) -> tuple[str, ...]:
    """The question's words search counts, as written, for the knowledge entry (readable,
    and indexed to the same terms); the community if there are none."""
    return knowledge_search.tag_words(text, most) or (community_id,)


_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def when_words(at: dt.datetime, working: WorkingTime) -> str:
    """Like "2pm on Wednesday 25 November", in the council's own clock, whatever the
    server's locale."""
    local = at.astimezone(working.zone)
    hour = local.hour % 12 or 12
    clock = f"{hour}:{local.minute:02d}" if local.minute else f"{hour}"
    clock += "am" if local.hour < 12 else "pm"
    day_month = long_date(local.date()).rsplit(" ", 1)[0]  # "25 November"
    return f"{clock} on {_DAYS[local.weekday()]} {day_month}"


# "ask" and anything before it Teams adds (a mention of the bot), at the start of a message.
_ASKED = re.compile(r"^\s*(?:<at>[^<]{0,200}</at>\s*)*ask\b[\s:,.\-]*", re.IGNORECASE)


def card_key(turn: Turn) -> str:
    """A key for the ask card sent in answer to this Activity: pressing it twice asks once."""
    return "card-" + hashlib.sha256((turn.activity.id or "").encode()).hexdigest()[:24]


def listed(names: Sequence[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


# ---- The use cases ---------------------------------------------------------------------


class Questions:
    def __init__(self, ctx: JourneyContext, shared: Shared) -> None:
        self.ctx = ctx
        self.shared = shared
        self.knowledge = Knowledge()
        self.working = WorkingTime.from_config(shared.config)

    async def store(self) -> CommunityStore:
        return await self.shared.store()

    # -- reading ---------------------------------------------------------------------

    async def question(self, reference: str) -> Question:
        found = await (await self.store()).question(reference)
        if found is None:
            raise NotFound(f"I cannot find question {reference}. Nothing has changed.")
        return found

    async def own_question(self, actor: Actor, reference: str) -> Question:
        question = await self.question(reference)
        if question.asker_id != actor.user_id:
            raise NotAllowed(NOT_ASKER)
        return question

    async def change(
        self, reference: str, change: Callable[[Question], Question | None]
    ) -> Question:
        """Apply `change` to the question as it is now; again if someone saved it first.
        `change` returns None when there is nothing to change."""
        store = await self.store()
        for _ in range(5):
            current = await self.question(reference)
            changed = change(current)
            if changed is None:
                return current
            try:
                return await store.update_question(changed)
            except StaleQuestion:
                continue
        raise UserFacingError(
            "Several people changed this question at once. Nothing has changed. Please try again."
        )

    async def channel_card(
        self, question: Question, answers: Sequence[Answer] | None = None
    ) -> dict[str, Any]:
        store = await self.store()
        community = await store.community(question.community_id)
        if answers is None:
            answers = await store.answers(question.reference)
        return cards.champion_card(question, community, question.asker_name, answers)

    async def redraw_channel(self, question: Question) -> None:
        """Everyone in the channel sees the question's card as it is now."""
        if not question.channel_message_id:
            return
        try:
            await self.ctx.notifier.replace(
                self.shared.channel_purpose(question.community_id),
                question.channel_message_id,
                await self.channel_card(question),
            )
        except Exception:
            logger.exception("Redrawing %s in its channel failed", question.reference)

    async def tell(self, user_id: str, card: dict[str, Any], once_key: str) -> bool:
        try:
            return await self.ctx.notifier.deliver(user_id, card, once_key) is Delivered.SENT
        except Exception:
            logger.exception("Sending a card to %s failed", person_ref(user_id))
            return False

    # -- asking ----------------------------------------------------------------------

    async def ask(self, turn: Turn, typed: str) -> None:
        # The question as typed, line breaks and mentions of other people kept: only a
        # leading mention of the bot and the word ask are taken off.
        as_typed = _ASKED.sub("", turn.activity.text or "", count=1)
        text = clean_text(as_typed) if typed else ""
        if not text:
            await turn.send_text(
                "What would you like to ask? Type it in the box below, "
                "or type ask followed by your question."
            )
            await turn.send_card(cards.ask_card(card_key(turn)))
            return
        if len(text) > cards.MAX_QUESTION:
            await turn.send_text(too_long("question", text, cards.MAX_QUESTION))
            return
        reply = await self.search(turn, f"said:{turn.activity.id or ''}", text)
        await turn.send_reply(reply)

    async def open_ask(self, turn: Turn, _: object) -> Reply:
        """The welcome card's "Ask a question": the box to type it in."""
        return card_reply(cards.ask_card(card_key(turn)))

    async def ask_pressed(self, turn: Turn, press: AskPress) -> Reply:
        if not press.text:
            return card_reply(cards.ask_card(press.key, "Write your question first."))
        if len(press.text) > cards.MAX_QUESTION:
            error = too_long("question", press.text, cards.MAX_QUESTION)
            return card_reply(cards.ask_card(press.key, error, press.text))
        return await self.search(turn, f"{press.key}|{turn.actor.user_id}", press.text)

    async def search(self, turn: Turn, key: str, text: str) -> Reply:
        """Keep the question, then show answers already given, or go straight to routing."""
        actor = turn.actor
        if not turn.in_channel:
            await self.ctx.store.remember_personal_chat(
                actor.user_id, chat_reference(turn.activity, self.ctx.reply_hosts)
            )
        store = await self.store()
        draft = Question(
            reference="",
            asker_id=actor.user_id,
            asker_name=actor.name or "A member of staff",
            text=text,
            community_id="",
            service_area=await self.last_service_area(actor.user_id),
            status=QuestionStatus.SEARCHING,
            asked_at=self.ctx.now(),
        )
        question = await store.add_question(draft, key)
        if question.status is not QuestionStatus.SEARCHING:
            return card_reply(await self.mine_card(actor))  # asked before: where it is now
        found = await self.knowledge.search(store, text)
        if found:
            return card_reply(cards.matches_card(question, found))
        return card_reply(await self.route_card(question, nothing_found=True))

    async def last_service_area(self, user_id: str) -> str:
        store = await self.store()
        mine = await store.questions(asker_id=user_id, limit=MOST)
        areas = [q.service_area for q in mine if q.service_area]
        return areas[-1] if areas else ""

    async def route_card(
        self,
        question: Question,
        nothing_found: bool,
        error: str = "",
        typed_area: str = "",
        chosen: str = "",
    ) -> dict[str, Any]:
        communities = await (await self.store()).communities()
        suggestions = knowledge_search.suggest_community(question.text, communities)
        suggested = suggestions[0] if suggestions else None
        return cards.route_card(
            question, communities, suggested, nothing_found, error, typed_area, chosen
        )

    async def found(self, turn: Turn, press: Press) -> Reply:
        """ "This answered it": the loop closes on an answer already given."""
        question = await self.own_question(turn.actor, press.reference)
        store = await self.store()
        entry = await store.entry(press.entry)
        if entry is None or entry.retired:
            raise NotFound("That answer is no longer kept. Choose another, or ask a champion.")
        if question.status is not QuestionStatus.SEARCHING:
            if question.answered_by_entry == entry.id:
                return card_reply(cards.resolved_card(question, "We have noted that already."))
            raise UserFacingError(
                f"Question {question.reference} has already gone to a community. "
                "Type my questions to see where it is."
            )
        now = self.ctx.now()

        def resolve(current: Question) -> Question | None:
            if current.status is not QuestionStatus.SEARCHING:
                return None
            return replace(
                current,
                status=QuestionStatus.RESOLVED,
                answered_by_entry=entry.id,
                resolved_at=now,
            )

        question = await self.change(question.reference, resolve)
        best = await self.kept_from(entry.source_question)
        if best is None or best.champion_id != turn.actor.user_id:  # nobody lifts their own
            counted = await store.add_entry_helped(entry.id, turn.actor.user_id)
            if counted and (fresh := await store.entry(entry.id)) is not None:
                self.knowledge.changed(fresh)
            if best is not None:
                # Reuse is the best thanks: it counts for the champion who wrote it.
                await store.add_helped(best.id, turn.actor.user_id)
        return card_reply(
            cards.resolved_card(
                question,
                "We are glad that helped. We have counted it, so this answer is found "
                "more easily by the next person.",
            )
        )

    async def kept_from(self, question_ref: str) -> Answer | None:
        """The best answer a knowledge entry was kept from, if it came from a question."""
        if not question_ref:
            return None
        store = await self.store()
        return next((a for a in await store.answers(question_ref) if a.best), None)

    async def none_found(self, turn: Turn, press: Press) -> Reply:
        question = await self.own_question(turn.actor, press.reference)
        if question.status is not QuestionStatus.SEARCHING:
            return card_reply(await self.mine_card(turn.actor))
        return card_reply(await self.route_card(question, nothing_found=False))

    # -- routing ---------------------------------------------------------------------

    async def route(self, turn: Turn, press: Press) -> Reply:
        question = await self.own_question(turn.actor, press.reference)
        if question.status is not QuestionStatus.SEARCHING:
            return card_reply(await self.mine_card(turn.actor))  # sent already
        store = await self.store()
        community = await store.community(press.community) if press.community else None

        async def again(error: str) -> Reply:
            card = await self.route_card(
                question, False, error, press.service_area, community.id if community else ""
            )
            return card_reply(card)

        if community is None:
            return await again("Choose the community that should answer your question.")
        if not press.service_area:
            return await again("Tell us your service area, so we can find champions near you.")
        if len(press.service_area) > cards.MAX_SERVICE_AREA:
            return await again(
                f"Your service area can be up to {cards.MAX_SERVICE_AREA} characters."
            )
        now = self.ctx.now()
        chosen = community

        def send(current: Question) -> Question | None:
            if current.status is not QuestionStatus.SEARCHING:
                return None
            return replace(
                current,
                community_id=chosen.id,
                service_area=press.service_area,
                status=QuestionStatus.OPEN,
                routed_at=now,
            )

        question = await self.change(question.reference, send)
        lines = await self.send_out(question, community)
        return card_reply(cards.sent_card(question, community, lines))

    async def send_out(self, question: Question, community: Community) -> list[str]:
        """Post it in the community's channel and send it to a few champions; the lines
        that tell the asker what happened and what happens next."""
        purpose = self.shared.channel_purpose(community.id)
        posted: str | None = None
        try:
            posted = await self.ctx.notifier.post(purpose, await self.channel_card(question, []))
        except Exception:
            logger.exception("Posting %s in its channel failed", question.reference)
        if posted:
            message_id = posted

            def keep(current: Question) -> Question:
                return replace(current, channel_message_id=message_id)

            question = await self.change(question.reference, keep)
        people = await self.first_wave(question, community)
        lines = []
        if posted:
            lines.append(f"We have posted it in the {community.name} community's channel.")
        else:
            lines.append(
                f"The {community.name} community has no Teams channel with this bot yet, "
                "so we could not post it there."
            )
        now = self.ctx.now()
        starts = nudging.first_due(self.shared)
        if people and starts > now:
            lines.append(
                f"We will send it to {listed(people)} at {when_words(starts, self.working)}, "
                "when champions are at work."
            )
        elif people:
            lines.append(f"We have sent it to {listed(people)}.")
        elif community.lead_id:
            lines.append(
                "No champion is free to answer it right now, so we have sent it to "
                f"{community.lead_name or 'the community lead'}, who leads the community."
            )
        else:
            lines.append(
                "No champion is free to answer it right now, and this community has no lead "
                "yet. We have sent it to the Digital Front Door admins to find someone."
            )
        lines.append("When someone answers, we will send the answer to you here.")
        if people:
            due = self.working.add(now, self.shared.config.nudge_after_hours)
            lines.append(
                f"If there is no answer by {when_words(due, self.working)}, we ask more "
                f"champions. Then we ask {'the lead' if community.lead_id else 'the admins'}."
            )
        return lines

    async def first_wave(self, question: Question, community: Community) -> list[str]:
        """Send it to the first champions (nudging picks them fairly); their names."""
        store = await self.store()
        try:
            ids = await nudging.schedule_first(self.shared, question)
        except Exception:
            logger.exception("Sending %s to champions failed", question.reference)
            return []
        names = []
        for user_id in ids:
            champion = await store.champion(user_id, community.id)
            names.append(champion.name if champion else "a champion")
        return sorted(names)

    # -- answering -------------------------------------------------------------------

    async def may_answer(self, actor: Actor, question: Question) -> Community | None:
        if actor.user_id == question.asker_id:
            raise NotAllowed(
                "You asked this question, so a champion will answer it. Nothing has changed. "
                "To add something, reply in the question's thread in the community channel."
            )
        store = await self.store()
        community = await store.community(question.community_id)
        champion = await store.champion(actor.user_id, question.community_id)
        if champion is not None and champion.status is ChampionStatus.APPROVED:
            return community
        if community is not None and community.lead_id and community.lead_id == actor.user_id:
            return community
        if self.ctx.is_admin(actor):
            return community
        name = community.name if community else "this"
        raise NotAllowed(
            f"Only approved champions of the {name} community can answer this question. "
            "Nothing has changed. Type volunteer to become a champion."
        )

    def answerable(self, question: Question) -> None:
        if question.status is QuestionStatus.SEARCHING:
            raise UserFacingError(
                f"Question {question.reference} has not been sent to a community. "
                "Nothing has changed."
            )
        if question.status is QuestionStatus.RESOLVED:
            raise UserFacingError(
                f"The person who asked {question.reference} has already chosen the best "
                "answer. Thank you. Nothing has changed."
            )

    async def answer(self, turn: Turn, press: Press) -> Reply:
        question = await self.question(press.reference)
        community = await self.may_answer(turn.actor, question)
        self.answerable(question)
        store = await self.store()
        if not press.text:
            error = "Write your answer before you send it."
        elif len(press.text) > cards.MAX_ANSWER:
            error = too_long("answer", press.text, cards.MAX_ANSWER)
        else:
            error = ""
        if error and turn.in_channel:
            return message_reply(error)  # a problem on the channel's card would show to all
        if error:
            answers = await store.answers(question.reference)
            card = cards.champion_card(
                question, community, question.asker_name, answers, error=error, typed=press.text
            )
            return card_reply(card)
        digest = hashlib.sha256(f"{turn.actor.user_id}\n{press.text}".encode()).hexdigest()
        answer = Answer(
            id=f"{question.reference}:{digest[:16]}",
            question_ref=question.reference,
            champion_id=turn.actor.user_id,
            champion_name=turn.actor.name or "A champion",
            text=press.text,
            kind=AnswerKind.WRITTEN,
            at=self.ctx.now(),
        )
        return await self.answered(turn, question, community, answer)

    async def claim(self, turn: Turn, press: Press) -> Reply:
        question = await self.question(press.reference)
        community = await self.may_answer(turn.actor, question)
        self.answerable(question)
        name = turn.actor.name or "A champion"
        answer = Answer(
            id=f"{question.reference}:call:{turn.actor.user_id}",
            question_ref=question.reference,
            champion_id=turn.actor.user_id,
            champion_name=name,
            text=f"{name} will call you to help with this.",
            kind=AnswerKind.CALL,
            at=self.ctx.now(),
        )
        return await self.answered(turn, question, community, answer)

    async def answered(
        self, turn: Turn, question: Question, community: Community | None, answer: Answer
    ) -> Reply:
        store = await self.store()
        answer = await store.add_answer(answer)
        now = self.ctx.now()

        def mark(current: Question) -> Question | None:
            if current.status is QuestionStatus.OPEN:
                return replace(current, status=QuestionStatus.ANSWERED, first_answer_at=now)
            return None

        question = await self.change(question.reference, mark)
        await self.tell(
            question.asker_id,
            cards.answer_for_asker(question, community, answer),
            f"answer:{answer.id}",
        )
        try:
            await nudging.answered(self.shared, question.reference, turn.actor.user_id)
        except Exception:
            logger.exception("Stopping nudges for %s failed", question.reference)
        answers = await store.answers(question.reference)
        await self.redraw_channel(question)
        asker, champion = question.asker_name, answer.champion_name
        if answer.kind is AnswerKind.CALL:
            note = f"Thank you. We have told {asker} that {champion} will call."
        else:
            note = f"Thank you. {champion}'s answer has been sent to {asker}."
        card = cards.champion_card(question, community, question.asker_name, answers, note=note)
        return card_reply(card)

    # -- the asker decides -------------------------------------------------------------

    async def best(self, turn: Turn, press: AnswerPress) -> Reply:
        store = await self.store()
        answer = await store.answer(press.answer_id)
        if answer is None:
            raise NotFound("I cannot find that answer. Nothing has changed.")
        question = await self.own_question(turn.actor, answer.question_ref)
        if answer.kind is not AnswerKind.WRITTEN:
            raise UserFacingError("A call cannot be kept as a written answer. Nothing has changed.")
        if question.status is QuestionStatus.RESOLVED and question.best_answer_id == answer.id:
            return card_reply(cards.resolved_card(question, "You chose this answer already."))
        now = self.ctx.now()

        def resolve(current: Question) -> Question:
            return replace(
                current,
                status=QuestionStatus.RESOLVED,
                best_answer_id=answer.id,
                resolved_at=current.resolved_at or now,
            )

        question = await self.change(question.reference, resolve)
        await store.set_best(question.reference, answer.id)
        entry = await self.keep_entry(question, answer)
        await self.redraw_channel(question)
        community = await store.community(question.community_id)
        where = f" in {community.name}" if community else ""
        await self.tell(
            answer.champion_id,
            cards.resolved_card(
                question,
                f"{question.asker_name} chose your answer as the best one. It is now kept{where} "
                "so the next person with this question finds it. Thank you.",
            ),
            f"best:{answer.id}",
        )
        return card_reply(
            cards.resolved_card(
                question,
                f"You chose {answer.champion_name}'s answer as the best one. We keep it as "
                f"{entry.id}, so the next person with a question like yours finds it.",
            )
        )

    async def keep_entry(self, question: Question, answer: Answer) -> KnowledgeEntry:
        store = await self.store()
        entry_id = f"K-{question.reference}"
        before = await store.entry(entry_id)
        today = self.ctx.now().date()
        entry = KnowledgeEntry(
            id=entry_id,
            question=question.text,
            answer=answer.text,
            community_id=question.community_id,
            tags=tags_for(question.text, question.community_id),
            answered_by=answer.champion_name,
            added_at=before.added_at if before else self.ctx.now(),
            review_on=add_months(today, self.shared.config.review_months),
            source_question=question.reference,
            best_count=1,
            helped_count=before.helped_count if before else 0,
        )
        await store.save_entry(entry)
        self.knowledge.changed(entry)
        return entry

    async def none_helped(self, turn: Turn, press: Press) -> Reply:
        question = await self.own_question(turn.actor, press.reference)
        if question.status is QuestionStatus.RESOLVED:
            raise UserFacingError(
                "You have already chosen the best answer to this question. Nothing has changed."
            )
        if question.status is QuestionStatus.SEARCHING:
            return card_reply(await self.route_card(question, nothing_found=False))

        def reopen(current: Question) -> Question | None:
            if current.status is QuestionStatus.ANSWERED:
                return replace(current, status=QuestionStatus.OPEN)
            return None

        question = await self.change(question.reference, reopen)
        store = await self.store()
        answers = await store.answers(question.reference)
        community = await store.community(question.community_id)
        card = cards.reopened_card(question, community, answers)
        told = set()
        for answer in answers:
            if answer.champion_id not in told:
                told.add(answer.champion_id)
                key = f"reopened:{question.reference}:{len(answers)}:{answer.champion_id}"
                await self.tell(answer.champion_id, card, key)
        await nudging.reopened(self.shared, question)
        await self.redraw_channel(question)
        return card_reply(
            cards.resolved_card(
                question,
                "Thank you for telling us. Your question is open again, and we have told the "
                "champions who answered. We will send you any new answer here.",
            )
        )

    async def helped(self, turn: Turn, press: AnswerPress) -> Reply:
        store = await self.store()
        answer = await store.answer(press.answer_id)
        if answer is None:
            raise NotFound("I cannot find that answer. Nothing has changed.")
        question = await self.question(answer.question_ref)
        if question.asker_id == turn.actor.user_id:
            raise NotAllowed(
                "You asked this question, so choose This is the best answer instead. "
                "Nothing has changed."
            )
        if answer.kind is not AnswerKind.WRITTEN:
            raise BadCardData("That card is not one I recognise. Nothing has changed.")
        if answer.champion_id == turn.actor.user_id:
            raise NotAllowed(
                "You wrote this answer, so it is for others to say it helped them. "
                "Nothing has changed."
            )
        new = await store.add_helped(answer.id, turn.actor.user_id)
        if new and question.best_answer_id == answer.id:
            entry_id = f"K-{question.reference}"
            counted = await store.add_entry_helped(entry_id, turn.actor.user_id)
            if counted and (entry := await store.entry(entry_id)) is not None:
                self.knowledge.changed(entry)
        if new:
            note = "Thank you. We have counted that this answer helped you too."
            if turn.in_channel:  # the card everyone sees, with the new count
                return card_reply(await self.channel_card(question))
            await self.redraw_channel(question)
        else:
            note = "You have already said this helped you. We count it once for each person."
            if turn.in_channel:
                return message_reply(note)
        community = await store.community(question.community_id)
        answers = await store.answers(question.reference)
        return card_reply(
            cards.champion_card(question, community, question.asker_name, answers, note=note)
        )

    # -- lists -----------------------------------------------------------------------

    async def mine_card(self, actor: Actor) -> dict[str, Any]:
        store = await self.store()
        mine = await self.all_questions(asker_id=actor.user_id)
        newest = mine[-MINE:][::-1]
        shown = [(q, await store.answers(q.reference)) for q in newest]
        each = 5
        built = cards.my_questions_card(shown, len(mine), each)
        while not cards.fits(built) and (each > 1 or len(shown) > 1):
            if each > 1:
                each -= 1  # fewer answers for each question: the card says so
            else:
                shown.pop()  # the oldest shown: the card says how many of how many
            built = cards.my_questions_card(shown, len(mine), each)
        return built

    async def all_questions(self, **where: Any) -> list[Question]:
        store = await self.store()
        found: list[Question] = []
        after = ""
        while len(found) < MOST:
            page = await store.questions(limit=200, after=after, **where)
            found += page
            if len(page) < 200:
                break
            after = page[-1].reference
        return found

    async def mine(self, turn: Turn, _: str) -> None:
        await turn.send_card(await self.mine_card(turn.actor))

    async def here(self, turn: Turn) -> Community | None:
        """The community whose channel this is."""
        conversation = turn.activity.conversation
        here = str(conversation.id if conversation else "").split(";messageid=")[0]
        for community in await (await self.store()).communities():
            channel = await self.ctx.store.channel(self.shared.channel_purpose(community.id))
            there = str(((channel or {}).get("conversation") or {}).get("id", ""))
            if here and there.split(";messageid=")[0] == here:
                return community
        return None

    async def waiting(self, turn: Turn, _: str) -> None:
        community = await self.here(turn)
        if community is None:
            await turn.send_text(
                "No community uses this channel, so no questions wait here. A community lead "
                "can set it up. They type register community and then its name."
            )
            return
        await turn.send_card(await self.waiting_card(community, ""))

    async def waiting_card(self, community: Community, after: str) -> dict[str, Any]:
        waiting = await self.all_questions(
            status=QuestionStatus.OPEN.value, community_id=community.id
        )
        start = next((i + 1 for i, q in enumerate(waiting) if q.reference == after), 0)
        page = waiting[start : start + PAGE]
        last = page[-1].reference if page else ""
        return cards.waiting_card(community, page, start + 1, len(waiting), last)

    async def more(self, turn: Turn, press: PagePress) -> Reply:
        community = await (await self.store()).community(press.community)
        if community is None:
            raise BadCardData("That card is not one I recognise. Nothing has changed.")
        return card_reply(await self.waiting_card(community, press.after))


def part(ctx: JourneyContext, shared: Shared) -> Part:
    questions = Questions(ctx, shared)

    async def ask(turn: Turn, typed: str) -> None:
        await questions.ask(turn, typed)

    return Part(
        commands=(
            ChatCommand(
                "ask",
                ask,
                menu_rank=1,
                phrases=("ask", "ask a question"),
                prefixes=("ask ",),
                help="Ask a question about digital tools. We search answers already given, "
                "then ask a digital champion.",
                example="ask How do I share a file with someone outside the council?",
            ),
            ChatCommand(
                "my questions",
                questions.mine,
                menu_rank=1,
                phrases=("my questions", "my question"),
                help="See the questions you asked and their answers.",
            ),
            ChatCommand(
                "questions",
                questions.waiting,
                phrases=("questions", "waiting questions"),
                help="In a community's channel: see the questions waiting for an answer.",
                where="channel",
            ),
        ),
        actions=(
            CardAction(cards.ASK, parse_ask, questions.ask_pressed, once_only=True),
            CardAction(cards.FOUND, parse_found, questions.found, once_only=True),
            CardAction(cards.NONE_FOUND, parse_press, questions.none_found),
            CardAction(cards.ROUTE, parse_route, questions.route, once_only=True),
            CardAction(cards.SEND, parse_answer_send, questions.answer, once_only=True),
            CardAction(cards.CLAIM, parse_press, questions.claim, once_only=True),
            CardAction(cards.BEST, parse_answer, questions.best, once_only=True),
            CardAction(cards.NONE_HELPED, parse_press, questions.none_helped, once_only=True),
            CardAction(cards.HELPED, parse_answer, questions.helped, once_only=True),
            CardAction(cards.MORE, parse_page, questions.more),
            CardAction(cards.START, parse_nothing, questions.open_ask),
        ),
        menu=(MenuButton("Ask a question", cards.START),),
    )
