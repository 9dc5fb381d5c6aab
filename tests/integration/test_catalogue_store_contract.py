"""The application catalogue's promises, one suite for both stores: the journey's SQLite
file (local mode) and the "DFD Application catalogue" SharePoint list, through the real
msgraph-sdk against the local fake Graph server.

Each test gets `place`: it opens stores on one shared place (one SQLite file, or one
fake site), so a test can open a second store on the same data, as a second bot process
would. Every method of CatalogueStore is used here. After the shared suite come the
promises only one of the stores makes (SQLite's transaction and seeding flag; the list's
paging, batching, caching and finishing an import that stopped part-way).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from msgraph.generated.models.field_value_set import FieldValueSet
from msgraph.generated.models.list_item import ListItem
from msgraph.generated.sites.item.lists.item.items.items_request_builder import (
    ItemsRequestBuilder,
)

from bot.domain.procurement import CatalogueEntry
from bot.journeys.procurement import store_sqlite
from bot.journeys.procurement.ports import (
    MAX_LINE,
    CatalogueImportUnfinished,
    CatalogueNotStored,
    CatalogueRemoveUnfinished,
    CatalogueStore,
    catalogue_order,
)
from bot.journeys.procurement.store_sqlite import SqliteProcurementStore
from graph_clients.catalogue_list import SharePointCatalogue, to_fields
from graph_clients.schema import CATALOGUE
from graph_clients.wiring import GraphConnection
from tests.support.fake_graph import FakeGraph
from tests.support.graph import provisioned

LIST = CATALOGUE.name


def entry(number: int, name: str = "", **changes: Any) -> CatalogueEntry:
    made = CatalogueEntry(
        id=f"CMDB-{number:05d}",
        name=name or f"System {number:05d}",
        supplier="Civica",
        owner_name="Sam Patel",
        owner_id=f"aad-{number}",
        capabilities=("case management", "document storage"),
        description="Keeps the cases of the housing team.\nUsed every day.",
        users=120 + number,
        contract_end=dt.date(2027, 3, 31),
        licences=150,
        directorate="Housing",
    )
    return dataclasses.replace(made, **changes)


SAMPLES = [
    entry(1, "Sample case management", id="sample-case", sample=True),
    entry(2, "Sample payments", id="sample-payments", sample=True, contract_end=None),
    entry(3, "SharePoint", id="sample-sharepoint", sample=True, platform=True, users=None),
]


class Place:
    """Opens catalogue stores on one shared place and closes them all at the end."""

    def __init__(self, kind: str, tmp_path: Path) -> None:
        self.kind = kind
        self._path = tmp_path / "procurement.sqlite3"
        self._opened: list[CatalogueStore] = []
        self.fake: FakeGraph | None = None
        self.graph: GraphConnection | None = None
        self.seconds = 0.0  # the SharePoint store's monotonic clock, for its cache

    @property
    def seeds(self) -> bool:
        """Only local mode seeds the sample; a council's SharePoint list is never seeded."""
        return self.kind == "sqlite"

    async def start(self) -> None:
        if self.kind == "sharepoint":
            self.fake = FakeGraph()
            await self.fake.start()
            self.graph = await provisioned(self.fake)

    async def open(self) -> CatalogueStore:
        store: CatalogueStore
        if self.kind == "sqlite":
            store = SqliteProcurementStore(self._path)
        else:
            assert self.graph is not None
            store = SharePointCatalogue(self.graph, monotonic=lambda: self.seconds)
        await store.open()
        self._opened.append(store)
        return store

    async def stop(self) -> None:
        for store in self._opened:
            await store.close()
        if self.graph is not None:
            await self.graph.close()
        if self.fake is not None:
            await self.fake.stop()


@pytest.fixture(params=["sqlite", "sharepoint"])
async def place(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Place]:
    opened = Place(request.param, tmp_path)
    await opened.start()
    yield opened
    await opened.stop()


async def with_samples(place: Place) -> CatalogueStore:
    """A store holding the sample entries: seeded locally, put in the list by hand in
    SharePoint (as an admin might have done before the first import)."""
    store = await place.open()
    if place.seeds:
        assert await store.seed_if_empty(SAMPLES)
    else:
        assert place.fake is not None
        await _put_in_list(place, SAMPLES)
    return store


def _list_items(place: Place) -> ItemsRequestBuilder:
    """The list's items through Graph, as a person's Power App or the list view would."""
    assert place.graph is not None
    return place.graph.client.sites.by_site_id(place.graph.site_id).lists.by_list_id(LIST).items


