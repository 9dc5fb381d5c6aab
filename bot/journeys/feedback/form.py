"""The feedback form, as data for the form engine: a rating from 1 to 5 and a comment.

The strategy gives the ICT Improvement Group the job of hearing users' feedback on
current IT; this is where people give it about the bot itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from bot.domain.forms import (
    Choice,
    FieldSpec,
    FormDefinition,
    Step,
    read_choice,
    read_text,
)

RATINGS: tuple[Choice, ...] = (
    Choice("5", "5: very good"),
    Choice("4", "4: good"),
    Choice("3", "3: neither good nor poor"),
    Choice("2", "2: poor"),
    Choice("1", "1: very poor"),
)
COMMENT_LIMIT = 2000

RATING = FieldSpec(
    "rating",
    "How good is Digital Front Door for you?",
    "choice",
    required=True,
    choices=RATINGS,
    noun="your rating",
    missing="Choose a rating from 1 to 5",
)
COMMENT = FieldSpec(
    "comment",
    "What should we keep, change or add?",
    "multiline",
    max_length=COMMENT_LIMIT,
    help="Please do not include anyone's personal details.",
    noun="your comment",
)


@dataclass(frozen=True)
class Feedback:
    rating: int  # 1 to 5
    comment: str


def build_feedback(values: Mapping[str, str], today: dt.date) -> Feedback:
    """Typed feedback from checked answers (the engine checks them first)."""
    return Feedback(
        rating=int(read_choice(RATING, values.get("rating", ""))),
        comment=read_text(COMMENT, values.get("comment", "")),
    )


FEEDBACK_FORM: FormDefinition[Feedback] = FormDefinition(
    key="feedback",
    title="Tell us what you think",
    steps=(
        Step(
            1,
            "Your feedback",
            "Your feedback goes to the ICT Improvement Group, which looks at what people "
            "think of the council's IT and what should improve. It takes a minute.",
            (RATING, COMMENT),
        ),
    ),
    build=build_feedback,
    review=False,
    noun="feedback form",
    start_command="feedback",
    submit_label="Send feedback",
)
