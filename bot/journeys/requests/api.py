"""The requests journey in the REST API: list requests with filters, a page at a time,
and get one by its reference with its history."""

from __future__ import annotations

from pydantic import Field

from bot.api.models import ApiModel, PageOf, RequestOut, RequestWithHistory, request_with_history
from bot.api.operations import REQUESTS_READ, ApiCall, ApiOperation, ApiResult
from bot.api.problems import standard
from bot.domain.references import format_reference, parse_reference
from bot.journey import JourneyContext

PAGE_MOST = 100


class ListRequestsQuery(ApiModel):
    """SKELETON: helper B adds the filters (status, board, directorate, theme,
    updatedSince) and paging."""

    top: int = Field(default=25, ge=1, le=PAGE_MOST, description="How many on a page (1 to 100).")


class RequestPage(PageOf[RequestOut]):
    pass


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
        raise standard(503, "SKELETON")

    return (
        ApiOperation(
            operation_id="ListRequests",
            method="GET",
            path="/requests",
            summary="List requests",
            description="Lists digital requests, a page at a time, with filters.",
            tag="Requests",
            handler=list_requests,
            role=REQUESTS_READ,
            query=ListRequestsQuery,
            response=RequestPage,
        ),
        ApiOperation(
            operation_id="GetRequest",
            method="GET",
            path="/requests/{reference}",
            summary="Get a request",
            description="Gets one digital request by its reference, with its history and how "
            "its priority score was worked out.",
            tag="Requests",
            handler=get_request,
            role=REQUESTS_READ,
            response=RequestWithHistory,
            problems={404: "There is no request with that reference."},
        ),
    )
