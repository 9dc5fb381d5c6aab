"""Members' deputies: a member away names someone to decide in their place.

- `deputy @name until 12 December` (also "from 1 December until 12 December"; dates
  like "12 December", "12 December 2026" or "12/12/2026", a date with no year being the
  next one on or after today): by a member, in their board's channel, or in a personal
  chat when they sit on exactly one board. The deputy is told in chat, the channel too.
- `deputy end` (also "back from leave"): the member's deputies end from today.
- `deputies`: a board's current and coming deputies.

Who may then decide for whom is `bot.domain.boards.authority`.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any

from bot.domain.boards import Deputy, board_channel
from bot.domain.text import long_date
from bot.errors import NotAllowed, UserFacingError
from bot.journey import ChatCommand, JourneyContext, Turn
from bot.journeys.boards.setup import (
    BoardSetupPart,
    board_for_channel,
    by_start,
    effective_setup,
)
from bot.journeys.boards.shared import Shared
from bot.notifier import Delivered
from cards import board_setup_cards as cards
from cards.board_setup_cards import names_in_words
from cards.elements import to_dict

logger = logging.getLogger(__name__)

DEPUTY_MONTHS = 6  # a deputy's last day is at most this far ahead


# ---- Reading the dates people type ------------------------------------------------------

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_SLASHED = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_WORDS = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]+)(?:\s+(\d{4}))?")
_WEEKDAY = re.compile(r"^(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+")
DATE_FORMATS = "12 December, 12 December 2026 or 12/12/2026"


class UnreadableDate(UserFacingError):
    pass


def read_date(typed: str, today: dt.date) -> dt.date:
    """ "12 December", "12 December 2026", "12/12/2026" (day first). A date with no year
    is the next one on or after today."""
    text = _WEEKDAY.sub("", " ".join(typed.lower().replace(",", " ").split()))
    try:
        if found := _SLASHED.fullmatch(text):
            day, month, year = (int(part) for part in found.groups())
            return dt.date(year, month, day)
        if (found := _WORDS.fullmatch(text)) and found.group(2) in _MONTHS:
            day, month = int(found.group(1)), _MONTHS[found.group(2)]
            if found.group(3):
                return dt.date(int(found.group(3)), month, day)
            for year in (today.year, today.year + 1, today.year + 2, today.year + 3):
                try:
                    candidate = dt.date(year, month, day)
                except ValueError:  # 29 February in a year without one
                    continue
                if candidate >= today:
                    return candidate
    except ValueError:
        pass
    shown = typed.strip()[:40]
    raise UnreadableDate(f'I could not read the date "{shown}". Write it like {DATE_FORMATS}.')


def months_ahead(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


_DEPUTY = re.compile(
    r"(?:name (?:a |my )?)?deputy"
    r"(?:\s+(?:from\s+(?P<starts>.+?)\s+)?(?:until|till|to|up to)\s+(?P<ends>.+))?"
)
_DEPUTY_START = ("deputy", "name a deputy", "name my deputy", "name deputy")
_DEPUTY_END = (
    "deputy end",
    "end deputy",
    "end my deputy",
    "end deputies",
    "back from leave",
    "i am back from leave",
    "i'm back from leave",
)
HOW_TO_NAME = (
    "Type deputy, @mention the person, then until when. Like this: deputy @name until 12 December."
)


def read_deputy(said: str) -> str | None:
    """The deputy command, not `deputy end`: its argument is worked out by `_period`."""
    if said in _DEPUTY_END:
        return None
    if any(said == start or said.startswith(start + " ") for start in _DEPUTY_START):
        return said
    return None


def _period(said: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of a deputy's period, from the words after "deputy"."""
    found = _DEPUTY.fullmatch(said)
    if found is None or not found.group("ends"):
        raise UserFacingError(f"Say until when. {HOW_TO_NAME}")
    ends = read_date(found.group("ends"), today)
    starts = read_date(found.group("starts"), today) if found.group("starts") else today
    latest = months_ahead(today, DEPUTY_MONTHS)
    if starts < today:
        raise UserFacingError(
            f"The first day, {long_date(starts)}, is in the past. Nothing has changed."
        )
    if ends < today:
        raise UserFacingError(
            f"The last day, {long_date(ends)}, is in the past. Nothing has changed."
        )
    if starts > ends:
        raise UserFacingError(
            f"The first day, {long_date(starts)}, is after the last day, {long_date(ends)}. "
            "Nothing has changed."
        )
    if ends > latest:
        raise UserFacingError(
            f"A deputy can be named for up to {DEPUTY_MONTHS} months ahead. Choose a last "
            f"day on or before {long_date(latest)}. Nothing has changed."
        )
    return starts, ends


