from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.support.teams import BotServer, Connector, TeamsUser

CHANNEL = {
    "id": "19:triage-channel@thread.tacv2",
    "conversationType": "channel",
    "tenantId": "00000000-0000-0000-0000-0000000000aa",
}


@pytest.fixture
async def connector() -> AsyncIterator[Connector]:
    service = Connector()
    await service.start()
    yield service
    await service.stop()


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[BotServer]:
    server = BotServer(tmp_path / "data")
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def alex(http: aiohttp.ClientSession, bot: BotServer, connector: Connector) -> TeamsUser:
    """The Agents Playground's default user: an admin in local mode."""
    return TeamsUser(http, bot, connector)


@pytest.fixture
def megan(http: aiohttp.ClientSession, bot: BotServer, connector: Connector) -> TeamsUser:
    """An ordinary member of staff, not an admin."""
    return TeamsUser(
        http,
        bot,
        connector,
        user_id="user-id-1",
        name="Megan Bowen",
        aad_object_id="00000000-0000-0000-0000-0000000000021",
    )


def in_channel(user: TeamsUser) -> TeamsUser:
    return TeamsUser(
        user.http,
        user.bot,
        user.connector,
        user.user_id,
        user.name,
        user.aad_object_id,
        conversation={**CHANNEL, "id": CHANNEL["id"] + ";messageid=1700000000000"},
    )
