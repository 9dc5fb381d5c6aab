"""The boards journey in the REST API: record a board's decision on a request, and list
the boards (for the connector's dropdowns).

A decision made through the API goes through the chat's own steps
(`decisions.decide`): the same authority (the board's members and their deputies only),
the same life cycle rules, the same record, and the same effects afterwards (the
requester told, IT triage's card redrawn, the decision kept for Power BI, BOARD_DECIDED
for flows). Who decides comes from the caller's token or key, never from the body.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Literal, cast

from pydantic import Field, field_validator

from bot.api.models import ApiModel, PageOf
from bot.api.operations import (
    API_PREFIX,
    DECISIONS_WRITE,
    REQUESTS_READ,
    ApiCall,
    ApiCaller,
    ApiOperation,
    ApiResult,
    FieldProblem,
)
from bot.api.paging import NOT_OURS, PageQuery, cursor, next_link, read_cursor
from bot.api.problems import invalid, standard
from bot.domain.boards import Decision, DecisionKind
from bot.domain.model import STATUS_LABELS, DigitalRequest, Horizon, Theme
from bot.domain.references import format_reference, parse_reference
from bot.domain.text import clean_text
from bot.domain.triage import BOARDS, PROCESSES
from bot.errors import NotAllowed, NotFound
from bot.journey import Actor, JourneyContext, Part
from bot.journeys.boards.decisions import (
    DecideCommand,
    DecisionRefused,
    Outcome,
    after_decision,
    authority_of,
    decide,
    recorded_note,
)
from bot.journeys.boards.setup import effective_setup
from bot.journeys.boards.shared import Shared
from cards import agenda_cards as views


def one_of(values: Iterable[str]) -> Any:
    """A Literal of the domain's own values, so the API's choices (and the enums in the
    OpenAPI document and the connector) follow the domain when it changes."""
    return Literal[tuple(str(value) for value in values)]


if TYPE_CHECKING:  # a type checker cannot follow a Literal built at run time
    DecisionName = str
    BoardKey = str
    ProcessName = str
    HorizonName = str
    ThemeName = str
else:
    DecisionName = one_of(DecisionKind)
    BoardKey = one_of(BOARDS)
    ProcessName = one_of(PROCESSES)
    HorizonName = one_of(Horizon)
    ThemeName = one_of(Theme)

# The body fields each decision uses, besides decision, board and version.
USES: dict[DecisionKind, tuple[str, ...]] = {
    DecisionKind.APPROVE: ("process", "deliveryOwner", "horizon", "theme", "reason"),
    DecisionKind.DEFER: ("deferUntil", "reason"),
    DecisionKind.REJECT: ("reason",),
    DecisionKind.ASK_INFO: ("question",),
    DecisionKind.SEND_TO_BOARD: ("toBoard", "reason"),
}
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class DecisionIn(ApiModel):
    """A board's decision on one request, as a member would make it on the decision card."""

    decision: DecisionName = Field(
        description="What the board decides: approve, defer, reject, ask_info "
        "(ask the requester a question) or send_to_board (send it to another board)."
    )
    board: BoardKey | None = Field(
        default=None,
        description="The key of the board deciding. Leave it out to use the board whose "
        "list the request is on.",
    )
    version: str | None = Field(
        default=None,
        max_length=100,
        description="The request's version when you read it. If someone changed the "
        "request since, nothing is recorded. Leave it out to decide on the request as it "
        "is now.",
    )
    process: ProcessName | None = Field(
        default=None,
        description="For approve: change_request or project. Leave it out to use the "
        "process IT triage chose.",
    )
    delivery_owner: str | None = Field(
        default=None,
        max_length=200,
        description="For approve: who will own delivery, like 'Jo Smith, Waste Services'.",
    )
    horizon: HorizonName | None = Field(
        default=None, description="For approve: when it goes on the roadmap: now, next or later."
    )
    theme: ThemeName | None = Field(
        default=None,
        description="For approve: the strategy theme. Leave it out to use the suggested one.",
    )
    defer_until: dt.date | None = Field(
        default=None,
        description="For defer: the date the board looks at it again, like 2027-03-31. "
        "After today and within 2 years.",
    )
    reason: str | None = Field(
        default=None,
        max_length=1000,
        description="Why: needed to defer, reject or send to another board, and optional "
        "to approve. The requester sees it.",
    )
    question: str | None = Field(
        default=None,
        max_length=1000,
        description="For ask_info: the question for the requester.",
    )
    to_board: BoardKey | None = Field(
        default=None, description="For send_to_board: the key of the board to send it to."
    )

    @field_validator("defer_until", mode="before")
    @classmethod
    def _a_plain_date(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and _ISO_DATE.fullmatch(value)):
            return value
        raise ValueError("Enter a date like 2027-03-31.")


