"""The engagements, on the procurement journey's SQLite file and on Azure Table storage
(Azurite): found by id, request reference, draft and pack token; listed per person, newest
first; saved only over the version that was read, even by two bot processes at once; and
all kept across a reopen.

The race runs real OS processes (this module, run with `python -m`), each with its own
store on the same place (the file, or the Azure account and prefix); they start together
on a signal file, so their saves overlap.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.azure_state.account import AzureState
from bot.azure_state.settings import StateSettings
from bot.domain.procurement import (
    CatalogueMatch,
    CatalogueOutcome,
    Engagement,
    ReviewPath,
    Stage,
)
from bot.journey import JourneyContext
from bot.journeys.procurement.config import ProcurementConfig
from bot.journeys.procurement.ports import EngagementStore
from bot.journeys.procurement.shared import Shared
from bot.journeys.procurement.store_azure import AzureProcurementStore, EngagementNotUnique
from bot.journeys.procurement.store_sqlite import SqliteProcurementStore
from bot.ports import ChangedBySomeoneElse
from graph_clients.catalogue_list import SharePointCatalogue
from tests.support.azurite import new_prefix
from tests.support.clock import SettableClock

ROOT = Path(__file__).resolve().parents[2]
MODULE = "tests.integration.test_engagement_store"
NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)
WAIT = 60.0  # seconds: the most a child process may take before the test gives up


def engagement(number: int, owner: str = "alex", **changes: Any) -> Engagement:
    at = NOW + dt.timedelta(minutes=number)
    made = Engagement(
        id=f"PE-{number:012x}",
        owner_id=owner,
        owner_name=owner.title(),
        need="Book and pay for garden waste collections online",
        renewal=False,
        system_name="",
        stage=Stage.CATALOGUE,
        created_at=at,
        updated_at=at,
    )
    return dataclasses.replace(made, **changes)


FULL = dict(
    stage=Stage.READY,
    reference="DR-2026-0042",
    draft_id="draft-42",
    matches=(
        CatalogueMatch(
            "CMDB-1",
            "Civica APP",
            3.25,
            ("Its capabilities include case management.", "Its description mentions waste."),
        ),
        CatalogueMatch("power-platform", "Power Platform", 1.5, (), platform=True),
    ),
    outcome=CatalogueOutcome.NONE_FIT,
    none_fit_reason="None of them take payments 💷 — and \"Civica\" can't do 'bookings'",
    checklist={"dpia": "yes", "hosting": "Azure UK South\nwith backups", "value": "=1+1"},
    path=ReviewPath.FULL,
    pack_token="tok-abc123",
    renewal=True,
    system_name="Bartec",
)


class Place:
    """Where the engagements are kept: one SQLite file, or one Azure account and prefix.
    Each store opened is a bot process's own (with Azure, its own AzureState)."""

    def __init__(self, kind: str, path: Path, azure: StateSettings | None = None) -> None:
        self.kind = kind
        self.path = path
        self.azure = azure
        self._opened: list[EngagementStore] = []
        self._instances: list[AzureState] = []

    @property
    def refused(self) -> type[Exception]:
        """What the store raises for an id or pack token already in use."""
        return sqlite3.IntegrityError if self.kind == "sqlite" else EngagementNotUnique

    @property
    def where(self) -> list[str]:
        """The place, as a child process is told it."""
        if self.azure is None:
            return ["sqlite", str(self.path)]
        return ["azure", self.azure.connection_string, self.azure.prefix]

    async def open(self) -> EngagementStore:
        store: EngagementStore
        if self.azure is None:
            store = SqliteProcurementStore(self.path)
        else:
            instance = AzureState(self.azure)
            self._instances.append(instance)
            store = AzureProcurementStore(instance)
        await store.open()
        self._opened.append(store)
        return store

    async def close(self) -> None:
        for store in self._opened:
            await store.close()
        for instance in self._instances:
            await instance.close()


@pytest.fixture(params=["sqlite", "azure"])
async def place(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Place]:
    azure = None
    if request.param == "azure":
        azurite = request.getfixturevalue("azurite")
        azure = StateSettings(
            kind="azure", connection_string=azurite.connection_string, prefix=new_prefix()
        )
    opened = Place(request.param, tmp_path / "procurement.sqlite3", azure)
    yield opened
    await opened.close()


@pytest.fixture
async def store(place: Place) -> EngagementStore:
    return await place.open()


async def test_an_added_engagement_is_found_every_way(store: EngagementStore) -> None:
    given = engagement(1, **FULL)
    added = await store.add(given)
    assert added == dataclasses.replace(given, version=1)
    assert await store.get(given.id) == added
    assert await store.by_reference("DR-2026-0042") == added
    assert await store.by_draft("draft-42") == added
    assert await store.by_pack_token("tok-abc123") == added
    assert added.matches[0].why[1] == "Its description mentions waste."
    assert added.checklist["hosting"] == "Azure UK South\nwith backups"


