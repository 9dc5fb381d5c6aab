"""The bot's own working state on Azure Table storage, shared by every instance.

The same promises as SqliteWorkingState (bot/store/working.py): drafts, channels and
personal chats, once-only keys, people and journeys' records. Where two instances may
write the same row at once, the write is conditional (insert only if new, or replace only
if unchanged since it was read: its ETag), so one of them wins and the other is told.

Tables (each key is `bounded_key` of the text, so any text fits):
- drafts: partition the owner, row the form; the answers as JSON; the draft's etag is
  the row's ETag.
- conversations: partition "channel" (row the purpose) or "chat" (row the user id).
- once: partition "invoke" (row the invoke key, the first answer) or "claim" (row the
  notification key, with HeldUntil while held; a sent key has none).
- people: one partition, row the user id, so many people are read by a few queries.
- records: partition the kind; `seq|<seq>` rows in order, `key|<key>` rows to keep
  each key once, and a `counter` row with the last seq given.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from collections.abc import Iterable, Mapping
from typing import Any

from azure.core import MatchConditions
from azure.core.exceptions import ResourceNotFoundError
from azure.data.tables import UpdateMode
from azure.data.tables.aio import TableClient

from bot.azure_state.account import AzureState
from bot.azure_state.entities import (
    as_int,
    bounded_key,
    etag_of,
    get_or_none,
    insert_new,
    int64,
    pack,
    replace_if,
    replace_op,
    stamp,
    transact,
    unpack,
)
from bot.clock import Clock
from bot.domain.model import Draft
from bot.ports import CLAIM_HOLD, ChangedBySomeoneElse, Record

CHANNELS, CHATS = "channel", "chat"
INVOKES, CLAIMS = "invoke", "claim"
PEOPLE = "person"
PEOPLE_PER_QUERY = 15  # row keys in one OR filter: short enough for any URL
QUERIES_AT_ONCE = 8  # so a council-wide list does not open hundreds of connections
COUNTER = "counter"
SEQ_DIGITS = 20  # seq rows sort as numbers do
TRIES = 200  # contention on one kind's counter settles in a few; this bounds a storm


class RecordsBusy(Exception):
    """Every try to keep a record met another instance's write to the same kind."""


