"""The automation backlog's cards: a page of the backlog, and one process's estimate.

Numbers and the rules' words are ours; a process's name, service area and the systems
people named are theirs, so they go in as plain text runs, never Markdown.
"""

from __future__ import annotations

from collections.abc import Sequence

import microsoft_teams.cards as ac

from bot.domain.automation import (
    EASE_WORDS,
    Estimate,
    Kind,
    MappedProcess,
    Opportunity,
    hours,
    step_lines,
)
from cards.elements import button, card, heading, para, user_text

MORE = "processes.backlog.more"  # a page of the backlog (the first, or the next)
RAISE = "processes.backlog.raise"  # raise one as a digital request
PROCESS_ID, VERSION, FROM = "processId", "version", "from"
RAISE_TITLE = "Raise as a digital request"

ORDER = (
    "Most hours saved a year first. Where two save the same, the one that is quicker to "
    "build comes first."
)
EMPTY = (
    "Nothing is in the automation backlog yet. When someone maps a process and the rules "
    "find something self-service or automation could save, it appears here. Type map a "
    "process to add one."
)


def _raise_button(process: MappedProcess) -> ac.ExecuteAction:
    return button(RAISE_TITLE, RAISE, {PROCESS_ID: process.id, VERSION: process.version})


def _summary(estimate: Estimate) -> str:
    return (
        f"{estimate.label}. Could save about {hours(estimate.hours_saved)} of the "
        f"{hours(estimate.hours_spent)} hours a year it takes. Ease: {estimate.ease} out of 3, "
        f"{EASE_WORDS[estimate.ease]}."
    )


def _item(number: int, found: Opportunity) -> ac.Container:
    process = found.process
    where = ", ".join(part for part in (process.directorate, process.service_area) if part)
    items: list[ac.CardElement] = [
        user_text(f"{number}. {process.name or 'A process with no name'}", weight="Bolder"),
        user_text(where or "No directorate given", max_chars=200),
        para(_summary(found.estimate)),
        user_text(found.estimate.reason, max_chars=600),
        ac.ActionSet(actions=[_raise_button(process)]),
    ]
    return ac.Container(items=items, separator=True, spacing="Medium")


def build_backlog_card(
    page: Sequence[Opportunity], start: int, total: int, rules_version: int
) -> ac.AdaptiveCard:
    """Opportunities `start` to `start + len(page)` of `total`, numbered from 1."""
    body: list[ac.CardElement] = [
        heading("Automation backlog"),
        para(
            "Processes people have mapped, where self-service or automation could save "
            f"staff time. The estimates use the published rules, version {rules_version}. " + ORDER
        ),
    ]
    if not total:
        body.append(para(EMPTY))
        return card(body, fallback=EMPTY)
    shown_to = start + len(page)
    body.append(para(f"Showing {start + 1:,} to {shown_to:,} of {total:,}."))
    body += [_item(start + n, found) for n, found in enumerate(page, 1)]
    actions: list[ac.Action] = []
    if shown_to < total:
        actions.append(button("Show more", MORE, {FROM: shown_to}))
    return card(
        body,
        actions,
        fallback=f"Automation backlog: {total:,} {'process' if total == 1 else 'processes'}.",
    )


def build_estimate_card(process: MappedProcess, estimate: Estimate) -> ac.AdaptiveCard:
    """What self-service or automation could save on one process, every figure explained."""
    body: list[ac.CardElement] = [
        # Shown under the card that says the map was sent: a section, not a second title.
        heading("What self-service or automation could save", size="Medium"),
        user_text(process.name or "A process with no name", weight="Bolder"),
        para(f"Worked out with the published rules, version {estimate.rules_version}."),
    ]
    body += [user_text(line) for line in estimate.lines]
    body.append(heading("How each step's hours are worked out", size="Medium"))
    worked = step_lines(process)
    body += [para(line) for line in worked[:10]]
    more = len(worked) - 10
    if more > 0:
        body.append(para(f"And {more:,} more steps, worked out the same way."))
    actions: list[ac.Action] = [button("See the automation backlog", MORE, {FROM: 0})]
    if estimate.kind is Kind.NONE:
        body.append(para("So this process is not added to the automation backlog."))
    else:
        body.append(
            para(
                "It is in the automation backlog, where Power Platform makers can see it. "
                "You can raise it as a digital request now: your answers are carried over."
            )
        )
        actions.insert(0, _raise_button(process))
    return card(
        body, actions, fallback=f"Hours a year it could save: {hours(estimate.hours_saved)}."
    )
