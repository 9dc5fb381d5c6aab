"""Small, shared ways of keeping records in Table storage.

- `key`: any text as a PartitionKey or RowKey (which may not hold / \\ # ? or control
  characters).
- `pack` / `unpack`: a JSON document in an entity, split over as many properties as it
  needs (one string property holds at most 64 KiB).
- `insert_new`, `replace_if`, `get_or_none`: conditional writes, answered as True or False
  rather than exceptions. A claim is an insert that fails if the row exists, or a replace
  that fails if someone changed the row since it was read (its ETag): this is how two
  instances agree who does a piece of work.
- `claim_lease`: a row held by one holder until a time; anyone may take it after that, so
  work an instance dies holding is taken over by another.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from azure.core import MatchConditions
from azure.core.exceptions import (
    HttpResponseError,
    ResourceExistsError,
    ResourceModifiedError,
    ResourceNotFoundError,
)
from azure.data.tables import EdmType, EntityProperty, TableTransactionError, UpdateMode
from azure.data.tables.aio import TableClient

CHUNK = 15_000  # characters: at most 60 KB as UTF-16, under the 64 KiB a property holds
JSON_PROPERTY = "Json"
_NOT_IN_KEYS = set("/\\#?%") | {chr(c) for c in range(0x20)} | {chr(c) for c in range(0x7F, 0xA0)}


def key(text: str) -> str:
    """`text` made safe as a PartitionKey or RowKey: the characters keys may not hold (and
    %) are written as %XX, so two different texts never share a key."""
    return "".join(f"%{ord(c):02X}" if c in _NOT_IN_KEYS else c for c in text)


# A PartitionKey or RowKey holds at most 1 KiB (512 UTF-16 code units): a longer key is
# cut and ends with a hash of the whole text, so it still names one text only.
_KEY_UNITS = 250
_KEPT_UNITS = 150


def bounded_key(text: str) -> str:
    """`key(text)`, short enough for any PartitionKey or RowKey however long `text` is.

    A long text's key is its first part, then `%~` (which `key` never writes, so no short
    text's key can look like it), then the SHA-256 of the whole text. Keep the text itself
    in a property if it must be read back: `unkey` cannot undo the cut."""
    whole = key(text)
    if _units(whole) <= _KEY_UNITS:
        return whole
    cut = whole[:_KEPT_UNITS]
    while _units(cut) > _KEPT_UNITS:  # characters past the BMP take two units each
        cut = cut[:-1]
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{cut}%~{digest}"


def _units(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def unkey(value: str) -> str:
    out, i = [], 0
    while i < len(value):
        if value[i] == "%" and i + 2 < len(value) + 1:
            out.append(chr(int(value[i + 1 : i + 3], 16)))
            i += 3
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


def pack(document: Any, name: str = JSON_PROPERTY) -> dict[str, str]:
    """A JSON document as entity properties: Json, Json1, Json2… as long as it needs."""
    text = json.dumps(document, separators=(",", ":"), ensure_ascii=False)
    parts = [text[i : i + CHUNK] for i in range(0, len(text), CHUNK)] or [""]
    return {(name if n == 0 else f"{name}{n}"): part for n, part in enumerate(parts)}


def unpack(entity: Mapping[str, Any], name: str = JSON_PROPERTY) -> Any:
    parts, n = [str(entity.get(name, ""))], 1
    while f"{name}{n}" in entity:
        parts.append(str(entity[f"{name}{n}"]))
        n += 1
    return json.loads("".join(parts))


def int64(value: int) -> EntityProperty:
    """A whole number for an entity: plain ints are sent as Int32 and refused past 2**31."""
    return EntityProperty(value, EdmType.INT64)


def as_int(value: Any) -> int:
    """A whole number read back (an Int64 comes back as an EntityProperty)."""
    return int(value.value if isinstance(value, EntityProperty) else value)


def etag_of(entity: Mapping[str, Any]) -> str:
    return str(entity.metadata["etag"]) if hasattr(entity, "metadata") else ""


async def get_or_none(table: TableClient, partition: str, row: str) -> Any:
    try:
        return await table.get_entity(partition, row)
    except ResourceNotFoundError:
        return None


async def insert_new(table: TableClient, entity: Mapping[str, Any]) -> bool:
    """True if this call made the row; False if it was there already."""
    try:
        await table.create_entity(entity)
    except ResourceExistsError:
        return False
    return True


async def replace_if(table: TableClient, entity: Mapping[str, Any], etag: str) -> bool:
    """Replace the row only if it is unchanged since it was read with `etag`."""
    try:
        await table.update_entity(
            entity,
            mode=UpdateMode.REPLACE,
            etag=etag,
            match_condition=MatchConditions.IfNotModified,
        )
    except (ResourceModifiedError, ResourceNotFoundError):
        return False
    except HttpResponseError as error:
        if error.status_code in (404, 409, 412):
            return False
        raise
    return True


async def delete_if(table: TableClient, partition: str, row: str, etag: str) -> bool:
    try:
        await table.delete_entity(
            partition, row, etag=etag, match_condition=MatchConditions.IfNotModified
        )
    except (ResourceModifiedError, ResourceNotFoundError):
        return False
    except HttpResponseError as error:
        if error.status_code in (404, 412):
            return False
        raise
    return True


def stamp(moment: dt.datetime) -> str:
    """A time as text that sorts as time does (UTC, fixed width), for filters and keys."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


async def claim_lease(
    table: TableClient,
    partition: str,
    row: str,
    holder: str,
    now: dt.datetime,
    hold: dt.timedelta,
    extra: Mapping[str, Any] | None = None,
) -> bool:
    """Hold the row for `holder` until now + hold, if nobody else holds it now.

    The row's other properties are kept. Two instances claiming at once: one wins (the
    other's conditional write fails on the ETag). A holder that dies loses the row when its
    time runs out, and the next claim after that takes it."""
    found = await get_or_none(table, partition, row)
    until = stamp(now + hold)
    if found is None:
        return await insert_new(
            table,
            {
                "PartitionKey": partition,
                "RowKey": row,
                "Holder": holder,
                "HeldUntil": until,
                **(extra or {}),
            },
        )
    held_until = str(found.get("HeldUntil", ""))
    if held_until and held_until > stamp(now) and found.get("Holder") != holder:
        return False
    entity = dict(found)
    entity.update({"Holder": holder, "HeldUntil": until, **(extra or {})})
    return await replace_if(table, entity, etag_of(found))


def replace_op(entity: Mapping[str, Any], etag: str) -> tuple[str, Mapping[str, Any], Any]:
    """A transaction's step: replace the row only if unchanged since read with `etag`."""
    return (
        "update",
        entity,
        {
            "mode": UpdateMode.REPLACE,
            "etag": etag,
            "match_condition": MatchConditions.IfNotModified,
        },
    )


async def transact(table: TableClient, operations: list[Any]) -> bool:
    """Several writes to one partition, all or none (an entity group transaction).

    False if any of them was refused because of what is there: a row to create that
    exists, a row to replace or delete that is missing or changed since its ETag was
    read. Nothing was written then; the caller reads again and decides."""
    try:
        await table.submit_transaction(operations)
    except TableTransactionError as error:
        if error.status_code in (404, 409, 412):
            return False
        raise
    return True
