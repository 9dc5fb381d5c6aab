"""The communities store's promises, one suite for every store that implements the port.

Each test gets `opener`: it opens a store on one shared place (a SQLite file, or one
STATE_PREFIX on Azurite), so a test can open a second store on the same data, as a second
bot process (or instance) would. Every method of CommunityStore is used here.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from bot.azure_state.account import AzureState
from bot.azure_state.settings import StateSettings
from bot.domain.communities import (
    Answer,
    AnswerKind,
    Champion,
    ChampionStatus,
    Community,
    KnowledgeEntry,
    Nudge,
    NudgeOutcome,
    NudgeStep,
    Question,
    QuestionStatus,
)
from bot.journey import JourneyContext
from bot.journeys.communities import knowledge_index, seed
from bot.journeys.communities.config import CommunityConfig
from bot.journeys.communities.ports import CommunityStore, StaleQuestion
from bot.journeys.communities.shared import Shared
from bot.journeys.communities.store_azure import AzureCommunityStore
from bot.journeys.communities.store_sqlite import SqliteCommunityStore
from tests.support.azurite import Azurite, new_prefix
from tests.support.clock import SettableClock

# A fixed moment, so no promise depends on the day the tests run.
NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)
LEASE = dt.timedelta(minutes=5)


class Opener:
    """Opens stores on one shared place and closes them all at the end.

    "sqlite": one file in tmp_path. "azure": one STATE_PREFIX on Azurite, each store with
    an AzureState (an account connection) of its own, as each bot instance has.
    """

    def __init__(
        self, kind: str, tmp_path: Path, clock: SettableClock, azurite: Azurite | None = None
    ) -> None:
        self.kind = kind
        self._path = tmp_path / "communities.sqlite3"
        self._tmp_path = tmp_path
        self._clock = clock
        self._azure = (
            None
            if azurite is None
            else StateSettings(
                kind="azure", connection_string=azurite.connection_string, prefix=new_prefix()
            )
        )
        self._opened: list[CommunityStore] = []
        self._accounts: list[AzureState] = []

    def account(self) -> AzureState | None:
        """A new connection to the shared place, for Azure; None for SQLite."""
        if self._azure is None:
            return None
        state = AzureState(self._azure)
        self._accounts.append(state)
        return state

    async def open(self) -> CommunityStore:
        account = self.account()
        store: CommunityStore = (
            SqliteCommunityStore(self._path, self._clock)
            if account is None
            else AzureCommunityStore(account, self._clock)
        )
        await store.open()
        self._opened.append(store)
        return store

    def journey(self) -> Shared:
        """The journey's own opener (which seeds a new store), as a new bot instance."""
        unused: Any = object()  # the seeding never touches the bot's own store or notifier
        account = self.account()
        ctx = JourneyContext(
            store=unused,
            clock=self._clock,
            notifier=unused,
            admin_ids=frozenset(),
            data_dir=self._tmp_path if account is None else None,
            azure=account,
        )
        return Shared(ctx, CommunityConfig())

    async def close(self, store: CommunityStore) -> None:
        self._opened.remove(store)
        await store.close()

    async def close_all(self) -> None:
        for store in list(self._opened):
            await self.close(store)
        for account in self._accounts:
            await account.close()


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(NOW)


@pytest.fixture(params=["sqlite", "azure"])
async def opener(
    request: pytest.FixtureRequest, tmp_path: Path, clock: SettableClock
) -> AsyncIterator[Opener]:
    azurite = request.getfixturevalue("azurite") if request.param == "azure" else None
    opened = Opener(request.param, tmp_path, clock, azurite)
    yield opened
    await opened.close_all()


@pytest.fixture
async def store(opener: Opener) -> CommunityStore:
    return await opener.open()


def community(id: str = "power-platform", name: str = "Power Platform") -> Community:
    return Community(
        id=id,
        name=name,
        description="Apps, flows and forms without code.",
        keywords=("power apps", "power automate", "flow"),
        lead_id="lead-1",
        lead_name="Lee Lead",
    )


def champion(
    user_id: str = "c1", community_id: str = "power-platform", name: str = "Cara Champion"
) -> Champion:
    return Champion(
        user_id=user_id,
        community_id=community_id,
        name=name,
        service_area="Housing",
        can_help_with="Excel, Forms and Power Automate flows",
        status=ChampionStatus.APPROVED,
        volunteered_at=NOW - dt.timedelta(days=3, microseconds=250),
        decided_by="lead-1",
    )


def question(
    asker_id: str = "u1", asked_at: dt.datetime = NOW, community_id: str = "power-platform"
) -> Question:
    return Question(
        reference="IGNORED",
        asker_id=asker_id,
        asker_name="Ann Asker",
        text="How do I share a Power App with my team?",
        community_id=community_id,
        service_area="Housing",
        status=QuestionStatus.OPEN,
        asked_at=asked_at,
        routed_at=asked_at + dt.timedelta(seconds=1),
    )


def answer(
    id: str = "a1",
    question_ref: str = "Q-2026-0001",
    at: dt.datetime = NOW,
    text: str = "Share it.",
) -> Answer:
    return Answer(
        id=id,
        question_ref=question_ref,
        champion_id="c1",
        champion_name="Cara Champion",
        text=text,
        kind=AnswerKind.WRITTEN,
        at=at,
    )


def entry(id: str = "e1", retired: bool = False, added_at: dt.datetime = NOW) -> KnowledgeEntry:
    return KnowledgeEntry(
        id=id,
        question="How do I share a Power App?",
        answer="Open the app, choose Share, and add your team's group.",
        community_id="power-platform",
        tags=("power apps", "sharing"),
        answered_by="Cara Champion",
        added_at=added_at,
        review_on=dt.date(2027, 11, 25),
        source_question="Q-2026-0001",
        retired=retired,
    )


