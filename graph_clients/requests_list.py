"""The "DFD Requests" SharePoint list: list items to domain objects and back."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from kiota_abstractions.api_error import APIError
from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_abstractions.serialization import SerializationWriter
from msgraph import GraphServiceClient
from msgraph.generated.models.field_value_set import FieldValueSet
from msgraph.generated.models.list_item import ListItem
from msgraph.generated.sites.item.lists.item.items.items_request_builder import (
    ItemsRequestBuilder,
)
from msgraph_core.requests.batch_request_content import BatchRequestContent
from msgraph_core.requests.batch_request_item import BatchRequestItem

from bot.domain import codec
from bot.domain.model import DigitalRequest, Requester, Status
from bot.page_tokens import PageTokens, requests_of_requester
from bot.ports import ChangedBySomeoneElse, Page
from graph_clients import odata
from graph_clients.client import RetryPolicy, retry_after_seconds, with_retries
from graph_clients.schema import REQUESTS

Query = ItemsRequestBuilder.ItemsRequestBuilderGetQueryParameters
MAX_BATCH = 20  # Graph's limit on requests in one $batch


class ChainedBatchItem(BatchRequestItem):
    """A $batch request that really depends on the one before it.

    msgraph-core 1.5 writes the dependency as "depends_on", which Graph ignores (it
    reads "dependsOn"), so the requests could run in any order. This writes it right.
    """

    def serialize(self, writer: SerializationWriter) -> None:
        body: bytes | None = self.body
        self._body = None
        depends_on: list[str] | None = self.depends_on
        self._depends_on = None
        try:
            super().serialize(writer)
        finally:
            self._body = body
            self._depends_on = depends_on
        if depends_on:
            writer.write_collection_of_primitive_values("dependsOn", depends_on)
        if body:
            writer.write_additional_data_value({"body": json.loads(body)})


@dataclass(frozen=True)
class Written:
    item_id: str
    etag: str


def to_fields(request: DigitalRequest) -> dict[str, Any]:
    details = request.details
    number = int(request.reference.rsplit("-", 1)[1])
    return {
        "Title": details.title,
        "Reference": request.reference,
        "RefYear": request.submitted_at.year,
        "RefNumber": number,
        "RequesterId": request.requester.user_id,
        "RequesterName": request.requester.name,
        "RequesterAadId": request.requester.aad_object_id,
        "Status": request.status.value,
        "Board": request.route.board,
        "Process": request.route.process,
        "Score": request.score.total,
        "MatrixVersion": request.score.matrix_version,
        "Kind": details.kind.value,
        "Directorate": details.directorate,
        "Budget": details.budget.value,
        "InvolvesProcurement": details.involves_procurement,
        "PersonalData": details.personal_data,
        "Sponsor": details.sponsor,
        "CashSavingPerYear": details.cash_saving_per_year,
        "HoursSavedPerYear": details.hours_saved_per_year,
        "SubmittedAt": request.submitted_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
        "TriagePosted": False,
        "Problem": details.problem,
        "DetailsJson": json.dumps(codec.details_to_dict(details)),
        "ScoreJson": json.dumps(codec.score_to_dict(request.score)),
        "RouteJson": json.dumps(codec.route_to_dict(request.route)),
        **triage_columns(request),
    }


def triage_columns(request: DigitalRequest) -> dict[str, Any]:
    """The columns a triage change touches."""
    return {
        "Status": request.status.value,
        "Board": request.route.board,
        "Process": request.route.process,
        "RouteJson": json.dumps(codec.route_to_dict(request.route)),
        "AssigneeId": request.assignee_id,
        "AssigneeName": request.assignee_name,
        "DuplicateOf": request.duplicate_of,
        "TriageJson": json.dumps(codec.triage_to_dict(request)),
    }


def from_fields(fields: dict[str, Any], item_id: str, etag: str) -> DigitalRequest:
    submitted = str(fields["SubmittedAt"]).replace("Z", "+00:00")
    return DigitalRequest(
        reference=str(fields["Reference"]),
        details=codec.details_from_dict(json.loads(fields["DetailsJson"])),
        requester=Requester(
            user_id=str(fields.get("RequesterId") or ""),
            name=str(fields.get("RequesterName") or ""),
            aad_object_id=str(fields.get("RequesterAadId") or ""),
        ),
        score=codec.score_from_dict(json.loads(fields["ScoreJson"])),
        route=codec.route_from_dict(json.loads(fields["RouteJson"])),
        status=Status(fields.get("Status") or Status.SUBMITTED.value),
        submitted_at=dt.datetime.fromisoformat(submitted),
        item_id=item_id,
        etag=etag,
        **codec.triage_fields(
            json.loads(fields["TriageJson"]) if fields.get("TriageJson") else None
        ),
    )


def _item_to_request(item: ListItem) -> DigitalRequest:
    fields = dict(item.fields.additional_data) if item.fields else {}
    return from_fields(fields, str(item.id), item.e_tag or fields.get("@odata.etag", ""))


class GraphRequests:
    """Reads and writes request items. Every call goes through the retry policy."""

    def __init__(
        self,
        client: GraphServiceClient,
        site_id: str,
        base_url: str,
        policy: RetryPolicy | None = None,
        list_id: str = REQUESTS.name,
        page_tokens: PageTokens | None = None,
    ) -> None:
        self._client = client
        self._site_id = site_id
        self._base_url = base_url.rstrip("/")
        self._policy = policy or RetryPolicy()
        self._list_id = list_id
        self._page_tokens = page_tokens or PageTokens()

    @property
    def _items(self) -> ItemsRequestBuilder:
        return self._client.sites.by_site_id(self._site_id).lists.by_list_id(self._list_id).items

    async def create(self, request: DigitalRequest, extra: dict[str, Any] | None = None) -> Written:
        body = ListItem(
            fields=FieldValueSet(additional_data={**to_fields(request), **(extra or {})})
        )

        async def post() -> ListItem | None:
            return await self._items.post(body)

        created = await with_retries(
            post, self._policy, f"Create {request.reference}", idempotent=False
        )
        if created is None or created.id is None:
            raise RuntimeError(f"Graph created {request.reference} but returned no item")
        return Written(str(created.id), created.e_tag or "")

    async def create_many(
        self, requests: list[DigitalRequest], extras: list[dict[str, Any]] | None = None
    ) -> list[Written | float | None]:
        """Create up to 20 items in one $batch, chained with dependsOn so they land in order.

        One outcome per request: Written if created; a number of seconds if throttled
        (its Retry-After; the ones after it were not attempted); None if it failed.
        """
        if not 1 <= len(requests) <= MAX_BATCH:
            raise ValueError(f"A batch holds 1 to {MAX_BATCH} requests, not {len(requests)}")
        content = BatchRequestContent()
        previous: str | None = None
        extras = extras or [{} for _ in requests]
        for number, (request, extra) in enumerate(zip(requests, extras, strict=True), start=1):
            body = ListItem(fields=FieldValueSet(additional_data={**to_fields(request), **extra}))
            info = self._items.to_post_request_information(body)
            item = ChainedBatchItem(
                request_information=info,
                id=str(number),
                depends_on=[previous] if previous else None,
            )
            content.add_request(item.id, item)
            previous = item.id

        async def post() -> Any:
            return await self._client.batch.post(content)

        response = await with_retries(
            post, self._policy, f"Batch of {len(requests)} creates", idempotent=False
        )
        return [self._outcome(response, str(n)) for n in range(1, len(requests) + 1)]

    @staticmethod
    def _outcome(response: Any, request_id: str) -> Written | float | None:
        item = response.get_response_by_id(request_id)
        status = item.status if item is not None else None
        if status in (200, 201):
            try:
                created = response.response_body(request_id, ListItem)
            except ValueError:
                # msgraph-core reads sub-response bodies only when base64-encoded; Graph sends
                # JSON bodies as objects. The item exists; its id is looked up when needed.
                return Written("", "")
            return Written(str(created.id or ""), created.e_tag or "")
        if status in (429, 503):
            return retry_after_seconds(item.headers) or 1.0
        return None

    async def _query(
        self, filter_: str, top: int = 2, orderby: list[str] | None = None
    ) -> list[ListItem]:
        config = RequestConfiguration(
            query_parameters=Query(expand=["fields"], filter=filter_, top=top, orderby=orderby)
        )

        async def get() -> Any:
            return await self._items.get(request_configuration=config)

        page = await with_retries(get, self._policy, "Query requests")
        return list(page.value or []) if page else []

    async def find(self, reference: str) -> DigitalRequest | None:
        items = await self._query(odata.field_eq("Reference", reference))
        return _item_to_request(items[0]) if items else None

    async def max_number(self, year: int) -> int:
        items = await self._query(
            odata.field_eq("RefYear", year), top=1, orderby=["fields/RefNumber desc"]
        )
        if not items or not items[0].fields:
            return 0
        return int(items[0].fields.additional_data.get("RefNumber") or 0)

    async def for_requester(
        self, requester_id: str, page_token: str | None, page_size: int
    ) -> Page:
        """A page of someone's requests, newest first; the token is the one a card gave back."""
        query = requests_of_requester(page_size)
        next_link = self._page_tokens.cursor(page_token, requester_id, query)
        if next_link:
            # Graph's own link, kept here since the page before: never one from a card.

            async def get_next() -> Any:
                return await self._items.with_url(next_link).get()

            page = await with_retries(get_next, self._policy, "Next page of requests")
        else:
            config = RequestConfiguration(
                query_parameters=Query(
                    expand=["fields"],
                    filter=odata.field_eq("RequesterId", requester_id),
                    top=page_size,
                    orderby=["fields/SubmittedAt desc"],
                )
            )

            async def get_first() -> Any:
                return await self._items.get(request_configuration=config)

            page = await with_retries(get_first, self._policy, "Requests of a requester")
        items = [_item_to_request(i) for i in (page.value or [])] if page else []
        link: str = (page.odata_next_link if page else None) or ""
        # Our bearer token goes wherever the link points: only a link on our Graph is kept.
        ours = link.startswith(self._base_url + "/")
        return Page(
            # SharePoint compares text without case; Teams ids are case-sensitive.
            items=[r for r in items if r.requester.user_id == requester_id],
            next_token=self._page_tokens.issue(requester_id, query, link) if ours else None,
        )

    def continues(self, requester_id: str, page_token: str | None, page_size: int) -> bool:
        """Whether `page_token` asks for a later page than the first."""
        query = requests_of_requester(page_size)
        return self._page_tokens.cursor(page_token, requester_id, query) is not None

    async def update_fields(self, item_id: str, fields: dict[str, Any], etag: str) -> str:
        """Change some fields if nobody else has since `etag`. Returns the new etag."""
        config: RequestConfiguration[Any] = RequestConfiguration()
        config.headers.add("If-Match", etag or "*")
        body = FieldValueSet(additional_data=fields)
        builder = (
            self._client.sites.by_site_id(self._site_id)
            .lists.by_list_id(self._list_id)
            .items.by_list_item_id(item_id)
            .fields
        )

        async def patch() -> FieldValueSet | None:
            return await builder.patch(body, request_configuration=config)

        try:
            result = await with_retries(patch, self._policy, f"Update item {item_id}")
        except APIError as error:
            if error.response_status_code == 412:
                raise ChangedBySomeoneElse("Someone else changed this request first.") from error
            raise
        data = result.additional_data if result else {}
        return str(data.get("@odata.etag", ""))
