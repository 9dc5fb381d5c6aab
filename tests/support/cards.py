"""Checks for Adaptive Cards built by `cards/`: the official renderer plus house rules.

The renderer (npm `adaptivecards`, run by `tests/js/check_cards.js`) catches unknown
element and action types, invalid property values, duplicate ids, inputs without an id and
some missing required properties. On top of that every card must:

- declare `version` "1.5" (and, if it has one, the Adaptive Cards `$schema`);
- give every `Input.*` element an `id` and a non-empty `label` (screen readers need it);
- use each input id once;
- keep links out of TextBlocks (no Markdown links, no raw URLs): links go in actions;
- have the properties the 1.5 schema requires where the renderer does not insist on them.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
CHECK_CARDS_JS = REPO_ROOT / "tests" / "js" / "check_cards.js"
RENDERER_DIR = REPO_ROOT / "node_modules" / "adaptivecards"

CARD_VERSION = "1.5"
CARD_SCHEMAS = {
    "http://adaptivecards.io/schemas/adaptive-card.json",
    "https://adaptivecards.io/schemas/adaptive-card.json",
    "http://adaptivecards.io/schemas/1.5.0/adaptive-card.json",
    "https://adaptivecards.io/schemas/1.5.0/adaptive-card.json",
}

# Required by the Adaptive Cards 1.5 schema, but accepted silently by the renderer.
REQUIRED_PROPERTIES: dict[str, tuple[str, ...]] = {
    "TextBlock": ("text",),
    "TextRun": ("text",),
    "RichTextBlock": ("inlines",),
    "Image": ("url",),
    "ImageSet": ("images",),
    "Media": ("sources",),
    "FactSet": ("facts",),
    "Container": ("items",),
    "ActionSet": ("actions",),
    "Action.ToggleVisibility": ("targetElements",),
}

# Subtrees that hold payloads rather than card elements.
NOT_ELEMENTS = frozenset({"data"})


def card_problems(cards: list[dict[str, Any]]) -> list[list[str]]:
    """Return the problems of each card, in order; an empty list means the card is fine."""
    renderer = _renderer_errors(cards)
    return [found + _house_rule_problems(card) for found, card in zip(renderer, cards, strict=True)]


def assert_cards_ok(cards: list[dict[str, Any]]) -> None:
    """Fail with every problem of every card, by card index."""
    report = [
        f"card {index}:\n" + "\n".join(f"  - {problem}" for problem in problems)
        for index, problems in enumerate(card_problems(cards))
        if problems
    ]
    if report:
        raise AssertionError("Adaptive Card problems:\n" + "\n".join(report))


def elements(card: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every typed object in the card (elements, actions, inlines, nested cards)."""
    stack: list[Any] = [card]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(reversed(node))
        elif isinstance(node, dict):
            if isinstance(node.get("type"), str):
                yield node
            stack.extend(reversed([v for k, v in node.items() if k not in NOT_ELEMENTS]))


def find_inputs(card: dict[str, Any]) -> list[dict[str, Any]]:
    """All `Input.*` elements, at any depth (containers, columns, show-cards...)."""
    return [e for e in elements(card) if e["type"].startswith("Input.")]


def all_text(card: dict[str, Any]) -> str:
    """The words a person sees, one piece per line.

    TextBlocks, TextRuns (and plain-string inlines), fact titles and values, action
    titles, input labels and choice titles.
    """
    pieces: list[str] = []
    for element in elements(card):
        kind = element["type"]
        if kind in ("TextBlock", "TextRun"):
            pieces.append(str(element.get("text", "")))
        elif kind == "RichTextBlock":
            pieces.extend(i for i in element.get("inlines", []) if isinstance(i, str))
        elif kind == "FactSet":
            for fact in element.get("facts", []):
                pieces.extend([str(fact.get("title", "")), str(fact.get("value", ""))])
        elif kind.startswith("Action."):
            pieces.append(str(element.get("title", "")))
        elif kind.startswith("Input."):
            pieces.append(str(element.get("label", "")))
            pieces.extend(str(c.get("title", "")) for c in element.get("choices", []))
    return "\n".join(p for p in pieces if p)


def _house_rule_problems(card: dict[str, Any]) -> list[str]:
    if not isinstance(card, dict):
        return []  # the renderer already says so
    problems: list[str] = []
    if card.get("version") != CARD_VERSION:
        problems.append(f'Card version must be "{CARD_VERSION}", not {card.get("version")!r}.')
    if "$schema" in card and card["$schema"] not in CARD_SCHEMAS:
        problems.append(f"Unexpected $schema {card['$schema']!r}.")
    problems.extend(_input_problems(card))
    for element in elements(card):
        problems.extend(_element_problems(element))
    return problems


def _input_problems(card: dict[str, Any]) -> list[str]:
    inputs = find_inputs(card)
    problems = [
        f"{i['type']} {i.get('id', '(no id)')!r} has no label."
        for i in inputs
        if not str(i.get("label") or "").strip()
    ]
    problems += [f"{i['type']} has no id." for i in inputs if not i.get("id")]
    counts = Counter(i["id"] for i in inputs if i.get("id"))
    problems += [f"Input id {key!r} is used {n} times." for key, n in counts.items() if n > 1]
    return problems


def _element_problems(element: dict[str, Any]) -> list[str]:
    kind = element["type"]
    problems = [
        f"{kind} is missing required property {name!r}."
        for name in REQUIRED_PROPERTIES.get(kind, ())
        if element.get(name) in (None, "", [])
    ]
    text = str(element.get("text", ""))
    if kind == "TextBlock" and ("](" in text or "http" in text.lower()):
        problems.append(f"TextBlock has a link in its text (use an action): {text!r}")
    return problems


def _renderer_errors(cards: list[dict[str, Any]]) -> list[list[str]]:
    node = shutil.which("node")
    if node is None:
        raise RuntimeError(
            "Node.js is not on PATH; the card checks need it (scripts/setup installs "
            "the tooling, or install Node 20)."
        )
    if not RENDERER_DIR.is_dir():
        raise RuntimeError(
            f"{RENDERER_DIR} is missing; run `npm ci` in {REPO_ROOT} (scripts/setup)."
        )
    result = subprocess.run(
        [node, str(CHECK_CARDS_JS)],
        input=json.dumps(cards),
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"check_cards.js failed ({result.returncode}):\n{result.stderr}")
    verdicts = json.loads(result.stdout)
    return [list(v["errors"]) for v in verdicts]
