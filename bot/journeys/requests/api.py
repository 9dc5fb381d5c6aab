"""The requests journey in the REST API: list requests with filters, a page at a time,
and get one by its reference with its history."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
from typing import Any
from urllib.parse import urlencode

from pydantic import AwareDatetime, Field, field_validator

from bot.api.models import (
    ApiModel,
    PageOf,
    RequestOut,
    RequestWithHistory,
    request_out,
    request_with_history,
)
from bot.api.operations import REQUESTS_READ, ApiCall, ApiOperation, ApiResult, FieldProblem
from bot.api.problems import invalid, standard
from bot.domain.model import DIRECTORATES, Status, Theme
from bot.domain.references import format_reference, parse_reference
from bot.journey import JourneyContext
from bot.ports import RequestQuery

PAGE_MOST = 100
_CURSOR = re.compile(r"r1:([1-9][0-9]{0,17})")
_DATE_ONLY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _one_of(values: list[str] | tuple[str, ...]) -> str:
    return "Choose one of: " + ", ".join(values) + "."


class ListRequestsQuery(ApiModel):
    status: list[Status] | None = Field(
        default=None,
        description="Only requests with one of these statuses. Separate more than one with "
        "commas, like submitted,in_triage.",
    )
    board: str | None = Field(
        default=None,
        max_length=60,
        description="Only requests routed to this board, by its key, like trb for the "
        "Technical Review Board.",
    )
    directorate: str | None = Field(
        default=None,
        description="Only requests for this directorate.",
        json_schema_extra={"enum": list(DIRECTORATES)},
    )
    theme: Theme | None = Field(
        default=None, description="Only requests a board has given this strategy theme."
    )
    updated_since: AwareDatetime | None = Field(
        default=None,
        description="Only requests changed at or after this time, like 2026-11-25T09:00:00Z. "
        "A date on its own, like 2026-11-25, means from midnight UTC that day.",
    )
    top: int = Field(default=25, ge=1, le=PAGE_MOST, description="How many on a page (1 to 100).")
    after: str | None = Field(
        default=None,
        max_length=40,
        description="Where the page starts: leave this out. The nextLink of a page sets it.",
    )

    @field_validator("status", mode="before")
    @classmethod
    def _known_statuses(cls, value: Any) -> Any:
        allowed = [status.value for status in Status]
        if isinstance(value, list) and any(item not in allowed for item in value):
            raise ValueError(_one_of(allowed))
        return value

    @field_validator("theme", mode="before")
    @classmethod
    def _known_theme(cls, value: Any) -> Any:
        allowed = [theme.value for theme in Theme]
        if isinstance(value, str) and value not in allowed:
            raise ValueError(_one_of(allowed))
        return value

    @field_validator("directorate")
    @classmethod
    def _known_directorate(cls, value: str | None) -> str | None:
        if value is not None and value not in DIRECTORATES:
            raise ValueError(_one_of(DIRECTORATES))
        return value

    @field_validator("updated_since", mode="before")
    @classmethod
    def _time_or_date(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        said = value.strip()
        try:
            if _DATE_ONLY.fullmatch(said):
                return dt.datetime.combine(dt.date.fromisoformat(said), dt.time(), dt.UTC)
            moment = dt.datetime.fromisoformat(said)
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            raise ValueError(
                "Enter a date like 2026-11-25, or a date and time with a time zone, "
                "like 2026-11-25T09:00:00Z."
            )
        return moment


class RequestPage(PageOf[RequestOut]):
    pass


def cursor_for(item_id: int) -> str:
    """An opaque page cursor: where the next page starts (after this item)."""
    return base64.urlsafe_b64encode(f"r1:{item_id}".encode()).decode().rstrip("=")


def item_after(cursor: str | None) -> int:
    """The item a cursor names, 0 for none; Problem (422) for one we did not give."""
    if cursor is None:
        return 0
    try:
        said = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, ValueError):
        said = ""
    found = _CURSOR.fullmatch(said)
    if found is None:
        raise invalid(
            FieldProblem(
                "after",
                "This is not a page link we gave. Start again from the first page, "
                "then follow each page's nextLink.",
            )
        )
    return int(found.group(1))


def next_link(call: ApiCall, query: ListRequestsQuery, last_item: int) -> str:
    """The next page's full address: the same filters and page size, and its cursor."""
    params: dict[str, str] = {}
    if query.status:
        params["status"] = ",".join(status.value for status in query.status)
    for name in ("board", "directorate"):
        if value := getattr(query, name):
            params[name] = value
    if query.theme:
        params["theme"] = query.theme.value
    if query.updated_since:
        params["updatedSince"] = query.updated_since.isoformat()
    params["top"] = str(query.top)
    params["after"] = cursor_for(last_item)
    return f"{call.base_url}/api/v1/requests?{urlencode(params)}"


def operations(ctx: JourneyContext) -> tuple[ApiOperation, ...]:
    async def get_request(call: ApiCall) -> ApiResult:
        said = call.path["reference"]
        parsed = parse_reference(said)
        if parsed is None:
            raise standard(404, f"'{said[:40]}' is not a request reference like DR-2026-0042.")
        reference = format_reference(*parsed)
        request = await ctx.store.get(reference)
        if request is None:
            raise standard(404, f"There is no request {reference}.")
        gov = await ctx.store.governance()
        names = {key: board.name for key, board in gov.boards.items()}
        return ApiResult(200, request_with_history(request, names, call.base_url))

    async def list_requests(call: ApiCall) -> ApiResult:
        assert isinstance(call.query, ListRequestsQuery)
        query = call.query
        after = item_after(query.after)
        gov = await ctx.store.governance()
        if query.board is not None and query.board not in gov.boards:
            raise invalid(FieldProblem("board", _one_of(sorted(gov.boards))))
        wanted = RequestQuery(
            statuses=frozenset(query.status or ()),
            board=query.board or "",
            directorate=query.directorate or "",
            theme=query.theme.value if query.theme else "",
            updated_since=query.updated_since,
        )
        found = await ctx.store.query(wanted, after=after, limit=query.top + 1)
        page = found[: query.top]
        names = {key: board.name for key, board in gov.boards.items()}
        more = len(found) > query.top
        return ApiResult(
            200,
            RequestPage(
                value=[request_out(request, names, call.base_url) for request in page],
                next_link=next_link(call, query, int(page[-1].item_id)) if more else None,
            ),
        )

    return (
        ApiOperation(
            operation_id="ListRequests",
            method="GET",
            path="/requests",
            summary="List requests",
            description="Lists digital requests, oldest first, a page at a time. Filter by "
            "status, board, directorate, strategy theme or when they last changed. Every "
            "filter you give must match. To get the next page, call the page's nextLink.",
            tag="Requests",
            handler=list_requests,
            role=REQUESTS_READ,
            query=ListRequestsQuery,
            response=RequestPage,
            problems={422: "A filter or the page link is not one we know."},
            param_visibility={"after": "internal", "updatedSince": "advanced", "top": "advanced"},
            dynamic_values={"board": ("ListBoards", "key", "name")},
        ),
        ApiOperation(
            operation_id="GetRequest",
            method="GET",
            path="/requests/{reference}",
            summary="Get a request",
            description="Gets one digital request by its reference, with its history and how "
            "its priority score was worked out. Anyone with the Requests.Read role can read "
            "any request, not just their own, so that reports can show them all.",
            tag="Requests",
            handler=get_request,
            role=REQUESTS_READ,
            response=RequestWithHistory,
            problems={404: "There is no request with that reference."},
        ),
    )
