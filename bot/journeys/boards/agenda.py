"""A board's agenda: its list, highest priority first, paged, never cut silently.

`agenda` in a board's channel shows it; before each meeting it is posted there by
itself (`run_agendas`, once per board and meeting, across restarts). Each request has
a button to decide on it (see decisions.py).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain import boards
from bot.domain.boards import BoardSetup, board_channel
from bot.domain.model import DigitalRequest, Status
from bot.domain.scoring import HIGH_FROM, LOW_BELOW, MAX_TOTAL, priority_band
from bot.domain.text import long_date
from bot.domain.triage import BOARDS
from bot.errors import BadCardData, NotAllowed
from bot.journey import CardAction, ChatCommand, JourneyContext, Part, Reply, Turn, card_reply
from bot.journeys.boards.deadlines import clockface_for
from bot.journeys.boards.setup import board_for_channel, effective_setup
from bot.journeys.boards.shared import Shared
from bot.notifier import Delivered
from bot.telemetry.steps import job
from cards.agenda_cards import (
    AGENDA_PAGE,
    AgendaItem,
    AgendaPage,
    build_agenda_card,
    build_no_channel_card,
    item_bytes,
)
from cards.elements import to_dict

logger = logging.getLogger(__name__)

LOOP_SECONDS = 600.0  # how often the automatic agenda looks for a meeting coming up
SUMMARY_CHARS = 200  # a request's problem, cut at a word near this length
# Teams shows a card of up to about 28 KB. A page holds at most the page size, and
# fewer when its requests' words are long: room is kept for the heading, notes and buttons.
CARD_BYTES = 28 * 1024
HEADER_BYTES = 4 * 1024
TIME_LEFT_BYTES = 160  # room for the time-left line, worked out only for the page shown
MAX_PAGE = 100_000
_READ = re.compile(r"(?:show (?:me )?(?:the )?)?agenda(?: (?:page )?(\d+))?")


def cut_at_word(text: str, limit: int = SUMMARY_CHARS) -> str:
    """One line of someone's words, cut at a word near `limit` characters, with "…".
    The words were cleaned when they were kept; only their spacing is made one line."""
    start = text[: limit * 3]  # a long text is read only as far as it is shown
    said = " ".join(start.split())
    if len(said) <= limit and len(start) == len(text):
        return said
    cut = said[:limit]
    if " " in cut[limit // 2 :]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.-") + "…"


def _days(count: int) -> str:
    return f"{count} day" if count == 1 else f"{count} days"


def reached_list_at(request: DigitalRequest) -> dt.datetime:
    """When it came onto its board's list: the newest move into "with the board" from
    elsewhere (or from another board)."""
    for entry in reversed(request.history):
        if entry.to_status is Status.WITH_BOARD and (
            entry.from_status is not Status.WITH_BOARD or entry.action == "send_to_board"
        ):
            return entry.at
    return request.submitted_at


def age_words(request: DigitalRequest, today: dt.date, zone: ZoneInfo) -> str:
    on_list = (today - reached_list_at(request).astimezone(zone).date()).days
    raised = (today - request.submitted_at.astimezone(zone).date()).days
    listed = f"On the list {_days(on_list)}." if on_list > 0 else "Put on the list today."
    asked = f"Raised {_days(raised)} ago." if raised > 0 else "Raised today."
    return f"{listed} {asked}"


def score_words(total: int) -> str:
    return f"Score {total} out of {MAX_TOTAL}: {priority_band(total)} priority."


SCALE = (
    f"Scores of {HIGH_FROM} or more are high priority, and under {LOW_BELOW} are low. "
    "Type how are requests scored? to see why."
)


def meeting_words(meeting: dt.datetime, setup: BoardSetup) -> str:
    """ "Thursday 10 December 2026 at 2pm", in the board's own time zone."""
    zone = ZoneInfo(setup.cadence.timezone if setup.cadence else "Europe/London")
    local = meeting.astimezone(zone)
    return f"{local:%A} {long_date(local.date())} at {boards.clock_time(local.time())}"


def _item(request: DigitalRequest, today: dt.date, zone: ZoneInfo) -> AgendaItem:
    deferred = request.deferred_until
    return AgendaItem(
        reference=request.reference,
        version=request.etag,
        title=" ".join(request.details.title.split()),
        summary=cut_at_word(request.details.problem),
        score=score_words(request.score.total),
        route_reason=cut_at_word(request.route.reason),
        flags=tuple(boards.flags(request, today)),
        age=age_words(request, today, zone),
        deferred_until=long_date(deferred) if deferred is not None and deferred > today else "",
    )


def agenda_order(requests: Sequence[DigitalRequest], today: dt.date) -> list[DigitalRequest]:
    """The board's order: highest score first, then the oldest; requests deferred to a
    date still to come go last, soonest back first."""
    waiting = [r for r in requests if r.deferred_until is not None and r.deferred_until > today]
    now = [r for r in requests if r.deferred_until is None or r.deferred_until <= today]
    later = sorted(boards.order_agenda(waiting), key=lambda r: r.deferred_until or today)
    return boards.order_agenda(now) + later


