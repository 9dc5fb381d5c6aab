"""Every new request reaches the IT triage channel, once, even if it registers later."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bot.domain.model import DigitalRequest
from bot.notifier import Notifier
from bot.ports import ChannelDirectory, OnceOnly, RequestRegister

logger = logging.getLogger(__name__)

TRIAGE = "triage"  # the purpose the triage channel is registered under

CardFor = Callable[[DigitalRequest], Awaitable[dict[str, Any]]]


class TriagePoster:
    """Posts waiting requests in order, each once. One run at a time in this process; across
    instances, each request's post is claimed first (OnceOnly), so two instances running at
    once never post the same card: one posts it, the other moves on."""

    def __init__(
        self,
        register: RequestRegister,
        channels: ChannelDirectory,
        notifier: Notifier,
        card_for: CardFor,
        once: OnceOnly,
    ) -> None:
        self._register = register
        self._channels = channels
        self._notifier = notifier
        self._card_for = card_for
        self._once = once
        self._lock = asyncio.Lock()

    async def post_waiting(self) -> int:
        """Returns how many were posted. Stops at the first failure; the rest wait."""
        async with self._lock:
            if await self._channels.channel(TRIAGE) is None:
                return 0
            posted = 0
            others: set[str] = set()  # being posted by another instance just now
            while waiting := [
                r
                for r in await self._register.awaiting_triage_post(limit=20 + len(others))
                if r.reference not in others
            ]:
                for request in waiting:
                    key = f"triage.post:{request.reference}"
                    if not await self._once.claim_notification(key):
                        others.add(request.reference)
                        continue
                    if not await self._post(request, key):
                        return posted
                    posted += 1
            return posted

    async def _post(self, request: DigitalRequest, key: str) -> bool:
        try:
            message_id = await self._notifier.post(TRIAGE, await self._card_for(request))
        except Exception:
            logger.exception("Could not post %s to the triage channel", request.reference)
            await self._once.release_notification(key)
            return False
        if message_id is None:
            await self._once.release_notification(key)
            return False  # the channel went away while posting
        await self._register.mark_triage_posted(request.reference, message_id or "-")
        await self._once.notification_sent(key)
        return True
