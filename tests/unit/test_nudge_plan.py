"""The nudge ladder: first champions now, more after N working hours, the lead, the digest."""

import dataclasses
import datetime as dt

from bot.domain.communities import (
    Champion,
    ChampionStatus,
    NudgeOutcome,
    NudgeStep,
    Question,
    QuestionStatus,
)
from bot.domain.nudge_plan import first_wave, later_steps, next_steps, nudge_id
from bot.domain.working_time import WorkingTime

UTC = dt.UTC
ROUTED = dt.datetime(2026, 11, 27, 16, tzinfo=UTC)  # a Friday, 4pm
QUESTION = Question(
    reference="Q-2026-0007",
    asker_id="asker",
    asker_name="Asha",
    text="How do I share a flow?",
    community_id="power-platform",
    service_area="Housing",
    status=QuestionStatus.OPEN,
    asked_at=ROUTED,
    routed_at=ROUTED,
)


def champ(user_id: str) -> Champion:
    return Champion(
        user_id=user_id,
        community_id="power-platform",
        name=user_id.title(),
        service_area="Housing",
        can_help_with="",
        status=ChampionStatus.APPROVED,
        volunteered_at=ROUTED,
    )


def test_first_wave_is_due_now_for_each_picked_champion_in_order() -> None:
    rows = first_wave(QUESTION, [champ("b"), champ("a")], ROUTED)
    assert [n.recipient_id for n in rows] == ["b", "a"]
    assert all(n.step is NudgeStep.CHAMPIONS and n.due_at == ROUTED for n in rows)
    assert all(n.outcome is NudgeOutcome.WAITING and n.sent_at is None for n in rows)
    assert rows[0].id == "Q-2026-0007:champions:b"
    assert all(n.question_ref == "Q-2026-0007" for n in rows)


def test_nobody_twice_in_the_first_wave() -> None:
    rows = first_wave(QUESTION, [champ("a"), champ("a"), champ("b")], ROUTED)
    assert [n.recipient_id for n in rows] == ["a", "b"]
    assert len({n.id for n in rows}) == 2


def test_first_wave_with_no_champions_is_empty() -> None:
    assert first_wave(QUESTION, [], ROUTED) == []


def test_later_steps_fall_after_n_2n_and_3n_working_hours() -> None:
    rows = later_steps(QUESTION, [champ("c"), champ("d")], "lead", ROUTED, WorkingTime(), 4)
    by_step = {(n.step, n.recipient_id): n.due_at for n in rows}
    monday = dt.datetime(2026, 11, 30, tzinfo=UTC)
    assert by_step == {
        (NudgeStep.MORE_CHAMPIONS, "c"): monday.replace(hour=12),  # Friday 4pm + 4h
        (NudgeStep.MORE_CHAMPIONS, "d"): monday.replace(hour=12),
        (NudgeStep.LEAD, "lead"): monday.replace(hour=16),
        (NudgeStep.DIGEST, "power-platform"): monday.replace(day=1, month=12, hour=12),
    }


def test_later_step_ids_name_question_step_and_recipient() -> None:
    rows = later_steps(QUESTION, [champ("c")], "lead", ROUTED, WorkingTime(), 1)
    assert [n.id for n in rows] == [
        "Q-2026-0007:more_champions:c",
        "Q-2026-0007:lead:lead",
        "Q-2026-0007:digest:power-platform",
    ]
    assert nudge_id("Q-1", NudgeStep.DIGEST, "x") == "Q-1:digest:x"


def test_the_lead_is_not_also_nudged_as_a_champion() -> None:
    rows = later_steps(QUESTION, [champ("lead"), champ("c")], "lead", ROUTED, WorkingTime(), 4)
    more = [n.recipient_id for n in rows if n.step is NudgeStep.MORE_CHAMPIONS]
    assert more == ["c"]
    assert [n.recipient_id for n in rows if n.step is NudgeStep.LEAD] == ["lead"]


def test_no_lead_step_without_a_lead() -> None:
    rows = later_steps(QUESTION, [champ("c")], "", ROUTED, WorkingTime(), 4)
    assert [n.step for n in rows] == [NudgeStep.MORE_CHAMPIONS, NudgeStep.DIGEST]


def test_nobody_twice_in_more_champions() -> None:
    rows = later_steps(QUESTION, [champ("c"), champ("c")], "lead", ROUTED, WorkingTime(), 4)
    assert [n.recipient_id for n in rows if n.step is NudgeStep.MORE_CHAMPIONS] == ["c"]


def test_no_more_champions_still_reaches_the_lead_and_the_digest() -> None:
    rows = later_steps(QUESTION, [], "lead", ROUTED, WorkingTime(), 4)
    assert [n.step for n in rows] == [NudgeStep.LEAD, NudgeStep.DIGEST]


def test_half_hour_steps_in_working_time() -> None:
    start = dt.datetime(2026, 11, 25, 16, 30, tzinfo=UTC)  # Wednesday
    question = dataclasses.replace(QUESTION, routed_at=start)
    rows = next_steps(question, [champ("c")], "lead", start, WorkingTime(), 0.5)
    assert [n.due_at for n in rows] == [
        dt.datetime(2026, 11, 25, 17, tzinfo=UTC),
        dt.datetime(2026, 11, 26, 9, 30, tzinfo=UTC),
        dt.datetime(2026, 11, 26, 10, tzinfo=UTC),
    ]


def test_the_asker_is_never_nudged_about_their_own_question() -> None:
    assert first_wave(QUESTION, [champ("asker"), champ("a")], ROUTED)[0].recipient_id == "a"
    rows = later_steps(QUESTION, [champ("asker"), champ("c")], "asker", ROUTED, WorkingTime(), 4)
    assert [(n.step, n.recipient_id) for n in rows] == [
        (NudgeStep.MORE_CHAMPIONS, "c"),
        (NudgeStep.DIGEST, "power-platform"),
    ]


def test_several_people_can_stand_in_for_a_missing_lead() -> None:
    """A community with no lead: the admins get the lead's step, and none of them is also
    chased as one of the next champions."""
    admins = ["admin-1", "admin-2"]
    picked = [champ("admin-2"), champ("c-9")]
    rows = later_steps(QUESTION, picked, admins, ROUTED, WorkingTime(), 4)
    by_step = {step: [r.recipient_id for r in rows if r.step is step] for step in NudgeStep}
    assert by_step[NudgeStep.LEAD] == admins
    assert by_step[NudgeStep.MORE_CHAMPIONS] == ["c-9"]
