"""Contract renewals: which contracts end soon enough to start an early engagement,
counted in calendar months, soonest first; contracts already ended are left out."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from bot.domain.procurement import CatalogueEntry
from bot.domain.renewals import add_months, due_renewals, months_between
from bot.journeys.procurement.sample_catalogue import SAMPLE

TODAY = dt.date(2026, 11, 25)


def ending(entry_id: str, end: dt.date | None, name: str = "") -> CatalogueEntry:
    return CatalogueEntry(
        id=entry_id,
        name=name or entry_id,
        supplier="Acme",
        owner_name="Sam Jones",
        owner_id="",
        capabilities=(),
        description="",
        contract_end=end,
    )


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (dt.date(2027, 1, 31), 1, dt.date(2027, 2, 28)),
        (dt.date(2028, 1, 31), 1, dt.date(2028, 2, 29)),
        (dt.date(2027, 1, 30), 1, dt.date(2027, 2, 28)),
        (dt.date(2027, 3, 31), 1, dt.date(2027, 4, 30)),
        (dt.date(2026, 11, 25), 9, dt.date(2027, 8, 25)),
        (dt.date(2026, 12, 15), 1, dt.date(2027, 1, 15)),
        (dt.date(2026, 12, 15), 13, dt.date(2028, 1, 15)),
        (dt.date(2026, 11, 25), 0, dt.date(2026, 11, 25)),
        (dt.date(2026, 11, 30), 3, dt.date(2027, 2, 28)),
        (dt.date(2027, 1, 31), -1, dt.date(2026, 12, 31)),
    ],
)
def test_add_months_keeps_the_day_or_takes_the_months_last(
    day: dt.date, months: int, expected: dt.date
) -> None:
    assert add_months(day, months) == expected


@pytest.mark.parametrize(
    ("end", "months"),
    [
        (dt.date(2026, 11, 25), 0),
        (dt.date(2026, 11, 30), 0),
        (dt.date(2026, 12, 24), 0),
        (dt.date(2026, 12, 25), 1),
        (dt.date(2027, 1, 24), 1),
        (dt.date(2027, 1, 25), 2),
        (dt.date(2027, 8, 24), 8),
        (dt.date(2027, 8, 25), 9),
        (dt.date(2027, 11, 25), 12),
    ],
)
def test_months_left_are_whole_months_rounded_down(end: dt.date, months: int) -> None:
    assert months_between(TODAY, end) == months


def test_months_between_month_ends() -> None:
    # From 31 January, the end of February is one whole month.
    assert months_between(dt.date(2027, 1, 31), dt.date(2027, 2, 28)) == 1
    assert months_between(dt.date(2027, 1, 31), dt.date(2027, 2, 27)) == 0
    assert months_between(dt.date(2027, 1, 31), dt.date(2027, 3, 30)) == 1
    assert months_between(dt.date(2027, 1, 31), dt.date(2027, 3, 31)) == 2


def test_due_from_today_up_to_the_same_day_months_ahead() -> None:
    entries = [
        ending("yesterday", dt.date(2026, 11, 24)),
        ending("today", dt.date(2026, 11, 25)),
        ending("last-day", dt.date(2027, 8, 25)),
        ending("a-day-late", dt.date(2027, 8, 26)),
        ending("no-date", None),
        ending("middle", dt.date(2027, 3, 1)),
    ]
    due = due_renewals(entries, TODAY, 9)
    assert [d.entry.id for d in due] == ["today", "middle", "last-day"]
    assert [d.months_left for d in due] == [0, 3, 9]


def test_calendar_months_at_the_end_of_january() -> None:
    today = dt.date(2027, 1, 31)
    entries = [ending("feb-28", dt.date(2027, 2, 28)), ending("mar-1", dt.date(2027, 3, 1))]
    due = due_renewals(entries, today, 1)
    assert [(d.entry.id, d.months_left) for d in due] == [("feb-28", 1)]


def test_soonest_first_then_by_name_then_id() -> None:
    day = dt.date(2027, 1, 1)
    entries = [
        ending("z", dt.date(2027, 2, 1), "Zeta"),
        ending("b2", day, "beta"),
        ending("a", day, "Alpha"),
        ending("b1", day, "Beta"),
    ]
    assert [d.entry.id for d in due_renewals(entries, TODAY, 9)] == ["a", "b1", "b2", "z"]


def test_zero_or_negative_months() -> None:
    entries = [ending("today", TODAY), ending("tomorrow", TODAY + dt.timedelta(days=1))]
    assert [d.entry.id for d in due_renewals(entries, TODAY, 0)] == ["today"]
    assert due_renewals(entries, TODAY, -1) == []
    assert due_renewals([], TODAY, 9) == []


def test_the_once_key_names_the_entry_and_its_end_date() -> None:
    (due,) = due_renewals([ending("mosaic", dt.date(2027, 3, 31))], TODAY, 9)
    assert due.once_key == "renewal:mosaic:2027-03-31"
    later = dataclasses.replace(due.entry, contract_end=dt.date(2030, 3, 31))
    (again,) = due_renewals([later], dt.date(2030, 1, 1), 9)
    assert again.once_key != due.once_key


def test_the_sample_has_contracts_due_within_nine_months_and_one_already_ended() -> None:
    due = due_renewals(SAMPLE, TODAY, 9)
    assert 5 <= len(due) <= 15
    assert all(d.entry.sample for d in due)
    ended = [e for e in SAMPLE if e.contract_end and e.contract_end < TODAY]
    assert ended and not {e.id for e in ended} & {d.entry.id for d in due}
