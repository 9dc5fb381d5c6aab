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

import secrets
from collections.abc import Awaitable, Callable
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


Handler = Callable[[ApiCall], Awaitable[ApiResult]]

TOO_MANY = (
    f"You have {MOST_PER_OWNER} flows using these triggers already, the most you can have. "
    "Turn off a flow you no longer use, then try again."
)


def operations(hooks: Webhooks) -> tuple[ApiOperation, ...]:
    ctx = hooks.ctx

    def subscribe(event: str) -> Handler:
        async def handle(call: ApiCall) -> ApiResult:
            body: Any = call.body
            problem = address_problem(body.notification_url, hooks.config.local)
            if problem:
                raise invalid(FieldProblem("notificationUrl", problem))
            board = (getattr(body, "board", None) or "").strip()
            if board:
                names = await hooks.board_names()
                if board not in names:
                    known = ", ".join(sorted(names))
                    raise invalid(FieldProblem("board", f"Choose one of: {known}."))
            caller = call.caller
            sub = Subscription(
                id="sub_" + secrets.token_hex(12),
                event=event,
                notification_url=body.notification_url.strip(),
                secret=sending.new_secret(),
                owner_id=caller.user_id or caller.app_id,
                owner_is_app=not caller.user_id,
                owner_name=caller.name[:200],
                created_at=ctx.now(),
                api_base=call.base_url,
                to_status=getattr(body, "to_status", None) or "",
                board=board,
            )
            kept = await (await hooks.store()).subscribe(sub, MOST_PER_OWNER)
            if kept is None:
                raise standard(409, TOO_MANY)
            location = f"{call.base_url}/api/v1/subscriptions/{kept.id}"
            return ApiResult(201, _subscription_out(kept, secret=True), {"Location": location})

        return handle

    async def owned(call: ApiCall) -> Subscription:
        said = call.path["id"]
        sub = await (await hooks.store()).subscription(said)
        mine = sub is not None and (_owns(call.caller, sub) or call.caller.user_id in ctx.admin_ids)
        if sub is None or not mine:
            raise standard(404, "There is no subscription with that id.")
        return sub

    async def delete(call: ApiCall) -> ApiResult:
        sub = await owned(call)
        await (await hooks.store()).delete_subscription(sub.id)
        return ApiResult(204)

    async def deliveries(call: ApiCall) -> ApiResult:
        sub = await owned(call)
        query: Any = call.query
        before = _seq(sub, query.after)
        rows = await (await hooks.store()).deliveries(sub.id, before, query.top + 1)
        shown = rows[: query.top]
        next_link = None
        if len(rows) > query.top:
            after = paging.cursor(LOG, sub.id, str(shown[-1].seq))
            path = f"/subscriptions/{sub.id}/deliveries"
            next_link = paging.next_link(call, path, top=query.top, after=after)
        page = DeliveryPage(value=[_delivery_out(row) for row in shown], next_link=next_link)
        return ApiResult(200, page)

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
            handler=subscribe(CREATED),
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
            handler=subscribe(STATUS_CHANGED),
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
            handler=subscribe(DECIDED),
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
            handler=delete,
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
            handler=deliveries,
            role=REQUESTS_READ,
            query=DeliveriesQuery,
            response=DeliveryPage,
            visibility="advanced",
            problems={404: "There is no subscription with that id."},
        ),
    )


def part(hooks: Webhooks) -> Part:
    return Part(operations=operations(hooks))
