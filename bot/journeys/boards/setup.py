"""A board's setup: its channel, its people, its meetings, and its members' deputies.

- `register board <name>` (admins, in the channel): this channel is the board's.
- `board`: in a board's channel, who sits on it and when it meets; in a personal chat,
  the boards the person is on, each with its next meeting.
- `add board member @name`, `remove board member @name`, `board secretary @name`,
  `board chair @name`, `board group <id>` (admins and the board's secretary, in the
  board's channel). "Change meetings" on the board's card sets when it meets.
- `deputy @name until 12 December` (a member), `deputy end`, `deputies`: in deputies.py.

Other parts ask two things of it: which board a channel belongs to
(`board_for_channel`), and who sits on a board now (`effective_setup`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from microsoft_agents.activity import ChannelAccount

from bot.domain.boards import (
    BoardSetup,
    Cadence,
    Deputy,
    Repeat,
    agenda_at,
    board_channel,
    describe_cadence,
    meetings,
)
from bot.domain.model import Board
from bot.errors import BadCardData, NotAllowed, NotFound, UserFacingError
from bot.identity import channel_reference
from bot.invoke import NOT_OURS
from bot.journey import (
    CardAction,
    ChatCommand,
    JourneyContext,
    Part,
    Reply,
    Turn,
    card_reply,
)
from bot.journeys.boards.shared import Shared
from bot.mentions import bot_named, entra_id, mentioned
from bot.telemetry.logs import person_ref
from cards import board_setup_cards as cards
from cards.elements import to_dict

logger = logging.getLogger(__name__)

MAX_KEY = 40  # a board key in card data longer than this is not from a card of ours
MAX_VALUE = 100
FIRST_MEETING_DAYS = 366  # the first meeting is at most a year ahead
_ENTRA_ID = re.compile(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", re.IGNORECASE)


# ---- Which board, and who is on it ------------------------------------------------


def conversation_id(turn: Turn) -> str:
    """The channel's id, without the ";messageid=…" Teams adds in a thread."""
    conversation = turn.activity.conversation
    return str((conversation.id if conversation else "") or "").split(";messageid=")[0]


async def board_for_channel(shared: Shared, turn: Turn) -> str | None:
    """The key of the board whose registered channel this turn is in, else None."""
    if not turn.in_channel:
        return None
    here = conversation_id(turn)
    if not here:
        return None
    ctx = shared.ctx
    for key in (await ctx.store.governance()).boards:
        reference = await ctx.store.channel(board_channel(key))
        conversation = (reference or {}).get("conversation") or {}
        there = str(conversation.get("id", "") or "").split(";messageid=")[0]
        if there and there == here:
            return key
    return None


async def group_members(shared: Shared, group_id: str) -> dict[str, str]:
    """The group's users (id -> name) through Graph, held a few minutes; {} in local
    mode. A failed read keeps the members last read, or none: a broken lookup must not
    let anyone decide."""
    graph = shared.ctx.graph
    if graph is None or not group_id:
        return {}
    roster = shared.groups.get(group_id)
    if roster is None:
        from graph_clients.roster import GroupRoster

        roster = shared.groups[group_id] = GroupRoster(graph.client, group_id, graph.policy)
    ids = await roster.members()
    names = await roster.names()
    return {user_id: names.get(user_id, "") for user_id in ids}


async def effective_setup(shared: Shared, key: str) -> BoardSetup:
    """The board's setup as kept, with its Entra group's members added to `members`
    (and their names) in m365 mode. Unchanged in local mode."""
    setup = await (await shared.store()).setup(key)
    if not setup.member_group or shared.ctx.graph is None:
        return setup
    found = await group_members(shared, setup.member_group)
    if not found:
        return setup
    names = {uid: name for uid, name in found.items() if name}
    names.update(setup.names)
    return dataclasses.replace(setup, members=setup.members | frozenset(found), names=names)


