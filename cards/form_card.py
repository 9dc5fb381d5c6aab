"""Any form, one short step at a time, then (when the form has one) check your answers.

Each question reads as GOV.UK lays one out: its hint, then any error, then the input
with its label. The label stays on the input, so a screen reader names the input by it.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import microsoft_teams.cards as ac

from bot.domain.forms import (
    UNREADABLE,
    YES_NO,
    FieldError,
    FieldSpec,
    FormDefinition,
    FormView,
    Step,
    read_number,
)
from bot.domain.text import long_date
from cards.elements import button, card, error_summary, heading, notice, para, user_text

# Card data a form's buttons carry, by the names the form card uses.
DRAFT_ID = "draftId"
STEP = "step"
GOTO = "goto"
VERSION = "version"  # the draft's version the card shows, to tell an old card
FROM_REVIEW = "fromReview"  # the step was opened with Change on the review page

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def field_label(spec: FieldSpec) -> str:
    return spec.label_text


def _shown(spec: FieldSpec, value: str) -> tuple[str, bool]:
    """What the input shows. Over-long text is cut for the card; the draft keeps all of it."""
    value = "" if value == UNREADABLE else value
    if spec.max_length and len(value) > spec.max_length:
        return value[: spec.max_length], True
    return value, False


def _required(spec: FieldSpec) -> dict[str, Any]:
    """Marked required for the card's own check too, with the server's own words."""
    if not spec.required:
        return {}
    return {"is_required": True, "error_message": spec.missing}


def _input(spec: FieldSpec, value: str) -> ac.CardElement:
    label = field_label(spec)
    if spec.kind in ("text", "multiline", "number"):
        return ac.TextInput(
            id=spec.name,
            label=label,
            value=value or None,
            is_multiline=spec.kind == "multiline" or None,
            max_length=spec.max_length,
            style="Tel" if spec.kind == "number" else None,
            **_required(spec),
        )
    if spec.kind == "date":
        return ac.DateInput(
            id=spec.name,
            label=label,
            value=value if _ISO_DATE.fullmatch(value) else None,
            **_required(spec),
        )
    if spec.kind == "yesno":
        # Two choices with neither picked until someone answers: a tick box left
        # empty would say "no" for them.
        return ac.ChoiceSetInput(
            id=spec.name,
            label=label,
            choices=[ac.Choice(title=c.label, value=c.value) for c in YES_NO],
            value=value if value in {c.value for c in YES_NO} else None,
            style="expanded",
            **_required(spec),
        )
    choices = [ac.Choice(title=c.title, value=c.value) for c in spec.choices or ()]
    many = spec.kind == "multichoice"
    return ac.ChoiceSetInput(
        id=spec.name,
        label=label,
        choices=choices,
        value=value or None,
        is_multi_select=many or None,
        style="expanded" if many or len(choices) <= 6 else "compact",
        placeholder=None if many or len(choices) <= 6 else "Choose one",
        **_required(spec),
    )


def _field(spec: FieldSpec, view: FormView) -> ac.Container:
    value, cut = _shown(spec, view.draft.values.get(spec.name, ""))
    errors = view.errors
    items: list[ac.CardElement] = []
    if spec.help:
        items.append(para(spec.help, subtle=True))
    if spec.name in errors:
        # Dark bold text, not red: red on the highlighted background is too faint to read.
        items.append(ac.TextBlock(text=f"Error: {errors[spec.name]}", weight="Bolder", wrap=True))
    if cut:
        items.append(
            para(
                f"We have shown the first {spec.max_length:,} characters of what "
                "you typed. The rest is kept in your draft until you change it."
            )
        )
    items.append(_input(spec, value))
    if note := view.note(spec):
        items.append(notice(note, important=True))
    # A line above each question keeps its hint, which comes first, with it and not with
    # the question before.
    return ac.Container(items=items, spacing="Large", separator=True)


def _card_data(view: FormView, step: int) -> dict[str, Any]:
    data: dict[str, Any] = {DRAFT_ID: view.draft.draft_id, STEP: step}
    if view.draft.etag:
        data[VERSION] = view.draft.etag
    return data


def _discard(form: FormDefinition[Any], data: dict[str, Any]) -> ac.ShowCardAction:
    """Discarding asks first: the answers cannot be got back."""
    confirm = ac.AdaptiveCard(
        body=[para("This deletes your answers. You cannot get them back.")],
        actions=[button("Yes, delete this draft", form.verb("discard"), data)],
    )
    return ac.ShowCardAction(title="Discard draft", card=confirm)


REQUIRED_FIRST = "Answer the required questions on this page before you save it or go back."


def _step_card(form: FormDefinition[Any], step: Step, view: FormView) -> ac.AdaptiveCard:
    data = _card_data(view, step.number)
    if view.from_review:
        data[FROM_REVIEW] = True
    count = len(form.steps)
    body: list[ac.CardElement] = [heading(form.title)]
    if count > 1:
        body.append(para(f"Step {step.number} of {count}: {step.title}"))
    if view.notice:
        body.append(notice(view.notice))
    if view.errors:
        body.append(error_summary(view.errors))
    body.append(para(step.intro))
    body += [_field(spec, view) for spec in view.shown_fields(step)]
    last = step.number == count
    actions: list[ac.Action]
    if last and not form.review:
        actions = [button(form.submit_label, form.verb("submit"), data, True, validate=True)]
    else:
        actions = [button("Next", form.verb("next"), data, primary=True, validate=True)]
    if view.from_review:
        body.append(para("Next and Back both take you back to check your answers."))
    if any(spec.required for spec in view.shown_fields(step)):
        # The card checks required answers before it sends anything, whichever button
        # sends this step (Adaptive Cards 1.5 cannot send inputs without checking them).
        body.append(para(REQUIRED_FIRST, subtle=True))
    if step.number > 1 or view.from_review:
        actions.append(button("Back", form.verb("back"), data, validate=True))
    actions.append(button("Save and finish later", form.verb("save"), data, validate=True))
    actions.append(_discard(form, data))
    where = f" Step {step.number} of {count}." if count > 1 else ""
    return card(body, actions, fallback=f"{form.title}.{where}")


def _answer(spec: FieldSpec, raw: str) -> str:
    if raw == UNREADABLE or not raw.strip():
        return "Not given"
    if spec.kind == "yesno":
        return {c.value: c.label for c in YES_NO}.get(raw.strip().lower(), raw)
    if spec.kind == "date" and _ISO_DATE.fullmatch(raw.strip()):
        try:
            return long_date(dt.date.fromisoformat(raw.strip()))
        except ValueError:
            return raw
    if spec.kind == "number":
        try:
            number = read_number(spec, raw)
        except FieldError:
            return raw  # shown as typed; the step it came from says what is wrong
        if number is not None:
            return f"£{number:,}" if spec.money else f"{number:,}"
    if spec.choices:
        labels = {c.value: c.label for c in spec.choices}
        return ", ".join(labels.get(part, part) for part in raw.split(",") if part)
    return raw


def _review_card(form: FormDefinition[Any], view: FormView) -> ac.AdaptiveCard:
    values = view.draft.values
    data = _card_data(view, form.review_step)
    body: list[ac.CardElement] = [heading(form.title), para("Check your answers before sending.")]
    if view.notice:
        body.append(notice(view.notice))
    for step in form.steps:
        rows: list[ac.CardElement] = [heading(step.title, size="Medium")]
        for spec in view.shown_fields(step):
            rows.append(ac.TextBlock(text=spec.label, weight="Bolder", wrap=True, spacing="Medium"))
            # The whole answer, as plain text: someone's words are never Markdown.
            answer = user_text(_answer(spec, values.get(spec.name, "")))
            answer.spacing = "None"
            rows.append(answer)
            if note := view.note(spec):
                rows.append(para(note))
        change = button(
            f"Change {step.title.lower()}", form.verb("edit"), {**data, GOTO: step.number}
        )
        rows.append(ac.ActionSet(actions=[change]))
        body.append(ac.Container(items=rows, separator=True, spacing="Medium"))
    if form.review_note:
        body.append(para(form.review_note))
    actions: list[ac.Action] = [
        button(form.submit_label, form.verb("submit"), data, primary=True),
        button("Back", form.verb("back"), data),
        button("Save and finish later", form.verb("save"), data),
        _discard(form, data),
    ]
    return card(body, actions, fallback=f"{form.title}. Check your answers.")


def build_form_card(view: FormView) -> ac.AdaptiveCard:
    form = view.form
    if view.step >= form.review_step and form.review:
        return _review_card(form, view)
    last = len(form.steps)
    return _step_card(form, form.step(max(1, min(view.step, last))), view)


def _new_and_help(form: FormDefinition[Any], primary: bool) -> list[ac.Action]:
    return [
        button(f"Start a new {form.noun}", form.verb("new"), primary=primary),
        button("See help", form.verb("help")),
    ]


def build_draft_deleted_card(form: FormDefinition[Any]) -> ac.AdaptiveCard:
    """What replaces a form once its draft is deleted: said plainly, with a way on."""
    return card(
        [heading("Draft deleted"), para(f"Your {form.noun} draft and its answers are deleted.")],
        _new_and_help(form, primary=True),
        fallback="Draft deleted.",
    )


def build_stale_card(
    form: FormDefinition[Any], message: str, can_continue: bool
) -> ac.AdaptiveCard:
    """A press on a form card that is no longer current: what happened, and a way on."""
    actions: list[ac.Action]
    if can_continue:
        actions = [
            button("Continue", form.verb("continue"), primary=True),
            button("See help", form.verb("help")),
        ]
    else:
        actions = _new_and_help(form, primary=True)
    return card(
        [heading("This card is out of date"), para(message)],
        actions,
        fallback="This card is out of date.",
    )