async def _put_in_list(place: Place, entries: list[CatalogueEntry]) -> None:
    for one in entries:
        fields = FieldValueSet(additional_data=to_fields(one))
        await _list_items(place).post(ListItem(fields=fields))


# The shared promises ------------------------------------------------------------------


async def test_a_new_catalogue_is_empty_and_finds_nothing(place: Place) -> None:
    store = await place.open()
    assert await store.entries() == []
    assert await store.entry("CMDB-00001") is None
    assert await store.entry("") is None


async def test_an_import_adds_and_replaces_by_id_and_keeps_the_rest(place: Place) -> None:
    store = await place.open()
    assert (await store.import_entries([entry(1), entry(2), entry(3)])).saved == 3
    changed = entry(2, "Academy Revenues and Benefits", supplier="Capita", users=None)
    assert (await store.import_entries([changed, entry(4)])).saved == 2
    found = await store.entries()
    assert [e.id for e in found] == ["CMDB-00002", "CMDB-00001", "CMDB-00003", "CMDB-00004"]
    assert await store.entry("CMDB-00002") == changed
    assert await store.entry("CMDB-00001") == entry(1), "not in the second import: kept"
    other = await place.open()
    assert await other.entries() == found, "a second process reads the same catalogue"


async def test_the_first_import_drops_every_sample_entry(place: Place) -> None:
    store = await with_samples(place)
    assert {e.id for e in await store.entries()} == {e.id for e in SAMPLES}
    await store.import_entries([entry(10), entry(11)])
    assert [e.id for e in await store.entries()] == ["CMDB-00010", "CMDB-00011"]
    assert not any(e.sample for e in await store.entries())
    assert await store.entry("sample-case") is None


async def test_an_entry_that_cannot_be_stored_changes_nothing(place: Place) -> None:
    store = await with_samples(place)
    before, generation = await store.entries(), await store.generation()
    too_long = entry(2, "x" * (MAX_LINE + 1))
    bad_batches = [
        [entry(1), too_long, entry(3)],
        [entry(1), entry(2, id="")],
        [entry(1), entry(2, name="   ")],
        [entry(1), entry(1)],  # one id twice: which one would be kept?
        [entry(1), entry(2, capabilities=("case management", "two\nlines"))],
        [entry(1), entry(2, capabilities=("",))],
        [entry(1), entry(2, supplier="tab\there")],
        [entry(1), entry(2, users=-1)],
        [entry(1), entry(2, licences=10**12)],
        [entry(1), entry(2, description="d" * 10_001)],
    ]
    for batch in bad_batches:
        with pytest.raises(CatalogueNotStored) as refused:
            await store.import_entries(batch)
        assert "Entry 2" in str(refused.value) or "Entry 1" in str(refused.value)
        assert await store.entries() == before, batch
        assert await store.generation() == generation
    with pytest.raises(CatalogueNotStored, match=r"Entry 2 \(CMDB-00002\): its name is longer"):
        await store.import_entries([entry(1), too_long])


async def test_the_generation_changes_with_the_catalogue_only(place: Place) -> None:
    store = await place.open()
    empty = await store.generation()
    assert await store.generation() == empty, "reading does not change it"
    await store.import_entries([entry(1)])
    first = await store.generation()
    assert first != empty
    await store.import_entries([entry(1, "Renamed")])
    assert await store.generation() not in (empty, first)
    other = await place.open()
    assert await other.generation() == await store.generation()


async def test_the_sample_is_seeded_once_and_never_after_an_import(place: Place) -> None:
    store = await place.open()
    assert await store.seed_if_empty(SAMPLES) is place.seeds
    assert await store.seed_if_empty(SAMPLES) is False, "only once"
    again = await place.open()
    assert await again.seed_if_empty(SAMPLES) is False, "not by a second process either"
    assert len(await store.entries()) == (len(SAMPLES) if place.seeds else 0)
    await store.import_entries([entry(1)])
    assert [e.id for e in await store.entries()] == ["CMDB-00001"]


async def test_entries_come_sorted_by_name_whatever_their_case(place: Place) -> None:
    store = await place.open()
    names = ["zebra CRM", "Academy", "Éclair forms", "asset register", "Power Platform", "B"]
    await store.import_entries([entry(n, name) for n, name in enumerate(names, start=1)])
    found = await store.entries()
    assert [e.name for e in found] == sorted(names, key=str.casefold)
    assert found == sorted(found, key=catalogue_order)
    twins = [entry(20, "Same name"), entry(19, "Same name")]
    await store.import_entries(twins)
    same = [e.id for e in await store.entries() if e.name == "Same name"]
    assert same == ["CMDB-00019", "CMDB-00020"], "the same name: by id"


