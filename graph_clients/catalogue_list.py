"""The "DFD Application catalogue" SharePoint list: the application catalogue in m365 mode.

One item per system; the built-in Title is the system's name and EntryId its CMDB id
(see graph_clients/schema.py CATALOGUE). Admins may edit items in the list; the import
(`import catalogue`) adds or replaces items by EntryId and, as a whole CMDB export,
removes the items it does not have (`add to catalogue` removes nothing).

Reading: every page is read (`$expand=fields`, following `@odata.nextLink`) and kept for
a minute, so a search does not read the whole list each time. `generation()` is a hash
of every item's id and ETag, so it changes whenever anyone changes the list.

Importing cannot be one transaction in SharePoint. It checks every entry first (one that
could not be stored stops the import before anything is written), then writes in
`$batch` requests of 20: a new EntryId is created, a changed one updated, an unchanged
one left alone; then the items to go are deleted (the samples, a second item with one
EntryId, and for a replacing import every EntryId not in the file). Nothing is deleted
until every write succeeded. Running the same import again is safe and writes only what
is still missing, so an import stopped part-way (Graph throttled it for too long, or
stopped answering) is finished by running it again: CatalogueImportUnfinished says how
many were saved.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx
from kiota_abstractions.api_error import APIError
from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_abstractions.request_information import RequestInformation
from msgraph.generated.models.field_value_set import FieldValueSet
from msgraph.generated.models.list_item import ListItem
from msgraph.generated.sites.item.lists.item.items.items_request_builder import (
    ItemsRequestBuilder,
)
from msgraph_core.requests.batch_request_content import BatchRequestContent
from msgraph_core.requests.batch_request_item import BatchRequestItem

from bot.domain.procurement import CatalogueEntry
from bot.journeys.procurement.ports import (
    CatalogueImportUnfinished,
    CatalogueNotStored,
    CatalogueRemoveUnfinished,
    Imported,
    catalogue_order,
    check_storable,
)
from graph_clients.client import (
    GraphUnavailable,
    read_json_page,
    retry_after_seconds,
    with_retries,
)
from graph_clients.schema import CATALOGUE

if TYPE_CHECKING:
    from graph_clients.wiring import GraphConnection

logger = logging.getLogger(__name__)
Query = ItemsRequestBuilder.ItemsRequestBuilderGetQueryParameters
MAX_BATCH = 20  # Graph's limit on requests in one $batch
PAGE_SIZE = 500  # items asked for per page; Graph may send fewer, and a next link
MAX_AGE = 60.0  # seconds a read of the whole list is used before it is read again
BATCH_ROUNDS = 5  # a throttled write is tried again this many times within one import


class CatalogueListMissing(CatalogueNotStored):
    """The site has no "DFD Application catalogue" list yet: provisioning makes it."""

    def __init__(self) -> None:
        super().__init__(
            f'The "{CATALOGUE.name}" list is not in SharePoint yet, so nothing was imported. '
            "Ask whoever runs the bot to run: python -m graph_clients.provision. "
            "Then import again."
        )


@dataclass(frozen=True)
class _Item:
    """A list item as read: its entry, and what is needed to change or delete it."""

    item_id: str
    etag: str
    entry: CatalogueEntry


@dataclass(frozen=True)
class _Read:
    items: tuple[_Item, ...]  # every item with a name, in item id order
    generation: int
    at: float


def to_fields(entry: CatalogueEntry) -> dict[str, Any]:
    """The list item's columns for an entry. Empty values are sent as null, so a
    re-import clears a value the CMDB no longer has."""
    return {
        "Title": entry.name,
        "EntryId": entry.id,
        "Supplier": entry.supplier,
        "OwnerName": entry.owner_name,
        "OwnerId": entry.owner_id,
        "Capabilities": "\n".join(entry.capabilities),
        "Description": entry.description,
        "Users": entry.users,
        "ContractEnd": None if entry.contract_end is None else f"{entry.contract_end}T00:00:00Z",
        "Licences": entry.licences,
        "Directorate": entry.directorate,
        "Platform": entry.platform,
        "Sample": entry.sample,
    }


def read_fields(fields: dict[str, Any], item_id: str) -> CatalogueEntry | None:
    """The entry an item holds; None for an item with no name (nothing to show).

    An item an admin added by hand with no EntryId gets one from its item id. A date
    typed in the list is kept by SharePoint as local midnight in UTC (23:00 the day
    before, in summer): it is read as the nearest day.
    """
    name = _text(fields.get("Title"))
    if not name:
        return None
    capabilities = str(fields.get("Capabilities") or "").replace("\r\n", "\n").split("\n")
    return CatalogueEntry(
        id=_text(fields.get("EntryId")) or f"sharepoint-{item_id}",
        name=name,
        supplier=_text(fields.get("Supplier")),
        owner_name=_text(fields.get("OwnerName")),
        owner_id=_text(fields.get("OwnerId")),
        capabilities=tuple(c for c in capabilities if c.strip()),
        description=str(fields.get("Description") or ""),
        users=_whole(fields.get("Users")),
        contract_end=_day(fields.get("ContractEnd")),
        licences=_whole(fields.get("Licences")),
        directorate=_text(fields.get("Directorate")),
        platform=_flag(fields.get("Platform")),
        sample=_flag(fields.get("Sample")),
    )


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _whole(value: Any) -> int | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return max(0, round(float(value)))
    except (TypeError, ValueError):
        return None


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


def _day(value: Any) -> dt.date | None:
    if not value:
        return None
    try:
        at = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return (at.astimezone(dt.UTC) + dt.timedelta(hours=12)).date()


def _generation(items: list[_Item]) -> int:
    digest = hashlib.sha256()
    for item in items:
        digest.update(f"{item.item_id}\x1f{item.etag}\x1e".encode())
    return int.from_bytes(digest.digest()[:7], "big")


class SharePointCatalogue:
    """CatalogueStore on the "DFD Application catalogue" list, through the real msgraph-sdk."""

    def __init__(
        self,
        graph: GraphConnection,
        *,
        list_id: str = CATALOGUE.name,
        max_age: float = MAX_AGE,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._graph = graph
        self._list_id = list_id
        self._max_age = max_age
        self._monotonic = monotonic
        self._read: _Read | None = None
        self._reading = asyncio.Lock()
        self._missing_logged = False

    async def open(self) -> None:
        return None  # the list is read when first needed; the Graph connection is shared

    async def close(self) -> None:
        self._read = None  # the Graph connection belongs to the bot, which closes it

    @property
    def _items(self) -> ItemsRequestBuilder:
        site = self._graph.client.sites.by_site_id(self._graph.site_id)
        return site.lists.by_list_id(self._list_id).items

    # Reading

    async def entries(self) -> list[CatalogueEntry]:
        read = await self._fresh()
        return sorted((item.entry for item in _unique(read.items)), key=catalogue_order)

    async def entry(self, entry_id: str) -> CatalogueEntry | None:
        read = await self._fresh()
        return next((i.entry for i in _unique(read.items) if i.entry.id == entry_id), None)

    async def generation(self) -> int:
        return (await self._fresh()).generation

    def forget(self) -> None:
        """Read the list again next time, however recent the last read."""
        self._read = None

    async def _fresh(self) -> _Read:
        async with self._reading:
            read = self._read
            if read is not None and self._monotonic() - read.at < self._max_age:
                return read
            try:
                items = await self._read_all()
            except CatalogueListMissing:
                # Not provisioned yet: an empty catalogue, looked for again in a minute.
                if not self._missing_logged:
                    self._missing_logged = True
                    logger.error(
                        'The "%s" list is missing: run python -m graph_clients.provision',
                        CATALOGUE.name,
                    )
                items = []
            except (GraphUnavailable, APIError) as error:
                if read is None:
                    raise
                # The last read is better than nothing while the list does not answer.
                logger.warning("The application catalogue could not be read again: %s", error)
                return read
            self._read = _Read(tuple(items), _generation(items), self._monotonic())
            return self._read

    async def _read_all(self) -> list[_Item]:
        """Every item, page by page. The pages are read as JSON through the SDK's request
        adapter (its sign-in and middleware), not into the SDK's models: those take
        about 10 ms an item to build, 20 seconds for a catalogue of 2,000."""
        fields = ",".join(["Title", *(column.name for column in CATALOGUE.columns)])
        query = Query(expand=[f"fields($select={fields})"], select=["id", "eTag"], top=PAGE_SIZE)
        info = self._items.to_get_request_information(RequestConfiguration(query_parameters=query))
        items: list[_Item] = []
        base = self._graph.base_url.rstrip("/") + "/"
        while True:
            page = await self._get_json(info)
            for item in page.get("value") or []:
                found = dict(item.get("fields") or {})
                item_id = str(item.get("id") or found.get("id") or "")
                entry = read_fields(found, item_id)
                if entry is not None:
                    etag = str(item.get("eTag") or found.get("@odata.etag") or "")
                    items.append(_Item(item_id, etag, entry))
            link = str(page.get("@odata.nextLink") or "")
            if not link:
                break
            if not link.startswith(base):
                # Our bearer token goes wherever the link points: only our Graph is followed.
                raise GraphUnavailable("Graph sent a next page link to another host")
            info = self._items.with_url(link).to_get_request_information()
        items.sort(key=lambda i: int(i.item_id) if i.item_id.isdigit() else 0)
        return items

    async def _get_json(self, info: RequestInformation) -> dict[str, Any]:
        adapter = self._graph.client.request_adapter
        return await read_json_page(
            adapter, info, self._graph.policy, "the application catalogue", CatalogueListMissing
        )

    # Writing

    async def seed_if_empty(self, entries: list[CatalogueEntry]) -> bool:
        """Never in SharePoint: the council's list is theirs; the sample is for local mode."""
        return False

    async def import_entries(
        self,
        entries: list[CatalogueEntry],
        replace: bool = False,
        keep: Collection[str] = frozenset(),
    ) -> Imported:
        entries = list(entries)
        check_storable(entries)
        try:
            return await self._import(entries, replace, set(keep))
        finally:
            self.forget()  # whatever happened, the next read shows the list as it is

    async def _import(
        self, entries: list[CatalogueEntry], replace: bool, keep: set[str]
    ) -> Imported:
        self.forget()
        try:
            current = await self._read_all()
        except GraphUnavailable as error:
            raise CatalogueImportUnfinished(0, len(entries)) from error
        by_id: dict[str, list[_Item]] = {}
        for item in current:
            by_id.setdefault(item.entry.id, []).append(item)
        wanted = {entry.id for entry in entries}
        writes: list[tuple[str, RequestInformation]] = []
        for entry in entries:
            found = by_id.get(entry.id, [])
            if not found:
                body = ListItem(fields=FieldValueSet(additional_data=to_fields(entry)))
                writes.append((entry.id, self._items.to_post_request_information(body)))
            elif found[0].entry != entry:
                fields = FieldValueSet(additional_data=to_fields(entry))
                patch = self._items.by_list_item_id(found[0].item_id).fields
                writes.append((entry.id, patch.to_patch_request_information(fields)))
        # Then the items to go: the samples, a second item with an EntryId the import has
        # (an earlier import's create that Graph did and did not say so), and, replacing,
        # every EntryId the file does not have (but not the ids of its bad rows).
        deletes: list[tuple[str, RequestInformation]] = []
        removed: list[CatalogueEntry] = []
        for item in current:
            first = by_id[item.entry.id][0]
            duplicate = item.entry.id in wanted and item is not first
            gone = item.entry.id not in wanted and (
                item.entry.sample or (replace and item.entry.id not in keep)
            )
            if duplicate or gone:
                delete = self._items.by_list_item_id(item.item_id)
                deletes.append((item.item_id, delete.to_delete_request_information()))
            if gone and not item.entry.sample and item is first:
                removed.append(item.entry)
        failed = await self._run(writes, "Import the application catalogue")
        if failed:
            raise CatalogueImportUnfinished(len(entries) - failed, len(entries))
        left = await self._run(deletes, "Remove what the import does not have")
        if left:
            raise CatalogueImportUnfinished(len(entries), len(entries), left)
        return Imported(len(entries), tuple(sorted(removed, key=catalogue_order)))

    async def remove_entries(self, ids: Collection[str]) -> list[CatalogueEntry]:
        """Every item with one of these EntryIds, deleted in $batch requests; safe to run
        again (an item already gone is what a delete wanted)."""
        wanted = set(ids)
        self.forget()
        try:
            going = [item for item in await self._read_all() if item.entry.id in wanted]
        except CatalogueListMissing:
            return []  # no list yet: nothing in it to remove
        except GraphUnavailable as error:
            raise CatalogueRemoveUnfinished() from error
        deletes = [
            (
                item.item_id,
                self._items.by_list_item_id(item.item_id).to_delete_request_information(),
            )
            for item in going
        ]
        try:
            failed = await self._run(deletes, "Remove from the application catalogue")
        finally:
            self.forget()  # the next read shows the list as it is
        if failed:
            raise CatalogueRemoveUnfinished()
        return sorted((item.entry for item in _unique(tuple(going))), key=catalogue_order)

    async def _run(self, requests: list[tuple[str, RequestInformation]], what: str) -> int:
        """Send the requests in $batch requests of 20; how many did not succeed.

        A throttled one (429 or 503: not processed) is sent again after the Retry-After
        Graph gave, a few rounds at most; any other failure is counted and not retried.
        """
        waiting = list(requests)
        failed = 0
        for round_ in range(BATCH_ROUNDS):
            throttled: list[tuple[str, RequestInformation]] = []
            pause = 0.0
            for start in range(0, len(waiting), MAX_BATCH):
                chunk = waiting[start : start + MAX_BATCH]
                try:
                    outcomes = await self._batch(chunk, what)
                except (GraphUnavailable, APIError, httpx.HTTPError, TimeoutError) as error:
                    # Some of the batch may have been done: the next import finds them.
                    logger.warning("%s: a batch of %d failed: %s", what, len(chunk), error)
                    return failed + len(waiting) - start
                for request, outcome in zip(chunk, outcomes, strict=True):
                    if outcome is None:
                        continue
                    if outcome < 0:
                        failed += 1
                    else:
                        throttled.append(request)
                        pause = max(pause, outcome)
            if not throttled:
                return failed
            waiting = throttled
            if round_ < BATCH_ROUNDS - 1:
                gate = self._graph.policy.gate
                if gate is not None:
                    gate.hold(pause)  # the next batch waits at the gate, as every caller does
                else:
                    await asyncio.sleep(pause)
        return failed + len(waiting)

    async def _batch(
        self, chunk: list[tuple[str, RequestInformation]], what: str
    ) -> list[float | None]:
        """One $batch: per request None when done, seconds to wait when throttled, -1 when
        it failed for good."""
        content = BatchRequestContent()
        for number, (_, info) in enumerate(chunk, start=1):
            content.add_request(str(number), BatchRequestItem(info, id=str(number)))

        async def post() -> Any:
            return await self._graph.client.batch.post(content)

        # A create is not idempotent: the envelope is sent again only when Graph says it
        # was not processed; a second item it may leave is removed by the next import.
        response = await with_retries(post, self._graph.policy, what, idempotent=False)
        outcomes: list[float | None] = []
        for number, (key, _) in enumerate(chunk, start=1):
            item = response.get_response_by_id(str(number))
            status = item.status if item is not None else None
            if status is not None and 200 <= status < 300:
                outcomes.append(None)
            elif status == 404 and item is not None and _is_delete(chunk[number - 1][1]):
                outcomes.append(None)  # already gone: what a delete wanted
            elif status in (429, 503):
                outcomes.append(retry_after_seconds(item.headers if item else None) or 1.0)
            else:
                logger.warning("%s: %s answered HTTP %s", what, key, status)
                outcomes.append(-1.0)
        return outcomes


def _is_delete(info: RequestInformation) -> bool:
    return str(getattr(info.http_method, "value", info.http_method)).upper() == "DELETE"


def _unique(items: tuple[_Item, ...]) -> list[_Item]:
    """One item per EntryId, the oldest, as the import keeps."""
    seen: set[str] = set()
    out = []
    for item in items:
        if item.entry.id not in seen:
            seen.add(item.entry.id)
            out.append(item)
    return out
