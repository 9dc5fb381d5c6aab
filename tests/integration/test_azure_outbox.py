"""The SharePoint outbox on Azure Storage (Azurite): writes shared by instances, none lost.

The outbox is a mixin of the Azure journal. Most tests run it on a journal just big enough
to owe writes (rows added with `_owe` in one transaction, then announced); the last two run
two SharePoint stores on the real Azure journal and the Graph-like server. The queue's
visibility timeouts are the server's real time, so the tests that wait for a message to
come back use a one-second timeout and look again for a few seconds at most.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from azure.data.tables import UpdateMode

from bot.azure_state.account import AzureState
from bot.azure_state.entities import get_or_none, stamp
from bot.azure_state.journal import AzureJournal
from bot.azure_state.journal_rows import PARTITION, TABLE, order_of, pointer_row
from bot.azure_state.outbox import COUNT_FRESH, QUEUE, VISIBILITY, AzureOutbox, lease_row
from bot.azure_state.working import AzureWorkingState
from bot.backends import open_sharepoint_on_azure
from bot.domain.model import Status
from bot.domain.references import format_reference, parse_reference
from bot.ports import OutboxOp
from graph_clients.schema import REQUESTS
from graph_clients.store import SharePointStore
from graph_clients.wiring import open_sharepoint_store
from tests.integration.test_store_contract import new_request
from tests.support.clock import SettableClock
from tests.support.fake_graph import FakeGraph
from tests.support.graph import connect, provisioned

NOW = dt.datetime(2031, 3, 4, 9, 30, tzinfo=dt.UTC)
ONE_SECOND = dt.timedelta(seconds=1)


class TinyJournal(AzureOutbox):
    """Owes writes the way the journal does: the rows in one transaction, then a message."""

    def __init__(self, azure: AzureState, clock: SettableClock, **options: Any) -> None:
        super().__init__(azure, clock, **options)
        self.azure = azure
        self._written: dict[str, int] = {}

    async def owe(self, reference: str, *ops: str, announce: bool = True) -> None:
        parsed = parse_reference(reference)
        assert parsed is not None
        first = self._written.get(reference, 0) + 1
        self._written[reference] = first + len(ops) - 1
        rows = [self._owe(reference, order_of(*parsed), first + i, op) for i, op in enumerate(ops)]
        pointer = {"PartitionKey": PARTITION, "RowKey": pointer_row(reference)}
        table = await self.azure.table(TABLE)
        await table.submit_transaction(
            [("upsert", pointer, {"mode": UpdateMode.MERGE})] + [("create", r) for r in rows]
        )
        if announce:
            await self._announce(reference)

    async def graph_item(self, reference: str) -> tuple[str, str] | None:
        row = await get_or_none(await self.azure.table(TABLE), PARTITION, pointer_row(reference))
        return (row["ItemId"], row["GraphEtag"]) if row and "ItemId" in row else None


Make = Callable[..., TinyJournal]


def ref(number: int) -> str:
    return format_reference(NOW.year, number)


def owed(ops: list[OutboxOp]) -> list[tuple[str, str, int]]:
    return [(op.reference, op.op, op.attempts) for op in ops]


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(NOW)


@pytest.fixture
async def make(azure_state: AzureState, clock: SettableClock) -> AsyncIterator[Make]:
    """Instances on one account: each its own clients (as another process would have)."""
    made: list[TinyJournal] = []

    def instance(**options: Any) -> TinyJournal:
        made.append(TinyJournal(AzureState(azure_state.settings), clock, **options))
        return made[-1]

    yield instance
    for outbox in made:
        await outbox._stop_holding()  # renewals started by `_open_outbox`
        await outbox.azure.close()


async def messages_in_queue(outbox: TinyJournal) -> int:
    queue = await outbox.azure.queue(QUEUE)
    return (await queue.get_queue_properties()).approximate_message_count


async def lease(outbox: TinyJournal, reference: str) -> Any:
    return await get_or_none(await outbox.azure.table(TABLE), PARTITION, lease_row(reference))


async def eventually(outbox: TinyJournal, seconds: float = 5.0) -> list[OutboxOp]:
    """What the outbox offers once the queue shows a hidden message again (server time)."""
    for _ in range(int(seconds * 10)):
        ops = await outbox.outbox_pending(limit=500)
        if ops:
            return ops
        await asyncio.sleep(0.1)
    return []


async def test_writes_are_offered_oldest_first_and_counted_per_request(make: Make) -> None:
    outbox = make()
    await outbox._open_outbox()
    await outbox.owe(ref(1), "create")
    await outbox.owe(ref(2), "create", "triage")
    await outbox.owe(ref(1), "update")
    ops = await outbox.outbox_pending()
    assert owed(ops) == [
        (ref(1), "create", 0),
        (ref(1), "update", 0),
        (ref(2), "create", 0),
        (ref(2), "triage", 0),
    ]
    assert [op.seq for op in ops] == sorted(op.seq for op in ops)
    assert owed(await outbox.outbox_pending()) == owed(ops), "held requests are offered again"
    assert [op.seq for op in await outbox.outbox_pending(limit=2)] == [ops[0].seq, ops[1].seq]
    assert await outbox.outbox_count() == 4
    assert await outbox.pending_for(ref(1)) == 2
    assert await outbox.pending_for(ref(3)) == 0
    assert await outbox.unwritten_references() == {ref(1), ref(2)}
    assert (await lease(outbox, ref(1)))["Holder"] == outbox._holder


async def test_two_instances_never_hold_the_same_request_at_once(make: Make) -> None:
    one, two = make(bounce=dt.timedelta(0)), make(bounce=dt.timedelta(0))
    references = [ref(n) for n in range(1, 13)]
    for reference in references:
        await one.owe(reference, "create")
        await one.owe(reference, "triage")  # two messages each: one may reach each instance
    assert owed(await one.outbox_pending(limit=1)) == [(ref(1), "create", 0)]
    # The other message naming DR-…-0001 is visible: the lease keeps it from `two`.
    for limit in (10, 10, 500):  # each receives its own messages, then everything is held
        got = await asyncio.gather(one.outbox_pending(limit=limit), two.outbox_pending(limit=limit))
        mine, theirs = ({op.reference for op in ops} for ops in got)
        assert ref(1) in mine
        assert not mine & theirs
    assert theirs, "both instances had work"
    assert mine | theirs == set(references)
    for ops in got:  # a request's writes all go to the instance holding it
        assert len(ops) == 2 * len({op.reference for op in ops})

    for outbox, ops in zip((one, two), got, strict=True):
        for op in ops:
            await outbox.outbox_done(op.seq, op.reference, "", "")
    for _ in range(3):  # duplicates bounced to the other come back, owe nothing, and go
        assert await one.outbox_pending(limit=500) == []
        assert await two.outbox_pending(limit=500) == []
    assert await one.outbox_count() == 0
    assert await messages_in_queue(one) == 0
    assert await lease(one, references[0]) is None


async def test_work_of_an_instance_that_dies_is_taken_over_and_counted_as_tried(
    make: Make, clock: SettableClock
) -> None:
    dies = make(visibility=ONE_SECOND)
    other = make(visibility=ONE_SECOND)
    await dies.owe(ref(1), "create", "update")
    await dies.owe(ref(2), "create")
    assert len(await dies.outbox_pending()) == 3
    # It stops here, mid-write: nothing done, failed or given back.
    assert await other.outbox_pending() == [], "hidden and leased while it may be writing"

    clock.advance(2 * ONE_SECOND)
    taken = await eventually(other)
    assert owed(taken) == [
        (ref(1), "create", 1),
        (ref(1), "update", 1),
        (ref(2), "create", 1),
    ], "it may have written them just before dying: the writer looks SharePoint up first"
    assert (await lease(other, ref(1)))["Holder"] == other._holder


async def test_a_failed_write_comes_back_with_its_attempts_then_after_a_growing_wait(
    make: Make,
) -> None:
    outbox = make(retry_at_once=1, retry_base=ONE_SECOND)
    other = make(retry_at_once=1, retry_base=ONE_SECOND)
    await outbox.owe(ref(1), "create")
    await outbox.owe(ref(2), "create")
    head = (await outbox.outbox_pending())[0]
    await outbox.outbox_failed(head.seq, "503 from SharePoint " + "x" * 1000)
    row = await get_or_none(await outbox.azure.table(TABLE), PARTITION, f"out|{ref(1)}|000001")
    assert row["Attempts"] == 1
    assert len(row["LastError"]) == 500
    assert (await lease(outbox, ref(1)))["Holder"] == "", "given back for any instance"
    assert owed(await other.outbox_pending()) == [(ref(1), "create", 1)]

    await other.outbox_failed(head.seq, "timed out")
    assert await other.outbox_pending() == [], "a second failure waits a while"
    assert owed(await outbox.outbox_pending()) == [(ref(2), "create", 0)]
    assert owed(await eventually(other)) == [(ref(1), "create", 2)]
    assert await other.outbox_count() == 2


async def test_done_and_skipped_writes_go_and_a_finished_request_leaves_nothing(
    make: Make,
) -> None:
    outbox = make()
    await outbox.owe(ref(1), "create", "update", "update")
    await outbox.owe(ref(2), "create", "triage")
    create, _, second, other, _ = await outbox.outbox_pending()
    await outbox.owe(ref(1), "update")  # queued while the others are being written

    await outbox.outbox_done(create.seq, ref(1), "17", '"etag-1"')
    assert await outbox.graph_item(ref(1)) == ("17", '"etag-1"')
    await outbox.outbox_skip(ref(1), "update", through_seq=second.seq)
    assert owed(await outbox.outbox_pending()) == [
        (ref(1), "update", 0),
        (ref(2), "create", 0),
        (ref(2), "triage", 0),
    ], "the update queued after the write that carried the others is still owed"
    await outbox.outbox_skip(ref(2), "triage")
    await outbox.outbox_done(other.seq, ref(2), "", "")
    assert await outbox.graph_item(ref(2)) is None, "done without an item remembers none"
    assert await lease(outbox, ref(2)) is None, "finished: its lease is gone"
    assert await outbox.pending_for(ref(1)) == 1

    last = (await outbox.outbox_pending())[0]
    await outbox.outbox_done(last.seq, ref(1), "17", '"etag-2"')
    assert await outbox.graph_item(ref(1)) == ("17", '"etag-2"')
    assert await outbox.outbox_count() == 0
    assert await messages_in_queue(outbox) == 0


async def test_a_write_whose_message_was_never_sent_is_announced_again(
    make: Make, clock: SettableClock
) -> None:
    outbox = make()
    await outbox.owe(ref(1), "create", announce=False)  # died between commit and announce
    await outbox._open_outbox()
    assert await outbox.outbox_pending() == [], "too new to call lost"

    clock.advance(dt.timedelta(minutes=6))
    restarted = make()
    await restarted._open_outbox()
    assert owed(await restarted.outbox_pending()) == [(ref(1), "create", 0)]

    clock.advance(dt.timedelta(seconds=30))
    await restarted._open_outbox()
    assert await messages_in_queue(restarted) == 1, "held by a live lease: not announced again"


async def test_a_request_given_back_or_just_announced_is_not_announced_again(
    make: Make, clock: SettableClock
) -> None:
    outbox = make()
    await outbox.owe(ref(1), "create", announce=False)
    clock.advance(dt.timedelta(minutes=2))
    await outbox._open_outbox()
    await outbox._open_outbox()
    assert await messages_in_queue(outbox) == 1, "announced once, then due: left alone"


async def test_messages_naming_no_request_or_nothing_owed_are_deleted(make: Make) -> None:
    outbox = make()
    await outbox._announce(ref(9))
    await (await outbox.azure.queue(QUEUE)).send_message("<script>")
    assert await outbox.outbox_pending() == []
    assert await messages_in_queue(outbox) == 0
    assert await lease(outbox, ref(9)) is None


async def test_closing_gives_held_work_back_at_once_as_untried(make: Make) -> None:
    closing, other = make(), make()
    await closing.owe(ref(1), "create")
    await closing.owe(ref(1), "update")
    assert len(await closing.outbox_pending()) == 2
    await closing._close_outbox()
    assert owed(await other.outbox_pending()) == [(ref(1), "create", 0), (ref(1), "update", 0)]
    assert await messages_in_queue(other) == 1, "one message back; its duplicate gone"


async def test_a_lease_is_renewed_while_its_instance_keeps_asking(
    make: Make, clock: SettableClock
) -> None:
    outbox, other = make(), make()
    await outbox.owe(ref(1), "create")
    await outbox.outbox_pending()
    clock.advance(dt.timedelta(seconds=40))
    assert len(await outbox.outbox_pending()) == 1  # 20 s of its 60 were left: renewed
    assert (await lease(outbox, ref(1)))["HeldUntil"] == stamp(clock.now() + VISIBILITY)
    clock.advance(dt.timedelta(seconds=40))  # past the first hold, within the renewed one
    assert await other._claim(ref(1), clock.now()) == (None, False)


async def test_many_requests_held_at_once_are_read_in_one_query(make: Make) -> None:
    outbox = make()
    references = [ref(n) for n in range(1, 21)]
    for reference in references:
        await outbox.owe(reference, "create", "update")
    ops = await outbox.outbox_pending(limit=500)
    assert [(op.reference, op.op) for op in ops] == [
        (reference, kind) for reference in references for kind in ("create", "update")
    ]
    assert await outbox.outbox_pending(limit=3) == ops[:3]


async def test_a_lease_row_left_by_a_request_owing_nothing_is_tidied_away(
    make: Make, clock: SettableClock
) -> None:
    outbox = make()
    table = await outbox.azure.table(TABLE)
    gone = {"PartitionKey": PARTITION, "RowKey": lease_row(ref(1)), "Holder": "dead"}
    await table.create_entity({**gone, "HeldUntil": stamp(NOW - ONE_SECOND)})
    live = {"PartitionKey": PARTITION, "RowKey": lease_row(ref(2)), "Holder": "alive"}
    await table.create_entity({**live, "HeldUntil": stamp(NOW + ONE_SECOND)})
    await outbox._open_outbox()
    assert await lease(outbox, ref(1)) is None
    assert await lease(outbox, ref(2)) is not None, "held now: its holder is still writing"
    assert await messages_in_queue(outbox) == 0


async def test_two_writers_share_the_outbox_and_sharepoint_gets_each_request_once(
    azure_state: AzureState, clock: SettableClock, fake: FakeGraph
) -> None:
    """Two SharePoint stores (two instances) on one account and one list, both writing."""
    stores: list[SharePointStore] = []
    for graph in (await provisioned(fake), connect(fake)):
        account = AzureState(azure_state.settings)  # closed with its store
        stores.append(await open_sharepoint_on_azure(account, clock, graph))
    try:
        added = [await stores[n % 2].add(new_request(f"u{n}")) for n in range(16)]
        for n, request in enumerate(added[:8]):
            triaged = dataclasses.replace(request, status=Status.IN_TRIAGE, assignee_name="Tess")
            await stores[(n + 1) % 2].update(triaged)
        for _ in range(10):
            await asyncio.gather(*(store.write_pending() for store in stores))
            if not await stores[0].pending_writes():
                break
        items = fake.list_items(REQUESTS.name)
    finally:
        for store in stores:
            await store.close()
    assert sorted(item["Reference"] for item in items) == sorted(r.reference for r in added)
    triaged_now = {item["Reference"] for item in items if item["AssigneeName"] == "Tess"}
    assert triaged_now == {r.reference for r in added[:8]}


async def takes_over_after_the_hold(takes_over: SharePointStore, clock: SettableClock) -> None:
    """The dead instance's hold runs out; the live one writes everything it left."""
    clock.advance(2 * ONE_SECOND)
    for _ in range(50):  # its messages come back after a second of the queue's time
        await takes_over.write_pending()
        if not await takes_over.pending_writes():
            break
        await asyncio.sleep(0.1)
    assert await takes_over.pending_writes() == 0


