"""The "DFD Automation Backlog" SharePoint list: the automation backlog for Power Platform
makers in m365 mode (see graph_clients/schema.py BACKLOG).

One item per mapped process, holding its latest version; the built-in Title is the
process's name and ProcessId, a unique column, its id. The processes journey keeps every
version in the bot's own records and copies one here when it is sent
(bot/journeys/processes/sharepoint.py).

`upsert` can be run again and again. It looks the process up first: a new one is created,
a changed one updated only if nobody changed the item since it was read (If-Match), an
unchanged one left alone, and a newer version than the one given is kept. Two instances
sending the same process at once meet SharePoint's refusals (409 for a second item with
one ProcessId, 412 for an item changed since it was read); each then looks again, so the
list ends with one item, holding the newest version.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import httpx
from kiota_abstractions.api_error import APIError
from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_abstractions.request_information import RequestInformation
from msgraph.generated.models.field_value_set import FieldValueSet
from msgraph.generated.models.list_item import ListItem
from msgraph.generated.sites.item.lists.item.items.items_request_builder import (
    ItemsRequestBuilder,
)

from graph_clients import odata
from graph_clients.client import GraphUnavailable, read_json_page, with_retries
from graph_clients.schema import BACKLOG, BACKLOG_KINDS

if TYPE_CHECKING:
    from graph_clients.wiring import GraphConnection

logger = logging.getLogger(__name__)
Query = ItemsRequestBuilder.ItemsRequestBuilderGetQueryParameters
Upserted = Literal["created", "updated", "unchanged", "kept newer"]
TRIES = 4  # look-ups and writes in one upsert, when others keep writing the same process
PAGE_SIZE = 500  # items asked for per page when reading the whole list
MAX_PAGES = 100  # pages read at most: 50,000 processes
LONGEST_TEXT = 255  # a single line of text in SharePoint
LONGEST_NOTE = 10_000
MOST_HOURS = 1e12  # far above any map (50 steps of 480 minutes, a million items a month)
EASE = range(0, 4)  # 3 quick to build, 2 some work, 1 a bigger piece; 0 none
UNIQUE_CONFLICT = 409  # SharePoint's answer to a second item with one ProcessId
CHANGED_SINCE_READ = 412


def _kind_key(text: str) -> str:
    return text.strip().casefold().replace("-", "_").replace(" ", "_")


# The kinds by their labels, their keys and the words people use, each to its label.
_KINDS = {_kind_key(label): label for label in BACKLOG_KINDS} | {
    "self_service": "Self-service form",
    "form": "Self-service form",
    "power_automate": "Power Automate flow",
    "flow": "Power Automate flow",
}


@dataclass(frozen=True)
class BacklogEntry:
    """One process's line in the backlog, as the list holds it."""

    process_id: str
    version: int
    name: str
    directorate: str
    service_area: str
    hours_per_year: float
    hours_saveable: float
    kind: str  # one of schema.BACKLOG_KINDS
    ease: int  # 3 quick to build, 2 some work, 1 a bigger piece of work, 0 nothing to build
    reason: str
    systems: tuple[str, ...]
    owner_id: str  # the Entra object id of who mapped it
    updated_at: dt.datetime  # UTC, whole seconds (SharePoint keeps no more)


class BacklogEntryRefused(ValueError):
    """An entry the list cannot hold; `problems` says why, one plain sentence each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(" ".join(problems))
        self.problems = tuple(problems)


class BacklogListMissing(RuntimeError):
    def __init__(self) -> None:
        super().__init__(
            f'The "{BACKLOG.name}" list is missing: run python -m graph_clients.provision'
        )


class BacklogNotWritten(RuntimeError):
    """Others kept changing the process's item between our look-up and our write."""

    def __init__(self, process_id: str) -> None:
        super().__init__(
            f"Process {process_id} was not written to {BACKLOG.name}: its item kept changing "
            f"while the bot wrote it ({TRIES} tries). The next time it is sent, it is tried again."
        )


