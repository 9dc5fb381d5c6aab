"""Fixtures every layer of tests shares."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.support.fake_graph import FakeGraph
from tests.support.graph import provisioned


@pytest.fixture
async def fake() -> AsyncIterator[FakeGraph]:
    """The local Graph-like server, with the bot's SharePoint lists provisioned on it."""
    server = FakeGraph()
    await server.start()
    await (await provisioned(server)).close()
    yield server
    await server.stop()
