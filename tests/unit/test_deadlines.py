"""Every stage of a request has a target: when it started, when it is due, which
reminders are owed, and how much time is left, in words."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from bot.domain.deadlines import (
    Stage,
    StageTargets,
    asked_by_board,
    clock_time,
    clockface,
    day_words,
    due_at,
    reminders_due,
    stage_of,
)
from bot.domain.model import AuditEntry, DigitalRequest, Requester, Route, Score, Status
from bot.domain.working_time import WorkingTime
from tests.unit.test_scoring import MINIMAL

UTC = dt.UTC
CAL = WorkingTime()  # 9 to 5, Monday to Friday, London, England's bank holidays
TARGETS = StageTargets()  # triage 5, question 10, board 20 working days
THURSDAY = dt.datetime(2026, 11, 26, 10, 0, tzinfo=UTC)  # London is on UTC in winter


def at(day: int, hour: int, minute: int = 0, month: int = 11, year: int = 2026) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=UTC)


def make(
    status: Status = Status.SUBMITTED,
    history: tuple[AuditEntry, ...] = (),
    submitted: dt.datetime = THURSDAY,
    deferred_until: dt.date | None = None,
) -> DigitalRequest:
    return DigitalRequest(
        reference="DR-2026-0007",
        details=MINIMAL,
        requester=Requester("u1", "Megan Bowen", "u1"),
        score=Score(50, "2026.1", ()),
        route=Route("trb", "project", "Routed by the rules.", "default"),
        status=status,
        submitted_at=submitted,
        history=history,
        deferred_until=deferred_until,
    )


def step(when: dt.datetime, action: str, old: Status, new: Status) -> AuditEntry:
    return AuditEntry(when, "it1", "Isaiah Langer", action, old, new)


S, T, Q, B = Status.SUBMITTED, Status.IN_TRIAGE, Status.AWAITING_INFORMATION, Status.WITH_BOARD


# ---- Which stage, and since when --------------------------------------------------


@pytest.mark.parametrize(
    ("status", "stage"),
    [
        (Status.SUBMITTED, Stage.TRIAGE),
        (Status.IN_TRIAGE, Stage.TRIAGE),
        (Status.AWAITING_INFORMATION, Stage.QUESTION),
        (Status.WITH_BOARD, Stage.BOARD),
        (Status.DECIDED, None),
        (Status.IN_CHANGE, None),
        (Status.IN_PROJECT, None),
        (Status.DELIVERED, None),
        (Status.BENEFITS_REVIEWED, None),
        (Status.REJECTED, None),
        (Status.DUPLICATE, None),
        (Status.WITHDRAWN, None),
    ],
)
def test_every_status_has_its_stage_or_none(status: Status, stage: Stage | None) -> None:
    found = stage_of(make(status))
    assert (found[0] if found else None) == stage
    if found:
        assert found[1] == THURSDAY  # no history: it entered when it was submitted


def test_assigning_does_not_restart_triage_but_an_answer_and_a_reopen_do() -> None:
    assigned = make(T, (step(at(26, 11), "assign", S, T),))
    assert stage_of(assigned) == (Stage.TRIAGE, THURSDAY)
    answered = make(
        T,
        (
            step(at(26, 11), "assign", S, T),
            step(at(27, 9), "ask_info", T, Q),
            step(at(30, 15), "answer_info", Q, T),
        ),
    )
    assert stage_of(answered) == (Stage.TRIAGE, at(30, 15))
    reopened = make(
        T,
        (
            step(at(27, 9), "reject", T, Status.REJECTED),
            step(at(1, 12, month=12), "reopen", Status.REJECTED, T),
        ),
    )
    assert stage_of(reopened) == (Stage.TRIAGE, at(1, 12, month=12))


def test_a_question_starts_when_it_is_asked_and_says_who_asked() -> None:
    by_it = make(Q, (step(at(26, 11), "assign", S, T), step(at(27, 9), "ask_info", T, Q)))
    assert stage_of(by_it) == (Stage.QUESTION, at(27, 9))
    assert not asked_by_board(by_it)
    by_board = make(
        Q,
        (
            step(at(27, 9), "ask_info", T, Q),
            step(at(27, 12), "answer_info", Q, T),
            step(at(30, 9), "accept", T, B),
            step(at(2, 9, month=12), "board_ask_info", B, Q),
        ),
    )
    assert stage_of(by_board) == (Stage.QUESTION, at(2, 9, month=12))
    assert asked_by_board(by_board)
    assert not asked_by_board(make(Q))


def test_a_board_clock_starts_on_acceptance_and_again_when_sent_to_another_board() -> None:
    accepted = make(B, (step(at(27, 9), "accept", T, B),))
    assert stage_of(accepted) == (Stage.BOARD, at(27, 9))
    sent_on = make(
        B, (step(at(27, 9), "accept", T, B), step(at(3, 14, month=12), "send_to_board", B, B))
    )
    assert stage_of(sent_on) == (Stage.BOARD, at(3, 14, month=12))
    # Another change that keeps it with the board (a triager's note, say) does not.
    noted = make(B, (step(at(27, 9), "accept", T, B), step(at(3, 14, month=12), "note", B, B)))
    assert stage_of(noted) == (Stage.BOARD, at(27, 9))


def test_a_deferred_request_comes_back_at_the_start_of_its_day_in_london() -> None:
    history = (step(at(27, 9), "accept", T, B), step(at(3, 14, month=12), "defer", B, B))
    deferred = make(B, history, deferred_until=dt.date(2027, 6, 1))
    # Midnight in London in summer is 11pm the day before in UTC.
    assert stage_of(deferred) == (Stage.BOARD, dt.datetime(2027, 5, 31, 23, 0, tzinfo=UTC))
    assert stage_of(deferred, UTC) == (Stage.BOARD, dt.datetime(2027, 6, 1, 0, 0, tzinfo=UTC))
    # After the deferral, the board asked and the requester answered: that is the entry.
    asked = step(at(4, 9, month=12), "board_ask_info", B, Q)
    later = (*history, asked, step(at(7, 9, month=12), "answer_info", Q, B))
    assert stage_of(make(B, later, deferred_until=dt.date(2027, 6, 1))) == (
        Stage.BOARD,
        at(7, 9, month=12),
    )
    # A deferral date with no deferral in the history still holds the request back.
    held = make(B, history[:1], deferred_until=dt.date(2027, 1, 4))
    assert stage_of(held) == (Stage.BOARD, dt.datetime(2027, 1, 4, 0, 0, tzinfo=UTC))
    passed = make(B, history[:1], deferred_until=dt.date(2026, 11, 1))
    assert stage_of(passed) == (Stage.BOARD, at(27, 9))


# ---- When it is due ---------------------------------------------------------------------


def test_triage_is_due_five_working_days_later_over_a_weekend() -> None:
    assert due_at(Stage.TRIAGE, THURSDAY, CAL, TARGETS, None) == at(3, 10, month=12)


def test_bank_holidays_push_the_deadline() -> None:
    # Christmas Day, Boxing Day (observed on Monday 28th) and New Year's Day are off.
    wednesday = at(23, 10, month=12)
    assert due_at(Stage.TRIAGE, wednesday, CAL, TARGETS, None) == at(4, 10, month=1, year=2027)


def test_the_clock_change_neither_adds_nor_loses_an_hour() -> None:
    # 9am on Friday 23 October 2026 in London is 8am UTC; the clocks go back on Sunday
    # 25th, so 5pm on Thursday 29th in London is 5pm UTC.
    friday = dt.datetime(2026, 10, 23, 8, 0, tzinfo=UTC)
    assert due_at(Stage.TRIAGE, friday, CAL, TARGETS, None) == dt.datetime(
        2026, 10, 29, 17, 0, tzinfo=UTC
    )
    ten = dt.datetime(2026, 10, 23, 9, 0, tzinfo=UTC)  # 10am in London
    assert due_at(Stage.TRIAGE, ten, CAL, TARGETS, None) == dt.datetime(
        2026, 10, 30, 10, 0, tzinfo=UTC
    )


def test_questions_and_boards_without_meetings_count_their_own_days() -> None:
    targets = StageTargets(triage_days=1, question_days=2, board_days_without_meetings=3)
    assert due_at(Stage.TRIAGE, THURSDAY, CAL, targets, None) == at(27, 10)
    assert due_at(Stage.QUESTION, THURSDAY, CAL, targets, None) == at(30, 10)
    assert due_at(Stage.BOARD, THURSDAY, CAL, targets, None) == at(1, 10, month=12)
    meeting = at(8, 14, month=12)
    assert due_at(Stage.BOARD, THURSDAY, CAL, targets, meeting) == meeting
    # A meeting is only the board's deadline.
    assert due_at(Stage.TRIAGE, THURSDAY, CAL, targets, meeting) == at(27, 10)


def test_a_working_day_is_the_calendars_own_length() -> None:
    short = WorkingTime(dt.time(10, 0), dt.time(14, 0))  # 4 hours a day
    assert due_at(Stage.TRIAGE, at(26, 10), short, TARGETS, None) == at(2, 14, month=12)
    assert due_at(Stage.TRIAGE, at(26, 12), short, TARGETS, None) == at(3, 12, month=12)


# ---- Reminders -----------------------------------------------------------------------------


def milestones(
    request: DigitalRequest, now: dt.datetime, meeting: dt.datetime | None = None
) -> list[int]:
    return [r.milestone for r in reminders_due(request, now, CAL, TARGETS, meeting)]


def test_half_time_comes_after_the_weekend_not_on_saturday() -> None:
    request = make()  # 40 working hours from Thursday 10am
    assert milestones(request, at(28, 12)) == []  # Saturday: 15 of 40 hours gone
    assert milestones(request, at(30, 13, 59)) == []
    assert milestones(request, at(30, 14)) == [50]  # Monday 2pm: 20 of 40
    assert milestones(request, at(1, 15, 59, month=12)) == [50]
    assert milestones(request, at(1, 16, month=12)) == [50, 75]  # Tuesday 4pm: 30 of 40
    assert milestones(request, at(3, 9, 59, month=12)) == [50, 75]
    assert milestones(request, at(3, 10, month=12)) == [50, 75, 100]
    assert milestones(request, at(3, 10, month=1, year=2027)) == [50, 75, 100]


def test_each_reminder_has_a_key_for_its_request_stage_entry_and_milestone() -> None:
    due = reminders_due(make(), at(3, 10, month=12), CAL, TARGETS, None)
    assert [r.key for r in due] == [
        f"deadline:DR-2026-0007:triage:20261126T100000:{m}" for m in (50, 75, 100)
    ]
    assert {r.due_at for r in due} == {at(3, 10, month=12)}
    assert {(r.reference, r.stage, r.entered_at) for r in due} == {
        ("DR-2026-0007", Stage.TRIAGE, THURSDAY)
    }
    # A new entry into the stage is a new clock, with new keys.
    again = make(T, (step(at(27, 9), "ask_info", T, Q), step(at(30, 9), "answer_info", Q, T)))
    keys = [r.key for r in reminders_due(again, at(10, 9, month=12), CAL, TARGETS, None)]
    assert keys[0] == "deadline:DR-2026-0007:triage:20261130T090000:50"


def test_a_board_with_a_meeting_is_reminded_against_the_meeting() -> None:
    request = make(B, (step(at(30, 9), "accept", T, B),))
    meeting = at(2, 9, month=12)  # 16 working hours after Monday 9am
    assert milestones(request, at(30, 16, 59), meeting) == []
    assert milestones(request, at(30, 17), meeting) == [50]
    assert milestones(request, at(1, 13, month=12), meeting) == [50, 75]
    assert milestones(request, at(2, 9, month=12), meeting) == [50, 75, 100]
    # Without meetings: 20 working days.
    assert milestones(request, at(2, 9, month=12)) == []


def test_nothing_is_owed_for_a_decided_request_or_before_a_deferral_ends() -> None:
    assert milestones(make(Status.IN_PROJECT), at(3, 10, month=1, year=2027)) == []
    deferred = make(
        B,
        (step(at(27, 9), "accept", T, B), step(at(30, 9), "defer", B, B)),
        deferred_until=dt.date(2027, 1, 4),
    )
    assert milestones(deferred, at(31, 23, month=12)) == []
    assert clockface(deferred, at(31, 23, month=12), CAL, TARGETS, None) is None
    # Back from Monday 4 January: 20 working days from its start.
    assert milestones(deferred, dt.datetime(2027, 1, 18, 9, tzinfo=UTC)) == [50]


def test_a_meeting_before_the_request_arrived_is_already_past() -> None:
    request = make(B, (step(at(30, 9), "accept", T, B),))
    assert milestones(request, at(30, 10), at(30, 9)) == [50, 75, 100]


# ---- In words -------------------------------------------------------------------------------


def words(request: DigitalRequest, now: dt.datetime, meeting: dt.datetime | None = None) -> str:
    face = clockface(request, now, CAL, TARGETS, meeting)
    assert face is not None
    return face.words


def test_time_left_in_working_days_with_when_it_is_due() -> None:
    request = make()
    assert words(request, THURSDAY) == "5 working days left (due by 10am on Thursday 3 December)"
    assert words(request, at(26, 11)) == "4 working days left (due by 10am on Thursday 3 December)"
    assert (
        words(request, at(2, 9, month=12))
        == "1 working day left (due by 10am on Thursday 3 December)"
    )
    assert words(request, at(2, 16, month=12)) == (
        "Less than 1 working day left (due by 10am on Thursday 3 December)"
    )
    assert words(request, at(3, 9, month=12)) == "Due today, by 10am"


def test_overdue_says_overdue_and_by_how_long() -> None:
    request = make()
    face = clockface(request, at(3, 11, month=12), CAL, TARGETS, None)
    assert face is not None and face.overdue and face.stage is Stage.TRIAGE
    assert face.due_at == at(3, 10, month=12) and face.entered_at == THURSDAY
    assert face.words == "Overdue: it was due by 10am today"
    assert words(request, at(4, 9, month=12)) == (
        "Overdue by 1 working day (it was due by 10am on Thursday 3 December)"
    )
    assert words(request, at(7, 11, month=12)) == (
        "Overdue by 2 working days (it was due by 10am on Thursday 3 December)"
    )
    assert words(request, at(8, 11, month=1, year=2027)) == (
        "Overdue by 23 working days (it was due by 10am on Thursday 3 December 2026)"
    )
    left = clockface(request, at(3, 9, month=12), CAL, TARGETS, None)
    assert left is not None and not left.overdue


def test_a_board_is_due_at_its_meeting() -> None:
    request = make(B, (step(at(30, 9), "accept", T, B),))
    meeting = at(8, 14, month=12)
    assert words(request, at(30, 10), meeting) == "Due at the meeting on Tuesday 8 December"
    assert words(request, at(8, 9, month=12), meeting) == "Due at the meeting today"
    assert (
        words(request, at(8, 15, month=12), meeting) == "Overdue: it was due at the meeting today"
    )
    assert words(request, at(9, 15, month=12), meeting) == (
        "Overdue by 1 working day (it was due at the meeting on Tuesday 8 December)"
    )
    no_meeting = words(request, at(30, 10))
    assert no_meeting == "19 working days left (due by 5pm on Tuesday 29 December)"


@pytest.mark.parametrize(
    ("hour", "minute", "said"),
    [
        (17, 0, "5pm"),
        (9, 30, "9:30am"),
        (12, 0, "midday"),
        (12, 30, "12:30pm"),
        (0, 0, "12am"),
        (11, 5, "11:05am"),
    ],
)
def test_times_of_day_as_govuk_writes_them(hour: int, minute: int, said: str) -> None:
    assert clock_time(dt.datetime(2026, 1, 1, hour, minute)) == said


def test_days_say_the_year_only_when_it_is_not_this_year() -> None:
    assert day_words(dt.date(2026, 12, 1), dt.date(2026, 11, 30)) == "Tuesday 1 December"
    assert day_words(dt.date(2027, 1, 4), dt.date(2026, 11, 30)) == "Monday 4 January 2027"


def test_a_deadline_in_summer_is_told_in_london_time() -> None:
    june = dt.datetime(2027, 6, 1, 8, 0, tzinfo=UTC)  # Tuesday 9am in London
    request = dataclasses.replace(make(), submitted_at=june)
    assert words(request, june) == "5 working days left (due by 5pm on Monday 7 June)"
    noon = june + dt.timedelta(hours=4)
    assert words(request, noon) == "4 working days left (due by 5pm on Monday 7 June)"


# ---- Edges ------------------------------------------------------------------------------


def test_a_working_day_with_half_hours_counts_them() -> None:
    half_past = WorkingTime(dt.time(9, 30), dt.time(17, 0))  # 7.5 hours a day
    # 37.5 working hours from the start of Thursday: the end of Wednesday.
    assert due_at(Stage.TRIAGE, at(26, 9, 30), half_past, TARGETS, None) == at(2, 17, month=12)


def test_a_meeting_soon_after_arrival_is_counted_in_minutes() -> None:
    request = make(B, (step(at(30, 9), "accept", T, B),))
    meeting = at(30, 9, 30)  # half an hour of working time
    assert milestones(request, at(30, 9, 10), meeting) == []
    assert milestones(request, at(30, 9, 20), meeting) == [50]


def test_a_meeting_outside_working_time_is_still_a_deadline() -> None:
    # Accepted on Saturday morning for a meeting that afternoon: no working time between.
    request = make(B, (step(at(28, 10), "accept", T, B),))
    meeting = at(28, 14)
    assert milestones(request, at(28, 12), meeting) == []
    assert milestones(request, at(28, 14), meeting) == [50, 75, 100]
    # A meeting the moment it arrived is due at once.
    assert milestones(request, at(28, 10), at(28, 10)) == [50, 75, 100]


def test_at_the_very_moment_it_is_due_it_is_overdue() -> None:
    face = clockface(make(), at(3, 10, month=12), CAL, TARGETS, None)
    assert face is not None and face.overdue
    assert face.words == "Overdue: it was due by 10am today"


def test_today_is_the_councils_today_not_the_servers() -> None:
    june = dt.datetime(2027, 6, 1, 8, 0, tzinfo=UTC)  # Tuesday 9am in London
    request = dataclasses.replace(make(), submitted_at=june)
    # 11:30pm UTC on Sunday is 12:30am on Monday in London: due today.
    assert words(request, dt.datetime(2027, 6, 6, 23, 30, tzinfo=UTC)) == "Due today, by 5pm"


def test_a_deferral_ends_at_midnight_in_the_calendars_time_zone() -> None:
    history = (step(at(27, 9), "accept", T, B), step(at(3, 14, month=12), "defer", B, B))
    deferred = make(B, history, deferred_until=dt.date(2027, 6, 1))
    just_after = dt.datetime(2027, 5, 31, 23, 30, tzinfo=UTC)  # 12:30am in London
    face = clockface(deferred, just_after, CAL, TARGETS, None)
    assert face is not None and face.entered_at == dt.datetime(2027, 5, 31, 23, tzinfo=UTC)
    later = dt.datetime(2027, 6, 30, 9, tzinfo=UTC)
    [key, *_] = [r.key for r in reminders_due(deferred, later, CAL, TARGETS, None)]
    assert key == "deadline:DR-2026-0007:board:20270531T230000:50"
    # A council on UTC: its deferrals end at midnight UTC.
    utc = WorkingTime(timezone="UTC")
    assert clockface(deferred, just_after, utc, TARGETS, None) is None
    [key, *_] = [r.key for r in reminders_due(deferred, later, utc, TARGETS, None)]
    assert key == "deadline:DR-2026-0007:board:20270601T000000:50"


def test_a_deferral_decided_as_it_arrived_still_holds_it_back() -> None:
    same_moment = (step(at(27, 9), "accept", T, B), step(at(27, 9), "defer", B, B))
    deferred = make(B, same_moment, deferred_until=dt.date(2027, 1, 4))
    assert stage_of(deferred) == (Stage.BOARD, dt.datetime(2027, 1, 4, tzinfo=UTC))


def test_times_come_out_in_utc_whatever_zone_they_went_in() -> None:
    london = dt.datetime(2026, 12, 1, 14, 0, tzinfo=CAL.zone)
    assert due_at(Stage.BOARD, THURSDAY, CAL, TARGETS, london).tzinfo is UTC
    found = stage_of(make(submitted=THURSDAY.astimezone(CAL.zone)))
    assert found is not None and found[1].tzinfo is UTC
    # Keys are written from UTC, so they stay the same whatever the server's zone.
    [first, *_] = reminders_due(
        make(submitted=THURSDAY.astimezone(CAL.zone)), at(4, 9, month=12), CAL, TARGETS, None
    )
    assert first.key == "deadline:DR-2026-0007:triage:20261126T100000:50"
