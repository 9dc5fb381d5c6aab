"""Fixtures every layer of tests shares."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from bot.azure_state.account import AzureState
from bot.azure_state.settings import StateSettings
from tests.support.azurite import Azurite, new_prefix
from tests.support.azurite import start as start_azurite
from tests.support.fake_graph import FakeGraph
from tests.support.graph import provisioned


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under pytest-xdist (scripts/test), the browser tests share one worker: two headless
    Chromiums and Playgrounds at once would only slow each other down on a small machine."""
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.xdist_group("browser"))


@pytest.fixture
async def fake() -> AsyncIterator[FakeGraph]:
    """The local Graph-like server, with the bot's SharePoint lists provisioned on it."""
    server = FakeGraph()
    await server.start()
    await (await provisioned(server)).close()
    yield server
    await server.stop()


@pytest.fixture(scope="session")
def azurite() -> Iterator[Azurite]:
    """Azurite (the Azure Storage emulator) for the whole session, on loopback ports."""
    emulator = start_azurite()
    yield emulator
    emulator.stop()


@pytest.fixture
async def azure_state(azurite: Azurite) -> AsyncIterator[AzureState]:
    """An AzureState on Azurite with a STATE_PREFIX of this test's own."""
    state = AzureState(
        StateSettings(
            kind="azure", connection_string=azurite.connection_string, prefix=new_prefix()
        )
    )
    yield state
    await state.close()
