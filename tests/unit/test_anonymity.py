"""The skills reports' anonymity rule: every "atom" (the people in exactly the same shown
groups) has no one or at least k people who cannot see reports. So no set of people that
can be worked out by adding and taking away shown groups, in any mix, is smaller than k:
no one's row is in the span of the shown groups' rows. Also the reviewer's examples: mixed
filters, and a report viewer joining a small group to unlock it."""

from __future__ import annotations

import random
from fractions import Fraction
from itertools import combinations, product

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.anonymity import DIMENSIONS, Disclosure, Group, Row, atoms, disclose


def people(count: int, directorate: str, service_area: str, role_family: str, start: int = 0):
    return [
        Row(f"{service_area}-{role_family}-{start + n}", directorate, service_area, role_family)
        for n in range(count)
    ]


def every_group(rows: list[Row]) -> set[Group]:
    values = {d: {getattr(r, d) for r in rows} | {""} for d in DIMENSIONS}
    return {
        Group(*chosen)
        for chosen in product(values["directorate"], values["service_area"], values["role_family"])
    }


def members(group: Group, rows: list[Row]) -> frozenset[str]:
    return frozenset(r.person for r in rows if group.matches(r))


def test_a_group_smaller_than_k_is_never_shown() -> None:
    rows = people(4, "Place", "Waste", "manager") + people(20, "Place", "Parks", "manager")
    rows += people(20, "Place", "Roads", "manager") + people(10, "Place", "Schools", "manager")
    shown = disclose(rows, 5)
    assert not shown.may_show(Group(service_area="Waste"))
    assert not shown.may_show(Group(service_area="Waste", role_family="manager"))
    assert shown.may_show(Group(service_area="Parks"))
    # Place less Parks and Roads would be Schools and Waste: 14, so that is safe. But
    # Schools shown too would leave the 4 in Waste: the smallest shown part is hidden.
    assert not shown.may_show(Group(service_area="Schools"))


def test_the_directorate_report_minus_a_service_area_report_reveals_nobody() -> None:
    # Place has 23 people: 20 in Parks and 3 in Waste. Showing Place and Parks would
    # tell anyone the 3 in Waste by subtraction.
    rows = people(20, "Place", "Parks", "front_line") + people(3, "Place", "Waste", "front_line")
    shown = disclose(rows, 5)
    place, parks = Group(directorate="Place"), Group(service_area="Parks")
    assert shown.size(place) == 23 and shown.size(parks) == 20
    assert shown.may_show(place)
    assert not shown.may_show(parks)
    assert not shown.may_show(Group("Place", "Parks"))


def test_a_role_family_filter_that_takes_away_a_few_is_not_shown() -> None:
    # 30 in Finance: 27 office based and 3 managers. "Finance" and "Finance office based"
    # differ by the 3 managers.
    rows = people(27, "Resources", "Finance", "office") + people(
        3, "Resources", "Finance", "manager"
    )
    rows += people(30, "Resources", "Payroll", "office")
    shown = disclose(rows, 5)
    assert shown.may_show(Group(service_area="Finance"))
    assert not shown.may_show(Group(service_area="Finance", role_family="office"))
    # The same 3 managers are all the council's managers: everyone (60) and the council's
    # office-based staff (57) differ by them too.
    assert shown.may_show(Group())
    assert not shown.may_show(Group(role_family="office"))
    assert shown.may_show(Group(service_area="Payroll"))


def test_shown_parts_cannot_be_taken_from_a_shown_whole_to_find_a_small_part() -> None:
    # Place: Parks 10, Roads 10, Waste 2. Place (22) minus Parks minus Roads = Waste (2).
    rows = people(10, "Place", "Parks", "x") + people(10, "Place", "Roads", "x")
    rows += people(2, "Place", "Waste", "x")
    shown = disclose(rows, 5)
    parts = [Group(service_area=s) for s in ("Parks", "Roads")]
    if shown.may_show(Group(directorate="Place")):
        assert not all(shown.may_show(p) for p in parts)


