"""The "DFD Decisions" SharePoint list: every board decision, one item each, for Power BI.

The boards journey keeps its decisions in its own SQLite file first; a loop then writes
those kept since its cursor here (`bot/journeys/boards/sync.py`). SharePoint has no unique
constraint the bot can rely on, so `write` looks up which DecisionIds the list already has
and creates only the others: a write that failed part-way, or whose answer was lost, is
simply run again, and nothing is written twice.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from kiota_abstractions.api_error import APIError
from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph.generated.models.field_value_set import FieldValueSet
from msgraph.generated.models.list_item import ListItem
from msgraph.generated.sites.item.lists.item.items.items_request_builder import (
    ItemsRequestBuilder,
)
from msgraph_core.requests.batch_request_content import BatchRequestContent
from msgraph_core.requests.batch_request_item import BatchRequestItem

from bot.domain.boards import DECISION_LABELS, Decision
from graph_clients import odata
from graph_clients.client import retry_after_seconds, with_retries
from graph_clients.schema import DECISIONS

if TYPE_CHECKING:
    from graph_clients.wiring import GraphConnection

logger = logging.getLogger(__name__)
Query = ItemsRequestBuilder.ItemsRequestBuilderGetQueryParameters
MAX_BATCH = 20  # Graph's limit on requests in one $batch
LOOK_UP = 10  # DecisionIds looked up in one query: keeps the $filter (and the URL) short
BATCH_ROUNDS = 5  # a throttled create is tried again this many times within one write
MAX_PAGES = 100  # pages read per look-up at most: a DecisionId is there once, or a few times
FAILED = -1.0  # a create failed, perhaps only for now (any other answer, or none)
REFUSED = -2.0  # SharePoint refused this decision's create for good: sending it again won't help
# The answers that refuse the item itself (bad or too large), not the app (401, 403) or the
# moment (408, 409, 423, 429): only these count towards skipping a decision (see sync.py).
REFUSED_FOR_GOOD = frozenset({400, 413, 422})


class DecisionsNotWritten(RuntimeError):
    """Some decisions were not written (SharePoint refused them, or kept throttling):
    the caller keeps its cursor, and the next write looks them up and tries again.
    `refused` names those SharePoint refused for good (REFUSED_FOR_GOOD), among `failed`."""

    def __init__(self, written: int, failed: int, refused: Sequence[str] = ()) -> None:
        super().__init__(f"{failed} decision(s) not written to {DECISIONS.name}; {written} were")
        self.written = written
        self.failed = failed
        self.refused = tuple(refused)


class DecisionsListMissing(RuntimeError):
    def __init__(self) -> None:
        super().__init__(
            f'The "{DECISIONS.name}" list is missing: run python -m graph_clients.provision'
        )


def to_fields(decision: Decision) -> dict[str, Any]:
    d = decision
    fields: dict[str, Any] = {
        "Title": f"{d.reference}: {DECISION_LABELS[d.kind]}",
        "DecisionId": d.id,
        "Reference": d.reference,
        "Board": d.board,
        "Decision": d.kind.value,
        "DecidedById": d.decided_by_id,
        "DecidedBy": d.decided_by_name,
        "OnBehalfOfId": d.on_behalf_of_id,
        "OnBehalfOf": d.on_behalf_of_name,
        "DecidedAt": d.at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "Rationale": d.rationale,
        "Process": d.process,
        "DeliveryOwner": d.delivery_owner,
        "Theme": d.theme,
        "Horizon": d.horizon,
        "ToBoard": d.to_board,
        "Score": d.score,
        "MatrixVersion": d.matrix_version,
    }
    if d.deferred_until is not None:
        fields["DeferredUntil"] = f"{d.deferred_until.isoformat()}T00:00:00Z"
    return fields


class SharePointDecisions:
    """Writes decisions to the "DFD Decisions" list, through the real msgraph-sdk."""

    def __init__(self, graph: GraphConnection, list_id: str = DECISIONS.name) -> None:
        self._graph = graph
        self._list_id = list_id

    @property
    def _items(self) -> ItemsRequestBuilder:
        site = self._graph.client.sites.by_site_id(self._graph.site_id)
        return site.lists.by_list_id(self._list_id).items

    async def write(self, decisions: Sequence[Decision]) -> int:
        """Create an item for each decision the list does not have yet; returns how many
        were created. Raises (GraphUnavailable, DecisionsNotWritten, DecisionsListMissing,
        APIError) if any could not be written; those written stay, and are skipped next time.
        """
        unique = list({d.id: d for d in decisions}.values())
        if not unique:
            return 0
        kept = await self.kept_ids([d.id for d in unique])
        waiting = [d for d in unique if d.id not in kept]
        written, failed = 0, 0
        refused: list[str] = []
        for round_ in range(BATCH_ROUNDS):
            throttled: list[Decision] = []
            pause = 0.0
            for start in range(0, len(waiting), MAX_BATCH):
                chunk = waiting[start : start + MAX_BATCH]
                for decision, outcome in zip(chunk, await self._batch(chunk), strict=True):
                    if outcome is None:
                        written += 1
                    elif outcome < 0:
                        failed += 1
                        if outcome == REFUSED:
                            refused.append(decision.id)
                    else:
                        throttled.append(decision)
                        pause = max(pause, outcome)
            waiting = throttled
            if not waiting:
                break
            if round_ < BATCH_ROUNDS - 1:
                await self._wait(pause)
        failed += len(waiting)
        if failed:
            raise DecisionsNotWritten(written, failed, refused)
        return written

    async def kept_ids(self, ids: Sequence[str]) -> set[str]:
        """Which of these DecisionIds the list already has."""
        found: set[str] = set()
        for start in range(0, len(ids), LOOK_UP):
            chunk = ids[start : start + LOOK_UP]
            wanted = " or ".join(odata.field_eq("DecisionId", i) for i in chunk)
            found |= {i for i in await self._decision_ids(wanted) if i in chunk}
        return found

    async def _decision_ids(self, filter_: str) -> list[str]:
        config = RequestConfiguration(
            query_parameters=Query(
                expand=["fields($select=DecisionId)"], filter=filter_, top=MAX_BATCH * 5
            )
        )
        items = self._items

        async def first() -> Any:
            return await items.get(request_configuration=config)

        try:
            page = await with_retries(first, self._graph.policy, "Look up decisions")
        except APIError as error:
            if error.response_status_code == 404:
                raise DecisionsListMissing() from error
            raise
        ids: list[str] = []
        base = self._graph.base_url.rstrip("/") + "/"
        for _ in range(MAX_PAGES):
            for item in (page.value or []) if page else []:
                fields = item.fields.additional_data if item.fields else {}
                ids.append(str(fields.get("DecisionId") or ""))
            link = page.odata_next_link if page else None
            # Our bearer token goes wherever the link points: only our Graph is followed.
            if not link or not link.startswith(base):
                break

            async def more(url: str = link) -> Any:
                return await items.with_url(url).get()

            page = await with_retries(more, self._graph.policy, "Look up decisions")
        return ids

    async def _batch(self, chunk: list[Decision]) -> list[float | None]:
        """One $batch of creates: per decision None when created, seconds to wait when
        throttled (not processed), FAILED or REFUSED (for good) otherwise."""
        content = BatchRequestContent()
        for number, decision in enumerate(chunk, start=1):
            body = ListItem(fields=FieldValueSet(additional_data=to_fields(decision)))
            info = self._items.to_post_request_information(body)
            content.add_request(str(number), BatchRequestItem(info, id=str(number)))

        async def post() -> Any:
            return await self._graph.client.batch.post(content)

        # Creates are not idempotent: the envelope is sent again only when Graph says it was
        # not processed. After a lost answer, the next write looks the decisions up first.
        response = await with_retries(
            post, self._graph.policy, f"Write {len(chunk)} decision(s)", idempotent=False
        )
        outcomes: list[float | None] = []
        for number, decision in enumerate(chunk, start=1):
            item = response.get_response_by_id(str(number))
            status = item.status if item is not None else None
            if status is not None and 200 <= status < 300:
                outcomes.append(None)
            elif status in (429, 503):
                outcomes.append(retry_after_seconds(item.headers if item else None) or 1.0)
            else:
                logger.warning("Writing decision %s answered HTTP %s", decision.id, status)
                outcomes.append(REFUSED if status in REFUSED_FOR_GOOD else FAILED)
        return outcomes

    async def _wait(self, seconds: float) -> None:
        gate = self._graph.policy.gate
        if gate is not None:
            gate.hold(seconds)  # the next batch waits at the gate, as every caller does
        else:
            await asyncio.sleep(seconds)
