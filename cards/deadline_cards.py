"""Deadline reminders: the short card sent in chat when a stage's time runs on.

The owner of the stage hears at half and three quarters of the time allowed; at the
deadline the owner and whoever oversees the stage hear. The words carry the meaning:
the card is the same colour whatever the news.
"""

from __future__ import annotations

from dataclasses import dataclass

import microsoft_teams.cards as ac

from bot.domain.deadlines import STAGE_LABELS, Stage
from cards.elements import card, facts, heading, para, user_text

# What each milestone means, in words.
_GONE = {
    50: "Half the time for this has gone.",
    75: "Three quarters of the time for this has gone.",
    100: "The deadline for this has passed.",
}


@dataclass(frozen=True)
class ReminderNote:
    """What one person is told about one request's deadline."""

    reference: str
    title: str  # the requester's words
    stage: Stage
    milestone: int  # 50, 75 or 100
    target: str  # "5 working days" or "The meeting on Tuesday 8 December"
    time_left: str  # Clockface words
    what_to_do: str
    # For someone who oversees the stage: who has it, and whether we could reach them.
    owner_name: str = ""
    overseer: bool = False
    owner_unreachable: bool = False
    # For a deputy standing in for the owner today: whose deputy, and until when.
    deputy_for: str = ""
    deputy_until: str = ""  # "11 December 2026"


def _heading(note: ReminderNote) -> str:
    if note.milestone >= 100:
        return f"Deadline missed: {note.reference}"
    return f"Reminder: {note.reference} is due soon"


def _why_you(note: ReminderNote) -> list[ac.CardElement]:
    if note.deputy_for:
        return [
            user_text(
                f"You are standing in for {note.deputy_for} on the board until "
                f"{note.deputy_until}, so you are told too."
            )
        ]
    if not note.overseer:
        return []
    who = note.owner_name or "the person who has it"
    if note.owner_unreachable:
        return [user_text(f"We could not reach {who} in Teams, so we are telling you instead.")]
    return [user_text(f"You are told because you look after this stage. It is with {who}.")]


def build_reminder_card(note: ReminderNote) -> ac.AdaptiveCard:
    body: list[ac.CardElement] = [
        heading(_heading(note)),
        user_text(note.title, weight="Bolder", max_chars=200),
        para(_GONE.get(note.milestone, _GONE[100])),
        facts(
            [
                ("Request", note.reference),
                ("Stage", STAGE_LABELS[note.stage]),
                ("Target", note.target),
                ("Time left", note.time_left),
            ]
        ),
        *_why_you(note),
        para(note.what_to_do),
    ]
    return card(body, fallback=f"{_heading(note)}. {note.time_left}.")
