"""Every card and every message the bot can send, collected by walking every journey over HTTP.

`walk_every_journey(tmp_path)` starts the real service (with a triage roster) and a stand-in
Bot Connector, then drives each journey as people would: the good path, the mistakes and the
refusals. It returns what the bot sent: cards (from the connector and from invoke answers,
updates included) and plain messages, each once, plus everything the people typed, so checks
on the bot's own words can leave the people's words out.

To cover a new journey, write an `async def walk_...(walk: Walk) -> None` below and add it to
`WALKS`. Each walk starts from a fresh state of its own people (a new user id if it needs one).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from tests.e2e.conftest import CHANNEL
from tests.e2e.journey import GOOD_ANSWERS, send_anyway, start_form
from tests.support.teams import (
    BOT,
    YEAR,
    BotServer,
    Connector,
    TeamsUser,
    card_of,
    find_action,
    invoke_card,
)

CARD_TYPE = "application/vnd.microsoft.card.adaptive"
MESSAGE_TYPE = "application/vnd.microsoft.activity.message"
ALEX = "00000000-0000-0000-0000-0000000000020"  # admin in local mode, on the triage roster
ADELE = "00000000-0000-0000-0000-0000000000022"  # on the triage roster
REF_1 = f"DR-{YEAR}-0001"
REF_2 = f"DR-{YEAR}-0002"


@dataclass(frozen=True)
class SentCard:
    name: str  # where it came from, for failure messages
    card: dict[str, Any]


@dataclass
class Collected:
    cards: list[SentCard] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    # What people typed into cards: never the bot's words. (Chat commands are left out: the
    # bot's own texts name them, "Type help to ...".)
    typed: set[str] = field(default_factory=set)
    _seen: set[str] = field(default_factory=set)

    def add_card(self, name: str, card: dict[str, Any]) -> None:
        key = json.dumps(card, sort_keys=True)
        if key not in self._seen:
            self._seen.add(key)
            self.cards.append(SentCard(name, card))

    def add_message(self, text: str) -> None:
        if text and text not in self.messages:
            self.messages.append(text)

    def add_activity(self, name: str, activity: dict[str, Any]) -> None:
        for attachment in activity.get("attachments") or []:
            if attachment.get("contentType") == CARD_TYPE:
                self.add_card(name, attachment["content"])
        if not activity.get("attachments"):
            self.add_message(str(activity.get("text") or ""))

    def add_invoke_answer(self, name: str, body: Any) -> None:
        if isinstance(body, dict) and body.get("type") == CARD_TYPE:
            self.add_card(name, body["value"])
        elif isinstance(body, dict) and body.get("type") == MESSAGE_TYPE:
            self.add_message(str(body.get("value") or ""))


@dataclass
class RecordingUser(TeamsUser):
    """A TeamsUser whose typing and whose invoke answers go into the collection."""

    collected: Collected = field(default_factory=Collected)

    async def post(self, activity: dict[str, Any]) -> tuple[int, Any]:
        status, body = await super().post(activity)
        if activity.get("type") == "invoke":
            verb = activity["value"]["action"].get("verb", "")
            self.collected.add_invoke_answer(f"answer to {verb} ({self.name})", body)
        return status, body

    async def press(
        self, verb: Any, data: Any, inputs: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        for value in (inputs or {}).values():
            if isinstance(value, str) and value.strip():
                self.collected.typed.add(value)
        return await super().press(verb, data, inputs)

    def in_channel(self) -> RecordingUser:
        conversation = {**CHANNEL, "id": CHANNEL["id"] + ";messageid=1700000000000"}
        return RecordingUser(
            self.http,
            self.bot,
            self.connector,
            self.user_id,
            self.name,
            self.aad_object_id,
            conversation=conversation,
            collected=self.collected,
        )


@dataclass
class Walk:
    alex: RecordingUser  # admin, triager
    megan: RecordingUser  # member of staff
    adele: RecordingUser  # triager
    connector: Connector
    collected: Collected

    def person(self, number: int, name: str) -> RecordingUser:
        """Someone new, with no drafts or requests yet."""
        return RecordingUser(
            self.alex.http,
            self.alex.bot,
            self.alex.connector,
            user_id=f"user-id-{number}",
            name=name,
            aad_object_id=f"00000000-0000-0000-0000-{number:013d}",
            collected=self.collected,
        )


async def press(
    user: TeamsUser, card: dict[str, Any], title: str, inputs: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Press the button titled `title` and return the raw invoke answer."""
    action = find_action(card, title)
    return await user.press(action["verb"], action["data"], inputs)


async def last_card(user: TeamsUser, text: str) -> dict[str, Any]:
    return card_of((await user.say(text))[-1])


# ---- The walks ---------------------------------------------------------------------------


async def walk_home(walk: Walk) -> None:
    alex = walk.alex
    await alex.post(
        alex.activity(
            type="conversationUpdate",
            membersAdded=[{"id": BOT["id"]}, {"id": alex.user_id, "name": alex.name}],
        )
    )
    await walk.connector.wait_for(alex.conversation_id, 1)
    channel = alex.in_channel()
    await channel.post(channel.activity(type="conversationUpdate", membersAdded=[BOT]))
    await alex.say("hello")
    await alex.say("help")
    await channel.say("help")
    await alex.say("I need a way to book rooms online")
    await alex.say("zzz qqq")


async def walk_empty_requests(walk: Walk) -> None:
    megan = walk.megan
    await megan.say("my requests")
    await megan.say(f"status DR-{YEAR}-9999")
    await megan.say("continue")


async def walk_feedback(walk: Walk) -> None:
    alex, megan = walk.alex, walk.megan
    await alex.say("feedback summary")  # nobody has given feedback yet
    await megan.say("feedback summary")  # not an admin
    card = await last_card(megan, "feedback")
    wrong = invoke_card(await press(megan, card, "Send feedback", {"rating": "", "comment": ""}))
    comment = {"rating": "4", "comment": "Quick and clear."}
    await press(megan, wrong, "Send feedback", comment)
    await alex.say("feedback summary")


async def walk_triage_channel_setup(walk: Walk) -> None:
    await walk.alex.say("register triage")  # only in a channel
    await walk.megan.in_channel().say("register triage")  # only an admin
    await walk.alex.in_channel().say("register triage")


async def walk_intake(walk: Walk) -> None:
    megan = walk.megan
    card = await start_form(megan)
    errors = {**GOOD_ANSWERS[1], "title": "", "problem": "x" * 5000, "affected_staff": "lots"}
    card = invoke_card(await press(megan, card, "Next", errors))
    card = invoke_card(await press(megan, card, "Next", GOOD_ANSWERS[1]))
    card = invoke_card(await press(megan, card, "Next", {**GOOD_ANSWERS[2], "kind": ""}))
    card = invoke_card(await press(megan, card, "Next", GOOD_ANSWERS[2]))
    past = {**GOOD_ANSWERS[3], "needed_by": f"{YEAR - 1}-01-01", "sponsor": ""}
    card = invoke_card(await press(megan, card, "Next", past))
    card = invoke_card(await press(megan, card, "Next", GOOD_ANSWERS[3]))
    card = invoke_card(await press(megan, card, "Next", GOOD_ANSWERS[4]))
    await press(megan, card, "Save and finish later")
    await megan.say("new request")  # a draft is waiting
    card = await last_card(megan, "continue")
    await press(megan, card, "Send request")
    await megan.say("my requests")
    await megan.say(f"status {REF_1}")


