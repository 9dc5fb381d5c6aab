"""Benefits realised, over real HTTP: when a request is delivered, its requester (and its
sponsor, when the bot can tell who that is) is asked some months later what it actually
brought, beside what was expected. Each ask goes once, across a restart; one reminder
follows if nobody answers; either person's answer stops the asks for that interval; bad
answers are explained with the words kept; a request not delivered is never asked about.

The benefits loop waits an hour between looks: these tests move the bot's clock and do
the loop's work (`Reminders.run`) themselves.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.app import CONTEXT, STORE
from bot.domain.model import AuditEntry, Status
from bot.journeys.benefits.config import BenefitsConfig, load_settings
from bot.journeys.benefits.reminders import Reminders
from bot.settings import SettingsError
from bot.settings import load_settings as load_bot_settings
from tests.e2e.journey import GOOD_ANSWERS, fill_form, send_anyway
from tests.support.cards import all_text, assert_cards_ok, find_inputs
from tests.support.readability import MIN_WORDS, bot_texts, grade, plain, word_count
from tests.support.teams import (
    START,
    BotServer,
    TeamsUser,
    card_of,
    find_action,
    invoke_card,
    invoke_message,
)

LEE = "00000000-0000-0000-0000-000000000101"
DELIVERED_ON = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)
THREE_MONTHS = dt.datetime(2027, 3, 1, 10, 0, tzinfo=dt.UTC)
TWELVE_MONTHS = dt.datetime(2027, 12, 1, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[BotServer]:
    server = BotServer(tmp_path / "data", env={"TRIAGE_ROSTER": f"{LEE}:Lee Gu"})
    await server.start()
    yield server
    await server.stop()


def lee_of(alex: TeamsUser) -> TeamsUser:
    return TeamsUser(alex.http, alex.bot, alex.connector, "29:lee", "Lee Gu", LEE)


async def raise_with_sponsor(user: TeamsUser, sponsor: str) -> str:
    answers = {**GOOD_ANSWERS, 3: {**GOOD_ANSWERS[3], "sponsor": sponsor}}
    review = await fill_form(user, answers)
    send = find_action(review, "Send request")
    text = all_text(
        await send_anyway(user, invoke_card(await user.press(send["verb"], send["data"])))
    )
    return text[text.index("DR-") :][:12]


async def deliver(bot: BotServer, reference: str, when: dt.datetime, seen: bool = True) -> None:
    """IT marks the request delivered. `seen`: through the store the app watches (as
    triage, a board or the shared list would); else behind its back, as if the bot was
    down when it happened."""
    assert bot.app is not None
    ctx = bot.app[CONTEXT]
    store = ctx.store if seen else bot.app[STORE].store
    request = await store.get(reference)
    assert request is not None
    entry = AuditEntry(when, LEE, "Lee Gu", "deliver", request.status, Status.DELIVERED)
    await store.update(
        dataclasses.replace(request, status=Status.DELIVERED, history=(*request.history, entry))
    )
    await bot.settled()


async def run(bot: BotServer, when: dt.datetime) -> int:
    """Move the clock and do what the benefits loop does."""
    assert bot.app is not None
    bot.clock.set(when)
    ctx = bot.app[CONTEXT]
    config = ctx.journey_settings.get("benefits")
    reminders = Reminders(ctx, config if isinstance(config, BenefitsConfig) else BenefitsConfig())
    sent = await reminders.run()
    await bot.settled()
    return sent


def asks(user: TeamsUser, reference: str) -> list[dict[str, Any]]:
    """The benefits cards about this request in the person's own chat."""
    found = []
    for activity in user.connector.in_conversation(user.conversation_id):
        if activity.get("attachments"):
            card = card_of(activity)
            said = str(card.get("fallbackText", "")).removeprefix("Reminder: ")
            if said.startswith(f"What has {reference} brought"):
                found.append(card)
    return found


async def answer(user: TeamsUser, card: dict[str, Any], **typed: str) -> dict[str, Any]:
    send = find_action(card, "Send benefits")
    return await user.press(send["verb"], send["data"], typed)


