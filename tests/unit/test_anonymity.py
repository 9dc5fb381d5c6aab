"""The skills reports' anonymity rule: no group under the smallest size is shown, and no
two groups a report may show differ by between 1 and k-1 people, so subtracting one report
from another never describes a small group either."""

from __future__ import annotations

from itertools import product

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.anonymity import DIMENSIONS, Disclosure, Group, Row, disclose


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
