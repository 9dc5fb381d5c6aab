"""Shared steps for the nudge and thread relay tests: people, a community, a question.

The nudge loop runs every few seconds in the real app; tests move the settable clock and
then call `run_due` themselves, through `nudger(server)`: the journey's own shared store
and settings, opened a second time over the same DATA_DIR, as a second process would.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from bot.app import CONTEXT
from bot.domain.communities import Nudge, NudgeStep
from bot.journeys.communities import nudging
from bot.journeys.communities.config import CommunityConfig
from bot.journeys.communities.shared import NAME, Shared
from tests.e2e.communities import (
    action_with_verb,
    community_channel,
    name_lead,
    register_community,
    volunteer_and_approve,
)
from tests.support.teams import BotServer, TeamsUser, card_of, invoke_card

COMMUNITY = "Power Platform"
COMMUNITY_ID = "power-platform"
NONE_FOUND = "question.none_found"
ROUTE = "question.route"
SEND = "answer.send"
SEEN = "nudge.seen"


def person(admin: TeamsUser, number: int, name: str) -> TeamsUser:
    """Someone else in the same tenant, talking to the same bot."""
    return TeamsUser(
        admin.http,
        admin.bot,
        admin.connector,
        user_id=f"29:person-{number}",
        name=name,
        aad_object_id=f"00000000-0000-0000-0000-{number:012d}",
    )


def on(user: TeamsUser, bot: BotServer) -> TeamsUser:
    """The same person, talking to another bot process."""
    return TeamsUser(
        user.http,
        bot,
        user.connector,
        user.user_id,
        user.name,
        user.aad_object_id,
        conversation=user.conversation,
    )


async def community_with(
    admin: TeamsUser, lead: TeamsUser, champions: list[TeamsUser], area: str = "Housing"
) -> TeamsUser:
    """Power Platform's channel registered, `lead` named, the champions approved.
    Returns the admin in the community's channel."""
    channel = await register_community(admin, COMMUNITY)
    said = await name_lead(admin, COMMUNITY, lead)
    assert lead.name in said, said
    for champion in champions:
        await volunteer_and_approve(champion, lead, COMMUNITY, service_area=area)
    return channel


async def ask_and_route(asker: TeamsUser, text: str, area: str = "Housing") -> str:
    """`ask`, past the answers already given, sent to Power Platform. Its reference."""
    card = card_of((await asker.say(f"ask {text}"))[-1])
    try:
        none = action_with_verb(card, NONE_FOUND)
    except AssertionError:
        pass
    else:
        card = invoke_card(await asker.press(NONE_FOUND, none["data"]))
    route = action_with_verb(card, ROUTE)
    inputs = {"community": COMMUNITY_ID, "service_area": area}
    invoke_card(await asker.press(ROUTE, route["data"], inputs))
    return str(route["data"]["reference"])


@asynccontextmanager
async def nudger(server: BotServer) -> AsyncIterator[Shared]:
    """The communities journey's shared parts for that server's app, on a store of its own."""
    assert server.app is not None
    ctx = server.app[CONTEXT]
    config = ctx.journey_settings.get(NAME)
    shared = Shared(ctx, config if isinstance(config, CommunityConfig) else CommunityConfig())
    try:
        yield shared
    finally:
        await shared.close()


async def run_due(server: BotServer) -> int:
    """What the nudge loop does every few seconds, now, at the clock's time.

    The bot's own background sends (the first wave, after `ask`) finish first: one still
    running when a test moves the clock would lease what falls due, and this run would
    find nothing to send."""
    await server.settled()
    async with nudger(server) as shared:
        return await nudging.run_due(shared, "test-run")


async def nudges_of(server: BotServer, reference: str) -> list[Nudge]:
    async with nudger(server) as shared:
        return await (await shared.store()).nudges(reference)


def due_times(nudges: list[Nudge]) -> dict[NudgeStep, set[Any]]:
    found: dict[NudgeStep, set[Any]] = {}
    for nudge in nudges:
        found.setdefault(nudge.step, set()).add(nudge.due_at)
    return found


def cards_to(user: TeamsUser, reference: str) -> list[dict[str, Any]]:
    """The cards about this question in the person's own chat (or the chat made for them)."""
    found = []
    for sent in user.connector.sent:
        if sent.method != "POST" or sent.conversation_id not in chats_of(user):
            continue
        for attachment in sent.activity.get("attachments") or []:
            content = attachment.get("content") or {}
            if reference in str(content.get("fallbackText", "")):
                found.append(content)
    return found


def chats_of(user: TeamsUser) -> set[str]:
    ids = {user.conversation_id}
    for made in user.connector.created:
        if made.endswith(user.user_id) or made.endswith(user.aad_object_id):
            ids.add(made)
    return ids


async def wait_until(check: Any, timeout: float = 5.0) -> None:
    """For what the app does after answering (sending in the background), not for time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        await asyncio.sleep(0.02)
    assert check(), "It did not happen in time"


def channel_of(admin: TeamsUser) -> TeamsUser:
    return community_channel(admin, COMMUNITY)
