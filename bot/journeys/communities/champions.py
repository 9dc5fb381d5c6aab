"""Communities, champions, the knowledge base's upkeep and recognition.

Who may do what:
- anyone: list the communities, volunteer, see their own status, pause and resume;
- a community's lead: register its channel, approve or decline its volunteers, add an
  Entra group as its champions (m365 mode), review its answers;
- an admin: all of that for every community, and name a community's lead.
Who is acting always comes from the validated Activity; card data only says which
community or volunteer a button is about.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import microsoft_teams.cards as ac

from bot.domain.champions import is_paused
from bot.domain.commands import normalise
from bot.domain.communities import Champion, ChampionStatus, Community
from bot.domain.text import long_date
from bot.errors import BadCardData, NotAllowed, UserFacingError
from bot.identity import channel_reference, chat_reference
from bot.invoke import NOT_OURS
from bot.journey import (
    Actor,
    CardAction,
    ChatCommand,
    JourneyContext,
    MenuButton,
    Part,
    Reply,
    Turn,
    card_reply,
    message_reply,
)
from bot.journeys.communities import champion_cards as cards
from bot.journeys.communities import knowledge, recognition
from bot.journeys.communities.ports import CommunityStore
from bot.journeys.communities.shared import Shared, text_values
from bot.mentions import entra_id as _entra_id
from bot.mentions import mentioned as _mentioned
from bot.telemetry.logs import person_ref
from cards.elements import card, heading, para, to_dict

logger = logging.getLogger(__name__)

MAX_ID = 200  # longer card data than this is not from a card of ours
PAUSE_MOST_DAYS = 366
_GROUP_ID = re.compile(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", re.IGNORECASE)


# ---- Finding a community by what someone typed ------------------------------------------


def _plain(text: str) -> str:
    words = re.sub(r"[^a-z0-9]+", " ", normalise(text)).split()
    if words and words[0] == "the":
        words = words[1:]
    if words and words[-1] in ("community", "communities"):
        words = words[:-1]
    return " ".join(words)


def match_community(communities: list[Community], typed: str) -> Community:
    """The community someone means: case, "the" and a unique part of the name forgiven."""
    wanted = _plain(typed)
    if not wanted:
        raise UserFacingError(f"Add the community's name. {_the_list(communities)}")
    exact = [c for c in communities if wanted in (_plain(c.name), _plain(c.id))]
    if exact:
        return exact[0]
    words = wanted.split()
    partial = [c for c in communities if all(w in _plain(c.name).split() for w in words)]
    if not partial:
        partial = [c for c in communities if wanted in _plain(c.name)]
    if len(partial) == 1:
        return partial[0]
    if partial:
        raise UserFacingError(
            f"More than one community matches. Did you mean {_or([c.name for c in partial])}?"
        )
    raise UserFacingError(
        f"I do not know a community called {typed.strip()!r}. {_the_list(communities)}"
    )


def _the_list(communities: list[Community]) -> str:
    if not communities:
        return "There are no communities yet."
    return f"The communities are {_and([c.name for c in communities])}."


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _or(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


# ---- What card data may say ---------------------------------------------------------------


@dataclass(frozen=True)
class NoData:
    pass


@dataclass(frozen=True)
class Form:
    """A card's inputs as typed: every value a string, nothing else."""

    values: Mapping[str, str]


@dataclass(frozen=True)
class Decision:
    community_id: str
    volunteer_id: str
    approve: bool


def parse_nothing(data: Mapping[str, Any]) -> NoData:
    return NoData()


def _text_fields(names: tuple[str, ...]) -> Any:
    def parse(data: Mapping[str, Any]) -> Form:
        return Form(text_values(data, names))

    return parse


def _decision(approve: bool) -> Any:
    def parse(data: Mapping[str, Any]) -> Decision:
        community, volunteer = data.get("community"), data.get("volunteer")
        for value in (community, volunteer):
            if not isinstance(value, str) or not value or len(value) > MAX_ID:
                raise BadCardData(NOT_OURS)
        return Decision(str(community), str(volunteer), approve)

    return parse


# ---- The part ------------------------------------------------------------------------------


