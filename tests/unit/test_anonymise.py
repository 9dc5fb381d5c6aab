"""Anonymised copies of a request: one person's data gone on erasure, everyone's at the
end of the retention period, and what the boards count kept."""

from __future__ import annotations

import dataclasses
import datetime as dt

from bot.domain.anonymise import (
    for_person,
    for_retention,
    history_before,
    involves,
    is_anonymised,
)
from bot.domain.model import (
    ALSO_AFFECTED,
    AuditEntry,
    DigitalRequest,
    FieldChange,
    Requester,
    Route,
    Score,
    ScoreLine,
    Status,
)
from bot.privacy import ERASED_NAME, ERASED_TEXT, Person, pseudonym
from tests.unit.test_scoring import MAXIMAL, MINIMAL

AT = dt.datetime(2031, 6, 17, 9, 30, tzinfo=dt.UTC)
STAND_IN = "erased-0123456789abcdef"
MEGAN = Person("aad-megan", frozenset({"aad-megan", "teams-megan"}), frozenset({"Megan Bowen"}))
ALEX = Person("aad-alex", frozenset({"aad-alex"}), frozenset({"Alex Wilber"}))


def entry(
    actor_id: str,
    actor_name: str,
    action: str = "assign",
    detail: str = "",
    changes: tuple[FieldChange, ...] = (),
    minute: int = 0,
) -> AuditEntry:
    return AuditEntry(
        AT + dt.timedelta(minutes=minute),
        actor_id,
        actor_name,
        action,
        Status.SUBMITTED,
        Status.IN_TRIAGE,
        detail,
        changes,
    )


