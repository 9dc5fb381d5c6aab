"""The journal's promises: SharePoint mode's local copy of requests and the writes it owes.

Run against every Journal implementation (SQLite today). The writer in graph_clients
relies on each of these; the store contract checks the whole through the fake Graph.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bot.domain import codec, governance
from bot.domain.model import DigitalRequest, Status
from bot.ports import ChangedBySomeoneElse, Journal
from bot.store.journal import SqliteJournal
from bot.store.sqlite import SqliteStore
from tests.integration.test_store_contract import NOW, new_request, reference
from tests.support.clock import SettableClock

OpenJournal = Callable[[], Journal]

IMPLEMENTATIONS: dict[str, Callable[[Path, SettableClock], Journal]] = {
    "sqlite": lambda data, clock: SqliteJournal(data / "journal.sqlite3", clock),
}


@pytest.fixture(params=sorted(IMPLEMENTATIONS))
def make_journal(request: pytest.FixtureRequest, tmp_path: Path) -> OpenJournal:
    """A journal on the same data each time it is called, as after a restart."""
    clock = SettableClock(NOW)
    return lambda: IMPLEMENTATIONS[request.param](tmp_path, clock)


@pytest.fixture
async def journal(make_journal: OpenJournal) -> AsyncIterator[Journal]:
    opened = make_journal()
    await opened.open()
    yield opened
    await opened.close()


async def added(journal: Journal, user: str = "u1") -> DigitalRequest:
    return await journal.add(new_request(user))


def in_triage(request: DigitalRequest) -> DigitalRequest:
    return dataclasses.replace(request, status=Status.IN_TRIAGE, assignee_name="Tess")


async def owed(journal: Journal) -> list[tuple[str, str]]:
    return [(op.reference, op.op) for op in await journal.outbox_pending()]


# The outbox ---------------------------------------------------------------------------


async def test_every_write_to_a_request_is_owed_in_the_order_it_was_made(
    journal: Journal,
) -> None:
    first = await added(journal, "u1")
    second = await added(journal, "u2")
    await journal.mark_triage_posted(first.reference, "msg-1")
    await journal.update(in_triage(first))
    assert await owed(journal) == [
        (first.reference, "create"),
        (second.reference, "create"),
        (first.reference, "triage"),
        (first.reference, "update"),
    ]
    ops = await journal.outbox_pending()
    assert [op.seq for op in ops] == sorted({op.seq for op in ops})
    assert [op.attempts for op in ops] == [0, 0, 0, 0]
    assert await journal.outbox_count() == 4
    assert [op.seq for op in await journal.outbox_pending(limit=2)] == [ops[0].seq, ops[1].seq]


async def test_a_refused_update_owes_nothing(journal: Journal) -> None:
    stored = await added(journal)
    await journal.update(in_triage(stored))
    with pytest.raises(ChangedBySomeoneElse):
        await journal.update(dataclasses.replace(stored, status=Status.REJECTED))
    assert await owed(journal) == [(stored.reference, "create"), (stored.reference, "update")]


async def test_a_done_write_is_no_longer_owed_and_its_item_is_remembered(
    journal: Journal,
) -> None:
    stored = await added(journal)
    await journal.update(in_triage(stored))
    create, update = await journal.outbox_pending()
    assert await journal.graph_item(stored.reference) is None

    await journal.outbox_done(create.seq, stored.reference, "17", '"etag-1"')
    assert await owed(journal) == [(stored.reference, "update")]
    assert await journal.graph_item(stored.reference) == ("17", '"etag-1"')

    await journal.outbox_done(update.seq, stored.reference, "17", '"etag-2"')
    assert await journal.outbox_count() == 0
    assert await journal.graph_item(stored.reference) == ("17", '"etag-2"')


async def test_a_write_done_without_an_item_leaves_the_known_item_alone(
    journal: Journal,
) -> None:
    stored = await added(journal)
    await journal.mark_triage_posted(stored.reference, "msg-1")
    create, triage = await journal.outbox_pending()
    await journal.outbox_done(create.seq, stored.reference, "17", '"etag-1"')
    await journal.outbox_done(triage.seq, stored.reference, "", "")
    assert await journal.graph_item(stored.reference) == ("17", '"etag-1"')
    assert await journal.outbox_count() == 0


async def test_a_failed_write_stays_owed_in_its_place_counting_attempts(
    journal: Journal,
) -> None:
    first = await added(journal, "u1")
    second = await added(journal, "u2")
    head = (await journal.outbox_pending())[0]
    await journal.outbox_failed(head.seq, "503 from SharePoint " + "x" * 1000)
    await journal.outbox_failed(head.seq, "timed out")
    ops = await journal.outbox_pending()
    assert [(op.reference, op.attempts) for op in ops] == [
        (first.reference, 2),
        (second.reference, 0),
    ]
    assert await journal.outbox_count() == 2


async def test_a_write_carried_by_another_is_skipped_for_that_request_only(
    journal: Journal,
) -> None:
    first = await added(journal, "u1")
    second = await added(journal, "u2")
    await journal.mark_triage_posted(first.reference, "msg-1")
    await journal.mark_triage_posted(first.reference, "msg-2")
    await journal.mark_triage_posted(second.reference, "msg-3")
    await journal.outbox_skip(first.reference, "triage")
    assert await owed(journal) == [
        (first.reference, "create"),
        (second.reference, "create"),
        (second.reference, "triage"),
    ]


async def test_updates_carried_by_one_write_of_the_latest_state_are_skipped_up_to_it(
    journal: Journal,
) -> None:
    stored = await added(journal, "u1")
    other = await added(journal, "u2")
    first = await journal.update(in_triage(stored))
    await journal.update(in_triage(other))
    second = await journal.update(dataclasses.replace(first, assignee_name="Sam"))
    carried = [op for op in await journal.outbox_pending() if op.op == "update"]
    await journal.update(dataclasses.replace(second, assignee_name="Kim"))
    await journal.outbox_skip(stored.reference, "update", through_seq=carried[-1].seq)
    assert await owed(journal) == [
        (stored.reference, "create"),
        (other.reference, "create"),
        (other.reference, "update"),
        (stored.reference, "update"),
    ], "the update queued after the write it was carried by is still owed; others' untouched"
    assert (await journal.outbox_pending())[-1].seq > carried[-1].seq


async def test_what_is_owed_is_known_per_request(journal: Journal) -> None:
    first = await added(journal, "u1")
    second = await added(journal, "u2")
    await journal.update(in_triage(first))
    assert await journal.pending_for(first.reference) == 2
    assert await journal.pending_for(second.reference) == 1
    assert await journal.pending_for(reference(NOW, 99)) == 0
    assert await journal.unwritten_references() == {first.reference, second.reference}

    create = (await journal.outbox_pending())[0]
    await journal.outbox_done(create.seq, first.reference, "17", '"etag-1"')
    assert await journal.pending_for(first.reference) == 1
    # Its update is still owed, but SharePoint has the item: it is written.
    assert await journal.unwritten_references() == {second.reference}


# What SharePoint has ----------------------------------------------------------------


async def test_sharepoints_copy_is_taken_whatever_the_version_and_owes_nothing(
    journal: Journal,
) -> None:
    stored = await added(journal)
    first = (await journal.outbox_pending())[0]
    await journal.outbox_done(first.seq, stored.reference, "17", '"etag-1"')
    decided = dataclasses.replace(stored, status=Status.DECIDED, etag="not ours", item_id="17")
    taken = await journal.import_version(decided, "17", '"etag-7"')
    assert taken.status is Status.DECIDED
    assert taken.etag != stored.etag
    assert await journal.get(stored.reference) == taken
    assert await journal.graph_item(stored.reference) == ("17", '"etag-7"')
    assert await journal.outbox_count() == 0


async def test_no_number_at_or_below_the_floor_is_handed_out_in_its_year(
    journal: Journal,
) -> None:
    await journal.raise_reference_floor(NOW.year, 41)
    assert (await added(journal)).reference == reference(NOW, 42)
    await journal.raise_reference_floor(NOW.year, 10)  # a floor never lowers the counter
    assert (await added(journal)).reference == reference(NOW, 43)
    next_year = NOW.replace(year=NOW.year + 1)
    other = await journal.add(new_request(when=next_year))
    assert other.reference == reference(next_year, 1)
    await journal.raise_reference_floor(NOW.year, 0)  # SharePoint has none yet
    assert (await added(journal)).reference == reference(NOW, 44)


async def test_governance_is_the_published_default_until_sharepoints_copy_replaces_it(
    journal: Journal,
) -> None:
    assert (await journal.governance()).matrix == governance.DEFAULT_MATRIX
    reweighted = dataclasses.replace(
        governance.DEFAULT_MATRIX,
        version="2031.2",
        criteria=tuple(
            dataclasses.replace(c, weight=c.weight + 1) for c in governance.DEFAULT_MATRIX.criteria
        ),
    )
    await journal.replace_governance({"matrix": codec.matrix_to_dict(reweighted)})
    kept = await journal.governance()
    assert kept.matrix == reweighted
    assert kept.rules == governance.DEFAULT_RULES  # what SharePoint did not send stays


# Lifetime ------------------------------------------------------------------------------


async def test_everything_owed_survives_a_restart(make_journal: OpenJournal) -> None:
    journal = make_journal()
    await journal.open()
    assert await journal.ping() is True
    first = await added(journal, "u1")
    second = await added(journal, "u2")
    create = (await journal.outbox_pending())[0]
    await journal.outbox_done(create.seq, first.reference, "17", '"etag-1"')
    await journal.outbox_failed((await journal.outbox_pending())[0].seq, "throttled")
    await journal.replace_governance({"routing_rules": []})
    await journal.close()

    again = make_journal()
    await again.open()
    try:
        assert [(op.reference, op.op, op.attempts) for op in await again.outbox_pending()] == [
            (second.reference, "create", 1)
        ]
        assert await again.graph_item(first.reference) == ("17", '"etag-1"')
        assert await again.get(first.reference) == first
        assert (await added(again, "u3")).reference == reference(NOW, 3)
        assert (await again.governance()).rules == ()
    finally:
        await again.close()


async def test_the_local_store_owes_sharepoint_nothing(tmp_path: Path) -> None:
    """Local mode's store writes the same requests table, and queues no write."""
    path = tmp_path / "local.sqlite3"
    clock = SettableClock(NOW)
    local = SqliteStore(path, clock)
    await local.open()
    stored = await local.add(new_request())
    await local.mark_triage_posted(stored.reference, "msg-1")
    await local.update(in_triage(stored))
    await local.close()

    journal = SqliteJournal(path, clock)
    await journal.open()
    try:
        assert await journal.get(stored.reference) is not None
        assert await journal.outbox_count() == 0
        assert await journal.unwritten_references() == set()
    finally:
        await journal.close()


async def test_remembering_an_item_changes_nothing_but_the_item_and_etag(
    journal: Journal,
) -> None:
    stored = await added(journal)
    await journal.remember_item(stored.reference, "42", '"etag-9"')
    assert await journal.graph_item(stored.reference) == ("42", '"etag-9"')
    again = await journal.get(stored.reference)
    assert again is not None and again.etag == stored.etag, "cards drawn before stay current"
    assert await owed(journal) == [(stored.reference, "create")], "nothing new is owed"
