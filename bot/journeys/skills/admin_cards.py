"""Cards for admins: the competency framework at a glance, and the card that changes one
area's level descriptions, learning links and role families' targets."""

from __future__ import annotations

from collections.abc import Mapping

import microsoft_teams.cards as ac

from bot.journeys.skills.framework import (
    DESCRIPTION_MOST,
    LEVEL_NAMES,
    LEVELS,
    LINKS_HELP,
    Area,
    Framework,
    links_text,
)
from cards.elements import button, card, facts, heading, notice, para

SHOW = "skills.framework.show"
EDIT = "skills.framework.edit"
SAVE = "skills.framework.save"
AREA = "area"  # card data: which area a button is about
VERSION = "version"  # card data: the framework version the card shows


def build_framework_card(framework: Framework, communities: Mapping[str, str]) -> ac.AdaptiveCard:
    body: list[ac.CardElement] = [
        heading("Digital skills competency framework"),
        para(
            f"Version {framework.version}. Each area has four levels: "
            + ", ".join(f"{level} {name}" for level, name in LEVEL_NAMES.items())
            + ". Each role family has a target level in each area. The skills check and "
            "the reports use the newest version."
        ),
    ]
    for area in framework.areas:
        targets = [
            (family.name, f"level {family.targets[area.key]}") for family in framework.role_families
        ]
        community = communities.get(area.community, area.community)
        items: list[ac.CardElement] = [
            heading(area.name, size="Medium"),
            para(f"{area.summary} Help comes from the {community} community."),
            para("Target level for each role family:"),
            facts(targets),
            ac.ActionSet(actions=[button(f"Change {area.name}", EDIT, {AREA: area.key})]),
        ]
        body.append(ac.Container(items=items, separator=True, spacing="Medium"))
    return card(body, fallback=f"The digital skills framework, version {framework.version}.")


def edit_values(framework: Framework, area: Area) -> dict[str, str]:
    """What the edit card's inputs show before anyone types."""
    values = {f"level_{level}": area.describe(level) for level in LEVELS}
    values |= {f"links_{level}": links_text(area.learning[level]) for level in LEVELS}
    values |= {f"target_{f.key}": str(f.targets[area.key]) for f in framework.role_families}
    return values


def _with_error(errors: Mapping[str, str], name: str, element: ac.CardElement) -> ac.Container:
    items: list[ac.CardElement] = []
    if name in errors:
        items.append(ac.TextBlock(text=f"Error: {errors[name]}", weight="Bolder", wrap=True))
    items.append(element)
    return ac.Container(items=items, spacing="Medium")


def build_edit_card(
    framework: Framework,
    area: Area,
    values: Mapping[str, str],
    errors: Mapping[str, str] | None = None,
    message: str = "",
) -> ac.AdaptiveCard:
    errors = errors or {}
    body: list[ac.CardElement] = [
        heading(f"Change {area.name}"),
        para(
            f"Framework version {framework.version}. Saving keeps a new version; earlier "
            "skills checks keep the version they used."
        ),
    ]
    if message:
        body.append(notice(message, important=True))
    if errors:
        summary: list[ac.CardElement] = [
            ac.TextBlock(text="There is a problem", weight="Bolder", wrap=True)
        ]
        summary += [para(text) for text in errors.values()]
        body.append(ac.Container(style="attention", items=summary))
    body.append(heading("What a person at each level can do", size="Medium"))
    for level in LEVELS:
        name = f"level_{level}"
        field: ac.CardElement = ac.TextInput(
            id=name,
            label=f"Level {level}, {LEVEL_NAMES[level]}",
            value=values.get(name) or None,
            is_multiline=True,
            max_length=DESCRIPTION_MOST,
        )
        body.append(_with_error(errors, name, field))
    body.append(heading("Learning for each level", size="Medium"))
    body.append(para(LINKS_HELP, subtle=True))
    for level in LEVELS:
        name = f"links_{level}"
        field = ac.TextInput(
            id=name,
            label=f"Learning for level {level}, {LEVEL_NAMES[level]} (optional)",
            value=values.get(name) or None,
            is_multiline=True,
        )
        body.append(_with_error(errors, name, field))
    body.append(heading("Target level for each role family", size="Medium"))
    for family in framework.role_families:
        name = f"target_{family.key}"
        typed = values.get(name, "")
        field = ac.ChoiceSetInput(
            id=name,
            label=f"Target for {family.name.lower()} roles",
            choices=[
                ac.Choice(title=f"Level {level}, {LEVEL_NAMES[level]}", value=str(level))
                for level in LEVELS
            ],
            value=typed if typed in {str(level) for level in LEVELS} else None,
            style="compact",
            placeholder="Choose a level",
        )
        body.append(_with_error(errors, name, field))
    data = {AREA: area.key, VERSION: framework.version}
    actions: list[ac.Action] = [
        button("Save changes", SAVE, data, primary=True, validate=True),
        button("Back to the framework", SHOW),
    ]
    return card(body, actions, fallback=f"Change {area.name}.")


def build_saved_card(framework: Framework, area: Area) -> ac.AdaptiveCard:
    return card(
        [
            heading("Framework saved"),
            para(
                f"{area.name} is changed. This is version {framework.version} of the "
                "framework. Skills checks from now on use it."
            ),
        ],
        [button("Back to the framework", SHOW, primary=True)],
        fallback=f"Framework saved as version {framework.version}.",
    )
