"""Communities settings: defaults a council can start with, and a plain sentence per bad value."""

import datetime as dt

import pytest

from bot.domain.recognition import Points
from bot.journeys.communities.config import CommunityConfig, load_settings
from bot.settings import SettingsError
from bot.settings import load_settings as load_all_settings


def problems_for(name: str, value: str) -> list[str]:
    problems: list[str] = []
    load_settings({name: value}, problems)
    return problems


def test_no_settings_gives_the_defaults() -> None:
    problems: list[str] = []
    assert load_settings({}, problems) == CommunityConfig()
    assert problems == []
    blank: list[str] = []
    assert load_settings({"COMMUNITY_WORKING_DAYS": "  "}, blank) == CommunityConfig()
    assert blank == []


def test_every_setting_is_read() -> None:
    problems: list[str] = []
    config = load_settings(
        {
            "COMMUNITY_WORKING_HOURS": "08:30 - 16:00",
            "COMMUNITY_WORKING_DAYS": "Mon,Wed-Fri",
            "COMMUNITY_TIMEZONE": "Europe/Dublin",
            "COMMUNITY_CHAMPIONS_PER_WAVE": "5",
            "COMMUNITY_NUDGE_AFTER_HOURS": "2.5",
            "COMMUNITY_FAIRNESS_DAYS": "14",
            "COMMUNITY_REVIEW_MONTHS": "6",
            "COMMUNITY_POINTS": "best_answer=5, helped_too=0",
            "COMMUNITY_DIGEST_DAY": "friday",
        },
        problems,
    )
    assert problems == []
    assert config == CommunityConfig(
        day_starts=dt.time(8, 30),
        day_ends=dt.time(16),
        working_days=frozenset({0, 2, 3, 4}),
        timezone="Europe/Dublin",
        champions_per_wave=5,
        nudge_after_hours=2.5,
        fairness_days=14,
        review_months=6,
        points=Points(best_answer=5, helped_too=0),
        digest_weekday=4,
    )


def test_one_points_rule_keeps_the_other_default() -> None:
    config = load_settings({"COMMUNITY_POINTS": "helped_too=3"}, [])
    assert config.points == Points(best_answer=10, helped_too=3)


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        ("Mon-Fri", {0, 1, 2, 3, 4}),
        ("mon,tue,wed", {0, 1, 2}),
        ("Saturday", {5}),
        ("Sat-Sun", {5, 6}),
        ("Monday-Wednesday, Fri", {0, 1, 2, 4}),
    ],
)
def test_working_days(days: str, expected: set[int]) -> None:
    problems: list[str] = []
    assert load_settings({"COMMUNITY_WORKING_DAYS": days}, problems).working_days == expected
    assert problems == []