class AzureWorkingState:
    """DraftStore, ChannelDirectory, OnceOnly and RecordStore on Azure Table storage.

    `azure` is shared by the whole process: `close` leaves it open (the app closes it)."""

    def __init__(self, azure: AzureState, clock: Clock) -> None:
        self._azure = azure
        self._clock = clock

    async def open(self) -> None:
        for name in ("drafts", "conversations", "once", "people", "records"):
            await self._azure.table(name)  # made now, so the first turn does not wait

    async def close(self) -> None:
        return None

    # Drafts ----------------------------------------------------------------------------

    async def get_draft(self, owner_id: str, form: str) -> Draft | None:
        table = await self._azure.table("drafts")
        found = await get_or_none(table, bounded_key(owner_id), bounded_key(form))
        return None if found is None else _draft(found, etag_of(found))

    async def save_draft(self, draft: Draft) -> Draft:
        """With an etag, saved only if nobody saved the draft since it was read (the row's
        ETag): one conditional write, so two instances can never both save over one read."""
        table = await self._azure.table("drafts")
        entity = _draft_entity(draft)
        if not draft.etag:
            written = await table.upsert_entity(entity, mode=UpdateMode.REPLACE)
        else:
            try:
                written = await table.update_entity(
                    entity,
                    mode=UpdateMode.REPLACE,
                    etag=draft.etag,
                    match_condition=MatchConditions.IfNotModified,
                )
            except Exception as error:
                if _refused(error):
                    raise ChangedBySomeoneElse("This draft changed since it was opened.") from None
                raise
        return _draft(entity, str(written["etag"]))

    async def delete_draft(self, owner_id: str, form: str) -> None:
        table = await self._azure.table("drafts")
        await table.delete_entity(bounded_key(owner_id), bounded_key(form))

    # Channels and personal chats -------------------------------------------------------

    async def register_channel(
        self, purpose: str, reference: dict[str, Any], registered_by: str
    ) -> None:
        table = await self._azure.table("conversations")
        entity = {
            "PartitionKey": CHANNELS,
            "RowKey": bounded_key(purpose),
            "Purpose": purpose,
            "RegisteredBy": registered_by,
            "RegisteredAt": self._clock.now().isoformat(),
            **pack(reference),
        }
        await table.upsert_entity(entity, mode=UpdateMode.REPLACE)

    async def channel(self, purpose: str) -> dict[str, Any] | None:
        table = await self._azure.table("conversations")
        found = await get_or_none(table, CHANNELS, bounded_key(purpose))
        return None if found is None else dict(unpack(found))

    async def channel_purposes(self) -> list[str]:
        table = await self._azure.table("conversations")
        rows = table.query_entities(
            "PartitionKey eq @p", parameters={"p": CHANNELS}, select=["Purpose"]
        )
        return sorted([str(row["Purpose"]) async for row in rows])

    async def remember_personal_chat(self, user_id: str, reference: dict[str, Any]) -> None:
        table = await self._azure.table("conversations")
        entity = {"PartitionKey": CHATS, "RowKey": bounded_key(user_id), **pack(reference)}
        await table.upsert_entity(entity, mode=UpdateMode.REPLACE)

    async def personal_chat(self, user_id: str) -> dict[str, Any] | None:
        table = await self._azure.table("conversations")
        found = await get_or_none(table, CHATS, bounded_key(user_id))
        return None if found is None else dict(unpack(found))

    # Once only -------------------------------------------------------------------------

    async def handled_invoke(self, key: str) -> dict[str, Any] | None:
        table = await self._azure.table("once")
        found = await get_or_none(table, INVOKES, bounded_key(key))
        return None if found is None else dict(unpack(found))

    async def remember_invoke(self, key: str, response: dict[str, Any]) -> None:
        """The first answer stays: the row is only ever inserted, never replaced, so of two
        instances answering one invoke at once the first to write is the one kept."""
        table = await self._azure.table("once")
        entity = {
            "PartitionKey": INVOKES,
            "RowKey": bounded_key(key),
            "At": self._clock.now().isoformat(),
            **pack(response),
        }
        await insert_new(table, entity)

    async def claim_notification(self, key: str, hold: dt.timedelta = CLAIM_HOLD) -> bool:
        """OnceOnly.claim_notification. A new key is claimed by inserting its row (only one
        insert can succeed); a claim whose hold has run out is taken over by replacing the
        row only if it is unchanged since it was read (its ETag), so of two instances
        taking it over at once exactly one wins. A sent key's row has no HeldUntil."""
        table = await self._azure.table("once")
        now = self._clock.now()
        row = bounded_key(key)
        claim = {
            "PartitionKey": CLAIMS,
            "RowKey": row,
            "At": stamp(now),
            "HeldUntil": stamp(now + hold),
        }
        if await insert_new(table, claim):
            return True
        found = await get_or_none(table, CLAIMS, row)
        if found is None:  # released between the two calls: claim it anew
            return await insert_new(table, claim)
        held_until = str(found.get("HeldUntil") or "")
        if not held_until or held_until > stamp(now):
            return False  # sent, or still held
        return await replace_if(table, claim, etag_of(found))

    async def notification_sent(self, key: str) -> None:
        table = await self._azure.table("once")
        at = stamp(self._clock.now())
        entity = {"PartitionKey": CLAIMS, "RowKey": bounded_key(key), "At": at}
        await table.upsert_entity(entity, mode=UpdateMode.REPLACE)

    async def release_notification(self, key: str) -> None:
        table = await self._azure.table("once")
        await table.delete_entity(CLAIMS, bounded_key(key))

    # People ----------------------------------------------------------------------------

    async def remember_person(self, user_id: str, teams_id: str, name: str) -> None:
        table = await self._azure.table("people")
        entity = {
            "PartitionKey": PEOPLE,
            "RowKey": bounded_key(user_id),
            "UserId": user_id,
            "TeamsId": teams_id,
            "Name": name,
        }
        await table.upsert_entity(entity, mode=UpdateMode.REPLACE)

    async def people(self, user_ids: frozenset[str]) -> dict[str, tuple[str, str]]:
        """Known Teams ids and names of these people: a query per PEOPLE_PER_QUERY ids,
        QUERIES_AT_ONCE at a time, rather than a read per person."""
        if not user_ids:
            return {}
        table = await self._azure.table("people")
        ids = sorted(user_ids)
        chunks = [ids[i : i + PEOPLE_PER_QUERY] for i in range(0, len(ids), PEOPLE_PER_QUERY)]
        found: dict[str, tuple[str, str]] = {}
        for at in range(0, len(chunks), QUERIES_AT_ONCE):
            wave = chunks[at : at + QUERIES_AT_ONCE]
            for rows in await asyncio.gather(*(_people(table, chunk) for chunk in wave)):
                for row in rows:
                    if (user_id := str(row["UserId"])) in user_ids:
                        found[user_id] = (str(row["TeamsId"]), str(row["Name"]))
        return found

    # Records ---------------------------------------------------------------------------

    async def add_record(self, record: Record) -> bool:
        """Keep it once, under the next seq of its kind.

        One entity-group transaction (a kind is one partition) moves the kind's counter on
        (only if unchanged since it was read: its ETag), inserts the `key|` row (only if
        the key is new) and inserts the record's `seq|` row: all or nothing. So a seq is
        never given twice, a key is never kept twice, and seqs become visible in order (the
        next seq can only be taken once this one is written), so a reader going on from
        the last seq it saw never skips one written later by a slower instance."""
        table = await self._azure.table("records")
        partition = bounded_key(record.kind)
        key_row = f"key|{bounded_key(record.key)}"
        for attempt in range(TRIES):
            counter, kept = await asyncio.gather(
                get_or_none(table, partition, COUNTER), get_or_none(table, partition, key_row)
            )
            if kept is not None:
                return False  # kept already (by us before, or another instance)
            seq = (as_int(counter["Last"]) if counter is not None else 0) + 1
            moved = {"PartitionKey": partition, "RowKey": COUNTER, "Last": int64(seq)}
            operations: list[Any] = [
                ("create", moved) if counter is None else replace_op(moved, etag_of(counter)),
                ("create", {"PartitionKey": partition, "RowKey": key_row, "Seq": int64(seq)}),
                ("create", _record_entity(partition, record, seq)),
            ]
            if await transact(table, operations):
                return True
            # The counter moved on, or the key was just kept: read both again.
            await asyncio.sleep(random.uniform(0, min(0.05, 0.002 * (attempt + 1))))
        raise RecordsBusy(f"No seq for a {record.kind!r} record after {TRIES} tries")

    async def records(self, kind: str, after_seq: int = 0, limit: int = 500) -> list[Record]:
        if limit <= 0:
            return []
        table = await self._azure.table("records")
        rows = table.query_entities(
            "PartitionKey eq @p and RowKey gt @after and RowKey lt @end",
            parameters={
                "p": bounded_key(kind),
                "after": _seq_row(max(after_seq, 0)),
                "end": "seq|~",
            },
            results_per_page=min(limit, 1000),
        )
        found: list[Record] = []
        async for row in rows:
            found.append(_record(kind, row))
            if len(found) >= limit:
                break
        return found