def hard_to_read(cards: list[dict[str, Any]], typed: list[str]) -> list[tuple[float, str]]:
    """The bot's own texts on these cards above grade 8 (Flesch-Kincaid), as the readability
    test of every journey measures them."""
    found = []
    for card in cards:
        for text in bot_texts(card):
            ours = plain(text, typed)
            if word_count(ours) >= MIN_WORDS and grade(ours) > 8:
                found.append((grade(ours), text))
    return found


async def recorded(bot: BotServer) -> list[dict[str, Any]]:
    assert bot.app is not None
    return [r.data for r in await bot.app[CONTEXT].store.records("benefits_recorded")]


async def status_of(bot: BotServer, reference: str) -> Status:
    assert bot.app is not None
    request = await bot.app[CONTEXT].store.get(reference)
    assert request is not None
    return request.status


async def test_asked_once_at_each_interval_reminded_once_and_stopped_by_the_answer(
    bot: BotServer, megan: TeamsUser
) -> None:
    reference = await raise_with_sponsor(megan, "Jo Bloggs, Head of Waste Services")
    await deliver(bot, reference, DELIVERED_ON)
    assert await run(bot, DELIVERED_ON + dt.timedelta(days=60)) == 0

    assert await run(bot, THREE_MONTHS) == 1
    [ask] = asks(megan, reference)
    text = all_text(ask)
    assert f"What has {reference} brought?" in text
    assert "delivered on 1 December 2026" in text and "3 months on" in text
    assert "Expected when it was raised: £45,000 a year." in text
    assert "Expected when it was raised: 2,600 staff hours a year." in text
    assert "Expected when it was raised: 18,000 residents." in text
    assert "Residents can book and change collections at any time." in text
    # Nobody known is called Jo Bloggs: Megan is asked to pass it on.
    assert "Jo Bloggs, Head of Waste Services" in text and "pass this on" in text
    labels = [i["label"] for i in find_inputs(ask)]
    assert "Cash saved a year, in pounds (optional)" in labels
    assert_cards_ok([ask])

    assert await run(bot, THREE_MONTHS + dt.timedelta(hours=1)) == 0
    await bot.restart()
    assert await run(bot, THREE_MONTHS + dt.timedelta(hours=2)) == 0
    assert len(asks(megan, reference)) == 1

    # Nobody answers for two weeks: one reminder, once.
    assert await run(bot, THREE_MONTHS + dt.timedelta(days=13)) == 0
    assert await run(bot, THREE_MONTHS + dt.timedelta(days=14)) == 1
    assert await run(bot, THREE_MONTHS + dt.timedelta(days=15)) == 0
    reminder = asks(megan, reference)[-1]
    assert "A reminder: we asked you on 1 March 2027." in all_text(reminder)

    thanks = invoke_card(
        await answer(
            megan,
            reminder,
            cash_saving_per_year="£40,000",
            hours_saved_per_year="not known yet",
            residents_affected="15000",
            notes="Fewer calls about bookings.",
        )
    )
    assert "Thank you: benefits recorded" in all_text(thanks)
    assert "Cash saved: £40,000 a year." in all_text(thanks)
    assert "Staff hours saved: not known yet." in all_text(thanks)
    [kept] = await recorded(bot)
    assert {k: v for k, v in kept.items() if k != "at"} == {
        "reference": reference,
        "months": 3,
        "cash_saving_per_year": 40_000,
        "hours_saved_per_year": None,
        "residents_affected": 15_000,
        "notes": "Fewer calls about bookings.",
        "by": megan.aad_object_id,
    }
    assert await status_of(bot, reference) is Status.DELIVERED  # one more review to come

    assert await run(bot, THREE_MONTHS + dt.timedelta(days=40)) == 0
    assert await run(bot, TWELVE_MONTHS - dt.timedelta(hours=1)) == 0
    assert await run(bot, TWELVE_MONTHS) == 1
    twelve = asks(megan, reference)[-1]
    assert "12 months on" in all_text(twelve)
    await bot.restart()
    assert await run(bot, TWELVE_MONTHS + dt.timedelta(hours=1)) == 0

    last = invoke_card(await answer(megan, twelve, cash_saving_per_year="52000"))
    assert "That was the last time we ask about it." in all_text(last)
    assert await status_of(bot, reference) is Status.BENEFITS_REVIEWED
    assert await run(bot, TWELVE_MONTHS + dt.timedelta(days=20)) == 0
    typed = [*(str(v) for step in GOOD_ANSWERS.values() for v in step.values()), reference]
    typed += ["Jo Bloggs, Head of Waste Services", "Fewer calls about bookings."]
    hard = hard_to_read([ask, reminder, thanks, twelve, last], typed)
    assert hard == [], "\n".join(f"{g:.1f} {t}" for g, t in hard)
    assert len(asks(megan, reference)) == 3  # 3 months, its reminder, 12 months; no more
    assert [r["months"] for r in await recorded(bot)] == [3, 12]