class Champions:
    def __init__(self, ctx: JourneyContext, shared: Shared) -> None:
        self.ctx = ctx
        self.shared = shared

    async def store(self) -> CommunityStore:
        return await self.shared.store()

    async def remember_chat(self, turn: Turn) -> None:
        """Where to reach this person later: their own chat with the bot."""
        if turn.in_channel:
            return
        try:
            reference = chat_reference(turn.activity, self.ctx.reply_hosts)
        except UserFacingError:
            return
        await self.ctx.store.remember_personal_chat(turn.actor.user_id, reference)

    # -- Registering a channel and naming a lead

    async def register_channel(self, turn: Turn, typed: str) -> None:
        if turn.where != "channel":
            await turn.send_text(
                "Type register community and the community's name in the Teams channel "
                "you want that community to use. It does not work in a chat."
            )
            return
        store = await self.store()
        community = match_community(await store.communities(), typed)
        if not self.shared.may_lead(turn.actor, community):
            lead = (
                f"Its lead is {community.lead_name}."
                if community.lead_id
                else "It has no lead yet. An admin can name one."
            )
            await turn.send_text(
                f"Only the lead of {community.name} or an admin can register its channel. "
                f"Nothing has changed. {lead}"
            )
            return
        reference = channel_reference(turn.activity, self.ctx.reply_hosts)
        await self.ctx.store.register_channel(
            self.shared.channel_purpose(community.id), reference, turn.actor.user_id
        )
        await turn.send_text(
            f"This channel is now for {community.name}. "
            f"Questions for {community.name} will show up here."
        )

    async def name_lead(self, turn: Turn, typed: str) -> None:
        if not self.ctx.is_admin(turn.actor):
            raise NotAllowed(
                "Only a Digital Front Door admin can name a community's lead. Nothing has changed."
            )
        store = await self.store()
        community = match_community(await store.communities(), typed)
        people = _mentioned(turn)
        if len(people) != 1:
            raise UserFacingError(
                f"Type community lead {community.name} and then @mention the one person "
                "who should lead it."
            )
        lead_id = await _entra_id(turn, people[0])
        lead_name = " ".join((people[0].name or "").split()) or "Someone"
        if not lead_id:
            raise UserFacingError(
                "I could not tell who that is from the mention. Try again, choosing the "
                "person from the list Teams shows when you type @."
            )
        await store.save_community(
            dataclasses.replace(community, lead_id=lead_id, lead_name=lead_name)
        )
        await turn.send_text(
            f"{lead_name} is now the lead of {community.name}. They can register its channel, "
            "approve its champions and review its answers."
        )

    # -- Listing and volunteering

    async def list_communities(self, turn: Turn, _: str) -> None:
        await self.remember_chat(turn)
        store = await self.store()
        lines = []
        for community in await store.communities():
            channel = await self.ctx.store.channel(self.shared.channel_purpose(community.id))
            champions = await store.champions(community_id=community.id)
            approved = [c for c in champions if c.status is ChampionStatus.APPROVED]
            lines.append(cards.CommunityLine(community, channel is not None, len(approved)))
        await turn.send_card(to_dict(cards.communities_card(lines)))

    async def start_volunteering(self, turn: Turn, _: str) -> None:
        await self.remember_chat(turn)
        store = await self.store()
        await turn.send_card(to_dict(cards.volunteer_card(await store.communities())))

    async def open_volunteer(self, turn: Turn, _: NoData) -> Reply:
        await self.remember_chat(turn)
        store = await self.store()
        return card_reply(to_dict(cards.volunteer_card(await store.communities())))

    async def volunteer(self, turn: Turn, form: Form) -> Reply:
        store = await self.store()
        communities = await store.communities()
        chosen, errors, values = _check_volunteer(form.values, communities)
        if errors:
            return card_reply(to_dict(cards.volunteer_card(communities, values, errors)))
        await self.remember_chat(turn)
        actor, now = turn.actor, self.ctx.now()
        asked, already = [], []
        for community in chosen:
            existing = await store.champion(actor.user_id, community.id)
            if existing is not None and existing.status is not ChampionStatus.DECLINED:
                already.append(community.name)
                continue
            champion = Champion(
                user_id=actor.user_id,
                community_id=community.id,
                name=actor.name or "Someone",
                service_area=values[cards.SERVICE_AREA],
                can_help_with=values[cards.CAN_HELP_WITH],
                status=ChampionStatus.PENDING,
                volunteered_at=now,
            )
            await store.save_champion(champion)
            asked.append(community.name)
            self.ctx.in_background(self.ask_to_decide(champion, community))
        return card_reply(to_dict(cards.volunteered_card(asked, already)))

    async def ask_to_decide(self, champion: Champion, community: Community) -> None:
        """The lead decides; where a community has no lead, the admins do."""
        deciders = [community.lead_id] if community.lead_id else sorted(self.ctx.admin_ids)
        body = to_dict(cards.decision_card(champion, community))
        key = f"champion.decide:{community.id}:{champion.user_id}:{champion.volunteered_at}"
        for decider in deciders:
            try:
                await self.ctx.notifier.deliver(
                    decider, body, f"{key}:{decider}", via=self.shared.channel_purpose(community.id)
                )
            except Exception:
                logger.exception("Could not ask %s to decide on a champion", person_ref(decider))

    async def decide(self, turn: Turn, decision: Decision) -> Reply:
        store = await self.store()
        community = await store.community(decision.community_id)
        champion = await store.champion(decision.volunteer_id, decision.community_id)
        if community is None or champion is None:
            raise BadCardData(NOT_OURS)
        self.shared.must_lead(turn.actor, community, "decide who is a champion there")
        if champion.status is not ChampionStatus.PENDING:
            word = "approved" if champion.status is ChampionStatus.APPROVED else "declined"
            return message_reply(
                f"{champion.name} was already {word} for {community.name}. Nothing has changed."
            )
        status = ChampionStatus.APPROVED if decision.approve else ChampionStatus.DECLINED
        decided = dataclasses.replace(champion, status=status, decided_by=turn.actor.user_id)
        await store.save_champion(decided)
        self.ctx.in_background(self.tell_volunteer(decided, community))
        by = turn.actor.name or "The lead"
        return card_reply(to_dict(cards.decided_card(decided, community, by)))

    async def remove(self, turn: Turn, decision: Decision) -> Reply:
        """A lead ends an approved champion's role: no more questions go to them."""
        store = await self.store()
        community = await store.community(decision.community_id)
        champion = await store.champion(decision.volunteer_id, decision.community_id)
        if community is None or champion is None:
            raise BadCardData(NOT_OURS)
        self.shared.must_lead(turn.actor, community, "decide who is a champion there")
        if champion.status is ChampionStatus.APPROVED:
            ended = dataclasses.replace(
                champion, status=ChampionStatus.DECLINED, decided_by=turn.actor.user_id
            )
            await store.save_champion(ended)
            self.ctx.in_background(self.tell_removed(ended, community))
        everyone = await store.champions(community_id=community.id)
        return card_reply(to_dict(cards.champions_card(community, everyone, self.ctx.now().date())))

    async def tell_removed(self, champion: Champion, community: Community) -> None:
        await self._tell(
            champion,
            community,
            "removed",
            f"You are no longer a champion for {community.name}",
            "Thank you for your help. The community lead has ended your role, so we will "
            "not send you questions for this community. You can volunteer again later.",
        )

    async def tell_volunteer(self, champion: Champion, community: Community) -> None:
        if champion.status is ChampionStatus.APPROVED:
            title = f"You are now a champion for {community.name}"
            words = (
                "Thank you. We will send you questions from other staff that you may know "
                "the answer to. Type pause if you are away or busy."
            )
        else:
            title = f"About your offer to help {community.name}"
            words = (
                "Thank you for offering. The lead has said no this time. You can still ask "
                "questions, and you can volunteer again later."
            )
        await self._tell(champion, community, "decided", title, words)

    async def _tell(
        self, champion: Champion, community: Community, what: str, title: str, words: str
    ) -> None:
        """A short card to the champion about their role, once for each change."""
        body = to_dict(card([heading(title), para(words)], fallback=title))
        key = f"champion.{what}:{community.id}:{champion.user_id}:{champion.volunteered_at}"
        try:
            await self.ctx.notifier.deliver(
                champion.user_id, body, key, via=self.shared.channel_purpose(community.id)
            )
        except Exception:
            logger.exception(
                "Could not tell %s about their role (%s)", person_ref(champion.user_id), what
            )

    async def lead_view(self, turn: Turn, typed: str) -> None:
        await self.remember_chat(turn)
        store = await self.store()
        communities = await store.communities()
        if typed.strip():
            targets = [match_community(communities, typed)]
        else:
            targets = [c for c in communities if c.lead_id and c.lead_id == turn.actor.user_id]
            if not targets and self.ctx.is_admin(turn.actor):
                targets = [
                    c
                    for c in communities
                    if any(
                        x.status is ChampionStatus.PENDING
                        for x in await store.champions(community_id=c.id)
                    )
                ]
                if not targets:
                    await turn.send_text(
                        "Nobody is waiting for a decision. Type champions and a community's "
                        "name to see its champions."
                    )
                    return
        for community in targets:
            self.shared.must_lead(
                turn.actor,
                community,
                "see its champions list",
                "Type communities to see every community.",
            )
        if not targets:
            raise NotAllowed(
                "You do not lead a community, so there is no champions list for you. "
                "Type champion to see your own status."
            )
        today = self.ctx.now().date()
        for community in targets:
            champions = await store.champions(community_id=community.id)
            await turn.send_card(to_dict(cards.champions_card(community, champions, today)))

    # -- My status, pausing and resuming

    async def mine(self, user_id: str) -> list[tuple[Champion, Community]]:
        store = await self.store()
        found = []
        for champion in await store.champions(user_id=user_id):
            community = await store.community(champion.community_id)
            if community is not None:
                found.append((champion, community))
        return sorted(found, key=lambda pair: pair[1].name)

    async def status(self, turn: Turn, _: str) -> None:
        await self.remember_chat(turn)
        mine = await self.mine(turn.actor.user_id)
        await turn.send_card(to_dict(cards.status_card(mine, self.ctx.now().date())))

    async def start_pause(self, turn: Turn, _: str) -> None:
        await self.remember_chat(turn)
        if not await self.mine(turn.actor.user_id):
            await turn.send_text(
                "You are not a champion, so there is nothing to pause. "
                "Type volunteer to offer your help."
            )
            return
        await turn.send_card(to_dict(await self.pause_card(turn.actor.user_id)))

    async def open_pause(self, turn: Turn, _: NoData) -> Reply:
        return card_reply(to_dict(await self.pause_card(turn.actor.user_id)))

    async def pause_card(self, user_id: str) -> ac.AdaptiveCard:
        """The pause form, saying first if they are paused already, and until when."""
        today = self.ctx.now().date()
        paused = [c for c, _ in await self.mine(user_id) if is_paused(c, today)]
        if not paused:
            return cards.pause_card()
        ends = [c.paused_until for c in paused]
        if any(end is None for end in ends):
            now = "You are paused now, until you type resume questions."
        else:
            last = max(end for end in ends if end is not None)
            now = f"You are paused now, until the end of {long_date(last)}."
        return cards.pause_card(paused_now=now)

    async def pause(self, turn: Turn, form: Form) -> Reply:
        today = self.ctx.now().date()
        until, errors = _check_pause(form.values, today)
        if errors:
            return card_reply(to_dict(cards.pause_card(form.values, errors)))
        mine = await self.mine(turn.actor.user_id)
        if not mine:
            return message_reply("You are not a champion, so there is nothing to pause.")
        store = await self.store()
        reason = form.values[cards.REASON]
        for champion, _ in mine:
            await store.save_champion(
                dataclasses.replace(champion, paused=True, paused_until=until, pause_reason=reason)
            )
        if until is None:
            note = (
                "You are paused until you type resume questions. We will send you no new questions."
            )
        else:
            note = (
                f"You are paused until the end of {long_date(until)}. "
                "We will send you no new questions until then."
            )
        mine = await self.mine(turn.actor.user_id)
        return card_reply(to_dict(cards.status_card(mine, today, note)))

    async def resume_now(self, actor: Actor) -> tuple[list[tuple[Champion, Community]], str]:
        store = await self.store()
        mine = await self.mine(actor.user_id)
        for champion, _ in mine:
            await store.save_champion(
                dataclasses.replace(champion, paused=False, paused_until=None, pause_reason="")
            )
        if any(champion.unreachable for champion, _ in mine):
            await store.mark_unreachable(actor.user_id, False)
        if not mine:
            return [], "You are not a champion, so there is nothing to resume."
        return await self.mine(actor.user_id), "Welcome back. You will get new questions again."

    async def resume(self, turn: Turn, _: str) -> None:
        await self.remember_chat(turn)
        mine, note = await self.resume_now(turn.actor)
        if not mine:
            await turn.send_text(note + " Type volunteer to offer your help.")
            return
        await turn.send_card(to_dict(cards.status_card(mine, self.ctx.now().date(), note)))

    async def resume_button(self, turn: Turn, _: NoData) -> Reply:
        mine, note = await self.resume_now(turn.actor)
        if not mine:
            return message_reply(note)
        return card_reply(to_dict(cards.status_card(mine, self.ctx.now().date(), note)))

    # -- Adding an Entra group (m365 mode)

    async def add_group(self, turn: Turn, typed: str) -> None:
        group_id, _, rest = typed.strip().partition(" ")
        rest = re.sub(r"^(to|for)\s+", "", rest.strip(), flags=re.IGNORECASE)
        if not _GROUP_ID.fullmatch(group_id):
            raise UserFacingError(
                "Type add champions group, then the Entra group's id (it looks like "
                "0a1b2c3d-0000-0000-0000-000000000000), then the community's name."
            )
        store = await self.store()
        communities = await store.communities()
        if rest:
            community = match_community(communities, rest)
        else:
            led = [c for c in communities if c.lead_id and c.lead_id == turn.actor.user_id]
            if len(led) != 1:
                example = communities[0].name if communities else "Power Platform"
                raise UserFacingError(
                    "Add the community's name after the group id, for example: "
                    f"add champions group {group_id} {example}"
                )
            community = led[0]
        self.shared.must_lead(turn.actor, community, "add champions to it")
        members = await _group_members(self.ctx, group_id)
        if members is None:
            await turn.send_text(
                "Adding a whole Entra group needs Microsoft Graph, so it only works when the "
                "bot runs in m365 mode. Nothing has changed. Ask people to type volunteer "
                "instead."
            )
            return
        if not members:
            await turn.send_text(
                "I could not find anyone in that group. Check the group's id, or try again "
                "in a few minutes. Nothing has changed."
            )
            return
        added = 0
        now = self.ctx.now()
        for user_id, name in sorted(members.items()):
            existing = await store.champion(user_id, community.id)
            if existing is not None and existing.status is ChampionStatus.APPROVED:
                continue
            await store.save_champion(
                Champion(
                    user_id=user_id,
                    community_id=community.id,
                    name=name or (existing.name if existing else "") or "A member of staff",
                    service_area=existing.service_area if existing else "",
                    can_help_with=existing.can_help_with if existing else "",
                    status=ChampionStatus.APPROVED,
                    volunteered_at=existing.volunteered_at if existing else now,
                    decided_by=turn.actor.user_id,
                    from_group=group_id,
                )
            )
            added += 1
        people = "person" if added == 1 else "people"
        await turn.send_text(
            f"I added {added} {people} from that group as champions for {community.name}. "
            f"{len(members) - added} were champions there already."
        )


