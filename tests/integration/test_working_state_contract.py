"""The bot's working state: one contract for SQLite (one instance) and Azure Table
storage on Azurite (many instances).

The store contract's working-state tests (tests/integration/test_store_contract.py) run
here on both; then what only matters with more than one instance: two instances racing
for one claim, keeping records at once, carrying on a draft, and card actions delivered
to both. "Two instances" are two stores on one SQLite file, or two AzureWorkingState
with clients of their own on one Azurite prefix.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from microsoft_agents.activity import Activity, ChannelAccount
from microsoft_agents.hosting.core import TurnContext

from bot.azure_state.account import AzureState
from bot.azure_state.entities import bounded_key
from bot.azure_state.settings import StateSettings
from bot.azure_state.working import AzureWorkingState
from bot.domain.retention import RetentionKind, RetentionPolicy
from bot.invoke import STILL_RUNNING, Invokes
from bot.journey import CardAction, Reply, Turn, message_reply
from bot.journeys.privacy.working_part import WorkingData
from bot.ports import (
    CLAIM_HOLD,
    ChangedBySomeoneElse,
    Record,
    WorkingPersonalData,
    WorkingState,
)
from bot.store.sqlite import SqliteStore
from bot.store.working import SqliteWorkingState
from graph_clients.store import SharePointStore
from tests.integration.test_store_contract import (  # noqa: F401 (run here on both)
    NOW,
    draft,
    rating,
    test_a_claim_can_be_held_for_less_than_the_default,
    test_a_claim_held_by_an_instance_that_died_is_taken_over_after_the_hold,
    test_a_draft_is_created_only_where_the_person_has_none,
    test_a_notification_is_claimed_once,
    test_a_personal_chat_is_remembered_for_each_person,
    test_a_record_is_kept_once_by_kind_and_key,
    test_a_released_claim_can_be_claimed_at_once,
    test_a_replayed_invoke_gets_the_first_answer,
    test_a_saved_draft_reads_back_exactly,
    test_a_sent_notification_is_never_claimed_again,
    test_a_stale_draft_write_is_refused,
    test_channels_register_and_replace,
    test_drafts_of_two_forms_wait_side_by_side,
    test_people_are_known_by_their_user_id_with_their_latest_name,
    test_records_come_in_the_order_kept_a_page_at_a_time,
)
from tests.support.azurite import Azurite, new_prefix
from tests.support.clock import SettableClock
from tests.support.fake_graph import FakeGraph
from tests.support.graph import open_store, provisioned

Open = Callable[[], Awaitable[WorkingState]]


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(NOW)


@pytest.fixture(params=["sqlite", "azure"])
async def instances(
    request: pytest.FixtureRequest, tmp_path: Path, clock: SettableClock
) -> AsyncIterator[Open]:
    """Opens another instance's working state on the same shared state, each time called."""
    opened: list[WorkingState] = []
    accounts: list[AzureState] = []
    settings: StateSettings | None = None
    if request.param == "azure":
        azurite: Azurite = request.getfixturevalue("azurite")
        settings = StateSettings(
            kind="azure", connection_string=azurite.connection_string, prefix=new_prefix()
        )

    async def another() -> WorkingState:
        state: WorkingState
        if settings is None:
            state = SqliteWorkingState(tmp_path / "working.sqlite3", clock)
        else:
            account = AzureState(settings)  # clients of its own, as another process has
            accounts.append(account)
            state = AzureWorkingState(account, clock)
        await state.open()
        opened.append(state)
        return state

    yield another
    for state in opened:
        await state.close()
    for account in accounts:
        await account.close()


@pytest.fixture
async def store(instances: Open) -> WorkingState:
    return await instances()


@pytest.fixture
async def two(instances: Open) -> tuple[WorkingState, WorkingState]:
    return await instances(), await instances()


def test_both_offer_every_operation_of_the_port() -> None:
    public = {n for n in dir(WorkingState) if not n.startswith("_")}
    for implementation in (SqliteWorkingState, AzureWorkingState):
        assert public <= set(dir(implementation)), implementation


async def test_channel_purposes_are_listed_sorted_once_each(store: WorkingState) -> None:
    assert await store.channel_purposes() == []
    for purpose in ("triage", "champions", "board:tdb", "triage"):
        await store.register_channel(purpose, {"conversation": {"id": purpose}}, "admin")
    assert await store.channel_purposes() == ["board:tdb", "champions", "triage"]


async def test_a_large_draft_reads_back_whole(store: WorkingState) -> None:
    """Answers longer than one Table property holds (64 KiB) are split and joined again."""
    values = {f"field{n}": "Lorem ipsum é 😀 " * 800 for n in range(4)}
    saved = await store.save_draft(draft("me", "request", values))
    assert await store.get_draft("me", "request") == saved
    assert saved.values == values


async def test_deleting_what_is_not_there_is_no_error(store: WorkingState) -> None:
    await store.delete_draft("nobody", "request")
    await store.release_notification("never claimed")
    assert await store.get_draft("nobody", "request") is None


async def test_a_draft_deleted_elsewhere_is_not_saved_over_an_old_read(
    two: tuple[WorkingState, WorkingState],
) -> None:
    one, other = two
    saved = await one.save_draft(draft("me", "request", {"title": "A"}))
    await other.delete_draft("me", "request")
    with pytest.raises(ChangedBySomeoneElse):
        await one.save_draft(dataclasses.replace(saved, values={"title": "B"}))
    assert await one.get_draft("me", "request") is None