def _plain(name: str) -> str:
    words = "".join(c if c.isalnum() else " " for c in name.lower()).split()
    return " ".join(words[1:] if words[:1] == ["the"] else words)


def _and(names: list[str]) -> str:
    return cards.names_in_words(names)


def member_names(setup: BoardSetup) -> list[str]:
    """The members' names, chair first, then secretary, then A to Z."""
    first = [setup.chair_id, setup.secretary_id]

    def order(user_id: str) -> tuple[int, str]:
        rank = first.index(user_id) if user_id in first else 2
        return rank, setup.names.get(user_id, "").casefold()

    return [_name(setup, uid) for uid in sorted(setup.members, key=order)]


def _name(setup: BoardSetup, user_id: str) -> str:
    return setup.names.get(user_id) or "Someone whose name we do not have"


def _without_sample(setup: BoardSetup) -> BoardSetup:
    """The first real change to a sample board takes its made-up people off."""
    if not setup.sample:
        return setup
    return dataclasses.replace(
        setup, members=frozenset(), names={}, secretary_id="", chair_id="", sample=False
    )


# ---- The meetings form ----------------------------------------------------------------


@dataclass(frozen=True)
class BoardPress:
    board: str


@dataclass(frozen=True)
class MeetingsForm:
    board: str
    values: Mapping[str, str]


def _board_key(data: Mapping[str, Any]) -> str:
    key = data.get(cards.BOARD) if isinstance(data, Mapping) else None
    if not isinstance(key, str) or not key.strip() or len(key) > MAX_KEY:
        raise BadCardData(NOT_OURS)
    return key.strip()


def parse_board(data: Mapping[str, Any]) -> BoardPress:
    return BoardPress(_board_key(data))


def parse_meetings(data: Mapping[str, Any]) -> MeetingsForm:
    board = _board_key(data)
    values: dict[str, str] = {}
    for name in (cards.FIRST, cards.AT, cards.REPEAT, cards.DAYS_BEFORE):
        value = data.get(name, "")
        if value is None:
            value = ""
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = f"{value:g}"  # a client that sends Input.Number as a number
        if not isinstance(value, str):
            raise BadCardData(NOT_OURS)
        values[name] = value.strip()[:MAX_VALUE]
    return MeetingsForm(board, values)


def check_meetings(
    values: Mapping[str, str], today: dt.date
) -> tuple[Cadence | None, int, dict[str, str]]:
    """The meetings asked for, the agenda's days before, and the errors by field."""
    errors: dict[str, str] = {}
    first: dt.date | None = None
    at: dt.time | None = None
    repeat: Repeat | None = None
    days = 0
    typed = values.get(cards.FIRST, "")
    if not typed:
        errors[cards.FIRST] = cards.MISSING[cards.FIRST]
    else:
        try:
            first = dt.date.fromisoformat(typed)
        except ValueError:
            errors[cards.FIRST] = "Enter the first meeting as a real date, like 12 January 2027"
        else:
            if first > today + dt.timedelta(days=FIRST_MEETING_DAYS):
                errors[cards.FIRST] = "The first meeting must be within a year from today"
                first = None
    typed = values.get(cards.AT, "")
    if not typed:
        errors[cards.AT] = cards.MISSING[cards.AT]
    elif not re.fullmatch(r"\d{2}:\d{2}(:\d{2})?", typed):
        errors[cards.AT] = "Enter the start time like 10:00 or 14:30"
    else:
        try:
            at = dt.time.fromisoformat(typed).replace(second=0)
        except ValueError:
            errors[cards.AT] = "Enter a time between 00:00 and 23:59, like 14:30"
    typed = values.get(cards.REPEAT, "")
    if typed in {r.value for r in Repeat}:
        repeat = Repeat(typed)
    else:
        errors[cards.REPEAT] = cards.MISSING[cards.REPEAT]
    typed = values.get(cards.DAYS_BEFORE, "")
    if not re.fullmatch(r"\d{1,2}", typed) or int(typed) > cards.MOST_DAYS_BEFORE:
        errors[cards.DAYS_BEFORE] = cards.MISSING[cards.DAYS_BEFORE]
    else:
        days = int(typed)
    if errors or first is None or at is None or repeat is None:
        return None, days, errors
    return Cadence(first=first, at=at, repeat=repeat), days, errors


