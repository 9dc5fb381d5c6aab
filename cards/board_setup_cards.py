"""Cards for a board's setup: who sits on it, when it meets, and members' deputies.

People's names come from Teams and are shown with `user_text`, so Markdown in a name
shows as typed. Each input has a label; an error is written above its input in words,
never shown only in colour.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import microsoft_teams.cards as ac

from bot.domain.boards import REPEAT_LABELS, Deputy, Repeat, clock_time
from bot.domain.text import long_date
from cards.elements import button, card, facts, heading, notice, para, user_text

# Verbs (one place, shared by the cards and the routes).
OPEN_MEETINGS = "board.meetings.open"  # "Change meetings": sends the meetings form
MEETINGS = "board.meetings"  # the meetings form, sent
SHOW = "board.show"  # back to the board's setup card

# Card data and input ids.
BOARD = "board"
FIRST = "firstMeeting"
AT = "meetingTime"
REPEAT = "repeat"
DAYS_BEFORE = "agendaDaysBefore"

MOST_DAYS_BEFORE = 14
MOST_NAMES = 40  # names listed on a card; the rest are counted
# What a required input says when it is left empty: the card's words and the bot's.
MISSING = {
    FIRST: "Enter the date of the first meeting",
    AT: "Enter the time the meetings start",
    REPEAT: "Choose how often the board meets",
    DAYS_BEFORE: f"Enter a number of days from 0 to {MOST_DAYS_BEFORE}",
}
MEMBER_COMMANDS = (
    "add board member @name",
    "remove board member @name",
    "board secretary @name",
    "board chair @name",
    "board group <group id> (Microsoft 365 only)",
)


@dataclass(frozen=True)
class SetupView:
    """One board's setup as its card shows it. Times are in the council's time zone."""

    key: str
    name: str
    purpose: str
    members: tuple[str, ...]  # names, in order
    secretary: str  # a name, or "" when none is named
    chair: str
    meetings: str  # when it meets, in words; "" when not set
    next_meeting: dt.datetime | None
    agenda_out: dt.datetime | None  # when the next meeting's agenda goes out
    agenda_sent: bool  # the agenda was posted (kept when it went out)
    deputies: tuple[Deputy, ...]  # current and coming, in order
    today: dt.date
    sample: bool = False
    from_group: bool = False  # an Entra group's members count as members
    can_change: bool = False  # the person who asked may change it (an admin or the secretary)
    note: str = ""  # what just changed
    agenda_late: str = ""  # its time has passed and it was not posted: why, in words


@dataclass(frozen=True)
class BoardLine:
    """A board someone is on, as their own list shows it."""

    name: str
    roles: tuple[str, ...]  # "chair", "secretary", "member"
    next_meeting: dt.datetime | None
    channel_registered: bool


_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def when(at: dt.datetime) -> str:
    """A meeting's day and time in words: Tuesday 12 January 2027 at 10am (whatever the
    server's locale)."""
    return f"{_WEEKDAYS[at.weekday()]} {long_date(at.date())} at {clock_time(at.time())}"


def names_in_words(names: tuple[str, ...] | list[str]) -> str:
    if not names:
        return "Nobody yet"
    shown = list(names[:MOST_NAMES])
    if len(names) > MOST_NAMES:
        shown.append(f"{len(names) - MOST_NAMES} others")
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


def deputy_words(deputy: Deputy, today: dt.date) -> str:
    """ "Sam Lee for Alex Kay, until 12 December 2026" (now) or "…, from 1 December to …"."""
    if deputy.starts <= today:
        period = f"until {long_date(deputy.ends)}"
    else:
        period = f"from {long_date(deputy.starts)} to {long_date(deputy.ends)}"
    return f"{deputy.deputy_name} for {deputy.member_name}, {period}"


def _labelled_names(label: str, text: str) -> ac.Container:
    return ac.Container(
        items=[
            ac.TextBlock(text=label, weight="Bolder", wrap=True, spacing="Medium"),
            user_text(text),
        ]
    )


