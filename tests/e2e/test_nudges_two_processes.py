"""Two bot processes over one DATA_DIR send 200 due nudges: each exactly once.

Two BotServer apps, each with its own stores over the same files, run the nudge loop's
`run_due` at the same moment, through a connector that holds them to Teams' limits
(together they would go over 50 a second, so some sends wait for Retry-After).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.domain.communities import (
    Champion,
    ChampionStatus,
    Nudge,
    NudgeOutcome,
    NudgeStep,
    Question,
    QuestionStatus,
)
from bot.journeys.communities import nudging
from tests.e2e.communities import register_community
from tests.e2e.nudge_steps import COMMUNITY, COMMUNITY_ID, nudger
from tests.support.limited_connector import LimitedConnector
from tests.support.teams import START, BotServer, TeamsUser

PEOPLE = 200
QUESTIONS = 10


@pytest.fixture
async def connector() -> AsyncIterator[LimitedConnector]:
    service = LimitedConnector()
    await service.start()
    yield service
    await service.stop()


@pytest.fixture
async def bots(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[list[BotServer]]:
    monkeypatch.setattr(nudging, "LOOP_SECONDS", 3600.0)
    servers = [BotServer(tmp_path / "data"), BotServer(tmp_path / "data")]
    for server in servers:
        await server.start()
    yield servers
    for server in servers:
        await server.stop()


async def test_two_processes_send_each_of_200_nudges_exactly_once(
    http: aiohttp.ClientSession, bots: list[BotServer], connector: LimitedConnector
) -> None:
    first, second = bots
    await register_community(TeamsUser(http, first, connector), COMMUNITY)
    nudges = await two_hundred_due(first)

    async with nudger(first) as one, nudger(second) as two:
        sent = await asyncio.gather(
            nudging.run_due(one, "process-one"), nudging.run_due(two, "process-two")
        )
    assert sum(sent) == PEOPLE
    assert all(count > 0 for count in sent), sent  # both took a share

    to_people = Counter(
        s.conversation_id
        for s in connector.sent
        if s.method == "POST" and s.conversation_id.startswith("a:created-")
    )
    assert len(to_people) == PEOPLE
    assert set(to_people.values()) == {1}
    assert connector.counts.duplicates == 0
    async with nudger(second) as shared:
        store = await shared.store()
        outcomes = Counter(n.outcome for n in await store.nudges() if n.id in nudges)
    assert outcomes == {NudgeOutcome.DELIVERED: PEOPLE}

    # Run again from both: nothing is due, nothing more is sent.
    async with nudger(first) as one, nudger(second) as two:
        again = await asyncio.gather(nudging.run_due(one, "p1"), nudging.run_due(two, "p2"))
    assert again == [0, 0]
    assert sum(1 for s in connector.sent if s.conversation_id.startswith("a:created-")) == PEOPLE


async def two_hundred_due(server: BotServer) -> set[str]:
    """200 approved champions who never spoke to the bot, and a nudge due for each."""
    ids: set[str] = set()
    async with nudger(server) as shared:
        store = await shared.store()
        questions = []
        for number in range(QUESTIONS):
            draft = Question(
                reference="",
                asker_id=f"asker-{number}",
                asker_name="Megan Bowen",
                text=f"Question number {number} about Power Automate",
                community_id=COMMUNITY_ID,
                service_area="Housing",
                status=QuestionStatus.OPEN,
                asked_at=START,
                routed_at=START,
            )
            questions.append(await store.add_question(draft, f"load-{number}"))
        rows = []
        for number in range(PEOPLE):
            user_id = f"champion-{number:03d}"
            await store.save_champion(
                Champion(
                    user_id=user_id,
                    community_id=COMMUNITY_ID,
                    name=f"Champion {number:03d}",
                    service_area="Housing",
                    can_help_with="Flows",
                    status=ChampionStatus.APPROVED,
                    volunteered_at=START - dt.timedelta(days=1),
                )
            )
            question = questions[number % QUESTIONS]
            nudge_id = f"{question.reference}:champions:{user_id}"
            ids.add(nudge_id)
            rows.append(
                Nudge(nudge_id, question.reference, NudgeStep.CHAMPIONS, user_id, due_at=START)
            )
        assert await store.schedule(rows) == PEOPLE
    return ids
