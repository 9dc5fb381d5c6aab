"""Nudges: a waiting question reaches more champions, then the lead, then the weekly digest.

Every nudge is a stored row with its due time (it survives restarts), planned by
`bot.domain.nudge_plan` when the question is sent. A process sends only the nudges it
has leased (`claim_due`), so two bot processes never send one twice; the once key
given to the notifier is the nudge's id, so even a process that dies after sending
and before recording does not send it again. Before each send the question is read
again: once it has an answer, nothing more is sent. A champion who cannot be asked
when their nudge falls due (paused since, or Teams said they removed the bot) is
skipped, and the next fair pick is asked in their place.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import replace as dc_replace
from typing import Any

import microsoft_teams.cards as ac

from bot.domain import nudge_plan
from bot.domain.champions import can_be_asked, pick
from bot.domain.communities import (
    Champion,
    Community,
    Nudge,
    NudgeOutcome,
    NudgeStep,
    Question,
    QuestionStatus,
)
from bot.domain.working_time import WorkingTime
from bot.errors import BadCardData, NotAllowed
from bot.journey import CardAction, ChatCommand, JourneyContext, Part, Reply, Turn, card_reply
from bot.journeys.communities import digest, question_cards
from bot.journeys.communities.config import CommunityConfig
from bot.journeys.communities.ports import CommunityStore
from bot.journeys.communities.shared import Shared
from bot.notifier import Delivered
from bot.telemetry.steps import job
from cards.elements import card, facts, heading, para, to_dict

logger = logging.getLogger(__name__)

LEASE = dt.timedelta(minutes=10)  # long enough to send a batch within Teams' limits
LOOP_SECONDS = 5.0
MAX_ROUNDS = 50  # in one run_due: claim, send, then claim what those sends scheduled
CHAMPION_STEPS = (NudgeStep.CHAMPIONS, NudgeStep.MORE_CHAMPIONS)
PEOPLE_STEPS = (NudgeStep.CHAMPIONS, NudgeStep.MORE_CHAMPIONS, NudgeStep.LEAD)
ANSWERED = (QuestionStatus.ANSWERED, QuestionStatus.RESOLVED)  # nudging stops
STATS_DAYS = 30  # the `nudges` report looks back this far


def working_time(shared: Shared) -> WorkingTime:
    return _working_time(shared.config)


@functools.lru_cache(maxsize=4)
def _working_time(config: CommunityConfig) -> WorkingTime:
    """One per configuration: it keeps the bank holidays of the years it was asked about."""
    return WorkingTime.from_config(config)


def first_due(shared: Shared) -> dt.datetime:
    """When a question sent now first reaches champions: now in working time, else the
    next working moment (nobody is messaged at 11pm on a Saturday)."""
    return working_time(shared).next_working_moment(shared.ctx.now())


async def schedule_first(shared: Shared, question: Question) -> list[str]:
    """Pick champions fairly, keep the first wave (due at `first_due`) and the later
    steps; send what is due.

    Returns the user ids of the champions in the first wave. With nobody to ask, the
    lead's step (or the admins', for a community with no lead) comes first instead, so
    a question never waits for nobody. The first wave is sent after the turn's answer,
    in the background: Teams waits only seconds for it.
    """
    store = await shared.store()
    now = shared.ctx.now()
    due = first_due(shared)
    per_wave = shared.config.champions_per_wave
    first = await _pick(shared, store, question, set(), per_wave)
    asked = {c.user_id for c in first}
    more = await _pick(shared, store, question, asked, per_wave)
    community = await store.community(question.community_id)
    nudges = nudge_plan.first_wave(question, first, due)
    later = nudge_plan.later_steps(
        question,
        more,
        _leads(shared, community),
        question.routed_at or now,
        working_time(shared),
        shared.config.nudge_after_hours,
    )
    if not first:
        later = [dc_replace(n, due_at=due) if n.step is NudgeStep.LEAD else n for n in later]
    await store.schedule(nudges + later)
    shared.ctx.in_background(_logged(run_due(shared, f"ask-{uuid.uuid4().hex}")))
    return [c.user_id for c in first]


async def reopened(shared: Shared, question: Question) -> list[str]:
    """The asker said none of the answers helped: the ladder starts again from now.

    Champions not sent it before are nudged at once, the lead after N working hours and
    the weekly digest after 2N. This round's nudges have their own ids (the question's
    version names the round), so the first round's rows are kept as they were.
    """
    store = await shared.store()
    now = shared.ctx.now()
    before = {
        n.recipient_id
        for n in await store.nudges(question_ref=question.reference)
        if n.outcome is NudgeOutcome.DELIVERED
    }
    answered_by = {a.champion_id for a in await store.answers(question.reference)}
    fresh = await _pick(
        shared, store, question, before | answered_by, shared.config.champions_per_wave
    )
    community = await store.community(question.community_id)
    later = nudge_plan.later_steps(
        question,
        [],
        _leads(shared, community),
        now,
        working_time(shared),
        shared.config.nudge_after_hours,
    )
    # No more champions to wait for: the lead after N working hours, the digest after 2N.
    wt, hours = working_time(shared), shared.config.nudge_after_hours
    due = {NudgeStep.LEAD: wt.add(now, hours), NudgeStep.DIGEST: wt.add(now, 2 * hours)}
    round_name = f"again{question.version}"
    nudges = [
        dc_replace(n, id=f"{n.id}:{round_name}")
        for n in nudge_plan.first_wave(question, fresh, now)
    ]
    nudges += [
        dc_replace(n, id=f"{n.id}:{round_name}", due_at=due[n.step]) for n in later if n.step in due
    ]
    await store.schedule(nudges)
    shared.ctx.in_background(_logged(run_due(shared, f"again-{uuid.uuid4().hex}")))
    return [c.user_id for c in fresh]


async def answered(shared: Shared, question_ref: str, champion_id: str) -> None:
    """Someone answered or claimed it: nobody else is nudged, and their nudge counts as acted on."""
    store = await shared.store()
    await store.cancel_waiting(question_ref)
    if champion_id:
        await store.mark_acted(question_ref, champion_id, shared.ctx.now())


async def run_due(shared: Shared, owner: str) -> int:
    """Send every nudge due now that this process can lease: how many were delivered.

    A send that fails for a reason other than the person (Teams busy past its retries,
    say) gives its lease back at the end, so the next run tries it again.
    """
    store = await shared.store()
    delivered = 0
    failed: list[Nudge] = []
    for _ in range(MAX_ROUNDS):
        claimed = await store.claim_due(shared.ctx.now(), owner, LEASE)
        if not claimed:
            break
        for nudge in claimed:
            try:
                if await _send(shared, store, nudge, owner):
                    delivered += 1
            except Exception:
                logger.exception("Sending nudge %s failed; it will be tried again", nudge.id)
                failed.append(nudge)
    for nudge in failed:
        await store.finish(nudge.id, owner, NudgeOutcome.WAITING, shared.ctx.now())
    return delivered


async def _send(shared: Shared, store: CommunityStore, nudge: Nudge, owner: str) -> bool:
    now = shared.ctx.now()
    question = await store.question(nudge.question_ref)
    if question is None or question.status in ANSWERED:
        await store.cancel_waiting(nudge.question_ref)
        await store.finish(nudge.id, owner, NudgeOutcome.CANCELLED, now)
        return False
    if nudge.step is NudgeStep.DIGEST:
        # The question is now in its community's weekly digest, if it has a channel to
        # post it in; without one the digest reaches nobody, and the record says so.
        has_channel = await shared.ctx.store.channel(shared.channel_purpose(question.community_id))
        outcome = NudgeOutcome.DELIVERED if has_channel else NudgeOutcome.UNREACHABLE
        await store.finish(nudge.id, owner, outcome, now)
        return outcome is NudgeOutcome.DELIVERED
    community = await store.community(question.community_id)
    if nudge.step in CHAMPION_STEPS:
        champion = await store.champion(nudge.recipient_id, question.community_id)
        if champion is None or not can_be_asked(champion, question.community_id, _today(shared)):
            await store.finish(nudge.id, owner, NudgeOutcome.CANCELLED, now)
            await _replace(shared, store, question, nudge.step)
            return False
    card = await _card(shared, store, question, community, nudge)
    result = await shared.ctx.notifier.deliver(
        nudge.recipient_id,
        card,
        f"nudge:{nudge.id}",
        via=shared.channel_purpose(question.community_id),  # to make a chat, if none
    )
    if result in (Delivered.SENT, Delivered.ALREADY):
        return await store.finish(nudge.id, owner, NudgeOutcome.DELIVERED, now)
    if result is Delivered.UNREACHABLE:
        await store.mark_unreachable(nudge.recipient_id)
    await store.finish(nudge.id, owner, NudgeOutcome.UNREACHABLE, now)
    if nudge.step in CHAMPION_STEPS:
        await _replace(shared, store, question, nudge.step)
    return False


async def _replace(
    shared: Shared, store: CommunityStore, question: Question, step: NudgeStep
) -> None:
    """One champion could not be asked: the next one is, in their place."""
    asked = await _asked(store, question.reference)
    chosen = await _pick(shared, store, question, asked, 1)
    await _schedule_now(shared, store, question, step, [c.user_id for c in chosen])


async def _schedule_now(
    shared: Shared, store: CommunityStore, question: Question, step: NudgeStep, people: list[str]
) -> None:
    await store.schedule(
        [
            Nudge(
                id=nudge_plan.nudge_id(question.reference, step, person),
                question_ref=question.reference,
                step=step,
                recipient_id=person,
                due_at=shared.ctx.now(),
            )
            for person in people
        ]
    )


async def _asked(store: CommunityStore, question_ref: str) -> set[str]:
    """Everyone nudged, or due to be, about this question, at any step."""
    nudges = await store.nudges(question_ref)
    return {n.recipient_id for n in nudges if n.step in PEOPLE_STEPS}


async def _pick(
    shared: Shared, store: CommunityStore, question: Question, exclude: set[str], limit: int
) -> list[Champion]:
    today = _today(shared)
    since = shared.ctx.now() - dt.timedelta(days=shared.config.fairness_days)
    candidates = await store.champions(community_id=question.community_id)
    return pick(
        candidates,
        question.community_id,
        question.service_area,
        await store.sent_since(since),
        today,
        exclude | {question.asker_id},
        limit,
    )


def _today(shared: Shared) -> dt.date:
    return shared.ctx.now().astimezone(working_time(shared).zone).date()


async def _teams_ids(shared: Shared, user_ids: list[str]) -> list[str]:
    """The ids Teams matches a card's refresh list against: a person's Teams id, where we
    know it (from the people we have met, or the chat we keep with them)."""
    known = await shared.ctx.store.people(frozenset(user_ids))
    found = []
    for user_id in user_ids:
        teams_id = known[user_id][0] if user_id in known else ""
        if not teams_id:
            chat = await shared.ctx.store.personal_chat(user_id) or {}
            user = chat.get("user")
            teams_id = str(user.get("id") or "") if isinstance(user, Mapping) else ""
        found.append(teams_id or user_id)
    return found


async def _card(
    shared: Shared,
    store: CommunityStore,
    question: Question,
    community: Community | None,
    nudge: Nudge,
) -> dict[str, Any]:
    refresh_for = await _teams_ids(shared, [nudge.recipient_id])
    note = ""
    if nudge.step is NudgeStep.LEAD:
        note = await _lead_note(shared, store, question)
    return question_cards.champion_card(
        question,
        community,
        question.asker_name,
        await store.answers(question.reference),
        refresh_for=refresh_for,
        nudge_step=nudge.step.value,
        note=note,
    )


def _leads(shared: Shared, community: Community | None) -> list[str]:
    """Who gets the lead's step: the community's lead, or the admins while it has none,
    so a question nobody can answer is never left with nobody told."""
    if community is not None and community.lead_id:
        return [community.lead_id]
    return sorted(shared.ctx.admin_ids)


async def _lead_note(shared: Shared, store: CommunityStore, question: Question) -> str:
    """Who was asked, and how long the question has waited, in working hours."""
    asked = [
        n
        for n in await store.nudges(question.reference)
        if n.step in CHAMPION_STEPS and n.outcome is NudgeOutcome.DELIVERED
    ]
    names = await _names(shared, store, question.community_id, [n.recipient_id for n in asked])
    since = question.routed_at or question.asked_at
    waited = working_time(shared).working_hours_between(since, shared.ctx.now())
    hours = f"{waited:.0f} working hour" + ("" if round(waited) == 1 else "s")
    who = f"We asked {_listed(names)}." if names else "No champion could be asked."
    community = await store.community(question.community_id)
    stand_in = (
        ""
        if community is not None and community.lead_id
        else " This community has no lead yet, so we are asking you as an admin."
        " Type community lead and the community's name to choose one."
    )
    return f"{who} It has waited {hours} without an answer.{stand_in}"


async def _names(
    shared: Shared, store: CommunityStore, community_id: str, user_ids: list[str]
) -> list[str]:
    champions = {c.user_id: c.name for c in await store.champions(community_id=community_id)}
    return sorted(champions.get(u, "a champion") for u in user_ids)


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


async def _logged(work: Any) -> None:
    try:
        await work
    except Exception:
        logger.exception("Sending nudges failed; the nudge loop will try again")


# Seen: Teams' refresh invoke when someone on the card's list opens it.


@dataclass(frozen=True)
class Seen:
    reference: str


def parse_seen(data: Mapping[str, Any]) -> Seen:
    reference = data.get("reference")
    if not isinstance(reference, str) or not reference.strip() or len(reference) > 40:
        raise BadCardData("That card is not one I recognise. Nothing has changed.")
    return Seen(reference.strip())


def seen_handler(shared: Shared) -> Any:
    async def handle(turn: Turn, command: Seen) -> Reply:
        """Records when the person (from the Activity, never the card) first opened it, and
        answers with the current card, as a refresh must."""
        store = await shared.store()
        question = await store.question(command.reference)
        if question is None:
            raise BadCardData("That question is not one I know. Nothing has changed.")
        mine = await store.nudges(question.reference, turn.actor.user_id)
        if not mine:  # Teams refreshes a nudge only for the person it was sent to
            raise NotAllowed("That card was not sent to you. Nothing has changed.")
        await store.mark_seen(question.reference, turn.actor.user_id, shared.ctx.now())
        step = mine[-1].step.value
        community = await store.community(question.community_id)
        return card_reply(
            question_cards.champion_card(
                question,
                community,
                question.asker_name,
                await store.answers(question.reference),
                refresh_for=[turn.actor.teams_id or turn.actor.user_id],
                nudge_step=step,
            )
        )

    return handle


# How nudges land: for community leads and admins.


@dataclass
class Tally:
    sent: int = 0
    delivered: int = 0
    seen: int = 0
    acted: int = 0


async def tallies(
    store: CommunityStore, community_ids: set[str], since: dt.datetime, now: dt.datetime
) -> dict[str, Tally]:
    """Nudges to people that fell due since then, by community."""
    found = {community_id: Tally() for community_id in community_ids}
    places: dict[str, str] = {}
    for nudge in await store.nudges():
        if nudge.step not in PEOPLE_STEPS or not since <= nudge.due_at <= now:
            continue
        if nudge.outcome not in (NudgeOutcome.DELIVERED, NudgeOutcome.UNREACHABLE):
            continue
        if nudge.question_ref not in places:
            question = await store.question(nudge.question_ref)
            places[nudge.question_ref] = question.community_id if question else ""
        tally = found.get(places[nudge.question_ref])
        if tally is None:
            continue
        tally.sent += 1
        tally.delivered += nudge.outcome is NudgeOutcome.DELIVERED
        tally.seen += nudge.seen_at is not None
        tally.acted += nudge.acted_at is not None
    return found


def report_card(rows: list[tuple[Community, Tally]]) -> dict[str, Any]:
    body: list[ac.CardElement] = [
        heading("How nudges landed"),
        para(f"Nudges we sent to champions and leads in the last {STATS_DAYS} days."),
    ]
    for community, tally in rows:
        body += [
            heading(community.name, size="Medium"),
            facts(
                [
                    ("Sent", f"{tally.sent:,}"),
                    ("Delivered", f"{tally.delivered:,}"),
                    ("Opened", f"{tally.seen:,}"),
                    ("Answered or claimed", f"{tally.acted:,}"),
                ]
            ),
        ]
    body.append(
        para(
            "Delivered means Teams accepted the message. Opened is counted when Teams tells "
            "us someone opened the card, which it does not always do. Answered or claimed "
            "means the person answered the question, or said they would call.",
            subtle=True,
        )
    )
    return to_dict(card(body, fallback="How nudges landed."))


def report_command(shared: Shared) -> Any:
    async def run(turn: Turn, _: str) -> None:
        store = await shared.store()
        communities = await _communities_for(shared, turn)
        now = shared.ctx.now()
        since = now - dt.timedelta(days=STATS_DAYS)
        found = await tallies(store, {c.id for c in communities}, since, now)
        await turn.send_card(report_card([(c, found[c.id]) for c in communities]))

    return run


async def _communities_for(shared: Shared, turn: Turn) -> list[Community]:
    """In a community's channel, that community; elsewhere, those the person leads (or
    all of them, for an admin). Refused for anyone else."""
    store = await shared.store()
    everyone = await store.communities()
    admin = shared.ctx.is_admin(turn.actor)
    if turn.where == "channel":
        here = _channel_of(turn.activity.conversation.id if turn.activity.conversation else "")
        for community in everyone:
            channel = await shared.ctx.store.channel(shared.channel_purpose(community.id))
            if channel is not None and _channel_of(_conversation_id(channel)) == here:
                if admin or community.lead_id == turn.actor.user_id:
                    return [community]
                raise NotAllowed(
                    f"Only the lead of {community.name} and admins can see how nudges land."
                )
        raise NotAllowed(
            "This channel is not a community's channel. Type nudges in your community's "
            "channel, or in your chat with me."
        )
    mine = [c for c in everyone if admin or c.lead_id == turn.actor.user_id]
    if not mine:
        raise NotAllowed("Only community leads and admins can see how nudges land.")
    return mine


def _channel_of(conversation_id: str) -> str:
    return (conversation_id or "").partition(";messageid=")[0]


def _conversation_id(reference: Mapping[str, Any]) -> str:
    conversation = reference.get("conversation") or {}
    return str(conversation.get("id", "")) if isinstance(conversation, Mapping) else ""


def part(ctx: JourneyContext, shared: Shared) -> Part:
    owner = f"nudges-{uuid.uuid4().hex}"  # this process, for the store's leases

    async def loop() -> None:
        while True:
            await asyncio.sleep(LOOP_SECONDS)
            try:
                with job("nudges"):
                    await run_due(shared, owner)
                    await digest.post_weekly(shared, ctx.now())
            except Exception:
                logger.exception("The nudge loop failed; it will try again")

    return Part(
        commands=(
            ChatCommand(
                "nudges",
                report_command(shared),
                menu_rank=3,
                phrases=("nudges", "nudge report"),
                audience="champions",
                help="For community leads: see whether nudges reach champions and get answered.",
                where="anywhere",
            ),
        ),
        actions=(CardAction(question_cards.SEEN, parse_seen, seen_handler(shared)),),
        loops=(loop,),
    )