def test_groups_with_the_same_people_are_shown_or_hidden_together() -> None:
    rows = people(12, "Place", "Parks", "front_line")
    shown = disclose(rows, 5)
    same = [
        Group(),
        Group("Place"),
        Group(service_area="Parks"),
        Group("Place", "Parks", "front_line"),
    ]
    assert all(shown.may_show(g) for g in same)


def test_the_smallest_group_must_be_two_or_more() -> None:
    with pytest.raises(ValueError):
        disclose([], 1)


def test_a_person_given_twice_counts_once() -> None:
    rows = people(5, "Place", "Parks", "x") + people(1, "Place", "Parks", "x")
    assert disclose(rows, 5).size(Group()) == 5


# ---- For any data: the promise itself ------------------------------------------------

row = st.builds(
    Row,
    person=st.integers(0, 60).map(str),
    directorate=st.sampled_from(["A", "B", "C"]),
    service_area=st.sampled_from(["s1", "s2", "s3", "s4", "s5"]),
    role_family=st.sampled_from(["front", "office", "manager", "senior"]),
)


def _allowed(shown: Disclosure, rows: list[Row]) -> dict[Group, frozenset[str]]:
    latest = list({r.person: r for r in rows}.values())
    return {g: members(g, latest) for g in every_group(latest) if shown.may_show(g)}


@settings(max_examples=300, deadline=None)
@given(rows=st.lists(row, max_size=80), k=st.integers(2, 6))
def test_any_two_allowed_reports_differ_by_no_one_or_at_least_k(rows: list[Row], k: int) -> None:
    shown = disclose(rows, k)
    allowed = _allowed(shown, rows)
    for group, who in allowed.items():
        assert len(who) >= k, group
        assert shown.size(group) == len(who)
    for (a, in_a), (b, in_b) in product(allowed.items(), repeat=2):
        if in_b <= in_a:
            assert len(in_a - in_b) == 0 or len(in_a - in_b) >= k, (a, b)


@settings(max_examples=300, deadline=None)
@given(rows=st.lists(row, max_size=80), k=st.integers(2, 6))
def test_shown_parts_of_a_shown_whole_leave_no_one_or_at_least_k(rows: list[Row], k: int) -> None:
    shown = disclose(rows, k)
    allowed = _allowed(shown, rows)
    latest = list({r.person: r for r in rows}.values())
    for whole, in_whole in allowed.items():
        for dimension in whole.free():
            values = {getattr(r, dimension) for r in latest if whole.matches(r)}
            parts = [members(Group(**{**whole.__dict__, dimension: v}), latest) for v in values]
            left = len(in_whole) - sum(len(p) for p in parts if p in allowed.values())
            assert left == 0 or left >= k, (whole, dimension)


# ---- Mixed filters: the atoms rule ---------------------------------------------------

# The reviewer's example: 2 managers in Place's Highways could be worked out from four
# reports with different filters (Place managers, less Place's Business Support managers,
# and so on), though every pair of reports differed by 5 or more.
MIXED = [
    ("Place", "Business Support", "manager", 5),
    ("Corporate Services", "Business Support", "manager", 5),
    ("Corporate Services", "Finance", "manager", 6),
    ("Place", "Highways", "manager", 2),
    ("Place", "Business Support", "office_based", 10),
    ("Corporate Services", "Business Support", "office_based", 10),
    ("Corporate Services", "Finance", "office_based", 10),
    ("Place", "Highways", "office_based", 10),
]


def mixed() -> list[Row]:
    rows: list[Row] = []
    for directorate, area, family, count in MIXED:
        rows += people(count, directorate, area, family, start=len(rows))
    return rows


