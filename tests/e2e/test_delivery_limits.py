"""Proactive messages from the real service keep within Teams' limits, over real HTTP.

The bot's own notifier (CloudAdapter, ChannelPoster, throttle, retries) sends to a local
connector that enforces Teams' limits: it answers 429 with Retry-After when a limit is
exceeded, 403 for people who blocked the bot, and counts every message and duplicate.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.app import CONTEXT
from bot.delivery import CardTooLarge
from bot.journey import JourneyContext
from bot.notifier import Delivered
from tests.e2e.conftest import in_channel
from tests.support.fake_graph import FakeTeamsGraph
from tests.support.graph import connect, provisioned
from tests.support.limited_connector import LimitedConnector, marker_of
from tests.support.teams import TENANT, BotServer, TeamsUser

CHANNEL_ID = "19:triage-channel@thread.tacv2"


@pytest.fixture
async def limited() -> AsyncIterator[LimitedConnector]:
    service = LimitedConnector()
    await service.start()
    yield service
    await service.stop()


@pytest.fixture
def admin(http: aiohttp.ClientSession, bot: BotServer, limited: LimitedConnector) -> TeamsUser:
    return TeamsUser(http, bot, limited)


def context(bot: BotServer) -> JourneyContext:
    assert bot.app is not None
    return bot.app[CONTEXT]


def nudge(marker: str, padding: int = 0) -> dict[str, Any]:
    return {
        "type": "AdaptiveCard",
        "version": "1.5",
        "body": [
            {"type": "TextBlock", "text": "A question is waiting for you.", "wrap": True},
            {"type": "TextBlock", "id": "marker", "text": marker, "isVisible": False},
            {"type": "TextBlock", "text": "x" * padding, "wrap": True},
        ],
    }


async def known_person(bot: BotServer, connector: LimitedConnector, user_id: str) -> str:
    """A person who has a chat with the bot (as the intake journey remembers one)."""
    conversation_id = f"a:personal-{user_id}"
    await context(bot).store.remember_personal_chat(
        user_id,
        {
            "serviceUrl": connector.url,
            "channelId": "msteams",
            "conversation": {
                "id": conversation_id,
                "conversationType": "personal",
                "tenantId": TENANT,
            },
            "bot": {"id": "28:digital-front-door", "name": "Digital Front Door"},
            "user": {"id": f"29:{user_id}"},
        },
    )
    return conversation_id


def markers(connector: LimitedConnector, conversation_id: str) -> list[str]:
    return [marker_of(a) for a in connector.in_conversation(conversation_id)]


async def test_a_burst_of_30_to_one_person_meets_no_429_and_arrives_whole_and_in_order(
    bot: BotServer, limited: LimitedConnector
) -> None:
    chat = await known_person(bot, limited, "aad-ann")
    notifier = context(bot).notifier
    results = await asyncio.gather(
        *(notifier.deliver("aad-ann", nudge(f"n-{i}"), f"burst:{i}") for i in range(30))
    )
    assert results == [Delivered.SENT] * 30
    assert limited.counts.throttled == 0, "the bot kept inside every window"
    assert markers(limited, chat) == [f"n-{i}" for i in range(30)]
    assert limited.counts.duplicates == 0


async def test_a_person_who_blocked_the_bot_is_unreachable_and_others_still_get_theirs(
    bot: BotServer, limited: LimitedConnector
) -> None:
    people = [f"aad-p{i}" for i in range(6)]
    chats = {p: await known_person(bot, limited, p) for p in people}
    limited.blocked.add(chats["aad-p2"])
    notifier = context(bot).notifier
    results = await asyncio.gather(
        *(notifier.deliver(p, nudge(f"to-{p}"), f"block:{p}") for p in people)
    )
    assert dict(zip(people, results, strict=True)) == {
        p: (Delivered.UNREACHABLE if p == "aad-p2" else Delivered.SENT) for p in people
    }
    assert limited.counts.blocked == 1, "403 is not retried"
    for p in people:
        expected = [] if p == "aad-p2" else [f"to-{p}"]
        assert markers(limited, chats[p]) == expected
    assert await notifier.tell("aad-p2", nudge("again"), "block:again") is False


async def test_a_person_who_never_spoke_to_the_bot_gets_a_chat_made(
    bot: BotServer, admin: TeamsUser, limited: LimitedConnector
) -> None:
    notifier = context(bot).notifier
    # Nothing known yet to say where Teams is: no chat, and the key stays unused.
    assert await notifier.deliver("aad-new", nudge("first"), "new:1") == Delivered.NO_CHAT
    await in_channel(admin).say("register triage")
    await context(bot).store.remember_person("aad-new", "29:new-person", "Nia Patel")
    assert await notifier.deliver("aad-new", nudge("first"), "new:1") == Delivered.SENT
    made = "a:created-29:new-person"
    assert limited.created[made]["members"] == [{"id": "29:new-person"}]
    assert limited.created[made]["tenantId"] == TENANT
    assert markers(limited, made) == ["first"]
    remembered = await context(bot).store.personal_chat("aad-new")
    assert remembered is not None and remembered["conversation"]["id"] == made
    # Known from now on: the next message goes to the same chat; a used key sends nothing.
    assert await notifier.deliver("aad-new", nudge("second"), "new:2") == Delivered.SENT
    assert await notifier.deliver("aad-new", nudge("again"), "new:2") == Delivered.ALREADY
    assert markers(limited, made) == ["first", "second"]
    assert len(limited.created) == 1


async def test_someone_known_only_by_their_entra_id_gets_a_chat_too(
    bot: BotServer, admin: TeamsUser, limited: LimitedConnector
) -> None:
    await in_channel(admin).say("register triage")
    notifier = context(bot).notifier
    assert await notifier.deliver("aad-only", nudge("hello"), "aad:1") == Delivered.SENT
    assert markers(limited, "a:created-aad-only") == ["hello"]


async def test_a_blocked_person_gets_no_chat_made(
    bot: BotServer, admin: TeamsUser, limited: LimitedConnector
) -> None:
    await in_channel(admin).say("register triage")
    limited.blocked.add("aad-gone")
    notifier = context(bot).notifier
    assert await notifier.deliver("aad-gone", nudge("hello"), "gone:1") == Delivered.NO_CHAT
    assert await context(bot).store.personal_chat("aad-gone") is None


async def test_a_card_over_80_kb_is_refused_before_anything_is_sent(
    bot: BotServer, limited: LimitedConnector
) -> None:
    chat = await known_person(bot, limited, "aad-ann")
    notifier = context(bot).notifier
    with pytest.raises(CardTooLarge):
        await notifier.deliver("aad-ann", nudge("big", padding=90_000), "big:1")
    assert limited.in_conversation(chat) == []
    # The key was not used: a smaller card under the same key still goes.
    assert await notifier.deliver("aad-ann", nudge("small"), "big:1") == Delivered.SENT


async def test_a_reply_goes_into_the_thread_under_the_channel_message(
    bot: BotServer, admin: TeamsUser, limited: LimitedConnector
) -> None:
    await in_channel(admin).say("register triage")
    notifier = context(bot).notifier
    root = await notifier.post("triage", nudge("root"))
    assert root
    reply = await notifier.post_reply("triage", root, nudge("in the thread"))
    assert reply
    assert markers(limited, f"{CHANNEL_ID};messageid={root}") == ["in the thread"]
    assert await notifier.post_reply("nowhere", root, nudge("x")) is None


async def test_refused_sends_are_retried_until_every_message_arrives_once(
    bot: BotServer, limited: LimitedConnector
) -> None:
    limited.share_429 = 0.3
    people = [f"aad-r{i}" for i in range(20)]
    chats = {p: await known_person(bot, limited, p) for p in people}
    notifier = context(bot).notifier
    results = await asyncio.gather(
        *(notifier.deliver(p, nudge(f"to-{p}"), f"retry:{p}") for p in people)
    )
    assert results == [Delivered.SENT] * 20
    assert limited.counts.injected_429 > 0
    assert all(markers(limited, chats[p]) == [f"to-{p}"] for p in people)
    assert limited.counts.duplicates == 0 and limited.counts.accepted == 20


async def test_tell_goes_the_same_way_but_leaves_people_with_no_chat_to_its_caller(
    bot: BotServer, admin: TeamsUser, limited: LimitedConnector
) -> None:
    await in_channel(admin).say("register triage")
    notifier = context(bot).notifier
    assert await notifier.tell("aad-stranger", nudge("hi"), "tell:1") is False
    assert limited.created == {}, "the triage journey names them in the channel instead"
    chat = await known_person(bot, limited, "aad-ann")
    assert await notifier.tell("aad-ann", nudge("hello"), "tell:2") is True
    assert await notifier.tell("aad-ann", nudge("hello"), "tell:2") is False
    assert markers(limited, chat) == ["hello"]


async def test_the_local_connector_holds_a_bot_to_teams_limits(
    http: aiohttp.ClientSession, limited: LimitedConnector
) -> None:
    """Without the throttle: the 8th message in a second gets 429 with Retry-After."""
    url = f"{limited.url}v3/conversations/a:raw/activities"
    statuses, retry_after = [], []
    for i in range(9):
        async with http.post(url, json={"type": "message", "text": f"m{i}"}) as response:
            statuses.append(response.status)
            retry_after.append(response.headers.get("Retry-After"))
    assert statuses == [200] * 7 + [429, 429]
    # The refused one counts too: the 9th breaks "8 in 2 seconds".
    assert retry_after[7:] == ["1", "2"]
    assert limited.counts.throttled == 2 and limited.counts.accepted == 7
    async with http.post(url, json={"type": "message", "text": "m0"}) as response:
        assert response.status == 429
    limited.blocked.add("a:other")
    other = f"{limited.url}v3/conversations/a:other/activities"
    async with http.post(other, json={"type": "message", "text": "x"}) as response:
        assert response.status == 403


async def test_the_local_connector_counts_a_message_sent_twice(
    http: aiohttp.ClientSession, limited: LimitedConnector
) -> None:
    url = f"{limited.url}v3/conversations/a:dup/activities"
    for text in ("same", "same", "other"):
        async with http.post(url, json={"type": "message", "text": text}) as response:
            assert response.status == 200
    assert limited.counts.duplicates == 1 and limited.counts.per_conversation["a:dup"] == 3


# ---- with Graph: the bot installs itself for the person first

APP = "1c2d3e4f-0000-4000-8000-00000000a9b1"


@pytest.fixture
async def teams_graph() -> AsyncIterator[FakeTeamsGraph]:
    server = FakeTeamsGraph(catalog=frozenset({APP}))
    await server.start()
    await (await provisioned(server)).close()
    yield server
    await server.stop()


@pytest.fixture
async def installing_bot(tmp_path: Path, teams_graph: FakeTeamsGraph) -> AsyncIterator[BotServer]:
    server = BotServer(
        tmp_path / "data",
        {"BOT_STORE": "sharepoint", "TEAMS_APP_ID": APP},
        graph=lambda: connect(teams_graph),
    )
    await server.start()
    yield server
    await server.stop()


async def test_the_app_is_installed_for_the_person_before_their_chat_is_made(
    http: aiohttp.ClientSession,
    installing_bot: BotServer,
    teams_graph: FakeTeamsGraph,
    limited: LimitedConnector,
) -> None:
    await in_channel(TeamsUser(http, installing_bot, limited)).say("register triage")
    teams_graph.people = {"aad-new"}
    notifier = context(installing_bot).notifier
    assert await notifier.deliver("aad-new", nudge("hello"), "install:1") == Delivered.SENT
    assert teams_graph.installed == {"aad-new": {APP}}
    assert markers(limited, "a:created-aad-new") == ["hello"]
    # Someone Graph does not know: nothing is installed, no chat is made, nothing sent.
    assert await notifier.deliver("aad-gone", nudge("hello"), "install:2") == Delivered.NO_CHAT
    assert "a:created-aad-gone" not in limited.created
    assert await context(installing_bot).store.personal_chat("aad-gone") is None


async def test_a_busy_chat_never_turns_a_persons_message_into_an_error(
    bot: BotServer, http: aiohttp.ClientSession, limited: LimitedConnector
) -> None:
    """Cards sent to a person's chat and the bot's replies to them share Teams' limits:
    a reply that meets 429 is sent again after Retry-After, as a card is."""
    ann = TeamsUser(http, bot, limited, user_id="29:aad-ann", name="Ann", aad_object_id="aad-ann")
    await ann.say("help")  # the bot now knows Ann's chat
    notifier = context(bot).notifier
    cards = asyncio.gather(
        *(notifier.deliver("aad-ann", nudge(f"n-{i}"), f"busy:{i}") for i in range(8))
    )
    answers = [await ann.say("help") for _ in range(8)]
    assert await cards == [Delivered.SENT] * 8
    assert all(answers), "every message got its answer"
    nudges = [m for m in markers(limited, ann.conversation_id) if m.startswith("n-")]
    assert nudges == [f"n-{i}" for i in range(8)]
    assert limited.counts.duplicates == 0