class DecisionOut(ApiModel):
    """A decision as recorded, with where the request is now."""

    id: str = Field(description="The decision's id, like DR-2026-0042:5.")
    reference: str = Field(description="The request's reference.")
    decision: str = Field(description="What was decided: approve, defer, reject, ...")
    board: str = Field(description="The key of the board that decided.")
    board_name: str = Field(description="The name of the board that decided.")
    status: str = Field(description="The request's status now, like 'in_change'.")
    status_label: str = Field(description="The request's status now, in plain words.")
    version: str = Field(description="The request's version now.")
    decided_by_id: str = Field(description="The Entra object id of who decided.")
    decided_by_name: str = Field(description="The name of who decided.")
    on_behalf_of_name: str = Field(
        description="The member a deputy decided for. Empty when a member decided."
    )
    at: dt.datetime = Field(description="When it was decided (UTC).")
    reason: str = Field(description="The board's reason, if it gave one.")
    question: str = Field(description="For ask_info: the question asked.")
    process: str = Field(description="For approve: change_request or project.")
    delivery_owner: str = Field(description="For approve: who owns delivery.")
    theme: str = Field(description="For approve: the strategy theme.")
    horizon: str = Field(description="For approve: now, next or later on the roadmap.")
    deferred_until: dt.date | None = Field(description="For defer: the date it comes back.")
    to_board: str = Field(description="For send_to_board: the key of the board it went to.")
    summary: str = Field(description="What was recorded, in plain words.")
    link: str = Field(description="Where the API shows the request.")


class BoardsQuery(PageQuery):
    """ListBoards takes only the page."""


class BoardOut(ApiModel):
    key: str = Field(description="The board's key, like 'trb'. Use it to name the board.")
    name: str = Field(description="The board's name.")
    purpose: str = Field(description="What the board decides, in plain words.")


class BoardPage(PageOf[BoardOut]):
    pass


# ---- Deciding ------------------------------------------------------------------------------


def _reference(said: str) -> str:
    parsed = parse_reference(said)
    if parsed is None:
        raise standard(404, f"'{said[:40]}' is not a request reference like DR-2026-0042.")
    return format_reference(*parsed)


def _unused(body: DecisionIn) -> list[FieldProblem]:
    """Fields given that this decision does not use: a mistake, so said rather than ignored."""
    sent = body.model_dump(by_alias=True, exclude_none=True)
    used = {"decision", "board", "version", *USES[DecisionKind(body.decision)]}
    return [
        FieldProblem(name, f"Leave this out: a {body.decision} decision does not use it.")
        for name, value in sent.items()
        if name not in used and value != ""
    ]


def _field_of(decision: str, message: str) -> str:
    """Which field the rules' refusal is about (each rule names what to change)."""
    said = message.lower()
    if decision == "approve":
        for words, name in (
            ("change request or project", "process"),
            ("delivery", "deliveryOwner"),
            ("roadmap", "horizon"),
            ("theme", "theme"),
        ):
            if words in said:
                return name
        return "reason"
    if decision == "defer":
        return "deferUntil" if "date" in said else "reason"
    if decision == "send_to_board":
        return "toBoard" if "board" in said and "say why" not in said else "reason"
    return "question" if decision == "ask_info" else "reason"


