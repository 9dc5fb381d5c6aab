"""SharePoint mode's journal on Azure Tables: the requests raised through the bot, shared by
every instance, with the writes each change owes SharePoint.

The rows are laid out in journal_rows.py. Why two instances writing at once stay right:
- A new request is one transaction holding its rows and its `draft|` row. Two instances
  sending one draft at once: the second transaction finds the `draft|` row made and fails
  whole, and that instance answers with the winner's request. Its reference number is then
  a gap, never a duplicate (numbers come from the ETag-guarded ReferenceCounter).
- Every later write to a request is conditional on its `req|` row's ETag, in the same
  transaction as the outbox row it owes (AzureOutbox, outbox.py). Of two writes at once one
  commits; the other reads again and, for a change whose version is now stale, raises
  ChangedBySomeoneElse as the SQLite journal does.
- Governance: the last writer wins, as with SQLite; a new matrix and the history it joins
  are written in one transaction conditional on the matrix row read, so no version is lost.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
import random
from collections.abc import Mapping, Sequence
from typing import Any

from azure.core import MatchConditions
from azure.data.tables import TableTransactionError, UpdateMode
from azure.data.tables.aio import TableClient

from bot.azure_state import journal_rows as rows
from bot.azure_state.account import AzureState
from bot.azure_state.entities import as_int, etag_of, get_or_none, insert_new, int64, pack, unpack
from bot.azure_state.outbox import AzureOutbox
from bot.azure_state.references import ReferenceCounter, ReferenceCountersBusy
from bot.clock import Clock
from bot.domain import codec
from bot.domain import governance as defaults
from bot.domain.model import DigitalRequest, Matrix, Requester, Status
from bot.domain.references import format_reference, parse_reference
from bot.errors import NotAnsweringNow
from bot.page_tokens import (
    PageTokenKeeper,
    PageTokens,
    SealedPageTokens,
    requests_of_requester,
    shared_page_key,
)
from bot.ports import ChangedBySomeoneElse, Governance, NewRequest, Page, RequestQuery
from bot.store.requests import listing_values, utc_text

logger = logging.getLogger(__name__)

P = rows.PARTITION
TRIES = 30  # writes to one request meeting others' writes: settles in a few
SIDE_BY_SIDE = 25  # point reads at once (requests awaiting their triage card)
NUMBERS_TRIED = 5  # a number already in the journal (a counter reset): the next one
GOT_NO_REFERENCE = (
    "I could not give your request a reference just now, so it has not been sent yet. "
    "Your answers are kept. Please try sending it again in a minute."
)


class AzureJournal(AzureOutbox):
    """The Journal port on Azure Tables. `azure` is shared: closing this leaves it open."""

    def __init__(self, azure: AzureState, clock: Clock, **outbox: Any) -> None:
        """`outbox`: AzureOutbox's timings (tests make them short)."""
        super().__init__(azure, clock, **outbox)
        self._azure = azure
        self._clock = clock
        self._table_client: TableClient | None = None
        self._counter: _Numbers | None = None
        # Sealed under the key every instance shares once open: any instance pages on.
        self._page_tokens: PageTokenKeeper = PageTokens()

    @property
    def _table(self) -> TableClient:
        if self._table_client is None:
            raise RuntimeError("The journal is not open")
        return self._table_client

    async def open(self) -> None:
        self._table_client = await self._azure.table(rows.TABLE)
        self._counter = _Numbers(ReferenceCounter(await self._azure.table("references")))
        await self._seed_governance()
        key = await shared_page_key(self._azure)
        self._page_tokens = SealedPageTokens(key, self._clock, purpose="journal")
        await self._open_outbox()

    async def close(self) -> None:
        await self._close_outbox()

    async def ping(self) -> bool:
        return await self._azure.ping()

    # Adding ---------------------------------------------------------------------------

    async def add(self, new: NewRequest) -> DigitalRequest:
        existing = await self.by_draft(new.draft_id)
        if existing is not None:
            return existing
        year = new.submitted_at.year
        for _ in range(NUMBERS_TRIED):
            try:
                number = await self._numbers().next(year)
            except ReferenceCountersBusy as error:
                logger.warning("No reference number: %s", error)
                raise NotAnsweringNow(GOT_NO_REFERENCE) from None
            order = rows.order_of(year, number)
            request = DigitalRequest(
                reference=format_reference(year, number),
                details=new.details,
                requester=new.requester,
                score=new.score,
                route=new.route,
                status=Status.SUBMITTED,
                submitted_at=new.submitted_at,
            )
            entity = _entity(request, order, version=1, out_seq=1, draft_id=new.draft_id)
            pointer = {"Reference": request.reference, "Order": int64(order)}
            operations: list[tuple[Any, ...]] = [
                ("create", {"PartitionKey": P, "RowKey": rows.draft_row(new.draft_id), **pointer}),
                ("create", entity),
                ("create", _copy(entity, rows.listing_row(order))),
                ("create", _copy(entity, rows.requester_row(new.requester.user_id, order))),
                ("create", {"PartitionKey": P, "RowKey": rows.untriaged_row(order), **pointer}),
                ("create", self._owe(request.reference, order, 1, "create")),
            ]
            try:
                await self._table.submit_transaction(operations)
            except TableTransactionError as error:
                if error.status_code != 409:
                    raise
                winner = await self.by_draft(new.draft_id)
                if winner is not None:
                    return winner  # another instance sent this draft at the same moment
                # The counter is behind the journal (its row was lost or restored): the
                # next numbers come after the journal's highest.
                logger.warning("%s is in the journal already", request.reference)
                await self._numbers().counter.raise_floor(year, await self._highest(year))
                continue
            await self._announce(request.reference)
            return _request(entity)
        raise NotAnsweringNow(GOT_NO_REFERENCE)

    async def _highest(self, year: int) -> int:
        """The highest number of `year` in the journal: one row, as rows sort newest first."""
        found = await self._list(
            "RowKey ge @low and RowKey le @high",
            {
                "low": rows.request_row(rows.order_of(year, 999_999)),
                "high": rows.request_row(rows.order_of(year, 1)),
            },
            1,
            select=["Order"],
        )
        return as_int(found[0]["Order"]) - rows.order_of(year, 1) + 1 if found else 0

    def _numbers(self) -> _Numbers:
        if self._counter is None:
            raise RuntimeError("The journal is not open")
        return self._counter

    async def raise_reference_floor(self, year: int, number: int) -> None:
        await self._numbers().counter.raise_floor(year, number)

    # Reading --------------------------------------------------------------------------

    async def get(self, reference: str) -> DigitalRequest | None:
        found = await self._request_row(reference)
        return _request(found) if found is not None else None

    async def _request_row(self, reference: str) -> Any:
        """The request's row: one point read, its key worked out from the reference."""
        order = _order(reference)
        if order is None:
            return None
        return await get_or_none(self._table, P, rows.request_row(order))

    async def by_draft(self, draft_id: str) -> DigitalRequest | None:
        pointer = await get_or_none(self._table, P, rows.draft_row(draft_id))
        if pointer is None:
            return None
        found = await get_or_none(self._table, P, rows.request_row(as_int(pointer["Order"])))
        if found is None or found.get("DraftId") != draft_id:
            return None
        return _request(found)

    async def for_requester(
        self, requester_id: str, page_token: str | None = None, page_size: int = 10
    ) -> Page:
        query = requests_of_requester(page_size)
        cursor = self._page_tokens.cursor(page_token, requester_id, query)
        prefix = rows.requester_prefix(requester_id)
        # Newest first: rows after the cursor's (inverted order) are older than it.
        low = prefix + rows.inverted(int(cursor)) if cursor else prefix
        found = await self._list(
            "RowKey gt @low and RowKey lt @high and RequesterId eq @who",
            {"low": low, "high": prefix + "~", "who": requester_id},
            page_size + 1,
        )
        items = [_request(entity) for entity in found[:page_size]]
        token = None
        if len(found) > page_size and items:
            token = self._page_tokens.issue(requester_id, query, items[-1].item_id)
        return Page(items=items, next_token=token)

    async def recent(self, limit: int = 200) -> list[DigitalRequest]:
        found = await self._list(
            "RowKey ge @low and RowKey lt @high", {"low": "req|", "high": "req|~"}, limit
        )
        return [_request(entity) for entity in found]

    async def query(
        self, query: RequestQuery, after: int = 0, limit: int = 500
    ) -> list[DigitalRequest]:
        if after >= rows.ORDER_SPAN:
            return []  # past every order (and its key would sort among them as text)
        where = ["RowKey gt @low", "RowKey lt @high"]
        values: dict[str, Any] = {"low": rows.listing_row(after), "high": "asc|~"}
        if query.statuses:
            names = [f"@status{i}" for i in range(len(query.statuses))]
            # Spaces around a parameter: the client reads its name up to the next space.
            where.append("( " + " or ".join(f"Status eq {name}" for name in names) + " )")
            statuses = sorted(status.value for status in query.statuses)
            values.update({name[1:]: status for name, status in zip(names, statuses, strict=True)})
        conditions: list[tuple[str, str, str]] = [
            ("Board", "eq", query.board),
            ("Directorate", "eq", query.directorate),
            ("Theme", "eq", query.theme),
            ("SubmittedAt", "ge", _utc(query.submitted_from)),
            ("SubmittedAt", "lt", _utc(query.submitted_before)),
            ("UpdatedAt", "ge", _utc(query.updated_since)),
        ]
        for n, (column, compare, value) in enumerate(conditions):
            if value:
                where.append(f"{column} {compare} @v{n}")
                values[f"v{n}"] = value
        found = await self._list(" and ".join(where), values, limit)
        return [_request(entity) for entity in found]

    async def awaiting_triage_post(self, limit: int = 50) -> list[DigitalRequest]:
        pointers = await self._list(
            "RowKey ge @low and RowKey lt @high",
            {"low": "untriaged|", "high": "untriaged|~"},
            limit,
            select=["Order"],
        )
        found: list[Any] = []
        for start in range(0, len(pointers), SIDE_BY_SIDE):
            found += await asyncio.gather(
                *(
                    get_or_none(self._table, P, rows.request_row(as_int(pointer["Order"])))
                    for pointer in pointers[start : start + SIDE_BY_SIDE]
                )
            )
        return [_request(entity) for entity in found if entity is not None]

    async def triage_message_id(self, reference: str) -> str:
        found = await self._request_row(reference)
        return str(found.get("TriageMessageId") or "") if found is not None else ""

    async def _list(
        self,
        condition: str,
        values: dict[str, Any],
        limit: int,
        select: list[str] | None = None,
    ) -> list[Any]:
        """Rows of the journal's partition meeting `condition`, in key order, at most
        `limit` (read a page at a time, stopping there)."""
        if limit <= 0:
            return []
        pages = self._table.query_entities(
            f"PartitionKey eq @partition and {condition}",
            parameters={"partition": P, **values},
            results_per_page=min(limit, 1000),
            select=select,
        )
        found: list[Any] = []
        async for entity in pages:
            found.append(entity)
            if len(found) >= limit:
                break
        return found

    # Changing -------------------------------------------------------------------------

    async def update(self, request: DigitalRequest) -> DigitalRequest:
        """Save a change if nobody has changed the request since it was read."""
        for _ in range(TRIES):
            found = await self._request_row(request.reference)
            if found is None or str(found["Version"]) != request.etag:
                raise ChangedBySomeoneElse(f"{request.reference} changed since it was read.")
            entity = await self._rewrite(found, request, owed="update")
            if entity is not None:
                return _request(entity)
        raise ChangedBySomeoneElse(f"{request.reference} is being changed by others just now.")

    async def replace_request(self, request: DigitalRequest) -> DigitalRequest:
        """Every field, the requester included, whatever the version (data protection wins
        over a concurrent edit), owing SharePoint a "replace". The `by|` copy moves to the
        new requester's key in the same transaction, so the old id is left in no key."""
        for _ in range(TRIES):
            found = await self._request_row(request.reference)
            if found is None:
                raise LookupError(f"{request.reference} is not in the journal")
            entity = await self._rewrite(found, request, owed="replace", whole=True)
            if entity is not None:
                return _request(entity)
        raise ChangedBySomeoneElse(f"{request.reference} is being changed by others just now.")

    async def import_version(
        self, request: DigitalRequest, item_id: str, etag: str
    ) -> DigitalRequest:
        """SharePoint's copy, whatever the journal's version: a new version that owes
        SharePoint nothing."""
        for _ in range(TRIES):
            found = await self._request_row(request.reference)
            if found is None:
                raise LookupError(f"{request.reference} is not in the journal")
            item = rows.item_entity(found["Reference"], item_id, etag)
            entity = await self._rewrite(found, request, also=("upsert", item, _MERGE))
            if entity is not None:
                return _request(entity)
        raise ChangedBySomeoneElse(f"{request.reference} is being changed by others just now.")

    async def _rewrite(
        self,
        found: Mapping[str, Any],
        request: DigitalRequest,
        owed: str = "",
        also: tuple[Any, ...] | None = None,
        whole: bool = False,
    ) -> dict[str, Any] | None:
        """Write `request`'s changeable parts (`whole`: its requester too) over the row
        `found` as its next version, with its copies, and the write it owes (`owed`) or
        `also` one more operation, in one transaction conditional on `found`'s ETag. None
        if the row changed meanwhile."""
        order = as_int(found["Order"])
        before = _request(found)
        changed = dataclasses.replace(
            request,
            reference=before.reference,
            requester=request.requester if whole else before.requester,
            submitted_at=before.submitted_at,
            stale=False,
        )
        n = int(found["OutSeq"]) + (1 if owed else 0)
        entity = _entity(
            changed,
            order,
            version=int(found["Version"]) + 1,
            out_seq=n,
            draft_id=str(found["DraftId"]),
            posted=(bool(found.get("Posted")), str(found.get("TriageMessageId") or "")),
        )
        by_requester = rows.requester_row(changed.requester.user_id, order)
        operations: list[tuple[Any, ...]] = [
            ("update", entity, _if_unchanged(etag_of(found))),
            ("upsert", _copy(entity, rows.listing_row(order)), _REPLACE),
            ("upsert", _copy(entity, by_requester), _REPLACE),
        ]
        moved_from = rows.requester_row(before.requester.user_id, order)
        if moved_from != by_requester:
            operations.append(("delete", {"PartitionKey": P, "RowKey": moved_from}))
        if owed:
            operations.append(("create", self._owe(before.reference, order, n, owed)))
        if also is not None:
            operations.append(also)
        if not await _committed(self._table, operations):
            return None
        if owed:
            await self._announce(before.reference)
        return entity

    async def mark_triage_posted(self, reference: str, message_id: str) -> None:
        """Where the card is, not a change to the request: the version stays. The request
        row is written on its ETag, so each write it owes gets its own number."""
        for _ in range(TRIES):
            found = await self._request_row(reference)
            if found is None:
                return
            order = as_int(found["Order"])
            n = int(found["OutSeq"]) + 1
            mark = {
                "PartitionKey": P,
                "RowKey": found["RowKey"],
                "Posted": True,
                "TriageMessageId": message_id,
                "OutSeq": n,
            }
            operations: list[tuple[Any, ...]] = [
                ("update", mark, {**_if_unchanged(etag_of(found)), **_MERGE}),
                ("create", self._owe(found["Reference"], order, n, "triage")),
            ]
            if not found.get("Posted"):
                untriaged = {"PartitionKey": P, "RowKey": rows.untriaged_row(order)}
                operations.append(("delete", untriaged))
            if await _committed(self._table, operations):
                await self._announce(found["Reference"])
                return
        raise ChangedBySomeoneElse(f"{reference} is being changed by others just now.")

    # What SharePoint has --------------------------------------------------------------

    async def graph_item(self, reference: str) -> tuple[str, str] | None:
        found = await get_or_none(self._table, P, rows.pointer_row(reference))
        if found is None or not found.get("ItemId"):
            return None
        return str(found["ItemId"]), str(found.get("GraphEtag") or "")

    async def remember_item(self, reference: str, item_id: str, etag: str) -> None:
        await self._table.upsert_entity(
            rows.item_entity(reference, item_id, etag), mode=UpdateMode.MERGE
        )

    # Governance -----------------------------------------------------------------------

    async def _seed_governance(self) -> None:
        """First open only: the council's published boards, processes, matrix and rules.
        Each value is inserted only if missing, so instances opening together agree."""
        have = {
            str(entity["Name"])
            for entity in await self._list(
                "RowKey ge @low and RowKey lt @high",
                {"low": "gov|", "high": "gov|~"},
                1000,
                select=["Name"],
            )
        }
        for name, value in _seed().items():
            if name not in have:
                await insert_new(self._table, _governance_entity(name, value))

    async def governance(self) -> Governance:
        config = await self._config()
        return Governance(
            boards=codec.boards_from_list(config["boards"]),
            processes=codec.processes_from_list(config["processes"]),
            matrix=codec.matrix_from_dict(config["matrix"]),
            rules=codec.rules_from_list(config["routing_rules"]),
        )

    async def _config(self) -> dict[str, Any]:
        found = await self._list(
            "RowKey ge @low and RowKey lt @high", {"low": "gov|", "high": "gov|~"}, 1000
        )
        return {str(entity["Name"]): unpack(entity) for entity in found}

    async def replace_governance(self, config: dict[str, Any]) -> None:
        """Keep the latest governance read from elsewhere: key -> JSON value, as seeded.
        All of it in one transaction (at most 100 values)."""
        operations = [
            ("upsert", _governance_entity(name, value), _REPLACE) for name, value in config.items()
        ]
        for start in range(0, len(operations), 100):
            await self._table.submit_transaction(operations[start : start + 100])

    async def save_matrix(self, matrix: Matrix) -> None:
        """The new matrix becomes current; the one it replaces joins `matrix_history`."""
        current_row = rows.governance_row("matrix")
        for _ in range(TRIES):
            current = await get_or_none(self._table, P, current_row)
            past = await get_or_none(self._table, P, rows.governance_row("matrix_history"))
            history = unpack(past) if past is not None else []
            if current is not None:
                history.append(unpack(current))
            new = _governance_entity("matrix", codec.matrix_to_dict(matrix))
            operations: list[tuple[Any, ...]] = [
                ("upsert", _governance_entity("matrix_history", history), _REPLACE),
                ("update", new, _if_unchanged(etag_of(current)))
                if current is not None
                else ("create", new),
            ]
            if await _committed(self._table, operations):
                return
        raise ChangedBySomeoneElse("The matrix is being changed by others just now.")

    async def matrix_history(self) -> list[Matrix]:
        found = await get_or_none(self._table, P, rows.governance_row("matrix_history"))
        return [codec.matrix_from_dict(m) for m in unpack(found)] if found is not None else []