def _refused(error: Exception) -> bool:
    """A conditional write refused: the row changed (412) or is gone (404)."""
    if isinstance(error, ResourceNotFoundError):
        return True
    return getattr(error, "status_code", None) in (404, 412)


def _draft_entity(draft: Draft) -> dict[str, Any]:
    return {
        "PartitionKey": bounded_key(draft.owner_id),
        "RowKey": bounded_key(draft.form),
        "OwnerId": draft.owner_id,
        "Form": draft.form,
        "DraftId": draft.draft_id,
        "Step": draft.step,
        "UpdatedAt": draft.updated_at.isoformat(),
        **pack(draft.values),
    }


def _draft(entity: Mapping[str, Any], etag: str) -> Draft:
    return Draft(
        owner_id=str(entity["OwnerId"]),
        form=str(entity["Form"]),
        draft_id=str(entity["DraftId"]),
        step=as_int(entity["Step"]),
        values=unpack(entity),
        updated_at=dt.datetime.fromisoformat(str(entity["UpdatedAt"])),
        etag=etag,
    )


async def _people(table: TableClient, user_ids: Iterable[str]) -> list[Any]:
    rows = [bounded_key(user_id) for user_id in user_ids]
    either = " or ".join(f"RowKey eq @r{n}" for n in range(len(rows)))
    parameters = {"p": PEOPLE, **{f"r{n}": row for n, row in enumerate(rows)}}
    # Spaces inside the brackets: the client finds each @name between spaces.
    found = table.query_entities(f"PartitionKey eq @p and ( {either} )", parameters=parameters)
    return [row async for row in found]


def _seq_row(seq: int) -> str:
    return f"seq|{seq:0{SEQ_DIGITS}d}"


def _record_entity(partition: str, record: Record, seq: int) -> dict[str, Any]:
    return {
        "PartitionKey": partition,
        "RowKey": _seq_row(seq),
        "Key": record.key,
        "OwnerId": record.owner_id,
        "At": record.at.isoformat(),
        "Seq": int64(seq),
        **pack(record.data),
    }


def _record(kind: str, entity: Mapping[str, Any]) -> Record:
    return Record(
        kind=kind,
        key=str(entity["Key"]),
        owner_id=str(entity["OwnerId"]),
        at=dt.datetime.fromisoformat(str(entity["At"])),
        data=unpack(entity),
        seq=as_int(entity["Seq"]),
    )
