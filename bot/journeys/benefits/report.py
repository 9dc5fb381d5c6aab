"""`benefits report`: benefits realised after delivery against those expected at intake,
by request, board, theme and year (driver 7: benefit realisation).

For the PMO and the Digital, Data and Customer Board: admins, and the people listed in
BENEFITS_REPORT_IDS; anyone else is told plainly who can see it. The answer is a summary
card, with filters (board, theme, year) and a link to a printable page with a chart. The
link holds an unguessable token, is given only to the person who asked (in their own
chat) and works for LINK_DAYS days, while that person may still see the report. It is
not bound to who opens it (the page has no sign-in): anyone with the link can open it,
so the card says so and asks people not to forward it. Its figures are as at the moment
it was made, so it shows the same every time it is opened.

Links are kept as records ("benefits_report_link", keyed by token), so they work on
every store and on every instance.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import secrets
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from bot.domain.benefits import (
    BENEFITS_ASKED,
    BENEFITS_DUE,
    BENEFITS_RECORDED,
    Filters,
    Report,
    build_report,
    year_label,
)
from bot.domain.model import THEME_LABELS, DigitalRequest, Theme
from bot.domain.text import long_date
from bot.errors import BadCardData, NotAllowed
from bot.journey import (
    CardAction,
    ChatCommand,
    HttpRoute,
    JourneyContext,
    Part,
    Reply,
    Turn,
    card_reply,
)
from bot.journeys.benefits import report_cards, report_page
from bot.journeys.benefits.report_settings import ReportSettings
from bot.journeys.boards.roadmap import PACK_HEADERS
from bot.ports import Record, RequestQuery
from bot.privacy_records import Erasures

REPORT_PATH = "/benefits/reports/{token}"
LINK_KIND = "benefits_report_link"
LINK_DAYS = 7
PHRASES = ("benefits report", "benefit report", "benefits realised", "benefits realised report")
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")  # secrets.token_urlsafe(24)
_BOARD = re.compile(r"[a-z0-9_-]{0,40}")
WHO_MAY = (
    "Only the PMO, the Digital, Data and Customer Board and admins can see the benefits "
    "report. If you need it, ask an admin to add you."
)
NOT_FOUND_PAGE = (
    '<!DOCTYPE html>\n<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
    "<title>Page not found</title>\n</head>\n<body>\n<main>\n<h1>Page not found</h1>\n"
    "<p>This link to a benefits report is not right, or it has expired.</p>\n"
    "<p>To get a new link, type benefits report in the Digital Front Door bot in Teams.</p>"
    "\n</main>\n</body>\n</html>\n"
)


def _settings(ctx: JourneyContext) -> ReportSettings:
    """The benefits journey's settings hold these as `report`, or are these."""
    found = ctx.journey_settings.get("benefits")
    found = getattr(found, "report", found)
    return found if isinstance(found, ReportSettings) else ReportSettings()


# ---- Filters ----------------------------------------------------------------------


def parse_filters(data: Mapping[str, Any]) -> Filters:
    """The card's choices ("all", or none, for every one). Anything else is not from a
    card of ours."""
    board, theme, year = (
        "" if (value := data.get(key, "")) == report_cards.EVERY else value
        for key in (report_cards.BOARD, report_cards.THEME, report_cards.YEAR)
    )
    ours = (
        isinstance(board, str)
        and isinstance(theme, str)
        and isinstance(year, str)
        and _BOARD.fullmatch(board) is not None
        and theme in {"", *(t.value for t in Theme)}
        and (not year or (year.isdigit() and 2000 <= int(year) <= 2100))
    )
    if not ours:
        raise BadCardData("That button is from a card I did not send. Type benefits report.")
    return Filters(board, Theme(theme) if theme else None, int(year) if year else None)


def filters_data(filters: Filters) -> dict[str, str]:
    return {
        "board": filters.board,
        "theme": filters.theme.value if filters.theme else "",
        "year": str(filters.year or ""),
    }


def scope_words(filters: Filters, board_names: Mapping[str, str]) -> str:
    board = board_names.get(filters.board, filters.board) if filters.board else "every board"
    theme = THEME_LABELS[filters.theme] if filters.theme else "every theme"
    year = f"delivered in {year_label(filters.year)}" if filters.year is not None else "every year"
    return f"{board}, {theme}, {year}"


# ---- The report -------------------------------------------------------------------


