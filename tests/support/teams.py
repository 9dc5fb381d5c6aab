"""Drive the real service over HTTP the way Teams does, and catch its replies.

`Connector` is a local stand-in for the Bot Connector service at the Activity's
serviceUrl: it records every activity the bot sends. `BotServer` runs the real
aiohttp application on loopback. `TeamsUser` posts Activities to /api/messages.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from bot.app import create_app
from bot.settings import load_settings
from tests.support.clock import SettableClock

TENANT = "00000000-0000-0000-0000-0000000000aa"
# The time the bot's clock shows in these tests, unless a test sets it: references,
# dates and "today" follow it, never the machine's date.
START = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)
YEAR = START.year
BOT = {"id": "28:digital-front-door", "name": "Digital Front Door"}


@dataclass
class Sent:
    conversation_id: str
    activity: dict[str, Any]
    reply_to: str | None
    method: str = "POST"


@dataclass
class Connector:
    sent: list[Sent] = field(default_factory=list)
    url: str = ""
    fail_next: int = 0
    unreachable: set[str] = field(default_factory=set)
    # Chats made with POST /v3/conversations: conversation id -> the parameters sent.
    created: dict[str, dict[str, Any]] = field(default_factory=dict)
    typing: int = 0  # typing indicators the bot sent (not kept as messages)
    # Seconds Teams takes to answer a message it has already received (a slow network).
    answer_after: float = 0.0
    _runner: web.AppRunner | None = None
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_post("/v3/conversations/{cid}/activities", self._post)
        app.router.add_post("/v3/conversations/{cid}/activities/{aid}", self._post)
        app.router.add_put("/v3/conversations/{cid}/activities/{aid}", self._post)
        # A stub: do not wait for half-sent requests from a bot that was stopped mid-send.
        self._runner = web.AppRunner(app, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}/"

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    async def _post(self, request: web.Request) -> web.Response:
        if self.fail_next > 0 or request.match_info["cid"] in self.unreachable:
            self.fail_next = max(0, self.fail_next - 1)
            return web.json_response({"error": {"code": "ServiceError"}}, status=503)
        body = await request.json()
        if isinstance(body, dict) and body.get("type") == "typing":
            # The typing indicator the Agents SDK sends first when a turn takes a while (a
            # busy machine): Teams shows it for a moment, it is no message. Counted only.
            self.typing += 1
            return web.json_response({"id": "typing"})
        self.sent.append(
            Sent(request.match_info["cid"], body, request.match_info.get("aid"), request.method)
        )
        if self.answer_after:
            await asyncio.sleep(self.answer_after)
        return web.json_response({"id": f"msg-{next(self._ids)}"})

    async def _create(self, request: web.Request) -> web.Response:
        """Create (or find) a 1:1 chat: Teams answers with the same id for the same person."""
        body = await request.json()
        members = body.get("members") or []
        if len(members) != 1 or not members[0].get("id"):
            return web.json_response({"error": {"code": "BadArgument"}}, status=400)
        conversation_id = f"a:created-{members[0]['id']}"
        self.created[conversation_id] = body
        return web.json_response({"id": conversation_id})

    def in_conversation(self, conversation_id: str) -> list[dict[str, Any]]:
        """Messages sent to a conversation (not updates of earlier ones)."""
        return [
            s.activity
            for s in self.sent
            if s.conversation_id == conversation_id and s.method == "POST"
        ]

    def updates(self, conversation_id: str) -> list[Sent]:
        """Messages updated in place (PUT), oldest first."""
        return [s for s in self.sent if s.conversation_id == conversation_id and s.method == "PUT"]

    async def wait_for_replies(
        self, conversation_id: str, activity_id: str, timeout: float = 5.0
    ) -> list[dict[str, Any]]:
        """The bot's replies in a turn to one activity (sent with its replyToId)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [
                s.activity
                for s in self.sent
                if s.conversation_id == conversation_id
                and s.method == "POST"
                and s.reply_to == activity_id
            ]
            if found:
                return found
            await asyncio.sleep(0.02)
        raise AssertionError(f"No reply in {conversation_id} to activity {activity_id}")

    async def wait_for(
        self, conversation_id: str, count: int = 1, timeout: float = 5.0
    ) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.in_conversation(conversation_id)
            if len(found) >= count:
                return found
            await asyncio.sleep(0.02)
        raise AssertionError(
            f"Expected {count} message(s) in {conversation_id}, got "
            f"{len(self.in_conversation(conversation_id))}"
        )


