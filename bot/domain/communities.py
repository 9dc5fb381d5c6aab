"""Communities of practice, their champions, and the questions staff ask them: plain data.

The strategy (Priority 1) asks the council to use cross-functional communities of
practice such as digital champions. A community has a lead and a Teams channel;
champions volunteer and the lead approves them; staff ask questions, champions answer,
and accepted answers join the knowledge base that the next person's question searches.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True)
class Community:
    id: str  # a short slug: "power-platform"
    name: str  # "Power Platform"
    description: str  # one plain sentence: what it helps with
    keywords: tuple[str, ...]  # words that suggest a question belongs here
    lead_id: str = ""  # the lead's Entra object id; "" until someone is named lead
    lead_name: str = ""


class ChampionStatus(StrEnum):
    PENDING = "pending"  # volunteered; the lead has not decided
    APPROVED = "approved"
    DECLINED = "declined"


@dataclass(frozen=True)
class Champion:
    """One person's place in one community. A person may champion several communities."""

    user_id: str  # Entra object id where Teams gives one
    community_id: str
    name: str
    service_area: str  # where they work: "Housing", "Revenues and benefits"...
    can_help_with: str  # their own line: "Excel, Forms and Power Automate flows"
    status: ChampionStatus
    volunteered_at: dt.datetime
    decided_by: str = ""  # who approved or declined
    paused_until: dt.date | None = None  # paused to the end of this day; None if not paused
    paused: bool = False  # paused with no end date when True and paused_until is None
    pause_reason: str = ""  # "leave", "busy"
    unreachable: bool = False  # Teams said 403: they blocked or removed the bot
    from_group: str = ""  # the Entra group id they were added with, if any


class QuestionStatus(StrEnum):
    SEARCHING = "searching"  # shown matches; the asker has not said whether they helped
    OPEN = "open"  # sent to a community and its champions; no answer yet
    ANSWERED = "answered"  # at least one answer; the asker has not chosen the best one
    RESOLVED = "resolved"  # the asker marked a best answer, or a found answer helped


@dataclass(frozen=True)
class Question:
    reference: str  # "Q-2026-0001", unique, from a counter per year
    asker_id: str
    asker_name: str
    text: str
    community_id: str  # "" until chosen
    service_area: str
    status: QuestionStatus
    asked_at: dt.datetime
    routed_at: dt.datetime | None = None
    first_answer_at: dt.datetime | None = None
    resolved_at: dt.datetime | None = None
    best_answer_id: str = ""
    channel_message_id: str = ""  # the question's card in the community channel (thread root)
    answered_by_entry: str = ""  # the knowledge entry that answered it from search, if any
    version: int = 0  # for conditional updates: bumped on every save


class AnswerKind(StrEnum):
    WRITTEN = "written"  # typed on the card
    CALL = "call"  # the champion claimed it to answer in a call


@dataclass(frozen=True)
class Answer:
    id: str
    question_ref: str
    champion_id: str
    champion_name: str
    text: str
    kind: AnswerKind
    at: dt.datetime
    best: bool = False
    helped_count: int = 0  # "this helped me too", from people other than the asker


@dataclass(frozen=True)
class KnowledgeEntry:
    """An accepted answer, found by the next person's question."""

    id: str
    question: str
    answer: str
    community_id: str
    tags: tuple[str, ...]
    answered_by: str  # the champion's name
    added_at: dt.datetime
    review_on: dt.date  # the lead is asked, from this day, whether it still holds
    source_question: str = ""  # the question reference it came from, if any
    best_count: int = 0  # times chosen as the best answer
    helped_count: int = 0  # times someone said it helped them too
    retired: bool = False


class NudgeStep(StrEnum):
    CHAMPIONS = "champions"  # the first matching champions, when the question is sent
    MORE_CHAMPIONS = "more_champions"  # the next matching champions
    LEAD = "lead"  # the community lead
    DIGEST = "digest"  # it goes in the community's weekly digest


class NudgeOutcome(StrEnum):
    WAITING = "waiting"  # due, not sent yet
    DELIVERED = "delivered"
    UNREACHABLE = "unreachable"  # Teams said 403, or no chat could be made
    CANCELLED = "cancelled"  # the question was answered first


@dataclass(frozen=True)
class Nudge:
    id: str  # f"{question_ref}:{step}:{recipient_id}": one per person per step
    question_ref: str
    step: NudgeStep
    recipient_id: str
    due_at: dt.datetime
    outcome: NudgeOutcome = NudgeOutcome.WAITING
    sent_at: dt.datetime | None = None
    seen_at: dt.datetime | None = None  # Teams' refresh invoke when they opened the card
    acted_at: dt.datetime | None = None  # they answered or claimed it