def page_spans(sizes: Sequence[int], per_page: int, budget: int) -> list[tuple[int, int]]:
    """Pages as (start, end) indexes: at most `per_page` requests, and no more bytes than
    `budget` (a request bigger than the budget on its own still gets a page)."""
    spans: list[tuple[int, int]] = []
    start, used = 0, 0
    for index, size in enumerate(sizes):
        if index > start and (index - start >= per_page or used + size > budget):
            spans.append((start, index))
            start, used = index, 0
        used += size
    spans.append((start, len(sizes)))
    return spans


@dataclass(frozen=True)
class Listing:
    """A board's whole list, in agenda order, cut into pages."""

    board: str
    board_name: str
    setup: BoardSetup
    requests: list[DigitalRequest]
    items: list[AgendaItem]
    spans: list[tuple[int, int]]
    deferred: int


async def listing(shared: Shared, board: str) -> Listing:
    ctx = shared.ctx
    today, zone = shared.today(), ctx.calendar.zone
    gov = await ctx.store.governance()
    known = gov.boards.get(board)
    setup = await (await shared.store()).setup(board)
    ordered = agenda_order(await shared.queue(board), today)
    items = [_item(request, today, zone) for request in ordered]
    sizes = [item_bytes(item) + TIME_LEFT_BYTES for item in items]
    spans = page_spans(sizes, shared.config.agenda_page_size, CARD_BYTES - HEADER_BYTES)
    return Listing(
        board=board,
        board_name=known.name if known else board,
        setup=setup,
        requests=ordered,
        items=items,
        spans=spans,
        deferred=sum(1 for item in items if item.deferred_until),
    )


def _meeting_line(listing: Listing, now: dt.datetime, meeting: dt.datetime | None) -> str:
    if meeting is not None:
        return f"For the meeting on {meeting_words(meeting, listing.setup)}."
    cadence = listing.setup.cadence
    upcoming = boards.meetings(cadence, now, 1) if cadence is not None else []
    if not upcoming:
        return "No meetings are set. Type board to set them."
    return f"Next meeting: {meeting_words(upcoming[0], listing.setup)}."


async def _page(
    shared: Shared,
    listing: Listing,
    number: int,
    meeting: dt.datetime | None = None,
    note: str = "",
    asked: int = 0,
) -> dict[str, Any]:
    pages = len(listing.spans)
    start, end = listing.spans[number - 1]
    items = []
    for request, item in zip(listing.requests[start:end], listing.items[start:end], strict=True):
        face = await clockface_for(shared, request)
        items.append(item if face is None else _with_time_left(item, face.words))
    past_end = ""
    if asked > pages:
        last = "This is the only page." if pages == 1 else f"This is the last page, page {pages}."
        there = (
            f"There is no page {asked}." if asked <= MAX_PAGE else "There is no page that far on."
        )
        past_end = f"{there} {last}"
    page = AgendaPage(
        board=listing.board,
        board_name=listing.board_name,
        meeting=_meeting_line(listing, shared.ctx.now(), meeting),
        total=len(listing.items),
        page=number,
        pages=pages,
        first=start + 1,
        items=tuple(items),
        scale=SCALE,
        note=note,
        past_end=past_end,
        deferred=listing.deferred,
    )
    return to_dict(build_agenda_card(page))


def _with_time_left(item: AgendaItem, words: str) -> AgendaItem:
    return replace(item, time_left=f"Time left: {words}")


async def agenda_cards(
    shared: Shared, board_key: str, page: int | None = 1, note: str = ""
) -> list[dict[str, Any]]:
    """One card per page: just `page` (1-based; past the end shows the last page and
    says so), or every page when `page` is None."""
    found = await listing(shared, board_key)
    pages = len(found.spans)
    if page is None:
        return [await _page(shared, found, n, note=note) for n in range(1, pages + 1)]
    number = min(max(page, 1), pages)
    return [await _page(shared, found, number, note=note, asked=page)]


async def post_agenda(shared: Shared, board_key: str, meeting: dt.datetime) -> bool:
    """Every page of the agenda for `meeting`, to the board's channel. False when the
    board has no channel registered (nothing is posted)."""
    ctx = shared.ctx
    purpose = board_channel(board_key)
    if await ctx.store.channel(purpose) is None:
        return False
    found = await listing(shared, board_key)
    for number in range(1, len(found.spans) + 1):
        await ctx.notifier.post(purpose, await _page(shared, found, number, meeting=meeting))
    # The board's card says the agenda "went out" only from this record.
    await (await shared.store()).set_value(posted_key(board_key, meeting), ctx.now().isoformat())
    return True


def posted_key(board_key: str, meeting: dt.datetime) -> str:
    """Where the time an agenda was posted is kept, per board and meeting (UTC)."""
    return f"agenda_posted:{board_key}:{meeting.astimezone(dt.UTC):%Y%m%dT%H%M}"


