"""The bot's own working state on Azure Table storage, shared by every instance.

The same promises as SqliteWorkingState (bot/store/working.py): drafts, channels and
personal chats, once-only keys, people and journeys' records. Where two instances may
write the same row at once, the write is conditional (insert only if new, or replace only
if unchanged since it was read: its ETag), so one of them wins and the other is told.

Tables (each key is `bounded_key` of the text, so any text fits):
- drafts: partition the owner, row the form; the answers as JSON; the draft's etag is
  the row's ETag.
- conversations: partition "channel" (row the purpose) or "chat" (row the user id, with
  SeenAt: when the person was last seen).
- once: partition "invoke" (row the invoke key, the first answer) or "claim" (row the
  notification key, with HeldUntil while held; a sent key has none). Both keep the key
  itself in Key too, so a key that names a person can be found again.
- people: one partition, row the user id (with SeenAt), so many people are read by a
  few queries.
- records: partition the kind; `seq|<seq>` rows in order (with Kind), `key|<key>` rows to
  keep each key once, and a `counter` row with the last seq given. A deleted record's
  `seq|` and `key|` rows go, and a `gone|<hash of kind and key>` row keeps its key taken
  without keeping the key itself.

Rows written before SeenAt or Key were kept: a row with no SeenAt counts as seen at the
first retention pass that finds it (it is stamped then); a key with no Key property is read
back from its row key (`unkey`), unless it was cut for length.
"""

from __future__ import annotations