def nudge(
    ref: str = "Q-2026-0001",
    recipient: str = "c1",
    due_at: dt.datetime = NOW,
    step: NudgeStep = NudgeStep.CHAMPIONS,
) -> Nudge:
    return Nudge(
        id=f"{ref}:{step}:{recipient}",
        question_ref=ref,
        step=step,
        recipient_id=recipient,
        due_at=due_at,
    )


# Opening and closing ---------------------------------------------------------------


async def test_closing_leaves_no_thread_behind(opener: Opener) -> None:
    before = set(threading.enumerate())
    store = await opener.open()
    await store.save_community(community())
    await opener.close(store)
    # The event loop's own pool (asyncio_N: it looks up host names) closes with the loop.
    assert {t for t in threading.enumerate() if not t.name.startswith("asyncio_")} <= before


async def test_what_is_kept_outlives_the_store_that_kept_it(opener: Opener) -> None:
    first = await opener.open()
    await first.save_community(community())
    kept = await first.add_question(question(), key="draft-1")
    await opener.close(first)
    second = await opener.open()
    assert await second.community("power-platform") == community()
    assert await second.question(kept.reference) == kept


# Communities -------------------------------------------------------------------------


async def test_a_community_reads_back_exactly(store: CommunityStore) -> None:
    await store.save_community(community())
    assert await store.community("power-platform") == community()
    assert await store.community("nobody") is None


async def test_communities_come_by_name_and_save_replaces_by_id(store: CommunityStore) -> None:
    await store.save_community(community("sharepoint", "SharePoint"))
    await store.save_community(community("accessibility", "Accessibility"))
    await store.save_community(community("power-platform", "Power Platform"))
    renamed = dataclasses.replace(community("sharepoint", "A SharePoint"), lead_id="lead-2")
    await store.save_community(renamed)
    found = await store.communities()
    assert [c.name for c in found] == ["A SharePoint", "Accessibility", "Power Platform"]
    assert found[0] == renamed


# Champions ---------------------------------------------------------------------------


async def test_a_champion_reads_back_exactly_with_utc_times(store: CommunityStore) -> None:
    paused = dataclasses.replace(
        champion(), paused_until=dt.date(2026, 12, 24), pause_reason="leave", from_group="g1"
    )
    await store.save_champion(paused)
    found = await store.champion("c1", "power-platform")
    assert found == paused
    assert found is not None and found.volunteered_at.utcoffset() == dt.timedelta(0)
    assert await store.champion("c1", "sharepoint") is None


async def test_one_person_can_champion_two_communities(store: CommunityStore) -> None:
    await store.save_champion(champion("c1", "power-platform"))
    await store.save_champion(champion("c1", "sharepoint"))
    await store.save_champion(champion("c2", "sharepoint", name="Ben"))
    pending = dataclasses.replace(champion("c1", "sharepoint"), status=ChampionStatus.PENDING)
    await store.save_champion(pending)  # replaces, keyed by person and community
    assert {c.community_id for c in await store.champions(user_id="c1")} == {
        "power-platform",
        "sharepoint",
    }
    in_sharepoint = await store.champions(community_id="sharepoint")
    assert [c.name for c in in_sharepoint] == ["Ben", "Cara Champion"]
    assert in_sharepoint[1].status == ChampionStatus.PENDING
    assert len(await store.champions()) == 3
    assert await store.champions(community_id="sharepoint", user_id="c2") == [
        champion("c2", "sharepoint", name="Ben")
    ]


async def test_ids_with_any_characters_never_meet(store: CommunityStore) -> None:
    # "a" + "b|c" and "a|b" + "c" would be one key if the parts were simply joined.
    await store.save_champion(champion("b|c", "a", name="One"))
    await store.save_champion(champion("c", "a|b", name="Two"))
    await store.save_champion(champion("d", "a/b#?%", name="Three"))
    assert [c.name for c in await store.champions()] == ["One", "Three", "Two"]
    assert [c.name for c in await store.champions(community_id="a")] == ["One"]
    assert [c.name for c in await store.champions(community_id="a|b")] == ["Two"]
    assert [c.name for c in await store.champions(community_id="a/b#?%")] == ["Three"]
    assert await store.champion("c", "a|b") == champion("c", "a|b", name="Two")


async def test_unreachable_marks_a_person_in_every_community_and_clears(
    store: CommunityStore,
) -> None:
    await store.save_champion(champion("c1", "power-platform"))
    await store.save_champion(champion("c1", "sharepoint"))
    await store.save_champion(champion("c2", "sharepoint"))
    await store.mark_unreachable("c1")
    reachable = {(c.user_id, c.community_id): not c.unreachable for c in await store.champions()}
    assert reachable == {
        ("c1", "power-platform"): False,
        ("c1", "sharepoint"): False,
        ("c2", "sharepoint"): True,
    }
    await store.mark_unreachable("c1", unreachable=False)
    assert not any(c.unreachable for c in await store.champions())


# Questions ---------------------------------------------------------------------------


async def test_a_question_gets_the_next_reference_and_reads_back_exactly(
    store: CommunityStore,
) -> None:
    first = await store.add_question(question(), key="draft-1")
    second = await store.add_question(question(asker_id="u2"), key="draft-2")
    assert (first.reference, second.reference) == ("Q-2026-0001", "Q-2026-0002")
    assert first == dataclasses.replace(question(), reference="Q-2026-0001", version=first.version)
    assert await store.question("Q-2026-0001") == first
    assert await store.question(" q-2026-0002 ") == second
    assert await store.question("Q-2026-0003") is None
    assert first.asked_at.utcoffset() == dt.timedelta(0)