# Awkward keys --------------------------------------------------------------------------

AWKWARD = [
    "a/b\\c#d?e%f",
    "tab\there\nnew line\x01\x1f\x7f\x9f",
    "O'Brien's \"quoted\" key",
    "Cymraeg: ŵ ŷ — 日本語 😀",
    "x" * 5_000,
    "y" * 4_000 + "😀" * 600,
    "%~" + "0" * 64,
]


async def test_any_text_is_a_key_for_every_operation(store: WorkingState) -> None:
    for n, text in enumerate(AWKWARD):
        saved = await store.save_draft(draft(text, text, {"t": text}))
        assert await store.get_draft(text, text) == saved
        await store.register_channel(text, {"n": n}, text)
        assert await store.channel(text) == {"n": n}
        await store.remember_personal_chat(text, {"n": n})
        assert await store.personal_chat(text) == {"n": n}
        await store.remember_invoke(text, {"n": n})
        assert await store.handled_invoke(text) == {"n": n}
        assert await store.claim_notification(text) is True
        assert await store.claim_notification(text) is False
        await store.remember_person(text, f"29:{n}", text)
        assert await store.add_record(rating(text, n, kind=text)) is True
        assert await store.add_record(rating(text, n, kind=text)) is False
        [kept] = await store.records(text)
        assert (kept.kind, kept.key, kept.data["stars"]) == (text, text, n)
    assert await store.channel_purposes() == sorted(AWKWARD)
    known = await store.people(frozenset(AWKWARD) | {"nobody"})
    assert known == {text: (f"29:{n}", text) for n, text in enumerate(AWKWARD)}


async def test_long_keys_that_differ_only_at_the_end_are_two_keys(store: WorkingState) -> None:
    one, two = "k" * 3_000 + "1", "k" * 3_000 + "2"
    assert bounded_key(one) != bounded_key(two)
    assert await store.claim_notification(one) is True
    assert await store.claim_notification(two) is True
    await store.remember_invoke(one, {"which": 1})
    assert await store.handled_invoke(two) is None


def test_a_bounded_key_fits_a_table_key_and_names_one_text() -> None:
    for text in AWKWARD:
        made = bounded_key(text)
        assert len(made.encode("utf-16-le")) <= 1024 - 40  # room for a `key|` prefix
        assert not set(made) & set("/\\#?") and all(ord(c) >= 0x20 for c in made)
    assert bounded_key("short/key") == "short%2Fkey"
    assert bounded_key("%~" + "0" * 64) != "%~" + "0" * 64


async def test_many_people_are_found_in_a_few_queries(store: WorkingState) -> None:
    await asyncio.gather(
        *(store.remember_person(f"user-{n}", f"29:{n}", f"Person {n}") for n in range(130))
    )
    asked = frozenset({f"user-{n}" for n in range(0, 300, 2)})  # 150: more than one wave
    found = await store.people(asked)
    assert found == {f"user-{n}": (f"29:{n}", f"Person {n}") for n in range(0, 130, 2)}


# Two instances -----------------------------------------------------------------------


async def test_fifty_claims_of_one_key_from_two_instances_make_one_winner(
    two: tuple[WorkingState, WorkingState],
) -> None:
    one, other = two
    answers = await asyncio.gather(
        *(state.claim_notification("nudge:DR-1:ann") for _ in range(25) for state in (one, other))
    )
    assert answers.count(True) == 1


async def test_an_expired_claim_taken_over_by_two_instances_at_once_has_one_winner(
    two: tuple[WorkingState, WorkingState], clock: SettableClock
) -> None:
    one, other = two
    assert await one.claim_notification("agenda:tdb:7") is True  # then the instance dies
    clock.advance(CLAIM_HOLD + dt.timedelta(seconds=1))
    answers = await asyncio.gather(
        *(state.claim_notification("agenda:tdb:7") for _ in range(25) for state in (one, other))
    )
    assert answers.count(True) == 1


async def test_a_claim_is_seen_by_every_instance(
    two: tuple[WorkingState, WorkingState], clock: SettableClock
) -> None:
    one, other = two
    assert await one.claim_notification("digest:1") is True
    assert await other.claim_notification("digest:1") is False
    await one.release_notification("digest:1")
    assert await other.claim_notification("digest:1") is True
    await other.notification_sent("digest:1")
    clock.advance(CLAIM_HOLD * 3)
    assert await one.claim_notification("digest:1") is False
    await one.notification_sent("sent without a claim")
    assert await other.claim_notification("sent without a claim") is False


async def test_the_first_answer_to_an_invoke_stays_when_two_instances_race(
    two: tuple[WorkingState, WorkingState],
) -> None:
    one, other = two
    await asyncio.gather(
        *(
            state.remember_invoke("act-1|ann", {"value": f"{name}-{n}"})
            for n in range(10)
            for name, state in (("one", one), ("other", other))
        )
    )
    first = await one.handled_invoke("act-1|ann")
    assert first is not None and await other.handled_invoke("act-1|ann") == first
    await one.remember_invoke("act-1|ann", {"value": "later"})
    assert await other.handled_invoke("act-1|ann") == first


