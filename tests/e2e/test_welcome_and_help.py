"""First contact: a short welcome that says what the bot does and how to start."""

from __future__ import annotations

from tests.e2e.conftest import in_channel
from tests.support.cards import all_text
from tests.support.teams import BOT, YEAR, TeamsUser, card_of, find_action, invoke_card


async def test_installing_the_bot_gives_a_short_welcome(alex: TeamsUser) -> None:
    await alex.post(
        alex.activity(
            type="conversationUpdate",
            membersAdded=[{"id": BOT["id"]}, {"id": alex.user_id, "name": alex.name}],
        )
    )
    sent = await alex.connector.wait_for(alex.conversation_id, 1)
    text = all_text(card_of(sent[0]))
    assert "Hello Alex." in text
    assert "raise a digital request" in text
    assert "Type help" in text
    assert len(sent) == 1, "one welcome, not one per member"


async def test_help_lists_every_command(alex: TeamsUser) -> None:
    text = all_text(card_of((await alex.say("help"))[-1]))
    for command in ("new request", "continue", "my requests", f"status DR-{YEAR}-0001", "help"):
        assert command in text
    assert "register triage" not in text


async def test_help_in_a_channel_also_lists_register_triage(alex: TeamsUser) -> None:
    text = all_text(card_of((await in_channel(alex).say("<at>Digital Front Door</at> help"))[-1]))
    assert "register triage" in text


async def test_the_welcome_button_opens_the_form(alex: TeamsUser) -> None:
    welcome = card_of((await alex.say("hello"))[-1])
    action = find_action(welcome, "Raise a new request")
    form = invoke_card(await alex.press(action["verb"], action["data"]))
    assert "Step 1 of 4" in all_text(form)


async def test_requests_are_raised_in_the_personal_chat_not_a_channel(alex: TeamsUser) -> None:
    reply = (await in_channel(alex).say("new request"))[-1]
    assert "chat with me one to one" in reply["text"]


async def test_commands_are_forgiving_about_case_and_punctuation(alex: TeamsUser) -> None:
    for said in ("HELP", "Help!", " help. ", "what can you do?"):
        assert "What you can type" in all_text(card_of((await alex.say(said))[-1])), said
    for said in ("New Request", "raise a request", "request"):
        assert "Step 1 of 4" in all_text(card_of((await alex.say(said))[-1])), said


async def test_help_shows_admins_their_own_commands_and_nobody_else(alex: TeamsUser) -> None:
    """Alex is an admin; Megan is not. Her help card is shorter: no command she cannot use."""
    megan = TeamsUser(alex.http, alex.bot, alex.connector, "user-id-megan", "Megan Bowen", "megan")
    admins = all_text(card_of((await alex.say("help"))[-1]))
    everyone = all_text(card_of((await megan.say("help"))[-1]))
    for command in ("import catalogue", "feedback summary", "remove from catalogue"):
        assert command in admins and command not in everyone, command
    assert "Admins only" not in everyone
    for command in ("new request", "buy software", "ask", "help"):
        assert command in everyone, command


async def test_help_keeps_the_commands_of_champions_and_boards_behind_one_line_each(
    alex: TeamsUser,
) -> None:
    """Most staff are neither champions nor board members: their help card names each
    group once, and "help boards" or "help champions" lists that group's commands."""
    everyone = all_text(card_of((await alex.say("help"))[-1]))
    for hidden in ("deputy end", "change weights", "resume questions", "review answers"):
        assert hidden not in everyone, hidden
    assert "help boards" in everyone and "help champions" in everyone
    assert "how are requests scored?" in everyone  # for anyone: not hidden

    boards = all_text(card_of((await alex.say("help boards"))[-1]))
    assert "What you can type: board members, chairs and secretaries" in boards
    for command in ("deputy @name until 12 December", "deputy end", "deputies", "change weights"):
        assert command in boards, command
    assert "Carry on with a request" not in boards and "resume questions" not in boards

    champions = all_text(card_of((await alex.say("Help for champions"))[-1]))
    for command in ("pause", "resume questions", "review answers", "nudges"):
        assert command in champions, command
    assert "deputy end" not in champions


async def test_help_for_a_group_in_a_channel_lists_that_groups_channel_commands(
    alex: TeamsUser,
) -> None:
    channel = all_text(card_of((await in_channel(alex).say("help boards"))[-1]))
    for command in ("rescore", "add board member", "board chair"):
        assert command in channel, command


async def test_help_about_something_else_is_not_taken_for_a_group(alex: TeamsUser) -> None:
    """ "help me with excel" names no group: it is not a group's help card."""
    replies = await alex.say("help me with excel")
    said = all_text(card_of(replies[-1])) if replies[-1].get("attachments") else replies[-1]["text"]
    assert "What you can type:" not in said
