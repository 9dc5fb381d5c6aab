"""Who is on the triage roster: a fixed set of Entra object ids, or an Entra group's members.

The group is read through Graph and held for a few minutes, so a click on a triage card
does not cost a Graph call. When Graph cannot be read the last members known are kept; if
they were never known, nobody is on the roster: a broken lookup must not let anyone act.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph import GraphServiceClient
from msgraph.generated.groups.item.transitive_members.transitive_members_request_builder import (
    TransitiveMembersRequestBuilder,
)
from msgraph.generated.models.directory_object_collection_response import (
    DirectoryObjectCollectionResponse,
)
from msgraph.generated.models.user import User

from graph_clients.client import RetryPolicy, with_retries

logger = logging.getLogger(__name__)

Query = TransitiveMembersRequestBuilder.TransitiveMembersRequestBuilderGetQueryParameters
PAGE_SIZE = 999  # the most Graph sends of directory objects in one page
# The SDK takes ~4 ms of CPU to parse each member, so a group far bigger than a triage
# team (10 pages is ~10,000) is treated as misconfigured rather than read.
MAX_PAGES = 10
RETRY_AFTER_FAILURE = 30.0  # seconds before a failed refresh is tried again


class RosterTooLarge(Exception):
    """The group still had more pages after MAX_PAGES."""


class StaticRoster:
    """The roster in local mode: Entra object ids from the settings."""

    def __init__(self, ids: frozenset[str], names: dict[str, str] | None = None) -> None:
        self._ids = ids
        self._names = dict(names or {})

    async def members(self) -> frozenset[str]:
        return self._ids

    async def names(self) -> dict[str, str]:
        return dict(self._names)

    async def contains(self, user_id: str) -> bool:
        return user_id in self._ids


class CachedSet:
    """A set fetched at most once per `ttl` seconds, by one caller at a time.

    A failed fetch keeps the last set fetched, or the empty set if none ever was, and is
    not tried again for `retry_after_failure` seconds, so an outage does not make every
    caller wait out the retry policy.
    """

    def __init__(
        self,
        fetch: Callable[[], Awaitable[frozenset[str]]],
        ttl: float,
        clock: Callable[[], float] = time.monotonic,
        what: str = "set",
        retry_after_failure: float = RETRY_AFTER_FAILURE,
    ) -> None:
        self._fetch = fetch
        self._ttl = ttl
        self._clock = clock
        self._what = what
        self._retry_after_failure = retry_after_failure
        self._value: frozenset[str] | None = None
        self._due: float | None = None  # when to fetch next; None before the first fetch
        self._lock = asyncio.Lock()

    def _fresh(self) -> bool:
        return self._due is not None and self._clock() < self._due

    async def get(self) -> frozenset[str]:
        if self._fresh():
            return self._value or frozenset()
        async with self._lock:
            if not self._fresh():  # whoever held the lock may have just refreshed it
                await self._refresh()
        return self._value or frozenset()

    async def _refresh(self) -> None:
        try:
            value = await self._fetch()
        except Exception as error:
            self._due = self._clock() + min(self._ttl, self._retry_after_failure)
            if self._value is None:
                logger.error("Could not read the %s, so it is empty for now: %r", self._what, error)
            else:
                logger.warning(
                    "Could not refresh the %s; keeping the last one known: %r", self._what, error
                )
            return
        self._value = value
        self._due = self._clock() + self._ttl


class GroupRoster:
    """The roster in m365 mode: the users in an Entra group, nested groups included."""

    def __init__(
        self,
        client: GraphServiceClient,
        group_id: str,
        policy: RetryPolicy,
        ttl: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._group_id = group_id
        self._policy = policy
        self._cache = CachedSet(self._fetch, ttl, clock, f"triage roster group {group_id}")
        self._names: dict[str, str] = {}  # from the last successful read of the group

    async def members(self) -> frozenset[str]:
        return await self._cache.get()

    async def contains(self, user_id: str) -> bool:
        return user_id in await self._cache.get()

    async def names(self) -> dict[str, str]:
        """Members' display names, so anyone in the group can be assigned by name."""
        members = await self._cache.get()
        return {uid: name for uid, name in self._names.items() if uid in members}

    async def _fetch(self) -> frozenset[str]:
        builder = self._client.groups.by_group_id(self._group_id).transitive_members
        query = Query(select=["id", "displayName"], top=PAGE_SIZE)
        page = await self._page(builder, RequestConfiguration(query_parameters=query))
        names: dict[str, str] = {}
        for _ in range(MAX_PAGES):
            for member in page.value or []:
                if isinstance(member, User) and member.id:
                    names[member.id] = " ".join((member.display_name or "").split())
            link = page.odata_next_link
            if not link:
                self._names = {uid: name for uid, name in names.items() if name}
                return frozenset(names)
            page = await self._page(builder.with_url(link), None)
        raise RosterTooLarge(f"Group {self._group_id} has more than {MAX_PAGES} pages of members")

    async def _page(
        self,
        builder: TransitiveMembersRequestBuilder,
        config: RequestConfiguration[Query] | None,
    ) -> DirectoryObjectCollectionResponse:
        async def get() -> DirectoryObjectCollectionResponse | None:
            return await builder.get(request_configuration=config)

        page = await with_retries(get, self._policy, f"Members of group {self._group_id}")
        return page or DirectoryObjectCollectionResponse()
