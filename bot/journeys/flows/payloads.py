"""What the webhook triggers take and give: the subscription a flow asks for, and what
each call to the flow carries. The connector and the OpenAPI document take their words
from the descriptions here, so they are written for makers."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from bot.api.models import ApiModel, PageOf, RequestOut
from bot.api.paging import PageQuery
from bot.domain.model import Status

CREATED = "request.created"
STATUS_CHANGED = "request.status_changed"
DECIDED = "board.decided"
EVENTS = (CREATED, STATUS_CHANGED, DECIDED)

# The statuses a flow can choose from: the domain's own, so a new status shows here too.
STATUSES: tuple[str, ...] = tuple(status.value for status in Status)
if TYPE_CHECKING:
    StatusValue = str
else:  # Literal["submitted", "in_triage", ...]: a list of words in the connector
    StatusValue = Literal[STATUSES]

_URL = Field(
    max_length=2000,
    description="Where to send each event. Power Automate fills this in for you.",
    json_schema_extra={"x-ms-notification-url": True, "x-ms-visibility": "internal"},
)


class SubscribeCreated(ApiModel):
    notification_url: str = _URL


class SubscribeStatusChanged(ApiModel):
    notification_url: str = _URL
    to_status: StatusValue | None = Field(
        default=None,
        description="Only when a request moves to this status. Leave empty for every change.",
    )


class SubscribeDecided(ApiModel):
    notification_url: str = _URL
    board: str | None = Field(
        default=None,
        max_length=50,
        description="Only this board's decisions, by its key (like ddc). Leave empty for all "
        "boards.",
    )


class SubscriptionOut(ApiModel):
    """A flow's subscription to an event."""

    id: str = Field(description="The subscription's id.")
    event: str = Field(description="The event it is for, like request.created.")
    secret: str | None = Field(
        default=None,
        description="The secret each call is signed with (the webhook-signature header). "
        "It is shown once, when the subscription is made.",
    )
    created_at: dt.datetime = Field(description="When the subscription was made (UTC).")
    state: str = Field(description="'active', or 'paused' after the flow kept failing.")
    to_status: str | None = Field(default=None, description="The status filter, if any.")
    board: str | None = Field(default=None, description="The board filter, if any.")


class DeliveryOut(ApiModel):
    """One event sent, or to be sent, to a flow."""

    event_id: str = Field(description="The event's id. A flow can use it to spot repeats.")
    event: str = Field(description="The event, like request.created.")
    occurred_at: dt.datetime = Field(description="When the event happened (UTC).")
    state: str = Field(
        description="'pending' (waiting to be sent or tried again), 'delivered', 'failed' "
        "(given up) or 'skipped' (not sent because the trigger was paused)."
    )
    attempts: int = Field(description="How many times we tried to send it.")
    last_status_code: int | None = Field(
        description="The HTTP status the flow answered with last time, if it answered."
    )
    last_error: str = Field(description="What went wrong last time, in plain words.")
    next_try_at: dt.datetime | None = Field(description="When we try again (UTC), if we will.")
    delivered_at: dt.datetime | None = Field(description="When it was delivered (UTC).")


class DeliveryPage(PageOf[DeliveryOut]):
    pass


class DeliveriesQuery(PageQuery):
    """ListDeliveries takes only the page."""


# -- What each call to a flow carries --------------------------------------------------


class _Event(ApiModel):
    event_id: str = Field(description="The event's id. The same id means the same event.")
    occurred_at: dt.datetime = Field(description="When it happened (UTC).")


class RequestCreatedEvent(_Event):
    """A request was created (in Teams or through the API)."""

    event: Literal["request.created"] = Field(description="Always request.created.")
    request: RequestOut = Field(description="The request as it was created.")


class RequestStatusChangedEvent(_Event):
    """A request's status changed."""

    event: Literal["request.status_changed"] = Field(description="Always request.status_changed.")
    from_status: str = Field(description="The status before, like 'in_triage'.")
    to_status: str = Field(description="The status now, like 'with_board'.")
    to_status_label: str = Field(description="The status now, in plain words.")
    request: RequestOut = Field(description="The request as it is now.")


class BoardDecidedEvent(_Event):
    """A board decided a request."""

    event: Literal["board.decided"] = Field(description="Always board.decided.")
    decision_id: str = Field(description="The decision's id.")
    reference: str = Field(description="The request's reference, like DR-2026-0042.")
    board: str = Field(description="The key of the board that decided, like ddc.")
    board_name: str = Field(description="The name of the board that decided.")
    decision: str = Field(
        description="What was decided: approve, defer, reject, ask_info or send_to_board."
    )
    decision_label: str = Field(description="What was decided, in plain words.")
    decided_by_id: str = Field(description="The Entra object id of who recorded it.")
    decided_by_name: str = Field(description="The name of who recorded it.")
    decided_at: dt.datetime = Field(description="When it was decided (UTC).")
    reason: str = Field(description="The board's reason, if it gave one.")
    question: str = Field(description="For ask_info: the question asked.")
    process: str = Field(description="For approvals: 'change_request' or 'project'.")
    theme: str = Field(description="For approvals: the strategy theme.")
    horizon: str = Field(description="For approvals: 'now', 'next' or 'later'.")
    deferred_until: dt.date | None = Field(description="For deferrals: until when.")
    to_board: str = Field(description="When sent to another board: that board's key.")
    score: int = Field(description="The request's priority score when decided.")
    request: RequestOut | None = Field(
        description="The request as it is after the decision. For approvals, its "
        "deliveryOwner is who delivers it."
    )
