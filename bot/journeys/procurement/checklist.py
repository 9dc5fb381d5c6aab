"""The early-engagement checklist, the pack, and who is told.

Once the request is sent (Stage.CHECKLIST), its owner answers the checklist. Making the
pack decides the review path, keeps a pack link (a new one once the old has expired), and
tells the Procurement channel (always) and the Technical Review Board's channel (full
path), once for each version of the answers. A channel nobody registered yet is named to
IT triage, which passes the pack on.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot import form_flow
from bot.domain.forms import FormView
from bot.domain.model import DigitalRequest
from bot.domain.procurement import Engagement, ReviewPath, Stage
from bot.errors import BadCardData, NotFound, UserFacingError
from bot.form_actions import FormPress, NoData, form_actions, form_card, no_data
from bot.journey import (
    CARD_TYPE,
    CardAction,
    ChatCommand,
    HttpRoute,
    JourneyContext,
    Part,
    Reply,
    Turn,
    card_reply,
    message_reply,
)
from bot.journeys.procurement import pack
from bot.journeys.procurement.checklist_form import (
    CHECKLIST_FORM,
    ENGAGEMENT,
    REFERENCE,
    Checklist,
    prefill,
)
from bot.journeys.procurement.shared import PROCUREMENT_CHANNEL, Shared, board_channel
from bot.ports import ChangedBySomeoneElse
from cards import engagement_cards as cards
from cards.elements import to_dict

logger = logging.getLogger(__name__)

PACK_PATH = "/procurement/packs/{token}"
TRIAGE = "triage"
TRB_KEY = "trb"
_ENGAGEMENT_ID = re.compile(r"PE-[0-9a-fA-F]{12}")
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")  # secrets.token_urlsafe(24)
_OPEN_STAGES = (Stage.CHECKLIST, Stage.READY)
PACK_HEADERS = {
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


def offer_card(engagement: Engagement) -> dict[str, Any]:
    """ "Next: the early-engagement checklist", for an engagement whose request is sent."""
    return to_dict(cards.build_offer_card(engagement))


def pack_url(shared: Shared, engagement: Engagement) -> str:
    return f"{shared.config.public_url}/procurement/packs/{engagement.pack_token}"


@dataclass(frozen=True)
class Which:
    """Card data naming an engagement (never who is acting)."""

    engagement_id: str


def parse_which(data: Mapping[str, Any]) -> Which:
    value = data.get(cards.ENGAGEMENT_KEY)
    if not isinstance(value, str) or not _ENGAGEMENT_ID.fullmatch(value):
        raise BadCardData(
            "That button did not say which early engagement it is for. Type checklist to "
            "open yours."
        )
    return Which(value)


@dataclass(frozen=True)
class Channel:
    """Where a pack goes: the channel's purpose, its name and how an admin registers it."""

    purpose: str
    name: str
    command: str


PROCUREMENT = Channel(PROCUREMENT_CHANNEL, "Procurement team", "register procurement")
BOARD = Channel(
    board_channel(TRB_KEY), "Technical Review Board", "register board Technical Review Board"
)


def _channels(path: ReviewPath) -> tuple[Channel, ...]:
    return (PROCUREMENT, BOARD) if path is ReviewPath.FULL else (PROCUREMENT,)


