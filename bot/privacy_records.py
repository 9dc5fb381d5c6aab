"""Personal data in journeys' records (bot/ports.py RecordStore), declared kind by kind.

Most journeys keep what they hold about people as records: a feedback rating, a skills
check, a process map, a report link. A `RecordSpec` says which fields of one kind hold a
person's data and what happens to them; `RecordKindData` then answers `my data`, erases
and applies retention for every kind it is given (bot/privacy.py `PersonalData`).

Fields are named by path into the record's data: `comment`, `filters.by`, or
`steps[].who` for every `who` in the list of steps.

- `text_fields`: free text the owner wrote. Erased from the owner's records; in anyone
  else's record only where it names the person. Past retention: always removed.
- `mention_fields`: text kept for what it says about the work (a process's name), removed
  only where it names the person. Retention leaves it.
- `scrub_fields`: text kept for what it says about the work (a process's name and steps),
  with the person's names and ids, and any email address or phone number, taken out
  (Person.scrub): always in the owner's records, in anyone else's where it names them.
  Retention leaves it.
- `name_fields`: a person's name (or a role that may be one): replaced where it names them.
  Past retention: always replaced.
- `person_fields`: another person's id kept in the data: replaced by the stand-in.

The owner of a record becomes the stand-in (their pseudonym), so counts of distinct people
stay right. A kind that is nothing but personal data (a report link) is deleted instead.
"""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal, Protocol

from bot.domain.retention import RetentionKind, RetentionPolicy
from bot.ports import Record, RecordStore
from bot.privacy import ERASED_NAME, ERASED_TEXT, Erased, Held, Kept, Person, Retained, pseudonym

# A label for the record's owner (its owner_id), in `RecordSpec.labels`.
OWNER = "@owner"
# Records of one kind are read this many at a time, and no more than this many pages: a
# scan for a person's name stops at PAGE * MOST_PAGES records of a kind.
PAGE = 500
MOST_PAGES = 200
ANONYMISED_PREFIX = "erased-"  # what bot.privacy.pseudonym's stand-ins start with


# The privacy journey's audit record of each erase, kept once the erase is done
# (bot/journeys/privacy/erase.py ERASURE).
ERASURES = "privacy.erasure"


class Erasures:
    """Whether anyone was erased since a cache in memory last asked, on any instance.

    Each erase ends with an audit record, so a cache that holds people's data (a report
    drawn, links read) asks before it answers from memory, and drops what it holds when
    an erase has happened since: one small read of the records kept after the last one
    it saw."""

    def __init__(self, store: RecordStore) -> None:
        self._store = store
        self._seen: int | None = None

    async def since_last_asked(self) -> bool:
        if self._seen is None:  # the first ask comes before anything is held
            self._seen = await self._newest(0)
            return False
        newest = await self._newest(self._seen)
        if newest == self._seen:
            return False
        self._seen = newest
        return True

    async def _newest(self, after: int) -> int:
        while page := await self._store.records(ERASURES, after, PAGE):
            after = page[-1].seq
            if len(page) < PAGE:
                break
        return after


@dataclass(frozen=True)
class RecordSpec:
    """One kind of record and the fields in it that hold a person's data."""

    kind: str
    journey: str  # which part of the product keeps it, as `my data` shows it
    what: str  # what one record is, in plain words ("Feedback you gave")
    retention: RetentionKind | None  # None: kept until erased
    on_retention: Literal["delete", "anonymise"] = "anonymise"
    text_fields: tuple[str, ...] = ()
    person_fields: tuple[str, ...] = ()
    name_fields: tuple[str, ...] = ()
    labels: dict[str, str] = field(default_factory=dict)  # path -> plain label, in order
    # Set when the record may not be erased (a public-task record): erase lists it as Kept.
    keep_on_erase_reason: str | None = None
    # False when the owner only made the record (an admin publishing a framework): the
    # rest of it is not about them, so only the owner is replaced.
    owner_is_person: bool = True
    mention_fields: tuple[str, ...] = ()
    on_erase: Literal["delete", "anonymise"] = "anonymise"
    # A period of its own, shorter than the kind's (a link that works for a day): past
    # it the record goes as `on_retention` says, counted under `retention`.
    expires_after: dt.timedelta | None = None
    # What takes the place of removed free text: "" where a report groups by the field
    # (a service area), so a removed value joins no group of its own.
    removed_text: str = ERASED_TEXT
    scrub_fields: tuple[str, ...] = ()

    def cutoff(self, policy: RetentionPolicy, now: dt.datetime) -> dt.datetime | None:
        if self.retention is None:
            return None
        if self.expires_after is not None:
            return now - self.expires_after
        return policy.cutoff(self.retention, now)

    @property
    def scanned(self) -> bool:
        """Whether another person's records of this kind may hold someone's data."""
        return bool(
            self.person_fields
            or self.name_fields
            or self.text_fields
            or self.mention_fields
            or self.scrub_fields
        )


