"""Posting cards into Teams conversations outside a turn (proactive messages).

Every send and replace goes through the throttle and the retry policy (bot.delivery),
keyed by conversation id, and no card over 80 KB is sent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from microsoft_agents.activity import (
    Activity,
    ActivityTypes,
    Attachment,
    ConversationParameters,
    ConversationReference,
)
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import ClaimsIdentity, ConnectorClientBase, TurnContext

from bot.delivery import RetryPolicy, Throttle, check_card_size, send_with_retries
from bot.reply_hosts import ReplyHosts
from bot.telemetry.steps import send
from cards.elements import CONTENT_TYPE


class AddressRefused(Exception):
    """A stored conversation reference points somewhere replies may not go."""


class ChannelPoster:
    def __init__(
        self,
        adapter: CloudAdapter,
        bot_app_id: str,
        reply_hosts: ReplyHosts,
        throttle: Throttle | None = None,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._adapter = adapter
        self._bot_app_id = bot_app_id
        self._reply_hosts = reply_hosts
        self.throttle = throttle or Throttle()
        self._policy = policy or RetryPolicy()
        self._sleep = sleep  # between tries (tests record it instead of waiting)

    def _continuation(self, reference: dict[str, Any]) -> Activity:
        """Checked again when used: a reference stored by an older version, or edited in
        the store, never sends the bot's token anywhere but Teams."""
        if not self._reply_hosts.allows_reference(reference):
            raise AddressRefused(f"Refused to send to {str(reference.get('serviceUrl'))[:100]!r}")
        return ConversationReference.model_validate(reference).get_continuation_activity()

    async def send_card(self, reference: dict[str, Any], card: dict[str, Any]) -> str:
        """Raises CardTooLarge before sending, Unreachable on 403, or the last failure."""
        check_card_size(card)
        continuation = self._continuation(reference)
        sent: list[str] = []

        async def deliver(context: TurnContext) -> None:
            activity = Activity(
                type=ActivityTypes.message,
                attachments=[Attachment(content_type=CONTENT_TYPE, content=card)],
            )
            response = await context.send_activity(activity)
            sent.append(response.id if response and response.id else "")

        await self._send(continuation, deliver)
        return sent[0] if sent else ""

    async def replace_card(
        self, reference: dict[str, Any], message_id: str, card: dict[str, Any]
    ) -> None:
        """Update a message in place, so everyone who sees it sees the current card."""
        check_card_size(card)
        continuation = self._continuation(reference)

        async def deliver(context: TurnContext) -> None:
            activity = Activity(
                type=ActivityTypes.message,
                id=message_id,
                attachments=[Attachment(content_type=CONTENT_TYPE, content=card)],
            )
            await context.update_activity(activity)

        await self._send(continuation, deliver, what="update")

    async def create_personal_chat(
        self, member_id: str, tenant_id: str, template: dict[str, Any]
    ) -> dict[str, Any]:
        """Make (or find) the 1:1 chat with a person who may never have spoken to the bot.

        `member_id` is their Teams id or Entra object id. `template` is any stored
        reference of this tenant (a channel, someone's chat): it gives the service URL
        and the bot's own account. Returns the new chat's conversation reference.
        """
        continuation = self._continuation(template)
        bot = dict(template.get("bot") or {})
        created: list[str] = []

        async def create(context: TurnContext) -> None:
            client = context.services.get(ConnectorClientBase)  # type: ignore[type-abstract]
            if client is None:
                raise RuntimeError("No connector client in the proactive turn")
            parameters = ConversationParameters.model_validate(
                {
                    "isGroup": False,
                    "bot": bot or None,
                    "members": [{"id": member_id}],
                    "tenantId": tenant_id,
                    "channelData": {"tenant": {"id": tenant_id}},
                }
            )
            result = await client.conversations.create_conversation(parameters)
            created.append(result.id)

        key = f"create:{member_id}"
        await self._send(continuation, create, key, what="new_chat")
        reference: dict[str, Any] = {
            "channelId": template.get("channelId", "msteams"),
            "serviceUrl": template["serviceUrl"],
            "conversation": {
                "id": created[0],
                "conversationType": "personal",
                "tenantId": tenant_id,
            },
            "user": {"id": member_id},
        }
        if bot:
            reference["bot"] = bot
        return reference

    async def _send(
        self,
        continuation: Activity,
        deliver: Callable[[TurnContext], Awaitable[None]],
        key: str | None = None,
        what: str = "message",
    ) -> None:
        """One proactive turn per try, through the throttle and the retry policy.

        A failure inside the turn is carried out of it by hand: the adapter's turn-error
        handler would otherwise swallow it and post an error message to the conversation.
        """
        # A channel's threads share the channel's limits: keyed by the channel itself.
        conversation_id = key or str(continuation.conversation.id).split(";messageid=")[0]

        async def once() -> None:
            failure: list[BaseException] = []

            async def guarded(context: TurnContext) -> None:
                try:
                    await deliver(context)
                except Exception as error:
                    failure.append(error)

            await self._continue(continuation, guarded)
            if failure:
                raise failure[0]

        with send(what, urlsplit(str(continuation.service_url or "")).hostname or ""):
            await send_with_retries(
                once, conversation_id, self.throttle, self._policy, sleep=self._sleep
            )

    async def _continue(self, continuation: Activity, deliver: Any) -> None:
        # Local mode has no app registration: send without a token, as inbound is.
        if self._bot_app_id:
            await self._adapter.continue_conversation(self._bot_app_id, continuation, deliver)
        else:
            await self._adapter.continue_conversation_with_claims(
                ClaimsIdentity({}), continuation, deliver
            )
