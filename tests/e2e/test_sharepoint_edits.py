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


async def test_admins_are_told_once_in_chat_and_readyz_names_the_item(
    tmp_path: Path, fake: FakeGraph, connector: Connector, http: aiohttp.ClientSession
) -> None:
    data = tmp_path / "data"
    alex = "00000000-0000-0000-0000-0000000000020"  # an admin in local mode
    bot = BotServer(data, {"BOT_STORE": "sharepoint"}, graph=lambda: connect(fake))
    await bot.start()
    admin = TeamsUser(http, bot, connector, aad_object_id=alex)
    try:
        await raise_request(admin)  # the bot now knows the admin's chat
    finally:
        await bot.stop()
    await admin_edits_the_matrix(fake, '{"edited":"by an admin"}')
    for _ in range(2):  # told once, not at every start
        bot = BotServer(data, {"BOT_STORE": "sharepoint"}, graph=lambda: connect(fake))
        await bot.start()
        try:
            async with http.get(f"{bot.url}/readyz") as response:
                ready = await response.json()
            assert response.status == 200
            assert any("DFD Config item 'matrix'" in p for p in ready["config_problems"]), ready
            await asyncio.sleep(0.3)
        finally:
            await bot.stop()
    notices = [
        all_text(card_of(m))
        for m in connector.in_conversation(admin.conversation_id)
        if m.get("attachments")
    ]
    told = [n for n in notices if "A change to the council's settings was not used" in n]
    assert len(told) == 1, notices
    assert "DFD Config item 'matrix'" in told[0]
    assert "last good version" in told[0]
