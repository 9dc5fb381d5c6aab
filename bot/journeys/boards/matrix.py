"""The prioritisation matrix is the board's: how requests are scored (for anyone), the
weights card (admins and Digital, Data and Customer Board members), and `rescore` in a
board's channel (old and new scores side by side before anything changes).

A new version applies to new scores; a score already made keeps its version until a
board chooses to rescore its list.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.domain import matrix_change, scoring
from bot.domain.boards import board_channel
from bot.domain.commands import REFERENCE
from bot.domain.deadlines import clock_time
from bot.domain.matrix_change import Published, RescoreRow
from bot.domain.model import AuditEntry, DigitalRequest, Matrix, Status
from bot.domain.text import long_date
from bot.errors import BadCardData, NotAllowed, NotFound
from bot.journey import (
    REQUEST_CHANGED,
    Actor,
    CardAction,
    ChatCommand,
    JourneyContext,
    Part,
    Reply,
    Turn,
    card_reply,
    message_reply,
)
from bot.journeys.boards.setup import board_for_channel, effective_setup
from bot.journeys.boards.shared import Shared
from bot.ports import ChangedBySomeoneElse, Record
from cards import matrix_cards as cards

logger = logging.getLogger(__name__)

DDC = "ddc"  # the Digital, Data and Customer Board owns the matrix
RECORD = "matrix_change"  # who published a version, when and why
SCORING_PHRASES = (
    "how are requests scored",
    "how is my request scored",
    "how does scoring work",
    "scoring",
    "the prioritisation matrix",
    "prioritisation matrix",
    "show the matrix",
)
WEIGHTS_PHRASES = ("change weights", "change the weights", "change scoring weights")
RESCORE_PHRASES = ("rescore", "re-score", "rescore the list", "rescore our list")
MAX_PAGE = 10_000
_VERSION = re.compile(r"[\w.\-]{1,40}")
_BOARD_KEY = re.compile(r"[a-z0-9_]{1,40}")

NOT_DDC = (
    "Only members of the Digital, Data and Customer Board and Digital Front Door admins "
    "can change the weights. Nothing has changed. To see them, type how are requests scored."
)


# ---- Card data ------------------------------------------------------------------------


@dataclass(frozen=True)
class PublishPress:
    version: str
    weights: dict[str, Any]  # criterion key -> what was typed
    reason: Any


@dataclass(frozen=True)
class RescorePress:
    board: str
    version: str
    references: tuple[str, ...]
    seen: dict[str, str]


@dataclass(frozen=True)
class PagePress:
    board: str
    page: int


def _version(data: Mapping[str, Any]) -> str:
    version = data.get("version")
    if not isinstance(version, str) or not _VERSION.fullmatch(version):
        raise BadCardData("That card did not say which version of the matrix it shows.")
    return version


def _board(data: Mapping[str, Any]) -> str:
    board = data.get("board")
    if not isinstance(board, str) or not _BOARD_KEY.fullmatch(board):
        raise BadCardData("That card did not say which board's list it shows.")
    return board


def _mapping(data: Any) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise BadCardData("That button sent nothing we can use. Nothing has changed.")
    return data


def parse_publish(data: Any) -> PublishPress:
    data = _mapping(data)
    version = _version(data)
    weights = {
        str(key)[len(cards.WEIGHT_INPUT) :]: value
        for key, value in data.items()
        if str(key).startswith(cards.WEIGHT_INPUT)
    }
    if len(weights) > 50:
        raise BadCardData("That card sent more weights than the matrix has. Nothing has changed.")
    return PublishPress(version, weights, data.get(cards.REASON_INPUT))


def parse_rescore(data: Any) -> RescorePress:
    data = _mapping(data)
    board, version = _board(data), _version(data)
    references = data.get("references")
    if (
        not isinstance(references, list)
        or not 0 < len(references) <= cards.RESCORE_PAGE_SIZE
        or not all(isinstance(r, str) and REFERENCE.fullmatch(r) for r in references)
        or len(set(references)) != len(references)
    ):
        raise BadCardData("That card did not say which requests to rescore. Nothing has changed.")
    seen = data.get("seen", {})
    if not isinstance(seen, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) and len(v) <= 200 for k, v in seen.items()
    ):
        raise BadCardData("That card did not say which requests to rescore. Nothing has changed.")
    return RescorePress(board, version, tuple(r.upper() for r in references), dict(seen))


def parse_page(data: Any) -> PagePress:
    data = _mapping(data)
    page = data.get("page")
    if isinstance(page, bool) or not isinstance(page, int) or not 0 <= page <= MAX_PAGE:
        raise BadCardData("That card did not say which page to show.")
    return PagePress(_board(data), page)


# ---- The part -------------------------------------------------------------------------


class MatrixPart:
    def __init__(self, ctx: JourneyContext, shared: Shared) -> None:
        self.ctx = ctx
        self.shared = shared
        self._publishing = asyncio.Lock()  # one publish at a time: versions never collide

    # -- Who may do what

    async def may_change_weights(self, actor: Actor) -> bool:
        if self.ctx.is_admin(actor):
            return True
        setup = await effective_setup(self.shared, DDC)
        return bool(actor.aad_object_id) and actor.aad_object_id in setup.members

    async def check_may_rescore(self, actor: Actor, board: str) -> str:
        """The board's name, if `actor` may rescore its list (its members, its secretary,
        admins); else NotAllowed."""
        boards = (await self.ctx.store.governance()).boards
        if board not in boards:
            raise NotFound("There is no such board. Nothing has changed.")
        name = boards[board].name
        if self.ctx.is_admin(actor):
            return name
        setup = await effective_setup(self.shared, board)
        who = actor.aad_object_id
        if who and (who in setup.members or who == setup.secretary_id):
            return name
        raise NotAllowed(
            f"Only members of the {name}, its secretary and Digital Front Door admins can "
            "rescore its list. Nothing has changed."
        )

    # -- How requests are scored

    async def published(self, version: str) -> Published | None:
        """Who published `version`, when and why: the newest record for it, if any."""
        found: Record | None = None
        after = 0
        while True:
            page = await self.ctx.store.records(RECORD, after_seq=after, limit=500)
            found = next((r for r in reversed(page) if r.key == version), found)
            if len(page) < 500:
                break
            after = page[-1].seq
        if found is None:
            return None
        data = found.data
        on = found.at.astimezone(self.ctx.calendar.zone).date()
        return Published(version, str(data.get("by_name") or "Someone"), on, str(data["reason"]))

    async def scoring_card(self, news: str = "") -> dict[str, Any]:
        matrix = (await self.ctx.store.governance()).matrix
        history = await self.ctx.store.matrix_history()
        return cards.scoring_card(matrix, await self.published(matrix.version), history, news)

    async def show(self, turn: Turn, _: str) -> None:
        await turn.send_card(await self.scoring_card())

    # -- Changing the weights

    async def change_weights(self, turn: Turn, _: str) -> None:
        if not await self.may_change_weights(turn.actor):
            await turn.send_text(NOT_DDC)
            return
        matrix = (await self.ctx.store.governance()).matrix
        await turn.send_card(cards.weights_card(matrix))

    async def publish(self, turn: Turn, press: PublishPress) -> Reply:
        if not await self.may_change_weights(turn.actor):
            raise NotAllowed(NOT_DDC)
        async with self._publishing:
            current = (await self.ctx.store.governance()).matrix
            if press.version != current.version:
                news = (
                    f"The weights changed after this card was drawn: version {current.version} "
                    "is published now. Nothing was published. Here are the weights now."
                )
                return card_reply(cards.weights_card(current, news=news))
            weights, errors = matrix_change.check_weights(current, press.weights)
            reason, problem = matrix_change.check_reason(press.reason)
            if problem:
                errors[cards.REASON_INPUT] = problem
            if errors:
                typed = reason if isinstance(press.reason, str) else ""
                return card_reply(cards.weights_card(current, press.weights, errors, typed))
            new = await self._publish(turn.actor, current, weights, reason)
        return card_reply(await self.scoring_card(news=published_news(new.version)))

    async def _publish(
        self, actor: Actor, current: Matrix, weights: dict[str, int], reason: str
    ) -> Matrix:
        earlier = [m.version for m in await self.ctx.store.matrix_history()]
        new = matrix_change.publish(current, weights, self.shared.today().year, earlier)
        await self.ctx.store.save_matrix(new)
        now = self.ctx.now()
        record = Record(
            kind=RECORD,
            key=new.version,
            owner_id=actor.user_id,
            at=now,
            data={
                "version": new.version,
                "previous": current.version,
                "by_name": actor.name,
                "reason": reason,
                "weights": weights,
            },
        )
        await self.ctx.store.add_record(record)
        note = Published(new.version, actor.name or "Someone", self.shared.today(), reason)
        self.ctx.in_background(self._tell_board(new, note))
        return new

    async def _tell_board(self, matrix: Matrix, note: Published) -> None:
        try:
            await self.ctx.notifier.post(
                board_channel(DDC), cards.published_note_card(matrix, note)
            )
        except Exception:
            logger.exception("Telling the board about matrix %s failed", matrix.version)

    # -- Rescoring a board's list

    async def rows(self, board: str) -> tuple[Matrix, list[RescoreRow], int, dict[str, str]]:
        """The current matrix, the board's requests on older versions (new order), how
        many are on the current version, and each request's version read."""
        matrix = (await self.ctx.store.governance()).matrix
        queue = await self.shared.queue(board)
        rows = matrix_change.rescore_rows(queue, matrix, self.shared.today())
        seen = {r.reference: r.etag for r in queue}
        return matrix, rows, len(queue) - len(rows), seen

    async def rescore_view(self, board: str, name: str, page: int, news: str = "") -> Reply:
        matrix, rows, current, seen = await self.rows(board)
        if not rows:
            return message_reply(nothing_to_rescore(name, matrix.version, current, news))
        last = (len(rows) - 1) // cards.RESCORE_PAGE_SIZE
        card = cards.rescore_card(
            board, name, matrix.version, rows, min(page, last), current, seen, news
        )
        return card_reply(card)

    async def rescore(self, turn: Turn, _: str) -> None:
        board = await board_for_channel(self.shared, turn)
        if board is None:
            await turn.send_text(
                "Type rescore in a board's channel to compare its list's scores with the "
                "matrix now. This channel is not a board's channel."
            )
            return
        name = await self.check_may_rescore(turn.actor, board)
        await turn.send_reply(await self.rescore_view(board, name, 0))

    async def page(self, turn: Turn, press: PagePress) -> Reply:
        name = await self.check_may_rescore(turn.actor, press.board)
        return await self.rescore_view(press.board, name, press.page)

    async def apply(self, turn: Turn, press: RescorePress) -> Reply:
        name = await self.check_may_rescore(turn.actor, press.board)
        matrix = (await self.ctx.store.governance()).matrix
        if press.version != matrix.version:
            news = (
                f"The weights changed after that card was drawn: version {matrix.version} is "
                "published now. Nothing was rescored. Here is the list again."
            )
            return await self.rescore_view(press.board, name, 0, news)
        done: list[tuple[str, int, int]] = []
        skipped: list[tuple[str, str]] = []
        for reference in press.references:
            outcome = await self._rescore_one(turn.actor, press, matrix, reference)
            if isinstance(outcome, str):
                skipped.append((reference, outcome))
            else:
                done.append((reference, outcome[0], outcome[1]))
        _, rows, _, _ = await self.rows(press.board)
        card = cards.rescored_card(press.board, name, matrix.version, done, skipped, len(rows))
        return card_reply(card)

    async def _rescore_one(
        self, actor: Actor, press: RescorePress, matrix: Matrix, reference: str
    ) -> tuple[int, int] | str:
        """(old score, new score) once saved, or why it was not rescored."""
        request = await self.ctx.store.get(reference)
        if request is None or request.status is not Status.WITH_BOARD:
            return "It is no longer on this board's list."
        if request.route.board != press.board:
            return "It is no longer on this board's list."
        if press.seen.get(reference, request.etag) != request.etag:
            return self.already_yours(request, actor, matrix) or changed_since(request)
        if request.score.matrix_version == matrix.version:
            return f"It is already scored with version {matrix.version}."
        new = scoring.score(request.details, matrix, self.shared.today())
        entry = AuditEntry(
            at=self.ctx.now(),
            actor_id=actor.user_id,
            actor_name=actor.name,
            action=matrix_change.RESCORED,
            from_status=request.status,
            to_status=request.status,
            detail=matrix_change.rescore_note(request.score, new),
        )
        changed = dataclasses.replace(request, score=new, history=(*request.history, entry))
        try:
            saved = await self.ctx.store.update(changed)
        except ChangedBySomeoneElse:
            fresh = await self.ctx.store.get(reference) or request
            return self.already_yours(fresh, actor, matrix) or changed_since(fresh)
        self.ctx.events.publish(REQUEST_CHANGED, saved)
        return request.score.total, new.total

    def already_yours(self, request: DigitalRequest, actor: Actor, matrix: Matrix) -> str:
        """When the last change is this person's own rescore to the version now: say so,
        rather than blaming them for changing it. "" otherwise."""
        last = request.history[-1] if request.history else None
        if (
            last is None
            or last.action != matrix_change.RESCORED
            or last.actor_id != actor.user_id
            or request.score.matrix_version != matrix.version
        ):
            return ""
        local = last.at.astimezone(self.ctx.calendar.zone)
        when = f"at {clock_time(local)}"
        if local.date() != self.shared.today():
            when = f"on {long_date(local.date())} {when}"
        return f"It already has the new score (you rescored it {when})."