class RecordKeeper(Protocol):
    """What RecordKindData needs of a store (every Store and WorkingState has it)."""

    async def records(self, kind: str, after_seq: int = 0, limit: int = 500) -> list[Record]: ...

    async def records_of(self, owner_id: str, limit: int = 10_000) -> list[Record]: ...

    async def replace_record(self, record: Record) -> bool: ...

    async def delete_record(self, kind: str, key: str) -> bool: ...


@dataclass
class RecordKindData:
    """PersonalData for record kinds: `my data`, erase and retention, spec by spec.

    `stand_in_for` makes the pseudonym retention puts in place of an owner it does not
    know as a person (erase is given the stand-in by the privacy journey)."""

    store: RecordKeeper
    specs: Sequence[RecordSpec]
    stand_in_for: Callable[[str], str] = pseudonym
    # Called after an erase or a retention pass changed anything (a cache dropping what
    # it holds, a list re-published), with the records as they are now.
    after_change: Callable[[list[Record]], Any] | None = None

    async def held(self, person: Person) -> list[Held]:
        found: list[Held] = []
        for spec, record in await self._touching(person):
            fields = _held_fields(spec, record, person)
            if fields:
                found.append(Held(spec.journey, spec.what, record.key, fields, record.at))
        return found

    async def erase(self, person: Person, stand_in: str, now: dt.datetime) -> Erased:
        done = Erased()
        changed: list[Record] = []
        for spec, record in await self._touching(person):
            if spec.keep_on_erase_reason is not None:
                done.kept.append(
                    Kept(spec.journey, spec.what, record.key, spec.keep_on_erase_reason)
                )
                continue
            theirs = spec.owner_is_person and person.is_them(record.owner_id)
            if theirs and spec.on_erase == "delete":
                if await self.store.delete_record(record.kind, record.key):
                    done.count(spec.what)
                    changed.append(record)
                continue
            new = _erased(spec, record, person, stand_in)
            if new != record and await self.store.replace_record(new):
                done.count(spec.what)
                changed.append(new)
        await self._changed(changed)
        return done

    async def retain(self, policy: RetentionPolicy, now: dt.datetime) -> list[Retained]:
        counts: dict[RetentionKind, list[int]] = {}
        changed: list[Record] = []
        for spec in self.specs:
            cutoff = spec.cutoff(policy, now)
            if spec.retention is None or cutoff is None:
                continue
            tally = counts.setdefault(spec.retention, [0, 0])
            for record in await self._all(spec.kind):
                if record.at >= cutoff:
                    continue
                if spec.on_retention == "delete":
                    if await self.store.delete_record(record.kind, record.key):
                        tally[0] += 1
                        changed.append(record)
                    continue
                new = _anonymised(spec, record, self.stand_in_for)
                if new != record and await self.store.replace_record(new):
                    tally[1] += 1
                    changed.append(new)
        await self._changed(changed)
        return [
            Retained(kind, deleted, anonymised) for kind, (deleted, anonymised) in counts.items()
        ]

    async def _touching(self, person: Person) -> list[tuple[RecordSpec, Record]]:
        """Every record of these kinds that holds the person's data: those they own, and
        those of other people that name them or hold their id."""
        by_kind = {spec.kind: spec for spec in self.specs}
        found: dict[tuple[str, str], tuple[RecordSpec, Record]] = {}
        for user_id in sorted(person.ids | {person.user_id}):
            for record in await self.store.records_of(user_id):
                spec = by_kind.get(record.kind)
                if spec is not None:
                    found[(record.kind, record.key)] = (spec, record)
        for spec in self.specs:
            if not spec.scanned:
                continue
            for record in await self._all(spec.kind):
                if (record.kind, record.key) not in found and _mentions(spec, record, person):
                    found[(record.kind, record.key)] = (spec, record)
        return sorted(found.values(), key=lambda pair: (pair[1].kind, pair[1].seq))

    async def _all(self, kind: str) -> list[Record]:
        found: list[Record] = []
        after = 0
        for _ in range(MOST_PAGES):
            page = await self.store.records(kind, after_seq=after, limit=PAGE)
            found.extend(page)
            if len(page) < PAGE:
                break
            after = page[-1].seq
        return found

    async def _changed(self, changed: list[Record]) -> None:
        if changed and self.after_change is not None:
            outcome = self.after_change(changed)
            if inspect.isawaitable(outcome):
                await outcome


def _mentions(spec: RecordSpec, record: Record, person: Person) -> bool:
    if person.is_them(record.owner_id):
        return True
    if any(
        person.is_them(value)
        for path in spec.person_fields
        for value in values_at(record.data, path)
    ):
        return True
    return any(
        isinstance(value, str) and person.named_in(value)
        for path in (*spec.name_fields, *spec.text_fields, *spec.mention_fields, *spec.scrub_fields)
        for value in values_at(record.data, path)
    )