def backlog_entry(raw: Mapping[str, Any]) -> BacklogEntry:
    """The entry the processes journey sends (see bot/journeys/processes/sharepoint.py),
    checked. Raises BacklogEntryRefused naming every problem."""
    problems: list[str] = []
    process_id = _line(raw, "process_id", "The process id", problems, required=True)
    name = _line(raw, "name", "The process's name", problems, required=True)
    directorate = _line(raw, "directorate", "The directorate", problems)
    service_area = _line(raw, "service_area", "The service area", problems)
    owner_id = _line(raw, "owner_id", "The owner's Entra object id", problems)
    version = _whole(raw.get("version"), "The version", range(1, 1_000_000), problems)
    ease = _whole(raw.get("ease"), "The ease", EASE, problems)
    hours = _hours(raw.get("hours_per_year"), "The hours a year", problems)
    saveable = _hours(raw.get("hours_saveable"), "The hours a year saveable", problems)
    if hours is not None and saveable is not None and saveable > hours:
        problems.append(
            f"The hours a year saveable ({saveable:g}) are more than the hours a year the "
            f"process takes ({hours:g})."
        )
    kind = _KINDS.get(_kind_key(str(raw.get("kind") or "")))
    if kind is None:
        problems.append(f"The kind {raw.get('kind')!r} is not one of: {', '.join(BACKLOG_KINDS)}.")
    reason = raw.get("reason") or ""
    if not isinstance(reason, str) or len(reason) > LONGEST_NOTE:
        problems.append(f"The reason must be text of at most {LONGEST_NOTE:,} characters.")
    systems = _systems(raw.get("systems"), problems)
    updated_at = _moment(raw.get("updated_at"), problems)
    if problems:
        raise BacklogEntryRefused(problems)
    assert version is not None and ease is not None and hours is not None
    assert saveable is not None and kind is not None and updated_at is not None
    return BacklogEntry(
        process_id=process_id,
        version=version,
        name=name,
        directorate=directorate,
        service_area=service_area,
        hours_per_year=hours,
        hours_saveable=saveable,
        kind=kind,
        ease=ease,
        reason=str(reason).replace("\r\n", "\n"),
        systems=systems,
        owner_id=owner_id,
        updated_at=updated_at,
    )


def _line(
    raw: Mapping[str, Any], key: str, what: str, problems: list[str], required: bool = False
) -> str:
    value = raw.get(key)
    if value is None:
        value = ""
    if not isinstance(value, str):
        problems.append(f"{what} must be text.")
        return ""
    value = value.strip()
    if required and not value:
        problems.append(f"{what} is missing.")
    elif len(value) > LONGEST_TEXT:
        problems.append(f"{what} is longer than {LONGEST_TEXT} characters.")
    elif any(ord(c) < 32 for c in value):
        problems.append(f"{what} must be one line.")
    return value


def _whole(value: Any, what: str, allowed: range, problems: list[str]) -> int | None:
    whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if isinstance(value, bool) or not whole:
        problems.append(f"{what} must be a whole number, not {value!r}.")
        return None
    if int(value) not in allowed:
        problems.append(f"{what} must be from {allowed.start} to {allowed.stop - 1}.")
        return None
    return int(value)


def _hours(value: Any, what: str, problems: list[str]) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        problems.append(f"{what} must be a number, not {value!r}.")
        return None
    if not 0 <= value <= MOST_HOURS:
        problems.append(f"{what} must be from 0 to {MOST_HOURS:,.0f}.")
        return None
    return float(value)


def _systems(value: Any, problems: list[str]) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if items is None:
        return ()
    if not isinstance(items, list | tuple) or not all(isinstance(s, str) for s in items):
        problems.append("The systems must be a list of names.")
        return ()
    names = tuple(s.strip() for s in items if s.strip())
    if any(len(s) > LONGEST_TEXT or any(ord(c) < 32 for c in s) for s in names):
        problems.append(
            f"Each system's name must be one line of at most {LONGEST_TEXT} characters."
        )
    return names


