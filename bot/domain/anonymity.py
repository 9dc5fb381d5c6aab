"""Which groups of people a skills report may show, so that nobody can be identified.

k is the smallest group (SKILLS_MIN_GROUP, 5 unless set). The rule, in one line: the
groups a baseline's reports may ever show are chosen so that every "atom" has no one in it
or at least k people who cannot see reports.

An atom is a set of people who belong to exactly the same shown groups: the people in
"Place" and "managers" but in no other shown group, say. Together the atoms split
everyone into parts, and every shown group is some of these parts put together.

Why that is enough (the proof). Anyone who sees reports can add and take away the shown
groups' figures, in any mix, over as many reports as they like. Whatever set of people
such a sum or difference describes, it gives each person a number: how many times they
are counted. People in the same atom are in the same shown groups, so they always get the
same number. So if the sum describes a plain set of people (each counted once or not at
all), that set is some atoms put together: no one, or at least k people. Nobody can work
out a smaller group's figures, nor one person's. (In numbers: a person's row of 0s and 1s
is never a sum of the shown groups' rows, as it is not the same across their atom.)

People who may see the reports (admins and SKILLS_REPORT_IDS) do not count towards k, so
one of them cannot make a small group big enough to show by taking the check in it, and
then take their own answers away.

How the groups are chosen: one pass over every group in the data, most useful first
(everyone; directorates; role families; service areas; directorate and role family;
service area and role family; directorate and service area; all three), biggest first
within each of those, then by name. A group is added only if splitting every atom so far
by it leaves each part with no one or at least k people who cannot see reports. The same
data always gives the same groups, whatever anyone asks for and in whatever order.

Every share in a report is of the group's own number of people, so no other number leaks
a smaller group.

Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import combinations

DIMENSIONS = ("directorate", "service_area", "role_family")
DEFAULT_MIN_GROUP = 5
# Which filters a group sets, most useful first: the order groups are offered in.
ORDER: tuple[tuple[str, ...], ...] = (
    (),
    ("directorate",),
    ("role_family",),
    ("service_area",),
    ("directorate", "role_family"),
    ("service_area", "role_family"),
    ("directorate", "service_area"),
    ("directorate", "service_area", "role_family"),
)


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

    def chosen(self) -> tuple[str, ...]:
        return tuple(d for d in DIMENSIONS if self.value(d))


Cell = tuple[str, str, str]  # (directorate, service area, role family)


def _groups_of(cell: Cell) -> Iterator[Group]:
    """Every group the people of a cell are in: each filter set to theirs or left open."""
    values = dict(zip(DIMENSIONS, cell, strict=True))
    for count in range(len(DIMENSIONS) + 1):
        for chosen in combinations(DIMENSIONS, count):
            yield Group(**{d: values[d] for d in chosen})


@dataclass(frozen=True)
class Disclosure:
    """The groups one baseline's reports may show. Ask `may_show` for any group."""

    k: int
    sizes: dict[Group, int]  # every group present in the data -> its number of people
    shown: frozenset[Group]

    def size(self, group: Group) -> int:
        return self.sizes.get(group, 0)

    def may_show(self, group: Group) -> bool:
        return group in self.shown


def candidates(sizes: dict[Group, int]) -> list[Group]:
    """Every group in the data, in the order they are offered: see ORDER."""
    rank = {chosen: n for n, chosen in enumerate(ORDER)}
    return sorted(
        sizes,
        key=lambda g: (
            rank[g.chosen()],
            -sizes[g],
            tuple((g.value(d).casefold(), g.value(d)) for d in DIMENSIONS),
        ),
    )


def disclose(
    rows: Iterable[Row], k: int = DEFAULT_MIN_GROUP, viewers: Iterable[str] = ()
) -> Disclosure:
    """Decide which groups a report may show (see the module's rule). One row a person: a
    person given twice counts once, as their last row. `viewers` are the people who may
    see reports: they do not count towards k."""
    if k < 2:
        raise ValueError("The smallest group must be 2 or more")
    seeing = frozenset(viewers)
    latest = {row.person: row for row in rows}
    # People in the same directorate, service area and role family are in the same groups:
    # work with these cells, far fewer than people.
    people: dict[Cell, int] = defaultdict(int)
    counted: dict[Cell, int] = defaultdict(int)  # people who cannot see reports
    for row in latest.values():
        cell = (row.directorate, row.service_area, row.role_family)
        people[cell] += 1
        counted[cell] += row.person not in seeing
    cells = sorted(people)
    members: dict[Group, list[int]] = defaultdict(list)
    for index, cell in enumerate(cells):
        for group in _groups_of(cell):
            members[group].append(index)
    sizes = {group: sum(people[cells[i]] for i in held) for group, held in members.items()}
    shown = _choose(members, [counted[c] for c in cells], candidates(sizes), k)
    return Disclosure(k, sizes, frozenset(shown))


def _choose(
    members: dict[Group, list[int]], counted: list[int], offered: list[Group], k: int
) -> list[Group]:
    """The greedy pass: each group in turn, kept only if every atom it splits leaves two
    parts with at least k people who cannot see reports each. (A part with people in it
    always has someone: every cell has at least one person.)"""
    if sum(counted) < k:
        return []
    atom_of = [0] * len(counted)  # at first one atom: everyone
    atom_counted = {0: sum(counted)}
    atom_cells = {0: len(counted)}
    shown: list[Group] = []
    for group in offered:
        inside: dict[int, list[int]] = defaultdict(list)
        for cell in members[group]:
            inside[atom_of[cell]].append(cell)
        split = {a: held for a, held in inside.items() if len(held) < atom_cells[a]}
        if any(
            min(n := sum(counted[c] for c in held), atom_counted[a] - n) < k
            for a, held in split.items()
        ):
            continue
        shown.append(group)
        for atom, held in split.items():
            new = len(atom_cells)
            n = sum(counted[c] for c in held)
            for cell in held:
                atom_of[cell] = new
            atom_cells[new], atom_counted[new] = len(held), n
            atom_cells[atom] -= len(held)
            atom_counted[atom] -= n
    return shown


def atoms(rows: Iterable[Row], disclosure: Disclosure) -> list[frozenset[str]]:
    """The people split by which shown groups they are in (for checking the rule)."""
    found: dict[tuple[bool, ...], set[str]] = defaultdict(set)
    groups = sorted(disclosure.shown, key=lambda g: tuple(g.value(d) for d in DIMENSIONS))
    for row in {r.person: r for r in rows}.values():
        found[tuple(g.matches(row) for g in groups)].add(row.person)
    return [frozenset(people) for people in found.values()]
