"""Card actions in the IT triage channel, and the requester's answers to triage questions.

An invoke must be answered within seconds, so the reply is built from what is known
and the slower work (updating the channel card, telling the requester) runs after.
"""

from __future__ import annotations

import logging
from typing import Any

from microsoft_agents.activity import AdaptiveCardInvokeResponse
from microsoft_agents.hosting.core import TurnContext

import cards.verbs as verbs
from bot.channel_posts import ChannelPoster
from bot.domain import triage
from bot.domain.model import DigitalRequest, Status
from bot.domain.triage import Action
from bot.handlers.common import Deps, card_response, message_response
from bot.identity import requester_of
from bot.usecases import triage_actions
from bot.usecases.errors import NotAllowed
from bot.usecases.triage_actions import Actor, Outcome, board_name, similar_open
from bot.usecases.triage_posting import TRIAGE
from cards.elements import to_dict
from cards.triage_card import TriageView, build_triage_card
from cards.triage_messages import build_answer_thanks_card, build_question_card

logger = logging.getLogger(__name__)

VERB_ACTIONS: dict[str, Action] = {
    verbs.TRIAGE_ASSIGN_ME: Action.ASSIGN,
    verbs.TRIAGE_ASSIGN: Action.ASSIGN,
    verbs.TRIAGE_ACCEPT: Action.ACCEPT,
    verbs.TRIAGE_REJECT: Action.REJECT,
    verbs.TRIAGE_ASK: Action.ASK_INFO,
    verbs.TRIAGE_ROUTE: Action.CHANGE_ROUTE,
    verbs.TRIAGE_DUPLICATE: Action.LINK_DUPLICATE,
    verbs.TRIAGE_REOPEN: Action.REOPEN,
}

NOT_ON_ROSTER = (
    "Only the IT triage team can act on digital requests. Nothing has changed. "
    "If you should be on the team, ask a Digital Front Door admin."
)


def actor_of(context: TurnContext) -> Actor:
    who = requester_of(context.activity)
    sender = context.activity.from_property
    return Actor(who.user_id, (sender.id if sender else "") or "", who.name)


