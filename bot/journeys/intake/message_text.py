"""The words of a Teams message, as plain text a request's title and description can hold.

Teams sends the message a person acted on as HTML (or now and then as plain text). A
request keeps plain text: line breaks and list items stay, a mention becomes the name
it shows, a link keeps its address, and anything that is not words (styles, scripts,
quoted cards) goes. Markdown someone typed is plain text already and stays readable.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

from bot.domain.text import clean_text, one_line

# Block elements: each starts on a new line.
_BLOCKS = frozenset(
    {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "tr", "table", "hr"}
)
_SKIPPED = frozenset({"script", "style", "template", "head", "title"})
_LINK_SCHEMES = ("https://", "http://", "mailto:")
_SPACES = re.compile(r"[ \t\r\n\f\v\u00a0]+")  # &nbsp; is layout too


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self._skipping = 0
        self._pre = 0
        self._lists: list[list[int]] = []  # one per open list: [0] for ul, [n] for ol
        self._links: list[tuple[str, int]] = []  # href, where its words start in `out`
        self._line_start = True  # spaces here are the HTML's layout, not the words'

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag in _SKIPPED:
            self._skipping += 1
        elif tag == "br":
            self._write("\n")
        elif tag in _BLOCKS:
            self._new_line()
            if tag == "pre":
                self._pre += 1
        elif tag in ("ul", "ol"):
            self._new_line()
            self._lists.append([1 if tag == "ol" else 0])
        elif tag == "li":
            self._list_item()
        elif tag == "a":
            self._links.append(((named.get("href") or "").strip(), len(self.out)))
        elif tag in ("img", "emoji") and (alt := named.get("alt")) and _is_emoji(tag, named):
            self._write(alt)
        elif tag in ("td", "th"):
            self._write(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCKS:
            if tag == "pre":
                self._pre = max(0, self._pre - 1)
            self._new_line()
        elif tag in ("ul", "ol") and self._lists:
            self._lists.pop()
            self._new_line()
        elif tag == "a" and self._links:
            href, start = self._links.pop()
            words = "".join(self.out[start:]).strip()
            if href.lower().startswith(_LINK_SCHEMES) and href not in words:
                self._write(f" ({href})" if words else href)

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self._write(data if self._pre else _SPACES.sub(" ", data))

    def _write(self, text: str) -> None:
        if self._line_start and not self._pre:
            text = text.lstrip(" ")
        if text:
            self.out.append(text)
            self._line_start = text.endswith("\n")

    def _new_line(self) -> None:
        if self.out and not self._line_start:
            self._write("\n")

    def _list_item(self) -> None:
        self._new_line()
        depth = max(0, len(self._lists) - 1)
        if self._lists and self._lists[-1][0]:
            marker = f"{self._lists[-1][0]}. "
            self._lists[-1][0] += 1
        else:
            marker = "- "
        self.out.append("  " * depth + marker)
        self._line_start = True


def _is_emoji(tag: str, attrs: Mapping[str, str | None]) -> bool:
    return tag == "emoji" or "emoji" in (attrs.get("itemtype") or "").lower()


def html_to_text(html: str) -> str:
    """Plain text from a Teams message's HTML."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return _tidy("".join(reader.out))


def _tidy(text: str) -> str:
    lines = "\n".join(line.rstrip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", clean_text(lines))


def message_text(payload: Mapping[str, Any]) -> str:
    """The words of the message in an invoke's `messagePayload`, or "" if it has none."""
    body = payload.get("body")
    if not isinstance(body, Mapping) or not isinstance(body.get("content"), str):
        return ""
    content: str = body["content"]
    if str(body.get("contentType") or "html").lower() == "text":
        return clean_text(content)
    return html_to_text(content)


def message_subject(payload: Mapping[str, Any]) -> str:
    subject = payload.get("subject")
    return one_line(subject) if isinstance(subject, str) else ""


# A link to a Teams message is a few hundred characters; anything far longer, or not a
# web address, is not one Teams sent.
LONGEST_LINK = 2000


def message_link(payload: Mapping[str, Any]) -> str:
    """The message's own address (`linkToMessage`), or "" when there is none we trust."""
    link = payload.get("linkToMessage")
    if not isinstance(link, str):
        return ""
    link = link.strip()
    if not link.startswith("https://") or len(link) > LONGEST_LINK or _SPACES.search(link):
        return ""
    return link


@dataclass(frozen=True)
class Prefill:
    """What the dialog starts with: a title, a description and whether it was shortened."""

    title: str
    description: str
    shortened: bool
    link: str


_SENTENCE_END = re.compile(r"(?<=[.!?])\s")
ELLIPSIS = "…"


def cut_at_word(text: str, limit: int) -> str:
    """The text if it fits, else as many whole words as fit with "…" after them."""
    if len(text) <= limit:
        return text
    room = text[: limit - len(ELLIPSIS)]
    space = room.rfind(" ")
    if space > limit // 2:
        room = room[:space]
    return room.rstrip(" ,;:-") + ELLIPSIS


def title_from(text: str, subject: str, limit: int) -> str:
    """The channel post's subject, else the first sentence of the first line."""
    if subject:
        return cut_at_word(subject, limit)
    first = next((line.strip() for line in text.split("\n") if line.strip()), "")
    first = re.sub(r"^(?:[-*•]|[0-9]+[.)])\s+", "", first)  # not a list marker
    sentence = _SENTENCE_END.split(first, maxsplit=1)[0]
    return cut_at_word(one_line(sentence), limit)


def link_line(link: str) -> str:
    return f"\n\nThe Teams message: {link}" if link else ""


def prefill(payload: Mapping[str, Any], title_limit: int, description_limit: int) -> Prefill:
    """The dialog's first title and description, each within its limit. A long message is
    cut at a word; the link to the whole message always fits after it."""
    text = message_text(payload)
    link = message_link(payload)
    after = link_line(link)
    room = description_limit - len(after)
    description = cut_at_word(text, room)
    return Prefill(
        title=title_from(text, message_subject(payload), title_limit),
        description=(description + after).strip(),
        shortened=description != text,
        link=link,
    )