def request(**changes: object) -> DigitalRequest:
    base = DigitalRequest(
        reference="DR-2031-0007",
        details=dataclasses.replace(
            MAXIMAL,
            title="Garden waste booking",
            supplier="Acme Ltd",
            sponsor="Jo Bloggs, Director of Place",
        ),
        requester=Requester("aad-megan", "Megan Bowen", "aad-megan"),
        score=Score(61, "2026.1", ()),
        route=Route("ddc", "change_request", "Routed by the rules.", "default"),
        status=Status.IN_TRIAGE,
        submitted_at=AT,
        item_id="7",
        etag="3",
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def plain() -> DigitalRequest:
    """Nobody but Jo (the requester) in it, and no words that name anyone."""
    return request(
        requester=Requester("aad-jo", "Jo Bloggs", "aad-jo"),
        details=dataclasses.replace(MINIMAL, title="Printer"),
    )


# involves ------------------------------------------------------------------------


def test_a_request_involves_its_requester_by_either_id() -> None:
    assert involves(request(), MEGAN)
    by_aad_only = request(requester=Requester("teams-megan", "M B", "aad-megan"))
    assert involves(by_aad_only, dataclasses.replace(MEGAN, ids=frozenset({"aad-megan"})))
    by_teams = request(requester=Requester("teams-megan", "M B", "other"))
    assert involves(by_teams, dataclasses.replace(MEGAN, ids=frozenset({"teams-megan"})))


def test_a_request_with_nothing_of_theirs_does_not_involve_them() -> None:
    assert not involves(plain(), MEGAN)
    assert not involves(plain(), Person("x", frozenset({"x"}), frozenset()))


def test_a_request_involves_its_assignee_and_anyone_in_its_history() -> None:
    assert involves(dataclasses.replace(plain(), assignee_id="aad-alex"), ALEX)
    assert involves(dataclasses.replace(plain(), history=(entry("aad-alex", "A"),)), ALEX)
    assert not involves(dataclasses.replace(plain(), history=(entry("aad-other", "B"),)), ALEX)


def test_a_request_involves_whoever_its_words_name() -> None:
    named = {
        "title": dataclasses.replace(
            plain(), details=dataclasses.replace(MINIMAL, title="For alex wilber")
        ),
        "problem": dataclasses.replace(
            plain(), details=dataclasses.replace(MINIMAL, problem="Ask Alex Wilber")
        ),
        "supplier": dataclasses.replace(
            plain(), details=dataclasses.replace(MINIMAL, supplier="Alex Wilber Ltd")
        ),
        "existing": dataclasses.replace(
            plain(), details=dataclasses.replace(MINIMAL, existing_systems="Alex Wilber's sheet")
        ),
        "research": dataclasses.replace(
            plain(), details=dataclasses.replace(MINIMAL, user_research="Alex Wilber asked")
        ),
        "sponsor": dataclasses.replace(
            plain(), details=dataclasses.replace(MINIMAL, sponsor="Alex Wilber")
        ),
        "impact": dataclasses.replace(
            plain(), details=dataclasses.replace(MINIMAL, resident_impact="Alex Wilber")
        ),
        "requester name": dataclasses.replace(
            plain(), requester=Requester("aad-jo", "Alex Wilber", "aad-jo")
        ),
        "assignee name": dataclasses.replace(plain(), assignee_name="Alex Wilber"),
        "question": dataclasses.replace(plain(), question="Did Alex Wilber agree?"),
        "owner": dataclasses.replace(plain(), delivery_owner="Alex Wilber"),
        "actor name": dataclasses.replace(plain(), history=(entry("", "Alex Wilber"),)),
        "detail": dataclasses.replace(
            plain(), history=(entry("aad-jo", "Jo", detail="Assigned to Alex Wilber."),)
        ),
        "old": dataclasses.replace(
            plain(),
            history=(
                entry(
                    "aad-jo",
                    "Jo",
                    changes=(FieldChange("Sponsor", "Alex Wilber", "Jo"),),
                ),
            ),
        ),
        "new": dataclasses.replace(
            plain(),
            history=(
                entry(
                    "aad-jo",
                    "Jo",
                    changes=(FieldChange("Sponsor", "Jo", "Alex Wilber"),),
                ),
            ),
        ),
    }
    for where, found in named.items():
        assert involves(found, ALEX), where


# for_person: their own request ---------------------------------------------------------


def test_their_own_request_loses_the_requester_and_every_answer_in_their_words() -> None:
    erased = for_person(request(), MEGAN, STAND_IN)
    assert erased.requester == Requester(STAND_IN, ERASED_NAME, STAND_IN)
    for name in ("problem", "supplier", "existing_systems", "user_research", "sponsor"):
        assert getattr(erased.details, name) == ERASED_TEXT, name
    assert erased.details.resident_impact == ERASED_TEXT
    assert erased.details.title == f"Request {erased.reference}"  # her words, so it goes
    # What the boards count stays.
    kept = ("affected_staff", "directorate", "kind", "budget", "drivers", "statutory_deadline")
    for name in (*kept, "cash_saving_per_year", "hours_saved_per_year", "needed_by"):
        assert getattr(erased.details, name) == getattr(request().details, name), name
    same = ("reference", "score", "route", "status", "submitted_at", "item_id", "etag")
    for name in same:
        assert getattr(erased, name) == getattr(request(), name), name


def test_an_empty_answer_stays_empty() -> None:
    mine = request(details=dataclasses.replace(MINIMAL, title="Printer"))
    erased = for_person(mine, MEGAN, STAND_IN)
    assert erased.details.supplier == ""
    assert erased.details.problem == ERASED_TEXT


def test_their_title_goes_and_anyone_elses_is_scrubbed_of_them() -> None:
    title = "MEGAN BOWEN's printer (aad-megan, megan.b@council.gov.uk, 07700 900123)"
    mine = request(details=dataclasses.replace(MAXIMAL, title=title))
    assert for_person(mine, MEGAN, STAND_IN).details.title == f"Request {mine.reference}"
    scrubbed = f"{ERASED_NAME}'s printer ({ERASED_NAME}, {ERASED_TEXT}, {ERASED_TEXT})"
    assert MEGAN.scrub(title) == scrubbed
    theirs = dataclasses.replace(
        plain(), details=dataclasses.replace(MINIMAL, title=f"For {title}")
    )
    assert for_person(theirs, MEGAN, STAND_IN).details.title == f"For {scrubbed}"


def scored(*reasons: str) -> Score:
    lines = tuple(
        ScoreLine(f"k{n}", f"Label {n}", 10 + n, 2.5 + n, reason)
        for n, reason in enumerate(reasons)
    )
    return Score(61, "2026.1", lines)


def test_their_requests_score_reasons_go_and_the_points_stay() -> None:
    mine = request(score=scored("Has a named senior sponsor: “Jo”.", "", "No savings given."))
    erased = for_person(mine, MEGAN, STAND_IN)
    assert erased.score == scored(ERASED_TEXT, "", ERASED_TEXT)
    assert [line.points for line in erased.score.lines] == [2.5, 3.5, 4.5]


def test_someone_elses_score_reasons_lose_only_their_name() -> None:
    other = dataclasses.replace(
        plain(),
        score=scored("Sponsor: “Megan Bowen, 07700 900123”.", "Describes user research."),
    )
    erased = for_person(other, MEGAN, STAND_IN)
    assert erased.score == scored(
        f"Sponsor: “{ERASED_NAME}, {ERASED_TEXT}”.", "Describes user research."
    )
    assert erased.requester == plain().requester


def test_an_email_in_a_reason_goes_as_a_card_shows_it_too() -> None:
    # A reason quotes answers as cards show them: a zero-width space after the "@".
    other = dataclasses.replace(plain(), score=scored("Sponsor: Megan (m.b@\u200bx.gov.uk)."))
    assert for_person(other, MEGAN, STAND_IN).score == scored(f"Sponsor: Megan ({ERASED_TEXT}).")


def test_a_reason_that_names_them_involves_them() -> None:
    assert involves(dataclasses.replace(plain(), score=scored("Ask Alex Wilber.")), ALEX)
    assert not involves(dataclasses.replace(plain(), score=scored("Ask Jo.")), ALEX)


def test_past_retention_every_score_reason_goes() -> None:
    full = request(score=scored("Sponsor: “Jo Bloggs”.", "", "Saves £1,000."))
    gone = for_retention(full)
    assert gone.score == scored(ERASED_TEXT, "", ERASED_TEXT)
    assert for_retention(gone) == gone


def test_their_request_is_found_by_the_aad_id_too() -> None:
    mine = request(requester=Requester("teams-x", "Megan Bowen", "aad-megan"))
    person = dataclasses.replace(MEGAN, ids=frozenset({"aad-megan"}))
    assert for_person(mine, person, STAND_IN).requester.user_id == STAND_IN


def test_changes_to_their_answers_go_whoever_recorded_them() -> None:
    changed = (FieldChange("Problem", "It was slow", "It is slower"),)
    mine = request(history=(entry("sharepoint", "", "edit_details", "Edited.", changed),))
    erased = for_person(mine, MEGAN, STAND_IN)
    assert erased.history[0].changes == (FieldChange("Problem", ERASED_TEXT, ERASED_TEXT),)
    assert erased.history[0].actor_id == "sharepoint"
    assert erased.history[0].detail == "Edited."


# for_person: their part in other people's requests ----------------------------------------


def test_their_history_entries_keep_what_happened_and_when() -> None:
    theirs = entry(
        "teams-megan",
        "Megan Bowen",
        "answer_info",
        "Answer: the old one broke",
        (FieldChange("Problem", "a", "b"),),
        minute=5,
    )
    other = entry("aad-jo", "Jo Bloggs", "ask_info", "Megan Bowen, which printer?", minute=6)
    erased = for_person(dataclasses.replace(plain(), history=(theirs, other)), MEGAN, STAND_IN)
    first, second = erased.history
    assert first == dataclasses.replace(
        theirs,
        actor_id=STAND_IN,
        actor_name=ERASED_NAME,
        detail=ERASED_TEXT,
        changes=(FieldChange("Problem", ERASED_TEXT, ERASED_TEXT),),
    )
    assert second == dataclasses.replace(other, detail=f"{ERASED_NAME}, which printer?")
    assert erased.requester == plain().requester
    assert erased.details == plain().details


def test_someone_elses_answers_lose_only_their_name() -> None:
    details = dataclasses.replace(
        MAXIMAL, title="Printer", problem="megan bowen and Jo", sponsor="Megan Bowen"
    )
    changed = (FieldChange("Sponsor", "Megan Bowen", "Jo"), FieldChange("Title", "x", "y"))
    other = dataclasses.replace(
        plain(),
        details=details,
        question="Megan Bowen: which one?",
        delivery_owner="Megan Bowen",
        assignee_id="aad-alex",
        assignee_name="Alex Wilber",
        history=(entry("aad-jo", "Jo Bloggs", "edit_details", "", changed),),
    )
    erased = for_person(other, MEGAN, STAND_IN)
    assert erased.details.problem == f"{ERASED_NAME} and Jo"
    assert erased.details.sponsor == ERASED_NAME
    assert erased.details.user_research == MAXIMAL.user_research
    assert erased.question == f"{ERASED_NAME}: which one?"
    assert erased.delivery_owner == ERASED_NAME
    assert (erased.assignee_id, erased.assignee_name) == ("aad-alex", "Alex Wilber")
    assert erased.history[0].changes == (
        FieldChange("Sponsor", ERASED_NAME, "Jo"),
        FieldChange("Title", "x", "y"),
    )
    assert erased.requester == plain().requester


def test_an_edit_in_sharepoint_by_name_only_loses_the_name() -> None:
    edited = entry("", "Megan Bowen", "edit_in_sharepoint", "Status changed.")
    erased = for_person(dataclasses.replace(plain(), history=(edited,)), MEGAN, STAND_IN)
    assert erased.history[0] == dataclasses.replace(edited, actor_name=ERASED_NAME)


def test_assigned_to_them_becomes_the_stand_in() -> None:
    mine = dataclasses.replace(plain(), assignee_id="aad-megan", assignee_name="Megan Bowen")
    erased = for_person(mine, MEGAN, STAND_IN)
    assert (erased.assignee_id, erased.assignee_name) == (STAND_IN, ERASED_NAME)


def test_the_longest_name_goes_whole_and_short_names_are_left() -> None:
    person = Person(
        "p", frozenset({"p"}), frozenset({"Sam", "Sam Jones", "Jo"})
    )  # "Jo" is too short to look for
    text = dataclasses.replace(plain(), question="Sam Jones, Sam and Jo agreed. Jolly good.")
    assert for_person(text, person, STAND_IN).question == (
        f"{ERASED_NAME}, {ERASED_NAME} and Jo agreed. Jolly good."
    )


def test_a_name_inside_the_erased_words_is_not_found_again() -> None:
    person = Person("p", frozenset({"p"}), frozenset({"son", "Sam Jones"}))
    text = dataclasses.replace(plain(), question="Sam Jones's son")
    assert for_person(text, person, STAND_IN).question == f"{ERASED_NAME}'s {ERASED_NAME}"


def test_a_person_with_no_names_changes_only_by_id() -> None:
    person = Person("aad-jo", frozenset({"aad-jo"}))
    mine = dataclasses.replace(plain(), question="Jo Bloggs? AAD-JO? ab")
    erased = for_person(mine, person, STAND_IN)
    assert erased.question == f"Jo Bloggs? {ERASED_NAME}? ab"
    assert erased.requester.user_id == STAND_IN


def test_ids_of_three_characters_or_more_go_and_shorter_ones_stay() -> None:
    person = Person("abc", frozenset({"abc", "xy"}))
    text = dataclasses.replace(plain(), question="Ask ABC or xy.")
    assert for_person(text, person, STAND_IN).question == f"Ask {ERASED_NAME} or xy."


def test_the_count_of_people_also_affected_does_not_change() -> None:
    joined = (
        entry("aad-megan", "Megan Bowen", ALSO_AFFECTED),
        entry("teams-x", "X", ALSO_AFFECTED),
        entry("aad-alex", "Alex Wilber", ALSO_AFFECTED),
    )
    before = dataclasses.replace(plain(), history=joined)
    assert before.also_affected == 3
    assert for_person(before, MEGAN, pseudonym("aad-megan")).also_affected == 3
    assert for_retention(before).also_affected == 3


def test_a_request_not_involving_them_is_unchanged() -> None:
    assert for_person(plain(), MEGAN, STAND_IN) == plain()
    assert for_person(request(), ALEX, STAND_IN) == request()


# for_retention -------------------------------------------------------------------------


def test_past_retention_everyones_data_goes_and_the_counts_stay() -> None:
    full = request(
        assignee_id="aad-alex",
        assignee_name="Alex Wilber",
        question="Which printer?",
        delivery_owner="Jo Bloggs",
        duplicate_of="DR-2031-0001",
        theme="people_and_skills",
        horizon="now",
        deferred_until=dt.date(2032, 1, 1),
        history=(
            entry(
                "aad-jo", "Jo Bloggs", "assign", "Assigned to Alex.", (FieldChange("A", "b", "c"),)
            ),
            entry("", "", "rescore", ""),
        ),
    )
    gone = for_retention(full)
    megan = pseudonym("aad-megan")
    assert gone.requester == Requester(megan, ERASED_NAME, megan)
    assert gone.details.title == "Request DR-2031-0007"
    for name in ("problem", "supplier", "existing_systems", "user_research", "sponsor"):
        assert getattr(gone.details, name) == ERASED_TEXT, name
    assert gone.details.resident_impact == ERASED_TEXT
    assert (gone.assignee_id, gone.assignee_name) == (pseudonym("aad-alex"), ERASED_NAME)
    assert gone.question == ERASED_TEXT
    assert gone.delivery_owner == ERASED_NAME
    first, second = gone.history
    assert first == dataclasses.replace(
        full.history[0],
        actor_id=pseudonym("aad-jo"),
        actor_name=ERASED_NAME,
        detail=ERASED_TEXT,
        changes=(FieldChange("A", ERASED_TEXT, ERASED_TEXT),),
    )
    assert second == full.history[1]  # nothing in it to remove
    for name in ("reference", "status", "score", "route", "submitted_at", "duplicate_of"):
        assert getattr(gone, name) == getattr(full, name), name
    for name in ("theme", "horizon", "deferred_until", "item_id", "etag"):
        assert getattr(gone, name) == getattr(full, name), name
    assert dataclasses.replace(gone.details, **_texts_of(full)) == full.details


def _texts_of(full: DigitalRequest) -> dict[str, str]:
    names = ("title", "problem", "supplier", "existing_systems", "user_research", "sponsor")
    return {name: getattr(full.details, name) for name in (*names, "resident_impact")}


def test_empty_fields_stay_empty_past_retention() -> None:
    gone = for_retention(plain())
    assert gone.details.supplier == ""
    assert (gone.assignee_id, gone.assignee_name, gone.question, gone.delivery_owner) == (
        "",
        "",
        "",
        "",
    )


def test_retention_twice_is_retention_once() -> None:
    full = request(
        assignee_id="aad-alex",
        assignee_name="Alex",
        history=(entry("aad-jo", "Jo", detail="x"),),
    )
    once = for_retention(full)
    assert for_retention(once) == once
    assert is_anonymised(once)


def test_an_erased_person_keeps_their_stand_in_past_retention() -> None:
    erased = for_person(request(), MEGAN, STAND_IN)
    assert for_retention(erased).requester.user_id == STAND_IN


def test_is_anonymised_looks_at_the_requester_id() -> None:
    assert not is_anonymised(request())
    assert is_anonymised(request(requester=Requester("erased-1", "x", "y")))
    assert not is_anonymised(request(requester=Requester("x-erased-1", "x", "y")))


# history_before -------------------------------------------------------------------------


def test_history_past_the_audit_period_loses_names_and_words() -> None:
    old = entry("aad-jo", "Jo Bloggs", "assign", "Assigned to Alex.", minute=0)
    edge = entry("aad-alex", "Alex", "ask_info", "Which?", minute=10)
    cutoff = AT + dt.timedelta(minutes=10)
    kept = history_before(dataclasses.replace(plain(), history=(old, edge)), cutoff)
    assert kept.history == (
        dataclasses.replace(
            old, actor_id=pseudonym("aad-jo"), actor_name=ERASED_NAME, detail=ERASED_TEXT
        ),
        edge,
    )
    assert kept.requester == plain().requester


def test_the_longer_name_goes_first_whatever_the_alphabet_says() -> None:
    # Names are matched whatever their case: "sam" sorts after "Sam Jones" as text.
    person = Person("p", frozenset({"p"}), frozenset({"sam", "Sam Jones"}))
    text = dataclasses.replace(plain(), question="Ask Sam Jones.")
    assert for_person(text, person, STAND_IN).question == f"Ask {ERASED_NAME}."


def test_their_request_is_found_by_the_user_id_alone() -> None:
    mine = request(requester=Requester("aad-megan", "M B", "some-other-aad"))
    person = Person("aad-megan", frozenset({"aad-megan"}))
    assert for_person(mine, person, STAND_IN).requester.user_id == STAND_IN


def test_a_name_anywhere_among_several_entries_is_found() -> None:
    early = dataclasses.replace(
        plain(),
        question="Did Alex Wilber agree?",
        history=(entry("aad-jo", "Jo", detail="Nothing."),),
    )
    assert involves(early, ALEX)
    in_detail = dataclasses.replace(
        plain(),
        history=(
            entry("aad-jo", "Jo", detail="Alex Wilber", changes=(FieldChange("A", "b", "c"),)),
        ),
    )
    assert involves(in_detail, ALEX)


def test_a_name_is_hidden_only_as_whole_words_in_other_peoples_text() -> None:
    from bot.domain.anonymise import _namer
    from bot.privacy import Person

    tim = Person("aad-tim", frozenset({"aad-tim"}), frozenset({"Tim"}))
    hide = _namer(tim)
    assert hide("It takes time; ask Tim.") == f"It takes time; ask {ERASED_NAME}."
    assert hide("aad-tim-2 is another id") == "aad-tim-2 is another id"
