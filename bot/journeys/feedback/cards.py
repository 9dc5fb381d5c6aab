"""Feedback cards: the thank-you, and the summary for admins."""

from __future__ import annotations

import microsoft_teams.cards as ac

from bot.domain.text import long_date
from bot.journeys.feedback.summary import Summary
from cards.elements import card, facts, heading, para, user_text


def build_thanks_card(rating: int) -> ac.AdaptiveCard:
    return card(
        [
            heading("Thank you for your feedback"),
            para(f"You rated Digital Front Door {rating} out of 5."),
            para(
                "The ICT Improvement Group reads all feedback when it looks at what should "
                "improve. Type feedback again at any time."
            ),
        ],
        fallback="Thank you for your feedback.",
    )


def build_summary_card(summary: Summary) -> ac.AdaptiveCard:
    body: list[ac.CardElement] = [
        heading("Feedback on Digital Front Door"),
        para("For the ICT Improvement Group: what people think of this bot."),
    ]
    if not summary.count:
        body.append(para("Nobody has given feedback yet."))
        return card(body, fallback="Nobody has given feedback yet.")
    people = "person has" if summary.count == 1 else "people have"
    body.append(
        para(
            f"{summary.count:,} {people} given feedback. "
            f"The average rating is {summary.average:.1f} out of 5."
        )
    )
    body.append(
        facts([(f"Rated {rating}", f"{count:,}") for rating, count in summary.by_rating.items()])
    )
    if summary.latest_comments:
        body.append(heading("Latest comments", size="Medium"))
        for item in summary.latest_comments:
            body.append(para(f"{long_date(item.at.date())}, rated {item.rating} out of 5:"))
            body.append(user_text(item.comment, max_chars=500))
    return card(
        body,
        fallback=f"{summary.count:,} {people} given feedback. On average they gave "
        f"{summary.average:.1f} out of 5.",
    )
