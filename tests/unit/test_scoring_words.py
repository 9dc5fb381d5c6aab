"""The score's words tell the truth: each reason quotes what it used, says what would have
earned points, the total says its scale, and the form's hints say every rule before sending.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Any

import pytest

from bot.domain.model import Budget, Driver, RequestDetails, RequestKind
from bot.domain.scoring import (
    AUTOMATION_HOURS,
    CASH_BANDS,
    CONTRACT_SOON_DAYS,
    DETAILED_PROBLEM,
    FORM_HINTS,
    FULL_DRIVERS,
    HIGH_FROM,
    HOURS_BANDS,
    LOW_BELOW,
    RULES,
    benefits,
    named_systems,
    priority_band,
    readiness,
    reuse,
    score_summary,
    self_service_automation,
    statutory_risk,
    strategic_alignment,
)
from bot.journeys.intake.form import FIELDS
from tests.unit.test_scoring import MAXIMAL, MINIMAL

TODAY = dt.date(2026, 6, 1)
BARE = dataclasses.replace(MINIMAL, drivers=())


# ---- The total and its scale -------------------------------------------------


@pytest.mark.parametrize(
    ("total", "band"),
    [(0, "low"), (39, "low"), (40, "medium"), (69, "medium"), (70, "high"), (100, "high")],
)
def test_each_priority_band_starts_exactly_at_its_threshold(total: int, band: str) -> None:
    assert priority_band(total) == band
    assert score_summary(total).startswith(f"{total} out of 100: {band} priority.")


def test_the_summary_says_the_scale_in_words() -> None:
    assert score_summary(67) == (
        "67 out of 100: medium priority. Scores of 70 or more are high priority, "
        "and under 40 are low."
    )
    assert (HIGH_FROM, LOW_BELOW) == (70, 40)


# ---- Reuse quotes what it recognised ------------------------------------------


def reuse_of(**changes: Any) -> tuple[float, str]:
    return reuse(dataclasses.replace(MINIMAL, **changes), TODAY)


def test_reuse_says_which_named_systems_are_council_platforms_and_which_are_not() -> None:
    fraction, why = reuse_of(existing_systems="Northgate Housing, Microsoft Forms")
    assert fraction == 1.0
    assert why == (
        "Northgate Housing: not on the list, so it does not count as reuse. "
        "Microsoft Forms: on the council's platforms list."
    )


def test_a_system_that_is_not_a_council_platform_says_so_and_what_would_count() -> None:
    fraction, why = reuse_of(existing_systems="Northgate Housing")
    assert fraction == 0.2
    assert why == (
        "Northgate Housing: not on the list, so it does not count as reuse. "
        "A new system adds to the systems the council runs. Building on a platform the "
        "council already has, such as Teams, SharePoint or Power Apps, would earn full points."
    )


@pytest.mark.parametrize(
    "answer",
    [
        "Northgate Housing; Outlook",
        "Northgate Housing\nOutlook",
        "Northgate Housing and Outlook",
        "Northgate Housing AND outlook.",
        "Northgate Housing & Outlook",
    ],
)
def test_systems_split_on_commas_semicolons_new_lines_and_the_word_and(answer: str) -> None:
    assert [name.casefold() for name in named_systems(answer)] == ["northgate housing", "outlook"]
    assert reuse_of(existing_systems=answer)[0] == 1.0


def test_a_system_written_another_way_names_the_platform_it_means() -> None:
    _, why = reuse_of(existing_systems="our team's Share Point site")
    assert why == "our team's Share Point site: names SharePoint, on the council's platforms list."


@pytest.mark.parametrize(
    ("written", "platform"),
    [
        ("Microsoft Forms", "Microsoft Forms"),
        ("OneDrive", "OneDrive"),
        ("Planner", "Planner"),
        ("Microsoft Lists", "Microsoft Lists"),
        ("Viva Engage", "Viva Engage"),
        ("Yammer", "Viva Engage"),
        ("Exchange Online", "Exchange Online"),
        ("Azure", "Azure"),
        ("MS365", "Microsoft 365"),
        ("E5 licences on M365", "Microsoft 365"),
        ("Share Point", "SharePoint"),
        ("Digital 360", "Digital360"),
    ],
)
def test_microsoft_365_parts_and_the_strategys_platforms_count(written: str, platform: str) -> None:
    fraction, why = reuse_of(existing_systems=written)
    assert fraction == 1.0
    assert platform in why


def test_a_platform_named_only_in_the_problem_counts_and_says_where_it_was_found() -> None:
    fraction, why = reuse_of(problem="We keep the list in SharePoint.")
    assert fraction == 1.0
    assert why == "The problem description names SharePoint, on the council's platforms list."


def test_a_platform_in_both_places_is_named_once() -> None:
    _, why = reuse_of(problem="Staff use Teams all day.", existing_systems="Teams")
    assert why == "Teams: on the council's platforms list."


@pytest.mark.parametrize("problem", ["Our teams retype forms.", "The outlook is poor."])
def test_everyday_words_in_the_problem_are_not_taken_for_platforms(problem: str) -> None:
    assert reuse_of(problem=problem)[0] == 0.2


def test_everyday_platform_names_still_count_in_the_systems_list_in_any_case() -> None:
    assert reuse_of(existing_systems="teams")[0] == 1.0


def test_quoted_system_names_never_become_links() -> None:
    _, why = reuse_of(existing_systems="www.example.com")
    assert "www.example.com" not in why
    assert why.startswith("www")


def test_words_that_merely_contain_and_are_not_split() -> None:
    assert named_systems("Standard Landline, Brand Manager") == [
        "Standard Landline",
        "Brand Manager",
    ]


# ---- Every other rule names what it used --------------------------------------


def test_readiness_quotes_the_sponsor_and_the_user_research() -> None:
    details = dataclasses.replace(BARE, sponsor="Jo Bloggs", user_research="We ran a survey.")
    _, why = readiness(details, TODAY)
    assert why.startswith(
        'Has a named senior sponsor: "Jo Bloggs". Describes user research: "We ran a survey".'
    )


def test_long_answers_are_cut_short_in_the_reason() -> None:
    research = "We asked residents what they need. " * 10
    _, why = readiness(dataclasses.replace(BARE, user_research=research), TODAY)
    quoted = re.search(r'"([^"]*)"', why)
    assert quoted is not None
    assert quoted.group(1).endswith("…")
    assert len(quoted.group(1)) <= 61


def test_readiness_says_how_long_the_problem_is_and_what_is_missing() -> None:
    details = dataclasses.replace(BARE, problem="x" * DETAILED_PROBLEM)
    _, why = readiness(details, TODAY)
    assert why.endswith(
        "The problem is described in 200 characters. To earn more points, list the existing "
        "systems."
    )


def test_a_blank_sponsor_is_no_sponsor() -> None:
    assert readiness(dataclasses.replace(BARE, sponsor="   "), TODAY)[0] == 0


def test_benefits_quote_the_resident_impact() -> None:
    details = dataclasses.replace(BARE, resident_impact="Book any time.")
    assert benefits(details, TODAY)[1].endswith('Says how it helps residents: "Book any time".')


def test_savings_too_small_to_count_say_what_would_have_counted() -> None:
    details = dataclasses.replace(BARE, cash_saving_per_year=999, hours_saved_per_year=99)
    fraction, why = benefits(details, TODAY)
    assert fraction == 0
    assert why.startswith(
        "Expects to save £999 a year and 99 staff hours a year. Saving at least £1,000 or 100 "
        "staff hours a year would earn points."
    )


def test_a_far_off_contract_end_is_named_and_said_to_be_too_far() -> None:
    details = dataclasses.replace(BARE, contract_end=dt.date(2028, 1, 31))
    assert statutory_risk(details, TODAY) == (
        0.0,
        "No legal deadline and no personal data. The contract ends on 31 January 2028, more "
        "than a year away. Each of these would earn points: a legal deadline, a contract that "
        "ends within 365 days, or personal data.",
    )


def test_a_missed_statutory_deadline_still_counts_and_says_it_has_passed() -> None:
    details = dataclasses.replace(BARE, statutory_deadline=dt.date(2026, 5, 1))
    assert statutory_risk(details, TODAY) == (
        1.0,
        "Has a statutory or legal deadline that has passed: 1 May 2026.",
    )


def test_no_drivers_says_what_would_earn_points() -> None:
    assert strategic_alignment(BARE, TODAY) == (
        0.0,
        "No strategic drivers chosen. Each driver it supports, up to 4, would earn points.",
    )


def test_four_drivers_need_no_more() -> None:
    details = dataclasses.replace(BARE, drivers=tuple(Driver)[:FULL_DRIVERS])
    assert strategic_alignment(details, TODAY) == (
        1.0,
        "It supports 4 of the 10 strategic drivers. They are Collaboration, User engagement, "
        "Digital innovation and Efficiency.",
    )


def test_no_automation_potential_says_what_would_have_counted() -> None:
    assert self_service_automation(BARE, TODAY) == (
        0.0,
        "It is not an automation request. It does not support the Service delivery or "
        "Efficiency driver. To earn points, automate work, save 500 staff hours a year or more, "
        "or support one of those drivers.",
    )


# ---- Hints before sending -------------------------------------------------------


def _variants(name: str, value: Any) -> list[Any]:
    """Other answers a person could give, to find out which fields a rule reads."""
    if name == "drivers":
        return [(), tuple(Driver)]
    if isinstance(value, bool):
        return [not value]
    if isinstance(value, RequestKind):
        return list(RequestKind)
    if isinstance(value, Budget):
        return list(Budget)
    if isinstance(value, str):
        return ["", "SharePoint " * 40, "Northgate"]
    if isinstance(value, dt.date) or name in {"contract_end", "statutory_deadline", "needed_by"}:
        return [None, TODAY, TODAY - dt.timedelta(days=30), TODAY + dt.timedelta(days=30)]
    return [None, 0, 150, 600, 20_000, 1_000_000]


def fields_the_rules_read() -> set[str]:
    read = set()
    for base in (MINIMAL, MAXIMAL, BARE):
        for field in dataclasses.fields(RequestDetails):
            before = {key: rule(base, TODAY) for key, rule in RULES.items()}
            for other in _variants(field.name, getattr(base, field.name)):
                changed = dataclasses.replace(base, **{field.name: other})
                if {key: rule(changed, TODAY) for key, rule in RULES.items()} != before:
                    read.add(field.name)
    return read


def test_every_field_a_rule_reads_has_a_hint_on_the_form() -> None:
    read = fields_the_rules_read()
    assert read >= {"sponsor", "problem", "kind", "budget", "drivers"}
    assert read - set(FORM_HINTS) == set()
    assert set(FORM_HINTS) <= set(FIELDS)


def test_the_fields_the_brief_names_all_have_hints() -> None:
    assert set(FORM_HINTS) == {
        "sponsor",
        "user_research",
        "problem",
        "existing_systems",
        "cash_saving_per_year",
        "hours_saved_per_year",
        "resident_impact",
        "statutory_deadline",
        "contract_end",
        "personal_data",
        "budget",
        "kind",
        "drivers",
    }


def _numbers(hint: str) -> list[int]:
    return [int(found.replace(",", "")) for found in re.findall(r"\d[\d,]*", hint)]


def test_the_problem_hint_gives_the_length_the_rule_really_uses() -> None:
    (length,) = _numbers(FORM_HINTS["problem"])
    assert length == DETAILED_PROBLEM
    listed = dataclasses.replace(BARE, existing_systems="Northgate")
    at = dataclasses.replace(listed, problem="x" * length)
    below = dataclasses.replace(listed, problem="x" * (length - 1))
    assert readiness(at, TODAY)[0] == pytest.approx(readiness(below, TODAY)[0] + 0.3)


def test_the_cash_hint_gives_the_bands_the_rule_really_uses() -> None:
    least, most = _numbers(FORM_HINTS["cash_saving_per_year"])
    assert (least, most) == (CASH_BANDS[0][0], CASH_BANDS[-1][0])
    fraction = {
        cash: benefits(dataclasses.replace(BARE, cash_saving_per_year=cash), TODAY)[0]
        for cash in (least - 1, least, most - 1, most)
    }
    assert fraction[least - 1] == 0 < fraction[least]
    assert fraction[most - 1] < fraction[most] == 1.0


def test_the_hours_hint_gives_the_bands_the_rule_really_uses() -> None:
    least, most, automation = _numbers(FORM_HINTS["hours_saved_per_year"])
    assert (least, most, automation) == (HOURS_BANDS[0][0], HOURS_BANDS[-1][0], AUTOMATION_HOURS)

    def with_hours(hours: int) -> RequestDetails:
        return dataclasses.replace(BARE, hours_saved_per_year=hours)

    assert benefits(with_hours(least - 1), TODAY)[0] == 0 < benefits(with_hours(least), TODAY)[0]
    assert benefits(with_hours(most - 1), TODAY)[0] < benefits(with_hours(most), TODAY)[0]
    assert self_service_automation(with_hours(automation - 1), TODAY)[0] == 0
    assert self_service_automation(with_hours(automation), TODAY)[0] > 0


def test_the_contract_hint_gives_the_days_the_rule_really_uses() -> None:
    (days,) = _numbers(FORM_HINTS["contract_end"])
    assert days == CONTRACT_SOON_DAYS

    def ending_in(n: int) -> RequestDetails:
        return dataclasses.replace(BARE, contract_end=TODAY + dt.timedelta(days=n))

    assert (
        statutory_risk(ending_in(days), TODAY)[0]
        > 0
        == statutory_risk(ending_in(days + 1), TODAY)[0]
    )


def test_the_drivers_hint_gives_the_number_the_rule_really_uses() -> None:
    (most,) = _numbers(FORM_HINTS["drivers"])
    assert most == FULL_DRIVERS

    def ticking(n: int) -> float:
        return strategic_alignment(dataclasses.replace(BARE, drivers=tuple(Driver)[:n]), TODAY)[0]

    assert ticking(most - 1) < ticking(most) == ticking(most + 1) == 1.0


@pytest.mark.parametrize("name", sorted(FORM_HINTS))
def test_each_hint_is_one_or_two_short_sentences(name: str) -> None:
    hint = FORM_HINTS[name]
    assert hint.endswith(".")
    assert hint.count(". ") <= 2
    assert len(hint) <= 200


# ---- Exact words, so a changed word or a changed edge is noticed --------------------


def research_quote(research: str) -> str:
    _, why = readiness(dataclasses.replace(BARE, user_research=research), TODAY)
    found = re.search(r'Describes user research: "([^"]*)"', why)
    assert found is not None
    return found.group(1)


def test_a_long_quote_stops_at_the_last_whole_word_within_60_characters() -> None:
    assert research_quote("x " * 29 + "yz more words here") == "x " * 28 + "x…"
    assert research_quote("x " * 29 + "y more") == "x " * 29 + "y…"


def test_a_cut_quote_drops_the_comma_before_it() -> None:
    assert research_quote("alpha, " * 12) == "alpha, " * 7 + "alpha…"


def test_a_quote_keeps_every_letter_of_the_words() -> None:
    _, why = readiness(dataclasses.replace(BARE, sponsor="Malcolm X"), TODAY)
    assert why.startswith('Has a named senior sponsor: "Malcolm X".')


def test_system_names_keep_every_letter() -> None:
    assert named_systems("Xero, Outlook - ") == ["Xero", "Outlook"]


def test_a_platform_found_in_the_systems_is_not_named_again_from_the_problem() -> None:
    _, why = reuse_of(existing_systems="Teams, Northgate", problem="Teams is used by all.")
    assert why == (
        "Teams: on the council's platforms list. "
        "Northgate: not on the list, so it does not count as reuse."
    )


def test_several_systems_that_are_not_platforms_are_each_named() -> None:
    _, why = reuse_of(existing_systems="Northgate, Civica", kind=RequestKind.CHANGE_EXISTING)
    assert why == (
        "Northgate: not on the list, so it does not count as reuse. "
        "Civica: not on the list, so it does not count as reuse. "
        "It changes a system the council already has. Building on a platform the council "
        "already has, such as Teams, SharePoint or Power Apps, would earn full points."
    )


def test_an_automation_request_says_so() -> None:
    details = dataclasses.replace(BARE, kind=RequestKind.AUTOMATION)
    assert self_service_automation(details, TODAY) == (
        1.0,
        "It is a request to automate work or let people serve themselves.",
    )


def test_a_statutory_deadline_today_has_not_passed() -> None:
    details = dataclasses.replace(BARE, statutory_deadline=TODAY)
    assert statutory_risk(details, TODAY) == (
        1.0,
        "Has a statutory or legal deadline: 1 June 2026.",
    )


def test_personal_data_says_why_it_is_a_risk() -> None:
    details = dataclasses.replace(BARE, personal_data=True)
    assert statutory_risk(details, TODAY) == (
        0.2,
        "It uses personal data, which must be kept safe.",
    )


def test_two_drivers_are_listed_in_their_own_sentence() -> None:
    details = dataclasses.replace(BARE, drivers=(Driver.EFFICIENCY, Driver.COLLABORATION))
    assert strategic_alignment(details, TODAY)[1] == (
        "It supports 2 of the 10 strategic drivers. They are Efficiency and Collaboration. "
        "Full points need 4 drivers."
    )


def test_a_quote_of_exactly_60_characters_is_kept_whole() -> None:
    assert research_quote("y" * 60) == "y" * 60
    assert research_quote("y" * 61) == "y" * 60 + "…", "a word with no space is cut"


def test_a_cut_quote_keeps_every_letter_of_its_last_word() -> None:
    assert research_quote("Box " * 20) == "Box " * 14 + "Box…"