class BenefitsReporting:
    def __init__(self, ctx: JourneyContext) -> None:
        self.ctx = ctx
        self._links: dict[str, Record] = {}  # token -> link, as read from the store
        self._seen = 0  # the last link record's seq read
        self._made: OrderedDict[str, bytes] = OrderedDict()  # pages already drawn
        self._erasures = Erasures(ctx.store)  # an erase, on any instance, drops both

    def forget(self, _changed: object = None) -> None:
        """Drop the links read and the pages drawn (after an erase or a retention pass):
        the next read takes them afresh from the store."""
        self._links.clear()
        self._seen = 0
        self._made.clear()

    def may_see(self, aad_object_id: str) -> bool:
        readers = self.ctx.admin_ids | _settings(self.ctx).reader_ids
        return bool(aad_object_id) and aad_object_id in readers

    async def _requests(self, before: dt.datetime) -> list[DigitalRequest]:
        found: list[DigitalRequest] = []
        after = 0
        while True:
            page = await self.ctx.store.query(
                RequestQuery(submitted_before=before), after=after, limit=500
            )
            found.extend(page)
            if len(page) < 500:
                return found
            after = int(page[-1].item_id)

    async def _records(self, kind: str, as_at: dt.datetime) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        after = 0
        while True:
            page = await self.ctx.store.records(kind, after_seq=after, limit=500)
            found.extend(record.data for record in page if record.at <= as_at)
            if len(page) < 500:
                return found
            after = page[-1].seq

    async def report(self, filters: Filters, as_at: dt.datetime) -> Report:
        requests = await self._requests(as_at + dt.timedelta(seconds=1))
        recorded = await self._records(BENEFITS_RECORDED, as_at)
        due = await self._records(BENEFITS_DUE, as_at)
        asked = await self._records(BENEFITS_ASKED, as_at)
        zone = self.ctx.calendar.zone
        return await asyncio.to_thread(
            build_report, requests, recorded, due, asked, as_at, zone, filters
        )

    async def _board_names(self) -> dict[str, str]:
        governance = await self.ctx.store.governance()
        return {key: board.name for key, board in governance.boards.items()}

    # ---- The command and the button

    async def command(self, turn: Turn, said: str) -> None:
        await turn.send_card(await self._summary(turn, Filters()))

    async def button(self, turn: Turn, filters: Filters) -> Reply:
        return card_reply(await self._summary(turn, filters))

    async def _summary(self, turn: Turn, filters: Filters) -> dict[str, Any]:
        if not self.may_see(turn.actor.aad_object_id):
            raise NotAllowed(WHO_MAY)
        now = self.ctx.now()
        report = await self.report(filters, now)
        years = await self._years(filters, report, now)
        token = secrets.token_urlsafe(24)
        await self.ctx.store.add_record(
            Record(
                kind=LINK_KIND,
                key=token,
                owner_id=turn.actor.user_id,
                at=now,
                data={
                    **filters_data(filters),
                    "by": turn.actor.name,
                    "by_id": turn.actor.aad_object_id,
                },
            )
        )
        names = await self._board_names()
        zone = self.ctx.calendar.zone
        return report_cards.summary_card(
            report,
            scope_words(filters, names),
            long_date(now.astimezone(zone).date()),
            names,
            years,
            _public_url(self.ctx) + REPORT_PATH.format(token=token),
            LINK_DAYS,
        )

    async def _years(self, filters: Filters, report: Report, now: dt.datetime) -> list[int]:
        """Every financial year with a delivery, to choose from (not only those shown)."""
        every = report if not filters.any else await self.report(Filters(), now)
        return sorted((y for y in every.by_year if y is not None), reverse=True)

    # ---- The page

    async def _link(self, token: str) -> Record | None:
        if token not in self._links:
            while True:
                page = await self.ctx.store.records(LINK_KIND, after_seq=self._seen, limit=500)
                oldest = self.ctx.now() - dt.timedelta(days=LINK_DAYS)
                self._links.update((r.key, r) for r in page if r.at > oldest)
                self._seen = page[-1].seq if page else self._seen
                if len(page) < 500:
                    break
        return self._links.get(token)

    async def serve(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info.get("token", "")
        if not _TOKEN.fullmatch(token):
            return _not_found()
        if await self._erasures.since_last_asked():
            self.forget()
        link = await self._link(token)
        if link is None or self.ctx.now() >= link.at + dt.timedelta(days=LINK_DAYS):
            return _not_found()
        if not self.may_see(str(link.data.get("by_id", ""))):
            return _not_found()  # the person who made it may no longer see the report
        body = self._made.get(token)
        if body is None:
            body = await self._page(link)
            self._made[token] = body
            while len(self._made) > 6:
                self._made.popitem(last=False)
        return web.Response(
            body=body, content_type="text/html", charset="utf-8", headers=PACK_HEADERS
        )

    async def _page(self, link: Record) -> bytes:
        filters = parse_filters(link.data)
        report = await self.report(filters, link.at)
        names = await self._board_names()
        view = report_page.ReportView(
            report=report,
            board_names=names,
            made_at=link.at,
            made_by=str(link.data.get("by", "")),
            zone=self.ctx.calendar.zone,
            scope=scope_words(filters, names),
        )
        drawn = await asyncio.to_thread(report_page.charts, report)
        return report_page.render_html(view, drawn).encode("utf-8")


def _public_url(ctx: JourneyContext) -> str:
    """PUBLIC_BASE_URL, as the boards journey read it for its own pack links."""
    boards = ctx.journey_settings.get("boards")
    return str(getattr(boards, "public_url", "http://127.0.0.1:3978")).rstrip("/")


def _not_found() -> web.Response:
    return web.Response(
        text=NOT_FOUND_PAGE,
        status=404,
        content_type="text/html",
        charset="utf-8",
        headers=PACK_HEADERS,
    )


def _read(said: str) -> str | None:
    return "" if said in PHRASES else None


def part(ctx: JourneyContext) -> Part:
    from bot.journeys.benefits.personal_data import benefits_data

    reporting = BenefitsReporting(ctx)
    return Part(
        commands=(
            ChatCommand(
                name="benefits report",
                run=reporting.command,
                read=_read,
                audience="boards",
                help="For the PMO and the Digital, Data and Customer Board: benefits "
                "realised after delivery against those expected, by board, theme and year.",
                menu_rank=3,
            ),
        ),
        actions=(CardAction(report_cards.REPORT_VERB, parse_filters, reporting.button),),
        routes=(HttpRoute("GET", REPORT_PATH, reporting.serve),),
        personal_data=benefits_data(ctx.store, reporting.forget),
    )
