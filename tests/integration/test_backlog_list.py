"""The automation backlog reaches the "DFD Automation Backlog" SharePoint list for Power
Platform makers: provisioning makes the list (and adds it to a site made before it), and
each process is one item holding its newest version, whoever writes it and however often,
through throttling and a change made between the bot's look-up and its write. Through the
real msgraph-sdk against the local Graph-like server."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.backends import StoreNotReady
from bot.journey import JourneyContext
from bot.journeys.processes.backlog import backlog_line
from bot.journeys.processes.sharepoint import publish_backlog_entry, sync_backlog
from graph_clients import schema
from graph_clients.backlog_list import (
    BacklogEntryRefused,
    BacklogList,
    BacklogListMissing,
    backlog_entry,
)
from graph_clients.provision import provision
from graph_clients.wiring import GraphConnection
from tests.support.clock import SettableClock
from tests.support.fake_graph import FakeGraph
from tests.support.graph import connect, open_store, provisioned

BACKLOG = schema.BACKLOG.name
NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)
WRITES = ("POST", "PATCH", "PUT", "DELETE")


@pytest.fixture
async def fake() -> AsyncIterator[FakeGraph]:
    server = FakeGraph()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def graph(fake: FakeGraph) -> AsyncIterator[GraphConnection]:
    connection = await provisioned(fake)
    yield connection
    await connection.close()


def entry(number: int = 1, version: int = 1, **changes: Any) -> dict[str, Any]:
    """A backlog line as the processes journey sends it."""
    return {
        "process_id": f"proc-{number:04d}",
        "version": version,
        "name": f"Blue badge renewals {number}",
        "directorate": "Adults and Health",
        "service_area": "Customer services",
        "hours_per_year": 1200.0 + number,
        "hours_saveable": 800.5,
        "kind": "self_service_form",
        "ease": 3,
        "reason": "People fill in the same paper form each year.\nA form can do it.",
        "systems": ["Civica", "Outlook"],
        "owner_id": "aad-sam",
        "updated_at": NOW + dt.timedelta(minutes=version),
        **changes,
    }


def items(fake: FakeGraph) -> list[dict[str, Any]]:
    return fake.list_items(BACKLOG)


def writes_since(fake: FakeGraph, mark: int) -> list[Any]:
    return [r for r in fake.requests[mark:] if r.method in WRITES]


# -- Provisioning and the start-up check


async def test_provisioning_makes_the_list_with_its_columns(
    fake: FakeGraph, graph: GraphConnection
) -> None:
    columns = {c["name"]: c for c in fake.list_columns(BACKLOG)}
    for column in schema.BACKLOG.columns:
        assert columns[column.name]["displayName"] == column.display_name
        assert bool(columns[column.name]["indexed"]) == (column.indexed or column.unique)
    assert columns["ProcessId"]["enforceUniqueValues"] is True
    assert columns["Kind"]["choice"]["choices"] == [
        "Self-service form",
        "Power Automate flow",
        "Integration",
        "None",
    ]
    assert columns["Kind"]["choice"]["allowTextEntry"] is False
    assert columns["HoursSaveable"]["number"] == {}
    assert columns["UpdatedAt"]["dateTime"]["format"] == "dateTime"
    assert columns["Reason"]["text"]["allowMultipleLines"] is True


async def test_a_site_made_before_the_backlog_gets_only_the_list_and_then_starts(
    fake: FakeGraph, tmp_path: Path
) -> None:
    graph = connect(fake)
    try:
        earlier = tuple(spec for spec in schema.LISTS if spec is not schema.BACKLOG)
        await provision(graph.client, graph.site_id, earlier)
        with pytest.raises(StoreNotReady) as stopped:
            await open_store(fake, tmp_path, SettableClock(NOW))
        assert stopped.value.problems == [f'The list "{BACKLOG}" is missing.']
        mark = len(fake.requests)

        report = await provision(graph.client, graph.site_id)

        assert report.lists_created == [BACKLOG]
        assert {list_name for list_name, _ in report.columns_added} == {BACKLOG}
        assert not report.config_seeded and not report.columns_indexed
        create, *added = writes_since(fake, mark)
        assert (create.method, create.body["displayName"]) == ("POST", BACKLOG)
        assert create.path.endswith("/lists")
        # Every column goes to the one new list, and nothing else on the site is touched.
        assert len({r.path for r in added}) == 1 and added[0].path.endswith("/columns")
        assert len(added) == len(schema.BACKLOG.columns)
    finally:
        await graph.close()
    store = await open_store(fake, tmp_path, SettableClock(NOW))
    await store.close()


# -- Upsert: one item per process, its newest version


async def test_upsert_creates_then_updates_the_one_item(
    fake: FakeGraph, graph: GraphConnection
) -> None:
    backlog = BacklogList(graph)
    assert await backlog.upsert(entry(1)) == "created"
    [first] = items(fake)
    assert first["Title"] == "Blue badge renewals 1"
    assert first["ProcessId"] == "proc-0001"
    assert first["Kind"] == "Self-service form"
    assert first["Systems"] == "Civica\nOutlook"
    assert first["UpdatedAt"] == "2026-11-25T10:01:00Z"
    assert first["OwnerId"] == "aad-sam"

    newer = entry(1, version=2, kind="Power Automate flow", hours_saveable=1000)
    assert await backlog.upsert(newer) == "updated"

    [item] = items(fake)
    assert item["id"] == first["id"]
    assert (item["Version"], item["Kind"], item["HoursSaveable"]) == (
        2,
        "Power Automate flow",
        1000.0,
    )


async def test_sending_the_same_entry_again_writes_nothing(
    fake: FakeGraph, graph: GraphConnection
) -> None:
    backlog = BacklogList(graph)
    await backlog.upsert(entry(1))
    mark = len(fake.requests)

    assert await backlog.upsert(entry(1)) == "unchanged"

    assert writes_since(fake, mark) == []
    assert len(items(fake)) == 1


async def test_an_older_version_never_replaces_a_newer_one(
    fake: FakeGraph, graph: GraphConnection
) -> None:
    backlog = BacklogList(graph)
    await backlog.upsert(entry(1, version=3, name="Renewals, third map"))
    assert await backlog.upsert(entry(1, version=2)) == "kept newer"
    [item] = items(fake)
    assert (item["Version"], item["Title"]) == (3, "Renewals, third map")


async def test_entries_read_back_most_hours_saveable_first(graph: GraphConnection) -> None:
    backlog = BacklogList(graph)
    await backlog.upsert(entry(1, hours_saveable=10))
    await backlog.upsert(entry(2, hours_saveable=900, kind="integration", systems=[]))
    await backlog.upsert(entry(3, hours_saveable=300, systems="Civica"))

    found = await backlog.entries()

    assert [e.process_id for e in found] == ["proc-0002", "proc-0003", "proc-0001"]
    assert found[0] == backlog_entry(entry(2, hours_saveable=900, kind="integration", systems=[]))
    assert found[1].systems == ("Civica",)


async def test_two_instances_sending_one_new_process_at_once_leave_one_item(
    fake: FakeGraph, graph: GraphConnection
) -> None:
    other = connect(fake)
    try:
        outcomes = await asyncio.gather(
            BacklogList(graph).upsert(entry(1, version=1)),
            BacklogList(other).upsert(entry(1, version=2)),
        )
    finally:
        await other.close()
    assert "created" in outcomes
    [item] = items(fake)
    assert item["Version"] == 2


async def test_a_second_item_with_one_process_id_is_refused_and_the_write_goes_to_the_first(
    fake: FakeGraph, graph: GraphConnection
) -> None:
    class LateLookUp(BacklogList):
        """Looks the process up before another instance creates it, as a slow one would."""

        looked = False

        async def _find(self, process_id: str) -> Any:
            found = await super()._find(process_id)
            if not self.looked:
                self.looked = True
                assert await BacklogList(graph).upsert(entry(1, version=1)) == "created"
            return found

    assert await LateLookUp(graph).upsert(entry(1, version=2)) == "updated"
    [item] = items(fake)
    assert item["Version"] == 2
    conflicts = [r for r in fake.requests if r.method == "POST" and r.status == 409]
    assert len(conflicts) == 1


async def test_an_item_changed_after_the_look_up_is_looked_up_again(
    fake: FakeGraph, graph: GraphConnection
) -> None:
    backlog = BacklogList(graph)
    await backlog.upsert(entry(1, version=1))

    class Overtaken(BacklogList):
        """Another instance writes version 3 between this one's look-up and its write."""

        overtaken = False

        async def _find(self, process_id: str) -> Any:
            found = await super()._find(process_id)
            if not self.overtaken:
                self.overtaken = True
                assert await backlog.upsert(entry(1, version=3)) == "updated"
            return found

    assert await Overtaken(graph).upsert(entry(1, version=2)) == "kept newer"

    refused = [r for r in fake.requests if r.method == "PATCH" and r.status == 412]
    assert len(refused) == 1
    [item] = items(fake)
    assert item["Version"] == 3