async def _actor(shared: Shared, caller: ApiCaller, board: str) -> Actor:
    """Who decides: the person the token (or, locally, the API key) names. A key has no
    name of its own, so the name the board knows them by is used."""
    name = caller.name
    if caller.kind == "key":
        setup = await effective_setup(shared, board)
        deputies = await (await shared.store()).deputies(board)
        named = [d.deputy_name for d in deputies if d.deputy_id == caller.user_id]
        name = setup.names.get(caller.user_id) or next(iter(named), "") or name
    return Actor(user_id=caller.user_id, teams_id="", name=name, aad_object_id=caller.user_id)


def _command(body: DecisionIn, request: DigitalRequest, board: str) -> DecideCommand:
    card = {
        DecisionKind.APPROVE: views.APPROVE_CHANGE,
        DecisionKind.DEFER: views.DEFER,
        DecisionKind.REJECT: views.REJECT,
        DecisionKind.ASK_INFO: views.ASK_INFO,
        DecisionKind.SEND_TO_BOARD: views.SEND_TO_BOARD,
    }[DecisionKind(body.decision)]
    if body.decision == DecisionKind.APPROVE:
        process = body.process or request.route.process
        card = views.APPROVE_PROJECT if process == "project" else views.APPROVE_CHANGE
    return DecideCommand(
        reference=request.reference,
        board=board,
        version=body.version or request.etag,
        decision=card,
        delivery_owner=clean_text(body.delivery_owner or ""),
        horizon=body.horizon or "",
        theme=body.theme or "",
        reason=clean_text(body.reason or ""),
        question=clean_text(body.question or ""),
        to_board=body.to_board or "",
        until=body.defer_until.isoformat() if body.defer_until else "",
    )


def decision_out(
    decision: Decision,
    request: DigitalRequest,
    names: dict[str, str],
    base_url: str,
    summary: str,
) -> DecisionOut:
    asked = decision.kind is DecisionKind.ASK_INFO
    return DecisionOut(
        id=decision.id,
        reference=decision.reference,
        decision=decision.kind.value,
        board=decision.board,
        board_name=names.get(decision.board, decision.board),
        status=request.status.value,
        status_label=STATUS_LABELS[request.status],
        version=request.etag,
        decided_by_id=decision.decided_by_id,
        decided_by_name=decision.decided_by_name,
        on_behalf_of_name=decision.on_behalf_of_name,
        at=decision.at,
        reason="" if asked else decision.rationale,
        question=decision.rationale if asked else "",
        process=decision.process,
        delivery_owner=decision.delivery_owner,
        theme=decision.theme,
        horizon=decision.horizon,
        deferred_until=decision.deferred_until,
        to_board=decision.to_board,
        summary=summary,
        link=f"{base_url}{API_PREFIX}/requests/{decision.reference}",
    )


def _board(body: DecisionIn, request: DigitalRequest, reference: str) -> str:
    """The board deciding: the one named, or the one whose list the request is on."""
    board = body.board or request.route.board
    if not board:
        raise standard(409, f"{reference} is not on any board's list. Nothing has changed.")
    return board