def _held_fields(spec: RecordSpec, record: Record, person: Person) -> dict[str, str]:
    """Label -> value for every field of the record that holds the person's data."""
    fields: dict[str, str] = {}
    theirs = person.is_them(record.owner_id)
    if theirs:
        fields[spec.labels.get(OWNER, "Kept under your id")] = record.owner_id
    if theirs and spec.owner_is_person:
        paths = [
            *spec.labels,
            *spec.text_fields,
            *spec.name_fields,
            *spec.person_fields,
            *spec.mention_fields,
            *spec.scrub_fields,
        ]
        for path in dict.fromkeys(paths):
            if path != OWNER:
                _add(fields, _label(spec, path), values_at(record.data, path))
        return fields
    for path in spec.person_fields:
        _add(
            fields,
            _label(spec, path),
            [value for value in values_at(record.data, path) if person.is_them(value)],
        )
    for path in (*spec.name_fields, *spec.text_fields, *spec.mention_fields, *spec.scrub_fields):
        _add(
            fields,
            _label(spec, path),
            [
                value
                for value in values_at(record.data, path)
                if isinstance(value, str) and person.named_in(value)
            ],
        )
    return fields


def _add(fields: dict[str, str], label: str, values: list[Any]) -> None:
    shown = [plain(value) for value in values if value not in (None, "", [], {})]
    if shown:
        fields[label] = "; ".join(shown)


def _label(spec: RecordSpec, path: str) -> str:
    if path in spec.labels:
        return spec.labels[path]
    return path.replace("[]", "").replace(".", " ").replace("_", " ").capitalize()


def _erased(spec: RecordSpec, record: Record, person: Person, stand_in: str) -> Record:
    """The record without the person: their ids become the stand-in; their free text (in
    their own record) or any text naming them is removed."""
    theirs = spec.owner_is_person and person.is_them(record.owner_id)
    removed = spec.removed_text
    data = record.data
    for path in spec.person_fields:
        data = map_at(data, path, lambda value: stand_in if person.is_them(value) else value)
    for path in spec.name_fields:
        data = map_at(data, path, lambda value: ERASED_NAME if _names(person, value) else value)
    for path in spec.text_fields:
        data = map_at(
            data,
            path,
            lambda value: (
                removed if value not in (None, "") and (theirs or _names(person, value)) else value
            ),
        )
    for path in spec.mention_fields:
        data = map_at(data, path, lambda value: removed if _names(person, value) else value)
    for path in spec.scrub_fields:
        data = map_at(
            data,
            path,
            lambda value: (
                person.scrub(value)
                if isinstance(value, str) and (theirs or _names(person, value))
                else value
            ),
        )
    owner = stand_in if person.is_them(record.owner_id) else record.owner_id
    return replace(record, owner_id=owner, data=data)


def _anonymised(spec: RecordSpec, record: Record, stand_in_for: Callable[[str], str]) -> Record:
    """The record past its period: nobody's id, name or free text left in it. Running
    it on its own output changes nothing."""

    def stand_in(value: Any) -> Any:
        if isinstance(value, str) and value and not value.startswith(ANONYMISED_PREFIX):
            return stand_in_for(value)
        return value

    removed = spec.removed_text
    data = record.data
    for path in spec.person_fields:
        data = map_at(data, path, stand_in)
    for path in spec.name_fields:
        data = map_at(data, path, lambda value: ERASED_NAME if value not in (None, "") else value)
    for path in spec.text_fields:
        data = map_at(data, path, lambda value: removed if value not in (None, "") else value)
    return replace(record, owner_id=stand_in(record.owner_id), data=data)


def _names(person: Person, value: Any) -> bool:
    return isinstance(value, str) and person.named_in(value)


def values_at(data: Any, path: str) -> list[Any]:
    """Every value at `path` ("a.b", "steps[].who") in JSON data; [] where there is none."""
    head, _, rest = path.partition(".")
    many = head.endswith("[]")
    name = head.removesuffix("[]")
    if not isinstance(data, dict) or name not in data:
        return []
    value = data[name]
    items = value if many and isinstance(value, list) else [value] if not many else []
    if not rest:
        return list(items)
    return [found for item in items for found in values_at(item, rest)]


def map_at(data: Any, path: str, change: Callable[[Any], Any]) -> Any:
    """A copy of `data` with `change` applied to every value at `path`."""
    head, _, rest = path.partition(".")
    many = head.endswith("[]")
    name = head.removesuffix("[]")
    if not isinstance(data, dict) or name not in data:
        return data
    value = data[name]
    if many:
        if not isinstance(value, list):
            return data
        new: Any = [change(item) if not rest else map_at(item, rest, change) for item in value]
    else:
        new = change(value) if not rest else map_at(value, rest, change)
    return data if new == value else {**data, name: new}


def plain(value: Any) -> str:
    """A value as a person reads it in `my data`."""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dict):
        return "; ".join(f"{key}: {plain(item)}" for key, item in value.items())
    if isinstance(value, list):
        return "; ".join(plain(item) for item in value)
    return "" if value is None else str(value)
