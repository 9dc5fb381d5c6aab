"""The automation backlog (Priority 5): the newest version of every mapped process whose
estimate finds something self-service or automation could save, most hours saved first.

Anyone can see it (`automation backlog`), ten at a time. Any one can be raised as a
digital request: the request form starts for the person who pressed, with what the map
and its estimate already say filled in, so the request's self-service and automation
score uses them. The rules are data (rules.json), checked when the bot starts.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import functools
import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot import form_flow
from bot.domain.automation import (
    Estimate,
    Kind,
    MappedProcess,
    Opportunity,
    Rules,
    backlog_order,
    estimate,
    process_from_data,
    read_rules,
)
from bot.domain.model import DIRECTORATES, RequestKind
from bot.errors import BadCardData, NotFound
from bot.journey import (
    CardAction,
    ChatCommand,
    JourneyContext,
    Part,
    Reply,
    Turn,
    card_reply,
    message_reply,
)
from bot.journeys.intake.form import FIELDS, REQUEST_FORM
from bot.journeys.processes import backlog_api
from bot.journeys.processes.backlog_cards import (
    FROM,
    MORE,
    PROCESS_ID,
    RAISE,
    VERSION,
    build_backlog_card,
    build_estimate_card,
)
from bot.journeys.processes.mapping import KIND as MAP_KIND
from bot.ports import Record, RecordStore
from bot.privacy_records import Erasures
from cards.elements import to_dict
from cards.form_card import build_form_card

logger = logging.getLogger(__name__)

RULES_PATH = Path(__file__).with_name("rules.json")
PAGE_SIZE = 10
READ_PAGE = 500
MOST = 200_000  # records read at most, so the backlog always ends
MOST_FROM = 1_000_000
STEPS_LISTED = 20  # in the request's description; the rest are in the map
# Roles in a process's steps that are not staff, left out of the staff count.
NOT_STAFF = re.compile(
    r"\b(residents?|business(es)?|customers?|applicants?|public|tenants?|citizens?)\b", re.I
)
_PROCESS_ID = re.compile(r"[A-Za-z0-9_.:-]{1,80}")


class RulesNotReadable(ValueError):
    """The published rules file is missing or wrong: the bot does not start with it."""


def load_rules(path: Path = RULES_PATH) -> Rules:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise RulesNotReadable(
            f"The automation rules in {path} could not be read: {error}"
        ) from error
    rules, problems = read_rules(data)
    if rules is None:
        raise RulesNotReadable(
            f"The automation rules in {path} need changing. " + " ".join(problems)
        )
    return rules


@functools.cache
def published_rules() -> Rules:
    return load_rules()


class Backlog:
    """The backlog, kept up to date by reading on from the last record seen.

    Records are only added (an erase changes them in place: then every map is read
    again, `forget`), and every store makes their seqs visible in order (see
    RecordStore), so reading on from the last seq misses none, on several instances
    too. Each version is estimated once: the first `automation backlog` after a
    start reads every map; the next ones read only what is new, then sort.
    """

    def __init__(self, records: RecordStore, rules: Rules) -> None:
        self._records = records
        self._rules = rules
        self._after = 0
        self._versions: dict[str, int] = {}
        self._latest: dict[str, tuple[MappedProcess, Opportunity | None]] = {}
        self._mapped_at: dict[str, dt.datetime] = {}
        self._reading = asyncio.Lock()
        self._erasures = Erasures(records)  # an erase, on any instance, drops what was read

    @property
    def rules(self) -> Rules:
        return self._rules

    async def forget(self, _changed: object = None) -> None:
        """Drop every map read so far (one was erased, so records changed in place): the
        next read takes them all afresh."""
        async with self._reading:
            self._after = 0
            self._versions.clear()
            self._latest.clear()
            self._mapped_at.clear()

    async def _read_on(self) -> None:
        if await self._erasures.since_last_asked():
            await self.forget()
        async with self._reading:
            read = 0
            while read < MOST and (
                page := await self._records.records(MAP_KIND, self._after, READ_PAGE)
            ):
                newer = {}
                for record in page:
                    ident, version = record.data.get("id"), record.data.get("version")
                    if not isinstance(ident, str) or type(version) is not int:
                        logger.warning("Process map %s left out: no id or version", record.key)
                        continue
                    if version >= self._versions.get(ident.strip(), 0):
                        self._versions[ident.strip()] = version
                        newer[ident.strip()] = record  # only the newest is read in full
                for ident, record in newer.items():
                    self._keep(ident, record)
                self._after, read = page[-1].seq, read + len(page)

    def _keep(self, ident: str, record: Record) -> None:
        try:
            process = process_from_data(record.data)
        except ValueError as error:
            logger.warning("Process map %s left out: %s", record.key, error)
            self._latest.pop(ident, None)
            return
        found = estimate(process, self._rules)
        chance = Opportunity(process, found) if found.kind is not Kind.NONE else None
        self._latest[ident] = (process, chance)
        self._mapped_at[ident] = record.at

    def mapped_at(self, process_id: str) -> dt.datetime | None:
        """When the newest version read of a process was sent."""
        return self._mapped_at.get(process_id)

    async def latest(self, process_id: str) -> tuple[MappedProcess, Opportunity | None] | None:
        """The newest version of one process, with its place in the backlog if it has one."""
        await self._read_on()
        return self._latest.get(process_id)

    async def processes(self) -> list[MappedProcess]:
        """The newest version of every mapped process; one that cannot be read is left out."""
        await self._read_on()
        return [process for process, _ in self._latest.values()]

    async def ranked(self) -> list[Opportunity]:
        await self._read_on()
        return sorted(
            (chance for _, chance in self._latest.values() if chance is not None),
            key=backlog_order,
        )


def estimate_card(process_data: Mapping[str, Any]) -> dict[str, Any]:
    """The estimate for a map just sent, to show its author (the processes journey)."""
    process = process_from_data(process_data)
    return to_dict(build_estimate_card(process, estimate(process, published_rules())))


def backlog_line(process_data: Mapping[str, Any], owner_id: str = "") -> dict[str, Any]:
    """A sent map's line in the SharePoint backlog list (sharepoint.publish_backlog_entry):
    its ease is the estimate's, 3 quick to build down to 1, and 0 for a kind of none."""
    process = process_from_data(process_data)
    found = estimate(process, published_rules())
    return {
        "process_id": process.id,
        "version": process.version,
        "name": process.name,
        "directorate": process.directorate,
        "service_area": process.service_area,
        "hours_per_year": round(found.hours_spent, 1),
        "hours_saveable": round(found.hours_saved, 1),
        "kind": found.kind.value,
        "ease": found.ease,
        "reason": "\n".join(found.lines),
        "systems": list(found.systems),
        "owner_id": owner_id,
        "updated_at": str(process_data.get("submitted_at", "")),
    }


