"""Shared steps for the boards journey's end-to-end tests, over real HTTP.

- `to_board`: a request raised by someone and accepted to a board's list by IT triage,
  through the triage card's own buttons (optionally re-routed to another board first).
- `register_board_channel`: an admin types `register board <name>` in the board's channel.
- `make_member` / `set_setup`: who sits on a board and when it meets. These write the
  board's setup straight into the journey's own store (`BoardStore.save_setup`), the same
  file the running service reads, so tests do not depend on the setup commands' wording.
- `board_state`: the running service's boards store and settings, to look inside and to
  run its loops' work now (the loops themselves wait minutes between runs).

Other helpers' shared steps go at the end of this file.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import re
from collections.abc import AsyncIterator
from typing import Any

from bot.app import CONTEXT
from bot.domain.boards import BoardSetup, Deputy
from bot.journeys.boards.config import BoardsConfig
from bot.journeys.boards.shared import NAME, Shared
from tests.e2e.conftest import in_channel
from tests.e2e.journey import fill_form, raise_request, send_anyway
from tests.support.cards import all_text
from tests.support.teams import TENANT, BotServer, TeamsUser, find_action, invoke_card

BOARD_NAMES = {
    "ddc": "Digital, Data and Customer Board",
    "trb": "Technical Review Board",
    "ictig": "ICT Improvement Group",
}
# Where GOOD_ANSWERS goes when IT triage accepts it as it is.
DEFAULT_BOARD = "ddc"
_REFERENCE = re.compile(r"DR-\d{4}-\d{4}")


# ---- Board channels -----------------------------------------------------------------


def board_channel_id(key: str) -> str:
    """The Teams channel kept for a board in these tests (the channel itself)."""
    return f"19:board-{key}@thread.tacv2"


def in_board_channel(user: TeamsUser, key: str) -> TeamsUser:
    """The same person, typing in a thread of the board's channel."""
    conversation = {
        "id": f"{board_channel_id(key)};messageid=1700000000000",
        "conversationType": "channel",
        "tenantId": TENANT,
    }
    return dataclasses.replace(user, conversation=conversation)


async def register_board_channel(admin: TeamsUser, key: str) -> TeamsUser:
    """`register board <name>` by an admin in the board's channel; returns them there."""
    channel = in_board_channel(admin, key)
    replies = await channel.say(f"register board {BOARD_NAMES[key]}")
    said = str(replies[-1].get("text") or "")
    assert said.startswith(f"This channel is now the {BOARD_NAMES[key]}'s channel."), said
    return channel


# ---- A request on a board's list ----------------------------------------------------


def reference_in(card: dict[str, Any]) -> str:
    found = _REFERENCE.search(all_text(card))
    assert found, "No request reference on the card"
    return found.group(0)


async def triage_view(triager: TeamsUser, reference: str) -> dict[str, Any]:
    """The triage card as someone on the IT triage roster sees it, in the triage channel."""
    body = await in_channel(triager).press(
        "triage.refresh", {"verb": "triage.refresh", "reference": reference}
    )
    return invoke_card(body)


