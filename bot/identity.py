"""Who is acting, and where: always from the validated Activity, never from card data."""

from __future__ import annotations

from typing import Any

from microsoft_agents.activity import Activity

from bot.domain.model import Requester


def requester_of(activity: Activity) -> Requester:
    sender = activity.from_property
    aad = (getattr(sender, "aad_object_id", None) or "") if sender else ""
    user_id = (sender.id if sender else "") or ""
    return Requester(
        user_id=aad or user_id, name=(sender.name if sender else "") or "", aad_object_id=aad
    )


def conversation_type(activity: Activity) -> str:
    conversation = activity.conversation
    return (getattr(conversation, "conversation_type", None) or "personal") if conversation else ""


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
