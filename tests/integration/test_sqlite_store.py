"""The local store on a real SQLite file: concurrency, paging, reopening, older files."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
import threading
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.domain import governance
from bot.domain.model import Draft
from bot.ports import Record
from bot.store.sqlite import SqliteStore
from tests.integration.test_store_contract import NOW, new_request, reference
from tests.support.clock import SettableClock


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    opened = SqliteStore(tmp_path / "store.sqlite3", SettableClock(NOW))
    await opened.open()
    yield opened
    await opened.close()


async def test_simultaneous_submissions_never_share_a_reference(store: SqliteStore) -> None:
    results = await asyncio.gather(*(store.add(new_request(f"u{i}")) for i in range(50)))
    assert sorted(r.reference for r in results) == [reference(NOW, n) for n in range(1, 51)]


def test_two_processes_sharing_the_file_never_share_a_reference(tmp_path: Path) -> None:
    """Two independent stores (separate connections) on one file, in separate threads."""
    path = tmp_path / "shared.sqlite3"
    references: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(2)

    def worker(name: str) -> None:
        async def run() -> None:
            store = SqliteStore(path, SettableClock(NOW))
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
    assert sorted(references) == [reference(NOW, n) for n in range(1, 51)]


async def test_my_requests_come_newest_first_a_page_at_a_time(store: SqliteStore) -> None:
    for _ in range(23):
        await store.add(new_request("me"))
    await store.add(new_request("someone else"))
    pages: list[list[str]] = []
    token: str | None = None
    while True:
        page = await store.for_requester("me", token, page_size=10)
        pages.append([r.reference for r in page.items])
        token = page.next_token
        if token is None:
            break
    assert [len(p) for p in pages] == [10, 10, 3]
    assert [ref for page in pages for ref in page] == [reference(NOW, n) for n in range(23, 0, -1)]


async def test_everything_kept_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "reopen.sqlite3"
    store = SqliteStore(path, SettableClock(NOW))
    await store.open()
    sent = await store.add(new_request())
    await store.save_draft(Draft("me", "feedback", uuid.uuid4().hex, 2, {"rating": "5"}, NOW))
    await store.add_record(Record("feedback", "r1", "me", NOW, {"stars": 5}))
    await store.remember_invoke("activity-1|me", {"statusCode": 200})
    await store.close()

    again = SqliteStore(path, SettableClock(NOW))
    await again.open()
    try:
        assert await again.get(sent.reference) == sent
        draft = await again.get_draft("me", "feedback")
        assert draft is not None and (draft.step, draft.values) == (2, {"rating": "5"})
        assert [r.data for r in await again.records("feedback")] == [{"stars": 5}]
        assert await again.handled_invoke("activity-1|me") == {"statusCode": 200}
        assert (await again.add(new_request())).reference == reference(NOW, 2)
        rules = await again.governance()
    finally:
        await again.close()
    assert rules.matrix == governance.DEFAULT_MATRIX
    assert rules.rules == governance.DEFAULT_RULES
    assert set(rules.boards) == {"ddc", "trb", "ictig"}


# A file as the previous version left it: drafts keyed by person alone, invokes by
# Activity id alone, requests without the triage column.
PREVIOUS_VERSION = """
CREATE TABLE drafts (
    owner_id TEXT PRIMARY KEY,
    draft_id TEXT NOT NULL,
    step INTEGER NOT NULL,
    answers TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL
);
CREATE TABLE handled_invokes (
    activity_id TEXT PRIMARY KEY,
    response TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE TABLE requests (
    item_id INTEGER PRIMARY KEY AUTOINCREMENT,
    reference TEXT NOT NULL UNIQUE,
    draft_id TEXT NOT NULL UNIQUE,
    requester_id TEXT NOT NULL,
    requester_name TEXT NOT NULL,
    requester_aad TEXT NOT NULL,
    status TEXT NOT NULL,
    board TEXT NOT NULL,
    score INTEGER NOT NULL,
    details TEXT NOT NULL,
    score_detail TEXT NOT NULL,
    route TEXT NOT NULL,
    submitted_at TEXT NOT NULL,
    triage_message_id TEXT,
    version INTEGER NOT NULL DEFAULT 1
);
"""


def previous_version_file(path: Path) -> None:
    db = sqlite3.connect(path)
    db.executescript(PREVIOUS_VERSION)
    saved = NOW - dt.timedelta(days=1)
    db.executemany(
        "INSERT INTO drafts VALUES (?, ?, ?, ?, ?, ?)",
        [
            ("ann", "d-ann", 3, '{"title": "Online bookings"}', saved.isoformat(), 4),
            ("bob", "d-bob", 1, '{"title": ""}', saved.isoformat(), 1),
        ],
    )
    db.execute(
        "INSERT INTO handled_invokes VALUES (?, ?, ?)",
        ("activity-9", '{"statusCode": 200}', saved.isoformat()),
    )
    db.commit()
    db.close()


async def test_a_file_from_the_previous_version_keeps_its_drafts_as_request_drafts(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.sqlite3"
    previous_version_file(path)
    store = SqliteStore(path, SettableClock(NOW))
    await store.open()
    try:
        ann = await store.get_draft("ann", "request")
        assert ann is not None
        assert (ann.draft_id, ann.step, ann.values, ann.etag) == (
            "d-ann",
            3,
            {"title": "Online bookings"},
            "4",
        )
        assert ann.updated_at == NOW - dt.timedelta(days=1)
        assert await store.get_draft("ann", "feedback") is None
        bob = await store.get_draft("bob", "request")
        assert bob is not None and bob.draft_id == "d-bob"
        # Versions carry on, so a card opened before the upgrade still saves.
        saved = await store.save_draft(Draft("ann", "request", "d-ann", 4, {}, NOW, etag="4"))
        assert saved.etag == "5"
        assert await store.handled_invoke("activity-9") == {"statusCode": 200}
        sent = await store.add(new_request())
        assert (await store.get(sent.reference)) == sent
    finally:
        await store.close()


async def test_an_upgraded_file_loses_nothing_when_opened_again(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    previous_version_file(path)
    store = SqliteStore(path, SettableClock(NOW))
    await store.open()
    await store.save_draft(Draft("ann", "feedback", "d-fb", 1, {"rating": "3"}, NOW))
    await store.close()

    again = SqliteStore(path, SettableClock(NOW))
    await again.open()
    try:
        request = await again.get_draft("ann", "request")
        feedback = await again.get_draft("ann", "feedback")
    finally:
        await again.close()
    assert request is not None and request.values == {"title": "Online bookings"}
    assert feedback is not None and feedback.values == {"rating": "3"}
