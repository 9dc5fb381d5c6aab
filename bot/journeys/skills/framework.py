"""The digital skills competency framework as data (strategy Priority 1): areas of skill,
four levels each described in plain words, learning for each level, and the target level
of each role family. Plain dataclasses and pure functions: parsing and checking a
framework, changing one area, and comparing a person's levels with their target.

The seed is `framework.json` beside this file. Admins change it in Teams; each change is
kept as a new version (see `data.py`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LEVELS: tuple[int, ...] = (1, 2, 3, 4)
LEVEL_NAMES: dict[int, str] = {1: "Aware", 2: "Working", 3: "Practitioner", 4: "Expert"}
SEED = Path(__file__).with_name("framework.json")

# Names the skills check's first step uses for its own questions: no area may take one.
RESERVED_KEYS = frozenset({"role_family", "directorate", "service_area"})
_KEY = re.compile(r"[a-z][a-z0-9_]{0,39}")
_COMMUNITY = re.compile(r"[a-z0-9][a-z0-9-]{0,59}")
NAME_MOST = 80
DESCRIPTION_MOST = 300
TITLE_MOST = 120
URL_MOST = 500
LINKS_MOST = 5  # learning links for one level of one area


def level_name(level: int) -> str:
    """ "level 2, Working": how a level is said everywhere."""
    return f"level {level}, {LEVEL_NAMES[level]}"


@dataclass(frozen=True)
class LearningLink:
    title: str
    url: str


@dataclass(frozen=True)
class Area:
    key: str  # "power_platform": stable, used in assessments
    name: str  # "Automation with the Power Platform"
    summary: str  # one sentence: what the area covers
    community: str  # the id of the community of practice that helps with it
    levels: tuple[str, str, str, str]  # what a person at level 1, 2, 3, 4 can do
    learning: Mapping[int, tuple[LearningLink, ...]]  # by level, every level present

    def describe(self, level: int) -> str:
        return self.levels[level - 1]


@dataclass(frozen=True)
class RoleFamily:
    key: str  # "senior_leader"
    name: str  # "Senior leader"
    description: str
    targets: Mapping[str, int]  # area key to target level, every area present


@dataclass(frozen=True)
class Framework:
    version: int  # 1 is the seed; each admin change adds one
    areas: tuple[Area, ...]
    role_families: tuple[RoleFamily, ...]

    def area(self, key: str) -> Area | None:
        return next((area for area in self.areas if area.key == key), None)

    def family(self, key: str) -> RoleFamily | None:
        return next((family for family in self.role_families if family.key == key), None)


class FrameworkProblems(ValueError):
    """The framework data is not usable. Each problem is one plain sentence."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(" ".join(problems))
        self.problems = problems


# ---- Reading and checking -----------------------------------------------------------


def parse_framework(data: Any, version: int = 1) -> Framework:
    """A framework from its JSON data, or FrameworkProblems listing everything wrong."""
    problems: list[str] = []
    if not isinstance(data, Mapping):
        raise FrameworkProblems(["The framework must be a set of areas and role families."])
    raw_areas = data.get("areas")
    if not isinstance(raw_areas, list) or not raw_areas:
        problems.append("The framework needs at least one area.")
        raw_areas = []
    areas = [area for i, raw in enumerate(raw_areas) if (area := _area(raw, i, problems))]
    # Every key named, even an area's with other problems: its targets are not wrong too.
    keys = [
        raw["key"]
        for raw in raw_areas
        if isinstance(raw, Mapping) and isinstance(raw.get("key"), str)
    ]
    for key in sorted({key for key in keys if keys.count(key) > 1}):
        problems.append(f"Two areas use the key {key}. Each area needs its own.")
    raw_families = data.get("role_families")
    if not isinstance(raw_families, list) or not raw_families:
        problems.append("The framework needs at least one role family.")
        raw_families = []
    families = [
        family
        for i, raw in enumerate(raw_families)
        if (family := _family(raw, i, set(keys), problems))
    ]
    family_keys = [family.key for family in families]
    for key in sorted({key for key in family_keys if family_keys.count(key) > 1}):
        problems.append(f"Two role families use the key {key}. Each needs its own.")
    if problems:
        raise FrameworkProblems(problems)
    return Framework(version, tuple(areas), tuple(families))


def _text(value: Any, most: int) -> str | None:
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    return text if text and len(text) <= most else None


def _area(raw: Any, index: int, problems: list[str]) -> Area | None:
    if not isinstance(raw, Mapping):
        problems.append(f"Area {index + 1} is not written as an area.")
        return None
    key, name = raw.get("key"), _text(raw.get("name"), NAME_MOST)
    said = name or f"Area {index + 1}"
    found = len(problems)
    if not isinstance(key, str) or not _KEY.fullmatch(key) or key in RESERVED_KEYS:
        problems.append(
            f"{said} needs a key of small letters, numbers and underscores, like power_platform."
        )
    if name is None:
        problems.append(f"Area {index + 1} needs a name of up to {NAME_MOST} characters.")
    summary = _text(raw.get("summary"), DESCRIPTION_MOST)
    if summary is None:
        problems.append(f"{said} needs a summary of up to {DESCRIPTION_MOST} characters.")
    community = raw.get("community")
    if not isinstance(community, str) or not _COMMUNITY.fullmatch(community):
        problems.append(f"{said} needs the id of the community that helps with it.")
    levels = _levels(raw.get("levels"), said, problems)
    learning = _learning(raw.get("learning"), said, problems)
    if len(problems) > found or levels is None or learning is None:
        return None
    assert isinstance(key, str) and name and summary and isinstance(community, str)
    return Area(key, name, summary, community, levels, learning)


