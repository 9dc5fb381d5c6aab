"""Contract renewals: each system's owner is told, some months before the contract ends,
with a button to start an early engagement. Once per contract end date, across restarts;
an owner who cannot be told is the admins' to tell.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.app import CONTEXT
from bot.journeys.procurement.admin import run_renewals
from bot.journeys.procurement.config import ProcurementConfig
from bot.journeys.procurement.shared import NAME, Shared
from tests.support.cards import all_text, assert_cards_ok, find_inputs
from tests.support.teams import (
    START,
    BotServer,
    Connector,
    TeamsUser,
    card_of,
    find_action,
    invoke_card,
    invoke_message,
)

# Grace Bennett owns Respond (complaints) in the sample catalogue: its contract ends on
# 31 December 2026, so with one month's notice she is told from 1 December.
GRACE = "00000000-0000-0000-0000-000000000104"
DECEMBER = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
ONE_MONTH = {"PROCUREMENT_RENEWAL_MONTHS": "1"}


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[BotServer]:
    server = BotServer(tmp_path / "data", ONE_MONTH)
    await server.start()
    yield server
    await server.stop()


def grace_of(alex: TeamsUser) -> TeamsUser:
    return TeamsUser(alex.http, alex.bot, alex.connector, "user-id-grace", "Grace Bennett", GRACE)


async def run(bot: BotServer) -> int:
    """What the renewal loop does every hour, now, at the clock's time."""
    assert bot.app is not None
    ctx = bot.app[CONTEXT]
    config = ctx.journey_settings.get(NAME)
    shared = Shared(ctx, config if isinstance(config, ProcurementConfig) else ProcurementConfig())
    try:
        told = await run_renewals(shared)
    finally:
        await shared.close()
    await bot.settled()
    return told


def reminders(connector: Connector, conversation_id: str) -> list[dict[str, object]]:
    return [
        card_of(a)
        for a in connector.in_conversation(conversation_id)
        if a.get("attachments") and "contract is ending" in all_text(card_of(a))
    ]


async def test_the_owner_is_told_once_across_two_restarts(
    bot: BotServer, alex: TeamsUser, connector: Connector
) -> None:
    grace = grace_of(alex)
    await grace.say("help")  # her chat with the bot is known
    assert await run(bot) == 0  # 25 November: Respond ends in more than a month

    bot.clock.set(DECEMBER)
    assert await run(bot) == 1
    told = reminders(connector, grace.conversation_id)
    assert len(told) == 1
    text = all_text(told[0])
    assert "Respond" in text and "31 December 2026" in text
    assert_cards_ok(told)

    for _ in range(2):
        await bot.restart()
        assert await run(bot) == 0
    assert len(reminders(connector, grace.conversation_id)) == 1
    # Nobody else was told: the other contracts end later than a month from now.
    assert {s.conversation_id for s in connector.sent} == {grace.conversation_id}
    assert not connector.created


async def test_a_new_contract_end_date_is_told_again(
    bot: BotServer, alex: TeamsUser, connector: Connector
) -> None:
    grace = grace_of(alex)
    await grace.say("help")
    bot.clock.set(DECEMBER)
    assert await run(bot) == 1

    csv = (
        "Id,System,Owner,Owner Entra id,Contract end\n"
        f"respond-complaints,Respond,Grace Bennett,{GRACE},2026-12-20\n"
    )
    assert "1 system imported" in all_text(
        card_of((await alex.say(f"import catalogue\n{csv}"))[-1])
    )
    assert await run(bot) == 1
    assert await run(bot) == 0
    told = reminders(connector, grace.conversation_id)
    assert len(told) == 2 and "20 December 2026" in all_text(told[-1])


