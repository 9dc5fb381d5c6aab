"""The requests list through the real msgraph-sdk: ETags, escaping, paging, batches."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import pytest

from bot.domain.model import ALSO_AFFECTED, AuditEntry, DigitalRequest, Status
from bot.ports import ChangedBySomeoneElse
from graph_clients.requests_list import GraphRequests, Written, triage_columns
from tests.integration.test_store_contract import NOW, new_request
from tests.support.fake_graph import FakeGraph
from tests.support.graph import provisioned

REQUESTS = "DFD Requests"


@pytest.fixture
async def fake() -> AsyncIterator[FakeGraph]:
    server = FakeGraph()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def graph_requests(fake: FakeGraph) -> AsyncIterator[GraphRequests]:
    graph = await provisioned(fake)
    yield GraphRequests(graph.client, graph.site_id, graph.base_url, graph.policy)
    await graph.close()


def request(number: int, user: str = "u1", title: str = "A title") -> DigitalRequest:
    new = new_request(user, title)
    return DigitalRequest(
        reference=f"DR-{NOW.year}-{number:04d}",
        details=new.details,
        requester=new.requester,
        score=new.score,
        route=new.route,
        status=Status.SUBMITTED,
        submitted_at=NOW,
    )


async def test_an_update_with_a_stale_etag_is_refused_and_changes_nothing(
    graph_requests: GraphRequests, fake: FakeGraph
) -> None:
    written = await graph_requests.create(request(1))
    found = await graph_requests.find(f"DR-{NOW.year}-0001")
    assert found is not None and found.item_id == written.item_id
    fresh = await graph_requests.update_fields(found.item_id, {"Status": "in_triage"}, found.etag)
    assert fresh and fresh != found.etag
    with pytest.raises(ChangedBySomeoneElse):
        await graph_requests.update_fields(found.item_id, {"Status": "rejected"}, found.etag)
    assert fake.list_items(REQUESTS)[0]["Status"] == "in_triage"
    again = await graph_requests.update_fields(found.item_id, {"Status": "with_board"}, fresh)
    assert again != fresh
    assert fake.list_items(REQUESTS)[0]["Status"] == "with_board"


async def test_a_reference_that_looks_like_odata_matches_nothing(
    graph_requests: GraphRequests,
) -> None:
    await graph_requests.create(request(1))
    assert await graph_requests.find("x' or 1 eq 1 or 'y") is None
    assert await graph_requests.find(f"DR-{NOW.year}-0001' or fields/Reference ne '") is None


async def test_listing_pages_through_next_links_and_never_assumes_one_page(
    graph_requests: GraphRequests,
) -> None:
    for number in range(1, 11):
        await graph_requests.create(request(number, user="me" if number % 5 else "other"))
    seen: list[str] = []
    token: str | None = None
    pages = 0
    for _ in range(10):
        page = await graph_requests.for_requester("me", token, page_size=3)
        pages += 1
        seen += [r.reference for r in page.items]
        token = page.next_token
        if token is None:
            break
    assert pages == 3
    assert sorted(seen) == sorted(f"DR-{NOW.year}-{n:04d}" for n in range(1, 11) if n % 5)


async def test_a_batch_reports_the_throttled_one_and_writes_the_others(
    graph_requests: GraphRequests, fake: FakeGraph
) -> None:
    fake.reset_counters()
    fake.faults.throttle_every = 3
    fake.faults.retry_after = "2"
    outcomes = await graph_requests.create_many([request(n) for n in range(1, 6)])
    assert outcomes[2] == 2.0, "the third is throttled and says when to come back"
    assert all(isinstance(o, Written) for o in outcomes[:2] + outcomes[3:]), outcomes
    assert [i["Reference"] for i in fake.list_items(REQUESTS)] == [
        f"DR-{NOW.year}-{n:04d}" for n in (1, 2, 4, 5)
    ], "the others were not failed by it (no dependsOn)"


async def test_the_highest_reference_number_of_a_year(graph_requests: GraphRequests) -> None:
    assert await graph_requests.max_number(NOW.year) == 0
    for number in (3, 12, 7):
        await graph_requests.create(request(number))
    assert await graph_requests.max_number(NOW.year) == 12


async def test_the_number_of_people_also_affected_is_its_own_column_for_reports(
    graph_requests: GraphRequests, fake: FakeGraph
) -> None:
    written = await graph_requests.create(request(1))
    assert fake.list_items(REQUESTS)[0]["AlsoAffected"] == 0
    joined = tuple(
        AuditEntry(NOW, who, who, ALSO_AFFECTED, Status.SUBMITTED, Status.SUBMITTED, "Said so")
        for who in ("u2", "u3", "u2")  # the same person twice counts once
    )
    found = await graph_requests.find(f"DR-{NOW.year}-0001")
    assert found is not None and found.item_id == written.item_id
    found = dataclasses.replace(found, history=joined)
    await graph_requests.update_fields(found.item_id, triage_columns(found), found.etag)
    assert fake.list_items(REQUESTS)[0]["AlsoAffected"] == 2
    again = await graph_requests.find(f"DR-{NOW.year}-0001")
    assert again is not None and again.also_affected == 2
