"""The thread relay: the question's thread in the community channel, and the asker's chat.

A reply in the thread under a question's card reaches the asker in their own chat, even
one who never spoke to the bot; the asker's reply goes back into the thread. Only the
asker can reply as the asker, and the thread's other messages still work as before.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.domain.communities import Question, QuestionStatus
from bot.journeys.communities import nudging, question_cards, relay
from tests.e2e.communities import action_with_verb, bot_mentioned, community_channel, say_with
from tests.e2e.nudge_steps import (
    COMMUNITY,
    COMMUNITY_ID,
    ask_and_route,
    chats_of,
    community_with,
    nudger,
    person,
    wait_until,
)
from tests.support.limited_connector import LimitedConnector
from tests.support.teams import START, BotServer, TeamsUser, card_of, invoke_message

QUESTION = "How do I stop a flow sending the same email twice?"
TYPED = "Have you tried **a condition** first? <b>Not bold</b> [a link](http://evil.example)"


@pytest.fixture
async def connector() -> AsyncIterator[LimitedConnector]:
    service = LimitedConnector()
    await service.start()
    yield service
    await service.stop()


@pytest.fixture
async def bot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[BotServer]:
    monkeypatch.setattr(nudging, "LOOP_SECONDS", 3600.0)
    server = BotServer(tmp_path / "data")
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def alex(http: aiohttp.ClientSession, bot: BotServer, connector: LimitedConnector) -> TeamsUser:
    return TeamsUser(http, bot, connector)


def in_thread(user: TeamsUser, root: str) -> TeamsUser:
    """The person in the thread under that message in the community's channel."""
    channel = community_channel(user, COMMUNITY)
    channel_id = channel.conversation_id.partition(";messageid=")[0]
    return TeamsUser(
        user.http,
        user.bot,
        user.connector,
        user.user_id,
        user.name,
        user.aad_object_id,
        conversation={**channel.conversation, "id": f"{channel_id};messageid={root}"},
    )


async def question(bot: BotServer, reference: str) -> Question:
    async with nudger(bot) as shared:
        found = await (await shared.store()).question(reference)
    assert found is not None
    return found


def relayed(user: TeamsUser, reference: str) -> list[dict[str, Any]]:
    """Relay cards about the question in the person's chat (or the chat made for them)."""
    return [
        card_of(sent.activity)
        for sent in user.connector.sent
        if sent.method == "POST"
        and sent.conversation_id in chats_of(user)
        and "A reply to your question" in str(sent.activity.get("attachments"))
        and reference in str(sent.activity.get("attachments"))
    ]


def thread_posts(connector: LimitedConnector, conversation_id: str) -> list[dict[str, Any]]:
    return [s.activity for s in connector.sent if s.conversation_id == conversation_id]


async def setup(alex: TeamsUser) -> tuple[TeamsUser, TeamsUser, str, str]:
    lead = person(alex, 1, "Lee Gu")
    adele = person(alex, 10, "Adele Vance")
    asker = person(alex, 2, "Nestor Wilke")
    await community_with(alex, lead, [adele])
    reference = await ask_and_route(asker, QUESTION)
    root = (await question(alex.bot, reference)).channel_message_id
    assert root
    return adele, asker, reference, root


async def test_a_reply_in_the_thread_reaches_the_asker_and_theirs_the_thread(
    alex: TeamsUser, connector: LimitedConnector
) -> None:
    adele, asker, reference, root = await setup(alex)
    thread = in_thread(adele, root)

    replies = await say_with(thread, bot_mentioned(thread, TYPED))
    assert replies[0]["text"] == "I have sent your reply to Nestor Wilke."
    await wait_until(lambda: bool(relayed(asker, reference)))
    (card,) = relayed(asker, reference)
    words = str(card)
    assert "Adele Vance" in words
    shown = [
        inline["text"]
        for element in card["body"]
        if element.get("type") == "Container"
        for item in element["items"]
        if item.get("type") == "RichTextBlock"
        for inline in item["inlines"]
    ]
    # As typed: Markdown is not drawn, and the link cannot be followed.
    assert any("**a condition**" in text and "<b>Not bold</b>" in text for text in shown), shown
    assert not any("http://evil.example" in text for text in shown), shown
    reply_box = [i for i in _inputs(card) if i["id"] == relay.REPLY_TEXT]
    assert reply_box and reply_box[0]["label"] == "Your reply"
    send = action_with_verb(card, relay.REPLY)
    assert send["data"] == {"verb": relay.REPLY, "reference": reference}

    said = invoke_message(
        await asker.press(relay.REPLY, send["data"], {relay.REPLY_TEXT: "Thanks, that **worked**"})
    )
    assert said == relay.SENT
    posted = [a for a in thread_posts(connector, thread.conversation_id) if a.get("attachments")]
    assert len(posted) == 1
    words = str(posted[0]["attachments"][0]["content"])
    assert "Nestor Wilke" in words and "Thanks, that **worked**" in words


