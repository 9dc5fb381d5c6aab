"""The words the bot uses, explained in the Digital Strategy 2024-30's own terms.

Each meaning is a short paraphrase of what the strategy says, in plain English, so a
person can look a word up (`what is a change request`) wherever they first meet it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.domain.model import DRIVER_LABELS, Driver

# One short line per strategic driver (appendix 1 of the strategy), shown next to the
# driver choices on the request form.
DRIVER_MEANINGS: dict[Driver, str] = {
    Driver.COLLABORATION: (
        "Teams across the council, such as IT, PMO and service design, work together and "
        "share skills."
    ),
    Driver.USER_ENGAGEMENT: (
        "We ask the people who will use a service what they need, and use their feedback."
    ),
    Driver.DIGITAL_INNOVATION: (
        "We look ahead for new digital ideas and try them out safely, instead of waiting."
    ),
    Driver.EFFICIENCY: ("Digital tools and automation save money and cut out work done by hand."),
    Driver.DIGITAL_GOVERNANCE: (
        "Every digital project and request is judged in the same clear way, against the strategy."
    ),
    Driver.DIGITAL_SKILLS: "Staff have the digital tools and skills they need to do their jobs.",
    Driver.BENEFIT_REALISATION: (
        "We say what good a change will do, measure it from the start and check it later."
    ),
    Driver.CHANGE_MANAGEMENT: (
        "One clear process for making changes, so they are planned, agreed and stick."
    ),
    Driver.FLEXIBLE_OPERATIONS: (
        "Modern tools, such as cloud services, let the council adapt quickly when needs change."
    ),
    Driver.SERVICE_DELIVERY: (
        "Services for local people are easy to use, quick and work well, often online."
    ),
}


@dataclass(frozen=True)
class Term:
    name: str
    meaning: str
    aliases: tuple[str, ...] = ()


def _driver_terms() -> list[Term]:
    return [
        Term(
            DRIVER_LABELS[driver],
            f"One of the ten strategic drivers in the Digital Strategy 2024-30. {meaning}",
            (f"{DRIVER_LABELS[driver]} driver", driver.value.replace("_", " ")),
        )
        for driver, meaning in DRIVER_MEANINGS.items()
    ]


_TERMS: list[Term] = [
    Term(
        "Procurement early engagement",
        "Telling IT before you buy or renew any software or digital contract. IT helps you "
        "gather what you need and checks whether the council already has something that does "
        "the job.",
        ("early engagement", "procurement", "buying software"),
    ),
    Term(
        "Strategic drivers",
        "The ten reasons for change in the Digital Strategy 2024-30, such as Efficiency and "
        "Service delivery. Each request says which ones it supports.",
        ("driver",),
    ),
    *_driver_terms(),
    Term(
        "Project (PMO)",
        "Larger or new work runs as a project. The Project Management Office (PMO) runs it, "
        "with a plan, a budget and regular checks.",
        ("project", "PMO", "project management office", "project process"),
    ),
    Term(
        "Change request",
        "The process for changing a system or service the council already has. Smaller changes "
        "go this way instead of becoming a project.",
        ("change request process", "change process", "CR"),
    ),
    Term(
        "Prioritisation matrix",
        "The open scoring rules that give each request a score out of 100, so work that adds "
        "most value goes first. Each version, like 2026.1, is one set of points, so an old "
        "score can always be checked.",
        ("matrix", "scoring matrix", "score", "matrix version", "version", "scoring"),
    ),
    Term(
        "IT business partner",
        "A named person in IT who works with a service area. They help plan digital changes "
        "and look at new requests first.",
        ("business partner", "IT business partnering", "ITBP"),
    ),
    Term(
        "Digital, Data and Customer Board",
        "The board that owns the Digital Strategy. It sets priorities, checks the roadmap "
        "every three months and decides which requests go ahead.",
        ("DDC", "DDCB", "digital board"),
    ),
    Term(
        "Technical Review Board",
        "A new board. It looks at the technical side of a request: how it fits the council's "
        "IT and works with other systems.",
        ("TRB", "technical board"),
    ),
    Term(
        "ICT Improvement Group",
        "The group that already hears what users think of the IT we have now. It looks at "
        "ways to make it better.",
        ("ICTIG", "ICT group", "IT improvement group"),
    ),
    Term(
        "Senior sponsor",
        "A senior leader in your service who backs the change and helps it happen. The "
        "strategy asks that every digital change has one.",
        ("sponsor", "senior sponsorship", "named senior sponsor"),
    ),
    Term(
        "DPIA",
        "A data protection impact assessment. You fill it in before using people's personal "
        "data in a new way, to find and reduce the risks.",
        ("data protection impact assessment", "impact assessment"),
    ),
    Term(
        "Digital champion",
        "A member of staff who helps others use digital tools. Champions share what works "
        "with each other across the council.",
        ("champion", "digital champions network", "community of practice"),
    ),
    Term(
        "Now, next, later roadmap",
        "The strategy's plan of actions in three time frames: what we do now, next and later. "
        "The board checks it every three months.",
        ("roadmap", "now next later", "now next and later"),
    ),
    Term(
        "IT triage",
        "IT's first look at a new request. They check it, ask you questions if needed, and "
        "send it to the right board or process.",
        ("triage", "triaging"),
    ),
]

TERMS: dict[str, Term] = {term.name: term for term in _TERMS}


_ARTICLES = frozenset({"the", "a", "an", "our", "your"})


def _key(text: str) -> str:
    """Letters and digits only, lower case, without a leading "the" or "a", singular."""
    words = re.findall(r"[a-z0-9]+", text.casefold())
    while words and words[0] in _ARTICLES:
        words = words[1:]
    return " ".join(_singular(word) for word in words)


def _singular(word: str) -> str:
    """ "DPIAs" and "boards" count as "DPIA" and "board"; "process" stays as it is."""
    return word[:-1] if len(word) > 2 and word.endswith("s") and not word.endswith("ss") else word


_LOOKUP: dict[str, Term] = {}
for _term in _TERMS:
    for _spelling in (_term.name, *_term.aliases):
        _LOOKUP.setdefault(_key(_spelling), _term)


def explain_term(text: str) -> Term | None:
    """The term someone asked about, forgiving case, "the", plurals and abbreviations."""
    return _LOOKUP.get(_key(text))


# What `what is` suggests when it does not know a word: a few, the most asked first.
SUGGESTED = (
    "Change request",
    "Project (PMO)",
    "DPIA",
    "Senior sponsor",
    "IT triage",
    "Strategic drivers",
    "Prioritisation matrix",
    "Technical Review Board",
)


def known_terms() -> list[str]:
    """A short list of words people can ask about, the most useful first."""
    return [TERMS[name].name for name in SUGGESTED]