class ChecklistPart:
    def __init__(self, ctx: JourneyContext, shared: Shared) -> None:
        self.ctx = ctx
        self.shared = shared
        self.store = ctx.store

    # ---- Which engagement, and may this person answer for it --------------

    async def _engagement(self, turn: Turn, engagement_id: str) -> Engagement:
        engagement = await (await self.shared.engagements()).get(engagement_id)
        mine = engagement is not None and engagement.owner_id == turn.actor.user_id
        if engagement is None or not (mine or self.ctx.is_admin(turn.actor)):
            raise NotFound(
                "I could not find that early engagement among yours. Type checklist to "
                "open your checklist."
            )
        if not engagement.reference or engagement.stage not in _OPEN_STAGES:
            raise UserFacingError(_not_yet(engagement))
        return engagement

    async def _request(self, reference: str) -> DigitalRequest | None:
        try:
            return await self.store.get(reference)
        except UserFacingError:  # the shared list did not answer: the pack says so
            return None

    # ---- Opening the checklist ---------------------------------------------

    async def start(self, turn: Turn, which: Which) -> Reply:
        engagement = await self._engagement(turn, which.engagement_id)
        return await self._open(turn, engagement)

    async def _open(self, turn: Turn, engagement: Engagement) -> Reply:
        owner = turn.actor.user_id
        draft = await self.store.get_draft(owner, CHECKLIST_FORM.key)
        if draft is not None and draft.values.get(ENGAGEMENT) != engagement.id:
            other = draft.values.get(REFERENCE) or "another request"
            return card_reply(
                to_dict(cards.build_other_checklist_card(other, engagement.reference))
            )
        request = await self._request(engagement.reference)
        details = request.details if request else None
        values = prefill(
            engagement.id,
            engagement.reference,
            engagement.renewal,
            details.personal_data if details else None,
            details.existing_systems if details else "",
            kept=engagement.checklist if engagement.stage is Stage.READY else None,
        )
        view = await form_flow.start(CHECKLIST_FORM, self.store, owner, self.ctx.now(), values)
        return await self._marked(turn, _form_reply(view))

    async def open_mine(self, turn: Turn) -> Reply:
        """`checklist`: the one in progress, else the newest waiting for its checklist,
        else the newest pack made (to change its answers or get a new link)."""
        owner = turn.actor.user_id
        view = await form_flow.resume(CHECKLIST_FORM, self.store, owner, self.ctx.now())
        if view is not None:
            return await self._marked(turn, _form_reply(view))
        mine = [
            engagement
            for engagement in await (await self.shared.engagements()).for_owner(owner)
            if engagement.reference
        ]
        waiting = [e for e in mine if e.stage is Stage.CHECKLIST]
        waiting += [e for e in mine if e.stage is Stage.READY]
        if waiting:
            return await self._open(turn, waiting[0])
        return message_reply(
            "You have no early-engagement checklist to fill in. It comes after you send a "
            "request to buy or renew software. Type buy software to start."
        )

    async def command(self, turn: Turn, _: str) -> None:
        await turn.send_reply(await self.open_mine(turn))

    async def new(self, turn: Turn, _: NoData) -> Reply:
        return await self.open_mine(turn)

    async def _marked(self, turn: Turn, reply: Reply) -> Reply:
        """A checklist page, with the line saying which request it is for."""
        value = reply.value
        if reply.type != CARD_TYPE or not isinstance(value, dict):
            return reply
        body = value.get("body") or []
        if not body or body[0].get("text") != CHECKLIST_FORM.title:
            return reply
        draft = await self.store.get_draft(turn.actor.user_id, CHECKLIST_FORM.key)
        reference = draft.values.get(REFERENCE, "") if draft else ""
        if not reference:
            return reply
        line = cards.reference_line(reference).model_dump(by_alias=True, exclude_none=True)
        return card_reply({**value, "body": [body[0], line, *body[1:]]})

    def marked(self, action: CardAction[Any]) -> CardAction[Any]:
        async def handle(turn: Turn, command: Any) -> Reply:
            return await self._marked(turn, await action.handle(turn, command))

        return CardAction(action.verb, action.parse, handle, action.once_only)

    # ---- Making the pack ---------------------------------------------------

    async def submit(self, turn: Turn, press: FormPress) -> Reply:
        owner = turn.actor.user_id
        now = self.ctx.now()
        checked = await form_flow.check(
            CHECKLIST_FORM, self.store, owner, press.draft_id, press.step, press.answers, now
        )
        if isinstance(checked, FormView):
            return await self._marked(turn, _form_reply(checked))
        engagement = await self._engagement(turn, checked.draft.values.get(ENGAGEMENT, ""))
        answers: Checklist = checked.result
        kept = answers.answers()
        path = pack.review_path(kept, self.shared.config.light_renewals)
        again = engagement.stage is Stage.READY and bool(engagement.pack_token)
        link_works = pack.link_works(engagement, now, self.shared.config.pack_days)
        made = dataclasses.replace(
            engagement,
            checklist=kept,
            path=path,
            renewal=answers.renewal,
            pack_token=engagement.pack_token if link_works else secrets.token_urlsafe(24),
            stage=Stage.READY,
            updated_at=now,
        )
        try:
            saved = await (await self.shared.engagements()).save(made)
        except ChangedBySomeoneElse:
            raise UserFacingError(
                "Your early engagement changed in another window while you were sending this. "
                "Nothing is lost. Press Make the pack again."
            ) from None
        await self.store.delete_draft(owner, CHECKLIST_FORM.key)
        request = await self._request(saved.reference)
        missing = [c.name for c in _channels(path) if await self.store.channel(c.purpose) is None]
        before = engagement if again else None
        self.ctx.in_background(self._tell_logged(saved, before, request))
        details = request.details if request else None
        ready = cards.build_pack_ready_card(
            saved,
            pack_url(self.shared, saved),
            pack.who_reviews(path),
            pack.open_questions(kept, details),
            missing,
            again,
            new_link=again and not link_works,
            changed=pack.version_of(engagement) != pack.version_of(saved),
        )
        return card_reply(to_dict(ready))

    # ---- Telling Procurement and the board -------------------------------

    async def _tell_logged(
        self, engagement: Engagement, before: Engagement | None, request: DigitalRequest | None
    ) -> None:
        try:
            await self._tell(engagement, before, request)
        except Exception:  # the once keys went back: making the pack again tells them
            logger.exception("Telling the channels about %s's pack failed", engagement.id)

    async def _tell(
        self, engagement: Engagement, before: Engagement | None, request: DigitalRequest | None
    ) -> None:
        """`before`: the pack as it was last made, if it was. Channels hear of a pack once
        for each version of it; a version they heard of before comes again only after
        another came between (its keys are given back below)."""
        change = _change(engagement, before)
        if change is not None and before is not None:
            for channel in (PROCUREMENT, BOARD):
                await self.store.release_notification(_once_key(before, channel))
        url = pack_url(self.shared, engagement)
        title = request.details.title if request else engagement.need
        requester = request.requester.name if request else engagement.owner_name
        path = engagement.path or ReviewPath.FULL
        review = pack.who_reviews(path)
        await self._post(
            engagement,
            PROCUREMENT,
            to_dict(
                cards.build_procurement_card(engagement, title, requester, url, review, change)
            ),
        )
        if path is ReviewPath.FULL:
            why = pack.why_the_board(engagement.checklist, self.shared.config.light_renewals)
            board = cards.build_board_card(engagement, title, why, url, change)
            await self._post(engagement, BOARD, to_dict(board))
        elif change is not None and change.path_was is ReviewPath.FULL:
            no_longer = cards.build_board_no_longer_card(engagement, title, url, change)
            await self._post(engagement, BOARD, to_dict(no_longer), pass_on=False)

    async def _post(
        self,
        engagement: Engagement,
        channel: Channel,
        card: dict[str, Any],
        pass_on: bool = True,
    ) -> None:
        """Once per version of the pack and channel, however often it is made again. A
        channel not registered is named in IT triage's, with the pack to pass on."""
        key = _once_key(engagement, channel)
        if not await self.store.claim_notification(key):
            return
        try:
            told = await self._post_or_pass_on(engagement, channel, card, pass_on)
        except BaseException:
            await self.store.release_notification(key)
            raise
        if told:
            await self.store.notification_sent(key)
        else:
            await self.store.release_notification(key)  # a later pack may find a channel

    async def _post_or_pass_on(
        self, engagement: Engagement, channel: Channel, card: dict[str, Any], pass_on: bool
    ) -> bool:
        """True if a channel was told: the engagement's own, or IT triage's in its place
        (when `pass_on`). False, with nothing sent, if neither is registered."""
        if await self.ctx.notifier.post(channel.purpose, card) is not None:
            return True
        if not pass_on:
            logger.info("No channel for %s: nobody was told", channel.purpose)
            return True  # as before: this channel's card is not made again
        url = pack_url(self.shared, engagement)
        instead = cards.build_missing_channel_card(engagement, channel.name, channel.command, url)
        if await self.ctx.notifier.post(TRIAGE, to_dict(instead)) is not None:
            return True
        logger.warning("No channel for %s or for triage: nobody was told", channel.purpose)
        return False

    # ---- The pack's page ---------------------------------------------------

    async def serve_pack(self, request: web.Request) -> web.Response:
        token = request.match_info.get("token", "")
        if not _TOKEN.fullmatch(token):
            return _not_found()
        engagement = await (await self.shared.engagements()).by_pack_token(token)
        if engagement is None or engagement.pack_token != token or engagement.path is None:
            return _not_found()
        days = self.shared.config.pack_days
        if not pack.link_works(engagement, self.ctx.now(), days):
            return _html(pack.expired_page(days), 410)
        found = await self._request(engagement.reference)
        governance = await self.store.governance()
        board = process = ""
        if found is not None:
            named_board = governance.boards.get(found.route.board)
            named_process = governance.processes.get(found.route.process)
            board = named_board.name if named_board else found.route.board
            process = named_process.name if named_process else found.route.process
        entries = [await self.shared.entry(match.entry_id) for match in engagement.matches]
        chosen = (
            await self.shared.entry(engagement.chosen_entry_id)
            if engagement.chosen_entry_id
            else None
        )
        view = pack.PackView(
            engagement=engagement,
            request=found,
            board_name=board,
            process_name=process,
            chosen_name=chosen.name if chosen else "",
            sample=any(entry is not None and entry.sample for entry in entries),
            light_renewals=self.shared.config.light_renewals,
        )
        return _html(pack.render_pack(view), 200)


