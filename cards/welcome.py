"""The first thing people see, and the help card: built from what the journeys declare."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import microsoft_teams.cards as ac

from cards.elements import button, card, heading, para


class MenuEntry(Protocol):
    """A button a journey offers: its title, its verb, whether it is the main one."""

    @property
    def title(self) -> str: ...

    @property
    def verb(self) -> str: ...

    @property
    def primary(self) -> bool: ...


def _main_actions(menu: Sequence[MenuEntry]) -> list[ac.Action]:
    return [button(entry.title, entry.verb, primary=entry.primary) for entry in menu]


def build_welcome_card(name: str, menu: Sequence[MenuEntry]) -> ac.AdaptiveCard:
    greeting = f"Hello {name.split()[0]}." if name.strip() else "Hello."
    return card(
        [
            heading("Digital Front Door"),
            para(greeting),
            para(
                "I help you raise a digital request. You can also tell IT early that you plan "
                "to buy or renew a system. I ask the questions the council's digital strategy "
                "needs answered. Then I give your request a priority score and send it to the "
                "right board."
            ),
            para("It takes about 10 minutes. You can save and finish later."),
            para("Type help at any time to see what I can do.", subtle=True),
        ],
        _main_actions(menu),
        fallback="Digital Front Door. Type new request to raise a digital request, or help.",
    )


def build_help_card(
    lines: Sequence[tuple[str, str]], menu: Sequence[MenuEntry], title: str = ""
) -> ac.AdaptiveCard:
    """`lines` are (what to type, what it does), in the order the journeys declared them.
    `title` names whose commands these are ("board members, chairs and secretaries")."""
    heading_text = f"What you can type: {title}" if title else "What you can type"
    rows: list[ac.CardElement] = [heading(heading_text, size="Medium")]
    for command, meaning in lines:
        rows.append(
            ac.ColumnSet(
                columns=[
                    ac.Column(width="auto", items=[ac.TextBlock(text=command, weight="Bolder")]),
                    ac.Column(width="stretch", items=[para(meaning)]),
                ]
            )
        )
    rows.append(
        para("You can also type what you need, like: I need a way to book rooms online.", True)
    )
    typed = ", ".join(command for command, _ in lines)
    return card(rows, _main_actions(menu), fallback=f"You can type {typed}.")


def build_notice_card(title: str, lines: Sequence[str]) -> ac.AdaptiveCard:
    """A short notice from the bot (to admins, say): a title and a few sentences."""
    return card([heading(title), *(para(line) for line in lines)], fallback=title)
