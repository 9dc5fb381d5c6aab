"""Where to reach people again: conversation references taken from the validated Activity.

Who is acting comes from `bot.journey.actor_of`, never from card data."""

from __future__ import annotations

from typing import Any

from microsoft_agents.activity import Activity


def channel_reference(activity: Activity) -> dict[str, Any]:
    """A reference for posting new top-level messages to this channel, not into a thread."""
    reference = activity.get_conversation_reference()
    data: dict[str, Any] = reference.model_dump(by_alias=True, exclude_none=True, mode="json")
    conversation = dict(data.get("conversation") or {})
    conversation["id"] = str(conversation.get("id", "")).split(";messageid=")[0]
    data["conversation"] = conversation
    data.pop("activityId", None)
    return data


def chat_reference(activity: Activity) -> dict[str, Any]:
    reference = activity.get_conversation_reference()
    data: dict[str, Any] = reference.model_dump(by_alias=True, exclude_none=True, mode="json")
    data.pop("activityId", None)
    return data
