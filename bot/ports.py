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
    AuditEntry,
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
    Status,
)


class ChangedBySomeoneElse(Exception):
    """The item changed after it was read: its ETag no longer matches."""


@dataclass(frozen=True)
class NotApplied:
    """Changes made in Teams that met a newer edit in the shared list, so were not written.

    `now` is the request as it is in the list (taken in); `lost` are the changes not
    applied, each with who made it, so each person can be told.
    """

    now: DigitalRequest
    lost: tuple[AuditEntry, ...]
    editor: str  # who changed it in the list, when Graph says so; "" if not known


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
    # The shared list could not be read in time: the local copy answered, and may be a
    # little out of date (changes made in SharePoint not seen yet).
    stale: bool = False


@dataclass(frozen=True)
class Governance:
    boards: dict[str, Board]
    processes: dict[str, Process]
    matrix: Matrix
    rules: tuple[RoutingRule, ...]


@dataclass(frozen=True)
class RequestQuery:
    """Which requests `RequestRegister.query` returns: every condition given must hold."""

    statuses: frozenset[Status] = frozenset()  # empty: any status
    board: str = ""  # a board's key; "": any board
    submitted_from: dt.datetime | None = None  # submitted at or after
    submitted_before: dt.datetime | None = None  # submitted before
    directorate: str = ""  # one of DIRECTORATES; "": any directorate
    theme: str = ""  # a Theme value a board set; "": any theme
    updated_since: dt.datetime | None = None  # last changed at or after


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

    async def query(
        self, query: RequestQuery, after: int = 0, limit: int = 500
    ) -> list[DigitalRequest]:
        """Requests matching `query`, oldest first, a page at a time: `after` is the
        `item_id` (as an int) of the last one of the page before, 0 for the first page.
        A page shorter than `limit` is the last. In SharePoint mode the journal answers
        (every request raised through the bot), as `recent` does."""
        ...

    async def triage_message_id(self, reference: str) -> str:
        """The id of the request's card in the triage channel, or ""."""
        ...


class DraftStore(Protocol):
    """Half-filled forms, one per person per form: a request draft and a feedback
    draft can wait side by side."""

    async def get_draft(self, owner_id: str, form: str) -> Draft | None: ...

    async def save_draft(self, draft: Draft) -> Draft:
        """Insert or update (keyed by draft.owner_id and draft.form).

        Raises ChangedBySomeoneElse if draft.etag is stale.
        """
        ...

    async def create_draft(self, draft: Draft) -> Draft | None:
        """Insert only if the person has no draft of this form: the saved draft, or None
        when one was there already (another instance, or a retry, made it first)."""
        ...

    async def delete_draft(self, owner_id: str, form: str) -> None: ...


class GovernanceStore(Protocol):
    async def governance(self) -> Governance: ...

    async def save_matrix(self, matrix: Matrix) -> None:
        """Publish a new version of the prioritisation matrix (the board's weights card).

        The version before it is kept in the matrix history (`matrix_history`), so a
        score made with it can still be explained. New scores use the new one; scores
        already made keep theirs. In SharePoint mode it is written to DFD Config."""
        ...

    async def matrix_history(self) -> list[Matrix]:
        """Every matrix version published before the current one, oldest first."""
        ...


class ChannelDirectory(Protocol):
    async def register_channel(
        self, purpose: str, reference: dict[str, Any], registered_by: str
    ) -> None: ...

    async def channel(self, purpose: str) -> dict[str, Any] | None: ...

    async def channel_purposes(self) -> list[str]:
        """Every purpose a channel is registered for, sorted (to say which exist)."""
        ...

    async def remember_personal_chat(self, user_id: str, reference: dict[str, Any]) -> None: ...

    async def personal_chat(self, user_id: str) -> dict[str, Any] | None: ...


# How long a claim on a notification holds before another instance may take it over: far
# longer than a send takes, Retry-After waits included.
CLAIM_HOLD = dt.timedelta(minutes=10)


class OnceOnly(Protocol):
    """What makes retried card actions and notifications happen once."""

    async def handled_invoke(self, key: str) -> dict[str, Any] | None:
        """The stored answer to an invoke. The key names the Activity id and the actor."""
        ...

    async def remember_invoke(self, key: str, response: dict[str, Any]) -> None: ...

    async def claim_notification(self, key: str, hold: dt.timedelta = CLAIM_HOLD) -> bool:
        """True if this caller may send what `key` names now: nobody has sent it, and
        nobody holds a claim on it. A claim is held for `hold`; the caller then says
        `notification_sent` (kept for ever) or `release_notification` (free again). A
        claim neither confirmed nor released in time (its instance died) can be taken by
        the next caller, so a message is never lost with the instance that claimed it."""
        ...

    async def notification_sent(self, key: str) -> None:
        """What `key` names was sent: it is never claimed again."""
        ...

    async def release_notification(self, key: str) -> None:
        """Give a claimed key back: what it was claimed for was not sent after all."""
        ...

    async def remember_person(self, user_id: str, teams_id: str, name: str) -> None: ...

    async def people(self, user_ids: frozenset[str]) -> dict[str, tuple[str, str]]: ...