async def test_records_kept_by_two_instances_at_once_are_each_kept_once_in_order(
    two: tuple[WorkingState, WorkingState],
) -> None:
    one, other = two
    keys = [f"r{n}" for n in range(8)]
    # Each instance tries every key, so each key is raced for by both.
    added = await asyncio.gather(
        *(state.add_record(rating(key, n)) for n, key in enumerate(keys) for state in (one, other))
    )
    assert added.count(True) == len(keys)
    seen, after = [], 0
    while page := await other.records("feedback", after_seq=after, limit=7):
        seen.extend(page)
        after = page[-1].seq
    assert sorted(r.key for r in seen) == sorted(keys)
    seqs = [r.seq for r in seen]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    assert await one.records("feedback", limit=500) == seen


async def test_a_reader_going_on_from_the_last_seq_never_misses_a_record(
    two: tuple[WorkingState, WorkingState],
) -> None:
    """Records kept by two instances while a third reads page after page, each time from
    the last seq it saw, all reach the reader: none becomes visible behind a later one."""
    one, other = two
    kept: list[str] = []
    seen: list[str] = []
    written = asyncio.Event()

    async def write(state: WorkingState, name: str) -> None:
        for n in range(10):
            if await state.add_record(rating(f"{name}{n}", n)):
                kept.append(f"{name}{n}")

    async def read() -> None:
        after = 0
        for _ in range(10_000):
            finished = written.is_set()  # before the read: one more read after the last write
            page = await one.records("feedback", after_seq=after, limit=3)
            seen.extend(r.key for r in page)
            if page:
                after = page[-1].seq
            elif finished:
                return
            await asyncio.sleep(0)

    async def both_write() -> None:
        await asyncio.gather(write(one, "a"), write(other, "b"))
        written.set()

    await asyncio.wait_for(asyncio.gather(both_write(), read()), 30)
    assert len(kept) == 20 and sorted(seen) == sorted(kept)


async def test_a_draft_goes_on_on_another_instance(
    two: tuple[WorkingState, WorkingState],
) -> None:
    one, other = two
    saved = await one.save_draft(draft("ann", "request", {"title": "Rooms"}))
    there = await other.get_draft("ann", "request")
    assert there == saved
    moved = await other.save_draft(dataclasses.replace(saved, step=2, values={"title": "Desks"}))
    with pytest.raises(ChangedBySomeoneElse):
        await one.save_draft(dataclasses.replace(saved, values={"title": "Old card"}))
    assert await one.get_draft("ann", "request") == moved


async def test_two_saves_from_one_read_on_two_instances_keep_one(
    two: tuple[WorkingState, WorkingState],
) -> None:
    one, other = two
    saved = await one.save_draft(draft("ann", "request", {"title": "A"}))
    results = await asyncio.gather(
        *(
            state.save_draft(dataclasses.replace(saved, values={"title": name}))
            for name, state in (("one", one), ("other", other))
        ),
        return_exceptions=True,
    )
    won = [r for r in results if not isinstance(r, BaseException)]
    assert len(won) == 1
    assert [type(r) for r in results if isinstance(r, BaseException)] == [ChangedBySomeoneElse]
    assert await other.get_draft("ann", "request") == won[0]


async def test_two_instances_starting_one_persons_draft_at_once_make_one(
    two: tuple[WorkingState, WorkingState],
) -> None:
    """A message action's save retried by Teams onto another instance mid-write."""
    one, other = two
    results = await asyncio.gather(
        *(
            state.create_draft(draft("ann", "request", {"title": name}))
            for name, state in (("one", one), ("other", other))
        )
    )
    made = [r for r in results if r is not None]
    assert len(made) == 1, results
    assert await one.get_draft("ann", "request") == made[0]
    assert await other.get_draft("ann", "request") == made[0]


async def test_people_and_chats_remembered_on_one_are_known_on_the_other(
    two: tuple[WorkingState, WorkingState],
) -> None:
    one, other = two
    await one.remember_person("ann", "29:ann", "Ann")
    await one.remember_personal_chat("ann", {"conversation": {"id": "a:1"}})
    await one.register_channel("triage", {"conversation": {"id": "19:t"}}, "admin")
    assert await other.people(frozenset({"ann"})) == {"ann": ("29:ann", "Ann")}
    assert await other.personal_chat("ann") == {"conversation": {"id": "a:1"}}
    assert await other.channel("triage") == {"conversation": {"id": "19:t"}}


async def test_closing_the_working_state_leaves_the_account_open(azure_state: AzureState) -> None:
    clock = SettableClock(NOW)
    state = AzureWorkingState(azure_state, clock)
    await state.open()
    await state.close()
    again = AzureWorkingState(azure_state, clock)
    await again.remember_person("ann", "29:ann", "Ann")
    assert await again.people(frozenset({"ann"})) == {"ann": ("29:ann", "Ann")}


# Card actions delivered to two instances ----------------------------------------------------


@dataclasses.dataclass
class Press:
    """A card action that counts its runs and can be held until the test lets it go."""

    runs: int = 0
    fail_next: int = 0
    gate: asyncio.Event = dataclasses.field(default_factory=asyncio.Event)
    entered: asyncio.Event = dataclasses.field(default_factory=asyncio.Event)

    async def handle(self, turn: Turn, command: dict[str, Any]) -> Reply:
        self.runs += 1
        self.entered.set()
        await self.gate.wait()
        if self.fail_next:
            self.fail_next -= 1
            raise RuntimeError("the action failed")
        return message_reply(f"Done {self.runs} for {turn.actor.name}")

    def action(self) -> CardAction[dict[str, Any]]:
        return CardAction("press", dict, self.handle, once_only=True)


