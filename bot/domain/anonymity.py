"""Which groups of people a skills report may show, so that nobody can be identified.

The rule, with k the smallest group (SKILLS_MIN_GROUP, 5 unless set):

1. A group of fewer than k people is never shown.
2. Take any two groups a report could show, where everyone in one is also in the other
   (a directorate and a service area in it, say, or "managers" and "managers in one
   service area"). If both were shown, subtracting one from the other would describe the
   people in the bigger group and not in the smaller. So they may not both be shown
   unless that difference is no one or at least k people. This is checked on the people
   themselves, not on the filters, so it also catches groups that happen to hold the same
   people as another.
3. Take a group that is shown (or whose number could be worked out by adding up groups
   that are shown), and split it by one filter (its service areas, say). The people in the
   parts that are not shown, taken together, must be no one or at least k people: else the
   shown parts, taken from the whole, would describe them.

The groups are decided once for all the data of one baseline, before anyone asks for a
report: the biggest groups first, then each smaller one only if it keeps rules 2 and 3 with
those already allowed. So whatever filters people choose, in whatever order, any two reports
differ by no one or by at least k people. Every share in a report is of the group's own
number of people, so no other number leaks a smaller group.

Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from itertools import combinations

DIMENSIONS = ("directorate", "service_area", "role_family")
DEFAULT_MIN_GROUP = 5


@dataclass(frozen=True)
class Row:
    """One person in one baseline, with what they belong to."""

    person: str
    directorate: str
    service_area: str
    role_family: str


@dataclass(frozen=True)
class Group:
    """The people a report is about: "" for a filter means everyone."""

    directorate: str = ""
    service_area: str = ""
    role_family: str = ""

    def value(self, dimension: str) -> str:
        return str(getattr(self, dimension))

    def matches(self, row: Row) -> bool:
        return all(not self.value(d) or self.value(d) == getattr(row, d) for d in DIMENSIONS)

    def free(self) -> tuple[str, ...]:
        """The filters not set: a group splits along each of these."""
        return tuple(d for d in DIMENSIONS if not self.value(d))

    def without(self, dimension: str) -> Group:
        return replace(self, **{dimension: ""})


def _groups_of(row: Row) -> Iterator[Group]:
    """Every group this person is in: each filter set to their value or left open."""
    values = {d: getattr(row, d) for d in DIMENSIONS}
    for count in range(len(DIMENSIONS) + 1):
        for chosen in combinations(DIMENSIONS, count):
            yield Group(**{d: values[d] for d in chosen})


@dataclass
class Disclosure:
    """The groups one baseline's report may show. Ask `may_show` for any group."""

    k: int
    people: dict[Group, int]  # each group present in the data -> its people, as bits
    shown: frozenset[int] = field(default_factory=frozenset)

    def size(self, group: Group) -> int:
        return self.people.get(group, 0).bit_count()

    def may_show(self, group: Group) -> bool:
        mask = self.people.get(group, 0)
        return bool(mask) and mask in self.shown


def disclose(rows: Iterable[Row], k: int = DEFAULT_MIN_GROUP) -> Disclosure:
    """Decide, for every group in the data, whether a report may show it (see the module's
    rule). One row a person: a person given twice counts once, as their last row."""
    if k < 2:
        raise ValueError("The smallest group must be 2 or more")
    latest = {row.person: row for row in rows}
    # People with the same directorate, service area and role family first: there are far
    # fewer of those than people, and each is in the same eight groups.
    alike: dict[Row, int] = defaultdict(int)
    for place, row in enumerate(latest.values()):
        alike[Row("", row.directorate, row.service_area, row.role_family)] |= 1 << place
    bits: dict[Group, int] = defaultdict(int)
    for row, mask in alike.items():
        for group in _groups_of(row):
            bits[group] |= mask
    people = dict(bits)
    children: dict[tuple[Group, str], list[Group]] = defaultdict(list)
    for group in people:
        for dimension in DIMENSIONS:
            if group.value(dimension):
                children[(group.without(dimension), dimension)].append(group)
    shown = _nested_rule(set(people.values()), k)
    while True:
        hide = _hidden_too(people, children, shown, k)
        if not hide:
            return Disclosure(k, people, frozenset(shown))
        shown -= hide


def _nested_rule(masks: set[int], k: int) -> set[int]:
    """Rules 1 and 2: biggest first, each group only if it differs from every bigger group
    already allowed that holds all its people by at least k people."""
    allowed: set[int] = set()
    by_size: dict[int, list[int]] = defaultdict(list)
    for mask in sorted(masks, key=lambda m: (-m.bit_count(), m)):
        size = mask.bit_count()
        if size < k:
            continue
        near = (bigger for n in range(size + 1, size + k) for bigger in by_size.get(n, ()))
        if any(mask & bigger == mask for bigger in near):
            continue
        allowed.add(mask)
        by_size[size].append(mask)
    return allowed


def _hidden_too(
    people: dict[Group, int],
    children: dict[tuple[Group, str], list[Group]],
    shown: set[int],
    k: int,
) -> set[int]:
    """Groups to hide as well, so that rule 3 holds, and rule 2 for numbers that can be
    worked out from shown groups (by adding parts up, or taking parts from a whole). Empty
    when nothing more needs hiding."""
    hide: set[int] = set()
    for group, mask in people.items():
        parts_by = {d: children.get((group, d), []) for d in group.free()}
        used = [] if mask in shown else _worked_out_from(group, parts_by, people, children, shown)
        if mask not in shown and not used:
            continue
        for parts in parts_by.values():
            shown_parts = [people[p] for p in parts if people[p] in shown]
            rest = mask.bit_count() - sum(m.bit_count() for m in shown_parts)
            if 0 < rest < k and shown_parts:
                hide.add(_smallest(shown_parts))
        if used and _clashes(mask, shown, k):
            hide.add(_smallest(used))  # then it can no longer be worked out that way
    return hide


def _smallest(masks: Iterable[int]) -> int:
    return min(masks, key=lambda m: (m.bit_count(), m))


def _worked_out_from(
    group: Group,
    parts_by: dict[str, list[Group]],
    people: dict[Group, int],
    children: dict[tuple[Group, str], list[Group]],
    shown: set[int],
) -> list[int]:
    """The shown groups a hidden group's number could be worked out from: its parts along
    one filter, all shown; or a shown whole it is part of, with all its other parts shown.
    Empty when there are none."""
    for parts in parts_by.values():
        masks = [people[p] for p in parts]
        if masks and all(m in shown for m in masks):
            return masks
    for dimension in DIMENSIONS:
        if not group.value(dimension):
            continue
        whole = group.without(dimension)
        siblings = [people[p] for p in children.get((whole, dimension), []) if p != group]
        if people[whole] in shown and all(m in shown for m in siblings):
            return siblings or [people[whole]]
    return []


def _clashes(mask: int, shown: set[int], k: int) -> bool:
    """Whether a shown group holds all of it, or all of a shown group is in it, with
    between 1 and k-1 people between them."""
    size = mask.bit_count()
    for other in shown:
        gap = abs(other.bit_count() - size)
        if 0 < gap < k and (other & mask in (mask, other)):
            return True
    return False
