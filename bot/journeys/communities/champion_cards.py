"""Cards for communities and their champions: plain data in, an Adaptive Card out.

Words people typed (what a champion can help with, their service area) are shown with
`user_text`, so Markdown and mentions show as typed. Each input has a label; an error
is written above its input in words, never shown only in colour.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import microsoft_teams.cards as ac

from bot.domain.champions import is_paused
from bot.domain.communities import Champion, ChampionStatus, Community
from bot.domain.text import defang_for_display, long_date
from cards.elements import (
    button,
    card,
    facts,
    heading,
    labelled_user_text,
    notice,
    para,
    run,
    user_text,
)

# Verbs (one place, shared by the cards and the routes).
OPEN_VOLUNTEER = "community.volunteer"  # opens the volunteer card
VOLUNTEER = "champion.volunteer"  # sends it
APPROVE = "champion.approve"
DECLINE = "champion.decline"
REMOVE = "champion.remove"  # a lead ends an approved champion's role
PAUSE = "champion.pause"  # sends the pause card
OPEN_PAUSE = "champion.openpause"
RESUME = "champion.resume"

# Input ids on the cards.
COMMUNITIES = "communities"
SERVICE_AREA = "serviceArea"
CAN_HELP_WITH = "canHelpWith"
REASON = "reason"
UNTIL = "until"

SERVICE_AREA_MAX = 100
CAN_HELP_MAX = 200
# What a required input says when it is left empty: the card's words and the bot's.
MISSING = {
    COMMUNITIES: "Choose at least one community from the list",
    SERVICE_AREA: "Enter the service you work in, like Housing",
    CAN_HELP_WITH: "Enter what you can help with",
    REASON: "Choose why you are pausing",
}
REASONS = (("leave", "On leave"), ("busy", "Too busy just now"), ("other", "Something else"))


@dataclass(frozen=True)
class CommunityLine:
    """One community as the list shows it."""

    community: Community
    channel_registered: bool
    champions: int


def _error(text: str) -> ac.TextBlock:
    # Dark bold text with the word "Error", not red: meaning is never in colour alone.
    return ac.TextBlock(text=f"Error: {text}", weight="Bolder", wrap=True)


def error_summary(errors: Mapping[str, str]) -> ac.Container:
    lines: list[ac.CardElement] = [
        ac.TextBlock(text="There is a problem", weight="Bolder", size="Medium", wrap=True)
    ]
    lines += [para(message) for message in errors.values()]
    return ac.Container(style="attention", items=lines)


def form_start(title: str, errors: Mapping[str, str], intro: str = "") -> list[ac.CardElement]:
    """A form's heading, then what is wrong (if anything), then what the form is for."""
    body: list[ac.CardElement] = [heading(title)]
    if errors:
        body.append(error_summary(errors))
    if intro:
        body.append(para(intro))
    return body


def field_with_error(errors: Mapping[str, str], name: str, element: ac.CardElement) -> ac.Container:
    items: list[ac.CardElement] = []
    if name in errors:
        items.append(_error(errors[name]))
    items.append(element)
    return ac.Container(items=items, spacing="Large")


def communities_card(lines: list[CommunityLine]) -> ac.AdaptiveCard:
    body: list[ac.CardElement] = [
        heading("Communities of practice"),
        para(
            "Staff who share an interest help each other here. Champions answer "
            "questions from other staff. Anyone can volunteer."
        ),
    ]
    for line in lines:
        community = line.community
        lead = community.lead_name or "No lead named yet"
        channel = "Registered" if line.channel_registered else "Not registered yet"
        body += [
            heading(community.name, size="Medium"),
            para(community.description),
            facts(
                [
                    ("Lead", lead),
                    ("Teams channel", channel),
                    ("Champions", str(line.champions)),
                ]
            ),
        ]
    if not lines:
        body.append(para("There are no communities yet."))
    body += [
        heading("Who does what", size="Medium"),
        para(
            "Anyone can volunteer. Each community's lead says yes or no to its champions, "
            "sets up its Teams channel and checks its answers. Admins can do all of this "
            "and choose the leads."
        ),
    ]
    actions: list[ac.Action] = [button("Volunteer as a champion", OPEN_VOLUNTEER, primary=True)]
    return card(body, actions, fallback="Communities of practice")