def _form_values(setup: BoardSetup) -> dict[str, str]:
    cadence = setup.cadence
    if cadence is None:
        return {cards.DAYS_BEFORE: str(setup.agenda_days_before)}
    return {
        cards.FIRST: cadence.first.isoformat(),
        cards.AT: cadence.at.strftime("%H:%M"),
        cards.REPEAT: cadence.repeat.value,
        cards.DAYS_BEFORE: str(setup.agenda_days_before),
    }


# ---- The part ---------------------------------------------------------------------------


class BoardSetupPart:
    def __init__(self, ctx: JourneyContext, shared: Shared) -> None:
        self.ctx = ctx
        self.shared = shared

    # -- Reading

    async def boards(self) -> dict[str, Board]:
        return dict((await self.ctx.store.governance()).boards)

    async def board(self, key: str) -> Board:
        board = (await self.boards()).get(key)
        if board is None:
            raise NotFound("That board is not one I know any more. Nothing has changed.")
        return board

    def may_change(self, turn: Turn, setup: BoardSetup) -> bool:
        actor = turn.actor
        secretary = bool(setup.secretary_id) and setup.secretary_id in (
            actor.user_id,
            actor.aad_object_id,
        )
        return self.ctx.is_admin(actor) or secretary

    async def with_names(self, setup: BoardSetup) -> BoardSetup:
        """Names for members the setup has none for, from the people who have used the bot."""
        people = setup.members | {setup.chair_id, setup.secretary_id}
        missing = frozenset(uid for uid in people if uid and not setup.names.get(uid))
        if not missing:
            return setup
        known = await self.ctx.store.people(missing)
        found = {uid: name for uid, (_, name) in known.items() if name}
        return dataclasses.replace(setup, names={**found, **setup.names}) if found else setup

    async def agenda_posted(
        self, key: str, meeting: dt.datetime, out: dt.datetime
    ) -> tuple[bool, str]:
        """Whether the meeting's agenda was posted (the record post_agenda keeps), and if
        its time has passed without it, why not yet."""
        from bot.journeys.boards.agenda import posted_key  # agenda.py imports this file

        if await (await self.shared.store()).get_value(posted_key(key, meeting)):
            return True, ""
        if out > self.ctx.now():
            return False, ""
        if await self.ctx.store.channel(board_channel(key)) is None:
            return False, "It was not posted: no channel is registered for the board."
        return False, "It will be posted shortly."

    async def view(self, key: str, turn: Turn, note: str = "") -> cards.SetupView:
        """The board's card as this person sees it."""
        board = await self.board(key)
        setup = await self.with_names(await effective_setup(self.shared, key))
        now = self.ctx.now()
        today = self.shared.today()
        next_meeting: dt.datetime | None = None
        agenda_out: dt.datetime | None = None
        agenda_sent, agenda_late = False, ""
        words = ""
        if setup.cadence is not None:
            zone = ZoneInfo(setup.cadence.timezone)
            words = describe_cadence(setup.cadence)
            upcoming = meetings(setup.cadence, now, 1)
            if upcoming:
                next_meeting = upcoming[0].astimezone(zone)
                agenda_out = agenda_at(setup, upcoming[0]).astimezone(zone)
                agenda_sent, agenda_late = await self.agenda_posted(key, upcoming[0], agenda_out)
        deputies = await (await self.shared.store()).deputies(key)
        return cards.SetupView(
            key=key,
            name=board.name,
            purpose=board.purpose,
            members=tuple(member_names(setup)),
            secretary=_name(setup, setup.secretary_id) if setup.secretary_id else "",
            chair=_name(setup, setup.chair_id) if setup.chair_id else "",
            meetings=words,
            next_meeting=next_meeting,
            agenda_out=agenda_out,
            agenda_sent=agenda_sent,
            agenda_late=agenda_late,
            deputies=tuple(sorted((d for d in deputies if d.ends >= today), key=by_start)),
            today=today,
            sample=setup.sample,
            from_group=bool(setup.member_group) and self.ctx.graph is not None,
            can_change=self.may_change(turn, setup),
            note=note,
        )

    async def show(self, turn: Turn, _: str) -> None:
        key = await board_for_channel(self.shared, turn)
        if key is not None:
            await turn.send_card(to_dict(cards.setup_card(await self.view(key, turn))))
            return
        if turn.in_channel:
            await turn.send_text(
                "This channel is not a board's channel. Type board in a board's channel to "
                "see who is on it, or in your chat with me to see your boards. An admin can "
                "make a channel a board's channel: register board and the board's name."
            )
            return
        await turn.send_card(to_dict(await self.my_boards(turn)))

    async def my_boards(self, turn: Turn) -> Any:
        lines: list[cards.BoardLine] = []
        boards = await self.boards()
        for key, board in boards.items():
            setup = await effective_setup(self.shared, key)
            if not self._on(turn, setup):
                continue
            roles = [
                role
                for role, user_id in (("chair", setup.chair_id), ("secretary", setup.secretary_id))
                if user_id and user_id == self._me(turn)
            ]
            if self._me(turn) in setup.members:
                roles.append("member")
            upcoming = meetings(setup.cadence, self.ctx.now(), 1) if setup.cadence else []
            zone = ZoneInfo(setup.cadence.timezone) if setup.cadence else None
            registered = await self.ctx.store.channel(board_channel(key)) is not None
            lines.append(
                cards.BoardLine(
                    name=board.name,
                    roles=tuple(roles),
                    next_meeting=upcoming[0].astimezone(zone) if upcoming else None,
                    channel_registered=registered,
                )
            )
        return cards.my_boards_card(lines, [b.name for b in boards.values()])

    def _me(self, turn: Turn) -> str:
        return turn.actor.user_id

    def _on(self, turn: Turn, setup: BoardSetup) -> bool:
        me = self._me(turn)
        return bool(me) and me in (setup.members | {setup.chair_id, setup.secretary_id})

    # -- Registering a board's channel

    async def register(self, turn: Turn, name: str) -> None:
        if turn.where != "channel":
            raise UserFacingError(
                "Type register board Technical Review Board in the team channel you want to use."
            )
        if not self.ctx.is_admin(turn.actor):
            raise NotAllowed(
                "Only a Digital Front Door admin can register a board's channel. Nothing has "
                "changed. Ask an admin if this channel should be used."
            )
        boards = list((await self.boards()).values())
        listed = ", ".join(f"{b.name} ({b.key})" for b in boards)
        wanted = _plain(name)
        board = next((b for b in boards if wanted in (b.key.lower(), _plain(b.name))), None)
        if board is None:
            said = "There is no board with that name." if wanted else "Type the board's name too."
            raise UserFacingError(f"{said} The boards are: {listed}. Nothing has changed.")
        actor = turn.actor
        reference = channel_reference(turn.activity, self.ctx.reply_hosts)
        await self.ctx.store.register_channel(board_channel(board.key), reference, actor.user_id)
        if actor.teams_id:
            await self.ctx.store.remember_person(actor.user_id, actor.teams_id, actor.name)
        await turn.send_text(
            f"This channel is now the {board.name}'s channel. "
            "The bot will post the board's work here. Type board to see who is on it."
        )

    # -- Changing who is on the board

    async def _changing(self, turn: Turn, example: str) -> tuple[str, BoardSetup]:
        """The board whose channel this is, and its setup as kept, once the person may
        change it."""
        key = await board_for_channel(self.shared, turn)
        if key is None:
            where = (
                "This channel is not a board's channel."
                if turn.in_channel
                else "This works only in a board's channel."
            )
            raise UserFacingError(f"{where} Type {example} in the board's channel.")
        setup = await (await self.shared.store()).setup(key)
        if not self.may_change(turn, setup):
            board = await self.board(key)
            raise NotAllowed(
                f"Only a Digital Front Door admin or the {board.name}'s secretary can change "
                "who is on the board. Nothing has changed."
            )
        return key, setup

    async def people(self, turn: Turn, how: str, one: bool) -> list[tuple[str, str]]:
        """The people mentioned, as (Entra object id, name)."""
        if bot_named(turn):
            raise UserFacingError(
                f"That is me, the bot. @mention a person instead. {how} Nothing has changed."
            )
        people = mentioned(turn)
        if not people:
            raise UserFacingError(f"Nobody was @mentioned. {how} Nothing has changed.")
        if one and len(people) > 1:
            raise UserFacingError(f"@mention just one person. {how} Nothing has changed.")
        found: list[tuple[str, str]] = []
        for person in people:
            found.append((await _entra_id_or_refuse(turn, person), _mention_name(person)))
        return found

    async def _saved(self, key: str, setup: BoardSetup) -> str:
        """Keep the setup; "On the board now: …" as it stands."""
        await (await self.shared.store()).save_setup(setup)
        now = await self.with_names(await effective_setup(self.shared, key))
        return f"On the board now: {_and(member_names(now))}."

    async def add_member(self, turn: Turn, _: str) -> None:
        key, setup = await self._changing(turn, "add board member @name")
        people = await self.people(turn, "Type add board member and @mention them.", one=False)
        board = await self.board(key)
        before = setup
        setup = _without_sample(setup)
        new = [(uid, name) for uid, name in people if uid not in setup.members]
        names = dict(setup.names)
        names.update({uid: name for uid, name in people})
        setup = dataclasses.replace(
            setup, members=setup.members | {uid for uid, _ in people}, names=names
        )
        if not new and not before.sample:
            said = _and([name for _, name in people])
            await turn.send_text(
                f"{said} {'is' if len(people) == 1 else 'are'} on the {board.name} already. "
                f"Nothing has changed. On the board now: {_and(member_names(before))}."
            )
            return
        added = _and([name for _, name in new] or [name for _, name in people])
        words = f"{added} {'is' if len(new) <= 1 else 'are'} now on the {board.name}."
        if before.sample:
            words += " The made-up sample members have been taken off."
        await turn.send_text(f"{words} {await self._saved(key, setup)}")

    async def remove_member(self, turn: Turn, _: str) -> None:
        key, setup = await self._changing(turn, "remove board member @name")
        people = await self.people(turn, "Type remove board member and @mention them.", one=False)
        board = await self.board(key)
        roles = {
            setup.chair_id: ("chair", "board chair"),
            setup.secretary_id: ("secretary", "board secretary"),
        }
        for uid, name in people:
            if uid not in setup.members:
                group = uid in (await effective_setup(self.shared, key)).members
                if group:
                    raise UserFacingError(
                        f"{name} is on the {board.name} through its Microsoft 365 group. Take "
                        "them out of the group instead. Nothing has changed."
                    )
                raise UserFacingError(f"{name} is not on the {board.name}. Nothing has changed.")
            if uid in roles and uid:
                role, command = roles[uid]
                raise UserFacingError(
                    f"{name} is the board's {role}. Name a new {role} first: type {command} "
                    "and @mention them. Nothing has changed."
                )
        gone = {uid for uid, _ in people}
        left = setup.members - gone
        if not left and not (setup.member_group and self.ctx.graph is not None):
            raise UserFacingError(
                f"The {board.name} needs at least one member. Add someone else first. "
                "Nothing has changed."
            )
        names = {uid: name for uid, name in setup.names.items() if uid not in gone}
        setup = dataclasses.replace(setup, members=left, names=names)
        removed = _and([name for _, name in people])
        words = f"{removed} {'is' if len(people) == 1 else 'are'} no longer on the {board.name}."
        await turn.send_text(f"{words} {await self._saved(key, setup)}")

    async def name_secretary(self, turn: Turn, _: str) -> None:
        await self._name_role(turn, "secretary")

    async def name_chair(self, turn: Turn, _: str) -> None:
        await self._name_role(turn, "chair")

    async def _name_role(self, turn: Turn, role: str) -> None:
        key, setup = await self._changing(turn, f"board {role} @name")
        how = f"Type board {role} and @mention the one person."
        [(uid, name)] = await self.people(turn, how, one=True)
        board = await self.board(key)
        was_sample = setup.sample
        setup = _without_sample(setup)
        joined = uid not in setup.members
        setup = dataclasses.replace(
            setup, members=setup.members | {uid}, names={**setup.names, uid: name}
        )
        if role == "secretary":
            setup = dataclasses.replace(setup, secretary_id=uid)
        else:
            setup = dataclasses.replace(setup, chair_id=uid)
        words = f"{name} is now the {board.name}'s {role}"
        words += " and a member of the board." if joined else "."
        if was_sample:
            words += " The made-up sample members have been taken off."
        await turn.send_text(f"{words} {await self._saved(key, setup)}")

    async def member_group(self, turn: Turn, typed: str) -> None:
        key, setup = await self._changing(turn, "board group and the group's id")
        board = await self.board(key)
        if self.ctx.graph is None:
            raise UserFacingError(
                "A board's Microsoft 365 group needs Microsoft Graph, so it works only when "
                "the bot runs with Microsoft 365 (m365 mode). Here, add members one by one: "
                "add board member @name. Nothing has changed."
            )
        group = typed.strip()
        if group.lower() in ("none", "off", "remove", "stop"):
            await turn.send_text(
                f"The {board.name} no longer takes its members from a group. "
                + await self._saved(key, dataclasses.replace(setup, member_group=""))
            )
            return
        if not _ENTRA_ID.fullmatch(group):
            raise UserFacingError(
                "Type board group, then the Entra group's id, like this: board group "
                "0a1b2c3d-1111-2222-3333-444455556666. Nothing has changed."
            )
        found = await group_members(self.shared, group)
        if not found:
            raise UserFacingError(
                "I could not find anyone in that group. Check the group's id, and that the "
                "bot may read it. Nothing has changed."
            )
        setup = dataclasses.replace(_without_sample(setup), member_group=group)
        people = "person" if len(found) == 1 else "people"
        await turn.send_text(
            f"Everyone in that group ({len(found)} {people}) is now a member of the "
            f"{board.name}. {await self._saved(key, setup)}"
        )

    # -- Meetings

    async def _changeable(self, turn: Turn, key: str) -> tuple[Board, BoardSetup]:
        board = await self.board(key)
        setup = await (await self.shared.store()).setup(key)
        if not self.may_change(turn, setup):
            raise NotAllowed(
                f"Only a Digital Front Door admin or the {board.name}'s secretary can change "
                "when the board meets. Nothing has changed."
            )
        return board, setup

    async def open_meetings(self, turn: Turn, press: BoardPress) -> Reply:
        board, setup = await self._changeable(turn, press.board)
        return card_reply(to_dict(cards.meetings_card(board.key, board.name, _form_values(setup))))

    async def save_meetings(self, turn: Turn, form: MeetingsForm) -> Reply:
        board, setup = await self._changeable(turn, form.board)
        cadence, days, errors = check_meetings(form.values, self.shared.today())
        if cadence is None:
            return card_reply(
                to_dict(cards.meetings_card(board.key, board.name, form.values, errors))
            )
        setup = dataclasses.replace(setup, cadence=cadence, agenda_days_before=days)
        await (await self.shared.store()).save_setup(setup)
        logger.info("%s changed the meetings of %s", person_ref(turn.actor.user_id), board.key)
        note = f"Meetings changed: {describe_cadence(cadence)}."
        return card_reply(to_dict(cards.setup_card(await self.view(board.key, turn, note))))

    async def back_to_board(self, turn: Turn, press: BoardPress) -> Reply:
        await self.board(press.board)
        return card_reply(to_dict(cards.setup_card(await self.view(press.board, turn))))


