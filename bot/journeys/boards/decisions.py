"""A board decides on a request from its agenda: approve (as a change request or a
project), defer, do not take forward, ask the requester, or send to another board.

Only the board's members, or a member's deputy in their period, may decide; who is
acting comes from the Activity, never from the card. The request's life cycle
(`bot.domain.triage`) says whether the decision is allowed and what it becomes; the
change is saved against the version read, the decision is kept for the record (and
for Power BI), the requester is told, and IT triage's card is redrawn.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain import boards, triage
from bot.domain.boards import Authority, Decision, DecisionKind, board_channel
from bot.domain.model import (
    HORIZON_LABELS,
    STATUS_LABELS,
    THEME_LABELS,
    DigitalRequest,
    Horizon,
    Status,
    Theme,
)
from bot.domain.references import parse_reference
from bot.domain.scoring import MAX_TOTAL
from bot.domain.text import clean_text, long_date, one_line
from bot.domain.themes import theme_of, theme_reason
from bot.domain.triage import Action, Change, TransitionRefused, state_of, with_state
from bot.errors import BadCardData, NotAllowed, NotFound
from bot.journey import (
    BOARD_DECIDED,
    REQUEST_CHANGED,
    Actor,
    CardAction,
    JourneyContext,
    Part,
    Reply,
    Turn,
    card_reply,
)
from bot.journeys.boards.agenda import (
    agenda_cards,
    board_key,
    cut_at_word,
    page_number,
    score_words,
)
from bot.journeys.boards.deadlines import clockface_for
from bot.journeys.boards.setup import effective_setup
from bot.journeys.boards.shared import Shared
from bot.ports import ChangedBySomeoneElse
from cards import agenda_cards as views
from cards.agenda_cards import (
    DECIDE_OPEN,
    DECIDE_RECORD,
    DecisionView,
    PanelError,
    build_decision_card,
    build_decision_news_card,
)
from cards.elements import to_dict

logger = logging.getLogger(__name__)

PROBLEM_CHARS = 600  # the requester's problem on the decision card, cut at a word
OUT_OF_DATE = (
    "This card is out of date. Type agenda to see the board's list now. Nothing has changed."
)
# Each decision on the card: the life cycle's action, the record's kind, the process.
_DECISIONS: dict[str, tuple[Action, DecisionKind, str]] = {
    views.APPROVE_CHANGE: (Action.APPROVE, DecisionKind.APPROVE, "change_request"),
    views.APPROVE_PROJECT: (Action.APPROVE, DecisionKind.APPROVE, "project"),
    views.DEFER: (Action.DEFER, DecisionKind.DEFER, ""),
    views.REJECT: (Action.BOARD_REJECT, DecisionKind.REJECT, ""),
    views.ASK_INFO: (Action.BOARD_ASK_INFO, DecisionKind.ASK_INFO, ""),
    views.SEND_TO_BOARD: (Action.SEND_TO_BOARD, DecisionKind.SEND_TO_BOARD, ""),
}
# How much of a typed answer is kept to draw it back on the card (the rules say if too long).
_KEEP_CHARS = 1200


# ---- What a card sends ---------------------------------------------------------------


@dataclass(frozen=True)
class OpenPress:
    reference: str
    board: str
    version: str
    page: int


@dataclass(frozen=True)
class DecideCommand:
    """One decision as pressed: which request and board the card names, and the answers."""

    reference: str
    board: str
    version: str
    decision: str
    page: int = 1
    delivery_owner: str = ""
    horizon: str = ""
    theme: str = ""
    reason: str = ""
    question: str = ""
    to_board: str = ""
    until: str = ""  # the date as sent, YYYY-MM-DD
    typed: dict[str, str] = field(default_factory=dict)  # input id -> answer, to draw back


def _reference(data: Mapping[str, Any]) -> str:
    reference = data.get("reference")
    if not isinstance(reference, str) or parse_reference(reference) is None:
        raise BadCardData("That card does not name a request I know. Nothing has changed.")
    return reference.strip().upper()


def _version(data: Mapping[str, Any]) -> str:
    version = data.get("version")
    if not isinstance(version, str) or not version or len(version) > 100:
        raise BadCardData(OUT_OF_DATE)
    if not version.isprintable():
        raise BadCardData(OUT_OF_DATE)
    return version


def parse_open(data: Mapping[str, Any]) -> OpenPress:
    return OpenPress(_reference(data), board_key(data), _version(data), page_number(data))


def parse_decide(data: Mapping[str, Any]) -> DecideCommand:
    decision = data.get("decision")
    if not isinstance(decision, str) or decision not in _DECISIONS:
        raise BadCardData("That card asks for a decision I do not know. Nothing has changed.")
    typed: dict[str, str] = {}
    for input_id in views.INPUTS[decision]:
        value = data.get(input_id, "")
        if not isinstance(value, str):
            raise BadCardData("One of the answers on the card was not text. Nothing has changed.")
        typed[input_id] = clean_text(value)
    command = DecideCommand(
        _reference(data),
        board_key(data),
        _version(data),
        decision,
        page_number(data),
        typed={key: value[:_KEEP_CHARS] for key, value in typed.items() if value},
    )
    if decision in views.OWNER:
        return dataclasses.replace(
            command,
            delivery_owner=typed[views.OWNER[decision]],
            horizon=typed[views.HORIZON[decision]],
            theme=typed[views.THEME[decision]],
            reason=typed[views.APPROVE_WHY[decision]],
        )
    if decision == views.DEFER:
        return dataclasses.replace(
            command, until=typed[views.DEFER_UNTIL], reason=typed[views.DEFER_REASON]
        )
    if decision == views.REJECT:
        return dataclasses.replace(command, reason=typed[views.REJECT_RATIONALE])
    if decision == views.ASK_INFO:
        return dataclasses.replace(command, question=typed[views.ASK_QUESTION])
    return dataclasses.replace(
        command, to_board=typed[views.SEND_BOARD], reason=typed[views.SEND_REASON]
    )


# ---- Who may decide ------------------------------------------------------------------


async def board_name(shared: Shared, board: str) -> str:
    found = (await shared.ctx.store.governance()).boards.get(board)
    return found.name if found else board


async def authority_of(shared: Shared, actor: Actor, board: str) -> Authority:
    """Why the actor may decide for the board today; NotAllowed, saying why not, if not."""
    today = shared.today()
    store = await shared.store()
    setup = await effective_setup(shared, board)
    deputies = await store.deputies(board)
    found = boards.authority(setup, deputies, actor.user_id, actor.name, today)
    if found is not None:
        return found
    said = (
        f"Only members of the {await board_name(shared, board)}, or their deputies, can "
        "decide. Nothing has changed."
    )
    theirs = sorted(
        (d for d in deputies if d.deputy_id == actor.user_id and d.member_id in setup.members),
        key=lambda d: d.ends,
    )
    ended = [d for d in theirs if d.ends < today]
    starting = [d for d in theirs if d.starts > today]
    if ended:
        last = ended[-1]
        member = setup.names.get(last.member_id) or last.member_name
        said = f"Your time as {member}'s deputy ended on {long_date(last.ends)}. {said}"
    elif starting:
        first = min(starting, key=lambda d: d.starts)
        member = setup.names.get(first.member_id) or first.member_name
        said = f"Your time as {member}'s deputy starts on {long_date(first.starts)}. {said}"
    raise NotAllowed(said)


# ---- Deciding --------------------------------------------------------------------------


class DecisionRefused(NotAllowed):
    """The rules refused what was chosen or typed: shown on the card, answers kept."""

    def __init__(self, message: str, request: DigitalRequest) -> None:
        super().__init__(message)
        self.request = request


@dataclass(frozen=True)
class Outcome:
    request: DigitalRequest
    changed: bool
    note: str = ""
    decision: Decision | None = None
    before: DigitalRequest | None = None


def first_note(request: DigitalRequest, zone: ZoneInfo) -> str:
    """Someone acted first: who, when (the council's time), what, and where it is now."""
    if not request.history:
        return "This request changed since your card was drawn. Here is the list as it is now."
    last = request.history[-1]
    who = one_line(last.actor_name) or "Someone"
    at = last.at.astimezone(zone)
    when = f"{at:%H:%M} on {long_date(at.date())}"
    detail = f" {cut_at_word(last.detail, 300)}" if last.detail else ""
    return (
        f"{who} changed {request.reference} first, at {when}.{detail} It is now "
        f"{triage.status_for_it_in_words(request.status)}. Nothing you chose was recorded."
    )


def _matches(request: DigitalRequest, actor: Actor, command: DecideCommand) -> bool:
    """The latest change is this person's, and is the decision they chose again."""
    if not request.history:
        return False
    last = request.history[-1]
    action, _, process = _DECISIONS[command.decision]
    if last.actor_id != actor.user_id or last.action != action.value:
        return False
    return not process or request.route.process == process


def stale_note(
    request: DigitalRequest, actor: Actor, command: DecideCommand, zone: ZoneInfo
) -> str:
    """A press against an older version: their own decision again is already recorded;
    otherwise who acted first."""
    if not _matches(request, actor, command):
        return first_note(request, zone)
    last = request.history[-1]
    at = last.at.astimezone(zone)
    detail = f" {cut_at_word(last.detail, 300)}" if last.detail else ""
    return (
        f"Your decision on {request.reference} is already recorded, from "
        f"{at:%H:%M} on {long_date(at.date())}.{detail} It is now "
        f"{triage.status_for_it_in_words(request.status)}. Nothing new was recorded."
    )


async def not_on_list(
    shared: Shared, request: DigitalRequest, board: str, change: Change | None = None
) -> str:
    """Why the board cannot decide a request that is not on its list now: the rules' own
    words (already decided, still in triage), or the board whose list it is on."""
    name = await board_name(shared, board)
    if request.status is Status.WITH_BOARD:
        other = await board_name(shared, request.route.board)
        return (
            f"{request.reference} is on the {other}'s list now, not the {name}'s. Only the "
            f"{other} can decide it. Nothing has changed."
        )
    try:
        if change is not None:
            triage.apply(state_of(request), change, request.reference)
    except TransitionRefused as refused:
        return refused.message
    return (
        f"{request.reference} is not on the {name}'s list now: it is "
        f"{triage.status_for_it_in_words(request.status)}. Nothing has changed."
    )


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


async def decide(shared: Shared, actor: Actor, command: DecideCommand) -> Outcome:
    """Check, apply and keep one decision; raise NotAllowed (or DecisionRefused for what
    was typed) when it cannot be made."""
    ctx = shared.ctx
    authority = await authority_of(shared, actor, command.board)
    name = await board_name(shared, command.board)
    request = await ctx.store.get(command.reference)
    if request is None or not await _on_this_board(shared, request, command.board):
        raise NotFound(f"{command.reference} is not on the {name}'s list. Nothing has changed.")
    if command.version != request.etag:
        note = stale_note(request, actor, command, ctx.calendar.zone)
        return Outcome(request, changed=False, note=note)
    action, kind, process = _DECISIONS[command.decision]
    now = ctx.now()
    change = Change(
        action,
        actor.user_id,
        actor.name,
        now,
        board=command.to_board,
        process=process,
        reason=command.reason,
        question=command.question,
        delivery_owner=command.delivery_owner,
        deferred_until=_date(command.until),
        theme=command.theme or (theme_of(request.details).value if process else ""),
        horizon=command.horizon,
        on_behalf_of=authority.on_behalf_of_name,
    )
    if request.status is not Status.WITH_BOARD or request.route.board != command.board:
        # Only a request on this board's list now: one it decided before, or sent on, is
        # another board's (or nobody's) to decide.
        raise NotAllowed(await not_on_list(shared, request, command.board, change))
    try:
        state = triage.apply(state_of(request), change, request.reference)
    except TransitionRefused as refused:
        raise DecisionRefused(refused.message, request) from refused
    try:
        saved = await ctx.store.update(with_state(request, state, "decided by a board"))
    except ChangedBySomeoneElse:
        fresh = await ctx.store.get(request.reference)
        if fresh is None:
            raise
        note = stale_note(fresh, actor, command, ctx.calendar.zone)
        return Outcome(fresh, changed=False, note=note)
    decision = _decision(saved, command, kind, actor, authority, now)
    await (await shared.store()).add_decision(decision)
    return Outcome(saved, changed=True, decision=decision, before=request)


async def _on_this_board(shared: Shared, request: DigitalRequest, board: str) -> bool:
    """On the board's list (or headed there), or decided by it before: a card from the
    board may name it. Anything else is not the board's to see."""
    if request.route.board == board:
        return True
    return any(
        d.board == board for d in await (await shared.store()).decisions_for(request.reference)
    )


def _decision(
    saved: DigitalRequest,
    command: DecideCommand,
    kind: DecisionKind,
    actor: Actor,
    authority: Authority,
    now: dt.datetime,
) -> Decision:
    approved = kind is DecisionKind.APPROVE
    return Decision(
        id=f"{saved.reference}:{len(saved.history)}",
        reference=saved.reference,
        board=command.board,
        kind=kind,
        decided_by_id=actor.user_id,
        decided_by_name=actor.name,
        at=now,
        rationale=command.question if kind is DecisionKind.ASK_INFO else command.reason,
        on_behalf_of_id=authority.on_behalf_of_id,
        on_behalf_of_name=authority.on_behalf_of_name,
        process=saved.route.process if approved else "",
        delivery_owner=saved.delivery_owner if approved else "",
        theme=saved.theme if approved else "",
        horizon=saved.horizon if approved else "",
        deferred_until=saved.deferred_until if kind is DecisionKind.DEFER else None,
        to_board=saved.route.board if kind is DecisionKind.SEND_TO_BOARD else "",
        score=saved.score.total,
        matrix_version=saved.score.matrix_version,
    )


# ---- After a decision ------------------------------------------------------------------


def recorded_note(outcome: Outcome, names: Mapping[str, str]) -> str:
    """The line at the top of the refreshed agenda: what was recorded."""
    decision, request = outcome.decision, outcome.request
    assert decision is not None
    reference = request.reference
    kind = decision.kind
    if kind is DecisionKind.APPROVE:
        process = "a change request" if decision.process == "change_request" else "a project"
        said = (
            f"Recorded: {reference} approved as {process}. Delivery owner: "
            f"{decision.delivery_owner}. Roadmap: "
            f"{HORIZON_LABELS[Horizon(decision.horizon)].lower()}."
        )
    elif kind is DecisionKind.DEFER and decision.deferred_until is not None:
        said = f"Recorded: {reference} deferred until {long_date(decision.deferred_until)}."
    elif kind is DecisionKind.REJECT:
        said = f"Recorded: {reference} will not be taken forward."
    elif kind is DecisionKind.ASK_INFO:
        said = (
            f"Recorded: your question about {reference} is going to the requester. It comes "
            "back to this list when they answer."
        )
    else:
        said = (
            f"Recorded: {reference} sent to the {names.get(decision.to_board, decision.to_board)}."
        )
    if decision.on_behalf_of_name:
        said += f" You decided for {decision.on_behalf_of_name} (deputy)."
    return said


async def tell_requester(shared: Shared, outcome: Outcome) -> None:
    """The requester hears in plain English, once per decision."""
    decision, request, before = outcome.decision, outcome.request, outcome.before
    if decision is None or before is None:
        return
    gov = await shared.ctx.store.governance()
    names = {key: board.name for key, board in gov.boards.items()}
    message = triage.board_decision_message(
        request.reference,
        state_of(before),
        state_of(request),
        names.get(decision.board, decision.board),
        to_board_name=names.get(request.route.board, ""),
    )
    news = build_decision_news_card(
        request.reference,
        request.details.title,
        STATUS_LABELS[request.status],
        message,
        asking=decision.kind is DecisionKind.ASK_INFO,
    )
    await shared.ctx.notifier.deliver(
        request.requester.user_id,
        to_dict(news),
        once_key=f"decision:{decision.id}",
        via=board_channel(decision.board),
    )


async def after_decision(shared: Shared, outcome: Outcome) -> None:
    """Once the member has their answer: IT triage's card redrawn, the requester told."""
    shared.ctx.events.publish(REQUEST_CHANGED, outcome.request)
    if outcome.decision is not None:
        shared.ctx.events.publish(BOARD_DECIDED, outcome.decision)
    try:
        await tell_requester(shared, outcome)
    except Exception:
        logger.exception("Could not tell the requester about %s", outcome.request.reference)


# ---- The decision card ------------------------------------------------------------------


def _latest_defer(today: dt.date) -> dt.date:
    try:
        return today.replace(year=today.year + 2)
    except ValueError:  # 29 February
        return today.replace(year=today.year + 2, day=28)


def _points(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def breakdown(request: DigitalRequest) -> tuple[tuple[str, str], ...]:
    """Each criterion's points out of the most it can give, as the matrix has them."""
    lines = request.score.lines
    weights = sum(line.weight for line in lines)
    scale = MAX_TOTAL / weights if weights > 0 else 0.0
    return tuple(
        (line.label, f"{_points(line.points)} of {_points(line.weight * scale)} points")
        for line in lines
    )


async def decision_view(
    shared: Shared,
    request: DigitalRequest,
    board: str,
    page: int,
    note: str = "",
    error: PanelError | None = None,
) -> DecisionView:
    gov = await shared.ctx.store.governance()
    today = shared.today()
    face = await clockface_for(shared, request)
    suggested = theme_of(request.details)
    return DecisionView(
        reference=request.reference,
        version=request.etag,
        board=board,
        board_name=gov.boards[board].name if board in gov.boards else board,
        page=page,
        title=one_line(request.details.title),
        problem=cut_at_word(request.details.problem, PROBLEM_CHARS),
        requester=one_line(request.requester.name),
        score=score_words(request.score.total),
        breakdown=breakdown(request),
        route_reason=cut_at_word(request.route.reason, 400),
        flags=tuple(boards.flags(request, today)),
        time_left=f"Time left: {face.words}" if face else "",
        themes=tuple((theme.value, THEME_LABELS[theme]) for theme in Theme),
        suggested_theme=suggested.value,
        theme_reason=theme_reason(request.details),
        horizons=tuple((horizon.value, HORIZON_LABELS[horizon]) for horizon in Horizon),
        other_boards=tuple((k, b.name) for k, b in gov.boards.items() if k != board),
        today=today,
        latest_defer=_latest_defer(today),
        note=note,
        error=error,
    )


async def open_decision(shared: Shared, actor: Actor, press: OpenPress) -> dict[str, Any]:
    await authority_of(shared, actor, press.board)
    name = await board_name(shared, press.board)
    request = await shared.ctx.store.get(press.reference)
    if request is None or not await _on_this_board(shared, request, press.board):
        raise NotFound(f"{press.reference} is not on the {name}'s list. Nothing has changed.")
    if request.status is not Status.WITH_BOARD or request.route.board != press.board:
        if press.version == request.etag:  # not from an agenda card: it never was here
            raise NotAllowed(await not_on_list(shared, request, press.board))
        note = first_note(request, shared.ctx.calendar.zone)
        return (await agenda_cards(shared, press.board, press.page, note=note))[0]
    note = ""
    if press.version != request.etag:
        note = "This request changed since the agenda was drawn. Here it is as it is now."
    view = await decision_view(shared, request, press.board, press.page, note)
    return to_dict(build_decision_card(view))


def part(ctx: JourneyContext, shared: Shared) -> Part:
    async def open_card(turn: Turn, press: OpenPress) -> Reply:
        return card_reply(await open_decision(shared, turn.actor, press))

    async def record(turn: Turn, command: DecideCommand) -> Reply:
        try:
            outcome = await decide(shared, turn.actor, command)
        except DecisionRefused as refused:
            error = PanelError(command.decision, refused.message, command.typed)
            view = await decision_view(
                shared, refused.request, command.board, command.page, error=error
            )
            return card_reply(to_dict(build_decision_card(view)))
        note = outcome.note
        if outcome.changed:
            gov = await ctx.store.governance()
            note = recorded_note(outcome, {k: b.name for k, b in gov.boards.items()})
            ctx.in_background(after_decision(shared, outcome))
        return card_reply((await agenda_cards(shared, command.board, command.page, note=note))[0])

    return Part(
        actions=(
            CardAction(DECIDE_OPEN, parse_open, open_card),
            CardAction(DECIDE_RECORD, parse_decide, record, once_only=True),
        )
    )