def setup_card(view: SetupView) -> ac.AdaptiveCard:
    title = f"{view.name} (sample data)" if view.sample else view.name
    body: list[ac.CardElement] = [heading(title)]
    if view.note:
        body.append(notice(view.note))
    if view.purpose:
        body.append(para(view.purpose))
    if view.sample:
        body.append(
            para(
                "The people on this board are made up, to show how it works. An admin can "
                "add the real members here: type add board member and @mention them.",
                subtle=True,
            )
        )
    members = names_in_words(view.members)
    if view.from_group:
        members += ". Everyone in the board's Microsoft 365 group counts as a member"
    body += [
        _labelled_names(f"Members ({len(view.members)})", members),
        _labelled_names("Chair", view.chair or "Not named yet"),
        _labelled_names("Secretary", view.secretary or "Not named yet"),
        heading("Meetings", size="Medium"),
    ]
    if view.meetings:
        lines = [("When", view.meetings)]
        if view.next_meeting is not None:
            lines.append(("Next meeting", when(view.next_meeting)))
        if view.agenda_out is not None:
            label = "Agenda went out" if view.agenda_sent else "Agenda goes out"
            if view.agenda_late:
                label = "Agenda due"
            shown = when(view.agenda_out)
            lines.append((label, f"{shown}. {view.agenda_late}" if view.agenda_late else shown))
        body.append(facts(lines))
    else:
        body.append(para("Meetings are not set yet, so no agenda goes out by itself."))
    body.append(heading("Deputies", size="Medium"))
    if view.deputies:
        body += [user_text(deputy_words(d, view.today)) for d in view.deputies]
    else:
        body.append(para("Nobody is standing in for a member now or soon."))
    body.append(
        para(
            "A member who will be away can name someone to decide in their place. "
            "Type deputy, @mention them and say until when, like this: "
            "deputy @name until 12 December.",
            subtle=True,
        )
    )
    actions: list[ac.Action] = []
    if view.can_change:
        body += [
            heading("Change who is on the board", size="Medium"),
            para("Type one of these here, in the board's channel:"),
            *[para(f"- {command}") for command in MEMBER_COMMANDS],
        ]
        actions.append(button("Change meetings", OPEN_MEETINGS, {BOARD: view.key}))
    return card(body, actions, fallback=title)


def my_boards_card(lines: list[BoardLine], board_names: list[str]) -> ac.AdaptiveCard:
    """The boards someone sits on, with each board's next meeting."""
    body: list[ac.CardElement] = [heading("Your boards")]
    if not lines:
        body += [
            para(f"You are not on any board. The boards are {names_in_words(board_names)}."),
            para(
                "To see who is on a board and when it meets, type board in the board's channel.",
            ),
        ]
        return card(body, fallback="Your boards")
    for line in lines:
        roles = " and ".join(line.roles).capitalize()
        pairs = [("Your role", roles)]
        if line.next_meeting is not None:
            pairs.append(("Next meeting", when(line.next_meeting)))
        else:
            pairs.append(("Next meeting", "Not set yet"))
        if not line.channel_registered:
            pairs.append(("Teams channel", "Not registered yet"))
        body += [heading(line.name, size="Medium"), facts(pairs)]
    body.append(
        para(
            "To see everyone on a board, type board in its channel. Going away? "
            "Type deputy @name until 12 December.",
            subtle=True,
        )
    )
    return card(body, fallback="Your boards")


def _error(text: str) -> ac.TextBlock:
    # Dark bold text with the word "Error", not red: meaning is never in colour alone.
    return ac.TextBlock(text=f"Error: {text}", weight="Bolder", wrap=True)


def _field(errors: Mapping[str, str], name: str, element: ac.CardElement) -> ac.Container:
    items: list[ac.CardElement] = []
    if name in errors:
        items.append(_error(errors[name]))
    items.append(element)
    return ac.Container(items=items, spacing="Large")


def _a_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


def _a_time(text: str) -> bool:
    try:
        dt.time.fromisoformat(text)
    except ValueError:
        return False
    return len(text) in (5, 8)


def _number(text: str) -> float | None:
    try:
        return float(int(text))
    except ValueError:
        return None