async def run_agendas(shared: Shared) -> int:
    """Post each board's agenda once its meeting's agenda time has come: once per board
    and meeting, across restarts. Returns how many agendas went out (or were told about)."""
    ctx = shared.ctx
    now = ctx.now()
    sent = 0
    for setup in await (await shared.store()).setups():
        meeting = boards.agenda_due(setup, now)
        if meeting is None:
            continue
        key = f"agenda:{setup.key}:{meeting:%Y%m%dT%H%M}"
        if not await ctx.store.claim_notification(key):
            continue
        try:
            if not await post_agenda(shared, setup.key, meeting):
                await _tell_no_channel(shared, setup, meeting, key)
        except Exception:
            await ctx.store.release_notification(key)  # tried again on the next round
            logger.exception("Posting the %s agenda failed; it will try again", setup.key)
            continue
        await ctx.store.notification_sent(key)
        sent += 1
    return sent


async def _tell_no_channel(
    shared: Shared, setup: BoardSetup, meeting: dt.datetime, key: str
) -> None:
    """No channel to post in: the secretary hears, else (or if they cannot be reached)
    the admins."""
    ctx = shared.ctx
    found = await listing(shared, setup.key)
    news = to_dict(
        build_no_channel_card(found.board_name, meeting_words(meeting, setup), len(found.items))
    )
    if setup.secretary_id:
        told = await ctx.notifier.deliver(setup.secretary_id, news, f"{key}:no-channel")
        if told in (Delivered.SENT, Delivered.ALREADY):
            return
    for admin in sorted(ctx.admin_ids):
        await ctx.notifier.deliver(admin, news, f"{key}:no-channel:{admin}")


# ---- Typed and pressed -------------------------------------------------------------------


def read_agenda(said: str) -> str | None:
    """ "agenda", "show the agenda", "agenda page 2", "agenda 2": the page asked for, as
    text. A page past the end is answered with the last page."""
    found = _READ.fullmatch(said)
    if found is None:
        return None
    digits = (found.group(1) or "1").lstrip("0") or "0"
    return digits if len(digits) <= len(str(MAX_PAGE)) else str(MAX_PAGE + 1)


@dataclass(frozen=True)
class PagePress:
    board: str
    page: int


def board_key(data: Mapping[str, Any]) -> str:
    board = data.get("board")
    if not isinstance(board, str) or board not in BOARDS:
        raise BadCardData("That card does not name a board I know. Nothing has changed.")
    return board


def page_number(data: Mapping[str, Any]) -> int:
    page = data.get("page", 1)
    if isinstance(page, str) and page.isascii() and page.isdigit() and len(page) <= 6:
        page = int(page)
    if not isinstance(page, int) or isinstance(page, bool) or not 1 <= page <= MAX_PAGE:
        raise BadCardData("That card asks for a page I do not have. Nothing has changed.")
    return page


def parse_page(data: Mapping[str, Any]) -> PagePress:
    return PagePress(board_key(data), page_number(data))


async def may_see(shared: Shared, turn: Turn, board: str) -> bool:
    """Anyone in the board's channel sees its agenda; elsewhere, its members and their
    deputies, and admins."""
    if await board_for_channel(shared, turn) == board or shared.ctx.is_admin(turn.actor):
        return True
    setup = await effective_setup(shared, board)
    deputies = await (await shared.store()).deputies(board, on=shared.today())
    actor = turn.actor
    found = boards.authority(setup, deputies, actor.user_id, actor.name, shared.today())
    return found is not None


def part(ctx: JourneyContext, shared: Shared) -> Part:
    async def show(turn: Turn, said: str) -> None:
        key = await board_for_channel(shared, turn)
        if key is None:
            await turn.send_text(await _where_to_look(shared))
            return
        page = int(said) if said.isdigit() else 1
        for shown in await agenda_cards(shared, key, page):
            await turn.send_card(shown)

    async def turn_page(turn: Turn, press: PagePress) -> Reply:
        if not await may_see(shared, turn, press.board):
            raise NotAllowed(
                "You can see a board's agenda in the board's channel. Nothing has changed."
            )
        return card_reply((await agenda_cards(shared, press.board, press.page))[0])

    async def loop() -> None:
        while True:
            await asyncio.sleep(LOOP_SECONDS)
            try:
                with job("agendas"):
                    await run_agendas(shared)
            except Exception:
                logger.exception("The automatic agenda failed; it will try again")

    return Part(
        commands=(
            ChatCommand(
                "agenda",
                show,
                read=read_agenda,
                help="Show the board's list of requests, highest priority first.",
                example="agenda",
                where="channel",
                menu_rank=1,  # the board channel's main command: in Teams' command menu
            ),
        ),
        actions=(CardAction(AGENDA_PAGE, parse_page, turn_page),),
        loops=(loop,),
    )


async def _where_to_look(shared: Shared) -> str:
    ctx = shared.ctx
    gov = await ctx.store.governance()
    names = [
        board.name
        for key, board in gov.boards.items()
        if await ctx.store.channel(board_channel(key)) is not None
    ]
    if not names:
        return (
            "Each board's agenda is shown in the board's own channel, but no board has a "
            "channel yet. An admin can type register board and then the board's name in "
            "that channel."
        )
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return (
        f"Type agenda in a board's channel to see its list. These boards have a channel: {listed}."
    )
