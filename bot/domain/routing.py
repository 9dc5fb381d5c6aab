"""Which board looks at a request first, and which process follows.

Rules are data, kept in order: the first rule whose conditions all hold wins.
A rule with no conditions always matches, so the last rule is the default.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence

from bot.domain.model import (
    DIRECTORATES,
    Budget,
    RequestDetails,
    RequestKind,
    Route,
    RoutingRule,
)

# Lists of systems arrive as people write them: "Teams, SharePoint and Academy".
_SYSTEM_SEPARATORS = re.compile(r"[,;\n]|\s+and\s+", re.IGNORECASE)


def count_existing_systems(text: str) -> int:
    """How many systems are listed, split on commas, semicolons, "and" and new lines."""
    return sum(1 for part in _SYSTEM_SEPARATORS.split(text) if part.strip())


Condition = Callable[[RequestDetails, object], bool]

_CONDITIONS: dict[str, Condition] = {
    "kind_in": lambda details, wanted: details.kind in _strings(wanted),
    "procurement": lambda details, wanted: details.involves_procurement is wanted,
    "personal_data": lambda details, wanted: details.personal_data is wanted,
    "budget_in": lambda details, wanted: details.budget in _strings(wanted),
    "directorate_in": lambda details, wanted: details.directorate in _strings(wanted),
    "min_existing_systems": lambda details, wanted: (
        count_existing_systems(details.existing_systems) >= _whole(wanted)
    ),
    "min_affected_residents": lambda details, wanted: (
        (details.affected_residents or 0) >= _whole(wanted)
    ),
}

# What each condition may be compared with, so a typo in config fails at start-up.
_ALLOWED_VALUES: dict[str, frozenset[str]] = {
    "kind_in": frozenset(kind.value for kind in RequestKind),
    "budget_in": frozenset(budget.value for budget in Budget),
    "directorate_in": frozenset(DIRECTORATES),
}
_YES_NO = frozenset({"procurement", "personal_data"})


def _strings(value: object) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError(f"Expected a list of text values, not {value!r}")
    return value


def _whole(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"Expected a whole number, not {value!r}")
    return value


def _check_condition(rule: str, key: str, value: object) -> None:
    if key not in _CONDITIONS:
        raise ValueError(f"Routing rule {rule!r} has an unknown condition {key!r}")
    if key in _YES_NO:
        if not isinstance(value, bool):
            raise ValueError(f"Routing rule {rule!r}: {key} must be true or false")
    elif key in _ALLOWED_VALUES:
        unknown = set(_strings(value)) - _ALLOWED_VALUES[key]
        if unknown:
            raise ValueError(f"Routing rule {rule!r}: {key} has unknown values {sorted(unknown)}")
    else:
        _whole(value)


def check_rules(
    rules: Sequence[RoutingRule],
    board_keys: Collection[str] | None = None,
    process_keys: Collection[str] | None = None,
) -> None:
    """Raise ValueError for rules that could misroute a request. Call it at start-up.

    Checks every condition's name and value, that rule keys are unique, that the
    only the last rule is a default with no conditions, and (when given) that every board
    and process exists.
    """
    keys = [rule.key for rule in rules]
    if len(set(keys)) != len(keys):
        raise ValueError("Routing rule keys must be unique")
    for rule in rules:
        for key, value in rule.when.items():
            _check_condition(rule.key, key, value)
        if board_keys is not None and rule.board not in board_keys:
            raise ValueError(f"Routing rule {rule.key!r} names an unknown board {rule.board!r}")
        if process_keys is not None and rule.process not in process_keys:
            raise ValueError(f"Routing rule {rule.key!r} names an unknown process {rule.process!r}")
    defaults = [rule.key for rule in rules if not rule.when]
    if not defaults or defaults[0] != keys[-1]:
        raise ValueError(
            "Only the last routing rule may have no conditions. It is the default, "
            "and any rule after it could never match."
        )


def matches(rule: RoutingRule, details: RequestDetails) -> bool:
    """True when every one of the rule's conditions holds. No conditions: always true."""
    for key, wanted in rule.when.items():
        condition = _CONDITIONS.get(key)
        if condition is None:
            raise ValueError(f"Routing rule {rule.key!r} has an unknown condition {key!r}")
        if not condition(details, wanted):
            return False
    return True


def route(details: RequestDetails, rules: Sequence[RoutingRule]) -> Route:
    """The first rule that matches. Raises ValueError if none does (no default rule)."""
    for rule in rules:
        if matches(rule, details):
            return Route(rule.board, rule.process, rule.reason, rule.key)
    raise ValueError("No routing rule matched. The rules need a default with no conditions.")