async def test_items_written_by_an_instance_that_died_before_noting_it_are_not_written_twice(
    azure_state: AzureState, clock: SettableClock, fake: FakeGraph
) -> None:
    """SharePoint took the items, then the instance died before its journal knew: the one
    that takes over finds them there rather than creating them again. (SharePoint's unique
    Reference column would refuse a second copy too; the count of attempts that makes the
    writer look first is checked on its own above.)"""
    stores: list[SharePointStore] = []
    accounts = [AzureState(azure_state.settings) for _ in range(2)]
    for account, graph in zip(accounts, (await provisioned(fake), connect(fake)), strict=True):
        journal = AzureJournal(account, clock, visibility=ONE_SECOND)
        stores.append(
            await open_sharepoint_store(journal, AzureWorkingState(account, clock), clock, graph)
        )
    dies, takes_over = stores
    dying = dies.journal
    assert isinstance(dying, AzureJournal)
    try:
        added = [await dies.add(new_request(f"u{n}")) for n in range(3)]

        async def dead(*_: object) -> None:
            raise ConnectionResetError("the instance stopped here")

        dying.outbox_done = dead  # type: ignore[method-assign]
        with pytest.raises(ConnectionResetError):
            await dies.write_pending()
        assert len(fake.list_items(REQUESTS.name)) == 3
        dying._held.clear()  # it died: nothing is given back

        await takes_over_after_the_hold(takes_over, clock)
    finally:
        for store, account in zip(stores, accounts, strict=True):
            await store.close()
            await account.close()
    items = fake.list_items(REQUESTS.name)
    assert sorted(item["Reference"] for item in items) == [r.reference for r in added]


