"""Which contracts end soon enough that their owners should start an early engagement.

A contract is due when it ends from today up to the same day `months` calendar months
from now (31 January plus one month is the end of February). Contracts that have
already ended are left out: it is too late to engage early. No I/O here.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable

from bot.domain.procurement import CatalogueEntry, RenewalDue


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` calendar months later, or the month's last day when it is
    shorter (31 January + 1 month = 28 or 29 February)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def months_between(today: dt.date, end: dt.date) -> int:
    """Whole calendar months from `today` to `end`, rounded down (0: less than a month)."""
    months = (end.year - today.year) * 12 + (end.month - today.month)
    if add_months(today, months) > end:
        months -= 1
    return months


def due_renewals(
    entries: Iterable[CatalogueEntry], today: dt.date, months: int
) -> list[RenewalDue]:
    """The entries whose contract ends from `today` up to `months` months ahead, soonest
    first (ties by name), each with the whole months left."""
    if months < 0:
        return []
    until = add_months(today, months)
    due = [
        RenewalDue(entry, months_between(today, entry.contract_end))
        for entry in entries
        if entry.contract_end is not None and today <= entry.contract_end <= until
    ]
    due.sort(key=lambda item: (item.entry.contract_end, item.entry.name.casefold(), item.entry.id))
    return due