def volunteer_card(
    communities: list[Community],
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
) -> ac.AdaptiveCard:
    values = values or {}
    errors = errors or {}
    body = form_start(
        "Volunteer as a champion",
        errors,
        "Champions answer questions from other staff about things they know. "
        "The community's lead will say yes or no, and we will tell you.",
    )
    choices = [ac.Choice(title=c.name, value=c.id) for c in communities]
    picked = ",".join(v for v in values.get(COMMUNITIES, "").split(",") if v)
    body += [
        field_with_error(
            errors,
            COMMUNITIES,
            ac.ChoiceSetInput(
                id=COMMUNITIES,
                label="Which communities can you help? Choose one or more.",
                choices=choices,
                value=picked or None,
                is_multi_select=True,
                style="expanded",
                is_required=True,
                error_message=MISSING[COMMUNITIES],
            ),
        ),
        field_with_error(
            errors,
            SERVICE_AREA,
            ac.TextInput(
                id=SERVICE_AREA,
                label="Your service area, for example Housing",
                value=values.get(SERVICE_AREA, "")[:SERVICE_AREA_MAX] or None,
                max_length=SERVICE_AREA_MAX,
                is_required=True,
                error_message=MISSING[SERVICE_AREA],
            ),
        ),
        field_with_error(
            errors,
            CAN_HELP_WITH,
            ac.TextInput(
                id=CAN_HELP_WITH,
                label="What can you help with? One line.",
                value=values.get(CAN_HELP_WITH, "")[:CAN_HELP_MAX] or None,
                max_length=CAN_HELP_MAX,
                is_required=True,
                error_message=MISSING[CAN_HELP_WITH],
            ),
        ),
    ]
    return card(
        body, [button("Send", VOLUNTEER, primary=True, validate=True)], fallback="Volunteer"
    )


def volunteered_card(names: list[str], already: list[str]) -> ac.AdaptiveCard:
    body: list[ac.CardElement] = [heading("Thank you for volunteering")]
    if names:
        body.append(
            para(
                f"We have asked the lead of {_listed(names)} to say yes or no. "
                "We will tell you here when they decide."
            )
        )
    if already:
        body.append(para(f"You had already volunteered for {_listed(already)}."))
    return card(body, fallback="Thank you for volunteering")


def decision_card(champion: Champion, community: Community) -> ac.AdaptiveCard:
    """To the lead (or the admins): a volunteer to approve or decline."""
    data = {"community": community.id, "volunteer": champion.user_id}
    body: list[ac.CardElement] = [
        heading(f"A new champion for {community.name}?"),
        labelled_user_text("Name", champion.name),
        labelled_user_text("Service area", champion.service_area),
        labelled_user_text("What they can help with", champion.can_help_with),
        para("Approve them to send them questions from other staff."),
    ]
    actions: list[ac.Action] = [
        button("Approve", APPROVE, data, primary=True),
        button("Decline", DECLINE, data),
    ]
    return card(body, actions, fallback=f"A new champion for {community.name}?")


def decided_card(champion: Champion, community: Community, by: str) -> ac.AdaptiveCard:
    approved = champion.status is ChampionStatus.APPROVED
    word = "approved" if approved else "declined"
    body: list[ac.CardElement] = [
        heading(f"Champion {word}"),
        ac.RichTextBlock(
            inlines=[
                run(f"{by} {word} "),
                run(defang_for_display(champion.name)),
                run(f" for {community.name}."),
            ]
        ),
    ]
    if approved:
        body.append(para("They will now get questions from other staff."))
    return card(body, fallback=f"Champion {word}")


