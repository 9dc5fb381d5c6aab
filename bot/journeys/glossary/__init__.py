"""Explained words: `what is a change request` answers in the strategy's own terms."""

from __future__ import annotations

import re
from typing import Any

from bot.domain.glossary import Term, explain_term, known_terms
from bot.journey import ChatCommand, Journey, JourneyContext, Turn
from cards.elements import card, heading, para, to_dict

# "what is a DPIA", "what's the TRB", "what does PMO mean", "explain change request".
_ASKING = re.compile(
    r"^(?:what is|what's|whats|what are|what does|what do|explain|define|meaning of)"
    r"(?:\s+(?P<term>.*?))?(?:\s+(?:mean|stand for))?$"
)
EXAMPLE = "what is a change request"


def _listed(names: list[str]) -> str:
    return ", ".join(names[:-1]) + " and " + names[-1]


def read_question(said: str) -> str | None:
    """The word asked about (maybe empty), or None when this is not a question about a word."""
    found = _ASKING.match(said)
    if found is None:
        return None
    return (found.group("term") or "").strip(" ?\"'")


def term_card(term: Term) -> dict[str, Any]:
    return to_dict(
        card(
            [
                heading(term.name),
                para(term.meaning),
                para(
                    f"To look up another word, type what is and the word, like {EXAMPLE}.",
                    subtle=True,
                ),
            ],
            fallback=f"{term.name}: {term.meaning}",
        )
    )


def not_known() -> str:
    words = _listed(known_terms())
    return (
        "Sorry, I do not have an explanation for that word. "
        f"I can explain words such as {words}. "
        f"Type what is and the word, like {EXAMPLE}."
    )


def register(ctx: JourneyContext) -> Journey:
    async def explain(turn: Turn, asked: str) -> None:
        if not asked:
            await turn.send_text(
                f"I can explain words such as {_listed(known_terms())}. "
                f"Type what is and the word, like {EXAMPLE}."
            )
            return
        term = explain_term(asked)
        if term is None:
            await turn.send_text(not_known())
            return
        await turn.send_card(term_card(term))

    return Journey(
        name="glossary",
        commands=(
            ChatCommand(
                "what is",
                explain,
                read=read_question,
                example=EXAMPLE,
                help="Find out what a word we use means.",
                menu_hint="Type what is and a word, such as what is a change request.",
                where="anywhere",
            ),
        ),
    )
