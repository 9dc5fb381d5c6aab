"""How boards work day to day: when they meet, when an agenda goes out, who may decide,
the order of the agenda, the flags on each item, and the theme a request belongs to."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from bot.domain.boards import (
    Authority,
    BoardSetup,
    Cadence,
    Deputy,
    Repeat,
    agenda_at,
    agenda_due,
    authority,
    clock_time,
    describe_cadence,
    first_meeting_for,
    flags,
    meetings,
    order_agenda,
)
from bot.domain.model import (
    ALSO_AFFECTED,
    AuditEntry,
    Budget,
    DigitalRequest,
    Driver,
    RequestDetails,
    Requester,
    RequestKind,
    Route,
    Score,
    Status,
    Theme,
)
from bot.domain.themes import THEME_OF_DRIVER, theme_of, theme_reason

UTC = dt.UTC
TODAY = dt.date(2026, 11, 25)
# Every Thursday at 2pm London time, from 8 January 2026. The clocks go forward on
# 29 March 2026 and back on 25 October 2026.
THURSDAYS = Cadence(dt.date(2026, 1, 8), dt.time(14, 0), Repeat.WEEKLY)


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)  # type: ignore[misc]


# -- Meetings ----------------------------------------------------------------------------


def test_weekly_meetings_keep_their_local_time_across_the_spring_clock_change() -> None:
    assert meetings(THURSDAYS, utc(2026, 3, 20), 3) == [
        utc(2026, 3, 26, 14),  # GMT
        utc(2026, 4, 2, 13),  # BST: still 2pm in London
        utc(2026, 4, 9, 13),
    ]


def test_weekly_meetings_keep_their_local_time_across_the_autumn_clock_change() -> None:
    assert meetings(THURSDAYS, utc(2026, 10, 20), 2) == [
        utc(2026, 10, 22, 13),
        utc(2026, 10, 29, 14),
    ]


def test_meetings_are_strictly_after_the_time_given_and_in_utc() -> None:
    found = meetings(THURSDAYS, utc(2026, 11, 26, 14), 1)
    assert found == [utc(2026, 12, 3, 14)]
    assert found[0].tzinfo is UTC
    just_before = meetings(THURSDAYS, utc(2026, 11, 26, 13, 59, 59), 1)
    assert just_before == [utc(2026, 11, 26, 14)]


def test_meetings_start_at_the_first_one_and_cross_the_year_end() -> None:
    assert meetings(THURSDAYS, utc(2025, 6, 1), 1) == [utc(2026, 1, 8, 14)]
    assert meetings(THURSDAYS, utc(2026, 12, 30), 2) == [utc(2026, 12, 31, 14), utc(2027, 1, 7, 14)]


def test_the_time_given_may_be_in_any_time_zone_but_must_have_one() -> None:
    paris = dt.timezone(dt.timedelta(hours=1))
    assert meetings(THURSDAYS, dt.datetime(2026, 11, 26, 15, 0, tzinfo=paris), 1) == [
        utc(2026, 12, 3, 14)
    ]
    with pytest.raises(ValueError, match=r"^after must be timezone-aware$"):
        meetings(THURSDAYS, dt.datetime(2026, 11, 26), 1)


def test_no_meetings_are_asked_for_none_are_given() -> None:
    assert meetings(THURSDAYS, utc(2026, 11, 1), 0) == []
    assert meetings(THURSDAYS, utc(2026, 11, 1), -1) == []


def test_a_meeting_just_after_midnight_in_summer_is_the_evening_before_in_utc() -> None:
    late = Cadence(dt.date(2026, 7, 2), dt.time(0, 30), Repeat.WEEKLY)
    # 11pm UTC on 1 July is already midnight on 2 July in London.
    assert meetings(late, utc(2026, 7, 1, 23), 1) == [utc(2026, 7, 1, 23, 30)]


@pytest.mark.parametrize(
    ("repeat", "expected"),
    [
        (Repeat.FORTNIGHTLY, [dt.date(2026, 11, 26), dt.date(2026, 12, 10), dt.date(2026, 12, 24)]),
        (Repeat.FOUR_WEEKLY, [dt.date(2026, 12, 10), dt.date(2027, 1, 7), dt.date(2027, 2, 4)]),
    ],
)
def test_every_two_or_four_weeks_counts_from_the_first_meeting(
    repeat: Repeat, expected: list[dt.date]
) -> None:
    cadence = dataclasses.replace(THURSDAYS, repeat=repeat)
    found = meetings(cadence, utc(2026, 11, 20), 3)
    assert [m.date() for m in found] == expected


def test_monthly_meetings_keep_the_weekday_and_its_week_of_the_month() -> None:
    # 13 January 2026 is the 2nd Tuesday of the month.
    second_tuesday = Cadence(dt.date(2026, 1, 13), dt.time(10, 0), Repeat.MONTHLY)
    found = meetings(second_tuesday, utc(2026, 1, 1), 4)
    assert found == [
        utc(2026, 1, 13, 10),
        utc(2026, 2, 10, 10),
        utc(2026, 3, 10, 10),
        utc(2026, 4, 14, 9),  # BST
    ]
    # Across the year end: 8 December 2026, then 12 January 2027.
    assert [m.date() for m in meetings(second_tuesday, utc(2026, 12, 1), 2)] == [
        dt.date(2026, 12, 8),
        dt.date(2027, 1, 12),
    ]


def test_a_monthly_meeting_first_held_on_a_fifth_weekday_falls_on_the_last_one() -> None:
    # 29 January 2026 is the 5th Thursday; February and March 2026 have only four.
    fifth = Cadence(dt.date(2026, 1, 29), dt.time(14, 0), Repeat.MONTHLY)
    found = meetings(fifth, utc(2026, 1, 1), 4)
    assert [m.date() for m in found] == [
        dt.date(2026, 1, 29),
        dt.date(2026, 2, 26),
        dt.date(2026, 3, 26),
        dt.date(2026, 4, 30),  # April has a 5th Thursday
    ]


def test_a_monthly_meeting_on_a_fourth_weekday_stays_on_the_fourth() -> None:
    # 28 January 2026 is the 4th Wednesday; April 2026 has five Wednesdays (1st to 29th).
    fourth = Cadence(dt.date(2026, 1, 28), dt.time(9, 30), Repeat.MONTHLY)
    found = meetings(fourth, utc(2026, 3, 1), 2)
    assert [m.date() for m in found] == [dt.date(2026, 3, 25), dt.date(2026, 4, 22)]


def test_a_meeting_on_a_bank_holiday_still_counts() -> None:
    # Christmas Day 2026 is a Friday.
    fridays = Cadence(dt.date(2026, 12, 4), dt.time(10, 0), Repeat.WEEKLY)
    assert utc(2026, 12, 25, 10) in meetings(fridays, utc(2026, 12, 20), 2)


# -- When the agenda goes out ------------------------------------------------------------

SETUP = BoardSetup(key="trb", cadence=THURSDAYS, agenda_days_before=3)


def test_a_request_is_decided_at_the_first_meeting_whose_agenda_it_can_be_on() -> None:
    # Thursday 26 November 2026's agenda goes out on Monday 23 November at 2pm.
    assert first_meeting_for(SETUP, utc(2026, 11, 23, 13, 59)) == utc(2026, 11, 26, 14)
    assert first_meeting_for(SETUP, utc(2026, 11, 23, 14)) == utc(2026, 11, 26, 14), (
        "reached exactly when the agenda goes out: it is on it"
    )
    assert first_meeting_for(SETUP, utc(2026, 11, 23, 14, 0, 1)) == utc(2026, 12, 3, 14)


def test_the_agenda_goes_out_at_the_meeting_s_local_time_across_a_clock_change() -> None:
    # Tuesday 31 March 2026 at 10am BST (9am UTC); 3 days earlier is Saturday 28 March at
    # 10am GMT (10am UTC), not 9am UTC.
    tuesdays = BoardSetup(
        "ddc", cadence=Cadence(dt.date(2026, 3, 3), dt.time(10, 0), Repeat.WEEKLY)
    )
    assert agenda_at(tuesdays, utc(2026, 3, 31, 9)) == utc(2026, 3, 28, 10)
    assert first_meeting_for(tuesdays, utc(2026, 3, 28, 9, 30)) == utc(2026, 3, 31, 9)


def test_an_agenda_time_in_summer_is_in_utc() -> None:
    # Thursday 9 July 2026 at 2pm BST (1pm UTC): the agenda goes out Monday at 2pm BST.
    sent = agenda_at(SETUP, utc(2026, 7, 9, 13))
    assert sent == utc(2026, 7, 6, 13) and sent.tzinfo is UTC


def test_the_agenda_time_follows_the_board_s_own_time_zone() -> None:
    # New York's clocks go forward on 8 March 2026, three weeks before London's.
    new_york = Cadence(dt.date(2026, 3, 3), dt.time(10, 0), Repeat.WEEKLY, "America/New_York")
    board = BoardSetup("ddc", cadence=new_york)
    meeting = meetings(new_york, utc(2026, 3, 9), 1)[0]
    assert meeting == utc(2026, 3, 10, 14)  # 10am EDT
    assert agenda_at(board, meeting) == utc(2026, 3, 7, 15)  # 10am EST


def test_without_meetings_set_the_agenda_time_is_counted_in_london() -> None:
    assert agenda_at(BoardSetup("ictig"), utc(2026, 3, 31, 9)) == utc(2026, 3, 28, 10)


def test_a_board_without_meetings_has_no_first_meeting_and_no_agenda() -> None:
    bare = BoardSetup("ictig")
    assert first_meeting_for(bare, utc(2026, 11, 23)) is None
    assert agenda_due(bare, utc(2026, 11, 23)) is None


def test_an_agenda_the_same_day_as_the_meeting() -> None:
    same_day = dataclasses.replace(SETUP, agenda_days_before=0)
    assert first_meeting_for(same_day, utc(2026, 11, 26, 14)) == utc(2026, 11, 26, 14)
    assert first_meeting_for(same_day, utc(2026, 11, 26, 14, 1)) == utc(2026, 12, 3, 14)


@pytest.mark.parametrize(
    ("now", "due"),
    [
        (utc(2026, 11, 23, 13, 59), None),  # before the agenda time
        (utc(2026, 11, 23, 14), utc(2026, 11, 26, 14)),  # exactly at it
        (utc(2026, 11, 25, 9), utc(2026, 11, 26, 14)),  # between agenda and meeting
        (utc(2026, 11, 26, 13, 59), utc(2026, 11, 26, 14)),  # just before the meeting
        (utc(2026, 11, 26, 14), None),  # the meeting has started; the next agenda is later
        (utc(2026, 11, 27, 9), None),
    ],
)
def test_an_agenda_is_due_from_its_time_until_the_meeting(
    now: dt.datetime, due: dt.datetime | None
) -> None:
    assert agenda_due(SETUP, now) == due


# -- Who may decide ----------------------------------------------------------------------

MEMBERS = BoardSetup(
    "trb", members=frozenset({"alex", "sam"}), names={"alex": "Alex Kay", "sam": "Sam Lee"}
)
NAMED = utc(2026, 11, 20, 9)


def deputy(member: str = "alex", who: str = "dee", **kw: Any) -> Deputy:
    given: dict[str, Any] = {
        "board": "trb",
        "member_id": member,
        "member_name": "Alex (old name)",
        "deputy_id": who,
        "deputy_name": "Dee Puty",
        "starts": dt.date(2026, 11, 23),
        "ends": dt.date(2026, 12, 4),
        "named_at": NAMED,
    }
    return Deputy(**{**given, **kw})


def test_a_member_decides_as_themselves() -> None:
    assert authority(MEMBERS, [], "sam", "Sam Lee", TODAY) == Authority("sam", "Sam Lee")


@pytest.mark.parametrize(
    "today", [dt.date(2026, 11, 23), dt.date(2026, 11, 30), dt.date(2026, 12, 4)]
)
def test_a_deputy_decides_for_the_member_on_every_day_of_their_period(today: dt.date) -> None:
    assert authority(MEMBERS, [deputy()], "dee", "Dee Puty", today) == Authority(
        "dee", "Dee Puty", "alex", "Alex Kay"
    )


@pytest.mark.parametrize("today", [dt.date(2026, 11, 22), dt.date(2026, 12, 5)])
def test_a_deputy_outside_their_period_cannot_decide(today: dt.date) -> None:
    assert authority(MEMBERS, [deputy()], "dee", "Dee Puty", today) is None


def test_the_deputy_of_someone_no_longer_a_member_cannot_decide() -> None:
    assert authority(MEMBERS, [deputy(member="former")], "dee", "Dee Puty", TODAY) is None


def test_a_deputy_for_another_board_cannot_decide_for_this_one() -> None:
    assert authority(MEMBERS, [deputy(board="ddc")], "dee", "Dee Puty", TODAY) is None


@pytest.mark.parametrize("actor", ["outsider", "", "ALEX"])
def test_nobody_else_decides(actor: str) -> None:
    assert authority(MEMBERS, [deputy()], actor, "Someone", TODAY) is None


def test_a_member_who_is_also_a_deputy_decides_as_a_member() -> None:
    assert authority(MEMBERS, [deputy(who="sam")], "sam", "Sam Lee", TODAY) == Authority(
        "sam", "Sam Lee"
    )


def test_the_member_s_name_falls_back_to_the_one_kept_with_the_deputy() -> None:
    unnamed = dataclasses.replace(MEMBERS, names={})
    found = authority(unnamed, [deputy()], "dee", "Dee Puty", TODAY)
    assert found is not None and found.on_behalf_of_name == "Alex (old name)"


def test_a_deputy_for_two_members_decides_for_the_one_named_first() -> None:
    later = deputy(member="sam", named_at=NAMED + dt.timedelta(hours=1))
    found = authority(MEMBERS, [later, deputy()], "dee", "Dee Puty", TODAY)
    assert found is not None and found.on_behalf_of_id == "alex"


# -- The agenda's order ------------------------------------------------------------------

AT = utc(2026, 11, 2, 10)
DETAILS = RequestDetails(
    title="Repairs tracking",
    problem="Spreadsheets.",
    affected_staff=40,
    affected_residents=None,
    affected_businesses=None,
    directorate="Place",
    kind=RequestKind.CHANGE_EXISTING,
    involves_procurement=False,
    supplier="",
    contract_end=None,
    personal_data=False,
    existing_systems="",
    user_research="",
    sponsor="Sam Head",
    budget=Budget.UNDER_10K,
    needed_by=None,
    statutory_deadline=None,
    cash_saving_per_year=None,
    hours_saved_per_year=None,
    resident_impact="",
    drivers=(),
)


def request(reference: str = "DR-2026-0001", score: int = 50, **kw: Any) -> DigitalRequest:
    details = dataclasses.replace(DETAILS, **kw.pop("details", {}))
    return DigitalRequest(
        reference=reference,
        details=details,
        requester=Requester("megan", "Megan Bowen", "megan"),
        score=Score(score, "2026.1", ()),
        route=Route("trb", "project", "It is new technology.", "rule"),
        status=Status.WITH_BOARD,
        submitted_at=kw.pop("submitted_at", AT),
        **kw,
    )


def test_the_agenda_goes_highest_score_first_then_oldest_then_by_reference() -> None:
    items = [
        request("DR-2026-0004", 40),
        request("DR-2026-10000", 60),
        request("DR-2026-9999", 60),
        request("DR-2026-0002", 60, submitted_at=AT - dt.timedelta(days=1)),
        request("DR-2025-0500", 60),
        request("DR-2026-0003", 90),
    ]
    assert [r.reference for r in order_agenda(items)] == [
        "DR-2026-0003",
        "DR-2026-0002",  # older, at the same score
        "DR-2025-0500",  # same score and age: by year, then number
        "DR-2026-9999",
        "DR-2026-10000",
        "DR-2026-0004",
    ]


def test_a_reference_that_is_not_one_still_sorts_the_same_way_each_time() -> None:
    odd = [request("B-odd"), request("DR-2026-0001"), request("A-odd")]
    assert [r.reference for r in order_agenda(odd)] == ["A-odd", "B-odd", "DR-2026-0001"]


def test_the_agenda_order_does_not_depend_on_the_order_given() -> None:
    items = [request(f"DR-2026-{n:04d}", n % 3) for n in range(1, 20)]
    assert order_agenda(items) == order_agenda(list(reversed(items)))
    assert order_agenda([]) == []


# -- Flags -------------------------------------------------------------------------------


def entry(action: str, days: int = 0, actor: str = "sam") -> AuditEntry:
    at = AT + dt.timedelta(days=days)
    return AuditEntry(at, actor, actor.title(), action, Status.WITH_BOARD, Status.WITH_BOARD)


def test_a_plain_request_has_no_flags() -> None:
    assert flags(request(), TODAY) == []


@pytest.mark.parametrize(
    ("details", "flag"),
    [
        ({"personal_data": True}, "Personal data"),
        ({"involves_procurement": True}, "Buying software"),
        ({"statutory_deadline": dt.date(2027, 3, 3)}, "Statutory deadline 3 March 2027"),
        ({"statutory_deadline": TODAY}, "Statutory deadline 25 November 2026"),
        (
            {"statutory_deadline": dt.date(2026, 11, 24)},
            "Statutory deadline passed 24 November 2026",
        ),
        ({"contract_end": dt.date(2027, 3, 31)}, "Contract ends 31 March 2027"),
        ({"contract_end": TODAY}, "Contract ends 25 November 2026"),
        ({"contract_end": dt.date(2026, 10, 31)}, "Contract ended 31 October 2026"),
        ({"needed_by": dt.date(2027, 1, 31)}, "Needed by 31 January 2027"),
        ({"needed_by": TODAY}, "Needed by 25 November 2026"),
        ({"budget": Budget.OVER_250K}, "Costs over £250,000"),
        ({"sponsor": "  "}, "No senior sponsor"),
    ],
)
def test_each_thing_a_board_should_notice_is_flagged(details: dict[str, Any], flag: str) -> None:
    assert flags(request(details=details), TODAY) == [flag]


def test_a_need_date_already_gone_is_not_flagged() -> None:
    assert flags(request(details={"needed_by": dt.date(2026, 11, 24)}), TODAY) == []


@pytest.mark.parametrize(("people", "flag"), [(1, "1 other affected"), (3, "3 others affected")])
def test_others_with_the_same_need_are_counted(people: int, flag: str) -> None:
    joined = tuple(entry(ALSO_AFFECTED, actor=f"p{n}") for n in range(people))
    twice = (*joined, entry(ALSO_AFFECTED, actor="p0"))  # the same person twice counts once
    assert flags(request(history=twice), TODAY) == [flag]


@pytest.mark.parametrize(
    ("until", "flag"),
    [
        (dt.date(2026, 11, 26), "Deferred until 26 November 2026"),
        (TODAY, "Came back from deferral"),
        (dt.date(2026, 11, 1), "Came back from deferral"),
    ],
)
def test_a_deferred_request_says_whether_it_is_back(until: dt.date, flag: str) -> None:
    assert flags(request(deferred_until=until), TODAY) == [flag]


def test_an_answer_to_the_board_s_question_is_flagged_until_the_board_decides_again() -> None:
    asked = (entry("accept"), entry("board_ask_info", 1), entry("answer_info", 2, "megan"))
    assert flags(request(history=asked), TODAY) == ["Answer received from the requester"]
    later = (*asked, entry("also_affected", 3, "p1"))
    assert "Answer received from the requester" in flags(request(history=later), TODAY)
    decided = (*asked, entry("defer", 3))
    assert flags(request(history=decided), TODAY) == []


def test_an_answer_to_it_triage_s_question_is_not_the_board_s_news() -> None:
    history = (entry("ask_info"), entry("answer_info", 1, "megan"), entry("accept", 2))
    assert flags(request(history=history), TODAY) == []
    unanswered = (entry("accept"), entry("board_ask_info", 1))
    assert flags(request(history=unanswered), TODAY) == []


def test_a_request_another_board_sent_says_so() -> None:
    sent = (entry("accept"), entry("send_to_board", 1))
    assert flags(request(history=sent), TODAY) == ["Sent here by another board"]
    deferred_after = (*sent, entry("defer", 2))
    assert flags(request(history=deferred_after), TODAY) == []


def test_flags_come_most_pressing_first() -> None:
    busy = request(
        details={
            "statutory_deadline": dt.date(2027, 3, 3),
            "contract_end": dt.date(2027, 3, 31),
            "personal_data": True,
            "involves_procurement": True,
        },
        deferred_until=TODAY,
    )
    assert flags(busy, TODAY) == [
        "Statutory deadline 3 March 2027",
        "Contract ends 31 March 2027",
        "Personal data",
        "Buying software",
        "Came back from deferral",
    ]


# -- The cadence in words ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("cadence", "words"),
    [
        (
            Cadence(dt.date(2026, 1, 8), dt.time(14, 0), Repeat.FORTNIGHTLY),
            "Every 2 weeks on Thursday at 2pm, from 8 January 2026",
        ),
        (THURSDAYS, "Every week on Thursday at 2pm, from 8 January 2026"),
        (
            Cadence(dt.date(2026, 2, 2), dt.time(9, 30), Repeat.FOUR_WEEKLY),
            "Every 4 weeks on Monday at 9:30am, from 2 February 2026",
        ),
        (
            Cadence(dt.date(2026, 1, 13), dt.time(12, 0), Repeat.MONTHLY),
            "On the 2nd Tuesday of every month at midday, from 13 January 2026",
        ),
        (
            Cadence(dt.date(2026, 1, 29), dt.time(16, 45), Repeat.MONTHLY),
            "On the last Thursday of every month at 4:45pm, from 29 January 2026",
        ),
    ],
)
def test_a_cadence_is_described_in_plain_words(cadence: Cadence, words: str) -> None:
    assert describe_cadence(cadence) == words


@pytest.mark.parametrize(
    ("at", "words"),
    [
        (dt.time(0, 0), "midnight"),
        (dt.time(0, 30), "12:30am"),
        (dt.time(9, 5), "9:05am"),
        (dt.time(11, 59), "11:59am"),
        (dt.time(12, 0), "midday"),
        (dt.time(12, 15), "12:15pm"),
        (dt.time(13, 0), "1pm"),
    ],
)
def test_times_read_as_gov_uk_writes_them(at: dt.time, words: str) -> None:
    assert clock_time(at) == words


# -- Themes ------------------------------------------------------------------------------


def details(*drivers: Driver, kind: RequestKind = RequestKind.CHANGE_EXISTING) -> RequestDetails:
    return dataclasses.replace(DETAILS, drivers=drivers, kind=kind)


@pytest.mark.parametrize(("driver", "theme"), sorted(THEME_OF_DRIVER.items()))
def test_each_driver_alone_points_to_its_theme(driver: Driver, theme: Theme) -> None:
    assert theme_of(details(driver)) is theme


def test_every_driver_has_a_theme_and_every_theme_a_driver() -> None:
    assert set(THEME_OF_DRIVER) == set(Driver)
    assert set(THEME_OF_DRIVER.values()) == set(Theme)


def test_most_votes_wins_and_the_reason_names_them() -> None:
    chosen = details(Driver.EFFICIENCY, Driver.DIGITAL_INNOVATION, Driver.DIGITAL_GOVERNANCE)
    assert theme_of(chosen) is Theme.ORGANISATION_AND_PROCESS
    assert theme_reason(chosen) == (
        "2 of its strategic drivers are about organisation and process: Efficiency, "
        "Digital governance."
    )
    assert theme_reason(details(Driver.COLLABORATION)) == (
        "1 of its strategic drivers is about people and skills: Collaboration."
    )


def test_a_driver_chosen_twice_counts_once() -> None:
    chosen = details(
        Driver.EFFICIENCY, Driver.EFFICIENCY, Driver.SERVICE_DELIVERY, Driver.USER_ENGAGEMENT
    )
    assert theme_of(chosen) is Theme.DESIGN_PLAN_IMPLEMENT


def test_a_tie_goes_to_the_theme_the_kind_of_request_leans_to() -> None:
    tied = (Driver.EFFICIENCY, Driver.DIGITAL_INNOVATION)
    assert (
        theme_of(details(*tied, kind=RequestKind.NEW_SYSTEM)) is Theme.TECHNOLOGY_AND_ARCHITECTURE
    )
    assert theme_reason(details(*tied, kind=RequestKind.DATA_REPORTING)) == (
        "Its strategic drivers point equally to organisation and process and to technology "
        "and architecture. It is about data or reporting, which fits technology and "
        "architecture."
    )
    assert theme_of(details(*tied, kind=RequestKind.AUTOMATION)) is Theme.ORGANISATION_AND_PROCESS


def test_a_tie_the_kind_does_not_settle_goes_to_the_first_theme_in_the_strategy() -> None:
    tied = details(Driver.DIGITAL_INNOVATION, Driver.EFFICIENCY, Driver.SERVICE_DELIVERY)
    assert theme_of(tied) is Theme.DESIGN_PLAN_IMPLEMENT
    assert theme_reason(tied) == (
        "Its strategic drivers point equally to design, plan and implement, to organisation "
        "and process and to technology and architecture. It goes under design, plan and "
        "implement, the first of those in the strategy."
    )
    # A kind that leans outside the tie does not decide it.
    automation = details(
        Driver.COLLABORATION, Driver.DIGITAL_INNOVATION, kind=RequestKind.AUTOMATION
    )
    assert theme_of(automation) is Theme.PEOPLE_AND_SKILLS


def test_with_no_drivers_the_kind_decides_or_a_default_is_said_plainly() -> None:
    assert theme_of(details(kind=RequestKind.NEW_SYSTEM)) is Theme.TECHNOLOGY_AND_ARCHITECTURE
    assert theme_reason(details(kind=RequestKind.NEW_SYSTEM)) == (
        "None of its strategic drivers points to a theme. It asks for a new system, which "
        "fits technology and architecture."
    )
    assert theme_of(details(kind=RequestKind.AUTOMATION)) is Theme.ORGANISATION_AND_PROCESS
    assert theme_of(details()) is Theme.DESIGN_PLAN_IMPLEMENT
    assert theme_reason(details(kind=RequestKind.OTHER)) == (
        "Nothing in it points to one theme, so it goes under design, plan and implement "
        "until the board chooses."
    )