class _Numbers:
    """Reference numbers for this instance's adds. Adds waiting together share one
    conditional write of the shared counter, which hands them a run of numbers: adds in one
    instance never race each other for the counter, only instances do. A number whose add
    then fails is a gap, as with one number at a time."""

    def __init__(self, counter: ReferenceCounter) -> None:
        self.counter = counter
        self._waiting: dict[int, list[asyncio.Future[int]]] = {}
        self._drawing = asyncio.Lock()

    async def next(self, year: int) -> int:
        mine: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(year, []).append(mine)
        try:
            async with self._drawing:
                if not mine.done():
                    await self._draw(year)
        except asyncio.CancelledError:
            mine.cancel()  # the next draw leaves it out
            raise
        return mine.result()

    async def _draw(self, year: int) -> None:
        """Numbers for every add of `year` waiting now (this one among them)."""
        batch = [waiting for waiting in self._waiting.pop(year, []) if not waiting.done()]
        try:
            first = await self.counter.next_number(year, len(batch))
        except asyncio.CancelledError:
            # The add drawing was given up: the others wait on, for the next to draw.
            self._waiting.setdefault(year, []).extend(w for w in batch if not w.done())
            raise
        except Exception as error:
            for waiting in batch:
                if not waiting.done():
                    waiting.set_exception(error)
            return
        for offset, waiting in enumerate(batch):
            if not waiting.done():
                waiting.set_result(first + offset)


