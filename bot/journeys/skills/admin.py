"""For admins: `skills framework` (see the competency framework and change an area on a
card, each change kept as a new version) and `skills baseline <name>` (open a new
baseline: skills checks from then on belong to it, and reports compare baselines)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.domain.text import long_date, one_line
from bot.errors import BadCardData, NotAllowed
from bot.form_actions import NoData, no_data
from bot.invoke import NOT_OURS
from bot.journey import (
    Actor,
    CardAction,
    ChatCommand,
    JourneyContext,
    Part,
    Reply,
    Turn,
    card_reply,
)
from bot.journeys.skills import data
from bot.journeys.skills.admin_cards import (
    AREA,
    EDIT,
    SAVE,
    SHOW,
    VERSION,
    build_edit_card,
    build_framework_card,
    build_saved_card,
    edit_values,
)
from bot.journeys.skills.check import Check
from bot.journeys.skills.framework import Framework, edit_area
from cards.elements import to_dict

NOT_ADMIN = (
    "Only a Digital Front Door admin can {what}. "
    "Type skills check to check your own digital skills."
)
CHANGED_SINCE = (
    "Someone saved a change to the framework after you opened this card, so nothing was "
    "saved. What you typed is below, on the newest version: check it and save again."
)
BASELINE_MOST = 60
_BASELINE_NAME = re.compile(r"[\w][\w '(),.&/-]*")


@dataclass(frozen=True)
class AreaPress:
    area: str


@dataclass(frozen=True)
class SavePress:
    area: str
    version: int
    values: dict[str, str]


def _area_of(card_data: Mapping[str, Any]) -> str:
    area = card_data.get(AREA)
    if not isinstance(area, str) or not 0 < len(area) <= 40:
        raise BadCardData(NOT_OURS)
    return area


def parse_area(card_data: Mapping[str, Any]) -> AreaPress:
    return AreaPress(_area_of(card_data))


def parse_save(card_data: Mapping[str, Any]) -> SavePress:
    version = card_data.get(VERSION)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise BadCardData(NOT_OURS)
    values: dict[str, str] = {}
    for name, value in card_data.items():
        if not re.fullmatch(r"(level|links)_[1-4]|target_[a-z0-9_]{1,40}", str(name)):
            continue
        if value is not None and not isinstance(value, str):
            raise BadCardData(
                "We could not read what was on that card, so nothing has changed. "
                "Type skills framework to open it again."
            )
        values[str(name)] = value or ""
    return SavePress(_area_of(card_data), version, values)


def _unknown_area() -> BadCardData:
    return BadCardData(
        "That area is not in the digital skills framework, so nothing has changed. "
        "Type skills framework to see the areas there are."
    )


class Admin:
    def __init__(self, ctx: JourneyContext, check: Check) -> None:
        self.ctx = ctx
        self.check = check

    def must_be_admin(self, actor: Actor, what: str) -> None:
        if not self.ctx.is_admin(actor):
            raise NotAllowed(NOT_ADMIN.format(what=what))

    async def _framework_card(self, framework: Framework) -> Reply:
        helpers = await self.check.helpers(framework, {a.community for a in framework.areas}, "")
        names = {key: found.community for key, found in helpers.items()}
        return card_reply(to_dict(build_framework_card(framework, names)))

    async def show_command(self, turn: Turn, _: str) -> None:
        self.must_be_admin(turn.actor, "see and change the digital skills framework")
        await turn.send_reply(await self.show(turn, NoData()))

    async def show(self, turn: Turn, _: NoData) -> Reply:
        self.must_be_admin(turn.actor, "see and change the digital skills framework")
        return await self._framework_card(await data.load_framework(self.ctx.store))

    async def edit(self, turn: Turn, press: AreaPress) -> Reply:
        self.must_be_admin(turn.actor, "change the digital skills framework")
        framework = await data.load_framework(self.ctx.store)
        area = framework.area(press.area)
        if area is None:
            raise _unknown_area()
        return card_reply(to_dict(build_edit_card(framework, area, edit_values(framework, area))))

    async def save(self, turn: Turn, press: SavePress) -> Reply:
        self.must_be_admin(turn.actor, "change the digital skills framework")
        framework = await data.load_framework(self.ctx.store)
        area = framework.area(press.area)
        if area is None:
            raise _unknown_area()
        values = {**edit_values(framework, area), **press.values}
        if press.version != framework.version:
            return card_reply(
                to_dict(build_edit_card(framework, area, values, message=CHANGED_SINCE))
            )
        changed, errors = edit_area(framework, area.key, values)
        if changed is None:
            return card_reply(to_dict(build_edit_card(framework, area, values, errors)))
        if not await data.save_framework(
            self.ctx.store, changed, turn.actor.user_id, self.ctx.now()
        ):
            latest = await data.load_framework(self.ctx.store)
            return card_reply(to_dict(build_edit_card(latest, area, values, message=CHANGED_SINCE)))
        return card_reply(to_dict(build_saved_card(changed, area)))

    async def baseline(self, turn: Turn, name: str) -> None:
        self.must_be_admin(turn.actor, "open a skills baseline")
        store, now = self.ctx.store, self.ctx.now()
        if not name:
            await data.current_baseline(store, now)
            await turn.send_text(_baselines_text(await data.baselines(store)))
            return
        name = one_line(name)
        if len(name) > BASELINE_MOST or not _BASELINE_NAME.fullmatch(name):
            await turn.send_text(
                f"A baseline's name can have up to {BASELINE_MOST} letters, numbers and "
                "spaces, like Spring 2027. Nothing has changed."
            )
            return
        before = await data.baselines(store)
        if not await data.open_baseline(store, name, turn.actor.user_id, now):
            kept = next(r for r in before if r.key == data.baseline_key(name))
            await turn.send_text(
                f"There is already a baseline called {kept.data.get('name')}, opened on "
                f"{long_date(kept.at.date())}. Choose another name. Nothing has changed."
            )
            return
        compared = (
            f" {before[-1].data.get('name')} is now closed, so the skills reports show its "
            f"figures. {name}'s figures are shown once it closes too."
            if before
            else ""
        )
        await turn.send_text(
            f"The baseline {name} is now open. Every skills check sent from now on "
            f"belongs to it.{compared}"
        )


def _baselines_text(kept: list[Any]) -> str:
    listed = "; ".join(f"{r.data.get('name')}, opened on {long_date(r.at.date())}" for r in kept)
    return (
        f"Skills baselines: {listed}. Open now: {kept[-1].data.get('name')}. "
        "To open a new one, type skills baseline and its name, like skills baseline Spring 2027."
    )


def part(ctx: JourneyContext, check: Check) -> Part:
    admin = Admin(ctx, check)
    return Part(
        commands=(
            ChatCommand(
                "skills framework",
                admin.show_command,
                phrases=("skills framework", "competency framework", "digital skills framework"),
                help="Admins only. See and change the digital skills framework.",
                where="anywhere",
                menu_rank=3,
            ),
            ChatCommand(
                "skills baseline",
                admin.baseline,
                phrases=("skills baseline", "skills baselines"),
                prefixes=("skills baseline ",),
                help="Admins only. See the skills baselines, or open a new one.",
                example="skills baseline Spring 2027",
                where="anywhere",
                menu_rank=3,
            ),
        ),
        actions=(
            CardAction(SHOW, no_data, admin.show),
            CardAction(EDIT, parse_area, admin.edit),
            CardAction(SAVE, parse_save, admin.save, once_only=True),
        ),
    )
