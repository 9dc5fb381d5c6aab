"""Small ports the use cases need. SQLite and SharePoint stores both implement them.

Designed for SharePoint's realities: item ids are strings, every write can carry
the ETag it read (optimistic concurrency), queries filter only on indexed
columns (reference, requester, status) and come back a page at a time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Protocol

from bot.domain.model import (
    Board,
    DigitalRequest,
    Draft,
    Matrix,
    Process,
    RequestDetails,
    Requester,
    Route,
    RoutingRule,
    Score,
)


class ChangedBySomeoneElse(Exception):
    """The item changed after it was read: its ETag no longer matches."""


@dataclass(frozen=True)
class NewRequest:
    draft_id: str
    details: RequestDetails
    requester: Requester
    score: Score
    route: Route
    submitted_at: dt.datetime


@dataclass(frozen=True)
class Page:
    items: list[DigitalRequest]
    next_token: str | None


@dataclass(frozen=True)
class Governance:
    boards: dict[str, Board]
    processes: dict[str, Process]
    matrix: Matrix
    rules: tuple[RoutingRule, ...]


class RequestRegister(Protocol):
    async def add(self, new: NewRequest) -> DigitalRequest:
        """Store it under the next DR-YYYY-NNNN reference. Idempotent by draft id."""
        ...

    async def get(self, reference: str) -> DigitalRequest | None: ...

    async def by_draft(self, draft_id: str) -> DigitalRequest | None:
        """The request a draft became, so a resent Send is answered, not refused."""
        ...

    async def for_requester(
        self, requester_id: str, page_token: str | None = None, page_size: int = 10
    ) -> Page: ...

    async def update(self, request: DigitalRequest) -> DigitalRequest:
        """Save a changed request if nobody changed it since it was read (request.etag).

        Raises ChangedBySomeoneElse otherwise; the caller re-reads and decides.
        """
        ...

    async def awaiting_triage_post(self, limit: int = 50) -> list[DigitalRequest]: ...

    async def recent(self, limit: int = 200) -> list[DigitalRequest]:
        """The newest requests, for finding likely duplicates."""
        ...

    async def mark_triage_posted(self, reference: str, message_id: str) -> None: ...

    async def triage_message_id(self, reference: str) -> str:
        """The id of the request's card in the triage channel, or ""."""
        ...


class DraftStore(Protocol):
    async def get_draft(self, owner_id: str) -> Draft | None: ...

    async def save_draft(self, draft: Draft) -> Draft:
        """Insert or update. Raises ChangedBySomeoneElse if draft.etag is stale."""
        ...

    async def delete_draft(self, owner_id: str) -> None: ...


class GovernanceStore(Protocol):
    async def governance(self) -> Governance: ...


class ChannelDirectory(Protocol):
    async def register_channel(
        self, purpose: str, reference: dict[str, Any], registered_by: str
    ) -> None: ...

    async def channel(self, purpose: str) -> dict[str, Any] | None: ...

    async def remember_personal_chat(self, user_id: str, reference: dict[str, Any]) -> None: ...

    async def personal_chat(self, user_id: str) -> dict[str, Any] | None: ...


class OnceOnly(Protocol):
    """What makes retried card actions and notifications happen once."""

    async def handled_invoke(self, activity_id: str) -> dict[str, Any] | None: ...

    async def remember_invoke(self, activity_id: str, response: dict[str, Any]) -> None: ...

    async def claim_notification(self, key: str) -> bool: ...

    async def remember_person(self, user_id: str, teams_id: str, name: str) -> None: ...

    async def people(self, user_ids: frozenset[str]) -> dict[str, tuple[str, str]]: ...


class Store(RequestRegister, DraftStore, GovernanceStore, ChannelDirectory, OnceOnly, Protocol):
    """Everything the bot keeps. SQLite locally; SharePoint lists in m365 mode."""

    async def ping(self) -> bool: ...


class Roster(Protocol):
    """Who is on the IT triage team: Entra object ids (a group in m365 mode)."""

    async def members(self) -> frozenset[str]: ...

    async def contains(self, user_id: str) -> bool: ...
