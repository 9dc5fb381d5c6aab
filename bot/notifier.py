"""Telling people and channels: the port use cases call, and its Teams implementation."""

from __future__ import annotations

from typing import Any, Protocol

from bot.channel_posts import ChannelPoster
from bot.ports import ChannelDirectory, OnceOnly


class Notifier(Protocol):
    async def tell(self, user_id: str, card: dict[str, Any], once_key: str) -> bool:
        """A card in the person's own chat with the bot, at most once per key.

        False if nothing was sent: no chat with them is known yet, or the key was used.
        """
        ...

    async def post(self, purpose: str, card: dict[str, Any]) -> str | None:
        """A new message in the channel registered for `purpose`: its id, or None when no
        channel is registered for it."""
        ...

    async def replace(self, purpose: str, message_id: str, card: dict[str, Any]) -> None:
        """Update a message in that channel in place, so everyone sees the current card."""
        ...


class TeamsNotifier:
    def __init__(self, poster: ChannelPoster, channels: ChannelDirectory, once: OnceOnly) -> None:
        self._poster = poster
        self._channels = channels
        self._once = once

    async def tell(self, user_id: str, card: dict[str, Any], once_key: str) -> bool:
        chat = await self._channels.personal_chat(user_id)
        if chat is None or not await self._once.claim_notification(once_key):
            return False
        await self._poster.send_card(chat, card)
        return True

    async def post(self, purpose: str, card: dict[str, Any]) -> str | None:
        channel = await self._channels.channel(purpose)
        if channel is None:
            return None
        return await self._poster.send_card(channel, card)

    async def replace(self, purpose: str, message_id: str, card: dict[str, Any]) -> None:
        channel = await self._channels.channel(purpose)
        if channel is None or not message_id or message_id == "-":
            return
        await self._poster.replace_card(channel, message_id, card)
