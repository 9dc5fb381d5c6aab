"""The triage roster read from an Entra group through the real msgraph-sdk."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest

from graph_clients.roster import GroupRoster
from graph_clients.wiring import GraphConnection
from tests.support.fake_graph import FakeGraph
from tests.support.graph import TEST_POLICY, connect

GROUP = "9a1c0e4b-7d2f-4a55-8a44-0b8d2d6a1f10"
NESTED = "5e0f4d2c-1b3a-4c6d-9e8f-7a6b5c4d3e2f"


def user(n: int) -> str:
    return f"00000000-0000-0000-0000-{n:012d}"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def fake() -> AsyncIterator[FakeGraph]:
    server = FakeGraph()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def graph(fake: FakeGraph) -> AsyncIterator[GraphConnection]:
    connection = connect(fake)
    yield connection
    await connection.close()


def member_requests(fake: FakeGraph) -> list[str]:
    return [r.query for r in fake.graph_requests() if r.path.endswith("/transitiveMembers")]


async def test_the_roster_is_the_groups_users_including_nested_groups(
    fake: FakeGraph, graph: GraphConnection
) -> None:
    fake.add_group(GROUP, [user(1), user(2)], nested={NESTED: [user(3), user(1)]})
    roster = GroupRoster(graph.client, GROUP, TEST_POLICY)
    assert await roster.members() == {user(1), user(2), user(3)}
    assert NESTED not in await roster.members(), "a nested group is not a person"
    assert await roster.contains(user(3))
    assert not await roster.contains(user(4))
    assert member_requests(fake) == ["$select=id,displayName&$top=999"]


async def test_the_roster_knows_each_members_name_from_the_group(
    fake: FakeGraph, graph: GraphConnection
) -> None:
    """So anyone in the group can be assigned by name, even before they use the bot."""
    fake.add_group(
        GROUP,
        [user(1), user(2)],
        nested={NESTED: [user(3)]},
        names={user(1): "Tess  Ortiz", user(3): "Raj Patel", NESTED: "IT triage leads"},
    )
    roster = GroupRoster(graph.client, GROUP, TEST_POLICY)
    assert await roster.names() == {user(1): "Tess Ortiz", user(3): "Raj Patel"}
    assert await roster.members() == {user(1), user(2), user(3)}
    assert len(member_requests(fake)) == 1, "names come with the members, in one read"


async def test_names_pages_are_all_read(fake: FakeGraph, graph: GraphConnection) -> None:
    fake.add_group(
        GROUP, [user(n) for n in range(1, 251)], names={user(n): f"P{n}" for n in range(1, 251)}
    )
    roster = GroupRoster(graph.client, GROUP, TEST_POLICY)
    names = await roster.names()
    assert len(names) == 250 and names[user(250)] == "P250"


async def test_a_big_group_is_read_page_by_page(fake: FakeGraph, graph: GraphConnection) -> None:
    fake.add_group(GROUP, [user(n) for n in range(1, 251)], nested={NESTED: [user(251)]})
    roster = GroupRoster(graph.client, GROUP, TEST_POLICY)
    assert await roster.members() == {user(n) for n in range(1, 252)}
    assert len(member_requests(fake)) == 2, "the fake sends 200 a page: one nextLink followed"


async def test_a_group_that_does_not_exist_lets_nobody_act_and_says_so(
    fake: FakeGraph, graph: GraphConnection, caplog: pytest.LogCaptureFixture
) -> None:
    roster = GroupRoster(graph.client, GROUP, TEST_POLICY)
    with caplog.at_level(logging.WARNING, logger="graph_clients.roster"):
        assert await roster.members() == frozenset()
    assert not await roster.contains(user(1))
    assert any(GROUP in r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING)


async def test_throttling_is_waited_out_as_retry_after_asks(
    fake: FakeGraph, graph: GraphConnection
) -> None:
    fake.add_group(GROUP, [user(n) for n in range(1, 6)])
    fake.page_size = 2
    fake.faults.throttle_every = 2
    fake.faults.retry_after = "0.2"
    roster = GroupRoster(graph.client, GROUP, TEST_POLICY)
    assert await roster.members() == {user(n) for n in range(1, 6)}
    requests = fake.graph_requests()
    assert [r.status for r in requests] == [200, 429, 200, 429, 200]
    for throttled, retried in ((requests[1], requests[2]), (requests[3], requests[4])):
        assert retried.query == throttled.query, "the same page is asked for again"
        assert retried.at - throttled.at >= 0.2


async def test_within_the_ttl_a_second_look_asks_graph_nothing(
    fake: FakeGraph, graph: GraphConnection
) -> None:
    fake.add_group(GROUP, [user(1)])
    clock = Clock()
    roster = GroupRoster(graph.client, GROUP, TEST_POLICY, ttl=60.0, clock=clock)
    assert await roster.contains(user(1))
    asked = len(fake.graph_requests())
    fake.add_group(GROUP, [user(2)])
    clock.now = 59.0
    assert await roster.contains(user(1))
    assert len(fake.graph_requests()) == asked
    clock.now = 60.0
    assert await roster.members() == {user(2)}
    assert len(fake.graph_requests()) == asked + 1


async def test_an_outage_keeps_the_members_last_read(
    fake: FakeGraph, graph: GraphConnection
) -> None:
    fake.add_group(GROUP, [user(1)])
    clock = Clock()
    roster = GroupRoster(graph.client, GROUP, TEST_POLICY, ttl=60.0, clock=clock)
    assert await roster.contains(user(1))
    fake.faults.unavailable = True
    fake.faults.retry_after = "0"
    clock.now = 60.0
    assert await roster.contains(user(1))
    assert fake.graph_requests()[-1].status == 503
