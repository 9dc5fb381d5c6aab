"""The communities store on Azure Table storage: one copy shared by every instance.

One table (`<STATE_PREFIX>Communities`), a partition per kind of record:

    community          id                    a community
    champion           community|user        a champion record
    question           YYYY-NNNNNNNNNN       a question (RowKey order is reference order)
    question-key       idempotency key       the reference that key was given
    message            channel message id    the question whose card it is (checked on read)
    reference-counter  year                  the last question number (ReferenceCounter)
    answer             question|a|id         an answer
                       question|best         the last best answer chosen (a write guard)
                       question|h|id|user    someone said that answer helped them
    answer-id          id                    the question an answer belongs to
    entry              e|id                  a knowledge entry
                       h|id|user             someone said that entry helped them
    nudge              question|id           a nudge, with its lease

A RowKey is `key()` parts joined by "|" (a part's own "|" is written %7C, and `key` writes
% as %25, so two different lists of parts never share a RowKey). A question's answers or
nudges are therefore one RowKey range: every list here is one partition query.

Why two instances sharing the table never trip over each other:
- Question numbers come from ReferenceCounter (ETag-guarded). The idempotency key is
  claimed (insert-if-absent) before the question row is written, so asking twice, even on
  two instances at once, keeps one question; an instance that dies between the two writes
  leaves a claimed key that the next try with that key completes.
- A question is saved only if its version, and the row's ETag, are still the ones read.
- Writes to several rows of one partition (the best answer, a "helped" and its count, a
  batch of leases) go as one entity-group transaction, each row guarded by its ETag: all
  or nothing. When another instance changed one of the rows first, each row is decided
  again from a fresh read.
- A nudge is leased by a conditional replace: if two instances claim it at once only one
  ETag matches. An instance that dies holding a lease loses it when LeaseUntil passes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from azure.core import MatchConditions
from azure.data.tables import TableTransactionError, UpdateMode
from azure.data.tables.aio import TableClient

from bot.azure_state.account import AzureState
from bot.azure_state.entities import (
    etag_of,
    get_or_none,
    insert_new,
    key,
    pack,
    replace_if,
    unkey,
    unpack,
)
from bot.azure_state.references import ReferenceCounter
from bot.clock import Clock
from bot.domain.communities import (
    Answer,
    Champion,
    Community,
    KnowledgeEntry,
    Nudge,
    NudgeOutcome,
    NudgeStep,
    Question,
)
from bot.journeys.communities.ports import StaleQuestion
from bot.journeys.communities.records import (
    answer_from,
    champion_from,
    community_from,
    entry_from,
    format_reference,
    parse_reference,
    question_from,
)
from bot.store.times import (
    maybe_time_from,
    maybe_time_text,
    time_from,
    time_text,
)

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

Row = dict[str, Any]

TABLE = "communities"
TRIES = 50  # re-reads after another instance's write: contention settles in a few
BATCH = 100  # the most rows one entity-group transaction may hold
WAITING = str(NudgeOutcome.WAITING)
DELIVERED = str(NudgeOutcome.DELIVERED)


class CommunityStoreBusy(Exception):
    """Every try met another instance's write: the caller says "try again" politely."""


def row_key(*parts: str) -> str:
    """RowKey parts joined by "|", which no part's own text can fake (it is written %7C)."""
    return "|".join(key(part).replace("|", "%7C") for part in parts)


def _question_key(year: int, number: int) -> str:
    """A question's RowKey: numbers zero-padded, so RowKey order is reference order."""
    return f"{year:04d}-{number:010d}"