async def _group_members(ctx: JourneyContext, group_id: str) -> dict[str, str] | None:
    """The group's users (id -> name), read through Graph; None when there is no Graph
    (local mode). The same Graph connection the store and the triage roster use."""
    graph = getattr(ctx.store, "graph", None)
    if graph is None:
        return None
    from graph_clients.roster import GroupRoster

    roster = GroupRoster(graph.client, group_id, graph.policy)
    ids = await roster.members()
    names = await roster.names()
    return {user_id: names.get(user_id, "") for user_id in ids}


def _check_volunteer(
    given: Mapping[str, str], communities: list[Community]
) -> tuple[list[Community], dict[str, str], dict[str, str]]:
    """The communities chosen, the errors by field, and the values to show again."""
    by_id = {c.id: c for c in communities}
    picked = [v.strip() for v in given.get(cards.COMMUNITIES, "").split(",") if v.strip()]
    area = " ".join(given.get(cards.SERVICE_AREA, "").split())
    helps = " ".join(given.get(cards.CAN_HELP_WITH, "").split())
    values = {
        cards.COMMUNITIES: ",".join(p for p in picked if p in by_id),
        cards.SERVICE_AREA: area,
        cards.CAN_HELP_WITH: helps,
    }
    errors: dict[str, str] = {}
    if not picked or any(p not in by_id for p in picked):
        errors[cards.COMMUNITIES] = cards.MISSING[cards.COMMUNITIES]
    if not area:
        errors[cards.SERVICE_AREA] = cards.MISSING[cards.SERVICE_AREA]
    elif len(area) > cards.SERVICE_AREA_MAX:
        errors[cards.SERVICE_AREA] = (
            f"Service area must be {cards.SERVICE_AREA_MAX} characters or fewer"
        )
    if not helps:
        errors[cards.CAN_HELP_WITH] = cards.MISSING[cards.CAN_HELP_WITH]
    elif len(helps) > cards.CAN_HELP_MAX:
        errors[cards.CAN_HELP_WITH] = (
            f"What you can help with must be {cards.CAN_HELP_MAX} characters or fewer"
        )
    chosen = [by_id[p] for p in dict.fromkeys(picked) if p in by_id]
    return chosen, errors, values


