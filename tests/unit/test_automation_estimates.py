"""Savings estimates for mapped processes, by the published rules (rules.json).

Each fixed example's numbers are worked out by hand in its comments: a step's hours a
year are minutes × share/100 × items a month × 12 ÷ 60; the saving is the matched steps'
hours × the kind's percentage (integration 80%, Power Automate flow 60%, self-service
form 50%); under 50 hours a year saved, the kind is none.
"""

from __future__ import annotations

import copy
import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.automation import (
    NOTHING_REPETITIVE,
    Estimate,
    Kind,
    MappedProcess,
    ProcessStep,
    Words,
    estimate,
    hours,
    process_from_data,
    rank,
    read_rules,
    step_lines,
)
from bot.journeys.processes.backlog import RULES_PATH, backlog_line, load_rules, request_answers

RULES = load_rules()
RAW_RULES = json.loads(RULES_PATH.read_text(encoding="utf-8"))

Step = tuple[str, str, str, float, float]


def process(
    items: int,
    *steps: Step,
    users: tuple[str, ...] = ("staff",),
    name: str = "A process",
    ident: str = "p1",
) -> MappedProcess:
    return MappedProcess(
        id=ident,
        version=1,
        name=name,
        directorate="Place",
        service_area="Waste and Recycling",
        users=users,
        items_per_month=items,
        steps=tuple(ProcessStep(*step) for step in steps),
    )


def saving_line(found: Estimate) -> str:
    return next(line for line in found.lines if line.startswith("Hours a year it could save"))


def test_the_published_rules_are_read_without_problems() -> None:
    rules, problems = read_rules(RAW_RULES)
    assert problems == [] and rules == RULES
    assert RULES.minimum_hours == 50
    assert [RULES.kinds[k].saves_percent for k in Kind if k is not Kind.NONE] == [80, 60, 50]
    assert [RULES.kinds[k].ease for k in Kind if k is not Kind.NONE] == [1, 3, 2]


# ---- Ten and more fixed examples with known answers -------------------------------------


def test_re_keying_between_two_named_systems_is_an_integration() -> None:
    found = estimate(
        process(
            400,
            ("Adviser", "Logs the booking", "Bartec", 5, 100),
            ("Adviser", "Re-keys the booking into Civica", "Civica", 4, 100),
        ),
        RULES,
    )
    # Step 1: 5 × 1 × 400 × 12 / 60 = 400; step 2: 4 × 1 × 400 × 12 / 60 = 320. Spent 720.
    # Step 2 re-keys into Civica what step 1 put in Bartec: 320 × 80% = 256.
    assert found.kind is Kind.INTEGRATION
    assert found.hours_spent == pytest.approx(720)
    assert found.hours_saved == pytest.approx(256)
    assert found.steps == (2,) and found.between == ("Bartec", "Civica") and found.ease == 1
    assert "Hours a year it could save: 256." in saving_line(found)
    assert "320 hours a year × 80%" in saving_line(found)


def test_phone_intake_fits_a_self_service_form() -> None:
    found = estimate(
        process(
            250,
            (
                "Contact centre adviser",
                "Takes the call and writes down the details",
                "Phone",
                8,
                100,
            ),
            ("Officer", "Checks the details", "Academy", 3, 100),
            users=("residents", "staff"),
        ),
        RULES,
    )
    # Step 1: 8 × 250 × 12 / 60 = 400 (phone intake); step 2: 3 × 250 × 12 / 60 = 150.
    # Spent 550; a form saves 400 × 50% = 200.
    assert found.kind is Kind.SELF_SERVICE_FORM
    assert (found.hours_spent, found.hours_saved) == (pytest.approx(550), pytest.approx(200))
    assert found.steps == (1,) and found.ease == 2


def test_approvals_and_copying_in_microsoft_365_fit_a_flow() -> None:
    found = estimate(
        process(
            120,
            ("Officer", "Sends the request to the manager", "Outlook", 2, 100),
            ("Manager", "Approves the request", "Outlook", 6, 100),
            ("Officer", "Copies the decision to the tracker", "SharePoint", 3, 100),
        ),
        RULES,
    )
    # 2 × 120 × 12 / 60 = 48 (sending is not a flow word); 6 × … = 144; 3 × … = 72.
    # Spent 264; a flow saves (144 + 72) × 60% = 129.6, shown as 129.6 and 130 whole.
    assert found.kind is Kind.POWER_AUTOMATE
    assert found.hours_spent == pytest.approx(264)
    assert found.hours_saved == pytest.approx(129.6)
    assert found.whole_hours_saved == 130 and found.steps == (2, 3) and found.ease == 3
    assert "Hours a year it could save: 129.6." in saving_line(found)