def pause_card(
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    paused_now: str = "",
) -> ac.AdaptiveCard:
    """The pause form; `paused_now` says how they are paused already, if they are."""
    values = values or {}
    errors = errors or {}
    body = form_start(
        "Pause your questions",
        errors,
        "While you are paused, we send you no new questions in any of your "
        "communities. Type resume questions when you are ready again.",
    )
    if paused_now:
        body.append(notice(f"{paused_now} To change it, fill this in again."))
    reason = values.get(REASON, "")
    until = values.get(UNTIL, "")
    body += [
        field_with_error(
            errors,
            REASON,
            ac.ChoiceSetInput(
                id=REASON,
                label="Why are you pausing?",
                choices=[ac.Choice(title=title, value=value) for value, title in REASONS],
                value=reason if reason in {v for v, _ in REASONS} else None,
                style="expanded",
                is_required=True,
                error_message=MISSING[REASON],
            ),
        ),
        field_with_error(
            errors,
            UNTIL,
            ac.DateInput(
                id=UNTIL,
                label=(
                    "Last day of your pause (optional). "
                    "Leave it empty to pause until you type resume questions."
                ),
                value=until if len(until) == 10 else None,
            ),
        ),
    ]
    return card(
        body, [button("Pause", PAUSE, primary=True, validate=True)], fallback="Pause your questions"
    )


def status_card(
    mine: list[tuple[Champion, Community]], today: dt.date, note: str = ""
) -> ac.AdaptiveCard:
    body: list[ac.CardElement] = [heading("Your champion status")]
    if note:
        body.append(para(note))
    if not mine:
        body.append(
            para("You are not a champion yet. Type volunteer to offer your help to a community.")
        )
        return card(
            body,
            [button("Volunteer as a champion", OPEN_VOLUNTEER, primary=True)],
            fallback="Your champion status",
        )
    any_paused = False
    for champion, community in mine:
        paused = champion.status is ChampionStatus.APPROVED and is_paused(champion, today)
        any_paused = any_paused or paused
        body.append(facts([(community.name, _status_words(champion, paused))]))
    actions: list[ac.Action] = []
    if any_paused:
        actions.append(button("Resume", RESUME, primary=True))
    else:
        actions.append(button("Pause", OPEN_PAUSE))
    return card(body, actions, fallback="Your champion status")


def _status_words(champion: Champion, paused: bool) -> str:
    if champion.status is ChampionStatus.PENDING:
        return "Waiting for the lead to decide"
    if champion.status is ChampionStatus.DECLINED:
        return "Not approved"
    if paused and champion.paused_until is not None:
        return f"Approved, paused until the end of {long_date(champion.paused_until)}"
    if paused:
        return "Approved, paused until you resume"
    if champion.unreachable:
        return "Approved, but we cannot reach you in Teams. Send me a message to fix this"
    return "Approved, getting questions"


def champions_card(
    community: Community, champions: list[Champion], today: dt.date
) -> ac.AdaptiveCard:
    """For a lead: who is waiting for a decision, and who helps now."""
    waiting = [c for c in champions if c.status is ChampionStatus.PENDING]
    approved = [c for c in champions if c.status is ChampionStatus.APPROVED]
    body: list[ac.CardElement] = [heading(f"Champions for {community.name}")]
    body.append(heading("Waiting for your decision", size="Medium"))
    if not waiting:
        body.append(para("Nobody is waiting."))
    for champion in waiting:
        data = {"community": community.id, "volunteer": champion.user_id}
        body += [
            user_text(champion.name, weight="Bolder"),
            user_text(f"{champion.service_area}. {champion.can_help_with}"),
            ac.ActionSet(
                actions=[
                    # Named, so a screen reader tells one person's buttons from the next.
                    button(f"Approve {champion.name}", APPROVE, data, primary=True),
                    button(f"Decline {champion.name}", DECLINE, data),
                ]
            ),
        ]
    body.append(heading("Approved champions", size="Medium"))
    if not approved:
        body.append(para("No champions yet."))
    for champion in approved:
        paused = " (paused)" if is_paused(champion, today) else ""
        data = {"community": community.id, "volunteer": champion.user_id}
        body += [
            user_text(f"{champion.name}, {champion.service_area}{paused}"),
            ac.ActionSet(actions=[button(f"Stop {champion.name} as a champion", REMOVE, data)]),
        ]
    return card(body, fallback=f"Champions for {community.name}")


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
