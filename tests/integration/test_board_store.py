"""The boards journey's store keeps its promises (`bot/journeys/boards/ports.py`), on a real
SQLite file and on Azure Table storage (Azurite): sample setups seeded once in local mode,
setups, deputies, decisions kept once in order, small values, and everything still there
when the store is opened again, as after a restart or by a second bot process (with Azure,
each store opened has an AzureState of its own, as a second instance would)."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.azure_state.account import AzureState
from bot.azure_state.settings import StateSettings
from bot.domain.boards import BoardSetup, Cadence, Decision, DecisionKind, Deputy, Repeat
from bot.journey import JourneyContext
from bot.journeys.boards.config import BoardsConfig
from bot.journeys.boards.ports import BoardStore
from bot.journeys.boards.shared import Shared
from bot.journeys.boards.store_azure import AzureBoardStore
from bot.journeys.boards.store_sqlite import SqliteBoardStore
from tests.support.azurite import Azurite, new_prefix
from tests.support.clock import SettableClock

NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)
TODAY = NOW.date()


class Opener:
    """Opens stores on one place (a SQLite file, or one Azure account and prefix) and closes
    them all at the end."""

    def __init__(self, path: Path, azure: StateSettings | None = None) -> None:
        self.path = path
        self.azure = azure
        self._opened: list[BoardStore] = []
        self._instances: list[AzureState] = []

    async def open(self, seed: bool = False, members: frozenset[str] = frozenset()) -> BoardStore:
        store: BoardStore
        if self.azure is None:
            store = SqliteBoardStore(self.path, seed=seed, seed_members=members)
        else:
            instance = AzureState(self.azure)
            self._instances.append(instance)
            store = AzureBoardStore(instance, seed=seed, seed_members=members)
        await store.open()
        self._opened.append(store)
        return store

    async def close(self) -> None:
        for store in self._opened:
            await store.close()
        for instance in self._instances:
            await instance.close()


@pytest.fixture(params=["sqlite", "azure"])
async def opener(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Opener]:
    azure = azure_settings(request.getfixturevalue("azurite")) if request.param == "azure" else None
    opened = Opener(tmp_path / "boards.sqlite3", azure)
    yield opened
    await opened.close()


@pytest.fixture
async def store(opener: Opener) -> BoardStore:
    return await opener.open()


def azure_settings(azurite: Azurite) -> StateSettings:
    """One Azure account and prefix of this test's own, on the session's Azurite."""
    return StateSettings(
        kind="azure", connection_string=azurite.connection_string, prefix=new_prefix()
    )


def decision(reference: str, n: int, board: str = "trb", **changes: object) -> Decision:
    made = Decision(
        id=f"{reference}:{n}",
        reference=reference,
        board=board,
        kind=DecisionKind.APPROVE,
        decided_by_id="aad-sam",
        decided_by_name="Sam Lee",
        at=NOW + dt.timedelta(minutes=n),
        rationale="Fits the roadmap.",
        process="change_request",
        delivery_owner="Jo Bloggs",
        theme="technology_and_architecture",
        horizon="now",
        score=72,
        matrix_version="2026.1",
    )
    return dataclasses.replace(made, **changes)


def deputy(member: str, starts: dt.date, ends: dt.date, who: str = "aad-dep") -> Deputy:
    return Deputy(
        board="trb",
        member_id=member,
        member_name=f"Member {member}",
        deputy_id=who,
        deputy_name=f"Deputy {who}",
        starts=starts,
        ends=ends,
        named_at=NOW,
    )


def day(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


# -- Sample setups (local mode)


async def test_local_mode_seeds_the_three_boards_once_with_the_demo_admins_as_members(
    opener: Opener,
) -> None:
    store = await opener.open(seed=True, members=frozenset({"aad-admin"}))
    setups = {setup.key: setup for setup in await store.setups()}
    assert sorted(setups) == ["ddc", "ictig", "trb"]
    for setup in setups.values():
        assert setup.sample
        assert "aad-admin" in setup.members
        made_up = setup.members - {"aad-admin"}
        assert made_up and all(m.startswith(f"sample-{setup.key}-") for m in made_up)
        assert set(setup.names) == made_up  # every made-up member has a name
        assert setup.secretary_id in made_up and setup.chair_id in made_up
        assert setup.agenda_days_before == 3
        assert setup.cadence is not None
    assert setups["ddc"].cadence == Cadence(dt.date(2026, 1, 13), dt.time(10), Repeat.MONTHLY)
    assert setups["trb"].cadence == Cadence(dt.date(2026, 1, 8), dt.time(14), Repeat.FORTNIGHTLY)
    assert setups["ictig"].cadence == Cadence(dt.date(2026, 1, 14), dt.time(10), Repeat.FOUR_WEEKLY)
    # The first meetings fall on the weekdays the sample says.
    firsts = [setups[key].cadence for key in ("ddc", "trb", "ictig")]
    weekdays = [cadence.first.strftime("%A") for cadence in firsts if cadence is not None]
    assert weekdays == ["Tuesday", "Thursday", "Wednesday"]


async def test_the_samples_are_never_written_again_over_a_board_set_up_since(
    opener: Opener,
) -> None:
    first = await opener.open(seed=True, members=frozenset({"aad-admin"}))
    real = BoardSetup("trb", members=frozenset({"aad-real"}), secretary_id="aad-real")
    await first.save_setup(real)
    await first.close()
    again = await opener.open(seed=True, members=frozenset({"aad-someone-else"}))
    assert await again.setup("trb") == real
    ddc = await again.setup("ddc")
    assert "aad-admin" in ddc.members and "aad-someone-else" not in ddc.members


async def test_m365_mode_seeds_nothing(opener: Opener) -> None:
    store = await opener.open(seed=False, members=frozenset({"aad-admin"}))
    assert await store.setups() == []
    assert await store.setup("ddc") == BoardSetup("ddc")


# -- Setups


async def test_a_setup_round_trips_whole(store: BoardStore) -> None:
    setup = BoardSetup(
        key="ictig",
        members=frozenset({"aad-1", "aad-2"}),
        names={"aad-1": "Ana Ruiz", "aad-2": "Ben O'Neill – ICT"},
        member_group="11111111-2222-3333-4444-555555555555",
        secretary_id="aad-2",
        chair_id="aad-1",
        cadence=Cadence(dt.date(2027, 2, 3), dt.time(9, 30), Repeat.WEEKLY, "Europe/London"),
        agenda_days_before=5,
    )
    await store.save_setup(setup)
    assert await store.setup("ictig") == setup
    changed = dataclasses.replace(setup, cadence=None, members=frozenset())
    await store.save_setup(changed)
    assert await store.setup("ictig") == changed
    assert await store.setups() == [changed]


async def test_a_board_never_set_up_is_an_empty_setup(store: BoardStore) -> None:
    assert await store.setup("trb") == BoardSetup("trb")


# -- Deputies


async def test_a_deputy_is_found_only_on_the_days_of_their_period(store: BoardStore) -> None:
    await store.add_deputy(deputy("aad-m", day(1), day(5)))
    assert await store.deputies("trb", on=day(0)) == []
    assert [d.deputy_id for d in await store.deputies("trb", on=day(1))] == ["aad-dep"]
    assert [d.deputy_id for d in await store.deputies("trb", on=day(5))] == ["aad-dep"]
    assert await store.deputies("trb", on=day(6)) == []
    assert await store.deputies("ddc", on=day(3)) == []  # another board's list
    assert await store.deputies("trb") == [deputy("aad-m", day(1), day(5))]


async def test_a_new_deputy_replaces_the_members_overlapping_one_only(store: BoardStore) -> None:
    await store.add_deputy(deputy("aad-m", day(1), day(5), who="aad-first"))
    await store.add_deputy(deputy("aad-m", day(10), day(12), who="aad-later"))
    await store.add_deputy(deputy("aad-other", day(1), day(5), who="aad-theirs"))
    await store.add_deputy(deputy("aad-m", day(4), day(8), who="aad-second"))
    kept = {(d.member_id, d.deputy_id) for d in await store.deputies("trb")}
    assert kept == {
        ("aad-m", "aad-second"),
        ("aad-m", "aad-later"),  # did not overlap
        ("aad-other", "aad-theirs"),  # another member's
    }


async def test_a_member_back_early_ends_their_deputies(store: BoardStore) -> None:
    await store.add_deputy(deputy("aad-m", day(-3), day(5), who="aad-now"))
    await store.add_deputy(deputy("aad-m", day(8), day(9), who="aad-future"))
    await store.add_deputy(deputy("aad-other", day(-3), day(5), who="aad-theirs"))
    assert await store.end_deputy("trb", "aad-m", TODAY)
    assert await store.deputies("trb", on=TODAY) == [
        deputy("aad-other", day(-3), day(5), "aad-theirs")
    ]
    ended = [d for d in await store.deputies("trb") if d.member_id == "aad-m"]
    assert [(d.deputy_id, d.starts, d.ends) for d in ended] == [("aad-now", day(-3), day(-1))]
    assert await store.deputies("trb", on=day(-1)) != []  # the record of who stood in stays
    assert not await store.end_deputy("trb", "aad-m", TODAY)  # nothing left to end
    assert not await store.end_deputy("trb", "aad-nobody", TODAY)


# -- Decisions


async def test_a_decision_is_kept_once_however_often_it_is_added(store: BoardStore) -> None:
    first = decision("DR-2026-0001", 4)
    assert await store.add_decision(first)
    assert not await store.add_decision(first)
    assert not await store.add_decision(dataclasses.replace(first, rationale="Pressed twice"))
    kept = await store.decisions()
    assert len(kept) == 1
    assert kept[0] == dataclasses.replace(first, seq=kept[0].seq) and kept[0].seq > 0


async def test_every_field_of_a_decision_round_trips(store: BoardStore) -> None:
    made = [
        decision("DR-2026-0002", 5),
        decision(
            "DR-2026-0003",
            5,
            kind=DecisionKind.DEFER,
            deferred_until=dt.date(2027, 3, 1),
            process="",
            delivery_owner="",
            on_behalf_of_id="aad-alex",
            on_behalf_of_name="Alex Kay",
            rationale="Wait for the new contract – “soon”.",
        ),
        decision("DR-2026-0004", 5, kind=DecisionKind.SEND_TO_BOARD, to_board="ddc"),
    ]
    for one in made:
        assert await store.add_decision(one)
    kept = await store.decisions()
    assert [dataclasses.replace(k, seq=0) for k in kept] == made
    assert kept[0].at.tzinfo is not None and kept[0].at == made[0].at


async def test_decisions_come_in_the_order_kept_from_after_a_seq_and_by_board(
    store: BoardStore,
) -> None:
    for n in range(1, 8):
        await store.add_decision(decision(f"DR-2026-{n:04d}", 3, board="ddc" if n % 2 else "trb"))
    everything = await store.decisions()
    seqs = [d.seq for d in everything]
    assert seqs == sorted(seqs) and len(set(seqs)) == 7
    assert [d.reference for d in everything] == [f"DR-2026-{n:04d}" for n in range(1, 8)]
    assert await store.decisions(after_seq=seqs[4]) == everything[5:]
    assert await store.decisions(after_seq=seqs[1], limit=2) == everything[2:4]
    assert [d.reference for d in await store.decisions(board="trb")] == [
        "DR-2026-0002",
        "DR-2026-0004",
        "DR-2026-0006",
    ]
    assert await store.decisions(after_seq=seqs[-1]) == []


async def test_decisions_for_a_request_are_its_own_oldest_first(store: BoardStore) -> None:
    await store.add_decision(decision("DR-2026-0009", 5, kind=DecisionKind.ASK_INFO))
    await store.add_decision(decision("DR-2026-0010", 3))
    await store.add_decision(decision("DR-2026-0009", 8))
    found = await store.decisions_for("DR-2026-0009")
    assert [(d.id, d.kind) for d in found] == [
        ("DR-2026-0009:5", DecisionKind.ASK_INFO),
        ("DR-2026-0009:8", DecisionKind.APPROVE),
    ]
    assert await store.decisions_for("DR-2026-0011") == []


async def test_a_request_never_gets_the_decisions_of_a_reference_that_starts_like_it(
    store: BoardStore,
) -> None:
    for reference in ("DR-2026-00011", "DR-2026-0001|x", "DR-2026-0001", "DR-2026-000"):
        await store.add_decision(decision(reference, 1))
    for reference in ("DR-2026-00011", "DR-2026-0001|x", "DR-2026-0001", "DR-2026-000"):
        assert [d.reference for d in await store.decisions_for(reference)] == [reference]


async def test_two_processes_adding_one_decision_keep_it_once(opener: Opener) -> None:
    one, two = await opener.open(), await opener.open()
    made = decision("DR-2026-0005", 6)
    results = await asyncio.gather(*(s.add_decision(made) for s in (one, two, one, two)))
    assert sorted(results) == [False, False, False, True]
    assert len(await two.decisions()) == 1


async def test_two_processes_deciding_at_once_share_no_seq_and_a_reader_misses_none(
    opener: Opener,
) -> None:
    """Both instances keep the same 40 decisions at once (each is new to one of them only),
    while a reader follows them as the SharePoint sync does: everything after its cursor,
    again and again. No two share a seq, and none appears behind the cursor, so the reader
    sees every one, in order."""
    one, two = await opener.open(), await opener.open()
    reader = await opener.open()
    made = [decision(f"DR-2026-{n:04d}", 1, board="ddc" if n % 3 else "trb") for n in range(40)]
    writing = True

    async def keep(store: BoardStore, share: list[Decision]) -> list[bool]:
        return [await store.add_decision(each) for each in share]

    async def follow() -> list[Decision]:
        seen: list[Decision] = []
        cursor = 0
        for _ in range(10_000):  # bounded: the writers finish long before
            last_round = not writing
            page = await reader.decisions(after_seq=cursor, limit=7)
            seen += page
            cursor = page[-1].seq if page else cursor
            if last_round and not page:
                return seen
            await asyncio.sleep(0)
        raise AssertionError("the reader never caught up")

    async def write_all() -> list[list[bool]]:
        nonlocal writing
        halves = [made[:20], made[20:]]
        kept = await asyncio.gather(
            keep(one, halves[0]),
            keep(two, halves[1]),
            keep(two, halves[0]),
            keep(one, halves[1]),
        )
        writing = False
        return kept

    seen, kept = await asyncio.gather(follow(), write_all())
    news = [a + b for a, b in zip(kept[0] + kept[1], kept[2] + kept[3], strict=True)]
    assert news == [1] * 40, "each decision is new to exactly one instance"
    everything = await reader.decisions(limit=1000)
    seqs = [d.seq for d in everything]
    assert seqs == sorted(set(seqs)) and len(seqs) == 40
    assert sorted(d.id for d in everything) == sorted(d.id for d in made)
    assert [d.id for d in seen] == [d.id for d in everything], "the reader saw each, in order"


async def test_azure_a_decision_kept_twice_uses_no_seq(azure_state: AzureState) -> None:
    """The seq, the decision and its id are written in one transaction: a decision already
    kept leaves the counter where it was."""
    store = AzureBoardStore(azure_state, seed=False)
    await store.open()
    assert await store.add_decision(decision("DR-2026-0001", 1))
    assert not await store.add_decision(decision("DR-2026-0001", 1))
    assert await store.add_decision(decision("DR-2026-0002", 1))
    assert [d.seq for d in await store.decisions()] == [1, 2]


async def test_two_processes_naming_deputies_for_one_member_at_once_lose_none(
    opener: Opener,
) -> None:
    one, two = await opener.open(), await opener.open()
    # Periods that do not overlap: every one is kept, whoever wrote last.
    apart = [deputy("aad-m", day(3 * n), day(3 * n + 1), who=f"aad-{n}") for n in range(12)]
    await asyncio.gather(*(s.add_deputy(d) for s, d in zip([one, two] * 6, apart, strict=True)))
    assert sorted(d.deputy_id for d in await one.deputies("trb")) == sorted(
        d.deputy_id for d in apart
    )
    # Periods that all overlap: one deputy is left, never two for the same days.
    clash = [deputy("aad-c", day(1), day(9), who=f"aad-clash-{n}") for n in range(6)]
    await asyncio.gather(*(s.add_deputy(d) for s, d in zip([one, two] * 3, clash, strict=True)))
    left = [d for d in await two.deputies("trb") if d.member_id == "aad-c"]
    assert len(left) == 1 and left[0] in clash


# -- Values


async def test_a_value_is_kept_and_replaced(store: BoardStore) -> None:
    assert await store.get_value("decisions_cursor") == ""
    await store.set_value("decisions_cursor", "12")
    await store.set_value("pack:abc", "ddc")
    await store.set_value("decisions_cursor", "40")
    assert await store.get_value("decisions_cursor") == "40"
    assert await store.get_value("pack:abc") == "ddc"


# -- Turns (one process at a time runs a job, such as the SharePoint sync)


async def test_one_process_at_a_time_holds_a_jobs_turn_until_it_runs_out(
    opener: Opener,
) -> None:
    one, two = await opener.open(), await opener.open()
    hold = dt.timedelta(minutes=5)
    for _ in range(3):  # the same outcome each round: both at once, one gets it
        taken = await asyncio.gather(*(s.take_turn("sync", NOW, hold) for s in (one, two)))
        assert sorted(taken) == [False, True]
    holder, other = (one, two) if taken[0] else (two, one)
    later = NOW + dt.timedelta(minutes=4)
    assert await holder.take_turn("sync", later, hold), "the holder takes it again"
    assert not await other.take_turn("sync", later + dt.timedelta(minutes=4), hold)
    assert await other.take_turn("another job", later, hold), "each job has its own turn"
    # The holder stops (its process died): once its turn runs out, another takes over.
    assert await other.take_turn("sync", later + hold + dt.timedelta(seconds=1), hold)
    assert not await holder.take_turn("sync", later + hold + dt.timedelta(seconds=2), hold)


# -- Restarts


async def test_opening_the_file_again_keeps_everything(opener: Opener) -> None:
    first = await opener.open(seed=True)
    setup = BoardSetup("ddc", members=frozenset({"aad-x"}), names={"aad-x": "X"})
    await first.save_setup(setup)
    await first.add_deputy(deputy("aad-m", day(1), day(2)))
    await first.add_decision(decision("DR-2026-0007", 2))
    await first.set_value("decisions_cursor", "1")
    await first.close()
    again = await opener.open(seed=True)
    assert await again.setup("ddc") == setup
    assert len(await again.setups()) == 3
    assert await again.deputies("trb") == [deputy("aad-m", day(1), day(2))]
    assert [d.id for d in await again.decisions()] == ["DR-2026-0007:2"]
    assert await again.get_value("decisions_cursor") == "1"
    # Seqs go on from where they were: a new decision never takes an old one's place.
    await again.add_decision(decision("DR-2026-0008", 2))
    seqs = [d.seq for d in await again.decisions()]
    assert seqs[1] > seqs[0]


# -- The journey's one opener


def journey(tmp_path: Path, graph: object = None, azure: AzureState | None = None) -> Shared:
    unused: Any = object()  # opening the store touches neither the requests nor the notifier
    ctx = JourneyContext(
        store=unused,
        clock=SettableClock(NOW),
        notifier=unused,
        admin_ids=frozenset({"aad-admin"}),
        data_dir=tmp_path,
        graph=graph,
        azure=azure,
    )
    return Shared(ctx, BoardsConfig())


async def test_the_journey_seeds_samples_with_its_admins_in_local_mode_only(
    tmp_path: Path,
) -> None:
    local = journey(tmp_path / "local")
    try:
        setups = await (await local.store()).setups()
        assert len(setups) == 3 and all("aad-admin" in s.members for s in setups)
        assert (tmp_path / "local" / "boards.sqlite3").is_file()
    finally:
        await local.close()
    m365 = journey(tmp_path / "m365", graph=object())
    try:
        assert await (await m365.store()).setups() == []
    finally:
        await m365.close()


async def test_with_azure_storage_the_journey_keeps_no_file_of_its_own(
    tmp_path: Path, azure_state: AzureState
) -> None:
    m365 = journey(tmp_path, graph=object(), azure=azure_state)
    try:
        store = await m365.store()
        assert isinstance(store, AzureBoardStore)
        assert await store.setups() == []  # m365 mode: no samples
        await store.save_setup(BoardSetup("trb", members=frozenset({"aad-x"})))
    finally:
        await m365.close()
    assert not (tmp_path / "boards.sqlite3").exists()
    again = AzureBoardStore(azure_state, seed=False)
    await again.open()
    assert (await again.setup("trb")).members == {"aad-x"}, "kept in the account"


# -- Personal data (personal_data.py): every deputy, rewritten; values by prefix


async def test_every_deputy_of_every_board_is_listed_and_rewritten(store: BoardStore) -> None:
    await store.add_deputy(deputy("aad-a", TODAY, TODAY + dt.timedelta(days=5)))
    await store.add_deputy(
        dataclasses.replace(
            deputy("aad-b", TODAY, TODAY + dt.timedelta(days=5)), board="ddc", deputy_id="aad-a"
        )
    )
    assert {(d.board, d.member_id) for d in await store.all_deputies()} == {
        ("trb", "aad-a"),
        ("ddc", "aad-b"),
    }

    def erase_a(d: Deputy) -> Deputy:
        if d.member_id == "aad-a":
            d = dataclasses.replace(d, member_id="erased-a", member_name="Erased person")
        if d.deputy_id == "aad-a":
            d = dataclasses.replace(d, deputy_id="erased-a", deputy_name="Erased person")
        return d

    assert await store.rewrite_deputies(erase_a) == 2
    assert await store.rewrite_deputies(erase_a) == 0
    kept = await store.all_deputies()
    assert all("aad-a" not in (d.member_id, d.deputy_id) for d in kept)
    assert [d.member_id for d in await store.deputies("trb")] == ["erased-a"]
    # The member's deputies are still found under the new id, and can still be ended.
    assert await store.end_deputy("trb", "erased-a", TODAY + dt.timedelta(days=2))
    assert len(await store.all_deputies()) == 2


async def test_values_are_found_by_prefix_and_deleted(store: BoardStore) -> None:
    await store.set_value("roadmap_pack:abc", "one")
    await store.set_value("roadmap_pack:def", "two")
    await store.set_value("roadmap_packs", "not one")
    await store.set_value("cursor", "5")
    assert await store.values_starting("roadmap_pack:") == {
        "roadmap_pack:abc": "one",
        "roadmap_pack:def": "two",
    }
    assert await store.delete_value("roadmap_pack:abc")
    assert not await store.delete_value("roadmap_pack:abc")
    assert await store.get_value("roadmap_pack:abc") == ""
    assert list(await store.values_starting("roadmap_pack:")) == ["roadmap_pack:def"]
    assert await store.get_value("cursor") == "5"
