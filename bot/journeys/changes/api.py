"""Withdraw a request through the REST API: only its requester, only while the chat
would let them, with the chat's words when it would not."""

from __future__ import annotations

from pydantic import Field

from bot.api.models import ApiModel, RequestWithHistory, request_with_history
from bot.api.operations import REQUESTS_WRITE, ApiCall, ApiOperation, ApiResult
from bot.api.problems import standard
from bot.domain.references import format_reference, parse_reference
from bot.errors import NotAllowed, UserFacingError
from bot.journey import REQUEST_CHANGED, Actor, JourneyContext
from bot.journeys.changes import usecases


class WithdrawIn(ApiModel):
    reason: str | None = Field(
        default=None,
        max_length=1000,
        description="Why it is withdrawn, in a sentence or two. IT triage sees it.",
    )


def operations(ctx: JourneyContext) -> tuple[ApiOperation, ...]:
    async def withdraw_request(call: ApiCall) -> ApiResult:
        assert isinstance(call.body, WithdrawIn)
        said = call.path["reference"]
        parsed = parse_reference(said)
        if parsed is None:
            raise standard(404, f"'{said[:40]}' is not a request reference like DR-2026-0042.")
        reference = format_reference(*parsed)
        request = await ctx.store.get(reference)
        if request is None:
            raise standard(404, f"There is no request {reference}.")
        caller = call.caller
        if request.requester.user_id != caller.user_id:
            raise standard(
                403,
                f"Only the person who raised {reference} can withdraw it. Nothing has changed.",
            )
        actor = Actor(
            user_id=caller.user_id, teams_id="", name=caller.name, aad_object_id=caller.user_id
        )
        try:
            await usecases.can_withdraw(ctx.store, actor, reference)
            withdrawn = await usecases.withdraw(
                ctx.store, actor, reference, (call.body.reason or "").strip(), ctx.now()
            )
        except NotAllowed as refused:
            raise standard(409, str(refused)) from None
        except UserFacingError as busy:  # changed by someone else, again and again
            raise standard(409, str(busy)) from None
        ctx.events.publish(REQUEST_CHANGED, withdrawn)
        gov = await ctx.store.governance()
        names = {key: board.name for key, board in gov.boards.items()}
        return ApiResult(200, request_with_history(withdrawn, names, call.base_url))

    return (
        ApiOperation(
            operation_id="WithdrawRequest",
            method="POST",
            path="/requests/{reference}/withdraw",
            summary="Withdraw a request",
            description="Withdraws a request for the person who raised it, as they can in "
            "Teams. Only the person who raised it can, and only until a board decides on "
            "it. IT triage sees that it was withdrawn, with the reason if you give one. "
            "This cannot be undone.",
            tag="Requests",
            handler=withdraw_request,
            role=REQUESTS_WRITE,
            person=True,
            body=WithdrawIn,
            response=RequestWithHistory,
            problems={
                403: "Only the person who raised the request can withdraw it.",
                404: "There is no request with that reference.",
                409: "It can no longer be withdrawn, for example because a board decided on "
                "it or it was already withdrawn.",
            },
        ),
    )