def pressed(activity_id: str) -> TurnContext:
    activity = Activity(
        type="invoke",
        id=activity_id,
        from_property=ChannelAccount(id="29:ann", name="Ann", aad_object_id="ann"),
    )
    return TurnContext(object(), activity)


async def test_one_press_delivered_to_two_instances_runs_once_and_both_answer_alike(
    two: tuple[WorkingState, WorkingState],
) -> None:
    press = Press()
    first, second = Invokes(two[0], poll=0.01), Invokes(two[1], poll=0.01)
    running = asyncio.ensure_future(first.run(press.action(), pressed("act-1"), {}))
    await asyncio.wait_for(press.entered.wait(), 5)
    redelivered = asyncio.ensure_future(second.run(press.action(), pressed("act-1"), {}))
    await asyncio.sleep(0.05)  # the second instance is waiting for the first's answer
    assert not redelivered.done()
    press.gate.set()
    answers = await asyncio.wait_for(asyncio.gather(running, redelivered), 5)
    assert answers[0] == answers[1] == message_reply("Done 1 for Ann")
    assert press.runs == 1
    later = await second.run(press.action(), pressed("act-1"), {})
    assert later == answers[0] and press.runs == 1


async def test_a_press_still_running_elsewhere_is_answered_in_plain_words(
    two: tuple[WorkingState, WorkingState],
) -> None:
    press = Press()
    first, second = Invokes(two[0]), Invokes(two[1], poll=0.01, wait=0.05)
    running = asyncio.ensure_future(first.run(press.action(), pressed("act-2"), {}))
    await asyncio.wait_for(press.entered.wait(), 5)
    answer = await second.run(press.action(), pressed("act-2"), {})
    assert answer == message_reply(STILL_RUNNING)
    press.gate.set()
    assert await running == message_reply("Done 1 for Ann")
    assert press.runs == 1


async def test_a_press_that_failed_unexpectedly_can_run_again_on_either_instance(
    two: tuple[WorkingState, WorkingState],
) -> None:
    press = Press(fail_next=1)
    press.gate.set()
    first, second = Invokes(two[0]), Invokes(two[1], poll=0.01, wait=0.05)
    failed = await first.run(press.action(), pressed("act-3"), {})
    assert "something went wrong" in str(failed.value)
    retried = await second.run(press.action(), pressed("act-3"), {})
    assert retried == message_reply("Done 2 for Ann")
    assert await first.run(press.action(), pressed("act-3"), {}) == retried
    assert press.runs == 2


async def test_many_deliveries_of_one_press_to_two_instances_run_it_once(
    two: tuple[WorkingState, WorkingState],
) -> None:
    press = Press()
    press.gate.set()
    apps = (Invokes(two[0], poll=0.01), Invokes(two[1], poll=0.01))
    answers = await asyncio.wait_for(
        asyncio.gather(
            *(app.run(press.action(), pressed("act-4"), {}) for _ in range(10) for app in apps)
        ),
        10,
    )
    assert press.runs == 1
    assert {a.value for a in answers} == {"Done 1 for Ann"}


# Personal data (issue 18): find, change and remove what is held about a person ----------


def owned(key: str, owner: str, kind: str = "feedback", at: dt.datetime = NOW) -> Record:
    return Record(kind, key, owner, at, {"comment": f"{owner} wrote {key}"})


async def test_a_replaced_record_keeps_its_seq_and_time(store: WorkingState) -> None:
    assert await store.add_record(owned("r1", "ann"))
    [before] = await store.records("feedback")
    later = dataclasses.replace(
        owned("r1", "erased-1", at=NOW + dt.timedelta(days=9)), data={"stars": 4}
    )
    assert await store.replace_record(later) is True
    [after] = await store.records("feedback")
    assert (after.seq, after.at, after.key) == (before.seq, NOW, "r1")
    assert (after.owner_id, after.data) == ("erased-1", {"stars": 4})
    assert await store.records_of("ann") == []
    assert await store.replace_record(owned("never kept", "ann")) is False
    assert await store.records("feedback") == [after]


async def test_a_deleted_record_is_gone_and_its_key_stays_taken(store: WorkingState) -> None:
    for key in ("r1", "r2", "r3"):
        assert await store.add_record(owned(key, "ann"))
    assert await store.delete_record("feedback", "r2") is True
    assert [r.key for r in await store.records("feedback")] == ["r1", "r3"]
    assert [r.key for r in await store.records_of("ann")] == ["r1", "r3"]
    assert await store.add_record(owned("r2", "ann")) is False  # a retried write
    assert await store.delete_record("feedback", "r2") is False  # a second run: nothing
    assert await store.replace_record(owned("r2", "bob")) is False
    assert await store.delete_record("feedback", "never kept") is False
    assert await store.add_record(owned("never kept", "ann")) is True  # not taken by that
    assert await store.add_record(owned("r2", "ann", kind="skills")) is True  # kind apart
    assert [r.key for r in await store.records("feedback")] == ["r1", "r3", "never kept"]


async def test_records_of_a_person_come_from_every_kind_in_the_order_kept(
    store: WorkingState, clock: SettableClock
) -> None:
    at = NOW
    for n, (kind, owner) in enumerate(
        [("feedback", "ann"), ("skills", "bob"), ("skills", "ann"), ("benefits", "ann")]
    ):
        at = NOW + dt.timedelta(minutes=n)
        assert await store.add_record(owned(f"k{n}", owner, kind=kind, at=at))
    mine = await store.records_of("ann")
    assert [(r.kind, r.key) for r in mine] == [
        ("feedback", "k0"),
        ("skills", "k2"),
        ("benefits", "k3"),
    ]
    assert mine[0].data == {"comment": "ann wrote k0"}
    assert [r.key for r in await store.records_of("ann", limit=2)] == ["k0", "k2"]
    assert await store.records_of("nobody") == []


