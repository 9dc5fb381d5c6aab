"""The door of /api/messages: what is checked before the Agents SDK sees an Activity.

In order: the web page it came from (if any), the content type, the size and shape of
the JSON, the token (m365 mode), the tenant, and where replies would go. Each refusal
is a plain JSON answer with its HTTP status; nothing refused is processed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pydantic
from aiohttp import web
from microsoft_agents.activity import Activity
from microsoft_agents.hosting.core import ClaimsIdentity

from bot.reply_hosts import ReplyHosts
from bot.settings import Settings
from bot.tokens import TokenRefused, TokenValidator

logger = logging.getLogger(__name__)

MAX_DEPTH = 32  # Activities nest a few levels; card data a few more
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def refusal(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def too_deep(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether JSON nests deeper than `limit`, found without recursion."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(node, dict):
            stack.extend((child, depth + 1) for child in node.values())
        elif isinstance(node, list):
            stack.extend((child, depth + 1) for child in node)
    return False


def parse_activity(raw: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw)
    except RecursionError:
        raise Refused(400, "The JSON is nested too deeply.") from None
    except (ValueError, UnicodeDecodeError):
        raise Refused(400, "The body must be a JSON Activity.") from None
    if not isinstance(body, dict) or not isinstance(body.get("type"), str):
        raise Refused(400, "The body must be a JSON object with a string 'type'.")
    if too_deep(body):
        raise Refused(400, f"The JSON is nested too deeply (more than {MAX_DEPTH} levels).")
    sender = body.get("from")
    if sender is not None and not (
        isinstance(sender, dict) and isinstance(sender.get("id"), str) and sender["id"].strip()
    ):
        raise Refused(400, "The Activity must say who sent it (from.id).")
    try:
        # Checked here so that a malformed Activity is a plain 400, not an error in the log.
        Activity.model_validate(body)
    except pydantic.ValidationError:
        raise Refused(400, "The Activity does not follow the Activity schema.") from None
    return body


def tenant_of(activity: dict[str, Any]) -> str:
    channel_data = activity.get("channelData")
    tenant = channel_data.get("tenant") if isinstance(channel_data, dict) else None
    found = tenant.get("id") if isinstance(tenant, dict) else None
    if not found:
        conversation = activity.get("conversation")
        found = conversation.get("tenantId") if isinstance(conversation, dict) else None
    return found.lower() if isinstance(found, str) else ""


@dataclass
class Door:
    settings: Settings
    reply_hosts: ReplyHosts
    tokens: TokenValidator | None  # None in local (anonymous, loopback-only) mode

    async def let_in(self, request: web.Request) -> tuple[dict[str, Any], ClaimsIdentity]:
        """The Activity and who sent it, or Refused."""
        origin = request.headers.get("Origin")
        if origin is not None and origin.rstrip("/").lower() not in self.settings.allowed_origins:
            raise Refused(403, "Requests from web pages are not accepted.")
        if request.content_type != "application/json":
            raise Refused(415, "The body must be JSON, sent as application/json.")
        activity = parse_activity(await request.read())
        identity = await self._caller(request, activity)
        tenants = {t.lower() for t in self.settings.allowed_tenants}
        if self.tokens is not None and tenants and tenant_of(activity) not in tenants:
            raise Refused(403, "This bot does not serve that tenant.")
        if not self.reply_hosts.allows(activity.get("serviceUrl")):
            raise Refused(403, "Replies to that serviceUrl are not allowed.")
        return activity, identity

    async def _caller(self, request: web.Request, activity: dict[str, Any]) -> ClaimsIdentity:
        if self.tokens is None:
            return ClaimsIdentity()  # local mode: anonymous, and only on loopback
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Refused(401, "Invalid token or authentication failed.")
        try:
            caller = await self.tokens.check(
                token.strip(),
                str(activity.get("serviceUrl", "")),
                str(activity.get("channelId", "")),
            )
        except TokenRefused as refused:
            logger.warning("Refused an Activity: %s", refused)
            raise Refused(401, "Invalid token or authentication failed.") from None
        return ClaimsIdentity(caller.claims, authentication_type="Bearer", security_token=token)


def guarded(door: Door, handler: Handler) -> Handler:
    """Runs `handler` only for Activities the door lets in."""
    identity_key = "claims_identity"  # where the SDK's adapter reads the caller from

    async def checked(request: web.Request) -> web.StreamResponse:
        try:
            _, identity = await door.let_in(request)
        except Refused as refused:
            return refusal(refused.status, refused.message)
        except web.HTTPRequestEntityTooLarge:
            return refusal(413, "The body is too large.")
        request[identity_key] = identity
        return await handler(request)

    return checked
