"""Page tokens for card data: opaque to whoever holds the card, bound to a person and a query.

Shared by every store that pages (SQLite and SharePoint); it knows nothing of either.
`PageTokens` keeps cursors in this process's memory (one instance: SQLite mode).
`SealedPageTokens` seals the cursor into the token under a key every instance shares
(STATE_STORE=azure), so the next page works on whichever instance the card's press reaches.
"""

from __future__ import annotations

import binascii
import hashlib
import json
import secrets
import time
import zlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from cryptography.fernet import Fernet, InvalidToken

from bot.clock import Clock

if TYPE_CHECKING:
    from bot.azure_state.account import AzureState

LIFETIME = 3600.0  # seconds a token is good for


def requests_of_requester(page_size: int) -> str:
    """The query a "my requests" page token is bound to, besides the person."""
    return f"requests of a requester, {page_size} a page"


class PageTokenKeeper(Protocol):
    """What a store that pages needs: a token for a cursor, and the cursor back."""

    def issue(self, requester_id: str, query: str, cursor: str) -> str: ...

    def cursor(self, token: str | None, requester_id: str, query: str) -> str | None: ...


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
        lifetime: float = LIFETIME,
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


# The table and row of the key every instance shares. Never logged.
KEY_TABLE = "keys"
KEY_PARTITION = "page-tokens"
KEY_ROW = "fernet"
_PLAIN, _SQUEEZED = b"p", b"z"


class SealedPageTokens:
    """Page tokens that carry their cursor, sealed: encrypted and authenticated (Fernet)
    under a key every instance shares, so any instance honours a token any other gave.

    Sealed with the cursor: a digest of the person, the query and `purpose` (so a token
    one kind of store gave means nothing to another), and the time it was made. A token
    for someone else, another query or purpose, changed in any way, made with another key,
    or older than its lifetime is no token: the caller starts again at the first page.
    Nothing is kept here, so a token lives through restarts for its lifetime.
    """

    def __init__(self, key: bytes, clock: Clock, purpose: str, lifetime: float = LIFETIME) -> None:
        self._fernet = Fernet(key)
        self._clock = clock
        self._purpose = purpose
        self._lifetime = int(lifetime)

    def issue(self, requester_id: str, query: str, cursor: str) -> str:
        raw = cursor.encode("utf-8")
        squeezed = zlib.compress(raw, 9)
        body = _SQUEEZED + squeezed if len(squeezed) < len(raw) else _PLAIN + raw
        sealed = self._fernet.encrypt_at_time(self._bound(requester_id, query) + body, self._at())
        # Fernet's text is base64 already; its padding is dropped here and put back on reading.
        return sealed.decode("ascii").rstrip("=")

    def cursor(self, token: str | None, requester_id: str, query: str) -> str | None:
        if not token or len(token) > 4096:
            return None
        try:
            padded = (token + "=" * (-len(token) % 4)).encode("ascii")
            opened = self._fernet.decrypt_at_time(padded, self._lifetime, self._at())
        except (InvalidToken, UnicodeEncodeError, ValueError, binascii.Error):
            return None
        bound = self._bound(requester_id, query)
        if not secrets.compare_digest(opened[: len(bound)], bound):
            return None
        kind, body = opened[len(bound) : len(bound) + 1], opened[len(bound) + 1 :]
        try:
            raw = zlib.decompress(body) if kind == _SQUEEZED else body
            return raw.decode("utf-8") if kind in (_PLAIN, _SQUEEZED) else None
        except (zlib.error, UnicodeDecodeError):
            return None

    def _bound(self, requester_id: str, query: str) -> bytes:
        named = json.dumps([self._purpose, requester_id, query]).encode("utf-8")
        return hashlib.sha256(named).digest()[:16]

    def _at(self) -> int:
        return int(self._clock.now().timestamp())


async def shared_page_key(azure: AzureState) -> bytes:
    """The key every instance seals page tokens with, made by the first to ask. Two
    instances making it at once: `insert_new` lets only one row in, and both then read it,
    so both use the same key."""
    from bot.azure_state.entities import get_or_none, insert_new

    table = await azure.table(KEY_TABLE)
    for _ in range(3):
        found = await get_or_none(table, KEY_PARTITION, KEY_ROW)
        if found is not None:
            return str(found["Key"]).encode("ascii")
        made = Fernet.generate_key()
        entity = {"PartitionKey": KEY_PARTITION, "RowKey": KEY_ROW, "Key": made.decode("ascii")}
        if await insert_new(table, entity):
            return made
    raise RuntimeError("The page token key could not be made or read")