def _rank(matrix: list[list[Fraction]]) -> int:
    """The rank of a matrix, worked out exactly (no rounding)."""
    rows = [row[:] for row in matrix]
    rank, width = 0, len(rows[0]) if rows else 0
    for col in range(width):
        pivot = next((r for r in range(rank, len(rows)) if rows[r][col] != 0), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        for r in range(len(rows)):
            if r != rank and rows[r][col] != 0:
                factor = rows[r][col] / rows[rank][col]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[rank], strict=True)]
        rank += 1
    return rank


def derivable(shown: Disclosure, rows: list[Row], who: frozenset[str]) -> bool:
    """Whether the people `who` (as a row of 0s and 1s) is a sum, with any numbers, of the
    shown groups' rows: then adding and taking away reports would describe just them."""
    latest = list({r.person: r for r in rows}.values())
    groups = sorted(shown.shown, key=lambda g: tuple(g.value(d) for d in DIMENSIONS))
    matrix = [[Fraction(int(g.matches(r))) for r in latest] for g in groups]
    target = [Fraction(int(r.person in who)) for r in latest]
    if not matrix:
        return False
    return _rank(matrix) == _rank([*matrix, target])


def test_mixed_filters_cannot_pick_out_the_two_highways_managers() -> None:
    rows = mixed()
    shown = disclose(rows, 5)
    two = members(Group("Place", "Highways", "manager"), rows)
    assert len(two) == 2
    assert not derivable(shown, rows, two)
    # Nor any set of fewer than 5, made of whole cells (people in the same 3 groups).
    cells = {(r.directorate, r.service_area, r.role_family) for r in rows}
    for count in (1, 2, 3):
        for chosen in combinations(sorted(cells), count):
            who = frozenset().union(*(members(Group(*c), rows) for c in chosen))
            if 0 < len(who) < 5:
                assert not derivable(shown, rows, who), chosen
    # The reports the reviewer used: not all of them may be shown.
    used = [
        Group(role_family="manager"),
        Group(directorate="Place", role_family="manager"),
        Group(service_area="Business Support", role_family="manager"),
        Group("Corporate Services", "Business Support", "manager"),
        Group("Place", "Business Support", "manager"),
    ]
    assert not all(shown.may_show(g) for g in used)
    assert not shown.may_show(Group("Place", "Highways", "manager"))
    assert not shown.may_show(Group(service_area="Highways", role_family="manager"))
    # Still useful: everyone, each directorate and each role family are shown.
    for group in (
        Group(),
        Group("Place"),
        Group("Corporate Services"),
        Group(role_family="manager"),
    ):
        assert shown.may_show(group), group
    assert sorted(len(a) for a in atoms(rows, shown))[0] >= 5


viewer_ids = st.sets(st.integers(0, 60).map(str), max_size=6)


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(row, max_size=80), k=st.integers(2, 6), viewers=viewer_ids)
def test_no_one_is_in_the_span_of_the_shown_groups(
    rows: list[Row], k: int, viewers: set[str]
) -> None:
    shown = disclose(rows, k, viewers)
    latest = list({r.person: r for r in rows}.values())
    for atom in atoms(rows, shown) if shown.shown else []:  # nothing shown: nothing to find
        assert len(atom - viewers) >= k, atom  # an atom is never empty
    for person in latest:
        assert not derivable(shown, rows, frozenset({person.person})), person
    for group in shown.shown:  # shown groups are the data's own, with their true size
        assert shown.size(group) == len(members(group, latest)) >= k


def test_the_same_data_gives_the_same_groups_in_any_order() -> None:
    rows = mixed() + people(7, "Place", "Parks", "front_line")
    first = disclose(rows, 5)
    for seed in range(20):
        shuffled = rows[:]
        random.Random(seed).shuffle(shuffled)
        again = disclose(shuffled, 5)
        assert again.shown == first.shown and again.sizes == first.sizes