def _once_key(engagement: Engagement, channel: Channel) -> str:
    return f"engagement:{engagement.id}:{channel.purpose}:{pack.version_of(engagement)}"


def _change(engagement: Engagement, before: Engagement | None) -> cards.PackChange | None:
    """What the channels hear is new, or None for a first pack or the same one again."""
    if before is None or pack.version_of(before) == pack.version_of(engagement):
        return None
    return cards.PackChange(before.path, before.pack_token != engagement.pack_token)


def _not_yet(engagement: Engagement) -> str:
    if engagement.stage is Stage.EXISTING:
        return "You chose a system the council already has, so there is no checklist to fill in."
    return (
        "The checklist comes after your request is sent. Finish the catalogue check and "
        "send your request first. Type continue to carry on with it."
    )


def _form_reply(view: FormView) -> Reply:
    return form_card(view)


def _html(text: str, status: int) -> web.Response:
    return web.Response(
        text=text,
        status=status,
        content_type="text/html",
        charset="utf-8",
        headers=PACK_HEADERS,
    )


def _not_found() -> web.Response:
    return _html(pack.NOT_FOUND_PAGE, 404)


CHECKLIST_PHRASES = (
    "checklist",
    "my checklist",
    "engagement checklist",
    "early engagement checklist",
    "early-engagement checklist",
)


def part(ctx: JourneyContext, shared: Shared) -> Part:
    checklist = ChecklistPart(ctx, shared)
    new_verb = CHECKLIST_FORM.verb("new")
    form = tuple(
        checklist.marked(action)
        for action in form_actions(CHECKLIST_FORM, ctx, checklist.submit)
        if action.verb != new_verb
    )
    return Part(
        commands=(
            ChatCommand(
                "checklist",
                checklist.command,
                phrases=CHECKLIST_PHRASES,
                help="After you ask to buy or renew software, fill in the early-engagement "
                "checklist.",
                menu_rank=3,
            ),
        ),
        actions=(
            CardAction(cards.START_VERB, parse_which, checklist.start),
            CardAction(new_verb, no_data, checklist.new),
            *form,
        ),
        routes=(HttpRoute("GET", PACK_PATH, checklist.serve_pack),),
    )