import asyncio
import dataclasses
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
    delete_if,
    etag_of,
    get_or_none,
    insert_new,
    int64,
    pack,
    replace_if,
    replace_op,
    stamp,
    transact,
    unkey,
    unpack,
)
from bot.clock import Clock
from bot.domain.model import Draft
from bot.ports import CLAIM_HOLD, ChangedBySomeoneElse, Record
from bot.store.conversations import name_words, registered_by, registrar_forgotten
from bot.store.once import INVOKE_CLAIMS, answer_needles, is_past, names_any
from bot.store.records import gone_key

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

    async def create_draft(self, draft: Draft) -> Draft | None:
        table = await self._azure.table("drafts")
        if not await insert_new(table, _draft_entity(draft)):
            return None
        return await self.get_draft(draft.owner_id, draft.form)

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
        entity = {
            "PartitionKey": CHATS,
            "RowKey": bounded_key(user_id),
            "SeenAt": stamp(self._clock.now()),
            **pack(reference),
        }
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
            "Key": key,
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
            "Key": key,
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
        entity = {"PartitionKey": CLAIMS, "RowKey": bounded_key(key), "Key": key, "At": at}
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
            "SeenAt": stamp(self._clock.now()),
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
            # Read after the key row: a delete takes the key row and writes this one at once.
            if await get_or_none(table, partition, _gone_row(record.kind, record.key)):
                return False  # kept once and deleted since: never kept again
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

    # Personal data (WorkingPersonalData) -------------------------------------------------

    async def replace_record(self, record: Record) -> bool:
        """The `seq|` row is replaced only if unchanged since read (its ETag); its seq and
        time stay."""
        table = await self._azure.table("records")
        partition = bounded_key(record.kind)
        for _ in range(TRIES):
            kept = await get_or_none(table, partition, f"key|{bounded_key(record.key)}")
            if kept is None:
                return False
            seq = as_int(kept["Seq"])
            found = await get_or_none(table, partition, _seq_row(seq))
            if found is None:
                return False
            at = dt.datetime.fromisoformat(str(found["At"]))
            entity = _record_entity(partition, dataclasses.replace(record, at=at), seq)
            if await replace_if(table, entity, etag_of(found)):
                return True
        raise RecordsBusy(f"A {record.kind!r} record kept changing while it was replaced")

    async def delete_record(self, kind: str, key: str) -> bool:
        """One transaction: the `seq|` and `key|` rows go and the `gone|` row comes."""
        table = await self._azure.table("records")
        partition = bounded_key(kind)
        key_row = f"key|{bounded_key(key)}"
        for _ in range(TRIES):
            kept = await get_or_none(table, partition, key_row)
            if kept is None:
                return False
            seq_row = _seq_row(as_int(kept["Seq"]))
            found = await get_or_none(table, partition, seq_row)
            operations: list[Any] = [
                (
                    "delete",
                    {"PartitionKey": partition, "RowKey": key_row},
                    {"etag": etag_of(kept), "match_condition": MatchConditions.IfNotModified},
                ),
                (
                    "upsert",
                    {"PartitionKey": partition, "RowKey": _gone_row(kind, key)},
                    {"mode": UpdateMode.REPLACE},
                ),
            ]
            if found is not None:
                operations.append(
                    (
                        "delete",
                        {"PartitionKey": partition, "RowKey": seq_row},
                        {"etag": etag_of(found), "match_condition": MatchConditions.IfNotModified},
                    )
                )
            if await transact(table, operations):
                return True
        raise RecordsBusy(f"A {kind!r} record kept changing while it was deleted")

    async def records_of(self, owner_id: str, limit: int = 10_000) -> list[Record]:
        """Every kind's `seq|` rows with this OwnerId (one query across the table), in the
        order kept: by time, then seq."""
        if limit <= 0:
            return []
        table = await self._azure.table("records")
        rows = table.query_entities("OwnerId eq @o", parameters={"o": owner_id})
        found = [_record(_kind_of(row), row) async for row in rows]
        found.sort(key=lambda record: (record.at, record.seq))
        return found[:limit]

    async def drafts_of(self, owner_id: str) -> list[Draft]:
        table = await self._azure.table("drafts")
        rows = table.query_entities("PartitionKey eq @p", parameters={"p": bounded_key(owner_id)})
        found = [_draft(row, etag_of(row)) async for row in rows]
        return sorted((d for d in found if d.owner_id == owner_id), key=lambda d: d.form)

    async def delete_drafts_before(self, cutoff: dt.datetime) -> int:
        """Each old draft is deleted only if unchanged since read: a draft saved again
        meanwhile is not old any more."""
        table = await self._azure.table("drafts")
        rows = table.query_entities(
            "PartitionKey ne ''", select=["PartitionKey", "RowKey", "UpdatedAt"]
        )
        old = [
            row async for row in rows if dt.datetime.fromisoformat(str(row["UpdatedAt"])) < cutoff
        ]
        gone = 0
        for row in old:
            gone += await delete_if(table, row["PartitionKey"], row["RowKey"], etag_of(row))
        return gone

    async def last_seen(self, user_id: str) -> dt.datetime | None:
        chats, people = await asyncio.gather(
            self._azure.table("conversations"), self._azure.table("people")
        )
        found = await asyncio.gather(
            get_or_none(chats, CHATS, bounded_key(user_id)),
            get_or_none(people, PEOPLE, bounded_key(user_id)),
        )
        seen = [str(row["SeenAt"]) for row in found if row is not None and row.get("SeenAt")]
        return dt.datetime.fromisoformat(max(seen)) if seen else None

    async def find_people(self, name: str) -> dict[str, tuple[str, str]]:
        """People whose display name holds every word typed, ignoring case and spacing."""
        wanted = name_words(name)
        if not wanted:
            return {}
        table = await self._azure.table("people")
        rows = table.query_entities(
            "PartitionKey eq @p", parameters={"p": PEOPLE}, select=["UserId", "TeamsId", "Name"]
        )
        return {
            str(row["UserId"]): (str(row["TeamsId"]), str(row["Name"]))
            async for row in rows
            if wanted <= name_words(str(row["Name"]))
        }

    async def channels_registered_by(
        self, user_ids: frozenset[str]
    ) -> dict[str, tuple[str, dict[str, Any]]]:
        table = await self._azure.table("conversations")
        rows = table.query_entities("PartitionKey eq @p", parameters={"p": CHANNELS})
        found = {}
        async for row in rows:
            by, reference = str(row.get("RegisteredBy") or ""), dict(unpack(row))
            if registered_by(by, reference, user_ids):
                found[str(row["Purpose"])] = (by, reference)
        return dict(sorted(found.items()))

    async def forget_channel_registrar(self, user_ids: frozenset[str], stand_in: str) -> int:
        """Each channel is rewritten only if unchanged since it was read (its ETag); one
        registered again meanwhile is read again."""
        table = await self._azure.table("conversations")
        changed = 0
        for _ in range(TRIES):
            rows = table.query_entities("PartitionKey eq @p", parameters={"p": CHANNELS})
            raced = False
            for row in [row async for row in rows]:
                by, reference = str(row.get("RegisteredBy") or ""), dict(unpack(row))
                new_by, new_reference = registrar_forgotten(by, reference, user_ids, stand_in)
                if (new_by, new_reference) == (by, reference):
                    continue
                entity = {
                    "PartitionKey": CHANNELS,
                    "RowKey": row["RowKey"],
                    "Purpose": row["Purpose"],
                    "RegisteredBy": new_by,
                    "RegisteredAt": row.get("RegisteredAt", ""),
                    **pack(new_reference),
                }
                if await replace_if(table, entity, etag_of(row)):
                    changed += 1
                else:
                    raced = True
            if not raced:
                return changed
        raise RecordsBusy("Channels kept changing while a registrar was being forgotten.")

    async def forget_person(self, user_id: str) -> int:
        gone = 0
        for name, partition in (("conversations", CHATS), ("people", PEOPLE)):
            table = await self._azure.table(name)
            found = await get_or_none(table, partition, bounded_key(user_id))
            if found is not None:
                await table.delete_entity(partition, bounded_key(user_id))
                gone += 1
        return gone

    async def forget_unseen_since(self, cutoff: dt.datetime) -> int:
        """A row seen again meanwhile is kept (each delete is conditional on its ETag). A
        row from before SeenAt was kept is stamped now instead, and goes a period later."""
        before, now = stamp(cutoff), stamp(self._clock.now())
        gone = 0
        for name, partition in (("conversations", CHATS), ("people", PEOPLE)):
            table = await self._azure.table(name)
            rows = table.query_entities(
                "PartitionKey eq @p", parameters={"p": partition}, select=["RowKey", "SeenAt"]
            )
            async for row in rows:
                seen = row.get("SeenAt")
                if not seen:
                    stamped = {"PartitionKey": partition, "RowKey": row["RowKey"], "SeenAt": now}
                    await table.update_entity(stamped, mode=UpdateMode.MERGE)
                elif str(seen) < before:
                    gone += await delete_if(table, partition, row["RowKey"], etag_of(row))
        return gone

    async def forget_invokes_before(self, cutoff: dt.datetime) -> int:
        table = await self._azure.table("once")
        rows = table.query_entities(
            "PartitionKey eq @p", parameters={"p": INVOKES}, select=["RowKey", "At"]
        )
        old = [
            str(row["RowKey"])
            async for row in rows
            if dt.datetime.fromisoformat(str(row["At"])) < cutoff
        ]
        for row_key in old:
            await table.delete_entity(INVOKES, row_key)
        return len(old) + await self.forget_sent_before((INVOKE_CLAIMS,), cutoff)

    async def forget_sent_before(self, prefixes: tuple[str, ...], cutoff: dt.datetime) -> int:
        """Sent-notification keys starting with one of `prefixes` kept before `cutoff`
        (each deleted only if unchanged since it was read)."""
        if not prefixes:
            return 0
        table = await self._azure.table("once")
        rows = table.query_entities(
            "PartitionKey eq @p", parameters={"p": CLAIMS}, select=["RowKey", "Key", "At"]
        )
        old = [
            row
            async for row in rows
            if (text := _key_text(row)) is not None
            and text.startswith(prefixes)
            and is_past(row.get("At"), cutoff)
        ]
        gone = 0
        for row in old:
            gone += await delete_if(table, CLAIMS, str(row["RowKey"]), etag_of(row))
        return gone

    async def forget_keys_naming(self, user_id: str, stand_in: str) -> int:
        """Claim rows whose key holds the id are moved to the key with the stand-in (one
        transaction each); stored answers to the person's presses (keys ending "|<id>")
        are deleted."""
        if not user_id:
            return 0
        table = await self._azure.table("once")
        changed = 0
        claims = table.query_entities("PartitionKey eq @p", parameters={"p": CLAIMS})
        for row in [row async for row in claims]:
            text = _key_text(row)
            if text is None or user_id not in text:
                continue
            new = text.replace(user_id, stand_in)
            moved = {"PartitionKey": CLAIMS, "RowKey": bounded_key(new), "Key": new}
            moved.update({k: row[k] for k in ("At", "HeldUntil") if row.get(k)})
            operations: list[Any] = [
                ("delete", {"PartitionKey": CLAIMS, "RowKey": row["RowKey"]}),
                ("upsert", moved, {"mode": UpdateMode.REPLACE}),
            ]
            changed += await transact(table, operations)
        invokes = table.query_entities(
            "PartitionKey eq @p", parameters={"p": INVOKES}, select=["RowKey", "Key"]
        )
        for row in [row async for row in invokes]:
            text = _key_text(row)
            if text is not None and text.endswith(f"|{user_id}"):
                await table.delete_entity(INVOKES, row["RowKey"])
                changed += 1
        return changed

    async def forget_answers_naming(self, texts: frozenset[str]) -> int:
        wanted = answer_needles(texts)
        if not wanted:
            return 0
        table = await self._azure.table("once")
        rows = table.query_entities("PartitionKey eq @p", parameters={"p": INVOKES})
        naming = [str(row["RowKey"]) async for row in rows if names_any(unpack(row), wanted)]
        for row_key in naming:
            await table.delete_entity(INVOKES, row_key)
        return len(naming)


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
        "Kind": record.kind,
        "OwnerId": record.owner_id,
        "At": record.at.isoformat(),
        "Seq": int64(seq),
        **pack(record.data),
    }


def _gone_row(kind: str, key: str) -> str:
    return f"gone|{gone_key(kind, key)}"


def _kind_of(entity: Mapping[str, Any]) -> str:
    """The kind of a `seq|` row: its Kind, or (rows kept before Kind was) its partition."""
    if kind := entity.get("Kind"):
        return str(kind)
    return _text_of_key(str(entity["PartitionKey"])) or str(entity["PartitionKey"])


def _text_of_key(row_key: str) -> str | None:
    """The text a row key was made from, unless it was cut for length."""
    return None if "%~" in row_key else unkey(row_key)


def _key_text(entity: Mapping[str, Any]) -> str | None:
    """An invoke's or claim's key: its Key, or (rows from before Key was kept) its row key."""
    if (kept := entity.get("Key")) is not None:
        return str(kept)
    return _text_of_key(str(entity["RowKey"]))


def _record(kind: str, entity: Mapping[str, Any]) -> Record:
    return Record(
        kind=kind,
        key=str(entity["Key"]),
        owner_id=str(entity["OwnerId"]),
        at=dt.datetime.fromisoformat(str(entity["At"])),
        data=unpack(entity),
        seq=as_int(entity["Seq"]),
    )
