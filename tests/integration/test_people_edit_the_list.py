"""People edit the "DFD Requests" list too: what they change in its columns is what the bot reads.

A board secretary in the list view, or a maker's Power App, changes an item's fields through
Graph. Here that is a second, separate Graph client PATCHing the item on the local Graph-like
server, while the store runs the real msgraph-sdk as the bot does.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from msgraph.generated.models.column_definition import ColumnDefinition
from msgraph.generated.models.field_value_set import FieldValueSet
from msgraph.generated.models.list_item import ListItem

from bot.domain import codec
from bot.domain.model import DigitalRequest, Status
from graph_clients import schema
from graph_clients.provision import provision
from graph_clients.requests_list import to_fields
from graph_clients.store import SharePointStore
from graph_clients.wiring import GraphConnection
from tests.integration.test_store_contract import NOW, new_request, triaged
from tests.support.clock import SettableClock
from tests.support.fake_graph import FakeGraph
from tests.support.graph import connect, open_store, provisioned

REQUESTS = schema.REQUESTS.name


@pytest.fixture
async def fake() -> AsyncIterator[FakeGraph]:
    server = FakeGraph()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def store(fake: FakeGraph, tmp_path: Path) -> AsyncIterator[SharePointStore]:
    graph = await provisioned(fake)
    opened = await open_store(fake, tmp_path, SettableClock(NOW), graph)
    yield opened
    await opened.close()


@pytest.fixture
async def person(fake: FakeGraph) -> AsyncIterator[GraphConnection]:
    """A Power App's own connection to the same list."""
    graph = connect(fake)
    yield graph
    await graph.close()


async def written(store: SharePointStore, request: DigitalRequest | None = None) -> DigitalRequest:
    stored = await store.add(new_request()) if request is None else request
    await store.write_pending()
    assert await store.pending_writes() == 0
    return stored


async def edit(person: GraphConnection, fake: FakeGraph, reference: str, **fields: Any) -> None:
    """PATCH the item's fields through Graph, as the list view or a Power App does."""
    item = next(i for i in fake.list_items(REQUESTS) if i["Reference"] == reference)
    await (
        person.client.sites.by_site_id(person.site_id)
        .lists.by_list_id(REQUESTS)
        .items.by_list_item_id(str(item["id"]))
        .fields.patch(FieldValueSet(additional_data=fields))
    )


async def test_board_process_and_status_edited_in_the_list_are_what_the_bot_reads(
    store: SharePointStore, person: GraphConnection, fake: FakeGraph
) -> None:
    stored = await written(store)
    assert (stored.route.board, stored.route.process) == ("ddc", "project")

    await edit(person, fake, stored.reference, Board="ictig", Process="change_request")
    await edit(person, fake, stored.reference, Status="with_board")

    got = await store.get(stored.reference)
    assert got is not None
    assert (got.route.board, got.route.process, got.status) == (
        "ictig",
        "change_request",
        Status.WITH_BOARD,
    )
    assert got.route.rule == stored.route.rule  # why the rules proposed a board stays known


async def test_a_triage_change_after_a_board_edit_keeps_the_board_people_chose(
    store: SharePointStore, person: GraphConnection, fake: FakeGraph
) -> None:
    stored = await written(store)
    await edit(person, fake, stored.reference, Board="trb")

    got = await store.get(stored.reference)
    assert got is not None
    await store.update(triaged(got, Status.IN_TRIAGE))
    await written(store, got)

    item = fake.list_items(REQUESTS)[0]
    assert (item["Board"], item["Status"], item["AssigneeName"]) == ("trb", "in_triage", "Tess")
    again = await store.get(stored.reference)
    assert again is not None and again.route.board == "trb"