async def test_awkward_kinds_and_keys_can_be_replaced_and_deleted(store: WorkingState) -> None:
    for text in AWKWARD:
        assert await store.add_record(owned(text, "ann", kind=text))
        assert await store.replace_record(owned(text, "x", kind=text))
    assert {(r.kind, r.key) for r in await store.records_of("x")} == {(t, t) for t in AWKWARD}
    for text in AWKWARD:
        assert await store.delete_record(text, text) is True
        assert await store.add_record(owned(text, "ann", kind=text)) is False
        assert await store.records(text) == []
    assert await store.records_of("x") == []


async def test_a_persons_drafts_of_every_form_are_found(store: WorkingState) -> None:
    feedback = await store.save_draft(draft("ann", "feedback", {"comment": "Slow"}))
    request = await store.save_draft(draft("ann", "request", {"title": "Rooms"}))
    await store.save_draft(draft("bob", "request", {"title": "Desks"}))
    await store.save_draft(draft("ann2", "request", {"title": "Not Ann's"}))
    assert await store.drafts_of("ann") == [feedback, request]
    assert await store.drafts_of("nobody") == []


async def test_drafts_untouched_since_the_cutoff_are_deleted_once(store: WorkingState) -> None:
    old = dataclasses.replace(draft("ann", "request", {"title": "Old"}), updated_at=NOW)
    await store.save_draft(old)
    await store.save_draft(
        dataclasses.replace(draft("bob", "feedback", {"c": "x"}), updated_at=NOW)
    )
    newer = await store.save_draft(
        dataclasses.replace(
            draft("ann", "feedback", {"c": "y"}), updated_at=NOW + dt.timedelta(days=30)
        )
    )
    cutoff = NOW + dt.timedelta(days=1)
    assert await store.delete_drafts_before(cutoff) == 2
    assert await store.delete_drafts_before(cutoff) == 0  # safe to run again
    assert await store.drafts_of("ann") == [newer]
    assert await store.get_draft("bob", "feedback") is None
    assert await store.delete_drafts_before(NOW + dt.timedelta(days=30)) == 0  # not before


async def test_people_are_found_by_name_ignoring_case_and_spacing(store: WorkingState) -> None:
    await store.remember_person("ann", "29:ann", "Ann  Smith")
    await store.remember_person("ann-2", "29:ann2", "Ann Jane SMITH")
    await store.remember_person("joanne", "29:jo", "Joanne Smithers")
    await store.remember_person("bob", "29:bob", "Bob Smith")
    assert await store.find_people(" ann   smith ") == {
        "ann": ("29:ann", "Ann  Smith"),
        "ann-2": ("29:ann2", "Ann Jane SMITH"),
    }
    assert set(await store.find_people("SMITH")) == {"ann", "ann-2", "bob"}
    assert await store.find_people("Ann Smithers") == {}
    assert await store.find_people("   ") == {}


async def test_a_person_is_forgotten_with_their_chat(store: WorkingState) -> None:
    await store.remember_person("ann", "29:ann", "Ann Smith")
    await store.remember_personal_chat("ann", {"user": {"name": "Ann Smith"}})
    await store.remember_person("bob", "29:bob", "Bob")
    await store.remember_personal_chat("bob", {"user": {"name": "Bob"}})
    assert await store.forget_person("ann") == 2
    assert await store.forget_person("ann") == 0
    assert await store.personal_chat("ann") is None
    assert await store.people(frozenset({"ann", "bob"})) == {"bob": ("29:bob", "Bob")}
    assert await store.last_seen("ann") is None
    assert await store.find_people("Ann Smith") == {}
    assert await store.personal_chat("bob") == {"user": {"name": "Bob"}}


async def test_when_someone_was_last_seen_is_stamped_and_unseen_people_go(
    store: WorkingState, clock: SettableClock
) -> None:
    await store.remember_person("ann", "29:ann", "Ann")
    await store.remember_personal_chat("ann", {"n": 1})
    await store.remember_person("bob", "29:bob", "Bob")
    await store.remember_personal_chat("bob", {"n": 2})
    assert await store.last_seen("ann") == NOW
    clock.advance(dt.timedelta(days=200))
    await store.remember_personal_chat("bob", {"n": 3})  # Bob writes again
    await store.remember_person("cat", "29:cat", "Cat")  # Cat, new, has no chat yet
    assert await store.last_seen("bob") == NOW + dt.timedelta(days=200)
    cutoff = NOW + dt.timedelta(days=100)
    gone = await store.forget_unseen_since(cutoff)
    # Ann's chat and row; Bob's row (his chat was seen since, his name was not).
    assert gone == 3
    assert await store.forget_unseen_since(cutoff) == 0  # safe to run again
    assert await store.personal_chat("ann") is None
    assert await store.people(frozenset({"ann", "bob", "cat"})) == {"cat": ("29:cat", "Cat")}
    assert await store.personal_chat("bob") == {"n": 3}
    assert await store.forget_unseen_since(NOW + dt.timedelta(days=200)) == 0  # not before


