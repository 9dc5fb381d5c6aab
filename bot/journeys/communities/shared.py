"""What the parts of the communities journey share: the store, the settings, the context."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.domain.communities import Community
from bot.errors import BadCardData, NotAllowed
from bot.invoke import NOT_OURS
from bot.journey import Actor, JourneyContext
from bot.journeys.communities.config import CommunityConfig
from bot.journeys.communities.ports import CommunityStore

NAME = "communities"
FILE_NAME = "communities.sqlite3"  # in DATA_DIR, beside the bot's own working state


def text_values(data: Mapping[str, Any], names: Iterable[str]) -> dict[str, str]:
    """The named fields of card data as typed: missing or null is empty, and anything
    that is not text did not come from a card of ours."""
    values: dict[str, str] = {}
    for name in names:
        value = data.get(name, "")
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise BadCardData(NOT_OURS)
        values[name] = value
    return values


@dataclass
class Shared:
    ctx: JourneyContext
    config: CommunityConfig
    _store: CommunityStore | None = None
    _opening: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def store(self) -> CommunityStore:
        """The store, opened on first use (and seeded in local mode)."""
        if self._store is None:
            async with self._opening:
                if self._store is None:
                    self._store = await _open(self.ctx)
        return self._store

    async def close(self) -> None:
        if self._store is not None:
            await self._store.close()
            self._store = None

    def may_lead(self, actor: Actor, community: Community) -> bool:
        """The community's lead, or an admin."""
        return self.ctx.is_admin(actor) or (
            bool(community.lead_id) and community.lead_id == actor.user_id
        )

    def must_lead(
        self, actor: Actor, community: Community, can: str, then: str = "Nothing has changed."
    ) -> None:
        """Refuse anyone but the community's lead or an admin, saying what they cannot do."""
        if not self.may_lead(actor, community):
            raise NotAllowed(f"Only the lead of {community.name} or an admin can {can}. {then}")

    def channel_purpose(self, community_id: str) -> str:
        """The ChannelDirectory purpose a community's channel is registered under."""
        return f"community:{community_id}"


async def _open(ctx: JourneyContext) -> CommunityStore:
    """On Azure Storage when the bot has it (STATE_STORE=azure), so every instance shares
    one store; otherwise the SQLite file in DATA_DIR."""
    store: CommunityStore
    if ctx.azure is not None:
        from bot.journeys.communities.store_azure import AzureCommunityStore

        store = AzureCommunityStore(ctx.azure, ctx.clock)
    else:
        from bot.journeys.communities.store_sqlite import SqliteCommunityStore

        if ctx.data_dir is None:
            raise RuntimeError("The communities journey needs DATA_DIR to keep its records.")
        store = SqliteCommunityStore(ctx.data_dir / FILE_NAME, ctx.clock)
    await store.open()
    await _seed_if_empty(store, ctx)
    return store


async def _seed_if_empty(store: CommunityStore, ctx: JourneyContext) -> None:
    """A new store starts with the strategy's communities and a few known answers.

    Only when it has no communities at all: after that they are the council's data to
    edit. Seeds are kept by fixed ids, so two processes seeding at once keep one copy.
    """
    if await store.communities():
        return
    from bot.journeys.communities import seed

    for community in seed.seed_communities():
        await store.save_community(community)
    if not await store.entries(include_retired=True):
        for entry in seed.seed_entries(ctx.clock.now().date()):
            await store.save_entry(entry)
