"""What the benefits journey keeps, as records in the generic record store (so it works
on SQLite, Azure Storage and in SharePoint mode, on any number of instances).

- "benefits_due", key = reference: the request was delivered, and when (kept once).
- "benefits_asked", key = "reference:months": when the first ask for that interval went.
- "benefits_recorded", key = "reference:months": the benefits seen. Its data is a
  contract with the benefits report and the quarterly roadmap review: "reference",
  "months", "cash_saving_per_year", "hours_saved_per_year", "residents_affected" (whole
  numbers, or None when not known yet), "notes", "by" (a person's id) and "at" (ISO time).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

from bot.domain.model import DigitalRequest
from bot.ports import Record, RecordStore

DUE = "benefits_due"
ASKED = "benefits_asked"
RECORDED = "benefits_recorded"
PAGE = 500
MOST = 200_000  # records of a kind read at most, so a read always ends


async def _all(store: RecordStore, kind: str) -> AsyncIterator[Record]:
    after, read = 0, 0
    while read < MOST and (page := await store.records(kind, after, PAGE)):
        for record in page:
            yield record
        read += len(page)
        after = page[-1].seq
        if len(page) < PAGE:
            return


def _when(text: object) -> dt.datetime | None:
    if not isinstance(text, str):
        return None
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)


def _months(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


async def delivered(store: RecordStore) -> dict[str, dt.datetime]:
    """Reference -> when it was delivered, for every delivered request known."""
    found: dict[str, dt.datetime] = {}
    async for record in _all(store, DUE):
        when = _when(record.data.get("delivered_at"))
        if when is not None:
            found.setdefault(record.key, when)
    return found


async def remember_delivered(
    store: RecordStore, request: DigitalRequest, when: dt.datetime, now: dt.datetime
) -> bool:
    data = {"reference": request.reference, "delivered_at": when.isoformat()}
    return await store.add_record(
        Record(DUE, request.reference, request.requester.user_id, now, data)
    )


async def answered(store: RecordStore) -> dict[str, set[int]]:
    """Reference -> the intervals (in months) someone has recorded benefits for."""
    found: dict[str, set[int]] = {}
    async for record in _all(store, RECORDED):
        months = _months(record.data.get("months"))
        reference = record.data.get("reference")
        if months is not None and isinstance(reference, str):
            found.setdefault(reference, set()).add(months)
    return found


async def asked(store: RecordStore) -> dict[str, dict[int, dt.datetime]]:
    """Reference -> interval -> when the first ask for it went."""
    found: dict[str, dict[int, dt.datetime]] = {}
    async for record in _all(store, ASKED):
        months = _months(record.data.get("months"))
        reference = record.data.get("reference")
        if months is not None and isinstance(reference, str):
            found.setdefault(reference, {}).setdefault(months, record.at)
    return found


async def remember_asked(
    store: RecordStore, request: DigitalRequest, months: int, now: dt.datetime
) -> None:
    data = {"reference": request.reference, "months": months}
    key = f"{request.reference}:{months}"
    await store.add_record(Record(ASKED, key, request.requester.user_id, now, data))
