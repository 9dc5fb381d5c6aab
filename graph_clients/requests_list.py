"""The "DFD Requests" SharePoint list: list items to domain objects and back."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kiota_abstractions.api_error import APIError
from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph import GraphServiceClient
from msgraph.generated.models.field_value_set import FieldValueSet
from msgraph.generated.models.list_item import ListItem
from msgraph.generated.sites.item.lists.item.items.items_request_builder import (
    ItemsRequestBuilder,
)
from msgraph_core.requests.batch_request_content import BatchRequestContent
from msgraph_core.requests.batch_request_item import BatchRequestItem

from bot.domain import codec
from bot.domain.model import AuditEntry, DigitalRequest, Requester, Route, Status
from bot.page_tokens import PageTokenKeeper, PageTokens, requests_of_requester
from bot.ports import ChangedBySomeoneElse, Governance, Page
from graph_clients import odata
from graph_clients.client import RetryPolicy, retry_after_seconds, with_retries
from graph_clients.schema import REQUESTS

logger = logging.getLogger(__name__)
Query = ItemsRequestBuilder.ItemsRequestBuilderGetQueryParameters
MAX_BATCH = 20  # Graph's limit on requests in one $batch


@dataclass(frozen=True)
class LastEdit:
    """Graph's lastModifiedBy and lastModifiedDateTime of an item's version."""

    editor: str
    at: dt.datetime | None


@dataclass(frozen=True)
class Written:
    item_id: str
    etag: str


@dataclass(frozen=True)
class AlreadyThere:
    """SharePoint refused a create because an item has its Reference already (the column
    enforces unique values): an earlier try was written, its reply lost."""

    reference: str


@dataclass(frozen=True)
class FieldsChange:
    """A change of some columns of one item, written only if nobody else has changed the
    item since `etag` ("" writes whatever the item holds now)."""

    item_id: str
    fields: dict[str, Any]
    etag: str


# One request's outcome in a $batch: Written; seconds to wait if throttled (it was not
# processed); AlreadyThere (a create); ChangedBySomeoneElse (an update, 412); None if refused.
Outcome = Written | float | AlreadyThere | ChangedBySomeoneElse | None
UNIQUE_CONFLICT = 409  # SharePoint's answer to a value a unique column has already


def to_fields(request: DigitalRequest) -> dict[str, Any]:
    number = int(request.reference.rsplit("-", 1)[1])
    return {
        "Reference": request.reference,
        "RefYear": request.submitted_at.year,
        "RefNumber": number,
        "RequesterId": request.requester.user_id,
        "RequesterName": request.requester.name,
        "RequesterAadId": request.requester.aad_object_id,
        "SubmittedAt": request.submitted_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
        "TriagePosted": False,
        **changed_columns(request),
    }


def replace_columns(request: DigitalRequest) -> dict[str, Any]:
    """Every column a request's content fills, the requester's included: data protection's
    overwrite of an item (an erased person, or a request past its retention period).

    SharePoint keeps an item's earlier versions (version history), and Graph has no call to
    delete a list item's versions, so the values this overwrites stay readable there to
    anyone who may see the list's version history. The council limits or turns off version
    history on the list (docs/data-protection.md); the fake Graph keeps no versions."""
    return {
        "RequesterId": request.requester.user_id,
        "RequesterName": request.requester.name,
        "RequesterAadId": request.requester.aad_object_id,
        **changed_columns(request),
    }


def changed_columns(request: DigitalRequest) -> dict[str, Any]:
    """The columns a change after sending may touch: triage's, and the requester's
    answers with the score they give (a requester may change their answers in triage)."""
    return {**answer_columns(request), **triage_columns(request)}


def answer_columns(request: DigitalRequest) -> dict[str, Any]:
    details = request.details
    return {
        "Title": details.title,
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
        "Problem": details.problem,
        "DetailsJson": json.dumps(codec.details_to_dict(details)),
        "ScoreJson": json.dumps(codec.score_to_dict(request.score)),
    }


def triage_columns(request: DigitalRequest) -> dict[str, Any]:
    """The columns a triage change touches.

    Board, process, assignee and duplicate are people's to edit, so they live only in
    their own columns; the JSON columns hold only what people never edit.
    """
    triage = codec.triage_to_dict(request)
    return {
        "Status": request.status.value,
        "Board": request.route.board,
        "Process": request.route.process,
        "RouteJson": json.dumps({"reason": request.route.reason, "rule": request.route.rule}),
        "AssigneeId": request.assignee_id,
        "AssigneeName": request.assignee_name,
        "DuplicateOf": request.duplicate_of,
        "TriageJson": json.dumps({k: v for k, v in triage.items() if k not in _PEOPLES}),
        "AlsoAffected": request.also_affected,
        # Copies for views and Power BI of what a board's decision set (read from TriageJson).
        "Theme": request.theme,
        "Horizon": request.horizon,
        "DeliveryOwner": request.delivery_owner,
        "DeferredUntil": _day(request.deferred_until),
    }


def _day(day: dt.date | None) -> str | None:
    """A day as a dateTime column keeps it: midnight UTC (None clears the column)."""
    return None if day is None else f"{day.isoformat()}T00:00:00Z"


_PEOPLES = ("assignee_id", "assignee_name", "duplicate_of")  # in TriageJson of old items


def read_fields(
    fields: dict[str, Any], item_id: str, etag: str, known: Governance | None = None
) -> tuple[DigitalRequest, list[str]]:
    """The request, and what a person typed into its columns that could not be used.

    People's columns win. An empty Board or Process (an item written before they were
    read from their columns) falls back to RouteJson. A value that is not ours is not
    used: an unknown board or process is shown as typed (a card shows the key when no
    board has it); a Status that is not one of ours shows the last status the bot
    recorded in the history, or submitted.
    """
    reference = str(fields["Reference"])
    submitted = str(fields["SubmittedAt"]).replace("Z", "+00:00")
    route = json.loads(fields.get("RouteJson") or "{}")
    triage = codec.triage_fields(
        json.loads(fields["TriageJson"]) if fields.get("TriageJson") else None
    )
    problems: list[str] = []
    boards = known.boards if known else None
    processes = known.processes if known else None
    status = _status(reference, fields.get("Status"), triage.get("history", ()), problems)
    request = DigitalRequest(
        reference=reference,
        details=codec.details_from_dict(json.loads(fields["DetailsJson"])),
        requester=Requester(
            user_id=str(fields.get("RequesterId") or ""),
            name=str(fields.get("RequesterName") or ""),
            aad_object_id=str(fields.get("RequesterAadId") or ""),
        ),
        score=codec.score_from_dict(json.loads(fields["ScoreJson"])),
        route=Route(
            board=_key(fields.get("Board"), route.get("board"), boards),
            process=_key(fields.get("Process"), route.get("process"), processes),
            reason=str(route.get("reason") or ""),
            rule=str(route.get("rule") or ""),
        ),
        status=status,
        submitted_at=dt.datetime.fromisoformat(submitted),
        item_id=item_id,
        etag=etag,
        **{
            **triage,
            "assignee_id": _text(fields.get("AssigneeId")),
            "assignee_name": _text(fields.get("AssigneeName")),
            "duplicate_of": _text(fields.get("DuplicateOf")).upper(),
        },
    )
    problems += _unknown_key(reference, "Board", request.route.board, boards)
    problems += _unknown_key(reference, "Process", request.route.process, processes)
    return request, problems


def _text(value: Any) -> str:
    return str(value).strip() if value is not None else ""


def _key(typed: Any, old: Any, known: Mapping[str, Any] | None) -> str:
    """A board or process key from its column: as typed, or the key whose name was typed."""
    text = _text(typed)
    if not text:
        return _text(old)  # written before this column was read: RouteJson has it
    for key, value in (known or {}).items():
        if text.casefold() in (key.casefold(), str(getattr(value, "name", "")).casefold()):
            return key
    return text


def _unknown_key(
    reference: str, column: str, key: str, known: Mapping[str, Any] | None
) -> list[str]:
    if known is None or key in known:
        return []
    return [
        f"{reference}: {column} {key!r} in the list is not one of the keys in DFD Config "
        f"({', '.join(known)}); it is shown as typed"
    ]


def _status(
    reference: str, typed: Any, history: tuple[AuditEntry, ...], problems: list[str]
) -> Status:
    text = _text(typed)
    try:
        return Status(text.casefold().replace(" ", "_").replace("-", "_"))
    except ValueError:
        last = history[-1].to_status if history else Status.SUBMITTED
        problems.append(
            f"{reference}: Status {text!r} in the list is not one of "
            f"{', '.join(s.value for s in Status)}; shown as {last.value}, the last the bot "
            "recorded"
        )
        return last


def _outcome(answer: dict[str, Any], item_id: str) -> Outcome:
    """A sub-request's outcome from its answer in a $batch (see `Outcome`)."""
    status = answer.get("status")
    if status in (429, 503):
        return retry_after_seconds(answer.get("headers")) or 1.0
    if status not in (200, 201):
        return None
    body = answer.get("body")
    body = body if isinstance(body, dict) else {}
    etag = str(body.get("eTag") or body.get("@odata.etag") or "")
    return Written(item_id or str(body.get("id") or ""), etag)


