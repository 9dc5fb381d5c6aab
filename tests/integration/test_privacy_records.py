"""Personal data kept as records (bot/privacy_records.py), on a real SQLite store and on
Azure Table storage (Azurite): what `my data` shows, what erase removes and keeps, and
what retention does, run twice."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot import privacy_records
from bot.azure_state.account import AzureState
from bot.azure_state.settings import StateSettings
from bot.azure_state.working import AzureWorkingState
from bot.domain.retention import RetentionKind, RetentionPolicy
from bot.ports import Record, WorkingState
from bot.privacy import ERASED_NAME, ERASED_TEXT, Person, Retained, pseudonym
from bot.privacy_records import OWNER, RecordKindData, RecordSpec, map_at, values_at
from bot.store.sqlite import SqliteStore
from tests.support.azurite import Azurite, new_prefix
from tests.support.clock import SettableClock

NOW = dt.datetime(2031, 6, 17, 9, 30, tzinfo=dt.UTC)
ASHA = Person("aad-asha", frozenset({"aad-asha", "teams-asha"}), frozenset({"Asha Patel"}))
STAND_IN = pseudonym("aad-asha", "test salt")

NOTE = RecordSpec(
    kind="note",
    journey="notes",
    what="Note you wrote",
    retention=RetentionKind.FEEDBACK,
    text_fields=("comment",),
    person_fields=("helper_id",),
    name_fields=("helper_name",),
    mention_fields=("title",),
    labels={"rating": "Rating", "comment": "Comment", "title": "Title"},
)
LINK = RecordSpec(
    kind="note_link",
    journey="notes",
    what="Link to a notes report",
    retention=RetentionKind.FEEDBACK,
    on_retention="delete",
    on_erase="delete",
    name_fields=("by",),
    expires_after=dt.timedelta(hours=24),
    labels={"by": "Made by"},
)
RULING = RecordSpec(
    kind="ruling",
    journey="notes",
    what="Ruling on a note",
    retention=None,
    text_fields=("reason",),
    keep_on_erase_reason="A panel decided on it: a public-task record.",
)
TEMPLATE = RecordSpec(
    kind="template",
    journey="notes",
    what="Notes template",
    retention=None,
    owner_is_person=False,
    labels={OWNER: "Published by"},
)
SPECS = (NOTE, LINK, RULING, TEMPLATE)
Keeper = WorkingState  # SqliteStore is one too: records are part of the working state


@pytest.fixture(params=["sqlite", "azure"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Keeper]:
    """The whole store on SQLite, or the working state in Azure Table storage (Azurite)."""
    if request.param == "sqlite":
        opened: Keeper = SqliteStore(tmp_path / "store.sqlite3", SettableClock(NOW))
        await opened.open()
        yield opened
        await opened.close()
        return
    azurite: Azurite = request.getfixturevalue("azurite")
    account = AzureState(
        StateSettings(
            kind="azure", connection_string=azurite.connection_string, prefix=new_prefix()
        )
    )
    state = AzureWorkingState(account, SettableClock(NOW))
    await state.open()
    yield state
    await state.close()
    await account.close()


def note(key: str, owner: str, at: dt.datetime = NOW, **data: object) -> Record:
    base: dict[str, object] = {"rating": 4, "comment": "Quicker than the old form", "title": ""}
    return Record("note", key, owner, at, {**base, **data})


async def keep(store: Keeper, *records: Record) -> None:
    for record in records:
        assert await store.add_record(record)


async def seeded(store: Keeper) -> RecordKindData:
    await keep(
        store,
        note("n1", "aad-asha", comment="Asha's own words about bins"),
        note("n2", "teams-asha", comment="Sent before Teams gave an Entra id"),
        note("n3", "aad-ben", helper_id="aad-asha", helper_name="Asha Patel"),
        note("n4", "aad-ben", comment="Asha Patel showed me the form"),
        note("n5", "aad-ben", title="Ask Asha Patel about bins"),
        note("n6", "aad-ben", comment="Nothing about anyone"),
        Record("note_link", "tok-1", "aad-asha", NOW, {"by": "Asha Patel", "filters": {}}),
        Record("ruling", "r1", "aad-asha", NOW, {"reason": "Asha asked for it"}),
        Record("template", "v1", "aad-asha", NOW, {"sections": ["Title", "Body"]}),
        Record("other_kind", "o1", "aad-asha", NOW, {"x": "not this part's"}),
    )
    return RecordKindData(store, SPECS)


async def test_my_data_shows_their_records_and_others_naming_them(store: Keeper) -> None:
    part = await seeded(store)

    held = {(item.what, item.key): item.fields for item in await part.held(ASHA)}

    assert held[("Note you wrote", "n1")] == {
        "Kept under your id": "aad-asha",
        "Rating": "4",
        "Comment": "Asha's own words about bins",
    }
    assert held[("Note you wrote", "n2")]["Kept under your id"] == "teams-asha"
    assert held[("Note you wrote", "n3")] == {"Helper id": "aad-asha", "Helper name": "Asha Patel"}
    assert held[("Note you wrote", "n4")] == {"Comment": "Asha Patel showed me the form"}
    assert held[("Note you wrote", "n5")] == {"Title": "Ask Asha Patel about bins"}
    assert held[("Link to a notes report", "tok-1")]["Made by"] == "Asha Patel"
    assert ("Ruling on a note", "r1") in held
    assert held[("Notes template", "v1")] == {"Published by": "aad-asha"}
    assert ("Note you wrote", "n6") not in held
    assert len(held) == 8  # the kind no spec names is not this part's to show


async def test_erase_removes_them_keeps_counts_and_lists_what_is_kept(
    store: Keeper, tmp_path: Path
) -> None:
    part = await seeded(store)

    done = await part.erase(ASHA, STAND_IN, NOW)

    notes = {record.key: record for record in await store.records("note")}
    assert notes["n1"].owner_id == STAND_IN
    assert notes["n1"].data == {"rating": 4, "comment": ERASED_TEXT, "title": ""}
    assert notes["n2"].owner_id == STAND_IN
    assert notes["n3"].owner_id == "aad-ben"
    assert notes["n3"].data["helper_id"] == STAND_IN
    assert notes["n3"].data["helper_name"] == ERASED_NAME
    assert notes["n3"].data["comment"] == "Quicker than the old form"  # Ben's words stay
    assert notes["n4"].data["comment"] == ERASED_TEXT
    assert notes["n5"].data["title"] == ERASED_TEXT
    assert notes["n6"].data["comment"] == "Nothing about anyone"
    assert await store.records("note_link") == []
    assert not await store.add_record(
        Record("note_link", "tok-1", "aad-asha", NOW, {"by": "Asha Patel"})
    )  # a retried write does not bring it back
    [template] = await store.records("template")
    assert template.owner_id == STAND_IN and template.data == {"sections": ["Title", "Body"]}
    [ruling] = await store.records("ruling")
    assert ruling.owner_id == "aad-asha"  # kept, and listed as kept
    assert [(kept.key, kept.reason) for kept in done.kept] == [
        ("r1", "A panel decided on it: a public-task record.")
    ]
    assert done.changed == {
        "Note you wrote": 5,
        "Link to a notes report": 1,
        "Notes template": 1,
    }

    again = await part.erase(ASHA, STAND_IN, NOW)
    assert again.changed == {}
    assert [item.key for item in await part.held(ASHA)] == ["r1"]

    if not isinstance(store, SqliteStore):
        return
    with sqlite3.connect(tmp_path / "store.sqlite3") as db:
        rows = db.execute("SELECT owner_id, data FROM records WHERE kind != 'ruling'").fetchall()
    dump = repr(rows)
    for trace in ("Asha Patel", "Asha's own words", "teams-asha"):
        assert trace not in dump
    assert "aad-asha" in dump  # only in the kind no spec names (other_kind)
    assert dump.count("aad-asha") == 1


async def test_retention_acts_only_on_what_is_past_its_period_and_runs_twice(
    store: Keeper,
) -> None:
    policy = RetentionPolicy()
    period = policy.period(RetentionKind.FEEDBACK)
    old, fresh = NOW - period - dt.timedelta(days=1), NOW - period + dt.timedelta(days=1)
    await keep(
        store,
        note("old", "aad-asha", at=old, helper_id="aad-ben", helper_name="Ben Ode"),
        note("fresh", "aad-asha", at=fresh),
        Record("note_link", "stale", "aad-asha", NOW - dt.timedelta(hours=25), {"by": "Asha"}),
        Record("note_link", "live", "aad-asha", NOW - dt.timedelta(hours=23), {"by": "Asha"}),
        Record("ruling", "r-old", "aad-asha", old, {"reason": "Kept for ever"}),
    )
    part = RecordKindData(store, SPECS)

    first = await part.retain(policy, NOW)

    assert first == [Retained(RetentionKind.FEEDBACK, deleted=1, anonymised=1)]
    notes = {record.key: record for record in await store.records("note")}
    assert notes["old"].owner_id == pseudonym("aad-asha")
    assert notes["old"].data == {
        "rating": 4,
        "comment": ERASED_TEXT,
        "title": "",
        "helper_id": pseudonym("aad-ben"),
        "helper_name": ERASED_NAME,
    }
    assert (notes["fresh"].owner_id, notes["fresh"].data) == ("aad-asha", note("f", "").data)
    assert [record.key for record in await store.records("note_link")] == ["live"]
    assert [record.owner_id for record in await store.records("ruling")] == ["aad-asha"]

    assert await part.retain(policy, NOW) == [Retained(RetentionKind.FEEDBACK, 0, 0)]

    later = await part.retain(policy, NOW + dt.timedelta(days=2))
    assert later == [Retained(RetentionKind.FEEDBACK, deleted=1, anonymised=1)]


async def test_a_scan_reads_every_page_of_a_kind(
    store: Keeper, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(privacy_records, "PAGE", 3)
    await keep(store, *(note(f"n{i}", f"aad-{i}") for i in range(10)))
    await keep(store, note("late", "aad-ben", helper_id="aad-asha"))
    part = RecordKindData(store, (NOTE,))

    assert [item.key for item in await part.held(ASHA)] == ["late"]
    done = await part.erase(ASHA, STAND_IN, NOW)
    assert done.changed == {"Note you wrote": 1}


async def test_a_change_is_told_so_caches_can_drop_it(store: Keeper) -> None:
    told: list[list[str]] = []

    async def dropped(records: list[Record]) -> None:
        told.append([record.key for record in records])

    await keep(store, note("n1", "aad-asha"))
    part = RecordKindData(store, (NOTE,), after_change=dropped)

    await part.erase(ASHA, STAND_IN, NOW)
    await part.erase(ASHA, STAND_IN, NOW)

    assert told == [["n1"]]


def test_paths_reach_into_lists_and_objects() -> None:
    data = {
        "steps": [{"who": "Asha Patel", "what": "Checks"}, {"who": "Clerk", "what": "Files"}],
        "filters": {"by": "Asha"},
        "name": "Bins",
    }

    assert values_at(data, "steps[].who") == ["Asha Patel", "Clerk"]
    assert values_at(data, "filters.by") == ["Asha"]
    assert values_at(data, "missing[].who") == []
    assert values_at(data, "name[]") == []
    changed = map_at(data, "steps[].who", lambda who: "X" if who == "Asha Patel" else who)
    assert changed["steps"] == [{"who": "X", "what": "Checks"}, {"who": "Clerk", "what": "Files"}]
    assert data["steps"][0]["who"] == "Asha Patel"  # a copy: the record read is unchanged
    assert map_at(data, "filters.by", str.upper) == {**data, "filters": {"by": "ASHA"}}
