"""The seam every capability plugs into: what a journey declares, and what it is given.

A journey (`bot/journeys/<name>/`) declares its chat commands, its card actions (one
verb each, with a parser that turns card data into a typed command), the buttons it
offers on the welcome and help cards, and what it does when something happens
elsewhere (an event). It knows nothing of the other journeys, and they nothing of it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar

from microsoft_agents.activity import (
    Activity,
    ActivityTypes,
    AdaptiveCardInvokeResponse,
    Attachment,
    InvokeResponse,
)
from microsoft_agents.hosting.core import TurnContext

from bot.clock import Clock
from bot.domain.commands import normalise, without_mentions
from bot.domain.deadlines import StageTargets
from bot.domain.working_time import WorkingTime
from bot.notifier import Notifier
from bot.ports import Roster, Store
from bot.privacy import PersonalData, all_of
from bot.reply_hosts import ReplyHosts

logger = logging.getLogger(__name__)

CARD_TYPE = "application/vnd.microsoft.card.adaptive"
MESSAGE_TYPE = "application/vnd.microsoft.activity.message"
SORRY = (
    "Sorry, something went wrong on our side. Nothing you typed has been lost. "
    "Please try again in a minute. If it keeps happening, contact the IT service desk."
)

Reply = AdaptiveCardInvokeResponse
Where = Literal["personal", "channel", "anywhere"]
Command = TypeVar("Command")


def card_reply(card: dict[str, Any]) -> Reply:
    return AdaptiveCardInvokeResponse(status_code=200, type=CARD_TYPE, value=card)


def message_reply(text: str) -> Reply:
    return AdaptiveCardInvokeResponse(status_code=200, type=MESSAGE_TYPE, value=text)


async def send_invoke_response(context: TurnContext, reply: Reply) -> None:
    """For an invoke no route of ours answers: the answer as the invoke's response."""
    body = reply.model_dump(mode="json", by_alias=True, exclude_none=True)
    await context.send_activity(
        Activity(type=ActivityTypes.invoke_response, value=InvokeResponse(status=200, body=body))
    )


@dataclass(frozen=True)
class Actor:
    """Who is acting, always from the validated Activity, never from card data."""

    user_id: str  # the Entra object id where Teams gives one, else the channel's user id
    teams_id: str
    name: str
    aad_object_id: str


def actor_of(activity: Activity) -> Actor:
    sender = activity.from_property
    aad = (getattr(sender, "aad_object_id", None) or "") if sender else ""
    teams_id = (sender.id if sender else "") or ""
    name = (sender.name if sender else "") or ""
    return Actor(user_id=aad or teams_id, teams_id=teams_id, name=name, aad_object_id=aad)


def conversation_type(activity: Activity) -> str:
    conversation = activity.conversation
    return (getattr(conversation, "conversation_type", None) or "personal") if conversation else ""


@dataclass
class Turn:
    """One person's message or button press, with who they are."""

    context: TurnContext
    actor: Actor

    @property
    def activity(self) -> Activity:
        return self.context.activity

    @property
    def where(self) -> str:
        return conversation_type(self.context.activity)

    @property
    def in_channel(self) -> bool:
        return self.where != "personal"

    async def send_text(self, text: str) -> None:
        await self.context.send_activity(text)

    async def send_card(self, card: dict[str, Any]) -> None:
        await self.context.send_activity(
            Activity(
                type=ActivityTypes.message,
                attachments=[Attachment(content_type=CARD_TYPE, content=card)],
            )
        )

    async def send_reply(self, reply: Reply) -> None:
        """An invoke's answer, sent as a message (for clients that use Action.Submit)."""
        if reply.type == CARD_TYPE and isinstance(reply.value, dict):
            await self.send_card(reply.value)
        else:
            await self.send_text(str(reply.value))


# The people some commands are for. Their commands are listed by "help <key>", so the
# help card everyone sees stays short.
AUDIENCES: dict[str, str] = {
    "champions": "champions and leads",
    "boards": "board members, chairs and secretaries",
}


