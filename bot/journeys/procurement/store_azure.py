"""The procurement journey's engagements on Azure Table storage (STATE_STORE=azure),
shared by every instance.

Only the engagements move here: with Azure Storage the bot runs in m365 mode, where the
application catalogue is already a SharePoint list (graph_clients/catalogue_list.py).

One partition, "engagements", of the "procurement" table holds a row per engagement
("e:<id>", the engagement as JSON, plus the few properties it is looked up by) and a row
per pack token in use ("t:<token>"). Being one partition, an engagement and its token rows
change together in one transaction:

- `add` creates both rows, so an id or a pack token already in use refuses the whole add.
- `save` replaces the engagement's row only if it is unchanged since it was read (its
  ETag), in the same transaction that takes the new token and frees the old one. Two
  instances saving one engagement at once: one wins, the other's transaction fails and it
  raises ChangedBySomeoneElse, so the person re-reads, as with SQLite.

Look-ups by owner, request reference and draft are one filtered query of the partition
(a council has hundreds of engagements a year, not millions).
"""

from __future__ import annotations

from typing import Any

from azure.data.tables.aio import TableClient

from bot.azure_state.account import AzureState
from bot.azure_state.entities import (
    bounded_key,
    etag_of,
    get_or_none,
    pack,
    replace_op,
    transact,
    unpack,
)
from bot.domain.procurement import (
    CatalogueMatch,
    CatalogueOutcome,
    Engagement,
    ReviewPath,
    Stage,
)
from bot.ports import ChangedBySomeoneElse
from bot.store.times import time_from, time_text

TABLE = "procurement"
PARTITION = "engagements"


class EngagementNotUnique(Exception):
    """The engagement's id, or its pack token, is another engagement's already."""


class AzureProcurementStore:
    """EngagementStore on Azure Table storage; safe for any number of instances at once."""

    def __init__(self, azure: AzureState) -> None:
        self._azure = azure
        self._table: TableClient | None = None

    async def open(self) -> None:
        self._table = await self._azure.table(TABLE)

    async def close(self) -> None:
        """Nothing of its own to close: the AzureState is the app's, shared."""
        self._table = None

    @property
    def table(self) -> TableClient:
        if self._table is None:
            raise RuntimeError("The procurement store is not open")
        return self._table

    async def add(self, engagement: Engagement) -> Engagement:
        if not engagement.id:
            raise ValueError("An engagement needs an id.")
        data = _engagement_data(engagement, version=1)
        steps: list[Any] = [("create", _row(data))]
        if engagement.pack_token:
            steps.append(("create", _token_row(engagement.pack_token, engagement.id)))
        if not await transact(self.table, steps):
            raise EngagementNotUnique(
                f"{engagement.id} or its pack token is another engagement's already."
            )
        return _engagement(data)

    async def get(self, engagement_id: str) -> Engagement | None:
        found = await get_or_none(self.table, PARTITION, _row_key(engagement_id))
        return _engagement(unpack(found)) if found is not None else None

    async def by_reference(self, reference: str) -> Engagement | None:
        return await self._newest("Reference", reference)

    async def by_draft(self, draft_id: str) -> Engagement | None:
        return await self._newest("DraftId", draft_id)

    async def by_pack_token(self, token: str) -> Engagement | None:
        if not token:
            return None
        found = await self._where("PackToken", token)
        return found[0] if found else None

    async def for_owner(self, owner_id: str, limit: int = 20) -> list[Engagement]:
        found = await self._where("OwnerId", owner_id)
        found.sort(key=lambda e: (e.created_at, e.id), reverse=True)
        return found[: max(0, limit)]

    async def save(self, engagement: Engagement) -> Engagement:
        e = engagement
        data = _engagement_data(e, version=e.version + 1)  # refuses a time with no zone
        found = await get_or_none(self.table, PARTITION, _row_key(e.id))
        if found is None:
            raise LookupError(f"{e.id} is not in the store.")
        before = _engagement(unpack(found))
        if before.version != e.version:
            raise ChangedBySomeoneElse(f"{e.id} changed since it was read.")
        steps: list[Any] = [replace_op(_row(data), etag_of(found))]
        if e.pack_token != before.pack_token:
            if e.pack_token:
                steps.append(("create", _token_row(e.pack_token, e.id)))
            if before.pack_token:
                steps.append(("delete", _token_row(before.pack_token, e.id)))
        if await transact(self.table, steps):
            return _engagement(data)
        now = await get_or_none(self.table, PARTITION, _row_key(e.id))
        if now is None or etag_of(now) != etag_of(found):
            raise ChangedBySomeoneElse(f"{e.id} changed since it was read.")
        raise EngagementNotUnique(f"The pack token of {e.id} is another engagement's already.")

    async def all_engagements(self) -> list[Engagement]:
        """Every engagement, oldest first (for `my data`, `erase` and retention)."""
        query = "PartitionKey eq @p and RowKey ge @low and RowKey lt @high"
        found = [
            _engagement(unpack(entity))
            async for entity in self.table.query_entities(
                query, parameters={"p": PARTITION, "low": "e:", "high": "e;"}
            )
        ]
        return sorted(found, key=lambda e: (e.created_at, e.id))

    async def _newest(self, name: str, value: str) -> Engagement | None:
        """The newest engagement with this value (the first by id among the newest)."""
        if not value:
            return None
        found = sorted(await self._where(name, value), key=lambda e: e.id)
        found.sort(key=lambda e: e.created_at, reverse=True)  # stable: ids stay in order
        return found[0] if found else None

    async def _where(self, name: str, value: str) -> list[Engagement]:
        query = f"PartitionKey eq @p and {name} eq @v"
        return [
            _engagement(unpack(entity))
            async for entity in self.table.query_entities(
                query, parameters={"p": PARTITION, "v": value}
            )
        ]