async def test_asking_twice_with_one_key_keeps_the_first_question(store: CommunityStore) -> None:
    first = await store.add_question(question(), key="activity-1")
    again = await store.add_question(
        dataclasses.replace(question(), text="Something else"), key="activity-1"
    )
    assert again == first
    later = await store.add_question(question(), key="activity-2")
    assert later.reference == "Q-2026-0002"  # the repeat used no number


async def test_a_question_needs_a_key(store: CommunityStore) -> None:
    with pytest.raises(ValueError):
        await store.add_question(question(), key="")


async def test_references_count_per_year_of_asked_at_not_the_clock(
    store: CommunityStore, clock: SettableClock
) -> None:
    new_year = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    clock.set(new_year + dt.timedelta(days=40))  # the store must not read its clock for this
    last_second = new_year - dt.timedelta(seconds=1)
    refs = [
        (await store.add_question(question(asked_at=at), key=key)).reference
        for at, key in [
            (last_second - dt.timedelta(hours=1), "a"),
            (last_second, "b"),
            (new_year, "c"),
            (last_second, "d"),  # a late save for the old year still gets the old year
            (new_year + dt.timedelta(minutes=1), "e"),
        ]
    ]
    assert refs == ["Q-2026-0001", "Q-2026-0002", "Q-2027-0001", "Q-2026-0003", "Q-2027-0002"]


async def test_the_year_is_the_utc_year_of_a_time_given_in_another_zone(
    store: CommunityStore,
) -> None:
    plus_one = dt.timezone(dt.timedelta(hours=1))
    at = dt.datetime(2027, 1, 1, 0, 30, tzinfo=plus_one)  # 31 Dec 2026 23:30 UTC
    kept = await store.add_question(question(asked_at=at), key="k")
    assert kept.reference == "Q-2026-0001"
    assert kept.asked_at == at and kept.asked_at.tzinfo == dt.UTC


async def test_naive_times_are_refused(store: CommunityStore) -> None:
    with pytest.raises(ValueError):
        await store.add_question(question(asked_at=NOW.replace(tzinfo=None)), key="k")


async def test_an_update_saves_and_bumps_the_version(store: CommunityStore) -> None:
    kept = await store.add_question(question(), key="k")
    changed = dataclasses.replace(
        kept,
        status=QuestionStatus.RESOLVED,
        first_answer_at=NOW + dt.timedelta(hours=1),
        resolved_at=NOW + dt.timedelta(hours=2),
        best_answer_id="a1",
        channel_message_id="m1",
        answered_by_entry="e1",
        community_id="sharepoint",
    )
    saved = await store.update_question(changed)
    assert saved == dataclasses.replace(changed, version=kept.version + 1)
    assert await store.question(kept.reference) == saved


async def test_a_stale_update_is_refused_and_changes_nothing(store: CommunityStore) -> None:
    kept = await store.add_question(question(), key="k")
    theirs = await store.update_question(dataclasses.replace(kept, channel_message_id="m1"))
    with pytest.raises(StaleQuestion):
        await store.update_question(dataclasses.replace(kept, status=QuestionStatus.RESOLVED))
    assert await store.question(kept.reference) == theirs


async def test_updating_a_question_never_kept_is_an_error(store: CommunityStore) -> None:
    with pytest.raises(LookupError):
        await store.update_question(dataclasses.replace(question(), reference="Q-2026-0099"))


async def test_questions_filter_and_page_in_reference_order(store: CommunityStore) -> None:
    late = dt.datetime(2027, 1, 2, tzinfo=dt.UTC)
    await store.add_question(question(asked_at=late), key="2027")  # kept first, numbered 2027
    for n in range(5):
        asker = "u1" if n % 2 == 0 else "u2"
        await store.add_question(question(asker_id=asker, community_id=f"c{n % 2}"), key=f"k{n}")
    refs = [q.reference for q in await store.questions()]
    assert refs == [f"Q-2026-000{n}" for n in range(1, 6)] + ["Q-2027-0001"]
    page = await store.questions(limit=2, after="Q-2026-0002")
    assert [q.reference for q in page] == ["Q-2026-0003", "Q-2026-0004"]
    assert [q.reference for q in await store.questions(asker_id="u2")] == [
        "Q-2026-0002",
        "Q-2026-0004",
    ]
    assert len(await store.questions(community_id="c0", asker_id="u1")) == 3
    assert await store.questions(status="resolved") == []
    assert len(await store.questions(status="open")) == 6
    assert await store.questions(after="Q-2027-0001") == []


async def test_paging_after_something_that_is_not_a_reference_is_refused(
    store: CommunityStore,
) -> None:
    with pytest.raises(ValueError):
        await store.questions(after="'; DROP TABLE questions; --")


async def test_a_question_is_found_by_its_channel_message(store: CommunityStore) -> None:
    kept = await store.add_question(question(), key="k")
    await store.add_question(question(), key="other")  # no channel message yet
    posted = await store.update_question(dataclasses.replace(kept, channel_message_id="m-42"))
    assert await store.question_by_message("m-42") == posted
    assert await store.question_by_message("m-43") is None
    assert await store.question_by_message("") is None


# Answers -----------------------------------------------------------------------------


