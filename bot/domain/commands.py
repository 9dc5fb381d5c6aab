"""What a member of staff typed, turned into a command. Forgiving, never clever."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class CommandName(StrEnum):
    HELLO = "hello"
    HELP = "help"
    NEW_REQUEST = "new request"
    CONTINUE = "continue"
    MY_REQUESTS = "my requests"
    STATUS = "status"
    REGISTER_TRIAGE = "register triage"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Command:
    name: CommandName
    argument: str = ""


_MENTION = re.compile(r"<at>.*?</at>", re.IGNORECASE | re.DOTALL)
_REFERENCE = re.compile(r"\bDR-\d{4}-\d{4,}\b", re.IGNORECASE)

_EXACT: dict[str, CommandName] = {
    "hi": CommandName.HELLO,
    "hello": CommandName.HELLO,
    "hey": CommandName.HELLO,
    "start": CommandName.HELLO,
    "help": CommandName.HELP,
    "?": CommandName.HELP,
    "menu": CommandName.HELP,
    "commands": CommandName.HELP,
    "what can you do": CommandName.HELP,
    "new request": CommandName.NEW_REQUEST,
    "new": CommandName.NEW_REQUEST,
    "request": CommandName.NEW_REQUEST,
    "raise a request": CommandName.NEW_REQUEST,
    "raise request": CommandName.NEW_REQUEST,
    "make a request": CommandName.NEW_REQUEST,
    "new digital request": CommandName.NEW_REQUEST,
    "continue": CommandName.CONTINUE,
    "resume": CommandName.CONTINUE,
    "carry on": CommandName.CONTINUE,
    "continue my request": CommandName.CONTINUE,
    "my requests": CommandName.MY_REQUESTS,
    "my request": CommandName.MY_REQUESTS,
    "list my requests": CommandName.MY_REQUESTS,
    "show my requests": CommandName.MY_REQUESTS,
    "register triage": CommandName.REGISTER_TRIAGE,
    "status": CommandName.STATUS,
}

_NEED_PREFIXES = (
    "i need ",
    "i'd like ",
    "i would like ",
    "we need ",
    "can i have ",
    "can we have ",
)


def normalise(text: str) -> str:
    """Lower case, mentions removed, spaces collapsed, trailing punctuation dropped."""
    text = _MENTION.sub(" ", text or "")
    text = " ".join(text.replace("\u2019", "'").split()).lower()
    return text.rstrip(" .!?")


def parse_command(text: str) -> Command:
    said = normalise(text)
    if not said:
        return Command(CommandName.HELP)
    if said in _EXACT:
        return Command(_EXACT[said])
    if said.startswith("status ") or _REFERENCE.fullmatch(said):
        found = _REFERENCE.search(said)
        argument = found.group(0).upper() if found else said.removeprefix("status ").strip()
        return Command(CommandName.STATUS, argument)
    for prefix in _NEED_PREFIXES:
        if said.startswith(prefix) and len(said) > len(prefix):
            original = " ".join(_MENTION.sub(" ", text).split())
            return Command(CommandName.NEW_REQUEST, original[len(prefix) :].strip(" .!"))
    return Command(CommandName.UNKNOWN, said)