def _row_key(engagement_id: str) -> str:
    return "e:" + bounded_key(engagement_id)


def _row(data: dict[str, Any]) -> dict[str, Any]:
    """An engagement's row: the JSON, and what it is looked up by as properties."""
    return {
        "PartitionKey": PARTITION,
        "RowKey": _row_key(data["id"]),
        "OwnerId": data["owner_id"],
        "Reference": data["reference"],
        "DraftId": data["draft_id"],
        "PackToken": data["pack_token"],
        **pack(data),
    }


def _token_row(token: str, engagement_id: str) -> dict[str, Any]:
    return {
        "PartitionKey": PARTITION,
        "RowKey": "t:" + bounded_key(token),
        "EngagementId": engagement_id,
    }


def _engagement_data(e: Engagement, version: int) -> dict[str, Any]:
    return {
        "id": e.id,
        "owner_id": e.owner_id,
        "owner_name": e.owner_name,
        "need": e.need,
        "renewal": e.renewal,
        "system_name": e.system_name,
        "stage": str(e.stage),
        "created_at": time_text(e.created_at),
        "updated_at": time_text(e.updated_at),
        "reference": e.reference,
        "draft_id": e.draft_id,
        "matches": [
            {
                "entry_id": m.entry_id,
                "name": m.name,
                "score": m.score,
                "why": list(m.why),
                "platform": m.platform,
            }
            for m in e.matches
        ],
        "outcome": None if e.outcome is None else str(e.outcome),
        "chosen_entry_id": e.chosen_entry_id,
        "none_fit_reason": e.none_fit_reason,
        "checklist": dict(e.checklist),
        "path": None if e.path is None else str(e.path),
        "pack_token": e.pack_token,
        "version": version,
    }


def _engagement(data: dict[str, Any]) -> Engagement:
    return Engagement(
        id=data["id"],
        owner_id=data["owner_id"],
        owner_name=data["owner_name"],
        need=data["need"],
        renewal=bool(data["renewal"]),
        system_name=data["system_name"],
        stage=Stage(data["stage"]),
        created_at=time_from(data["created_at"]),
        updated_at=time_from(data["updated_at"]),
        reference=data["reference"],
        draft_id=data["draft_id"],
        matches=tuple(
            CatalogueMatch(
                entry_id=str(m["entry_id"]),
                name=str(m["name"]),
                score=float(m["score"]),
                why=tuple(str(why) for why in m["why"]),
                platform=bool(m.get("platform", False)),
            )
            for m in data["matches"]
        ),
        outcome=None if data["outcome"] is None else CatalogueOutcome(data["outcome"]),
        chosen_entry_id=data["chosen_entry_id"],
        none_fit_reason=data["none_fit_reason"],
        checklist={str(k): str(v) for k, v in data["checklist"].items()},
        path=None if data["path"] is None else ReviewPath(data["path"]),
        pack_token=data["pack_token"],
        version=int(data["version"]),
    )
