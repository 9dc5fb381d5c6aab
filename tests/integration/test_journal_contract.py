"""The journal's promises: SharePoint mode's local copy of requests and the writes it owes.

Run against every Journal implementation: SQLite (one instance) and Azure Tables (shared by
many). The writer in graph_clients relies on each of these; the store contract checks the
whole through the fake Graph.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bot.azure_state.account import AzureState
from bot.azure_state.journal import AzureJournal
from bot.azure_state.settings import StateSettings
from bot.domain import codec, governance
from bot.domain.model import AuditEntry, DigitalRequest, Requester, Route, Status, Theme
from bot.ports import ChangedBySomeoneElse, Journal, RequestQuery
from bot.store.journal import SqliteJournal
from bot.store.sqlite import SqliteStore
from tests.integration.test_store_contract import NOW, new_request, reference
from tests.support.azurite import Azurite, new_prefix
from tests.support.clock import SettableClock

OpenJournal = Callable[[], Journal]


@pytest.fixture(params=["azure", "sqlite"])
async def make_journal(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[OpenJournal]:
    """A journal on the same data each time it is called, as after a restart (on Azure,
    each with its own clients, as another instance would be)."""
    clock = SettableClock(NOW)
    if request.param == "sqlite":
        yield lambda: SqliteJournal(tmp_path / "journal.sqlite3", clock)
        return
    azurite: Azurite = request.getfixturevalue("azurite")
    settings = StateSettings(
        kind="azure", connection_string=azurite.connection_string, prefix=new_prefix()
    )
    accounts: list[AzureState] = []

    def on_azure() -> Journal:
        accounts.append(AzureState(settings))
        return AzureJournal(accounts[-1], clock)

    yield on_azure
    for account in accounts:
        await account.close()


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
    """What is owed, request by request, each request's writes in the order given. The
    writer needs one request's writes in order; between requests no order is promised (on
    Azure several instances write at once)."""
    ops = [(op.reference, op.op) for op in await journal.outbox_pending()]
    return sorted(ops, key=lambda op: op[0])  # stable: each request's order is kept


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
        (first.reference, "triage"),
        (first.reference, "update"),
        (second.reference, "create"),
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


async def test_when_the_oldest_owed_write_was_queued_is_known_until_all_are_done(
    journal: Journal,
) -> None:
    """For /readyz's oldest_pending_write_age_seconds."""
    assert await journal.outbox_oldest() is None
    stored = await added(journal)
    await journal.update(in_triage(stored))
    assert await journal.outbox_oldest() == NOW
    create, update = await journal.outbox_pending()
    await journal.outbox_done(create.seq, stored.reference, "17", '"etag-1"')
    assert await journal.outbox_oldest() == NOW, "the update is still owed"
    await journal.outbox_done(update.seq, stored.reference, "17", '"etag-2"')
    assert await journal.outbox_oldest() is None


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
    carried = [
        op
        for op in await journal.outbox_pending()
        if op.op == "update" and op.reference == stored.reference
    ]
    await journal.update(dataclasses.replace(second, assignee_name="Kim"))
    await journal.outbox_skip(stored.reference, "update", through_seq=carried[-1].seq)
    assert await owed(journal) == [
        (stored.reference, "create"),
        (stored.reference, "update"),
        (other.reference, "create"),
        (other.reference, "update"),
    ], "the update queued after the write it was carried by is still owed; others' untouched"
    [left] = [
        op
        for op in await journal.outbox_pending()
        if op.op == "update" and op.reference == stored.reference
    ]
    assert left.seq > carried[-1].seq


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


# The register ----------------------------------------------------------------------