async def walk_triage(walk: Walk) -> None:
    alex, megan, adele = walk.alex.in_channel(), walk.megan, walk.adele.in_channel()
    await walk.connector.wait_for(CHANNEL["id"], 1)
    refresh = {"verb": "triage.refresh", "reference": REF_1}
    await megan.in_channel().press("triage.refresh", refresh)  # not on the roster
    view = invoke_card(await alex.press("triage.refresh", refresh))
    await press(alex, view, "Reject", {"rejectReason": " "})
    await press(megan.in_channel(), view, "Assign to me")  # not on the roster
    view = invoke_card(await press(alex, view, "Assign to me"))
    asked = {"question": "How many bookings a week?"}
    view = invoke_card(await press(alex, view, "Send question", asked))
    # Megan is told of the assignment and asked the question, each in the background:
    # wait for the question's card itself, whichever arrives first.
    from tests.e2e.communities import wait_for_card

    question = await wait_for_card(megan, megan.conversation_id, "request.answer")
    await press(megan, question, "Send answer", {"answer": "About 400"})
    await press(megan, question, "Send answer", {"answer": "Twice"})  # already answered
    view = invoke_card(await adele.press("triage.refresh", refresh))
    route = {
        "routeBoard": "trb",
        "routeProcess": "change_request",
        "routeReason": "It must work with the waste system.",
    }
    view = invoke_card(await press(adele, view, "Change route", route))
    await press(adele, view, "Accept to board")
    await megan.say(f"status {REF_1}")


async def walk_rejected_and_reopened(walk: Walk) -> None:
    megan, alex = walk.megan, walk.alex.in_channel()
    card = await start_form(megan)
    for step in sorted(GOOD_ANSWERS):
        card = invoke_card(await press(megan, card, "Next", GOOD_ANSWERS[step]))
    # The same need as REF_1 is offered first: Megan sends hers anyway.
    await send_anyway(megan, invoke_card(await press(megan, card, "Send request")))
    await walk.connector.wait_for(CHANNEL["id"], 2)
    view = invoke_card(
        await alex.press("triage.refresh", {"verb": "triage.refresh", "reference": REF_2})
    )
    await press(alex, view, "Link as duplicate", {"duplicateOf": REF_1})
    view = invoke_card(
        await alex.press("triage.refresh", {"verb": "triage.refresh", "reference": REF_2})
    )
    view = invoke_card(await press(alex, view, "Reopen"))
    reason = {"rejectReason": "The council already has a booking system for this."}
    await press(alex, view, "Reject", reason)
    await megan.say("my requests")
    await megan.say(f"status {REF_2}")


async def walk_discard(walk: Walk) -> None:
    sam = walk.person(31, "Sam Green")
    draft = await start_form(sam)
    await press(sam, draft, "Yes, delete this draft")
    await press(sam, draft, "Next", GOOD_ANSWERS[1])  # a card from before the discard


async def walk_glossary(walk: Walk) -> None:
    from bot.domain.glossary import TERMS

    alex = walk.alex
    for name in TERMS:
        await alex.say(f"what is {name}")
    await alex.say("what is")
    await alex.say("what is a flux capacitor")
    await alex.in_channel().say("what is a change request")


async def walk_service_desk(walk: Walk) -> None:
    await walk.alex.say("my laptop is broken")
    await walk.alex.in_channel().say("I need a password reset")


async def walk_change_and_withdraw(walk: Walk) -> None:
    """Kim raises DR-…-0003, changes her answers while IT triage has it, then withdraws it."""
    kim = walk.person(32, "Kim Abercrombie")
    reference = f"DR-{YEAR}-0003"
    card = await start_form(kim)
    for step in sorted(GOOD_ANSWERS):
        card = invoke_card(await press(kim, card, "Next", GOOD_ANSWERS[step]))
    await send_anyway(kim, invoke_card(await press(kim, card, "Send request")))
    await walk.connector.wait_for(CHANNEL["id"], 3)
    status = await last_card(kim, f"status {reference}")
    form = invoke_card(await press(kim, status, "Change my answers"))
    edits = {1: {"title": "Book and change garden waste collections online"}}
    for step in sorted(GOOD_ANSWERS):
        form = invoke_card(
            await press(kim, form, "Next", {**GOOD_ANSWERS[step], **edits.get(step, {})})
        )
    await press(kim, form, "Send changes")
    await kim.say(f"change {REF_1}")  # not hers
    await walk.megan.say(f"change {REF_1}")  # with the board now: too late to change
    await kim.say("withdraw banana")
    asks = await last_card(kim, f"withdraw {reference}")
    await press(kim, asks, "Withdraw request", {"withdrawReason": "We found another way."})
    await kim.say(f"status {reference}")


async def walk_notices(walk: Walk) -> None:
    """Cards the service sends on its own, built here the way the service builds them."""
    from bot.journeys.home import config_problem_card

    problem = "The item Scoring weights has a value that is not a number."
    walk.collected.typed.add(problem)  # the problem text is quoted from the config check
    walk.collected.add_card("config problem notice", config_problem_card(problem))


async def walk_questions(walk: Walk) -> None:
    """Asking and answering (communities): search, route, answer, best, call, reopen, reuse."""
    from tests.e2e.communities import (
        action_with_verb,
        bot_mentioned,
        community_channel,
        register_community,
        say_with,
        volunteer_and_approve,
        wait_for_card,
    )

    mona, sam, rita = (
        walk.person(51, "Mona Asker"),
        walk.person(52, "Sam Champion"),
        walk.person(53, "Rita Reader"),
    )
    channel = await register_community(walk.alex, "Power Platform")
    await volunteer_and_approve(sam, walk.alex, "Power Platform")
    await mona.say("my questions")  # none yet

    async def asked(user: RecordingUser, question: str) -> dict[str, Any]:
        card = await last_card(user, "ask")
        return invoke_card(await press(user, card, "Search answers", {"question_text": question}))

    empty = await last_card(mona, "ask")
    await press(mona, empty, "Search answers", {"question_text": ""})
    await press(mona, empty, "Search answers", {"question_text": "x" * 2500})
    found = await asked(mona, "How do I stop my Power Automate flow emailing the team?")
    routing = invoke_card(await press(mona, found, "None of these \u2014 ask a champion"))
    where = {"community": "power-platform", "service_area": ""}
    routing = invoke_card(await press(mona, routing, "Send to champions", where))
    where["service_area"] = "Housing"
    await press(mona, routing, "Send to champions", where)

    nudge = await wait_for_card(sam, sam.conversation_id, "answer.send")
    await press(sam, nudge, "Send answer", {"answer_text": ""})
    answer = "Add a condition before the Send an email step."
    await press(sam, nudge, "Send answer", {"answer_text": answer})
    to_mona = await wait_for_card(mona, mona.conversation_id, "answer.best")
    await mona.say("my questions")
    await press(mona, to_mona, "This is the best answer")

    second = await asked(mona, "Can someone show me how to share a Power BI report?")
    routing = invoke_card(await press(mona, second, "None of these \u2014 ask a champion"))
    await press(mona, routing, "Send to champions", where)
    ref = action_with_verb(routing, "question.route")["data"]["reference"]
    nudge = await wait_for_card(sam, sam.conversation_id, "question.claim", "reference", ref)
    await press(sam, nudge, "I'll answer in a call")
    called = await wait_for_card(mona, mona.conversation_id, "answer.none_helped", "reference", ref)
    await press(mona, called, "None of these helped")

    reuse = await asked(rita, "My Power Automate flow emails the whole team. How do I stop it?")
    best = action_with_verb(to_mona, "answer.best")["data"]
    await rita.press("answer.helped", {"answer": best["answer"]})
    await press(rita, reuse, "This answered it")
    await say_with(channel, bot_mentioned(channel, "questions"))
    elsewhere = community_channel(walk.alex, "SharePoint")
    await say_with(elsewhere, bot_mentioned(elsewhere, "questions"))


