"""The retention job runs itself: once a day, from RETENTION_RUN_HOUR, on one instance
only, not again after a restart the same day, and a second run finds nothing to do. What
it did is recorded as counts, never who. Admins can see the periods and run it now."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.journeys.privacy import retention_job
from tests.support.cards import all_text, assert_cards_ok
from tests.support.clock import SettableClock
from tests.support.teams import START, BotServer, Connector, TeamsUser, card_of


@pytest.fixture
def quick_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    """The job's loop wakes every 50 ms instead of every few minutes."""
    monkeypatch.setattr(retention_job, "FIRST_RUN_SECONDS", 0.0)
    monkeypatch.setattr(retention_job, "LOOP_SECONDS", 0.05)


@pytest.fixture
async def two_bots(tmp_path: Path) -> AsyncIterator[tuple[BotServer, BotServer]]:
    """Two instances sharing one DATA_DIR and one clock, as two processes would."""
    clock = SettableClock(START)
    first = BotServer(tmp_path / "data", clock=clock)
    second = BotServer(tmp_path / "data", clock=clock)
    await first.start()
    await second.start()
    yield first, second
    await second.stop()
    await first.stop()


def runs(bot: BotServer) -> list[tuple[str, dict[str, int]]]:
    path = bot.env["DATA_DIR"] + "/digital-front-door.sqlite3"
    with sqlite3.connect(path) as db:
        found = db.execute(
            "SELECT key, owner_id, data FROM records WHERE kind = 'retention.run' ORDER BY seq"
        ).fetchall()
    assert all(owner == "" for _, owner, _ in found), "a run belongs to nobody"
    return [(key, json.loads(data)["counts"]) for key, _, data in found]


async def until_runs(bot: BotServer, count: int, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while len(runs(bot)) < count:
        assert time.monotonic() < deadline, f"Expected {count} run(s), got {runs(bot)}"
        await asyncio.sleep(0.02)


def passes(caplog: pytest.LogCaptureFixture) -> int:
    """How many passes the job made (a pass whose record was already kept counts too)."""
    return sum(r.getMessage().startswith("The retention job ran") for r in caplog.records)


async def some_loops() -> None:
    """Long enough for every running loop to have woken several times."""
    await asyncio.sleep(0.4)


@pytest.mark.usefixtures("quick_loop")
async def test_it_runs_once_a_day_and_a_second_run_changes_nothing(
    bot: BotServer,
    http: aiohttp.ClientSession,
    connector: Connector,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger=retention_job.__name__)
    megan = TeamsUser(http, bot, connector, "user-id-1", "Megan Bowen", "aad-megan-0001")
    await until_runs(bot, 1)
    await some_loops()
    assert [key for key, _ in runs(bot)] == ["2026-11-25"]
    await megan.say("feedback")  # a form started and never sent
    bot.clock.advance(dt.timedelta(days=91))
    await until_runs(bot, 2)
    key, counts = runs(bot)[1]
    assert key == "2027-02-24" and counts["drafts"] == 1
    bot.clock.advance(dt.timedelta(days=1))
    await until_runs(bot, 3)
    await some_loops()
    assert len(runs(bot)) == 3 and passes(caplog) == 3, "once a day"
    assert sum(runs(bot)[2][1].values()) == 0, "the second run finds nothing to do"
    for _, counts in runs(bot):
        assert all(isinstance(n, int) for n in counts.values())


@pytest.mark.usefixtures("quick_loop")
async def test_it_waits_for_its_hour(tmp_path: Path) -> None:
    # 01:59 in London in winter is 01:59 UTC.
    clock = SettableClock(dt.datetime(2026, 12, 1, 1, 59, tzinfo=dt.UTC))
    bot = BotServer(tmp_path / "data", env={"RETENTION_RUN_HOUR": "2"}, clock=clock)
    await bot.start()
    try:
        await some_loops()
        assert runs(bot) == []
        clock.set(dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC))
        await until_runs(bot, 1)
        assert runs(bot)[0][0] == "2026-12-01"
    finally:
        await bot.stop()


@pytest.mark.usefixtures("quick_loop")
async def test_two_instances_run_it_once(
    two_bots: tuple[BotServer, BotServer], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=retention_job.__name__)
    first, second = two_bots
    await until_runs(first, 1)
    await some_loops()
    assert [key for key, _ in runs(first)] == ["2026-11-25"]
    first.clock.advance(dt.timedelta(days=1))
    await until_runs(second, 2)
    await some_loops()
    assert [key for key, _ in runs(second)] == ["2026-11-25", "2026-11-26"]
    assert passes(caplog) == 2, "one instance ran each day's pass, the other none"


@pytest.mark.usefixtures("quick_loop")
async def test_a_restart_the_same_day_does_not_run_it_again(
    bot: BotServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=retention_job.__name__)
    await until_runs(bot, 1)
    bot.clock.advance(dt.timedelta(hours=3))
    await bot.restart()
    await some_loops()
    assert len(runs(bot)) == 1 and passes(caplog) == 1
    bot.clock.advance(dt.timedelta(hours=12))  # the next day, 01:00: before its hour
    await some_loops()
    assert len(runs(bot)) == 1
    bot.clock.advance(dt.timedelta(hours=1))
    await until_runs(bot, 2)


async def test_admins_see_the_periods_and_the_last_run_and_can_run_it_now(
    alex: TeamsUser, megan: TeamsUser
) -> None:
    card = card_of((await alex.say("retention"))[-1])
    text = all_text(card)
    assert "How long Digital Front Door keeps things" in text
    assert "Forms started and not sent" in text and "Kept for 90 days, then deleted." in text
    assert "Kept for 6 years, then anonymised." in text
    assert "Limitation Act 1980" in text, "each period's reason is given"
    assert_cards_ok([card])
    await megan.say("feedback")
    alex.bot.clock.advance(dt.timedelta(days=100))
    ran = card_of((await alex.say("run retention now"))[-1])
    assert "Forms started and not sent" in all_text(ran)
    assert_cards_ok([ran])
    again = card_of((await alex.say("run retention now"))[-1])
    assert "Nothing was past its period" in all_text(again)
    shown = all_text(card_of((await alex.say("retention"))[-1]))
    assert "It ran at 10:00 on 5 March 2027." in shown
    assert "Nothing was past its period." in shown
    for typed in ("retention", "run retention now"):
        refused = (await megan.say(typed))[-1]
        assert "Only a Digital Front Door admin" in refused["text"], typed
    assert len(runs(alex.bot)) == 2, "megan's tries ran nothing (nor did the loop, not yet)"
