"""Shared steps for the communities journey's end-to-end tests, over real HTTP.

Each community gets a channel of its own in these tests (`community_channel`). The lead
of a seeded community is nobody until an admin names one, so the admins decide on
volunteers until then.

- `register_community(user, name)`: `register community <name>` typed in that community's
  channel (with the bot @mentioned, as Teams sends it); returns the person in that channel.
- `name_lead(admin, name, lead)`: `community lead <name> @lead`, the lead named by a mention.
- `volunteer(user, communities, ...)`: the volunteer card filled in and sent.
- `volunteer_and_approve(user, lead, community)`: volunteer, then the lead (or an admin)
  presses Approve on the card the bot sent them.

Other helpers may add functions at the END of this file.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import AsyncIterator
from typing import Any

from bot.app import CONTEXT
from bot.journeys.communities.config import CommunityConfig
from bot.journeys.communities.shared import NAME, Shared
from tests.support.teams import (
    BOT,
    TENANT,
    BotServer,
    TeamsUser,
    card_of,
    invoke_card,
    invoke_message,
)

VOLUNTEER = "champion.volunteer"  # sends the volunteer card
APPROVE = "champion.approve"
DECLINE = "champion.decline"
GOOD_HELP = "Excel, Forms and Power Automate flows"


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def community_channel(user: TeamsUser, community_name: str) -> TeamsUser:
    """The same person, in the Teams channel kept for this community in the tests."""
    conversation = {
        "id": f"19:community-{slug(community_name)}@thread.tacv2;messageid=1700000000000",
        "conversationType": "channel",
        "tenantId": TENANT,
    }
    return TeamsUser(
        user.http,
        user.bot,
        user.connector,
        user.user_id,
        user.name,
        user.aad_object_id,
        conversation=conversation,
    )


def bot_mentioned(user: TeamsUser, text: str) -> dict[str, Any]:
    """A channel message to the bot: Teams puts the @mention in the text and the entities."""
    mention = f"<at>{BOT['name']}</at>"
    return user.activity(
        type="message",
        text=f"{mention} {text}",
        entities=[{"type": "mention", "text": mention, "mentioned": BOT}],
    )


async def say_with(user: TeamsUser, activity: dict[str, Any]) -> list[dict[str, Any]]:
    before = len(user.connector.in_conversation(user.conversation_id))
    status, _ = await user.post(activity)
    assert status in (200, 201, 202), f"Bot answered HTTP {status}"
    found = await user.connector.wait_for(user.conversation_id, before + 1)
    return found[before:]


async def say_in_channel(channel_user: TeamsUser, text: str) -> str:
    """Type to the bot in a channel (with the @mention); the text of its first reply."""
    replies = await say_with(channel_user, bot_mentioned(channel_user, text))
    return str(replies[0].get("text") or "")


async def register_community(lead_or_admin: TeamsUser, community_name: str) -> TeamsUser:
    """`register community <name>` in that community's channel. Returns the person there."""
    channel = community_channel(lead_or_admin, community_name)
    said = await say_in_channel(channel, f"register community {community_name}")
    assert "This channel is now for" in said, said
    return channel


def mention_of(person: TeamsUser) -> dict[str, Any]:
    """An @mention entity as Teams sends it, with the person's Entra object id."""
    return {
        "type": "mention",
        "text": f"<at>{person.name}</at>",
        "mentioned": {
            "id": person.user_id,
            "name": person.name,
            "aadObjectId": person.aad_object_id,
        },
    }


async def name_lead(admin: TeamsUser, community_name: str, lead: TeamsUser) -> str:
    """`community lead <name> @lead` in the admin's chat; the bot's answer."""
    text = f"community lead {community_name} <at>{lead.name}</at>"
    activity = admin.activity(type="message", text=text, entities=[mention_of(lead)])
    replies = await say_with(admin, activity)
    return str(replies[0].get("text") or "")


