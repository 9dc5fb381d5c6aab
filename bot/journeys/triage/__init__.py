"""IT triage: new requests posted to the triage channel, acted on from the card.

An invoke must be answered within seconds, so the answer is built from what is known
and the slower work (updating the channel card, telling the requester) runs after.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from bot.domain import deadlines, triage
from bot.domain.model import DigitalRequest, Status
from bot.errors import NotAllowed
from bot.identity import channel_reference
from bot.journey import (
    REQUEST_CHANGED,
    REQUEST_NOT_APPLIED,
    REQUEST_SUBMITTED,
    Actor,
    CardAction,
    ChatCommand,
    Journey,
    JourneyContext,
    Reply,
    Turn,
    card_reply,
    message_reply,
)
from bot.journeys.triage import commands, verbs
from bot.journeys.triage.cards import (
    PanelError,
    TriageView,
    build_answer_thanks_card,
    build_question_card,
    build_triage_card,
    build_triager_note_card,
)
from bot.journeys.triage.commands import CardRef, TriageCommand
from bot.journeys.triage.posting import TRIAGE, TriagePoster
from bot.journeys.triage.usecases import (
    FollowUp,
    act,
    similar_open,
    state_of,
    tell_not_applied,
)
from bot.ports import NotApplied
from bot.telemetry.steps import job
from cards.elements import to_dict

logger = logging.getLogger(__name__)

# Requests that could not be posted to the triage channel are tried again this often.
RETRY_SECONDS = 30.0
NOT_ON_ROSTER = (
    "Only the IT triage team can act on digital requests. Nothing has changed. "
    "If you should be on the team, ask a Digital Front Door admin."
)
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
# Buttons whose typed answer can be refused: the refusal is drawn next to the box.
TYPED = {
    triage.Action.REJECT: (verbs.REJECT_REASON,),
    triage.Action.ASK_INFO: (verbs.QUESTION,),
    triage.Action.CHANGE_ROUTE: (verbs.ROUTE_BOARD, verbs.ROUTE_PROCESS, verbs.ROUTE_REASON),
    # Someone chosen who is not on the team is not kept: the list no longer has them.
    triage.Action.ASSIGN: (),
    triage.Action.LINK_DUPLICATE: (verbs.DUPLICATE_TYPED, verbs.DUPLICATE_PICKED),
    triage.Action.DELIVER: (verbs.DELIVERED_NOTE,),
}
CHOOSE_SOMEONE = "Choose someone on the triage team."


def refresh_id(user_id: str, teams_id: str) -> str:
    """Who Teams refreshes the card for: their Teams id once they have used the bot;
    before that, their Teams user id made from their Entra object id."""
    if teams_id:
        return teams_id
    return f"8:orgid:{user_id}" if _GUID.match(user_id) else user_id


class Triage:
    """The triage journey's handlers, sharing the roster and the cards."""

    def __init__(self, ctx: JourneyContext) -> None:
        self.ctx = ctx
        self.store = ctx.store
        self.follow_up = FollowUp(
            ctx.store,
            ctx.notifier,
            lambda request: self.card_for(request, None),
            lambda request, text: to_dict(build_question_card(request, text)),
        )
        self.poster = TriagePoster(ctx.store, ctx.store, ctx.notifier, self.posted_card, ctx.store)

    async def roster_ids(self) -> frozenset[str]:
        if self.ctx.roster is not None:
            return await self.ctx.roster.members()
        return self.ctx.triage_roster

    async def on_roster(self, actor: Actor) -> bool:
        return actor.user_id in await self.roster_ids()

    async def roster_names(self) -> dict[str, str]:
        """Names from the roster's own source: the Entra group, or TRIAGE_ROSTER."""
        if self.ctx.roster is not None:
            return dict(await self.ctx.roster.names())
        return dict(self.ctx.triage_names)

    async def roster_people(self) -> dict[str, tuple[str, str]]:
        """Everyone on the roster, whether or not they have used the bot yet:
        user id -> (Teams id, or "" if never seen; name)."""
        ids = await self.roster_ids()
        seen = await self.store.people(ids)
        names = await self.roster_names()
        people: dict[str, tuple[str, str]] = {}
        for user_id in ids:
            teams_id, seen_name = seen.get(user_id, ("", ""))
            name = names.get(user_id) or seen_name or f"Name not known ({user_id})"
            people[user_id] = (teams_id, name)
        return people

    async def view_for(
        self,
        request: DigitalRequest,
        actor: Actor | None,
        note: str,
        error: PanelError | None = None,
    ) -> TriageView:
        people = await self.roster_people()
        # Those seen in Teams first: their ids are sure to work in Teams' refresh.
        refresh_for = tuple(
            refresh_id(uid, teams_id)
            for uid, (teams_id, _) in sorted(people.items(), key=lambda p: (not p[1][0], p[0]))
        )
        today = self.ctx.now().date()
        left = _time_left(self.ctx, request)
        if actor is None or not await self.on_roster(actor):
            return TriageView(refresh_for=refresh_for, note=note, today=today, time_left=left)
        others = await self.store.recent()
        allowed = tuple(a.value for a in triage.allowed_actions(state_of(request)))
        roster = tuple(
            sorted(((uid, name) for uid, (_, name) in people.items()), key=lambda p: p[1])
        )
        return TriageView(
            viewer_id=actor.user_id,
            roster=roster,
            for_triager=True,
            allowed=allowed,
            note=note,
            refresh_for=refresh_for,
            similar=tuple(similar_open(request, others)),
            today=today,
            error=error,
            time_left=left,
        )

    async def card_for(
        self,
        request: DigitalRequest,
        actor: Actor | None,
        note: str = "",
        error: PanelError | None = None,
    ) -> dict[str, Any]:
        gov = await self.store.governance()
        view = await self.view_for(request, actor, note, error)
        return to_dict(build_triage_card(request, gov, view))

    async def posted_card(self, request: DigitalRequest) -> dict[str, Any]:
        # The card everyone sees, with a refresh that gives the roster its buttons.
        return await self.card_for(request, None)

    # ---- Card actions ----------------------------------------------------------

    async def refresh(self, turn: Turn, card: CardRef) -> Reply:
        """A triager's own view; for anyone else, only the read-only card the triage
        channel already shows, and only in that channel. Nothing else says whether a
        request exists, so references cannot be walked to read other people's requests."""
        actor = turn.actor
        await self.store.remember_person(actor.user_id, actor.teams_id, actor.name)
        request = await self.store.get(card.reference)
        if await self.on_roster(actor):
            if request is None:
                return message_reply(f"There is no request {card.reference}.")
            return card_reply(await self.card_for(request, actor))
        if request is None or not await self._shown_here(turn, request):
            return message_reply(
                f"There is nothing to show for {card.reference} here. "
                "To see your own requests, type my requests in your chat with me."
            )
        return card_reply(await self.card_for(request, None))

    async def _shown_here(self, turn: Turn, request: DigitalRequest) -> bool:
        """Whether this request's card was posted in the channel this press came from."""
        channel = await self.store.channel(TRIAGE)
        posted = await self.store.triage_message_id(request.reference)
        if channel is None or not posted or posted == "-":
            return False
        here = (
            channel_reference(turn.activity, self.ctx.reply_hosts).get("conversation", {}).get("id")
        )
        return bool(here) and here == channel.get("conversation", {}).get("id")

    async def act(self, turn: Turn, command: TriageCommand) -> Reply:
        actor = turn.actor
        await self.store.remember_person(actor.user_id, actor.teams_id, actor.name)
        if not await self.on_roster(actor):
            return message_reply(NOT_ON_ROSTER)
        try:
            assignee = await self._assignee(command, actor)
            outcome = await act(self.store, actor, command, self.ctx.now(), assignee)
        except NotAllowed as refused:
            panel = await self._refused_panel(command, refused, actor)
            if panel is None:
                raise
            return panel
        if outcome.changed:
            self.ctx.in_background(self.follow_up.after_change(outcome))
        return card_reply(await self.card_for(outcome.request, actor, outcome.note))

    async def _refused_panel(
        self, command: TriageCommand, refused: NotAllowed, actor: Actor
    ) -> Reply | None:
        """A typed answer the rules refused (an empty reason, say): the same card back,
        with the panel open, the problem next to the box and what was typed kept. A
        refusal about the request itself (it was rejected meanwhile) stays a message."""
        inputs = TYPED.get(command.action)
        if command.action is triage.Action.ASSIGN and not command.chosen:
            inputs = None  # "Assign to me" has no panel
        request = await self.store.get(command.card.reference)
        if inputs is None or request is None:
            return None
        if command.action not in triage.allowed_actions(state_of(request)):
            return None
        typed = {
            verbs.REJECT_REASON: command.reason,
            verbs.QUESTION: command.question,
            verbs.ROUTE_BOARD: command.board,
            verbs.ROUTE_PROCESS: command.process,
            verbs.ROUTE_REASON: command.reason,
            verbs.DUPLICATE_TYPED: command.typed_ref,
            verbs.DUPLICATE_PICKED: command.picked_ref,
            verbs.DELIVERED_NOTE: command.reason,
        }
        error = PanelError(
            command.action.value,
            refused.message,
            {key: typed[key] for key in inputs if typed[key]},
        )
        return card_reply(await self.card_for(request, actor, error=error))

    async def _assignee(self, command: TriageCommand, actor: Actor) -> Actor:
        """Who gets it: the actor, or anyone the actor picked from the roster, even
        someone who has never used the bot. Never someone off the roster."""
        if not command.chosen:
            return actor
        people = await self.roster_people()
        if command.assignee_id not in people:
            raise NotAllowed(CHOOSE_SOMEONE)
        teams_id, name = people[command.assignee_id]
        return Actor(command.assignee_id, teams_id, name, command.assignee_id)

    async def answer(self, turn: Turn, command: TriageCommand) -> Reply:
        """The requester answers a question from IT triage, in their own chat."""
        reference = command.card.reference
        request = await self.store.get(reference)
        if request is None or request.requester.user_id != turn.actor.user_id:
            raise NotAllowed(f"We could not find a request {reference} raised by you.")
        if request.status is not Status.AWAITING_INFORMATION:
            return message_reply(
                f"{reference} is not waiting for an answer from you now. "
                f"Type status {reference} to see where it is."
            )
        try:
            outcome = await act(
                self.store, turn.actor, command, self.ctx.now(), already_read=request
            )
        except NotAllowed as refused:
            # An empty answer, say: the same card back, the problem next to the box.
            asked = f"IT triage asks: {request.question}" if request.question else ""
            redrawn = build_question_card(request, asked, refused.message, command.answer)
            return card_reply(to_dict(redrawn))
        if outcome.changed:
            self.ctx.in_background(self.follow_up.after_change(outcome, tell_requester=False))
        return card_reply(to_dict(build_answer_thanks_card(outcome.request)))

    # ---- Registering the channel -----------------------------------------------

    async def register_channel(self, turn: Turn, _: str) -> None:
        actor = turn.actor
        if turn.where != "channel":
            await turn.send_text(
                "Type register triage in the team channel where IT triage should see new requests."
            )
            return
        if not self.ctx.is_admin(actor):
            await turn.send_text(
                "Only a Digital Front Door admin can register the triage channel. "
                "Nothing has changed. Ask an admin if this channel should be used."
            )
            return
        await self.store.register_channel(
            TRIAGE, channel_reference(turn.activity, self.ctx.reply_hosts), actor.user_id
        )
        if actor.teams_id:
            await self.store.remember_person(actor.user_id, actor.teams_id, actor.name)
        waiting = len(await self.store.awaiting_triage_post(limit=1000))
        note = ""
        if waiting:
            plural = "request" if waiting == 1 else "requests"
            note = f" {waiting} waiting {plural} will be posted here now."
        await turn.send_text(
            "This channel is now the IT triage channel. New digital requests will appear here."
            + note
        )
        self.ctx.in_background(self.poster.post_waiting())

    async def on_submitted(self, request: DigitalRequest) -> None:
        await self.poster.post_waiting()

    async def on_changed(self, request: DigitalRequest) -> None:
        """The requester changed or withdrew their request: everyone's card in the
        channel shows it, as it does after an answer from the requester."""
        message_id = await self.store.triage_message_id(request.reference)
        if not message_id or message_id == "-":
            return  # not posted yet: it is posted as it is now when the channel is ready
        await self.ctx.notifier.replace(TRIAGE, message_id, await self.posted_card(request))

    async def on_not_applied(self, news: NotApplied) -> None:
        message_id = await self.store.triage_message_id(news.now.reference)
        await tell_not_applied(
            news,
            self.ctx.notifier,
            # Told to the triagers whose change was lost: IT's words, not the requester's.
            lambda request, text: to_dict(build_triager_note_card(request, text)),
            self.posted_card,
            message_id,
            requester_card=lambda request, text: to_dict(build_question_card(request, text)),
        )

    async def retry_posts(self) -> None:
        while True:
            await asyncio.sleep(RETRY_SECONDS)
            try:
                with job("triage_posts"):
                    await self.poster.post_waiting()
            except Exception:
                logger.exception("Retrying triage posts failed; will try again")


