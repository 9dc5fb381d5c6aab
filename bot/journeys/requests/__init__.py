"""A member of staff's own requests: the list, and one request by its reference."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.domain.commands import REFERENCE
from bot.domain.references import parse_reference
from bot.errors import BadCardData, NotAllowed
from bot.identity import channel_reference
from bot.journey import (
    Actor,
    CardAction,
    ChatCommand,
    Journey,
    JourneyContext,
    MenuButton,
    Reply,
    Turn,
    card_reply,
)
from bot.journeys.requests import api, lookup
from bot.journeys.requests.personal_data import RequestData
from bot.journeys.triage.posting import TRIAGE
from cards import verbs
from cards.elements import to_dict
from cards.request_cards import build_joined_card, build_my_requests_card, build_status_card

MINE_PHRASES = ("my requests", "my request", "list my requests", "show my requests")
PAGE = "page"  # card data: the token of the next page of "my requests"
REFERENCE_KEY = "reference"  # card data: the request a "Show" button names


@dataclass(frozen=True)
class ShowPage:
    token: str | None


@dataclass(frozen=True)
class ShowRequest:
    reference: str


def read_status(said: str) -> str | None:
    """`status DR-2026-0001`, or a reference on its own: the reference (or what was typed)."""
    if said == "status":
        return ""
    if not said.startswith("status ") and not REFERENCE.fullmatch(said):
        return None
    found = REFERENCE.search(said)
    return found.group(0).upper() if found else said.removeprefix("status ").strip()


def parse_page(data: Mapping[str, Any]) -> ShowPage:
    token = data.get(PAGE)
    return ShowPage(token if isinstance(token, str) else None)


def parse_show(data: Mapping[str, Any]) -> ShowRequest:
    reference = data.get(REFERENCE_KEY)
    if not isinstance(reference, str):
        raise BadCardData("That button did not say which request. Type my requests.")
    return ShowRequest(reference)


CHANNEL_STATUS_REFUSED = (
    "Only the IT triage team can look up requests here. To see your own, "
    "type status and the reference in your chat with me."
)
NOT_THE_TRIAGE_CHANNEL = (
    "Everyone here could read a request's record, so I only show it in the IT triage "
    "channel or in your chat with me. Type status and the reference in one of those."
)


async def on_triage_roster(ctx: JourneyContext, actor: Actor) -> bool:
    """IT triage: the Entra group in m365 mode, TRIAGE_ROSTER otherwise."""
    members = await ctx.roster.members() if ctx.roster is not None else ctx.triage_roster
    return actor.user_id in members


def register(ctx: JourneyContext) -> Journey:
    store = ctx.store

    async def my_requests_card(user_id: str, token: str | None) -> dict[str, Any]:
        page = await lookup.my_requests(store, user_id, token)
        return to_dict(build_my_requests_card(page, await store.governance()))

    async def in_triage_channel(turn: Turn) -> bool:
        """Whether this message came from the channel registered for IT triage."""
        channel = await store.channel(TRIAGE)
        if channel is None:
            return False
        here = channel_reference(turn.activity, ctx.reply_hosts).get("conversation", {})
        there = channel.get("conversation", {})
        return bool(here.get("id")) and here.get("id") == there.get("id")

    async def status_card(turn: Turn, said: str) -> dict[str, Any]:
        """The requester's own record; IT triage and admins may read anyone's. Anywhere but
        a personal chat, only IT triage may look anything up, and only in its own channel
        (everyone in a conversation sees the answer)."""
        actor = turn.actor
        triager = await on_triage_roster(ctx, actor)
        if turn.in_channel and not triager:
            raise NotAllowed(CHANNEL_STATUS_REFUSED)
        if turn.in_channel and not await in_triage_channel(turn):
            raise NotAllowed(NOT_THE_TRIAGE_CHANNEL)
        gov = await store.governance()
        can_see_all = triager or ctx.is_admin(actor)
        if not can_see_all and not turn.in_channel and parse_reference(said.strip()):
            wanted = said.strip().upper()
            other = await store.get(wanted)
            if other is not None and other.requester.user_id != actor.user_id:
                joined = await lookup.joined_from(store, actor.user_id, wanted)
                if joined is not None:
                    return to_dict(build_joined_card(other, joined.reference, gov))
        found = await lookup.status(store, actor.user_id, said, can_see_all)
        mine = found.requester.user_id == actor.user_id and not turn.in_channel
        return to_dict(build_status_card(found, gov, for_requester=mine))

    async def mine(turn: Turn, _: str) -> None:
        await turn.send_card(await my_requests_card(turn.actor.user_id, None))

    async def status(turn: Turn, said: str) -> None:
        await turn.send_card(await status_card(turn, said))

    async def page(turn: Turn, wanted: ShowPage) -> Reply:
        return card_reply(await my_requests_card(turn.actor.user_id, wanted.token))

    async def show(turn: Turn, wanted: ShowRequest) -> Reply:
        return card_reply(await status_card(turn, wanted.reference))

    example = f"status DR-{ctx.now().year}-0001"
    return Journey(
        name="requests",
        operations=api.operations(ctx),
        commands=(
            ChatCommand(
                "my requests",
                mine,
                menu_rank=1,
                phrases=MINE_PHRASES,
                help="See your requests and where they are.",
            ),
            ChatCommand(
                "status",
                status,
                menu_rank=1,
                read=read_status,
                example=example,
                help="See one request, by its reference.",
                menu_hint=f"Type status and a reference, such as {example}.",
                # IT triage looks requests up in the triage channel too.
                where="anywhere",
            ),
        ),
        actions=(
            CardAction(verbs.MY_REQUESTS, parse_page, page),
            CardAction(verbs.SHOW_REQUEST, parse_show, show),
        ),
        menu=(MenuButton("My requests", verbs.MY_REQUESTS),),
        personal_data=RequestData(ctx.store),
    )
