"""A member of staff looks at their own requests."""

from __future__ import annotations

from bot.domain.model import DigitalRequest
from bot.domain.references import parse_reference
from bot.errors import NotFound, UserFacingError
from bot.ports import Page, RequestRegister


async def my_requests(
    register: RequestRegister, requester_id: str, page_token: str | None = None
) -> Page:
    return await register.for_requester(requester_id, page_token, page_size=10)


PAGES_SEARCHED = 20  # of 10: a person's own requests looked through for a duplicate link


async def joined_from(
    register: RequestRegister, requester_id: str, reference: str
) -> DigitalRequest | None:
    """The person's own request that IT triage joined to `reference` as a duplicate, if any.

    Its requester was told to follow `reference` instead, so they may see a short record
    of it (never the other person's answers or name).
    """
    token: str | None = None
    for _ in range(PAGES_SEARCHED):
        page = await register.for_requester(requester_id, token, page_size=10)
        for mine in page.items:
            if mine.duplicate_of.strip().upper() == reference:
                return mine
        token = page.next_token
        if not token:
            return None
    return None


async def status(
    register: RequestRegister, requester_id: str, said: str, can_see_all: bool = False
) -> DigitalRequest:
    if not said:
        raise UserFacingError(
            "Type status and then the reference, like status DR-2026-0001. "
            "Type my requests to see all your references."
        )
    if parse_reference(said) is None:
        raise UserFacingError(
            f"'{said[:40]}' is not a request reference. References look like DR-2026-0001."
        )
    found = await register.get(said.strip().upper())
    if found is None and can_see_all:
        raise NotFound(f"There is no request {said.strip().upper()}. Check the reference.")
    if found is None or (found.requester.user_id != requester_id and not can_see_all):
        raise NotFound(
            f"We could not find a request {said.strip().upper()} raised by you. "
            "Check the reference, or type my requests to see yours."
        )
    return found