async def test_requests_are_found_by_what_they_are_oldest_first_a_page_at_a_time(
    journal: Journal,
) -> None:
    day = dt.timedelta(days=1)
    first = await journal.add(new_request("u1", when=NOW))
    new = new_request("u2", when=NOW + day)
    moved = Route("tdb", "project", "new technology", "rule-1")
    second = await journal.add(
        dataclasses.replace(
            new, details=dataclasses.replace(new.details, directorate="Resources"), route=moved
        )
    )
    third = await journal.add(new_request("u3", when=NOW + 2 * day))
    entry = AuditEntry(NOW + 5 * day, "it-1", "Tess", "assign", Status.SUBMITTED, Status.IN_TRIAGE)
    themed = dataclasses.replace(
        in_triage(third), theme=Theme.PEOPLE_AND_SKILLS.value, history=(entry,)
    )
    third = await journal.update(themed)

    async def found(query: RequestQuery, after: int = 0, limit: int = 500) -> list[str]:
        return [r.reference for r in await journal.query(query, after, limit)]

    everyone = [first.reference, second.reference, third.reference]
    assert await found(RequestQuery()) == everyone
    assert await found(RequestQuery(), after=int(first.item_id)) == everyone[1:]
    assert await found(RequestQuery(), limit=2) == everyone[:2]
    assert await found(RequestQuery(), after=int(third.item_id)) == []
    assert await found(RequestQuery(), after=10**17) == []
    assert await found(RequestQuery(statuses=frozenset({Status.SUBMITTED}))) == everyone[:2]
    both = frozenset({Status.SUBMITTED, Status.IN_TRIAGE})
    assert await found(RequestQuery(statuses=both)) == everyone
    assert await found(RequestQuery(statuses=frozenset({Status.DECIDED}))) == []
    assert await found(RequestQuery(board="tdb")) == [second.reference]
    assert await found(RequestQuery(directorate="Resources")) == [second.reference]
    assert await found(RequestQuery(theme=Theme.PEOPLE_AND_SKILLS.value)) == [third.reference]
    assert await found(RequestQuery(submitted_from=NOW + day)) == everyone[1:]
    assert await found(RequestQuery(submitted_before=NOW + day)) == everyone[:1]
    assert await found(RequestQuery(updated_since=NOW + 3 * day)) == [third.reference]
    assert await found(RequestQuery(board="tdb", directorate="Place")) == []
    assert await found(RequestQuery(board='it\'s "odd" or true')) == []


async def test_a_draft_sent_by_two_instances_at_once_is_one_request(
    make_journal: OpenJournal,
) -> None:
    one, two = make_journal(), make_journal()
    await one.open()
    await two.open()
    try:
        new = new_request()
        made = await asyncio.gather(*(j.add(new) for _ in range(4) for j in (one, two)))
        assert len({r.reference for r in made}) == 1
        assert all(r == made[0] for r in made)
        assert await one.by_draft(new.draft_id) == made[0]
        assert [r.reference for r in await two.recent()] == [made[0].reference]
        assert await one.unwritten_references() == {made[0].reference}
    finally:
        await one.close()
        await two.close()


async def test_odd_ids_are_kept_exactly_and_find_only_their_own(journal: Journal) -> None:
    odd = "29:/a\\b#c?d%e'f|g\u00e9\u6f22\x01" + "x" * 600
    new = new_request(odd)
    made = await journal.add(dataclasses.replace(new, draft_id=odd + "-draft" * 300))
    near = await journal.add(new_request(odd[:4]))
    assert await journal.by_draft(odd + "-draft" * 300) == made
    assert await journal.by_draft(odd) is None
    assert [r.reference for r in (await journal.for_requester(odd)).items] == [made.reference]
    assert [r.reference for r in (await journal.for_requester(odd[:4])).items] == [near.reference]
    assert made.requester == Requester(odd, "Someone", odd)
    assert await journal.get("not a reference") is None
    assert await journal.get(f"DR-{NOW.year - 1}-1000001") is None
    assert await journal.get(made.reference.lower()) == made
    assert await journal.triage_message_id(reference(NOW, 99)) == ""