async def test_an_answer_is_kept_once_by_id(store: CommunityStore) -> None:
    first = await store.add_answer(answer())
    again = await store.add_answer(answer(text="A second press, typed differently"))
    assert first == again == answer()
    assert await store.answers("Q-2026-0001") == [answer()]
    assert await store.answer("a1") == answer()
    assert await store.answer("a2") is None


async def test_answers_come_in_the_order_they_were_given(store: CommunityStore) -> None:
    await store.add_answer(answer("b", at=NOW + dt.timedelta(minutes=2)))
    await store.add_answer(answer("a", at=NOW + dt.timedelta(minutes=1)))
    await store.add_answer(answer("z", question_ref="Q-2026-0002"))
    assert [a.id for a in await store.answers("Q-2026-0001")] == ["a", "b"]
    assert await store.answers("Q-2026-0009") == []


async def test_one_best_answer_per_question(store: CommunityStore) -> None:
    for id in ("a1", "a2"):
        await store.add_answer(answer(id))
    await store.add_answer(answer("other", question_ref="Q-2026-0002"))
    await store.set_best("Q-2026-0002", "other")
    await store.set_best("Q-2026-0001", "a1")
    await store.set_best("Q-2026-0001", "a2")
    assert [(a.id, a.best) for a in await store.answers("Q-2026-0001")] == [
        ("a1", False),
        ("a2", True),
    ]
    assert [a.best for a in await store.answers("Q-2026-0002")] == [True]


async def test_best_must_be_an_answer_to_that_question(store: CommunityStore) -> None:
    await store.add_answer(answer("a1"))
    await store.add_answer(answer("other", question_ref="Q-2026-0002"))
    await store.set_best("Q-2026-0001", "a1")
    with pytest.raises(LookupError):
        await store.set_best("Q-2026-0001", "other")
    with pytest.raises(LookupError):
        await store.set_best("Q-2026-0001", "missing")
    assert [a.best for a in await store.answers("Q-2026-0001")] == [True]
    assert [a.best for a in await store.answers("Q-2026-0002")] == [False]


async def test_helped_counts_once_per_person(store: CommunityStore) -> None:
    await store.add_answer(answer("a1"))
    await store.add_answer(answer("a2"))
    assert await store.add_helped("a1", "u2") is True
    assert await store.add_helped("a1", "u2") is False
    assert await store.add_helped("a1", "u3") is True
    assert await store.add_helped("a2", "u2") is True
    counts = {a.id: a.helped_count for a in await store.answers("Q-2026-0001")}
    assert counts == {"a1": 2, "a2": 1}


async def test_helped_on_an_unknown_answer_is_an_error(store: CommunityStore) -> None:
    with pytest.raises(LookupError):
        await store.add_helped("missing", "u2")
    with pytest.raises(LookupError):
        await store.add_entry_helped("missing", "u2")


# Knowledge base ----------------------------------------------------------------------


async def test_an_entry_reads_back_exactly_and_save_replaces(store: CommunityStore) -> None:
    await store.save_entry(entry())
    assert await store.entry("e1") == entry()
    edited = dataclasses.replace(entry(), answer="Use Share.", tags=("sharing",), best_count=3)
    await store.save_entry(edited)
    assert await store.entry("e1") == edited
    assert await store.entry("e2") is None


async def test_retired_entries_are_left_out_unless_asked_for(store: CommunityStore) -> None:
    await store.save_entry(entry("e2", added_at=NOW + dt.timedelta(days=1)))
    await store.save_entry(entry("e1"))
    await store.save_entry(entry("gone", retired=True))
    assert [e.id for e in await store.entries()] == ["e1", "e2"]
    assert {e.id for e in await store.entries(include_retired=True)} == {"e1", "e2", "gone"}


async def test_entry_helped_counts_once_per_person_apart_from_answers(
    store: CommunityStore,
) -> None:
    await store.save_entry(entry("same-id"))
    await store.add_answer(answer("same-id"))
    assert await store.add_entry_helped("same-id", "u2") is True
    assert await store.add_entry_helped("same-id", "u2") is False
    assert await store.add_helped("same-id", "u2") is True  # an answer is not an entry
    found = await store.entry("same-id")
    assert found is not None and found.helped_count == 1
    kept = await store.answer("same-id")
    assert kept is not None and kept.helped_count == 1


# Nudges ------------------------------------------------------------------------------


async def test_schedule_keeps_new_nudges_and_ignores_ones_already_kept(
    store: CommunityStore,
) -> None:
    assert await store.schedule([nudge(recipient="c1"), nudge(recipient="c2")]) == 2
    later = dataclasses.replace(nudge(recipient="c1"), due_at=NOW + dt.timedelta(days=1))
    assert await store.schedule([later, nudge(recipient="c3"), nudge(recipient="c3")]) == 1
    assert await store.schedule([]) == 0
    kept = await store.nudges("Q-2026-0001")
    assert [(n.recipient_id, n.due_at) for n in kept] == [("c1", NOW), ("c2", NOW), ("c3", NOW)]
    assert kept[0] == nudge(recipient="c1")


async def test_schedule_counts_only_new_nudges_however_many_at_once(
    store: CommunityStore,
) -> None:
    many = [nudge(recipient=f"c{n:03d}") for n in range(150)]
    assert await store.schedule(many[120:]) == 30
    assert await store.schedule(many) == 120
    assert len(await store.nudges()) == 150


async def test_a_nudge_with_an_id_of_any_shape_is_leased_and_finished(
    store: CommunityStore,
) -> None:
    odd = dataclasses.replace(nudge(), id="odd:id/with#signs?")
    await store.schedule([odd])
    assert await store.claim_due(NOW, "p1", LEASE) == [odd]
    assert await store.finish(odd.id, "p1", NudgeOutcome.DELIVERED, NOW) is True
    assert (await store.nudges())[0].outcome == NudgeOutcome.DELIVERED


