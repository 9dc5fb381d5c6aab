"""The seam journeys plug into: commands matched forgivingly, help built from what journeys
declare, events that reach every listener, and any form run by the same engine."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

import bot.journeys
from bot.domain import forms
from bot.domain.forms import FormView
from bot.domain.model import Draft
from bot.journey import Catalogue, ChatCommand, Events, MenuButton, Turn
from bot.journeys import JOURNEYS, load
from bot.journeys.feedback.form import FEEDBACK_FORM, Feedback
from bot.journeys.intake.form import REQUEST_FORM
from cards import verbs
from cards.form_card import build_form_card

TODAY = dt.date(2031, 6, 17)


async def nothing(turn: Turn, argument: str) -> None:
    return None


def test_a_command_matches_its_phrases_whatever_the_case_and_mentions() -> None:
    command = ChatCommand("my requests", nothing, phrases=("my requests", "show my requests"))
    assert command.match("My Requests!") == ""
    assert command.match("<at>Digital Front Door</at> show my requests.") == ""
    assert command.match("my requests please") is None
    assert command.match("") is None


def test_a_prefix_gives_the_rest_as_typed() -> None:
    command = ChatCommand("new request", nothing, prefixes=("i need ",))
    assert command.match("I need a Way to book Rooms.") == "a Way to book Rooms"
    assert command.match("i need ") is None, "a prefix alone is not a command"


def test_a_command_can_read_the_text_itself() -> None:
    command = ChatCommand("status", nothing, read=lambda said: said[7:] or None)
    assert command.match("STATUS dr-2031-0001") == "dr-2031-0001"
    assert command.match("status") is None


def test_help_lists_what_journeys_declare_and_channel_commands_only_in_channels() -> None:
    catalogue = Catalogue(
        commands=[
            ChatCommand("new request", nothing, help="Raise a request."),
            ChatCommand("hidden", nothing),
            ChatCommand("register triage", nothing, help="Admins only.", where="channel"),
            ChatCommand("help", nothing, help="See this list.", where="anywhere"),
        ],
        menu=[MenuButton("Raise a new request", verbs.NEW_REQUEST, primary=True)],
    )
    assert catalogue.help_lines(in_channel=False) == [
        ("new request", "Raise a request."),
        ("help", "See this list."),
    ]
    assert [name for name, _ in catalogue.help_lines(in_channel=True)] == [
        "new request",
        "register triage",
        "help",
    ]
    assert catalogue.channel_commands() == ["register triage", "help"]


async def test_an_event_reaches_every_listener_and_one_failing_stops_no_other() -> None:
    heard: list[Any] = []
    pending: list[asyncio.Future[Any]] = []
    events = Events(lambda work: pending.append(asyncio.ensure_future(work)))

    async def broken(payload: Any) -> None:
        raise RuntimeError("listener failed")

    async def listener(payload: Any) -> None:
        heard.append(payload)

    events.subscribe("request.submitted", broken)
    events.subscribe("request.submitted", listener)
    events.publish("request.submitted", "DR-2031-0001")
    events.publish("nobody.listens", "ignored")
    await asyncio.gather(*pending)
    assert heard == ["DR-2031-0001"]


def test_every_journey_folder_is_registered_and_loads() -> None:
    folder = Path(bot.journeys.__file__).parent
    folders = {path.parent.name for path in folder.glob("*/__init__.py")}
    assert set(JOURNEYS) == folders
    assert JOURNEYS[-1] == "home", "help and hello come last, after what they list"
    assert all(callable(register) for register in load())


def test_form_verbs_come_from_the_form_key() -> None:
    assert REQUEST_FORM.verb("new") == verbs.NEW_REQUEST
    assert REQUEST_FORM.verb("submit") == verbs.FORM_SUBMIT
    assert FEEDBACK_FORM.verb("next") == "feedback.next"


def test_a_form_without_a_review_is_sent_from_its_last_step() -> None:
    draft = Draft("me", FEEDBACK_FORM.key, "a" * 32, 1, {}, dt.datetime(2031, 6, 17, tzinfo=dt.UTC))
    card = build_form_card(FormView(FEEDBACK_FORM, draft, 1, {}))
    titles = [action["title"] for action in card.model_dump(by_alias=True)["actions"]]
    assert titles[0] == "Send feedback"
    assert "Next" not in titles
    assert "Step 1 of 1" not in str(card.model_dump(by_alias=True))


@pytest.mark.parametrize(
    ("answers", "errors"),
    [
        ({"rating": "0"}, {"rating": "Choose one of the options listed"}),
        ({"rating": "6"}, {"rating": "Choose one of the options listed"}),
        ({"rating": "five"}, {"rating": "Choose one of the options listed"}),
        ({"rating": ""}, {"rating": "Choose a rating from 1 to 5"}),
        (
            {"rating": "3", "comment": "x" * 2001},
            {"comment": "Your comment must be 2,000 characters or fewer. You entered 2,001."},
        ),
    ],
)
def test_bad_feedback_is_explained(answers: dict[str, str], errors: dict[str, str]) -> None:
    result, found = forms.validate_all(FEEDBACK_FORM, answers, TODAY)
    assert result is None
    assert found == errors


def test_good_feedback_becomes_typed() -> None:
    result, errors = forms.validate_all(
        FEEDBACK_FORM, {"rating": "5", "comment": "  Clear and quick.  "}, TODAY
    )
    assert errors == {}
    assert result == Feedback(5, "Clear and quick.")
    assert forms.validate_all(FEEDBACK_FORM, {"rating": "1"}, TODAY)[0] == Feedback(1, "")


def test_two_journeys_claiming_one_verb_or_phrase_stop_the_bot_starting(tmp_path: Path) -> None:
    from bot.agent import build_agent, build_connections
    from bot.journey import CardAction, Journey, JourneyContext
    from bot.registry import register_journeys
    from bot.settings import load_settings

    async def handle(turn: Turn, command: Any) -> Any:
        return None

    first = Journey("a", actions=(CardAction("x.go", dict, handle),))
    second = Journey(
        "b",
        commands=(
            ChatCommand("go", nothing, phrases=("go",)),
            ChatCommand("go", nothing, phrases=("go",)),
        ),
        actions=(CardAction("x.go", dict, handle),),
    )
    settings = load_settings({"DATA_DIR": str(tmp_path)})
    app, _ = build_agent(settings, build_connections(settings))
    inert: Any = object()
    ctx = JourneyContext(store=inert, clock=inert, notifier=inert, admin_ids=frozenset())
    with pytest.raises(ValueError, match=re.escape("'go', 'x.go'")):
        register_journeys(app, ctx, [first, second])


def test_typed_commands_are_tried_readings_first_then_guesses_then_phrases() -> None:
    """The order is ours, not the SDK's: its order among routes of one rank is not the
    order they were added in, which once sent a pasted catalogue to the service desk."""
    from bot.registry import command_order

    async def run(turn: Any, argument: str) -> None:
        return None

    phrase = ChatCommand("new request", run, phrases=("new request",))
    guess = ChatCommand("password reset", run, read=lambda said: said or None, guess=True)
    reader = ChatCommand("import catalogue", run, read=lambda said: said or None)
    assert command_order([phrase, guess, reader]) == [reader, guess, phrase]
