"""The process map's cards: its three pages, check your answers, sent, and `my processes`.

Each question reads as GOV.UK lays one out: its hint, then any error, then the input
with its label. Someone's own words are shown as plain text, never Markdown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import microsoft_teams.cards as ac

from bot.domain.forms import UNREADABLE, FieldSpec
from bot.domain.model import Draft
from bot.domain.text import long_date
from bot.journeys.processes import mapping as m
from cards.elements import button, card, error_summary, heading, notice, para, user_text

TITLE = "Map a process"
START = "map a process"

# Verbs of the process map's buttons.
NEW = "process_map.new"
CONTINUE = "process_map.continue"
NEXT = "process_map.next"
BACK = "process_map.back"
SAVE = "process_map.save"
ADD_STEP = "process_map.add_step"
CHANGE_STEP = "process_map.change_step"
REMOVE_STEP = "process_map.remove_step"
GO_TO = "process_map.go_to"
DISCARD = "process_map.discard"
SEND = "process_map.send"
CHANGE_MAP = "process_map.change"
MINE = "process_map.mine"

# Card data, by name.
DRAFT_ID = "draftId"
VERSION = "version"
PAGE = "page"
GOTO = "goto"
WHICH = "chosen_step"  # the input that chooses a step to change or remove
STEP_INPUT = "step_"  # before a step question's name, for its input's id
PROCESS_ID = "processId"


REQUIRED_FIRST = "Answer the questions on this page before you save it."


@dataclass(frozen=True)
class MapView:
    """What a process map card shows: the draft, which page, what is wrong."""

    draft: Draft
    page: int
    errors: Mapping[str, str]
    notice: str = ""
    important: bool = False  # the notice is a refusal, not news


def _input(spec: FieldSpec, value: str, name: str, marked: bool) -> ac.CardElement:
    """An input with its label. `marked`: the card itself checks a required answer, with
    the bot's words. A step's questions are checked by the bot only: Teams checks every
    input whichever button is pressed, so a required box would stop Remove step."""
    value = "" if value == UNREADABLE else value
    required: dict[str, Any] = (
        {"is_required": True, "error_message": spec.missing} if marked and spec.required else {}
    )
    if spec.kind in ("text", "multiline", "number"):
        # Over-long text is cut for the card; the draft keeps all of it.
        shown = value[: spec.max_length] if spec.max_length else value
        return ac.TextInput(
            id=name,
            label=spec.label_text,
            value=shown or None,
            is_multiline=spec.kind == "multiline" or None,
            max_length=spec.max_length,
            style="Tel" if spec.kind == "number" else None,
            **required,
        )
    choices = [ac.Choice(title=c.title, value=c.value) for c in spec.choices or ()]
    many = spec.kind == "multichoice"
    return ac.ChoiceSetInput(
        id=name,
        label=spec.label_text,
        choices=choices,
        value=value or None,
        is_multi_select=many or None,
        style="expanded" if many or len(choices) <= 4 else "compact",
        placeholder=None if many or len(choices) <= 4 else "Choose one",
        **required,
    )


def _question(
    spec: FieldSpec, value: str, errors: Mapping[str, str], name: str = ""
) -> ac.Container:
    items: list[ac.CardElement] = []
    if spec.help:
        items.append(para(spec.help, subtle=True))
    if spec.name in errors:
        # Dark bold text, not red: the words say it is an error.
        items.append(ac.TextBlock(text=f"Error: {errors[spec.name]}", weight="Bolder", wrap=True))
    items.append(_input(spec, value, name or spec.name, marked=not name))
    return ac.Container(items=items, spacing="Large", separator=True)


def card_data(view: MapView, page: int) -> dict[str, Any]:
    data: dict[str, Any] = {DRAFT_ID: view.draft.draft_id, PAGE: page}
    if view.draft.etag:
        data[VERSION] = view.draft.etag
    return data


def _discard(data: dict[str, Any]) -> ac.ShowCardAction:
    """Discarding asks first: the answers cannot be got back."""
    confirm = ac.AdaptiveCard(
        body=[para("This deletes your answers. You cannot get them back.")],
        actions=[button("Yes, delete this draft", DISCARD, data)],
    )
    return ac.ShowCardAction(title="Discard draft", card=confirm)


def _top(view: MapView, page: int) -> list[ac.CardElement]:
    body: list[ac.CardElement] = [heading(TITLE)]
    if page in m.PAGE_TITLES:
        body.append(para(f"Page {page} of 3: {m.PAGE_TITLES[page]}"))
    changing = view.draft.values.get("base_version", "")
    if changing:
        body.append(para(f"You are changing version {changing} of this process map."))
    if view.notice:
        body.append(notice(view.notice, important=view.important))
    if view.errors:
        body.append(error_summary(view.errors))
    return body


def _page_actions(data: dict[str, Any], back: bool) -> list[ac.Action]:
    actions: list[ac.Action] = [button("Next", NEXT, data, primary=True, validate=True)]
    if back:
        actions.append(button("Back", BACK, data, validate=True))
    actions.append(button("Save and finish later", SAVE, data, validate=True))
    actions.append(_discard(data))
    return actions


def _about_page(view: MapView) -> ac.AdaptiveCard:
    values = view.draft.values
    body = _top(view, m.ABOUT)
    body.append(
        para(
            "Priority 5 of the Digital Strategy asks us to map how work is done, to find "
            "what could be made self-service or automated. Tell us about one process. It "
            "takes about ten minutes. You can save it and come back."
        )
    )
    body += [_question(spec, values.get(spec.name, ""), view.errors) for spec in m.ABOUT_FIELDS]
    body.append(para(REQUIRED_FIRST, subtle=True))
    actions = _page_actions(card_data(view, m.ABOUT), back=False)
    return card(body, actions, fallback=f"{TITLE}. Page 1 of 3.")


def _steps_list(values: Mapping[str, str]) -> list[ac.CardElement]:
    count = m.step_count(values)
    if not count:
        return [para("No steps yet. Add the first step below.")]
    items: list[ac.CardElement] = [heading(f"Steps so far ({count})", size="Medium")]
    for index in range(1, count + 1):
        typed = m.step_answers(values, index)
        wrong = " (needs changing)" if m.step_errors(typed) else ""
        items.append(user_text(f"{index}. {m.step_line(typed)}{wrong}"))
    items += _handoffs(values)
    return items


def _handoffs(values: Mapping[str, str]) -> list[ac.CardElement]:
    whos = [m.step_answers(values, i)["who"] for i in range(1, m.step_count(values) + 1)]
    found = m.handoffs(whos)
    if not found:
        return [para("Hand-offs: none. The same role does every step.", subtle=True)]
    items: list[ac.CardElement] = [
        para(f"Hand-offs: {len(found)}. Work passes to someone else after these steps:")
    ]
    items += [
        user_text(f"After step {h.after_step}: from {h.from_who} to {h.to_who}") for h in found
    ]
    return items


def _choose_step(values: Mapping[str, str], data: dict[str, Any]) -> list[ac.CardElement]:
    count = m.step_count(values)
    if not count:
        return []
    chooser = ac.ChoiceSetInput(
        id=WHICH,
        label="Step to change or remove",
        choices=[ac.Choice(title=f"Step {i}", value=str(i)) for i in range(1, count + 1)],
        style="compact",
        placeholder="Choose a step",
    )
    buttons = ac.ActionSet(
        actions=[
            button("Change step", CHANGE_STEP, data, validate=True),
            button("Remove step", REMOVE_STEP, data, validate=True),
        ]
    )
    return [ac.Container(items=[chooser, buttons], spacing="Medium")]


def _steps_page(view: MapView) -> ac.AdaptiveCard:
    values = view.draft.values
    data = card_data(view, m.STEPS)
    body = _top(view, m.STEPS)
    body.append(
        para(
            "Add the steps in order, one at a time: fill in a step, then choose Add "
            "another step. When the last step is in, choose Next. A hand-off is where the "
            f"work passes to someone else; we find them from who does each step. Up to "
            f"{m.MAX_STEPS} steps."
        )
    )
    body += _steps_list(values)
    body += _choose_step(values, data)
    changing = m.editing(values)
    title = f"Change step {changing}" if changing else f"Step {m.step_count(values) + 1}"
    body.append(heading(title, size="Medium"))
    typed = m.typed_step(values)
    for spec in m.STEP_FIELDS:
        value = typed.get(spec.name, "")
        body.append(_question(spec, value, view.errors, STEP_INPUT + spec.name))
    keep = "Save this step" if changing else "Add another step"
    body.append(ac.ActionSet(actions=[button(keep, ADD_STEP, data, validate=True)]))
    actions = _page_actions(data, back=True)
    return card(body, actions, fallback=f"{TITLE}. Page 2 of 3.")


def _pain_page(view: MapView) -> ac.AdaptiveCard:
    values = view.draft.values
    body = _top(view, m.PAIN)
    body.append(para("Last, tell us what makes this process hard. Then check your answers."))
    body += [_question(spec, values.get(spec.name, ""), view.errors) for spec in m.PAIN_FIELDS]
    actions = _page_actions(card_data(view, m.PAIN), back=True)
    return card(body, actions, fallback=f"{TITLE}. Page 3 of 3.")


def _answer(spec: FieldSpec, raw: str) -> str:
    if raw == UNREADABLE or not raw.strip():
        return "Not given"
    if spec.choices:
        labels = {c.value: c.label for c in spec.choices}
        return ", ".join(labels.get(part, part) for part in raw.split(",") if part)
    return raw


def _section(title: str, page: int, rows: list[ac.CardElement], data: dict[str, Any]) -> Any:
    change = button(f"Change {title.lower()}", GO_TO, {**data, GOTO: page})
    return ac.Container(
        items=[heading(title, size="Medium"), *rows, ac.ActionSet(actions=[change])],
        separator=True,
        spacing="Medium",
    )


def _answers(specs: tuple[FieldSpec, ...], values: Mapping[str, str]) -> list[ac.CardElement]:
    rows: list[ac.CardElement] = []
    for spec in specs:
        rows.append(ac.TextBlock(text=spec.label, weight="Bolder", wrap=True, spacing="Medium"))
        answer = user_text(_answer(spec, values.get(spec.name, "")))
        answer.spacing = "None"
        rows.append(answer)
    return rows


def _review(view: MapView) -> ac.AdaptiveCard:
    values = view.draft.values
    data = card_data(view, m.REVIEW)
    body = _top(view, m.REVIEW)
    body.append(para("Check your answers before sending."))
    body.append(_section("About the process", m.ABOUT, _answers(m.ABOUT_FIELDS, values), data))
    body.append(_section("The steps", m.STEPS, _steps_list(values), data))
    body.append(_section("Pain points", m.PAIN, _answers(m.PAIN_FIELDS, values), data))
    body.append(
        para(
            "When you send it, we estimate the hours a year it takes and what self-service "
            "or automation could save. Power Platform makers see it in the automation backlog."
        )
    )
    actions: list[ac.Action] = [
        button("Send process map", SEND, data, primary=True),
        button("Back", BACK, data),
        button("Save and finish later", SAVE, data),
        _discard(data),
    ]
    return card(body, actions, fallback=f"{TITLE}. Check your answers.")


def build_map_card(view: MapView) -> ac.AdaptiveCard:
    pages = {m.ABOUT: _about_page, m.STEPS: _steps_page, m.PAIN: _pain_page}
    return pages.get(view.page, _review)(view)


def build_sent_card(data: Mapping[str, Any]) -> ac.AdaptiveCard:
    version = data.get("version", 1)
    steps = len(data.get("steps", []))
    body: list[ac.CardElement] = [
        heading("Process map sent"),
        user_text(str(data.get("name", ""))),
        para(
            f"Version {version}, with {steps} step{'s' if steps != 1 else ''}. "
            "Type my processes to see your maps or change this one."
        ),
    ]
    return card(
        body,
        [button("See my processes", MINE, primary=True), button("Map another process", NEW)],
        fallback="Process map sent.",
    )


@dataclass(frozen=True)
class Mapped:
    """The newest version of one of a person's maps."""

    process_id: str
    version: int
    name: str
    steps: int
    items_per_month: int
    submitted: dt.date | None


