"""What the app manifest offers comes from what journeys declare: command menus from their
chat commands, message actions from their MessageActions. Journeys made up for the test."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from bot.journey import ChatCommand, MessageAction, Turn
from manifest.build import BuildError, command_lists, compose_extensions, shortened

BOT_ID = "6f0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b"


async def _run(turn: Turn, argument: str) -> None:
    raise AssertionError("the manifest never runs a command")


async def _answer(turn: Turn, value: Mapping[str, Any]) -> Mapping[str, Any]:
    raise AssertionError("the manifest never runs an action")


def command(name: str, help: str = "", **fields: Any) -> ChatCommand:
    return ChatCommand(name=name, run=_run, help=help or f"Do {name}.", **fields)


def action(command_id: str = "raiseThing", title: str = "Raise a thing", **fields: Any) -> Any:
    fields.setdefault("description", "Turn this message into a thing.")
    return MessageAction(
        command_id=command_id, title=title, fetch=_answer, submit=_answer, **fields
    )


def menus(commands: list[ChatCommand]) -> dict[str, list[str]]:
    return {
        lists["scopes"][0]: [c["title"] for c in lists["commands"]]
        for lists in command_lists(commands)
    }


def test_each_scope_lists_the_commands_that_work_there() -> None:
    commands = [
        command("mine", where="personal"),
        command("here", where="channel"),
        command("everywhere", where="anywhere"),
    ]

    assert menus(commands) == {
        "personal": ["mine", "everywhere"],
        "team": ["here", "everywhere"],
        "groupChat": ["everywhere"],  # a group chat takes only the commands for anywhere
    }


def test_a_full_menu_keeps_help_then_the_most_used_then_the_tools_of_a_few() -> None:
    commands = [
        command("admin thing", help="Admins only. Set something up.", menu_rank=1),
        command("board thing", audience="boards", menu_rank=1),
        *(command(f"rank two {n}") for n in range(6)),
        command("rank three", menu_rank=3),
        command("top", menu_rank=1),
        command("help", menu_rank=3),
    ]

    personal = menus(commands)["personal"]

    # Ten at most: the commands for one audience come after everyone's, then admins'.
    assert personal == [
        "help",
        "top",
        *(f"rank two {n}" for n in range(6)),
        "rank three",
        "board thing",
    ]


def test_a_channels_menu_keeps_setting_channels_up_then_the_audiences_commands() -> None:
    commands = [
        *(command(f"everyone {n}", where="anywhere", menu_rank=1) for n in range(4)),
        command("board", audience="boards", where="anywhere", menu_rank=2),
        command("deputy", audience="boards", where="anywhere", menu_rank=3),
        command("add member", audience="boards", where="channel", menu_rank=3),
        command("register here", help="Admins only. Make this a channel.", where="channel"),
        command("register there", help="Admins only. Make that a channel.", where="channel"),
        command("agenda", where="channel", menu_rank=1),
        command("questions", where="channel", menu_rank=3),
        command("admin anywhere", help="Admins only. Something.", where="anywhere"),
        command("help", where="anywhere"),
    ]

    # Ten at most: help; the channel's own commands, admins' set-up included, by menu
    # rank; an audience's commands (those that only work in a channel first at one rank);
    # then everyone's for anywhere, which their own chat's menu has anyway.
    assert menus(commands)["team"] == [
        "help",
        "agenda",
        "register here",
        "register there",
        "questions",
        "board",
        "add member",
        "deputy",
        "everyone 0",
        "everyone 1",
    ]


def test_a_group_chat_lists_no_audiences_commands() -> None:
    commands = [
        command("board", audience="boards", where="anywhere", menu_rank=1),
        command("nudges", audience="champions", where="anywhere", menu_rank=1),
        command("admin thing", help="Admins only. Do it.", where="anywhere"),
        command("everywhere", where="anywhere", menu_rank=3),
    ]

    assert menus(commands)["groupChat"] == ["everywhere", "admin thing"]
    assert menus(commands)["personal"] == ["everywhere", "board", "nudges", "admin thing"]


def test_commands_without_help_are_not_in_any_menu() -> None:
    hidden = ChatCommand(name="secret", run=_run, where="anywhere")

    assert command_lists([hidden]) == []


def test_a_menu_shows_the_hint_else_the_help_cut_at_a_sentence() -> None:
    long_help = "Open the list of things. " + "Then choose one of them to see it in full. " * 4
    commands = [
        command("hinted", help="A very long help text " * 10, menu_hint="Short words."),
        command("long", help=long_help),
    ]

    [lists, *_] = command_lists(commands)
    described = {c["title"]: c["description"] for c in lists["commands"]}

    assert described["hinted"] == "Short words."
    assert described["long"] == shortened(long_help, 128)
    assert len(described["long"]) <= 128 and described["long"].endswith("in full.")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Fits.", "Fits."),
        ("One sentence here. Another that goes over.", "One sentence here."),
        ("no sentence ends before the limit at all", "no sentence ends…"),
    ],
)
def test_shortened_cuts_at_a_sentence_or_a_word(text: str, expected: str) -> None:
    limit = 20 if text != "Fits." else 5

    assert shortened(text, limit) == expected
    assert len(shortened(text, limit)) <= limit


def test_a_command_name_too_long_for_the_menu_stops_the_build() -> None:
    with pytest.raises(BuildError, match="longer than 32 characters"):
        command_lists([command("a command name that is far too long to show")])


def test_each_message_action_is_an_action_on_messages_with_a_dialog() -> None:
    extensions = compose_extensions(BOT_ID, [action(), action("second", "Second thing")])

    assert extensions == [
        {
            "botId": BOT_ID,
            "commands": [
                {
                    "id": "raiseThing",
                    "type": "action",
                    "title": "Raise a thing",
                    "description": "Turn this message into a thing.",
                    "context": ["message"],
                    "fetchTask": True,
                },
                {
                    "id": "second",
                    "type": "action",
                    "title": "Second thing",
                    "description": "Turn this message into a thing.",
                    "context": ["message"],
                    "fetchTask": True,
                },
            ],
        }
    ]


def test_no_message_actions_means_no_message_extension() -> None:
    assert compose_extensions(BOT_ID, []) == []


@pytest.mark.parametrize(
    ("actions", "message"),
    [
        ([action(title="x" * 33)], "has a title of 33 characters; Teams allows at most 32"),
        ([action(description="x" * 129)], "description of 129 characters"),
        ([action(command_id="x" * 65)], "id of 65 characters"),
        ([action(title="  ")], "has no title"),
        ([action(), action()], "More than one message action has the id raiseThing"),
        (
            [action(f"a{n}") for n in range(11)],
            "declare 11 message actions",
        ),
    ],
)
def test_a_message_action_teams_would_refuse_stops_the_build(
    actions: list[MessageAction], message: str
) -> None:
    with pytest.raises(BuildError, match=message):
        compose_extensions(BOT_ID, actions)
