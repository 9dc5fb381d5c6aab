"""One contract, two stores: SQLite (local mode) and SharePoint lists through Graph.

The SharePoint store runs the real msgraph-sdk against the local fake Graph server.
`settle` lets its writer catch up, so each promise is checked both before and after
the write to SharePoint has happened. Every operation of the Store port is used here.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import datetime as dt
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.azure_state.account import AzureState
from bot.azure_state.settings import StateSettings
from bot.backends import open_sharepoint_on_azure
from bot.domain import governance, routing, scoring
from bot.domain.model import (
    AuditEntry,
    Budget,
    DigitalRequest,
    Draft,
    Driver,
    RequestDetails,
    Requester,
    RequestKind,
    Status,
)
from bot.ports import CLAIM_HOLD, ChangedBySomeoneElse, NewRequest, Record, Store
from bot.store.sqlite import SqliteStore
from graph_clients.store import SharePointStore
from tests.support.azurite import Azurite, new_prefix
from tests.support.clock import SettableClock
from tests.support.fake_graph import FakeGraph
from tests.support.graph import open_store, provisioned

# A fixed moment, so no promise depends on the day the tests run.
NOW = dt.datetime(2031, 6, 17, 9, 30, tzinfo=dt.UTC)


def new_request(
    user: str = "u1", title: str = "Book garden waste collections online", when: dt.datetime = NOW
) -> NewRequest:
    details = RequestDetails(
        title=title,
        problem="Residents phone the contact centre to book garden waste collections, and "
        "staff type each booking into two systems by hand.",
        affected_staff=12,
        affected_residents=18000,
        affected_businesses=None,
        directorate="Place",
        kind=RequestKind.AUTOMATION,
        involves_procurement=False,
        supplier="",
        contract_end=None,
        personal_data=True,
        existing_systems="Power Automate, SharePoint, Dynamics",
        user_research="Contact centre call logs and a survey of 200 residents.",
        sponsor="Jo Bloggs, Head of Waste Services",
        budget=Budget.UNDER_10K,
        needed_by=when.date() + dt.timedelta(days=120),
        statutory_deadline=None,
        cash_saving_per_year=45000,
        hours_saved_per_year=2600,
        resident_impact="Residents can book and change collections at any time.",
        drivers=(Driver.EFFICIENCY, Driver.SERVICE_DELIVERY),
    )
    return NewRequest(
        draft_id=uuid.uuid4().hex,
        details=details,
        requester=Requester(user, "Someone", user),
        score=scoring.score(details, governance.DEFAULT_MATRIX, when.date()),
        route=routing.route(details, governance.DEFAULT_RULES),
        submitted_at=when,
    )


def reference(when: dt.datetime, number: int) -> str:
    return f"DR-{when.year}-{number:04d}"


Settle = Callable[[], Awaitable[None]]


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(NOW)


@contextlib.asynccontextmanager
async def opened(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path, clock: SettableClock
) -> AsyncIterator[tuple[Store, Settle]]:
    """sharepoint-azure: the journal and working state on Azure Storage (Azurite), as
    with STATE_STORE=azure, where several instances share them."""
    if kind == "sqlite":
        local = SqliteStore(tmp_path / "store.sqlite3", clock)
        await local.open()

        async def nothing() -> None:
            return None

        yield local, nothing
        await local.close()
        return
    fake = FakeGraph()
    await fake.start()
    graph = await provisioned(fake)
    if kind == "sharepoint":
        sharepoint = await open_store(fake, tmp_path, clock, graph)
    else:
        azurite: Azurite = request.getfixturevalue("azurite")
        account = AzureState(
            StateSettings(
                kind="azure", connection_string=azurite.connection_string, prefix=new_prefix()
            )
        )
        sharepoint = await open_sharepoint_on_azure(account, clock, graph)  # closes account

    async def write() -> None:
        await sharepoint.write_pending()
        assert await sharepoint.pending_writes() == 0

    yield sharepoint, write
    await sharepoint.close()
    await fake.stop()


@pytest.fixture(params=["sqlite", "sharepoint", "sharepoint-azure"])
async def store_and_settle(
    request: pytest.FixtureRequest, tmp_path: Path, clock: SettableClock
) -> AsyncIterator[tuple[Store, Settle]]:
    """The requests register: in SharePoint mode its journal is SQLite or Azure Tables."""
    async with opened(request.param, request, tmp_path, clock) as store_and_write:
        yield store_and_write


@pytest.fixture(params=["sqlite", "sharepoint"])
async def store(
    request: pytest.FixtureRequest, tmp_path: Path, clock: SettableClock
) -> AsyncIterator[Store]:
    """The rest: SharePoint mode passes it to its working state, whose Azure implementation
    has a contract of its own (test_working_state_contract.py)."""
    async with opened(request.param, request, tmp_path, clock) as (store, _):
        yield store


# Requests -----------------------------------------------------------------------


async def test_an_open_store_answers_a_ping(store: Store) -> None:
    assert await store.ping() is True


async def test_a_stored_request_reads_back_exactly(store_and_settle: tuple[Store, Settle]) -> None:
    store, settle = store_and_settle
    new = new_request()
    stored = await store.add(new)
    for _ in range(2):
        again = await store.get(stored.reference)
        assert again is not None
        assert (again.reference, again.details, again.score, again.route, again.requester) == (
            stored.reference,
            new.details,
            new.score,
            new.route,
            new.requester,
        )
        assert again.status is Status.SUBMITTED
        assert again.submitted_at == NOW
        await settle()


async def test_references_are_sequential_and_unique(store_and_settle: tuple[Store, Settle]) -> None:
    store, settle = store_and_settle
    made = [await store.add(new_request(f"u{i}")) for i in range(5)]
    await settle()
    assert [r.reference for r in made] == [reference(NOW, n) for n in range(1, 6)]


async def test_references_start_again_at_one_in_the_year_a_request_is_sent(
    store_and_settle: tuple[Store, Settle], clock: SettableClock
) -> None:
    store, settle = store_and_settle
    clock.set(dt.datetime(NOW.year, 12, 31, 23, 59, 30, tzinfo=dt.UTC))
    last_of_year = await store.add(new_request(when=clock.now()))
    clock.advance(dt.timedelta(minutes=1))
    new_year = clock.now()
    first_of_next = await store.add(new_request(when=new_year))
    second_of_next = await store.add(new_request(when=new_year))
    await settle()
    assert [last_of_year.reference, first_of_next.reference, second_of_next.reference] == [
        reference(NOW, 1),
        reference(new_year, 1),
        reference(new_year, 2),
    ]
    assert new_year.year == NOW.year + 1


async def test_a_draft_sent_twice_is_one_request(store_and_settle: tuple[Store, Settle]) -> None:
    store, settle = store_and_settle
    new = new_request()
    first = await store.add(new)
    second = await store.add(new)
    await settle()
    assert first.reference == second.reference
    found = await store.by_draft(new.draft_id)
    assert found is not None and found.reference == first.reference
    assert await store.by_draft(uuid.uuid4().hex) is None
    page = await store.for_requester("u1")
    assert [r.reference for r in page.items] == [first.reference]


async def test_unknown_references_find_nothing(store: Store) -> None:
    assert await store.get(reference(NOW, 999)) is None
    assert await store.get("not a reference") is None


async def test_my_requests_are_mine_only_a_page_at_a_time(
    store_and_settle: tuple[Store, Settle],
) -> None:
    store, settle = store_and_settle
    mine = []
    for i in range(12):
        mine.append((await store.add(new_request("me"))).reference)
        if i == 5:
            await store.add(new_request("someone else"))
    await settle()
    seen: list[str] = []
    token: str | None = None
    for _ in range(10):
        page = await store.for_requester("me", token, page_size=5)
        seen += [r.reference for r in page.items]
        token = page.next_token
        if token is None:
            break
    assert sorted(seen) == sorted(mine)
    assert len(seen) == len(set(seen)) == 12


async def test_a_forged_page_token_is_not_followed_the_first_page_comes_back(
    store_and_settle: tuple[Store, Settle],
) -> None:
    store, settle = store_and_settle
    mine = await store.add(new_request("me"))
    await store.add(new_request("someone else"))
    await settle()
    forged = base64.urlsafe_b64encode(b"http://169.254.169.254/latest/meta-data").decode()
    for token in (forged, "%%%not-a-token"):
        page = await store.for_requester("me", token, page_size=5)
        assert [r.reference for r in page.items] == [mine.reference]


async def test_titles_that_look_like_odata_find_only_themselves(
    store_and_settle: tuple[Store, Settle],
) -> None:
    store, settle = store_and_settle
    sneaky = "x' or 1 eq 1 or 'y"
    await store.add(new_request("victim"))
    attacker = await store.add(new_request(sneaky, title=sneaky))
    await settle()
    page = await store.for_requester(sneaky)
    assert [r.reference for r in page.items] == [attacker.reference]
    assert (await store.for_requester("x")).items == []


async def test_the_newest_requests_come_first_up_to_the_limit(
    store_and_settle: tuple[Store, Settle],
) -> None:
    store, settle = store_and_settle
    refs = [(await store.add(new_request(f"u{i}"))).reference for i in range(4)]
    await settle()
    assert [r.reference for r in await store.recent(limit=3)] == [refs[3], refs[2], refs[1]]
    assert [r.reference for r in await store.recent()] == refs[::-1]


async def test_the_triage_queue_is_oldest_first_and_a_posted_card_is_remembered(
    store_and_settle: tuple[Store, Settle],
) -> None:
    store, settle = store_and_settle
    refs = [(await store.add(new_request(f"u{i}"))).reference for i in range(3)]
    assert [r.reference for r in await store.awaiting_triage_post()] == refs
    assert await store.triage_message_id(refs[1]) == ""
    await store.mark_triage_posted(refs[1], "msg-1")
    await settle()
    assert [r.reference for r in await store.awaiting_triage_post()] == [refs[0], refs[2]]
    assert [r.reference for r in await store.awaiting_triage_post(limit=1)] == [refs[0]]
    assert await store.triage_message_id(refs[1]) == "msg-1"
    assert await store.triage_message_id(refs[0]) == ""


def triaged(request: DigitalRequest, status: Status, who: str = "triager") -> DigitalRequest:
    entry = AuditEntry(NOW, who, "Tess Triager", "assign", request.status, status, who)
    return dataclasses.replace(
        request,
        status=status,
        assignee_id=who,
        assignee_name="Tess",
        history=(*request.history, entry),
    )


async def test_a_triage_change_is_saved_with_its_history(
    store_and_settle: tuple[Store, Settle],
) -> None:
    store, settle = store_and_settle
    stored = await store.add(new_request())
    await settle()
    current = await store.get(stored.reference)
    assert current is not None
    saved = await store.update(triaged(current, Status.IN_TRIAGE))
    assert saved.etag != current.etag
    for _ in range(2):
        again = await store.get(stored.reference)
        assert again is not None
        assert again.status is Status.IN_TRIAGE and again.assignee_name == "Tess"
        assert [e.to_status for e in again.history] == [Status.IN_TRIAGE]
        await settle()


async def test_a_change_from_a_stale_read_is_refused_and_changes_nothing(
    store_and_settle: tuple[Store, Settle],
) -> None:
    store, settle = store_and_settle
    stored = await store.add(new_request())
    await settle()
    first_read = await store.get(stored.reference)
    second_read = await store.get(stored.reference)
    assert first_read is not None and second_read is not None
    await store.update(triaged(first_read, Status.IN_TRIAGE, "first"))
    with pytest.raises(ChangedBySomeoneElse):
        await store.update(triaged(second_read, Status.REJECTED, "second"))
    await settle()
    now = await store.get(stored.reference)
    assert now is not None and now.status is Status.IN_TRIAGE and now.assignee_id == "first"


async def test_governance_is_the_councils_published_matrix_and_rules(store: Store) -> None:
    rules = await store.governance()
    assert rules.matrix == governance.DEFAULT_MATRIX
    assert rules.rules == governance.DEFAULT_RULES
    assert {b.name for b in rules.boards.values()} == {
        "Digital, Data and Customer Board",
        "Technical Review Board",
        "ICT Improvement Group",
    }


# Drafts ---------------------------------------------------------------------------


def draft(owner: str, form: str, values: dict[str, str]) -> Draft:
    return Draft(owner, form, uuid.uuid4().hex, 1, values, NOW)


async def test_a_stale_draft_write_is_refused(store: Store) -> None:
    saved = await store.save_draft(draft("me", "request", {"title": "A"}))
    await store.save_draft(dataclasses.replace(saved, values={"title": "B"}))
    with pytest.raises(ChangedBySomeoneElse):
        await store.save_draft(dataclasses.replace(saved, values={"title": "C"}))
    current = await store.get_draft("me", "request")
    assert current is not None and current.values == {"title": "B"}
    await store.delete_draft("me", "request")
    assert await store.get_draft("me", "request") is None


async def test_a_draft_is_created_only_where_the_person_has_none(store: Store) -> None:
    made = await store.create_draft(draft("me", "request", {"title": "First"}))
    assert made is not None and made.etag and made.values == {"title": "First"}
    assert await store.get_draft("me", "request") == made
    assert await store.create_draft(draft("me", "request", {"title": "Second"})) is None
    assert await store.get_draft("me", "request") == made, "the first is untouched"
    theirs = await store.create_draft(draft("someone else", "request", {"title": "Theirs"}))
    feedback = await store.create_draft(draft("me", "feedback", {"rating": "4"}))
    assert theirs is not None and feedback is not None, "one per person per form"
    await store.delete_draft("me", "request")
    again = await store.create_draft(draft("me", "request", {"title": "Again"}))
    assert again is not None and again.values == {"title": "Again"}
    moved = await store.save_draft(dataclasses.replace(again, step=2))
    assert moved.step == 2, "a created draft is saved on as any other"


async def test_a_saved_draft_reads_back_exactly(store: Store) -> None:
    written = Draft("me", "request", uuid.uuid4().hex, 3, {"title": "Kept as typed "}, NOW)
    saved = await store.save_draft(written)
    assert saved.etag
    assert await store.get_draft("me", "request") == saved
    assert dataclasses.replace(saved, etag="") == written


async def test_drafts_of_two_forms_wait_side_by_side(store: Store) -> None:
    request = await store.save_draft(draft("me", "request", {"title": "New booking system"}))
    feedback = await store.save_draft(draft("me", "feedback", {"rating": "4"}))
    await store.save_draft(draft("someone else", "request", {"title": "Theirs"}))
    await store.save_draft(dataclasses.replace(feedback, step=2, values={"rating": "5"}))

    kept_request = await store.get_draft("me", "request")
    kept_feedback = await store.get_draft("me", "feedback")
    assert kept_request is not None and kept_request.values == {"title": "New booking system"}
    assert kept_request.draft_id == request.draft_id and kept_request.etag == request.etag
    assert kept_feedback is not None and kept_feedback.form == "feedback"
    assert (kept_feedback.step, kept_feedback.values) == (2, {"rating": "5"})

    await store.delete_draft("me", "feedback")
    assert await store.get_draft("me", "feedback") is None
    assert await store.get_draft("me", "request") == kept_request
    theirs = await store.get_draft("someone else", "request")
    assert theirs is not None and theirs.values == {"title": "Theirs"}


# Channels, chats and people --------------------------------------------------------


async def test_channels_register_and_replace(store: Store) -> None:
    assert await store.channel("triage") is None
    first: dict[str, Any] = {"conversation": {"id": "A"}}
    await store.register_channel("triage", first, "admin")
    await store.register_channel("triage", {"conversation": {"id": "B"}}, "admin")
    await store.register_channel("champions", {"conversation": {"id": "C"}}, "admin")
    assert await store.channel("triage") == {"conversation": {"id": "B"}}
    assert await store.channel("champions") == {"conversation": {"id": "C"}}


async def test_a_personal_chat_is_remembered_for_each_person(store: Store) -> None:
    assert await store.personal_chat("ann") is None
    await store.remember_personal_chat("ann", {"conversation": {"id": "ann-1"}})
    await store.remember_personal_chat("bob", {"conversation": {"id": "bob-1"}})
    await store.remember_personal_chat("ann", {"conversation": {"id": "ann-2"}})
    assert await store.personal_chat("ann") == {"conversation": {"id": "ann-2"}}
    assert await store.personal_chat("bob") == {"conversation": {"id": "bob-1"}}


async def test_people_are_known_by_their_user_id_with_their_latest_name(store: Store) -> None:
    await store.remember_person("ann", "29:ann", "Ann")
    await store.remember_person("bob", "29:bob", "Bob")
    await store.remember_person("ann", "29:ann-new", "Ann Smith")
    assert await store.people(frozenset({"ann", "carol"})) == {"ann": ("29:ann-new", "Ann Smith")}
    assert await store.people(frozenset({"ann", "bob"})) == {
        "ann": ("29:ann-new", "Ann Smith"),
        "bob": ("29:bob", "Bob"),
    }
    assert await store.people(frozenset()) == {}


# Once only --------------------------------------------------------------------------


async def test_a_replayed_invoke_gets_the_first_answer(store: Store) -> None:
    key = "activity-1|actor-ann"
    assert await store.handled_invoke(key) is None
    await store.remember_invoke(key, {"statusCode": 200, "value": "first"})
    await store.remember_invoke(key, {"statusCode": 200, "value": "second"})
    assert await store.handled_invoke(key) == {"statusCode": 200, "value": "first"}
    # The same Activity pressed by someone else is another invoke.
    assert await store.handled_invoke("activity-1|actor-bob") is None


async def test_a_notification_is_claimed_once(store: Store) -> None:
    assert await store.claim_notification("nudge:DR-1:ann") is True
    assert await store.claim_notification("nudge:DR-1:ann") is False
    assert await store.claim_notification("nudge:DR-1:bob") is True


async def test_a_sent_notification_is_never_claimed_again(
    store: Store, clock: SettableClock
) -> None:
    assert await store.claim_notification("agenda:tdb:1") is True
    await store.notification_sent("agenda:tdb:1")
    clock.advance(CLAIM_HOLD * 10)
    assert await store.claim_notification("agenda:tdb:1") is False


async def test_a_claim_held_by_an_instance_that_died_is_taken_over_after_the_hold(
    store: Store, clock: SettableClock
) -> None:
    assert await store.claim_notification("digest:m365:2026-W48") is True
    clock.advance(CLAIM_HOLD - dt.timedelta(seconds=1))
    assert await store.claim_notification("digest:m365:2026-W48") is False  # still held
    clock.advance(dt.timedelta(seconds=2))
    assert await store.claim_notification("digest:m365:2026-W48") is True  # taken over
    assert await store.claim_notification("digest:m365:2026-W48") is False  # held anew


async def test_a_claim_can_be_held_for_less_than_the_default(
    store: Store, clock: SettableClock
) -> None:
    minute = dt.timedelta(minutes=1)
    assert await store.claim_notification("invoke:a1|ann", minute) is True
    clock.advance(dt.timedelta(seconds=59))
    assert await store.claim_notification("invoke:a1|ann", minute) is False
    clock.advance(dt.timedelta(seconds=2))
    assert await store.claim_notification("invoke:a1|ann", minute) is True


async def test_a_released_claim_can_be_claimed_at_once(store: Store) -> None:
    assert await store.claim_notification("nudge:DR-2:ann") is True
    await store.release_notification("nudge:DR-2:ann")
    assert await store.claim_notification("nudge:DR-2:ann") is True


# Records ----------------------------------------------------------------------------


def rating(key: str, stars: int, kind: str = "feedback") -> Record:
    return Record(kind, key, f"owner-{key}", NOW, {"stars": stars, "comment": "Quick"})


async def test_a_record_is_kept_once_by_kind_and_key(store: Store) -> None:
    assert await store.add_record(rating("r1", 4)) is True
    assert await store.add_record(rating("r1", 1)) is False
    assert await store.add_record(rating("r1", 2, kind="skills")) is True
    [kept] = await store.records("feedback")
    assert (kept.kind, kept.key, kept.owner_id, kept.at) == ("feedback", "r1", "owner-r1", NOW)
    assert kept.data == {"stars": 4, "comment": "Quick"}
    assert kept.seq > 0


async def test_records_come_in_the_order_kept_a_page_at_a_time(store: Store) -> None:
    for n in range(7):
        await store.add_record(rating(f"f{n}", n))
        await store.add_record(rating(f"s{n}", n, kind="skills"))
    pages: list[list[str]] = []
    after = 0
    while page := await store.records("feedback", after_seq=after, limit=3):
        pages.append([r.key for r in page])
        after = page[-1].seq
    assert pages == [["f0", "f1", "f2"], ["f3", "f4", "f5"], ["f6"]]
    assert await store.records("nothing kept") == []


# Both stores, and SharePoint's own promises --------------------------------------------


def test_both_stores_offer_the_same_operations() -> None:
    public = {n for n in dir(Store) if not n.startswith("_")}
    for implementation in (SqliteStore, SharePointStore):
        assert public <= set(dir(implementation)), implementation


@pytest.fixture
async def fake() -> AsyncIterator[FakeGraph]:
    server = FakeGraph()
    await server.start()
    yield server
    await server.stop()


async def test_a_write_whose_reply_was_lost_is_not_written_twice(
    tmp_path: Path, fake: FakeGraph, clock: SettableClock
) -> None:
    """SharePoint created the item but the bot never heard back (or died): on retry the
    writer finds it by reference instead of creating a second one."""
    store = await open_store(fake, tmp_path, clock, await provisioned(fake))
    try:
        stored = await store.add(new_request())
        [op] = await store.journal.outbox_pending()
        await store.requests.create(stored)  # the write that happened, unheard
        await store.journal.outbox_failed(op.seq, "connection dropped before the reply")
        assert await store.write_pending() == 1
        assert [i["Reference"] for i in fake.list_items("DFD Requests")] == [stored.reference]
        assert await store.pending_writes() == 0
    finally:
        await store.close()


async def test_numbers_continue_from_sharepoint_after_the_data_folder_is_lost(
    tmp_path: Path, fake: FakeGraph, clock: SettableClock
) -> None:
    first = await open_store(fake, tmp_path / "lost", clock, await provisioned(fake))
    try:
        for user in ("u1", "u2"):
            await first.add(new_request(user))
        await first.write_pending()
    finally:
        await first.close()
    second = await open_store(fake, tmp_path / "new", clock, await provisioned(fake))
    try:
        made = await second.add(new_request("u3"))
    finally:
        await second.close()
    assert made.reference == reference(clock.now(), 3)


async def test_numbers_continue_from_sharepoint_after_the_azure_state_is_lost(
    fake: FakeGraph, clock: SettableClock, azurite: Azurite
) -> None:
    """STATE_STORE=azure with a new storage account (or STATE_PREFIX): SharePoint's highest
    reference is the floor, as with a lost data folder."""

    async def on_new_account() -> SharePointStore:
        account = AzureState(
            StateSettings(
                kind="azure", connection_string=azurite.connection_string, prefix=new_prefix()
            )
        )
        return await open_sharepoint_on_azure(account, clock, await provisioned(fake))

    first = await on_new_account()
    try:
        for user in ("u1", "u2"):
            await first.add(new_request(user))
        await first.write_pending()
    finally:
        await first.close()
    second = await on_new_account()
    try:
        made = await second.add(new_request("u3"))
    finally:
        await second.close()
    assert made.reference == reference(clock.now(), 3)


async def test_a_change_made_in_sharepoint_is_seen_by_the_bot(
    tmp_path: Path, fake: FakeGraph, clock: SettableClock
) -> None:
    """A board secretary records a decision in Power Apps: the bot's next read shows it."""
    store = await open_store(fake, tmp_path, clock, await provisioned(fake))
    try:
        stored = await store.add(new_request())
        await store.write_pending()
        outside = await store.requests.find(stored.reference)
        assert outside is not None
        await store.requests.update_fields(outside.item_id, {"Status": "decided"}, outside.etag)
        seen = await store.get(stored.reference)
        assert seen is not None and seen.status is Status.DECIDED
        changed = await store.update(triaged(seen, Status.DECIDED))
        await store.write_pending()
        assert fake.list_items("DFD Requests")[0]["AssigneeName"] == "Tess"
        assert changed.status is Status.DECIDED
    finally:
        await store.close()