async def test_bad_answers_are_explained_and_the_words_kept(
    bot: BotServer, megan: TeamsUser
) -> None:
    reference = await raise_with_sponsor(megan, "")
    await deliver(bot, reference, DELIVERED_ON)
    assert await run(bot, THREE_MONTHS) == 1
    [ask] = asks(megan, reference)
    assert "pass this on" not in all_text(ask)  # no sponsor named

    again = invoke_card(
        await answer(
            megan,
            ask,
            cash_saving_per_year="-500",
            hours_saved_per_year="lots",
            residents_affected="1000000000000",
            notes="It helps.",
        )
    )
    text = all_text(again)
    assert "There is a problem" in text
    assert "The cash saved must be £0 or more" in text
    assert "Enter the staff hours saved as a whole number, like 500" in text
    assert "The number of residents must be 10,000,000 or fewer" in text
    values = {i["id"]: i.get("value") for i in find_inputs(again)}
    assert values["hours_saved_per_year"] == "lots"
    assert values["cash_saving_per_year"] == "-500"
    assert values["notes"] == "It helps."
    assert_cards_ok([again])
    too_much = invoke_card(
        await answer(megan, again, cash_saving_per_year=str(10**12), notes="x" * 2001)
    )
    assert "The cash saved must be £1,000,000,000 or less" in all_text(too_much)
    assert "Your notes must be 2,000 characters or fewer. You entered 2,001." in all_text(too_much)
    assert await recorded(bot) == []
    # Still unanswered: the reminder goes.
    assert await run(bot, THREE_MONTHS + dt.timedelta(days=14)) == 1


async def test_the_sponsor_is_asked_when_clearly_known_and_either_answer_counts(
    bot: BotServer, alex: TeamsUser, megan: TeamsUser
) -> None:
    lee = lee_of(alex)
    await lee.say("help")  # his chat with the bot is known
    reference = await raise_with_sponsor(megan, "Lee Gu (Head of Digital)")
    await deliver(bot, reference, DELIVERED_ON)

    assert await run(bot, THREE_MONTHS) == 2
    [to_megan], [to_lee] = asks(megan, reference), asks(lee, reference)
    assert "pass this on" not in all_text(to_megan)
    thanks = invoke_card(await answer(lee, to_lee, hours_saved_per_year="2,000"))
    assert "Staff hours saved: 2,000 a year." in all_text(thanks)
    # Lee's answer counts for both: no reminder for Megan, and hers is not kept.
    assert await run(bot, THREE_MONTHS + dt.timedelta(days=20)) == 0
    late = invoke_message(await answer(megan, to_megan, hours_saved_per_year="9"))
    assert "Someone has already told us the benefits" in late
    [kept] = await recorded(bot)
    assert kept["by"] == LEE and kept["hours_saved_per_year"] == 2000
    # Someone who is neither requester, sponsor nor admin cannot answer.
    stranger = TeamsUser(alex.http, bot, alex.connector, "29:x", "Sam Other", "sam-aad-id")
    refused = invoke_message(await answer(stranger, to_megan, hours_saved_per_year="1"))
    assert "Only its requester, its sponsor or an admin can" in refused


