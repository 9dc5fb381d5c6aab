"""Recognising the people who help: the leaderboard and each community's monthly digest.

Points come only from what other people confirmed (a best answer, a "helped me too"),
never from how many answers someone wrote; the numbers are configuration
(COMMUNITY_POINTS) and the cards say the rules in words. The monthly digest goes to
each community's channel on the first working day of the month, once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from zoneinfo import ZoneInfo

import microsoft_teams.cards as ac

from bot.domain import recognition as maths
from bot.domain.communities import Answer, Community, Question
from bot.domain.text import long_date, month_and_year
from bot.domain.working_time import WorkingTime
from bot.journey import ChatCommand, JourneyContext, Turn
from bot.journeys.communities.config import Points
from bot.journeys.communities.shared import Shared
from bot.telemetry.steps import job
from cards.elements import card, facts, heading, para, run, to_dict

logger = logging.getLogger(__name__)

LOOP_EVERY = 15 * 60.0  # seconds between looks for a digest due
PAGE = 200
LEADERS = 10
LATE_BY = dt.timedelta(days=7)


def _points(number: int) -> str:
    return "1 point" if number == 1 else f"{number} points"


def rules_in_words(points: Points) -> str:
    return (
        f"You get {_points(points.best_answer)} when an asker picks your answer as best, "
        f"and {points.helped_too} when someone says it helped them too. "
        "Answering alone earns no points."
    )


def _leader_lines(rows: list[maths.LeaderRow]) -> list[ac.CardElement]:
    lines: list[ac.CardElement] = []
    for place, row in enumerate(rows, start=1):
        why = []
        if row.best_answers:
            why.append(
                "1 best answer" if row.best_answers == 1 else f"{row.best_answers} best answers"
            )
        if row.helped:
            why.append("helped 1 other" if row.helped == 1 else f"helped {row.helped} others")
        # The name as Teams gave it, in a TextRun: never Markdown.
        lines.append(
            ac.RichTextBlock(
                inlines=[
                    run(f"{place}. "),
                    run(row.name or "Someone", "Bolder"),
                    run(f": {_points(row.points)} ({', '.join(why)})"),
                ]
            )
        )
    return lines


def leaderboard_card(
    title: str,
    this_month: list[maths.LeaderRow],
    all_time: list[maths.LeaderRow],
    month: str,
    points: Points,
) -> ac.AdaptiveCard:
    body: list[ac.CardElement] = [heading(title), para(rules_in_words(points))]
    for section, rows in ((f"This month, {month}", this_month), ("All time", all_time)):
        body.append(heading(section, size="Medium"))
        body += _leader_lines(rows) or [para("Nobody has points yet.")]
    return card(body, fallback=title)


def digest_card(
    community: Community, digest: maths.MonthlyDigest, month: str, points: Points
) -> ac.AdaptiveCard:
    title = f"{community.name}: how {month} went"
    wait = maths.in_words(digest.median_first_answer)
    body: list[ac.CardElement] = [
        heading(title),
        facts(
            [
                ("Questions answered", str(digest.questions_answered)),
                ("Best answers chosen", str(digest.best_answers)),
                ("Typical wait for a first answer", wait),
            ]
        ),
    ]
    if digest.median_first_answer is not None:
        body.append(para("Half of the questions waited less than this for a first answer."))
    body.append(heading("Who helped most", size="Medium"))
    body += _leader_lines(list(digest.helped_most)) or [
        para("Nobody earned points this month. Mark the answers that help you.")
    ]
    body.append(para(rules_in_words(points), subtle=True))
    body.append(para("Thank you to everyone who answered a question."))
    return card(body, fallback=title)


async def community_answers(
    shared: Shared, community_id: str
) -> tuple[list[Question], list[Answer]]:
    """Every question of one community and every answer to them."""
    store = await shared.store()
    questions: list[Question] = []
    after = ""
    while page := await store.questions(community_id=community_id, limit=PAGE, after=after):
        questions += page
        after = page[-1].reference
        if len(page) < PAGE:
            break
    answers: list[Answer] = []
    for question in questions:
        answers += await store.answers(question.reference)
    return questions, answers


def _month_start(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime(day.year, day.month, 1, tzinfo=zone).astimezone(dt.UTC)


def _previous_month(day: dt.date) -> dt.date:
    first = day.replace(day=1)
    return (first - dt.timedelta(days=1)).replace(day=1)


def first_working_day(day: dt.date, working: WorkingTime) -> dt.date:
    first = day.replace(day=1)
    while not working.is_working_day(first):
        first += dt.timedelta(days=1)
    return first


async def post_monthly_digests(shared: Shared) -> int:
    """On the first working day of a month (or within a week after, if the bot was down),
    last month's digest to each community's channel, once per community per month.
    Returns how many were posted."""
    ctx, config = shared.ctx, shared.config
    zone = ZoneInfo(config.timezone)
    today = ctx.now().astimezone(zone).date()
    first = first_working_day(today, WorkingTime.from_config(config))
    if not first <= today < first + LATE_BY:
        return 0  # a process down on the day still posts that week; never weeks late
    last = _previous_month(today)
    start, end = _month_start(last, zone), _month_start(today, zone)
    posted = 0
    store = await shared.store()
    for community in await store.communities():
        purpose = shared.channel_purpose(community.id)
        if await ctx.store.channel(purpose) is None:
            continue  # no channel yet: nothing is claimed, so it goes once one is registered
        key = f"community.monthly:{community.id}:{last:%Y-%m}"
        if not await ctx.store.claim_notification(key):
            continue
        try:
            questions, answers = await community_answers(shared, community.id)
            digest = maths.monthly_digest(
                questions, answers, community.id, start, end, config.points
            )
            body = to_dict(digest_card(community, digest, month_and_year(last), config.points))
            if await ctx.notifier.post(purpose, body) is not None:
                posted += 1
        except BaseException:
            await ctx.store.release_notification(key)
            raise
        await ctx.store.notification_sent(key)
    return posted


class Recognition:
    def __init__(self, ctx: JourneyContext, shared: Shared) -> None:
        self.ctx = ctx
        self.shared = shared

    def commands(self) -> tuple[ChatCommand, ...]:
        return (
            ChatCommand(
                "leaderboard",
                self.leaderboard,
                phrases=("leaderboard", "leader board", "points"),
                prefixes=("leaderboard ",),
                help="See who helped most, this month and all time.",
                example="leaderboard or leaderboard <community>",
                where="anywhere",
            ),
        )

    async def leaderboard(self, turn: Turn, typed: str) -> None:
        from bot.journeys.communities.champions import match_community

        store = await self.shared.store()
        communities = await store.communities()
        one = match_community(communities, typed) if typed.strip() else None
        one = one or await self.channel_community(turn, communities)
        if one is not None:
            chosen, title = [one], f"Leaderboard: {one.name}"
        else:
            chosen, title = communities, "Leaderboard: all communities"
        answers: list[Answer] = []
        for community in chosen:
            answers += (await community_answers(self.shared, community.id))[1]
        config = self.shared.config
        zone = ZoneInfo(config.timezone)
        today = self.ctx.now().astimezone(zone).date()
        since = _month_start(today, zone)
        this_month = maths.leaderboard(answers, config.points, since, LEADERS)
        ever = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
        all_time = maths.leaderboard(answers, config.points, ever, LEADERS)
        month = f"from {long_date(today.replace(day=1))}"
        await turn.send_card(
            to_dict(leaderboard_card(title, this_month, all_time, month, config.points))
        )

    async def channel_community(self, turn: Turn, communities: list[Community]) -> Community | None:
        """The community whose channel this is, if it is one: its own leaderboard first."""
        if not turn.in_channel or turn.activity.conversation is None:
            return None
        here = str(turn.activity.conversation.id or "").split(";messageid=")[0]
        for community in communities:
            channel = await self.ctx.store.channel(self.shared.channel_purpose(community.id))
            if channel and channel.get("conversation", {}).get("id") == here:
                return community
        return None

    async def loop(self) -> None:
        while True:
            try:
                with job("monthly_digests"):
                    await post_monthly_digests(self.shared)
            except Exception:
                logger.exception("Posting the monthly digests failed")
            await asyncio.sleep(LOOP_EVERY)