class TriageActions:
    def __init__(self, deps: Deps, channel: ChannelPoster) -> None:
        self.deps = deps
        self.channel = channel

    async def roster_ids(self) -> frozenset[str]:
        if self.deps.roster is not None:
            return await self.deps.roster.members()
        return self.deps.triage_roster

    async def on_roster(self, actor: Actor) -> bool:
        return actor.user_id in await self.roster_ids()

    async def view_for(
        self, request: DigitalRequest, actor: Actor | None, note: str = ""
    ) -> TriageView:
        people = await self.deps.store.people(await self.roster_ids())
        refresh_for = tuple(sorted(teams_id for teams_id, _ in people.values()))
        if actor is None or not await self.on_roster(actor):
            return TriageView(refresh_for=refresh_for, note=note)
        others = await self.deps.store.recent()
        allowed = tuple(a.value for a in triage.allowed_actions(triage_actions.state_of(request)))
        roster = tuple(
            sorted(((uid, name) for uid, (_, name) in people.items()), key=lambda person: person[1])
        )
        return TriageView(
            viewer_id=actor.user_id,
            roster=roster,
            for_triager=True,
            allowed=allowed,
            note=note,
            refresh_for=refresh_for,
            similar=tuple(similar_open(request, others)),
        )

    async def card_for(
        self, request: DigitalRequest, actor: Actor | None, note: str = ""
    ) -> dict[str, Any]:
        gov = await self.deps.store.governance()
        return to_dict(build_triage_card(request, gov, await self.view_for(request, actor, note)))

    async def handle(
        self, context: TurnContext, verb: str, data: Any
    ) -> AdaptiveCardInvokeResponse:
        activity_id = context.activity.id or ""
        if activity_id and (done := await self.deps.store.handled_invoke(activity_id)):
            # Teams redelivers a slow invoke: answer as before, change nothing twice.
            return AdaptiveCardInvokeResponse.model_validate(done)
        actor = actor_of(context)
        await self.deps.store.remember_person(actor.user_id, actor.teams_id, actor.name)
        response = await self._respond(actor, verb, data)
        if activity_id:
            await self.deps.store.remember_invoke(
                activity_id, response.model_dump(mode="json", by_alias=True, exclude_none=True)
            )
        return response

    async def _respond(self, actor: Actor, verb: str, data: Any) -> AdaptiveCardInvokeResponse:
        if verb == verbs.TRIAGE_REFRESH:
            reference, _ = triage_actions.reference_from(data)
            request = await self.deps.store.get(reference)
            if request is None:
                return message_response(f"There is no request {reference}.")
            return card_response(await self.card_for(request, actor))
        if not await self.on_roster(actor):
            return message_response(NOT_ON_ROSTER)
        assignee = await self._assignee(verb, data, actor)
        outcome = await triage_actions.act(
            self.deps.store, actor, VERB_ACTIONS[verb], data, self.deps.clock(), assignee
        )
        if outcome.changed:
            self.deps.in_background(self.after_change(outcome))
        return card_response(await self.card_for(outcome.request, actor, outcome.note))

    async def _assignee(self, verb: str, data: Any, actor: Actor) -> Actor:
        """Who gets it: the actor, or someone the actor picked from the roster."""
        if verb != verbs.TRIAGE_ASSIGN:
            return actor
        chosen = data.get("assignee") if isinstance(data, dict) else None
        people = await self.deps.store.people(await self.roster_ids())
        if not isinstance(chosen, str) or chosen not in people:
            raise NotAllowed("Choose someone on the triage team. Nothing has changed.")
        teams_id, name = people[chosen]
        return Actor(chosen, teams_id, name)

    async def answer(self, context: TurnContext, data: Any) -> AdaptiveCardInvokeResponse:
        """The requester answers a question from IT triage, in their own chat."""
        activity_id = context.activity.id or ""
        if activity_id and (done := await self.deps.store.handled_invoke(activity_id)):
            return AdaptiveCardInvokeResponse.model_validate(done)
        actor = actor_of(context)
        reference, _ = triage_actions.reference_from(data)
        request = await self.deps.store.get(reference)
        if request is None or request.requester.user_id != actor.user_id:
            raise NotAllowed(f"We could not find a request {reference} raised by you.")
        if request.status is not Status.AWAITING_INFORMATION:
            return message_response(
                f"{reference} is not waiting for an answer from you now. "
                f"Type status {reference} to see where it is."
            )
        outcome = await triage_actions.act(
            self.deps.store,
            actor,
            Action.ANSWER_INFO,
            {**data, "version": ""},
            self.deps.clock(),
            already_read=request,
        )
        if outcome.changed:
            self.deps.in_background(self.after_change(outcome, tell_requester=False))
        response = card_response(to_dict(build_answer_thanks_card(outcome.request)))
        if activity_id:
            await self.deps.store.remember_invoke(
                activity_id, response.model_dump(mode="json", by_alias=True, exclude_none=True)
            )
        return response

    async def after_change(self, outcome: Outcome, tell_requester: bool = True) -> None:
        """The slow part: everyone's card in the channel, then the requester's chat."""
        request = outcome.request
        try:
            await self.update_channel_card(request)
        except Exception:
            logger.exception("Could not update the triage card for %s", request.reference)
        if (
            tell_requester
            and outcome.before is not None
            and (outcome.before.status is not request.status or request.question)
        ):
            try:
                await self.tell_requester(outcome.before, request)
                if request.status is Status.DUPLICATE and request.duplicate_of:
                    await self.tell_original_requester(request)
            except Exception:
                logger.exception("Could not tell the requester about %s", request.reference)

    async def update_channel_card(self, request: DigitalRequest) -> None:
        channel = await self.deps.store.channel(TRIAGE)
        message_id = await self.deps.store.triage_message_id(request.reference)
        if channel is None or not message_id or message_id == "-":
            return
        await self.channel.replace_card(channel, message_id, await self.card_for(request, None))

    async def tell_original_requester(self, duplicate: DigitalRequest) -> None:
        original = await self.deps.store.get(duplicate.duplicate_of)
        if original is None or original.requester.user_id == duplicate.requester.user_id:
            return
        key = f"{original.reference}:joined:{duplicate.reference}"
        chat = await self.deps.store.personal_chat(original.requester.user_id)
        if chat is None or not await self.deps.store.claim_notification(key):
            return
        text = (
            f"IT triage found that {duplicate.reference} asks for the same thing as your "
            f"request {original.reference}, so the two are joined. Nothing changes for your "
            "request, and its priority may now show the wider need."
        )
        await self.channel.send_card(chat, to_dict(build_question_card(original, text)))

    async def tell_requester(self, before: DigitalRequest, after: DigitalRequest) -> None:
        key = f"{after.reference}:{len(after.history)}"
        chat = await self.deps.store.personal_chat(after.requester.user_id)
        if chat is None or not await self.deps.store.claim_notification(key):
            return
        gov = await self.deps.store.governance()
        text = triage.requester_message(
            after.reference,
            triage_actions.state_of(before),
            triage_actions.state_of(after),
            board_name(gov, after),
        )
        await self.channel.send_card(chat, to_dict(build_question_card(after, text)))