async def test_nothing_is_found_for_what_is_not_there(store: EngagementStore) -> None:
    await store.add(engagement(1))  # no reference, draft or pack token yet
    assert await store.get("PE-000000000999") is None
    assert await store.get("") is None
    for look in (store.by_reference, store.by_draft, store.by_pack_token):
        assert await look("") is None, "empty never matches the engagements that have none"
        assert await look("x' OR '1'='1") is None
    assert await store.by_pack_token("TOK-ABC123") is None
    assert await store.for_owner("nobody") == []


async def test_a_pack_token_belongs_to_one_engagement(place: Place, store: EngagementStore) -> None:
    await store.add(engagement(1, pack_token="same"))
    with pytest.raises(place.refused):
        await store.add(engagement(2, pack_token="same"))
    assert await store.get(engagement(2).id) is None, "a refused add keeps nothing"
    second = await store.add(engagement(3))
    with pytest.raises(place.refused):
        await store.save(dataclasses.replace(second, pack_token="same"))
    assert await store.get(second.id) == second, "a refused save changes nothing"
    assert (await store.by_pack_token("same")) == await store.get(engagement(1).id)
    with pytest.raises(place.refused):
        await store.add(engagement(1))  # one id, once
    # A new token frees the old one for someone else.
    first = await store.get(engagement(1).id)
    assert first is not None
    await store.save(dataclasses.replace(first, pack_token="fresh"))
    moved = await store.save(dataclasses.replace(second, pack_token="same"))
    assert await store.by_pack_token("same") == moved
    assert (await store.by_pack_token("fresh") or second).id == first.id


async def test_someones_engagements_come_newest_first(store: EngagementStore) -> None:
    for number in (3, 1, 5, 2, 4):
        await store.add(engagement(number))
    await store.add(engagement(6, owner="someone-else"))
    mine = await store.for_owner("alex")
    assert [e.id for e in mine] == [engagement(n).id for n in (5, 4, 3, 2, 1)]
    assert [e.id for e in await store.for_owner("alex", limit=2)] == [
        engagement(5).id,
        engagement(4).id,
    ]
    assert await store.for_owner("alex", limit=0) == []
    assert await store.for_owner("ALEX") == [], "ids are compared exactly"


async def test_every_engagement_comes_oldest_first_with_no_pack_token_rows(
    store: EngagementStore,
) -> None:
    assert await store.all_engagements() == []
    for number in (3, 1, 2):
        await store.add(engagement(number, owner=f"owner-{number}"))
    await store.add(engagement(4, pack_token="tok-4"))
    found = await store.all_engagements()
    assert [e.id for e in found] == [engagement(n).id for n in (1, 2, 3, 4)]
    assert found[3] == await store.get(engagement(4).id)


async def test_a_save_over_the_version_read_goes_through_and_a_stale_one_does_not(
    store: EngagementStore,
) -> None:
    added = await store.add(engagement(1))
    later = NOW + dt.timedelta(hours=1)
    moved = dataclasses.replace(
        added,
        stage=Stage.REQUEST,
        draft_id="d-1",
        outcome=CatalogueOutcome.NONE_FIT,
        none_fit_reason="Too small",
        updated_at=later,
    )
    saved = await store.save(moved)
    assert saved == dataclasses.replace(moved, version=2)
    with pytest.raises(ChangedBySomeoneElse):
        await store.save(dataclasses.replace(added, stage=Stage.EXISTING))
    assert await store.get(added.id) == saved, "the stale save changed nothing"
    again = await store.save(dataclasses.replace(saved, path=ReviewPath.LIGHT))
    assert again.version == 3 and again.path == ReviewPath.LIGHT
    cleared = await store.save(dataclasses.replace(again, path=None, outcome=None))
    assert cleared.path is None and cleared.outcome is None


async def test_saving_an_engagement_never_added_is_not_a_stale_save(
    store: EngagementStore,
) -> None:
    with pytest.raises(LookupError):
        await store.save(engagement(9))
    assert await store.get(engagement(9).id) is None


async def test_times_must_say_their_timezone(store: EngagementStore) -> None:
    naive = engagement(1, created_at=dt.datetime(2026, 11, 25, 10, 0))
    with pytest.raises(ValueError, match="timezone"):
        await store.add(naive)
    assert await store.get(naive.id) is None


