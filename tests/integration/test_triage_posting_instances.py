"""Two instances posting waiting requests to the IT triage channel at once: each card once."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path
from typing import Any

from bot.journeys.triage.posting import TRIAGE, TriagePoster
from bot.store.sqlite import SqliteStore
from tests.integration.test_store_contract import NOW, new_request
from tests.support.clock import SettableClock

CHANNEL = {"conversation": {"id": "19:triage@thread.tacv2"}, "serviceUrl": "http://127.0.0.1:9"}


class Channel:
    """The triage channel as both instances' notifiers reach it: it counts every card."""

    def __init__(self) -> None:
        self.cards: Counter[str] = Counter()
        self.fail_next = 0

    async def post(self, purpose: str, card: dict[str, Any]) -> str | None:
        assert purpose == TRIAGE
        await asyncio.sleep(0.005)  # Teams takes a moment: the other instance runs meanwhile
        if self.fail_next:
            self.fail_next -= 1
            raise ConnectionError("Teams did not answer")
        self.cards[card["reference"]] += 1
        return f"message-{card['reference']}"


async def card_for(request: Any) -> dict[str, Any]:
    return {"reference": request.reference}


async def two_instances(tmp_path: Path) -> tuple[list[SqliteStore], SettableClock]:
    clock = SettableClock(NOW)
    stores = [SqliteStore(tmp_path / "shared.sqlite3", clock) for _ in range(2)]
    for store in stores:
        await store.open()
    await stores[0].register_channel(TRIAGE, CHANNEL, "admin-1")
    return stores, clock


async def test_two_instances_posting_at_once_post_each_request_once(tmp_path: Path) -> None:
    stores, _ = await two_instances(tmp_path)
    added = [await stores[0].add(new_request(f"u{n}")) for n in range(30)]
    channel = Channel()
    posters = [TriagePoster(s, s, channel, card_for, s) for s in stores]  # type: ignore[arg-type]
    try:
        counts = await asyncio.gather(*(p.post_waiting() for p in posters))
        assert sum(counts) == 30
        assert channel.cards == Counter({r.reference: 1 for r in added})
        assert await stores[1].awaiting_triage_post() == []
    finally:
        for store in stores:
            await store.close()


async def test_a_post_that_failed_is_posted_by_the_next_run_on_either_instance(
    tmp_path: Path,
) -> None:
    stores, _ = await two_instances(tmp_path)
    request = await stores[0].add(new_request("u1"))
    channel = Channel()
    channel.fail_next = 1
    one, two = (TriagePoster(s, s, channel, card_for, s) for s in stores)  # type: ignore[arg-type]
    try:
        assert await one.post_waiting() == 0  # Teams failed: the claim is given back
        assert await two.post_waiting() == 1
        assert channel.cards == Counter({request.reference: 1})
    finally:
        for store in stores:
            await store.close()