async def test_nudges_filter_by_question_and_person(store: CommunityStore) -> None:
    await store.schedule(
        [nudge("Q-2026-0001", "c1"), nudge("Q-2026-0001", "c2"), nudge("Q-2026-0002", "c1")]
    )
    assert {n.id for n in await store.nudges(recipient_id="c1")} == {
        "Q-2026-0001:champions:c1",
        "Q-2026-0002:champions:c1",
    }
    assert [n.recipient_id for n in await store.nudges("Q-2026-0001")] == ["c1", "c2"]
    assert len(await store.nudges("Q-2026-0002", "c1")) == 1
    assert len(await store.nudges()) == 3


async def test_claim_takes_only_what_is_due_and_waiting(store: CommunityStore) -> None:
    await store.schedule(
        [
            nudge(recipient="late", due_at=NOW + dt.timedelta(minutes=4)),
            nudge(recipient="second", due_at=NOW - dt.timedelta(minutes=1)),
            nudge(recipient="first", due_at=NOW - dt.timedelta(minutes=2)),
            nudge(recipient="now", due_at=NOW),
            dataclasses.replace(nudge(recipient="sent"), outcome=NudgeOutcome.DELIVERED),
        ]
    )
    claimed = await store.claim_due(NOW, "p1", LEASE)
    assert [n.recipient_id for n in claimed] == ["first", "second", "now"]
    later = await store.claim_due(NOW + dt.timedelta(minutes=4), "p1", LEASE)  # leases held
    assert [n.recipient_id for n in later] == ["late"]


async def test_claim_respects_the_limit(store: CommunityStore) -> None:
    await store.schedule([nudge(recipient=f"c{n}") for n in range(5)])
    assert len(await store.claim_due(NOW, "p1", LEASE, limit=2)) == 2
    assert len(await store.claim_due(NOW, "p1", LEASE, limit=10)) == 3
    assert await store.claim_due(NOW, "p1", LEASE, limit=10) == []


async def test_a_leased_nudge_is_not_claimed_again_until_the_lease_runs_out(
    opener: Opener,
) -> None:
    one, two = await opener.open(), await opener.open()  # as two processes would
    await one.schedule([nudge()])
    assert len(await one.claim_due(NOW, "p1", LEASE)) == 1
    assert await two.claim_due(NOW, "p2", LEASE) == []
    assert await one.claim_due(NOW, "p1", LEASE) == []  # nor twice by its own holder
    almost = NOW + LEASE - dt.timedelta(microseconds=1)
    assert await two.claim_due(almost, "p2", LEASE) == []
    taken = await two.claim_due(NOW + LEASE, "p2", LEASE)
    assert [n.id for n in taken] == [nudge().id]
    assert await one.finish(nudge().id, "p1", NudgeOutcome.DELIVERED, NOW + LEASE) is False
    assert await two.finish(nudge().id, "p2", NudgeOutcome.DELIVERED, NOW + LEASE) is True
    assert await one.claim_due(NOW + 3 * LEASE, "p1", LEASE) == []


async def test_finish_records_the_outcome_for_the_lease_holder_only(
    store: CommunityStore,
) -> None:
    await store.schedule([nudge(recipient="c1"), nudge(recipient="c2")])
    await store.claim_due(NOW, "p1", LEASE)
    sent = NOW + dt.timedelta(seconds=3)
    assert await store.finish(nudge(recipient="c1").id, "p2", NudgeOutcome.DELIVERED, sent) is False
    assert await store.finish(nudge(recipient="c1").id, "p1", NudgeOutcome.DELIVERED, sent) is True
    assert (
        await store.finish(nudge(recipient="c1").id, "p1", NudgeOutcome.UNREACHABLE, sent) is False
    )
    assert await store.finish(nudge(recipient="c2").id, "p1", NudgeOutcome.UNREACHABLE, sent)
    assert await store.finish("no-such-nudge", "p1", NudgeOutcome.DELIVERED, sent) is False
    kept = {n.recipient_id: n for n in await store.nudges("Q-2026-0001")}
    assert (kept["c1"].outcome, kept["c1"].sent_at) == (NudgeOutcome.DELIVERED, sent)
    assert (kept["c2"].outcome, kept["c2"].sent_at) == (NudgeOutcome.UNREACHABLE, None)


async def test_a_nudge_never_claimed_cannot_be_finished(store: CommunityStore) -> None:
    await store.schedule([nudge()])
    assert await store.finish(nudge().id, "p1", NudgeOutcome.DELIVERED, NOW) is False
    assert (await store.nudges())[0].outcome == NudgeOutcome.WAITING


async def test_an_expired_lease_nobody_took_still_records(store: CommunityStore) -> None:
    # The card went out slowly; recording it beats letting another process send it again.
    await store.schedule([nudge()])
    await store.claim_due(NOW, "p1", LEASE)
    assert await store.finish(nudge().id, "p1", NudgeOutcome.DELIVERED, NOW + 2 * LEASE)
    assert await store.claim_due(NOW + 3 * LEASE, "p2", LEASE) == []


async def test_finishing_as_waiting_gives_the_lease_back(store: CommunityStore) -> None:
    await store.schedule([nudge()])
    await store.claim_due(NOW, "p1", LEASE)
    assert await store.finish(nudge().id, "p2", NudgeOutcome.WAITING, NOW) is False
    assert await store.claim_due(NOW, "p2", LEASE) == []
    assert await store.finish(nudge().id, "p1", NudgeOutcome.WAITING, NOW) is True
    assert [n.id for n in await store.claim_due(NOW, "p2", LEASE)] == [nudge().id]


