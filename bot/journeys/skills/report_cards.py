"""The skills report card: the group's share at or above target in each area, the change
since the previous baseline, filters to pick another group, and the printable report's link.
A pure function of the report."""

from __future__ import annotations

from typing import Any

import microsoft_teams.cards as ac

from bot.journeys.skills.reports import (
    EVERYONE,
    REPORT_VERB,
    AreaFigure,
    Known,
    SkillsReport,
)
from cards.elements import button, card, facts, heading, notice, para, to_dict

HIDDEN = (
    "Not shown to protect people's privacy. The group is small, or showing it would let "
    "someone work out a small group's results."
)
NOT_SHOWN = "Not shown"  # in a table or a list of figures; HIDDEN says why


def not_shown(k: int) -> str:
    """A figure that is not shown, in a table: k is not given, as the group may be bigger."""
    return NOT_SHOWN


def rule_words(k: int) -> str:
    """The anonymity rule (bot/domain/anonymity.py) in plain words."""
    return (
        f"We only show a group if at least {k} people in it can be told apart from the "
        "rest. Some bigger groups are hidden too. This is so nobody can work out a small "
        "group's results by adding or taking away reports. People who can see these "
        f"reports do not count towards the {k}."
    )


def open_words(name: str) -> str:
    return (
        f"Figures for {name} are shown when it closes. This way, nobody can be picked out "
        "by comparing reports from before and after they take the check."
    )


HOW_TO_CLOSE = (
    "A baseline closes when an admin opens the next one. To do that, an admin types "
    "skills baseline and a name, like skills baseline Spring 2027."
)


def change_words(figure: AreaFigure) -> str:
    change = figure.change
    if change is None:
        return ""
    if change == 0:
        return " No change since the previous baseline."
    way = "Up" if change > 0 else "Down"
    points = "point" if abs(change) == 1 else "points"
    return f" {way} {abs(change)} percentage {points} since the previous baseline."


def area_line(figure: AreaFigure, k: int) -> str:
    if figure.now is None:
        return NOT_SHOWN
    return f"{figure.now}% at or above target.{change_words(figure)}"


def _choices(
    name: str, label: str, values: list[tuple[str, str]], chosen: str
) -> ac.ChoiceSetInput:
    everyone = ac.Choice(title="Everyone", value=EVERYONE)
    return ac.ChoiceSetInput(
        id=name,
        label=label,
        choices=[everyone, *(ac.Choice(title=title, value=value) for title, value in values)],
        value=chosen or EVERYONE,
        style="compact",
        # Always has a value (Everyone to start with), so marking it needed stops nothing.
        is_required=True,
        error_message=f"Choose a {label.lower()}, or Everyone",
    )


def _filters(report: SkillsReport, known: Known) -> list[ac.CardElement]:
    chosen = report.filters
    items: list[ac.CardElement] = [
        heading("See another group", size="Medium"),
        _choices(
            "directorate",
            "Directorate",
            [(v, v) for v in known.directorates],
            chosen.directorate,
        ),
        _choices(
            "service_area",
            "Service area",
            [(v, v) for v in known.service_areas],
            chosen.service_area,
        ),
    ]
    if not report.senior:
        items.append(
            _choices(
                "role_family",
                "Role family",
                [(name, key) for key, name in known.families],
                chosen.role_family,
            )
        )
    return items


def report_card(report: SkillsReport, known: Known, link: str, hours: int) -> dict[str, Any]:
    k = report.min_group
    title = "Senior leaders' digital skills" if report.senior else "Digital skills report"
    body: list[ac.CardElement] = [heading(title), para(report.scope)]
    if report.senior:
        body.append(
            para(
                "Senior leaders are Priority 3 of our digital strategy. This view shows only them."
            )
        )
    if not report.baselines and not report.open_baseline:
        body.append(para("Nobody has taken the skills check yet."))
        return to_dict(card(body, fallback="Nobody has taken the skills check yet."))
    if not report.baselines:
        body.append(para(f"There are no figures to show yet. {open_words(report.open_baseline)}"))
        body.append(para(HOW_TO_CLOSE))
        return to_dict(card(body, fallback="There are no skills figures to show yet."))
    baseline = report.baselines[-1]
    if report.shown:
        people = report.people[-1]
        body.append(
            para(
                f"Baseline: {baseline}. {people:,} people took the skills check. Each area "
                "shows the share of people at or above the target for their role family."
            )
        )
        body.append(facts([(f.name, area_line(f, k)) for f in report.areas]))
    else:
        body.append(para(f"Baseline: {baseline}. {HIDDEN}"))
    if report.open_baseline:
        body.append(para(open_words(report.open_baseline), subtle=True))
    body.append(notice(rule_words(k)))
    body.extend(_filters(report, known))
    actions: list[ac.Action] = [
        button("Show this group", REPORT_VERB, {"senior": report.senior}, primary=True),
        ac.OpenUrlAction(title="Open the printable report", url=link),
    ]
    body.append(
        para(
            f"The printable report has a chart for each area. Anyone with this link can "
            f"open it for {hours} hours. Do not forward it.",
            subtle=True,
        )
    )
    fallback = "Here is the skills report you asked for."
    return to_dict(card(body, actions, fallback=fallback))
