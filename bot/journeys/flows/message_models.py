"""What a flow sends to SendMessage, and what it is told back.

The caller gives words, never card JSON: we build the card (message_card.py), so a
flow cannot make a card that looks like the bot's own or hides a link.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, StringConstraints, field_validator, model_validator

from bot.api.models import ApiModel
from bot.domain.text import clean_text, one_line

MOST_FACTS = 10

Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class MessageTo(ApiModel):
    """Who gets the card: give requesterOf or channel, not both."""

    requester_of: str | None = Field(
        default=None,
        max_length=40,
        description="A request's reference, like DR-2026-0042: the card goes to the person "
        "who raised it, in their chat with the bot.",
    )
    channel: str | None = Field(
        default=None,
        max_length=80,
        description="A channel registered with the bot: 'triage', a board's key like 'ddc', "
        "or a community's id like 'm365-teams'.",
    )

    @model_validator(mode="after")
    def one_target(self) -> MessageTo:
        given = [name for name in (self.requester_of, self.channel) if name is not None]
        if len(given) != 1:
            raise ValueError("Give either requesterOf or channel, not both and not neither.")
        return self


class MessageFact(ApiModel):
    name: Annotated[Line, StringConstraints(max_length=60)] = Field(
        description="What the fact is, like 'Due date'."
    )
    value: Annotated[Line, StringConstraints(max_length=300)] = Field(
        description="The fact itself, like '31 March 2027'."
    )

    @field_validator("name", "value")
    @classmethod
    def _one_line(cls, text: str) -> str:
        return _not_blank(one_line(text))


class MessageLink(ApiModel):
    title: Annotated[Line, StringConstraints(max_length=40)] = Field(
        description="The words on the button, like 'Open the plan'."
    )
    url: Annotated[Line, StringConstraints(max_length=2000)] = Field(
        description="Where the button goes. It must start with https://."
    )

    @field_validator("title")
    @classmethod
    def _one_line(cls, text: str) -> str:
        return _not_blank(one_line(text))

    @field_validator("url")
    @classmethod
    def _https(cls, url: str) -> str:
        return safe_url(url)


class SendMessageBody(ApiModel):
    to: MessageTo = Field(description="Who gets the card: a request's requester, or a channel.")
    title: Annotated[Line, StringConstraints(max_length=120)] = Field(
        description="The card's title."
    )
    text: Annotated[Line, StringConstraints(max_length=2000)] = Field(
        description="The message, as plain text. Line breaks are kept. Formatting such as "
        "bold or links is shown as typed."
    )
    facts: list[MessageFact] = Field(
        default_factory=list,
        max_length=MOST_FACTS,
        description="Up to 10 name and value pairs, shown under the message.",
    )
    link: MessageLink | None = Field(
        default=None, description="A button that opens a web page (https only)."
    )

    @field_validator("title")
    @classmethod
    def _title(cls, text: str) -> str:
        return _not_blank(one_line(text))

    @field_validator("text")
    @classmethod
    def _text(cls, text: str) -> str:
        return _not_blank(clean_text(text))

    @field_validator("facts", mode="before")
    @classmethod
    def _few_facts(cls, facts: Any) -> Any:
        if isinstance(facts, list) and len(facts) > MOST_FACTS:
            raise ValueError(f"Give {MOST_FACTS} facts or fewer.")
        return facts


Status = Literal["sent", "already_sent"]  # when nothing was sent, the answer is a problem (409)


class MessageAccepted(ApiModel):
    id: str = Field(description="The message's id, in the bot's audit log.")
    to: MessageTo = Field(description="Who it was for, as you gave it.")
    status: Status = Field(
        description="'sent': Teams took it. 'already_sent': a call with the same "
        "Idempotency-Key sent it before."
    )
    detail: str = Field(description="What happened, in plain words.")


def _not_blank(text: str) -> str:
    if not text:
        raise ValueError("Enter a value.")
    return text


def safe_url(url: str) -> str:
    """An https address with a host and no user name or password in it."""
    if any(char.isspace() or not char.isprintable() for char in url):
        raise ValueError("Use a web address with no spaces in it.")
    try:
        parts = urlsplit(url)
        port = parts.port  # raises on a port that is not a number
    except ValueError:
        raise ValueError("Use a web address like https://www.example.gov.uk/page.") from None
    if parts.scheme.lower() != "https":
        raise ValueError("Use a web address that starts with https://.")
    if not parts.hostname or "@" in parts.netloc or (port is not None and port < 1):
        raise ValueError("Use a web address like https://www.example.gov.uk/page.")
    return url
