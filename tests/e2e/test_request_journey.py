"""A member of staff raises a digital request in Teams chat, start to finish."""

from __future__ import annotations

import re

from tests.e2e.journey import raise_request
from tests.support.cards import all_text
from tests.support.teams import TeamsUser


async def test_a_request_gets_a_reference_a_score_and_a_board(alex: TeamsUser) -> None:
    confirmation = await raise_request(alex)
    text = all_text(confirmation)
    assert re.search(r"Your reference is DR-\d{4}-0001", text)
    assert re.search(r"Priority score: \d+ out of 100", text)
    assert "Board" in text and "Why:" in text
    assert "What happens next" in text
