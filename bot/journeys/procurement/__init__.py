"""Procurement early engagement: IT in the room before anything is bought.

A member of staff about to buy or renew software (`buy software`, "we want to buy…",
"our contract ends…", or a request that says it involves buying) first sees what the
council already has that may do the job (the application catalogue and the platforms it
owns), then gathers requirements with the request form, completes the early-engagement
checklist, and gets a printable pack for Procurement and the Technical Review Board.

Three parts share one store: `flow` (starting, the catalogue check, the request),
`checklist` (the checklist, the pack, telling the boards) and `admin` (importing the
catalogue, contract renewal reminders, registering channels).
"""

from __future__ import annotations

from bot.journey import Journey, JourneyContext, Part, join
from bot.journeys.procurement import admin, checklist, flow
from bot.journeys.procurement.config import ProcurementConfig, load_settings
from bot.journeys.procurement.personal_data import ProcurementData
from bot.journeys.procurement.shared import NAME, Shared

__all__ = ["load_settings", "register"]


def register(ctx: JourneyContext) -> Journey:
    config = ctx.journey_settings.get(NAME)
    shared = Shared(ctx, config if isinstance(config, ProcurementConfig) else ProcurementConfig())
    parts = [flow.part(ctx, shared), checklist.part(ctx, shared), admin.part(ctx, shared)]
    parts.append(Part(personal_data=ProcurementData(shared)))
    return join(NAME, parts, on_stop=shared.close)
