"""The card a person sees after a skills check: each area, their level against their role
family's target in words and symbols (never colour alone), learning for each gap, and who
can help."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import microsoft_teams.cards as ac

from bot.journeys.skills.check_form import COMMAND, KEY
from bot.journeys.skills.framework import AreaResult, RoleFamily, level_name
from cards.elements import button, card, heading, para

MET = "✓ At or above your target"
BELOW = "✗ Below your target"


@dataclass(frozen=True)
class Helpers:
    """Who can help with an area: its community and a few of its champions."""

    community: str  # the community's name, or "" when it is not known
    champions: tuple[tuple[str, str], ...] = ()  # (name, service area)


def _who_can_help(helpers: Helpers | None) -> str:
    if helpers is None or not helpers.community:
        return "To ask for help, type ask and your question."
    if not helpers.champions:
        return (
            f"Ask in the {helpers.community} community: type ask and your question, "
            "and it goes to them."
        )
    names = [f"{name} ({area})" if area else name for name, area in helpers.champions]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return (
        f"Digital champions in the {helpers.community} community can help: {listed}. "
        "Type ask and your question to reach them."
    )


def _area(result: AreaResult, helpers: Helpers | None) -> ac.Container:
    verdict = MET if not result.gap else f"{BELOW}, by {result.gap} level{'s' * (result.gap > 1)}"
    items: list[ac.CardElement] = [
        heading(result.area.name, size="Medium"),
        ac.TextBlock(text=verdict, weight="Bolder", wrap=True),
        para(f"You: {level_name(result.level)}. Target: {level_name(result.target)}."),
    ]
    if result.gap:
        items.append(
            para(f"What {level_name(result.target)} means: {result.area.describe(result.target)}")
        )
        if result.learning:
            items.append(para("Suggested learning:"))
            items.append(
                ac.ActionSet(
                    actions=[
                        ac.OpenUrlAction(title=link.title, url=link.url) for link in result.learning
                    ]
                )
            )
        items.append(para(_who_can_help(helpers)))
    return ac.Container(items=items, separator=True, spacing="Medium")


def build_result_card(
    family: RoleFamily,
    results: Sequence[AreaResult],
    baseline: str,
    helpers: Mapping[str, Helpers],
) -> ac.AdaptiveCard:
    met = sum(1 for result in results if not result.gap)
    body: list[ac.CardElement] = [
        heading("Your digital skills"),
        para(
            f"You are at or above the target for {family.name.lower()} roles in {met} of "
            f"{len(results)} areas."
        ),
    ]
    body += [_area(result, helpers.get(result.area.key)) for result in results]
    body.append(
        para(
            f"Your answers are kept in this baseline: {baseline}. Managers and HR see only "
            f"totals for groups of people. Type {COMMAND} to take the check again at any time.",
            subtle=True,
        )
    )
    actions: list[ac.Action] = [button("Take the check again", f"{KEY}.new")]
    return card(
        body,
        actions,
        fallback=f"Your digital skills: at or above target in {met} of {len(results)} areas.",
    )
