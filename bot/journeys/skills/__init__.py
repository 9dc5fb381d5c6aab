"""Digital skills: the competency framework, `skills check` (a self-assessment against the
person's role family's target), and reports for managers, HR and senior leaders that never
show a group smaller than SKILLS_MIN_GROUP (Priority 1: learning needs analysis and a
competency framework; Priority 3: senior leader digital skills).

Parts: `check` (the self-assessment and its result), `admin` (the framework and the
baselines) and `reports`. What they keep, and how the reports read it, is in `data`.
"""

from __future__ import annotations

from bot.journey import Journey, JourneyContext, join
from bot.journeys.skills import admin, check, reports
from bot.journeys.skills.reports import load_settings

__all__ = ["load_settings", "register"]


def register(ctx: JourneyContext) -> Journey:
    assessment = check.Check(ctx)
    parts = [check.part(ctx, assessment), admin.part(ctx, assessment), reports.part(ctx)]
    return join("skills", parts, on_stop=assessment.close)
