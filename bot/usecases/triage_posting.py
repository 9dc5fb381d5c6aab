"""Every new request reaches the IT triage channel, once, even if it registers later."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bot.domain.model import DigitalRequest
from bot.ports import ChannelDirectory, Governance, GovernanceStore, RequestRegister

logger = logging.getLogger(__name__)

TRIAGE = "triage"

# Posts a card built for the request to the channel; returns the message id.
PostCard = Callable[[dict[str, Any], DigitalRequest, Governance], Awaitable[str]]


class TriagePoster:
    """Posts waiting requests in order. One run at a time, so nothing is posted twice."""

    def __init__(
        self,
        register: RequestRegister,
        channels: ChannelDirectory,
        governance: GovernanceStore,
        post: PostCard,
    ) -> None:
        self._register = register
        self._channels = channels
        self._governance = governance
        self._post = post
        self._lock = asyncio.Lock()

    async def post_waiting(self) -> int:
        """Returns how many were posted. Stops at the first failure; the rest wait."""
        async with self._lock:
            channel = await self._channels.channel(TRIAGE)
            if channel is None:
                return 0
            rules = await self._governance.governance()
            posted = 0
            while waiting := await self._register.awaiting_triage_post(limit=20):
                for request in waiting:
                    try:
                        message_id = await self._post(channel, request, rules)
                    except Exception:
                        logger.exception(
                            "Could not post %s to the triage channel", request.reference
                        )
                        return posted
                    await self._register.mark_triage_posted(request.reference, message_id or "-")
                    posted += 1
            return posted