async def walk_champions(walk: Walk) -> None:
    """Communities and champions: channels, leads, volunteers, pauses, answers to check, points."""
    import datetime as dt

    from bot.domain.recognition import LeaderRow, MonthlyDigest
    from bot.journeys.communities import knowledge, recognition
    from bot.journeys.communities.config import Points
    from cards.elements import to_dict
    from tests.e2e.communities import (
        community_channel,
        journey_state,
        name_lead,
        register_community,
        say_in_channel,
        volunteer_and_approve,
    )

    alex = walk.alex
    lead, keen = walk.person(61, "Lena Lead"), walk.person(62, "Kit Keen")
    await alex.say("communities")
    await keen.say("register community Agile delivery")  # only in a channel
    await say_in_channel(community_channel(keen, "Agile delivery"), "register community agile")
    await say_in_channel(community_channel(alex, "Agile delivery"), "register community knitting")
    await name_lead(alex, "Agile delivery", lead)
    await register_community(lead, "Agile delivery")
    form = await last_card(keen, "volunteer")
    await press(
        keen, form, "Send", {"communities": "", "serviceArea": "", "canHelpWith": "x" * 300}
    )
    await volunteer_and_approve(keen, lead, "Agile delivery", "Revenues and benefits")
    await keen.say("champion")
    pause = await last_card(keen, "pause")
    await press(keen, pause, "Pause", {"reason": "", "until": "2020-01-01"})
    paused = invoke_card(
        await press(keen, pause, "Pause", {"reason": "leave", "until": f"{YEAR}-12-24"})
    )
    await press(keen, paused, "Resume")
    await lead.say("champions")
    await lead.say("add champions group 0a1b2c3d-1111-2222-3333-444455556666")  # m365 only
    await lead.say("review answers")  # nothing due yet
    async with journey_state(alex.bot) as shared:
        store = await shared.store()
        entry = (await store.entries())[0]
        community = await store.community(entry.community_id)
    assert community is not None
    opened = invoke_card(await alex.press("knowledge.open", {"entry": entry.id}))
    edit = invoke_card(await press(alex, opened, "Edit"))
    await press(alex, edit, "Save changes", {"question": "", "answer": ""})
    await press(alex, opened, "Still right")
    today = dt.date(YEAR, 11, 25)
    walk.collected.add_card(
        "answers to check", to_dict(knowledge.due_card([(entry, community)], today))
    )
    walk.collected.add_card("answer retired", to_dict(knowledge.retired_card(entry)))
    await alex.say("leaderboard")
    await alex.say("leaderboard agile delivery")
    start = dt.datetime(YEAR, 10, 1, tzinfo=dt.UTC)
    rows = (LeaderRow("a", "Kit Keen", 14, 1, 2), LeaderRow("b", "Lena Lead", 10, 1, 0))
    digest = MonthlyDigest(community.id, start, start, 4, 2, dt.timedelta(hours=3), rows)
    monthly = recognition.digest_card(community, digest, f"October {YEAR}", Points())
    walk.collected.add_card("monthly digest", to_dict(monthly))


async def walk_nudges_and_relay(walk: Walk) -> None:
    """Nudges (more champions, the lead, the seen refresh, the report, the weekly digest)
    and the thread relay (a reply in the thread to the asker, and back)."""
    import datetime as dt

    from bot.journeys.communities import digest, nudging, relay
    from tests.e2e.communities import (
        action_with_verb,
        bot_mentioned,
        journey_state,
        name_lead,
        register_community,
        say_with,
        volunteer_and_approve,
        wait_for_card,
    )

    lead, cai, ash = (
        walk.person(71, "Lou Lead"),
        walk.person(72, "Cai Champion"),
        walk.person(73, "Ash Asker"),
    )
    bot = walk.alex.bot
    clock = bot.clock
    began = clock.now()
    channel = await register_community(walk.alex, "Accessibility")
    await name_lead(walk.alex, "Accessibility", lead)
    await volunteer_and_approve(cai, lead, "Accessibility")
    clock.set(dt.datetime(YEAR, 11, 25, 10, tzinfo=dt.UTC))
    card = await last_card(ash, "ask Is there a checklist for accessible PDF forms?")
    if any(a.get("verb") == "question.none_found" for a in _all_actions(card)):
        card = invoke_card(
            await ash.press(
                "question.none_found", action_with_verb(card, "question.none_found")["data"]
            )
        )
    route = action_with_verb(card, "question.route")["data"]
    await ash.press(
        "question.route", route, {"community": "accessibility", "service_area": "Parks"}
    )
    nudge = await wait_for_card(
        cai, cai.conversation_id, "question.claim", "reference", route["reference"]
    )
    seen = nudge["refresh"]["action"]
    await cai.post(
        cai.activity(
            type="invoke",
            name="adaptiveCard/action",
            value={
                "action": {"type": "Action.Execute", "verb": seen["verb"], "data": seen["data"]},
                "trigger": "automatic",
            },
        )
    )
    async with journey_state(bot) as shared:
        clock.set(dt.datetime(YEAR, 11, 26, 10, tzinfo=dt.UTC))  # the lead's step
        await nudging.run_due(shared, "all-cards")
        clock.set(dt.datetime(YEAR, 11, 30, 9, tzinfo=dt.UTC))  # the digest's Monday
        await nudging.run_due(shared, "all-cards")
        await digest.post_weekly(shared, clock.now())
        question = await (await shared.store()).question(route["reference"])
    assert question is not None
    await lead.say("nudges")
    await ash.say("nudges")  # not a lead
    await say_with(channel, bot_mentioned(channel, "nudges"))
    thread_id = f"{channel.conversation_id.partition(';messageid=')[0]};messageid="
    thread = RecordingUser(
        cai.http,
        bot,
        cai.connector,
        cai.user_id,
        cai.name,
        cai.aad_object_id,
        conversation={**channel.conversation, "id": thread_id + question.channel_message_id},
        collected=walk.collected,
    )
    await say_with(thread, bot_mentioned(thread, "Do you have the form in Word too?"))
    to_ash = await wait_for_card(ash, ash.conversation_id, relay.REPLY)
    await press(ash, to_ash, "Send reply", {relay.REPLY_TEXT: ""})
    await press(ash, to_ash, "Send reply", {relay.REPLY_TEXT: "Yes, I can send it."})
    await cai.press(relay.REPLY, action_with_verb(to_ash, relay.REPLY)["data"])  # not the asker
    other = RecordingUser(
        cai.http,
        bot,
        cai.connector,
        cai.user_id,
        cai.name,
        cai.aad_object_id,
        conversation={**channel.conversation, "id": thread_id + "1700000000555"},
        collected=walk.collected,
    )
    await say_with(other, bot_mentioned(other, "thanks all"))
    clock.set(began)