async def test_cancel_waiting_stops_only_what_was_not_sent(store: CommunityStore) -> None:
    await store.schedule(
        [
            nudge(recipient="sent"),
            nudge(recipient="leased"),
            nudge(recipient="later", due_at=NOW + dt.timedelta(hours=4), step=NudgeStep.LEAD),
            nudge("Q-2026-0002", "other"),
        ]
    )
    claimed = await store.claim_due(NOW, "p1", LEASE, limit=2)
    assert [n.recipient_id for n in claimed] == ["leased", "sent"]
    await store.finish(nudge(recipient="sent").id, "p1", NudgeOutcome.DELIVERED, NOW)
    assert await store.cancel_waiting("Q-2026-0001") == 2
    assert await store.cancel_waiting("Q-2026-0001") == 0
    outcomes = {n.recipient_id: n.outcome for n in await store.nudges()}
    assert outcomes == {
        "sent": NudgeOutcome.DELIVERED,
        "leased": NudgeOutcome.CANCELLED,
        "later": NudgeOutcome.CANCELLED,
        "other": NudgeOutcome.WAITING,
    }
    # A sender that was mid-way learns it was cancelled; a cancelled nudge is never claimed.
    assert (
        await store.finish(nudge(recipient="leased").id, "p1", NudgeOutcome.DELIVERED, NOW) is False
    )
    assert [
        n.recipient_id for n in await store.claim_due(NOW + dt.timedelta(days=1), "p2", LEASE)
    ] == ["other"]


async def test_seen_and_acted_keep_the_first_time(store: CommunityStore) -> None:
    await store.schedule([nudge()])
    await store.claim_due(NOW, "p1", LEASE)
    await store.finish(nudge().id, "p1", NudgeOutcome.DELIVERED, NOW)
    first, second = NOW + dt.timedelta(minutes=2), NOW + dt.timedelta(minutes=9)
    await store.mark_seen("Q-2026-0001", "c1", first)
    await store.mark_seen("Q-2026-0001", "c1", second)
    await store.mark_acted("Q-2026-0001", "c1", second)
    await store.mark_acted("Q-2026-0001", "c1", second + dt.timedelta(hours=1))
    kept = (await store.nudges())[0]
    assert (kept.seen_at, kept.acted_at) == (first, second)


async def test_seen_and_acted_touch_only_nudges_that_went_out(store: CommunityStore) -> None:
    await store.schedule(
        [
            nudge(recipient="c1"),
            nudge(recipient="c1", step=NudgeStep.LEAD, due_at=NOW + dt.timedelta(hours=4)),
            nudge(recipient="c2"),
        ]
    )
    await store.claim_due(NOW, "p1", LEASE)
    await store.finish(nudge(recipient="c1").id, "p1", NudgeOutcome.DELIVERED, NOW)
    await store.mark_seen("Q-2026-0001", "c1", NOW)
    await store.mark_acted("Q-2026-0001", "c1", NOW)
    await store.mark_seen("Q-2026-0001", "nobody", NOW)  # no nudge: nothing to mark
    kept = {(n.recipient_id, n.step): n for n in await store.nudges()}
    assert kept[("c1", NudgeStep.CHAMPIONS)].seen_at == NOW
    assert kept[("c1", NudgeStep.LEAD)].seen_at is None  # not sent yet
    assert kept[("c1", NudgeStep.LEAD)].acted_at is None
    assert kept[("c2", NudgeStep.CHAMPIONS)].seen_at is None


async def test_sent_since_counts_delivered_questions_per_person(store: CommunityStore) -> None:
    week_ago = NOW - dt.timedelta(days=7)
    await store.schedule(
        [
            nudge("Q-2026-0001", "c1"),
            nudge("Q-2026-0001", "c1", step=NudgeStep.MORE_CHAMPIONS),  # same question
            nudge("Q-2026-0002", "c1"),
            nudge("Q-2026-0003", "c1"),  # unreachable: not delivered
            nudge("Q-2026-0001", "c2"),  # still waiting
            nudge("Q-2026-0004", "c3", due_at=week_ago),  # sent before `since`
        ]
    )
    for n in await store.claim_due(NOW, "p1", LEASE):
        outcome = NudgeOutcome.UNREACHABLE if n.question_ref == "Q-2026-0003" else None
        if n.recipient_id == "c2":
            continue
        sent = week_ago if n.recipient_id == "c3" else NOW
        await store.finish(n.id, "p1", outcome or NudgeOutcome.DELIVERED, sent)
    assert await store.sent_since(week_ago + dt.timedelta(seconds=1)) == {"c1": 2}
    assert await store.sent_since(week_ago) == {"c1": 2, "c3": 1}
    assert await store.sent_since(NOW + dt.timedelta(seconds=1)) == {}


# Two processes at once, on one store -------------------------------------------------------


async def test_asking_on_two_stores_at_once_hands_out_every_reference_once(
    opener: Opener,
) -> None:
    one, two = await opener.open(), await opener.open()

    async def ask(store: CommunityStore, name: str) -> list[str]:
        asked = [await store.add_question(question(name), key=f"{name}-{n}") for n in range(20)]
        return [q.reference for q in asked]

    lists = await asyncio.gather(ask(one, "one"), ask(two, "two"))
    refs = sorted(ref for each in lists for ref in each)
    assert refs == [f"Q-2026-{n:04d}" for n in range(1, 41)]  # none twice, none missing
    assert [q.reference for q in await two.questions(limit=100)] == refs