async def test_held_work_stays_held_through_a_long_round_and_is_taken_over_when_renewals_stop(
    make: Make, clock: SettableClock
) -> None:
    """A round of writes that waits (the budget's pacing, Retry-After) longer than the hold,
    without asking for work again: the background renewals keep the lease and keep the
    message hidden, so the other instance writes none of it. The queue's hold is server
    time, so this one waits three holds of one second in real time."""
    holds = make(visibility=ONE_SECOND, renew_every=ONE_SECOND / 5)
    other = make(visibility=ONE_SECOND)
    await holds._open_outbox()
    await holds.owe(ref(1), "create")
    assert len(await holds.outbox_pending()) == 1
    queue = await other.azure.queue(QUEUE)
    step = ONE_SECOND / 5
    for _ in range(15):
        await asyncio.sleep(step.total_seconds())
        clock.advance(step)
        assert await queue.peek_messages() == [], "its message stays hidden"
        assert await other._claim(ref(1), clock.now()) == (None, False), "its lease holds"
    assert await other.outbox_pending() == []
    assert (await lease(holds, ref(1)))["HeldUntil"] > stamp(clock.now())

    await holds._stop_holding()  # it dies: no renewals, nothing given back
    clock.advance(2 * ONE_SECOND)
    assert owed(await eventually(other)) == [(ref(1), "create", 1)]


