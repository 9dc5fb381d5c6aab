"""References follow the bot's clock: the year's first request on 1 January is number 1."""

from __future__ import annotations

import datetime as dt

from tests.e2e.journey import raise_request
from tests.support.cards import all_text
from tests.support.teams import YEAR, TeamsUser


async def test_the_first_request_of_a_new_year_is_number_one(
    alex: TeamsUser, megan: TeamsUser
) -> None:
    clock = alex.bot.clock
    clock.set(dt.datetime(YEAR, 12, 31, 23, 59, 59, tzinfo=dt.UTC))
    last_of_year = all_text(await raise_request(alex))
    assert f"Your reference is DR-{YEAR}-0001" in last_of_year
    clock.set(dt.datetime(YEAR + 1, 1, 1, 0, 0, 0, tzinfo=dt.UTC))
    first_of_next = all_text(await raise_request(megan))
    assert f"Your reference is DR-{YEAR + 1}-0001" in first_of_next
    mine = all_text((await alex.say(f"status DR-{YEAR}-0001"))[-1]["attachments"][0]["content"])
    assert f"DR-{YEAR}-0001" in mine and "Book garden waste collections online" in mine
