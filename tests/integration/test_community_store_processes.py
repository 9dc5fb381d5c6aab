"""Two bot processes, one SQLite file: references are handed out once, nudges sent once.

Each test starts real OS processes running this module (`python -m`), each with its own
SqliteCommunityStore on the same file. Time is passed to them as an argument; nothing
here waits for time to pass. The processes start together on a signal file, so their
writes really overlap.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.domain.communities import Nudge, NudgeOutcome, NudgeStep, Question, QuestionStatus
from bot.journeys.communities.store_sqlite import SqliteCommunityStore

ROOT = Path(__file__).resolve().parents[2]
MODULE = "tests.integration.test_community_store_processes"
NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)
LEASE = dt.timedelta(minutes=5)
WAIT = 60.0  # seconds: the most any step may take before the test gives up


class FixedClock:
    def __init__(self, now: dt.datetime) -> None:
        self._now = now

    def now(self) -> dt.datetime:
        return self._now


def new_question(asker: str) -> Question:
    return Question(
        reference="",
        asker_id=asker,
        asker_name=asker,
        text="How do I share a Power App with my team?",
        community_id="power-platform",
        service_area="Housing",
        status=QuestionStatus.OPEN,
        asked_at=NOW,
    )


def nudge(number: int) -> Nudge:
    ref = f"Q-2026-{number:04d}"
    return Nudge(
        id=f"{ref}:champions:c{number}",
        question_ref=ref,
        step=NudgeStep.CHAMPIONS,
        recipient_id=f"c{number}",
        due_at=NOW - dt.timedelta(seconds=number),
    )


# The parent side --------------------------------------------------------------------


def start(db: Path, action: str, go: Path | None = None, **args: Any) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", MODULE, str(db), action, json.dumps(args), str(go or "")]
    return subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def result(process: subprocess.Popen[str]) -> Any:
    out, err = process.communicate(timeout=WAIT)
    assert process.returncode == 0, err
    return json.loads(out)


def together(db: Path, tmp_path: Path, runs: list[dict[str, Any]]) -> list[Any]:
    """Start every run, let them all go at once, and collect what each printed."""
    go = tmp_path / "go"
    processes = [start(db, go=go, **run) for run in runs]
    ready = [go.with_suffix(f".ready.{p.pid}") for p in processes]
    deadline = time.monotonic() + WAIT
    while not all(r.exists() for r in ready):
        assert all(p.poll() is None for p in processes), "a process ended before the start"
        assert time.monotonic() < deadline, "the processes never got ready"
        time.sleep(0.01)
    go.touch()
    return [result(p) for p in processes]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "communities.sqlite3"


@pytest.fixture
async def store(db: Path) -> AsyncIterator[SqliteCommunityStore]:
    """The parent's own store: the file and its tables exist before any race."""
    opened = SqliteCommunityStore(db, FixedClock(NOW))
    await opened.open()
    yield opened
    await opened.close()


async def test_two_processes_asking_at_once_get_every_reference_once(
    tmp_path: Path, db: Path, store: SqliteCommunityStore
) -> None:
    each = 300
    runs = [{"action": "ask", "name": name, "count": each} for name in ("one", "two")]
    one, two = together(db, tmp_path, runs)
    assert len(one) == len(two) == each
    assert not set(one) & set(two)
    kept = await store.questions(limit=2 * each + 10)
    expected = [f"Q-2026-{n:04d}" for n in range(1, 2 * each + 1)]
    assert [q.reference for q in kept] == expected  # no duplicates, no gaps
    assert sorted(one + two) == expected
    assert {q.asker_id for q in kept} == {"one", "two"}


async def test_two_processes_draining_nudges_send_each_once(
    tmp_path: Path, db: Path, store: SqliteCommunityStore
) -> None:
    count = 500
    assert await store.schedule([nudge(n) for n in range(1, count + 1)]) == count
    runs = [{"action": "drain", "owner": owner, "now": NOW.isoformat()} for owner in ("p1", "p2")]
    one, two = together(db, tmp_path, runs)
    kept = await store.nudges()
    assert not set(one["claimed"]) & set(two["claimed"])
    assert not set(one["finished"]) & set(two["finished"])
    assert sorted(one["finished"] + two["finished"]) == sorted(n.id for n in kept)
    assert all(n.outcome == NudgeOutcome.DELIVERED and n.sent_at == NOW for n in kept)
    assert one["finished"] and two["finished"], "both processes should have sent some"