async def test_throttled_calls_wait_as_told_and_land_once(
    fake: FakeGraph, graph: GraphConnection
) -> None:
    fake.faults.retry_after = "0"
    fake.faults.throttle_every = 2
    fake.reset_counters()
    backlog = BacklogList(graph)

    for number in range(1, 6):
        assert await backlog.upsert(entry(number)) == "created"
        assert await backlog.upsert(entry(number, version=2)) == "updated"

    fake.faults.throttle_every = 0
    throttled = [r for r in fake.requests if r.status == 429]
    assert len(throttled) >= 5
    assert sorted((i["ProcessId"], i["Version"]) for i in items(fake)) == [
        (f"proc-{n:04d}", 2) for n in range(1, 6)
    ]


async def test_a_sync_reads_the_list_once_and_writes_only_what_differs(
    fake: FakeGraph, graph: GraphConnection
) -> None:
    backlog = BacklogList(graph)
    await backlog.upsert(entry(1, version=1))  # the list is behind: updated
    await backlog.upsert(entry(2, version=1))  # the same: left alone
    await backlog.upsert(entry(3, version=5))  # the list is ahead: kept
    mark = len(fake.requests)
    lines = [entry(1, version=2), entry(2, version=1), entry(3, version=4), entry(4)]

    outcomes = await backlog.sync([backlog_entry(line) for line in lines])

    assert dict(outcomes) == {"updated": 1, "unchanged": 1, "kept newer": 1, "created": 1}
    reads = [r for r in fake.requests[mark:] if r.method == "GET"]
    assert len(reads) == 1 and "filter" not in reads[0].query
    assert [(r.method, r.path.rsplit("/", 2)[-2:]) for r in writes_since(fake, mark)] == [
        ("PATCH", ["1", "fields"]),
        ("POST", ["DFD Automation Backlog", "items"]),
    ]
    assert sorted((i["ProcessId"], i["Version"]) for i in items(fake)) == [
        ("proc-0001", 2),
        ("proc-0002", 1),
        ("proc-0003", 5),
        ("proc-0004", 1),
    ]


