"""The dialog "Raise as a digital request" opens on a Teams message: the start of a
request, its title and description filled in from the message.

A dialog's buttons are Action.Submit (Teams sends the inputs back to the message
extension), not Action.Execute like the cards in a chat.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import microsoft_teams.cards as ac

from bot.domain.forms import UNREADABLE, FieldSpec
from cards.elements import card, error_summary, heading, notice, para, to_dict

DIALOG_TITLE = "Raise as a digital request"
SAVE = "Save as a draft request"
INTRO = (
    "Check the title and description we have copied from the message, and change "
    "anything you need to. When you save it, we send the rest of the request form to "
    "your chat with Digital Front Door, where you can finish and send it."
)


@dataclass(frozen=True)
class Dialog:
    """What the dialog shows: the questions, their answers, and any notes or errors."""

    fields: tuple[FieldSpec, ...]
    values: Mapping[str, str]
    errors: Mapping[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()  # shown at the top, before any errors
    link: str = ""  # the message's own address


def _shown(spec: FieldSpec, value: str) -> tuple[str, bool]:
    value = "" if value == UNREADABLE else value
    if spec.max_length and len(value) > spec.max_length:
        return value[: spec.max_length], True
    return value, False


def _question(spec: FieldSpec, raw: str, error: str) -> ac.Container:
    """GOV.UK's order: hint, then the error, then the input with its label on it."""
    value, cut = _shown(spec, raw)
    items: list[ac.CardElement] = []
    if spec.help:
        items.append(para(spec.help, subtle=True))
    if error:
        items.append(ac.TextBlock(text=f"Error: {error}", weight="Bolder", wrap=True))
    if cut:
        items.append(
            para(
                f"We have shown the first {spec.max_length:,} characters of what you sent. "
                "Shorten it, then save again."
            )
        )
    items.append(
        ac.TextInput(
            id=spec.name,
            label=spec.label_text,
            value=value or None,
            is_multiline=spec.kind == "multiline" or None,
            max_length=spec.max_length,
            is_required=spec.required or None,
            error_message=spec.missing or None,
        )
    )
    return ac.Container(items=items, spacing="Large", separator=True)


def build_raise_dialog(dialog: Dialog) -> ac.AdaptiveCard:
    body: list[ac.CardElement] = [heading(DIALOG_TITLE)]
    body += [notice(note, important=True) for note in dialog.notes]
    if dialog.errors:
        body.append(error_summary(dialog.errors))
    body.append(para(INTRO))
    body += [
        _question(spec, dialog.values.get(spec.name, ""), dialog.errors.get(spec.name, ""))
        for spec in dialog.fields
    ]
    if dialog.link:
        body.append(
            ac.ActionSet(actions=[ac.OpenUrlAction(title="Open the message", url=dialog.link)])
        )
    save = ac.SubmitAction(title=SAVE, style="positive")
    return card(body, [save], fallback=DIALOG_TITLE)


def dialog_task(dialog: Dialog) -> dict[str, Any]:
    """The invoke answer that shows the dialog (a task of type "continue")."""
    return {
        "task": {
            "type": "continue",
            "value": {
                "title": DIALOG_TITLE,
                "height": "large",
                "width": "medium",
                "card": {
                    "contentType": "application/vnd.microsoft.card.adaptive",
                    "content": to_dict(build_raise_dialog(dialog)),
                },
            },
        }
    }
