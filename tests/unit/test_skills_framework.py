"""The digital skills competency framework as data: the seed is complete and valid, bad
framework data is refused with one plain sentence per problem, an admin's change to one
area is checked before it becomes a new version, and a person's levels are compared with
their role family's target."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from bot.journeys.skills.check_form import NOT_SURE, build_form
from bot.journeys.skills.framework import (
    LEVELS,
    SEED,
    FrameworkProblems,
    compare,
    edit_area,
    links_text,
    parse_framework,
    seed_framework,
    to_data,
)

COMMUNITIES = {
    "m365-teams",
    "power-platform",
    "sharepoint",
    "data-reporting",
    "service-design",
    "agile-delivery",
    "cyber-security",
    "accessibility",
}


def seed_data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SEED.read_text(encoding="utf-8"))
    return data


def problems_of(data: Any) -> list[str]:
    with pytest.raises(FrameworkProblems) as raised:
        parse_framework(data)
    return raised.value.problems


def test_the_seed_covers_the_strategy_areas_with_four_described_levels_and_learning() -> None:
    framework = seed_framework()
    names = {area.name for area in framework.areas}
    for wanted in (
        "Using Microsoft 365 and Teams",
        "Working with data",
        "Cyber security awareness",
        "Accessibility",
        "Automation with the Power Platform",
        "Service design and user research",
    ):
        assert wanted in names
    assert [f.name for f in framework.role_families] == [
        "Front line",
        "Office based",
        "Manager",
        "Specialist",
        "Senior leader",
    ]
    for area in framework.areas:
        assert area.community in COMMUNITIES, area.community
        assert all(area.describe(level) for level in LEVELS)
        assert any(area.learning[level] for level in LEVELS), area.name
        for family in framework.role_families:
            assert family.targets[area.key] in LEVELS
    urls = [link.url for area in framework.areas for ls in area.learning.values() for link in ls]
    assert any("ncsc.gov.uk" in url for url in urls)
    assert any("learn.microsoft.com" in url for url in urls)
    assert any("gov.uk/service-manual" in url for url in urls)
    placeholders = [
        link
        for area in framework.areas
        for ls in area.learning.values()
        for link in ls
        if ".invalid" in link.url
    ]
    assert placeholders and all("replace" in link.title for link in placeholders)


def test_a_framework_reads_back_the_same_from_its_data() -> None:
    framework = seed_framework()
    assert parse_framework(to_data(framework), version=1) == framework


def test_a_level_out_of_range_is_refused_plainly() -> None:
    data = seed_data()
    data["areas"][0]["levels"]["5"] = "I can do everything."
    assert problems_of(data) == [
        "Using Microsoft 365 and Teams has a description for level 5. Levels go from 1 to 4."
    ]


def test_three_levels_are_refused_plainly() -> None:
    data = seed_data()
    del data["areas"][2]["levels"]["4"]
    assert problems_of(data) == [
        "Cyber security awareness has a description for 3 levels. It needs all 4 levels."
    ]


def test_missing_descriptions_are_refused_plainly() -> None:
    data = seed_data()
    data["areas"][1]["levels"]["2"] = "   "
    del data["areas"][3]["levels"]
    assert problems_of(data) == [
        "Working with data needs a description of level 2 of up to 300 characters.",
        "Accessibility needs a description for each of its 4 levels.",
    ]


def test_a_target_for_an_unknown_area_or_out_of_range_is_refused_plainly() -> None:
    data = seed_data()
    data["role_families"][0]["targets"]["juggling"] = 2
    data["role_families"][1]["targets"]["data"] = 7
    del data["role_families"][2]["targets"]["accessibility"]
    assert problems_of(data) == [
        "Front line has a target for juggling, which is not an area.",
        "Office based has a target for data that is not a level from 1 to 4.",
        "Manager needs a target level for accessibility.",
    ]


def test_other_bad_framework_data_is_refused_with_a_sentence_each() -> None:
    assert problems_of([]) == ["The framework must be a set of areas and role families."]
    assert problems_of({}) == [
        "The framework needs at least one area.",
        "The framework needs at least one role family.",
    ]
    data = seed_data()
    data["areas"][1]["key"] = data["areas"][0]["key"]
    data["areas"][4]["learning"]["2"][0]["url"] = "javascript:alert(1)"
    data["areas"][5]["key"] = "role_family"
    found = problems_of(data)
    assert "Two areas use the key m365_teams. Each area needs its own." in found
    assert any("needs a web address starting https://" in problem for problem in found)
    assert any(p.startswith("Service design and user research needs a key") for p in found)
    for problem in found:
        assert problem.endswith("."), problem
        assert "{" not in problem and "Traceback" not in problem


def area_values(area_key: str = "cyber_security") -> dict[str, str]:
    framework = seed_framework()
    area = framework.area(area_key)
    assert area is not None
    values = {f"level_{level}": area.describe(level) for level in LEVELS}
    values |= {f"links_{level}": links_text(area.learning[level]) for level in LEVELS}
    values |= {f"target_{f.key}": str(f.targets[area_key]) for f in framework.role_families}
    return values


def test_an_admin_change_to_one_area_makes_the_next_version() -> None:
    framework = seed_framework()
    values = area_values()
    values["level_2"] = "I can spot phishing and report it."
    values["links_2"] = "NCSC: phishing | https://www.ncsc.gov.uk/guidance/phishing"
    values["target_front_line"] = "3"
    changed, errors = edit_area(framework, "cyber_security", values)
    assert errors == {}
    assert changed is not None and changed.version == 2
    area = changed.area("cyber_security")
    assert area is not None and area.describe(2) == "I can spot phishing and report it."
    assert [link.title for link in area.learning[2]] == ["NCSC: phishing"]
    front_line = changed.family("front_line")
    assert front_line is not None and front_line.targets["cyber_security"] == 3
    assert changed.area("data") == framework.area("data"), "other areas are untouched"
    assert parse_framework(to_data(changed), 2) == changed


def test_bad_admin_changes_are_explained_next_to_each_input() -> None:
    values = area_values()
    values["level_1"] = ""
    values["level_3"] = "x" * 301
    values["links_1"] = "No bar here"
    values["links_4"] = "Board toolkit | ftp://example.org"
    values["target_manager"] = "5"
    values["target_specialist"] = "three"
    changed, errors = edit_area(seed_framework(), "cyber_security", values)
    assert changed is None
    assert errors == {
        "level_1": "Describe what a person at level 1 can do.",
        "level_3": "The description must be 300 characters or fewer. You entered 301.",
        "links_1": "Line 1 needs a title, then a | sign, then the web address.",
        "links_4": "The web address on line 1 must start https://, like https://www.gov.uk.",
        "target_manager": "Choose a target level from 1 to 4.",
        "target_specialist": "Choose a target level from 1 to 4.",
    }


def test_results_show_each_gap_with_the_learning_up_to_the_target() -> None:
    framework = seed_framework()
    family = framework.family("specialist")
    assert family is not None
    levels = {area.key: 4 for area in framework.areas} | {"data": 1}
    results = {result.area.key: result for result in compare(framework, family, levels)}
    data = results["data"]
    assert (data.level, data.target, data.gap) == (1, 3, 2)
    area = framework.area("data")
    assert area is not None
    assert data.learning == area.learning[2] + area.learning[3]
    assert all(
        result.gap == 0 and not result.learning for key, result in results.items() if key != "data"
    )


def test_the_check_has_a_step_about_the_role_then_one_per_area() -> None:
    framework = seed_framework()
    form = build_form(framework)
    assert len(form.steps) == 1 + len(framework.areas)
    assert [spec.name for spec in form.steps[0].fields] == [
        "role_family",
        "directorate",
        "service_area",
    ]
    for step, area in zip(form.steps[1:], framework.areas, strict=True):
        (spec,) = step.fields
        assert spec.name == area.key and spec.required
        assert [c.value for c in spec.choices or ()] == ["1", "2", "3", "4", NOT_SURE]


def test_not_sure_counts_as_level_one() -> None:
    framework = seed_framework()
    form = build_form(framework)
    values = {"role_family": "manager", "directorate": "Place", "service_area": "Parks"}
    values |= {area.key: "3" for area in framework.areas} | {"data": NOT_SURE}
    built = form.build(values, seed_framework_date())
    assert built.levels["data"] == 1 and built.levels["accessibility"] == 3


def seed_framework_date() -> Any:
    import datetime as dt

    return dt.date(2026, 3, 2)


def test_changing_a_copy_never_changes_the_seed() -> None:
    before = copy.deepcopy(to_data(seed_framework()))
    edit_area(seed_framework(), "data", area_values("data"))
    assert to_data(seed_framework()) == before
