"""Savings estimates for a mapped process, by published rules (Priority 5: process mapping).

The rules are data (`bot/journeys/processes/rules.json`), read and checked by `read_rules`.
`estimate` says, with every figure explained in plain lines, the hours a year a process
takes, which kind of change fits (a self-service form, a Power Automate flow, an
integration between named systems, or none) and why, and the hours a year it could save.
Anyone can check an estimate by hand: each step's hours are its minutes, times the share
of items that go through it, times the items a month, times 12 months, divided by 60.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    """What could take the time out of a process. The values are the rules' keys."""

    INTEGRATION = "integration"
    POWER_AUTOMATE = "power_automate"
    SELF_SERVICE_FORM = "self_service_form"
    NONE = "none"


# The order steps are matched in: re-keying between systems first, because a flow could
# copy only between Microsoft 365 places; then flows; then forms for what comes in.
MATCH_ORDER: tuple[Kind, ...] = (Kind.INTEGRATION, Kind.POWER_AUTOMATE, Kind.SELF_SERVICE_FORM)
NONE_LABEL = "None"
EASE_WORDS = {3: "quick to build", 2: "some work to build", 1: "a bigger piece of work"}
USERS = ("staff", "residents", "businesses")


@dataclass(frozen=True)
class Words:
    """Words or phrases a rule looks for: as whole words, ignoring capitals and spacing.
    Compiled once, when the rules are read, so estimating a thousand processes is quick."""

    words: tuple[str, ...]
    _pattern: re.Pattern[str] | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.words:
            # Any order will do: the search tries every word at each place.
            parts = [r"\s+".join(map(re.escape, w.split())) for w in self.words]
            pattern = re.compile(r"(?<![\w-])(?:" + "|".join(parts) + r")(?![\w-])", re.I)
            object.__setattr__(self, "_pattern", pattern)

    def found_in(self, text: str) -> bool:
        return self._pattern is not None and self._pattern.search(text) is not None


@dataclass(frozen=True)
class KindRule:
    kind: Kind
    label: str  # "A Power Automate flow"
    saves_percent: int  # of the matched steps' time, 0 to 100
    ease: int  # 3 quick to build, 2 some work, 1 a bigger piece of work
    words: Words  # what a matched step's "what" says
    places: Words  # where it happens (its system, or its words); none for integration
    why: str


@dataclass(frozen=True)
class Rules:
    version: int
    minimum_hours: int  # a year: under this, the kind is none
    minimum_why: str
    microsoft_365: Words
    not_systems: Words  # ways in (paper, phone…) that are not named systems
    kinds: dict[Kind, KindRule]


@dataclass(frozen=True)
class ProcessStep:
    who: str
    what: str
    system: str
    minutes: float
    share: float  # per cent of items that go through this step


@dataclass(frozen=True)
class MappedProcess:
    """A process as `map a process` keeps it (a "process_map" record's data)."""

    id: str
    version: int
    name: str
    directorate: str
    service_area: str
    users: tuple[str, ...]
    items_per_month: int
    steps: tuple[ProcessStep, ...]
    pain_points: str = ""


@dataclass(frozen=True)
class Estimate:
    kind: Kind
    label: str  # the kind in words, "None" for none
    ease: int  # 1 to 3; 0 for none
    hours_spent: float  # a year
    hours_saved: float  # a year; 0 for none
    steps: tuple[int, ...]  # the step numbers (from 1) the saving comes from
    systems: tuple[str, ...]  # every named system in the process, in order
    between: tuple[str, ...]  # for an integration, the systems it joins
    reason: str
    lines: tuple[str, ...]  # every figure, explained
    rules_version: int

    @property
    def whole_hours_saved(self) -> int:
        return whole(self.hours_saved)

    @property
    def whole_hours_spent(self) -> int:
        return whole(self.hours_spent)


def whole(hours: float) -> int:
    """Hours rounded to the nearest whole hour, halves up, as a person would."""
    return math.floor(hours + 0.5)


def hours(value: float) -> str:
    """ "1,234" or "12.5": one decimal place at most, and only when it is not whole."""
    tenths = math.floor(value * 10 + 0.5) / 10
    return f"{int(tenths):,}" if tenths == int(tenths) else f"{tenths:,.1f}"


def in_sentence(label: str) -> str:
    """ "A Power Automate flow" as it reads inside a sentence: "a Power Automate flow"."""
    return label[:1].lower() + label[1:]