async def test_a_site_not_provisioned_yet_says_so(fake: FakeGraph) -> None:
    graph = connect(fake)
    try:
        with pytest.raises(BacklogListMissing, match=r"graph_clients\.provision"):
            await BacklogList(graph).upsert(entry(1))
    finally:
        await graph.close()


# -- Entries the list cannot hold


def test_a_bad_entry_is_refused_with_every_problem_in_plain_words() -> None:
    bad = entry(
        1,
        process_id=" ",
        version=0,
        hours_per_year="lots",
        hours_saveable=-5,
        kind="robots",
        ease=4,
        systems=["Civica\nOutlook"],
        updated_at=dt.datetime(2026, 11, 25, 10, 0),
    )
    with pytest.raises(BacklogEntryRefused) as refused:
        backlog_entry(bad)
    assert refused.value.problems == (
        "The process id is missing.",
        "The version must be from 1 to 999999.",
        "The ease must be from 0 to 3.",
        "The hours a year must be a number, not 'lots'.",
        "The hours a year saveable must be from 0 to 1,000,000,000,000.",
        "The kind 'robots' is not one of: Self-service form, Power Automate flow, "
        "Integration, None.",
        "Each system's name must be one line of at most 255 characters.",
        "When it was updated must be a date and time with its time zone.",
    )


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"hours_saveable": 2000.0}, "are more than the hours a year the process takes"),
        ({"hours_per_year": float("nan")}, "The hours a year must be a number, not nan."),
        ({"hours_per_year": True}, "The hours a year must be a number, not True."),
        ({"version": 1.5}, "The version must be a whole number, not 1.5."),
        ({"ease": float("inf")}, "The ease must be a whole number, not inf."),
        ({"name": "x" * 256}, "The process's name is longer than 255 characters."),
        ({"name": None}, "The process's name is missing."),
        ({"directorate": 7}, "The directorate must be text."),
        ({"reason": "y" * 10_001}, "The reason must be text of at most 10,000 characters."),
        ({"systems": {"Civica": 1}}, "The systems must be a list of names."),
        ({"updated_at": "yesterday"}, "When it was updated must be a date and time"),
    ],
)
def test_each_bad_value_is_named(changes: dict[str, Any], problem: str) -> None:
    with pytest.raises(BacklogEntryRefused) as refused:
        backlog_entry(entry(1, **changes))
    assert len(refused.value.problems) == 1
    assert problem in refused.value.problems[0]


def test_the_kind_is_understood_by_its_key_or_its_label() -> None:
    kinds = ["self-service form", "Power Automate flow", "power_automate_flow", "flow"]
    kinds += ["INTEGRATION", "none"]
    found = [backlog_entry(entry(1, kind=kind)).kind for kind in kinds]
    assert found == [
        "Self-service form",
        "Power Automate flow",
        "Power Automate flow",
        "Power Automate flow",
        "Integration",
        "None",
    ]
    assert backlog_entry(entry(1, updated_at="2026-11-25T10:01:00.123Z")).updated_at == (
        dt.datetime(2026, 11, 25, 10, 1, tzinfo=dt.UTC)
    )