class BoardsApi:
    """The handlers of the boards journey's operations: one method per operation."""

    def __init__(self, ctx: JourneyContext, shared: Shared) -> None:
        self.ctx = ctx
        self.shared = shared

    async def record_decision(self, call: ApiCall) -> ApiResult:
        body = cast(DecisionIn, call.body)
        reference = _reference(call.path["reference"])
        unused = _unused(body)
        if unused:
            raise invalid(*unused)
        request = await self._request(reference)
        board = _board(body, request, reference)
        actor = await _actor(self.shared, call.caller, board)
        outcome = await self._decide(actor, body, request, board)
        if not outcome.changed or outcome.decision is None:
            raise standard(409, outcome.note)
        gov = await self.ctx.store.governance()
        names = {key: found.name for key, found in gov.boards.items()}
        summary = recorded_note(outcome, names).removeprefix("Recorded: ")
        self.ctx.in_background(after_decision(self.shared, outcome))
        return ApiResult(
            201, decision_out(outcome.decision, outcome.request, names, call.base_url, summary)
        )

    async def list_boards(self, call: ApiCall) -> ApiResult:
        query = cast(BoardsQuery, call.query)
        gov = await self.ctx.store.governance()
        keys = list(gov.boards)
        after = read_cursor("boards", query.after, 1)
        if after is not None and after[0] not in keys:
            raise invalid(FieldProblem("after", NOT_OURS))
        start = keys.index(after[0]) + 1 if after is not None else 0
        shown = keys[start : start + query.top]
        link = None
        if start + query.top < len(keys):
            link = next_link(call, "/boards", top=query.top, after=cursor("boards", shown[-1]))
        boards = [gov.boards[key] for key in shown]
        return ApiResult(
            200,
            BoardPage(
                value=[BoardOut(key=b.key, name=b.name, purpose=b.purpose) for b in boards],
                next_link=link,
            ),
        )

    async def _request(self, reference: str) -> DigitalRequest:
        request = await self.ctx.store.get(reference)
        if request is None:
            raise standard(404, f"There is no request {reference}.")
        return request

    async def _decide(
        self, actor: Actor, body: DecisionIn, request: DigitalRequest, board: str
    ) -> Outcome:
        """The chat's own steps, their refusals turned into the API's problems."""
        try:
            await authority_of(self.shared, actor, board)
        except NotAllowed as refused:
            raise standard(403, str(refused)) from None
        try:
            return await decide(self.shared, actor, _command(body, request, board))
        except DecisionRefused as refused:
            said = str(refused)
            raise invalid(FieldProblem(_field_of(body.decision, said), said)) from None
        except NotFound as missing:
            raise standard(404, str(missing)) from None
        except NotAllowed as refused:  # not on this board's list now
            raise standard(409, str(refused)) from None


def operations(ctx: JourneyContext, shared: Shared) -> tuple[ApiOperation, ...]:
    api = BoardsApi(ctx, shared)
    return (
        ApiOperation(
            operation_id="RecordDecision",
            method="POST",
            path="/requests/{reference}/decisions",
            summary="Record a board decision",
            description="Records a board's decision on a request on its list: approve, "
            "defer, reject, ask the requester a question, or send it to another board. "
            "Only the board's members, or their deputies, can decide. The requester is "
            "told, as when a member decides in Teams.",
            tag="Decisions",
            handler=api.record_decision,
            role=DECISIONS_WRITE,
            person=True,
            body=DecisionIn,
            response=DecisionOut,
            status=201,
            param_visibility={"version": "advanced", "board": "advanced"},
            problems={
                404: "There is no request with that reference, or it is not that board's.",
                409: "The request is not on the board's list now, or it changed since you "
                "read it. Nothing was recorded.",
                422: "Some answers need changing. Each one is listed with its field.",
            },
            dynamic_values={
                "board": ("ListBoards", "key", "name"),
                "toBoard": ("ListBoards", "key", "name"),
            },
        ),
        ApiOperation(
            operation_id="ListBoards",
            method="GET",
            path="/boards",
            summary="List boards",
            description="Lists the governance boards that decide on requests, with what "
            "each one decides.",
            tag="Decisions",
            handler=api.list_boards,
            role=REQUESTS_READ,
            query=BoardsQuery,
            response=BoardPage,
            param_visibility={"top": "advanced", "after": "internal"},
            problems={422: "The page asked for is not one of this list's."},
        ),
    )


def part(ctx: JourneyContext, shared: Shared) -> Part:
    return Part(operations=operations(ctx, shared))
