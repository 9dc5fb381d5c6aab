"""What the communities journey holds about people (bot/privacy.py): questions they
asked, answers they gave, champion sign-ups, "helped me too" marks, nudges sent to them,
communities they lead, and knowledge entries that credit them.

Erase keeps what others rely on as an anonymised trace: an answer they gave stays under
their stand-in, so counts stay right, but its words go (they wrote them); a question
keeps its reference, status and dates, without the asker or their words. Other people's
questions and answers that name them keep their words without the person's names, ids,
email addresses or phone numbers (`Person.scrub`). A knowledge base entry is advice a
lead reviewed: it stays, scrubbed the same way, and no longer says they answered it. A
community they lead is kept, and named, until a new lead is named: a community needs a
lead.

Retention (QUESTIONS): a question asked before the cutoff loses its asker and its words,
and its answers their champions' names and words; ids become pseudonyms, so counts stay
right. The knowledge base entries made from such a question (answers a lead reviewed) are
scrubbed of the asker's and champions' names, email addresses and phone numbers.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from bot.domain.communities import Answer, ChampionStatus, Question
from bot.domain.retention import RetentionKind, RetentionPolicy
from bot.journeys.communities.ports import CommunityStore
from bot.journeys.communities.shared import NAME, Shared
from bot.privacy import (
    ERASED_NAME,
    ERASED_TEXT,
    STAND_IN_PREFIX,
    Erased,
    Held,
    Kept,
    Person,
    Retained,
    gone,
    pseudonym,
    stand_in_for,
)

PAGE = 500
LEAD_REASON = (
    "Name a new lead first: the community needs a lead. Ask an admin to name one, then ask again."
)


def mentions(person: Person, text: str) -> bool:
    """Whether `text` names the person or holds one of their ids."""
    folded = text.casefold()
    return person.named_in(text) or any(i.casefold() in folded for i in person.ids if len(i) >= 3)


def people(ids: set[str], names: set[str]) -> Person:
    """Several people as one, for scrubbing text past its period: stand-ins and the
    erased name are not theirs, so scrubbing twice changes nothing."""
    ids = {i for i in ids if i and not i.startswith(STAND_IN_PREFIX)}
    names = {n for n in names if n and n != ERASED_NAME}
    return Person(min(ids, default=""), frozenset(ids), frozenset(names))


def _when(at: dt.datetime | None) -> str:
    return "" if at is None else at.strftime("%d %B %Y %H:%M")


class CommunityData:
    """PersonalData over the communities store (SQLite file, or Azure Table storage)."""

    def __init__(self, shared: Shared) -> None:
        self._shared = shared

    async def _store(self) -> CommunityStore:
        return await self._shared.store()

    async def _every_question(self, store: CommunityStore) -> list[Question]:
        found: list[Question] = []
        after = ""
        while True:
            page = await store.questions(limit=PAGE, after=after)
            found.extend(page)
            if len(page) < PAGE:
                return found
            after = page[-1].reference

    async def held(self, person: Person) -> list[Held]:
        store = await self._store()
        questions = await self._every_question(store)
        asked = [q for q in questions if person.is_them(q.asker_id)]
        return [
            *self._questions_held(person, questions, asked),
            *await self._answers_held(store, person),
            *await self._champions_held(store, person),
            *await self._marks_held(store, person),
            *await self._communities_held(store, person),
            *await self._entries_held(store, person, asked),
        ]

    def _questions_held(
        self, person: Person, questions: list[Question], asked: list[Question]
    ) -> list[Held]:
        held: list[Held] = []
        for q in asked:
            held.append(
                Held(
                    NAME,
                    "Question you asked",
                    q.reference,
                    {
                        "Your name": q.asker_name,
                        "Your question": q.text,
                        "Service area": q.service_area,
                        "Asked": _when(q.asked_at),
                    },
                    q.asked_at,
                )
            )
        for q in questions:
            if not person.is_them(q.asker_id) and mentions(person, q.text):
                held.append(
                    Held(
                        NAME,
                        "Question that names you",
                        q.reference,
                        {"Question": q.text, "Asked": _when(q.asked_at)},
                        q.asked_at,
                    )
                )
        return held

    async def _answers_held(self, store: CommunityStore, person: Person) -> list[Held]:
        held: list[Held] = []
        for a in await store.all_answers():
            if person.is_them(a.champion_id):
                held.append(
                    Held(
                        NAME,
                        "Answer you gave",
                        a.id,
                        {
                            "Question": a.question_ref,
                            "Your name": a.champion_name,
                            "Your answer": a.text,
                            "Given": _when(a.at),
                        },
                        a.at,
                    )
                )
            elif mentions(person, a.text):
                held.append(
                    Held(
                        NAME,
                        "Answer that names you",
                        a.id,
                        {"Question": a.question_ref, "Answer": a.text, "Given": _when(a.at)},
                        a.at,
                    )
                )
        return held

    async def _champions_held(self, store: CommunityStore, person: Person) -> list[Held]:
        held: list[Held] = []
        champions = await store.champions()
        for c in champions:
            if person.is_them(c.user_id):
                held.append(
                    Held(
                        NAME,
                        "Digital champion sign-up",
                        f"{c.community_id}:{c.user_id}",
                        {
                            "Community": c.community_id,
                            "Your name": c.name,
                            "Service area": c.service_area,
                            "You can help with": c.can_help_with,
                            "Status": str(c.status),
                            "Decided by": c.decided_by,
                            "Pause reason": c.pause_reason,
                            "Volunteered": _when(c.volunteered_at),
                        },
                        c.volunteered_at,
                    )
                )
            elif person.is_them(c.decided_by):
                held.append(
                    Held(
                        NAME,
                        "Champion sign-up you decided on",
                        f"{c.community_id}:{c.user_id}",
                        {"Community": c.community_id, "Decided by": c.decided_by},
                        c.volunteered_at,
                    )
                )
        return held

    async def _marks_held(self, store: CommunityStore, person: Person) -> list[Held]:
        held: list[Held] = []
        for user_id in sorted(person.ids):
            for kind, target, at in await store.helped_by(user_id):
                what = "an answer" if kind == "answer" else "a knowledge base entry"
                held.append(
                    Held(
                        NAME,
                        f'"Helped me too" on {what}',
                        target,
                        {"You": user_id, "Marked": _when(at)},
                        at,
                    )
                )
            for n in await store.nudges(recipient_id=user_id):
                held.append(
                    Held(
                        NAME,
                        "Question sent to you to answer",
                        n.id,
                        {
                            "Question": n.question_ref,
                            "Sent to": n.recipient_id,
                            "Outcome": str(n.outcome),
                            "Sent": _when(n.sent_at),
                            "Seen": _when(n.seen_at),
                            "Acted on": _when(n.acted_at),
                        },
                        n.sent_at or n.due_at,
                    )
                )
        return held

    async def _communities_held(self, store: CommunityStore, person: Person) -> list[Held]:
        held: list[Held] = []
        for community in await store.communities():
            if person.is_them(community.lead_id):
                held.append(
                    Held(
                        NAME,
                        "Community you lead",
                        community.id,
                        {
                            "Community": community.name,
                            "Lead": community.lead_name,
                            "Lead id": community.lead_id,
                        },
                    )
                )
        return held

    async def _entries_held(
        self, store: CommunityStore, person: Person, asked: list[Question]
    ) -> list[Held]:
        held: list[Held] = []
        refs = {q.reference for q in asked}
        for e in await store.entries(include_retired=True):
            fields: dict[str, str] = {}
            answered = person.named_in(e.answered_by)
            if answered:
                fields["Answered by"] = e.answered_by
            if e.source_question in refs or mentions(person, e.question):
                fields["Question"] = e.question
            if answered or mentions(person, e.answer):
                fields["Answer"] = e.answer
            if fields:
                fields["Community"] = e.community_id
                held.append(Held(NAME, "Knowledge base entry", e.id, fields, e.added_at))
        return held

    async def erase(self, person: Person, stand_in: str, now: dt.datetime) -> Erased:
        store = await self._store()
        done = Erased()
        questions = await self._every_question(store)
        mine = {q.reference for q in questions if person.is_them(q.asker_id)}
        # Knowledge entries first: they are found through the questions' references. An
        # entry is advice a lead reviewed: it stays, without the person's names, ids,
        # email addresses or phone numbers.
        for e in await store.entries(include_retired=True):
            answered = person.named_in(e.answered_by)
            if not (
                answered
                or e.source_question in mine
                or mentions(person, e.question)
                or mentions(person, e.answer)
            ):
                continue
            new = dataclasses.replace(
                e,
                question=person.scrub(e.question),
                answer=person.scrub(e.answer),
                answered_by=ERASED_NAME if answered else e.answered_by,
            )
            if new != e:
                await store.save_entry(new)
                done.count("knowledge base entries")
        for a in await store.all_answers():
            new_answer = self._answer_erased(a, person, stand_in)
            if new_answer != a and await store.replace_answer(new_answer):
                done.count("answers")
        for q in questions:
            if q.reference in mine:
                changed = await store.replace_asker(
                    q.reference, stand_in, ERASED_NAME, gone(q.text)
                )
                done.count("questions", int(changed))
            elif mentions(person, q.text):
                changed = await store.replace_asker(
                    q.reference, q.asker_id, q.asker_name, person.scrub(q.text)
                )
                done.count("questions", int(changed))
        for c in await store.champions():
            if person.is_them(c.user_id):
                await store.delete_champion(c.user_id, c.community_id)
                await store.save_champion(
                    dataclasses.replace(
                        c,
                        user_id=stand_in,
                        name=ERASED_NAME,
                        service_area="",
                        can_help_with=gone(c.can_help_with),
                        status=ChampionStatus.DECLINED,
                        decided_by=stand_in_for(c.decided_by),
                        paused_until=None,
                        paused=True,
                        pause_reason="",
                        unreachable=True,
                        from_group="",
                    )
                )
                done.count("champion sign-ups")
            elif person.is_them(c.decided_by):
                await store.save_champion(dataclasses.replace(c, decided_by=stand_in))
                done.count("champion sign-ups")
        renamed = await store.rename_people(
            lambda user_id: stand_in if person.is_them(user_id) else None
        )
        done.count('"helped me too" marks and nudges', renamed)
        for community in await store.communities():
            if person.is_them(community.lead_id):
                what = f"You lead the {community.name} community"
                done.kept.append(Kept(NAME, what, community.id, LEAD_REASON))
        return done

    @staticmethod
    def _answer_erased(a: Answer, person: Person, stand_in: str) -> Answer:
        """An answer they gave keeps its place (counts stay right) but not their words;
        another person's answer that names them loses their names and contacts."""
        if person.is_them(a.champion_id):
            return dataclasses.replace(
                a, champion_id=stand_in, champion_name=ERASED_NAME, text=gone(a.text)
            )
        if mentions(person, a.text):
            return dataclasses.replace(a, text=person.scrub(a.text))
        return a

    async def retain(self, policy: RetentionPolicy, now: dt.datetime) -> list[Retained]:
        store = await self._store()
        cutoff = policy.cutoff(RetentionKind.QUESTIONS, now)
        old = [q for q in await self._every_question(store) if q.asked_at < cutoff]
        refs = {q.reference for q in old}
        answers = [a for a in await store.all_answers() if a.question_ref in refs]
        # Whose names to take out of the words that stay: each old question's asker and
        # the champions who answered it.
        ids: dict[str, set[str]] = {q.reference: {q.asker_id} for q in old}
        names: dict[str, set[str]] = {q.reference: {q.asker_name} for q in old}
        for a in answers:
            ids[a.question_ref].add(a.champion_id)
            names[a.question_ref].add(a.champion_name)
        # Entries, answers and marks first; the questions last, so a pass cut short is
        # finished by the next one (which finds the questions still to do).
        for e in await store.entries(include_retired=True):
            if e.source_question not in refs:
                continue
            them = people(ids[e.source_question], names[e.source_question] | {e.answered_by})
            entry = dataclasses.replace(
                e,
                question=them.scrub(e.question),
                answer=them.scrub(e.answer),
                answered_by=ERASED_NAME if e.answered_by else "",
            )
            if entry != e:
                await store.save_entry(entry)
        for a in answers:
            new = dataclasses.replace(
                a,
                champion_id=stand_in_for(a.champion_id),
                champion_name=ERASED_NAME if a.champion_name else "",
                text=gone(a.text),
            )
            if new != a:
                await store.replace_answer(new)
        anonymised = 0
        for q in old:
            if _is_anonymised(q):
                continue
            await store.rename_people(_to_pseudonym, q.reference)
            changed = await store.replace_asker(
                q.reference, stand_in_for(q.asker_id), ERASED_NAME, gone(q.text)
            )
            anonymised += int(changed)
        return [Retained(RetentionKind.QUESTIONS, anonymised=anonymised)]


def _to_pseudonym(user_id: str) -> str | None:
    return None if user_id.startswith(STAND_IN_PREFIX) else pseudonym(user_id)


def _is_anonymised(q: Question) -> bool:
    return (
        q.asker_id.startswith(STAND_IN_PREFIX)
        and q.asker_name == ERASED_NAME
        and q.text in ("", ERASED_TEXT)
    )
