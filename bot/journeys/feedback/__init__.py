"""Feedback: anyone rates the bot from 1 to 5 with an optional comment; admins see a
summary. The ICT Improvement Group's user-feedback role in the strategy."""

from __future__ import annotations

from bot import form_flow
from bot.domain.forms import FormView
from bot.errors import NotAllowed
from bot.form_actions import FormPress, form_actions, form_card
from bot.journey import ChatCommand, Journey, JourneyContext, Reply, Turn, card_reply
from bot.journeys.feedback.cards import build_summary_card, build_thanks_card
from bot.journeys.feedback.form import FEEDBACK_FORM, Feedback
from bot.journeys.feedback.personal_data import feedback_data
from bot.journeys.feedback.summary import Rated, summarise
from bot.ports import Record, RecordStore
from bot.privacy import ERASED_TEXT
from cards.elements import to_dict
from cards.form_card import build_form_card

KIND = "feedback"  # the kind of record kept for each
PAGE = 500
MOST = 100_000  # a summary reads at most this many, so it always ends


async def all_feedback(records: RecordStore) -> list[Rated]:
    rated: list[Rated] = []
    after = 0
    while len(rated) < MOST and (page := await records.records(KIND, after, PAGE)):
        for record in page:
            rating = record.data.get("rating")
            if isinstance(rating, int) and 1 <= rating <= 5:
                comment = str(record.data.get("comment", ""))
                shown = "" if comment == ERASED_TEXT else comment  # erased, or past its period
                rated.append(Rated(rating, shown, record.at))
        after = page[-1].seq
    return rated


def register(ctx: JourneyContext) -> Journey:
    store = ctx.store

    async def start(turn: Turn, _: str) -> None:
        view = await form_flow.start(FEEDBACK_FORM, store, turn.actor.user_id, ctx.now())
        await turn.send_card(to_dict(build_form_card(view)))

    async def send(turn: Turn, press: FormPress) -> Reply:
        owner = turn.actor.user_id
        now = ctx.now()
        checked = await form_flow.check(
            FEEDBACK_FORM, store, owner, press.draft_id, press.step, press.answers, now
        )
        if isinstance(checked, FormView):
            return form_card(checked)
        given: Feedback = checked.result
        data = {"rating": given.rating, "comment": given.comment}
        await store.add_record(Record(KIND, press.draft_id, owner, now, data))
        await store.delete_draft(owner, FEEDBACK_FORM.key)
        return card_reply(to_dict(build_thanks_card(given.rating)))

    async def summary(turn: Turn, _: str) -> None:
        if not ctx.is_admin(turn.actor):
            raise NotAllowed(
                "Only a Digital Front Door admin can see the feedback summary. "
                "Type feedback to give yours."
            )
        await turn.send_card(to_dict(build_summary_card(summarise(await all_feedback(store)))))

    return Journey(
        name="feedback",
        commands=(
            ChatCommand(
                "feedback",
                start,
                phrases=("feedback", "give feedback", "rate", "rate the bot"),
                help="Tell us what you think of this bot, from 1 to 5.",
            ),
            ChatCommand(
                "feedback summary",
                summary,
                phrases=("feedback summary", "feedback report", "show feedback"),
                help="Admins only. See what people think of this bot.",
                where="anywhere",
            ),
        ),
        actions=form_actions(FEEDBACK_FORM, ctx, send),
        personal_data=feedback_data(store),
    )
