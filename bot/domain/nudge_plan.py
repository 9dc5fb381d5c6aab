"""The nudge ladder for one question: which nudges to keep, for whom, and when.

When a question is sent to its community, the first champions are nudged at once
(`first_wave`). If nobody answers, after N working hours the next champions are nudged,
after 2N the community lead, and after 3N the question goes into the community's weekly
digest (`later_steps`). A nudge's id is f"{reference}:{step}:{recipient}", so nobody can
be nudged twice for one step, even by two bot processes: the store keeps each id once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from bot.domain.communities import Champion, Nudge, NudgeStep, Question
from bot.domain.working_time import WorkingTime


def nudge_id(question_ref: str, step: NudgeStep, recipient_id: str) -> str:
    return f"{question_ref}:{step.value}:{recipient_id}"


def _nudges(
    question: Question, step: NudgeStep, recipients: Iterable[str], due_at: dt.datetime
) -> list[Nudge]:
    question_ref = question.reference
    seen: set[str] = {question.asker_id}  # nobody is chased to answer their own question
    rows: list[Nudge] = []
    for recipient in recipients:
        if not recipient or recipient in seen:
            continue
        seen.add(recipient)
        rows.append(
            Nudge(
                id=nudge_id(question_ref, step, recipient),
                question_ref=question_ref,
                step=step,
                recipient_id=recipient,
                due_at=due_at,
            )
        )
    return rows


def first_wave(question: Question, picked: list[Champion], now: dt.datetime) -> list[Nudge]:
    """The CHAMPIONS nudges, due now, one per picked champion, in the order picked.

    The asker is never nudged about their own question, even if they are a champion.
    """
    return _nudges(question, NudgeStep.CHAMPIONS, (c.user_id for c in picked), now)


def later_steps(
    question: Question,
    next_picked: list[Champion],
    lead_id: str | Sequence[str],
    routed_at: dt.datetime,
    working_time: WorkingTime,
    after_hours: float,
) -> list[Nudge]:
    """The MORE_CHAMPIONS, LEAD and DIGEST nudges, due N, 2N and 3N working hours after routing.

    `next_picked` are the next champions (picked excluding the first wave). The lead is
    left out of MORE_CHAMPIONS, since the LEAD step reaches them anyway; no LEAD nudge
    when the community has no lead yet, or the lead asked it. `lead_id` may name several
    people (the admins, standing in for a community with no lead). The DIGEST row's recipient
    is the community id.
    """
    leads = [lead_id] if isinstance(lead_id, str) else list(lead_id)
    more = [c.user_id for c in next_picked if c.user_id not in leads]
    wt, n = working_time, after_hours
    return (
        _nudges(question, NudgeStep.MORE_CHAMPIONS, more, wt.add(routed_at, n))
        + _nudges(question, NudgeStep.LEAD, leads, wt.add(routed_at, 2 * n))
        + _nudges(question, NudgeStep.DIGEST, [question.community_id], wt.add(routed_at, 3 * n))
    )


# The name common.md gives the later steps.
next_steps = later_steps
