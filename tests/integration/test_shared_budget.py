"""SharePoint's write budget shared by every instance (STATE_STORE=azure), on Azurite.

Each instance is a `SharedBudget` on its own AzureState with the same STATE_PREFIX, as two
processes would be. Time is a number that moves only when a budget sleeps on it, so a
test spends minutes without waiting them.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.azure_state.account import AzureState
from bot.azure_state.budget import SPAN, WINDOW_SECONDS, BudgetBusy, SharedBudget
from bot.backends import open_sharepoint_on_azure
from tests.integration.test_store_contract import NOW
from tests.support.clock import SettableClock
from tests.support.fake_graph import FakeGraph
from tests.support.graph import connect, provisioned


class Moment:
    """Seconds that move only when someone sleeps on them (shared by every budget)."""

    def __init__(self) -> None:
        self.now = 1000.0  # the start of window 500

    def time(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


class Instance:
    """One instance's budget, noting the time of the pass that granted each take."""

    def __init__(self, budget_of: SharedBudget | None, moment: Moment) -> None:
        self.moment = moment
        self.seen = 0.0
        self.granted: list[tuple[float, int]] = []  # (time the take was checked at, units)
        self.budget = budget_of

    def now(self) -> float:
        self.seen = self.moment.now
        return self.seen

    async def take(self, units: int) -> float:
        assert self.budget is not None
        waited = await self.budget.take(units)
        self.granted.append((self.seen, units))  # takes of one budget go one at a time
        return waited


@pytest.fixture
async def other(azure_state: AzureState) -> AsyncIterator[AzureState]:
    """A second instance's account: its own clients, the same prefix."""
    account = AzureState(azure_state.settings)
    yield account
    await account.close()


async def instance(
    account: AzureState, moment: Moment, per_minute: int, tries: int = 100
) -> Instance:
    made = Instance(None, moment)
    table = await account.table("budget")
    made.budget = SharedBudget(table, per_minute, made.now, moment.sleep, tries=tries)
    return made


def busiest_minute(granted: list[tuple[float, int]]) -> int:
    return max(sum(u for t, u in granted if start <= t < start + 60) for start, _ in granted)


async def test_two_instances_taking_at_once_never_spend_more_than_the_minute_allows(
    azure_state: AzureState, other: AzureState
) -> None:
    """100 units a minute between them; each asks for 105 in takes of 7, three at a time:
    more than two minutes' worth, so they wait, and no 60 seconds see more than 100."""
    moment = Moment()
    one = await instance(azure_state, moment, 100)
    two = await instance(other, moment, 100)

    async def fifteen(who: Instance) -> None:
        for _ in range(5):
            await who.take(7)

    await asyncio.gather(*(fifteen(who) for who in (one, two) for _ in range(3)))
    granted = sorted(one.granted + two.granted)
    assert sum(u for _, u in granted) == 210
    assert len(one.granted) == len(two.granted) == 15
    assert busiest_minute(granted) <= 100
    assert moment.now - 1000.0 >= 2 * 60, "three minutes' worth of units took over two"
    # Each instance alone would have given its own 100 in the first minute.
    assert sum(u for t, u in granted if t < 1060) <= 100


async def test_a_take_waits_for_room_when_another_instance_spent_the_minute(
    azure_state: AzureState, other: AzureState
) -> None:
    moment = Moment()
    one = await instance(azure_state, moment, 100)
    two = await instance(other, moment, 100)
    assert await one.take(100) == 0
    assert one.budget is not None and two.budget is not None
    assert await two.budget.used() == 100, "the other instance sees what was spent"
    waited = await two.take(10)
    # Window 500 counts until window 500 + SPAN begins: 62 s after it began.
    assert waited == pytest.approx(SPAN * WINDOW_SECONDS, abs=0.01)
    assert moment.now >= 1000.0 + 60
    assert await one.budget.used() == 10, "the first minute's units have left the count"
    assert await one.take(90) == 0, "the rest of this minute is there at once"
    assert await two.take(1) > 0


async def test_a_take_bigger_than_the_budget_waits_for_an_empty_minute_then_goes_alone(
    azure_state: AzureState,
) -> None:
    moment = Moment()
    one = await instance(azure_state, moment, 10)
    assert await one.take(4) == 0
    assert await one.take(40) >= 60
    assert one.budget is not None and await one.budget.used() == 40
    assert await one.take(-3) > 0, "nothing fits after a take bigger than the budget"
    with pytest.raises(ValueError, match="at least 1 unit"):
        SharedBudget(await azure_state.table("budget"), 0)


async def test_a_storm_of_takes_from_eight_instances_settles_every_unit_once(
    azure_state: AzureState, other: AzureState
) -> None:
    """Eight budgets (four on each account) each take 1 unit ten times, all at once: their
    conditional writes meet, are retried, and every unit is counted exactly once."""
    moment = Moment()
    budgets = [await instance(a, moment, 10_000) for a in (azure_state, other) for _ in range(4)]

    async def ten(who: Instance) -> None:
        for _ in range(10):
            await who.take(1)

    await asyncio.gather(*(ten(who) for who in budgets))
    assert all(b.budget is not None for b in budgets)
    conflicts = sum(b.budget.conflicts for b in budgets if b.budget is not None)
    assert conflicts > 0, "the takes did meet"
    assert budgets[0].budget is not None and await budgets[0].budget.used() == 80


async def test_a_storm_is_bounded_a_take_that_keeps_losing_gives_up(
    azure_state: AzureState, other: AzureState
) -> None:
    """With one try each, those whose write met another's give up with BudgetBusy (the
    writer tries again later) and spend nothing; every unit given out is counted once."""
    moment = Moment()
    budgets = [
        await instance(a, moment, 10_000, tries=1) for a in (azure_state, other) for _ in range(4)
    ]

    async def five(who: Instance) -> list[object]:
        outcomes: list[object] = []
        for _ in range(5):
            try:
                outcomes.append(await who.take(1))
            except BudgetBusy as busy:
                outcomes.append(busy)
        return outcomes

    results = [o for each in await asyncio.gather(*(five(b) for b in budgets)) for o in each]
    given = sum(1 for o in results if not isinstance(o, BudgetBusy))
    assert 0 < given < 40, "some were granted, some gave up"
    assert budgets[0].budget is not None and await budgets[0].budget.used() == given


async def test_with_state_on_azure_every_instance_s_writer_takes_from_one_budget(
    azure_state: AzureState,
) -> None:
    fake = FakeGraph()
    await fake.start()
    try:
        await (await provisioned(fake)).close()
        clock = SettableClock(NOW)
        stores = [
            await open_sharepoint_on_azure(AzureState(azure_state.settings), clock, connect(fake))
            for _ in range(2)
        ]
        try:
            one, two = (store.budget for store in stores)
            assert isinstance(one, SharedBudget) and isinstance(two, SharedBudget)
            await one.take(30)
            assert await two.used() == 30
        finally:
            for store in stores:
                await store.close()  # closes its AzureState too
    finally:
        await fake.stop()