def test_nothing_repetitive_is_none_however_long_it_takes() -> None:
    found = estimate(
        process(1000, ("Inspector", "Inspects the site", "Tablet app", 30, 100)), RULES
    )
    # 30 × 1000 × 12 / 60 = 6,000 hours a year, but no step matches any rule.
    assert found.kind is Kind.NONE and found.hours_spent == pytest.approx(6000)
    assert found.hours_saved == 0 and found.ease == 0 and found.reason == NOTHING_REPETITIVE
    assert "Hours a year spent: 6,000." in found.lines[0]


def test_a_saving_under_the_minimum_is_none_and_says_why() -> None:
    found = estimate(process(10, ("Officer", "Receives the form by post", "Paper", 10, 100)), RULES)
    # 10 × 10 × 12 / 60 = 20 hours; a form would save 10, under the 50 the rules ask for.
    assert found.kind is Kind.NONE and found.hours_spent == pytest.approx(20)
    assert found.hours_saved == 0
    assert "a self-service form, would save 10 hours a year" in found.reason
    assert "under the 50 hours a year" in found.reason


def test_the_share_of_items_counts_and_the_biggest_saving_wins() -> None:
    found = estimate(
        process(
            1000,
            ("Adviser", "Answers the phone", "Phone", 4, 100),
            ("Officer", "Chases missing documents by email", "Outlook", 10, 20),
        ),
        RULES,
    )
    # Form: 4 × 1000 × 12 / 60 = 800, × 50% = 400.
    # Flow: 10 × 20% × 1000 × 12 / 60 = 400, × 60% = 240. Spent 1,200. The form wins.
    assert found.kind is Kind.SELF_SERVICE_FORM
    assert (found.hours_spent, found.hours_saved) == (pytest.approx(1200), pytest.approx(400))
    assert "Also: a Power Automate flow could save 240 hours a year in step 2." in found.lines


def test_an_equal_saving_goes_to_the_easier_kind() -> None:
    found = estimate(
        process(
            100,
            ("Adviser", "Logs the email", "Email", 6, 100),
            ("Manager", "Approves it", "Outlook", 5, 100),
        ),
        RULES,
    )
    # Form: 6 × 100 × 12 / 60 = 120, × 50% = 60. Flow: 5 × 100 × 12 / 60 = 100, × 60% = 60.
    # A tie: the flow is easier (3 against 2), so it fits.
    assert found.kind is Kind.POWER_AUTOMATE and found.hours_saved == pytest.approx(60)
    assert found.hours_spent == pytest.approx(220)


def test_re_keying_between_two_microsoft_365_places_is_a_flow() -> None:
    found = estimate(
        process(
            200,
            ("Officer", "Records the order", "Excel", 2, 100),
            ("Officer", "Retypes the order into SharePoint", "SharePoint", 3, 100),
        ),
        RULES,
    )
    # 2 × 200 × 12 / 60 = 80 (no rule); 3 × 200 × 12 / 60 = 120 re-keyed from Excel into
    # SharePoint, both Microsoft 365: a flow saves 120 × 60% = 72. Spent 200.
    assert found.kind is Kind.POWER_AUTOMATE
    assert (found.hours_spent, found.hours_saved) == (pytest.approx(200), pytest.approx(72))


def test_re_keying_from_paper_is_not_an_integration() -> None:
    found = estimate(
        process(
            300,
            ("Post room", "Opens the post", "Paper", 1, 100),
            ("Officer", "Re-keys the paper form into Academy", "Academy", 5, 100),
        ),
        RULES,
    )
    # Step 1 is paper intake: 1 × 300 × 12 / 60 = 60 hours; step 2: 5 × … = 300, but no
    # earlier step names another system, so it is not an integration, and Academy is not
    # Microsoft 365. The best fit, a form, saves 60 × 50% = 30: under 50, so none.
    assert found.kind is Kind.NONE and found.hours_spent == pytest.approx(360)
    assert "would save 30 hours a year" in found.reason