def _moment(value: Any, problems: list[str]) -> dt.datetime | None:
    at = value
    if isinstance(value, str):
        try:
            at = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            at = None
    if not isinstance(at, dt.datetime) or at.tzinfo is None:
        problems.append("When it was updated must be a date and time with its time zone.")
        return None
    return at.astimezone(dt.UTC).replace(microsecond=0)


def to_fields(entry: BacklogEntry) -> dict[str, Any]:
    return {
        "Title": entry.name,
        "ProcessId": entry.process_id,
        "Version": entry.version,
        "Directorate": entry.directorate,
        "ServiceArea": entry.service_area,
        "HoursPerYear": entry.hours_per_year,
        "HoursSaveable": entry.hours_saveable,
        "Kind": entry.kind,
        "Ease": entry.ease,
        "Reason": entry.reason,
        "Systems": "\n".join(entry.systems),
        "OwnerId": entry.owner_id,
        "UpdatedAt": entry.updated_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def read_fields(fields: Mapping[str, Any]) -> BacklogEntry | None:
    """The entry an item holds; None for one the bot did not write whole (a row someone
    added by hand, say), which `upsert` then writes over."""
    raw = {
        "process_id": fields.get("ProcessId"),
        "version": _number(fields.get("Version")),
        "name": fields.get("Title"),
        "directorate": fields.get("Directorate"),
        "service_area": fields.get("ServiceArea"),
        "hours_per_year": _number(fields.get("HoursPerYear")),
        "hours_saveable": _number(fields.get("HoursSaveable")),
        "kind": fields.get("Kind"),
        "ease": _number(fields.get("Ease")),
        "reason": fields.get("Reason"),
        "systems": str(fields.get("Systems") or "").replace("\r\n", "\n").split("\n"),
        "owner_id": fields.get("OwnerId"),
        "updated_at": fields.get("UpdatedAt"),
    }
    try:
        return backlog_entry(raw)
    except BacklogEntryRefused:
        return None


def _number(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


@dataclass(frozen=True)
class _Row:
    """An item as read: what is needed to change it, and the entry it holds."""

    item_id: str
    etag: str
    process_id: str
    entry: BacklogEntry | None


class BacklogList:
    """The "DFD Automation Backlog" list, through the real msgraph-sdk."""

    def __init__(self, graph: GraphConnection, list_id: str = BACKLOG.name) -> None:
        self._graph = graph
        self._list_id = list_id

    @property
    def _items(self) -> ItemsRequestBuilder:
        site = self._graph.client.sites.by_site_id(self._graph.site_id)
        return site.lists.by_list_id(self._list_id).items

    async def upsert(self, entry: BacklogEntry | Mapping[str, Any]) -> Upserted:
        """Create or update the process's item; what happened. Raises BacklogEntryRefused
        for an entry the list cannot hold, BacklogListMissing before provisioning,
        BacklogNotWritten, GraphUnavailable or APIError when it could not be written."""
        if not isinstance(entry, BacklogEntry):
            entry = backlog_entry(entry)
        for _ in range(TRIES):
            outcome = await self._write(entry, await self._find(entry.process_id))
            if outcome is not None:
                return outcome
        raise BacklogNotWritten(entry.process_id)

    async def sync(self, entries: Iterable[BacklogEntry]) -> Counter[str]:
        """Make the list hold each of these entries (or a newer version), reading the list
        once rather than once per entry: for copies missed while Graph was away. How many
        of each outcome; "not written" for those others kept changing."""
        rows: dict[str, _Row] = {}
        for row in await self._read(None):
            rows.setdefault(row.process_id, row)
        outcomes: Counter[str] = Counter()
        for entry in entries:
            outcome = await self._write(entry, rows.get(entry.process_id))
            if outcome is None:  # changed since the list was read: look it up afresh
                try:
                    outcome = await self.upsert(entry)
                except BacklogNotWritten as error:
                    logger.warning("%s", error)
                    outcomes["not written"] += 1
                    continue
            outcomes[outcome] += 1
        return outcomes

    async def _write(self, entry: BacklogEntry, found: _Row | None) -> Upserted | None:
        """Create, update or leave the item as `found` it; None when the item changed since
        it was read, or may have been created (look it up again)."""
        fields = to_fields(entry)
        if found is None:
            return "created" if await self._create(fields) else None
        if found.entry is not None and found.entry.version > entry.version:
            return "kept newer"
        if found.entry == entry:
            return "unchanged"
        return "updated" if await self._update(found, fields) else None

    async def entries(self) -> list[BacklogEntry]:
        """Every process the list holds, most hours saveable first; items that are not
        whole backlog entries (added by hand) are left out."""
        found = [row.entry for row in await self._read(None) if row.entry is not None]
        return sorted(found, key=lambda e: (-e.hours_saveable, -e.ease, e.name, e.process_id))

    async def _find(self, process_id: str) -> _Row | None:
        rows = await self._read(odata.field_eq("ProcessId", process_id))
        # SharePoint compares text without case; a process id is matched exactly.
        return next((row for row in rows if row.process_id == process_id), None)

    async def _create(self, fields: dict[str, Any]) -> bool:
        """True when created; False when it may be there already (look again)."""
        body = ListItem(fields=FieldValueSet(additional_data=fields))
        items = self._items

        async def post() -> Any:
            return await items.post(body)

        what = f"Add process {fields['ProcessId']} to the backlog"
        try:
            # A create is not idempotent: sent again only when Graph says it was not done.
            await with_retries(post, self._graph.policy, what, idempotent=False)
        except APIError as error:
            if error.response_status_code == UNIQUE_CONFLICT:
                return False
            if error.response_status_code == 404:
                raise BacklogListMissing() from error
            raise
        except (httpx.TransportError, TimeoutError) as error:
            logger.warning("%s: no answer (%r); looking it up", what, error)
            return False
        return True

    async def _update(self, found: _Row, fields: dict[str, Any]) -> bool:
        """True when written; False when someone changed the item since it was read."""
        config: RequestConfiguration[Any] = RequestConfiguration()
        config.headers.add("If-Match", found.etag or "*")
        body = FieldValueSet(additional_data=fields)
        builder = self._items.by_list_item_id(found.item_id).fields

        async def patch() -> Any:
            return await builder.patch(body, request_configuration=config)

        what = f"Update process {fields['ProcessId']} in the backlog"
        try:
            await with_retries(patch, self._graph.policy, what)
        except APIError as error:
            if error.response_status_code == CHANGED_SINCE_READ:
                return False
            raise
        return True

    async def _read(self, filter_: str | None) -> list[_Row]:
        """Every item, or of those the filter matches, in item id
        order. Read as JSON through the SDK's adapter: building its models takes about
        10 ms an item."""
        fields = ",".join(["Title", *(column.name for column in BACKLOG.columns)])
        query = Query(
            expand=[f"fields($select={fields})"],
            select=["id", "eTag"],
            filter=filter_,
            top=PAGE_SIZE,
        )
        info = self._items.to_get_request_information(RequestConfiguration(query_parameters=query))
        found: list[_Row] = []
        base = self._graph.base_url.rstrip("/") + "/"
        for _ in range(MAX_PAGES):
            page = await self._get_json(info)
            for item in page.get("value") or []:
                values = dict(item.get("fields") or {})
                item_id = str(item.get("id") or values.get("id") or "")
                etag = str(item.get("eTag") or values.get("@odata.etag") or "")
                process_id = str(values.get("ProcessId") or "").strip()
                found.append(_Row(item_id, etag, process_id, read_fields(values)))
            link = str(page.get("@odata.nextLink") or "")
            if not link:
                break
            if not link.startswith(base):
                # Our bearer token goes wherever the link points: only our Graph is followed.
                raise GraphUnavailable("Graph sent a next page link to another host")
            info = self._items.with_url(link).to_get_request_information()
        found.sort(key=lambda row: int(row.item_id) if row.item_id.isdigit() else 0)
        return found

    async def _get_json(self, info: RequestInformation) -> dict[str, Any]:
        adapter = self._graph.client.request_adapter
        return await read_json_page(
            adapter, info, self._graph.policy, "the automation backlog", BacklogListMissing
        )