async def test_a_sponsor_name_two_people_share_is_passed_on_by_the_requester(
    tmp_path: Path, http: Any, connector: Any
) -> None:
    twins = f"{LEE}:Lee Gu,00000000-0000-0000-0000-000000000109:Lee Gu"
    server = BotServer(tmp_path / "twins", env={"TRIAGE_ROSTER": twins})
    await server.start()
    try:
        megan = TeamsUser(
            http,
            server,
            connector,
            "user-id-1",
            "Megan Bowen",
            "00000000-0000-0000-0000-0000000000021",
        )
        lee = TeamsUser(http, server, connector, "29:lee", "Lee Gu", LEE)
        await lee.say("help")
        reference = await raise_with_sponsor(megan, "Lee Gu")
        await deliver(server, reference, DELIVERED_ON)
        assert await run(server, THREE_MONTHS) == 1
        assert "pass this on" in all_text(asks(megan, reference)[0])
        assert not asks(lee, reference)
    finally:
        await server.stop()


async def test_a_request_not_delivered_is_never_asked_about(
    bot: BotServer, megan: TeamsUser
) -> None:
    reference = await raise_with_sponsor(megan, "Jo Bloggs")
    assert await run(bot, THREE_MONTHS) == 0
    assert await run(bot, TWELVE_MONTHS) == 0
    assert not asks(megan, reference)
    [reply] = await megan.say(f"benefits {reference}")
    assert "has not been delivered yet" in str(reply.get("text"))
    forged = {"reference": reference, "months": 3, "cash_saving_per_year": "5"}
    said = invoke_message(await megan.press("benefits.answer", forged))
    assert "has not been delivered yet" in said
    assert await recorded(bot) == []


async def test_a_delivery_missed_while_the_bot_was_down_is_found(
    bot: BotServer, megan: TeamsUser
) -> None:
    reference = await raise_with_sponsor(megan, "")
    await deliver(bot, reference, DELIVERED_ON, seen=False)
    assert bot.app is not None
    assert await bot.app[CONTEXT].store.records("benefits_due") == []
    await bot.restart()  # the start-up look finds it
    await bot.settled()
    assert bot.app is not None
    [due] = await bot.app[CONTEXT].store.records("benefits_due")
    assert due.data == {"reference": reference, "delivered_at": DELIVERED_ON.isoformat()}
    assert await run(bot, THREE_MONTHS) == 1


async def test_an_interval_not_come_yet_cannot_be_answered_even_by_a_forged_card(
    bot: BotServer, megan: TeamsUser
) -> None:
    reference = await raise_with_sponsor(megan, "")
    await deliver(bot, reference, DELIVERED_ON)
    bot.clock.set(DELIVERED_ON + dt.timedelta(days=1))
    for months, opens in ((12, "1 December 2027"), (3, "1 March 2027")):
        forged = {"reference": reference, "months": months, "cash_saving_per_year": "5"}
        said = invoke_message(await megan.press("benefits.answer", forged))
        assert said == (
            f"It is not {months} months yet since {reference} was delivered, so nothing was "
            f"kept. You can record benefits from {opens}, {months} months after it was "
            "delivered."
        )
    assert await recorded(bot) == []
    assert await status_of(bot, reference) is Status.DELIVERED
    # Before the first interval, typing benefits says when it opens: no card to fill in.
    bot.clock.set(DELIVERED_ON + dt.timedelta(days=30))
    [reply] = await megan.say(f"benefits {reference.lower()}")
    assert not reply.get("attachments")
    assert str(reply.get("text")) == (
        f"{reference} was delivered on 1 December 2026. You can record benefits from "
        "1 March 2027, 3 months after it was delivered."
    )
    # The 3-month ask still goes when it is due.
    assert await run(bot, THREE_MONTHS) == 1