async def test_stored_answers_to_presses_go_after_their_period(
    store: WorkingState, clock: SettableClock
) -> None:
    await store.remember_invoke("act-1|ann", {"value": "first"})
    clock.advance(dt.timedelta(days=8))
    await store.remember_invoke("act-2|ann", {"value": "second"})
    cutoff = clock.now() - dt.timedelta(days=7)
    assert await store.forget_invokes_before(cutoff) == 1
    assert await store.forget_invokes_before(cutoff) == 0
    assert await store.handled_invoke("act-1|ann") is None
    assert await store.handled_invoke("act-2|ann") == {"value": "second"}


async def test_keys_naming_a_person_take_their_stand_in(store: WorkingState) -> None:
    person = "a%b_c"  # LIKE wildcards: must match only itself
    for key in (f"benefits.ask:DR-1:6:{person}", f"invoke:act-1|{person}", "digest:aXbYc"):
        assert await store.claim_notification(key)
        await store.notification_sent(key)
    assert await store.claim_notification(f"nudge:{person}")  # held, not yet sent
    await store.remember_invoke(f"act-1|{person}", {"card": "Ann's answer"})
    await store.remember_invoke("act-2|someone", {"card": "theirs"})
    await store.remember_invoke(f"act-3|{person}x", {"card": "not theirs"})
    assert await store.forget_keys_naming(person, "erased-1") == 4  # 3 keys, 1 answer
    assert await store.forget_keys_naming(person, "erased-1") == 0  # safe to run again
    # What was sent stays sent, under the stand-in; the held claim is still held.
    assert await store.claim_notification("benefits.ask:DR-1:6:erased-1") is False
    assert await store.claim_notification("invoke:act-1|erased-1") is False
    assert await store.claim_notification("nudge:erased-1") is False
    assert await store.claim_notification("digest:aXbYc") is False
    assert await store.handled_invoke(f"act-1|{person}") is None
    assert await store.handled_invoke("act-2|someone") == {"card": "theirs"}
    assert await store.handled_invoke(f"act-3|{person}x") == {"card": "not theirs"}
    assert await store.forget_keys_naming("", "erased-1") == 0


async def test_keys_with_awkward_characters_take_the_stand_in(store: WorkingState) -> None:
    for n, text in enumerate(AWKWARD[:4]):
        await store.notification_sent(f"sent:{text}:{n}")
        await store.remember_invoke(f"act|{text}", {"n": n})
        assert await store.forget_keys_naming(text, "erased-x") == 2
        assert await store.claim_notification(f"sent:erased-x:{n}") is False
        assert await store.handled_invoke(f"act|{text}") is None


async def test_a_deleted_record_stays_deleted_for_another_instance(
    two: tuple[WorkingState, WorkingState],
) -> None:
    one, other = two
    assert await one.add_record(owned("r1", "ann"))
    assert await other.delete_record("feedback", "r1") is True
    assert await one.add_record(owned("r1", "ann")) is False
    assert await one.records_of("ann") == []
    results = await asyncio.gather(
        *(state.delete_record("feedback", "r1") for state in (one, other) for _ in range(3))
    )
    assert results.count(True) == 0


def test_every_personal_data_operation_is_passed_through_in_sharepoint_mode() -> None:
    wanted = {n for n in dir(WorkingPersonalData) if not n.startswith("_")}
    assert wanted <= set(dir(SharePointStore))


async def test_sharepoint_mode_keeps_personal_data_in_its_working_state(
    tmp_path: Path, clock: SettableClock
) -> None:
    fake = FakeGraph()
    await fake.start()
    store = await open_store(fake, tmp_path, clock, await provisioned(fake))
    try:
        await store.save_draft(draft("ann", "request", {"title": "Rooms"}))
        await store.remember_person("ann", "29:ann", "Ann Smith")
        await store.remember_personal_chat("ann", {"n": 1})
        await store.remember_invoke("act-1|ann", {"v": 1})
        await store.notification_sent("asked:ann")
        assert await store.add_record(owned("r1", "ann"))
        assert [d.form for d in await store.drafts_of("ann")] == ["request"]
        assert set(await store.find_people("ann smith")) == {"ann"}
        assert await store.last_seen("ann") == NOW
        assert [r.key for r in await store.records_of("ann")] == ["r1"]
        assert await store.replace_record(owned("r1", "erased-1"))
        assert await store.records_of("ann") == []
        assert await store.delete_record("feedback", "r1") is True
        assert await store.forget_keys_naming("ann", "erased-1") == 2
        assert await store.forget_person("ann") == 2
        clock.advance(dt.timedelta(days=30))
        later = clock.now()
        assert await store.delete_drafts_before(later) == 1
        assert await store.forget_unseen_since(later) == 0
        assert await store.forget_invokes_before(later) == 0
        assert await store.working.drafts_of("ann") == []
    finally:
        await store.close()
        await fake.stop()


# Files from before `seen_at` -------------------------------------------------------------

OLD_CONVERSATIONS = """
CREATE TABLE personal_chats (user_id TEXT PRIMARY KEY, reference TEXT NOT NULL);
CREATE TABLE people (user_id TEXT PRIMARY KEY, teams_id TEXT NOT NULL, name TEXT NOT NULL);
INSERT INTO personal_chats VALUES ('ann', '{"n": 1}');
INSERT INTO people VALUES ('ann', '29:ann', 'Ann Smith');
"""