async def test_the_json_columns_hold_nothing_people_edit(
    store: SharePointStore, fake: FakeGraph
) -> None:
    stored = await store.add(new_request())
    await store.update(triaged(stored, Status.IN_TRIAGE))
    await written(store, stored)

    item = fake.list_items(REQUESTS)[0]
    assert set(json.loads(item["RouteJson"])) == {"reason", "rule"}
    triage = json.loads(item["TriageJson"])
    assert not {"assignee_id", "assignee_name", "duplicate_of"} & set(triage)
    assert (item["AssigneeId"], item["AssigneeName"]) == ("triager", "Tess")


async def test_an_assignee_cleared_in_the_list_stays_cleared(
    store: SharePointStore, person: GraphConnection, fake: FakeGraph
) -> None:
    stored = await store.add(new_request())
    await store.update(triaged(stored, Status.IN_TRIAGE))
    await written(store, stored)

    await edit(person, fake, stored.reference, AssigneeId=None, AssigneeName=None)

    got = await store.get(stored.reference)
    assert got is not None and (got.assignee_id, got.assignee_name) == ("", "")


async def test_an_old_item_with_an_empty_board_column_reads_its_board_from_route_json(
    store: SharePointStore, person: GraphConnection, fake: FakeGraph
) -> None:
    new = new_request()
    old = DigitalRequest(
        reference=f"DR-{NOW.year}-0100",
        details=new.details,
        requester=new.requester,
        score=new.score,
        route=new.route,
        status=Status.SUBMITTED,
        submitted_at=NOW,
    )
    # As the bot wrote items before Board and Process were read from their columns.
    fields = {**to_fields(old), "RouteJson": json.dumps(codec.route_to_dict(old.route))}
    del fields["Board"], fields["Process"]
    await (
        person.client.sites.by_site_id(person.site_id)
        .lists.by_list_id(REQUESTS)
        .items.post(ListItem(fields=FieldValueSet(additional_data=fields)))
    )
    assert "Board" not in fake.list_items(REQUESTS)[0]

    got = await store.get(old.reference)
    assert got is not None
    assert got.route == old.route == new.route


async def test_a_board_typed_by_its_name_is_read_as_its_key(
    store: SharePointStore, person: GraphConnection, fake: FakeGraph
) -> None:
    stored = await written(store)
    await edit(person, fake, stored.reference, Board="Technical Review Board")

    got = await store.get(stored.reference)
    assert got is not None and got.route.board == "trb"


async def test_a_board_that_does_not_exist_is_shown_as_typed_and_logged_once(
    store: SharePointStore,
    person: GraphConnection,
    fake: FakeGraph,
    caplog: pytest.LogCaptureFixture,
) -> None:
    stored = await written(store)
    await edit(person, fake, stored.reference, Board="Finance board")

    with caplog.at_level(logging.WARNING):
        first = await store.get(stored.reference)
        page = await store.for_requester(stored.requester.user_id)
        again = await store.get(stored.reference)

    # What the list says, so the card and the list agree; a card shows a key no board has.
    assert first is not None and again is not None
    assert first.route.board == again.route.board == page.items[0].route.board == "Finance board"
    logged = [r.getMessage() for r in caplog.records if "Finance board" in r.getMessage()]
    assert len(logged) == 1, logged
    assert stored.reference in logged[0]


async def test_a_status_that_is_not_ours_breaks_no_read_and_shows_the_last_the_bot_recorded(
    store: SharePointStore,
    person: GraphConnection,
    fake: FakeGraph,
    caplog: pytest.LogCaptureFixture,
) -> None:
    triage_me = await store.add(new_request("u1", "Triaged first"))
    await store.update(triaged(triage_me, Status.AWAITING_INFORMATION))
    untouched = await store.add(new_request("u1", "Never triaged"))
    await written(store, untouched)
    for request in (triage_me, untouched):
        await edit(person, fake, request.reference, Status="Maybe later")

    with caplog.at_level(logging.WARNING):
        first = await store.get(triage_me.reference)
        second = await store.get(untouched.reference)
        page = await store.for_requester("u1")

    # Shown: the last status in the item's own history (what the bot last recorded), or
    # "submitted" for an item with none. The list keeps what the person typed.
    assert first is not None and second is not None
    assert first.status is Status.AWAITING_INFORMATION
    assert second.status is Status.SUBMITTED
    assert {r.reference: r.status for r in page.items} == {
        triage_me.reference: Status.AWAITING_INFORMATION,
        untouched.reference: Status.SUBMITTED,
    }
    assert {i["Status"] for i in fake.list_items(REQUESTS)} == {"Maybe later"}
    logged = [r.getMessage() for r in caplog.records if "Maybe later" in r.getMessage()]
    assert len(logged) == 2 and all("Status" in message for message in logged), logged


