"""The Digital, Data and Customer Board's quarterly roadmap review.

`roadmap review` (or "quarterly review", "quarterly pack", with a quarter such as "last
quarter" or "Q2 2026-27") answers with a summary card and links to the pack: a page that
prints well on A4, and a PDF. Board members (or their deputies) and admins may ask for
it, anywhere. Each pack's link holds an unguessable token kept in the boards store; it
works for BOARD_PACK_DAYS days. The pack's figures are as at the quarter's end, or the
moment it was made while the quarter is still going, so a link shows the same figures
every time it is opened.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import secrets
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.domain.benefits import BENEFITS_ASKED, BENEFITS_DUE, build_report
from bot.domain.benefits import Report as BenefitsReport
from bot.domain.boards import BoardSetup, Decision, authority
from bot.domain.model import DigitalRequest
from bot.domain.roadmap_review import (
    BENEFITS_RECORDED,
    Quarter,
    Review,
    build_review,
    parse_quarter,
)
from bot.domain.text import long_date
from bot.errors import BadCardData, NotAllowed, UserFacingError
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
from bot.journeys.boards import roadmap_page
from bot.journeys.boards.setup import effective_setup
from bot.journeys.boards.shared import Shared
from bot.ports import RequestQuery
from bot.privacy_records import Erasures
from cards import roadmap_cards

DDC = "ddc"  # the Digital, Data and Customer Board's key in governance
PACK_PATH = "/boards/packs/{name}"  # {token} for the page, {token}.pdf for the PDF
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")  # secrets.token_urlsafe(24)
_KEPT = "roadmap_pack:"  # the boards store's key for a pack, before its token
PHRASES = ("roadmap review", "quarterly review", "quarterly pack", "roadmap pack")
PACK_HEADERS = {
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}
WHO_MAY = (
    "Only members of the Digital, Data and Customer Board, their deputies and admins can "
    "make the quarterly roadmap review. Ask the board's secretary to share the pack with you."
)
NOT_UNDERSTOOD = (
    "I did not understand which quarter you mean. Type roadmap review for this quarter, "
    "roadmap review last quarter, or a quarter like roadmap review Q2 2026-27."
)


@dataclass(frozen=True)
class _Kept:
    """What a pack's token stands for."""

    quarter: Quarter
    as_at: dt.datetime
    made_at: dt.datetime
    made_by: str

    def dumps(self) -> str:
        return json.dumps(
            {
                "quarter": self.quarter.key,
                "as_at": self.as_at.isoformat(),
                "made_at": self.made_at.isoformat(),
                "by": self.made_by,
            }
        )

    @classmethod
    def loads(cls, raw: str) -> _Kept | None:
        try:
            data = json.loads(raw)
            quarter = Quarter.from_key(str(data["quarter"]))
            if quarter is None:
                return None
            return cls(
                quarter,
                dt.datetime.fromisoformat(data["as_at"]),
                dt.datetime.fromisoformat(data["made_at"]),
                str(data.get("by", "")),
            )
        except (ValueError, KeyError, TypeError):
            return None