async def test_asking_with_one_key_on_two_stores_at_once_keeps_one_question(
    opener: Opener,
) -> None:
    one, two = await opener.open(), await opener.open()
    asked = [store.add_question(question(), key="activity-1") for store in (one, two, one, two)]
    kept = await asyncio.gather(*asked)
    assert len({q.reference for q in kept}) == 1
    assert await two.questions() == [kept[0]]


async def test_an_answer_added_on_two_stores_at_once_is_kept_once(opener: Opener) -> None:
    one, two = await opener.open(), await opener.open()
    kept = await asyncio.gather(one.add_answer(answer()), two.add_answer(answer()))
    assert kept[0] == kept[1] == answer()
    assert await two.answers("Q-2026-0001") == [answer()]


async def test_choosing_best_on_two_stores_at_once_leaves_one_best(opener: Opener) -> None:
    one, two = await opener.open(), await opener.open()
    for id in ("a1", "a2", "a3"):
        await one.add_answer(answer(id))
    for _ in range(4):
        await asyncio.gather(
            one.set_best("Q-2026-0001", "a1"),
            two.set_best("Q-2026-0001", "a2"),
            two.set_best("Q-2026-0001", "a3"),
        )
        assert sum(a.best for a in await one.answers("Q-2026-0001")) == 1


async def test_helped_pressed_on_two_stores_at_once_counts_each_person_once(
    opener: Opener,
) -> None:
    one, two = await opener.open(), await opener.open()
    await one.add_answer(answer())
    await one.save_entry(entry())
    people = ("u1", "u2", "u3")
    on_answer = [s.add_helped("a1", u) for s in (one, two) for u in people]
    on_entry = [s.add_entry_helped("e1", u) for s in (one, two) for u in people]
    counted = await asyncio.gather(*on_answer, *on_entry)
    assert sorted(counted[:6]) == sorted(counted[6:]) == [False] * 3 + [True] * 3
    kept, kept_entry = await two.answer("a1"), await two.entry("e1")
    assert kept is not None and kept.helped_count == 3
    assert kept_entry is not None and kept_entry.helped_count == 3


async def test_claiming_on_two_stores_at_once_leases_each_nudge_once(opener: Opener) -> None:
    one, two = await opener.open(), await opener.open()
    await one.schedule([nudge(recipient=f"c{n:02d}") for n in range(30)])
    leased: dict[str, list[str]] = {"p1": [], "p2": []}
    for _ in range(30):  # bounded: every round leases at least one
        rounds = await asyncio.gather(
            one.claim_due(NOW, "p1", LEASE, limit=4), two.claim_due(NOW, "p2", LEASE, limit=4)
        )
        if not any(rounds):
            break
        for owner, claimed in zip(("p1", "p2"), rounds, strict=True):
            leased[owner] += [n.id for n in claimed]
    assert not set(leased["p1"]) & set(leased["p2"])
    assert sorted(leased["p1"] + leased["p2"]) == sorted(n.id for n in await one.nudges())
    assert leased["p1"] and leased["p2"]


async def test_a_question_whose_card_moved_is_found_by_the_new_message_only(
    store: CommunityStore,
) -> None:
    kept = await store.add_question(question(), key="k")
    first = await store.update_question(dataclasses.replace(kept, channel_message_id="m-1"))
    moved = await store.update_question(dataclasses.replace(first, channel_message_id="m-2"))
    assert await store.question_by_message("m-1") is None
    assert await store.question_by_message("m-2") == moved


# The search index: another process's changes reach this one's -------------------------------


async def test_an_entry_saved_by_another_process_reaches_this_ones_search(
    opener: Opener, monkeypatch: pytest.MonkeyPatch
) -> None:
    here, there = await opener.open(), await opener.open()
    seconds = [1000.0]  # this process's monotonic clock, moved by hand
    monkeypatch.setattr(knowledge_index, "time", SimpleNamespace(monotonic=lambda: seconds[0]))
    knowledge = knowledge_index.Knowledge()
    await here.save_entry(entry())
    assert [e.id for e, _ in await knowledge.search(here, "share a power app")] == ["e1"]
    rooms = dataclasses.replace(
        entry("e2"),
        question="How do I book a meeting room?",
        answer="Use the room finder in Outlook's calendar.",
        tags=("rooms", "booking"),
    )
    await there.save_entry(rooms)
    assert await knowledge.search(here, "book a meeting room") == []  # read a moment ago
    seconds[0] += knowledge_index.INDEX_FRESH_SECONDS + 1
    found = await knowledge.search(here, "book a meeting room")
    assert [e for e, _ in found] == [rooms]
    await there.save_entry(dataclasses.replace(rooms, retired=True))
    assert await knowledge.search(here, "book a meeting room") == []  # checked as shown


# Seeding: the journey's opener on a new store ----------------------------------------------


async def test_a_new_store_starts_with_the_seeded_communities_and_answers(opener: Opener) -> None:
    journey = opener.journey()
    store = await journey.store()
    try:
        seeded = seed.seed_communities()
        assert seeded, "the seed should hold the strategy's communities"
        assert await store.communities() == sorted(seeded, key=lambda c: (c.name, c.id))
        kept = {e.id: e for e in await store.entries(include_retired=True)}
        assert kept == {e.id: e for e in seed.seed_entries(NOW.date())}
    finally:
        await journey.close()


