"""Cards for asking and answering: pure functions, a question in, card JSON out.

What people typed (questions, answers, service areas, names) is always shown with
`user_text`, so Markdown and mentions show exactly as typed. Card data names which
question or answer a button is about, never who pressed it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import microsoft_teams.cards as ac

from bot.domain.communities import (
    Answer,
    AnswerKind,
    Community,
    KnowledgeEntry,
    Question,
    QuestionStatus,
)
from bot.domain.text import long_date
from cards.elements import (
    button,
    card,
    heading,
    labelled_user_text,
    notice,
    para,
    to_dict,
    user_text,
)

# Verbs: `question.` and `answer.` are this part's; `nudge.seen` (the nudging part's) is
# the champion card's refresh.
START = "question.start"  # the welcome card's "Ask a question": the ask card
ASK = "question.ask"  # the ask card's "Search answers"
FOUND = "question.found"  # "This answered it" on a knowledge match
NONE_FOUND = "question.none_found"  # "None of these — ask a champion"
ROUTE = "question.route"  # the routing card's "Send to champions"
CLAIM = "question.claim"  # "I'll answer in a call"
BEST = "answer.best"  # the asker's "This is the best answer"
NONE_HELPED = "answer.none_helped"  # the asker's "None of these helped": reopens it
SEND = "answer.send"  # a champion's "Send answer"
HELPED = "answer.helped"  # "This helped me too" (anyone but the asker)
MORE = "question.more"  # the next page of waiting questions in a channel
SEEN = "nudge.seen"  # Teams' refresh invoke when a champion opens a nudge

# Input ids
QUESTION_TEXT = "question_text"
COMMUNITY = "community"
SERVICE_AREA = "service_area"
ANSWER_TEXT = "answer_text"

MAX_QUESTION = 2000  # characters in a question
MAX_ANSWER = 2000  # characters in an answer
MAX_SERVICE_AREA = 100
REFRESH_LIMIT = 60  # Teams refreshes a card by itself for at most this many people
CARD_BYTES = 70_000  # Teams refuses messages over about 80 KB: a card stays well under

_STEP_NOTES = {
    "champions": "You are one of a few champions we picked for this question.",
    "more_champions": "Nobody has answered this yet. Can you help?",
    "lead": "You lead this community. Nobody has answered this yet. Can you help, or pass it on?",
    "digest": "This question is still waiting for an answer.",
}


def _writing_box(
    box_id: str, label: str, most: int, typed: str, error: str, required: str = ""
) -> list[ac.CardElement]:
    """A box to write in, with what was wrong above it. `required` is what Teams says
    when it is sent empty; without it, the bot checks and says why."""
    items: list[ac.CardElement] = [_problem(error)] if error else []
    items.append(
        ac.TextInput(
            id=box_id,
            label=label,
            is_multiline=True,
            max_length=most,
            is_required=True if required else None,
            error_message=required or None,
            value=typed[:most] or None,
        )
    )
    return items


def _ref(question: Question) -> dict[str, Any]:
    return {"reference": question.reference}


def _problem(message: str) -> ac.TextBlock:
    """A refusal next to the input it is about; the words say it, not only the colour."""
    return ac.TextBlock(
        text=f"There is a problem: {message}", color="Attention", weight="Bolder", wrap=True
    )


def _answer_items(
    answer: Answer, helped_button: bool, asker_buttons: bool = False, max_chars: int = 0
) -> list[ac.CardElement]:
    """One answer: who, what, and the buttons for it where they belong."""
    title = "Best answer" if answer.best else "Answer"
    items: list[ac.CardElement] = []
    if answer.kind is AnswerKind.CALL:
        items.append(
            ac.TextBlock(text=f"{title}: a call", weight="Bolder", wrap=True, spacing="Medium")
        )
        items.append(user_text(f"{answer.champion_name} will call to help with this."))
    else:
        items.append(
            ac.TextBlock(text=f"{title} from", weight="Bolder", wrap=True, spacing="Medium")
        )
        items.append(user_text(answer.champion_name))
        items.append(user_text(answer.text, max_chars=max_chars))
    if answer.helped_count:
        people = "person says" if answer.helped_count == 1 else "people say"
        items.append(para(f"{answer.helped_count:,} {people} this helped them too.", subtle=True))
    buttons: list[ac.Action] = []
    if asker_buttons and not answer.best:
        buttons.append(button("This is the best answer", BEST, {"answer": answer.id}, primary=True))
    if helped_button and answer.kind is AnswerKind.WRITTEN:
        buttons.append(button("This helped me too", HELPED, {"answer": answer.id}))
    if buttons:
        items.append(ac.ActionSet(actions=buttons))
    return items


def _question_items(question: Question, asker_name: str) -> list[ac.CardElement]:
    return [
        labelled_user_text("The question", question.text),
        labelled_user_text("Asked by", asker_name),
        labelled_user_text("Their service area", question.service_area),
        para(f"Reference: {question.reference}. Asked on {long_date(question.asked_at.date())}."),
    ]


def champion_card(
    question: Question,
    community: Community | None,
    asker_name: str,
    answers: Sequence[Answer] = (),
    refresh_for: Sequence[str] = (),
    nudge_step: str = "",
    *,
    error: str = "",
    typed: str = "",
    note: str = "",
) -> dict[str, Any]:
    """The card a champion gets in 1:1 chat and, without refresh, in the community channel.

    `refresh_for` (Teams user ids) adds a refresh with verb `nudge.seen`, so Teams tells
    the bot when a nudged champion opens it. `nudge_step` is a NudgeStep value; it adds a
    line saying why they got it. `error` and `typed` redraw it after a refused answer.
    """
    shown = list(answers)
    while True:
        built = _champion_card(
            question,
            community,
            asker_name,
            answers,
            shown,
            refresh_for,
            nudge_step,
            error,
            typed,
            note,
        )
        if len(shown) <= 1 or fits(built):
            return built
        # Too big for Teams: leave out the oldest answer that is not the best one.
        oldest = next((a for a in shown if not a.best), shown[0])
        shown.remove(oldest)


def fits(built: dict[str, Any]) -> bool:
    """Whether a card stays under CARD_BYTES, as UTF-8 JSON."""
    return len(json.dumps(built, ensure_ascii=False).encode()) <= CARD_BYTES


def _champion_card(
    question: Question,
    community: Community | None,
    asker_name: str,
    answers: Sequence[Answer],
    shown: Sequence[Answer],
    refresh_for: Sequence[str],
    nudge_step: str,
    error: str,
    typed: str,
    note: str,
) -> dict[str, Any]:
    name = community.name if community else "a community"
    body: list[ac.CardElement] = [heading(f"A question for {name}")]
    if note:
        body.append(notice(note))
    if nudge_step in _STEP_NOTES:
        body.append(para(_STEP_NOTES[nudge_step]))
    body += _question_items(question, asker_name)
    if shown:
        body.append(heading("Answers so far", size="Medium"))
        if len(shown) < len(answers):
            body.append(
                para(f"There are {len(answers):,} answers. There is room here for {len(shown):,}.")
            )
        for answer in shown:
            body += _answer_items(answer, helped_button=True)
    actions: list[ac.Action] = []
    if question.status is QuestionStatus.RESOLVED:
        body.append(para("The person who asked has marked the best answer. Thank you."))
    elif question.status is not QuestionStatus.SEARCHING:
        # Not marked required: Teams would then stop "I'll answer in a call" and
        # "This helped me too" on the same card. The bot checks it and says why.
        body += _writing_box(ANSWER_TEXT, "Your answer", MAX_ANSWER, typed, error)
        actions = [
            button("Send answer", SEND, _ref(question), primary=True, validate=True),
            button("I'll answer in a call", CLAIM, _ref(question)),
        ]
    built = card(body, actions, fallback=f"Question {question.reference} for {name}.")
    if refresh_for:
        built.refresh = ac.RefreshDefinition(
            action=ac.ExecuteAction(
                title="Refresh", verb=SEEN, data={"verb": SEEN, **_ref(question)}
            ),
            user_ids=list(refresh_for[:REFRESH_LIMIT]),
        )
    return to_dict(built)


# ---- The asker's cards ---------------------------------------------------------------


def ask_card(key: str, error: str = "", typed: str = "") -> dict[str, Any]:
    """A box for the question. `key` makes pressing twice ask once."""
    body: list[ac.CardElement] = [
        heading("Ask a question"),
        para(
            "Ask about digital tools and ways of working. First we look for answers "
            "already given. If none helps, a digital champion will answer."
        ),
    ]
    # Required: the card's only button sends it.
    body += _writing_box(
        QUESTION_TEXT, "Your question", MAX_QUESTION, typed, error, "Write your question first"
    )
    actions: list[ac.Action] = [
        button("Search answers", ASK, {"key": key}, primary=True, validate=True)
    ]
    return to_dict(card(body, actions, fallback="Type your question, then choose Search answers."))


def matches_card(question: Question, found: Sequence[tuple[KnowledgeEntry, str]]) -> dict[str, Any]:
    """Answers already given that look like the question, each with why it matched."""
    body: list[ac.CardElement] = [
        heading("Answers already given"),
        labelled_user_text("Your question", question.text),
        para("These answers to earlier questions may help. Did one of them answer yours?"),
    ]
    for number, (entry, why) in enumerate(found, start=1):
        body.append(
            ac.Container(
                separator=True,
                spacing="Large",
                items=[
                    heading(f"Answer {number}", size="Medium"),
                    labelled_user_text("The question asked", entry.question),
                    labelled_user_text("The answer", entry.answer),
                    labelled_user_text("Answered by", entry.answered_by),
                    para(f"Why it matched: {why}", subtle=True),
                    ac.ActionSet(
                        actions=[
                            button(
                                "This answered it",
                                FOUND,
                                {**_ref(question), "entry": entry.id},
                            )
                        ]
                    ),
                ],
            )
        )
    actions: list[ac.Action] = [
        button("None of these \u2014 ask a champion", NONE_FOUND, _ref(question))
    ]
    return to_dict(card(body, actions, fallback="Answers already given to questions like yours."))


def route_card(
    question: Question,
    communities: Sequence[Community],
    suggested: tuple[Community, str] | None,
    nothing_found: bool,
    error: str = "",
    typed_area: str = "",
    chosen: str = "",
) -> dict[str, Any]:
    """Where the question goes: the asker picks the community (ours pre-selected) and
    says where they work."""
    body: list[ac.CardElement] = [heading("Ask a digital champion")]
    if nothing_found:
        body.append(para("We did not find an answer already given to a question like yours."))
    body.append(labelled_user_text("Your question", question.text))
    if suggested is not None:
        body.append(para(f"We suggest {suggested[0].name}. {suggested[1]}"))
    if error:
        body.append(_problem(error))
    picked = chosen or (suggested[0].id if suggested else "")
    body += [
        ac.ChoiceSetInput(
            id=COMMUNITY,
            label="Which community should answer it?",
            choices=[ac.Choice(title=c.name, value=c.id) for c in communities],
            is_required=True,  # the card's only button sends it
            error_message="Choose a community",
            value=picked or None,
        ),
        ac.TextInput(
            id=SERVICE_AREA,
            label="Your service area (where you work), for example Housing",
            max_length=MAX_SERVICE_AREA,
            is_required=True,
            error_message="Tell us your service area",
            # Shown again after a mistake: exactly what they typed, even if it was nothing.
            value=(typed_area[:MAX_SERVICE_AREA] if error else question.service_area) or None,
        ),
    ]
    actions: list[ac.Action] = [
        button("Send to champions", ROUTE, _ref(question), primary=True, validate=True)
    ]
    return to_dict(card(body, actions, fallback="Choose a community for your question."))


def sent_card(question: Question, community: Community, lines: Sequence[str]) -> dict[str, Any]:
    """What the asker sees once the question is on its way."""
    body: list[ac.CardElement] = [
        heading(f"Your question {question.reference} has been sent"),
        labelled_user_text("Your question", question.text),
        *[para(line) for line in lines],
        para("Type my questions to see it and its answers at any time.", subtle=True),
    ]
    return to_dict(card(body, fallback=" ".join(lines)))


def resolved_card(question: Question, message: str) -> dict[str, Any]:
    body: list[ac.CardElement] = [
        heading("Thank you"),
        para(message),
        labelled_user_text(f"Your question {question.reference}", question.text),
    ]
    return to_dict(card(body, fallback=message))


def answer_for_asker(
    question: Question, community: Community | None, answer: Answer
) -> dict[str, Any]:
    """One answer, sent to the asker in their chat."""
    where = f" from the {community.name} community" if community else ""
    if answer.kind is AnswerKind.CALL:
        title = "A champion will call you"
        body: list[ac.CardElement] = [heading(title)]
        body.append(user_text(f"{answer.champion_name} will call you to help with this."))
    else:
        title = f"An answer{where}"
        body = [heading(title), labelled_user_text("Answer from", answer.champion_name)]
        body.append(user_text(answer.text))
    body.append(labelled_user_text(f"Your question {question.reference}", question.text))
    actions: list[ac.Action] = []
    if answer.kind is AnswerKind.WRITTEN:
        body.append(
            para(
                "If this answers it, choose This is the best answer. We keep it so the "
                "next person with this question finds it."
            )
        )
        actions.append(button("This is the best answer", BEST, {"answer": answer.id}, primary=True))
    actions.append(button("None of these helped", NONE_HELPED, _ref(question)))
    return to_dict(card(body, actions, fallback=f"{title}: {question.reference}."))


def reopened_card(
    question: Question, community: Community | None, answers: Sequence[Answer]
) -> dict[str, Any]:
    """To the champions who answered: the asker says none of the answers helped."""
    return champion_card(
        question,
        community,
        question.asker_name,
        answers,
        note=(
            f"{question.asker_name} says none of the answers helped yet. "
            "Can you add more, or offer a call?"
        ),
    )


# ---- Lists ----------------------------------------------------------------------------

_STATUS_WORDS = {
    QuestionStatus.SEARCHING: "Not sent yet: you were looking at answers already given",
    QuestionStatus.OPEN: "Waiting for an answer",
    QuestionStatus.ANSWERED: "Answered: choose the best answer",
    QuestionStatus.RESOLVED: "Done",
}
_SHOWN = 600  # characters of each question or answer shown in a list


def my_questions_card(
    shown: Sequence[tuple[Question, Sequence[Answer]]], total: int, answers_each: int = 5
) -> dict[str, Any]:
    """The asker's newest questions with their answers: at most `answers_each` answers
    each (the best and the newest), saying so when there are more."""
    body: list[ac.CardElement] = [heading("Your questions")]
    if not shown:
        body.append(para("You have not asked a question yet. Type ask to ask one."))
        return to_dict(card(body, fallback="You have not asked a question yet."))
    asked = "1 question" if total == 1 else f"{total:,} questions"
    if total > len(shown):
        body.append(para(f"You have asked {asked}. These are the {len(shown)} newest."))
    cut = False
    for question, answers in shown:
        items: list[ac.CardElement] = [
            heading(question.reference, size="Medium"),
            para(
                f"{_STATUS_WORDS[question.status]}. Asked on {long_date(question.asked_at.date())}."
            ),
            user_text(question.text, max_chars=_SHOWN),
        ]
        cut = cut or len(question.text) > _SHOWN
        if question.answered_by_entry:
            items.append(para("An answer already given helped you."))
        kept = _best_and_newest(answers, max(answers_each, 1))
        if len(kept) < len(answers):
            items.append(para(f"Showing {len(kept)} of its {len(answers)} answers."))
        for answer in kept:
            cut = cut or len(answer.text) > _SHOWN
            items += _answer_items(
                answer,
                helped_button=False,
                asker_buttons=question.status is QuestionStatus.ANSWERED,
                max_chars=_SHOWN,
            )
        if question.status is QuestionStatus.SEARCHING:
            ask_one = button("Ask a champion", NONE_FOUND, _ref(question))
            items.append(ac.ActionSet(actions=[ask_one]))
        elif question.status is QuestionStatus.ANSWERED:
            none = button("None of these helped", NONE_HELPED, _ref(question))
            items.append(ac.ActionSet(actions=[none]))
        body.append(ac.Container(separator=True, spacing="Large", items=items))
    if cut:
        body.append(para("Long questions and answers are shown in part here.", subtle=True))
    return to_dict(card(body, fallback=f"You have asked {asked}."))


def _best_and_newest(answers: Sequence[Answer], most: int) -> list[Answer]:
    """The best answer and the newest others, in their own order, at most `most`."""
    if len(answers) <= most:
        return list(answers)
    best = [a for a in answers if a.best][:1]
    others = [a for a in answers if not a.best]
    room = most - len(best)
    ids = {a.id for a in best + (others[-room:] if room > 0 else [])}
    return [a for a in answers if a.id in ids]


def waiting_card(
    community: Community, page: Sequence[Question], first: int, total: int, after: str
) -> dict[str, Any]:
    """A page of questions waiting for an answer in a community's channel."""
    body: list[ac.CardElement] = [heading(f"Questions waiting in {community.name}")]
    if not page:
        body.append(para("No questions are waiting for an answer. Thank you."))
        return to_dict(card(body, fallback="No questions are waiting."))
    last = first + len(page) - 1
    body.append(
        para(f"Showing {first:,} to {last:,} of {total:,} waiting questions, oldest first.")
    )
    for question in page:
        body.append(
            ac.Container(
                separator=True,
                items=[
                    heading(question.reference, size="Medium"),
                    para(f"Asked on {long_date(question.asked_at.date())}."),
                    user_text(question.text, max_chars=_SHOWN),
                    labelled_user_text("Their service area", question.service_area),
                ],
            )
        )
    if any(len(q.text) > _SHOWN for q in page):
        body.append(
            para("Long questions are shown in part. The full question is on its card.", subtle=True)
        )
    actions: list[ac.Action] = []
    if last < total:
        actions.append(button("Show more", MORE, {"community": community.id, "after": after}))
    return to_dict(card(body, actions, fallback=f"{total:,} questions are waiting."))