class BotServer:
    """The real application on 127.0.0.1, restartable against the same DATA_DIR."""

    def __init__(
        self,
        data_dir: Path,
        env: dict[str, str] | None = None,
        graph: Callable[[], Any] | None = None,
        clock: SettableClock | None = None,
        connections: Any = None,
    ) -> None:
        """`graph` makes a fresh GraphConnection for each start (SharePoint mode)."""
        self.clock = clock or SettableClock(START)
        self.connections = connections  # the bot's own outgoing tokens (m365 mode)
        self.env = {"DATA_DIR": str(data_dir), "HOST": "127.0.0.1", "PORT": "3978", **(env or {})}
        self.graph = graph
        self.url = ""
        self.app: web.Application | None = None
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        graph = self.graph() if self.graph else None
        self.app = create_app(load_settings(self.env), graph, self.clock, self.connections)
        self._runner = web.AppRunner(self.app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()
            self._runner = None

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    async def settled(self, timeout: float = 10.0) -> None:
        """Wait until the work the bot does after its answers (telling people, posting to
        channels) is done: what a test counts next is then not still on its way."""
        from bot.app import CONTEXT

        assert self.app is not None, "the bot is not running"
        tasks = self.app[CONTEXT].tasks
        deadline = time.monotonic() + timeout
        while any(not task.done() for task in tasks):
            assert time.monotonic() < deadline, "The bot's background work did not finish"
            await asyncio.sleep(0.02)


@dataclass
class TeamsUser:
    """One person in Teams. Posts what Teams would post for them."""

    http: aiohttp.ClientSession
    bot: BotServer
    connector: Connector
    user_id: str = "user-id-0"
    name: str = "Alex Wilber"
    aad_object_id: str = "00000000-0000-0000-0000-0000000000020"
    conversation: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.conversation:
            self.conversation = {
                "id": f"a:personal-{self.user_id}",
                "conversationType": "personal",
                "tenantId": TENANT,
            }

    @property
    def conversation_id(self) -> str:
        return str(self.conversation["id"])

    def activity(self, **fields: Any) -> dict[str, Any]:
        # Teams stamps each Activity; a bot in another process (benchmarks) has no test clock.
        clock = getattr(self.bot, "clock", None)
        when = clock.now() if clock is not None else START
        base: dict[str, Any] = {
            "id": str(uuid.uuid4()),
            "timestamp": when.isoformat().replace("+00:00", "Z"),
            "serviceUrl": self.connector.url,
            "channelId": "msteams",
            "from": {"id": self.user_id, "name": self.name, "aadObjectId": self.aad_object_id},
            "conversation": self.conversation,
            "recipient": BOT,
            "channelData": {"tenant": {"id": TENANT}},
            "locale": "en-GB",
        }
        base.update(fields)
        return base

    async def post(self, activity: dict[str, Any]) -> tuple[int, Any]:
        async with self.http.post(f"{self.bot.url}/api/messages", json=activity) as response:
            text = await response.text()
            try:
                body: Any = await response.json(content_type=None) if text else None
            except ValueError:
                body = text
            return response.status, body

    async def say(self, text: str, wait: bool = True) -> list[dict[str, Any]]:
        """Send a message; returns the bot's replies to it."""
        activity = self.activity(type="message", text=text)
        status, _ = await self.post(activity)
        assert status in (200, 201, 202), f"Bot answered HTTP {status} to {text!r}"
        if not wait:
            return []
        # Only the replies to this message: a card sent in the background (a notification)
        # may land in the same chat at the same moment.
        return await self.connector.wait_for_replies(self.conversation_id, activity["id"])

    async def press(
        self, verb: Any, data: Any, inputs: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Press an Action.Execute button: inputs are merged into data, as Teams does."""
        merged = {**(data if isinstance(data, dict) else {}), **(inputs or {})}
        if not isinstance(data, dict):
            merged = data
        value = {
            "action": {"type": "Action.Execute", "verb": verb, "data": merged},
            "trigger": "manual",
        }
        status, body = await self.post(
            self.activity(type="invoke", name="adaptiveCard/action", value=value)
        )
        assert status == 200, f"Invoke answered HTTP {status}: {body}"
        assert isinstance(body, dict), body
        return body


def card_of(activity: dict[str, Any]) -> dict[str, Any]:
    attachments = activity.get("attachments") or []
    assert attachments, f"Expected a card, got text: {activity.get('text')!r}"
    content: dict[str, Any] = attachments[0]["content"]
    return content


def invoke_card(body: dict[str, Any]) -> dict[str, Any]:
    assert body.get("type") == "application/vnd.microsoft.card.adaptive", (
        f"Expected a card back, got {body.get('type')}: {body.get('value')!r}"
    )
    value: dict[str, Any] = body["value"]
    return value


def invoke_message(body: dict[str, Any]) -> str:
    assert body.get("type") == "application/vnd.microsoft.activity.message", body
    return str(body["value"])


def find_action(card: dict[str, Any], title: str) -> dict[str, Any]:
    """The Action.Execute with this title, anywhere in the card."""
    for action in iter_actions(card):
        if action.get("title") == title:
            return action
    titles = [a.get("title") for a in iter_actions(card)]
    raise AssertionError(f"No button {title!r} on the card. Buttons: {titles}")


def iter_actions(node: Any) -> Any:
    if isinstance(node, dict):
        if str(node.get("type", "")).startswith("Action."):
            yield node
        for value in node.values():
            yield from iter_actions(value)
    elif isinstance(node, list):
        for item in node:
            yield from iter_actions(item)


Predicate = Callable[[dict[str, Any]], bool]
