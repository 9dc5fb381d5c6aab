"""Recognition, over real HTTP: the leaderboard (points only for what others confirmed, the
rules in words and from configuration) and each community's monthly digest in its channel,
on the first working day of the month, once."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.domain.communities import Answer, AnswerKind, Question, QuestionStatus
from bot.journeys.communities import recognition
from bot.journeys.communities.ports import CommunityStore
from tests.e2e.communities import (
    all_words,
    bot_mentioned,
    journey_state,
    register_community,
    say_with,
)
from tests.support.teams import BotServer, Connector, TeamsUser, card_of

UTC = dt.UTC
RULES = (
    "You get 10 points when an asker picks your answer as best, and 2 when someone says "
    "it helped them too. Answering alone earns no points."
)
CHANNEL = "19:community-power-platform@thread.tacv2"


async def answered(
    store: CommunityStore,
    community_id: str,
    asked_at: dt.datetime,
    wait: dt.timedelta,
    answers: list[tuple[str, str, bool, int]],  # champion id, name, best, helped by how many
) -> None:
    question = await store.add_question(
        Question(
            reference="",
            asker_id="asker-1",
            asker_name="Lynne Robbins",
            text="How do I do this?",
            community_id=community_id,
            service_area="Housing",
            status=QuestionStatus.OPEN,
            asked_at=asked_at,
            routed_at=asked_at,
        ),
        key=f"{community_id}-{asked_at.isoformat()}",
    )
    question = await store.update_question(
        dataclasses.replace(
            question, status=QuestionStatus.RESOLVED, first_answer_at=asked_at + wait
        )
    )
    for number, (champion_id, name, best, helped) in enumerate(answers):
        answer = await store.add_answer(
            Answer(
                id=f"{question.reference}-{number}",
                question_ref=question.reference,
                champion_id=champion_id,
                champion_name=name,
                text="Like this.",
                kind=AnswerKind.WRITTEN,
                at=asked_at + wait + dt.timedelta(minutes=number),
            )
        )
        if best:
            await store.set_best(question.reference, answer.id)
        for person in range(helped):
            await store.add_helped(answer.id, f"helped-{person}")


@pytest.fixture
async def history(bot: BotServer) -> None:
    """Sam and Adele helped in Power Platform in November; Kim in October and in SharePoint;
    Lee wrote many answers nobody confirmed."""
    async with journey_state(bot) as shared:
        store = await shared.store()
        november = dt.datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
        await answered(
            store,
            "power-platform",
            november,
            dt.timedelta(hours=1),
            [("sam", "Sam Green", True, 2), ("adele", "Adele Vance", False, 0)],
        )
        await answered(
            store,
            "power-platform",
            november + dt.timedelta(days=8),
            dt.timedelta(hours=3),
            [("adele", "Adele Vance", True, 0)] + [("lee", "Lee Gu", False, 0)] * 5,
        )
        await answered(
            store,
            "power-platform",
            dt.datetime(2026, 10, 5, 10, 0, tzinfo=UTC),
            dt.timedelta(hours=2),
            [("kim", "Kim Abercrombie", True, 0)],
        )
        await answered(
            store,
            "sharepoint",
            november,
            dt.timedelta(hours=5),
            [("kim", "Kim Abercrombie", True, 0)],
        )


def lines(card: dict[str, object]) -> list[str]:
    """Each leaderboard line: the text of its runs, joined."""
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("type") == "RichTextBlock":
                found.append("".join(str(i.get("text", "")) for i in node.get("inlines", [])))
            for key, value in node.items():
                if key != "data":
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card)
    return found


def section(card: dict[str, object], title_start: str) -> list[str]:
    """The leaderboard lines under the Medium heading starting with `title_start`."""
    body = card["body"]
    assert isinstance(body, list)
    shown: list[str] = []
    inside = False
    for element in body:
        if element.get("type") == "TextBlock" and element.get("size") == "Medium":
            inside = str(element.get("text", "")).startswith(title_start)
            continue
        if inside:
            shown += lines(element)
    return shown


async def test_the_leaderboard_counts_only_what_others_confirmed(
    alex: TeamsUser, history: None
) -> None:
    card = card_of((await alex.say("leaderboard"))[-1])
    assert RULES in all_words(card)
    assert section(card, "This month") == [
        "1. Sam Green: 14 points (1 best answer, helped 2 others)",
        "2. Adele Vance: 10 points (1 best answer)",
        "3. Kim Abercrombie: 10 points (1 best answer)",
    ]
    assert section(card, "All time")[0] == ("1. Kim Abercrombie: 20 points (2 best answers)")
    assert "Lee Gu" not in all_words(card)  # six answers, none confirmed: no points


async def test_the_leaderboard_for_one_community(alex: TeamsUser, history: None) -> None:
    card = card_of((await alex.say("leaderboard the power platform"))[-1])
    assert "Leaderboard: Power Platform" in all_words(card)
    assert [line.split(":")[0] for line in section(card, "This month")] == [
        "1. Sam Green",
        "2. Adele Vance",
    ]
    assert section(card, "All time")[-1].startswith("3. Kim Abercrombie: 10 points")
    said = str((await alex.say("leaderboard basket weaving"))[-1].get("text"))
    assert "I do not know a community called 'basket weaving'" in said


async def test_in_a_community_channel_the_leaderboard_is_that_communitys(
    alex: TeamsUser, history: None
) -> None:
    channel = await register_community(alex, "SharePoint")
    replies = await say_with(channel, bot_mentioned(channel, "leaderboard"))
    card = card_of(replies[-1])
    assert "Leaderboard: SharePoint" in all_words(card)
    assert section(card, "This month") == ["1. Kim Abercrombie: 10 points (1 best answer)"]


async def test_an_empty_leaderboard_says_so(megan: TeamsUser) -> None:
    card = card_of((await megan.say("leaderboard"))[-1])
    assert "Nobody has points yet." in all_words(card)


@pytest.fixture
async def other_rules(
    tmp_path: Path, http: aiohttp.ClientSession, connector: Connector
) -> AsyncIterator[TeamsUser]:
    server = BotServer(tmp_path / "other", {"COMMUNITY_POINTS": "best_answer=5,helped_too=1"})
    await server.start()
    yield TeamsUser(http, server, connector)
    await server.stop()


async def test_the_points_are_configuration(other_rules: TeamsUser) -> None:
    async with journey_state(other_rules.bot) as shared:
        store = await shared.store()
        await answered(
            store,
            "accessibility",
            dt.datetime(2026, 11, 3, 10, 0, tzinfo=UTC),
            dt.timedelta(hours=1),
            [("sam", "Sam Green", True, 3)],
        )
    card = card_of((await other_rules.say("leaderboard"))[-1])
    assert "You get 5 points when an asker picks your answer as best, and 1 when" in all_words(card)
    assert section(card, "This month") == [
        "1. Sam Green: 8 points (1 best answer, helped 3 others)"
    ]


async def test_the_monthly_digest_goes_once_on_the_first_working_day(
    alex: TeamsUser, bot: BotServer, connector: Connector, history: None
) -> None:
    await register_community(alex, "Power Platform")
    async with journey_state(bot) as shared:
        bot.clock.set(dt.datetime(2026, 11, 30, 16, 0, tzinfo=UTC))  # still November
        assert await recognition.post_monthly_digests(shared) == 0
        bot.clock.set(dt.datetime(2026, 12, 1, 9, 30, tzinfo=UTC))  # Tuesday 1 December
        assert await recognition.post_monthly_digests(shared) == 1  # no other channel yet
        assert await recognition.post_monthly_digests(shared) == 0  # once
    posted = connector.in_conversation(CHANNEL)
    assert len(posted) == 1
    card = card_of(posted[0])
    words = all_words(card)
    assert "Power Platform: how November 2026 went" in words
    facts = {f["title"]: f["value"] for f in card["body"][1]["facts"]}
    assert facts == {
        "Questions answered": "2",  # October's question is not November's
        "Best answers chosen": "2",
        "Typical wait for a first answer": "2 hours",
    }
    assert section(card, "Who helped most") == [
        "1. Sam Green: 14 points (1 best answer, helped 2 others)",
        "2. Adele Vance: 10 points (1 best answer)",
    ]
    assert RULES in words


async def test_the_digest_waits_for_a_working_day_and_never_weeks_late(
    alex: TeamsUser, bot: BotServer, connector: Connector
) -> None:
    await register_community(alex, "Power Platform")
    async with journey_state(bot) as shared:
        bot.clock.set(dt.datetime(2026, 12, 9, 10, 0, tzinfo=UTC))  # over a week late
        assert await recognition.post_monthly_digests(shared) == 0
        bot.clock.set(dt.datetime(2027, 1, 1, 10, 0, tzinfo=UTC))  # New Year's Day
        assert await recognition.post_monthly_digests(shared) == 0
        bot.clock.set(dt.datetime(2027, 1, 2, 10, 0, tzinfo=UTC))  # Saturday
        assert await recognition.post_monthly_digests(shared) == 0
        bot.clock.set(dt.datetime(2027, 1, 4, 9, 0, tzinfo=UTC))  # Monday: the first working day
        assert await recognition.post_monthly_digests(shared) == 1
    card = card_of(connector.in_conversation(CHANNEL)[-1])
    words = all_words(card)
    assert "Power Platform: how December 2026 went" in words
    assert "Nobody earned points this month" in words
