"""Every new request reaches the IT triage channel, once, even if it registers later."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bot.domain.model import DigitalRequest
from bot.notifier import Notifier
from bot.ports import ChannelDirectory, RequestRegister

logger = logging.getLogger(__name__)

TRIAGE = "triage"  # the purpose the triage channel is registered under

CardFor = Callable[[DigitalRequest], Awaitable[dict[str, Any]]]


class TriagePoster:
    """Posts waiting requests in order. One run at a time, so nothing is posted twice."""

    def __init__(
        self,
        register: RequestRegister,
        channels: ChannelDirectory,
        notifier: Notifier,
        card_for: CardFor,
    ) -> None:
        self._register = register
        self._channels = channels
        self._notifier = notifier
        self._card_for = card_for
        self._lock = asyncio.Lock()

    async def post_waiting(self) -> int:
        """Returns how many were posted. Stops at the first failure; the rest wait."""
        async with self._lock:
            if await self._channels.channel(TRIAGE) is None:
                return 0
            posted = 0
            while waiting := await self._register.awaiting_triage_post(limit=20):
                for request in waiting:
                    try:
                        message_id = await self._notifier.post(
                            TRIAGE, await self._card_for(request)
                        )
                    except Exception:
                        logger.exception(
                            "Could not post %s to the triage channel", request.reference
                        )
                        return posted
                    if message_id is None:
                        return posted  # the channel went away while posting
                    await self._register.mark_triage_posted(request.reference, message_id or "-")
                    posted += 1
            return posted
