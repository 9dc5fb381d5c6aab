"""What the feedback journey holds about people: each rating and comment, kept as a
"feedback" record under the person who gave it. Past its period the comment and the link
to the person go, and the rating stays for the summary's counts."""

from __future__ import annotations

from bot.domain.retention import RetentionKind
from bot.privacy_records import RecordKeeper, RecordKindData, RecordSpec

KIND = "feedback"  # as the journey keeps it (feedback/__init__.py KIND)

FEEDBACK = RecordSpec(
    kind=KIND,
    journey="feedback",
    what="Feedback on the bot",
    retention=RetentionKind.FEEDBACK,
    text_fields=("comment",),
    labels={"rating": "Rating (1 to 5)", "comment": "Comment"},
)


def feedback_data(store: RecordKeeper) -> RecordKindData:
    return RecordKindData(store, (FEEDBACK,))