def _level_keys(raw: Mapping[Any, Any], said: str, what: str, problems: list[str]) -> bool:
    """Whether `raw` has exactly levels 1 to 4 as its keys; a problem for each wrong one."""
    fine = True
    for key in raw:
        if str(key) not in {str(level) for level in LEVELS}:
            problems.append(f"{said} has {what} for level {key}. Levels go from 1 to 4.")
            fine = False
    given = {str(key) for key in raw}
    if fine and given != {str(level) for level in LEVELS}:
        problems.append(f"{said} has {what} for {len(given)} levels. It needs all 4 levels.")
        fine = False
    return fine


def _levels(raw: Any, said: str, problems: list[str]) -> tuple[str, str, str, str] | None:
    if not isinstance(raw, Mapping):
        problems.append(f"{said} needs a description for each of its 4 levels.")
        return None
    if not _level_keys(raw, said, "a description", problems):
        return None
    texts = []
    for level in LEVELS:
        text = _text(raw.get(str(level)), DESCRIPTION_MOST)
        if text is None:
            problems.append(
                f"{said} needs a description of level {level} "
                f"of up to {DESCRIPTION_MOST} characters."
            )
        texts.append(text or "")
    if not all(texts):
        return None
    return (texts[0], texts[1], texts[2], texts[3])


def _learning(
    raw: Any, said: str, problems: list[str]
) -> dict[int, tuple[LearningLink, ...]] | None:
    if raw is None:
        return {level: () for level in LEVELS}
    if not isinstance(raw, Mapping):
        problems.append(f"{said} has learning links that are not listed by level.")
        return None
    found = len(problems)
    for key in raw:
        if str(key) not in {str(level) for level in LEVELS}:
            problems.append(f"{said} has learning for level {key}. Levels go from 1 to 4.")
    learning: dict[int, tuple[LearningLink, ...]] = {}
    for level in LEVELS:
        links = raw.get(str(level)) or []
        if not isinstance(links, list) or len(links) > LINKS_MOST:
            problems.append(f"{said} can have up to {LINKS_MOST} learning links for level {level}.")
            continue
        learning[level] = tuple(
            link
            for link in (_link(item, said, level, problems) for item in links)
            if link is not None
        )
    return learning if len(problems) == found else None


def _link(raw: Any, said: str, level: int, problems: list[str]) -> LearningLink | None:
    title = _text(raw.get("title"), TITLE_MOST) if isinstance(raw, Mapping) else None
    url = raw.get("url") if isinstance(raw, Mapping) else None
    if title is None:
        problems.append(
            f"{said} has a learning link for level {level} without a title "
            f"of up to {TITLE_MOST} characters."
        )
        return None
    if not is_web_address(url):
        problems.append(
            f"The learning link {title} in {said} needs a web address starting https://."
        )
        return None
    assert isinstance(url, str)
    return LearningLink(title, url)


def is_web_address(url: Any) -> bool:
    return (
        isinstance(url, str)
        and len(url) <= URL_MOST
        and re.fullmatch(r"https://[A-Za-z0-9.-]+\.[A-Za-z]{2,}(?:[/?#][^\s<>\"]*)?", url)
        is not None
    )


def _family(raw: Any, index: int, areas: set[str], problems: list[str]) -> RoleFamily | None:
    if not isinstance(raw, Mapping):
        problems.append(f"Role family {index + 1} is not written as a role family.")
        return None
    key, name = raw.get("key"), _text(raw.get("name"), NAME_MOST)
    said = name or f"Role family {index + 1}"
    found = len(problems)
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        problems.append(f"{said} needs a key of small letters and underscores, like front_line.")
    if name is None:
        problems.append(f"Role family {index + 1} needs a name of up to {NAME_MOST} characters.")
    description = _text(raw.get("description"), DESCRIPTION_MOST)
    if description is None:
        problems.append(f"{said} needs a description of up to {DESCRIPTION_MOST} characters.")
    targets = raw.get("targets")
    if not isinstance(targets, Mapping):
        problems.append(f"{said} needs a target level for each area.")
        return None
    for area in targets:
        if area not in areas:
            problems.append(f"{said} has a target for {area}, which is not an area.")
    for area in sorted(areas - set(targets)):
        problems.append(f"{said} needs a target level for {area}.")
    for area, level in targets.items():
        if isinstance(level, bool) or not isinstance(level, int) or level not in LEVELS:
            problems.append(f"{said} has a target for {area} that is not a level from 1 to 4.")
    if len(problems) > found:
        return None
    assert isinstance(key, str) and name and description
    return RoleFamily(key, name, description, dict(targets))