SHOWN = 20  # `my processes` lists the newest this many


def build_mine_card(mapped: list[Mapped]) -> ac.AdaptiveCard:
    body: list[ac.CardElement] = [heading("My processes")]
    if not mapped:
        body.append(para("You have not mapped a process yet. Type map a process to start."))
        return card(body, [button("Map a process", NEW, primary=True)], fallback="No maps yet.")
    more = len(mapped) - SHOWN
    count = f"{len(mapped)} processes" if len(mapped) != 1 else "1 process"
    body.append(
        para(
            f"You have mapped {count}. Choose Change to update one: it keeps "
            "the earlier versions and sends the change as the next version."
        )
    )
    for item in mapped[:SHOWN]:
        when = f", sent {long_date(item.submitted)}" if item.submitted else ""
        rows: list[ac.CardElement] = [
            user_text(item.name, weight="Bolder"),
            para(
                f"Version {item.version}{when}. {item.steps} steps, "
                f"{item.items_per_month:,} items a month."
            ),
            ac.ActionSet(
                actions=[
                    button(f"Change {item.name[:40]}", CHANGE_MAP, {PROCESS_ID: item.process_id})
                ]
            ),
        ]
        body.append(ac.Container(items=rows, separator=True, spacing="Medium"))
    if more > 0:
        body.append(para(f"And {more} older ones, not shown here."))
    return card(body, [button("Map another process", NEW)], fallback=f"You have mapped {count}.")


def build_deleted_card() -> ac.AdaptiveCard:
    return card(
        [heading("Draft deleted"), para("Your process map draft and its answers are deleted.")],
        [button("Map a process", NEW, primary=True)],
        fallback="Draft deleted.",
    )


def build_stale_card(message: str, can_continue: bool) -> ac.AdaptiveCard:
    """A press on a card that no longer shows the draft as it is: what happened, a way on."""
    way_on = button("Continue", CONTINUE, primary=True) if can_continue else None
    actions = [way_on] if way_on else [button("Map a process", NEW, primary=True)]
    return card(
        [heading("This card is out of date"), para(message)],
        list(actions),
        fallback="This card is out of date.",
    )