class GraphRequests:
    """Reads and writes request items. Every call goes through the retry policy."""

    def __init__(
        self,
        client: GraphServiceClient,
        site_id: str,
        base_url: str,
        policy: RetryPolicy | None = None,
        list_id: str = REQUESTS.name,
        page_tokens: PageTokenKeeper | None = None,
    ) -> None:
        self._client = client
        self._site_id = site_id
        self._base_url = base_url.rstrip("/")
        self._policy = policy or RetryPolicy()
        self._list_id = list_id
        self._page_tokens: PageTokenKeeper = page_tokens or PageTokens()
        self._edits: OrderedDict[str, LastEdit] = OrderedDict()  # by ETag, newest last
        # The boards and processes a person's edit is checked against; the store sets it.
        self.known: Governance | None = None
        self._unusable_logged: set[str] = set()

    def _item_to_request(self, item: ListItem) -> DigitalRequest:
        fields = dict(item.fields.additional_data) if item.fields else {}
        etag = item.e_tag or fields.get("@odata.etag", "")
        request, unusable = read_fields(fields, str(item.id), etag, self.known)
        for what in unusable:
            if what not in self._unusable_logged:  # once per item and value, not every read
                if len(self._unusable_logged) > 10_000:
                    self._unusable_logged.clear()
                self._unusable_logged.add(what)
                logger.warning("%s.", what)
        return request

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
    ) -> list[Outcome]:
        """Create up to 20 items in one $batch. Each is independent of the others (no
        dependsOn), so one throttled or refused does not fail the rest; Graph may run them
        in any order.

        One outcome per request: Written if created; a number of seconds if throttled or
        unavailable (its own Retry-After: it was not processed); AlreadyThere if an item
        has its Reference already; None if it failed.
        """
        if not 1 <= len(requests) <= MAX_BATCH:
            raise ValueError(f"A batch holds 1 to {MAX_BATCH} requests, not {len(requests)}")
        content = BatchRequestContent()
        extras = extras or [{} for _ in requests]
        for number, (request, extra) in enumerate(zip(requests, extras, strict=True), start=1):
            body = ListItem(fields=FieldValueSet(additional_data={**to_fields(request), **extra}))
            info = self._items.to_post_request_information(body)
            content.add_request(str(number), BatchRequestItem(info, id=str(number)))
        answers = await self._send_batch(content, f"Batch of {len(requests)} creates", False)
        outcomes: list[Outcome] = []
        for number, request in enumerate(requests, start=1):
            answer = answers.get(str(number), {})
            if answer.get("status") == UNIQUE_CONFLICT:
                outcomes.append(AlreadyThere(request.reference))
            else:
                outcomes.append(_outcome(answer, ""))
        return outcomes

    async def update_many(self, changes: list[FieldsChange]) -> list[Outcome]:
        """Change up to 20 items in one $batch, each only if its ETag still matches.

        Each is independent of the others (SharePoint counts each as one request of the
        budget, and one throttled or changed by someone else fails none of the rest). One
        outcome per change: Written (its new ETag); seconds to wait if throttled (it was
        not processed); ChangedBySomeoneElse (412: someone changed the item since); None
        if refused (the item was deleted, say).
        """
        if not 1 <= len(changes) <= MAX_BATCH:
            raise ValueError(f"A batch holds 1 to {MAX_BATCH} requests, not {len(changes)}")
        content = BatchRequestContent()
        for number, change in enumerate(changes, start=1):
            config: RequestConfiguration[Any] = RequestConfiguration()
            config.headers.add("If-Match", change.etag or "*")
            body = FieldValueSet(additional_data=change.fields)
            builder = self._items.by_list_item_id(change.item_id).fields
            info = builder.to_patch_request_information(body, config)
            content.add_request(str(number), BatchRequestItem(info, id=str(number)))
        # A PATCH sent again after a lost reply meets its own new ETag: 412, then a look-up.
        answers = await self._send_batch(content, f"Batch of {len(changes)} updates", True)
        outcomes: list[Outcome] = []
        for number, change in enumerate(changes, start=1):
            answer = answers.get(str(number), {})
            if answer.get("status") == 412:
                outcomes.append(ChangedBySomeoneElse("Someone else changed this request first."))
            else:
                outcomes.append(_outcome(answer, change.item_id))
        return outcomes

    async def _send_batch(
        self, content: BatchRequestContent, what: str, idempotent: bool
    ) -> dict[str, dict[str, Any]]:
        """Each sub-request's answer by its id: status, headers and body as Graph sent them.

        Read as JSON here: msgraph-core reads a sub-response's body only when it is
        base64-encoded, and Graph sends JSON bodies as objects, so the new item's id and
        ETag would be lost.
        """
        adapter = self._client.request_adapter
        info = await self._client.batch.to_post_request_information(content)

        async def post() -> Any:
            return await adapter.send_primitive_async(info, "bytes", {})

        raw = await with_retries(post, self._policy, what, idempotent=idempotent)
        answers = {str(a.get("id")): a for a in json.loads(raw or b"{}").get("responses", [])}
        asked = [
            retry_after_seconds(a.get("headers")) or 1.0
            for a in answers.values()
            if a.get("status") in (429, 503)
        ]
        if asked and self._policy.gate is not None:
            self._policy.gate.hold(max(asked))  # binds every caller, as a whole reply's does
        return answers

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
        if not items:
            return None
        self._remember_edit(items[0])
        return self._item_to_request(items[0])

    def last_edit(self, etag: str) -> LastEdit | None:
        """Who made the version with this ETag, and when, as Graph said when it was read."""
        return self._edits.get(etag)

    def _remember_edit(self, item: ListItem) -> None:
        user = item.last_modified_by.user if item.last_modified_by else None
        editor = (user.display_name if user else "") or ""
        self._edits[item.e_tag or ""] = LastEdit(editor, item.last_modified_date_time)
        while len(self._edits) > 1000:
            self._edits.popitem(last=False)

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
        items = [self._item_to_request(i) for i in (page.value or [])] if page else []
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