async def test_two_thousand_entries_round_trip(place: Place) -> None:
    store = await place.open()
    many = [
        entry(
            n,
            capabilities=(f"capability {n}", "case management"),
            contract_end=dt.date(2027, 1, 1) + dt.timedelta(days=n % 700),
            platform=n % 97 == 0,
            users=None if n % 5 == 0 else n,
        )
        for n in range(1, 2001)
    ]
    assert (await store.import_entries(many)).saved == 2000
    other = await place.open()
    assert await other.entries() == sorted(many, key=catalogue_order)
    assert await other.entry("CMDB-01999") == many[1998]


async def test_text_comes_back_exactly_as_given(place: Place) -> None:
    """Quotes, emoji and text that looks like a formula or markup round trip as given:
    making it safe for a spreadsheet or a card is the domain's job, not the store's."""
    store = await place.open()
    odd = entry(
        1,
        'O\'Brien "Case" Manager 📁',
        supplier='=HYPERLINK("http://evil.example","Click")',
        owner_name="Zoë Ångström-O'Neil",
        owner_id="'; DROP TABLE catalogue; --",
        capabilities=("+SUM(1,2)", "@cmd|' /C calc'!A0", "<b>bold</b> & 'quotes'", "🚀 launch"),
        description="-2+3\nLine two — “curly” quotes\n\n  indented, and a tab\tinside",
        directorate="Children's services",
    )
    await store.import_entries([odd])
    assert await store.entry(odd.id) == odd
    assert await (await place.open()).entries() == [odd]


async def test_nothing_given_and_nothing_known_are_kept_apart(place: Place) -> None:
    store = await place.open()
    bare = CatalogueEntry(
        id="bare",
        name="Bare",
        supplier="",
        owner_name="",
        owner_id="",
        capabilities=(),
        description="",
    )
    zeros = entry(2, users=0, licences=0, contract_end=dt.date(2026, 12, 31))
    await store.import_entries([bare, zeros])
    assert await store.entry("bare") == bare
    assert await store.entry(zeros.id) == zeros
    cleared = dataclasses.replace(zeros, users=None, licences=None, contract_end=None)
    await store.import_entries([cleared])
    assert await store.entry(zeros.id) == cleared, "an import can clear a value"


async def test_a_replacing_import_removes_what_the_file_does_not_have(place: Place) -> None:
    """`import catalogue` is the whole CMDB export: a retired system goes, unless its row
    in the file was bad (kept as it was), and the samples go without being counted."""
    store = await with_samples(place)
    await store.import_entries([entry(1), entry(2), entry(3), entry(4, "Academy")], keep=[])
    before = await store.generation()

    done = await store.import_entries(
        [entry(1, "Renamed"), entry(5)], replace=True, keep={"CMDB-00003"}
    )

    assert done.saved == 2
    assert [e.id for e in done.removed] == ["CMDB-00004", "CMDB-00002"], "by name"
    assert done.removed[0] == entry(4, "Academy"), "as they were before"
    found = await store.entries()
    assert [e.id for e in found] == ["CMDB-00001", "CMDB-00003", "CMDB-00005"]
    assert await store.entry("CMDB-00003") == entry(3), "a bad row's system is kept as it was"
    assert await store.generation() != before
    assert await (await place.open()).entries() == found, "a second process sees it"
    again = await store.import_entries([entry(1, "Renamed"), entry(5)], replace=True)
    assert [e.id for e in again.removed] == ["CMDB-00003"], "with nothing to keep it goes"


async def test_an_adding_import_removes_nothing(place: Place) -> None:
    store = await place.open()
    await store.import_entries([entry(1), entry(2)])
    done = await store.import_entries([entry(3)])
    assert done.removed == ()
    assert [e.id for e in await store.entries()] == ["CMDB-00001", "CMDB-00002", "CMDB-00003"]


async def test_a_refused_replacing_import_removes_nothing(place: Place) -> None:
    store = await place.open()
    await store.import_entries([entry(1), entry(2)])
    with pytest.raises(CatalogueNotStored):
        await store.import_entries([entry(3), entry(4, id="")], replace=True)
    assert [e.id for e in await store.entries()] == ["CMDB-00001", "CMDB-00002"]


