"""Cards of the early-engagement checklist and its pack: the offer to start it, the pack
being ready, and what Procurement, the Technical Review Board and IT triage are told."""

from __future__ import annotations

from dataclasses import dataclass

import microsoft_teams.cards as ac

from bot.domain.procurement import Engagement, ReviewPath
from cards.elements import button, card, heading, labelled_user_text, notice, para

START_VERB = "engagement.start"
CONTINUE_VERB = "engagement.continue"
ENGAGEMENT_KEY = "engagement"  # card data: which engagement (never who is acting)


def _open_pack(url: str) -> ac.OpenUrlAction:
    return ac.OpenUrlAction(title="Open the pack", url=url)


@dataclass(frozen=True)
class PackChange:
    """A pack made again with other answers: what the channels were told before."""

    path_was: ReviewPath | None
    new_link: bool  # the old link had expired


def _updated(engagement: Engagement, change: PackChange) -> str:
    said = f"The early-engagement pack for {engagement.reference} was updated."
    if change.path_was is ReviewPath.FULL and engagement.path is ReviewPath.LIGHT:
        said += (
            " It now takes the lighter review, by Procurement only. It no longer goes to "
            "the Technical Review Board."
        )
    elif change.path_was is ReviewPath.LIGHT and engagement.path is ReviewPath.FULL:
        said += " It now needs the full review, by Procurement and the Technical Review Board."
    if change.new_link:
        said += " It has a new link, because the old one had expired."
    return said


def build_offer_card(engagement: Engagement) -> ac.AdaptiveCard:
    """What comes after the request is sent: the checklist, one press away."""
    reference = engagement.reference
    return card(
        [
            heading("Next: the early-engagement checklist"),
            para(
                f"Your request {reference} is sent. Before anything is bought, answer a few "
                "questions. They are about other systems, data, security, accessibility and "
                "the contract."
            ),
            para(
                "It takes about 10 minutes. You can save it and finish later. When you finish, "
                "you get a pack to share with Procurement and the Technical Review Board."
            ),
        ],
        [button("Start the checklist", START_VERB, {ENGAGEMENT_KEY: engagement.id}, primary=True)],
        fallback=f"Next for {reference}: the early-engagement checklist.",
    )


def reference_line(reference: str) -> ac.TextBlock:
    """Shown on every page of the checklist: which request it is for."""
    return para(
        f"This checklist is for request {reference}. Your request's answers are your "
        f"requirements. Type status {reference} to see your answers."
    )


def build_pack_ready_card(
    engagement: Engagement,
    url: str,
    next_steps: str,
    questions: list[str],
    missing: list[str],
    again: bool,
    new_link: bool = False,
    changed: bool = True,
) -> ac.AdaptiveCard:
    """The reply to Make the pack: the link, who reviews it, and what is still open."""
    reference = engagement.reference
    body: list[ac.CardElement] = [heading("Your early-engagement pack is ready")]
    if again and new_link:
        body.append(
            notice(
                f"Your pack for {reference} is updated. Its old link had expired, so it has "
                "a new link. Share this one."
            )
        )
    elif again and changed:
        body.append(notice(f"Your pack for {reference} is updated. Its link has not changed."))
    elif again:
        body.append(
            notice(f"Your pack for {reference} is the same as before. Its link has not changed.")
        )
    body.append(
        para(
            f"The pack for request {reference} has your request, the catalogue check "
            "and your checklist answers. You can print it."
        )
    )
    body.append(para(f"What happens next: {next_steps}"))
    if missing:
        body.append(notice(_not_registered(missing), important=True))
    if questions:
        body.append(heading("Open questions", size="Medium"))
        body.append(para("These still need an answer. Work on them while the pack is reviewed."))
        body += [para(f"• {question}") for question in questions]
    else:
        body.append(para("There are no open questions."))
    return card(
        body,
        [_open_pack(url), button("Change my answers", START_VERB, {ENGAGEMENT_KEY: engagement.id})],
        fallback=f"Your early-engagement pack for {reference} is ready.",
    )


