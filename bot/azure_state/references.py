"""DR-YYYY-NNNN numbers that never collide, however many instances hand them out.

One entity per year holds the last number given. An instance reads it, and writes the
next number only if nobody wrote since its read (the entity's ETag): if someone did, it
reads again and tries the next. A number is skipped only when an allocation succeeded and
what it was for was then not stored.
"""

from __future__ import annotations

import asyncio
import random

from azure.data.tables.aio import TableClient

from bot.azure_state.entities import etag_of, get_or_none, insert_new, replace_if

PARTITION = "reference-counter"
TRIES = 200  # contention at Teams' rates settles in a few; this only bounds a storm


class ReferenceCountersBusy(Exception):
    """Every try met someone else's write: the caller answers 'try again' politely."""


class ReferenceCounter:
    """The last reference number of each year, in a table shared by every instance."""

    def __init__(self, table: TableClient) -> None:
        self._table = table

    async def next_number(self, year: int, count: int = 1) -> int:
        """The next number; with `count`, the first of that many in a row, all taken in
        one conditional write (for adds waiting together in one instance)."""
        for attempt in range(TRIES):
            found = await get_or_none(self._table, PARTITION, str(year))
            if found is None:
                row = {"PartitionKey": PARTITION, "RowKey": str(year), "Last": count}
                if await insert_new(self._table, row):
                    return 1
            else:
                number = int(found["Last"]) + 1
                row = {"PartitionKey": PARTITION, "RowKey": str(year), "Last": number + count - 1}
                if await replace_if(self._table, row, etag_of(found)):
                    return number
            await asyncio.sleep(random.uniform(0, min(0.05, 0.002 * (attempt + 1))))
        raise ReferenceCountersBusy(f"No reference number for {year} after {TRIES} tries")

    async def last(self, year: int) -> int:
        found = await get_or_none(self._table, PARTITION, str(year))
        return int(found["Last"]) if found is not None else 0

    async def raise_floor(self, year: int, number: int) -> None:
        """Never hand out `number` or below again (SharePoint already has it)."""
        for _ in range(TRIES):
            found = await get_or_none(self._table, PARTITION, str(year))
            row = {"PartitionKey": PARTITION, "RowKey": str(year), "Last": number}
            if found is None:
                if await insert_new(self._table, row):
                    return
            elif int(found["Last"]) >= number or await replace_if(self._table, row, etag_of(found)):
                return
        raise ReferenceCountersBusy(f"Could not raise the {year} floor to {number}")
