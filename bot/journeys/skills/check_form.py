"""The skills check as a form for the form engine, made from the framework in use: a first
step about the person's role, then one step per area with its four levels as choices.

"Not sure" counts as level 1, Aware. Someone unsure whether they can do the things a
higher level describes is best shown the learning that starts from the beginning; they
can take the check again at any time, and a new check replaces nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from bot.domain.forms import Choice, FieldSpec, FormDefinition, Step, read_choice, read_text
from bot.domain.model import DIRECTORATES
from bot.journeys.skills.framework import LEVEL_NAMES, LEVELS, Area, Framework

KEY = "skills"  # the drafts' form name and the buttons' verbs: skills.next...
COMMAND = "skills check"
NOT_SURE = "not_sure"
NOT_SURE_LEVEL = 1
SERVICE_AREA_MOST = 80


@dataclass(frozen=True)
class SkillsAnswers:
    role_family: str  # a role family key
    directorate: str
    service_area: str
    levels: dict[str, int]  # area key to 1..4


def _role_step(framework: Framework) -> Step:
    families = tuple(
        Choice(family.key, family.name, family.description) for family in framework.role_families
    )
    return Step(
        1,
        "About your role",
        "This check takes about five minutes. Your answers show where you are against the "
        "digital skills your role needs, and the learning that can help. Managers and HR "
        "only ever see totals for groups of people, never your own answers.",
        (
            FieldSpec(
                "role_family",
                "Which best describes your role?",
                "choice",
                required=True,
                choices=families,
                noun="your role",
                missing="Choose the role that best describes yours",
            ),
            FieldSpec(
                "directorate",
                "Which directorate do you work in?",
                "choice",
                required=True,
                choices=tuple(Choice(name, name) for name in DIRECTORATES),
                noun="your directorate",
                missing="Choose your directorate",
            ),
            FieldSpec(
                "service_area",
                "Which service area do you work in?",
                "text",
                required=True,
                max_length=SERVICE_AREA_MOST,
                help="For example, Housing, Revenues and Benefits, or Waste and Recycling.",
                noun="your service area",
                missing="Enter your service area",
            ),
        ),
    )


def _level_choices(area: Area) -> tuple[Choice, ...]:
    levels = tuple(
        Choice(str(level), f"Level {level}, {LEVEL_NAMES[level]}", area.describe(level))
        for level in LEVELS
    )
    return (*levels, Choice(NOT_SURE, "Not sure", "we count this as level 1, Aware"))


def _area_step(number: int, area: Area) -> Step:
    return Step(
        number,
        area.name,
        f"{area.summary} Choose the description that fits you best. "
        "If you are not sure, choose Not sure: it counts as level 1, so you are shown "
        "learning that starts from the beginning.",
        (
            FieldSpec(
                area.key,
                f"{area.name}: which fits you best?",
                "choice",
                required=True,
                choices=_level_choices(area),
                noun=f"your level in {area.name.lower()}",
                missing="Choose the description that fits you best, or Not sure",
            ),
        ),
    )


def level_of(answer: str) -> int:
    return NOT_SURE_LEVEL if answer == NOT_SURE else int(answer)


def build_form(framework: Framework) -> FormDefinition[SkillsAnswers]:
    def build(values: Mapping[str, str], today: dt.date) -> SkillsAnswers:
        fields = form.fields
        return SkillsAnswers(
            role_family=read_choice(fields["role_family"], values.get("role_family", "")),
            directorate=read_choice(fields["directorate"], values.get("directorate", "")),
            service_area=read_text(fields["service_area"], values.get("service_area", "")),
            levels={
                area.key: level_of(read_choice(fields[area.key], values.get(area.key, "")))
                for area in framework.areas
            },
        )

    areas = (_area_step(number, area) for number, area in enumerate(framework.areas, start=2))
    steps = (_role_step(framework), *areas)
    form: FormDefinition[SkillsAnswers] = FormDefinition(
        key=KEY,
        title="Digital skills check",
        steps=steps,
        build=build,
        noun="skills check",
        start_command=COMMAND,
        resume_command=COMMAND,
        submit_label="Send and see my results",
        review_note="When you send this, you see your results and the learning that can help.",
    )
    return form
