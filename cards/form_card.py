"""Any form, one short step at a time, then (when the form has one) check your answers."""

from __future__ import annotations

import re

import microsoft_teams.cards as ac

from bot.domain.forms import UNREADABLE, FieldSpec, FormDefinition, FormView, Step
from cards.elements import button, card, heading, notice, para, user_text

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def field_label(spec: FieldSpec) -> str:
    return spec.label if spec.required or spec.in_group else f"{spec.label} (optional)"


def _shown(spec: FieldSpec, value: str) -> tuple[str, bool]:
    """What the input shows. Over-long text is cut for the card; the draft keeps all of it."""
    value = "" if value == UNREADABLE else value
    if spec.max_length and len(value) > spec.max_length:
        return value[: spec.max_length], True
    return value, False


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
        )
    if spec.kind == "date":
        return ac.DateInput(
            id=spec.name, label=label, value=value if _ISO_DATE.fullmatch(value) else None
        )
    if spec.kind == "toggle":
        return ac.ToggleInput(
            id=spec.name,
            label=label,
            title="Yes",
            value="true" if value == "true" else "false",
            value_on="true",
            value_off="false",
        )
    choices = [ac.Choice(title=c.label, value=c.value) for c in spec.choices or ()]
    many = spec.kind == "multichoice"
    return ac.ChoiceSetInput(
        id=spec.name,
        label=label,
        choices=choices,
        value=value or None,
        is_multi_select=many or None,
        style="expanded" if many or len(choices) <= 6 else "compact",
        placeholder=None if many or len(choices) <= 6 else "Choose one",
    )


def _field(spec: FieldSpec, values: dict[str, str], errors: dict[str, str]) -> ac.Container:
    value, cut = _shown(spec, values.get(spec.name, ""))
    items: list[ac.CardElement] = []
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
    if spec.help:
        items.append(para(spec.help, subtle=True))
    return ac.Container(items=items, spacing="Large" if spec.name in errors else "Medium")


def _error_summary(errors: dict[str, str]) -> ac.Container:
    lines: list[ac.CardElement] = [
        ac.TextBlock(text="There is a problem", weight="Bolder", size="Medium", wrap=True)
    ]
    lines += [para(message) for message in errors.values()]
    return ac.Container(style="attention", items=lines)


def _step_card(form: FormDefinition[object], step: Step, view: FormView) -> ac.AdaptiveCard:
    data = {"draftId": view.draft.draft_id, "step": step.number}
    count = len(form.steps)
    body: list[ac.CardElement] = [heading(form.title)]
    if count > 1:
        body.append(para(f"Step {step.number} of {count}: {step.title}"))
    if view.notice:
        body.append(notice(view.notice))
    if view.errors:
        body.append(_error_summary(view.errors))
    body.append(para(step.intro))
    body += [_field(spec, view.draft.values, view.errors) for spec in step.fields]
    last = step.number == count
    actions: list[ac.Action]
    if last and not form.review:
        actions = [button(form.submit_label, form.verb("submit"), data, True, validate=True)]
    else:
        actions = [button("Next", form.verb("next"), data, primary=True, validate=True)]
    if step.number > 1:
        actions.append(button("Back", form.verb("back"), data, validate=True))
    actions.append(button("Save and finish later", form.verb("save"), data, validate=True))
    actions.append(button("Discard draft", form.verb("discard"), data))
    where = f" Step {step.number} of {count}." if count > 1 else ""
    return card(body, actions, fallback=f"{form.title}.{where}")


def _answer(spec: FieldSpec, raw: str) -> str:
    if raw == UNREADABLE or not raw.strip():
        return "Not given"
    if spec.kind == "toggle":
        return "Yes" if raw == "true" else "No"
    if spec.choices:
        labels = {c.value: c.label for c in spec.choices}
        return ", ".join(labels.get(part, part) for part in raw.split(",") if part)
    return raw


def _review_card(form: FormDefinition[object], view: FormView) -> ac.AdaptiveCard:
    values = view.draft.values
    data = {"draftId": view.draft.draft_id, "step": form.review_step}
    body: list[ac.CardElement] = [heading(form.title), para("Check your answers before sending.")]
    if view.notice:
        body.append(notice(view.notice))
    for step in form.steps:
        rows: list[ac.CardElement] = [heading(step.title, size="Medium")]
        for spec in step.fields:
            rows.append(ac.TextBlock(text=spec.label, weight="Bolder", wrap=True, spacing="Medium"))
            answer = user_text(_answer(spec, values.get(spec.name, "")), max_chars=300)
            answer.spacing = "None"
            rows.append(answer)
        change = button(
            f"Change {step.title.lower()}", form.verb("edit"), {**data, "goto": step.number}
        )
        rows.append(ac.ActionSet(actions=[change]))
        body.append(ac.Container(items=rows, separator=True, spacing="Medium"))
    if form.review_note:
        body.append(para(form.review_note))
    actions: list[ac.Action] = [
        button(form.submit_label, form.verb("submit"), data, primary=True),
        button("Back", form.verb("back"), data),
        button("Save and finish later", form.verb("save"), data),
        button("Discard draft", form.verb("discard"), data),
    ]
    return card(body, actions, fallback=f"{form.title}. Check your answers.")


def build_form_card(view: FormView) -> ac.AdaptiveCard:
    form = view.form
    if view.step >= form.review_step and form.review:
        return _review_card(form, view)
    last = len(form.steps)
    return _step_card(form, form.step(max(1, min(view.step, last))), view)
