"""The guided requirements form: one short step at a time, then check your answers."""

from __future__ import annotations

import re

import microsoft_teams.cards as ac

from bot.domain.form import STEPS, UNREADABLE, FieldSpec, Step
from bot.usecases.intake import REVIEW_STEP, FormView
from cards import verbs
from cards.elements import button, card, heading, notice, para, user_text

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
TITLE = "Raise a digital request"


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


def _step_card(step: Step, view: FormView) -> ac.AdaptiveCard:
    data = {"draftId": view.draft.draft_id, "step": step.number}
    body: list[ac.CardElement] = [
        heading(TITLE),
        para(f"Step {step.number} of {len(STEPS)}: {step.title}"),
    ]
    if view.notice:
        body.append(notice(view.notice))
    if view.errors:
        body.append(_error_summary(view.errors))
    body.append(para(step.intro))
    body += [_field(spec, view.draft.values, view.errors) for spec in step.fields]
    actions: list[ac.Action] = [button("Next", verbs.FORM_NEXT, data, primary=True, validate=True)]
    if step.number > 1:
        actions.append(button("Back", verbs.FORM_BACK, data, validate=True))
    actions.append(button("Save and finish later", verbs.FORM_SAVE, data, validate=True))
    actions.append(button("Discard draft", verbs.FORM_DISCARD, data))
    return card(body, actions, fallback=f"{TITLE}. Step {step.number} of {len(STEPS)}.")


def _answer(spec: FieldSpec, raw: str) -> str:
    if raw == UNREADABLE or not raw.strip():
        return "Not given"
    if spec.kind == "toggle":
        return "Yes" if raw == "true" else "No"
    if spec.choices:
        labels = {c.value: c.label for c in spec.choices}
        return ", ".join(labels.get(part, part) for part in raw.split(",") if part)
    return raw


def _review_card(view: FormView) -> ac.AdaptiveCard:
    values = view.draft.values
    data = {"draftId": view.draft.draft_id, "step": REVIEW_STEP}
    body: list[ac.CardElement] = [heading(TITLE), para("Check your answers before sending.")]
    if view.notice:
        body.append(notice(view.notice))
    for step in STEPS:
        rows: list[ac.CardElement] = [heading(step.title, size="Medium")]
        for spec in step.fields:
            rows.append(ac.TextBlock(text=spec.label, weight="Bolder", wrap=True, spacing="Medium"))
            answer = user_text(_answer(spec, values.get(spec.name, "")), max_chars=300)
            answer.spacing = "None"
            rows.append(answer)
        rows.append(
            ac.ActionSet(
                actions=[
                    button(
                        f"Change {step.title.lower()}",
                        verbs.FORM_EDIT,
                        {**data, "goto": step.number},
                    )
                ]
            )
        )
        body.append(ac.Container(items=rows, separator=True, spacing="Medium"))
    body.append(
        para(
            "When you send it, you will get a reference, a priority score and the board it goes to."
        )
    )
    actions: list[ac.Action] = [
        button("Send request", verbs.FORM_SUBMIT, data, primary=True),
        button("Back", verbs.FORM_BACK, data),
        button("Save and finish later", verbs.FORM_SAVE, data),
        button("Discard draft", verbs.FORM_DISCARD, data),
    ]
    return card(body, actions, fallback=f"{TITLE}. Check your answers.")


def build_form_card(view: FormView) -> ac.AdaptiveCard:
    if view.step >= REVIEW_STEP:
        return _review_card(view)
    return _step_card(STEPS[max(1, view.step) - 1], view)
