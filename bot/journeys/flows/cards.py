"""The card a flow's owner gets in Teams when its trigger is paused."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import microsoft_teams.cards as ac

from bot.domain.text import long_date
from bot.journeys.flows.sending import BACK_OFF, time_to_pause, wait_words
from cards.elements import card, facts, heading, para

LONDON = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class PausedNote:
    trigger: str  # "When a request is created"
    since: dt.datetime
    failures: int  # failed tries in a row (API_WEBHOOK_PAUSE_AFTER)
    last_error: str  # our own plain words (bot.journeys.flows.sending)
    for_app: bool = False  # the owner is an app: admins are told instead


def when_words(at: dt.datetime) -> str:
    local = at.astimezone(LONDON)
    return f"{long_date(local.date())} at {local:%H:%M}"


def build_paused_card(note: PausedNote) -> ac.AdaptiveCard:
    body: list[ac.CardElement] = [
        heading("A Power Automate flow has stopped getting events"),
        para(
            f"We stopped calling a flow that uses the trigger '{note.trigger}'. "
            f"The last {note.failures} tries to send it an event all failed."
        ),
        facts(
            [
                ("Trigger", note.trigger),
                ("Stopped", when_words(note.since)),
                ("Last error", note.last_error),
            ]
        ),
    ]
    body.append(para(timings(note.failures)))
    if note.for_app:
        body.append(para("An app made this subscription, so we are telling admins."))
    body.append(
        para(
            "To start it again, fix the flow, then turn it off and on again in Power "
            "Automate. Events that happen while it is stopped are not sent."
        )
    )
    return card(body, fallback=f"A flow using '{note.trigger}' has stopped getting events.")


def timings(failures: int) -> str:
    """When we try again, and when we stop, in words."""
    waits = [wait_words(wait) for wait in BACK_OFF]
    schedule = f"{waits[0]}, then {', '.join(waits[1:-1])} and {waits[-1]}"
    said = (
        f"If the flow does not answer, or has an error on its side, we try again after {schedule}."
    )
    if failures == 1:
        return f"{said} We stop after 1 failed try."
    return (
        f"{said} We stop after {failures} failed tries in a row. For a flow that keeps "
        f"failing, that is about {wait_words(time_to_pause(failures))}."
    )


@dataclass(frozen=True)
class FlowLine:
    """One subscribed flow, as the admins' list shows it."""

    trigger: str
    owner: str
    state: str  # "Working" or "Paused since ..."
    last_delivery: str  # "25 November 2026 at 10:00" or "None yet"
    only: str = ""  # the filter in words, if any


SHOWN_MOST = 25  # flows on the card; a card stays well under Teams' size limit


def build_flows_card(lines: list[FlowLine]) -> ac.AdaptiveCard:
    if not lines:
        body: list[ac.CardElement] = [
            heading("Power Automate flows"),
            para("No flows use the bot's triggers yet."),
        ]
        return card(body, fallback="No flows use the bot's triggers yet.")
    count = len(lines)
    body = [
        heading("Power Automate flows"),
        para(f"{count} flow{'' if count == 1 else 's'} use the bot's triggers, newest first."),
    ]
    for line in lines[:SHOWN_MOST]:
        pairs = [("Trigger", line.trigger), ("Made by", line.owner)]
        if line.only:
            pairs.append(("Only", line.only))
        pairs += [("State", line.state), ("Last sent", line.last_delivery)]
        body.append(ac.Container(items=[facts(pairs)], separator=True, spacing="Medium"))
    if count > SHOWN_MOST:
        body.append(para(f"There are {count - SHOWN_MOST} more, not shown.", subtle=True))
    return card(body, fallback=f"{count} flows use the bot's triggers.")