async def test_a_process_that_dies_holding_leases_leaves_them_to_the_other(
    db: Path, store: SqliteCommunityStore
) -> None:
    await store.schedule([nudge(n) for n in range(1, 21)])
    died = start(db, "claim_and_die", owner="doomed", now=NOW.isoformat())
    out, _ = died.communicate(timeout=WAIT)
    assert died.returncode == 3  # it left without finishing or closing its store
    assert len(json.loads(out)) == 20
    # One survivor process tries while the lease holds, at its last moment, and once it ran out.
    times = [NOW, NOW + LEASE - dt.timedelta(microseconds=1), NOW + LEASE]
    survivor = {"owner": "survivor", "times": [t.isoformat() for t in times]}
    held, last_moment, took = result(start(db, "drains", **survivor))
    assert held == last_moment == {"claimed": [], "finished": []}
    assert len(took["finished"]) == 20
    expired = (NOW + LEASE).isoformat()
    late = {"owner": "doomed", "now": expired, "ids": took["finished"]}
    assert result(start(db, "finish", **late)) == []  # its old leases are gone
    kept = await store.nudges()
    assert all(n.outcome == NudgeOutcome.DELIVERED for n in kept)


# The child side ---------------------------------------------------------------------


def wait_for(go: str) -> None:
    if not go:
        return
    Path(f"{Path(go).with_suffix('')}.ready.{os.getpid()}").touch()
    deadline = time.monotonic() + WAIT
    while not Path(go).exists():
        if time.monotonic() > deadline:
            raise SystemExit("no start signal")
        time.sleep(0.001)


async def ask(store: SqliteCommunityStore, name: str, count: int) -> list[str]:
    refs = []
    for n in range(count):
        refs.append((await store.add_question(new_question(name), key=f"{name}-{n}")).reference)
    return refs


async def drain(store: SqliteCommunityStore, owner: str, now: str) -> dict[str, list[str]]:
    at = dt.datetime.fromisoformat(now)
    claimed: list[str] = []
    finished: list[str] = []
    for _ in range(1000):  # bounded: 500 nudges, at least one claimed per round
        batch = await store.claim_due(at, owner, LEASE, limit=7)
        if not batch:
            break
        claimed += [n.id for n in batch]
        for n in batch:
            if await store.finish(n.id, owner, NudgeOutcome.DELIVERED, at):
                finished.append(n.id)
    return {"claimed": claimed, "finished": finished}


async def child(db: str, action: str, args: dict[str, Any], go: str) -> Any:
    store = SqliteCommunityStore(Path(db), FixedClock(NOW))
    await store.open()
    wait_for(go)
    if action == "ask":
        found: Any = await ask(store, args["name"], args["count"])
    elif action == "drain":
        found = await drain(store, args["owner"], args["now"])
    elif action == "drains":
        found = [await drain(store, args["owner"], now) for now in args["times"]]
    elif action == "claim_and_die":
        at = dt.datetime.fromisoformat(args["now"])
        claimed = await store.claim_due(at, args["owner"], LEASE)
        print(json.dumps([n.id for n in claimed]), flush=True)
        os._exit(3)  # no finish, no close: as a process killed mid-send
    elif action == "finish":
        at = dt.datetime.fromisoformat(args["now"])
        found = [
            id
            for id in args["ids"]
            if await store.finish(id, args["owner"], NudgeOutcome.DELIVERED, at)
        ]
    else:
        raise SystemExit(f"unknown action {action}")
    await store.close()
    return found


if __name__ == "__main__":
    db_path, what, raw, go_file = sys.argv[1:5]
    print(json.dumps(asyncio.run(child(db_path, what, json.loads(raw), go_file))))
