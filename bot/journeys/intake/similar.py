"""The same need, before a request is sent: requests like the draft, and joining one.

Someone about to send a request sees the open requests that look like the same need
(the text matching IT triage uses for likely duplicates), and may join one as "also
affected" instead of raising a second request. Who joins comes from the validated
Activity; card data names only which request, and which draft the card was drawn for,
and the request must be one that draft is like when the button is pressed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from bot.domain.model import ALSO_AFFECTED, AuditEntry, DigitalRequest, Status
from bot.domain.similarity import most_similar
from bot.errors import NotAllowed, NotFound, UserFacingError
from bot.journey import Actor
from bot.journeys.intake.form import REQUEST_FORM
from bot.ports import ChangedBySomeoneElse, DraftStore, RequestRegister

SHOWN = 3  # at most this many likely matches, best first
LOOKED_AT = 200  # the newest requests compared with the draft, as triage does
TRIES = 3  # someone may change the request at the same moment: read again, try again
JOINED = "Said they are also affected"
# Requests nobody works on any more: joining one would help nobody. A request decided
# or in a change or project is still being delivered, so people can still join it.
CLOSED = frozenset(
    {
        Status.REJECTED,
        Status.WITHDRAWN,
        Status.DUPLICATE,
        Status.DELIVERED,
        Status.BENEFITS_REVIEWED,
    }
)


def joined_ids(request: DigitalRequest) -> frozenset[str]:
    return frozenset(e.actor_id for e in request.history if e.action == ALSO_AFFECTED)


async def same_needs(
    drafts: DraftStore, register: RequestRegister, owner_id: str, draft_id: str
) -> list[DigitalRequest]:
    """Open requests that look like this person's draft, best first (their own among
    them); none if the draft is not theirs now (the Send then refuses as it always did)."""
    draft = await drafts.get_draft(owner_id, REQUEST_FORM.key)
    if draft is None or draft.draft_id != draft_id:
        return []
    title, problem = draft.values.get("title", ""), draft.values.get("problem", "")
    open_ones = {r.reference: r for r in await register.recent(LOOKED_AT) if r.status not in CLOSED}
    candidates = [(r.reference, r.details.title, r.details.problem) for r in open_ones.values()]
    ranked = most_similar((title, problem), candidates, limit=SHOWN)
    return [open_ones[reference] for reference, _ in ranked]


async def check_draft(drafts: DraftStore, owner_id: str, draft_id: str) -> None:
    """The card was drawn for the person's own draft, as it is now."""
    draft = await drafts.get_draft(owner_id, REQUEST_FORM.key)
    if draft is None or draft.draft_id != draft_id:
        raise NotAllowed(
            "That card is not for a request you are writing now, so nothing changed. "
            "Type continue to see your draft, or new request to start one."
        )


async def check_shown(
    drafts: DraftStore, register: RequestRegister, owner_id: str, draft_id: str, reference: str
) -> None:
    """The request is one the person's draft matches now: the matching is run again, so
    card data cannot name any other request (and learn its title, or add to its count)."""
    await check_draft(drafts, owner_id, draft_id)
    shown = await same_needs(drafts, register, owner_id, draft_id)
    if reference not in {r.reference for r in shown}:
        raise NotAllowed(
            "You can only join an open request that looks like the one you are writing. "
            f"{reference} is not one of them now, so nothing changed."
        )


def _refusal(request: DigitalRequest, actor: Actor) -> str:
    if request.status in CLOSED:
        return f"{request.reference} is closed, so you cannot join it. Nothing changed."
    if request.requester.user_id == actor.user_id:
        return f"{request.reference} is your own request, so you are already on it."
    if actor.user_id in joined_ids(request):
        return f"You already said you are also affected by {request.reference}. Nothing changed."
    return ""


async def join(
    drafts: DraftStore,
    register: RequestRegister,
    actor: Actor,
    draft_id: str,
    reference: str,
    now: dt.datetime,
) -> DigitalRequest:
    """Add the person to a request their draft matches now, as also affected: one history
    entry, saved against the version read (read again and check again if someone changed
    it meanwhile)."""
    await check_shown(drafts, register, actor.user_id, draft_id, reference)
    for _ in range(TRIES):
        request = await register.get(reference)
        if request is None:
            raise NotFound(f"There is no request {reference}. Nothing changed.")
        if refused := _refusal(request, actor):
            raise NotAllowed(refused)
        entry = AuditEntry(
            at=now.astimezone(dt.UTC),
            actor_id=actor.user_id,
            actor_name=actor.name,
            action=ALSO_AFFECTED,
            from_status=request.status,
            to_status=request.status,
            detail=JOINED,
        )
        try:
            return await register.update(
                dataclasses.replace(request, history=(*request.history, entry))
            )
        except ChangedBySomeoneElse:
            continue
    raise UserFacingError(
        f"{reference} is being changed by someone else just now. Nothing changed. "
        "Try again in a minute."
    )
