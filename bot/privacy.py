"""What each journey holds about people, and how it shows, erases and retains it.

UK GDPR asks a council to say what personal data a system holds, to keep it no longer
than it needs, to show a person everything held about them (a subject access request),
and to erase it when asked. Each journey knows its own stores, so each declares a
`PersonalData` part (`Journey.personal_data`); the privacy journey asks every journey's
part, in order, and puts the answers together. A new journey with personal data adds
one part to its folder, and nothing else changes.

Three rules every part keeps:
- `held` lists every field that holds the person's data, as plain labels and values.
- `erase` removes the person's data; a record others rely on (a request's counts, a
  board decision) keeps an anonymised trace under the person's pseudonym; anything that
  may not be erased is returned as `Kept`, with the reason, never silently left.
- `retain` acts only on what is past its period, is safe to run again (a second run
  finds nothing to do), and reports how many it changed, never who.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import re
import secrets
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from bot.domain.retention import RetentionKind, RetentionPolicy

# What replaces a person's name, and free text that may name them, once erased or past
# its retention period. Plain words, so a list in SharePoint still reads sensibly.
ERASED_NAME = "Erased person"
ERASED_TEXT = "[removed]"


@dataclass(frozen=True)
class Person:
    """Whom a `my data` or `erase` is about: every id and name the product knows them by.

    `user_id` is the id journeys keep as the owner (the Entra object id when Teams gives
    one). `ids` holds every id of theirs (Entra, Teams); `names` every display name known,
    so free text that names them can be found."""

    user_id: str
    ids: frozenset[str]
    names: frozenset[str] = frozenset()

    def is_them(self, user_id: str | None) -> bool:
        return bool(user_id) and user_id in self.ids

    def named_in(self, text: str) -> bool:
        """True if a name of theirs is in `text` as whole words ("Tim" is not in
        "time"; "Dan Lee" is not in "Jordan Lee"), ignoring case."""
        return any(pattern.search(text) for pattern in self._patterns(self.names))

    def hide_names(self, text: str) -> str:
        """`text` with this person's names (whole words) replaced by ERASED_NAME."""
        for pattern in self._patterns(self.names):
            text = pattern.sub(ERASED_NAME, text)
        return text

    def scrub(self, text: str) -> str:
        """`text` with this person's names and ids (as whole words), and any email
        address or phone number, taken out: for words that describe council work (a
        request's title, a process's name) and so stay after an erasure."""
        text = scrub_contacts(text)
        for pattern in self._patterns(self.names | self.ids):
            text = pattern.sub(ERASED_NAME, text)
        return text

    @staticmethod
    def _patterns(needles: Iterable[str]) -> list[re.Pattern[str]]:
        # Longest first, so "Priya Natarajan" goes before "Natarajan" could split it.
        return [
            whole_words(needle)
            for needle in sorted({n.strip() for n in needles}, key=len, reverse=True)
            if len(needle) >= MIN_NAME
        ]


MIN_NAME = 3  # a shorter name ("Al") would be found inside too many other words


def whole_words(needle: str) -> re.Pattern[str]:
    """`needle` as whole words, ignoring case: not inside a longer word or id."""
    return re.compile(rf"(?<![\w-]){re.escape(needle)}(?![\w-])", re.IGNORECASE)


# An email address, also as shown on a card (a zero-width space after the "@":
# bot/domain/text.py defang_for_display).
_EMAIL = re.compile(r"[\w.+'-]+@\u200b?[\w-]+(?:\.[\w-]+)+")
# A UK phone number: 10 or 11 digits, maybe after +44, with spaces, dots or dashes.
_PHONE = re.compile(r"(?:\+44\s?|\b0)(?:[\s.-]?\d){9,10}\b")


def scrub_contacts(text: str) -> str:
    """Email addresses and phone numbers in `text` replaced with ERASED_TEXT."""
    return _PHONE.sub(ERASED_TEXT, _EMAIL.sub(ERASED_TEXT, text))


# The secret key pseudonyms are made with (set at start by `use_pseudonym_key`, from a
# key kept with the bot's state: a file in DATA_DIR, or the Azure Storage keys table, so
# every instance and every restart makes the same stand-in for a person). One bot process
# serves one council, so one key per process.
_key: list[bytes] = [b""]
KEY_FILE = "pseudonym.key"
KEY_ROW = "pseudonyms"


STAND_IN_PREFIX = "erased-"  # every pseudonym starts so


def stand_in_for(user_id: str) -> str:
    """An id's pseudonym; an empty id, or one already a stand-in, as it is (so running an
    anonymisation again changes nothing)."""
    if not user_id or user_id.startswith(STAND_IN_PREFIX):
        return user_id
    return pseudonym(user_id)


def gone(text: str) -> str:
    """Free text removed; an empty answer stays empty, so nothing seems to be there."""
    return ERASED_TEXT if text else ""