class AzureCommunityStore:
    """CommunityStore on Azure Table storage, safe for any number of instances at once."""

    def __init__(self, azure: AzureState, clock: Clock) -> None:
        self._azure = azure
        self._clock = clock
        self._table: TableClient | None = None

    async def open(self) -> None:
        self._table = await self._azure.table(TABLE)

    async def close(self) -> None:
        self._table = None  # the AzureState is shared: the app closes it

    @property
    def _t(self) -> TableClient:
        if self._table is None:
            raise RuntimeError("The communities store is not open.")
        return self._table

    # Communities

    async def communities(self) -> list[Community]:
        found = [community_from(unpack(row)) for row in await self._rows("community")]
        return sorted(found, key=lambda c: (c.name, c.id))

    async def community(self, community_id: str) -> Community | None:
        row = await get_or_none(self._t, "community", key(community_id))
        return None if row is None else community_from(unpack(row))

    async def save_community(self, community: Community) -> None:
        row = {"PartitionKey": "community", "RowKey": key(community.id), **pack(_doc(community))}
        await self._t.upsert_entity(row, mode=UpdateMode.REPLACE)

    # Champions

    async def save_champion(self, champion: Champion) -> None:
        await self._t.upsert_entity(_champion_row(champion), mode=UpdateMode.REPLACE)

    async def champion(self, user_id: str, community_id: str) -> Champion | None:
        row = await get_or_none(self._t, "champion", row_key(community_id, user_id))
        return None if row is None else champion_from(unpack(row))

    async def champions(
        self, community_id: str | None = None, user_id: str | None = None
    ) -> list[Champion]:
        rows = await self._champion_rows(community_id, user_id)
        found = [champion_from(unpack(row)) for row in rows]
        return sorted(found, key=lambda c: (c.name, c.user_id, c.community_id))

    async def _champion_rows(self, community_id: str | None, user_id: str | None) -> list[Row]:
        where, values = ("UserId eq @user", {"user": user_id}) if user_id is not None else ("", {})
        within = None if community_id is None else row_key(community_id, "")
        return await self._rows("champion", within, where, **values)

    async def mark_unreachable(self, user_id: str, unreachable: bool = True) -> None:
        def change(row: Row) -> Row | None:
            champion = champion_from(unpack(row))
            if champion.unreachable == unreachable:
                return None
            return _champion_row(dataclasses.replace(champion, unreachable=unreachable))

        await self._change(await self._champion_rows(None, user_id), change)

    # Questions

    async def add_question(self, question: Question, key: str) -> Question:
        """The key is claimed before the question row is written: see the module's note."""
        if not key:
            raise ValueError("A question needs a key so that asking twice keeps it once.")
        time_text(question.asked_at)  # a naive time is refused before a number is used
        kept = await self._asked_before(question, key)
        if kept is not None:
            return kept
        year = question.asked_at.astimezone(dt.UTC).year
        number = await ReferenceCounter(self._t).next_number(year)
        reference = format_reference(year, number)
        claim = {"PartitionKey": "question-key", "RowKey": row_key(key), "Reference": reference}
        if not await insert_new(self._t, claim):
            # Another instance asked with this key at this moment and won: this number is
            # skipped, and both answer with its question.
            kept = await self._asked_before(question, key)
            if kept is None:
                raise CommunityStoreBusy(f"The question with key {key!r} is being saved.")
            return kept
        return await self._put_question(question, reference, key)

    async def _asked_before(self, question: Question, asked: str) -> Question | None:
        """The question kept under the key `asked`: finished from `question` if the
        instance that claimed the key stopped before writing it."""
        claim = await get_or_none(self._t, "question-key", row_key(asked))
        if claim is None:
            return None
        reference = str(claim["Reference"])
        return await self.question(reference) or await self._put_question(
            question, reference, asked
        )

    async def _put_question(self, question: Question, reference: str, asked: str) -> Question:
        new = dataclasses.replace(question, reference=reference, version=1)
        if new.channel_message_id:
            await self._point_message(new)
        row = _question_row(new, asked)
        if await insert_new(self._t, row):
            return question_from(unpack(row))  # as read back: times in UTC
        kept = await self.question(reference)  # another instance finished it first
        if kept is None:
            raise CommunityStoreBusy(f"{reference} is being saved.")
        return kept

    async def question(self, reference: str) -> Question | None:
        wanted = reference.strip().upper()
        try:
            year, number = parse_reference(wanted)
        except ValueError:
            return None
        row = await get_or_none(self._t, "question", _question_key(year, number))
        found = None if row is None else question_from(unpack(row))
        return found if found is not None and found.reference == wanted else None

    async def update_question(self, question: Question) -> Question:
        """Saved only if the row is still the version read (its ETag says nobody wrote
        since): two instances saving one question at once, one gets StaleQuestion."""
        q = question
        try:
            year, number = parse_reference(q.reference)
        except ValueError:
            raise LookupError(f"{q.reference} is not in the store.") from None
        row = await get_or_none(self._t, "question", _question_key(year, number))
        kept = None if row is None else question_from(unpack(row))
        if row is None or kept is None or kept.reference != q.reference:
            raise LookupError(f"{q.reference} is not in the store.")
        if kept.version != q.version:
            raise StaleQuestion(f"{q.reference} changed since it was read.")
        new = dataclasses.replace(
            kept,
            asker_name=q.asker_name,
            text=q.text,
            community_id=q.community_id,
            service_area=q.service_area,
            status=q.status,
            routed_at=q.routed_at,
            first_answer_at=q.first_answer_at,
            resolved_at=q.resolved_at,
            best_answer_id=q.best_answer_id,
            channel_message_id=q.channel_message_id,
            answered_by_entry=q.answered_by_entry,
            version=kept.version + 1,
        )
        entity = _question_row(new, str(row.get("Key", "")))  # also refuses naive times
        if new.channel_message_id and new.channel_message_id != kept.channel_message_id:
            await self._point_message(new)
        if not await replace_if(self._t, entity, etag_of(row)):
            raise StaleQuestion(f"{q.reference} changed since it was read.")
        return question_from(unpack(entity))

    async def questions(
        self,
        status: str | None = None,
        community_id: str | None = None,
        asker_id: str | None = None,
        limit: int = 50,
        after: str = "",
    ) -> list[Question]:
        wanted = {"Status": status, "CommunityId": community_id, "AskerId": asker_id}
        where = [f"{name} eq @{name}" for name, value in wanted.items() if value is not None]
        values: dict[str, Any] = {k: v for k, v in wanted.items() if v is not None}
        if after:
            where.append("RowKey gt @after")
            values["after"] = _question_key(*parse_reference(after))
        if limit <= 0:
            return []
        found: list[Question] = []
        async for row in self._query("question", None, " and ".join(where), values, limit):
            found.append(question_from(unpack(row)))
            if len(found) >= limit:
                break
        return found

    async def question_by_message(self, message_id: str) -> Question | None:
        """Found through its `message` row: every question's message id is pointed to there
        before the question row holds it, so no row there means no such question."""
        if not message_id:
            return None
        pointer = await get_or_none(self._t, "message", row_key(message_id))
        if pointer is None:
            return None
        found = await self.question(str(pointer["Reference"]))
        if found is not None and found.channel_message_id == message_id:
            return found
        # The pointer is stale (its question moved on, or its save failed): ask the rows.
        async for row in self._query("question", None, "MessageId eq @m", {"m": message_id}):
            return question_from(unpack(row))
        return None

    async def _point_message(self, question: Question) -> None:
        row = {
            "PartitionKey": "message",
            "RowKey": row_key(question.channel_message_id),
            "Reference": question.reference,
        }
        await self._t.upsert_entity(row, mode=UpdateMode.REPLACE)

    # Answers

    async def add_answer(self, answer: Answer) -> Answer:
        """Kept once by id: the id's `answer-id` row is claimed first, then the answer."""
        index = {"PartitionKey": "answer-id", "RowKey": row_key(answer.id)}
        if not await insert_new(self._t, {**index, "QuestionRef": answer.question_ref}):
            kept = await self.answer(answer.id)
            if kept is not None:
                return kept
            # Claimed by a save that never finished: nobody has that answer, so this is it.
            await self._t.upsert_entity({**index, "QuestionRef": answer.question_ref})
        row = _answer_row(answer)
        if await insert_new(self._t, row):
            return answer_from(unpack(row))
        kept = await self.answer(answer.id)
        if kept is None:
            raise CommunityStoreBusy(f"Answer {answer.id} is being saved.")
        return kept

    async def answers(self, question_ref: str) -> list[Answer]:
        rows = await self._rows("answer", row_key(question_ref, "a", ""))
        return sorted((answer_from(unpack(row)) for row in rows), key=lambda a: (a.at, a.id))

    async def answer(self, answer_id: str) -> Answer | None:
        row = await self._answer_row(answer_id)
        return None if row is None else answer_from(unpack(row))

    async def _answer_row(self, answer_id: str) -> Any:
        index = await get_or_none(self._t, "answer-id", row_key(answer_id))
        if index is None:
            return None
        return await get_or_none(
            self._t, "answer", row_key(str(index["QuestionRef"]), "a", answer_id)
        )

    async def set_best(self, question_ref: str, answer_id: str) -> None:
        """One transaction: the answers whose mark changes, and the question's `best` row.

        Every choice rewrites that one row, guarded by the ETag it had before the answers
        were read, so of two people choosing at once one transaction fails and is decided
        again from a fresh read: exactly one best is left (the later choice).
        """
        mark = {"PartitionKey": "answer", "RowKey": row_key(question_ref, "best")}
        for _ in range(TRIES):
            guard = await get_or_none(self._t, "answer", mark["RowKey"])  # read it first
            rows = await self._rows("answer", row_key(question_ref, "a", ""))
            answers = [(row, answer_from(unpack(row))) for row in rows]
            if not any(a.id == answer_id for _, a in answers):
                raise LookupError(f"Answer {answer_id} is not an answer to {question_ref}.")
            chosen = {**mark, "AnswerId": answer_id}
            operations = [("create", chosen) if guard is None else _replace(guard, chosen)]
            operations += [
                _replace(row, _answer_row(dataclasses.replace(a, best=a.id == answer_id)))
                for row, a in answers
                if a.best != (a.id == answer_id)
            ]
            if len(operations) > BATCH:
                raise CommunityStoreBusy(f"{question_ref} has too many best answers to change.")
            if await self._transaction(operations):
                return
        raise CommunityStoreBusy(f"Could not choose the best answer to {question_ref}.")

    async def add_helped(self, answer_id: str, user_id: str) -> bool:
        row = await self._answer_row(answer_id)
        if row is None:
            raise LookupError(f"{answer_id} is not in the store.")
        ref = answer_from(unpack(row)).question_ref
        helped = row_key(ref, "h", answer_id, user_id)
        return await self._helped("answer", row_key(ref, "a", answer_id), helped, _answer_counted)

    # Knowledge base

    async def save_entry(self, entry: KnowledgeEntry) -> None:
        await self._t.upsert_entity(_entry_row(entry), mode=UpdateMode.REPLACE)

    async def entry(self, entry_id: str) -> KnowledgeEntry | None:
        row = await get_or_none(self._t, "entry", row_key("e", entry_id))
        return None if row is None else entry_from(unpack(row))

    async def entries(self, include_retired: bool = False) -> list[KnowledgeEntry]:
        """One partition query. Another instance's changes reach this one's search index
        when knowledge_index.Knowledge reads the entries again (at most a minute apart)."""
        where = "" if include_retired else "Retired eq false"
        rows = await self._rows("entry", row_key("e", ""), where)
        return sorted((entry_from(unpack(row)) for row in rows), key=lambda e: (e.added_at, e.id))

    async def add_entry_helped(self, entry_id: str, user_id: str) -> bool:
        helped = row_key("h", entry_id, user_id)
        return await self._helped("entry", row_key("e", entry_id), helped, _entry_counted)

    async def _helped(
        self,
        partition: str,
        target: str,
        helped: str,
        counted: Callable[[Mapping[str, Any]], Row],
    ) -> bool:
        """The person's row and the count go in one transaction (the count guarded by its
        ETag): counted once per person, however many instances are pressed at once."""
        at = time_text(self._clock.now())
        for _ in range(TRIES):
            row = await get_or_none(self._t, partition, target)
            if row is None:
                raise LookupError(f"{target} is not in the store.")
            person = {"PartitionKey": partition, "RowKey": helped, "At": at}
            if await self._transaction([("create", person), _replace(row, counted(unpack(row)))]):
                return True
            if await get_or_none(self._t, partition, helped) is not None:
                return False
        raise CommunityStoreBusy(f"Could not count {helped}.")

    # Nudges

    async def schedule(self, nudges: list[Nudge]) -> int:
        """New nudges a hundred to a transaction; a hundred with one kept already (or one
        named twice), one by one, so only the new ones are added."""
        added = 0
        for start in range(0, len(nudges), BATCH):
            chunk = nudges[start : start + BATCH]
            rows = [_nudge_row(n) for n in chunk]  # refuses a naive time before any write
            if len({n.id for n in chunk}) == len(chunk) and await self._transaction(
                [("create", row) for row in rows]
            ):
                added += len(rows)
            else:
                added += sum([await insert_new(self._t, row) for row in rows])
        return added

    async def claim_due(
        self, now: dt.datetime, owner: str, lease: dt.timedelta, limit: int = 100
    ) -> list[Nudge]:
        """One query for what is due and free, then leases in transactions: see `_change`."""
        if not owner:
            raise ValueError("A lease needs an owner.")
        at, until = time_text(now), time_text(now + lease)
        if limit <= 0:
            return []
        rows = await self._rows(
            "nudge",
            None,
            "Outcome eq @waiting and DueAt le @at and LeaseUntil le @at",
            waiting=WAITING,
            at=at,
        )
        rows.sort(key=lambda row: (row["DueAt"], row["Id"]))

        def lease_it(row: Row) -> Row | None:
            free = not row["LeaseOwner"] or row["LeaseUntil"] <= at
            if row["Outcome"] != WAITING or row["DueAt"] > at or not free:
                return None
            return {**row, "LeaseOwner": owner, "LeaseUntil": until}

        leased: list[Row] = []
        for _ in range(len(rows)):  # bounded: each round uses up some of the rows
            if not rows or len(leased) >= limit:
                break
            batch, rows = rows[: limit - len(leased)], rows[limit - len(leased) :]
            leased += await self._change(batch, lease_it)
        leased.sort(key=lambda row: (row["DueAt"], row["Id"]))
        return [_nudge(row) for row in leased]

    async def finish(
        self, nudge_id: str, owner: str, outcome: NudgeOutcome, at: dt.datetime
    ) -> bool:
        """Record the outcome while `owner` holds the lease and the nudge is still waiting.

        A lease that ran out but nobody else took is still held: better to record a card
        that really went than to let another instance send it again. WAITING gives the
        lease back, for a nudge the owner chose not to send yet.
        """
        sent = time_text(at) if outcome == NudgeOutcome.DELIVERED else ""

        def record(row: Row) -> Row | None:
            if row["LeaseOwner"] != owner or row["Outcome"] != WAITING:
                return None
            if outcome == NudgeOutcome.WAITING:
                return {**row, "LeaseOwner": "", "LeaseUntil": ""}
            return {**row, "Outcome": str(outcome), "SentAt": sent}

        row = await self._find_nudge(nudge_id)
        return row is not None and bool(await self._change([row], record))

    async def _find_nudge(self, nudge_id: str) -> Row | None:
        """A nudge's id starts with its question's reference (`Q-2026-0001:champions:u1`),
        which names its row; an id made otherwise is looked for with a query."""
        found = await get_or_none(self._t, "nudge", row_key(nudge_id.split(":")[0], nudge_id))
        if found is not None:
            return dict(found) | {"__etag": etag_of(found)}
        rows = await self._rows("nudge", None, "Id eq @id", id=nudge_id)
        return rows[0] if rows else None

    async def cancel_waiting(self, question_ref: str) -> int:
        def cancel(row: Row) -> Row | None:
            return {**row, "Outcome": "cancelled"} if row["Outcome"] == WAITING else None

        rows = await self._rows(
            "nudge", row_key(question_ref, ""), "Outcome eq @waiting", waiting=WAITING
        )
        return len(await self._change(rows, cancel))

    async def nudges(
        self, question_ref: str | None = None, recipient_id: str | None = None
    ) -> list[Nudge]:
        rows = await self._nudge_rows(question_ref, recipient_id)
        return sorted((_nudge(row) for row in rows), key=lambda n: (n.due_at, n.id))

    async def _nudge_rows(self, question_ref: str | None, recipient_id: str | None) -> list[Row]:
        within = None if question_ref is None else row_key(question_ref, "")
        if recipient_id is None:
            return await self._rows("nudge", within)
        return await self._rows("nudge", within, "RecipientId eq @r", r=recipient_id)

    async def mark_seen(self, question_ref: str, recipient_id: str, at: dt.datetime) -> None:
        await self._first_time("SeenAt", question_ref, recipient_id, at)

    async def mark_acted(self, question_ref: str, recipient_id: str, at: dt.datetime) -> None:
        await self._first_time("ActedAt", question_ref, recipient_id, at)

    async def _first_time(
        self, column: str, question_ref: str, recipient_id: str, at: dt.datetime
    ) -> None:
        when = time_text(at)

        def first(row: Row) -> Row | None:
            # Only a nudge that was handed to a sender (or kept as delivered) can be seen.
            went = row["Outcome"] == DELIVERED or bool(row["LeaseOwner"])
            return {**row, column: when} if went and not row[column] else None

        await self._change(await self._nudge_rows(question_ref, recipient_id), first)

    async def sent_since(self, since: dt.datetime) -> dict[str, int]:
        rows = await self._rows(
            "nudge",
            None,
            "Outcome eq @delivered and SentAt ge @since",
            delivered=DELIVERED,
            since=time_text(since),
        )
        questions: dict[str, set[str]] = defaultdict(set)
        for row in rows:
            questions[row["RecipientId"]].add(row["QuestionRef"])
        return {person: len(refs) for person, refs in questions.items()}

    # Personal data (bot/journeys/communities/personal_data.py): find, anonymise, remove

    async def all_answers(self) -> list[Answer]:
        """Every answer to every question, oldest first (one partition query)."""
        rows = [row for row in await self._rows("answer") if _part(row["RowKey"], 1) == "a"]
        return sorted((answer_from(unpack(row)) for row in rows), key=lambda a: (a.at, a.id))

    async def replace_asker(
        self, reference: str, asker_id: str, asker_name: str, text: str
    ) -> bool:
        """Write the question's asker and words whoever saved it last (data protection
        wins over a concurrent save, whose next save is then stale): True if changed."""
        try:
            year, number = parse_reference(reference)
        except ValueError:
            return False
        for _ in range(TRIES):
            row = await get_or_none(self._t, "question", _question_key(year, number))
            if row is None:
                return False
            kept = question_from(unpack(row))
            if (kept.asker_id, kept.asker_name, kept.text) == (asker_id, asker_name, text):
                return False
            new = dataclasses.replace(
                kept,
                asker_id=asker_id,
                asker_name=asker_name,
                text=text,
                version=kept.version + 1,
            )
            entity = _question_row(new, str(row.get("Key", "")))
            if await replace_if(self._t, entity, etag_of(row)):
                return True
        raise CommunityStoreBusy(f"Could not change {reference}.")

    async def replace_answer(self, answer: Answer) -> bool:
        """Write the answer's champion id, name and text (nothing else): True if it is kept."""

        def change(row: Row) -> Row | None:
            kept = answer_from(unpack(row))
            new = dataclasses.replace(
                kept,
                champion_id=answer.champion_id,
                champion_name=answer.champion_name,
                text=answer.text,
            )
            return None if new == kept else {**_answer_row(new), "__etag": row.get("__etag")}

        row = await self._answer_row(answer.id)
        if row is None:
            return False
        await self._change([dict(row) | {"__etag": etag_of(row)}], change)
        return True

    async def delete_champion(self, user_id: str, community_id: str) -> bool:
        row = await get_or_none(self._t, "champion", row_key(community_id, user_id))
        if row is None:
            return False
        await self._t.delete_entity("champion", row["RowKey"])
        return True

    async def helped_by(self, user_id: str) -> list[tuple[str, str, dt.datetime]]:
        """What the person said helped them: ("answer" or "entry", its id, when)."""
        found: list[tuple[str, str, dt.datetime]] = []
        for partition, at in (("answer", 1), ("entry", 0)):
            for row in await self._rows(partition):
                parts = _parts(row["RowKey"])
                if len(parts) == at + 3 and parts[at] == "h" and parts[-1] == user_id:
                    kind = "answer" if partition == "answer" else "entry"
                    found.append((kind, parts[at + 1], time_from(row["At"])))
        return sorted(found, key=lambda f: f[2])

    async def rename_people(
        self, rename: Callable[[str], str | None], question_ref: str | None = None
    ) -> int:
        """Each id in "helped" marks and nudges (only one question's, when given) that
        `rename` gives a new id for: an anonymised trace keeps its counts. How many rows
        changed. The id is part of such a row's key, so the row is written under its new
        key first, then the old one is deleted (a pass cut short is finished by the next)."""
        changed = 0
        within = None if question_ref is None else row_key(question_ref, "")
        places = [("answer", 1, within)] + ([("entry", 0, None)] if question_ref is None else [])
        for partition, at, scope in places:
            for row in await self._rows(partition, scope):
                parts = _parts(row["RowKey"])
                if not (len(parts) == at + 3 and parts[at] == "h"):
                    continue
                new = rename(parts[-1])
                if new is None or new == parts[-1]:
                    continue
                moved = {**_plain_row(row), "RowKey": row_key(*parts[:-1], new)}
                await self._t.upsert_entity(moved, mode=UpdateMode.REPLACE)
                await self._t.delete_entity(partition, row["RowKey"])
                changed += 1
        for row in await self._rows("nudge", within):
            new = rename(row["RecipientId"])
            if new is None or new == row["RecipientId"]:
                continue
            nudge = _nudge(row)
            renamed = dataclasses.replace(
                nudge, id=f"{nudge.question_ref}:{nudge.step}:{new}", recipient_id=new
            )
            moved = {
                **_nudge_row(renamed),
                "LeaseOwner": row["LeaseOwner"],
                "LeaseUntil": row["LeaseUntil"],
            }
            await self._t.upsert_entity(moved, mode=UpdateMode.REPLACE)
            await self._t.delete_entity("nudge", row["RowKey"])
            changed += 1
        return changed

    # Reading and writing rows

    def _query(
        self,
        partition: str,
        within: str | None = None,
        where: str = "",
        values: Mapping[str, Any] | None = None,
        page: int = 1000,
    ) -> Any:
        """One partition query: RowKeys starting `within` (a prefix ending "|"), and `where`."""
        clauses = ["PartitionKey eq @partition"]
        parameters: dict[str, Any] = {"partition": partition, **(values or {})}
        if within is not None:
            clauses.append("RowKey ge @low and RowKey lt @high")
            parameters["low"] = within
            parameters["high"] = within[:-1] + chr(ord(within[-1]) + 1)
        if where:  # only "and"s: the SDK's @name substitution splits on spaces, so no ( )
            clauses.append(where)
        return self._t.query_entities(
            " and ".join(clauses), parameters=parameters, results_per_page=min(page, 1000)
        )

    async def _rows(
        self, partition: str, within: str | None = None, where: str = "", **values: Any
    ) -> list[Row]:
        """Every row the query finds, each with its ETag kept (under "__etag")."""
        return [
            dict(row) | {"__etag": etag_of(row)}
            async for row in self._query(partition, within, where, values)
        ]

    async def _change(self, rows: list[Row], change: Callable[[Row], Row | None]) -> list[Row]:
        """Write `change(row)` for each row it changes; the rows written come back.

        First all at once, in one transaction of ETag-guarded replaces (rows of one
        partition). If another instance changed any of them since they were read, nothing
        was written: each row is then read again and decided again on its own, so a row
        another instance took or finished meanwhile is left as that instance left it.
        """
        planned = [(row, new) for row in rows if (new := change(row)) is not None]
        if not planned:
            return []
        one_go = len(planned) <= BATCH and len({row["PartitionKey"] for row, _ in planned}) == 1
        if one_go and await self._transaction([_replace(row, new) for row, new in planned]):
            return [new for _, new in planned]
        written: list[Row] = []
        for row, _ in planned:
            for _ in range(TRIES):
                fresh = await get_or_none(self._t, row["PartitionKey"], row["RowKey"])
                new = None if fresh is None else change(dict(fresh))
                if fresh is None or new is None:
                    break
                if await replace_if(self._t, _plain_row(new), etag_of(fresh)):
                    written.append(new)
                    break
        return written

    async def _transaction(self, operations: list[tuple[Any, ...]]) -> bool:
        """True if every operation was done; False (and none done) if one was refused:
        an ETag no longer matched, or a row to create was there already."""
        if not operations:
            return True
        try:
            await self._t.submit_transaction(operations)
        except TableTransactionError:
            return False
        return True


