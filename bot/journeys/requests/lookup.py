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