@pytest.mark.parametrize("opener", ["working", "store"])
async def test_an_old_file_counts_everyone_in_it_as_seen_when_first_opened(
    tmp_path: Path, clock: SettableClock, opener: str
) -> None:
    path = tmp_path / "old.sqlite3"
    with contextlib.closing(sqlite3.connect(path)) as old:
        old.executescript(OLD_CONVERSATIONS)
    clock.set(NOW + dt.timedelta(days=3))
    state: WorkingState = (
        SqliteWorkingState(path, clock) if opener == "working" else SqliteStore(path, clock)
    )
    await state.open()
    try:
        assert await state.last_seen("ann") == NOW + dt.timedelta(days=3)
        assert await state.personal_chat("ann") == {"n": 1}
        assert await state.people(frozenset({"ann"})) == {"ann": ("29:ann", "Ann Smith")}
        assert await state.forget_unseen_since(NOW + dt.timedelta(days=3)) == 0
        assert await state.forget_unseen_since(NOW + dt.timedelta(days=4)) == 2
    finally:
        await state.close()
    clock.advance(dt.timedelta(days=9))
    again = SqliteWorkingState(path, clock)  # opening again changes nothing
    await again.open()
    try:
        await again.remember_person("bob", "29:bob", "Bob")
        assert await again.last_seen("bob") == clock.now()
    finally:
        await again.close()


async def test_azure_rows_from_before_seen_at_are_stamped_then_go_a_period_later(
    azure_state: AzureState, clock: SettableClock
) -> None:
    state = AzureWorkingState(azure_state, clock)
    await state.open()
    people = await azure_state.table("people")
    await people.upsert_entity(
        {"PartitionKey": "person", "RowKey": "ann", "UserId": "ann", "TeamsId": "29:a", "Name": "A"}
    )
    chats = await azure_state.table("conversations")
    await chats.upsert_entity({"PartitionKey": "chat", "RowKey": "ann", "Json": "{}"})
    assert await state.last_seen("ann") is None
    clock.advance(dt.timedelta(days=1))
    assert await state.forget_unseen_since(clock.now()) == 0  # stamped, not deleted
    assert await state.last_seen("ann") == clock.now()
    clock.advance(dt.timedelta(days=400))
    assert await state.forget_unseen_since(clock.now() - dt.timedelta(days=365)) == 2
    assert await state.people(frozenset({"ann"})) == {}


async def test_stored_answers_that_quote_a_person_go_whoever_pressed(store: WorkingState) -> None:
    await store.remember_invoke("act-1|triager", {"card": {"text": "Raised by SIÂN Ó Briain"}})
    await store.remember_invoke("act-2|triager", {"card": {"by": "aad-siân"}})
    await store.remember_invoke("act-3|triager", {"card": {"text": "Raised by Bob"}})
    await store.remember_invoke("act-4|other", {"card": {"text": "Siân's colleague Al"}})
    texts = frozenset({"Siân Ó Briain", "aad-siân", "Al", ""})  # "Al", "": too short
    assert await store.forget_answers_naming(texts) == 2
    assert await store.forget_answers_naming(texts) == 0  # safe to run again
    assert await store.handled_invoke("act-1|triager") is None
    assert await store.handled_invoke("act-2|triager") is None
    assert await store.handled_invoke("act-3|triager") == {"card": {"text": "Raised by Bob"}}
    assert await store.handled_invoke("act-4|other") is not None
    assert await store.forget_answers_naming(frozenset()) == 0


def registered(user_id: str, name: str, aad: str) -> dict[str, Any]:
    return {
        "conversation": {"id": f"19:{name}@thread.tacv2"},
        "user": {"id": user_id, "name": name, "aadObjectId": aad},
        "serviceUrl": "https://smba.trafficmanager.net/uk/",
    }


async def test_a_channels_registrar_takes_their_stand_in_and_the_channel_stays(
    store: WorkingState,
) -> None:
    ann = registered("29:ann", "Ann Smith", "aad-ann")
    await store.register_channel("triage", ann, "aad-ann")
    await store.register_channel("board:ddc", registered("29:bob", "Bob", "aad-bob"), "aad-bob")
    # Registered by Ann's Teams id, and by her from Bob's copied reference.
    await store.register_channel("champions", registered("29:ann", "Ann Smith", ""), "29:ann")
    await store.register_channel("ideas", registered("29:bob", "Bob", "aad-bob"), "aad-ann")
    ids = frozenset({"aad-ann", "29:ann"})
    found = await store.channels_registered_by(ids)
    assert list(found) == ["champions", "ideas", "triage"]
    assert found["triage"] == ("aad-ann", ann)

    assert await store.forget_channel_registrar(ids, "erased-ann") == 3
    assert await store.forget_channel_registrar(ids, "erased-ann") == 0  # safe to run again
    assert await store.channels_registered_by(ids) == {}
    gone = await store.channel("triage")
    assert gone == {
        **ann,
        "user": {"id": "erased-ann", "name": "Erased person", "aadObjectId": "erased-ann"},
    }
    champions = await store.channel("champions")
    assert champions is not None
    assert champions["user"] == {"id": "erased-ann", "name": "Erased person", "aadObjectId": ""}
    # Bob's own details stay, in a channel Ann registered and in his own.
    assert await store.channel("ideas") == registered("29:bob", "Bob", "aad-bob")
    assert await store.channel("board:ddc") == registered("29:bob", "Bob", "aad-bob")
    assert await store.channels_registered_by(frozenset({"erased-ann"})) == {
        "champions": ("erased-ann", champions),
        "ideas": ("erased-ann", registered("29:bob", "Bob", "aad-bob")),
        "triage": ("erased-ann", gone),
    }
    assert await store.channel_purposes() == ["board:ddc", "champions", "ideas", "triage"]
    assert await store.forget_channel_registrar(frozenset(), "erased-ann") == 0


