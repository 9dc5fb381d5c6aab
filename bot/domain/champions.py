"""Picking champions for a question, fairly.

Only approved champions of the question's community who are reachable and not paused
that day are picked. Among them, people from the asker's own service area come first
(they know the local systems), then whoever has been sent the fewest questions lately,
so the load is shared, then by name so the order never depends on how the store
happened to return rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from bot.domain.communities import Champion, ChampionStatus


def is_paused(champion: Champion, today: dt.date) -> bool:
    """Paused that day: `paused_until` is the last day paused; no date means until resumed."""
    if champion.paused_until is not None:
        return today <= champion.paused_until
    return champion.paused


def can_be_asked(champion: Champion, community_id: str, today: dt.date) -> bool:
    """An approved, reachable champion of this community who is not paused today."""
    return (
        champion.community_id == community_id
        and champion.status is ChampionStatus.APPROVED
        and not champion.unreachable
        and not is_paused(champion, today)
    )


def pick(
    candidates: list[Champion],
    community_id: str,
    service_area: str,
    sent_counts: Mapping[str, int],
    today: dt.date,
    exclude: set[str],
    limit: int,
) -> list[Champion]:
    """Up to `limit` champions to send a question to, best first.

    `sent_counts` is how many questions each person (by user id) was sent over the
    fairness window; `exclude` holds user ids already asked about this question.
    """
    area = service_area.strip().casefold()
    chosen: dict[str, Champion] = {}
    for champion in candidates:
        if champion.user_id in exclude or champion.user_id in chosen:
            continue
        if can_be_asked(champion, community_id, today):
            chosen[champion.user_id] = champion

    def order(champion: Champion) -> tuple[bool, int, str, str]:
        same_area = bool(area) and champion.service_area.strip().casefold() == area
        return (
            not same_area,
            sent_counts.get(champion.user_id, 0),
            champion.name.casefold(),
            champion.user_id,
        )

    return sorted(chosen.values(), key=order)[: max(limit, 0)]
