"""Home: the welcome when the bot is added, hello, and help built from every journey."""

from __future__ import annotations

from typing import Any

from bot.domain.commands import normalise
from bot.journey import AUDIENCES, CONFIG_PROBLEM, ChatCommand, Journey, JourneyContext, Turn
from cards.elements import to_dict
from cards.welcome import build_help_card, build_notice_card, build_welcome_card

HELP_PHRASES = ("", "help", "?", "menu", "commands", "what can you do")
HELLO_PHRASES = ("hi", "hello", "hey", "start")
# "help boards", "help for board members", "help champion": one audience's commands.
_AUDIENCE_WORDS: dict[str, tuple[str, ...]] = {
    "champions": ("champions", "champion", "leads", "lead", "community leads"),
    "boards": ("boards", "board", "board members", "board member"),
}


def read_help_for(text: str) -> str | None:
    """The audience asked about in "help boards" (or "help for boards"), else None."""
    said = normalise(text)
    for start in ("help for ", "help "):
        if said.startswith(start):
            topic = said.removeprefix(start).strip()
            for key, words in _AUDIENCE_WORDS.items():
                if topic in words:
                    return key
    return None


CONFIG_NOT_USED = "A change to the council's settings was not used"


def config_problem_card(problem: str) -> dict[str, Any]:
    advice = (
        "The bot keeps using the last good version. Correct the item in the DFD Config list "
        "in SharePoint; the bot takes it within five minutes."
    )
    return to_dict(build_notice_card(CONFIG_NOT_USED, [problem, advice]))


async def tell_admins_once(ctx: JourneyContext, problem: str) -> None:
    """An edit to the shared config list was not used: each admin hears it once."""
    card = config_problem_card(problem)
    for admin in sorted(ctx.admin_ids):
        await ctx.notifier.tell(admin, card, f"config-problem:{admin}:{problem}")


def register(ctx: JourneyContext) -> Journey:
    catalogue = ctx.catalogue

    # The commands are all declared once the app has started: one help card per place,
    # for admins and for everyone else (who are not shown the admins' own commands).
    help_cards: dict[tuple[bool, bool], dict[str, Any]] = {}

    help_for_cards: dict[tuple[bool, bool, str], dict[str, Any]] = {}

    async def show_help(turn: Turn, _: str) -> None:
        key = (turn.in_channel, ctx.is_admin(turn.actor))
        if key not in help_cards:
            lines = catalogue.help_lines(*key) + catalogue.audience_lines(*key)
            help_cards[key] = to_dict(build_help_card(lines, catalogue.menu))
        await turn.send_card(help_cards[key])

    async def show_help_for(turn: Turn, audience: str) -> None:
        key = (turn.in_channel, ctx.is_admin(turn.actor), audience)
        if key not in help_for_cards:
            lines = catalogue.help_lines(key[0], key[1], audience)
            if not lines:  # this audience's commands are all for a channel, say
                lines = catalogue.help_lines(True, key[1], audience)
            help_for_cards[key] = to_dict(
                build_help_card(lines, catalogue.menu, title=AUDIENCES[audience])
            )
        await turn.send_card(help_for_cards[key])

    async def hello(turn: Turn, _: str) -> None:
        await turn.send_card(to_dict(build_welcome_card(turn.actor.name, catalogue.menu)))

    async def welcome(turn: Turn) -> None:
        """One welcome per install: a card in a personal chat, a short note elsewhere."""
        activity = turn.activity
        bot_id = activity.recipient.id if activity.recipient else ""
        added = activity.members_added or []
        people = [member for member in added if member.id != bot_id]
        bot_added = any(member.id == bot_id for member in added)
        if not turn.in_channel and (people or bot_added):
            name = people[0].name if people and people[0].name else ""
            await turn.send_card(to_dict(build_welcome_card(name, catalogue.menu)))
        elif turn.in_channel and bot_added:
            await turn.send_text(
                "Hello. I am Digital Front Door. Type help to see what I can do in this "
                "channel. To raise a request, chat with me one to one."
            )

    async def tell_admins(problem: str) -> None:
        await tell_admins_once(ctx, problem)

    ctx.events.subscribe(CONFIG_PROBLEM, tell_admins)
    return Journey(
        name="home",
        commands=(
            ChatCommand("hello", hello, phrases=HELLO_PHRASES, where="anywhere"),
            ChatCommand(
                "help",
                show_help,
                phrases=HELP_PHRASES,
                help="See this list again.",
                menu_hint="What I can do for you",
                where="anywhere",
            ),
            ChatCommand("help for", show_help_for, read=read_help_for, where="anywhere"),
        ),
        on_members_added=welcome,
    )
