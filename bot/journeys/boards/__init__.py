"""Governance boards at work: queues, agendas, decisions, deadlines, the quarterly
roadmap review, and the prioritisation matrix the boards own.

The strategy's Digital, Data and Customer Board prioritises and reviews the roadmap
every quarter; the Technical Review Board looks at technical requirements and
architecture; the ICT Improvement Group hears user feedback. Requests reach a board's
list from IT triage; here the board decides what happens next.

Parts share one store: `setup` (a board's people, channel, meetings and deputies),
`agenda` (the board's list, ordered by priority score), `decisions` (approve, defer,
reject, ask for more, send to another board), `deadlines` (every stage's target time,
with reminders), `roadmap` (the quarterly pack) and `matrix` (how requests are scored,
the weights card, rescoring); `sync` writes decisions to SharePoint in m365 mode.
"""

from __future__ import annotations

from bot.journey import Journey, JourneyContext, Part, join
from bot.journeys.boards import agenda, api, deadlines, decisions, matrix, roadmap, setup, sync
from bot.journeys.boards.config import BoardsConfig, load_settings
from bot.journeys.boards.personal_data import BoardData
from bot.journeys.boards.shared import NAME, Shared

__all__ = ["load_settings", "register"]


def register(ctx: JourneyContext) -> Journey:
    config = ctx.journey_settings.get(NAME)
    shared = Shared(ctx, config if isinstance(config, BoardsConfig) else BoardsConfig())
    parts = [
        setup.part(ctx, shared),
        agenda.part(ctx, shared),
        decisions.part(ctx, shared),
        deadlines.part(ctx, shared),
        roadmap.part(ctx, shared),
        matrix.part(ctx, shared),
        sync.part(ctx, shared),
        api.part(ctx, shared),
        Part(personal_data=BoardData(shared)),
    ]
    return join(NAME, parts, on_stop=shared.close)