async def test_one_system_is_removed_by_id(place: Place) -> None:
    store = await with_samples(place)
    await store.import_entries([entry(1), entry(2)])
    generation = await store.generation()

    assert await store.remove_entries(["CMDB-00002"]) == [entry(2)]

    assert [e.id for e in await store.entries()] == ["CMDB-00001"]
    assert await store.entry("CMDB-00002") is None
    assert await store.generation() != generation
    assert await (await place.open()).entry("CMDB-00002") is None
    assert await store.remove_entries(["CMDB-00002"]) == [], "removing again: nothing to do"
    assert await store.remove_entries(["no-such-id"]) == []
    assert [e.id for e in await store.entries()] == ["CMDB-00001"]


# SQLite only --------------------------------------------------------------------------


@pytest.fixture
async def sqlite_place(tmp_path: Path) -> AsyncIterator[Place]:
    opened = Place("sqlite", tmp_path)
    yield opened
    await opened.stop()


async def test_sqlite_an_import_failing_part_way_is_rolled_back(
    sqlite_place: Place, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The transaction itself, not only the check before it: with the check switched off,
    an entry SQLite cannot hold fails the write after others were written."""
    store = await with_samples(sqlite_place)
    before, generation = await store.entries(), await store.generation()
    monkeypatch.setattr(store_sqlite, "check_storable", lambda entries: None)
    with pytest.raises(OverflowError):
        await store.import_entries([entry(1), entry(2), entry(3, users=2**70)])
    assert await store.entries() == before, "the samples are still there; nothing added"
    assert await store.generation() == generation
    with pytest.raises(OverflowError):
        await store.import_entries([entry(3, users=2**70)], replace=True)
    assert await store.entries() == before, "a replacing import is rolled back too"
    monkeypatch.undo()
    assert (await store.import_entries([entry(1)])).saved == 1


async def test_sqlite_a_council_that_imported_then_emptied_is_not_reseeded(
    sqlite_place: Place,
) -> None:
    store = await sqlite_place.open()
    await store.import_entries([entry(1)])
    assert await store.seed_if_empty(SAMPLES) is False, "an import came first"
    assert isinstance(store, SqliteProcurementStore)
    await store._db.run(lambda db: db.execute("DELETE FROM catalogue"))
    assert await store.entries() == []
    assert await store.seed_if_empty(SAMPLES) is False, "imported once: never the sample"
    reopened = await sqlite_place.open()
    assert await reopened.seed_if_empty(SAMPLES) is False


# SharePoint only ----------------------------------------------------------------------


@pytest.fixture
async def sharepoint(tmp_path: Path) -> AsyncIterator[Place]:
    opened = Place("sharepoint", tmp_path)
    await opened.start()
    yield opened
    await opened.stop()


def batches(fake: FakeGraph, since: float) -> list[Any]:
    return [r for r in fake.graph_requests(since) if r.path.endswith("/$batch")]


def sub_requests(fake: FakeGraph, since: float) -> list[Any]:
    return [r for r in fake.graph_requests(since) if r.batch]


async def test_sharepoint_the_list_is_read_page_by_page(sharepoint: Place) -> None:
    fake = sharepoint.fake
    assert fake is not None
    store = await sharepoint.open()
    await store.import_entries([entry(n) for n in range(1, 1201)])
    mark = fake.requests[-1].at
    sharepoint.seconds += 61
    assert len(await store.entries()) == 1200
    pages = [r for r in fake.graph_requests(mark) if r.method == "GET" and "/items" in r.path]
    assert len(pages) >= 3, "1,200 items do not come in one page"
    assert all("skiptoken" in r.query for r in pages[1:]), "later pages follow the next link"


async def test_sharepoint_an_import_writes_in_batches_of_twenty_and_again_writes_nothing(
    sharepoint: Place,
) -> None:
    fake = sharepoint.fake
    assert fake is not None
    store = await with_samples(sharepoint)
    mark = fake.requests[-1].at
    many = [entry(n) for n in range(1, 46)]
    await store.import_entries(many)
    sent = batches(fake, mark)
    assert len(sent) == 4, "45 creates in 3 batches, then 3 sample deletes in 1"
    assert all(len(r.body["requests"]) <= 20 for r in sent)
    assert [i["EntryId"] for i in fake.list_items(LIST)] == [e.id for e in many]
    generation = await store.generation()

    mark = fake.requests[-1].at
    await store.import_entries(many)
    assert batches(fake, mark) == [], "the same import again: nothing to write"
    assert await store.generation() == generation

    mark = fake.requests[-1].at
    await store.import_entries([entry(7, "Changed"), entry(8)])
    assert [(r.method, r.path.rsplit("/", 1)[-1]) for r in sub_requests(fake, mark)] == [
        ("PATCH", "fields")
    ], "only the changed one is written"


async def test_sharepoint_an_import_stopped_part_way_is_finished_by_running_it_again(
    sharepoint: Place,
) -> None:
    fake = sharepoint.fake
    assert fake is not None
    store = await with_samples(sharepoint)
    many = [entry(n) for n in range(1, 61)]
    fake.reset_counters()
    fake.faults.drop_every = 30  # the 30th write: Graph drops the connection mid-batch
    with pytest.raises(CatalogueImportUnfinished) as stopped:
        await store.import_entries(many)
    fake.faults.drop_every = 0
    assert stopped.value.total == 60 and stopped.value.written < 60
    assert "Run the same import again" in stopped.value.message
    kept = {i["EntryId"] for i in fake.list_items(LIST)}
    assert 0 < len(kept & {e.id for e in many}) < 60, "part of it was written"
    assert {e.id for e in SAMPLES} <= kept, "samples are removed only after every entry"

    assert (await store.import_entries(many)).saved == 60
    ids = [i["EntryId"] for i in fake.list_items(LIST)]
    assert sorted(ids) == sorted(e.id for e in many), "finished: no samples, no repeats"
    assert await store.entries() == sorted(many, key=catalogue_order)


async def test_sharepoint_a_throttled_write_is_sent_again(sharepoint: Place) -> None:
    fake = sharepoint.fake
    assert fake is not None
    store = await sharepoint.open()
    fake.reset_counters()
    fake.faults.throttle_every = 7
    fake.faults.retry_after = "0.01"
    many = [entry(n) for n in range(1, 31)]
    assert (await store.import_entries(many)).saved == 30
    fake.faults.throttle_every = 0
    assert sorted(i["EntryId"] for i in fake.list_items(LIST)) == [e.id for e in many]


async def test_sharepoint_a_second_item_with_one_entry_id_is_removed_by_the_import(
    sharepoint: Place,
) -> None:
    fake = sharepoint.fake
    assert fake is not None
    store = await sharepoint.open()
    await _put_in_list(sharepoint, [entry(1), entry(1, "Made twice")])
    assert [e.name for e in await store.entries()] == ["System 00001"], "the oldest is read"
    await store.import_entries([entry(1, "Imported")])
    assert [(i["EntryId"], i["Title"]) for i in fake.list_items(LIST)] == [
        ("CMDB-00001", "Imported")
    ]


async def test_sharepoint_changes_made_in_the_list_show_within_a_minute(
    sharepoint: Place,
) -> None:
    fake = sharepoint.fake
    assert fake is not None
    store = await sharepoint.open()
    await store.import_entries([entry(1)])
    generation = await store.generation()
    item = fake.list_items(LIST)[0]
    await (
        _list_items(sharepoint)
        .by_list_item_id(item["id"])
        .fields.patch(FieldValueSet(additional_data={"Supplier": "Someone typed this"}))
    )
    sharepoint.seconds += 30
    assert (await store.entry("CMDB-00001")) == entry(1), "read less than a minute ago"
    sharepoint.seconds += 31
    assert (await store.entry("CMDB-00001")) == entry(1, supplier="Someone typed this")
    assert await store.generation() != generation


async def test_sharepoint_items_added_by_hand_are_read_sensibly(sharepoint: Place) -> None:
    """An admin adds a system in the list: no EntryId, a date typed in summer (kept as
    23:00 UTC the day before), numbers as decimals, capabilities with blank lines."""
    items = _list_items(sharepoint)
    typed = {
        "Title": "Tell Us Once",
        "Capabilities": "bereavement\r\n\r\nchange of address\n",
        "ContractEnd": "2027-06-29T23:00:00Z",
        "Users": 12.0,
        "Platform": False,
    }
    await items.post(ListItem(fields=FieldValueSet(additional_data=typed)))
    await items.post(ListItem(fields=FieldValueSet(additional_data={"Supplier": "No name"})))
    store = await sharepoint.open()
    [found] = await store.entries()
    assert found.id.startswith("sharepoint-")
    assert found.capabilities == ("bereavement", "change of address")
    assert found.contract_end == dt.date(2027, 6, 30)
    assert found.users == 12 and found.licences is None
    assert await store.entry(found.id) == found


async def test_sharepoint_a_list_that_stops_answering_gives_the_last_read(
    sharepoint: Place,
) -> None:
    fake = sharepoint.fake
    assert fake is not None
    store = await sharepoint.open()
    await store.import_entries([entry(1)])
    assert len(await store.entries()) == 1
    fake.faults.unavailable = True
    fake.faults.retry_after = "0.01"
    sharepoint.seconds += 61
    assert [e.id for e in await store.entries()] == ["CMDB-00001"]
    with pytest.raises(CatalogueImportUnfinished) as stopped:
        await store.import_entries([entry(2)])
    assert stopped.value.written == 0


def test_the_sample_catalogue_can_be_stored_in_both_stores() -> None:
    """Local mode seeds it on first open: an entry no store could keep would stop the bot."""
    from bot.journeys.procurement.ports import check_storable
    from bot.journeys.procurement.sample_catalogue import SAMPLE

    check_storable(list(SAMPLE))
    assert all(e.sample for e in SAMPLE)


async def test_sharepoint_a_site_not_yet_provisioned_for_the_catalogue(
    sharepoint: Place,
) -> None:
    """A bot updated before provisioning was run again: searches find nothing (rather than
    fail), and an import says what to do, writing nothing."""
    assert sharepoint.graph is not None and sharepoint.fake is not None
    store = SharePointCatalogue(sharepoint.graph, list_id="No such list")
    assert await store.entries() == []
    assert await store.entry("CMDB-00001") is None
    with pytest.raises(CatalogueNotStored, match=r"python -m graph_clients\.provision"):
        await store.import_entries([entry(1)])
    assert sharepoint.fake.list_items(LIST) == []


async def test_sharepoint_a_replacing_import_removes_nothing_until_every_write_is_done(
    sharepoint: Place,
) -> None:
    """SharePoint has no transactions: the removals wait for the writes, and the same
    import run again finishes both."""
    fake = sharepoint.fake
    assert fake is not None
    store = await sharepoint.open()
    retired = [entry(n) for n in range(101, 106)]
    await store.import_entries(retired)
    many = [entry(n) for n in range(1, 61)]
    fake.reset_counters()
    fake.faults.drop_every = 30
    with pytest.raises(CatalogueImportUnfinished) as stopped:
        await store.import_entries(many, replace=True)
    fake.faults.drop_every = 0
    assert "Nothing was removed" in stopped.value.message
    kept = {i["EntryId"] for i in fake.list_items(LIST)}
    assert {e.id for e in retired} <= kept, "nothing removed while writes were missing"

    done = await store.import_entries(many, replace=True)

    assert sorted(e.id for e in done.removed) == [e.id for e in retired]
    assert sorted(i["EntryId"] for i in fake.list_items(LIST)) == [e.id for e in many]
    mark = fake.requests[-1].at
    again = await store.import_entries(many, replace=True)
    assert again.removed == () and batches(fake, mark) == [], "finished: nothing to do"


async def test_sharepoint_removals_go_in_batches_and_a_stopped_one_can_be_run_again(
    sharepoint: Place,
) -> None:
    fake = sharepoint.fake
    assert fake is not None
    store = await sharepoint.open()
    await store.import_entries([entry(n) for n in range(1, 31)])
    mark = fake.requests[-1].at
    done = await store.import_entries([entry(1)], replace=True)
    assert len(done.removed) == 29
    assert [len(r.body["requests"]) for r in batches(fake, mark)] == [20, 9]

    await _put_in_list(sharepoint, [entry(2), entry(2, "Made twice")])
    fake.faults.unavailable = True
    fake.faults.retry_after = "0.01"
    with pytest.raises(CatalogueRemoveUnfinished):
        await store.remove_entries(["CMDB-00002"])
    fake.faults.unavailable = False
    fake.reset_counters()
    fake.faults.drop_every = 2  # the list is read, then the delete's $batch is dropped
    with pytest.raises(CatalogueRemoveUnfinished):
        await store.remove_entries(["CMDB-00002"])
    fake.faults.drop_every = 0
    assert await store.remove_entries(["CMDB-00002"]) == [entry(2)]
    assert [i["EntryId"] for i in fake.list_items(LIST)] == ["CMDB-00001"], "both items"
