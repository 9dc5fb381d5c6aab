"""Idempotency keys on Azure Table storage, shared by every instance: a retry that reaches
another instance than the first call gets the first answer too.

The same promises as SqliteIdempotency (bot/api/idempotency.py): a key lasts KEEP seconds;
the same key with another request is refused (422); a key whose first call is still
running is answered 409 with Retry-After, unless that call started more than
RUNNING_LONGEST seconds ago (its process died), when the key is free again.

One row per key: partition the scope (caller and operation), row the key. A key is taken
by inserting its row (only one insert can succeed), and a row that has run out is taken
over by replacing it only if it is unchanged since it was read (its ETag): two instances
starting the same key at once never both go ahead.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import logging
from typing import Any

from azure.data.tables import UpdateMode
from azure.data.tables.aio import TableClient

from bot.api.idempotency import KEEP, RUNNING_LONGEST, reused, running
from bot.api.server import Remembered
from bot.azure_state.account import AzureState
from bot.azure_state.entities import (
    bounded_key,
    delete_if,
    etag_of,
    get_or_none,
    insert_new,
    pack,
    replace_if,
    unpack,
)
from bot.clock import Clock

logger = logging.getLogger(__name__)

TABLE = "idempotency"
TRIES = 5  # a row deleted or replaced between our read and write: look again, a few times
# Keys past KEEP are deleted at most this often, and at most PURGE_MOST at a time.
PURGE_EVERY = dt.timedelta(hours=1)
PURGE_MOST = 500
PURGE_AT_ONCE = 50


class AzureIdempotency:
    """`IdempotencyStore` on Azure Table storage. `close` leaves `azure` open (the app
    closes it)."""

    def __init__(self, azure: AzureState, clock: Clock) -> None:
        self._azure = azure
        self._clock = clock
        self._purged: dt.datetime | None = None

    async def begin(self, scope: str, key: str, fingerprint: str) -> Remembered | None:
        table = await self._azure.table(TABLE)
        await self._purge_now_and_then(table)
        digest = hashlib.sha256(fingerprint.encode()).hexdigest()
        now = self._clock.now().timestamp()
        partition, row = bounded_key(scope), bounded_key(key)
        started = {
            "PartitionKey": partition,
            "RowKey": row,
            "Fingerprint": digest,
            "Started": float(now),
        }
        for _ in range(TRIES):
            if await insert_new(table, started):
                return None
            found = await get_or_none(table, partition, row)
            if found is None:
                continue  # abandoned or purged since: take it anew
            done = "Status" in found
            if float(found["Started"]) < now - KEEP or (
                not done and float(found["Started"]) < now - RUNNING_LONGEST
            ):
                # Run out, or its first call died with its process: the key is free.
                if await replace_if(table, started, etag_of(found)):
                    return None
                continue
            if found["Fingerprint"] != digest:
                raise reused()
            if not done:
                raise running()
            headers: dict[str, str] = json.loads(str(found["Headers"]))
            return Remembered(int(found["Status"]), str(unpack(found, "Body")), headers)
        raise running()  # it kept changing under us: the caller tries again shortly

    async def finish(self, scope: str, key: str, answer: Remembered) -> None:
        table = await self._azure.table(TABLE)
        entity = {
            "PartitionKey": bounded_key(scope),
            "RowKey": bounded_key(key),
            "Status": answer.status,
            "Headers": json.dumps(answer.headers),
            **pack(answer.body, "Body"),
        }
        try:
            await table.update_entity(entity, mode=UpdateMode.MERGE)
        except Exception as error:
            if getattr(error, "status_code", None) != 404:
                raise
            # Gone (its first call was taken as dead and the key taken anew): nothing to keep.

    async def abandon(self, scope: str, key: str) -> None:
        """Free the key, if its first call has not finished (a finished one stays)."""
        table = await self._azure.table(TABLE)
        partition, row = bounded_key(scope), bounded_key(key)
        found = await get_or_none(table, partition, row)
        if found is not None and "Status" not in found:
            await delete_if(table, partition, row, etag_of(found))

    async def close(self) -> None:
        return None

    async def _purge_now_and_then(self, table: TableClient) -> None:
        """Delete keys past KEEP, at most every PURGE_EVERY: without it the table only
        grows. A key past KEEP is never answered from, so a late purge changes nothing."""
        now = self._clock.now()
        if self._purged is not None and now - self._purged < PURGE_EVERY:
            return
        self._purged = now
        old = table.query_entities(
            "Started lt @before",
            parameters={"before": float(now.timestamp() - KEEP)},
            select=["PartitionKey", "RowKey", "Started"],
        )
        gone: list[Any] = []
        async for row in old:
            gone.append(row)
            if len(gone) >= PURGE_MOST:
                break
        for at in range(0, len(gone), PURGE_AT_ONCE):
            results = await asyncio.gather(
                *(
                    delete_if(table, r["PartitionKey"], r["RowKey"], etag_of(r))
                    for r in gone[at : at + PURGE_AT_ONCE]
                ),
                return_exceptions=True,
            )
            for result in results:
                if isinstance(result, Exception):
                    logger.warning("Could not delete an old Idempotency-Key: %r", result)