def _replace(row: Row, new: Row) -> tuple[str, Row, dict[str, Any]]:
    """A transaction's replace of `row`, refused if its ETag changed since it was read."""
    etag = row.get("__etag") or etag_of(row)
    guard = {"etag": etag, "match_condition": MatchConditions.IfNotModified}
    return ("update", _plain_row(new), {"mode": UpdateMode.REPLACE, **guard})


def _parts(row_key_text: str) -> list[str]:
    """A RowKey's parts as they were given to `row_key` (its escapes undone)."""
    return [unkey(part) for part in row_key_text.split("|")]


def _part(row_key_text: str, index: int) -> str:
    parts = _parts(row_key_text)
    return parts[index] if index < len(parts) else ""


def _plain_row(row: Mapping[str, Any]) -> Row:
    return {name: value for name, value in row.items() if name != "__etag"}


# Records as rows -----------------------------------------------------------------------


def _doc(record: DataclassInstance) -> dict[str, Any]:
    """A record as JSON: times as UTC text (naive ones refused), days as ISO dates."""
    return {f.name: _plain(getattr(record, f.name)) for f in dataclasses.fields(record)}


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return time_text(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


def _champion_row(champion: Champion) -> Row:
    return {
        "PartitionKey": "champion",
        "RowKey": row_key(champion.community_id, champion.user_id),
        "UserId": champion.user_id,
        **pack(_doc(champion)),
    }


def _question_row(question: Question, idempotency_key: str) -> Row:
    year, number = parse_reference(question.reference)
    return {
        "PartitionKey": "question",
        "RowKey": _question_key(year, number),
        "Key": idempotency_key,
        "Status": str(question.status),
        "CommunityId": question.community_id,
        "AskerId": question.asker_id,
        "MessageId": question.channel_message_id,
        **pack(_doc(question)),
    }


def _answer_row(answer: Answer) -> Row:
    return {
        "PartitionKey": "answer",
        "RowKey": row_key(answer.question_ref, "a", answer.id),
        **pack(_doc(answer)),
    }


def _entry_row(entry: KnowledgeEntry) -> Row:
    return {
        "PartitionKey": "entry",
        "RowKey": row_key("e", entry.id),
        "Retired": entry.retired,
        **pack(_doc(entry)),
    }


def _nudge_row(nudge: Nudge) -> Row:
    """A nudge as plain properties (all text, "" for none): they are what the queries ask."""
    n = nudge
    return {
        "PartitionKey": "nudge",
        "RowKey": row_key(n.question_ref, n.id),
        "Id": n.id,
        "QuestionRef": n.question_ref,
        "Step": str(n.step),
        "RecipientId": n.recipient_id,
        "DueAt": time_text(n.due_at),
        "Outcome": str(n.outcome),
        "SentAt": maybe_time_text(n.sent_at) or "",
        "SeenAt": maybe_time_text(n.seen_at) or "",
        "ActedAt": maybe_time_text(n.acted_at) or "",
        "LeaseOwner": "",
        "LeaseUntil": "",
    }


def _answer_counted(doc: Mapping[str, Any]) -> Row:
    """The answer's row with one more "helped"."""
    answer = answer_from(doc)
    return _answer_row(dataclasses.replace(answer, helped_count=answer.helped_count + 1))


def _entry_counted(doc: Mapping[str, Any]) -> Row:
    entry = entry_from(doc)
    return _entry_row(dataclasses.replace(entry, helped_count=entry.helped_count + 1))


def _nudge(row: Mapping[str, Any]) -> Nudge:
    def when(name: str) -> dt.datetime | None:
        return maybe_time_from(row[name] or None)

    return Nudge(
        id=row["Id"],
        question_ref=row["QuestionRef"],
        step=NudgeStep(row["Step"]),
        recipient_id=row["RecipientId"],
        due_at=time_from(row["DueAt"]),
        outcome=NudgeOutcome(row["Outcome"]),
        sent_at=when("SentAt"),
        seen_at=when("SeenAt"),
        acted_at=when("ActedAt"),
    )