def meetings_card(
    key: str,
    name: str,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
) -> ac.AdaptiveCard:
    """The form to change when a board meets. `values` are shown again after an error."""
    values = values or {}
    errors = errors or {}
    title = f"When the {name} meets"
    body: list[ac.CardElement] = [heading(title)]
    if errors:
        problems: list[ac.CardElement] = [
            ac.TextBlock(text="There is a problem", weight="Bolder", size="Medium", wrap=True)
        ]
        problems += [para(message) for message in errors.values()]
        body.append(ac.Container(style="attention", items=problems))
    body.append(
        para(
            "Give the date and time of the first meeting and how often the board meets. "
            "Times are UK time."
        )
    )
    first = values.get(FIRST, "")
    at = values.get(AT, "")
    repeat = values.get(REPEAT, "")
    days = values.get(DAYS_BEFORE, "")
    body += [
        _field(
            errors,
            FIRST,
            ac.DateInput(
                id=FIRST,
                label="Date of the first meeting",
                value=first if _a_date(first) else None,
                is_required=True,
                error_message=MISSING[FIRST],
            ),
        ),
        _field(
            errors,
            AT,
            ac.TimeInput(
                id=AT,
                label="Start time",
                value=at if _a_time(at) else None,
                is_required=True,
                error_message=MISSING[AT],
            ),
        ),
        _field(
            errors,
            REPEAT,
            ac.ChoiceSetInput(
                id=REPEAT,
                label="How often does the board meet?",
                choices=[ac.Choice(title=REPEAT_LABELS[r], value=r.value) for r in Repeat],
                value=repeat if repeat in {r.value for r in Repeat} else None,
                style="expanded",
                is_required=True,
                error_message=MISSING[REPEAT],
            ),
        ),
        _field(
            errors,
            DAYS_BEFORE,
            ac.NumberInput(
                id=DAYS_BEFORE,
                label="Post the agenda this many days before each meeting",
                min=0,
                max=MOST_DAYS_BEFORE,
                value=_number(days) if days else None,
                is_required=True,
                error_message=MISSING[DAYS_BEFORE],
            ),
        ),
    ]
    actions: list[ac.Action] = [
        button("Save meetings", MEETINGS, {BOARD: key}, primary=True, validate=True),
        button("Cancel", SHOW, {BOARD: key}),
    ]
    return card(body, actions, fallback=title)


def deputy_named_card(deputy: Deputy, board_name: str, for_deputy: bool) -> ac.AdaptiveCard:
    """To the deputy (`for_deputy`), or to the board's channel: who stands in for whom."""
    period = (
        f"from {long_date(deputy.starts)} to {long_date(deputy.ends)}"
        if deputy.starts != deputy.ends
        else f"on {long_date(deputy.starts)}"
    )
    if for_deputy:
        title = f"You are a deputy on the {board_name}"
        lines = [
            f"{deputy.member_name} has named you as their deputy {period}.",
            f"In that time you can decide on requests on the {board_name}'s list in "
            f"{deputy.member_name}'s place. The record will say you decided for them.",
            f"After {long_date(deputy.ends)} you cannot decide for them any more.",
        ]
    else:
        title = "A deputy has been named"
        lines = [
            f"{deputy.member_name} has named {deputy.deputy_name} as their deputy {period}.",
            f"{deputy.deputy_name} can decide in {deputy.member_name}'s place until then.",
        ]
    body: list[ac.CardElement] = [heading(title)]
    body += [user_text(line) for line in lines]
    return card(body, fallback=title)


def deputy_ended_card(deputy: Deputy, board_name: str) -> ac.AdaptiveCard:
    """To a deputy whose member is back."""
    title = f"You are no longer a deputy on the {board_name}"
    body: list[ac.CardElement] = [
        heading(title),
        user_text(
            f"{deputy.member_name} is back, so you do not decide in their place any more. "
            "Thank you for standing in."
        ),
    ]
    return card(body, fallback=title)


def deputies_card(
    board_name: str, deputies: list[Deputy], today: dt.date, note: str = ""
) -> ac.AdaptiveCard:
    title = f"Deputies on the {board_name}"
    body: list[ac.CardElement] = [heading(title)]
    if note:
        body.append(para(note))
    current = [d for d in deputies if d.starts <= today <= d.ends]
    coming = [d for d in deputies if d.starts > today]
    body.append(heading("Now", size="Medium"))
    body += [user_text(deputy_words(d, today)) for d in current] or [
        para("Nobody is standing in for a member today.")
    ]
    body.append(heading("Coming up", size="Medium"))
    body += [user_text(deputy_words(d, today)) for d in coming] or [
        para("No deputies are named for later.")
    ]
    return card(body, fallback=title)