async def test_seeding_happens_once_and_leaves_the_councils_edits_alone(
    opener: Opener, clock: SettableClock
) -> None:
    first = opener.journey()
    store = await first.store()
    some = (await store.communities())[0]
    await store.save_community(dataclasses.replace(some, name="Renamed by the council"))
    entries = await store.entries()
    await store.save_entry(dataclasses.replace(entries[0], retired=True))
    await first.close()
    clock.advance(dt.timedelta(days=400))
    again = opener.journey()
    store = await again.store()
    try:
        renamed = await store.community(some.id)
        assert renamed is not None and renamed.name == "Renamed by the council"
        assert len(await store.entries()) == len(entries) - 1
        assert len(await store.communities()) == len(seed.seed_communities())
    finally:
        await again.close()


async def test_two_processes_seeding_at_once_keep_one_copy(opener: Opener) -> None:
    one, two = opener.journey(), opener.journey()
    stores = await asyncio.gather(one.store(), two.store())
    try:
        assert len(await stores[0].communities()) == len(seed.seed_communities())
        assert len(await stores[1].entries()) == len(seed.seed_entries(NOW.date()))
    finally:
        await one.close()
        await two.close()


# Personal data: finding, anonymising and removing a person (personal_data.py) -----------


async def test_all_answers_come_from_every_question_and_can_be_rewritten(
    store: CommunityStore,
) -> None:
    q1 = await store.add_question(question(), "k1")
    q2 = await store.add_question(question(), "k2")
    await store.add_answer(answer("a1", q1.reference))
    await store.add_answer(answer("a2", q2.reference, at=NOW + dt.timedelta(seconds=1)))
    await store.add_helped("a1", "u9")
    assert [a.id for a in await store.all_answers()] == ["a1", "a2"]  # not the helped row
    changed = dataclasses.replace(
        (await store.answers(q1.reference))[0], champion_id="s1", champion_name="X", text="T"
    )
    assert await store.replace_answer(changed)
    kept = await store.answer("a1")
    assert kept is not None
    assert (kept.champion_id, kept.champion_name, kept.text) == ("s1", "X", "T")
    assert kept.helped_count == 1  # the rest of the answer is as it was
    assert not await store.replace_answer(dataclasses.replace(changed, id="nobody"))


async def test_a_champion_record_can_be_deleted(store: CommunityStore) -> None:
    await store.save_champion(champion("c|1"))
    await store.save_champion(champion("c|1", "data"))
    assert await store.delete_champion("c|1", "power-platform")
    assert not await store.delete_champion("c|1", "power-platform")
    assert [c.community_id for c in await store.champions(user_id="c|1")] == ["data"]


async def test_helped_marks_are_listed_per_person_and_renamed(store: CommunityStore) -> None:
    q1 = await store.add_question(question(), "k1")
    q2 = await store.add_question(question(), "k2")
    await store.add_answer(answer("a1", q1.reference))
    await store.add_answer(answer("a2", q2.reference))
    await store.save_entry(entry("e1"))
    await store.add_helped("a1", "u|9")
    await store.add_helped("a2", "u|9")
    await store.add_entry_helped("e1", "u|9")
    await store.add_helped("a1", "other")
    found = sorted((kind, target) for kind, target, _ in await store.helped_by("u|9"))
    assert found == [("answer", "a1"), ("answer", "a2"), ("entry", "e1")]
    # Only one question's marks.
    assert await store.rename_people(lambda u: "s9" if u == "u|9" else None, q1.reference) == 1
    assert sorted(t for _, t, _ in await store.helped_by("s9")) == ["a1"]
    # Then all.
    assert await store.rename_people(lambda u: "s9" if u == "u|9" else None) == 2
    assert await store.helped_by("u|9") == []
    assert len(await store.helped_by("s9")) == 3
    assert [t for _, t, _ in await store.helped_by("other")] == ["a1"]
    # Counting once per person still holds under the new id.
    assert not await store.add_helped("a1", "s9")
    kept = await store.answer("a1")
    assert kept is not None and kept.helped_count == 2


async def test_nudges_are_renamed_with_their_ids(store: CommunityStore) -> None:
    await store.schedule(
        [nudge(recipient="c|1"), nudge("Q-2026-0002", "c|1"), nudge(recipient="c2")]
    )
    assert await store.rename_people(lambda u: "s1" if u == "c|1" else None, "Q-2026-0001") == 1
    assert [n.id for n in await store.nudges(recipient_id="s1")] == ["Q-2026-0001:champions:s1"]
    assert await store.rename_people(lambda u: "s1" if u == "c|1" else None) == 1
    assert await store.nudges(recipient_id="c|1") == []
    assert len(await store.nudges(recipient_id="s1")) == 2
    assert len(await store.nudges(recipient_id="c2")) == 1
    assert await store.rename_people(lambda u: "s1" if u == "c|1" else None) == 0


async def test_the_asker_and_words_are_replaced_whoever_saved_last(store: CommunityStore) -> None:
    kept = await store.add_question(question(), "k1")
    assert await store.replace_asker(kept.reference, "s1", "Erased person", "[removed]")
    again = await store.question(kept.reference)
    assert again is not None
    assert (again.asker_id, again.asker_name, again.text) == ("s1", "Erased person", "[removed]")
    assert again.version == kept.version + 1
    assert again.status == kept.status and again.asked_at == kept.asked_at
    assert [q.reference for q in await store.questions(asker_id="s1")] == [kept.reference]
    assert await store.questions(asker_id="u1") == []
    assert not await store.replace_asker(kept.reference, "s1", "Erased person", "[removed]")
    assert not await store.replace_asker("Q-2026-0999", "s1", "X", "Y")
    with pytest.raises(StaleQuestion):  # a save over the version read before is stale
        await store.update_question(dataclasses.replace(kept, text="Changed"))