async def test_a_status_typed_as_people_write_it_is_understood(
    store: SharePointStore, person: GraphConnection, fake: FakeGraph
) -> None:
    stored = await written(store)
    await edit(person, fake, stored.reference, Status="In triage")

    got = await store.get(stored.reference)
    assert got is not None and got.status is Status.IN_TRIAGE


def test_every_column_says_who_edits_it() -> None:
    for spec in schema.LISTS:
        for column in spec.columns:
            assert column.description.startswith((schema.PEOPLE, schema.BOT, schema.ADMINS)), (
                column.name
            )
    people = {c.name for c in schema.REQUESTS.columns if c.description.startswith(schema.PEOPLE)}
    assert people == {"Status", "Board", "Process", "AssigneeId", "AssigneeName", "DuplicateOf"}


async def test_makers_see_who_edits_each_column_in_its_description(fake: FakeGraph) -> None:
    graph = connect(fake)
    try:
        undescribed = dataclasses.replace(
            schema.REQUESTS,
            columns=tuple(dataclasses.replace(c, description="") for c in schema.REQUESTS.columns),
        )
        await provision(graph.client, graph.site_id, (undescribed, schema.CONFIG))
        board = next(c for c in fake.list_columns(REQUESTS) if c["name"] == "Board")
        assert board["description"] == ""
        await edit_column(graph, "Status", "Our own words for Status")

        check = await provision(graph.client, graph.site_id, dry_run=True)
        report = await provision(graph.client, graph.site_id)
        again = await provision(graph.client, graph.site_id, dry_run=True)
    finally:
        await graph.close()

    assert check.changed and not check.applied
    described = {name for _, name in report.columns_described}
    assert "Board" in described and "Status" not in described
    assert any("Status" in note for note in report.warnings)  # someone's words are kept
    columns = {c["name"]: c["description"] for c in fake.list_columns(REQUESTS)}
    assert columns["Board"].startswith(schema.PEOPLE)
    assert columns["DetailsJson"].startswith(schema.BOT)
    assert columns["Status"] == "Our own words for Status"
    assert not again.changed


async def edit_column(graph: GraphConnection, name: str, description: str) -> None:
    columns = graph.client.sites.by_site_id(graph.site_id).lists.by_list_id(REQUESTS).columns
    found = await columns.get()
    column = next(c for c in (found.value if found else None) or [] if c.name == name)
    await columns.by_column_definition_id(str(column.id)).patch(
        ColumnDefinition(description=description)
    )


async def test_the_same_request_under_an_etag_the_bot_never_learnt_is_not_a_change(
    store: SharePointStore,
) -> None:
    """A write whose reply did not give its ETag (a $batch create, say) leaves the journal
    not knowing it. Reading SharePoint's copy then must not make cards look out of date."""
    stored = await written(store)
    known = await store.journal.graph_item(stored.reference)
    assert known is not None
    await store.journal.remember_item(stored.reference, known[0], "")
    read = await store.get(stored.reference)
    assert read is not None
    assert read.etag == stored.etag, "a card drawn before is still current"
    assert read.history == stored.history, "no change is recorded"
    relearnt = await store.journal.graph_item(stored.reference)
    assert relearnt is not None and relearnt[1] == known[1]