_REPLACE: dict[str, Any] = {"mode": UpdateMode.REPLACE}
_MERGE: dict[str, Any] = {"mode": UpdateMode.MERGE}


def _if_unchanged(etag: str) -> dict[str, Any]:
    return {
        "mode": UpdateMode.REPLACE,
        "etag": etag,
        "match_condition": MatchConditions.IfNotModified,
    }


async def _committed(table: TableClient, operations: Sequence[tuple[Any, ...]]) -> bool:
    """Submit one transaction: False if a row it was conditional on changed (or was made
    or removed) meanwhile, after a short pause so that retries spread out."""
    try:
        await table.submit_transaction(operations)
    except TableTransactionError as error:
        if error.status_code not in (404, 409, 412):
            raise
        await asyncio.sleep(random.uniform(0, 0.01))
        return False
    return True


def _order(reference: str) -> int | None:
    parsed = parse_reference(reference)
    if parsed is None or parsed[1] >= 1_000_000:
        return None  # not a reference the journal could have given
    return rows.order_of(*parsed)


def _utc(moment: dt.datetime | None) -> str:
    return utc_text(moment) if moment is not None else ""


def _entity(
    request: DigitalRequest,
    order: int,
    version: int,
    out_seq: int,
    draft_id: str,
    posted: tuple[bool, str] = (False, ""),
) -> dict[str, Any]:
    """The request's row: its JSON, the columns the queries filter on, and whether its
    triage card is posted (and its message id)."""
    directorate, theme, updated_at = listing_values(request)
    document = {
        "details": codec.details_to_dict(request.details),
        "requester": dataclasses.asdict(request.requester),
        "score": codec.score_to_dict(request.score),
        "route": codec.route_to_dict(request.route),
        "submitted_at": request.submitted_at.isoformat(),
        "triage": codec.triage_to_dict(request),
    }
    return {
        "PartitionKey": P,
        "RowKey": rows.request_row(order),
        "Reference": request.reference,
        "Order": int64(order),
        "Version": version,
        "OutSeq": out_seq,
        "DraftId": draft_id,
        "RequesterId": request.requester.user_id,
        "Status": request.status.value,
        "Board": request.route.board,
        "Directorate": directorate,
        "Theme": theme,
        "SubmittedAt": utc_text(request.submitted_at),
        "UpdatedAt": updated_at,
        "Posted": posted[0],
        "TriageMessageId": posted[1],
        **pack(document),
    }


