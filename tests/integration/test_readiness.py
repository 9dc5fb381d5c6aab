"""What /readyz makes of the writes owed to SharePoint, on a real SQLite journal: their
number, the age of the oldest by the clock, and "degraded" once SharePoint is more than
15 minutes behind even though Graph answers (a write it keeps refusing, say)."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.backends import OpenStore
from bot.readiness import BEHIND, readiness
from bot.store.journal import SqliteJournal
from tests.integration.test_store_contract import NOW, new_request
from tests.support.clock import SettableClock


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(NOW)


@pytest.fixture
async def journal(tmp_path: Path, clock: SettableClock) -> AsyncIterator[SqliteJournal]:
    opened = SqliteJournal(tmp_path / "journal.sqlite3", clock)
    await opened.open()
    yield opened
    await opened.close()


def sharepoint_on(journal: SqliteJournal) -> OpenStore:
    """SharePoint mode's store as /readyz sees it, with the journal as its store."""
    return OpenStore(
        journal,  # type: ignore[arg-type]  # only ping is asked of the store here
        "sharepoint",
        pending_writes=journal.outbox_count,
        oldest_pending_write=journal.outbox_oldest,
    )


async def test_nothing_owed_is_ready_with_zeroes(journal: SqliteJournal) -> None:
    status, body = await readiness(sharepoint_on(journal), NOW)
    assert status == 200 and body["status"] == "ready"
    assert body["outbox_depth"] == body["pending_sharepoint_writes"] == 0
    assert body["oldest_pending_write_age_seconds"] == 0


async def test_the_oldest_owed_writes_age_is_counted_by_the_clock(
    journal: SqliteJournal, clock: SettableClock
) -> None:
    await journal.add(new_request("u1"))
    clock.advance(dt.timedelta(minutes=3))
    await journal.add(new_request("u2"))
    status, body = await readiness(sharepoint_on(journal), clock.now() + dt.timedelta(seconds=42))
    assert status == 200 and body["status"] == "ready", "a few minutes behind is normal"
    assert body["outbox_depth"] == 2
    assert body["oldest_pending_write_age_seconds"] == 3 * 60 + 42


async def test_sharepoint_more_than_15_minutes_behind_is_degraded(
    journal: SqliteJournal,
) -> None:
    await journal.add(new_request("u1"))
    limit = NOW + BEHIND
    _, body = await readiness(sharepoint_on(journal), limit)
    assert body["status"] == "ready"
    status, body = await readiness(sharepoint_on(journal), limit + dt.timedelta(seconds=1))
    assert status == 200, "still serving: an alert, not a restart"
    assert body["status"] == "degraded" and body["oldest_pending_write_age_seconds"] == 901


async def test_a_closed_journal_is_unavailable_in_plain_words(journal: SqliteJournal) -> None:
    await journal.close()
    status, body = await readiness(sharepoint_on(journal), NOW)
    assert status == 503
    assert body["status"] == "unavailable" and body["store"] == "not reachable"
    assert body["outbox_depth"] == body["oldest_pending_write_age_seconds"] == "unknown"