async def test_reopening_the_file_keeps_everything(place: Place) -> None:
    first = await place.open()
    kept = [await first.add(engagement(1, **FULL)), await first.add(engagement(2))]
    kept[1] = await first.save(dataclasses.replace(kept[1], stage=Stage.CHECKLIST))
    await first.close()
    second = await place.open()
    assert [await second.get(e.id) for e in kept] == kept
    assert await second.for_owner("alex") == [kept[1], kept[0]]
    assert await second.by_pack_token("tok-abc123") == kept[0]
    found = await second.get(kept[0].id)
    assert found is not None and found.created_at.tzinfo is not None


async def test_two_processes_giving_one_pack_token_to_two_engagements_at_once_one_wins(
    place: Place,
) -> None:
    one, two = await place.open(), await place.open()
    mine = await one.add(engagement(1))
    theirs = await two.add(engagement(2, owner="sam"))
    outcomes = await asyncio.gather(
        one.save(dataclasses.replace(mine, pack_token="tok-clash")),
        two.save(dataclasses.replace(theirs, pack_token="tok-clash")),
        return_exceptions=True,
    )
    saved = [o for o in outcomes if isinstance(o, Engagement)]
    assert len(saved) == 1, outcomes
    assert [type(o) for o in outcomes if not isinstance(o, Engagement)] == [place.refused]
    assert await one.by_pack_token("tok-clash") == saved[0]
    loser = theirs if saved[0].id == mine.id else mine
    assert await two.get(loser.id) == loser, "the loser's engagement is as it was"


async def test_with_azure_storage_the_journey_keeps_engagements_there_not_in_a_file(
    tmp_path: Path, azure_state: AzureState
) -> None:
    unused: Any = object()  # opening the stores touches neither the requests nor Graph
    ctx = JourneyContext(
        store=unused,
        clock=SettableClock(NOW),
        notifier=unused,
        admin_ids=frozenset(),
        data_dir=tmp_path,
        graph=unused,
        azure=azure_state,
    )
    shared = Shared(ctx, ProcurementConfig())
    try:
        engagements = await shared.engagements()
        assert isinstance(engagements, AzureProcurementStore)
        assert isinstance(await shared.catalogue(), SharePointCatalogue)
        added = await engagements.add(engagement(1))
    finally:
        await shared.close()
    assert not (tmp_path / "procurement.sqlite3").exists()
    again = AzureProcurementStore(azure_state)
    await again.open()
    assert await again.get(added.id) == added, "kept in the account"


# Two processes, one engagement --------------------------------------------------------


def start(place: Place, go: Path, answer: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", MODULE, str(go), answer, *place.where]
    return subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


async def test_two_processes_saving_one_engagement_one_wins(
    place: Place, tmp_path: Path, store: EngagementStore
) -> None:
    for round_ in range(1):  # the outcome never depends on timing: one round is enough
        added = await store.add(engagement(100 + round_))
        go = tmp_path / f"go-{round_}"
        processes = [start(place, go, f"{added.id}:{name}") for name in ("one", "two")]
        ready = [go.with_suffix(f".ready.{p.pid}") for p in processes]
        deadline = time.monotonic() + WAIT
        while not all(r.exists() for r in ready):
            assert all(p.poll() is None for p in processes), "a process ended before the start"
            assert time.monotonic() < deadline, "the processes never got ready"
            time.sleep(0.01)
        go.touch()
        outcomes = []
        for process in processes:
            out, err = process.communicate(timeout=WAIT)
            assert process.returncode == 0, err
            outcomes.append(json.loads(out))
        assert sorted(outcomes) == ["saved", "stale"], outcomes
        winner = ("one", "two")[outcomes.index("saved")]
        kept = await store.get(added.id)
        assert kept is not None and kept.version == 2
        assert kept.checklist == {"who": winner}, "the winner's answer, whole"


# The child side ---------------------------------------------------------------------


async def child(go: str, task: str, where: list[str]) -> str:
    engagement_id, answer = task.split(":")
    if where[0] == "sqlite":
        place = Place("sqlite", Path(where[1]))
    else:
        settings = StateSettings(kind="azure", connection_string=where[1], prefix=where[2])
        place = Place("azure", Path(), settings)
    store = await place.open()
    try:
        read = await store.get(engagement_id)
        assert read is not None
        Path(f"{Path(go).with_suffix('')}.ready.{os.getpid()}").touch()
        deadline = time.monotonic() + WAIT
        while not Path(go).exists():
            if time.monotonic() > deadline:
                raise SystemExit("no start signal")
            time.sleep(0.001)
        try:
            await store.save(dataclasses.replace(read, checklist={"who": answer}))
        except ChangedBySomeoneElse:
            return "stale"
        return "saved"
    finally:
        await place.close()


if __name__ == "__main__":
    go_file, what, *where_kept = sys.argv[1:]
    print(json.dumps(asyncio.run(child(go_file, what, where_kept))))
