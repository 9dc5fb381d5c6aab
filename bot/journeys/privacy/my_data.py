"""`my data`: everything the product holds about the person who asks, and a file of it
that only they can open, and only until the link expires.

The link alone is not enough to get the file (anyone could be sent it). Opening it
shows a six-digit code and gives the browser a random cookie; the bot asks the owner,
in their own Teams chat, whether that was them. Only the owner's press (the validated
actor, never card data) unlocks that browser; "No" stops the link. The file is made
fresh when it is downloaded.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.domain.retention import RetentionKind, RetentionPolicy
from bot.errors import BadCardData, NotAllowed
from bot.journey import JourneyContext, Reply, Turn, card_reply, message_reply
from bot.journeys.privacy import cards, export, pages
from bot.journeys.privacy.links import ANSWER, KINDS, LINK, OPEN, Links, cookie_hash, expires
from bot.ports import Record
from bot.privacy import Erased, Held, Person, Retained
from bot.telemetry.logs import person_ref

logger = logging.getLogger(__name__)

PATH = "/privacy/my-data/{token}"
COOKIE = "dfd_my_data"
MOST_OPENS = 5  # browsers that may ask to open one link: more is someone guessing
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32)
_OPEN = re.compile(r"[A-Za-z0-9_-]{22}")  # secrets.token_urlsafe(16)
FORMATS = {"json": "application/json", "csv": "text/csv"}


@dataclass(frozen=True)
class Answer:
    open_id: str
    yes: bool


def _parse(yes: bool) -> Any:
    def parse(data: Mapping[str, Any]) -> Answer:
        open_id = data.get("open") if isinstance(data, Mapping) else None
        if not isinstance(open_id, str) or not _OPEN.fullmatch(open_id):
            raise BadCardData("That button is from a card I did not send. Type my data.")
        return Answer(open_id, yes)

    return parse


parse_yes = _parse(True)
parse_no = _parse(False)


async def person_of(ctx: JourneyContext, user_id: str, ids: set[str], names: set[str]) -> Person:
    """Everyone the product knows this person as: the ids given, their people rows."""
    known = await ctx.store.people(frozenset(ids | {user_id}))
    for teams_id, name in known.values():
        if teams_id:
            ids.add(teams_id)
        if name:
            names.add(name)
    return Person(
        user_id, frozenset(i for i in ids | {user_id} if i), frozenset(n for n in names if n)
    )


class MyData:
    def __init__(self, ctx: JourneyContext, link_minutes: int) -> None:
        self.ctx = ctx
        self.minutes = link_minutes
        self.links = Links(ctx.store)

    def _base(self) -> str:
        """PUBLIC_BASE_URL, as the boards journey read it for its own links."""
        boards = self.ctx.journey_settings.get("boards")
        return str(getattr(boards, "public_url", "http://127.0.0.1:3978")).rstrip("/")

    def _url(self, token: str, kind: str) -> str:
        return f"{self._base()}{PATH.format(token=token)}?format={kind}"

    async def _held(self, person: Person) -> list[Held]:
        parts = self.ctx.personal_data
        return await parts.held(person) if parts is not None else []

    # ---- The command

    async def command(self, turn: Turn, _: str) -> None:
        actor, now = turn.actor, self.ctx.now()
        ids = {actor.user_id, actor.teams_id, actor.aad_object_id}
        person = await person_of(self.ctx, actor.user_id, ids, {actor.name})
        held = await self._held(person)
        token = secrets.token_urlsafe(32)
        until = now + dt.timedelta(minutes=self.minutes)
        data = {
            "expires": until.isoformat(),
            "ids": sorted(person.ids),
            "names": sorted(person.names),
        }
        await self.ctx.store.add_record(Record(LINK, token, actor.user_id, now, data))
        zone = self.ctx.calendar.zone
        card = cards.my_data_card(
            held, self._url(token, "json"), self._url(token, "csv"), until, zone
        )
        await turn.send_card(card)

    # ---- The page

    async def serve(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info.get("token", "")
        kind = request.query.get("format", "json")
        if not _TOKEN.fullmatch(token) or kind not in FORMATS:
            return pages.not_found()
        await self.links.refresh()
        link = self.links.links.get(token)
        if link is None:
            return pages.not_found()
        now = self.ctx.now()
        if now >= expires(link):
            return pages.expired()
        if self.links.voided(token):
            return pages.voided()
        opened = self.links.open_for(token, request.cookies.get(COOKIE, ""))
        if opened is None:
            return await self._open(request, link, kind, now)
        answer = self.links.answers.get(opened.key)
        if answer is None:
            return pages.waiting(str(opened.data.get("code", "")), kind)
        if answer.data.get("yes") is not True:
            return pages.voided()
        return await self._file(link, kind, now)

    async def _open(
        self, request: web.Request, link: Record, kind: str, now: dt.datetime
    ) -> web.StreamResponse:
        """A browser the owner has not been asked about: a code, a cookie, a question."""
        if len(self.links.opens_of(link.key)) >= MOST_OPENS:
            return pages.too_many()
        open_id, cookie = secrets.token_urlsafe(16), secrets.token_urlsafe(32)
        code = f"{secrets.randbelow(1_000_000):06d}"
        data = {"token": link.key, "code": code, "cookie": cookie_hash(cookie)}
        await self.ctx.store.add_record(Record(OPEN, open_id, link.owner_id, now, data))
        card = cards.is_it_you_card(open_id, code)
        self.ctx.in_background(self._ask(link.owner_id, card, open_id))
        response = pages.waiting(code, kind)
        life = max(1, int((expires(link) - now).total_seconds()))
        response.set_cookie(
            COOKIE,
            cookie,
            max_age=life,
            path=PATH.format(token=link.key),
            httponly=True,
            samesite="Lax",
            secure=request.secure or self._base().startswith("https:"),
        )
        return response

    async def _ask(self, owner: str, card: dict[str, Any], open_id: str) -> None:
        done = await self.ctx.notifier.deliver(owner, card, f"privacy.open:{open_id}")
        logger.info("Asked %s about a data download link: %s", person_ref(owner), done.value)

    async def _file(self, link: Record, kind: str, now: dt.datetime) -> web.StreamResponse:
        """The file, made now from what every journey holds: the owner unlocked it."""
        ids = {str(i) for i in link.data.get("ids", [])}
        names = {str(n) for n in link.data.get("names", [])}
        person = await person_of(self.ctx, link.owner_id, ids, names)
        held = await self._held(person)
        day = now.astimezone(self.ctx.calendar.zone).date().isoformat()
        if kind == "csv":
            body = export.as_csv(held)
        else:
            name = sorted(person.names)[0] if person.names else ""
            body = export.as_json({"user_id": link.owner_id, "name": name}, now, held)
        return pages.file(body, FORMATS[kind], f"my-data-{day}.{kind}")

    # ---- The owner's answer

    async def answer(self, turn: Turn, press: Answer) -> Reply:
        await self.links.refresh()
        opened = self.links.opens.get(press.open_id)
        if opened is None:
            raise BadCardData(
                "That link is no longer known. If you want your data, type my data for a new link."
            )
        if turn.actor.user_id != opened.owner_id:
            raise NotAllowed(
                "Only the person whose data it is can answer this. Nothing has changed."
            )
        token = str(opened.data.get("token", ""))
        link = self.links.links.get(token)
        now = self.ctx.now()
        if link is None or now >= expires(link):
            return message_reply("This link has expired. Type my data to get a new one.")
        data = {"token": token, "yes": press.yes}
        await self.ctx.store.add_record(Record(ANSWER, press.open_id, opened.owner_id, now, data))
        await self.links.refresh()
        kept = self.links.answers.get(press.open_id)
        said_yes = kept is not None and kept.data.get("yes") is True
        if said_yes and not self.links.voided(token):
            return card_reply(cards.unlocked_card(str(opened.data.get("code", ""))))
        return card_reply(cards.stopped_card())


@dataclass
class LinkData:
    """The privacy journey's own personal data: the download links made for a person."""

    ctx: JourneyContext
    links: Links

    async def held(self, person: Person) -> list[Held]:
        await self.links.refresh()
        return [
            Held(
                "your data downloads",
                "A link to download your data",
                "",
                {"Works until": expires(link).isoformat()},
                link.at,
            )
            for link in self.links.links.values()
            if person.is_them(link.owner_id)
        ]

    async def erase(self, person: Person, stand_in: str, now: dt.datetime) -> Erased:
        done = Erased()
        for user_id in sorted(person.ids):
            for record in await self.ctx.store.records_of(user_id):
                if record.kind in KINDS and await self.ctx.store.delete_record(
                    record.kind, record.key
                ):
                    done.count("Data download links")
        self.links.forget(person.ids)
        return done

    async def retain(self, policy: RetentionPolicy, now: dt.datetime) -> list[Retained]:
        """Links and their answers go once past the card answers' period (they expire in
        a day at most, so nothing there is still of use)."""
        cutoff = policy.cutoff(RetentionKind.CARD_ANSWERS, now)
        await self.links.refresh()
        gone = 0
        for kind, records in (
            (LINK, self.links.links),
            (OPEN, self.links.opens),
            (ANSWER, self.links.answers),
        ):
            for key in [key for key, record in records.items() if record.at < cutoff]:
                if await self.ctx.store.delete_record(kind, key):
                    gone += 1
                del records[key]
        return [Retained(RetentionKind.CARD_ANSWERS, deleted=gone)]