# ---- The commands ------------------------------------------------------------------


class Deputies:
    def __init__(self, ctx: JourneyContext, shared: Shared, setup: BoardSetupPart) -> None:
        self.ctx = ctx
        self.shared = shared
        self.setup = setup

    async def _member_boards(self, turn: Turn, what: str) -> list[str]:
        """The boards this applies to: the channel's board, or in a personal chat every
        board the person is a member of."""
        if turn.in_channel:
            key = await board_for_channel(self.shared, turn)
            if key is None:
                raise UserFacingError(
                    f"Type {what} in your board's channel, or in your chat with me."
                )
            return [key]
        me = turn.actor.user_id
        found = []
        for key in await self.setup.boards():
            if me and me in (await effective_setup(self.shared, key)).members:
                found.append(key)
        return found

    async def name_deputy(self, turn: Turn, said: str) -> None:
        today = self.shared.today()
        keys = await self._member_boards(turn, "deputy")
        if not keys:
            raise NotAllowed("You are not a member of any board, so you cannot name a deputy.")
        if len(keys) > 1:
            raise UserFacingError(
                f"You are on {len(keys)} boards. Type this in the board's channel."
            )
        key = keys[0]
        board = await self.setup.board(key)
        setup = await effective_setup(self.shared, key)
        me = turn.actor.user_id
        if not me or me not in setup.members:
            raise NotAllowed(
                f"Only a member of the {board.name} can name a deputy for it. Nothing has changed."
            )
        people = await self.setup.people(turn, HOW_TO_NAME, one=True)
        starts, ends = _period(said, today)
        deputy_id, deputy_name = people[0]
        if deputy_id in (me, turn.actor.aad_object_id):
            raise UserFacingError(
                "You cannot be your own deputy. @mention someone else. Nothing has changed."
            )
        if deputy_id in setup.members:
            raise UserFacingError(
                f"{deputy_name} is on the {board.name} already, so they can decide as a "
                "member. Nothing has changed."
            )
        my_name = setup.names.get(me) or turn.actor.name or "A member"
        store = await self.shared.store()
        replaced = [
            d
            for d in await store.deputies(key)
            if d.member_id == me
            and d.starts <= ends
            and d.ends >= starts
            and (d.deputy_id, d.starts, d.ends) != (deputy_id, starts, ends)  # said again
        ]
        deputy = Deputy(
            board=key,
            member_id=me,
            member_name=my_name,
            deputy_id=deputy_id,
            deputy_name=deputy_name,
            starts=starts,
            ends=ends,
            named_at=self.ctx.now(),
        )
        await store.add_deputy(deputy)
        told = await self._tell_deputy(deputy, board.name)
        period = (
            f"from {long_date(starts)} to {long_date(ends)}"
            if starts != ends
            else f"on {long_date(starts)}"
        )
        words = [
            f"{deputy_name} is your deputy on the {board.name} {period}. "
            "They can decide in your place until then."
        ]
        words += [
            f"This replaces {d.deputy_name} as your deputy from {long_date(d.starts)} to "
            f"{long_date(d.ends)}."
            for d in replaced
        ]
        words.append(
            "I have told them in Teams."
            if told
            else "I could not reach them in Teams, so please tell them yourself."
        )
        if not turn.in_channel:
            channel_card = to_dict(cards.deputy_named_card(deputy, board.name, for_deputy=False))
            if await self._post(board_channel(key), channel_card):
                words.append("I have told the board's channel too.")
        await turn.send_text(" ".join(words))

    async def _tell_deputy(self, deputy: Deputy, board_name: str) -> bool:
        key = (
            f"board.deputy:{deputy.board}:{deputy.member_id}:{deputy.deputy_id}:"
            f"{deputy.starts.isoformat()}:{deputy.ends.isoformat()}"
        )
        card = to_dict(cards.deputy_named_card(deputy, board_name, for_deputy=True))
        try:
            delivered = await self.ctx.notifier.deliver(
                deputy.deputy_id, card, key, via=board_channel(deputy.board)
            )
        except Exception:
            logger.exception("Could not tell a deputy they were named")
            return False
        return delivered in (Delivered.SENT, Delivered.ALREADY)

    async def _post(self, purpose: str, card: dict[str, Any]) -> bool:
        try:
            return await self.ctx.notifier.post(purpose, card) is not None
        except Exception:
            logger.exception("Could not post to %s", purpose)
            return False

    async def end_deputy(self, turn: Turn, _: str) -> None:
        today = self.shared.today()
        keys = await self._member_boards(turn, "deputy end")
        me = turn.actor.user_id
        if not keys:
            raise NotAllowed("You are not a member of any board, so you have no deputy to end.")
        store = await self.shared.store()
        lines: list[str] = []
        for key in keys:
            board = await self.setup.board(key)
            running = [
                d for d in await store.deputies(key) if d.member_id == me and d.ends >= today
            ]
            if not running or not await store.end_deputy(key, me, today):
                if len(keys) == 1:
                    lines.append(
                        f"You have no deputy on the {board.name} now or later. Nothing has changed."
                    )
                continue
            names = sorted({d.deputy_name for d in running})
            verb = "decides" if len(names) == 1 else "decide"
            lines.append(f"{names_in_words(names)} no longer {verb} for you on the {board.name}.")
            for deputy in {d.deputy_id: d for d in running}.values():  # each person once
                await self._tell_ended(deputy, board.name, today)
        if not lines:
            lines.append("You have no deputy on any board now or later. Nothing has changed.")
        elif any(" no longer " in line for line in lines):
            lines.insert(0, "Welcome back.")
        await turn.send_text(" ".join(lines))

    async def _tell_ended(self, deputy: Deputy, board_name: str, today: dt.date) -> None:
        key = (
            f"board.deputy.ended:{deputy.board}:{deputy.member_id}:{deputy.deputy_id}:"
            f"{deputy.starts.isoformat()}:{today.isoformat()}"
        )
        card = to_dict(cards.deputy_ended_card(deputy, board_name))
        try:
            await self.ctx.notifier.deliver(
                deputy.deputy_id, card, key, via=board_channel(deputy.board)
            )
        except Exception:
            logger.exception("Could not tell a deputy their member is back")

    async def list_deputies(self, turn: Turn, _: str) -> None:
        today = self.shared.today()
        keys = await self._member_boards(turn, "deputies")
        if not keys:
            await turn.send_text(
                "You are not a member of any board. Type deputies in a board's channel to "
                "see who stands in for its members."
            )
            return
        store = await self.shared.store()
        for key in keys:
            board = await self.setup.board(key)
            deputies = sorted(
                (d for d in await store.deputies(key) if d.ends >= today), key=by_start
            )
            await turn.send_card(to_dict(cards.deputies_card(board.name, deputies, today)))


def commands(deputies: Deputies, rank: int) -> tuple[ChatCommand, ...]:
    return (
        ChatCommand(
            "deputy",
            deputies.name_deputy,
            read=read_deputy,
            audience="boards",
            help="Board members. Name someone to decide in your place while you are away.",
            example="deputy @name until 12 December",
            where="anywhere",
            menu_rank=rank,
        ),
        ChatCommand(
            "deputy end",
            deputies.end_deputy,
            phrases=_DEPUTY_END,
            audience="boards",
            help="Board members. You are back: your deputy stops deciding for you.",
            where="anywhere",
            menu_rank=rank,
        ),
        ChatCommand(
            "deputies",
            deputies.list_deputies,
            phrases=("deputies", "board deputies", "show deputies"),
            audience="boards",
            help="See who stands in for a board's members, now and later.",
            where="anywhere",
            menu_rank=rank,
        ),
    )