def _actions(node: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if str(node.get("type", "")).startswith("Action."):
            found.append(node)
        for key, value in node.items():
            if key != "data":
                found.extend(_actions(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(_actions(item))
    return found


def _inputs(node: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if str(node.get("type", "")).startswith("Input."):
            found.append(node)
        for key, value in node.items():
            if key != "data":
                found.extend(_inputs(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(_inputs(item))
    return found


def action_with_verb(card: dict[str, Any], verb: str) -> dict[str, Any]:
    for action in _actions(card):
        if action.get("verb") == verb and action.get("type") == "Action.Execute":
            return action
    raise AssertionError(
        f"No {verb} button on the card: {[a.get('title') for a in _actions(card)]}"
    )


def community_choice(card: dict[str, Any], community: str) -> str:
    """The value of the community picked by its name (or id) on the volunteer card."""
    for element in _inputs(card):
        if element.get("id") != "communities":
            continue
        for choice in element.get("choices") or []:
            if community.lower() in (str(choice["title"]).lower(), str(choice["value"]).lower()):
                return str(choice["value"])
    raise AssertionError(f"No community {community!r} to pick on the volunteer card")


async def volunteer_card(user: TeamsUser) -> dict[str, Any]:
    return card_of((await user.say("volunteer"))[-1])


async def volunteer(
    user: TeamsUser,
    communities: list[str],
    service_area: str = "Housing",
    can_help_with: str = GOOD_HELP,
) -> dict[str, Any]:
    """Fill in and send the volunteer card; the raw invoke answer."""
    card = await volunteer_card(user)
    picked = ",".join(community_choice(card, name) for name in communities)
    action = action_with_verb(card, VOLUNTEER)
    inputs = {"communities": picked, "serviceArea": service_area, "canHelpWith": can_help_with}
    return await user.press(VOLUNTEER, action["data"], inputs)


def decision_cards(user: TeamsUser, volunteer_id: str) -> list[tuple[dict[str, Any], str]]:
    """Approve buttons sent anywhere for this volunteer: (button, conversation id)."""
    found = []
    for sent in user.connector.sent:
        for attachment in sent.activity.get("attachments") or []:
            for action in _actions(attachment.get("content")):
                data = action.get("data") or {}
                if action.get("verb") == APPROVE and data.get("volunteer") == volunteer_id:
                    found.append((action, sent.conversation_id))
    return found


async def wait_for_decision_button(
    user: TeamsUser, volunteer_id: str, community_id: str, timeout: float = 5.0
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for action, _ in decision_cards(user, volunteer_id):
            if action["data"].get("community") == community_id:
                return action
        await asyncio.sleep(0.02)
    raise AssertionError(f"No approve card for {volunteer_id} in {community_id}")


async def volunteer_and_approve(
    user: TeamsUser,
    lead: TeamsUser,
    community: str,
    service_area: str = "Housing",
    can_help_with: str = GOOD_HELP,
) -> str:
    """`user` volunteers for `community` (a name or id) and `lead` approves. Returns the
    community's id."""
    await lead.say("champion")  # the bot now knows the lead's chat, to send the card to
    card = await volunteer_card(user)
    community_id = community_choice(card, community)
    action = action_with_verb(card, VOLUNTEER)
    inputs = {
        "communities": community_id,
        "serviceArea": service_area,
        "canHelpWith": can_help_with,
    }
    await user.press(VOLUNTEER, action["data"], inputs)
    button = await wait_for_decision_button(user, user.aad_object_id or user.user_id, community_id)
    said = answer_text(await lead.press(APPROVE, button["data"]))
    assert "approved" in said.lower(), said
    return community_id


def answer_text(body: dict[str, Any]) -> str:
    """The words of an invoke's answer: a message, or every text on the card sent back."""
    if body.get("type") == "application/vnd.microsoft.activity.message":
        return invoke_message(body)
    return all_words(invoke_card(body))


def all_words(node: Any) -> str:
    """Every text on a card (TextBlocks, TextRuns, facts, button titles), in order."""
    found: list[str] = []
    if isinstance(node, dict):
        for key in ("text", "title", "label"):
            if isinstance(node.get(key), str):
                found.append(node[key])
        if "type" not in node and isinstance(node.get("value"), str):
            found.append(node["value"])  # a fact's value
        for key, value in node.items():
            if key != "data":
                found.append(all_words(value))
    elif isinstance(node, list):
        found += [all_words(item) for item in node]
    return " ".join(part for part in found if part)


# ---- Asking and answering --------------------------------------------------------------

ASK = "question.ask"
FOUND = "question.found"
NONE_FOUND = "question.none_found"
ROUTE = "question.route"
SEND_ANSWER = "answer.send"
CLAIM = "question.claim"
BEST = "answer.best"
NONE_HELPED = "answer.none_helped"
HELPED = "answer.helped"


async def ask(user: TeamsUser, question: str) -> dict[str, Any]:
    """`ask <question>` in the person's chat: the card the bot answers with."""
    return card_of((await user.say(f"ask {question}"))[-1])


async def send_to_community(
    user: TeamsUser, card: dict[str, Any], community_id: str = "", service_area: str = "Housing"
) -> dict[str, Any]:
    """From the answers card ("None of these") or the routing card: send the question to a
    community (the suggested one unless named). The invoke answer."""
    if any(a.get("verb") == NONE_FOUND for a in _actions(card)):
        found = await user.press(NONE_FOUND, action_with_verb(card, NONE_FOUND)["data"])
        assert found.get("type") == "application/vnd.microsoft.card.adaptive", found
        card = found["value"]
    action = action_with_verb(card, ROUTE)
    if not community_id:
        picker = next(i for i in _inputs(card) if i.get("id") == "community")
        community_id = str(picker.get("value") or "")
    inputs = {"community": community_id, "service_area": service_area}
    return await user.press(ROUTE, action["data"], inputs)


def question_reference(card: dict[str, Any]) -> str:
    """The question a card's buttons name."""
    for action in _actions(card):
        reference = (action.get("data") or {}).get("reference")
        if reference:
            return str(reference)
    raise AssertionError("No question named on the card")


def cards_in(user: TeamsUser, conversation_id: str) -> list[dict[str, Any]]:
    """Every card sent to a conversation, updates included, oldest first."""
    found = []
    for sent in user.connector.sent:
        if sent.conversation_id.split(";messageid=")[0] == conversation_id.split(";messageid=")[0]:
            for attachment in sent.activity.get("attachments") or []:
                found.append(attachment["content"])
    return found


async def wait_for_card(
    user: TeamsUser,
    conversation_id: str,
    verb: str,
    data_key: str = "",
    value: str = "",
    timeout: float = 5.0,
) -> dict[str, Any]:
    """The newest card in that conversation with a `verb` button (whose data[data_key] is
    value, if given)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for content in reversed(cards_in(user, conversation_id)):
            for action in _actions(content):
                data = action.get("data") or {}
                if action.get("verb") == verb and (not data_key or data.get(data_key) == value):
                    return content
        await asyncio.sleep(0.02)
    raise AssertionError(f"No card with a {verb} button in {conversation_id}")


@contextlib.asynccontextmanager
async def journey_state(bot: BotServer) -> AsyncIterator[Shared]:
    """The running service's communities store and settings, to look inside and to run
    its loops' work now (the loops themselves wait minutes between runs)."""
    assert bot.app is not None
    ctx = bot.app[CONTEXT]
    config = ctx.journey_settings.get(NAME)
    shared = Shared(ctx, config if isinstance(config, CommunityConfig) else CommunityConfig())
    try:
        yield shared
    finally:
        await shared.close()