def _joined(words: Sequence[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


# ---- Reading the rules -------------------------------------------------------------------


def _texts(value: object) -> tuple[str, ...] | None:
    if not isinstance(value, list) or not value:
        return None
    if not all(isinstance(item, str) and item.strip() for item in value):
        return None
    return tuple(item.strip() for item in value)


def _whole_in(value: object, low: int, high: int) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        return None
    return value


def _kind_rule(kind: Kind, raw: object, problems: list[str]) -> KindRule | None:
    where = f"The rule for {kind.value}"
    if not isinstance(raw, Mapping):
        problems.append(f"{where} is missing. Add it under kinds.")
        return None
    before = len(problems)
    label, why = raw.get("label"), raw.get("why")
    percent = _whole_in(raw.get("saves_percent"), 0, 100)
    ease = _whole_in(raw.get("ease"), 1, 3)
    words = _texts(raw.get("words"))
    places = _texts(raw.get("places")) if kind is not Kind.INTEGRATION else ()
    if not isinstance(label, str) or not label.strip():
        problems.append(f"{where} needs a label, like A Power Automate flow.")
    if percent is None:
        problems.append(f"{where} needs saves_percent, a whole number from 0 to 100.")
    if ease is None:
        problems.append(f"{where} needs ease, a whole number from 1 to 3.")
    if words is None:
        problems.append(f"{where} needs words: a list of words or phrases, none blank.")
    if places is None:
        problems.append(f"{where} needs places: a list of systems or ways in, none blank.")
    if not isinstance(why, str) or not why.strip():
        problems.append(f"{where} needs why: the reason for the rule, in plain words.")
    if len(problems) > before:
        return None
    assert isinstance(label, str) and isinstance(why, str)
    assert percent is not None and ease is not None and words is not None and places is not None
    return KindRule(kind, label.strip(), percent, ease, Words(words), Words(places), why.strip())


def read_rules(data: object) -> tuple[Rules | None, list[str]]:
    """The rules from their JSON data, or None and one plain sentence per problem."""
    problems: list[str] = []
    if not isinstance(data, Mapping):
        return None, ["The rules must be a JSON object."]
    version = _whole_in(data.get("version"), 1, 1_000_000)
    minimum = _whole_in(data.get("minimum_hours_a_year"), 0, 1_000_000)
    minimum_why = data.get("minimum_why")
    microsoft_365, not_systems = _texts(data.get("microsoft_365")), _texts(data.get("not_systems"))
    if version is None:
        problems.append("The rules need a version, a whole number of 1 or more.")
    if minimum is None:
        problems.append("The rules need minimum_hours_a_year, a whole number of 0 or more.")
    if not isinstance(minimum_why, str) or not minimum_why.strip():
        problems.append("The rules need minimum_why: why the minimum is what it is.")
    if microsoft_365 is None:
        problems.append("The rules need microsoft_365: a list of Microsoft 365 places.")
    if not_systems is None:
        problems.append("The rules need not_systems: a list of ways in that are not systems.")
    raw_kinds = data.get("kinds")
    if not isinstance(raw_kinds, Mapping):
        problems.append("The rules need kinds: one rule for each kind of change.")
        raw_kinds = {}
    unknown = sorted(str(key) for key in raw_kinds if key not in {k.value for k in MATCH_ORDER})
    if unknown:
        problems.append(f"The rules have kinds the bot does not know: {', '.join(unknown)}.")
    kinds = {kind: _kind_rule(kind, raw_kinds.get(kind.value), problems) for kind in MATCH_ORDER}
    if problems:
        return None, problems
    assert version is not None and minimum is not None and isinstance(minimum_why, str)
    assert microsoft_365 is not None and not_systems is not None
    found = {kind: rule for kind, rule in kinds.items() if rule is not None}
    return (
        Rules(
            version,
            minimum,
            minimum_why.strip(),
            Words(microsoft_365),
            Words(not_systems),
            found,
        ),
        [],
    )


# ---- Reading a mapped process ------------------------------------------------------------


def _number(value: object, low: float, high: float, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{what} is not a number")
    if not math.isfinite(value) or not low <= value <= high:
        raise ValueError(f"{what} is out of range")
    return float(value)


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def process_from_data(data: Mapping[str, Any]) -> MappedProcess:
    """A mapped process from a "process_map" record's data. Raises ValueError if it is not
    one (kept by an older or broken version, say): the backlog leaves it out."""
    if not isinstance(data, Mapping):
        raise ValueError("not a mapped process")
    ident, version = data.get("id"), data.get("version")
    if not isinstance(ident, str) or not ident.strip():
        raise ValueError("no id")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ValueError("no version")
    items = _number(data.get("items_per_month"), 0, 10_000_000, "items a month")
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list):
        raise ValueError("no steps")
    steps = []
    for raw in raw_steps:
        if not isinstance(raw, Mapping):
            raise ValueError("a step is not readable")
        steps.append(
            ProcessStep(
                who=_text(raw.get("who")),
                what=_text(raw.get("what")),
                system=_text(raw.get("system")),
                minutes=_number(raw.get("minutes"), 0, 100_000, "minutes"),
                share=_number(raw.get("share"), 0, 100, "share"),
            )
        )
    users = data.get("users")
    return MappedProcess(
        id=ident.strip(),
        version=version,
        name=_text(data.get("name")),
        directorate=_text(data.get("directorate")),
        service_area=_text(data.get("service_area")),
        users=tuple(u for u in USERS if isinstance(users, list) and u in users),
        items_per_month=int(items),
        steps=tuple(steps),
        pain_points=_text(data.get("pain_points")),
    )


# ---- Estimating ----------------------------------------------------------------------------


def step_hours(step: ProcessStep, items_per_month: int) -> float:
    """Minutes × share × items a month × 12 months ÷ 60, in hours a year."""
    return step.minutes * step.share / 100 * items_per_month * 12 / 60


def named_systems(process: MappedProcess, rules: Rules) -> tuple[str, ...]:
    """Every system a step names, once each, in the order they come; not paper or phone."""
    seen: dict[str, str] = {}
    for step in process.steps:
        name = " ".join(step.system.split())
        if name and not rules.not_systems.found_in(name):
            seen.setdefault(name.lower(), name)
    return tuple(seen.values())


def _other_system(process: MappedProcess, index: int, rules: Rules) -> str:
    """The named system of the nearest earlier step that is not step `index`'s own: where
    the details re-keyed at step `index` were typed in first. "" if there is none."""
    own = process.steps[index].system.strip().lower()
    for other in range(index - 1, -1, -1):
        system = " ".join(process.steps[other].system.split())
        if system and system.lower() != own and not rules.not_systems.found_in(system):
            return system
    return ""


def _matches(process: MappedProcess, index: int, rules: Rules) -> tuple[Kind, str]:
    """The kind step `index` counts for (NONE if none), with the other system it re-keys
    from when that kind is an integration."""
    step = process.steps[index]
    both = f"{step.system} {step.what}"
    integration = rules.kinds[Kind.INTEGRATION]
    system = step.system.strip()
    if system and integration.words.found_in(step.what) and not rules.not_systems.found_in(system):
        other = _other_system(process, index, rules)
        m365 = rules.microsoft_365
        in_365 = m365.found_in(system) and m365.found_in(other)
        if other and not in_365:  # between two Microsoft 365 places, a flow fits
            return Kind.INTEGRATION, other
    for kind in (Kind.POWER_AUTOMATE, Kind.SELF_SERVICE_FORM):
        rule = rules.kinds[kind]
        if rule.words.found_in(step.what) and rule.places.found_in(both):
            return kind, ""
    return Kind.NONE, ""


@dataclass(frozen=True)
class _Option:
    rule: KindRule
    steps: tuple[int, ...]  # numbered from 1
    hours: float  # of those steps, a year
    between: tuple[str, ...]

    @property
    def saves(self) -> float:
        return self.hours * self.rule.saves_percent / 100


def _options(process: MappedProcess, rules: Rules, spent: Sequence[float]) -> list[_Option]:
    found: dict[Kind, list[int]] = {kind: [] for kind in MATCH_ORDER}
    pairs: dict[str, str] = {}
    for index in range(len(process.steps)):
        kind, other = _matches(process, index, rules)
        if kind is not Kind.NONE:
            found[kind].append(index)
        if other:
            pairs.setdefault(other.lower(), other)
            own = " ".join(process.steps[index].system.split())
            pairs.setdefault(own.lower(), own)
    options = []
    for kind, indexes in found.items():
        if indexes:
            between = tuple(pairs.values()) if kind is Kind.INTEGRATION else ()
            options.append(
                _Option(
                    rules.kinds[kind],
                    tuple(i + 1 for i in indexes),
                    sum(spent[i] for i in indexes),
                    between,
                )
            )
    # Most hours saved; then the easier; then the order the rules match in.
    options.sort(key=lambda o: (-o.saves, -o.rule.ease, MATCH_ORDER.index(o.rule.kind)))
    return options


def _step_list(numbers: Iterable[int]) -> str:
    """ "step 2", "steps 1, 4 and 6", "steps 1 to 200": runs of 3 or more as a range."""
    runs: list[list[int]] = []
    for number in sorted(numbers):
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    listed = [
        f"{run[0]} to {run[-1]}" if len(run) >= 3 else ", ".join(map(str, run)) for run in runs
    ]
    single = len(runs) == 1 and len(runs[0]) == 1
    return ("step " if single else "steps ") + _joined(listed)


def _kind_reason(option: _Option) -> str:
    steps = _step_list(option.steps)
    match option.rule.kind:
        case Kind.INTEGRATION:
            return (
                f"In {steps}, staff type details from one system into another "
                f"({_joined(option.between)}). An integration between them could do it."
            )
        case Kind.POWER_AUTOMATE:
            return (
                f"In {steps}, staff approve, remind, notify or copy between Microsoft 365 "
                "places. A Power Automate flow could do it."
            )
        case _:
            return (
                f"In {steps}, staff take in what people send by paper, email or phone. "
                "A self-service form would let people give the details themselves."
            )


NOTHING_REPETITIVE = (
    "No step re-keys details between systems, takes in requests by paper, email or phone, "
    "or approves, reminds or copies between Microsoft 365 places. So the rules find nothing "
    "to automate."
)


def _step_line(number: int, step: ProcessStep, items: int, spent: float) -> str:
    return (
        f"Step {number}: {hours(step.minutes)} minutes × {hours(step.share)}% of items × "
        f"{items:,} items a month × 12 months ÷ 60 = {hours(spent)} hours a year."
    )


def step_lines(process: MappedProcess) -> tuple[str, ...]:
    """Each step's hours a year, worked out: for the estimate's card (not the backlog)."""
    items = process.items_per_month
    return tuple(
        _step_line(n, step, items, step_hours(step, items))
        for n, step in enumerate(process.steps, 1)
    )


def estimate(process: MappedProcess, rules: Rules) -> Estimate:
    """The hours a year a process takes and could save, which kind fits, and why."""
    items = process.items_per_month
    spent = [step_hours(step, items) for step in process.steps]
    total = sum(spent)
    systems = named_systems(process, rules)
    lines = [
        f"Hours a year spent: {hours(total)}. For each step: its minutes, times the share of "
        f"items that go through it, times {items:,} items a month, times 12 months, "
        "divided by 60. Then the steps added up."
    ]
    options = _options(process, rules, spent)
    best = options[0] if options else None
    if best is None or best.saves < rules.minimum_hours or best.saves == 0:
        if best is None:
            reason = NOTHING_REPETITIVE
        else:
            reason = (
                f"The best fit, {in_sentence(best.rule.label)}, would save "
                f"{hours(best.saves)} hours a year. That is under the "
                f"{rules.minimum_hours:,} hours a year the rules ask for. {rules.minimum_why}"
            )
        lines += ["Kind that fits: none.", f"Reason: {reason}", "Hours a year it could save: 0."]
        return Estimate(
            kind=Kind.NONE,
            label=NONE_LABEL,
            ease=0,
            hours_spent=total,
            hours_saved=0.0,
            steps=(),
            systems=systems,
            between=(),
            reason=reason,
            lines=tuple(lines),
            rules_version=rules.version,
        )
    rule = best.rule
    reason = _kind_reason(best)
    lines += [
        f"Kind that fits: {in_sentence(rule.label)}.",
        f"Reason: {reason}",
        f"Why this rule: {rule.why}",
        f"Hours a year it could save: {hours(best.saves)}. The rules say {in_sentence(rule.label)} "
        f"saves {rule.saves_percent}% of the time of {_step_list(best.steps)}: "
        f"{hours(best.hours)} hours a year × {rule.saves_percent}%.",
        f"Ease: {rule.ease} out of 3, {EASE_WORDS[rule.ease]}.",
    ]
    for other in options[1:]:
        if other.saves > 0:
            lines.append(
                f"Also: {in_sentence(other.rule.label)} could save {hours(other.saves)} "
                f"hours a year in {_step_list(other.steps)}."
            )
    return Estimate(
        kind=rule.kind,
        label=rule.label,
        ease=rule.ease,
        hours_spent=total,
        hours_saved=best.saves,
        steps=best.steps,
        systems=systems,
        between=best.between,
        reason=reason,
        lines=tuple(lines),
        rules_version=rules.version,
    )


# ---- The backlog ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Opportunity:
    """One process in the automation backlog, with its estimate."""

    process: MappedProcess
    estimate: Estimate


def rank(processes: Iterable[MappedProcess], rules: Rules) -> list[Opportunity]:
    """The automation backlog: every process whose kind is not none, most whole hours saved
    a year first; where two save the same whole hours, the easier first; then by name and
    id, so the order is the same every time."""
    found = []
    for process in processes:
        found_estimate = estimate(process, rules)
        if found_estimate.kind is not Kind.NONE:
            found.append(Opportunity(process, found_estimate))
    found.sort(key=backlog_order)
    return found


def backlog_order(found: Opportunity) -> tuple[int, int, str, str]:
    """Where an opportunity comes in the backlog: see `rank`."""
    return (
        -found.estimate.whole_hours_saved,
        -found.estimate.ease,
        found.process.name.casefold(),
        found.process.id,
    )
