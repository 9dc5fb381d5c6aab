"""Everything the bot says is easy to read: Flesch-Kincaid grade 8 at most (GOV.UK aims for a
reading age of nine, about grade 4 to 6).

The texts come from walking every journey over HTTP (tests/e2e/all_cards.py): every text on
every card (text blocks, labels, placeholders, error messages, buttons, fallback text) and
every plain message. What people typed, request references and proper names are taken out
first, because the bot did not write them.
"""

from __future__ import annotations

from pathlib import Path

from tests.e2e.all_cards import Collected, cards_and_show_cards, walk_every_journey
from tests.support.readability import MIN_WORDS, bot_texts, grade, plain, word_count

MOST = 8.0  # the limit; aim for 6


def graded(collected: Collected) -> list[tuple[float, str]]:
    """(grade, text) for each distinct text of MIN_WORDS words or more."""
    texts = [text for sent in cards_and_show_cards(collected) for text in bot_texts(sent.card)]
    texts += collected.messages
    scored = {}
    for text in texts:
        ours = plain(text, collected.typed)
        if word_count(ours) >= MIN_WORDS:
            scored[text] = grade(ours)
    return sorted(((score, text) for text, score in scored.items()), reverse=True)


def too_hard(scored: list[tuple[float, str]]) -> list[tuple[float, str]]:
    return [(score, text) for score, text in scored if score > MOST]


def report(scored: list[tuple[float, str]]) -> str:
    hardest = "\n".join(f"- grade {score:.1f}: {text}" for score, text in scored[:5])
    return f"{len(too_hard(scored))} texts are above grade {MOST:g}. The five hardest:\n{hardest}"


async def test_every_text_the_bot_sends_is_grade_8_or_easier(tmp_path: Path) -> None:
    scored = graded(await walk_every_journey(tmp_path))
    assert len(scored) > 50, "the walk reached the bot's texts"
    assert not too_hard(scored), report(scored)


def test_the_grade_tells_hard_text_from_easy_text() -> None:
    hard = (
        "Notwithstanding the aforementioned considerations, organisational prioritisation "
        "necessitates comprehensive evaluation of interdependencies."
    )
    easy = "Type help to see what I can do. You can save your form and finish it later."
    assert grade(hard) > MOST
    assert grade(easy) <= 6
    scored = [(grade(hard), hard), (grade(easy), easy)]
    assert too_hard(scored) == [scored[0]]
    assert "grade" in report(scored) and hard in report(scored)


def test_peoples_words_references_and_names_are_not_graded() -> None:
    typed = {"Residents phone the contact centre to arrange multidisciplinary consultations."}
    text = f"DR-2026-0001 is with the Technical Review Board. You said: {next(iter(typed))}"
    assert plain(text, typed) == "it is with the it. You said: it"
    assert plain("Choose automation or something else.", {"automation"}) == (
        "Choose automation or something else."
    )
    listed = "Sorry. You can type new request, status DR-2026-0001 or help. Or ask IT."
    assert plain(listed, set()) == "Sorry. You can type one of these. Or ask IT."
