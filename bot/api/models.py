"""The REST API's shared shapes: a request as makers see it, its history, a page.

Field names are camelCase in JSON (Power Automate's dynamic content shows them), with a
description each: the OpenAPI document and the connector take their words from here.
Enumerations are plain strings with their allowed values listed, so the connector's
dropdowns show them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from bot.domain.model import STATUS_LABELS, DigitalRequest

Item = TypeVar("Item", bound=BaseModel)


class ApiModel(BaseModel):
    """camelCase in JSON; unknown fields in a body are refused (a typo is not ignored)."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True
    )


class HistoryEntryOut(ApiModel):
    at: dt.datetime = Field(description="When it happened (UTC).")
    by_id: str = Field(description="The Entra object id of who did it.")
    by_name: str = Field(description="The name of who did it.")
    action: str = Field(description="What was done, like 'accepted_to_board'.")
    from_status: str = Field(description="The status before.")
    to_status: str = Field(description="The status after.")
    detail: str = Field(description="What they wrote, if anything.")


class ScoreLineOut(ApiModel):
    criterion: str = Field(description="The prioritisation matrix criterion.")
    points: float = Field(description="The points this request scored on it.")


class RequestOut(ApiModel):
    """A digital request as the API shows it."""

    reference: str = Field(description="The request's reference, like DR-2026-0042.")
    title: str = Field(description="The request's title.")
    problem: str = Field(description="The problem it solves, in the requester's words.")
    status: str = Field(description="Where it is in its life cycle, like 'with_board'.")
    status_label: str = Field(description="The status in plain words.")
    directorate: str = Field(description="The requester's directorate.")
    kind: str = Field(description="What kind of request it is, like 'new_system'.")
    board: str = Field(description="The key of the board it is routed to.")
    board_name: str = Field(description="The name of the board it is routed to.")
    process: str = Field(description="'change_request' or 'project'.")
    score: int = Field(description="Its priority score on the prioritisation matrix.")
    matrix_version: str = Field(description="The version of the matrix that scored it.")
    requester_id: str = Field(description="The requester's Entra object id.")
    requester_name: str = Field(description="The requester's name.")
    assignee_name: str = Field(description="Who in IT triage has it, if anyone.")
    delivery_owner: str = Field(description="Who delivers it, once a board approves it.")
    theme: str = Field(description="The strategy theme, once set.")
    horizon: str = Field(description="'now', 'next' or 'later' on the roadmap, once approved.")
    deferred_until: dt.date | None = Field(description="Deferred by its board until this date.")
    submitted_at: dt.datetime = Field(description="When it was sent (UTC).")
    updated_at: dt.datetime = Field(description="When it last changed (UTC).")
    link: str = Field(description="Where the API shows this request.")
    version: str = Field(
        description="The request's version. Send it with a board decision to make sure "
        "nobody changed the request since you read it."
    )


class RequestWithHistory(RequestOut):
    history: list[HistoryEntryOut] = Field(description="Everything that happened to it.")
    score_lines: list[ScoreLineOut] = Field(description="How its score was worked out.")


class PageOf(ApiModel, Generic[Item]):
    """One page of a list. Ask for `nextLink` to get the next page; it is null on the last."""

    value: list[Item] = Field(description="The items on this page.")
    next_link: str | None = Field(
        default=None, description="The address of the next page, or null on the last page."
    )


def updated_at(request: DigitalRequest) -> dt.datetime:
    """When a request last changed: its newest history entry, else when it was sent."""
    return max([request.submitted_at, *(entry.at for entry in request.history)])


def request_out(request: DigitalRequest, board_names: dict[str, str], base_url: str) -> RequestOut:
    return RequestOut(**_fields(request, board_names, base_url))


def request_with_history(
    request: DigitalRequest, board_names: dict[str, str], base_url: str
) -> RequestWithHistory:
    return RequestWithHistory(
        **_fields(request, board_names, base_url),
        history=[
            HistoryEntryOut(
                at=entry.at,
                by_id=entry.actor_id,
                by_name=entry.actor_name,
                action=entry.action,
                from_status=entry.from_status.value,
                to_status=entry.to_status.value,
                detail=entry.detail,
            )
            for entry in request.history
        ],
        score_lines=[
            ScoreLineOut(criterion=line.label, points=float(line.points))
            for line in request.score.lines
        ],
    )


def _fields(request: DigitalRequest, board_names: dict[str, str], base_url: str) -> dict[str, Any]:
    return {
        "reference": request.reference,
        "title": request.details.title,
        "problem": request.details.problem,
        "status": request.status.value,
        "status_label": STATUS_LABELS[request.status],
        "directorate": request.details.directorate,
        "kind": request.details.kind.value,
        "board": request.route.board,
        "board_name": board_names.get(request.route.board, request.route.board),
        "process": request.route.process,
        "score": request.score.total,
        "matrix_version": request.score.matrix_version,
        "requester_id": request.requester.user_id,
        "requester_name": request.requester.name,
        "assignee_name": request.assignee_name,
        "delivery_owner": request.delivery_owner,
        "theme": request.theme,
        "horizon": request.horizon,
        "deferred_until": request.deferred_until,
        "submitted_at": request.submitted_at,
        "updated_at": updated_at(request),
        "link": f"{base_url}/api/v1/requests/{request.reference}",
        "version": request.etag,
    }
