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
import dataclasses
import datetime as dt
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
from bot.invoke import STILL_RUNNING, Invokes
from bot.journey import CardAction, Reply, Turn, message_reply
from bot.ports import CLAIM_HOLD, ChangedBySomeoneElse, WorkingState
from bot.store.working import SqliteWorkingState
from tests.integration.test_store_contract import (  # noqa: F401 (run here on both)
    NOW,
    draft,
    rating,
    test_a_claim_can_be_held_for_less_than_the_default,
    test_a_claim_held_by_an_instance_that_died_is_taken_over_after_the_hold,
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