async def walk_procurement_start(walk: Walk) -> None:
    """Before you buy: the ways in, mistakes, the catalogue check, both outcomes."""
    from bot.journeys.procurement.sample_catalogue import SAMPLE

    # The catalogue's words were typed by the council into its CMDB, not written by the bot.
    for entry in SAMPLE:
        walk.collected.typed.update({entry.name, entry.supplier, entry.owner_name})
        walk.collected.typed.update({entry.description, ", ".join(entry.capabilities)})
        walk.collected.typed.update(entry.capabilities)
    pat = walk.person(301, "Pat Buyer")
    card = await last_card(pat, "buy software")
    check = "Check what the council already has"
    invoke_card(await press(pat, card, check, {"need": "", "buy": "", "system_name": "x" * 300}))
    payments = {"need": "a system to take card payments online", "buy": "new"}
    found = invoke_card(await press(pat, card, check, payments))
    invoke_card(await press(pat, found, "None of these fit", {"reason": ""}))
    await press(pat, found, "None of these fit", {"reason": "None of them take bookings."})
    await press(pat, found, "This already does it")  # moved on
    again = await last_card(pat, "We want to buy a tool for parking permits")
    await press(pat, again, "Carry on where I was")
    other = await last_card(pat, "our contract for Civica Pay ends in June")
    found = invoke_card(await press(pat, other, check, {**payments, "buy": "renewal"}))
    waiting = invoke_card(await press(pat, found, "Use this instead"))  # a draft is open
    await press(pat, waiting, "Start this request")
    # Renewing the system itself (its owner told), and kit the service desk gives out.
    mark = walk.person(108, "Mark Evans")
    await mark.say("hello")
    from tests.e2e.procurement import shown_values

    sam = walk.person(302, "Sam Renew")
    renewing = await last_card(sam, "our contract for Civica Pay ends")
    found = invoke_card(await press(sam, renewing, check, shown_values(renewing)))
    await press(sam, found, "Renew Civica Pay")
    kit = await last_card(pat, "I want to buy a new laptop")
    await press(pat, kit, "Go on anyway")
    nothing = await last_card(pat, "buy software")
    nothing = invoke_card(await press(pat, nothing, check, {"need": "zzqx flarn", "buy": "new"}))
    await press(pat, nothing, "Go on to the next step")


async def walk_procurement_checklist(walk: Walk) -> None:
    """After the request: the checklist with its mistakes, the pack, a second checklist
    waiting, and a channel missing (IT triage is asked to pass the pack on)."""
    from tests.e2e.procurement import CHECKLIST_ANSWERS, at_checklist

    robin = walk.person(401, "Robin Checklist")
    await robin.say("checklist")  # nothing to fill in yet
    _, offer = await at_checklist(robin, title="Take card payments for pest control")
    card = invoke_card(await press(robin, offer, "Start the checklist"))
    card = invoke_card(await press(robin, card, "Next", {"requirements": "", "systems": ""}))
    for step in (1, 2):
        card = invoke_card(await press(robin, card, "Next", CHECKLIST_ANSWERS[step]))
    card = invoke_card(await press(robin, card, "Next", {"accessibility": "not_known"}))
    card = invoke_card(await press(robin, card, "Next", CHECKLIST_ANSWERS[3]))
    wrong = {**CHECKLIST_ANSWERS[4], "contract_value": "lots", "contract_end": "2027-03-01"}
    card = invoke_card(await press(robin, card, "Next", wrong))
    renewal = {**CHECKLIST_ANSWERS[4], "renewal_or_new": "renewal"}
    card = invoke_card(await press(robin, card, "Next", renewal))
    review = invoke_card(await press(robin, card, "Next", CHECKLIST_ANSWERS[4]))
    ready = invoke_card(await press(robin, review, "Make the pack"))
    invoke_card(await press(robin, ready, "Change my answers"))
    _, second = await at_checklist(robin, title="Book pest control visits online")
    await press(robin, second, "Start the checklist")  # the first one is still open
    await robin.say("checklist")


async def walk_same_need(walk: Walk) -> None:
    """Before sending: the same need offered, joined, joined again, bad data; the draft kept."""
    lee = walk.person(501, "Lee Also")
    card = await start_form(lee)
    for step in sorted(GOOD_ANSWERS):
        card = invoke_card(await press(lee, card, "Next", GOOD_ANSWERS[step]))
    offered = invoke_card(await press(lee, card, "Send request"))
    join = next(a for a in _all_actions(offered) if a.get("verb") == "request.join")
    await lee.press("request.join", {"reference": "nope", "draftId": join["data"]["draftId"]})
    await lee.press("request.join", {"reference": join["data"]["reference"]})
    await lee.press("request.join", {**join["data"], "reference": f"DR-{YEAR}-0999"})
    await lee.press(join["verb"], join["data"])
    await lee.press(join["verb"], join["data"])  # already on it
    await walk.megan.press(join["verb"], join["data"])  # not Megan's draft
    again = await last_card(lee, "continue")
    await press(lee, again, "Send request")  # shows Lee is on it now
    await press(lee, again, "Yes, delete this draft")


