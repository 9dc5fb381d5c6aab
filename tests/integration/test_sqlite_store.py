"""The local store on a real SQLite file: references, drafts, paging, the triage queue."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.domain import governance, routing, scoring
from bot.domain.form import validate_all
from bot.domain.model import Draft, Requester
from bot.ports import ChangedBySomeoneElse, NewRequest
from bot.store.sqlite import SqliteStore
from bot.usecases.intake import new_draft_id
from tests.e2e.journey import GOOD_ANSWERS

NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)
ANSWERS = {k: v for step in GOOD_ANSWERS.values() for k, v in step.items()}


def new_request(user: str = "u1", when: dt.datetime = NOW) -> NewRequest:
    details, errors = validate_all(ANSWERS, when.date())
    assert details is not None, errors
    return NewRequest(
        draft_id=new_draft_id(),
        details=details,
        requester=Requester(user, "Someone", user),
        score=scoring.score(details, governance.DEFAULT_MATRIX, when.date()),
        route=routing.route(details, governance.DEFAULT_RULES),
        submitted_at=when,
    )


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    opened = SqliteStore(tmp_path / "store.sqlite3")
    await opened.open()
    yield opened
    await opened.close()


async def test_a_stored_request_reads_back_exactly(store: SqliteStore) -> None:
    new = new_request()
    stored = await store.add(new)
    again = await store.get(stored.reference)
    assert again == stored
    assert again.details == new.details and again.score == new.score and again.route == new.route


async def test_references_restart_at_one_each_year(store: SqliteStore) -> None:
    a = await store.add(new_request(when=NOW))
    b = await store.add(new_request(when=NOW))
    c = await store.add(new_request(when=NOW.replace(year=2027, month=1, day=1)))
    assert [a.reference, b.reference, c.reference] == [
        "DR-2026-0001",
        "DR-2026-0002",
        "DR-2027-0001",
    ]


async def test_simultaneous_submissions_never_share_a_reference(store: SqliteStore) -> None:
    results = await asyncio.gather(*(store.add(new_request(f"u{i}")) for i in range(50)))
    references = [r.reference for r in results]
    assert len(set(references)) == 50
    assert sorted(references) == [f"DR-2026-{n:04d}" for n in range(1, 51)]


def test_two_processes_sharing_the_file_never_share_a_reference(tmp_path: Path) -> None:
    """Two independent stores (separate connections) on one file, in separate threads."""
    path = tmp_path / "shared.sqlite3"
    references: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(2)

    def worker(name: str) -> None:
        async def run() -> None:
            store = SqliteStore(path)
            await store.open()
            start.wait()
            for i in range(25):
                stored = await store.add(new_request(f"{name}{i}"))
                with lock:
                    references.append(stored.reference)
            await store.close()

        asyncio.run(run())

    threads = [threading.Thread(target=worker, args=(n,)) for n in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(references) == 50
    assert len(set(references)) == 50


async def test_adding_the_same_draft_twice_keeps_one_request(store: SqliteStore) -> None:
    new = new_request()
    first = await store.add(new)
    second = await store.add(new)
    assert first.reference == second.reference
    assert (await store.by_draft(new.draft_id)) == first


async def test_my_requests_come_newest_first_a_page_at_a_time(store: SqliteStore) -> None:
    for _ in range(23):
        await store.add(new_request("me"))
    await store.add(new_request("someone else"))
    seen: list[str] = []
    token: str | None = None
    pages = 0
    while True:
        page = await store.for_requester("me", token, page_size=10)
        seen += [r.reference for r in page.items]
        pages += 1
        token = page.next_token
        if token is None:
            break
    assert pages == 3
    assert seen == [f"DR-2026-{n:04d}" for n in range(23, 0, -1)]


async def test_a_garbage_page_token_starts_from_the_newest(store: SqliteStore) -> None:
    await store.add(new_request("me"))
    page = await store.for_requester("me", "%%%not-a-token", page_size=10)
    assert [r.reference for r in page.items] == ["DR-2026-0001"]


async def test_the_triage_queue_is_oldest_first_and_empties_when_posted(
    store: SqliteStore,
) -> None:
    for i in range(3):
        await store.add(new_request(f"u{i}"))
    waiting = await store.awaiting_triage_post()
    assert [r.reference for r in waiting] == ["DR-2026-0001", "DR-2026-0002", "DR-2026-0003"]
    await store.mark_triage_posted("DR-2026-0002", "msg-1")
    assert [r.reference for r in await store.awaiting_triage_post()] == [
        "DR-2026-0001",
        "DR-2026-0003",
    ]


async def test_a_stale_draft_write_is_refused(store: SqliteStore) -> None:
    saved = await store.save_draft(Draft("me", new_draft_id(), 1, {"title": "A"}, NOW))
    first = await store.save_draft(dataclasses.replace(saved, values={"title": "B"}))
    with pytest.raises(ChangedBySomeoneElse):
        await store.save_draft(dataclasses.replace(saved, values={"title": "C"}))
    current = await store.get_draft("me")
    assert current is not None and current.values == {"title": "B"} == first.values


async def test_drafts_and_seeded_rules_survive_reopening(tmp_path: Path) -> None:
    path = tmp_path / "reopen.sqlite3"
    store = SqliteStore(path)
    await store.open()
    await store.save_draft(Draft("me", new_draft_id(), 2, {"title": "Kept"}, NOW))
    await store.close()
    again = SqliteStore(path)
    await again.open()
    draft = await again.get_draft("me")
    rules = await again.governance()
    await again.close()
    assert draft is not None and draft.values == {"title": "Kept"} and draft.step == 2
    assert rules.matrix == governance.DEFAULT_MATRIX
    assert rules.rules == governance.DEFAULT_RULES
    assert set(rules.boards) == {"ddc", "trb", "ictig"}


async def test_channels_register_and_replace(store: SqliteStore) -> None:
    assert await store.channel("triage") is None
    await store.register_channel("triage", {"conversation": {"id": "A"}}, "admin")
    await store.register_channel("triage", {"conversation": {"id": "B"}}, "admin")
    assert await store.channel("triage") == {"conversation": {"id": "B"}}
