"""The webhook triggers in the REST API: a flow subscribes to an event (Power Automate
does this when the flow is turned on, and deletes the subscription when it is turned
off), and its owner or an admin reads its delivery log, a page at a time.

Someone else's subscription is answered as if there were none (404), so ids cannot be
probed. The signing secret is shown once, in the answer that makes the subscription.

Power Automate may subscribe again with the same address when it missed our answer. A
person or app subscribing to the same event with the same address again gets the
subscription they have (the same id and Location, 201 again), with a new secret shown
once (the old secret stops working), its new filters, and active again if it was paused.
Each person or app has at most MOST_PER_OWNER subscriptions (409 after that).
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from bot.api import paging
from bot.api.operations import (
    REQUESTS_READ,
    ApiCall,
    ApiCaller,
    ApiOperation,
    ApiResult,
    FieldProblem,
    Trigger,
)
from bot.api.problems import invalid, standard
from bot.journey import Part
from bot.journeys.flows import sending
from bot.journeys.flows.addresses import address_problem
from bot.journeys.flows.config import MOST_PER_OWNER
from bot.journeys.flows.payloads import (
    CREATED,
    DECIDED,
    STATUS_CHANGED,
    BoardDecidedEvent,
    DeliveriesQuery,
    DeliveryOut,
    DeliveryPage,
    RequestCreatedEvent,
    RequestStatusChangedEvent,
    SubscribeCreated,
    SubscribeDecided,
    SubscribeStatusChanged,
    SubscriptionOut,
)
from bot.journeys.flows.store import Delivery, Subscription
from bot.journeys.flows.webhooks import TRIGGERS, Webhooks


def _owns(caller: ApiCaller, sub: Subscription) -> bool:
    if sub.owner_is_app:
        return not caller.user_id and caller.app_id == sub.owner_id
    return bool(caller.user_id) and caller.user_id == sub.owner_id


def _subscription_out(sub: Subscription, secret: bool = False) -> SubscriptionOut:
    return SubscriptionOut(
        id=sub.id,
        event=sub.event,
        secret=sub.secret if secret else None,
        created_at=sub.created_at,
        state=sub.state,
        to_status=sub.to_status or None,
        board=sub.board or None,
    )


LOG = "deliveries"  # the cursor's kind: a page of one subscription's delivery log


def _seq(sub: Subscription, given: str | None) -> int:
    """Where the page before ended (0: from the newest); 422 for a cursor not of this
    subscription's log."""
    keys = paging.read_cursor(LOG, given, 2)
    if keys is None:
        return 0
    said, seq = keys
    if said != sub.id or not (seq.isdigit() and len(seq) < 19 and int(seq) > 0):
        raise invalid(FieldProblem("after", paging.NOT_OURS))
    return int(seq)


def _delivery_out(row: Delivery) -> DeliveryOut:
    return DeliveryOut(
        event_id=row.event_id,
        event=row.event,
        occurred_at=row.occurred_at,
        state=row.state,
        attempts=row.attempts,
        last_status_code=row.last_status,
        last_error=row.last_error,
        next_try_at=row.next_try_at if row.state == "pending" else None,
        delivered_at=row.delivered_at,
    )


TOO_MANY = (
    f"You have {MOST_PER_OWNER} flows using these triggers already, the most you can have. "
    "Turn off a flow you no longer use, then try again."
)


def _new_subscription(call: ApiCall, event: str, board: str, now: dt.datetime) -> Subscription:
    """The subscription a call asks for, owned by its caller, with a new secret."""
    body: Any = call.body
    caller = call.caller
    return Subscription(
        id="sub_" + secrets.token_hex(12),
        event=event,
        notification_url=body.notification_url.strip(),
        secret=sending.new_secret(),
        owner_id=caller.user_id or caller.app_id,
        owner_is_app=not caller.user_id,
        owner_name=caller.name[:200],
        created_at=now,
        api_base=call.base_url,
        to_status=getattr(body, "to_status", None) or "",
        board=board,
    )