# ---- Raising one as a digital request ------------------------------------------------------


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _step_text(number: int, who: str, what: str, system: str, minutes: float, share: float) -> str:
    often = "every item" if share >= 100 else f"{share:g}% of items"
    return f"{number}. {who}: {what} ({system or 'no system given'}), {minutes:g} minutes, {often}."


def request_problem(process: MappedProcess, found: Estimate) -> str:
    """The request's description: the map and its estimate, in words."""
    where = ", ".join(part for part in (process.directorate, process.service_area) if part)
    parts = [
        f'From the process map "{process.name}"'
        + (f" ({where})" if where else "")
        + f", version {process.version}, in the automation backlog.",
        f"The estimate, by the published rules (version {found.rules_version}):",
        *found.lines,
    ]
    if process.pain_points:
        parts += ["Pain points:", process.pain_points]
    parts.append(
        f"The process has {len(process.steps):,} steps, for {process.items_per_month:,} items "
        "a month:"
    )
    for number, step in enumerate(process.steps[:STEPS_LISTED], 1):
        parts.append(_step_text(number, step.who, step.what, step.system, step.minutes, step.share))
    if len(process.steps) > STEPS_LISTED:
        parts.append(f"And {len(process.steps) - STEPS_LISTED:,} more steps in the map.")
    return _cut("\n".join(parts), FIELDS["problem"].max_length or 4000)


def request_answers(process: MappedProcess, found: Estimate) -> dict[str, str]:
    """The request form's answers that the map and its estimate give, as a draft keeps them."""
    most = FIELDS["affected_staff"].maximum or 10_000_000
    roles = {" ".join(s.who.split()).casefold() for s in process.steps if s.who.strip()}
    staff = len({role for role in roles if not NOT_STAFF.search(role)})
    items_a_year = min(process.items_per_month * 12, most)
    answers = {
        "title": _cut(f"{found.label} for {process.name}", FIELDS["title"].max_length or 120),
        "problem": request_problem(process, found),
        "kind": RequestKind.AUTOMATION.value,
        "existing_systems": _cut(
            ", ".join(found.systems), FIELDS["existing_systems"].max_length or 1000
        ),
        "hours_saved_per_year": str(found.whole_hours_saved),
    }
    if process.directorate in DIRECTORATES:
        answers["directorate"] = process.directorate
    if staff:
        answers["affected_staff"] = str(staff)
    if "residents" in process.users and items_a_year:
        answers["affected_residents"] = str(items_a_year)
    if "businesses" in process.users and items_a_year:
        answers["affected_businesses"] = str(items_a_year)
    return answers