def test_a_report_viewer_cannot_unlock_a_small_group_by_joining_it() -> None:
    # The reviewer's example: 4 office-based people in Highways, 30 in Waste. A manager who
    # sees reports takes the check in Highways: 5 people, but only 4 who cannot see reports.
    rows = people(4, "Place", "Highways", "office_based")
    rows += people(30, "Place", "Waste", "office_based")
    before = disclose(rows, 5, {"manager-1"})
    joined = [*rows, Row("manager-1", "Place", "Highways", "office_based")]
    after = disclose(joined, 5, {"manager-1"})
    assert not before.may_show(Group(service_area="Highways"))
    assert not after.may_show(Group(service_area="Highways"))
    assert after.shown == before.shown
    # Someone who cannot see reports makes it 5 of them: then it may be shown.
    other = [*rows, Row("new-starter", "Place", "Highways", "office_based")]
    assert disclose(other, 5, {"manager-1"}).may_show(Group(service_area="Highways"))


def test_viewers_alone_never_make_a_group() -> None:
    rows = [Row(f"hr-{n}", "Resources", "HR", "manager") for n in range(6)]
    shown = disclose(rows, 5, {r.person for r in rows})
    assert shown.shown == frozenset()


# ---- The settings ----------------------------------------------------------------------


def test_the_smallest_group_and_who_may_see_reports_are_read_from_settings() -> None:
    from bot.journeys.skills.reports import ReportSettings, load_settings

    problems: list[str] = []
    assert load_settings({}, problems) == ReportSettings(5, frozenset())
    hr = "00000000-0000-0000-0000-0000000000031"
    read = load_settings({"SKILLS_MIN_GROUP": "10", "SKILLS_REPORT_IDS": hr}, problems)
    assert read == ReportSettings(10, frozenset({hr}))
    assert problems == []


@pytest.mark.parametrize("bad", ["1", "0", "-5", "five", "2.5", "1001"])
def test_a_bad_smallest_group_is_one_plain_sentence(bad: str) -> None:
    from bot.journeys.skills.reports import load_settings

    problems: list[str] = []
    assert load_settings({"SKILLS_MIN_GROUP": bad}, problems).min_group == 5
    assert problems == [
        f"SKILLS_MIN_GROUP must be a whole number of people from 2 to 1000. It is '{bad}'."
    ]


def test_report_ids_that_are_not_entra_ids_are_one_plain_sentence() -> None:
    from bot.settings import SettingsError
    from bot.settings import load_settings as load_bot_settings

    with pytest.raises(SettingsError) as raised:
        load_bot_settings({"SKILLS_REPORT_IDS": "jo@example.org", "DATA_DIR": "/tmp/x"})
    assert (
        "SKILLS_REPORT_IDS must list Entra object ids (GUIDs), separated by commas. "
        "These are not: jo@example.org."
    ) in str(raised.value)


def test_exactly_k_people_is_enough_and_one_fewer_is_not() -> None:
    # Everyone is one group; the rule's boundary is "at least k", not "more than k".
    assert disclose(people(5, "Place", "Parks", "manager"), 5).may_show(Group())
    assert not disclose(people(4, "Place", "Parks", "manager"), 5).may_show(Group())
    # Two service areas of exactly k each split everyone into two atoms of k: both shown.
    rows = people(5, "Place", "Parks", "manager") + people(5, "Place", "Roads", "manager")
    shown = disclose(rows, 5)
    assert shown.may_show(Group(service_area="Parks"))
    assert shown.may_show(Group(service_area="Roads"))
    assert shown.size(Group(service_area="Parks")) == 5
    assert shown.size(Group(service_area="Nowhere")) == 0  # a group nobody is in


def test_the_smallest_group_message_is_plain() -> None:
    with pytest.raises(ValueError, match=r"^The smallest group must be 2 or more$"):
        disclose([], 1)


def test_a_group_splits_along_the_filters_it_leaves_open() -> None:
    assert Group().free() == DIMENSIONS
    assert Group("Place", role_family="manager").free() == ("service_area",)
    assert Group("Place", "Parks", "manager").free() == ()


def test_the_disclosure_keeps_its_smallest_group() -> None:
    assert disclose(people(5, "Place", "Parks", "manager"), 7).k == 7