def by_start(deputy: Deputy) -> tuple[dt.date, str, str]:
    return deputy.starts, deputy.member_name.casefold(), deputy.deputy_name.casefold()


def _mention_name(person: ChannelAccount) -> str:
    return " ".join((person.name or "").split())[:200] or "Someone"


async def _entra_id_or_refuse(turn: Turn, person: ChannelAccount) -> str:
    found = await entra_id(turn, person)
    if not found:
        raise UserFacingError(
            "I could not tell who that is from the mention. Try again, choosing the person "
            "from the list Teams shows when you type @. Nothing has changed."
        )
    return found


def part(ctx: JourneyContext, shared: Shared) -> Part:
    from bot.journeys.boards import deputies  # it builds on this module

    setup = BoardSetupPart(ctx, shared)
    rank = 3  # tools of a few: board members and admins
    return Part(
        commands=(
            ChatCommand(
                "register board",
                setup.register,
                phrases=("register board",),
                prefixes=("register board ",),
                help="Admins only. Make this channel a board's channel.",
                example="register board Technical Review Board",
                where="channel",
                menu_rank=rank,
            ),
            ChatCommand(
                "board",
                setup.show,
                phrases=("board", "board members", "board member", "board setup", "my boards"),
                audience="boards",
                help="In a board's channel, see who is on the board and when it meets. "
                "In your chat with me, see your boards.",
                where="anywhere",
                menu_rank=2,  # every board member's, first of theirs in a channel's menu
            ),
            ChatCommand(
                "add board member",
                setup.add_member,
                phrases=("add board member", "add board members"),
                prefixes=("add board member ", "add board members "),
                audience="boards",
                help="Admins and the board's secretary. Add someone to the board.",
                example="add board member @name",
                where="channel",
                menu_rank=rank,
            ),
            ChatCommand(
                "remove board member",
                setup.remove_member,
                phrases=("remove board member", "remove board members"),
                prefixes=("remove board member ", "remove board members "),
                audience="boards",
                help="Admins and the board's secretary. Take someone off the board.",
                example="remove board member @name",
                where="channel",
                menu_rank=rank,
            ),
            ChatCommand(
                "board secretary",
                setup.name_secretary,
                phrases=("board secretary",),
                prefixes=("board secretary ",),
                audience="boards",
                help="Admins and the board's secretary. Name the board's secretary.",
                example="board secretary @name",
                where="channel",
                menu_rank=rank,
            ),
            ChatCommand(
                "board chair",
                setup.name_chair,
                phrases=("board chair",),
                prefixes=("board chair ",),
                audience="boards",
                help="Admins and the board's secretary. Name the board's chair.",
                example="board chair @name",
                where="channel",
                menu_rank=rank,
            ),
            ChatCommand(
                "board group",
                setup.member_group,
                phrases=("board group",),
                prefixes=("board group ",),
                audience="boards",
                help="Admins and the board's secretary. Make everyone in an Entra group a "
                "member (Microsoft 365 only).",
                example="board group <group id>",
                where="channel",
                menu_rank=rank,
            ),
            *deputies.commands(deputies.Deputies(ctx, shared, setup), rank),
        ),
        actions=(
            CardAction(cards.OPEN_MEETINGS, parse_board, setup.open_meetings),
            CardAction(cards.MEETINGS, parse_meetings, setup.save_meetings, once_only=True),
            CardAction(cards.SHOW, parse_board, setup.back_to_board),
        ),
    )