async def walk_catalogue_admin(walk: Walk) -> None:
    """Importing the catalogue (refused, empty, with bad rows, removing a system not in
    the file, or not removing because a bad row names no system), adding to it, removing
    one system (and one of two with the same name), seeing it, registering the boards'
    and Procurement's channels, and a renewal reminder to an owner and to admins. The
    import brings the sample systems back as rows of the file, so walks after this one
    still find the same systems."""
    from bot.app import CONTEXT
    from bot.domain.catalogue_csv import export_catalogue_csv
    from bot.journeys.procurement.admin import run_renewals
    from bot.journeys.procurement.config import ProcurementConfig
    from bot.journeys.procurement.sample_catalogue import SAMPLE
    from bot.journeys.procurement.shared import Shared

    alex, megan = walk.alex, walk.megan
    owner = RecordingUser(  # a system owner, with an Entra object id as the CMDB gives it
        alex.http,
        alex.bot,
        alex.connector,
        user_id="user-id-601",
        name="Sam Owner",
        aad_object_id="00000000-0000-0000-0000-000000000601",
        collected=walk.collected,
    )
    await owner.say("help")
    await megan.say("catalogue")
    await megan.say("import catalogue")  # not an admin
    await alex.say("import catalogue")  # nothing pasted
    await alex.say("import catalogue\nName of thing,Who sells it\nA,B")  # no System column
    rows = (
        f"walk-renewal,Walk Case System,Acme,Sam Owner,{owner.aad_object_id},"
        "case management,,,2026-12-10,,,no\r\n"
        "walk-no-owner,Old CRM,Acme,Someone who left,,crm,,,2026-12-15,,,no\r\n"
    )
    bad = "".join(f"bad-{n},Bad {n},,,,,,,not a date,,,\r\n" for n in range(25))
    retired = "walk-retired,Retired System,Acme,,,,,,,,,no\r\n"
    await alex.say("add to catalogue\n" + export_catalogue_csv([]) + retired)
    await megan.say("add to catalogue")  # not an admin
    await alex.say("import catalogue\n" + export_catalogue_csv(SAMPLE) + rows + bad)
    shifted = "walk-shifted,Shifted,,,,,,,,,,no,extra,cells\r\n"
    await alex.say("import catalogue\n" + export_catalogue_csv(SAMPLE) + rows + shifted)
    await alex.say("catalogue")
    channel = alex.in_channel()
    await alex.say("register board trb")  # only in a channel
    await megan.in_channel().say("register procurement")  # only an admin
    await channel.say("register board nonsense")
    await channel.say("register board Technical Review Board")
    await channel.say("register procurement")
    assert alex.bot.app is not None
    shared = Shared(alex.bot.app[CONTEXT], ProcurementConfig(renewal_months=1))
    try:
        await run_renewals(shared)
    finally:
        await shared.close()
    await alex.bot.settled()
    reminder = next(
        card_of(a)
        for a in reversed(walk.connector.in_conversation(owner.conversation_id))
        if "renewal.start" in json.dumps(a.get("attachments") or [])
    )
    await press(owner, reminder, "Start an early engagement")
    await press(megan, reminder, "Start an early engagement")  # not the owner
    await owner.press("renewal.start", {"entry": "no-such-system"})
    spare = "walk-spare,Walk Spare,Acme,,,,,,,,,no\r\n" + "".join(
        f"walk-twin-{n},Walk Twin,Acme,,,,,,,,,no\r\n" for n in (1, 2)
    )
    await alex.say("add to catalogue\n" + export_catalogue_csv([]) + spare)
    await alex.say("remove from catalogue")  # no name
    await alex.say("remove from catalogue No Such System")
    await megan.say("remove from catalogue Walk Spare")  # not an admin
    confirm = await last_card(alex, "remove from catalogue Walk Spare")
    await press(megan, confirm, "Remove it")  # not an admin
    await press(alex, confirm, "Remove it")
    await alex.press("catalogue.remove", {"entry": "walk-spare"})  # already gone
    twins = await last_card(alex, "remove from catalogue walk twin")
    await press(alex, twins, "Remove this one")
    await press(alex, await last_card(alex, "remove from catalogue walk twin"), "Remove it")


async def walk_matrix(walk: Walk) -> None:
    """How requests are scored; new weights refused, then published (with a note in the
    Digital, Data and Customer Board's channel); a board's list rescored."""
    from bot.domain.governance import DEFAULT_MATRIX
    from tests.e2e.boards import in_board_channel

    alex, megan = walk.alex, walk.megan
    await megan.say("how are requests scored?")
    await megan.say("change weights")  # not on the board
    await in_board_channel(alex, "ddc").say("register board Digital, Data and Customer Board")
    card = await last_card(alex, "change weights")
    typed = {f"weight_{c.key}": str(c.weight) for c in DEFAULT_MATRIX.criteria}
    wrong = {**typed, "weight_benefits": "ten", "weight_reuse": "101", "reason": ""}
    card = invoke_card(await press(alex, card, "Publish the new weights", wrong))
    why = "Reuse of what we have matters more this year."
    short = {**typed, "weight_benefits": "10", "reason": why}  # adds up to 90
    card = invoke_card(await press(alex, card, "Publish the new weights", short))
    moved = {**short, "weight_reuse": "20"}
    await press(alex, card, "Publish the new weights", moved)
    await megan.say("how are requests scored?")
    await in_board_channel(alex, "trb").say("register board Technical Review Board")
    trb = in_board_channel(alex, "trb")
    await alex.in_channel().say("rescore")  # not a board's channel
    replies = await trb.say("rescore")
    listed = replies[-1].get("attachments") or []
    if listed:  # the requests walked to the board's list, scored with 2026.1
        content = listed[0]["content"]
        use = next(a for a in _all_actions(content) if a.get("verb") == "matrix.rescore")
        await trb.press(use["verb"], use["data"])
    await trb.say("rescore")  # nothing left to rescore


async def walk_deadline_reminders(walk: Walk) -> None:
    """Deadline reminders in chat, built the way the deadline loop builds them: the owner's
    at half time, a board chair's before the meeting, and the overseer's when it is missed."""
    from bot.domain.deadlines import Stage
    from cards.deadline_cards import ReminderNote, build_reminder_card
    from cards.elements import to_dict

    title = str(GOOD_ANSWERS[1]["title"])
    notes = [
        ReminderNote(
            REF_1,
            title,
            Stage.TRIAGE,
            50,
            "5 working days",
            "2 working days left (due by 10am on Thursday 3 December)",
            "Open it in the IT triage channel and decide where it goes next.",
        ),
        ReminderNote(
            REF_2,
            title,
            Stage.BOARD,
            75,
            "A decision at the board's meeting on Tuesday 1 December",
            "Due at the meeting on Tuesday 1 December",
            "It is on the agenda for the board's meeting. Please decide it there.",
        ),
        ReminderNote(
            REF_1,
            title,
            Stage.QUESTION,
            100,
            "10 working days",
            "Overdue by 2 working days (it was due by 10am on Thursday 10 December)",
            "The requester has not answered yet. You may want to contact them.",
            owner_name="Megan Bowen",
            overseer=True,
            owner_unreachable=True,
        ),
    ]
    for note in notes:
        walk.collected.add_card("deadline reminder", to_dict(build_reminder_card(note)))


async def walk_roadmap_review(walk: Walk) -> None:
    """The quarterly roadmap review: refused to someone not on the board, the summary card
    for an admin, the quarter before from its button, and a quarter not understood."""
    alex, megan = walk.alex, walk.megan
    await megan.say("roadmap review")
    card = await last_card(alex, "roadmap review")
    await press(alex, card, "See Q2 2026-27")
    await alex.say("roadmap review soon")
    await alex.say("roadmap review Q1 2027-28")


async def walk_agenda_and_decisions(walk: Walk) -> None:
    """A board's agenda and its decisions: the agenda in the Technical Review Board's
    channel (where walk_triage sent DR-…-0001) and outside any board's channel, a page past
    the end, the decision card, a refused answer, someone not on the board, a question to
    the requester and their answer, a deferral; and the note for a board with no channel."""
    from dataclasses import replace

    from cards.agenda_cards import build_no_channel_card
    from cards.elements import to_dict
    from tests.e2e.boards import decide_button, in_board_channel

    alex, megan = walk.alex, walk.megan
    board = replace(alex, conversation=in_board_channel(alex, "trb").conversation)
    outsider = replace(megan, conversation=board.conversation)
    await megan.say("agenda")
    await board.say("register board Technical Review Board")
    agenda = await last_card(board, "agenda")
    await board.say("agenda page 7")
    card = invoke_card(await press(board, agenda, f"Decide on {REF_1}"))
    refused = decide_button(card, "reject")
    await board.press(refused["verb"], refused["data"], {"rejectRationale": " "})
    await outsider.press(refused["verb"], refused["data"], {"rejectRationale": "No."})
    ask = decide_button(card, "ask_info")
    await board.press(ask["verb"], ask["data"], {"askQuestion": "How many bookings a week?"})
    from tests.e2e.communities import wait_for_card

    question = await wait_for_card(megan, megan.conversation_id, "request.answer")
    await press(megan, question, "Send answer", {"answer": "About 400 a week."})
    agenda = await last_card(board, "agenda")
    card = invoke_card(await press(board, agenda, f"Decide on {REF_1}"))
    defer = decide_button(card, "defer")
    until = {"deferUntil": f"{YEAR + 1}-01-12", "deferReason": "Wait for the new contract."}
    await board.press(defer["verb"], defer["data"], until)
    news = build_no_channel_card("ICT Improvement Group", "Wednesday 16 December 2026 at 10am", 3)
    walk.collected.add_card("agenda not posted", to_dict(news))


