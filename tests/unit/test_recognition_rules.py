"""Recognition counts only what others confirmed: best answers and "helped me too"."""

import dataclasses
import datetime as dt

from bot.domain.communities import Answer, AnswerKind, Question, QuestionStatus
from bot.domain.recognition import (
    Points,
    answer_points,
    in_words,
    leaderboard,
    monthly_digest,
)

UTC = dt.UTC
NOV = dt.datetime(2026, 11, 1, tzinfo=UTC)
DEC = dt.datetime(2026, 12, 1, tzinfo=UTC)
RULES = Points(best_answer=10, helped_too=2)
Wait = dt.timedelta | None


def answer(
    who: str, name: str, *, best: bool = False, helped: int = 0, day: int = 10, ref: str = "Q-1"
) -> Answer:
    return Answer(
        id=f"{ref}-{who}-{day}-{best}-{helped}",
        question_ref=ref,
        champion_id=who,
        champion_name=name,
        text="Try this",
        kind=AnswerKind.WRITTEN,
        at=dt.datetime(2026, 11, day, 12, tzinfo=UTC),
        best=best,
        helped_count=helped,
    )


def question(
    ref: str,
    community: str = "sharepoint",
    routed_day: int = 10,
    waited: dt.timedelta | None = None,
) -> Question:
    routed = dt.datetime(2026, 11, routed_day, 9, tzinfo=UTC)
    return Question(
        reference=ref,
        asker_id="asker",
        asker_name="Asha",
        text="?",
        community_id=community,
        service_area="",
        status=QuestionStatus.ANSWERED,
        asked_at=routed - dt.timedelta(minutes=5),
        routed_at=routed,
        first_answer_at=None if waited is None else routed + waited,
    )


def test_an_answer_nobody_confirmed_earns_nothing() -> None:
    assert answer_points(answer("a", "Ann"), RULES) == 0


def test_best_answer_and_helped_too_earn_their_points() -> None:
    assert answer_points(answer("a", "Ann", best=True), RULES) == 10
    assert answer_points(answer("a", "Ann", helped=3), RULES) == 6
    assert answer_points(answer("a", "Ann", best=True, helped=1), RULES) == 12
    assert answer_points(answer("a", "Ann", best=True, helped=1), Points(1, 5)) == 6


def test_volume_alone_does_not_get_on_the_leaderboard() -> None:
    answers = [answer("a", "Ann", day=d) for d in range(1, 20)] + [answer("b", "Bob", helped=1)]
    rows = leaderboard(answers, RULES, NOV)
    assert [(r.name, r.points) for r in rows] == [("Bob", 2)]


def test_leaderboard_ranks_by_points_then_name() -> None:
    answers = [
        answer("c", "cat", best=True),
        answer("b", "Bob", helped=5),
        answer("a", "Ann", best=True),
        answer("d", "Dev", helped=1),
        answer("a", "Ann", helped=1, day=11),
    ]
    rows = leaderboard(answers, RULES, NOV)
    assert [(r.name, r.points, r.best_answers, r.helped) for r in rows] == [
        ("Ann", 12, 1, 1),
        ("Bob", 10, 0, 5),
        ("cat", 10, 1, 0),
        ("Dev", 2, 0, 1),
    ]
    assert [r.champion_id for r in leaderboard(answers, RULES, NOV, limit=2)] == ["a", "b"]
    assert leaderboard(answers, RULES, NOV, limit=0) == []


def test_leaderboard_counts_only_answers_since() -> None:
    answers = [answer("a", "Ann", best=True, day=2), answer("b", "Bob", helped=1, day=20)]
    since = dt.datetime(2026, 11, 15, tzinfo=UTC)
    assert [r.name for r in leaderboard(answers, RULES, since)] == ["Bob"]
    assert [r.name for r in leaderboard(answers, RULES, answers[0].at)] == ["Ann", "Bob"]


def test_leaderboard_uses_the_latest_name() -> None:
    answers = [answer("a", "Ann", best=True, day=2), answer("a", "Ann Smith", best=True, day=9)]
    assert leaderboard(answers, RULES, NOV)[0].name == "Ann Smith"
    assert leaderboard(list(reversed(answers)), RULES, NOV)[0].name == "Ann Smith"


def test_leaderboard_adds_up_each_persons_answers() -> None:
    answers = [answer("a", "Ann", helped=2, day=2), answer("a", "Ann", helped=3, day=3)]
    [row] = leaderboard(answers, RULES, NOV)
    assert (row.points, row.best_answers, row.helped) == (10, 0, 5)


def test_one_point_is_enough_to_be_listed() -> None:
    rows = leaderboard([answer("a", "Ann", helped=1)], Points(best_answer=1, helped_too=1), NOV)
    assert [(r.name, r.points) for r in rows] == [("Ann", 1)]