def test_no_items_means_no_hours() -> None:
    found = estimate(process(0, ("Adviser", "Takes the call", "Phone", 10, 100)), RULES)
    # 10 × 100% × 0 × 12 / 60 = 0.
    assert (found.kind, found.hours_spent, found.hours_saved) == (Kind.NONE, 0, 0)


def test_decimals_are_explained_to_one_place() -> None:
    mapped = process(37, ("Adviser", "Logs the phone call", "Phone", 2.5, 40))
    found = estimate(mapped, RULES)
    # 2.5 × 40% × 37 × 12 / 60 = 7.4; a form would save 3.7: none.
    assert found.hours_spent == pytest.approx(7.4) and found.kind is Kind.NONE
    assert step_lines(mapped) == (
        "Step 1: 2.5 minutes × 40% of items × 37 items a month × 12 months ÷ 60 = 7.4 hours "
        "a year.",
    )


def test_an_integration_joins_the_nearest_earlier_system() -> None:
    found = estimate(
        process(
            500,
            ("Adviser", "Takes the payment", "Civica Pay", 2, 100),
            ("Officer", "Books the collection", "Bartec", 3, 100),
            ("Officer", "Re-keys the booking into Dynamics", "Dynamics", 3, 100),
        ),
        RULES,
    )
    # 2 × 500 × 12 / 60 = 200; 3 × … = 300; 3 × … = 300. Spent 800. Step 3 re-keys what
    # step 2 put in Bartec: 300 × 80% = 240.
    assert found.kind is Kind.INTEGRATION and found.between == ("Bartec", "Dynamics")
    assert (found.hours_spent, found.hours_saved) == (pytest.approx(800), pytest.approx(240))
    assert found.systems == ("Civica Pay", "Bartec", "Dynamics")


def test_two_hundred_steps_and_ten_thousand_items() -> None:
    steps = [("Officer", "Approves the claim", "Outlook", 1, 100)] * 200
    found = estimate(process(10_000, *steps), RULES)
    # Each step: 1 × 10,000 × 12 / 60 = 2,000; 200 steps: 400,000; a flow saves 60%: 240,000.
    assert found.hours_spent == pytest.approx(400_000)
    assert found.hours_saved == pytest.approx(240_000)
    assert "In steps 1 to 200," in found.reason, "a long run of steps is said as a range"


def test_words_match_whole_words_only() -> None:
    # "Postcode" is not "post", and "Telephoned" is not "phone": nothing matches.
    found = estimate(
        process(1000, ("Adviser", "Takes the postcode", "Telephoned list", 5, 100)), RULES
    )
    assert found.kind is Kind.NONE and found.reason == NOTHING_REPETITIVE


def test_hours_are_shown_whole_or_to_one_decimal_place() -> None:
    assert [hours(v) for v in (0, 7.44, 7.45, 1234.0, 129.6, 0.04)] == [
        "0",
        "7.4",
        "7.5",
        "1,234",
        "129.6",
        "0",
    ]


# ---- The backlog's order and the request's answers ---------------------------------------


def test_the_backlog_is_most_hours_saved_first_then_the_easier() -> None:
    small = process(100, ("Manager", "Approves it", "Outlook", 5, 100), ident="flow", name="B")
    # 5 × 100 × 12 / 60 = 100, × 60% = 60 (ease 3)
    form = process(100, ("Adviser", "Logs the email", "Email", 6, 100), ident="form", name="A")
    # 6 × 100 × 12 / 60 = 120, × 50% = 60 (ease 2): the same whole hours, harder
    big = process(400, ("Adviser", "Answers the phone", "Phone", 4, 100), ident="big", name="C")
    # 4 × 400 × 12 / 60 = 320, × 50% = 160
    nothing = process(9, ("Inspector", "Inspects", "App", 5, 100), ident="none")
    ranked = rank([nothing, form, small, big], RULES)
    assert [o.process.id for o in ranked] == ["big", "flow", "form"]
    assert rank([big, form, small], RULES) == rank([small, big, form], RULES)