async def test_claims_of_card_presses_go_with_the_stored_answers(
    store: WorkingState, clock: SettableClock
) -> None:
    """A press's claim ("invoke:<activity>|<id>") holds the presser's id: it goes with
    the stored answer; other sent keys stay."""
    await store.remember_invoke("act-1|ann", {"value": "first"})
    assert await store.claim_notification("invoke:act-1|ann")
    await store.notification_sent("invoke:act-1|ann")
    await store.notification_sent("digest:c1:2026-W01")
    await store.notification_sent("reminder:invoke:x")  # "invoke:" inside, not at the start
    assert await store.claim_notification("invoke:act-9|bob")  # held, not yet sent
    clock.advance(dt.timedelta(days=8))
    await store.remember_invoke("act-2|ann", {"value": "second"})
    await store.notification_sent("invoke:act-2|ann")
    cutoff = clock.now() - dt.timedelta(days=7)
    assert await store.forget_invokes_before(cutoff) == 3  # one answer, two claims
    assert await store.forget_invokes_before(cutoff) == 0  # safe to run again
    assert await store.claim_notification("invoke:act-1|ann")  # gone: free again
    assert await store.claim_notification("invoke:act-9|bob")
    assert not await store.claim_notification("invoke:act-2|ann")  # kept since: stays
    assert not await store.claim_notification("digest:c1:2026-W01")
    assert not await store.claim_notification("reminder:invoke:x")


async def test_sent_keys_of_a_family_go_after_a_period(
    store: WorkingState, clock: SettableClock
) -> None:
    families = ("champion.decide:", "champion.decided:")
    await store.notification_sent("champion.decide:c1:ann:2026-01-01:lead")
    await store.notification_sent("champion.decided:c1:ann:2026-01-01")
    await store.notification_sent("champion.removed:c1:ann:2026-01-01")  # not asked for
    await store.notification_sent("benefits.ask:DR-1:3:ann")
    clock.advance(dt.timedelta(days=10))
    await store.notification_sent("champion.decide:c1:bob:2026-01-11:lead")
    cutoff = clock.now() - dt.timedelta(days=5)
    assert await store.forget_sent_before(families, cutoff) == 2
    assert await store.forget_sent_before(families, cutoff) == 0  # safe to run again
    assert await store.forget_sent_before((), cutoff) == 0
    assert await store.claim_notification("champion.decide:c1:ann:2026-01-01:lead")
    assert await store.claim_notification("champion.decided:c1:ann:2026-01-01")
    assert not await store.claim_notification("champion.removed:c1:ann:2026-01-01")
    assert not await store.claim_notification("benefits.ask:DR-1:3:ann")
    assert not await store.claim_notification("champion.decide:c1:bob:2026-01-11:lead")


async def test_retention_forgets_one_off_keys_after_the_conversations_period(
    store: WorkingState, clock: SettableClock
) -> None:
    """The privacy journey's working part: one-off keys holding an id go a CONVERSATIONS
    period after they were sent; keys a loop relies on stay."""
    one_off = "champion.decide:c1:ann:2026-01-01T00:00:00+00:00:lead"
    loop = "benefits.ask:DR-1:3:ann"
    await store.notification_sent(one_off)
    await store.notification_sent(loop)
    policy = RetentionPolicy()
    clock.advance(policy.period(RetentionKind.CONVERSATIONS) - dt.timedelta(days=1))
    part = WorkingData(store)
    before = await part.retain(policy, clock.now())
    assert [r.deleted for r in before if r.kind is RetentionKind.CONVERSATIONS] == [0]
    clock.advance(dt.timedelta(days=2))
    after = await part.retain(policy, clock.now())
    assert [r.deleted for r in after if r.kind is RetentionKind.CONVERSATIONS] == [1]
    again = await part.retain(policy, clock.now())
    assert [r.deleted for r in again if r.kind is RetentionKind.CONVERSATIONS] == [0]
    assert await store.claim_notification(one_off)
    assert not await store.claim_notification(loop)


async def test_stored_answers_name_a_person_as_whole_words(store: WorkingState) -> None:
    """Erasing "Tim" must not delete answers about time."""
    await store.remember_invoke("act-1|x", {"card": {"text": "It is time to decide"}})
    await store.remember_invoke("act-2|x", {"card": {"text": "Timothy asked"}})
    await store.remember_invoke("act-3|x", {"card": {"text": "Asked by tim"}})
    await store.remember_invoke("act-4|x", {"card": {"text": "Line one\nTim, line two"}})
    await store.remember_invoke("act-5|x", {"card": {"by": "aad-tim-2"}})  # another id
    await store.remember_invoke("act-6|x", {"card": {"who": ["aad-tim"]}})
    assert await store.forget_answers_naming(frozenset({"Tim", "aad-tim"})) == 3
    assert await store.handled_invoke("act-1|x") is not None
    assert await store.handled_invoke("act-2|x") is not None
    assert await store.handled_invoke("act-3|x") is None
    assert await store.handled_invoke("act-4|x") is None
    assert await store.handled_invoke("act-5|x") is not None
    assert await store.handled_invoke("act-6|x") is None
