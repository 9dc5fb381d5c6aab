"""Data protection: `my data` (everything held about a person, as a file only they can
open), `erase <person>` (admins), and the retention job that keeps nothing longer than
its period. It asks every journey's `personal_data` part (bot/privacy.py)."""

from __future__ import annotations

from bot.journey import CardAction, ChatCommand, HttpRoute, Journey, JourneyContext
from bot.journeys.privacy import cards
from bot.journeys.privacy.config import PrivacySettings, load_settings
from bot.journeys.privacy.erase import Erasing, parse_cancel, parse_erase
from bot.journeys.privacy.my_data import PATH, LinkData, MyData, parse_no, parse_yes
from bot.journeys.privacy.retention_job import Retention
from bot.journeys.privacy.working_part import WorkingData
from bot.privacy import all_of

__all__ = ["load_settings", "register"]

# Not "what do you hold about me": the glossary reads every "what do …" question first.
MY_DATA = (
    "my data",
    "my personal data",
    "show my data",
    "download my data",
    "what you hold about me",
    "what data do you hold about me",  # not read as a glossary "what do …" question
    "data you hold about me",
    "subject access",
    "subject access request",
)


def _settings(ctx: JourneyContext) -> PrivacySettings:
    found = ctx.journey_settings.get("privacy")
    return found if isinstance(found, PrivacySettings) else PrivacySettings()


def register(ctx: JourneyContext) -> Journey:
    settings = _settings(ctx)
    my_data = MyData(ctx, settings.link_minutes)
    erasing = Erasing(ctx, my_data.links.forget)
    retention = Retention(ctx, settings)
    return Journey(
        name="privacy",
        commands=(
            ChatCommand(
                "my data",
                my_data.command,
                phrases=MY_DATA,
                help="See everything this bot holds about you, and download it.",
                menu_rank=3,
            ),
            ChatCommand(
                "erase",
                erasing.command,
                phrases=("erase",),
                prefixes=("erase ",),
                example="erase @person",
                help="Admins only. Erase everything this bot holds about a person.",
                menu_rank=3,
            ),
            ChatCommand(
                "erasures",
                erasing.history,
                phrases=("erasures", "past erasures"),
                help="Admins only. See past erasures: when, why and how much. Never who.",
                menu_rank=3,
            ),
            ChatCommand(
                "retention",
                retention.show,
                phrases=("retention", "data retention", "how long do you keep data"),
                help="Admins only. See how long each kind of record is kept, and the last "
                "clear-out.",
                menu_rank=3,
            ),
            ChatCommand(
                "run retention now",
                retention.run_now,
                phrases=("run retention now", "run retention"),
                help="Admins only. Delete or anonymise now what is past its period.",
                menu_rank=3,
            ),
        ),
        actions=(
            CardAction(cards.UNLOCK, parse_yes, my_data.answer, once_only=True),
            CardAction(cards.REFUSE, parse_no, my_data.answer, once_only=True),
            CardAction(cards.ERASE, parse_erase, erasing.confirmed, once_only=True),
            CardAction(cards.ERASE_CANCEL, parse_cancel, erasing.cancelled),
        ),
        routes=(HttpRoute("GET", PATH, my_data.serve),),
        loops=(retention.loop,),
        personal_data=all_of([WorkingData(ctx.store), LinkData(ctx, my_data.links)]),
    )