async def press_on(
    user: TeamsUser, card: dict[str, Any], title: str, inputs: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Press the button titled `title` on `card`, with these inputs filled in."""
    action = find_action(card, title)
    return await user.press(action["verb"], action["data"], inputs)


async def raise_with(requester: TeamsUser, answers: dict[int, dict[str, Any]]) -> str:
    """Raise a request with these answers (past the same-need card); its reference."""
    review = await fill_form(requester, answers)
    sent = invoke_card(await press_on(requester, review, "Send request"))
    return reference_in(await send_anyway(requester, sent))


async def to_board(
    triager: TeamsUser,
    requester: TeamsUser,
    board: str = DEFAULT_BOARD,
    process: str = "change_request",
    answers: dict[int, dict[str, Any]] | None = None,
) -> str:
    """Raise a request as `requester` (GOOD_ANSWERS, or `answers`) and have `triager` (on
    the IT triage roster: the admin Alex in local mode) accept it to `board`'s list.
    Returns its reference.

    Registers the triage channel first (again is harmless)."""
    await in_channel(triager).say("register triage")
    if answers is None:
        reference = reference_in(await raise_request(requester))
    else:
        reference = await raise_with(requester, answers)
    view = await triage_view(triager, reference)
    if board != DEFAULT_BOARD or process != "change_request":
        route = {
            "routeBoard": board,
            "routeProcess": process,
            "routeReason": f"It needs the {BOARD_NAMES[board]}.",
        }
        view = invoke_card(await press_on(in_channel(triager), view, "Change route", route))
    accepted = invoke_card(await press_on(in_channel(triager), view, "Accept to board"))
    assert "With the board" in all_text(accepted), all_text(accepted)
    await triager.bot.settled()  # the requester's news of it has gone
    return reference


# ---- The journey's own store --------------------------------------------------------


@contextlib.asynccontextmanager
async def board_state(bot: BotServer) -> AsyncIterator[Shared]:
    """The running service's boards store and settings (a second connection to its file)."""
    assert bot.app is not None
    ctx = bot.app[CONTEXT]
    config = ctx.journey_settings.get(NAME)
    shared = Shared(ctx, config if isinstance(config, BoardsConfig) else BoardsConfig())
    try:
        yield shared
    finally:
        await shared.close()


async def set_setup(bot: BotServer, key: str, **changes: Any) -> BoardSetup:
    """Change fields of a board's setup (members, names, secretary_id, cadence…) and keep it."""
    async with board_state(bot) as shared:
        store = await shared.store()
        setup = dataclasses.replace(await store.setup(key), **changes)
        await store.save_setup(setup)
        return setup


async def make_member(
    bot: BotServer,
    key: str,
    user: TeamsUser,
    secretary: bool = False,
    chair: bool = False,
    only: bool = False,
) -> BoardSetup:
    """Put `user` (by Entra object id and name) on the board. `only`: the board's only
    member (sample members seeded in local mode are dropped, and `sample` cleared)."""
    async with board_state(bot) as shared:
        store = await shared.store()
        setup = await store.setup(key)
        members = frozenset() if only else setup.members
        names = {} if only else dict(setup.names)
        names[user.aad_object_id] = user.name
        changes: dict[str, Any] = {
            "members": members | {user.aad_object_id},
            "names": names,
        }
        if only:
            changes.update(sample=False, secretary_id="", chair_id="")
        if secretary:
            changes["secretary_id"] = user.aad_object_id
        if chair:
            changes["chair_id"] = user.aad_object_id
        setup = dataclasses.replace(setup, **changes)
        await store.save_setup(setup)
        return setup


# ---- The agenda and deciding (H5) ---------------------------------------------------

APPROVE_INPUTS = {
    "changeOwner": "Jo Smith, Waste Services",
    "changeHorizon": "now",
    "changeTheme": "design_plan_implement",
}


def decide_button(card: dict[str, Any], decision: str) -> dict[str, Any]:
    """The submit button of one decision's panel on a decision card (`approve_change`…)."""
    from tests.support.teams import iter_actions

    for action in iter_actions(card):
        if action.get("verb") == "decide.record" and action["data"].get("decision") == decision:
            return action
    raise AssertionError(f"No {decision} button on the card")


async def agenda_of(user_in_channel: TeamsUser, typed: str = "agenda") -> dict[str, Any]:
    """Type `agenda` (or another wording) in a board's channel: the card that comes back."""
    from tests.support.teams import card_of

    replies = await user_in_channel.say(typed)
    return card_of(replies[-1])


async def decision_card(
    member: TeamsUser, agenda: dict[str, Any], reference: str
) -> dict[str, Any]:
    """Press "Decide on DR-…" on an agenda card: the decision card."""
    return invoke_card(await press_on(member, agenda, f"Decide on {reference}"))


async def decide(
    member: TeamsUser, card: dict[str, Any], decision: str, inputs: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Submit one decision from a decision card; the invoke's answer (a card or a message)."""
    action = decide_button(card, decision)
    return await member.press(action["verb"], action["data"], inputs)


async def add_deputy(
    bot: BotServer,
    key: str,
    member: TeamsUser,
    deputy: TeamsUser,
    starts: dt.date,
    ends: dt.date,
) -> None:
    """`deputy` decides for `member` on the board from `starts` to `ends` (kept directly
    in the journey's store, as `deputy @name until …` keeps it)."""
    async with board_state(bot) as shared:
        store = await shared.store()
        named = dt.datetime.combine(starts, dt.time(9), tzinfo=dt.UTC)
        await store.add_deputy(
            Deputy(
                key,
                member.aad_object_id,
                member.name,
                deputy.aad_object_id,
                deputy.name,
                starts,
                ends,
                named,
            )
        )


async def put_on_list(
    bot: BotServer,
    board: str,
    count: int,
    answers: dict[int, dict[str, Any]] | None = None,
    title: str = "",
) -> list[str]:
    """`count` requests put straight onto `board`'s list through the bot's own store (as
    if raised and accepted by IT triage, a minute apart, the oldest first), for tests of
    long lists. Returns their references, oldest first."""
    import uuid

    from bot.domain.model import AuditEntry, Requester, Route, Status
    from bot.domain.scoring import score
    from bot.journeys.intake.form import build_details
    from bot.ports import NewRequest
    from tests.e2e.journey import GOOD_ANSWERS

    assert bot.app is not None
    ctx = bot.app[CONTEXT]
    gov = await ctx.store.governance()
    values = {k: str(v) for step in (answers or GOOD_ANSWERS).values() for k, v in step.items()}
    now = ctx.now()
    details = build_details(values, now.date())
    references = []
    for n in range(count):
        at = now - dt.timedelta(minutes=count - n)
        shown = dataclasses.replace(details, title=(title or f"{details.title} {n + 1}")[:120])
        added = await ctx.store.add(
            NewRequest(
                draft_id=str(uuid.uuid4()),
                details=shown,
                requester=Requester(f"person-{n}", f"Person {n}", f"person-{n}"),
                score=score(shown, gov.matrix, now.date()),
                route=Route(board, "change_request", "The routing rules sent it here.", "test"),
                submitted_at=at,
            )
        )
        accepted = AuditEntry(
            at, "triager", "Alex Wilber", "accept", Status.SUBMITTED, Status.WITH_BOARD
        )
        await ctx.store.update(
            dataclasses.replace(added, status=Status.WITH_BOARD, history=(accepted,))
        )
        references.append(added.reference)
    return references


# ---- Deputies (H4) ------------------------------------------------------------------


async def name_deputy(
    member: TeamsUser, deputy: TeamsUser, key: str, until: str, starts: str = ""
) -> str:
    """`deputy @deputy [from <starts>] until <until>` typed by `member` in the board's
    channel, with the deputy @mentioned as Teams sends it. The bot's answer.

    The member must be on the board (`make_member`) and the channel registered
    (`register_board_channel`); the deputy is told in their own chat."""
    channel = in_board_channel(member, key)
    period = f"from {starts} until {until}" if starts else f"until {until}"
    entity = {
        "type": "mention",
        "text": f"<at>{deputy.name}</at>",
        "mentioned": {
            "id": deputy.user_id,
            "name": deputy.name,
            "aadObjectId": deputy.aad_object_id,
        },
    }
    activity = channel.activity(
        type="message", text=f"deputy <at>{deputy.name}</at> {period}", entities=[entity]
    )
    status, _ = await channel.post(activity)
    assert status in (200, 201, 202), f"Bot answered HTTP {status}"
    replies = await channel.connector.wait_for_replies(channel.conversation_id, activity["id"])
    return str(replies[-1].get("text") or "")
