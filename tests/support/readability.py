"""Reading grades for the bot's own words, with textstat 0.7.3 (offline, no downloads).

`bot_texts` takes every piece of text a person reads on a card; `plain` takes out what the
bot did not write (what people typed, request references, proper names) so the grade is
about our sentences; `grade` is the Flesch-Kincaid grade of what is left.
"""

from __future__ import annotations

import importlib.resources
import importlib.util
import re
import sys
import types
from collections.abc import Iterable, Iterator
from typing import IO, Any

from bot.domain.governance import DEFAULT_BOARDS, DEFAULT_PROCESSES
from bot.domain.model import DRIVER_LABELS
from bot.journeys.communities.seed import seed_communities
from tests.support.cards import elements


def _load_textstat() -> Any:
    """textstat 0.7.3 imports `pkg_resources`, which the locked setuptools no longer ships.

    It only uses `resource_stream` (for word lists the Flesch-Kincaid grade never reads),
    so a stand-in module built on importlib.resources serves it.
    """
    if importlib.util.find_spec("pkg_resources") is None:
        stand_in = types.ModuleType("pkg_resources")

        def resource_stream(package: str, name: str) -> IO[bytes]:
            return importlib.resources.files(package).joinpath(name).open("rb")

        stand_in.resource_stream = resource_stream  # type: ignore[attr-defined]
        sys.modules["pkg_resources"] = stand_in
    import textstat

    return textstat


textstat = _load_textstat()

REFERENCE = re.compile(r"\bDR-\d{4}-\d{4}\b")
# "You can type new request, continue, my requests, ..., help.": a list of commands to type,
# not a sentence to read; FK would grade it as one sentence of many long words.
COMMAND_LIST = re.compile(r"(?<=You can type )[^.]*,[^.]*(?=\.)")
# What a choice sends ("automation", "efficiency,service_delivery"), not what anyone reads.
CHOICE_VALUE = re.compile(r"[a-z0-9_,]+")
# Names a reader knows as names: their syllables say nothing about our writing.
PROPER_NAMES: tuple[str, ...] = (
    *(board.name for board in DEFAULT_BOARDS),
    *(process.name for process in DEFAULT_PROCESSES),
    *DRIVER_LABELS.values(),  # the strategy's ten strategic drivers
    *(community.name for community in seed_communities()),  # communities of practice
    "Practitioner",  # level 3 of the digital skills competency framework
    "Digital Front Door",
    "Digital Strategy 2024-30",
    "Project Management Office",
    "DFD Config",
    "SharePoint",
    "Microsoft 365",
    "Power Platform",
    "Alex Wilber",
    "Megan Bowen",
    "Adele Vance",
    "Sam Green",
)
# FK grades a few words by syllables alone ("Accept to board" would score like a sentence of
# long words), which says nothing about how hard a label or button is to read.
MIN_WORDS = 6


def grade(text: str) -> float:
    return float(textstat.flesch_kincaid_grade(text))


def plain(text: str, typed: Iterable[str]) -> str:
    """The text with people's own words, references, proper names and command lists put as
    short words, and without the "(optional)" every optional label ends with."""
    for words in sorted({*typed, *PROPER_NAMES}, key=len, reverse=True):
        if len(words) >= 3 and not CHOICE_VALUE.fullmatch(words):
            text = text.replace(words, "it")
    text = COMMAND_LIST.sub("one of these", text).replace(" (optional)", "")
    return REFERENCE.sub("it", text)


def word_count(text: str) -> int:
    return len(text.split())


def bot_texts(card: dict[str, Any]) -> Iterator[str]:
    """Every text on a card a person reads or hears: text, labels, hints, errors, buttons."""
    if card.get("fallbackText"):
        yield str(card["fallbackText"])
    for element in elements(card):
        kind = element["type"]
        if kind in ("TextBlock", "TextRun"):
            yield str(element.get("text", ""))
        elif kind == "RichTextBlock":
            yield from (i for i in element.get("inlines", []) if isinstance(i, str))
        elif kind == "FactSet":
            for fact in element.get("facts", []):
                yield str(fact.get("title", ""))
                yield str(fact.get("value", ""))
        elif kind.startswith("Action."):
            yield str(element.get("title", ""))
        elif kind.startswith("Input."):
            for key in ("label", "placeholder", "errorMessage", "title"):
                if element.get(key):
                    yield str(element[key])
            yield from (str(c.get("title", "")) for c in element.get("choices", []))
