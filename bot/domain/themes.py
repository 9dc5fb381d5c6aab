"""Which of the strategy's four themes a request belongs to, and why, in words.

The strategy files its priorities under four themes (people and skills; organisation and
process; design, plan and implement; technology and architecture). A board sets a
request's theme when it approves it; this suggests one, from the strategic drivers the
requester chose, so the card can pre-fill it and say why. Rules are data: each driver
votes for one theme, and the most votes wins. A tie goes to the theme the kind of
request leans to, and then to the first in the strategy's own order.
"""

from __future__ import annotations

from bot.domain.model import (
    DRIVER_LABELS,
    THEME_LABELS,
    Driver,
    RequestDetails,
    RequestKind,
    Theme,
)

THEME_OF_DRIVER: dict[Driver, Theme] = {
    Driver.DIGITAL_SKILLS: Theme.PEOPLE_AND_SKILLS,
    Driver.COLLABORATION: Theme.PEOPLE_AND_SKILLS,
    Driver.CHANGE_MANAGEMENT: Theme.PEOPLE_AND_SKILLS,
    Driver.DIGITAL_GOVERNANCE: Theme.ORGANISATION_AND_PROCESS,
    Driver.EFFICIENCY: Theme.ORGANISATION_AND_PROCESS,
    Driver.FLEXIBLE_OPERATIONS: Theme.ORGANISATION_AND_PROCESS,
    Driver.USER_ENGAGEMENT: Theme.DESIGN_PLAN_IMPLEMENT,
    Driver.SERVICE_DELIVERY: Theme.DESIGN_PLAN_IMPLEMENT,
    Driver.BENEFIT_REALISATION: Theme.DESIGN_PLAN_IMPLEMENT,
    Driver.DIGITAL_INNOVATION: Theme.TECHNOLOGY_AND_ARCHITECTURE,
}

# The kinds of request that lean to one theme when the drivers do not settle it, and why.
THEME_OF_KIND: dict[RequestKind, tuple[Theme, str]] = {
    RequestKind.NEW_SYSTEM: (Theme.TECHNOLOGY_AND_ARCHITECTURE, "It asks for a new system"),
    RequestKind.DATA_REPORTING: (
        Theme.TECHNOLOGY_AND_ARCHITECTURE,
        "It is about data or reporting",
    ),
    RequestKind.AUTOMATION: (
        Theme.ORGANISATION_AND_PROCESS,
        "It is about automation or self-service",
    ),
}

# The strategy's own order; technology and architecture comes last because it enables
# the other three.
THEME_ORDER: tuple[Theme, ...] = (
    Theme.PEOPLE_AND_SKILLS,
    Theme.DESIGN_PLAN_IMPLEMENT,
    Theme.ORGANISATION_AND_PROCESS,
    Theme.TECHNOLOGY_AND_ARCHITECTURE,
)

# When nothing points anywhere: most requests are about designing or changing a service.
DEFAULT_THEME = Theme.DESIGN_PLAN_IMPLEMENT


def _votes(details: RequestDetails) -> dict[Theme, list[Driver]]:
    """Each theme with the drivers that vote for it, in the order the requester chose them."""
    votes: dict[Theme, list[Driver]] = {}
    for driver in dict.fromkeys(details.drivers):
        votes.setdefault(THEME_OF_DRIVER[driver], []).append(driver)
    return votes


def _decide(details: RequestDetails) -> tuple[Theme, str]:
    votes = _votes(details)
    leaning, kind_words = THEME_OF_KIND.get(details.kind) or (None, "")
    if not votes:
        if leaning is not None:
            return leaning, (
                f"None of its strategic drivers points to a theme. {kind_words}, "
                f"which fits {_words(leaning)}."
            )
        return DEFAULT_THEME, (
            f"Nothing in it points to one theme, so it goes under {_words(DEFAULT_THEME)} "
            "until the board chooses."
        )
    most = max(len(drivers) for drivers in votes.values())
    tied = [theme for theme in THEME_ORDER if len(votes.get(theme, ())) == most]
    if len(tied) == 1:
        return tied[0], _counted(tied[0], votes[tied[0]])
    split = _joined([f"to {_words(theme)}" for theme in tied])
    if leaning in tied:
        return leaning, (
            f"Its strategic drivers point equally {split}. {kind_words}, "
            f"which fits {_words(leaning)}."
        )
    return tied[0], (
        f"Its strategic drivers point equally {split}. It goes under "
        f"{_words(tied[0])}, the first of those in the strategy."
    )


def _words(theme: Theme) -> str:
    return THEME_LABELS[theme].lower()


def _joined(words: list[str]) -> str:
    """Two or more: "a, b and c"."""
    return f"{', '.join(words[:-1])} and {words[-1]}"


def _counted(theme: Theme, drivers: list[Driver]) -> str:
    names = ", ".join(DRIVER_LABELS[driver] for driver in drivers)
    if len(drivers) == 1:
        return f"1 of its strategic drivers is about {_words(theme)}: {names}."
    return f"{len(drivers)} of its strategic drivers are about {_words(theme)}: {names}."


def theme_of(details: RequestDetails) -> Theme:
    """The theme a request most likely belongs to (a board can choose another)."""
    return _decide(details)[0]


def theme_reason(details: RequestDetails) -> str:
    """Why `theme_of` chose that theme, in one or two plain sentences."""
    return _decide(details)[1]


__all__ = [
    "DEFAULT_THEME",
    "THEME_OF_DRIVER",
    "THEME_OF_KIND",
    "THEME_ORDER",
    "theme_of",
    "theme_reason",
]
