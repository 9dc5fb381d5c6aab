"""The weekly digest: each community's channel is told which questions still wait.

A question reaches the digest when it has waited through every nudge (its DIGEST step
is done and it still has no answer). Once a week, from the first working moment of the
configured day (the next working day when that is a bank holiday), each community
channel gets one card listing them, longest waiting first. A once key per community
per week makes it once, across restarts and processes.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import microsoft_teams.cards as ac

from bot.domain.communities import Community, NudgeOutcome, NudgeStep, Question, QuestionStatus
from bot.domain.text import long_date
from bot.domain.working_time import WorkingTime
from bot.journeys.communities.ports import CommunityStore
from bot.journeys.communities.shared import Shared
from cards.elements import card, heading, para, to_dict, user_text

logger = logging.getLogger(__name__)

SHOWN = 10  # questions listed on one digest card; the rest are counted


def week_due(hours: WorkingTime, weekday: int, now: dt.datetime) -> tuple[dt.datetime, str]:
    """When this week's digest is due (the first working moment of its day, or the next
    working day when that day is a holiday), and the week's name for the once key."""
    today = now.astimezone(hours.zone).date()
    day = today - dt.timedelta(days=today.weekday()) + dt.timedelta(days=weekday)
    starts = dt.datetime.combine(day, hours.day_starts, hours.zone)
    year, week, _ = day.isocalendar()
    return hours.next_working_moment(starts), f"{year}-W{week:02d}"


async def post_weekly(shared: Shared, now: dt.datetime) -> int:
    """This week's digest in each community channel that has not had it: how many posted.

    Only on the digest's day, from its first working moment; nothing for a community
    with nothing waiting (that week is then done for it: no card later that day).
    """
    hours = WorkingTime.from_config(shared.config)
    due, week = week_due(hours, shared.config.digest_weekday, now)
    if not due <= now or now.astimezone(hours.zone).date() != due.astimezone(hours.zone).date():
        return 0  # only on its day: a bot started on Thursday does not post it then
    store = await shared.store()
    waiting = await waiting_questions(store)
    posted = 0
    for community in await store.communities():
        purpose = shared.channel_purpose(community.id)
        if await shared.ctx.store.channel(purpose) is None:
            continue
        if not await shared.ctx.store.claim_notification(f"digest:{community.id}:{week}"):
            continue
        key = f"digest:{community.id}:{week}"
        mine = waiting.get(community.id, [])
        try:
            if mine:
                card = digest_card(community, mine, hours, now)
                if await shared.ctx.notifier.post(purpose, card) is not None:
                    posted += 1
        except BaseException:
            await shared.ctx.store.release_notification(key)
            raise
        await shared.ctx.store.notification_sent(key)
    return posted


async def waiting_questions(store: CommunityStore) -> dict[str, list[Question]]:
    """Open questions whose DIGEST step is done, by community, longest waiting first."""
    refs = {
        n.question_ref
        for n in await store.nudges()
        if n.step is NudgeStep.DIGEST and n.outcome is NudgeOutcome.DELIVERED
    }
    found: dict[str, list[Question]] = {}
    for ref in sorted(refs):
        question = await store.question(ref)
        if question is not None and question.status is QuestionStatus.OPEN:
            found.setdefault(question.community_id, []).append(question)
    for questions in found.values():
        questions.sort(key=lambda q: (q.routed_at or q.asked_at, q.reference))
    return found


def digest_card(
    community: Community, waiting: list[Question], hours: WorkingTime, now: dt.datetime
) -> dict[str, Any]:
    count = len(waiting)
    body: list[ac.CardElement] = [
        heading(f"Questions still waiting in {community.name}"),
        para(
            f"{count:,} question{'' if count == 1 else 's'} "
            f"{'has' if count == 1 else 'have'} had no answer, even after we asked "
            "champions and the community lead. Can you help? Answer on the question's "
            "card in this channel."
        ),
    ]
    for question in waiting[:SHOWN]:
        since = question.routed_at or question.asked_at
        days = _working_days(hours, since, now)
        body += [
            ac.TextBlock(text=question.reference, weight="Bolder", wrap=True, spacing="Medium"),
            user_text(question.text, max_chars=300),
            para(
                f"Asked on {long_date(since.astimezone(hours.zone).date())}. "
                f"Waiting {days} working day{'' if days == 1 else 's'}.",
                subtle=True,
            ),
        ]
    if count > SHOWN:
        more = count - SHOWN
        body.append(
            para(
                f"And {more:,} more. Type questions in this channel to see them all.",
                subtle=True,
            )
        )
    return to_dict(card(body, fallback=f"{count} questions still waiting in {community.name}."))


def _working_days(hours: WorkingTime, since: dt.datetime, now: dt.datetime) -> int:
    """Whole working days waited, counting the day it was asked as the first."""
    day = since.astimezone(hours.zone).date()
    last = now.astimezone(hours.zone).date()
    days = 0
    while day <= last:
        days += hours.is_working_day(day)
        day += dt.timedelta(days=1)
    return max(days, 1)
