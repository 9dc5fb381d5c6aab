"""Each Activity posted to /api/messages is one turn: its own correlation id, a "turn"
span and a count and timing by what kind of Activity it was and how it was answered.

The turn span is a SERVER span with OpenTelemetry's HTTP attributes (method, route, status
code), so Application Insights shows each turn as a request.

Only the Activity's kind is kept (type, invoke name, conversation type, channel), and only
as one of a fixed list of values, or "other": whatever a caller sends, no text, name or id
gets into a span, and the number of series a metric has stays small. A request the door
refuses is labelled "refused", and its body is not read for it.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from microsoft_agents.activity import ActivityTypes, Channels
from opentelemetry.trace import SpanKind

from bot.telemetry.correlation import correlated
from bot.telemetry.metrics import instruments
from bot.telemetry.steps import measured
from bot.telemetry.tracing import enabled, failed

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

OTHER = "other"
REFUSED = "refused"
# Where bot.door.guarded keeps the caller once it lets the Activity in: a request without
# it was refused at the door.
_LET_IN = "claims_identity"
ACTIVITY_TYPES = frozenset(str(t.value) for t in ActivityTypes)
# The invokes the bot answers (card buttons; the message action's dialog and its submit).
# Any other invoke name is counted as "other".
INVOKES = frozenset(
    {"adaptiveCard/action", "composeExtension/fetchTask", "composeExtension/submitAction"}
)
CONVERSATION_TYPES = frozenset({"personal", "groupChat", "channel"})
CHANNELS = frozenset(str(c.value) for c in Channels)


class ServerError(Exception):
    """The turn was answered with a 5xx status."""


def traced_turns(handler: Handler) -> Handler:
    async def turn(request: web.Request) -> web.StreamResponse:
        route = _route(request)
        with (
            correlated(),
            measured(
                "turn",
                instruments().turns,
                instruments().turn_duration,
                kind=SpanKind.SERVER,
                attributes={
                    "http.request.method": request.method,
                    "http.route": route,
                    "url.path": route,
                },
            ) as step,
        ):
            response = await handler(request)
            step.note(**{"dfd.status_code": response.status})
            step.describe(**{"http.response.status_code": response.status})
            if enabled():
                step.note(**await _kind_of(request))
            if response.status >= 500:
                failed(ServerError(), step.span)
            return response

    return turn


def _route(request: web.Request) -> str:
    """The route's template (/api/messages), never the path as sent."""
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else OTHER


async def _kind_of(request: web.Request) -> dict[str, str]:
    """The kind of Activity, from the body the door has already read (cached by aiohttp);
    "refused" when the door did not let it in."""
    if _LET_IN not in request:
        return {"dfd.activity_type": REFUSED}
    try:
        activity = json.loads(await request.read())
    except (ValueError, web.HTTPException):
        return {"dfd.activity_type": OTHER}
    if not isinstance(activity, dict):
        return {"dfd.activity_type": OTHER}
    activity_type = _one_of(ACTIVITY_TYPES, activity.get("type"))
    kind = {"dfd.activity_type": activity_type}
    if activity_type == "invoke":
        kind["dfd.invoke"] = _one_of(INVOKES, activity.get("name"))
    conversation = activity.get("conversation")
    if isinstance(conversation, dict) and "conversationType" in conversation:
        kind["dfd.conversation_type"] = _one_of(
            CONVERSATION_TYPES, conversation["conversationType"]
        )
    if "channelId" in activity:
        kind["dfd.channel"] = _one_of(CHANNELS, activity["channelId"])
    return kind


def _one_of(known: frozenset[str], value: Any) -> str:
    return value if isinstance(value, str) and value in known else OTHER