@dataclass(frozen=True)
class Record:
    """One thing a journey keeps for itself (a feedback rating, say), as plain JSON data."""

    kind: str
    key: str
    owner_id: str
    at: dt.datetime
    data: dict[str, Any]
    seq: int = 0


class RecordStore(Protocol):
    """Where a journey keeps its own records, so a new journey needs no new table."""

    async def add_record(self, record: Record) -> bool:
        """Keep it once: True if new, False if a record of that kind and key is already kept."""
        ...

    async def records(self, kind: str, after_seq: int = 0, limit: int = 500) -> list[Record]:
        """Records of a kind in the order they were kept, from just after `after_seq`."""
        ...


class WorkingPersonalData(Protocol):
    """What data protection needs of the bot's own state (issue 18): find, change and
    remove what is held about a person, and what is past its retention period. Every
    method is safe to call again: a second call finds nothing left to do."""

    # Records (RecordStore): a record may be rewritten in place (anonymised) or removed.
    async def replace_record(self, record: Record) -> bool:
        """Rewrite the record of `record.kind` and `record.key` with this owner and data
        (its seq and time stay). False if there is no such record."""
        ...

    async def delete_record(self, kind: str, key: str) -> bool:
        """Remove it for good; its key is not free again (add_record stays False for
        it), so an erased record is never kept a second time by a retried write."""
        ...

    async def records_of(self, owner_id: str, limit: int = 10_000) -> list[Record]:
        """Every record, of any kind, whose owner is `owner_id`, in the order kept."""
        ...

    # Drafts (DraftStore).
    async def drafts_of(self, owner_id: str) -> list[Draft]:
        """Every half-filled form of this person, any form."""
        ...

    async def delete_drafts_before(self, cutoff: dt.datetime) -> int:
        """Remove every draft last changed before `cutoff`; how many went."""
        ...

    # Chats and people (ChannelDirectory, OnceOnly.remember_person).
    async def find_people(self, name: str) -> dict[str, tuple[str, str]]:
        """People whose display name matches `name` (ignoring case and spacing):
        user id -> (Teams id, name)."""
        ...

    async def forget_person(self, user_id: str) -> int:
        """Remove the person's chat reference and their people row; how many rows went."""
        ...

    async def forget_unseen_since(self, cutoff: dt.datetime) -> int:
        """Remove chat references and people rows of everyone not seen since `cutoff`
        (remember_personal_chat and remember_person stamp when someone was last seen)."""
        ...

    async def last_seen(self, user_id: str) -> dt.datetime | None:
        """When the person was last seen (for `my data`); None if they are not known."""
        ...

    async def channels_registered_by(
        self, user_ids: frozenset[str]
    ) -> dict[str, tuple[str, dict[str, Any]]]:
        """Channels one of these people registered (`registered_by`, or the `user` of
        the reference: whoever typed `register`): purpose -> (registered_by, reference)."""
        ...

    async def forget_channel_registrar(self, user_ids: frozenset[str], stand_in: str) -> int:
        """In every channel one of these people registered, `registered_by` and the
        reference's `user` id and Entra id become `stand_in` and its name ERASED_NAME (the
        channel stays registered); how many channels changed."""
        ...

    # Once-only answers (OnceOnly).
    async def forget_invokes_before(self, cutoff: dt.datetime) -> int:
        """Remove stored answers to card presses kept before `cutoff`, and the presses'
        claims ("invoke:" keys, which hold the presser's id) kept before it."""
        ...

    async def forget_sent_before(self, prefixes: tuple[str, ...], cutoff: dt.datetime) -> int:
        """Remove sent-notification keys starting with one of `prefixes` kept before
        `cutoff` (only keys whose send is never repeated); how many went."""
        ...

    async def forget_keys_naming(self, user_id: str, stand_in: str) -> int:
        """Sent-notification keys that hold `user_id` are rewritten with `stand_in`
        instead (so what was sent stays sent, and the id goes); how many changed."""
        ...

    async def forget_answers_naming(self, texts: frozenset[str]) -> int:
        """Remove stored answers to card presses (anyone's) that hold any of `texts` (a
        person's ids and names, ignoring case): a triager's card can quote a requester.
        A press Teams sends again is then told it is still running, never run twice."""
        ...


