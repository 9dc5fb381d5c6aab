"""One contract, two stores: SQLite (local mode) and SharePoint lists through Graph.

The SharePoint store runs the real msgraph-sdk against the local fake Graph server.
`settle` lets its writer catch up, so each promise is checked both before and after
the write to SharePoint has happened.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.domain import governance, routing, scoring
from bot.domain.form import validate_all
from bot.domain.model import AuditEntry, DigitalRequest, Draft, Requester, Status
from bot.ports import ChangedBySomeoneElse, NewRequest, Store
from bot.store.sqlite import SqliteStore
from bot.usecases.intake import new_draft_id
from graph_clients.store import SharePointStore
from tests.e2e.journey import GOOD_ANSWERS
from tests.support.fake_graph import FakeGraph
from tests.support.graph import open_store, provisioned

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
YEAR = NOW.year
ANSWERS = {k: v for step in GOOD_ANSWERS.values() for k, v in step.items()}


def new_request(
    user: str = "u1", title: str = "Book garden waste collections online"
) -> NewRequest:
    details, errors = validate_all({**ANSWERS, "title": title}, NOW.date())
    assert details is not None, errors
    return NewRequest(
        draft_id=new_draft_id(),
        details=details,
        requester=Requester(user, "Someone", user),
        score=scoring.score(details, governance.DEFAULT_MATRIX, NOW.date()),
        route=routing.route(details, governance.DEFAULT_RULES),
        submitted_at=NOW,
    )


Settle = Callable[[], Awaitable[None]]


@pytest.fixture(params=["sqlite", "sharepoint"])
async def store_and_settle(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[Store, Settle]]:
    if request.param == "sqlite":
        local = SqliteStore(tmp_path / "store.sqlite3")
        await local.open()

        async def nothing() -> None:
            return None

        yield local, nothing
        await local.close()
        return
    fake = FakeGraph()
    await fake.start()
    graph = await provisioned(fake)
    sharepoint = await open_store(fake, tmp_path, graph)

    async def write() -> None:
        await sharepoint.write_pending()
        assert await sharepoint.pending_writes() == 0

    yield sharepoint, write
    await sharepoint.close()
    await fake.stop()


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
        await settle()


async def test_references_are_sequential_and_unique(store_and_settle: tuple[Store, Settle]) -> None:
    store, settle = store_and_settle
    made = [await store.add(new_request(f"u{i}")) for i in range(5)]
    await settle()
    assert [r.reference for r in made] == [f"DR-{YEAR}-{n:04d}" for n in range(1, 6)]


async def test_a_draft_sent_twice_is_one_request(store_and_settle: tuple[Store, Settle]) -> None:
    store, settle = store_and_settle
    new = new_request()
    first = await store.add(new)
    second = await store.add(new)
    await settle()
    assert first.reference == second.reference
    found = await store.by_draft(new.draft_id)
    assert found is not None and found.reference == first.reference
    page = await store.for_requester("u1")
    assert [r.reference for r in page.items] == [first.reference]


async def test_unknown_references_find_nothing(store_and_settle: tuple[Store, Settle]) -> None:
    store, _ = store_and_settle
    assert await store.get(f"DR-{YEAR}-0999") is None
    assert await store.get("not a reference") is None


async def test_my_requests_are_mine_only_newest_first_a_page_at_a_time(
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


async def test_a_forged_page_token_is_not_followed(store_and_settle: tuple[Store, Settle]) -> None:
    store, settle = store_and_settle
    await store.add(new_request("me"))
    await settle()
    import base64

    forged = base64.urlsafe_b64encode(b"http://169.254.169.254/latest/meta-data").decode()
    page = await store.for_requester("me", forged, page_size=5)
    assert all(r.requester.user_id == "me" for r in page.items)


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


async def test_the_triage_queue_is_oldest_first_and_empties_when_posted(
    store_and_settle: tuple[Store, Settle],
) -> None:
    store, settle = store_and_settle
    refs = [(await store.add(new_request(f"u{i}"))).reference for i in range(3)]
    assert [r.reference for r in await store.awaiting_triage_post()] == refs
    await store.mark_triage_posted(refs[1], "msg-1")
    await settle()
    assert [r.reference for r in await store.awaiting_triage_post()] == [refs[0], refs[2]]


async def test_governance_is_the_councils_published_matrix_and_rules(
    store_and_settle: tuple[Store, Settle],
) -> None:
    store, _ = store_and_settle
    rules = await store.governance()
    assert rules.matrix == governance.DEFAULT_MATRIX
    assert rules.rules == governance.DEFAULT_RULES
    assert {b.name for b in rules.boards.values()} == {
        "Digital, Data and Customer Board",
        "Technical Review Board",
        "ICT Improvement Group",
    }


async def test_a_stale_draft_write_is_refused(store_and_settle: tuple[Store, Settle]) -> None:
    store, _ = store_and_settle
    saved = await store.save_draft(Draft("me", new_draft_id(), 1, {"title": "A"}, NOW))
    await store.save_draft(dataclasses.replace(saved, values={"title": "B"}))
    with pytest.raises(ChangedBySomeoneElse):
        await store.save_draft(dataclasses.replace(saved, values={"title": "C"}))
    current = await store.get_draft("me")
    assert current is not None and current.values == {"title": "B"}
    await store.delete_draft("me")
    assert await store.get_draft("me") is None


async def test_channels_register_and_replace(store_and_settle: tuple[Store, Settle]) -> None:
    store, _ = store_and_settle
    assert await store.channel("triage") is None
    reference: dict[str, Any] = {"conversation": {"id": "A"}}
    await store.register_channel("triage", reference, "admin")
    await store.register_channel("triage", {"conversation": {"id": "B"}}, "admin")
    assert await store.channel("triage") == {"conversation": {"id": "B"}}


def test_both_stores_offer_the_same_operations() -> None:
    public = {n for n in dir(Store) if not n.startswith("_")}
    for implementation in (SqliteStore, SharePointStore):
        assert public <= set(dir(implementation)), implementation


async def test_a_write_whose_reply_was_lost_is_not_written_twice(tmp_path: Path) -> None:
    """SharePoint created the item but the bot never heard back (or died): on retry the
    writer finds it by reference instead of creating a second one."""
    fake = FakeGraph()
    await fake.start()
    graph = await provisioned(fake)
    store = await open_store(fake, tmp_path, graph)
    try:
        stored = await store.add(new_request())
        [op] = await store.local.outbox_pending()
        await store.requests.create(stored)  # the write that happened, unheard
        await store.local.outbox_failed(op.seq, "connection dropped before the reply")
        assert await store.write_pending() == 1
        assert [i["Reference"] for i in fake.list_items("DFD Requests")] == [stored.reference]
        assert await store.pending_writes() == 0
    finally:
        await store.close()
        await fake.stop()


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


async def test_a_change_made_in_sharepoint_is_seen_by_the_bot(tmp_path: Path) -> None:
    """A board secretary records a decision in Power Apps: the bot's next read shows it."""
    fake = FakeGraph()
    await fake.start()
    graph = await provisioned(fake)
    store = await open_store(fake, tmp_path, graph)
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
        await fake.stop()