@dataclass(frozen=True)
class ChatCommand:
    """Something a person can type. Matched on the text with mentions and case removed.

    `phrases` match the whole message; `prefixes` give the rest of the message, as
    typed, to `run` as its argument. `read` replaces both where a command needs its own
    reading (it gets the normalised text and returns the argument, or None).
    """

    name: str
    run: Callable[[Turn, str], Awaitable[None]]
    phrases: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()
    read: Callable[[str], str | None] | None = None
    help: str = ""
    example: str = ""  # what the help card shows, when not just the name
    where: Where = "personal"
    # Shown in Teams' command menu (the app manifest); help is used when this is "".
    menu_hint: str = ""
    # Where it comes in Teams' command menu, which shows only 10: 1 for what most people
    # use most, 2 by default, 3 for the tools of a few (leads, champions) and second
    # ways to do something a card already offers.
    menu_rank: int = 2
    # Where the message must be, beyond `where`, read from the Activity (a reply in a
    # channel thread, say). None: anywhere `where` allows.
    applies: Callable[[Activity], bool] | None = None
    # A reading that guesses from words anywhere in the message (an IT problem): tried
    # after every other command's own reading, so "import catalogue" with a pasted list
    # that mentions "broken" is still an import.
    guess: bool = False
    # Who it is for, when not everyone: a key of AUDIENCES. The help card lists everyone's
    # commands, and one line per audience ("help boards") that lists that audience's.
    audience: str = ""

    def match(self, text: str) -> str | None:
        """The argument if this command is what was typed, else None."""
        said = _normalised(text)
        if self.read is not None:
            return self.read(said)
        if said in self.phrases:
            return ""
        for prefix in self.prefixes:
            if said.startswith(prefix) and len(said) > len(prefix):
                return without_mentions(text)[len(prefix) :].strip(" .!")
        return None


@functools.lru_cache(maxsize=1024)
def _normalised(text: str) -> str:
    """Every command's route reads the same message: normalise it once."""
    return normalise(text)


class NotForMe(Exception):
    """Raised by a command's `run` when, having looked closer (in the store, say), the
    message is not for it after all: it is answered as if no command had matched."""


@dataclass(frozen=True)
class CardAction(Generic[Command]):
    """One button verb: card data is parsed into a typed command, then handled.

    A parser raises `BadCardData` with a plain message for anything no card of ours
    sends. With `once_only`, an invoke Teams delivers twice is answered from the first
    answer, and only to the person who pressed the button.
    """

    verb: str
    parse: Callable[[Mapping[str, Any]], Command]
    handle: Callable[[Turn, Command], Awaitable[Reply]]
    once_only: bool = False


@dataclass(frozen=True)
class HttpRoute:
    """A web page or endpoint a journey serves beside /api/messages (a printable pack,
    say). The handler checks who may see it: the Activity door does not guard it."""

    method: Literal["GET", "POST"]
    path: str  # an aiohttp route, like "/packs/{token}"
    handler: Callable[[Any], Awaitable[Any]]  # aiohttp.web.Request -> web.StreamResponse


@dataclass(frozen=True)
class MessageAction:
    """An action on a Teams message's "More actions" menu (a message extension action):
    Teams asks for a dialog with `composeExtension/fetchTask`, then sends what the person
    filled in with `composeExtension/submitAction`. Both get the invoke's value (it carries
    `messagePayload`, the message acted on) and return the invoke response's body (a task
    to show, or a message). Each must answer within 5 seconds. The manifest lists it."""

    command_id: str  # the manifest's composeExtensions command id
    title: str  # what Teams shows in the menu, at most 32 characters
    description: str  # at most 128 characters
    fetch: Callable[[Turn, Mapping[str, Any]], Awaitable[Mapping[str, Any]]]
    submit: Callable[[Turn, Mapping[str, Any]], Awaitable[Mapping[str, Any]]]


@dataclass(frozen=True)
class MenuButton:
    """A button a journey offers on the welcome and help cards."""

    title: str
    verb: str
    primary: bool = False


EventHandler = Callable[[Any], Awaitable[None]]