def to_data(framework: Framework) -> dict[str, Any]:
    """The framework as JSON data, as `parse_framework` reads it."""
    return {
        "areas": [
            {
                "key": area.key,
                "name": area.name,
                "summary": area.summary,
                "community": area.community,
                "levels": {str(level): area.describe(level) for level in LEVELS},
                "learning": {
                    str(level): [
                        {"title": link.title, "url": link.url} for link in area.learning[level]
                    ]
                    for level in LEVELS
                },
            }
            for area in framework.areas
        ],
        "role_families": [
            {
                "key": family.key,
                "name": family.name,
                "description": family.description,
                "targets": dict(family.targets),
            }
            for family in framework.role_families
        ],
    }


def seed_framework() -> Framework:
    """The framework a council starts with (version 1)."""
    return parse_framework(json.loads(SEED.read_text(encoding="utf-8")), version=1)


# ---- An admin's change to one area ---------------------------------------------------

LINKS_HELP = "Put each link on its own line: its title, then a | sign, then its web address."


def links_text(links: tuple[LearningLink, ...]) -> str:
    """Learning links as an admin edits them: one a line, "title | web address"."""
    return "\n".join(f"{link.title} | {link.url}" for link in links)


def _read_links(text: str) -> tuple[tuple[LearningLink, ...], str]:
    """Links from an admin's lines, and a plain problem ("" when fine)."""
    links = []
    for number, line in enumerate((ln for ln in text.splitlines() if ln.strip()), start=1):
        title, bar, url = line.rpartition("|")
        title, url = " ".join(title.split()), url.strip()
        if not bar or not title:
            return (), f"Line {number} needs a title, then a | sign, then the web address."
        if len(title) > TITLE_MOST:
            return (), f"The title on line {number} must be {TITLE_MOST} characters or fewer."
        if not is_web_address(url):
            return (
                (),
                f"The web address on line {number} must start https://, like https://www.gov.uk.",
            )
        links.append(LearningLink(title, url))
    if len(links) > LINKS_MOST:
        return (), f"Give up to {LINKS_MOST} links. You gave {len(links)}."
    return tuple(links), ""


def edit_area(
    framework: Framework, area_key: str, values: Mapping[str, str]
) -> tuple[Framework | None, dict[str, str]]:
    """The next version of the framework with one area's descriptions, learning links and
    targets changed, or None and a plain problem for each input that is wrong.

    `values` are the edit card's inputs as typed: `level_1`..`level_4`, `links_1`..
    `links_4` and `target_<role family key>`.
    """
    area = framework.area(area_key)
    if area is None:
        raise KeyError(area_key)
    errors: dict[str, str] = {}
    texts = []
    for level in LEVELS:
        text = " ".join(values.get(f"level_{level}", "").split())
        if not text:
            errors[f"level_{level}"] = f"Describe what a person at level {level} can do."
        elif "://" in text or "www." in text.lower():
            errors[f"level_{level}"] = "Put web addresses in the learning links, not here."
        elif len(text) > DESCRIPTION_MOST:
            errors[f"level_{level}"] = (
                f"The description must be {DESCRIPTION_MOST} characters or fewer. "
                f"You entered {len(text):,}."
            )
        texts.append(text)
    learning: dict[int, tuple[LearningLink, ...]] = {}
    for level in LEVELS:
        links, problem = _read_links(values.get(f"links_{level}", ""))
        if problem:
            errors[f"links_{level}"] = problem
        learning[level] = links
    families = []
    for family in framework.role_families:
        raw = values.get(f"target_{family.key}", "").strip()
        if raw not in {str(level) for level in LEVELS}:
            errors[f"target_{family.key}"] = "Choose a target level from 1 to 4."
            families.append(family)
            continue
        families.append(
            RoleFamily(
                family.key,
                family.name,
                family.description,
                {**family.targets, area.key: int(raw)},
            )
        )
    if errors:
        return None, errors
    changed = Area(
        area.key,
        area.name,
        area.summary,
        area.community,
        (texts[0], texts[1], texts[2], texts[3]),
        learning,
    )
    areas = tuple(changed if a.key == area.key else a for a in framework.areas)
    return Framework(framework.version + 1, areas, tuple(families)), {}


# ---- A person's levels against their role family's target ---------------------------


@dataclass(frozen=True)
class AreaResult:
    area: Area
    level: int
    target: int
    learning: tuple[LearningLink, ...]  # for the levels between theirs and the target

    @property
    def gap(self) -> int:
        """How many levels below the target: 0 at or above it."""
        return max(0, self.target - self.level)


def compare(
    framework: Framework, family: RoleFamily, levels: Mapping[str, int]
) -> list[AreaResult]:
    """Each area of the framework: the person's level, the family's target, and the
    learning for each level above theirs up to the target (none when they reach it)."""
    results = []
    for area in framework.areas:
        level = levels.get(area.key, 1)
        target = family.targets.get(area.key, 1)
        links = tuple(
            link for step in range(level + 1, target + 1) for link in area.learning.get(step, ())
        )
        results.append(AreaResult(area, level, target, links))
    return results