class PersonalDataStore(WorkingPersonalData, Protocol):
    """The same for the whole store, requests included."""

    async def replace_request(self, request: DigitalRequest) -> DigitalRequest:
        """Overwrite every field of the stored request, the requester included (an
        anonymised copy, bot/domain/anonymise.py), whoever changed it last: data
        protection wins over a concurrent edit. In SharePoint mode the write to the list
        is queued like any other, and carries the requester columns too."""
        ...


class Store(
    RequestRegister,
    DraftStore,
    GovernanceStore,
    ChannelDirectory,
    OnceOnly,
    RecordStore,
    PersonalDataStore,
    Protocol,
):
    """Everything the bot keeps. SQLite locally; SharePoint lists in m365 mode."""

    async def ping(self) -> bool: ...


class WorkingState(
    DraftStore, ChannelDirectory, OnceOnly, RecordStore, WorkingPersonalData, Protocol
):
    """The bot's own state, not council records: kept locally in SharePoint mode too."""

    async def open(self) -> None: ...

    async def close(self) -> None: ...


@dataclass(frozen=True)
class OutboxOp:
    """A write still owed to SharePoint: `create` makes the item, `update` carries a triage
    change, `triage` records where the triage card was posted."""

    seq: int
    reference: str
    op: str
    attempts: int


class Journal(RequestRegister, GovernanceStore, Protocol):
    """SharePoint mode's local copy of the requests raised through the bot, and the writes
    it still owes SharePoint, in order. Every write to a request queues one (in the same
    transaction), so nothing taken from a member of staff is lost if Graph is down.
    """

    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def ping(self) -> bool: ...

    async def outbox_pending(self, limit: int = 20) -> list[OutboxOp]:
        """Writes not yet done, each request's in the order they were queued (across
        requests no order is promised: several instances share the work). With several
        instances, only writes of requests this instance may write now are returned."""
        ...

    async def outbox_count(self) -> int: ...

    async def outbox_oldest(self) -> dt.datetime | None:
        """When the oldest write still owed was queued (None when nothing is owed), so
        /readyz can say how long SharePoint has been behind."""
        ...

    async def outbox_done(self, seq: int, reference: str, item_id: str, etag: str) -> None:
        """SharePoint has it: the op is done, and the item (if `item_id`) is remembered."""
        ...

    async def outbox_skip(self, reference: str, op: str, through_seq: int | None = None) -> None:
        """Writes of `op` for `reference` that another write has already carried: all of
        them, or those queued up to `through_seq` (one write of the request's latest state
        carries every update queued before it, not one queued after)."""
        ...

    async def outbox_failed(self, seq: int, error: str) -> None:
        """One more attempt failed; the op stays queued."""
        ...

    async def pending_for(self, reference: str) -> int:
        """How many writes of this request are still owed."""
        ...

    async def unwritten_references(self) -> set[str]:
        """Requests SharePoint does not have yet (their create is still owed)."""
        ...

    async def graph_item(self, reference: str) -> tuple[str, str] | None:
        """The SharePoint item id and the ETag of the last version the bot wrote or read."""
        ...

    async def remember_item(self, reference: str, item_id: str, etag: str) -> None:
        """SharePoint's item and ETag for a request whose content the journal already has
        (nothing in it changed): the request's own version stays as it is."""
        ...

    async def import_version(
        self, request: DigitalRequest, item_id: str, etag: str
    ) -> DigitalRequest:
        """Take SharePoint's copy as the truth (changed there, say in Power Apps)."""
        ...

    async def raise_reference_floor(self, year: int, number: int) -> None:
        """Never hand out `number` or below in `year`: SharePoint already has them."""
        ...

    async def replace_request(self, request: DigitalRequest) -> DigitalRequest:
        """As PersonalDataStore.replace_request: the journal's copy is overwritten and a
        write of every column (requester included) is queued for SharePoint."""
        ...

    async def replace_governance(self, config: dict[str, Any]) -> None:
        """Keep the latest governance read from SharePoint (key -> JSON value)."""
        ...

    async def save_matrix(self, matrix: Matrix) -> None: ...

    async def matrix_history(self) -> list[Matrix]: ...


class Roster(Protocol):
    """Who is on the IT triage team: Entra object ids (a group in m365 mode)."""

    async def members(self) -> frozenset[str]: ...

    async def contains(self, user_id: str) -> bool: ...

    async def names(self) -> dict[str, str]:
        """Display names of the members known to the roster's source: id -> name."""
        ...
