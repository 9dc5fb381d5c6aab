"""Nudges, once and on time: more champions, then the lead, then the weekly digest.

Over real HTTP, through a connector that holds the bot to Teams' limits. Time is the
settable clock: a test sets it, then runs what the nudge loop runs every few seconds.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.domain.communities import NudgeOutcome, NudgeStep, QuestionStatus
from bot.journeys.communities import digest, nudging
from tests.e2e.communities import (
    action_with_verb,
    community_channel,
    say_in_channel,
    wait_for_card,
)
from tests.e2e.nudge_steps import (
    COMMUNITY,
    COMMUNITY_ID,
    NONE_FOUND,
    ROUTE,
    SEEN,
    SEND,
    ask_and_route,
    cards_to,
    community_with,
    due_times,
    nudger,
    nudges_of,
    person,
    run_due,
    wait_until,
)
from tests.support.limited_connector import LimitedConnector
from tests.support.teams import START, BotServer, TeamsUser, card_of, invoke_card

UTC = dt.UTC
QUESTION = "How do I make a flow that emails me when someone fills in my form?"
PAUSE = "champion.pause"
CHAMPION_NAMES = ["Adele Vance", "Diego Siciliani", "Grady Archie", "Isaiah Langer"]


@pytest.fixture
async def connector() -> AsyncIterator[LimitedConnector]:
    service = LimitedConnector()
    await service.start()
    yield service
    await service.stop()


@pytest.fixture
async def bot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[BotServer]:
    # The app's own nudge loop waits an hour: the tests run it, after moving the clock.
    monkeypatch.setattr(nudging, "LOOP_SECONDS", 3600.0)
    server = BotServer(tmp_path / "data", env={"COMMUNITY_CHAMPIONS_PER_WAVE": "2"})
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def alex(http: aiohttp.ClientSession, bot: BotServer, connector: LimitedConnector) -> TeamsUser:
    """An admin (the Agents Playground's default user)."""
    return TeamsUser(http, bot, connector)


def people(alex: TeamsUser) -> tuple[TeamsUser, list[TeamsUser], TeamsUser]:
    lead = person(alex, 1, "Lee Gu")
    champions = [person(alex, 10 + i, name) for i, name in enumerate(CHAMPION_NAMES)]
    asker = person(alex, 2, "Nestor Wilke")
    return lead, champions, asker


def at(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


async def test_each_step_falls_due_after_its_working_hours(alex: TeamsUser, bot: BotServer) -> None:
    lead, champions, asker = people(alex)
    await community_with(alex, lead, champions)
    reference = await ask_and_route(asker, QUESTION)  # Wednesday 25 November, 10am

    # The first wave at once: two champions (same service area, none asked yet: by name).
    first, more = champions[:2], champions[2:]
    await wait_until(lambda: all(cards_to(c, reference) for c in first))
    assert not any(cards_to(c, reference) for c in more)

    times = due_times(await nudges_of(bot, reference))
    assert times == {
        NudgeStep.CHAMPIONS: {START},
        NudgeStep.MORE_CHAMPIONS: {at(2026, 11, 25, 14)},  # 4 working hours
        NudgeStep.LEAD: {at(2026, 11, 26, 10)},  # 8: the working day ends at 5pm
        NudgeStep.DIGEST: {at(2026, 11, 26, 14)},  # 12
    }

    bot.clock.set(at(2026, 11, 25, 13, 59))
    await run_due(bot)
    assert not any(cards_to(c, reference) for c in more)
    bot.clock.set(at(2026, 11, 25, 14))
    assert await run_due(bot) == 2
    for champion in more:
        (card,) = cards_to(champion, reference)
        assert "Nobody has answered this yet. Can you help?" in str(card)

    bot.clock.set(at(2026, 11, 26, 9, 59))
    await run_due(bot)
    assert not cards_to(lead, reference)
    bot.clock.set(at(2026, 11, 26, 10))
    assert await run_due(bot) == 1
    (card,) = cards_to(lead, reference)
    words = str(card)
    assert "You lead this community." in words
    assert "We asked Adele Vance, Diego Siciliani, Grady Archie and Isaiah Langer." in words
    assert "It has waited 8 working hours without an answer." in words

    bot.clock.set(at(2026, 11, 26, 14))
    await run_due(bot)
    digest = [n for n in await nudges_of(bot, reference) if n.step is NudgeStep.DIGEST]
    assert [n.outcome for n in digest] == [NudgeOutcome.DELIVERED]

    # Nobody was nudged twice for one step.
    for champion in champions:
        assert len(cards_to(champion, reference)) == 1, champion.name
    assert len(cards_to(lead, reference)) == 1


# Over a weekend and over bank holidays: (routed at, more champions, lead, digest).
LADDERS = {
    "friday afternoon to monday": (
        at(2026, 11, 27, 16),
        at(2026, 11, 30, 12),  # 1 hour on Friday, 3 on Monday
        at(2026, 11, 30, 16),
        at(2026, 12, 1, 12),
    ),
    "christmas eve past christmas, boxing day and its monday": (
        at(2026, 12, 24, 15),
        at(2026, 12, 29, 11),  # Boxing Day is a Saturday: the bank holiday is Monday 28th
        at(2026, 12, 29, 15),
        at(2026, 12, 30, 11),
    ),
    "thursday before good friday, past easter monday and into summer time": (
        at(2027, 3, 25, 14),
        at(2027, 3, 30, 9),  # 10am in London: the clocks went forward on Sunday 28th
        at(2027, 3, 30, 13),
        at(2027, 3, 31, 9),
    ),
}


@pytest.mark.parametrize("ladder", LADDERS.values(), ids=list(LADDERS))
async def test_steps_skip_weekends_and_bank_holidays(
    alex: TeamsUser, bot: BotServer, ladder: tuple[dt.datetime, ...]
) -> None:
    routed, more_due, lead_due, digest_due = ladder
    lead, champions, asker = people(alex)
    await community_with(alex, lead, champions)
    bot.clock.set(routed)
    reference = await ask_and_route(asker, QUESTION)
    await wait_until(lambda: all(cards_to(c, reference) for c in champions[:2]))

    assert due_times(await nudges_of(bot, reference)) == {
        NudgeStep.CHAMPIONS: {routed},
        NudgeStep.MORE_CHAMPIONS: {more_due},
        NudgeStep.LEAD: {lead_due},
        NudgeStep.DIGEST: {digest_due},
    }
    bot.clock.set(more_due - dt.timedelta(seconds=1))
    await run_due(bot)
    assert not any(cards_to(c, reference) for c in champions[2:])
    bot.clock.set(more_due)
    await run_due(bot)
    assert all(len(cards_to(c, reference)) == 1 for c in champions[2:])
    bot.clock.set(lead_due - dt.timedelta(seconds=1))
    await run_due(bot)
    assert not cards_to(lead, reference)
    bot.clock.set(lead_due)
    await run_due(bot)
    assert len(cards_to(lead, reference)) == 1


async def test_a_question_asked_out_of_hours_reaches_champions_when_work_starts(
    alex: TeamsUser, bot: BotServer
) -> None:
    lead, champions, asker = people(alex)
    await community_with(alex, lead, champions)
    bot.clock.set(at(2026, 11, 28, 23))  # Saturday, 11pm
    reference, told = await route_and_tell(asker)
    assert "at 9am on Monday 30 November, when champions are at work" in told
    monday = at(2026, 11, 30, 9)
    assert due_times(await nudges_of(bot, reference))[NudgeStep.CHAMPIONS] == {monday}
    await run_due(bot)
    assert not any(cards_to(c, reference) for c in champions)  # nobody woken at the weekend
    bot.clock.set(monday)
    await run_due(bot)
    assert all(len(cards_to(c, reference)) == 1 for c in champions[:2])


async def five_champions(alex: TeamsUser) -> tuple[TeamsUser, list[TeamsUser], TeamsUser]:
    lead, champions, asker = people(alex)
    champions.append(person(alex, 14, "Johanna Lorenz"))
    await community_with(alex, lead, champions)
    return lead, champions, asker


async def pause(champion: TeamsUser) -> None:
    await champion.press(PAUSE, {"verb": PAUSE}, {"reason": "leave", "until": ""})


async def test_paused_champions_are_skipped_and_the_next_one_asked(
    alex: TeamsUser, bot: BotServer
) -> None:
    _, champions, asker = await five_champions(alex)
    adele, diego, grady, isaiah, johanna = champions
    await pause(adele)  # before the question: never picked
    reference = await ask_and_route(asker, QUESTION)
    await wait_until(lambda: bool(cards_to(diego, reference) and cards_to(grady, reference)))
    assert not cards_to(adele, reference)

    await pause(isaiah)  # after it was planned for him: skipped when it falls due
    bot.clock.set(at(2026, 11, 25, 14))
    await run_due(bot)
    assert len(cards_to(johanna, reference)) == 1  # in his place
    assert not cards_to(isaiah, reference)
    assert not cards_to(adele, reference)
    skipped = [n for n in await nudges_of(bot, reference) if n.recipient_id == isaiah.aad_object_id]
    assert [n.outcome for n in skipped] == [NudgeOutcome.CANCELLED]


async def test_a_champion_who_blocked_the_bot_is_marked_and_the_next_one_asked(
    alex: TeamsUser, bot: BotServer, connector: LimitedConnector
) -> None:
    _, champions, asker = await five_champions(alex)
    adele, diego, johanna = champions[0], champions[1], champions[4]
    connector.blocked.add(diego.conversation_id)  # Teams answers 403 in his chat
    reference = await ask_and_route(asker, QUESTION)

    # Grady and Isaiah are kept for the next wave, so Johanna is asked in Diego's place.
    await wait_until(lambda: bool(cards_to(adele, reference) and cards_to(johanna, reference)))
    assert not cards_to(diego, reference)
    nudges = {n.recipient_id: n for n in await nudges_of(bot, reference)}
    assert nudges[diego.aad_object_id].outcome is NudgeOutcome.UNREACHABLE
    assert nudges[johanna.aad_object_id].step is NudgeStep.CHAMPIONS
    async with nudger(bot) as shared:
        store = await shared.store()
        assert all(c.unreachable for c in await store.champions(user_id=diego.aad_object_id))
        assert not any(c.unreachable for c in await store.champions(user_id=adele.aad_object_id))
    assert connector.counts.blocked == 1

    # Marked unreachable, he is not picked again, for this question or the next.
    bot.clock.set(at(2026, 11, 25, 14))
    await run_due(bot)
    assert not cards_to(diego, reference)
    assert connector.counts.blocked == 1


async def test_no_double_nudge_across_restarts_or_a_process_that_died_mid_send(
    alex: TeamsUser, bot: BotServer
) -> None:
    lead, champions, asker = people(alex)
    await community_with(alex, lead, champions)
    reference = await ask_and_route(asker, QUESTION)
    await wait_until(lambda: all(cards_to(c, reference) for c in champions[:2]))
    # The first wave is recorded as sent, not just arrived: a stop mid-send may send twice.
    await bot.settled()

    await bot.restart()
    bot.clock.set(at(2026, 11, 25, 14))
    await run_due(bot)
    await bot.restart()
    await run_due(bot)
    for champion in champions:
        assert len(cards_to(champion, reference)) == 1, champion.name

    # A process leases the lead's nudge, sends it, and dies before recording it.
    bot.clock.set(at(2026, 11, 26, 10))
    async with nudger(bot) as shared:
        store = await shared.store()
        (leased,) = await store.claim_due(bot.clock.now(), "dead", nudging.LEASE)
        assert leased.step is NudgeStep.LEAD
        said = await shared.ctx.notifier.deliver(
            lead.aad_object_id,
            {
                "type": "AdaptiveCard",
                "version": "1.5",
                "body": [],
                "fallbackText": f"Question {reference}",
            },
            f"nudge:{leased.id}",
        )
        assert said == "sent"
    await bot.restart()
    assert await run_due(bot) == 0  # still leased to the process that died
    bot.clock.set(at(2026, 11, 26, 10) + nudging.LEASE)
    await run_due(bot)  # the lease ran out: taken over, and found already sent
    assert len(cards_to(lead, reference)) == 1
    (lead_nudge,) = [n for n in await nudges_of(bot, reference) if n.step is NudgeStep.LEAD]
    assert lead_nudge.outcome is NudgeOutcome.DELIVERED


async def test_nudges_stop_the_moment_it_is_answered(alex: TeamsUser, bot: BotServer) -> None:
    lead, champions, asker = people(alex)
    await community_with(alex, lead, champions)
    reference = await ask_and_route(asker, QUESTION)
    adele = champions[0]
    await wait_until(lambda: bool(cards_to(adele, reference)))
    (card,) = cards_to(adele, reference)
    send = action_with_verb(card, SEND)
    bot.clock.set(at(2026, 11, 25, 11))
    await adele.press(SEND, send["data"], {"answer_text": "Use the Forms trigger in a flow."})

    bot.clock.set(at(2026, 11, 30, 12))  # past every step
    assert await run_due(bot) == 0
    for champion in champions[1:]:
        assert len(cards_to(champion, reference)) <= 1
    assert not any(cards_to(c, reference) for c in champions[2:])
    assert not cards_to(lead, reference)
    nudges = await nudges_of(bot, reference)
    later = [n for n in nudges if n.step is not NudgeStep.CHAMPIONS]
    assert {n.outcome for n in later} == {NudgeOutcome.CANCELLED}
    acted = {n.recipient_id: n.acted_at for n in nudges if n.step is NudgeStep.CHAMPIONS}
    assert acted == {adele.aad_object_id: at(2026, 11, 25, 11), champions[1].aad_object_id: None}


async def test_none_helped_starts_the_ladder_again_with_champions_not_asked_yet(
    alex: TeamsUser, bot: BotServer
) -> None:
    lead, champions, asker = people(alex)
    await community_with(alex, lead, champions)
    reference = await ask_and_route(asker, QUESTION)
    adele = champions[0]
    await wait_until(lambda: bool(cards_to(adele, reference)))
    (card,) = cards_to(adele, reference)
    bot.clock.set(at(2026, 11, 25, 11))
    await adele.press(SEND, action_with_verb(card, SEND)["data"], {"answer_text": "Try again."})
    answer = await wait_for_card(asker, asker.conversation_id, "answer.none_helped")
    bot.clock.set(at(2026, 11, 25, 15))
    await asker.press("answer.none_helped", action_with_verb(answer, "answer.none_helped")["data"])

    # Grady and Isaiah were never asked (their step was cancelled by Adele's answer): now they are.
    await wait_until(lambda: all(cards_to(c, reference) for c in champions[2:]))
    again = [n for n in await nudges_of(bot, reference) if "again" in n.id]
    assert due_times(again) == {
        NudgeStep.CHAMPIONS: {at(2026, 11, 25, 15)},
        NudgeStep.LEAD: {at(2026, 11, 26, 11)},  # 4 working hours: 2 today, 2 tomorrow
        NudgeStep.DIGEST: {at(2026, 11, 26, 15)},
    }
    bot.clock.set(at(2026, 11, 26, 11))
    await run_due(bot)
    assert len(cards_to(lead, reference)) == 1
    # Who answered (told it was reopened) and who was sent it before are not nudged again.
    asked_again = {n.recipient_id for n in again if n.step is NudgeStep.CHAMPIONS}
    assert asked_again == {c.aad_object_id for c in champions[2:]}


async def route_and_tell(asker: TeamsUser) -> tuple[str, str]:
    """Ask, past answers already given, and send to Power Platform: the reference and
    what the asker is told."""
    card = card_of((await asker.say(f"ask {QUESTION}"))[-1])
    with contextlib.suppress(AssertionError):  # answers already given: none of these
        none = action_with_verb(card, NONE_FOUND)["data"]
        card = invoke_card(await asker.press(NONE_FOUND, none))
    route = action_with_verb(card, ROUTE)
    inputs = {"community": COMMUNITY_ID, "service_area": "Housing"}
    told = str(invoke_card(await asker.press(ROUTE, route["data"], inputs)))
    return str(route["data"]["reference"]), told


async def test_a_community_with_no_lead_channel_or_champions_still_tells_someone(
    alex: TeamsUser, bot: BotServer
) -> None:
    """Nobody to ask: the admins stand in for the lead, and the digest step, with no
    channel to post in, is recorded as reaching nobody rather than as delivered."""
    await alex.say("help")  # the admin has used the bot: their chat is known from then on
    asker = person(alex, 2, "Nestor Wilke")
    reference, told = await route_and_tell(asker)
    assert "this community has no lead yet" in told and "Digital Front Door admins" in told
    assert "we ask more champions" not in told  # nothing promised that cannot happen
    # Nobody to ask first: the admins' step comes at once, not after 8 working hours.
    assert due_times(await nudges_of(bot, reference)) == {
        NudgeStep.LEAD: {START},
        NudgeStep.DIGEST: {at(2026, 11, 26, 14)},
    }
    await wait_until(lambda: bool(cards_to(alex, reference)))
    (card,) = cards_to(alex, reference)  # Alex is the admin
    assert "This community has no lead yet, so we are asking you as an admin." in str(card)
    assert "No champion could be asked." in str(card)
    bot.clock.set(at(2026, 11, 26, 14))
    await run_due(bot)
    outcomes = {n.step: n.outcome for n in await nudges_of(bot, reference)}
    assert outcomes == {
        NudgeStep.LEAD: NudgeOutcome.DELIVERED,
        NudgeStep.DIGEST: NudgeOutcome.UNREACHABLE,
    }


async def test_a_step_falling_due_after_an_answer_elsewhere_is_not_sent(
    alex: TeamsUser, bot: BotServer
) -> None:
    """Another process saved an answer and has not yet cancelled the nudges: the question
    is read again before each send."""
    lead, champions, asker = people(alex)
    await community_with(alex, lead, champions)
    reference = await ask_and_route(asker, QUESTION)
    await wait_until(lambda: all(cards_to(c, reference) for c in champions[:2]))
    async with nudger(bot) as shared:
        store = await shared.store()
        question = await store.question(reference)
        assert question is not None
        await store.update_question(dataclasses.replace(question, status=QuestionStatus.ANSWERED))
    bot.clock.set(at(2026, 11, 25, 14))
    assert await run_due(bot) == 0
    assert not any(cards_to(c, reference) for c in champions[2:])
    later = [n for n in await nudges_of(bot, reference) if n.step is not NudgeStep.CHAMPIONS]
    assert {n.outcome for n in later} == {NudgeOutcome.CANCELLED}


async def test_opening_a_nudge_is_recorded_for_the_person_who_opened_it(
    alex: TeamsUser, bot: BotServer
) -> None:
    lead, champions, asker = people(alex)
    await community_with(alex, lead, champions)
    reference = await ask_and_route(asker, QUESTION)
    adele, diego = champions[:2]
    await wait_until(lambda: bool(cards_to(adele, reference)))
    (card,) = cards_to(adele, reference)
    assert card["refresh"]["userIds"] == [adele.user_id]  # her Teams id
    refresh = card["refresh"]["action"]
    assert refresh["verb"] == SEEN

    bot.clock.set(at(2026, 11, 25, 10, 5))
    opened = await refresh_invoke(adele, refresh["data"])
    assert opened["type"] == "application/vnd.microsoft.card.adaptive"
    assert "A question for Power Platform" in str(opened["value"])
    # Someone else sending the same invoke records nothing for Adele or Diego.
    bot.clock.set(at(2026, 11, 25, 10, 30))
    refused = await refresh_invoke(asker, refresh["data"])
    assert refused["value"] == "That card was not sent to you. Nothing has changed."
    await refresh_invoke(adele, refresh["data"])  # only the first time counts

    seen = {
        n.recipient_id: n.seen_at
        for n in await nudges_of(bot, reference)
        if n.step is NudgeStep.CHAMPIONS
    }
    assert seen == {adele.aad_object_id: at(2026, 11, 25, 10, 5), diego.aad_object_id: None}

    forged = await refresh_invoke(adele, {"verb": SEEN, "reference": f"Q-{START.year}-9999"})
    assert forged["type"] == "application/vnd.microsoft.activity.message"
    assert "not one I know" in forged["value"]


async def refresh_invoke(user: TeamsUser, data: dict[str, Any]) -> dict[str, Any]:
    """What Teams sends when someone on a card's refresh list opens it."""
    value = {
        "action": {"type": "Action.Execute", "verb": SEEN, "data": data},
        "trigger": "automatic",
    }
    status, body = await user.post(
        user.activity(type="invoke", name="adaptiveCard/action", value=value)
    )
    assert status == 200, body
    assert isinstance(body, dict)
    return body


async def test_the_weekly_digest_lists_what_still_waits_once_a_week(
    alex: TeamsUser, bot: BotServer
) -> None:
    lead, champions, asker = people(alex)
    channel = await community_with(alex, lead, champions[:1])
    reference = await ask_and_route(asker, QUESTION)
    answered = await ask_and_route(asker, "Can a Power App read a SharePoint list?")
    adele = champions[0]
    await wait_until(lambda: bool(cards_to(adele, answered)))
    (card,) = cards_to(adele, answered)
    send = action_with_verb(card, SEND)
    await adele.press(SEND, send["data"], {"answer_text": "Yes, add it as a data source."})

    async def post_weekly() -> int:
        async with nudger(bot) as shared:
            return await digest.post_weekly(shared, bot.clock.now())

    def digests() -> list[dict[str, Any]]:
        return [
            card_of(a)
            for a in connector_posts(channel)
            if "Questions still waiting" in str(a.get("attachments"))
        ]

    bot.clock.set(at(2026, 11, 26, 14))  # the DIGEST step: 12 working hours
    await run_due(bot)
    assert await post_weekly() == 0  # Thursday: not the digest's day
    bot.clock.set(at(2026, 11, 30, 8, 59))
    assert await post_weekly() == 0
    bot.clock.set(at(2026, 11, 30, 9))  # Monday, the first working moment
    assert await post_weekly() == 1
    (posted,) = digests()
    words = str(posted)
    assert reference in words and QUESTION in words
    assert answered not in words
    assert "Waiting 4 working days." in words  # Wednesday, Thursday, Friday, Monday

    assert await post_weekly() == 0
    await bot.restart()
    bot.clock.set(at(2026, 11, 30, 15))  # the same Monday, after a restart
    assert await post_weekly() == 0
    bot.clock.set(at(2026, 12, 4, 16))
    assert await post_weekly() == 0
    assert len(digests()) == 1

    bot.clock.set(at(2026, 12, 7, 9))  # the next week, still waiting
    assert await post_weekly() == 1
    bot.clock.set(at(2027, 3, 29, 10))  # Easter Monday: the first working moment is Tuesday
    assert await post_weekly() == 0
    bot.clock.set(at(2027, 3, 30, 8))  # 9am in London, in summer time
    assert await post_weekly() == 1
    assert len(digests()) == 3


def connector_posts(user: TeamsUser) -> list[dict[str, Any]]:
    """Messages posted in that channel, in any of its threads."""
    channel = user.conversation_id.partition(";messageid=")[0]
    return [
        s.activity
        for s in user.connector.sent
        if s.method == "POST" and s.conversation_id.partition(";messageid=")[0] == channel
    ]


async def test_leads_see_whether_nudges_land(
    alex: TeamsUser, bot: BotServer, megan: TeamsUser
) -> None:
    lead, champions, asker = people(alex)
    await community_with(alex, lead, champions)
    reference = await ask_and_route(asker, QUESTION)
    adele, diego = champions[:2]
    await wait_until(lambda: bool(cards_to(adele, reference) and cards_to(diego, reference)))
    (card,) = cards_to(adele, reference)
    await refresh_invoke(adele, card["refresh"]["action"]["data"])
    bot.clock.set(at(2026, 11, 25, 14))
    await run_due(bot)  # the next two champions
    (card,) = cards_to(champions[2], reference)
    send = action_with_verb(card, SEND)
    await champions[2].press(SEND, send["data"], {"answer_text": "Start from the Forms trigger."})

    report = card_of((await lead.say("nudges"))[-1])
    assert report_numbers(report) == {
        "Sent": "4",
        "Delivered": "4",
        "Opened": "1",
        "Answered or claimed": "1",
    }
    in_channel = await say_in_channel(community_channel(lead, COMMUNITY), "nudges")
    assert in_channel == ""  # a card, not words
    said = (await megan.say("nudges"))[-1]["text"]
    assert said == "Only community leads and admins can see how nudges land."
    said = await say_in_channel(community_channel(megan, COMMUNITY), "nudges")
    assert said == "Only the lead of Power Platform and admins can see how nudges land."


def report_numbers(card: dict[str, Any]) -> dict[str, str]:
    found = {}
    for element in card["body"]:
        if element.get("type") == "FactSet":
            for fact in element["facts"]:
                found[fact["title"]] = fact["value"]
    return found


async def test_a_nudge_teams_could_not_take_is_sent_on_a_later_run(
    alex: TeamsUser, bot: BotServer, connector: LimitedConnector
) -> None:
    """503 past every retry: the nudge stays waiting, and the next run sends it."""
    lead, champions, asker = people(alex)
    await community_with(alex, lead, champions)
    reference = await ask_and_route(asker, QUESTION)
    await wait_until(lambda: all(cards_to(c, reference) for c in champions[:2]))
    bot.clock.set(at(2026, 11, 25, 14))
    connector.fail_next = 100  # Teams is down for this run
    await run_due(bot)
    assert not any(cards_to(c, reference) for c in champions[2:])
    waiting = [n for n in await nudges_of(bot, reference) if n.step is NudgeStep.MORE_CHAMPIONS]
    assert {n.outcome for n in waiting} == {NudgeOutcome.WAITING}

    connector.fail_next = 0
    bot.clock.set(at(2026, 11, 25, 14, 1))
    await run_due(bot)
    for champion in champions[2:]:
        assert len(cards_to(champion, reference)) == 1, champion.name


async def test_the_apps_own_loop_sends_what_falls_due(
    tmp_path: Path,
    http: aiohttp.ClientSession,
    connector: LimitedConnector,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(nudging, "LOOP_SECONDS", 0.05)
    server = BotServer(tmp_path / "loop", env={"COMMUNITY_CHAMPIONS_PER_WAVE": "2"})
    await server.start()
    try:
        lead, champions, asker = people(TeamsUser(http, server, connector))
        await community_with(TeamsUser(http, server, connector), lead, champions)
        reference = await ask_and_route(asker, QUESTION)
        await wait_until(lambda: all(cards_to(c, reference) for c in champions[:2]))
        assert not any(cards_to(c, reference) for c in champions[2:])
        server.clock.set(at(2026, 11, 25, 14))  # nobody calls run_due: the loop does
        await wait_until(lambda: all(cards_to(c, reference) for c in champions[2:]))
    finally:
        await server.stop()