async def test_the_button_opens_the_start_card_with_the_system_filled_in(
    bot: BotServer, alex: TeamsUser, megan: TeamsUser, connector: Connector
) -> None:
    grace = grace_of(alex)
    await grace.say("help")
    bot.clock.set(DECEMBER)
    await run(bot)
    button = find_action(
        reminders(connector, grace.conversation_id)[0], "Start an early engagement"
    )

    card = invoke_card(await grace.press(button["verb"], button["data"]))

    values = {i["id"]: i.get("value") for i in find_inputs(card)}
    assert values["system_name"] == "Respond"
    assert values["buy"] == "renewal"
    assert "complaints" in str(values["need"])
    # An admin may start it for her; someone else may not.
    assert invoke_card(await alex.press(button["verb"], button["data"]))
    refused = invoke_message(await megan.press(button["verb"], button["data"]))
    assert "Only the system's owner or an admin" in refused


@pytest.mark.parametrize(
    ("data", "said"),
    [
        ({"entry": "no-such-system"}, "no longer in the application catalogue"),
        ({"entry": ""}, "did not say which system"),
        ({"entry": 42}, "did not say which system"),
        ({"entry": "x" * 300}, "did not say which system"),
        ({}, "did not say which system"),
    ],
)
async def test_bad_button_data_gets_a_plain_answer(
    alex: TeamsUser, data: dict[str, object], said: str
) -> None:
    assert said in invoke_message(await alex.press("renewal.start", data))


async def test_admins_are_told_once_when_the_owner_cannot_be(
    bot: BotServer, alex: TeamsUser, connector: Connector
) -> None:
    await alex.say("help")
    csv = (
        "Id,System,Owner,Owner Entra id,Contract end\n"
        "old-crm,Old CRM,Someone who left,,2026-12-10\n"
    )
    await alex.say(f"import catalogue\n{csv}")
    bot.clock.set(DECEMBER)

    assert await run(bot) == 1
    assert await run(bot) == 0
    await bot.restart()
    assert await run(bot) == 0
    told = reminders(connector, alex.conversation_id)
    assert len(told) == 1
    text = all_text(told[0])
    assert "owner was not told" in text and "Old CRM" in text
    assert "does not give its owner's Microsoft 365 account" in text


async def test_an_owner_with_no_chat_is_left_to_the_admins(
    tmp_path: Path, connector: Connector
) -> None:
    """No chat with the owner is known and none can be made (no channel to make it
    from): the admins are told, once."""
    server = BotServer(tmp_path / "other", ONE_MONTH)
    await server.start()
    try:
        async with aiohttp.ClientSession() as http:
            alex = TeamsUser(http, server, connector)
            await alex.say("help")
            csv = (
                "Id,System,Owner,Owner Entra id,Contract end\n"
                "tascomi,Tascomi,Sam Lee,00000000-0000-0000-0000-000000000999,2026-12-10\n"
            )
            await alex.say(f"import catalogue\n{csv}")
            server.clock.set(START + dt.timedelta(days=6))
            assert await run(server) == 1
            told = reminders(connector, alex.conversation_id)
            assert len(told) == 1 and "could not reach its owner" in all_text(told[0])
            # The bot now knows where Teams is (it wrote to Alex), so next time a chat with
            # the owner is made and they are told; the admins are not told again.
            assert await run(server) == 1
            assert "a:created-00000000-0000-0000-0000-000000000999" in connector.created
            assert await run(server) == 0
            assert len(reminders(connector, alex.conversation_id)) == 1
    finally:
        await server.stop()


async def test_admins_are_not_asked_to_chase_the_made_up_owners_of_sample_data(
    tmp_path: Path, connector: Connector
) -> None:
    """Local mode's sample catalogue has owners who do not exist: when they cannot be
    told, the admins are not sent a card for each sample contract."""
    server = BotServer(tmp_path / "sample", ONE_MONTH)
    await server.start()
    try:
        async with aiohttp.ClientSession() as http:
            alex = TeamsUser(http, server, connector)
            server.clock.set(DECEMBER)
            await alex.say("help")  # Alex, an admin, has a chat with the bot
            assert await run(server) == 0  # no chat with Grace, and none can be made
            assert await run(server) == 0
            assert reminders(connector, alex.conversation_id) == []
    finally:
        await server.stop()