async def walk_board_setup(walk: Walk) -> None:
    """A board's setup and its members' deputies, in the ICT Improvement Group's channel:
    `board` there, elsewhere and in a chat; the meetings card with a mistake, saved and
    cancelled; members, chair and secretary named by @mention, and the refusals; a
    deputy named (and told), a bad date, `deputies`, and the member back from leave."""
    from dataclasses import replace

    from tests.e2e.boards import in_board_channel

    alex, megan = walk.alex, walk.megan
    sam = walk.person(701, "Sam Deputy")
    await sam.say("help")  # the bot knows Sam's chat, to tell him he is a deputy
    channel = replace(alex, conversation=in_board_channel(alex, "ictig").conversation)
    megan_there = replace(megan, conversation=channel.conversation)

    async def naming(user: RecordingUser, text: str, people: list[RecordingUser]) -> None:
        entities = [{"type": "mention", "text": f"<at>{BOT['name']}</at>", "mentioned": BOT}]
        for person in people:
            text = text.replace("@", f"<at>{person.name}</at>", 1)
            entities.append(
                {
                    "type": "mention",
                    "text": f"<at>{person.name}</at>",
                    "mentioned": {
                        "id": person.user_id,
                        "name": person.name,
                        "aadObjectId": person.aad_object_id,
                    },
                }
            )
        activity = user.activity(type="message", text=text, entities=entities)
        status, _ = await user.post(activity)
        assert status in (200, 201, 202)
        await user.connector.wait_for_replies(user.conversation_id, activity["id"])

    await megan.say("board")  # on no board
    await alex.in_channel().say("board")  # not a board's channel
    await channel.say("register board ICT Improvement Group")
    shown = await last_card(channel, "board")
    await last_card(megan_there, "board")  # no buttons to change it
    form = invoke_card(await press(channel, shown, "Change meetings"))
    bad = {
        "firstMeeting": "2027-02-30",
        "meetingTime": "25:00",
        "repeat": "yearly",
        "agendaDaysBefore": "15",
    }
    await press(channel, form, "Save meetings", bad)
    await press(channel, form, "Cancel")
    await megan_there.press("board.meetings", {"board": "ictig"})  # not allowed
    good = {
        "firstMeeting": f"{YEAR + 1}-01-13",
        "meetingTime": "10:00",
        "repeat": "monthly",
        "agendaDaysBefore": "5",
    }
    await press(channel, form, "Save meetings", good)
    await naming(channel, "add board member Megan", [])  # nobody mentioned
    await naming(megan_there, "add board member @", [sam])  # not the secretary
    await naming(channel, "add board member @", [megan])
    await naming(channel, "board chair @", [megan])
    await naming(channel, "board secretary @", [alex])
    await naming(channel, "remove board member @", [megan])  # the chair
    await naming(channel, "remove board member @", [sam])  # not on the board
    await channel.say("board group 0a1b2c3d-1111-2222-3333-444455556666")  # local mode
    await alex.say("add board member")  # not in a channel
    await last_card(channel, "board")
    await last_card(alex, "board")  # the boards Alex is on
    await naming(megan_there, "deputy @ until 31 February", [sam])
    await naming(megan_there, "deputy @ until 12 December", [sam])
    await naming(megan_there, "deputy @ from 20 December until 3 January", [sam])
    await last_card(megan_there, "deputies")
    await megan.say("back from leave")
    await alex.bot.settled()


