"""The bot in SharePoint mode while people edit its lists by hand."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import aiohttp
from msgraph.generated.models.field_value_set import FieldValueSet

from tests.e2e.journey import raise_request
from tests.support.cards import all_text
from tests.support.fake_graph import FakeGraph
from tests.support.graph import connect
from tests.support.teams import BotServer, Connector, TeamsUser, card_of

CONFIG = "DFD Config"


def member_of_staff(
    http: aiohttp.ClientSession, bot: BotServer, connector: Connector, n: int
) -> TeamsUser:
    return TeamsUser(
        http,
        bot,
        connector,
        user_id=f"user-{n}",
        name=f"Person {n}",
        aad_object_id=f"00000000-0000-0000-0000-{n:012d}",
    )


async def admin_edits_the_matrix(fake: FakeGraph, value_json: str) -> None:
    """Through Graph, as the list view does."""
    item = next(i for i in fake.list_items(CONFIG) if i["ConfigKey"] == "matrix")
    graph = connect(fake)
    try:
        await (
            graph.client.sites.by_site_id(graph.site_id)
            .lists.by_list_id(CONFIG)
            .items.by_list_item_id(str(item["id"]))
            .fields.patch(FieldValueSet(additional_data={"ValueJson": value_json}))
        )
    finally:
        await graph.close()


async def test_after_a_malformed_matrix_edit_staff_still_get_a_reference(
    tmp_path: Path, fake: FakeGraph, connector: Connector, http: aiohttp.ClientSession
) -> None:
    data = tmp_path / "data"
    bot = BotServer(data, {"BOT_STORE": "sharepoint"}, graph=lambda: connect(fake))
    await bot.start()
    try:
        first = all_text(await raise_request(member_of_staff(http, bot, connector, 1)))
        assert re.search(r"Your reference is DR-\d{4}-0001", first)
    finally:
        await bot.stop()

    await admin_edits_the_matrix(fake, '{"edited":"by an admin"}')

    bot = BotServer(data, {"BOT_STORE": "sharepoint"}, graph=lambda: connect(fake))
    await bot.start()
    try:
        second = all_text(await raise_request(member_of_staff(http, bot, connector, 2)))
        assert "Sorry" not in second
        assert re.search(r"Your reference is DR-\d{4}-0002", second), second
    finally:
        await bot.stop()


def notices_told(connector: Connector, admin: TeamsUser) -> list[str]:
    """The config-problem notices in the admin's chat."""
    notices = [
        all_text(card_of(m))
        for m in connector.in_conversation(admin.conversation_id)
        if m.get("attachments")
    ]
    return [n for n in notices if "A change to the council's settings was not used" in n]


async def until_told(connector: Connector, admin: TeamsUser, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not notices_told(connector, admin):
        assert asyncio.get_running_loop().time() < deadline, "The admin was never told"
        await asyncio.sleep(0.02)


async def an_admin_who_has_chatted(
    data: Path, fake: FakeGraph, connector: Connector, http: aiohttp.ClientSession
) -> TeamsUser:
    alex = "00000000-0000-0000-0000-0000000000020"  # an admin in local mode
    bot = BotServer(data, {"BOT_STORE": "sharepoint"}, graph=lambda: connect(fake))
    await bot.start()
    admin = TeamsUser(http, bot, connector, aad_object_id=alex)
    try:
        await raise_request(admin)  # the bot now knows the admin's chat
    finally:
        await bot.stop()
    return admin


async def test_admins_are_told_once_in_chat_and_readyz_names_the_item(
    tmp_path: Path, fake: FakeGraph, connector: Connector, http: aiohttp.ClientSession
) -> None:
    data = tmp_path / "data"
    admin = await an_admin_who_has_chatted(data, fake, connector, http)
    await admin_edits_the_matrix(fake, '{"edited":"by an admin"}')
    for _ in range(2):  # told once, not at every start
        bot = BotServer(data, {"BOT_STORE": "sharepoint"}, graph=lambda: connect(fake))
        await bot.start()
        try:
            async with http.get(f"{bot.url}/readyz") as response:
                ready = await response.json()
            assert response.status == 200
            assert any("DFD Config item 'matrix'" in p for p in ready["config_problems"]), ready
            await until_told(connector, admin)
            await bot.settled()
        finally:
            await bot.stop()
    told = notices_told(connector, admin)
    assert len(told) == 1, told
    assert "DFD Config item 'matrix'" in told[0]
    assert "last good version" in told[0]


async def test_a_notice_on_its_way_when_the_bot_stops_is_not_sent_again(
    tmp_path: Path, fake: FakeGraph, connector: Connector, http: aiohttp.ClientSession
) -> None:
    """Teams has the card but has not answered yet when the bot is stopped (a deployment
    swap): the send is let finish, so the next start does not send it a second time."""
    data = tmp_path / "data"
    admin = await an_admin_who_has_chatted(data, fake, connector, http)
    await admin_edits_the_matrix(fake, '{"edited":"by an admin"}')
    connector.answer_after = 0.5
    bot = BotServer(data, {"BOT_STORE": "sharepoint"}, graph=lambda: connect(fake))
    await bot.start()
    try:
        await until_told(connector, admin)  # Teams has it; its answer is 0.5 s away
    finally:
        await bot.stop()
    connector.answer_after = 0.0
    bot = BotServer(data, {"BOT_STORE": "sharepoint"}, graph=lambda: connect(fake))
    await bot.start()
    try:
        async with http.get(f"{bot.url}/readyz") as response:
            assert "config_problems" in await response.json()
        await bot.settled()
    finally:
        await bot.stop()
    assert len(notices_told(connector, admin)) == 1
