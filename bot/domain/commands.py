"""What a member of staff typed, made comparable. Forgiving, never clever."""

from __future__ import annotations

import re

_MENTION = re.compile(r"<at>.*?</at>", re.IGNORECASE | re.DOTALL)
REFERENCE = re.compile(r"\bDR-\d{4}-\d{4,}\b", re.IGNORECASE)


def normalise(text: str) -> str:
    """Lower case, mentions removed, spaces collapsed, trailing punctuation dropped."""
    text = _MENTION.sub(" ", text or "")
    text = " ".join(text.replace("\u2019", "'").split()).lower()
    return text.rstrip(" .!?")


def without_mentions(text: str) -> str:
    """What was typed, as typed, with @mentions taken out and spaces collapsed."""
    return " ".join(_MENTION.sub(" ", text or "").split())
