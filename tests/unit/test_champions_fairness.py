"""Champions are picked fairly: local first, then whoever was asked least, never the unavailable."""

import dataclasses
import datetime as dt

from bot.domain.champions import can_be_asked, is_paused, pick
from bot.domain.communities import Champion, ChampionStatus

TODAY = dt.date(2026, 11, 25)
AT = dt.datetime(2026, 11, 1, 9, tzinfo=dt.UTC)


def champ(user_id: str, name: str, area: str = "Housing", **changes: object) -> Champion:
    base = Champion(
        user_id=user_id,
        community_id="power-platform",
        name=name,
        service_area=area,
        can_help_with="Flows",
        status=ChampionStatus.APPROVED,
        volunteered_at=AT,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def ids(picked: list[Champion]) -> list[str]:
    return [c.user_id for c in picked]


def choose(candidates: list[Champion], **overrides: object) -> list[str]:
    args: dict[str, object] = dict(
        community_id="power-platform",
        service_area="Housing",
        sent_counts={},
        today=TODAY,
        exclude=set(),
        limit=10,
    )
    args.update(overrides)
    return ids(pick(candidates, **args))  # type: ignore[arg-type]


def test_same_service_area_comes_first() -> None:
    people = [champ("a", "Ann", "Revenues"), champ("b", "Bob", "housing ")]
    assert choose(people) == ["b", "a"]


def test_then_fewest_recent_questions() -> None:
    people = [champ("a", "Ann"), champ("b", "Bob"), champ("c", "Cat", "Waste")]
    assert choose(people, sent_counts={"a": 3, "b": 1}) == ["b", "a", "c"]
    # Area beats load: Cat, asked least, still comes after the Housing champions.
    assert choose(people, sent_counts={"a": 3, "b": 1, "c": 0})[-1] == "c"


def test_ties_are_broken_by_name_whatever_the_input_order() -> None:
    people = [champ("z", "zoe"), champ("y", "Adam"), champ("x", "Mo")]
    assert choose(people) == ["y", "x", "z"]
    assert choose(list(reversed(people))) == ["y", "x", "z"]


def test_same_name_is_ordered_by_id() -> None:
    assert choose([champ("2", "Sam"), champ("1", "Sam")]) == ["1", "2"]


def test_no_service_area_given_means_no_one_is_favoured() -> None:
    people = [champ("a", "Ann", "Revenues"), champ("b", "Bob", "Housing")]
    assert choose(people, service_area="") == ["a", "b"]
    assert choose([champ("a", "Ann", ""), champ("b", "Bob", "Housing")], service_area="") == [
        "a",
        "b",
    ]


def test_paused_champions_are_skipped() -> None:
    people = [
        champ("a", "Ann", paused=True),
        champ("b", "Bob", paused_until=TODAY),
        champ("c", "Cat", paused_until=TODAY - dt.timedelta(days=1)),
        champ("d", "Dan"),
    ]
    assert choose(people) == ["c", "d"]


def test_unreachable_champions_are_skipped() -> None:
    assert choose([champ("a", "Ann", unreachable=True), champ("b", "Bob")]) == ["b"]


def test_excluded_champions_are_skipped() -> None:
    assert choose([champ("a", "Ann"), champ("b", "Bob")], exclude={"a"}) == ["b"]


def test_declined_and_pending_are_skipped() -> None:
    people = [
        champ("a", "Ann", status=ChampionStatus.DECLINED),
        champ("b", "Bob", status=ChampionStatus.PENDING),
        champ("c", "Cat"),
    ]
    assert choose(people) == ["c"]


def test_other_communities_are_skipped() -> None:
    assert choose([champ("a", "Ann", community_id="sharepoint"), champ("b", "Bob")]) == ["b"]


def test_limit_is_respected() -> None:
    people = [champ(str(n), f"Person {n}") for n in range(6)]
    assert len(choose(people, limit=3)) == 3
    assert choose(people, limit=0) == []
    assert choose(people, limit=-1) == []


def test_a_person_listed_twice_is_picked_once() -> None:
    assert choose([champ("a", "Ann"), champ("a", "Ann")]) == ["a"]


def test_paused_until_is_the_last_day_paused() -> None:
    ends_today = champ("a", "Ann", paused_until=TODAY)
    assert is_paused(ends_today, TODAY)
    assert not is_paused(ends_today, TODAY + dt.timedelta(days=1))
    assert is_paused(champ("a", "Ann", paused=True), TODAY + dt.timedelta(days=999))
    assert not is_paused(champ("a", "Ann"), TODAY)


def test_a_date_decides_over_the_open_ended_flag() -> None:
    # Paused with an end date that has passed: available again.
    assert not is_paused(
        champ("a", "Ann", paused=True, paused_until=TODAY - dt.timedelta(1)), TODAY
    )


def test_can_be_asked() -> None:
    assert can_be_asked(champ("a", "Ann"), "power-platform", TODAY)
    assert not can_be_asked(champ("a", "Ann"), "sharepoint", TODAY)
    assert not can_be_asked(champ("a", "Ann", unreachable=True), "power-platform", TODAY)


def test_someone_never_sent_a_question_counts_as_none_sent() -> None:
    assert choose([champ("a", "Ann"), champ("b", "Bob")], sent_counts={"a": 1}) == ["b", "a"]
    assert choose([champ("a", "Ann"), champ("b", "Bob")], sent_counts={"a": 0}) == ["a", "b"]