def _copy(entity: Mapping[str, Any], row: str) -> dict[str, Any]:
    return {**entity, "RowKey": row}


def _request(entity: Mapping[str, Any]) -> DigitalRequest:
    document = unpack(entity)
    return DigitalRequest(
        reference=str(entity["Reference"]),
        details=codec.details_from_dict(document["details"]),
        requester=Requester(**document["requester"]),
        score=codec.score_from_dict(document["score"]),
        route=codec.route_from_dict(document["route"]),
        status=Status(entity["Status"]),
        submitted_at=dt.datetime.fromisoformat(document["submitted_at"]),
        item_id=str(as_int(entity["Order"])),
        etag=str(entity["Version"]),
        **codec.triage_fields(document["triage"]),
    )


def _seed() -> dict[str, Any]:
    return {
        "boards": [dataclasses.asdict(b) for b in defaults.DEFAULT_BOARDS],
        "processes": [dataclasses.asdict(p) for p in defaults.DEFAULT_PROCESSES],
        "matrix": codec.matrix_to_dict(defaults.DEFAULT_MATRIX),
        "routing_rules": codec.rules_to_list(tuple(defaults.DEFAULT_RULES)),
    }


def _governance_entity(name: str, value: Any) -> dict[str, Any]:
    return {"PartitionKey": P, "RowKey": rows.governance_row(name), "Name": name, **pack(value)}
