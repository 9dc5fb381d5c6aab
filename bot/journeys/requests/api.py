"""The requests journey in the REST API: list requests with filters, a page at a time,
and get one by its reference with its history."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from pydantic import AwareDatetime, Field, field_validator

from bot.api.models import (
    PageOf,
    RequestOut,
    RequestWithHistory,
    request_out,
    request_with_history,
)
from bot.api.operations import REQUESTS_READ, ApiCall, ApiOperation, ApiResult, FieldProblem
from bot.api.paging import NOT_OURS, PageQuery, cursor, next_link, read_cursor
from bot.api.problems import invalid, standard
from bot.domain.model import DIRECTORATES, Status, Theme
from bot.domain.references import format_reference, parse_reference
from bot.journey import JourneyContext
from bot.ports import RequestQuery

_ITEM = re.compile(r"[1-9][0-9]{0,17}")
# RFC 3339's date-time, what OpenAPI's `format: date-time` means: a date, T, a time, and a
# time zone (Z or an offset). Power Automate's utcNow() gives 7 digits after the second.
_DATE_TIME = re.compile(
    r"([0-9]{4}-[0-9]{2}-[0-9]{2})[Tt]([0-9]{2}:[0-9]{2}:[0-9]{2})(?:\.([0-9]+))?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})"
)
WHEN_EXPECTED = (
    "Enter a date and time with a time zone, like 2026-11-25T09:00:00Z. "
    "In Power Automate, utcNow() gives one."
)


def _one_of(values: list[str] | tuple[str, ...]) -> str:
    if any("," in value for value in values):  # "Communities, Culture and Homes"
        return "Choose one of: " + ", ".join(f'"{value}"' for value in values) + "."
    return "Choose one of: " + ", ".join(values) + "."


class ListRequestsQuery(PageQuery):
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
        description="Only requests changed at or after this time: a date and time with a "
        "time zone, like 2026-11-25T09:00:00Z.",
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
    def _date_time(cls, value: Any) -> Any:
        """Only what the document says (format date-time): not a date alone, a space for
        the T, a number of seconds or ISO 8601's other forms."""
        if value is None or isinstance(value, dt.datetime):
            return value
        found = _DATE_TIME.fullmatch(value) if isinstance(value, str) else None
        if found is None:
            raise ValueError(WHEN_EXPECTED)
        day, time, fraction, zone = found.groups()
        micro = (fraction or "").ljust(6, "0")[:6]
        try:
            return dt.datetime.fromisoformat(f"{day}T{time}.{micro}{zone.upper()}")
        except ValueError:
            raise ValueError(WHEN_EXPECTED) from None


class RequestPage(PageOf[RequestOut]):
    pass


def item_after(given: str | None) -> int:
    """The item a cursor names, 0 for none; Problem (422) for one we did not give."""
    keys = read_cursor("requests", given, 1)
    if keys is None:
        return 0
    if not _ITEM.fullmatch(keys[0]):
        raise invalid(FieldProblem("after", NOT_OURS))
    return int(keys[0])


def next_page(call: ApiCall, query: ListRequestsQuery, last_item: int) -> str:
    """The next page's full address: the same filters and page size, and its cursor."""
    return next_link(
        call,
        "/requests",
        status=",".join(status.value for status in query.status or ()),
        board=query.board,
        directorate=query.directorate,
        theme=query.theme.value if query.theme else None,
        updatedSince=query.updated_since.isoformat() if query.updated_since else None,
        top=query.top,
        after=cursor("requests", str(last_item)),
    )


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
                next_link=next_page(call, query, int(page[-1].item_id)) if more else None,
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
