"""The boards journey's records as plain data, shared by its SQLite and Azure stores: a
setup, a deputy and a decision to and from a dict of text and numbers, and the sample
setups a local demo starts with. No storage here, so both stores read and write alike."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from bot.domain.boards import BoardSetup, Cadence, Decision, DecisionKind, Deputy, Repeat
from bot.store.times import maybe_day_from, maybe_day_text, time_from, time_text

# Sample boards for local mode: made-up people, and meetings as fixed data that work in
# any year (each cadence repeats from its first meeting).
_SAMPLE_PEOPLE: dict[str, tuple[str, ...]] = {
    "ddc": ("Morgan Ellis", "Priya Nair", "Tom Hughes", "Grace Okafor"),
    "trb": ("Daniel Price", "Aisha Rahman", "Owen Lloyd"),
    "ictig": ("Hannah Webb", "Sanjay Patel", "Megan Carter"),
}
_SAMPLE_CADENCES: dict[str, Cadence] = {
    "ddc": Cadence(dt.date(2026, 1, 13), dt.time(10, 0), Repeat.MONTHLY),  # a Tuesday
    "trb": Cadence(dt.date(2026, 1, 8), dt.time(14, 0), Repeat.FORTNIGHTLY),  # a Thursday
    "ictig": Cadence(dt.date(2026, 1, 14), dt.time(10, 0), Repeat.FOUR_WEEKLY),  # a Wednesday
}


def sample_setups(seed_members: frozenset[str] = frozenset()) -> list[BoardSetup]:
    """The three boards as a local demo has them: made-up members (the first is the
    chair, the second the secretary) plus `seed_members` (so the demo's admin can decide)."""
    found = []
    for key, people in _SAMPLE_PEOPLE.items():
        names = {f"sample-{key}-{n}": name for n, name in enumerate(people, start=1)}
        found.append(
            BoardSetup(
                key=key,
                members=frozenset(names) | seed_members,
                names=names,
                secretary_id=f"sample-{key}-2",
                chair_id=f"sample-{key}-1",
                cadence=_SAMPLE_CADENCES[key],
                agenda_days_before=3,
                sample=True,
            )
        )
    return found


# -- Setups


def setup_data(setup: BoardSetup) -> dict[str, Any]:
    cadence = setup.cadence
    return {
        "key": setup.key,
        "members": sorted(setup.members),
        "names": dict(setup.names),
        "member_group": setup.member_group,
        "secretary_id": setup.secretary_id,
        "chair_id": setup.chair_id,
        "cadence": None
        if cadence is None
        else {
            "first": cadence.first.isoformat(),
            "at": cadence.at.strftime("%H:%M"),
            "repeat": cadence.repeat.value,
            "timezone": cadence.timezone,
        },
        "agenda_days_before": setup.agenda_days_before,
        "sample": setup.sample,
    }


def setup_from(data: Mapping[str, Any]) -> BoardSetup:
    cadence = data.get("cadence")
    return BoardSetup(
        key=data["key"],
        members=frozenset(data.get("members", [])),
        names=dict(data.get("names", {})),
        member_group=data.get("member_group", ""),
        secretary_id=data.get("secretary_id", ""),
        chair_id=data.get("chair_id", ""),
        cadence=None
        if cadence is None
        else Cadence(
            first=dt.date.fromisoformat(cadence["first"]),
            at=dt.time.fromisoformat(cadence["at"]),
            repeat=Repeat(cadence["repeat"]),
            timezone=cadence.get("timezone", "Europe/London"),
        ),
        agenda_days_before=int(data.get("agenda_days_before", 3)),
        sample=bool(data.get("sample", False)),
    )


# -- Deputies


def deputy_data(deputy: Deputy) -> dict[str, Any]:
    return {
        "board": deputy.board,
        "member_id": deputy.member_id,
        "member_name": deputy.member_name,
        "deputy_id": deputy.deputy_id,
        "deputy_name": deputy.deputy_name,
        "starts": deputy.starts.isoformat(),
        "ends": deputy.ends.isoformat(),
        "named_at": time_text(deputy.named_at),
    }


def deputy_from(data: Mapping[str, Any]) -> Deputy:
    return Deputy(
        board=data["board"],
        member_id=data["member_id"],
        member_name=data["member_name"],
        deputy_id=data["deputy_id"],
        deputy_name=data["deputy_name"],
        starts=dt.date.fromisoformat(data["starts"]),
        ends=dt.date.fromisoformat(data["ends"]),
        named_at=time_from(data["named_at"]),
    )


# -- Decisions


def decision_data(d: Decision) -> dict[str, Any]:
    """Every field but `seq`, which the store gives when it keeps the decision."""
    return {
        "id": d.id,
        "reference": d.reference,
        "board": d.board,
        "kind": d.kind.value,
        "decided_by_id": d.decided_by_id,
        "decided_by_name": d.decided_by_name,
        "at": time_text(d.at),
        "rationale": d.rationale,
        "on_behalf_of_id": d.on_behalf_of_id,
        "on_behalf_of_name": d.on_behalf_of_name,
        "process": d.process,
        "delivery_owner": d.delivery_owner,
        "theme": d.theme,
        "horizon": d.horizon,
        "deferred_until": maybe_day_text(d.deferred_until),
        "to_board": d.to_board,
        "score": d.score,
        "matrix_version": d.matrix_version,
    }


def decision_from(data: Mapping[str, Any], seq: int) -> Decision:
    return Decision(
        id=data["id"],
        reference=data["reference"],
        board=data["board"],
        kind=DecisionKind(data["kind"]),
        decided_by_id=data["decided_by_id"],
        decided_by_name=data["decided_by_name"],
        at=time_from(data["at"]),
        rationale=data["rationale"],
        on_behalf_of_id=data["on_behalf_of_id"],
        on_behalf_of_name=data["on_behalf_of_name"],
        process=data["process"],
        delivery_owner=data["delivery_owner"],
        theme=data["theme"],
        horizon=data["horizon"],
        deferred_until=maybe_day_from(data["deferred_until"]),
        to_board=data["to_board"],
        score=int(data["score"]),
        matrix_version=data["matrix_version"],
        seq=seq,
    )
