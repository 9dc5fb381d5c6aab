"""`flows`: admins see which Power Automate flows use the bot's triggers, whose they
are, whether they are working, and when each last got an event."""

from __future__ import annotations

from bot.domain.model import STATUS_LABELS, Status
from bot.errors import NotAllowed
from bot.journey import ChatCommand, JourneyContext, Part, Turn
from bot.journeys.flows.cards import FlowLine, build_flows_card, when_words
from bot.journeys.flows.store import Subscription
from bot.journeys.flows.webhooks import TRIGGERS, Webhooks
from cards.elements import to_dict


def line_of(sub: Subscription, board_names: dict[str, str]) -> FlowLine:
    if sub.state == "paused" and sub.paused_at is not None:
        state = f"Paused since {when_words(sub.paused_at)}"
    else:
        state = "Working"
    only = ""
    if sub.to_status:
        only = f"Moves to: {STATUS_LABELS.get(Status(sub.to_status), sub.to_status)}"
    elif sub.board:
        only = f"Decisions of the {board_names.get(sub.board, sub.board)}"
    owner = sub.owner_name or sub.owner_id
    return FlowLine(
        trigger=TRIGGERS.get(sub.event, sub.event),
        owner=f"{owner} (an app)" if sub.owner_is_app else owner,
        state=state,
        last_delivery=when_words(sub.last_delivered_at) if sub.last_delivered_at else "None yet",
        only=only,
    )


def part(ctx: JourneyContext, hooks: Webhooks) -> Part:
    async def flows(turn: Turn, _: str) -> None:
        if not ctx.is_admin(turn.actor):
            raise NotAllowed("Only a Digital Front Door admin can see the list of flows.")
        subs = await (await hooks.store()).subscriptions()
        names = await hooks.board_names()
        lines = [line_of(sub, names) for sub in reversed(subs)]
        await turn.send_card(to_dict(build_flows_card(lines)))

    return Part(
        commands=(
            ChatCommand(
                "flows",
                flows,
                phrases=("flows", "list flows", "power automate flows", "show flows"),
                help="Admins only. See the Power Automate flows that use the bot's triggers.",
                where="anywhere",
                menu_rank=3,
            ),
        )
    )
