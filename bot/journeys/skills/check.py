"""`skills check`: the self-assessment, one area a step, saved as a draft between steps,
then the person's result against their role family's target.

The form is made from the framework in use when each button is pressed, so an admin's
change reaches the next press. Card data is read against that form only then.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from bot import form_flow
from bot.domain.champions import pick
from bot.domain.forms import FormDefinition, FormView
from bot.errors import BadCardData
from bot.form_actions import FormButtons, FormPress, NoData, form_card, no_data, press_parser
from bot.invoke import NOT_OURS
from bot.journey import CardAction, ChatCommand, JourneyContext, Part, Reply, Turn, card_reply
from bot.journeys.communities.config import CommunityConfig
from bot.journeys.communities.shared import NAME as COMMUNITIES
from bot.journeys.communities.shared import Shared
from bot.journeys.skills import data
from bot.journeys.skills.check_form import COMMAND, KEY, SkillsAnswers, build_form
from bot.journeys.skills.framework import Framework, compare
from bot.journeys.skills.result_cards import Helpers, build_result_card
from bot.ports import Record
from cards.elements import to_dict
from cards.form_card import build_form_card

logger = logging.getLogger(__name__)

CHAMPIONS_SHOWN = 3

Handler = Callable[[Turn, FormPress], Awaitable[Reply]]
FrameworkForm = tuple[Framework, FormDefinition[SkillsAnswers]]


class Check:
    """The skills check's use cases, for one running bot."""

    def __init__(self, ctx: JourneyContext) -> None:
        self.ctx = ctx
        self._forms: dict[int, FormDefinition[SkillsAnswers]] = {}
        self._communities: Shared | None = None

    async def form(self) -> tuple[Framework, FormDefinition[SkillsAnswers]]:
        framework = await data.load_framework(self.ctx.store)
        if framework.version not in self._forms:
            self._forms[framework.version] = build_form(framework)
        return framework, self._forms[framework.version]

    async def start(self, turn: Turn, _: str) -> None:
        form = (await self.form())[1]
        view = await form_flow.start(form, self.ctx.store, turn.actor.user_id, self.ctx.now())
        await turn.send_card(to_dict(build_form_card(view)))

    async def submit(
        self,
        turn: Turn,
        press: FormPress,
        framework: Framework,
        form: FormDefinition[SkillsAnswers],
    ) -> Reply:
        store, owner, now = self.ctx.store, turn.actor.user_id, self.ctx.now()
        checked = await form_flow.check(
            form, store, owner, press.draft_id, press.step, press.answers, now
        )
        if isinstance(checked, FormView):
            return form_card(checked)
        answers = checked.result
        family = framework.family(answers.role_family)
        if family is None:  # the form only offers the framework's own families
            raise BadCardData(NOT_OURS)
        baseline = await data.current_baseline(store, now)
        kept = {
            "baseline": baseline,
            "role_family": answers.role_family,
            "directorate": answers.directorate,
            "service_area": answers.service_area,
            "levels": answers.levels,
            "framework_version": framework.version,
        }
        await store.add_record(Record(data.ASSESSMENT, press.draft_id, owner, now, kept))
        await store.delete_draft(owner, form.key)
        results = compare(framework, family, answers.levels)
        gaps = [result.area for result in results if result.gap]
        helpers = await self.helpers(
            framework, {area.community for area in gaps}, answers.service_area
        )
        card = build_result_card(
            family,
            results,
            baseline,
            {area.key: helpers.get(area.community, Helpers("")) for area in gaps},
        )
        return card_reply(to_dict(card))

    async def helpers(
        self, framework: Framework, community_ids: set[str], service_area: str
    ) -> dict[str, Helpers]:
        """Each community's name and a few of its champions, those from the person's own
        service area first. A community the communities journey does not know is left
        out; if its store cannot be read, the result says only how to ask."""
        if not community_ids:
            return {}
        try:
            store = await self._community_store().store()
            found = {}
            today = self.ctx.now().date()
            for community in await store.communities():
                if community.id not in community_ids:
                    continue
                chosen = pick(
                    await store.champions(community.id),
                    community.id,
                    service_area,
                    {},
                    today,
                    set(),
                    CHAMPIONS_SHOWN,
                )
                champions = tuple((c.name, c.service_area) for c in chosen)
                found[community.id] = Helpers(community.name, champions)
            return found
        except Exception:
            logger.exception("Could not read the communities for a skills result")
            return {}

    def _community_store(self) -> Shared:
        if self._communities is None:
            config = self.ctx.journey_settings.get(COMMUNITIES)
            self._communities = Shared(
                self.ctx, config if isinstance(config, CommunityConfig) else CommunityConfig()
            )
        return self._communities

    async def close(self) -> None:
        if self._communities is not None:
            await self._communities.close()


def _raw(data_: Mapping[str, Any]) -> dict[str, Any]:
    """Card data kept as sent: it is read against the form in use when the press is run."""
    return dict(data_)


def _actions(check: Check) -> tuple[CardAction[Any], ...]:
    """The form's buttons (as `bot.form_actions.form_actions` makes them), each run with
    the form made from the framework in use at the press."""
    ctx = check.ctx

    def pressed(
        choose: Callable[[FormButtons, FrameworkForm], Handler], any_version: bool = False
    ) -> Callable[[Turn, dict[str, Any]], Awaitable[Reply]]:
        async def run(turn: Turn, raw: dict[str, Any]) -> Reply:
            framework, form = await check.form()
            press = press_parser(form)(raw)
            buttons = FormButtons(form, ctx)
            handle = choose(buttons, (framework, form))
            return await buttons.guarded(handle, any_version=any_version)(turn, press)

        return run

    def plain(
        choose: Callable[[FormButtons], Callable[[Turn, NoData], Awaitable[Reply]]],
    ) -> Callable[[Turn, NoData], Awaitable[Reply]]:
        async def run(turn: Turn, nothing: NoData) -> Reply:
            form = (await check.form())[1]
            return await choose(FormButtons(form, ctx))(turn, nothing)

        return run

    def submit(buttons: FormButtons, current: FrameworkForm) -> Handler:
        framework, form = current

        async def send(turn: Turn, press: FormPress) -> Reply:
            return await check.submit(turn, press, framework, form)

        return send

    return (
        CardAction(f"{KEY}.new", no_data, plain(lambda b: b.start)),
        CardAction(f"{KEY}.continue", no_data, plain(lambda b: b.resume)),
        CardAction(f"{KEY}.help", no_data, plain(lambda b: b.help)),
        CardAction(f"{KEY}.next", _raw, pressed(lambda b, _: b.next), once_only=True),
        CardAction(f"{KEY}.back", _raw, pressed(lambda b, _: b.back), once_only=True),
        CardAction(f"{KEY}.edit", _raw, pressed(lambda b, _: b.edit), once_only=True),
        CardAction(f"{KEY}.save", _raw, pressed(lambda b, _: b.save), once_only=True),
        CardAction(
            f"{KEY}.discard",
            _raw,
            pressed(lambda b, _: b.discard, any_version=True),
            once_only=True,
        ),
        CardAction(f"{KEY}.submit", _raw, pressed(submit), once_only=True),
    )


def part(ctx: JourneyContext, check: Check) -> Part:
    return Part(
        commands=(
            ChatCommand(
                COMMAND,
                check.start,
                phrases=(COMMAND, "check my skills", "digital skills"),
                help="Check your digital skills against your role's target, in about five minutes.",
                menu_hint="Check your digital skills",
            ),
        ),
        actions=_actions(check),
    )
