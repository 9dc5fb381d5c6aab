"""Every card the bot can send is accessible: axe-core finds nothing the card controls.

The cards come from walking every journey over HTTP (tests/e2e/all_cards.py). Each is drawn
by the official Adaptive Cards renderer (npm `adaptivecards`) in headless Chromium, in a
plain local page (tests/js/cards_page.html) so that findings are about our cards and not a
chat client's own page; Action.ShowCard cards are drawn as cards of their own, since axe
skips what is hidden. axe-core (npm `axe-core`) then runs the WCAG 2.0, 2.1 and 2.2 A and
AA rules. One Chromium serves every card; nothing leaves the machine.

On the card JSON itself: every input has a label; an input the bot always needs is marked
`isRequired` with an `errorMessage`; an optional one says "(optional)" in its label and is
not marked; one needed only sometimes (one of a group, or only when buying) does neither.
For form questions the form definitions say which is which; for other inputs, the card.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, Route, async_playwright

from bot.domain.forms import FieldSpec
from bot.journeys.feedback.form import FEEDBACK_FORM
from bot.journeys.intake.form import REQUEST_FORM
from bot.journeys.skills.framework import seed_framework
from tests.e2e.all_cards import SentCard, cards_and_show_cards, walk_every_journey
from tests.e2e.playground import REPO_ROOT, launch_chromium
from tests.support.cards import assert_cards_ok, find_inputs

PAGE = REPO_ROOT / "tests" / "js" / "cards_page.html"
AXE = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_OPTIONS: dict[str, Any] = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"],
    },
    # Experimental in axe, so off unless named: a button whose name is not its visible text
    # ("Show" for a row that reads "DR-2026-0001: ...") misleads people who use voice control.
    "rules": {"label-content-name-mismatch": {"enabled": True}},
    "resultTypes": ["violations"],
}
OPTIONAL = "(optional)"
# Two inputs for one answer, either of which will do: a duplicate is picked from the list of
# similar requests or typed as a reference. Neither can be required on its own.
EITHER_OR = frozenset({"duplicateOf", "duplicateRef"})
# Needed, but checked by the bot (which says what is wrong next to the box), not marked
# required: Teams checks every input of a card and the cards around it whichever button
# is pressed, so a required box would stop the card's other buttons. Only a panel holding
# one box and its one button marks it (tests/e2e/test_triage_panels.py checks where).
CHECKED_BY_THE_BOT = frozenset(
    {"assignee", "routeBoard", "routeProcess", "routeReason", "rejectReason", "question"}
    | {"answer_text"}  # a champion's answer: the card also has "I'll answer in a call"
    # A process map's step: the steps page also has Change step, Remove step and Next.
    | {"step_who", "step_what", "step_system", "step_minutes", "step_often", "step_share"}
    | {"chosen_step"}
    # The skills framework's area: the card also has Back to the framework.
    | {f"level_{level}" for level in range(1, 5)}
    | {f"target_{family.key}" for family in seed_framework().role_families}
)


@dataclass(frozen=True)
class Finding:
    card: int
    rule: str
    help: str
    target: str
    html: str
    summary: str


def _native_choice_box(finding: Finding) -> bool:
    return finding.html.startswith("<input") and (
        'type="radio"' in finding.html or 'type="checkbox"' in finding.html
    )


# Findings caused only by the renderer's own markup, which no card property can change.
# Each is allowed only for the markup named here; the same rule anywhere else still fails.
RENDERER_ONLY: dict[str, Callable[[Finding], bool]] = {
    # WCAG 2.2 target size (24 px): the renderer draws ChoiceSet options as the browser's own
    # 13 px radio buttons and tick boxes. Their labels are clickable too, and Teams draws its
    # own larger controls; a card has no property for the size.
    "target-size": _native_choice_box,
}


async def _only_local_files(route: Route) -> None:
    if route.request.url.startswith("file://"):
        await route.continue_()
    else:
        await route.abort()


@pytest.fixture
async def page() -> AsyncIterator[Page]:
    async with async_playwright() as playwright:
        browser = await launch_chromium(playwright)
        try:
            tab = await browser.new_page()
            await tab.route("**/*", _only_local_files)
            yield tab
        finally:
            await browser.close()


async def axe_findings(page: Page, cards: list[dict[str, Any]]) -> tuple[list[Any], list[Finding]]:
    """Render the cards and run axe: (renderer problems per card, axe findings)."""
    await page.goto(PAGE.as_uri())
    problems = await page.evaluate("cards => renderCards(cards)", cards)
    await page.add_script_tag(path=str(AXE))
    found = await page.evaluate("options => checkCards(options)", AXE_OPTIONS)
    return problems, [Finding(**item) for item in found]


def card_controls(finding: Finding) -> bool:
    allowed = RENDERER_ONLY.get(finding.rule)
    return allowed is None or not allowed(finding)


def describe(findings: list[Finding], sent: list[SentCard]) -> str:
    lines = []
    for f in findings:
        name = sent[f.card].name if 0 <= f.card < len(sent) else "the page itself"
        lines.append(f"- card {f.card} ({name}): {f.rule} at {f.target}: {f.help}\n    {f.html}")
    return "\n".join(lines)


def _form_fields() -> dict[str, FieldSpec]:
    """Every question of every form, by input id: what the server needs of each."""
    return {
        spec.name: spec
        for form in (REQUEST_FORM, FEEDBACK_FORM)
        for step in form.steps
        for spec in step.fields
    }


def _needs(field: dict[str, Any], specs: dict[str, FieldSpec]) -> str:
    """Whether the input is "required", "optional", needed "sometimes" (in a group or a
    case), or "checked" by the bot when its own button is pressed."""
    spec = specs.get(str(field.get("id")))
    if spec is None:  # not a form question: the card itself says
        if field.get("id") in EITHER_OR:
            return "sometimes"
        if field.get("id") in CHECKED_BY_THE_BOT:
            return "checked"
        return "required" if field.get("isRequired") is True else "optional"
    if spec.required:
        return "required"
    return "sometimes" if spec.in_group or spec.needed_if else "optional"


def input_problems(sent: list[SentCard]) -> list[str]:
    specs = _form_fields()
    problems = []
    for item in sent:
        for field in find_inputs(item.card):
            label = str(field.get("label") or "").strip()
            where = f"{item.name}: {field['type']} {field.get('id')!r} ({label!r})"
            if not label:
                problems.append(f"{where} has no label")
            marked = field.get("isRequired") is True
            message = str(field.get("errorMessage") or "").strip()
            needs = _needs(field, specs)
            if marked and not message:
                problems.append(f"{where} is marked required but has no errorMessage")
            if needs == "required" and not marked:
                problems.append(f"{where} is required but not marked isRequired")
            if needs not in ("required", "checked") and marked:
                problems.append(f"{where} is marked isRequired but is not always needed")
            if (needs == "optional") != (OPTIONAL in label):
                problems.append(f"{where} is {needs}: only an optional label says {OPTIONAL}")
    return problems


async def test_axe_finds_nothing_a_card_controls_in_any_card(page: Page, tmp_path: Path) -> None:
    sent = cards_and_show_cards(await walk_every_journey(tmp_path))
    problems, findings = await axe_findings(page, [item.card for item in sent])
    rendered = [f"{sent[i].name}: {p}" for i, found in enumerate(problems) for p in found]
    assert not rendered, "The renderer could not draw:\n" + "\n".join(rendered)
    ours = [f for f in findings if card_controls(f)]
    assert not ours, "axe-core found accessibility problems:\n" + describe(ours, sent)


async def test_every_input_is_labelled_and_says_whether_it_is_required(tmp_path: Path) -> None:
    sent = cards_and_show_cards(await walk_every_journey(tmp_path))
    assert sum(len(find_inputs(item.card)) for item in sent) > 20, (
        "the walk reached the cards with inputs"
    )
    problems = input_problems(sent)
    assert not problems, "Inputs that do not say what they need:\n" + "\n".join(problems)
    assert_cards_ok([item.card for item in sent])


# ---- The checks can fail -------------------------------------------------------------------

BAD_CARD: dict[str, Any] = {
    "type": "AdaptiveCard",
    "version": "1.5",
    "body": [
        # Pale text on white: color-contrast.
        {"type": "TextBlock", "text": "Faint words", "color": "Warning", "isSubtle": True},
        # No label: label (and the JSON check below).
        {"type": "Input.Text", "id": "name"},
        # A row announced as "Show" but reading as its reference: label-content-name-mismatch.
        {
            "type": "Container",
            "selectAction": {"type": "Action.Execute", "verb": "show", "title": "Show"},
            "items": [{"type": "TextBlock", "text": "DR-2026-0001: Garden waste"}],
        },
        {
            "type": "Input.ChoiceSet",
            "id": "pick",
            "label": "Pick one",
            "style": "expanded",
            "choices": [{"title": "One", "value": "1"}, {"title": "Two", "value": "2"}],
        },
    ],
}


async def test_the_checks_report_a_card_that_is_not_accessible(page: Page) -> None:
    _, findings = await axe_findings(page, [BAD_CARD])
    ours = {f.rule for f in findings if card_controls(f) and f.card == 0}
    assert {"color-contrast", "label", "label-content-name-mismatch"} <= ours, findings
    # A renderer-only finding is let through only for the markup it names.
    boxes = [f for f in findings if f.rule == "target-size"]
    assert boxes and not any(card_controls(f) for f in boxes)
    assert card_controls(Finding(0, "target-size", "", "", "<button>Go</button>", ""))
    bad = [SentCard("bad", BAD_CARD)]
    assert input_problems(bad) == [
        "bad: Input.Text 'name' ('') has no label",
        "bad: Input.Text 'name' ('') is optional: only an optional label says (optional)",
        "bad: Input.ChoiceSet 'pick' ('Pick one') is optional: only an optional label says "
        "(optional)",
    ]
    # The form's own questions: a required one must be marked, an optional one must say so.
    title = {"type": "Input.Text", "id": "title", "label": "Title"}
    comment = {"type": "Input.Text", "id": "comment", "label": "Comment", "isRequired": True}
    form = [SentCard("form", {"type": "AdaptiveCard", "body": [title, comment]})]
    assert input_problems(form) == [
        "form: Input.Text 'title' ('Title') is required but not marked isRequired",
        "form: Input.Text 'comment' ('Comment') is marked required but has no errorMessage",
        "form: Input.Text 'comment' ('Comment') is marked isRequired but is not always needed",
        "form: Input.Text 'comment' ('Comment') is optional: only an optional label says "
        "(optional)",
    ]