async def test_a_bad_entry_writes_nothing(fake: FakeGraph, graph: GraphConnection) -> None:
    mark = len(fake.requests)
    with pytest.raises(BacklogEntryRefused):
        await BacklogList(graph).upsert(entry(1, hours_per_year=-1))
    assert fake.requests[mark:] == []


# -- The journey's hook: after the person's answer, never failing it


def journey_context(graph: GraphConnection | None) -> JourneyContext:
    unused: Any = object()  # publishing touches neither the store nor the notifier
    return JourneyContext(
        store=unused, clock=SettableClock(NOW), notifier=unused, admin_ids=frozenset(), graph=graph
    )


async def settled(ctx: JourneyContext) -> None:
    await asyncio.gather(*ctx.tasks)


async def test_publishing_copies_the_entry_after_the_turn(
    fake: FakeGraph, graph: GraphConnection
) -> None:
    ctx = journey_context(graph)
    await publish_backlog_entry(ctx, entry(1))
    assert len(ctx.tasks) == 1  # in the background: the turn did not wait for Graph
    await settled(ctx)
    assert [i["ProcessId"] for i in items(fake)] == ["proc-0001"]


async def test_publishing_without_sharepoint_does_nothing() -> None:
    ctx = journey_context(None)
    await publish_backlog_entry(ctx, entry(1))
    assert ctx.tasks == set()


async def test_publishing_a_bad_entry_or_while_graph_is_away_only_logs(
    fake: FakeGraph, graph: GraphConnection, caplog: pytest.LogCaptureFixture
) -> None:
    ctx = journey_context(graph)
    with caplog.at_level(logging.ERROR, logger="bot.journeys.processes.sharepoint"):
        await publish_backlog_entry(ctx, entry(1, kind="robots"))
        assert ctx.tasks == set()
        fake.faults.retry_after = "0"
        fake.faults.unavailable = True
        await publish_backlog_entry(ctx, entry(2))
        await settled(ctx)
    fake.faults.unavailable = False
    messages = [r.getMessage() for r in caplog.records]
    assert any("proc-0001" in m and "'robots' is not one of" in m for m in messages), messages
    assert any(m == "Process proc-0002 was not copied to the SharePoint backlog" for m in messages)
    assert items(fake) == []


async def test_a_copy_missed_while_graph_was_away_is_made_by_the_sync(
    fake: FakeGraph, graph: GraphConnection, caplog: pytest.LogCaptureFixture
) -> None:
    ctx = journey_context(graph)
    fake.faults.retry_after = "0"
    fake.faults.unavailable = True
    await publish_backlog_entry(ctx, entry(1))
    await settled(ctx)
    fake.faults.unavailable = False
    assert items(fake) == []

    with caplog.at_level(logging.ERROR, logger="bot.journeys.processes.sharepoint"):
        await sync_backlog(ctx, [entry(1), entry(2, ease=-1)])

    assert [i["ProcessId"] for i in items(fake)] == ["proc-0001"]
    assert any("proc-0002" in r.getMessage() for r in caplog.records)
    await sync_backlog(journey_context(None), [entry(3)])  # SQLite: no list, nothing to do
    assert len(items(fake)) == 1


async def test_the_line_of_the_largest_map_the_journey_takes_lands_in_the_list(
    fake: FakeGraph, graph: GraphConnection
) -> None:
    steps = [
        {
            "who": "Officer",
            "what": "Re-key the application from the email into Civica",
            "system": "Civica" if n % 2 else "Outlook",
            "minutes": 480,
            "share": 100,
        }
        for n in range(50)
    ]
    process = {
        "id": "proc-big",
        "version": 2,
        "name": "Blue badge applications",
        "directorate": "Adults and Health",
        "service_area": "Customer services",
        "users": ["residents"],
        "items_per_month": 1_000_000,
        "steps": steps,
        "pain_points": "Everything is typed twice.",
        "submitted_at": NOW.isoformat(),
    }
    ctx = journey_context(graph)

    await publish_backlog_entry(ctx, backlog_line(process, "aad-sam"))
    await settled(ctx)

    [item] = items(fake)
    assert (item["ProcessId"], item["Version"], item["OwnerId"]) == ("proc-big", 2, "aad-sam")
    assert item["HoursPerYear"] == 4_800_000_000
    assert item["Kind"] in schema.BACKLOG_KINDS and item["Ease"] in (0, 1, 2, 3)
    assert item["UpdatedAt"] == "2026-11-25T10:00:00Z"


def test_the_entry_keys_are_the_ones_the_journey_sends() -> None:
    checked = backlog_entry(entry(1))
    assert {f.name for f in dataclasses.fields(checked)} == set(entry(1))