def changed_since(request: DigitalRequest) -> str:
    last = request.history[-1] if request.history else None
    who = (last.actor_name if last else "") or "Someone"
    return f"{who} changed it after this list was shown. Type rescore to see it again."


def published_news(version: str) -> str:
    return (
        f"New requests are scored with {version} from now. Requests already scored keep "
        "their score: type rescore in a board's channel to compare."
    )


def nothing_to_rescore(name: str, version: str, current: int, news: str = "") -> str:
    first = f"{news} " if news else ""
    if current == 0:
        return f"{first}There are no requests on the {name}'s list, so there is nothing to rescore."
    return (
        f"{first}Every request on the {name}'s list is already scored with version {version}. "
        "There is nothing to rescore."
    )


def part(ctx: JourneyContext, shared: Shared) -> Part:
    matrix = MatrixPart(ctx, shared)
    return Part(
        commands=(
            ChatCommand(
                "how are requests scored?",
                matrix.show,
                phrases=SCORING_PHRASES,
                help="See how requests are scored: the criteria, their weights and the version.",
                where="anywhere",
                menu_rank=3,
            ),
            ChatCommand(
                "change weights",
                matrix.change_weights,
                phrases=WEIGHTS_PHRASES,
                audience="boards",
                help="For the Digital, Data and Customer Board: change the scoring weights.",
                where="anywhere",
                menu_rank=3,
            ),
            ChatCommand(
                "rescore",
                matrix.rescore,
                phrases=RESCORE_PHRASES,
                audience="boards",
                help="In a board's channel: compare each request's score with the matrix now.",
                where="channel",
                menu_rank=3,
            ),
        ),
        actions=(
            CardAction(cards.PUBLISH, parse_publish, matrix.publish, once_only=True),
            CardAction(cards.RESCORE, parse_rescore, matrix.apply, once_only=True),
            CardAction(cards.RESCORE_PAGE, parse_page, matrix.page),
        ),
    )
