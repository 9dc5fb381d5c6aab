"""The request form again, to change a sent request's answers while IT triage has it."""

from __future__ import annotations

import dataclasses
import datetime as dt

from bot.domain.forms import FormDefinition
from bot.domain.model import RequestDetails
from bot.journeys.intake.form import REQUEST_FORM

# Kept in the change draft beside the answers: the request being changed. No card input
# has this name, so card data can never set it; only opening the form does.
TARGET = "__reference"

CHANGE_FORM: FormDefinition[RequestDetails] = dataclasses.replace(
    REQUEST_FORM,
    key="request_change",
    title="Change your request",
    noun="change to your request",
    start_command="change and the request's reference",
    resume_command="change",
    submit_label="Send changes",
    review_note="When you send your changes, the priority score and where the request goes "
    "are worked out again. IT triage sees what you changed.",
)


def _as_typed(value: object) -> str:
    """One answer as the form's inputs send it, so the form opens filled in."""
    match value:
        case None:
            return ""
        case bool():
            return "true" if value else "false"
        case dt.date():
            return value.isoformat()
        case tuple():
            return ",".join(str(item) for item in value)
    return str(value)


def answers_of(details: RequestDetails) -> dict[str, str]:
    """A sent request's answers as a draft keeps them."""
    return {name: _as_typed(value) for name, value in dataclasses.asdict(details).items()}
