"""Reference numbers on Azure Storage (Azurite): conditional updates, never a duplicate."""

from __future__ import annotations

import asyncio

from bot.azure_state.account import AzureState
from bot.azure_state.references import ReferenceCounter


async def test_numbers_start_at_one_and_count_up_per_year(azure_state: AzureState) -> None:
    counter = ReferenceCounter(await azure_state.table("references"))
    assert [await counter.next_number(2031) for _ in range(3)] == [1, 2, 3]
    assert await counter.next_number(2032) == 1
    assert await counter.last(2031) == 3
    assert await counter.last(2040) == 0


async def test_two_hundred_from_two_clients_ten_at_a_time_never_share_a_number(
    azure_state: AzureState, azurite: object
) -> None:
    other = AzureState(azure_state.settings)
    try:
        one = ReferenceCounter(await azure_state.table("references"))
        two = ReferenceCounter(await other.table("references"))

        async def twenty(counter: ReferenceCounter) -> list[int]:
            return [await counter.next_number(2031) for _ in range(20)]

        lists = await asyncio.gather(*(twenty(counter) for _ in range(5) for counter in (one, two)))
        numbers = [n for each in lists for n in each]
    finally:
        await other.close()
    assert sorted(numbers) == list(range(1, 201))


async def test_the_floor_only_ever_rises(azure_state: AzureState) -> None:
    counter = ReferenceCounter(await azure_state.table("references"))
    await counter.raise_floor(2031, 40)
    assert await counter.next_number(2031) == 41
    await counter.raise_floor(2031, 10)
    assert await counter.next_number(2031) == 42