def _check_pause(given: Mapping[str, str], today: dt.date) -> tuple[dt.date | None, dict[str, str]]:
    errors: dict[str, str] = {}
    if given.get(cards.REASON, "") not in {value for value, _ in cards.REASONS}:
        errors[cards.REASON] = cards.MISSING[cards.REASON]
    typed = given.get(cards.UNTIL, "").strip()
    until: dt.date | None = None
    if typed:
        try:
            until = dt.date.fromisoformat(typed)
        except ValueError:
            errors[cards.UNTIL] = "The last day must be a real date, for example 31 January"
        else:
            if until < today:
                errors[cards.UNTIL] = "The last day must be today or later"
            elif until > today + dt.timedelta(days=PAUSE_MOST_DAYS):
                errors[cards.UNTIL] = "The last day must be within a year from today"
    return until, errors


def part(ctx: JourneyContext, shared: Shared) -> Part:
    journey = Champions(ctx, shared)
    upkeep = knowledge.Upkeep(ctx, shared)
    points = recognition.Recognition(ctx, shared)
    commands = (
        ChatCommand(
            "register community",
            journey.register_channel,
            phrases=("register community",),
            prefixes=("register community ",),
            help="Leads and admins. Make this channel a community's channel.",
            example="register community <name>",
            where="channel",
        ),
        ChatCommand(
            "community lead",
            journey.name_lead,
            menu_rank=3,
            prefixes=("community lead ",),
            help="Admins only. Choose who leads a community.",
            example="community lead <name> @person",
            where="anywhere",
        ),
        ChatCommand(
            "communities",
            journey.list_communities,
            phrases=("communities", "list communities", "show communities"),
            help="See the communities of practice and who leads them.",
            where="anywhere",
        ),
        ChatCommand(
            "volunteer",
            journey.start_volunteering,
            phrases=("volunteer", "volunteer as a champion", "become a champion"),
            help="Offer to help other staff as a champion.",
        ),
        ChatCommand(
            "champion",
            journey.status,
            menu_rank=3,
            phrases=("champion", "my champion status", "champion status"),
            help="See where you help as a champion.",
        ),
        ChatCommand(
            "pause",
            journey.start_pause,
            menu_rank=3,
            phrases=("pause", "pause me", "pause questions"),
            audience="champions",
            help="Champions. Stop new questions for a while.",
        ),
        ChatCommand(
            "resume questions",
            journey.resume,
            menu_rank=3,
            # Not "resume" alone: that carries on a half-filled request form.
            phrases=("resume questions", "resume champion", "unpause", "unpause me", "i'm back"),
            audience="champions",
            help="Champions. Get new questions again after a pause.",
        ),
        ChatCommand(
            "champions",
            journey.lead_view,
            menu_rank=3,
            phrases=("champions",),
            prefixes=("champions ",),
            audience="champions",
            help="Leads. See who has volunteered and approve them.",
        ),
        ChatCommand(
            "add champions group",
            journey.add_group,
            menu_rank=3,
            phrases=("add champions group",),
            prefixes=("add champions group ",),
            audience="champions",
            help="Leads. Add everyone in an Entra group as champions (m365 mode).",
            example="add champions group <group id> <community>",
        ),
        *upkeep.commands(),
        *points.commands(),
    )
    actions: tuple[CardAction[Any], ...] = (
        CardAction(cards.OPEN_VOLUNTEER, parse_nothing, journey.open_volunteer),
        CardAction(
            cards.VOLUNTEER,
            _text_fields((cards.COMMUNITIES, cards.SERVICE_AREA, cards.CAN_HELP_WITH)),
            journey.volunteer,
            once_only=True,
        ),
        CardAction(cards.APPROVE, _decision(True), journey.decide, once_only=True),
        CardAction(cards.DECLINE, _decision(False), journey.decide, once_only=True),
        CardAction(cards.REMOVE, _decision(False), journey.remove, once_only=True),
        CardAction(cards.OPEN_PAUSE, parse_nothing, journey.open_pause),
        CardAction(
            cards.PAUSE, _text_fields((cards.REASON, cards.UNTIL)), journey.pause, once_only=True
        ),
        CardAction(cards.RESUME, parse_nothing, journey.resume_button, once_only=True),
        *upkeep.actions(),
    )
    return Part(
        commands=commands,
        actions=actions,
        menu=(MenuButton("Volunteer as a champion", cards.OPEN_VOLUNTEER),),
        loops=(upkeep.loop, points.loop),
    )
