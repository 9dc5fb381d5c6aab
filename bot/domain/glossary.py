"""The words the bot uses, explained in the Digital Strategy 2024-30's own terms.

Each meaning is a short paraphrase of what the strategy says, in plain English, so a
person can look a word up (`what is a change request`) wherever they first meet it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.domain.governance import DEFAULT_MATRIX
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


# What each part of the priority score looks at, in short words. The matrix itself
# (bot/domain/governance.py) says the same at more length, with the strategy's links.
CRITERION_MEANINGS: dict[str, str] = {
    "strategic_alignment": "How many of the ten strategic drivers the request supports.",
    "benefits": "The money, staff time and good for residents it should bring.",
    "statutory_risk": "Whether a legal deadline, an ending contract or personal data means "
    "it cannot wait.",
    "readiness": "Whether it has a senior sponsor, user research and its needs written "
    "down before anything is bought.",
    "reuse": "Whether it uses systems the council already has, such as Microsoft 365, "
    "instead of a new one.",
    "self_service_automation": "How much work done by hand it could save, by letting "
    "people serve themselves or by doing tasks for them.",
    "cost_effort": "Work that costs less scores higher, because it can be done sooner.",
}


def _criterion_terms() -> list[Term]:
    """Each part of the priority score, named as the score card names it. No weight:
    a board can publish new ones at any time, and `how are requests scored` shows them."""
    return [
        Term(
            criterion.label,
            f"One part of the priority score. {CRITERION_MEANINGS[criterion.key]} "
            "Type how are requests scored to see how many points it is worth now.",
            (criterion.key.replace("_", " "), f"{criterion.label} criterion"),
        )
        for criterion in DEFAULT_MATRIX.criteria
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
        (
            "matrix",
            "scoring matrix",
            "score",
            "priority score",
            "scoring",
            "scoring rules",
            "published scoring rules",
            "criteria",
            "score criteria",
        ),
    ),
    Term(
        "Matrix version",
        f"Each version of the prioritisation matrix, like {DEFAULT_MATRIX.version}, is one fixed "
        "set of points. A request keeps the version it was scored with, so its score can "
        "always be checked.",
        ("version", "scoring version", f"version {DEFAULT_MATRIX.version}"),
    ),
    *_criterion_terms(),
    Term(
        "Flags",
        "What IT triage should see first about a request. For example, it buys software, it "
        "uses personal data, or it has no senior sponsor yet.",
        ("flag",),
    ),
    Term(
        "Dates",
        "The dates on a triage card: when the request is needed by, any statutory deadline, "
        "and when a contract ends.",
        ("date", "key dates"),
    ),
    Term(
        "History",
        "Everything that has happened to a request, who did it and when. It is shown on the "
        "request's card.",
        ("request history", "what has happened"),
    ),
    Term(
        "Statutory deadline",
        "A date set by law by which the change must be in place, such as the day a new "
        "legal duty starts.",
        ("statutory", "legal deadline", "statutory or legal deadline"),
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
    """Letters and digits only, lower case, without a leading "the" or "a", singular,
    in UK spelling: "prioritization" counts as "prioritisation"."""
    words = re.findall(r"[a-z0-9]+", text.casefold())
    while words and words[0] in _ARTICLES:
        words = words[1:]
    return " ".join(_singular(_uk(word)) for word in words)


_US_ENDING = re.compile(r"(?<=[a-z]{3})iz(e|es|ed|ing|ation|ations|er|ers)$")


def _uk(word: str) -> str:
    """ "prioritize" and "prioritization" count as "prioritise" and "prioritisation"."""
    return _US_ENDING.sub(r"is\1", word)


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