async def test_a_new_matrix_keeps_the_one_it_replaces_in_its_history(journal: Journal) -> None:
    assert await journal.matrix_history() == []
    second = dataclasses.replace(governance.DEFAULT_MATRIX, version="2031.2")
    third = dataclasses.replace(governance.DEFAULT_MATRIX, version="2031.3")
    await journal.save_matrix(second)
    await journal.save_matrix(third)
    assert (await journal.governance()).matrix == third
    assert await journal.matrix_history() == [governance.DEFAULT_MATRIX, second]


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


# Data protection's overwrite (issue 18) -----------------------------------------------


def anonymised(
    request: DigitalRequest, stand_in: str = "erased-0123456789abcdef"
) -> DigitalRequest:
    return dataclasses.replace(
        request,
        requester=Requester(stand_in, "Erased person", stand_in),
        details=dataclasses.replace(request.details, problem="[removed]", sponsor="[removed]"),
        assignee_id="",
        assignee_name="",
        status=Status.WITHDRAWN,
        theme=Theme.PEOPLE_AND_SKILLS.value,
    )


async def test_a_replace_overwrites_everything_whatever_the_version_and_owes_a_replace(
    journal: Journal,
) -> None:
    stored = await added(journal, "u1")
    other = await added(journal, "u2")
    changed = await journal.update(in_triage(stored))
    replaced = await journal.replace_request(anonymised(stored))  # read before the change
    assert replaced.requester == Requester(
        "erased-0123456789abcdef", "Erased person", "erased-0123456789abcdef"
    )
    assert replaced.details.problem == "[removed]" and replaced.assignee_name == ""
    assert int(replaced.etag) == int(changed.etag) + 1
    assert replaced.submitted_at == stored.submitted_at and replaced.item_id == stored.item_id
    assert await journal.get(stored.reference) == replaced
    assert await owed(journal) == [
        (stored.reference, "create"),
        (stored.reference, "update"),
        (stored.reference, "replace"),
        (other.reference, "create"),
    ]
    # The old requester's listing no longer holds it; the stand-in's does.
    assert [r.reference for r in (await journal.for_requester("u1")).items] == []
    page = await journal.for_requester("erased-0123456789abcdef")
    assert [r.reference for r in page.items] == [stored.reference]
    assert [r.reference for r in (await journal.for_requester("u2")).items] == [other.reference]
    # The listing columns follow: found by its new status and theme, not its old one.
    found = await journal.query(RequestQuery(statuses=frozenset({Status.WITHDRAWN})))
    assert [r.reference for r in found] == [stored.reference]
    themed = await journal.query(RequestQuery(theme=Theme.PEOPLE_AND_SKILLS.value))
    assert [r.reference for r in themed] == [stored.reference]
    assert await journal.query(RequestQuery(statuses=frozenset({Status.IN_TRIAGE}))) == []


async def test_a_replace_with_the_same_requester_keeps_one_listing_row(journal: Journal) -> None:
    stored = await added(journal, "erased-1")
    once = await journal.replace_request(dataclasses.replace(stored, question="[removed]"))
    twice = await journal.replace_request(once)
    assert int(twice.etag) == int(stored.etag) + 2
    page = await journal.for_requester("erased-1")
    assert [r.reference for r in page.items] == [stored.reference]
    assert page.items[0].question == "[removed]"


async def test_replacing_a_request_not_in_the_journal_is_refused(journal: Journal) -> None:
    stored = await added(journal)
    missing = dataclasses.replace(stored, reference="DR-2031-0999")
    with pytest.raises(LookupError):
        await journal.replace_request(missing)
    assert await owed(journal) == [(stored.reference, "create")]


async def test_the_local_store_replaces_too_and_owes_nothing(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "store.sqlite3", SettableClock(NOW))
    await store.open()
    try:
        stored = await store.add(new_request("u1"))
        replaced = await store.replace_request(anonymised(stored))
        assert await store.get(stored.reference) == replaced
        assert replaced.requester.user_id == "erased-0123456789abcdef"
        assert (await store.for_requester("u1")).items == []
    finally:
        await store.close()