def test_leaderboard_shows_ten_unless_told() -> None:
    answers = [answer(str(n), f"P{n:02d}", best=True) for n in range(12)]
    assert len(leaderboard(answers, RULES, NOV)) == 10


def test_monthly_digest() -> None:
    questions = [
        question("Q-1", waited=dt.timedelta(hours=1)),
        question("Q-2", waited=dt.timedelta(hours=3)),
        question("Q-3", waited=dt.timedelta(hours=8)),
        question("Q-4"),  # not answered yet
        question("Q-5", community="accessibility", waited=dt.timedelta(minutes=5)),
        question("Q-6", routed_day=30, waited=dt.timedelta(hours=20)),  # answered in December
    ]
    answers = [
        answer("a", "Ann", best=True, ref="Q-1"),
        answer("b", "Bob", helped=2, ref="Q-2"),
        answer("b", "Bob", ref="Q-3"),
        answer("c", "Cat", best=True, helped=9, ref="Q-5"),
        answer("c", "Cat", best=True, ref="Q-6"),
    ]
    digest = monthly_digest(questions, answers, "sharepoint", NOV, DEC, RULES)
    assert digest.community_id == "sharepoint"
    assert digest.questions_answered == 3
    assert digest.best_answers == 1
    assert digest.median_first_answer == dt.timedelta(hours=3)
    assert [(r.name, r.points) for r in digest.helped_most] == [("Ann", 10), ("Bob", 4)]


def test_monthly_digest_median_of_an_even_count_and_default_points() -> None:
    questions = [
        question("Q-1", waited=dt.timedelta(hours=1)),
        question("Q-2", waited=dt.timedelta(hours=2)),
    ]
    digest = monthly_digest(questions, [answer("a", "Ann", best=True)], "sharepoint", NOV, DEC)
    assert digest.median_first_answer == dt.timedelta(hours=1, minutes=30)
    assert digest.helped_most[0].points == 10


def test_monthly_digest_waits_from_asking_when_never_routed() -> None:
    q = question("Q-1", waited=dt.timedelta(hours=1))
    q = q.__class__(**{**q.__dict__, "routed_at": None})
    digest = monthly_digest([q], [], "sharepoint", NOV, DEC)
    assert digest.median_first_answer == dt.timedelta(hours=1, minutes=5)


def test_monthly_digest_median_of_five_and_the_months_edges() -> None:
    waits = [1, 2, 3, 10, 20]
    questions = [question(f"Q-{h}", waited=dt.timedelta(hours=h)) for h in waits]
    digest = monthly_digest(questions, [], "sharepoint", NOV, DEC)
    assert digest.median_first_answer == dt.timedelta(hours=3)
    assert (digest.month_start, digest.month_end) == (NOV, DEC)
    routed = dt.datetime(2026, 11, 10, 9, tzinfo=UTC)
    starts = dataclasses.replace(question("Q-s"), first_answer_at=NOV)
    ends = dataclasses.replace(question("Q-e"), first_answer_at=DEC, routed_at=routed)
    digest = monthly_digest([starts, ends], [], "sharepoint", NOV, DEC)
    assert digest.questions_answered == 1  # from the first moment, up to but not the end


def test_a_quiet_month() -> None:
    digest = monthly_digest([question("Q-1")], [], "sharepoint", NOV, DEC)
    assert (digest.questions_answered, digest.best_answers) == (0, 0)
    assert digest.median_first_answer is None
    assert digest.helped_most == ()


def test_helped_most_names_at_most_three() -> None:
    questions = [question(f"Q-{n}", waited=dt.timedelta(hours=1)) for n in range(5)]
    answers = [answer(str(n), f"P{n}", best=True, ref=f"Q-{n}") for n in range(5)]
    assert len(monthly_digest(questions, answers, "sharepoint", NOV, DEC).helped_most) == 3


def test_in_words() -> None:
    assert in_words(None) == "no answers yet"
    assert in_words(dt.timedelta(seconds=59)) == "under a minute"
    assert in_words(dt.timedelta(minutes=1)) == "1 minute"
    assert in_words(dt.timedelta(minutes=45)) == "45 minutes"
    assert in_words(dt.timedelta(hours=1)) == "1 hour"
    assert in_words(dt.timedelta(hours=2, minutes=15)) == "2 hours 15 minutes"
    assert in_words(dt.timedelta(hours=1, minutes=1)) == "1 hour 1 minute"
    assert in_words(dt.timedelta(days=1)) == "1 day"
    assert in_words(dt.timedelta(days=3, hours=2, minutes=40)) == "3 days 2 hours"
    assert in_words(dt.timedelta(days=2, hours=1)) == "2 days 1 hour"
