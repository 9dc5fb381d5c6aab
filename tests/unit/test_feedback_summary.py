"""The feedback summary's numbers: counts by rating, the average, the newest comments."""

from __future__ import annotations

import datetime as dt

from bot.journeys.feedback.summary import SHOWN_COMMENTS, Rated, summarise

DAY = dt.datetime(2031, 6, 17, 9, 0, tzinfo=dt.UTC)


def test_no_feedback_is_zero_everywhere() -> None:
    summary = summarise([])
    assert summary.count == 0
    assert summary.average == 0.0
    assert summary.by_rating == {5: 0, 4: 0, 3: 0, 2: 0, 1: 0}
    assert summary.latest_comments == ()


def test_counts_and_average_to_one_decimal_place() -> None:
    given = [Rated(5, "", DAY), Rated(4, "", DAY), Rated(4, "", DAY), Rated(1, "", DAY)]
    summary = summarise(given)
    assert summary.count == 4
    assert summary.average == 3.5
    assert summary.by_rating == {5: 1, 4: 2, 3: 0, 2: 0, 1: 1}
    assert summarise([Rated(5, "", DAY), Rated(4, "", DAY), Rated(4, "", DAY)]).average == 4.3


def test_only_the_newest_comments_are_shown_newest_first() -> None:
    given = [Rated(3, f"comment {n}", DAY + dt.timedelta(hours=n)) for n in range(8)]
    given.append(Rated(2, "", DAY + dt.timedelta(days=1)))
    latest = summarise(given).latest_comments
    assert [item.comment for item in latest] == [f"comment {n}" for n in (7, 6, 5, 4, 3)]
    assert len(latest) == SHOWN_COMMENTS
