"""The store as journeys see it: every request it adds or saves is announced.

Chat, IT triage, the boards and the REST API all change requests through
`RequestRegister.add` and `update`. Announcing from here (REQUEST_SAVED) means nothing
that changes a request can forget to say so; the flows journey turns it into the
"status changed" trigger.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.domain.model import DigitalRequest
from bot.ports import NewRequest


class ObservedStore:
    """Passes everything to `store`; `add` and `update` also call `saved(request)`."""

    def __init__(self, store: Any, saved: Callable[[DigitalRequest], None]) -> None:
        self._store = store
        self._saved = saved

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    async def add(self, new: NewRequest) -> DigitalRequest:
        stored: DigitalRequest = await self._store.add(new)
        self._saved(stored)
        return stored

    async def update(self, request: DigitalRequest) -> DigitalRequest:
        stored: DigitalRequest = await self._store.update(request)
        self._saved(stored)
        return stored
