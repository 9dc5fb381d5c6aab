"""Two bot processes, one store: references are handed out once, nudges sent once.

Each test starts real OS processes running this module (`python -m`), each with its own
store on one shared place: a SQLite file, or (as two instances in Azure would) one
STATE_PREFIX on Azurite, each process with its own connection. Time is passed to them as
an argument; nothing here waits for time to pass. The processes start together on a
signal file, so their writes really overlap.
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
from typing import TYPE_CHECKING, Any

import pytest

from bot.domain.communities import (
    Answer,
    AnswerKind,
    Nudge,
    NudgeOutcome,
    NudgeStep,
    Question,
    QuestionStatus,
)
from bot.journeys.communities.ports import CommunityStore
from bot.journeys.communities.store_sqlite import SqliteCommunityStore
from tests.support.azurite import Azurite, new_prefix

if TYPE_CHECKING:
    from bot.azure_state.account import AzureState

ROOT = Path(__file__).resolve().parents[2]
MODULE = "tests.integration.test_community_store_processes"
NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)
LEASE = dt.timedelta(minutes=5)
WAIT = 60.0  # seconds: the most any step may take before the test gives up
AZURE = "azure:"  # a place on Azurite: "azure:<STATE_PREFIX>"; the account is in the env
CONNECTION = "AZURE_STORAGE_CONNECTION_STRING"
# How many nudges both processes drain: Azurite answers each call over HTTP, so its run is
# smaller (and still overlaps many times).
DRAINED = {"sqlite": 500, "azure": 60}


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


class Place:
    """Where the processes' stores meet: a SQLite file, or a prefix on Azurite."""

    def __init__(self, kind: str, tmp_path: Path, azurite: Azurite | None) -> None:
        self.kind = kind
        self.where = (
            str(tmp_path / "communities.sqlite3") if azurite is None else AZURE + new_prefix()
        )
        self.env = dict(os.environ)
        if azurite is not None:
            self.env[CONNECTION] = azurite.connection_string

    def __str__(self) -> str:
        return self.where


def start(db: Place, action: str, go: Path | None = None, **args: Any) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", MODULE, str(db), action, json.dumps(args), str(go or "")]
    return subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=db.env
    )


def result(process: subprocess.Popen[str]) -> Any:
    out, err = process.communicate(timeout=WAIT)
    assert process.returncode == 0, err
    return json.loads(out)


def together(db: Place, tmp_path: Path, runs: list[dict[str, Any]]) -> list[Any]:
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


@pytest.fixture(params=["sqlite", "azure"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Place:
    azurite = request.getfixturevalue("azurite") if request.param == "azure" else None
    return Place(request.param, tmp_path, azurite)


@pytest.fixture
async def store(db: Place) -> AsyncIterator[CommunityStore]:
    """The parent's own store: the file (or table) exists before any race."""
    opened, account = open_store(str(db), db.env)
    await opened.open()
    yield opened
    await opened.close()
    if account is not None:
        await account.close()


def open_store(
    place: str, env: dict[str, str] | os._Environ[str]
) -> tuple[CommunityStore, AzureState | None]:
    """A store on the place, and the Azure account connection it uses (to close after)."""
    if not place.startswith(AZURE):
        return SqliteCommunityStore(Path(place), FixedClock(NOW)), None
    # Imported here: a SQLite child process need not load the Azure libraries.
    from bot.azure_state.account import AzureState
    from bot.azure_state.settings import StateSettings
    from bot.journeys.communities.store_azure import AzureCommunityStore

    settings = StateSettings(
        kind="azure", connection_string=env[CONNECTION], prefix=place.removeprefix(AZURE)
    )
    account = AzureState(settings)
    return AzureCommunityStore(account, FixedClock(NOW)), account


# On Azure the same race is run by two connections in one process (the contract suite's
# test_asking_on_two_stores_at_once_hands_out_every_reference_once), at a fraction of the time.
@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
async def test_two_processes_asking_at_once_get_every_reference_once(
    tmp_path: Path, db: Place, store: CommunityStore
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
    tmp_path: Path, db: Place, store: CommunityStore
) -> None:
    count = DRAINED[db.kind]
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
    db: Place, store: CommunityStore
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


# Azure: an instance that dies between two writes ---------------------------------------


async def azure_store(azure_state: AzureState) -> CommunityStore:
    from bot.journeys.communities.store_azure import AzureCommunityStore

    store = AzureCommunityStore(azure_state, FixedClock(NOW))
    await store.open()
    return store


async def test_a_question_key_claimed_by_an_instance_that_died_is_finished_by_the_retry(
    azure_state: AzureState,
) -> None:
    from bot.azure_state.references import ReferenceCounter
    from bot.journeys.communities.store_azure import row_key

    table = await azure_state.table("communities")
    number = await ReferenceCounter(table).next_number(2026)  # it got its number...
    claim = {"PartitionKey": "question-key", "RowKey": row_key("activity-1")}
    await table.create_entity({**claim, "Reference": f"Q-2026-{number:04d}"})  # ...and died
    store = await azure_store(azure_state)
    kept = await store.add_question(new_question("u1"), key="activity-1")
    assert kept.reference == "Q-2026-0001" and kept.asker_id == "u1"
    assert await store.add_question(new_question("u1"), key="activity-1") == kept
    assert (await store.add_question(new_question("u2"), key="activity-2")).reference == (
        "Q-2026-0002"
    )
    await store.close()


async def test_an_answer_id_claimed_by_an_instance_that_died_is_kept_by_the_retry(
    azure_state: AzureState,
) -> None:
    from bot.journeys.communities.store_azure import row_key

    table = await azure_state.table("communities")
    claim = {"PartitionKey": "answer-id", "RowKey": row_key("a1")}
    await table.create_entity({**claim, "QuestionRef": "Q-2026-0001"})  # and then it died
    store = await azure_store(azure_state)
    answer = Answer(
        id="a1",
        question_ref="Q-2026-0001",
        champion_id="c1",
        champion_name="Cara",
        text="Share it.",
        kind=AnswerKind.WRITTEN,
        at=NOW,
    )
    assert await store.add_answer(answer) == answer
    assert await store.answer("a1") == answer
    assert await store.answers("Q-2026-0001") == [answer]
    await store.close()


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


async def ask(store: CommunityStore, name: str, count: int) -> list[str]:
    refs = []
    for n in range(count):
        refs.append((await store.add_question(new_question(name), key=f"{name}-{n}")).reference)
    return refs


async def drain(store: CommunityStore, owner: str, now: str) -> dict[str, list[str]]:
    at = dt.datetime.fromisoformat(now)
    claimed: list[str] = []
    finished: list[str] = []
    for _ in range(1000):  # bounded: at most 500 nudges, at least one claimed per round
        batch = await store.claim_due(at, owner, LEASE, limit=7)
        if not batch:
            break
        claimed += [n.id for n in batch]
        for n in batch:
            if await store.finish(n.id, owner, NudgeOutcome.DELIVERED, at):
                finished.append(n.id)
    return {"claimed": claimed, "finished": finished}


async def child(db: str, action: str, args: dict[str, Any], go: str) -> Any:
    store, account = open_store(db, os.environ)
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
    if account is not None:
        await account.close()
    return found


if __name__ == "__main__":
    db_path, what, raw, go_file = sys.argv[1:5]
    print(json.dumps(asyncio.run(child(db_path, what, json.loads(raw), go_file))))
