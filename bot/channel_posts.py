"""Posting cards into Teams conversations outside a turn (proactive messages)."""

from __future__ import annotations

from typing import Any

from microsoft_agents.activity import Activity, ActivityTypes, Attachment, ConversationReference
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import ClaimsIdentity, TurnContext

from bot.reply_hosts import ReplyHosts
from cards.elements import CONTENT_TYPE


class AddressRefused(Exception):
    """A stored conversation reference points somewhere replies may not go."""


class ChannelPoster:
    def __init__(self, adapter: CloudAdapter, bot_app_id: str, reply_hosts: ReplyHosts) -> None:
        self._adapter = adapter
        self._bot_app_id = bot_app_id
        self._reply_hosts = reply_hosts

    def _continuation(self, reference: dict[str, Any]) -> Activity:
        """Checked again when used: a reference stored by an older version, or edited in
        the store, never sends the bot's token anywhere but Teams."""
        if not self._reply_hosts.allows_reference(reference):
            raise AddressRefused(f"Refused to send to {str(reference.get('serviceUrl'))[:100]!r}")
        return ConversationReference.model_validate(reference).get_continuation_activity()

    async def send_card(self, reference: dict[str, Any], card: dict[str, Any]) -> str:
        continuation = self._continuation(reference)
        sent: list[str] = []

        async def deliver(context: TurnContext) -> None:
            activity = Activity(
                type=ActivityTypes.message,
                attachments=[Attachment(content_type=CONTENT_TYPE, content=card)],
            )
            response = await context.send_activity(activity)
            sent.append(response.id if response and response.id else "")

        await self._continue(continuation, deliver)
        return sent[0] if sent else ""

    async def replace_card(
        self, reference: dict[str, Any], message_id: str, card: dict[str, Any]
    ) -> None:
        """Update a message in place, so everyone who sees it sees the current card."""
        continuation = self._continuation(reference)

        async def deliver(context: TurnContext) -> None:
            activity = Activity(
                type=ActivityTypes.message,
                id=message_id,
                attachments=[Attachment(content_type=CONTENT_TYPE, content=card)],
            )
            await context.update_activity(activity)

        await self._continue(continuation, deliver)

    async def _continue(self, continuation: Activity, deliver: Any) -> None:
        # Local mode has no app registration: send without a token, as inbound is.
        if self._bot_app_id:
            await self._adapter.continue_conversation(self._bot_app_id, continuation, deliver)
        else:
            await self._adapter.continue_conversation_with_claims(
                ClaimsIdentity({}), continuation, deliver
            )
