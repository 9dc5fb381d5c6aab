"""Starting a procurement early engagement over real HTTP: the ways in, the catalogue
check with why each system matched, "this already does it" (the owner told once, the
request form filled in) and "none of these fit" (the reason kept, the request routed to
the Technical Review Board). Bad input and other people's engagements get a plain no."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.journey import send_anyway, stored_draft
from tests.e2e.procurement import (
    PAYMENTS_NEED,
    check,
    choose_existing,
    engagement_of,
    engagement_row,
    fill_in_the_rest,
    match_names,
    none_fit,
    owner_of_payments,
    renew,
    shown_values,
    start,
    to_request_form,
)
from tests.support.cards import all_text, find_inputs
from tests.support.teams import (
    TeamsUser,
    card_of,
    find_action,
    invoke_card,
    invoke_message,
    iter_actions,
)

NEED_LABEL = "What do you need it to do?"


def inputs_of(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {element["id"]: element for element in find_inputs(card)}


def diego(user: TeamsUser) -> TeamsUser:
    """Another member of staff, not an admin."""
    return TeamsUser(
        user.http,
        user.bot,
        user.connector,
        user_id="user-id-2",
        name="Diego Siciliani",
        aad_object_id="00000000-0000-0000-0000-0000000000022",
    )


def invoke_activity(user: TeamsUser, verb: str, data: dict[str, Any]) -> dict[str, Any]:
    value = {"action": {"type": "Action.Execute", "verb": verb, "data": data}}
    return user.activity(type="invoke", name="adaptiveCard/action", value=value)


# ---- The ways in -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["buy software", "Procurement", "early engagement", "buy a system"]
)
async def test_each_phrase_shows_the_before_you_buy_card(megan: TeamsUser, text: str) -> None:
    card = await start(megan, text)
    text_shown = all_text(card)
    assert "Before you buy" in text_shown
    assert "before anything is bought" in text_shown
    inputs = inputs_of(card)
    assert inputs["need"]["label"] == NEED_LABEL
    assert inputs["need"]["isRequired"] is True and inputs["need"]["maxLength"] == 2000
    assert inputs["buy"]["label"] == "Is this a new buy or a renewal?"
    assert [c["title"] for c in inputs["buy"]["choices"]] == [
        "New buy",
        "Renewing a contract we already have",
    ]
    assert inputs["system_name"]["maxLength"] == 200
    assert find_action(card, "Check what the council already has")["verb"] == "procurement.check"


async def test_renewal_starts_as_a_renewal(megan: TeamsUser) -> None:
    card = await start(megan, "renewal")
    assert inputs_of(card)["buy"]["value"] == "renewal"


@pytest.mark.parametrize(
    "text, need",
    [
        ("We want to buy a system to take card payments online", "a system to take card payments"),
        ("I want to buy a booking system for the library", "a booking system for the library"),
        ("we need to buy a new case management system", "a new case management system"),
        ("We are buying software for parking permits.", "software for parking permits"),
    ],
)
async def test_saying_what_you_want_to_buy_fills_in_the_need(
    megan: TeamsUser, text: str, need: str
) -> None:
    card = await start(megan, text)
    assert "Before you buy" in all_text(card), "intake's 'we need' must not take it"
    inputs = inputs_of(card)
    assert inputs["need"]["value"].startswith(need)
    assert inputs["buy"]["value"] == "new"


async def test_our_contract_for_a_system_starts_a_renewal_of_it(megan: TeamsUser) -> None:
    card = await start(megan, "Our contract for Civica Pay ends in March")
    inputs = inputs_of(card)
    assert inputs["buy"]["value"] == "renewal"
    assert inputs["system_name"]["value"] == "Civica Pay"
    assert "Civica Pay ends in March" in inputs["need"]["value"]
    card = await start(megan, "our contract ends next June")
    assert inputs_of(card)["buy"]["value"] == "renewal"


async def test_what_is_procurement_early_engagement_is_still_explained(megan: TeamsUser) -> None:
    replies = await megan.say("what is procurement early engagement")
    assert "Before you buy" not in all_text(card_of(replies[-1]))


# ---- The catalogue check --------------------------------------------------------------


@pytest.mark.parametrize(
    "need, best",
    [
        ("a system to take card payments online", {"civica-pay", "capita-pay360"}),
        ("case management for children's social care", {"liquidlogic-lcs", "mosaic"}),
        ("an app for inspections on a tablet that works offline", {"power-apps"}),
    ],
)
async def test_the_check_shows_the_best_match_first_with_why(
    megan: TeamsUser, need: str, best: set[str]
) -> None:
    card = await check(megan, need)
    names = match_names(card)
    assert 1 <= len(names) <= 5
    assert names[0] in best, names
    text = all_text(card)
    assert "What the council already has (sample data)" in text
    assert "Why it matched" in text
    assert "This already does it" in text and "Why do none of these fit?" in text
    row = engagement_row(megan, engagement_of(card))
    assert row is not None and row["stage"] == "catalogue" and row["need"] == need
    assert row["owner_id"] == megan.aad_object_id


async def test_a_match_shows_what_it_does_its_owner_and_contract(megan: TeamsUser) -> None:
    card = await check(megan, "a system to take card payments online")
    text = all_text(card)
    for words in ("Civica Pay", "What it does", "card payments", "Mark Evans", "Civica"):
        assert words in text
    assert "Contract ends" in text and "30 June 2027" in text


async def test_a_platform_the_council_owns_says_so(megan: TeamsUser) -> None:
    card = await check(megan, "build a simple app for site visits with low-code")
    assert "A platform the council already owns." in all_text(card)


async def test_nothing_matched_says_so_and_records_it(megan: TeamsUser) -> None:
    card = await check(megan, "zzqx wibble flarn")
    assert match_names(card) == []
    assert "Nothing in the council's application catalogue matched" in all_text(card)
    engagement = engagement_of(card)
    form = invoke_card(await none_fit(megan, card, reason=""))
    assert "Raise a digital request" in all_text(form)
    row = engagement_row(megan, engagement)
    assert row is not None and row["none_fit_reason"] == "Nothing in the catalogue matched."


async def test_pressing_check_twice_makes_one_engagement(megan: TeamsUser) -> None:
    card = await start(megan)
    button = find_action(card, "Check what the council already has")
    inputs = {"need": PAYMENTS_NEED, "buy": "new", "system_name": ""}
    first = invoke_card(await megan.press(button["verb"], button["data"], inputs))
    second = invoke_card(await megan.press(button["verb"], button["data"], inputs))
    assert engagement_of(first) == engagement_of(second)


# ---- This already does it -------------------------------------------------------------


async def test_this_already_does_it_tells_the_owner_once_and_fills_in_the_form(
    megan: TeamsUser,
) -> None:
    mark = owner_of_payments(megan)
    await mark.say("hello")  # Mark has a chat with the bot
    card = await check(megan, "a system to take card payments online")
    engagement = engagement_of(card)
    button = next(
        a
        for a in iter_actions(card)
        if a.get("verb") == "procurement.existing" and a["data"]["entry"] == "civica-pay"
    )
    activity = invoke_activity(megan, button["verb"], button["data"])
    status, first = await megan.post(activity)
    assert status == 200
    status, again = await megan.post(activity)  # Teams delivers the same press twice
    assert again == first
    form = invoke_card(first)
    assert "We have told Mark Evans, who owns Civica Pay." in all_text(form)
    await megan.bot.settled()
    to_mark = megan.connector.in_conversation(mark.conversation_id)[1:]
    assert len(to_mark) == 1, "the owner is told once"
    told = all_text(card_of(to_mark[0]))
    assert "Megan Bowen" in told and "card payments online" in told
    assert "raising a request to use or extend it" in told
    draft = stored_draft(megan)
    assert draft is not None
    assert draft["title"] == "Use Civica Pay for a system to take card payments online"
    assert draft["kind"] == "change_existing"
    assert draft["existing_systems"] == "Civica Pay"
    assert draft["involves_procurement"] == "false"
    assert draft["problem"] == "a system to take card payments online"
    row = engagement_row(megan, engagement)
    assert row is not None
    assert (row["stage"], row["outcome"], row["chosen_entry_id"]) == (
        "existing",
        "existing",
        "civica-pay",
    )
    assert row["draft_id"]
    # The same card pressed again later: it has moved on, and Mark is not told again.
    later = invoke_card(await choose_existing(megan, card, "civica-pay"))
    assert "This has moved on" in all_text(later)
    await megan.bot.settled()
    assert len(megan.connector.in_conversation(mark.conversation_id)) == 2


async def test_an_owner_who_cannot_be_reached_means_the_admins_are_told(
    alex: TeamsUser, megan: TeamsUser
) -> None:
    await alex.say("hello")  # the admin has a chat; Mark, the owner, has none
    card = await check(megan, "a system to take card payments online")
    form = invoke_card(await choose_existing(megan, card, "capita-pay360"))
    assert "could not reach the owner of Pay360, so we have told the IT admins" in all_text(form)
    await megan.bot.settled()
    to_alex = megan.connector.in_conversation(alex.conversation_id)[1:]
    assert len(to_alex) == 1
    assert "We could not reach the owner of this system" in all_text(card_of(to_alex[0]))


async def test_a_draft_in_progress_is_not_overwritten(megan: TeamsUser) -> None:
    await megan.say("new request")
    first = stored_draft(megan)
    card = await check(megan, "a system to take card payments online")
    answer = invoke_card(await choose_existing(megan, card, "civica-pay"))
    assert "Finish your other request first" in all_text(answer)
    assert stored_draft(megan) == first
    find_action(answer, "Continue my request")
    start_this = find_action(answer, "Start this request")
    # Still there: the same answer, nothing overwritten.
    again = invoke_card(await megan.press(start_this["verb"], start_this["data"]))
    assert "Finish your other request first" in all_text(again)
    discard = find_action(
        invoke_card(await megan.press("request.continue", {})), "Yes, delete this draft"
    )
    await megan.press(discard["verb"], discard["data"])
    form = invoke_card(await megan.press(start_this["verb"], start_this["data"]))
    assert "Raise a digital request" in all_text(form)
    draft = stored_draft(megan)
    assert draft is not None and draft["existing_systems"] == "Civica Pay"


# ---- None of these fit ----------------------------------------------------------------


async def test_none_fit_keeps_the_reason_and_the_request_goes_to_the_trb(
    megan: TeamsUser,
) -> None:
    card = await check(megan, "a system to take card payments online", system_name="Stripe")
    engagement = engagement_of(card)
    form = invoke_card(await none_fit(megan, card, "Neither takes payments for bookings."))
    assert "We have filled in what we know" in all_text(form)
    row = engagement_row(megan, engagement)
    assert row is not None
    assert (row["stage"], row["outcome"]) == ("request", "none_fit")
    assert row["none_fit_reason"] == "Neither takes payments for bookings."
    draft = stored_draft(megan)
    assert draft is not None
    assert draft["title"] == "A system to take card payments online"
    assert draft["involves_procurement"] == "true"
    assert draft["kind"] == "new_system"
    assert draft["supplier"] == "Stripe"
    assert row["draft_id"]
    # The rest of the form, as a person fills it in; then send.
    review = await fill_in_the_rest(megan, form)
    assert "Send request" in all_text(review), all_text(review)
    send = find_action(review, "Send request")
    confirmation = await send_anyway(
        megan, invoke_card(await megan.press(send["verb"], send["data"]))
    )
    assert "Technical Review Board" in all_text(confirmation)


async def test_a_renewal_where_none_fit_is_a_change_with_procurement(megan: TeamsUser) -> None:
    card = await check(
        megan, "a system to take card payments online", buy="renewal", system_name="Civica Pay"
    )
    await none_fit(megan, card, "We already use it and want to keep it.")
    draft = stored_draft(megan)
    assert draft is not None
    assert (draft["kind"], draft["involves_procurement"]) == ("change_existing", "true")


# ---- Renewing --------------------------------------------------------------------------

RENEWING = "our contract for Civica Pay ends in March 2027"


async def renewal_check(user: TeamsUser, said: str = RENEWING) -> dict[str, Any]:
    """Type `said`, then Check with what the start card was filled in with."""
    card = await start(user, said)
    button = find_action(card, "Check what the council already has")
    return invoke_card(await user.press(button["verb"], button["data"], shown_values(card)))


async def test_a_renewal_shows_the_system_on_its_own_with_renew(megan: TeamsUser) -> None:
    card = await renewal_check(megan)
    text = all_text(card)
    assert "The system you are renewing" in text
    assert find_action(card, "Renew Civica Pay")["verb"] == "procurement.renew_it"
    assert "civica-pay" not in match_names(card), "not offered as its own alternative"
    assert match_names(card), "the other systems are still shown"
    assert "You could use one of them instead of renewing." in text
    assert "Use this instead" in [a.get("title") for a in iter_actions(card)]
    assert "This already does it" not in text
    row = engagement_row(megan, engagement_of(card))
    assert row is not None and row["chosen_entry_id"] == "civica-pay"


async def test_renewing_fills_in_the_request_as_a_renewal_and_tells_the_owner_once(
    megan: TeamsUser,
) -> None:
    mark = owner_of_payments(megan)
    await mark.say("hello")
    card = await renewal_check(megan)
    engagement = engagement_of(card)
    form = invoke_card(await renew(megan, card))
    assert "Raise a digital request" in all_text(form)
    draft = stored_draft(megan)
    assert draft is not None
    assert draft["title"] == "Renew Civica Pay"
    assert (draft["kind"], draft["involves_procurement"]) == ("change_existing", "true")
    assert (draft["supplier"], draft["existing_systems"]) == ("Civica", "Civica Pay")
    row = engagement_row(megan, engagement)
    assert row is not None
    assert (row["stage"], row["outcome"], row["chosen_entry_id"]) == (
        "request",
        "renewal",
        "civica-pay",
    )
    again = invoke_card(await renew(megan, card))
    assert "This has moved on" in all_text(again)
    await megan.bot.settled()
    to_mark = megan.connector.in_conversation(mark.conversation_id)[1:]
    assert len(to_mark) == 1, "the owner is told once"
    told = all_text(card_of(to_mark[0]))
    assert "Megan Bowen started the renewal of Civica Pay" in told
    assert "wants to use" not in told


async def test_the_owner_renewing_their_own_system_is_not_told_about_it(
    megan: TeamsUser,
) -> None:
    mark = owner_of_payments(megan)
    await mark.say("hello")
    card = await renewal_check(mark, "Our contract for CIVICA PAY ends soon")
    find_action(card, "Renew Civica Pay")  # found whatever the case typed
    invoke_card(await renew(mark, card))
    card = await check(mark, "a system to take card payments online")
    form = invoke_card(await choose_existing(mark, card, "civica-pay"))
    assert "You own Civica Pay, so we have not told anyone else." in all_text(form)
    await mark.bot.settled()
    to_mark = mark.connector.in_conversation(mark.conversation_id)
    assert not any("Someone" in all_text(card_of(a)) for a in to_mark if a.get("attachments"))


async def test_the_owner_starting_from_a_renewal_reminder_can_renew_honestly(
    megan: TeamsUser,
) -> None:
    mark = owner_of_payments(megan)
    await mark.say("hello")
    start_card = invoke_card(await mark.press("renewal.start", {"entry": "civica-pay"}))
    button = find_action(start_card, "Check what the council already has")
    answer = await mark.press(button["verb"], button["data"], shown_values(start_card))
    card = invoke_card(answer)
    assert "The system you are renewing" in all_text(card)
    assert "civica-pay" not in match_names(card)
    # A card from before the fix offered the system itself: that press renews it too.
    form = invoke_card(await choose_existing_anyway(mark, card, "civica-pay"))
    assert "Raise a digital request" in all_text(form)
    row = engagement_row(mark, engagement_of(card))
    assert row is not None and row["outcome"] == "renewal"
    draft = stored_draft(mark)
    assert draft is not None and draft["title"] == "Renew Civica Pay"
    await mark.bot.settled()
    to_mark = [
        a for a in mark.connector.in_conversation(mark.conversation_id) if a.get("attachments")
    ]
    assert not any("Someone" in all_text(card_of(a)) for a in to_mark)


async def choose_existing_anyway(user: TeamsUser, card: dict[str, Any], entry: str) -> Any:
    return await user.press(
        "procurement.existing", {"engagement": engagement_of(card), "entry": entry}
    )


async def test_a_renewal_of_a_system_not_in_the_catalogue_can_still_be_renewed(
    megan: TeamsUser,
) -> None:
    card = await renewal_check(megan, "Our contract for Zzqx Flarn ends in May")
    assert "We could not find it in the application catalogue." in all_text(card)
    invoke_card(await renew(megan, card))
    draft = stored_draft(megan)
    assert draft is not None and draft["title"] == "Renew Zzqx Flarn"
    assert draft["existing_systems"] == "Zzqx Flarn"
    card = await renewal_check(megan, "renewal")
    button = find_action(card, "Check what the council already has")
    inputs = {"need": "Keep our payments contract", "buy": "renewal", "system_name": ""}
    card = invoke_card(await megan.press(button["verb"], button["data"], inputs))
    find_action(card, "Renew the current system")


async def test_renew_on_a_new_buy_changes_nothing(megan: TeamsUser) -> None:
    card = await check(megan, "a system to take card payments online")
    engagement = engagement_of(card)
    message = invoke_message(await megan.press("procurement.renew_it", {"engagement": engagement}))
    assert "not a renewal" in message and "Nothing has changed" in message
    row = engagement_row(megan, engagement)
    assert row is not None and row["stage"] == "catalogue"


async def test_using_another_system_instead_of_renewing(megan: TeamsUser) -> None:
    card = await renewal_check(megan)
    invoke_card(await choose_existing(megan, card, "capita-pay360"))
    draft = stored_draft(megan)
    assert draft is not None and draft["title"] == "Use Pay360 instead of Civica Pay"


# ---- Truthful words ---------------------------------------------------------------------


async def test_nobody_told_is_not_said_to_be_told(megan: TeamsUser) -> None:
    # Neither Mark (the owner) nor any admin has a chat with the bot.
    card = await check(megan, "a system to take card payments online")
    form = invoke_card(await choose_existing(megan, card, "capita-pay360"))
    text = all_text(form)
    assert "we have told" not in text.lower()
    assert "We could not tell the owner of Pay360 or the IT admins yet." in text
    assert "IT will see this when you send your request." in text


async def test_the_title_reads_as_one_sentence(megan: TeamsUser) -> None:
    card = await check(megan, PAYMENTS_NEED)
    invoke_card(await choose_existing(megan, card, "civica-pay"))
    draft = stored_draft(megan)
    assert draft is not None
    assert draft["title"].startswith("Use Civica Pay for we want to take card payments")


async def test_a_contract_that_has_ended_says_ended(megan: TeamsUser) -> None:
    # The bot's clock starts on 25 November 2026; Learning Pool's contract ended on
    # 31 March 2026 in the sample catalogue.
    card = await check(megan, "mandatory training courses for staff")
    assert "learning-pool" in match_names(card)
    text = all_text(card)
    assert "Contract ended" in text and "31 March 2026" in text
    assert "Contract ends: 31 March 2026" not in text
    card = await check(megan, "a system to take card payments online")
    text = all_text(card)
    assert "Contract ends" in text and "Contract ended" not in text


async def test_we_want_to_buy_on_its_own_gets_the_start_card(megan: TeamsUser) -> None:
    for said in ("we want to buy", "We want to buy.", "i want to buy"):
        card = await start(megan, said)
        assert "Before you buy" in all_text(card), said
        assert inputs_of(card)["buy"]["value"] == "new"


@pytest.mark.parametrize(
    "said", ["I want to buy a new laptop", "we need to buy printer ink", "We want to buy a headset"]
)
async def test_kit_points_to_the_service_desk_with_a_way_on(megan: TeamsUser, said: str) -> None:
    card = await start(megan, said)
    text = all_text(card)
    assert "Ask the IT service desk" in text and "Contact the IT service desk" in text
    go_on = find_action(card, "Go on anyway")
    answer = invoke_card(await megan.press(go_on["verb"], go_on["data"]))
    assert "Before you buy" in all_text(answer)
    assert inputs_of(answer)["need"]["value"] == said.split("buy ", 1)[1]


async def test_software_for_a_laptop_is_still_a_buy(megan: TeamsUser) -> None:
    card = await start(megan, "We want to buy software to manage laptop loans")
    assert "Before you buy" in all_text(card)


# ---- Bad input -------------------------------------------------------------------------


async def test_the_start_card_says_what_is_wrong_and_keeps_the_answers(megan: TeamsUser) -> None:
    card = await start(megan)
    button = find_action(card, "Check what the council already has")
    cases = [
        ({"need": "  ", "buy": "new", "system_name": "Civica"}, "Describe what you need it to do"),
        ({"need": "x" * 2001, "buy": "new"}, "2,000 characters or fewer. It is 2,001"),
        ({"need": "payments", "buy": ""}, "Choose new buy or renewing a contract"),
        ({"need": "payments", "buy": "maybe"}, "Choose new buy or renewing a contract"),
        ({"need": "payments", "buy": "new", "system_name": "s" * 201}, "200 characters"),
    ]
    for inputs, error in cases:
        answer = invoke_card(await megan.press(button["verb"], button["data"], inputs))
        assert "There is a problem" in all_text(answer) and error in all_text(answer)
        shown = inputs_of(answer)
        if inputs.get("system_name") == "Civica":
            assert shown["system_name"]["value"] == "Civica"
            assert shown["buy"]["value"] == "new"
    bad = [
        {"need": 42, "buy": "new", "key": button["data"]["key"]},
        {"need": "payments", "buy": "new", "key": "not-a-key"},
        {"need": "payments", "buy": "new"},
        {"need": ["payments"], "buy": "new", "key": button["data"]["key"]},
    ]
    for data in bad:
        message = invoke_message(await megan.press("procurement.check", data))
        assert "not one I recognise" in message


async def test_none_fit_needs_a_reason_of_up_to_1000_characters(megan: TeamsUser) -> None:
    card = await check(megan, "a system to take card payments online")
    engagement = engagement_of(card)
    answer = invoke_card(await none_fit(megan, card, "   "))
    assert "Say why none of these fit." in all_text(answer)
    answer = invoke_card(await none_fit(megan, card, "r" * 1001))
    assert "1,000 characters or fewer. It is 1,001" in all_text(answer)
    assert inputs_of(answer)["reason"]["value"] == "r" * 1000
    row = engagement_row(megan, engagement)
    assert row is not None and row["stage"] == "catalogue" and not row["none_fit_reason"]


async def test_buttons_with_bad_data_change_nothing(megan: TeamsUser) -> None:
    card = await check(megan, "a system to take card payments online")
    engagement = engagement_of(card)
    for verb, data in [
        ("procurement.existing", {"engagement": engagement, "entry": "not-on-the-card"}),
        ("procurement.existing", {"engagement": engagement}),
        ("procurement.existing", {"engagement": "DR-2026-0001", "entry": "civica-pay"}),
        ("procurement.none_fit", {"engagement": 7, "reason": "x"}),
        ("procurement.none_fit", {"engagement": engagement, "reason": {"a": 1}}),
        ("procurement.carry_on", {}),
    ]:
        message = invoke_message(await megan.press(verb, data))
        assert "Nothing has changed" in message or "not one I recognise" in message, message
    message = invoke_message(
        await megan.press("procurement.carry_on", {"engagement": "PE-000000000000"})
    )
    assert "I cannot find that early engagement" in message
    row = engagement_row(megan, engagement)
    assert row is not None and row["stage"] == "catalogue"


async def test_someone_elses_engagement_is_refused(megan: TeamsUser) -> None:
    card = await check(megan, "a system to take card payments online")
    engagement = engagement_of(card)
    other = diego(megan)
    for answer in [
        await choose_existing(other, card, "civica-pay"),
        await none_fit(other, card, "Not for me"),
        await other.press("procurement.carry_on", {"engagement": engagement}),
        await other.press("procurement.request", {"engagement": engagement}),
    ]:
        assert "Only the person who started this early engagement" in invoke_message(answer)
    row = engagement_row(megan, engagement)
    assert row is not None and row["stage"] == "catalogue" and row["version"] == 1


async def test_an_admin_may_record_the_outcome_for_someone(
    alex: TeamsUser, megan: TeamsUser
) -> None:
    card = await check(megan, "a system to take card payments online")
    answer = invoke_message(await none_fit(alex, card, "Checked with the service."))
    assert "Megan Bowen can carry on from here" in answer
    row = engagement_row(megan, engagement_of(card))
    assert row is not None and row["stage"] == "request"
    assert stored_draft(alex) is None, "no form opened in the admin's name"


# ---- Coming back -----------------------------------------------------------------------


async def test_an_engagement_in_progress_is_offered_first(megan: TeamsUser) -> None:
    card = await check(megan, "a system to take card payments online")
    again = await start(megan)
    assert "You already have an early engagement in progress" in all_text(again)
    find_action(again, "Check what the council already has")  # a new one is still possible
    carry_on = find_action(again, "Carry on where I was")
    back = invoke_card(await megan.press(carry_on["verb"], carry_on["data"]))
    assert engagement_of(back) == engagement_of(card)
    assert "Why it matched" in all_text(back)
    form = await to_request_form(megan)
    assert "Raise a digital request" in all_text(form)


async def test_a_press_on_a_card_that_moved_on_says_where_it_is(megan: TeamsUser) -> None:
    card = await check(megan, "a system to take card payments online")
    await none_fit(megan, card, "None take bookings.")
    answer = invoke_card(await choose_existing(megan, card, "civica-pay"))
    text = all_text(answer)
    assert "This has moved on" in text and "Gathering requirements" in text
    carry_on = find_action(answer, "Carry on where I was")
    form = invoke_card(await megan.press(carry_on["verb"], carry_on["data"]))
    assert "Raise a digital request" in all_text(form)


# ---- Any data at all -------------------------------------------------------------------


async def test_spoilt_data_on_every_procurement_button_gets_a_calm_answer(
    megan: TeamsUser, caplog: pytest.LogCaptureFixture
) -> None:
    from hypothesis import strategies as st

    from tests.e2e.test_fuzz_the_door import (
        PLACES,
        Watch,
        buttons_on,
        fuzz,
        holds_for,
        press,
        spoil,
    )

    found = await check(megan, "a system to take card payments online")
    nothing = await check(megan, "zzqx flarn")
    start_card = await start(megan)  # with "Carry on where I was"
    buttons = [b for b in buttons_on(start_card, found, nothing) if b[0].startswith("procurement.")]
    assert {verb for verb, _ in buttons} >= {
        "procurement.check",
        "procurement.existing",
        "procurement.none_fit",
        "procurement.carry_on",
    }

    async def calm(pressed: tuple[str, Any], where: str) -> None:
        watch = Watch(megan, caplog)
        await press(PLACES[where](megan), *pressed)
        watch.assert_calm()

    spoilt = st.sampled_from(buttons).flatmap(spoil)
    await holds_for(calm, fuzz(150), pressed=spoilt, where=st.sampled_from(sorted(PLACES)))