async def test_benefits_recorded_of_ones_own_accord_count_only_from_their_interval(
    bot: BotServer, alex: TeamsUser, megan: TeamsUser
) -> None:
    reference = await raise_with_sponsor(megan, "")
    await deliver(bot, reference, DELIVERED_ON)
    bot.clock.set(THREE_MONTHS)
    [reply] = await megan.say(f"benefits {reference}")
    card = card_of(reply)
    assert "3 months on" in all_text(card)
    assert invoke_card(await answer(megan, card, residents_affected="100"))
    assert await run(bot, THREE_MONTHS + dt.timedelta(hours=1)) == 0
    assert not asks(megan, reference)[1:]  # only the card she asked for
    # A month on (day 31 after the 3-month answer), the 12-month review is not open yet.
    bot.clock.set(THREE_MONTHS + dt.timedelta(days=31))
    for person in (megan, alex):  # an admin is told the same
        [told] = await person.say(f"benefits {reference}")
        assert not told.get("attachments")
        assert str(told.get("text")) == (
            f"Thank you: the benefits of {reference} at 3 months are recorded. You can record "
            "benefits from 1 December 2027, 12 months after it was delivered."
        )
    # A card changed to name the 12-month review (not come yet), or an interval not asked
    # about (forged, or from before a change of BENEFITS_REVIEW_MONTHS), keeps nothing.
    send = find_action(card, "Send benefits")
    twelve_now = {**send["data"], "months": 12}
    early = invoke_message(await megan.press(send["verb"], twelve_now, {"residents_affected": "9"}))
    assert "It is not 12 months yet" in early and "1 December 2027" in early
    forged = {**send["data"], "months": 7}
    said = invoke_message(await megan.press(send["verb"], forged, {"residents_affected": "5"}))
    assert "nothing was kept" in said
    assert [r["months"] for r in await recorded(bot)] == [3]
    assert await status_of(bot, reference) is Status.DELIVERED
    # The real 12-month ask still goes; an admin may record it too, which ends the review.
    assert await run(bot, TWELVE_MONTHS) == 1
    assert "12 months on" in all_text(asks(megan, reference)[-1])
    [again] = await alex.say(f"benefits {reference}")
    twelve = card_of(again)
    assert "12 months on" in all_text(twelve)
    last = invoke_card(await answer(alex, twelve, cash_saving_per_year="1000"))
    assert "That was the last time we ask about it." in all_text(last)
    assert await status_of(bot, reference) is Status.BENEFITS_REVIEWED
    [done] = await megan.say(f"benefits {reference}")
    assert "recorded for every review already" in str(done.get("text"))
    [bad] = await megan.say("benefits DR-2026-1")
    assert "is not a request reference" in str(bad.get("text"))
    stranger = TeamsUser(alex.http, bot, alex.connector, "29:x", "Sam Other", "sam-aad-id")
    [refused] = await stranger.say(f"benefits {reference}")
    assert "We could not find a request" in str(refused.get("text"))


@pytest.mark.parametrize(
    ("months", "problem"),
    [
        ("0,12", "from 1 to 60"),
        ("12,3", "each larger than the one before"),
        ("3,3", "each larger"),
        ("3,6,9,12,24", "up to 4"),
        ("three", "whole numbers"),
        ("61", "from 1 to 60"),
        ("3;12", "separated by commas"),
    ],
)
def test_bad_review_months_are_refused_in_plain_words(months: str, problem: str) -> None:
    problems: list[str] = []
    assert load_settings({"BENEFITS_REVIEW_MONTHS": months}, problems) == BenefitsConfig()
    [said] = problems
    assert said.startswith("BENEFITS_REVIEW_MONTHS must be") and problem in said
    assert f"It is '{months}'." in said
    with pytest.raises(SettingsError):
        load_bot_settings({"DATA_DIR": "/tmp/x", "BENEFITS_REVIEW_MONTHS": months})


def test_good_review_months_and_reminder_days_are_read() -> None:
    problems: list[str] = []
    read = load_settings(
        {"BENEFITS_REVIEW_MONTHS": " 6, 24 ", "BENEFITS_REMINDER_DAYS": "7"}, problems
    )
    assert read == BenefitsConfig(review_months=(6, 24), reminder_days=7) and not problems
    load_settings({"BENEFITS_REMINDER_DAYS": "0"}, problems)
    assert problems == [
        "BENEFITS_REMINDER_DAYS must be a whole number of days from 1 to 90, such as 14. It is '0'."
    ]
    assert START < DELIVERED_ON
