"""Telling people and channels: the port use cases call, and its Teams implementation."""

from __future__ import annotations

import copy
import logging
from enum import StrEnum
from typing import Any, Protocol

import aiohttp

from bot.channel_posts import AddressRefused, ChannelPoster
from bot.delivery import NotInstalled, Unreachable, check_card_size
from bot.ports import ChannelDirectory, OnceOnly
from bot.telemetry.logs import person_ref

logger = logging.getLogger(__name__)


class Delivered(StrEnum):
    """What became of a card sent to one person."""

    SENT = "sent"
    ALREADY = "already"  # the once key was used: it went before
    UNREACHABLE = "unreachable"  # Teams said 403: they blocked or removed the bot
    NO_CHAT = "no chat"  # no chat with them is known, and none could be made


class Notifier(Protocol):
    async def tell(self, user_id: str, card: dict[str, Any], once_key: str) -> bool:
        """A card in the person's own chat with the bot, at most once per key.

        False if nothing was sent: no chat with them is known yet (none is made), the
        key was used, or Teams refused (403: they blocked or removed the bot).
        """
        ...

    async def post(self, purpose: str, card: dict[str, Any]) -> str | None:
        """A new message in the channel registered for `purpose`: its id, or None when no
        channel is registered for it."""
        ...

    async def replace(self, purpose: str, message_id: str, card: dict[str, Any]) -> None:
        """Update a message in that channel in place, so everyone sees the current card."""
        ...

    async def deliver(
        self, user_id: str, card: dict[str, Any], once_key: str, via: str | None = None
    ) -> Delivered:
        """A card in the person's own chat, at most once per key, saying what became of it.

        A chat is made when none is known (`via`: a channel purpose whose service URL and
        tenant to use for it). Goes through the throttle and the retries."""
        ...

    async def post_reply(
        self, purpose: str, root_message_id: str, card: dict[str, Any]
    ) -> str | None:
        """A message in the thread under a channel message: its id, or None when no
        channel is registered for `purpose`."""
        ...

    async def post_to(self, purpose: str, card: dict[str, Any]) -> str | None:
        """The same as `post`."""
        ...


class AppInstaller(Protocol):
    async def install_for(self, user_id: str) -> None:
        """Make sure the bot is installed for this person (m365 mode), so a chat can be made."""
        ...


class TeamsNotifier:
    """Sends through the ChannelPoster: throttled, retried, size-checked.

    A person with no chat known gets one made. The service URL, tenant and bot account
    for it come from a stored reference: the channel of `via` when given, else the last
    reference this notifier used, else a channel registered for one of `known_purposes`.
    """

    def __init__(
        self,
        poster: ChannelPoster,
        channels: ChannelDirectory,
        once: OnceOnly,
        installer: AppInstaller | None = None,
        tenant_id: str = "",
        known_purposes: tuple[str, ...] = ("triage",),
    ) -> None:
        self._poster = poster
        self._channels = channels
        self._once = once
        self._installer = installer
        self._tenant_id = tenant_id
        self._known_purposes = known_purposes
        self._last_reference: dict[str, Any] | None = None

    async def tell(self, user_id: str, card: dict[str, Any], once_key: str) -> bool:
        # No chat is made here: callers of `tell` have their own fallback (the triage
        # journey posts in the channel, naming the person) for someone with no chat yet.
        return await self._deliver(user_id, card, once_key, None, make_chat=False) == (
            Delivered.SENT
        )

    async def deliver(
        self, user_id: str, card: dict[str, Any], once_key: str, via: str | None = None
    ) -> Delivered:
        """Raises CardTooLarge (nothing sent, key not used) for a card over 80 KB."""
        return await self._deliver(user_id, card, once_key, via, make_chat=True)

    async def _deliver(
        self, user_id: str, card: dict[str, Any], once_key: str, via: str | None, make_chat: bool
    ) -> Delivered:
        check_card_size(card)
        chat = await self._channels.personal_chat(user_id)
        if chat is None and make_chat:
            chat = await self._make_chat(user_id, via)
        if chat is None:
            return Delivered.NO_CHAT
        if not await self._once.claim_notification(once_key):
            return Delivered.ALREADY
        try:
            await self._poster.send_card(chat, card)
        except Unreachable:
            logger.info("Could not reach %s: Teams answered 403", person_ref(user_id))
            await self._once.notification_sent(once_key)  # not tried again
            return Delivered.UNREACHABLE
        except BaseException:
            # Not sent: the key goes back, so a later try sends it rather than skip it.
            await self._once.release_notification(once_key)
            raise
        await self._once.notification_sent(once_key)
        self._last_reference = chat
        return Delivered.SENT

    async def _make_chat(self, user_id: str, via: str | None) -> dict[str, Any] | None:
        template = await self._template(via)
        if template is None or not template.get("serviceUrl"):
            return None
        known = await self._once.people(frozenset({user_id}))
        member_id = known[user_id][0] if user_id in known and known[user_id][0] else user_id
        conversation = template.get("conversation") or {}
        tenant = str(conversation.get("tenantId") or self._tenant_id)
        try:
            if self._installer is not None:
                await self._installer.install_for(user_id)
            chat = await self._poster.create_personal_chat(member_id, tenant, template)
        except (NotInstalled, Unreachable, AddressRefused, aiohttp.ClientResponseError) as error:
            logger.warning("Could not make a chat with %s: %r", person_ref(user_id), error)
            return None
        except Exception:
            logger.exception("Could not make a chat with %s", person_ref(user_id))
            return None
        await self._channels.remember_personal_chat(user_id, chat)
        return chat

    async def _template(self, via: str | None) -> dict[str, Any] | None:
        if via is not None and (channel := await self._channels.channel(via)) is not None:
            return channel
        if self._last_reference is not None:
            return self._last_reference
        for purpose in self._known_purposes:
            if (channel := await self._channels.channel(purpose)) is not None:
                return channel
        return None

    async def post_reply(
        self, purpose: str, root_message_id: str, card: dict[str, Any]
    ) -> str | None:
        channel = await self._channels.channel(purpose)
        if channel is None:
            return None
        thread = copy.deepcopy(channel)
        conversation = thread.setdefault("conversation", {})
        root = str(conversation.get("id", "")).split(";messageid=")[0]
        conversation["id"] = f"{root};messageid={root_message_id}"
        return await self._poster.send_card(thread, card)

    async def post_to(self, purpose: str, card: dict[str, Any]) -> str | None:
        return await self.post(purpose, card)

    async def post(self, purpose: str, card: dict[str, Any]) -> str | None:
        channel = await self._channels.channel(purpose)
        if channel is None:
            return None
        message_id = await self._poster.send_card(channel, card)
        self._last_reference = channel
        return message_id

    async def replace(self, purpose: str, message_id: str, card: dict[str, Any]) -> None:
        channel = await self._channels.channel(purpose)
        if channel is None or not message_id or message_id == "-":
            return
        await self._poster.replace_card(channel, message_id, card)
