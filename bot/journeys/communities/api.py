"""The communities journey in the REST API: the questions still waiting for an answer,
and the communities of practice, a page at a time.

"Waiting" means what the `questions` command in a community's channel shows: sent to a
community, with no answer the asker can use yet. Who asked is not shown: the channel's
card does not show it either.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import cast

from pydantic import Field

from bot.api.models import ApiModel, PageOf
from bot.api.operations import (
    REQUESTS_READ,
    ApiCall,
    ApiOperation,
    ApiResult,
    FieldProblem,
    Problem,
)
from bot.api.paging import NOT_OURS, cursor, next_link, read_cursor
from bot.api.problems import invalid
from bot.domain.communities import AnswerKind, Community, Question, QuestionStatus
from bot.journey import JourneyContext, Part
from bot.journeys.communities.nudging import working_time
from bot.journeys.communities.shared import Shared

PAGE_MOST = 100
_QUESTION = re.compile(r"Q-[0-9]{4}-[0-9]{4,9}")


class PageQuery(ApiModel):
    top: int = Field(default=25, ge=1, le=PAGE_MOST, description="How many on a page (1 to 100).")
    after: str | None = Field(
        default=None,
        max_length=400,
        description="Where the next page starts: leave it out for the first page. The "
        "nextLink of a page has it.",
    )


class QuestionsQuery(PageQuery):
    community: str | None = Field(
        default=None,
        max_length=100,
        description="Only this community's questions: its id, like 'power-platform'. "
        "Leave it out for every community.",
    )


class QuestionOut(ApiModel):
    """A question waiting for an answer, as the community's channel shows it."""

    reference: str = Field(description="The question's reference, like Q-2026-0042.")
    community: str = Field(description="The id of the community it was sent to.")
    community_name: str = Field(description="The name of the community it was sent to.")
    text: str = Field(description="The question, as it was asked.")
    service_area: str = Field(description="Where the person who asked works.")
    asked_at: dt.datetime = Field(description="When it was asked (UTC).")
    sent_at: dt.datetime = Field(description="When it was sent to the community (UTC).")
    working_hours_waiting: float = Field(
        description="How long it has waited since it was sent, in working hours."
    )
    answers: int = Field(description="How many answers it has had so far.")
    claimed_by: str = Field(
        description="Champions who said they will call to help, by name. Empty if none."
    )


class QuestionPage(PageOf[QuestionOut]):
    pass


class CommunityOut(ApiModel):
    id: str = Field(description="The community's id, like 'power-platform'.")
    name: str = Field(description="The community's name.")
    description: str = Field(description="What it helps with.")
    lead_name: str = Field(description="The name of its lead. Empty if none is named yet.")
    channel_registered: bool = Field(description="True if it has a Teams channel set up.")


class CommunityPage(PageOf[CommunityOut]):
    pass


# ---- Questions ------------------------------------------------------------------------------


def unknown_community(given: str, communities: list[Community]) -> Problem:
    ids = ", ".join(sorted(c.id for c in communities))
    return invalid(
        FieldProblem(
            "community",
            f"There is no community '{given[:40]}'. Use one of these ids: {ids}.",
        )
    )


async def question_out(
    shared: Shared, question: Question, names: dict[str, str], now: dt.datetime
) -> QuestionOut:
    answers = await (await shared.store()).answers(question.reference)
    sent = question.routed_at or question.asked_at
    hours = working_time(shared).working_hours_between(sent, now)
    claimed = [a.champion_name for a in answers if a.kind is AnswerKind.CALL]
    return QuestionOut(
        reference=question.reference,
        community=question.community_id,
        community_name=names.get(question.community_id, question.community_id),
        text=question.text,
        service_area=question.service_area,
        asked_at=question.asked_at,
        sent_at=sent,
        working_hours_waiting=round(hours, 1),
        answers=len(answers),
        claimed_by=", ".join(dict.fromkeys(claimed)),
    )


def operations(ctx: JourneyContext, shared: Shared) -> tuple[ApiOperation, ...]:
    async def list_waiting(call: ApiCall) -> ApiResult:
        query = cast(QuestionsQuery, call.query)
        store = await shared.store()
        communities = await store.communities()
        names = {c.id: c.name for c in communities}
        community = (query.community or "").strip() or None
        if community is not None and community not in names:
            raise unknown_community(community, communities)
        after = read_cursor("questions", query.after, 1)
        if after is not None and not _QUESTION.fullmatch(after[0]):
            raise invalid(FieldProblem("after", NOT_OURS))
        found = await store.questions(
            status=QuestionStatus.OPEN.value,
            community_id=community,
            limit=query.top + 1,
            after=after[0] if after else "",
        )
        shown = found[: query.top]
        now = ctx.now()
        link = None
        if len(found) > query.top:
            link = next_link(
                call,
                "/questions",
                community=community,
                top=query.top,
                after=cursor("questions", shown[-1].reference),
            )
        value = [await question_out(shared, q, names, now) for q in shown]
        return ApiResult(200, QuestionPage(value=value, next_link=link))

    async def list_communities(call: ApiCall) -> ApiResult:
        query = cast(PageQuery, call.query)
        store = await shared.store()
        ordered = sorted(await store.communities(), key=lambda c: (c.name, c.id))
        after = read_cursor("communities", query.after, 2)
        if after is not None:
            ordered = [c for c in ordered if (c.name, c.id) > after]
        shown = ordered[: query.top]
        link = None
        if len(ordered) > query.top:
            last = shown[-1]
            link = next_link(
                call, "/communities", top=query.top, after=cursor("communities", last.name, last.id)
            )
        value = []
        for c in shown:
            channel = await ctx.store.channel(shared.channel_purpose(c.id))
            value.append(
                CommunityOut(
                    id=c.id,
                    name=c.name,
                    description=c.description,
                    lead_name=c.lead_name,
                    channel_registered=channel is not None,
                )
            )
        return ApiResult(200, CommunityPage(value=value, next_link=link))

    return (
        ApiOperation(
            operation_id="ListWaitingQuestions",
            method="GET",
            path="/questions",
            summary="List questions waiting for an answer",
            description="Lists the questions sent to a community that are still waiting "
            "for an answer, oldest first, a page at a time. Who asked is not shown.",
            tag="Questions",
            handler=list_waiting,
            role=REQUESTS_READ,
            query=QuestionsQuery,
            response=QuestionPage,
            param_visibility={"top": "advanced", "after": "internal"},
            problems={422: "There is no community with that id, or the page is not this list's."},
            dynamic_values={"community": ("ListCommunities", "id", "name")},
        ),
        ApiOperation(
            operation_id="ListCommunities",
            method="GET",
            path="/communities",
            summary="List communities",
            description="Lists the communities of practice, with their lead and whether "
            "they have a Teams channel set up.",
            tag="Questions",
            handler=list_communities,
            role=REQUESTS_READ,
            query=PageQuery,
            response=CommunityPage,
            param_visibility={"top": "advanced", "after": "internal"},
            problems={422: "The page asked for is not one of this list's."},
        ),
    )


def part(ctx: JourneyContext, shared: Shared) -> Part:
    return Part(operations=operations(ctx, shared))