def test_a_request_is_started_with_the_map_and_its_estimate() -> None:
    mapped = process(
        250,
        ("Resident", "Phones the contact centre", "Phone", 3, 100),
        ("Contact centre adviser", "Takes the call and writes down the details", "Phone", 8, 100),
        ("Officer", "Checks the details", "Academy", 3, 100),
        ("Officer", "Checks the details again", "Civica", 3, 100),
        users=("residents", "staff"),
        name="Garden waste bookings",
    )
    found = estimate(mapped, RULES)
    answers = request_answers(mapped, found)
    # 8 × 250 × 12 / 60 = 400 of form intake (step 2; step 1 "phones" is no form word),
    # saving 200.
    assert answers["title"] == "A self-service form for Garden waste bookings"
    assert answers["kind"] == "automation"
    assert answers["hours_saved_per_year"] == "200"
    assert answers["existing_systems"] == "Academy, Civica"
    assert answers["directorate"] == "Place"
    assert answers["affected_staff"] == "2", "two staff roles; the resident is not staff"
    assert answers["affected_residents"] == "3000", "250 items a month × 12"
    assert "affected_businesses" not in answers
    assert "Hours a year it could save: 200." in answers["problem"]
    assert "2. Contact centre adviser: Takes the call" in answers["problem"]


def test_a_long_map_still_fits_the_request_form() -> None:
    mapped = process(
        10_000, *[("Officer", "Approves the claim " + "x" * 280, "Outlook", 1, 100)] * 200
    )
    answers = request_answers(mapped, estimate(mapped, RULES))
    assert len(answers["problem"]) <= 4000 and answers["problem"].endswith("…")
    assert answers["hours_saved_per_year"] == "240000"


# ---- Bad rules and bad records ------------------------------------------------------------


def _broken(change: Any) -> list[str]:
    data = copy.deepcopy(RAW_RULES)
    change(data)
    rules, problems = read_rules(data)
    assert rules is None
    return problems


def test_bad_rules_are_each_explained_in_a_plain_sentence() -> None:
    assert read_rules([1, 2]) == (None, ["The rules must be a JSON object."])
    problems = _broken(lambda d: d["kinds"]["integration"].update(saves_percent=120, ease=4))
    assert problems == [
        "The rule for integration needs saves_percent, a whole number from 0 to 100.",
        "The rule for integration needs ease, a whole number from 1 to 3.",
    ]
    problems = _broken(lambda d: d["kinds"].pop("power_automate"))
    assert problems == ["The rule for power_automate is missing. Add it under kinds."]
    problems = _broken(lambda d: d["kinds"].update(robots={}))
    assert problems == ["The rules have kinds the bot does not know: robots."]
    problems = _broken(lambda d: d.update(minimum_hours_a_year="fifty", microsoft_365=[]))
    assert problems == [
        "The rules need minimum_hours_a_year, a whole number of 0 or more.",
        "The rules need microsoft_365: a list of Microsoft 365 places.",
    ]
    problems = _broken(lambda d: d["kinds"]["self_service_form"].update(places=["paper", " "]))
    assert problems == [
        "The rule for self_service_form needs places: a list of systems or ways in, none blank."
    ]


def test_a_rules_file_that_is_not_json_stops_the_start(tmp_path: Any) -> None:
    path = tmp_path / "rules.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match="could not be read"):
        load_rules(path)
    path.write_text(json.dumps({**RAW_RULES, "version": 0}), encoding="utf-8")
    with pytest.raises(ValueError, match=r"need changing\. The rules need a version"):
        load_rules(path)


GOOD_DATA = {
    "id": "abc",
    "version": 2,
    "name": "Garden waste",
    "directorate": "Place",
    "service_area": "Waste",
    "users": ["residents", "someone else"],
    "items_per_month": 250,
    "steps": [
        {"who": "Adviser", "what": "Takes the call", "system": "Phone", "minutes": 8, "share": 100}
    ],
    "pain_points": "Slow.",
    "submitted_at": "2026-11-30T10:00:00+00:00",
}


def test_a_record_is_read_and_odd_users_are_left_out() -> None:
    read = process_from_data(GOOD_DATA)
    assert read.users == ("residents",) and read.version == 2 and read.steps[0].minutes == 8.0


