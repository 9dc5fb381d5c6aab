"""An old form card says truly what happened since it was sent: pressing a Change
button on the check-your-answers page changes no answer, so it must not say so."""

from __future__ import annotations

from tests.e2e.journey import fill_form, stored_draft
from tests.e2e.test_form import press
from tests.support.cards import all_text
from tests.support.teams import TeamsUser


async def test_pressing_change_then_an_old_send_does_not_say_you_changed_it(
    alex: TeamsUser,
) -> None:
    review = await fill_form(alex)
    before = stored_draft(alex)
    await press(alex, review, "Change what you need")  # opens step 2, changes nothing
    old = await press(alex, review, "Send request")
    text = all_text(old)
    assert "This card is out of date" in text
    assert "You have changed" not in text, "no answer was changed"
    assert "Since then, you have gone to another step of it" in text
    assert "at step 2 of 4: What you need" in text
    assert stored_draft(alex) == before, "the answers are as they were"