class Roadmap:
    def __init__(self, ctx: JourneyContext, shared: Shared) -> None:
        self.ctx = ctx
        self.shared = shared
        # The last few documents made, so opening a link twice does not draw it twice.
        # They name who made them and hold requests' words: an erase, on any instance,
        # drops them all, so the next opening draws the pack afresh without the person.
        self._made: OrderedDict[tuple[str, bool], bytes] = OrderedDict()
        self._erasures = Erasures(ctx.store)

    # ---- Who may, and the figures

    async def _check_allowed(self, turn: Turn) -> None:
        actor = turn.actor
        if self.ctx.is_admin(actor):
            return
        setup = await effective_setup(self.shared, DDC)
        deputies = await (await self.shared.store()).deputies(DDC)
        if authority(setup, deputies, actor.user_id, actor.name, self.shared.today()) is None:
            raise NotAllowed(WHO_MAY)

    async def _requests(self, before: dt.datetime) -> list[DigitalRequest]:
        found: list[DigitalRequest] = []
        query = RequestQuery(submitted_before=before)
        after = 0
        while True:
            page = await self.ctx.store.query(query, after=after, limit=500)
            found.extend(page)
            if len(page) < 500:
                return found
            after = int(page[-1].item_id)

    async def _decisions(self) -> list[Decision]:
        store = await self.shared.store()
        found: list[Decision] = []
        while True:
            page = await store.decisions(after_seq=found[-1].seq if found else 0, limit=500)
            found.extend(page)
            if len(page) < 500:
                return found

    async def _benefits(
        self, as_at: dt.datetime, kind: str = BENEFITS_RECORDED
    ) -> list[Mapping[str, Any]]:
        found: list[Mapping[str, Any]] = []
        after = 0
        while True:
            page = await self.ctx.store.records(kind, after_seq=after, limit=500)
            found.extend(record.data for record in page if record.at <= as_at)
            if len(page) < 500:
                return found
            after = page[-1].seq

    async def _setups(self) -> dict[str, BoardSetup]:
        """Each board's setup now: its meetings set the board's target, as for reminders."""
        return {setup.key: setup for setup in await (await self.shared.store()).setups()}

    async def review(self, quarter: Quarter, as_at: dt.datetime) -> Review:
        # Raised at `as_at` itself counts, as build_review counts it.
        requests = await self._requests(as_at + dt.timedelta(seconds=1))
        decisions = await self._decisions()
        benefits = await self._benefits(as_at)
        setups = await self._setups()
        return await asyncio.to_thread(
            build_review,
            requests,
            decisions,
            quarter,
            as_at,
            self.ctx.calendar,
            self.ctx.targets,
            benefits,
            setups,
        )

    # ---- The command and the button

    async def command(self, turn: Turn, said: str) -> None:
        quarter = parse_quarter(said or "this quarter", self.shared.today())
        if quarter is None:
            await turn.send_text(NOT_UNDERSTOOD)
            return
        await turn.send_card(await self._summary(turn, quarter))

    async def button(self, turn: Turn, quarter: Quarter) -> Reply:
        return card_reply(await self._summary(turn, quarter))

    async def _summary(self, turn: Turn, quarter: Quarter) -> dict[str, Any]:
        await self._check_allowed(turn)
        now = self.ctx.now()
        zone = self.ctx.calendar.zone
        if quarter.starts_at(zone) > now:
            raise UserFacingError(
                f"{quarter.label} has not started yet. Type roadmap review for this quarter."
            )
        as_at = min(now, quarter.ends_at(zone))
        review = await self.review(quarter, as_at)
        token = secrets.token_urlsafe(24)
        kept = _Kept(quarter, as_at, now, turn.actor.name)
        await (await self.shared.store()).set_value(_KEPT + token, kept.dumps())
        base = self.shared.config.public_url.rstrip("/") + PACK_PATH.format(name=token)
        return roadmap_cards.summary_card(
            review,
            long_date((as_at - dt.timedelta(seconds=1)).astimezone(zone).date()),
            base,
            f"{base}.pdf",
            self.shared.config.pack_days,
            {key: roadmap_page.horizon_label(key).lower() for key in review.by_horizon},
        )

    # ---- The pack's page and PDF

    async def serve(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info.get("name", "")
        token = name.removesuffix(".pdf")
        pdf = token != name
        if not _TOKEN.fullmatch(token):
            return _not_found()
        kept = _Kept.loads(await (await self.shared.store()).get_value(_KEPT + token))
        days = dt.timedelta(days=self.shared.config.pack_days)
        if kept is None or self.ctx.now() >= kept.made_at + days:
            return _not_found()
        if await self._erasures.since_last_asked():
            self._made.clear()
        body = self._made.get((token, pdf))
        if body is None:
            body = await self._document(kept, pdf)
            self._made[(token, pdf)] = body
            while len(self._made) > 6:
                self._made.popitem(last=False)
        if pdf:
            headers = {
                **PACK_HEADERS,
                "Content-Disposition": (
                    f'attachment; filename="roadmap-review-{kept.quarter.key}.pdf"'
                ),
            }
            return web.Response(body=body, content_type="application/pdf", headers=headers)
        return web.Response(
            body=body, content_type="text/html", charset="utf-8", headers=PACK_HEADERS
        )

    async def _realised(self, as_at: dt.datetime) -> BenefitsReport | None:
        """Benefits realised after delivery, as the benefits report counts them: only
        when some have been recorded."""
        recorded = await self._benefits(as_at)
        if not recorded:
            return None
        requests = await self._requests(as_at + dt.timedelta(seconds=1))
        due = await self._benefits(as_at, BENEFITS_DUE)
        asked = await self._benefits(as_at, BENEFITS_ASKED)
        zone = self.ctx.calendar.zone
        return await asyncio.to_thread(build_report, requests, recorded, due, asked, as_at, zone)

    async def _document(self, kept: _Kept, pdf: bool) -> bytes:
        review = await self.review(kept.quarter, kept.as_at)
        governance = await self.ctx.store.governance()
        view = roadmap_page.PackView(
            review=review,
            board_names={key: board.name for key, board in governance.boards.items()},
            made_at=kept.made_at,
            made_by=kept.made_by,
            zone=self.ctx.calendar.zone,
            realised=await self._realised(kept.as_at),
        )
        drawn = await asyncio.to_thread(roadmap_page.charts, review)
        if pdf:
            return await asyncio.to_thread(roadmap_page.render_pdf, view, drawn)
        return roadmap_page.render_html(view, drawn).encode("utf-8")


def _not_found() -> web.Response:
    return web.Response(
        text=roadmap_page.NOT_FOUND_PAGE,
        status=404,
        content_type="text/html",
        charset="utf-8",
        headers=PACK_HEADERS,
    )


def parse_quarter_data(data: Mapping[str, Any]) -> Quarter:
    """Card data names WHICH quarter, as "2026-q2"; anything else is not ours."""
    raw = data.get(roadmap_cards.QUARTER_KEY)
    quarter = Quarter.from_key(raw) if isinstance(raw, str) and len(raw) < 20 else None
    if quarter is None:
        raise BadCardData("That button does not name a quarter I know. Type roadmap review.")
    return quarter


def _read(said: str) -> str | None:
    """The quarter typed after one of the phrases ("" for none)."""
    for phrase in PHRASES:
        if said == phrase:
            return ""
        if said.startswith(phrase + " "):
            return said[len(phrase) + 1 :].strip()
    return None


def part(ctx: JourneyContext, shared: Shared) -> Part:
    roadmap = Roadmap(ctx, shared)
    return Part(
        commands=(
            ChatCommand(
                name="roadmap review",
                run=roadmap.command,
                read=_read,
                audience="boards",
                help="For the Digital, Data and Customer Board: the quarterly roadmap review "
                "pack, with charts and a PDF. Add a quarter, like last quarter.",
                example="roadmap review last quarter",
                where="anywhere",
                menu_rank=3,
            ),
        ),
        actions=(CardAction(roadmap_cards.REVIEW_VERB, parse_quarter_data, roadmap.button),),
        routes=(HttpRoute("GET", PACK_PATH, roadmap.serve),),
    )
