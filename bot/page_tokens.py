"""Page tokens for card data: opaque names for cursors the server keeps.

Shared by every store that pages (SQLite and SharePoint); it knows nothing of either.
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass


def requests_of_requester(page_size: int) -> str:
    """The query a "my requests" page token is bound to, besides the person."""
    return f"requests of a requester, {page_size} a page"


@dataclass(frozen=True)
class _Held:
    requester_id: str
    query: str
    cursor: str
    until: float


class PageTokens:
    """Page tokens for card data: random names for cursors kept here, never the cursors.

    A card's data can be changed by whoever holds it, so a token says nothing itself: it
    names a cursor held in memory for one person and one query. A token this holder did not
    give to this person for this query, or one past its lifetime or pushed out by newer
    ones, is no token, and the caller starts again at their first page. So are all tokens
    after a restart.
    """

    def __init__(
        self,
        lifetime: float = 3600.0,
        most: int = 5000,
        now: Callable[[], float] = time.monotonic,
        new_name: Callable[[], str] = lambda: secrets.token_urlsafe(18),
    ) -> None:
        self._lifetime = lifetime
        self._most = most
        self._now = now
        self._new_name = new_name
        self._held: OrderedDict[str, _Held] = OrderedDict()  # oldest first
        self._names: dict[tuple[str, str, str], str] = {}

    def issue(self, requester_id: str, query: str, cursor: str) -> str:
        self._drop_oldest_while(lambda held: held.until <= self._now())
        key = (requester_id, query, cursor)
        # The same page asked for again (a card shown twice) keeps its name.
        name = self._names.get(key) or self._new_name()
        self._held.pop(name, None)
        self._held[name] = _Held(requester_id, query, cursor, self._now() + self._lifetime)
        self._names[key] = name
        self._drop_oldest_while(lambda _: len(self._held) > self._most)
        return name

    def cursor(self, token: str | None, requester_id: str, query: str) -> str | None:
        """The cursor `token` names if it was given to this person for this query."""
        held = self._held.get(token or "")
        if held is None or held.until <= self._now():
            return None
        if (held.requester_id, held.query) != (requester_id, query):
            return None
        return held.cursor

    def _drop_oldest_while(self, condition: Callable[[_Held], bool]) -> None:
        while self._held and condition(next(iter(self._held.values()))):
            _, held = self._held.popitem(last=False)
            del self._names[(held.requester_id, held.query, held.cursor)]