def _not_registered(names: list[str]) -> str:
    if len(names) == 1:
        who = f"The {names[0]} has"
    else:
        who = "The " + ", the ".join(names[:-1]) + f" and the {names[-1]} have"
    return f"{who} no channel in Teams yet, so the IT team will pass your pack on."


def build_procurement_card(
    engagement: Engagement,
    title: str,
    requester: str,
    url: str,
    review: str,
    change: PackChange | None = None,
) -> ac.AdaptiveCard:
    """For the Procurement channel: every pack, and again when its answers change."""
    reference = engagement.reference
    kind = "a renewal" if engagement.renewal else "a new buy"
    body: list[ac.CardElement] = [
        heading(
            f"Early-engagement pack updated: {reference}"
            if change
            else f"Early-engagement pack: {reference}"
        )
    ]
    if change:
        body.append(notice(_updated(engagement, change), important=True))
    body += [
        labelled_user_text("Title", title),
        labelled_user_text("Requested by", requester),
        para(f"This is {kind}. {review}"),
    ]
    return card(
        body,
        [_open_pack(url)],
        fallback=(
            f"The early-engagement pack for {reference} was updated."
            if change
            else f"Early-engagement pack for {reference}."
        ),
    )


def build_board_card(
    engagement: Engagement, title: str, why: str, url: str, change: PackChange | None = None
) -> ac.AdaptiveCard:
    """For the Technical Review Board's channel: a pack on the full path, and again when
    its answers change."""
    reference = engagement.reference
    body: list[ac.CardElement] = [heading(f"For the Technical Review Board: {reference}")]
    if change:
        body.append(notice(_updated(engagement, change), important=True))
    body += [
        labelled_user_text("Title", title),
        labelled_user_text("Why it comes to the board", why),
        para(
            "The pack has the request, the catalogue check, the checklist and the open questions."
        ),
    ]
    return card(
        body,
        [_open_pack(url)],
        fallback=(
            f"The early-engagement pack for {reference} was updated."
            if change
            else f"For the Technical Review Board: {reference}."
        ),
    )


def build_board_no_longer_card(
    engagement: Engagement, title: str, url: str, change: PackChange
) -> ac.AdaptiveCard:
    """For the board's channel: a pack it was sent now takes the lighter path."""
    reference = engagement.reference
    return card(
        [
            heading(f"No longer for the Technical Review Board: {reference}"),
            notice(_updated(engagement, change), important=True),
            labelled_user_text("Title", title),
            para(
                "It is a renewal with no change in scope, so Procurement reviews it. The "
                "board does not need to review it."
            ),
        ],
        [_open_pack(url)],
        fallback=f"The pack for {reference} no longer needs the board's review.",
    )


def build_missing_channel_card(
    engagement: Engagement, channel: str, command: str, url: str
) -> ac.AdaptiveCard:
    """For IT triage, when a pack's channel is not registered: pass it on, and register it."""
    reference = engagement.reference
    return card(
        [
            heading(f"Please pass on a pack: {reference}"),
            para(
                f"The early-engagement pack for {reference} should go to the {channel}, but "
                "that channel is not registered. Please pass the link on."
            ),
            para(f"An admin can fix this. In the {channel}'s channel, they type {command}."),
        ],
        [_open_pack(url)],
        fallback=f"Please pass on the early-engagement pack for {reference}.",
    )


def build_other_checklist_card(in_progress: str, wanted: str) -> ac.AdaptiveCard:
    """Someone with a checklist in progress for one request started another."""
    return card(
        [
            heading("You have a checklist in progress"),
            para(
                f"You have an early-engagement checklist in progress for {in_progress}. "
                f"Finish it or discard it first. Then start the checklist for {wanted}."
            ),
        ],
        [button("Continue the checklist", CONTINUE_VERB, primary=True)],
        fallback=f"You have a checklist in progress for {in_progress}.",
    )