async def test_a_hold_another_instance_took_is_dropped_by_the_renewal_not_fought_over(
    make: Make, clock: SettableClock
) -> None:
    holds, other = make(), make()
    await holds.owe(ref(1), "create")
    await holds.outbox_pending()
    clock.advance(VISIBILITY + ONE_SECOND)  # its renewals stalled past the hold
    assert (await other._claim(ref(1), clock.now()))[0] is not None
    await holds._renew_quietly(ref(1), clock.now())  # the next background round
    assert ref(1) not in holds._held
    assert (await lease(other, ref(1)))["Holder"] == other._holder


async def test_the_count_is_one_query_every_few_seconds_and_follows_this_instances_changes(
    make: Make, clock: SettableClock
) -> None:
    outbox, other = make(), make()
    await outbox.owe(ref(1), "create", "update")
    assert await outbox.outbox_count() == 2
    await other.owe(ref(2), "create")
    assert await outbox.outbox_count() == 2, "counted a moment ago: not counted again"
    clock.advance(COUNT_FRESH)
    assert await outbox.outbox_count() == 3, "another instance's write, within seconds"

    await other.owe(ref(3), "create")
    create = next(op for op in await outbox.outbox_pending(limit=500) if op.reference == ref(1))
    await outbox.outbox_done(create.seq, ref(1), "", "")
    assert await outbox.outbox_count() == 2, "its own write done comes off (3 not yet seen)"
    await outbox.outbox_skip(ref(1), "update")
    assert await outbox.outbox_count() == 1
    await outbox.owe(ref(4), "create")
    assert await outbox.outbox_count() == 3, "a write it owes: counted again at once"