def _time_left(ctx: JourneyContext, request: DigitalRequest) -> str:
    """Time left in triage or for the requester's answer; a board's time is its own card's."""
    face = deadlines.clockface(request, ctx.now(), ctx.calendar, ctx.targets, None)
    return face.words if face and face.stage is not deadlines.Stage.BOARD else ""


def register(ctx: JourneyContext) -> Journey:
    journey = Triage(ctx)
    ctx.events.subscribe(REQUEST_SUBMITTED, journey.on_submitted)
    ctx.events.subscribe(REQUEST_NOT_APPLIED, journey.on_not_applied)
    ctx.events.subscribe(REQUEST_CHANGED, journey.on_changed)

    def triage_action(verb: str, parse: Any) -> CardAction[TriageCommand]:
        return CardAction(verb, parse, journey.act, once_only=True)

    return Journey(
        name="triage",
        commands=(
            ChatCommand(
                "register triage",
                journey.register_channel,
                phrases=("register triage",),
                help="Admins only. Send new requests to this channel for IT triage.",
                where="channel",
            ),
        ),
        actions=(
            CardAction(verbs.REFRESH, commands.card_ref, journey.refresh, once_only=True),
            triage_action(verbs.ASSIGN_ME, commands.parse_assign_me),
            triage_action(verbs.ASSIGN, commands.parse_assign),
            triage_action(verbs.ACCEPT, commands.parse_accept),
            triage_action(verbs.REJECT, commands.parse_reject),
            triage_action(verbs.ASK, commands.parse_ask),
            triage_action(verbs.ROUTE, commands.parse_route),
            triage_action(verbs.DUPLICATE, commands.parse_duplicate),
            triage_action(verbs.REOPEN, commands.parse_reopen),
            triage_action(verbs.DELIVER, commands.parse_deliver),
            CardAction(verbs.ANSWER, commands.parse_answer, journey.answer, once_only=True),
        ),
        on_start=journey.poster.post_waiting,
        loops=(journey.retry_posts,),
    )