# Events journeys share, with what each carries.
REQUEST_SUBMITTED = "request.submitted"  # a DigitalRequest, just stored
# A NotApplied: changes made in Teams met a newer edit in the shared list (SharePoint mode).
REQUEST_NOT_APPLIED = "request.not_applied"
# A DigitalRequest its requester has just changed or withdrawn, already stored: the triage
# journey redraws the request's card in the channel.
REQUEST_CHANGED = "request.changed"
# A str: a plain description of an edit to the shared config list that was not used.
CONFIG_PROBLEM = "config.problem"
# A DigitalRequest just added or saved by anyone (chat, triage, a board, the API), as
# stored: published by the store itself (bot.store.observed), so nothing that changes a
# request can forget it. The flows journey finds status changes from it.
REQUEST_SAVED = "request.saved"
# A bot.domain.boards.Decision a board has just recorded (after the request was saved).
BOARD_DECIDED = "board.decided"


class Events:
    """Journeys tell each other what happened without knowing each other."""

    def __init__(self, run_in_background: Callable[[Awaitable[Any]], None]) -> None:
        self._handlers: dict[str, list[EventHandler]] = {}
        self._background = run_in_background

    def subscribe(self, kind: str, handler: EventHandler) -> None:
        self._handlers.setdefault(kind, []).append(handler)

    def publish(self, kind: str, payload: Any) -> None:
        """Run every handler after the current turn's answer; a failure is only logged."""
        for handler in self._handlers.get(kind, ()):
            self._background(_logged(kind, handler(payload)))


async def _logged(kind: str, work: Awaitable[None]) -> None:
    try:
        await work
    except Exception:
        logger.exception("Handling the %s event failed", kind)


@dataclass
class Journey:
    name: str
    commands: tuple[ChatCommand, ...] = ()
    actions: tuple[CardAction[Any], ...] = ()
    menu: tuple[MenuButton, ...] = ()
    # Work to start when the app starts (posting what waited, say), and to run forever.
    on_start: Callable[[], Awaitable[Any]] | None = None
    loops: tuple[Callable[[], Awaitable[None]], ...] = ()
    # Work to do when the app stops, after its loops are cancelled (closing a store, say).
    on_stop: Callable[[], Awaitable[None]] | None = None
    on_members_added: Callable[[Turn], Awaitable[None]] | None = None
    routes: tuple[HttpRoute, ...] = ()
    # What it serves in the REST API under /api/v1/ (bot.api.operations.ApiOperation).
    operations: tuple[Any, ...] = ()
    # Actions on any Teams message (the manifest's message extension commands).
    message_actions: tuple[MessageAction, ...] = ()
    # What it holds about people: shown by `my data`, removed by `erase`, kept only for
    # its retention period (bot/privacy.py). None: it holds no personal data of its own.
    personal_data: PersonalData | None = None


@dataclass
class Part:
    """What one part of a journey kept in several modules declares; `join` makes the
    parts one Journey."""

    commands: tuple[ChatCommand, ...] = ()
    actions: tuple[CardAction[Any], ...] = ()
    menu: tuple[MenuButton, ...] = ()
    loops: tuple[Callable[[], Awaitable[None]], ...] = ()
    on_start: Callable[[], Awaitable[None]] | None = None
    routes: tuple[HttpRoute, ...] = ()
    operations: tuple[Any, ...] = ()
    message_actions: tuple[MessageAction, ...] = ()
    personal_data: PersonalData | None = None


def join(
    name: str, parts: Iterable[Part], on_stop: Callable[[], Awaitable[None]] | None = None
) -> Journey:
    """One Journey from its parts, in order: their starts run one after another."""
    parts = list(parts)
    starts = [part.on_start for part in parts if part.on_start is not None]

    async def on_start() -> None:
        for start in starts:
            await start()

    return Journey(
        name=name,
        commands=tuple(command for part in parts for command in part.commands),
        actions=tuple(action for part in parts for action in part.actions),
        menu=tuple(button for part in parts for button in part.menu),
        on_start=on_start if starts else None,
        loops=tuple(loop for part in parts for loop in part.loops),
        on_stop=on_stop,
        routes=tuple(route for part in parts for route in part.routes),
        operations=tuple(op for part in parts for op in part.operations),
        message_actions=tuple(action for part in parts for action in part.message_actions),
        personal_data=all_of(part.personal_data for part in parts),
    )