async def test_an_asker_who_never_spoke_to_the_bot_gets_a_chat_made(
    alex: TeamsUser, bot: BotServer, connector: LimitedConnector
) -> None:
    lead = person(alex, 1, "Lee Gu")
    adele = person(alex, 10, "Adele Vance")
    await community_with(alex, lead, [adele])
    stranger = person(alex, 3, "Pradeep Gupta")  # has never chatted with the bot
    async with nudger(bot) as shared:
        store = await shared.store()
        draft = Question(
            reference="",
            asker_id=stranger.aad_object_id,
            asker_name=stranger.name,
            text=QUESTION,
            community_id=COMMUNITY_ID,
            service_area="Housing",
            status=QuestionStatus.OPEN,
            asked_at=START,
            routed_at=START,
        )
        kept = await store.add_question(draft, "imported-1")
        community = await store.community(COMMUNITY_ID)
        card = question_cards.champion_card(kept, community, kept.asker_name)
        root = await shared.ctx.notifier.post(shared.channel_purpose(COMMUNITY_ID), card)
        assert root
        await store.update_question(dataclasses.replace(kept, channel_message_id=root))

    thread = in_thread(adele, root)
    replies = await say_with(thread, bot_mentioned(thread, "Can you send me the flow?"))
    assert replies[0]["text"] == "I have sent your reply to Pradeep Gupta."
    await wait_until(lambda: bool(relayed(stranger, kept.reference)))
    assert any(stranger.aad_object_id in made for made in connector.created)

    # The same Activity again (Teams retries): the asker is told once.
    again = {**bot_mentioned(thread, "And the trigger?"), "id": "same-activity"}
    for _ in range(2):
        status, _ = await thread.post(again)  # answered once the relay is done
        assert status in (200, 201, 202)
    assert len(relayed(stranger, kept.reference)) == 2


async def test_only_the_asker_can_reply_as_the_asker(
    alex: TeamsUser, connector: LimitedConnector
) -> None:
    adele, asker, reference, root = await setup(alex)
    data = {"verb": relay.REPLY, "reference": reference}
    said = invoke_message(await adele.press(relay.REPLY, data, {relay.REPLY_TEXT: "Forged"}))
    assert said == "Only the person who asked this question can reply here."
    said = invoke_message(await asker.press(relay.REPLY, data, {relay.REPLY_TEXT: "   "}))
    assert said == "Type your reply before you send it."
    long = "a" * (relay.MAX_REPLY + 1)
    said = invoke_message(await asker.press(relay.REPLY, data, {relay.REPLY_TEXT: long}))
    assert "too long" in said and "Nothing has been sent" in said
    said = invoke_message(
        await asker.press(
            relay.REPLY, {"verb": relay.REPLY, "reference": f"Q-{START.year}-9999"}, {}
        )
    )
    assert said == "That question is not one I know. Nothing has changed."
    thread_id = in_thread(adele, root).conversation_id
    assert not [a for a in thread_posts(connector, thread_id) if a.get("attachments")]


async def test_the_thread_still_takes_commands_and_other_threads_are_not_relayed(
    alex: TeamsUser,
) -> None:
    adele, asker, reference, root = await setup(alex)
    # A command typed in the question's thread is that command, not a reply to relay.
    thread = in_thread(adele, root)
    (said,) = await say_with(thread, bot_mentioned(thread, "questions"))
    assert reference in str(card_of(said))  # the channel's waiting questions
    # The asker writing in their own thread is not sent back to them.
    mine = in_thread(asker, root)
    (said,) = await say_with(mine, bot_mentioned(mine, "Any ideas?"))
    assert said["text"] == relay.OWN_THREAD
    # A thread under some other message is not a question's thread.
    other = in_thread(adele, "1700000000999")
    said = (await say_with(other, bot_mentioned(other, "thanks all")))[0]["text"]
    assert said.startswith("Sorry, I did not understand that.")
    assert not relayed(asker, reference)


def _inputs(node: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if str(node.get("type", "")).startswith("Input."):
            found.append(node)
        for value in node.values():
            found.extend(_inputs(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(_inputs(item))
    return found


async def test_a_long_thread_reply_says_where_to_read_the_rest(
    alex: TeamsUser, connector: LimitedConnector
) -> None:
    adele, asker, reference, root = await setup(alex)
    thread = in_thread(adele, root)
    long_reply = "Open the flow and add a condition. " * 300  # about 10,500 characters
    await say_with(thread, bot_mentioned(thread, long_reply))
    await wait_until(lambda: bool(relayed(asker, reference)))
    (card,) = relayed(asker, reference)
    assert f"This shows the first {relay.MAX_SHOWN:,} characters." in str(card)