# Data protection's overwrite (issue 18) -----------------------------------------------


async def test_a_replaced_request_reads_back_whole_in_every_store(
    store_and_settle: tuple[Store, Settle],
) -> None:
    """An erasure's copy overwrites every field, the requester included, even over a change
    made since it was read; the old requester's list no longer finds it."""
    store, settle = store_and_settle
    stored = await store.add(new_request("u1"))
    await settle()
    read = await store.get(stored.reference)
    assert read is not None
    await store.update(triaged(read, Status.IN_TRIAGE))
    stand_in = "erased-00112233aabbccdd"
    erased = dataclasses.replace(
        read,
        requester=Requester(stand_in, "Erased person", stand_in),
        details=dataclasses.replace(read.details, problem="[removed]", sponsor="[removed]"),
        status=Status.WITHDRAWN,
    )
    replaced = await store.replace_request(erased)
    assert replaced.requester.user_id == stand_in
    for _ in range(2):
        again = await store.get(stored.reference)
        assert again is not None
        assert again.requester == Requester(stand_in, "Erased person", stand_in)
        assert (again.details.problem, again.details.sponsor) == ("[removed]", "[removed]")
        assert again.status is Status.WITHDRAWN and again.history == ()
        assert (await store.for_requester("u1")).items == []
        await settle()
    # Listed under the stand-in once SharePoint has the write (nobody signs in as one).
    mine = await store.for_requester(stand_in)
    assert [r.reference for r in mine.items] == [stored.reference]