def use_pseudonym_key(key: bytes) -> None:
    _key[0] = key


def pseudonym(user_id: str, salt: str = "") -> str:
    """The stable stand-in for a person in anonymised traces: counts of distinct people
    stay right, and nobody can turn it back into the person: it is an HMAC of their id
    under the bot's secret key, so knowing the id is not enough to find their records."""
    digest = hmac.new(_key[0], f"{salt}|{user_id}".encode(), hashlib.sha256).hexdigest()[:20]
    return f"{STAND_IN_PREFIX}{digest}"


def local_pseudonym_key(data_dir: Path) -> bytes:
    """The key kept in DATA_DIR, made by the first process to ask (readable only by the
    bot's user). Two processes making it at once: only one file is created; both read it."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / KEY_FILE
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(handle, "w") as file:
            file.write(secrets.token_hex(32))
    for _ in range(50):  # the maker may still be writing it
        text = path.read_text().strip()
        if len(text) == 64:
            return bytes.fromhex(text)
        time.sleep(0.01)
    raise RuntimeError(f"The pseudonym key in {path} is not a 64-character hex key")


async def shared_pseudonym_key(azure: Any) -> bytes:
    """The key in the Azure Storage keys table, made by the first instance to ask."""
    from bot.azure_state.entities import get_or_none, insert_new
    from bot.page_tokens import KEY_PARTITION, KEY_TABLE

    table = await azure.table(KEY_TABLE)
    for _ in range(3):
        found = await get_or_none(table, KEY_PARTITION, KEY_ROW)
        if found is not None:
            return bytes.fromhex(str(found["Key"]))
        made = secrets.token_hex(32)
        entity = {"PartitionKey": KEY_PARTITION, "RowKey": KEY_ROW, "Key": made}
        if await insert_new(table, entity):
            return bytes.fromhex(made)
    raise RuntimeError("The pseudonym key could not be made or read")


@dataclass(frozen=True)
class Held:
    """One thing held about a person, for `my data`: plain labels and values."""

    journey: str  # which part of the product holds it ("requests", "communities"...)
    what: str  # what it is, in plain words ("Digital request", "Question you asked")
    key: str  # its reference or id, so the person can name it in a request to the DPO
    fields: dict[str, str]  # label -> value, every field that holds their data
    at: dt.datetime | None = None  # when it was made or last changed


@dataclass(frozen=True)
class Kept:
    """Something not erased, and why (a record a board decided on, say)."""

    journey: str
    what: str
    key: str
    reason: str


@dataclass
class Erased:
    """What one part's erase did: how many of each kind it changed, what it kept."""

    changed: dict[str, int] = field(default_factory=dict)  # plain kind -> how many
    kept: list[Kept] = field(default_factory=list)

    def count(self, kind: str, n: int = 1) -> None:
        if n:
            self.changed[kind] = self.changed.get(kind, 0) + n

    def merge(self, other: Erased) -> None:
        for kind, n in other.changed.items():
            self.count(kind, n)
        self.kept.extend(other.kept)


@dataclass(frozen=True)
class Retained:
    """What one retention pass did to one kind of record: counts, never who."""

    kind: RetentionKind
    deleted: int = 0
    anonymised: int = 0


class PersonalData(Protocol):
    """A journey's personal data: shown, erased and retained by the privacy journey."""

    async def held(self, person: Person) -> list[Held]:
        """Everything this journey holds about the person."""
        ...

    async def erase(self, person: Person, stand_in: str, now: dt.datetime) -> Erased:
        """Remove the person's data everywhere this journey keeps it. `stand_in` is their
        pseudonym, for traces that must keep counting distinct people."""
        ...

    async def retain(self, policy: RetentionPolicy, now: dt.datetime) -> list[Retained]:
        """Delete or anonymise what is past its period. Safe to run again."""
        ...


@dataclass(frozen=True)
class AllOf:
    """Several parts as one (a journey made of parts, or the privacy journey's view of
    every journey): answers put together in order."""

    parts: Sequence[PersonalData]

    async def held(self, person: Person) -> list[Held]:
        found: list[Held] = []
        for part in self.parts:
            found.extend(await part.held(person))
        return found

    async def erase(self, person: Person, stand_in: str, now: dt.datetime) -> Erased:
        done = Erased()
        for part in self.parts:
            done.merge(await part.erase(person, stand_in, now))
        return done

    async def retain(self, policy: RetentionPolicy, now: dt.datetime) -> list[Retained]:
        done: list[Retained] = []
        for part in self.parts:
            done.extend(await part.retain(policy, now))
        return done


def all_of(parts: Iterable[PersonalData | None]) -> PersonalData | None:
    found = [part for part in parts if part is not None]
    if not found:
        return None
    return found[0] if len(found) == 1 else AllOf(found)