BAD = [
    ("COMMUNITY_WORKING_HOURS", "9 to 5", "a start and end time such as 09:00-17:00"),
    ("COMMUNITY_WORKING_HOURS", "17:00-09:00", "with the end after the start"),
    ("COMMUNITY_WORKING_HOURS", "09:00-09:00", "with the end after the start"),
    ("COMMUNITY_WORKING_HOURS", "09:00-24:00", "a start and end time"),
    ("COMMUNITY_WORKING_HOURS", "09:60-17:00", "a start and end time"),
    ("COMMUNITY_WORKING_DAYS", "Fri-Mon", "weekdays such as Mon-Fri or Mon,Tue,Wed"),
    ("COMMUNITY_WORKING_DAYS", "weekdays", "weekdays such as Mon-Fri"),
    ("COMMUNITY_WORKING_DAYS", "Mon-Wed-Fri", "weekdays such as Mon-Fri"),
    ("COMMUNITY_WORKING_DAYS", "Mon,,Tue", "weekdays such as Mon-Fri"),
    ("COMMUNITY_TIMEZONE", "London", "a time zone name such as Europe/London"),
    ("COMMUNITY_TIMEZONE", "../../etc/passwd", "a time zone name"),
    ("COMMUNITY_CHAMPIONS_PER_WAVE", "0", "a whole number from 1 to 20"),
    ("COMMUNITY_CHAMPIONS_PER_WAVE", "21", "a whole number from 1 to 20"),
    ("COMMUNITY_CHAMPIONS_PER_WAVE", "three", "a whole number from 1 to 20"),
    ("COMMUNITY_CHAMPIONS_PER_WAVE", "2.5", "a whole number from 1 to 20"),
    ("COMMUNITY_NUDGE_AFTER_HOURS", "0.25", "a number from 0.5 to 80"),
    ("COMMUNITY_NUDGE_AFTER_HOURS", "81", "a number from 0.5 to 80"),
    ("COMMUNITY_NUDGE_AFTER_HOURS", "nan", "a number from 0.5 to 80"),
    ("COMMUNITY_NUDGE_AFTER_HOURS", "inf", "a number from 0.5 to 80"),
    ("COMMUNITY_NUDGE_AFTER_HOURS", "soon", "a number from 0.5 to 80"),
    ("COMMUNITY_FAIRNESS_DAYS", "0", "a whole number from 1 to 365"),
    ("COMMUNITY_FAIRNESS_DAYS", "366", "a whole number from 1 to 365"),
    ("COMMUNITY_FAIRNESS_DAYS", "a month", "a whole number from 1 to 365"),
    ("COMMUNITY_REVIEW_MONTHS", "0", "a whole number from 1 to 60"),
    ("COMMUNITY_REVIEW_MONTHS", "61", "a whole number from 1 to 60"),
    ("COMMUNITY_REVIEW_MONTHS", "-3", "a whole number from 1 to 60"),
    ("COMMUNITY_POINTS", "best_answer=-1", "a whole number of 0 or more"),
    ("COMMUNITY_POINTS", "answers=5", "only those two names"),
    ("COMMUNITY_POINTS", "best_answer=10,volume=1", "only those two names"),
    ("COMMUNITY_POINTS", "best_answer", "like best_answer=10,helped_too=2"),
    ("COMMUNITY_POINTS", "best_answer=²", "a whole number of 0 or more"),
    ("COMMUNITY_DIGEST_DAY", "someday", "a day of the week such as Monday"),
    ("COMMUNITY_DIGEST_DAY", "Mon-Fri", "a day of the week such as Monday"),
]


@pytest.mark.parametrize(("name", "value", "says"), BAD)
def test_a_bad_value_gives_one_plain_sentence_naming_the_variable(
    name: str, value: str, says: str
) -> None:
    problems = problems_for(name, value)
    assert len(problems) == 1
    assert problems[0].startswith(f"{name} must be ")
    assert says in problems[0]
    assert f"It is '{value}'." in problems[0]


def test_every_variable_is_checked() -> None:
    assert {name for name, _, _ in BAD} == {
        "COMMUNITY_WORKING_HOURS",
        "COMMUNITY_WORKING_DAYS",
        "COMMUNITY_TIMEZONE",
        "COMMUNITY_CHAMPIONS_PER_WAVE",
        "COMMUNITY_NUDGE_AFTER_HOURS",
        "COMMUNITY_FAIRNESS_DAYS",
        "COMMUNITY_REVIEW_MONTHS",
        "COMMUNITY_POINTS",
        "COMMUNITY_DIGEST_DAY",
    }


def test_limits_are_allowed() -> None:
    problems: list[str] = []
    config = load_settings(
        {
            "COMMUNITY_CHAMPIONS_PER_WAVE": "20",
            "COMMUNITY_NUDGE_AFTER_HOURS": "0.5",
            "COMMUNITY_REVIEW_MONTHS": "60",
            "COMMUNITY_FAIRNESS_DAYS": "1",
        },
        problems,
    )
    assert problems == []
    assert (config.champions_per_wave, config.nudge_after_hours) == (20, 0.5)
    assert (config.review_months, config.fairness_days) == (60, 1)


def test_several_bad_values_each_give_their_own_sentence() -> None:
    problems: list[str] = []
    load_settings({"COMMUNITY_TIMEZONE": "Mars", "COMMUNITY_REVIEW_MONTHS": "0"}, problems)
    assert len(problems) == 2


def test_the_bot_refuses_to_start_with_a_bad_value() -> None:
    with pytest.raises(SettingsError) as refused:
        load_all_settings({"COMMUNITY_NUDGE_AFTER_HOURS": "0"})
    assert (
        "COMMUNITY_NUDGE_AFTER_HOURS must be a number from 0.5 to 80. It is '0'."
        in refused.value.problems
    )


def test_the_settings_reach_the_journey() -> None:
    settings = load_all_settings({"COMMUNITY_CHAMPIONS_PER_WAVE": "7"})
    assert settings.journeys["communities"].champions_per_wave == 7