@pytest.mark.parametrize(
    "change",
    [
        {"id": ""},
        {"version": 0},
        {"version": True},
        {"items_per_month": "many"},
        {"items_per_month": -1},
        {"steps": "none"},
        {"steps": [{"who": "A", "what": "B", "system": "C", "minutes": -1, "share": 100}]},
        {"steps": [{"who": "A", "what": "B", "system": "C", "minutes": "five", "share": 100}]},
        {"steps": [{"who": "A", "what": "B", "system": "C", "minutes": 1, "share": 150}]},
        {"steps": [{"who": "A", "what": "B", "system": "C", "minutes": math.nan, "share": 1}]},
        {"steps": ["a step"]},
    ],
)
def test_a_record_that_is_not_a_map_is_refused(change: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        process_from_data({**GOOD_DATA, **change})


# ---- Properties -------------------------------------------------------------------------

_WHATS = (
    "Takes the call",
    "Re-keys the case into the system",
    "Approves the claim",
    "Inspects the site",
    "Copies the form",
    "Logs the letter",
    "Retypes it",
    "Checks it",
)
_SYSTEMS = ("Phone", "Paper", "Outlook", "SharePoint", "Academy", "Civica", "", "Bartec", "email")

_steps = st.tuples(
    st.sampled_from(("Adviser", "Officer", "Resident", "")),
    st.sampled_from(_WHATS),
    st.sampled_from(_SYSTEMS),
    st.floats(min_value=0, max_value=480, allow_nan=False),
    st.integers(min_value=0, max_value=100),
)
_processes = st.builds(
    lambda items, steps: process(items, *steps),
    st.integers(min_value=0, max_value=1_000_000),
    st.lists(_steps, max_size=60),
)


@settings(max_examples=300, deadline=None)
@given(_processes)
def test_a_saving_is_never_negative_nor_more_than_the_time_spent(mapped: MappedProcess) -> None:
    found = estimate(mapped, RULES)
    assert found.hours_spent >= 0 and found.hours_saved >= 0
    assert found.hours_saved <= found.hours_spent * (1 + 1e-9) + 1e-9
    assert found.whole_hours_saved <= found.whole_hours_spent
    if found.kind is Kind.NONE:
        assert found.hours_saved == 0 and found.steps == ()
    else:
        assert found.hours_saved >= RULES.minimum_hours and 1 <= found.ease <= 3
        assert all(1 <= n <= len(mapped.steps) for n in found.steps)


@settings(max_examples=100, deadline=None)
@given(_processes)
def test_the_same_process_always_gets_the_same_estimate(mapped: MappedProcess) -> None:
    assert estimate(mapped, RULES) == estimate(mapped, RULES)
    copied = process_from_data(
        {
            "id": mapped.id,
            "version": 1,
            "name": mapped.name,
            "users": list(mapped.users),
            "items_per_month": mapped.items_per_month,
            "steps": [vars(step) for step in mapped.steps],
        }
    )
    assert estimate(copied, RULES).hours_saved == estimate(mapped, RULES).hours_saved


def test_the_sharepoint_backlog_line_is_one_the_list_writer_takes() -> None:
    from graph_clients.backlog_list import backlog_entry

    line = backlog_line(GOOD_DATA, "00000000-0000-0000-0000-000000000021")
    # 8 × 250 × 12 / 60 = 400 hours of phone intake; a form saves 200.
    assert (line["hours_per_year"], line["hours_saveable"], line["kind"]) == (
        400,
        200,
        "self_service_form",
    )
    entry = backlog_entry(line)
    assert entry.kind == "Self-service form" and entry.ease == 2 and entry.version == 2
    nothing = {**GOOD_DATA, "items_per_month": 1}
    entry = backlog_entry(backlog_line(nothing))
    assert entry.kind == "None" and entry.hours_saveable == 0 and entry.ease == 0


def test_a_saving_of_exactly_the_minimum_counts() -> None:
    found = estimate(process(50, ("Officer", "Receives the form by post", "Paper", 10, 100)), RULES)
    # 10 × 50 × 12 / 60 = 100 hours; a self-service form saves half: 50, exactly the minimum.
    assert found.kind is Kind.SELF_SERVICE_FORM and found.hours_saved == pytest.approx(50)
    assert found.lines[0].startswith("Hours a year spent: 100")  # the working stays first
    assert saving_line(found).startswith("Hours a year it could save: 50. The rules say")
    assert found.rules_version == RULES.version


def test_none_says_so_in_every_line_and_joins_no_systems() -> None:
    found = estimate(process(10, ("Officer", "Receives the form by post", "Paper", 10, 100)), RULES)
    assert found.kind is Kind.NONE and found.label == "None" and found.between == ()
    assert "Kind that fits: none." in found.lines
    assert "Hours a year it could save: 0." in found.lines
    assert found.lines[0].startswith("Hours a year spent: 20")
    assert found.rules_version == RULES.version


# ---- Each promise pinned down (issue 17's mutation survivors) ----------------------------


def test_rules_read_in_the_test_match_words_as_the_published_file_says() -> None:
    rules, _ = read_rules(copy.deepcopy(RAW_RULES))
    assert rules is not None
    found = estimate(
        process(
            400,
            ("Adviser", "Logs the booking", "Bartec", 5, 100),
            ("Adviser", "Re-keys the booking into Civica", "Civica", 4, 100),
        ),
        rules,
    )
    assert found.kind is Kind.INTEGRATION and found.between == ("Bartec", "Civica")
    assert Words(("sign off",)).found_in("Managers SIGN\t off the claim")
    assert not Words(("sign off",)).found_in("Signs off the claim")
    assert Words(("approve", "remind")).found_in("Please remind them")
    assert not Words(("re-key",)).found_in("pre-key it")
    assert not Words(()).found_in("anything at all")


def _rule_problems(kind: str, **change: Any) -> list[str]:
    return _broken(lambda d: d["kinds"][kind].update(change))


def test_each_bad_kind_rule_is_its_own_plain_sentence() -> None:
    where = "The rule for power_automate"
    assert _rule_problems("power_automate", label=None) == [
        f"{where} needs a label, like A Power Automate flow."
    ]
    assert _rule_problems("power_automate", label="  ") == [
        f"{where} needs a label, like A Power Automate flow."
    ]
    assert _rule_problems("power_automate", words="approve") == [
        f"{where} needs words: a list of words or phrases, none blank."
    ]
    assert _rule_problems("power_automate", why=None) == [
        f"{where} needs why: the reason for the rule, in plain words."
    ]
    assert _rule_problems("power_automate", why=" ") == [
        f"{where} needs why: the reason for the rule, in plain words."
    ]
    assert _rule_problems("power_automate", saves_percent=101) == [
        f"{where} needs saves_percent, a whole number from 0 to 100."
    ]


def test_the_edges_of_each_rule_number_are_allowed() -> None:
    data = copy.deepcopy(RAW_RULES)
    data["kinds"]["integration"]["saves_percent"] = 0
    data["kinds"]["power_automate"]["saves_percent"] = 100
    data.update(version=1_000_000, minimum_hours_a_year=0, minimum_why="  Because.  ")
    rules, problems = read_rules(data)
    assert problems == [] and rules is not None
    assert rules.kinds[Kind.INTEGRATION].saves_percent == 0
    assert rules.kinds[Kind.POWER_AUTOMATE].saves_percent == 100
    assert (rules.version, rules.minimum_hours, rules.minimum_why) == (1_000_000, 0, "Because.")
    assert _broken(lambda d: d.update(version=1_000_001, minimum_hours_a_year=1_000_001)) == [
        "The rules need a version, a whole number of 1 or more.",
        "The rules need minimum_hours_a_year, a whole number of 0 or more.",
    ]


def test_each_bad_top_level_rule_is_its_own_plain_sentence() -> None:
    assert _broken(lambda d: d.update(minimum_why=" ")) == [
        "The rules need minimum_why: why the minimum is what it is."
    ]
    assert _broken(lambda d: d.update(minimum_why=None)) == [
        "The rules need minimum_why: why the minimum is what it is."
    ]
    assert _broken(lambda d: d.pop("not_systems")) == [
        "The rules need not_systems: a list of ways in that are not systems."
    ]
    assert _broken(lambda d: d.update(kinds=["integration"])) == [
        "The rules need kinds: one rule for each kind of change.",
        "The rule for integration is missing. Add it under kinds.",
        "The rule for power_automate is missing. Add it under kinds.",
        "The rule for self_service_form is missing. Add it under kinds.",
    ]
    assert _broken(lambda d: d["kinds"].update(robots={}, drones={})) == [
        "The rules have kinds the bot does not know: drones, robots."
    ]


def test_reasons_name_the_steps_and_the_systems_in_plain_words() -> None:
    found = estimate(
        process(
            400,
            ("Adviser", "Takes the call", "Phone", 1, 100),
            ("Adviser", "Logs the booking", "Bartec", 5, 100),
            ("Adviser", "Re-keys the booking into Civica", "Civica", 4, 100),
            ("Adviser", "Re-keys the booking into Dynamics", "Dynamics", 4, 100),
        ),
        RULES,
    )
    # Step 1: 1 × 400 × 12 / 60 = 80 (a form: 40); step 2: 400; steps 3 and 4: 320 each,
    # 640 × 80% = 512. Spent 1,120. Step 4 re-keys from Civica (step 3), step 3 from
    # Bartec: the integration joins all three, and never the phone.
    assert found.between == ("Bartec", "Civica", "Dynamics")
    assert found.reason == (
        "In steps 3, 4, staff type details from one system into another "
        "(Bartec, Civica and Dynamics). An integration between them could do it."
    )
    assert found.lines == (
        "Hours a year spent: 1,120. For each step: its minutes, times the share of items "
        "that go through it, times 400 items a month, times 12 months, divided by 60. Then "
        "the steps added up.",
        "Kind that fits: an integration between named systems.",
        f"Reason: {found.reason}",
        f"Why this rule: {RULES.kinds[Kind.INTEGRATION].why}",
        "Hours a year it could save: 512. The rules say an integration between named "
        "systems saves 80% of the time of steps 3, 4: 640 hours a year × 80%.",
        "Ease: 1 out of 3, a bigger piece of work.",
        "Also: a self-service form could save 40 hours a year in step 1.",
    )
    flow = estimate(
        process(100, *[("Manager", "Approves it", "Outlook", 5, 100)] * 3), RULES
    )  # 3 × 100 = 300 hours, × 60% = 180
    assert flow.reason == (
        "In steps 1 to 3, staff approve, remind, notify or copy between Microsoft 365 "
        "places. A Power Automate flow could do it."
    )
    form = estimate(process(400, ("Adviser", "Answers the phone", "Phone", 4, 100)), RULES)
    assert form.reason == (
        "In step 1, staff take in what people send by paper, email or phone. "
        "A self-service form would let people give the details themselves."
    )


def test_re_keying_from_microsoft_365_into_another_system_is_an_integration() -> None:
    found = estimate(
        process(
            200,
            ("Officer", "Records the order", "Excel", 2, 100),
            ("Officer", "Retypes the order into Academy", "Academy", 5, 100),
        ),
        RULES,
    )
    # 5 × 200 × 12 / 60 = 200 re-keyed from Excel into Academy: only one is Microsoft 365.
    assert found.kind is Kind.INTEGRATION and found.between == ("Excel", "Academy")
    assert found.hours_saved == pytest.approx(160)
    assert found.reason == (
        "In step 2, staff type details from one system into another (Excel and Academy). "
        "An integration between them could do it."
    )


def test_the_first_step_re_keys_from_nowhere() -> None:
    found = estimate(
        process(
            400,
            ("Officer", "Re-keys the booking into Civica", "Civica", 5, 100),
            ("Officer", "Checks it", "Bartec", 1, 100),
        ),
        RULES,
    )
    assert found.kind is Kind.NONE and found.reason == NOTHING_REPETITIVE


def test_the_other_system_skips_paper_and_the_same_system_in_other_capitals() -> None:
    found = estimate(
        process(
            400,
            ("Officer", "Logs the payment", "Civica Pay", 1, 100),
            ("Officer", "Checks the letter", "Paper", 1, 100),
            ("Officer", "Books the collection", "bartec  collections", 1, 100),
            ("Officer", "Re-keys the booking into Bartec", "Bartec Collections", 5, 100),
        ),
        RULES,
    )
    # Step 4 re-keys what step 1 put in Civica Pay: step 3 is the same system, step 2 paper.
    assert found.kind is Kind.INTEGRATION and found.steps == (4,)
    assert found.between == ("Civica Pay", "Bartec Collections")
    assert found.systems == ("Civica Pay", "bartec collections")


def test_the_nearest_earlier_system_may_be_two_steps_back() -> None:
    found = estimate(
        process(
            400,
            ("Officer", "Logs the booking", "Bartec", 1, 100),
            ("Officer", "Checks the letter", "Paper", 1, 100),
            ("Officer", "Re-keys the booking into Civica", "Civica", 5, 100),
        ),
        RULES,
    )
    assert found.kind is Kind.INTEGRATION and found.between == ("Bartec", "Civica")


def test_an_integration_joins_every_pair_of_systems_re_keyed_between() -> None:
    found = estimate(
        process(
            400,
            ("Officer", "Logs the booking", "Bartec", 1, 100),
            ("Officer", "Re-keys the booking into Civica", "Civica", 5, 100),
            ("Officer", "Logs the payment", "Academy", 1, 100),
            ("Officer", "Re-keys the payment into Dynamics", "Dynamics", 5, 100),
        ),
        RULES,
    )
    assert found.steps == (2, 4)
    assert found.between == ("Bartec", "Civica", "Academy", "Dynamics")


def test_a_fitting_flow_joins_no_systems_even_when_an_integration_is_possible() -> None:
    found = estimate(
        process(
            100,
            ("Officer", "Logs the booking", "Bartec", 1, 100),
            ("Officer", "Re-keys the booking into Civica", "Civica", 1, 100),
            ("Manager", "Approves it", "Outlook", 10, 100),
        ),
        RULES,
    )
    # Flow: 10 × 100 × 12 / 60 = 200, × 60% = 120; integration: 20 × 80% = 16.
    assert found.kind is Kind.POWER_AUTOMATE and found.between == ()
    assert "Also: an integration between named systems could save 16 hours a year in step 2." in (
        found.lines
    )


def test_a_saving_of_nothing_is_none_even_when_the_minimum_is_nothing() -> None:
    rules, _ = read_rules({**RAW_RULES, "minimum_hours_a_year": 0})
    assert rules is not None
    found = estimate(process(0, ("Adviser", "Takes the call", "Phone", 10, 100)), rules)
    assert found.kind is Kind.NONE and found.hours_saved == 0


def test_only_other_kinds_that_save_something_are_mentioned() -> None:
    def also(share: float) -> list[str]:
        found = estimate(
            process(
                1000,
                ("Adviser", "Answers the phone", "Phone", 4, 100),
                ("Manager", "Approves it", "Outlook", 1, share),
            ),
            RULES,
        )
        assert found.kind is Kind.SELF_SERVICE_FORM
        return [line for line in found.lines if line.startswith("Also")]

    assert also(0) == []
    # 1 × 0.5% × 1000 × 12 / 60 = 1 hour; × 60% = 0.6.
    assert also(0.5) == ["Also: a Power Automate flow could save 0.6 hours a year in step 2."]


def test_a_record_is_read_field_by_field_with_blanks_for_odd_text() -> None:
    odd_step = {"who": 5, "what": None, "system": ["x"], "minutes": 100_000, "share": 100}
    read = process_from_data(
        {**GOOD_DATA, "id": " abc ", "items_per_month": 10_000_000, "steps": [odd_step]}
    )
    assert read == MappedProcess(
        id="abc",
        version=2,
        name="Garden waste",
        directorate="Place",
        service_area="Waste",
        users=("residents",),
        items_per_month=10_000_000,
        steps=(ProcessStep("", "", "", 100_000.0, 100.0),),
        pain_points="Slow.",
    )
    assert process_from_data(GOOD_DATA).steps == (
        ProcessStep("Adviser", "Takes the call", "Phone", 8.0, 100.0),
    )
    bare = process_from_data({"id": "x", "version": 1, "items_per_month": 2.7, "steps": []})
    assert (bare.name, bare.directorate, bare.service_area, bare.pain_points) == ("", "", "", "")
    assert (bare.users, bare.items_per_month) == ((), 2)


@pytest.mark.parametrize(
    ("data", "why"),
    [
        ("not a mapping", "not a mapped process"),
        ({**GOOD_DATA, "id": " "}, "no id"),
        ({**GOOD_DATA, "version": 0}, "no version"),
        ({**GOOD_DATA, "items_per_month": "many"}, "items a month is not a number"),
        ({**GOOD_DATA, "items_per_month": 10_000_001}, "items a month is out of range"),
        ({**GOOD_DATA, "steps": "none"}, "no steps"),
        ({**GOOD_DATA, "steps": ["a step"]}, "a step is not readable"),
        ({**GOOD_DATA, "steps": [{"minutes": True, "share": 1}]}, "minutes is not a number"),
        ({**GOOD_DATA, "steps": [{"minutes": 100_001, "share": 1}]}, "minutes is out of range"),
        ({**GOOD_DATA, "steps": [{"minutes": 1, "share": 101}]}, "share is out of range"),
        ({**GOOD_DATA, "steps": [{"minutes": 1, "share": math.inf}]}, "share is out of range"),
    ],
)
def test_why_a_record_is_left_out_is_logged_in_plain_words(data: Any, why: str) -> None:
    with pytest.raises(ValueError, match=f"^{why}$"):
        process_from_data(data)
