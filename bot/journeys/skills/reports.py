"""Skills reports for managers and HR (Priority 1: learning needs analysis), and the
senior leaders' view (Priority 3: senior leader digital skills).

`skills report` shows, for everyone or for a directorate, a service area or a role family
(typed, or picked on the card), the share of people at or above their role family's target
in each area, and the change since the previous baseline. `skills report senior leaders`
shows the same for the senior leader role family. Each person counts once in a baseline,
with their latest skills check in it.

Admins and the people named in SKILLS_REPORT_IDS may ask, in a 1:1 chat with the bot.
bot/domain/anonymity.py decides which groups may be shown, once for each baseline, so that
nobody can be picked out by adding and taking away reports; the people who may see reports
do not count towards the smallest group.

Only closed baselines are shown: a baseline closes when an admin opens the next one, and
its figures never change after that. The open baseline's figures (and how many have taken
the check in it) are never shown: else comparing a report before and after someone takes
the check would show their answers. A check counts in its baseline only if it was sent
before the next baseline opened. Service areas are typed by people, so they are grouped
whatever their capitals and spaces, under their most common spelling.

The printable report's link holds an unguessable token, kept as a record with who asked.
It works for LINK_HOURS, and only while that person may still see skills reports. The page
cannot check who opens it: the card says not to forward the link.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from aiohttp import web

from bot.domain.anonymity import DEFAULT_MIN_GROUP, Disclosure, Group, Row, disclose
from bot.domain.commands import without_mentions
from bot.errors import BadCardData, NotAllowed, UserFacingError
from bot.journey import (
    Actor,
    CardAction,
    ChatCommand,
    HttpRoute,
    JourneyContext,
    Part,
    Reply,
    Turn,
    card_reply,
)
from bot.journeys.boards.roadmap import PACK_HEADERS
from bot.journeys.skills import data
from bot.journeys.skills.framework import Framework
from bot.ports import Record
from bot.privacy import ERASED_TEXT
from bot.privacy_records import Erasures

NAME = "skills"
SENIOR_LEADER = "senior_leader"  # the framework's key for the senior leader role family
LINK_KIND = "skills_report_link"  # a record per printable report's link, keyed by token
LINK_HOURS = 24
REPORT_PATH = "/skills/reports/{token}"
REPORT_VERB = "skills_report"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")  # secrets.token_urlsafe(24)
FILTERS = ("directorate", "service_area", "role_family")
FILTER_WORDS = {
    "directorate": "directorate",
    "service_area": "service area",
    "role_family": "role family",
}
_MOST = 100  # characters in a filter's value
EVERYONE = "(everyone)"  # the card's choice for no filter: a choice's value cannot be empty

WHO_MAY = (
    "Only managers and HR staff named by the Digital Front Door admins can see skills "
    "reports. To see your own result, type skills check."
)


# ---- Settings -------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportSettings:
    min_group: int = DEFAULT_MIN_GROUP  # SKILLS_MIN_GROUP
    report_ids: frozenset[str] = frozenset()  # SKILLS_REPORT_IDS: managers and HR


_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_PLAYGROUND_ID = re.compile(r"^00000000-0000-0000-0000-\d{13}$")


def load_settings(env: Mapping[str, str], problems: list[str]) -> ReportSettings:
    """SKILLS_MIN_GROUP (2 to 1000, default 5) and SKILLS_REPORT_IDS (Entra object ids)."""
    raw = env.get("SKILLS_MIN_GROUP", "").strip()
    min_group = DEFAULT_MIN_GROUP
    if raw:
        if raw.isascii() and raw.isdigit() and 2 <= int(raw) <= 1000:
            min_group = int(raw)
        else:
            problems.append(
                "SKILLS_MIN_GROUP must be a whole number of people from 2 to 1000. "
                f"It is '{raw[:60]}'."
            )
    ids = frozenset(
        p.strip() for p in re.split(r"[,;\s]+", env.get("SKILLS_REPORT_IDS", "")) if p.strip()
    )
    bad = sorted(i[:60] for i in ids if not _GUID.match(i) and not _PLAYGROUND_ID.match(i))
    if bad:
        problems.append(
            "SKILLS_REPORT_IDS must list Entra object ids (GUIDs), separated by commas. "
            f"These are not: {', '.join(bad[:5])}."
        )
        ids = frozenset()
    return ReportSettings(min_group, ids)


def settings_of(ctx: JourneyContext) -> ReportSettings:
    """This module's settings, whether the skills journey's settings are these or hold them."""
    found = ctx.journey_settings.get(NAME)
    if isinstance(found, ReportSettings):
        return found
    held = getattr(found, "reports", None)
    return held if isinstance(held, ReportSettings) else ReportSettings()


# ---- The figures (pure) ---------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    directorate: str = ""
    service_area: str = ""
    role_family: str = ""

    def group(self) -> Group:
        return Group(self.directorate, self.service_area, self.role_family)


@dataclass(frozen=True)
class Baseline:
    """One baseline's people: each person's latest skills check in it, and what they
    belong to (with each service area's usual spelling)."""

    name: str
    checks: tuple[Record, ...]
    rows: tuple[Row, ...]
    disclosure: Disclosure


@dataclass(frozen=True)
class AreaFigure:
    key: str
    name: str
    shares: tuple[int | None, ...]  # % at or above target in each baseline; None: not shown

    @property
    def now(self) -> int | None:
        return self.shares[-1] if self.shares else None

    @property
    def change(self) -> int | None:
        """Percentage points since the previous baseline, when both are shown."""
        if len(self.shares) < 2 or self.shares[-1] is None or self.shares[-2] is None:
            return None
        return self.shares[-1] - self.shares[-2]


@dataclass(frozen=True)
class SkillsReport:
    scope: str  # the group in words: "Everyone", "Place directorate, managers"
    filters: Filters
    senior: bool
    baselines: tuple[str, ...]  # oldest first; the last is the one reported on
    people: tuple[int | None, ...]  # people in the group in each baseline; None: not shown
    areas: tuple[AreaFigure, ...]
    min_group: int
    framework_version: int
    open_baseline: str = ""  # the baseline open now: its figures are not shown

    @property
    def shown(self) -> bool:
        return bool(self.people) and self.people[-1] is not None


def _fold(text: str) -> str:
    return " ".join(text.replace("_", " ").split()).casefold()


Spellings = dict[str, dict[str, str]]  # dimension -> folded value -> the usual spelling


def spellings(checks: Sequence[Record]) -> Spellings:
    """For directorates and service areas: each value, whatever its capitals and spaces,
    to its most common spelling (the first in alphabetical order if two are as common)."""
    found: Spellings = {}
    for dimension in ("directorate", "service_area"):
        counts: dict[str, dict[str, int]] = {}
        for record in checks:
            value = _typed(record.data.get(dimension, ""))
            if value:
                seen = counts.setdefault(_fold(value), {})
                seen[value] = seen.get(value, 0) + 1
        found[dimension] = {
            folded: min(seen, key=lambda v: (-seen[v], v)) for folded, seen in counts.items()
        }
    return found


def _typed(value: object) -> str:
    """A directorate or service area as typed, spaces tidied; one removed by an erasure
    (bot/privacy.py ERASED_TEXT) is no answer, never a group of its own."""
    text = " ".join(str(value).split())
    return "" if text == ERASED_TEXT else text


def _row(record: Record, spelt: Spellings) -> Row:
    d = record.data

    def usual(dimension: str) -> str:
        value = _typed(d.get(dimension, ""))
        return spelt.get(dimension, {}).get(_fold(value), value)

    return Row(
        record.owner_id, usual("directorate"), usual("service_area"), str(d.get("role_family", ""))
    )


def by_baseline(
    checks: Sequence[Record],
    names: Sequence[str],
    min_group: int,
    viewers: frozenset[str] = frozenset(),
) -> list[Baseline]:
    """Each baseline, oldest first, with each person's latest check in it and what may be
    shown of it. `viewers` may see reports: they do not count towards the smallest group."""
    latest: dict[str, dict[str, Record]] = {name: {} for name in names}
    for record in checks:  # oldest first: a later check replaces an earlier one
        baseline = str(record.data.get("baseline", ""))
        if baseline in latest:
            latest[baseline][record.owner_id] = record
    spelt = spellings([r for kept in latest.values() for r in kept.values()])
    found = []
    for name in names:
        kept = tuple(latest[name].values())
        rows = tuple(_row(r, spelt) for r in kept)
        found.append(Baseline(name, kept, rows, disclose(rows, min_group, viewers)))
    return found


def _at_target(framework: Framework, record: Record, area: str) -> bool:
    levels = record.data.get("levels")
    level = levels.get(area) if isinstance(levels, dict) else None
    family = framework.family(str(record.data.get("role_family", "")))
    target = family.targets.get(area, 1) if family else 1
    return isinstance(level, int) and not isinstance(level, bool) and level >= target


def build_report(
    framework: Framework,
    baselines: Sequence[Baseline],
    filters: Filters,
    scope: str,
    senior: bool,
    min_group: int,
    open_baseline: str = "",
) -> SkillsReport:
    """The share at or above target in each area, in each baseline where the group may be
    shown. Every share is of the same number of people: the group's."""
    group = filters.group()
    people: list[int | None] = []
    counts: list[dict[str, int] | None] = []
    for baseline in baselines:
        if not baseline.disclosure.may_show(group):
            people.append(None)
            counts.append(None)
            continue
        mine = [
            r for r, row in zip(baseline.checks, baseline.rows, strict=True) if group.matches(row)
        ]
        people.append(len(mine))
        counts.append(
            {a.key: sum(_at_target(framework, r, a.key) for r in mine) for a in framework.areas}
        )
    areas = tuple(
        AreaFigure(
            area.key,
            area.name,
            tuple(
                None if c is None or not n else round(100 * c[area.key] / n)
                for c, n in zip(counts, people, strict=True)
            ),
        )
        for area in framework.areas
    )
    return SkillsReport(
        scope,
        filters,
        senior,
        tuple(b.name for b in baselines),
        tuple(people),
        areas,
        min_group,
        framework.version,
        open_baseline,
    )


# ---- What people typed or picked -------------------------------------------------------


@dataclass(frozen=True)
class Known:
    """The values a filter can take: only those of groups a report may show."""

    directorates: tuple[str, ...]
    service_areas: tuple[str, ...]
    families: tuple[tuple[str, str], ...]  # (key, name)
    names: tuple[tuple[str, str], ...] = ()  # every role family's (key, name), for words

    def values(self, dimension: str) -> tuple[str, ...]:
        if dimension == "role_family":
            return tuple(key for key, _ in self.families)
        return self.directorates if dimension == "directorate" else self.service_areas

    def family_name(self, key: str) -> str:
        return next((name for k, name in (*self.families, *self.names) if k == key), key)


def known_values(framework: Framework, baselines: Sequence[Baseline]) -> Known:
    """Each filter's values in the groups that may be shown in any of the baselines: never
    a value that only a hidden group has."""
    shown = [g for b in baselines for g in b.disclosure.shown]

    def values(field: str) -> tuple[str, ...]:
        found = {g.value(field) for g in shown}
        return tuple(sorted((v for v in found if v), key=lambda v: (v.casefold(), v)))

    used = set(values("role_family"))
    every = tuple((f.key, f.name) for f in framework.role_families)
    families = tuple((key, name) for key, name in every if key in used)
    return Known(values("directorate"), values("service_area"), families, every)


def _match(piece: str, known: Known) -> tuple[str, str] | None:
    """(dimension, value) for one typed piece, matched whole, case and spaces aside."""
    said = _fold(piece)
    for key, name in known.families:
        if said in (_fold(key), _fold(name), _fold(name) + "s", _fold(key) + "s"):
            return "role_family", key
    for dimension in ("directorate", "service_area"):
        for value in known.values(dimension):
            if said == _fold(value):
                return dimension, value
    return None


def read_filters(typed: str, known: Known) -> Filters:
    """Filters from what was typed after "skills report": names separated by commas or
    "and", such as "Place, managers". UserFacingError when a name is not known."""
    pieces = [p for p in re.split(r",|;|\band\b", typed) if p.strip()]
    chosen: dict[str, str] = {}
    for piece in pieces:
        found = _match(piece, known)
        if found is None:
            raise UserFacingError(
                f"I could not find '{' '.join(piece.split())[:_MOST]}' as a directorate, "
                "service area or role family that the report can show. Type skills report "
                "on its own to choose from a list."
            )
        dimension, value = found
        if dimension in chosen and chosen[dimension] != value:
            raise UserFacingError(
                f"Choose one {FILTER_WORDS[dimension]} at most. Type skills report on its "
                "own to choose from a list."
            )
        chosen[dimension] = value
    return Filters(**chosen)


def parse_card_filters(given: Mapping[str, Any]) -> Filters:
    """The card's choices: each a short text ("" for everyone), or BadCardData."""
    chosen = {}
    for name in FILTERS:
        value = given.get(name, "")
        if value is None:
            value = ""
        if not isinstance(value, str) or len(value) > _MOST:
            raise BadCardData("That card sent something I cannot use. Type skills report.")
        chosen[name] = "" if value == EVERYONE else value.strip()
    return Filters(**chosen)


def check_known(filters: Filters, known: Known, senior: bool) -> Filters:
    """The filters, if every value is one the skills checks use; else a plain answer."""
    for dimension in FILTERS:
        value = getattr(filters, dimension)
        if value and value not in known.values(dimension):
            raise UserFacingError(
                f"There is no {FILTER_WORDS[dimension]} called '{value[:_MOST]}' that the "
                "report can show. Choose one from the list on the card."
            )
    if senior and filters.role_family not in ("", SENIOR_LEADER):
        raise UserFacingError("The senior leaders' view shows senior leaders only.")
    return Filters(filters.directorate, filters.service_area, SENIOR_LEADER) if senior else filters


def scope_words(filters: Filters, known: Known) -> str:
    parts = []
    if filters.directorate:
        parts.append(f"{filters.directorate} directorate")
    if filters.service_area:
        parts.append(f"{filters.service_area} service area")
    if filters.role_family:
        parts.append(f"role family {known.family_name(filters.role_family)}")
    return ", ".join(parts) if parts else "Everyone who took the skills check"


# ---- The use case -----------------------------------------------------------------------


@dataclass(frozen=True)
class Made:
    report: SkillsReport
    known: Known
    link: str


class Reports:
    def __init__(self, ctx: JourneyContext, public_url: str) -> None:
        self.ctx = ctx
        self.settings = settings_of(ctx)
        self.public_url = public_url.rstrip("/")
        self._links: dict[str, Record] = {}  # links already read, by token
        self._after = 0  # the last link record read
        self._erasures = Erasures(ctx.store)  # an erase, on any instance, drops them

    def may_see(self, user_id: str) -> bool:
        return bool(user_id) and (
            user_id in self.ctx.admin_ids or user_id in self.settings.report_ids
        )

    def check_allowed(self, actor: Actor) -> None:
        if not (self.ctx.is_admin(actor) or self.may_see(actor.aad_object_id)):
            raise NotAllowed(WHO_MAY)

    def viewers(self) -> frozenset[str]:
        """Everyone who may see skills reports: they never count towards a group's size."""
        return frozenset(self.ctx.admin_ids) | self.settings.report_ids

    async def figures(
        self, filters: Filters | None, typed: str, senior: bool, before: dt.datetime | None = None
    ) -> tuple[SkillsReport, Known]:
        """The report on the closed baselines (as they were at `before`, if given)."""
        store = self.ctx.store
        framework = await data.load_framework(store)
        opened = [r for r in await data.baselines(store) if before is None or r.at <= before]
        # A baseline closes when the next one opens: only checks sent before then count.
        closes = {str(b.data.get("name", "")): after.at for b, after in itertools.pairwise(opened)}
        checks = [
            r
            for r in await data.assessments(store)
            if (until := closes.get(str(r.data.get("baseline", "")))) is not None and r.at < until
        ]
        names = list(closes)
        still_open = str(opened[-1].data.get("name", "")) if opened else ""
        k = self.settings.min_group
        viewers = self.viewers()

        def work() -> tuple[list[Baseline], Known]:  # CPU work: off the event loop
            baselines = by_baseline(checks, names, k, viewers)
            return baselines, known_values(framework, baselines)

        baselines, known = await asyncio.to_thread(work)
        if not baselines:  # nothing closed yet: nothing to show, whatever was asked
            chosen = Filters(role_family=SENIOR_LEADER) if senior else Filters()
            scope = scope_words(chosen, known)
            return build_report(framework, [], chosen, scope, senior, k, still_open), known
        chosen = check_known(filters or read_filters(typed, known), known, senior)
        scope = scope_words(chosen, known)
        report = build_report(framework, baselines, chosen, scope, senior, k, still_open)
        return report, known

    async def make(self, actor: Actor, filters: Filters | None, typed: str, senior: bool) -> Made:
        self.check_allowed(actor)
        report, known = await self.figures(filters, typed, senior)
        token = secrets.token_urlsafe(24)
        now = self.ctx.now()
        kept = {**asdict(report.filters), "senior": senior}
        await self.ctx.store.add_record(Record(LINK_KIND, token, actor.aad_object_id, now, kept))
        return Made(report, known, self.public_url + REPORT_PATH.format(token=token))

    def forget(self, _changed: object = None) -> None:
        """Drop the links read so far (after an erase or a retention pass): the next
        read takes them afresh from the store, without those deleted."""
        self._links.clear()
        self._after = 0

    async def link(self, token: str) -> Record | None:
        """The link record a token names, reading only records not read before."""
        if await self._erasures.since_last_asked():
            self.forget()
        if token not in self._links:
            while page := await self.ctx.store.records(LINK_KIND, self._after, 500):
                for record in page:
                    self._links[record.key] = record
                self._after = page[-1].seq
        return self._links.get(token)

    async def usable(self, token: str) -> Record | None:
        """A link that works now: made less than LINK_HOURS ago, for someone who may
        still see skills reports."""
        if not _TOKEN.fullmatch(token):
            return None
        record = await self.link(token)
        if record is None or self.ctx.now() >= record.at + dt.timedelta(hours=LINK_HOURS):
            return None
        return record if self.may_see(record.owner_id) else None


def link_filters(record: Record) -> tuple[Filters, bool]:
    kept = record.data
    filters = Filters(*(str(kept.get(name, "")) for name in FILTERS))
    return filters, bool(kept.get("senior"))


# ---- How people reach it -------------------------------------------------------------------


def _read_command(said: str) -> str | None:
    """What follows "skills report" ("" for nothing), but not the senior leaders' view."""
    for phrase in ("skills report", "skills reports"):
        if said == phrase:
            return ""
        if said.startswith(phrase + " ") and not _senior_asked(said):
            return said[len(phrase) + 1 :].strip()
    return None


_TYPED = re.compile(r"^\s*skills\s+reports?\b", re.IGNORECASE)
_SENIOR = ("skills report senior leaders", "senior leaders skills report", "senior leader skills")


def _senior_asked(said: str) -> bool:
    return said in _SENIOR


def part(ctx: JourneyContext, public_url: str = "") -> Part:
    """The reports' commands, button and page, for the skills journey to join."""
    from bot.journeys.skills import report_cards, report_pack
    from bot.journeys.skills.personal_data import skills_data

    url = public_url or _public_url(ctx)
    reports = Reports(ctx, url)

    async def answer(
        turn: Turn, filters: Filters | None, typed: str, senior: bool
    ) -> dict[str, Any]:
        made = await reports.make(turn.actor, filters, typed, senior)
        return report_cards.report_card(made.report, made.known, made.link, LINK_HOURS)

    async def command(turn: Turn, _: str) -> None:
        # The names as typed, for a plain answer that repeats them as the person wrote them.
        typed = _TYPED.sub("", without_mentions(turn.activity.text or ""), count=1)
        await turn.send_card(await answer(turn, None, typed.strip(" .!?"), False))

    async def senior(turn: Turn, _: str) -> None:
        await turn.send_card(await answer(turn, None, "", True))

    async def button(turn: Turn, pressed: tuple[Filters, bool]) -> Reply:
        filters, senior_view = pressed
        return card_reply(await answer(turn, filters, "", senior_view))

    async def page(request: web.Request) -> web.StreamResponse:
        token = request.match_info.get("token", "")
        record = await reports.usable(token)
        if record is None:
            return web.Response(
                text=report_pack.NOT_FOUND_PAGE,
                status=404,
                content_type="text/html",
                charset="utf-8",
                headers=PACK_HEADERS,
            )
        filters, senior_view = link_filters(record)
        report, _ = await reports.figures(filters, "", senior_view, before=record.at)
        body = await report_pack.render(report, record.at, ctx.calendar.zone)
        return web.Response(
            text=body, content_type="text/html", charset="utf-8", headers=PACK_HEADERS
        )

    return Part(
        commands=(
            ChatCommand(
                name="skills report",
                run=command,
                read=_read_command,
                help="For managers and HR. See how many people meet their digital skills "
                "target. Pick a directorate, service area or role family.",
                example="skills report Place, managers",
                menu_rank=3,
            ),
            ChatCommand(
                name="skills report senior leaders",
                run=senior,
                phrases=_SENIOR,
                help="For managers and HR. See how senior leaders meet their digital skills "
                "target. This is Priority 3.",
                menu_rank=3,
            ),
        ),
        actions=(CardAction(REPORT_VERB, parse_press, button),),
        routes=(HttpRoute("GET", REPORT_PATH, page),),
        personal_data=skills_data(ctx.store, reports.forget, reports.settings.min_group),
    )


def parse_press(given: Mapping[str, Any]) -> tuple[Filters, bool]:
    senior = given.get("senior", False)
    if not isinstance(senior, bool):
        raise BadCardData("That card sent something I cannot use. Type skills report.")
    return parse_card_filters(given), senior


def _public_url(ctx: JourneyContext) -> str:
    """The bot's address as people reach it: the boards journey's PUBLIC_BASE_URL."""
    boards = ctx.journey_settings.get("boards")
    return str(getattr(boards, "public_url", "") or "http://127.0.0.1:3978")