CARRIED_OVER = (
    "We started this request from the automation backlog. We filled in what the process "
    "map says: the title, the problem, the kind of request, the systems, and the hours a "
    "year it could save. The numbers of people affected are rough: staff are the roles "
    "in its steps, and residents or businesses are its items a year. Check every answer, "
    "then choose Next."
)
IN_CHANNEL = (
    "We have started a digital request for you from this process. Open your chat with "
    "Digital Front Door and type continue to check it and send it."
)
# The button was on a list shown before someone saved a newer version of the map.
NEWER_MAP = "The process map was changed after that list was shown. We used its latest version."


def busy(where: str) -> str:
    return (
        f"You already have a request in progress, {where}, so nothing from this process was "
        "copied. Finish or discard that request first (type continue), then choose Raise as "
        "a digital request again."
    )


@dataclass(frozen=True)
class Wanted:
    process_id: str
    version: int


def parse_raise(data: Mapping[str, Any]) -> Wanted:
    process_id, version = data.get(PROCESS_ID), data.get(VERSION)
    if not isinstance(process_id, str) or not _PROCESS_ID.fullmatch(process_id):
        raise BadCardData("That button did not say which process. Type automation backlog.")
    if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version <= 1_000_000:
        raise BadCardData(
            "That button did not say which version of the process. Type automation backlog."
        )
    return Wanted(process_id, version)


def parse_more(data: Mapping[str, Any]) -> int:
    start = data.get(FROM)
    if isinstance(start, bool) or not isinstance(start, int) or not 0 <= start <= MOST_FROM:
        raise BadCardData(
            "That button did not say where the list goes on. Type automation backlog."
        )
    return start


def part(ctx: JourneyContext) -> Part:
    from bot.journeys.processes.personal_data import ProcessMapData

    store = ctx.store
    backlog = Backlog(store, published_rules())

    def page_card(found: list[Opportunity], start: int) -> dict[str, Any]:
        start = min(start, max(0, len(found) - 1) // PAGE_SIZE * PAGE_SIZE)
        shown = found[start : start + PAGE_SIZE]
        return to_dict(build_backlog_card(shown, start, len(found), backlog.rules.version))

    async def warm_up() -> None:
        """Read the backlog once after the start, so the first person to ask is not kept
        waiting while every map is read and estimated."""
        try:
            await backlog.ranked()
        except Exception:
            logger.exception("Could not read the automation backlog after the start")

    async def start() -> None:
        ctx.in_background(warm_up())

    async def show(turn: Turn, _: str) -> None:
        await turn.send_card(page_card(await backlog.ranked(), 0))

    async def more(turn: Turn, start: int) -> Reply:
        return card_reply(page_card(await backlog.ranked(), start))

    async def raise_request(turn: Turn, wanted: Wanted) -> Reply:
        latest = await backlog.latest(wanted.process_id)
        if latest is None or latest[1] is None:
            raise NotFound(
                "That process is no longer in the automation backlog. Type automation "
                "backlog to see what is."
            )
        process, chance = latest[0], latest[1]
        owner = turn.actor.user_id
        existing = await store.get_draft(owner, REQUEST_FORM.key)
        if existing is not None:
            return message_reply(busy(form_flow.where_it_is(REQUEST_FORM, existing)))
        answers = request_answers(process, chance.estimate)
        view = await form_flow.start(REQUEST_FORM, store, owner, ctx.now(), answers)
        newer = f" {NEWER_MAP}" if process.version != wanted.version else ""
        if turn.in_channel:  # the form is theirs: it waits in their own chat
            return message_reply(IN_CHANNEL + newer)
        notice = CARRIED_OVER + newer
        return card_reply(to_dict(build_form_card(dataclasses.replace(view, notice=notice))))

    return Part(
        on_start=start,
        operations=backlog_api.operations(backlog),
        commands=(
            ChatCommand(
                "automation backlog",
                show,
                phrases=("automation backlog", "backlog", "show the automation backlog"),
                help="See the processes where self-service or automation could save the "
                "most staff time. Raise one as a digital request.",
                where="anywhere",
                menu_rank=3,  # Teams' menu shows 10; makers and managers find it in help
            ),
        ),
        actions=(
            CardAction(MORE, parse_more, more),
            CardAction(RAISE, parse_raise, raise_request, once_only=True),
        ),
        personal_data=ProcessMapData(ctx, backlog.forget),
    )