def _all_actions(node: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if str(node.get("type", "")).startswith("Action."):
            found.append(node)
        for key, value in node.items():
            if key != "data":
                found.extend(_all_actions(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(_all_actions(item))
    return found


async def walk_flows(walk: Walk) -> None:
    """Power Automate flows: the admins' list (empty here: no API key in this walk), and
    refused to others; the list with flows on it and the card a flow's owner gets when its
    trigger is paused (tests/e2e/test_webhooks.py makes the service send both), built
    here the way the service builds them."""
    import datetime as dt

    from bot.journeys.flows.cards import (
        FlowLine,
        PausedNote,
        build_flows_card,
        build_paused_card,
    )
    from cards.elements import to_dict

    await walk.alex.say("flows")
    await walk.megan.say("flows")
    since = dt.datetime(YEAR, 11, 25, 10, 0, tzinfo=dt.UTC)
    error = "The flow answered 404: it refused the event."
    for for_app in (False, True):
        note = PausedNote("When a request's status changes", since, 5, error, for_app)
        walk.collected.add_card("flow paused notice", to_dict(build_paused_card(note)))
    lines = [
        FlowLine("When a board decides", "Alex Wilber", "Working", "25 November 2026 at 10:00"),
        FlowLine(
            "When a request's status changes",
            "Planner sync (an app)",
            "Paused since 25 November 2026 at 10:00",
            "None yet",
            "Moves to: With the board",
        ),
    ]
    walk.collected.add_card("flows list", to_dict(build_flows_card(lines)))


async def walk_flow_messages(walk: Walk) -> None:
    """The card a flow sends with SendMessage (tests/e2e/test_api_messages.py sends it
    over HTTP; the API is off in this walk), built here the way the service builds it."""
    from bot.api.operations import ApiCaller
    from bot.journeys.flows.message_card import message_card
    from bot.journeys.flows.message_models import SendMessageBody

    words = {
        "title": "Planner task made",
        "text": "We made a Planner task for your request.\nIt is due next week.",
        "facts": [{"name": "Due", "value": "2 December 2026"}],
        "link": {"title": "Open the plan", "url": "https://tasks.office.com/plan/1"},
    }
    body = SendMessageBody.model_validate({"to": {"requesterOf": REF_1}, **words})
    caller = ApiCaller("user", ALEX, "Alex Wilber", "", "", frozenset())
    walk.collected.add_card("flow message", message_card(body, caller))
    walk.collected.typed.update(
        ["Planner task made", "We made a Planner task for your request.", "It is due next week."]
    )
    walk.collected.typed.update(["Due", "2 December 2026", "Open the plan", "tasks.office.com"])


async def walk_benefits_report(walk: Walk) -> None:
    """The benefits report: refused, then an admin's card and a filter chosen."""
    await walk.megan.say("benefits report")
    card = await last_card(walk.alex, "benefits report")
    await press(walk.alex, card, "Show", {"board": "trb", "theme": "", "year": ""})


async def walk_mark_delivered(walk: Walk) -> None:
    """IT marks an approved request delivered: a new request by someone new, sent to the
    Technical Review Board (its channel registered by walk_agenda_and_decisions), approved
    there, then the triage card's "Mark as delivered" panel, the requester's news, and a
    second press refused."""
    from tests.e2e.boards import APPROVE_INPUTS, decide_button, in_board_channel, reference_in

    priya, alex = walk.person(41, "Priya Patel"), walk.alex.in_channel()
    card = await start_form(priya)
    for step in sorted(GOOD_ANSWERS):
        card = invoke_card(await press(priya, card, "Next", GOOD_ANSWERS[step]))
    sent = await send_anyway(priya, invoke_card(await press(priya, card, "Send request")))
    reference = reference_in(sent)
    refresh = {"verb": "triage.refresh", "reference": reference}
    view = invoke_card(await alex.press("triage.refresh", refresh))
    route = {"routeBoard": "trb", "routeProcess": "change_request", "routeReason": "Tech."}
    view = invoke_card(await press(alex, view, "Change route", route))
    await press(alex, view, "Accept to board")
    board = RecordingUser(
        walk.alex.http,
        walk.alex.bot,
        walk.alex.connector,
        walk.alex.user_id,
        walk.alex.name,
        walk.alex.aad_object_id,
        conversation=in_board_channel(walk.alex, "trb").conversation,
        collected=walk.collected,
    )
    agenda = await last_card(board, "agenda")
    decision = invoke_card(await press(board, agenda, f"Decide on {reference}"))
    approve = decide_button(decision, "approve_change")
    await board.press(approve["verb"], approve["data"], APPROVE_INPUTS)
    view = invoke_card(await alex.press("triage.refresh", refresh))
    note = {"deliveredNote": "It went live on 3 March."}
    await press(alex, view, "Mark as delivered", note)
    await press(alex, view, "Mark as delivered", note)  # the card is out of date now
    await priya.say(f"status {reference}")
    await walk.alex.bot.settled()  # Priya's news has gone


async def walk_skills_check(walk: Walk) -> None:
    """The digital skills check (Priority 1): a wrong answer on each kind of step, saved and
    resumed, sent, the result against the role family's target, and a new check begun."""
    from tests.e2e.test_skills_check import ABOUT, AREAS, LEVELS, SEND

    rui = walk.person(61, "Rui Costa")
    card = await last_card(rui, "skills check")
    card = invoke_card(await press(rui, card, "Next", {**ABOUT, "service_area": "H" * 81}))
    card = invoke_card(await press(rui, card, "Next", ABOUT))
    card = invoke_card(await press(rui, card, "Next", {AREAS[0]: ""}))
    await press(rui, card, "Save and finish later", {AREAS[0]: LEVELS[AREAS[0]]})
    card = await last_card(rui, "skills check")  # one in progress
    for area in AREAS:
        card = invoke_card(await press(rui, card, "Next", {area: LEVELS[area]}))
    result = invoke_card(await press(rui, card, SEND))
    await press(rui, result, "Take the check again")


async def walk_skills_framework(walk: Walk) -> None:
    """Admins see and change the competency framework and open a baseline; others may not."""
    alex, megan = walk.alex, walk.megan
    await megan.say("skills framework")
    overview = await last_card(alex, "skills framework")
    edit = invoke_card(await press(alex, overview, "Change Cyber security awareness"))
    bad = {"level_2": "", "links_2": "No address", "target_front_line": "7"}
    await press(alex, edit, "Save changes", bad)
    good = {
        "level_2": "I can spot a phishing email and report it to the IT service desk.",
        "links_2": "NCSC: phishing | https://www.ncsc.gov.uk/guidance/phishing",
        "target_front_line": "3",
    }
    await press(alex, edit, "Save changes", good)
    await press(alex, edit, "Save changes", good)  # out of date now: version 2 was saved
    walk.collected.typed.update(["NCSC: phishing", "Spring 2027"])
    await megan.say("skills baseline Spring 2027")
    await alex.say("skills baseline")
    await alex.say("skills baseline Spring 2027")
    await alex.say("skills baseline spring 2027")  # already there


async def walk_skills_reports(walk: Walk) -> None:
    """Skills reports for managers and HR (and senior leaders' skills, Priority 3): refused to
    others, a filter picked, a group too small to show, and bad filters answered."""
    from tests.e2e.test_skills_reports import AUTUMN, SPRING, add_waste, seed

    await seed(walk.alex.bot)
    await add_waste(walk.alex.bot)
    walk.collected.typed.update(
        ["Place", "Parks", "Roads", "Waste", "Finance", "Resources", SPRING, AUTUMN, "Narnia"]
    )
    alex = walk.alex
    await walk.megan.say("skills report")
    card = await last_card(alex, "skills report")
    await press(alex, card, "Show this group", {"directorate": "Resources", "role_family": ""})
    await press(alex, card, "Show this group", {"directorate": "Atlantis"})
    await alex.say("skills report Waste")
    await alex.say("skills report senior leaders")
    await alex.say("skills report Narnia")


async def walk_map_a_process(walk: Walk) -> None:
    """Process mapping (Priority 5): each page with its mistakes, a step changed, the check
    page, sent with its estimate; then my processes and a change to the steps."""
    from tests.e2e.test_map_a_process import ABOUT, PAIN, STEPS, as_teams, step

    noor = walk.person(62, "Noor Khan")
    await noor.say("my processes")  # none yet
    first = await last_card(noor, "map a process")
    wrong = {**ABOUT, "name": "", "items_per_month": "-1"}
    card = invoke_card(await press(noor, first, "Next", wrong))
    card = invoke_card(await press(noor, card, "Next", ABOUT))
    card = invoke_card(await press(noor, card, "Next"))  # no steps yet
    for answers in STEPS:
        card = invoke_card(await press(noor, card, "Add another step", step(answers)))
    bad = step({**STEPS[2], "minutes": "x"})
    card = invoke_card(await press(noor, card, "Add another step", bad))
    card = await as_teams(noor, card, "Change step", {"chosen_step": "7"})  # no such step
    card = await as_teams(noor, card, "Change step", {"chosen_step": "2"})
    card = invoke_card(await press(noor, card, "Save this step", step(STEPS[1])))
    pain = invoke_card(await press(noor, card, "Next"))
    review = invoke_card(await press(noor, pain, "Next", PAIN))
    await press(noor, review, "Send process map")
    mine = await last_card(noor, "my processes")
    review = invoke_card(await press(noor, mine, f"Change {ABOUT['name']}"))
    steps = invoke_card(await press(noor, review, "Change the steps"))
    await as_teams(noor, steps, "Remove step", {"chosen_step": "2"})
    await noor.say("continue process map")
    walk.collected.typed.update(
        str(v) for answers in (ABOUT, PAIN, *STEPS) for v in answers.values()
    )


async def walk_automation_backlog(walk: Walk) -> None:
    """The automation backlog: ten at a time, and one raised as a digital request."""
    from tests.e2e.test_automation_backlog import a_map, seed, step

    many = [
        a_map(
            200 + n, f"Process {n:02}", 100 + n, [step("Adviser", "Answers the phone", "Phone", 10)]
        )
        for n in range(11)
    ]
    await seed(walk.alex.bot, *many)
    lena = walk.person(63, "Lena Fischer")
    card = await last_card(lena, "automation backlog")
    await press(lena, card, "Show more")
    await press(lena, card, "Raise as a digital request")
    await walk.alex.in_channel().say("automation backlog")


async def walk_benefits(walk: Walk) -> None:
    """Benefits realised (driver 7): a delivered request's requester records what it brought,
    with mistakes first; a reference that is not one, and a request that is not theirs."""
    import dataclasses
    import datetime as dt

    from bot.app import CONTEXT
    from bot.domain.model import AuditEntry, Status
    from tests.e2e.boards import reference_in

    omar = walk.person(64, "Omar Haddad")
    card = await start_form(omar)
    for number in sorted(GOOD_ANSWERS):
        card = invoke_card(await press(omar, card, "Next", GOOD_ANSWERS[number]))
    reference = reference_in(
        await send_anyway(omar, invoke_card(await press(omar, card, "Send request")))
    )
    bot = walk.alex.bot
    assert bot.app is not None
    store = bot.app[CONTEXT].store
    request = await store.get(reference)
    assert request is not None
    when = bot.clock.now() - dt.timedelta(days=100)  # due for its 3-month review
    entry = AuditEntry(when, ALEX, "Alex Wilber", "deliver", request.status, Status.DELIVERED)
    delivered = dataclasses.replace(
        request, status=Status.DELIVERED, history=(*request.history, entry)
    )
    await store.update(delivered)
    await bot.settled()
    asked = await last_card(omar, f"benefits {reference}")
    bad = {
        "cash_saving_per_year": "-500",
        "hours_saved_per_year": "lots",
        "residents_affected": "1000000000000",
        "notes": "It helps.",
    }
    again = invoke_card(await press(omar, asked, "Send benefits", bad))
    good = {"cash_saving_per_year": "1200", "hours_saved_per_year": "300", "notes": "It helps."}
    await press(omar, again, "Send benefits", good)
    await omar.say("benefits DR-2026-1")
    await walk.megan.say(f"benefits {reference}")  # not hers


async def walk_privacy(walk: Walk) -> None:
    """`my data` (its card, the question in Teams after the link is opened, Yes and No),
    `erase` (refused, nobody found, several found, the confirmation with and without a
    reason, the result, pressed again, cancelled), `erasures` and `retention`."""
    from urllib.parse import urlsplit

    from tests.support.cards import all_text

    alex, megan, connector = walk.alex, walk.megan, walk.connector
    pia = walk.person(801, "Pia Private")
    await pia.say("erasures")  # not an admin
    await alex.say("erasures")  # none yet
    card = await last_card(pia, "feedback")
    await press(pia, card, "Send feedback", {"rating": "5", "comment": "Very useful."})
    held = await last_card(pia, "my data")
    links = [a["url"] for a in held.get("actions", []) if a.get("type") == "Action.OpenUrl"]
    for url, title in zip(links, ("Yes, that is me", "No"), strict=True):
        parts = urlsplit(url)
        async with pia.http.get(f"{pia.bot.url}{parts.path}?{parts.query}") as response:
            code = (await response.text()).split("Your code is ")[1][:6]
        await pia.bot.settled()
        question = next(
            attachment["content"]
            for activity in reversed(connector.in_conversation(pia.conversation_id))
            for attachment in activity.get("attachments") or []
            if f"shows code {code}" in all_text(attachment["content"])
        )
        await press(pia, question, title)
    await megan.say("erase Pia Private")  # not an admin
    await alex.say("erase Nobody Here")
    await alex.say("erase Sam")  # more than one person
    await alex.say("erase")
    confirm = await last_card(alex, "erase Pia Private")
    await press(alex, confirm, "Cancel")
    await press(alex, confirm, "Erase", {"reason": ""})
    await press(alex, confirm, "Erase", {"reason": "leaver"})
    await press(alex, confirm, "Erase", {"reason": "leaver"})  # pressed again
    await alex.say("erasures")
    await pia.say("my data")  # nothing held now
    await alex.say("retention")
    await alex.say("run retention now")
    await alex.say("retention")  # with its last run


# Each walk runs in this order on the same service; later walks rely on earlier ones
# (the triage channel is registered before the first request, DR-…-0001 before DR-…-0002).
WALKS: tuple[Callable[[Walk], Awaitable[None]], ...] = (
    walk_home,
    walk_empty_requests,
    walk_feedback,
    walk_triage_channel_setup,
    walk_intake,
    walk_triage,
    walk_rejected_and_reopened,
    walk_discard,
    walk_glossary,
    walk_service_desk,
    walk_change_and_withdraw,
    walk_notices,
    walk_questions,
    walk_champions,
    walk_nudges_and_relay,
    walk_procurement_start,
    walk_procurement_checklist,
    walk_same_need,
    walk_catalogue_admin,  # replaces the sample catalogue (with the same systems)
    walk_matrix,  # publishes matrix 2026.2: later walks score with it
    walk_roadmap_review,
    walk_deadline_reminders,
    walk_agenda_and_decisions,
    walk_board_setup,
    walk_flows,
    walk_flow_messages,
    walk_benefits_report,
    walk_mark_delivered,
    walk_skills_check,
    walk_skills_framework,  # the framework's version 2 and the baseline Spring 2027
    walk_skills_reports,
    walk_map_a_process,
    walk_automation_backlog,
    walk_benefits,
    walk_privacy,  # last: it erases a person and runs the retention job
    # New journeys: add their walks here (see the module docstring).
)


def _card_name(conversation: str, card: dict[str, Any]) -> str:
    for element in card.get("body") or []:
        if isinstance(element, dict) and element.get("type") == "TextBlock":
            return f"{conversation}: {element.get('text')}"
    return conversation


async def walk_every_journey(tmp_path: Path) -> Collected:
    collected = Collected()
    connector = Connector()
    await connector.start()
    bot = BotServer(tmp_path / "data", {"TRIAGE_ROSTER": f"{ALEX},{ADELE}"})
    try:
        await bot.start()
        async with aiohttp.ClientSession() as http:
            alex = RecordingUser(http, bot, connector, collected=collected)
            megan = RecordingUser(
                http,
                bot,
                connector,
                user_id="user-id-1",
                name="Megan Bowen",
                aad_object_id="00000000-0000-0000-0000-0000000000021",
                collected=collected,
            )
            adele = RecordingUser(
                http,
                bot,
                connector,
                user_id="user-id-2",
                name="Adele Vance",
                aad_object_id=ADELE,
                collected=collected,
            )
            walk = Walk(alex, megan, adele, connector, collected)
            for step in WALKS:
                await step(walk)
    finally:
        await bot.stop()
        await connector.stop()
    for sent in connector.sent:  # messages, updates in place and proactive notices
        content = sent.activity
        first = (content.get("attachments") or [{}])[0].get("content") or {}
        collected.add_activity(_card_name(sent.conversation_id, first), content)
    for answers in GOOD_ANSWERS.values():
        collected.typed.update(v for v in answers.values() if isinstance(v, str) and v.strip())
    collected.typed.discard("")
    return collected


def cards_and_show_cards(collected: Collected) -> list[SentCard]:
    """Every card, and every Action.ShowCard's card as a card of its own (version 1.5)."""
    found: list[SentCard] = []
    for sent in collected.cards:
        found.append(sent)
        found.extend(_show_cards(sent.name, sent.card))
    return found


def _show_cards(name: str, node: Any) -> list[SentCard]:
    found: list[SentCard] = []
    if isinstance(node, dict):
        if node.get("type") == "Action.ShowCard" and isinstance(node.get("card"), dict):
            inner = {**node["card"], "version": "1.5"}
            label = f"{name} › {node.get('title')}"
            found.append(SentCard(label, inner))
            found.extend(_show_cards(label, node["card"]))
            return found
        for key, value in node.items():
            if key != "data":
                found.extend(_show_cards(name, value))
    elif isinstance(node, list):
        for item in node:
            found.extend(_show_cards(name, item))
    return found