class FlowsApi:
    """The handlers of the webhook triggers: one method per operation."""

    def __init__(self, hooks: Webhooks) -> None:
        self.hooks = hooks

    async def on_request_created(self, call: ApiCall) -> ApiResult:
        return await self._subscribe(CREATED, call)

    async def on_request_status_changed(self, call: ApiCall) -> ApiResult:
        return await self._subscribe(STATUS_CHANGED, call)

    async def on_board_decided(self, call: ApiCall) -> ApiResult:
        return await self._subscribe(DECIDED, call)

    async def delete(self, call: ApiCall) -> ApiResult:
        sub = await self._owned(call)
        await (await self.hooks.store()).delete_subscription(sub.id)
        return ApiResult(204)

    async def deliveries(self, call: ApiCall) -> ApiResult:
        sub = await self._owned(call)
        query: Any = call.query
        before = _seq(sub, query.after)
        rows = await (await self.hooks.store()).deliveries(sub.id, before, query.top + 1)
        shown = rows[: query.top]
        next_link = None
        if len(rows) > query.top:
            after = paging.cursor(LOG, sub.id, str(shown[-1].seq))
            path = f"/subscriptions/{sub.id}/deliveries"
            next_link = paging.next_link(call, path, top=query.top, after=after)
        page = DeliveryPage(value=[_delivery_out(row) for row in shown], next_link=next_link)
        return ApiResult(200, page)

    async def _subscribe(self, event: str, call: ApiCall) -> ApiResult:
        body: Any = call.body
        problem = address_problem(body.notification_url, self.hooks.config.local)
        if problem:
            raise invalid(FieldProblem("notificationUrl", problem))
        board = await self._board(getattr(body, "board", None))
        sub = _new_subscription(call, event, board, self.hooks.ctx.now())
        kept = await (await self.hooks.store()).subscribe(sub, MOST_PER_OWNER)
        if kept is None:
            raise standard(409, TOO_MANY)
        location = f"{call.base_url}/api/v1/subscriptions/{kept.id}"
        return ApiResult(201, _subscription_out(kept, secret=True), {"Location": location})

    async def _board(self, given: str | None) -> str:
        """The board filter ("" for every board); 422 for a board there is not."""
        board = (given or "").strip()
        if board:
            names = await self.hooks.board_names()
            if board not in names:
                known = ", ".join(sorted(names))
                raise invalid(FieldProblem("board", f"Choose one of: {known}."))
        return board

    async def _owned(self, call: ApiCall) -> Subscription:
        """The subscription the path names, if the caller owns it or is an admin; 404
        otherwise, as if there were none."""
        said = call.path["id"]
        sub = await (await self.hooks.store()).subscription(said)
        mine = sub is not None and (
            _owns(call.caller, sub) or call.caller.user_id in self.hooks.ctx.admin_ids
        )
        if sub is None or not mine:
            raise standard(404, "There is no subscription with that id.")
        return sub


def operations(hooks: Webhooks) -> tuple[ApiOperation, ...]:
    api = FlowsApi(hooks)
    common: dict[str, Any] = {
        "method": "POST",
        "tag": "Flows",
        "role": REQUESTS_READ,
        "response": SubscriptionOut,
        "status": 201,
        "problems": {
            409: f"You have {MOST_PER_OWNER} triggers already, the most you can have.",
            422: "The address or a filter is not right.",
        },
    }
    return (
        ApiOperation(
            operation_id="OnRequestCreated",
            path="/subscriptions/request-created",
            summary=TRIGGERS[CREATED],
            description="Starts a flow each time someone creates a digital request, in Teams "
            "or through the API.",
            handler=api.on_request_created,
            body=SubscribeCreated,
            trigger=Trigger(RequestCreatedEvent, "DeleteSubscription", TRIGGERS[CREATED]),
            **common,
        ),
        ApiOperation(
            operation_id="OnRequestStatusChanged",
            path="/subscriptions/request-status-changed",
            summary=TRIGGERS[STATUS_CHANGED],
            description="Starts a flow each time a request moves to a new status. Choose a "
            "status to start it only for that one.",
            handler=api.on_request_status_changed,
            body=SubscribeStatusChanged,
            trigger=Trigger(
                RequestStatusChangedEvent, "DeleteSubscription", TRIGGERS[STATUS_CHANGED]
            ),
            **common,
        ),
        ApiOperation(
            operation_id="OnBoardDecided",
            path="/subscriptions/board-decided",
            summary=TRIGGERS[DECIDED],
            description="Starts a flow each time a board records a decision on a request. "
            "Choose a board to start it only for that board's decisions.",
            handler=api.on_board_decided,
            body=SubscribeDecided,
            trigger=Trigger(BoardDecidedEvent, "DeleteSubscription", TRIGGERS[DECIDED]),
            dynamic_values={"board": ("ListBoards", "key", "name")},
            **common,
        ),
        ApiOperation(
            operation_id="DeleteSubscription",
            method="DELETE",
            path="/subscriptions/{id}",
            summary="Stop a trigger",
            description="Stops sending events to a flow. Power Automate calls this when "
            "the flow is turned off or deleted.",
            tag="Flows",
            handler=api.delete,
            role=REQUESTS_READ,
            status=204,
            visibility="internal",
            problems={404: "There is no subscription with that id."},
        ),
        ApiOperation(
            operation_id="ListDeliveries",
            method="GET",
            path="/subscriptions/{id}/deliveries",
            summary="List a trigger's deliveries",
            description="Lists the events sent, or waiting to be sent, to a flow, newest "
            "first: how many tries, the last answer, and when the next try is.",
            tag="Flows",
            handler=api.deliveries,
            role=REQUESTS_READ,
            query=DeliveriesQuery,
            response=DeliveryPage,
            visibility="advanced",
            problems={404: "There is no subscription with that id."},
        ),
    )


def part(hooks: Webhooks) -> Part:
    return Part(operations=operations(hooks))