@dataclass
class Catalogue:
    """Everything the registered journeys declared, for help and the welcome card."""

    commands: list[ChatCommand] = field(default_factory=list)
    menu: list[MenuButton] = field(default_factory=list)

    def help_lines(
        self, in_channel: bool, admin: bool = True, audience: str | None = ""
    ) -> list[tuple[str, str]]:
        """What help lists: with `admin` False, not the commands only admins can use; the
        commands for everyone (`audience` ""), for one audience, or all (None)."""
        lines = []
        for command in self.commands:
            if not command.help:
                continue
            if command.where == "channel" and not in_channel:
                continue
            if not admin and command.help.startswith("Admins only"):
                continue
            if audience is not None and command.audience != audience:
                continue
            lines.append((command.example or command.name, command.help))
        return lines

    def audience_lines(self, in_channel: bool, admin: bool = True) -> list[tuple[str, str]]:
        """One help line for each audience with commands here: what to type to see them."""
        return [
            (f"help {key}", f"See the commands for {who}.")
            for key, who in AUDIENCES.items()
            if self.help_lines(in_channel, admin, key)
        ]

    def channel_commands(self) -> list[str]:
        return [c.name for c in self.commands if c.where != "personal" and c.help]


@dataclass
class JourneyContext:
    """What every journey is given. Nothing here belongs to any one journey."""

    store: Store
    clock: Clock
    notifier: Notifier
    admin_ids: frozenset[str]
    triage_roster: frozenset[str] = frozenset()
    triage_names: Mapping[str, str] = field(default_factory=dict)  # roster id -> name, local
    roster: Roster | None = None  # an Entra group, in m365 mode: it decides the triage team
    service_desk: str = ""  # SERVICE_DESK_CONTACT: how to reach the IT service desk
    # DATA_DIR: where a journey that keeps its own working state puts its file. None when
    # journeys are only described (the manifest's command lists).
    data_dir: Path | None = None
    # Each journey's own settings (its folder's `load_settings`), by journey name.
    journey_settings: Mapping[str, Any] = field(default_factory=dict)
    # Where replies may go; conversation references are checked against it when kept.
    reply_hosts: ReplyHosts = field(
        default_factory=lambda: ReplyHosts(frozenset(), loopback_only=True)
    )
    catalogue: Catalogue = field(default_factory=Catalogue)
    # BOT_STORE=sharepoint: the GraphConnection (graph_clients.wiring), for a journey that
    # keeps council records in a SharePoint list of its own. None with SQLite.
    graph: Any = None
    # The council's working calendar (working days and hours, bank holidays): champions'
    # nudges and every stage's deadline count in it. Built from COMMUNITY_WORKING_* .
    calendar: WorkingTime = field(default_factory=WorkingTime)
    # The target time of each stage of a request (DEADLINE_* settings).
    targets: StageTargets = field(default_factory=StageTargets)
    # STATE_STORE=azure: the Azure Storage account (bot.azure_state.account.AzureState) a
    # journey keeps its working state in, so every instance shares it. None with SQLite:
    # the journey keeps its file in `data_dir`.
    azure: Any = None
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)
    events: Events = field(init=False)
    # Every running journey's personal data, put together in JOURNEYS order (set by the
    # app once every journey is built): what `my data`, `erase` and retention act on.
    personal_data: PersonalData | None = None

    def __post_init__(self) -> None:
        self.events = Events(self.in_background)

    def now(self) -> dt.datetime:
        return self.clock.now()

    def is_admin(self, actor: Actor) -> bool:
        return bool(actor.aad_object_id) and actor.aad_object_id in self.admin_ids

    def in_background(self, work: Awaitable[Any]) -> None:
        task: asyncio.Task[Any] = asyncio.ensure_future(work)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
