"""Make text people typed safe to keep, compare and show to others."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

# Characters that change how text looks without being visible: they can hide or
# reorder words (bidi overrides), or split words so checks miss them (zero-width).
_INVISIBLE = frozenset(
    [chr(c) for c in range(0x202A, 0x202F)]
    + [chr(c) for c in range(0x2066, 0x206A)]
    + ["\u200b", "\u200c", "\u200d", "\ufeff"]
)
_KEPT_CONTROLS = frozenset("\n\t")
_ZWSP = "\u200b"

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _keep(char: str) -> bool:
    if char in _INVISIBLE:
        return False
    return char in _KEPT_CONTROLS or unicodedata.category(char) != "Cc"


def clean_text(value: str) -> str:
    """Remove control and invisible characters, use "\\n" for every line break, trim.

    NFC comes after the removals, so a removed character cannot stop an accent
    joining its letter.
    """
    text = value.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u2028", "\n").replace("\u2029", "\n")
    text = "".join(char for char in text if _keep(char))
    return unicodedata.normalize("NFC", text).strip()


def one_line(value: str) -> str:
    """Clean text for a one-line answer: every run of spaces, tabs or newlines becomes one space."""
    return " ".join(clean_text(value).split())


# Teams turns web addresses and email addresses into links even in plain text.
_SCHEME = re.compile(r"://")
_WWW = re.compile(r"(www)\.", re.IGNORECASE)
_EMAIL_AT = re.compile(r"(?<=[\w.+-])@(?=[\w-])")


def defang_for_display(value: str) -> str:
    """Show someone's text on another person's card without it ever becoming a link.

    A zero-width space goes into "://", "www." and the "@" of email addresses, so
    the text looks the same but nothing recognises it as a link. Running it twice
    changes nothing more.
    """
    text = _SCHEME.sub(":" + _ZWSP + "//", value)
    text = _WWW.sub(lambda found: found.group(1) + _ZWSP + ".", text)
    return _EMAIL_AT.sub("@" + _ZWSP, text)


def long_date(value: dt.date) -> str:
    """A date as GOV.UK writes it, like 31 March 2027, whatever the server's locale."""
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


def month_and_year(value: dt.date) -> str:
    """The month a date falls in, like March 2027, whatever the server's locale."""
    return f"{_MONTHS[value.month - 1]} {value.year}"


def with_article(noun: str) -> str:
    """The noun with the article it needs: a request, an early-engagement checklist."""
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"
