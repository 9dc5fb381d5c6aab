"""Where to reach people again: conversation references taken from the validated Activity.

Who is acting comes from `bot.journey.actor_of`, never from card data."""

from __future__ import annotations

from typing import Any

from microsoft_agents.activity import Activity

from bot.errors import NotAllowed
from bot.reply_hosts import ReplyHosts


def _allowed(reference: dict[str, Any], hosts: ReplyHosts) -> dict[str, Any]:
    if not hosts.allows_reference(reference):
        raise NotAllowed(
            "I cannot reply to this conversation's address, so nothing has been kept. "
            "If this keeps happening, contact the IT service desk."
        )
    return reference


def channel_reference(activity: Activity, hosts: ReplyHosts) -> dict[str, Any]:
    """A reference for posting new top-level messages to this channel, not into a thread."""
    reference = activity.get_conversation_reference()
    data: dict[str, Any] = reference.model_dump(by_alias=True, exclude_none=True, mode="json")
    conversation = dict(data.get("conversation") or {})
    conversation["id"] = str(conversation.get("id", "")).split(";messageid=")[0]
    data["conversation"] = conversation
    data.pop("activityId", None)
    return _allowed(data, hosts)


def chat_reference(activity: Activity, hosts: ReplyHosts) -> dict[str, Any]:
    reference = activity.get_conversation_reference()
    data: dict[str, Any] = reference.model_dump(by_alias=True, exclude_none=True, mode="json")
    data.pop("activityId", None)
    return _allowed(data, hosts)
