"""One person who has used every journey, over real HTTP: the seed of the `my data` and
`erase` completeness tests.

Priya Natarajan raises a request (typing her own email address and phone number into it,
title included), changes it, is
assigned it by IT triage and answers IT's question, sees it approved by a board that names
her as its delivery owner, has it marked delivered and records its benefits; she gives
feedback, volunteers as a champion, answers a colleague's question and asks one of her own,
takes the skills check, maps a process, starts a procurement early engagement, and leaves a
half-filled request form open. Each free text she types carries a phrase of its own
("PRIYA-PROBLEM-7731"...), so a test can tell exactly which field leaked or went missing.

`everything_bot` starts the bot in local SQLite mode or in SharePoint mode (the real Graph
client against the local Graph-like server); `use_everything` runs the whole story;
`scan_sqlite` and `scan_lists` read every stored value back, as text, for the scans.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import json
import re
import sqlite3
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.e2e.boards import (
    agenda_of,
    decide,
    decision_card,
    make_member,
    press_on,
    raise_with,
    register_board_channel,
    triage_view,
)
from tests.e2e.communities import (
    SEND_ANSWER,
    action_with_verb,
    ask,
    question_reference,
    register_community,
    send_to_community,
    volunteer_and_approve,
    wait_for_card,
)
from tests.e2e.conftest import in_channel
from tests.e2e.journey import GOOD_ANSWERS
from tests.e2e.procurement import check, none_fit
from tests.e2e.test_form import press
from tests.support.cards import all_text
from tests.support.fake_graph import FakeGraph
from tests.support.graph import connect
from tests.support.teams import (
    START,
    TENANT,
    BotServer,
    Connector,
    TeamsUser,
    card_of,
    find_action,
    invoke_card,
    iter_actions,
)

# ---- The people ------------------------------------------------------------------------

NAME = "Priya Natarajan"
EMAIL = "priya.natarajan@example.gov.uk"
PHONE = "0161 496 0734"  # a UK phone number: Person.scrub takes it out
AAD = "7731a0a0-5eed-4c4c-9e9e-0123456789ab"  # her Entra object id
TEAMS_ID = "29:priya-7731-teams-id"  # her Teams (Bot Framework) user id
ADMIN_AAD = "00000000-0000-0000-0000-0000000000020"  # local mode's admin: Alex Wilber
MEGAN_AAD = "00000000-0000-0000-0000-0000000000021"

# Every phrase typed into one field of one journey, so each can be traced on its own.
PHRASES = {
    "title": "PRIYA-TITLE-7731",
    "problem": "PRIYA-PROBLEM-7731",
    "research": "PRIYA-RESEARCH-7731",
    "sponsor": "PRIYA-SPONSOR-7731",
    "impact": "PRIYA-IMPACT-7731",
    "change": "PRIYA-CHANGE-7731",
    "answer": "PRIYA-ANSWER-7731",
    "feedback": "PRIYA-FEEDBACK-7731",
    "champion": "PRIYA-CHAMPION-7731",
    "community_answer": "PRIYA-COMMUNITY-ANSWER-7731",
    "community_question": "PRIYA-COMMUNITY-QUESTION-7731",
    "skills": "PRIYA-SKILLS-7731",
    "process": "PRIYA-PROCESS-7731",
    "pain": "PRIYA-PAIN-7731",
    "benefits": "PRIYA-BENEFITS-7731",
    "need": "PRIYA-NEED-7731",
    "none_fit": "PRIYA-NONEFIT-7731",
    "draft": "PRIYA-DRAFT-7731",
}
# Typed to the bot but never kept by design (an unknown command): only the logs matter.
SAID_ONLY = "PRIYA-CHAT-7731"
# Phrases typed into fields that describe council work and stay after an erase, with her
# names, ids, email address and phone number taken out (bot/privacy.py Person.scrub): a
# process map's name (and the backlog list's Title, copied from it). The erase card lists
# the process map as kept, with the reason.
SCRUBBED = ("process",)
# What IT and the board typed about her (their words, naming her): held about her too.
ABOUT_HER = {
    "question": "PRIYA-IT-QUESTION-7731",
    "owner": "PRIYA-OWNER-7731",
    "delivered": "PRIYA-DELIVERED-7731",
}

ANSWERS: dict[int, dict[str, Any]] = {
    1: {
        **GOOD_ANSWERS[1],
        "title": f"Housing repairs booking online {PHRASES['title']} {EMAIL} {PHONE}",
        "problem": f"Tenants email {NAME} at {EMAIL} to book repairs, and each booking is "
        f"typed twice by hand. {PHRASES['problem']}",
    },
    2: {**GOOD_ANSWERS[2], "user_research": f"Calls logged by {NAME}. {PHRASES['research']}"},
    3: {**GOOD_ANSWERS[3], "sponsor": f"{NAME}, Head of Housing {PHRASES['sponsor']}"},
    4: {**GOOD_ANSWERS[4], "resident_impact": f"Tenants book any time. {PHRASES['impact']}"},
}
CHANGED_SYSTEMS = f"Power Automate, SharePoint, Northgate {PHRASES['change']}"
BOARD = "trb"
DECISION = {
    "changeOwner": f"{NAME}, Housing {ABOUT_HER['owner']}",
    "changeHorizon": "now",
    "changeTheme": "design_plan_implement",
}
# Three months after delivery (at START): the benefits review is open.
THREE_MONTHS_ON = dt.datetime(2027, 2, 25, 10, 0, tzinfo=dt.UTC)
COMMUNITY = "Power Platform"


def roster() -> str:
    """The IT triage roster: the admin and Priya (so IT can assign her request to her)."""
    return f"{ADMIN_AAD}:Alex Wilber,{AAD}:{NAME}"


def forbidden() -> list[str]:
    """What identifies her, and every phrase she typed but those in fields that stay
    scrubbed (SCRUBBED): none may survive an erase, anywhere, those fields included.

    Her first name alone is not here: the sample catalogue has a Priya Shah, and her phrases
    start with PRIYA. What IT and the board typed about her (ABOUT_HER) is their words, not
    hers: once her name is gone from them they are no longer about her."""
    typed = [phrase for key, phrase in PHRASES.items() if key not in SCRUBBED]
    return [NAME, NAME.split()[-1], EMAIL, PHONE, AAD, TEAMS_ID, SAID_ONLY, *typed]


# ---- The bot, in either mode ----------------------------------------------------------


@contextlib.asynccontextmanager
async def everything_bot(tmp_path: Path, mode: str) -> AsyncIterator[tuple[BotServer, Any]]:
    """The bot with Priya on the IT triage roster: local SQLite mode, or SharePoint mode
    against a fresh Graph-like server (yielded with it; None in SQLite mode)."""
    env = {"TRIAGE_ROSTER": roster(), "BOT_STORE": mode}
    fake: FakeGraph | None = None
    if mode == "sharepoint":
        from tests.support.graph import provisioned

        fake = FakeGraph()
        await fake.start()
        await (await provisioned(fake)).close()
    bot = BotServer(tmp_path / "data", env, graph=(lambda: connect(fake)) if fake else None)
    await bot.start()
    try:
        yield bot, fake
    finally:
        await bot.stop()
        if fake is not None:
            await fake.stop()


def people(
    http: aiohttp.ClientSession, bot: BotServer, connector: Connector
) -> tuple[TeamsUser, TeamsUser, TeamsUser]:
    """Priya, the admin (Alex, on the roster and the board) and Megan (who asks a question)."""
    # Teams gives a personal chat an id of its own, which does not hold the person's id.
    chat = {"id": "a:personal-chat-p1", "conversationType": "personal", "tenantId": TENANT}
    priya = TeamsUser(http, bot, connector, TEAMS_ID, NAME, AAD, chat)
    admin = TeamsUser(http, bot, connector)
    megan = TeamsUser(http, bot, connector, "user-id-1", "Megan Bowen", MEGAN_AAD)
    return priya, admin, megan


# ---- The story --------------------------------------------------------------------------


@dataclass
class Seeded:
    """What the story left behind: her request, and the steps that ran."""

    reference: str
    steps: list[str] = field(default_factory=list)


async def newest_card_with(
    user: TeamsUser, title: str, since: int = 0, timeout: float = 5.0
) -> dict[str, Any]:
    """The newest card in the person's own chat with a button titled `title`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sent = user.connector.in_conversation(user.conversation_id)[since:]
        for activity in reversed(sent):
            for attachment in activity.get("attachments") or []:
                content = attachment.get("content") or {}
                if any(a.get("title") == title for a in iter_actions(content)):
                    return dict(content)
        await asyncio.sleep(0.02)
    raise AssertionError(f"No card with a {title!r} button in {user.conversation_id}")


async def status_of(user: TeamsUser, reference: str) -> dict[str, Any]:
    """`status DR-…`: the requester's record (news may arrive at the same moment)."""
    before = len(user.connector.in_conversation(user.conversation_id))
    await user.say(f"status {reference}")
    for _ in range(100):
        for sent in user.connector.in_conversation(user.conversation_id)[before:]:
            if sent.get("attachments") and "What has happened" in all_text(card_of(sent)):
                return card_of(sent)
        await asyncio.sleep(0.05)
    raise AssertionError(f"No record came back for status {reference}")


async def raise_and_change(priya: TeamsUser) -> str:
    reference = await raise_with(priya, ANSWERS)
    record = await status_of(priya, reference)
    action = find_action(record, "Change my answers")
    card = invoke_card(await priya.press(action["verb"], action["data"]))
    for step, answers in sorted(ANSWERS.items()):
        if step == 2:
            answers = {**answers, "existing_systems": CHANGED_SYSTEMS}
        card = await press(priya, card, "Next", answers)
        assert "There is a problem" not in all_text(card), all_text(card)
    await press(priya, card, "Send changes")
    return reference


async def triage_naming_her(admin: TeamsUser, priya: TeamsUser, reference: str) -> None:
    """IT assigns it to her, asks her a question (naming her), she answers, and IT accepts
    it to the Technical Review Board."""
    it = in_channel(admin)
    view = await triage_view(admin, reference)
    assigned = invoke_card(await press_on(it, view, "Assign", {"assignee": AAD}))
    assert f"Assigned to {NAME}" in all_text(assigned), all_text(assigned)
    before = len(priya.connector.in_conversation(priya.conversation_id))
    question = f"{NAME}, how many repairs a week? {ABOUT_HER['question']}"
    view = await triage_view(admin, reference)
    await press_on(it, view, "Send question", {"question": question})
    asked = await newest_card_with(priya, "Send answer", since=before)
    send = find_action(asked, "Send answer")
    said = f"About 400, says {NAME}. {PHRASES['answer']}"
    await priya.press(send["verb"], send["data"], {"answer": said})
    view = await triage_view(admin, reference)
    route = {
        "routeBoard": BOARD,
        "routeProcess": "change_request",
        "routeReason": "It needs the Technical Review Board.",
    }
    view = invoke_card(await press_on(it, view, "Change route", route))
    accepted = invoke_card(await press_on(it, view, "Accept to board"))
    assert "With the board" in all_text(accepted), all_text(accepted)
    await admin.bot.settled()


async def board_decides(admin: TeamsUser, bot: BotServer, reference: str) -> None:
    """The board (the admin its only member) approves it, naming her as delivery owner."""
    channel = await register_board_channel(admin, BOARD)
    await make_member(bot, BOARD, admin, only=True)
    card = await decision_card(channel, await agenda_of(channel), reference)
    await decide(channel, card, "approve_change", DECISION)
    await bot.settled()
    if bot.graph is not None:  # copy it to the DFD Decisions list now, as the loop would
        from bot.journeys.boards.sync import run_decision_sync
        from tests.e2e.boards import board_state

        async with board_state(bot) as shared:
            assert await run_decision_sync(shared) >= 1


async def delivered(admin: TeamsUser, reference: str) -> None:
    view = await triage_view(admin, reference)
    note = f"Live for {NAME}'s team. {ABOUT_HER['delivered']}"
    answer = invoke_card(
        await press_on(in_channel(admin), view, "Mark as delivered", {"deliveredNote": note})
    )
    assert "Status: Delivered." in all_text(answer), all_text(answer)
    await admin.bot.settled()


async def feedback(priya: TeamsUser) -> None:
    card = card_of((await priya.say("feedback"))[-1])
    comment = f"Quick to use, says {NAME}. {PHRASES['feedback']}"
    thanks = await press(priya, card, "Send feedback", {"rating": "4", "comment": comment})
    assert "Thank you for your feedback" in all_text(thanks), all_text(thanks)


async def community(admin: TeamsUser, priya: TeamsUser, megan: TeamsUser) -> None:
    """Priya volunteers as a champion, answers Megan's question, and asks one of her own."""
    await register_community(admin, COMMUNITY)
    help_with = f"Excel and flows {PHRASES['champion']}"
    await volunteer_and_approve(priya, admin, COMMUNITY, can_help_with=help_with)
    card = await ask(megan, "How do I stop a Power Automate flow sending two emails?")
    reference = question_reference(card)
    await send_to_community(megan, card, "power-platform")
    offer = await wait_for_card(priya, priya.conversation_id, SEND_ANSWER, "reference", reference)
    data = action_with_verb(offer, SEND_ANSWER)["data"]
    answer = f"Add a condition first. {NAME} ({EMAIL}). {PHRASES['community_answer']}"
    await priya.press(SEND_ANSWER, data, {"answer_text": answer})
    mine = await ask(priya, f"Who can mail {EMAIL} a flow? {PHRASES['community_question']}")
    await send_to_community(priya, mine, "power-platform")
    await priya.bot.settled()


SKILLS_LEVELS = {
    "m365_teams": "3",
    "data": "1",
    "cyber_security": "not_sure",
    "accessibility": "4",
    "power_platform": "2",
    "service_design": "1",
    "leading_change": "1",
}


async def skills_check(priya: TeamsUser) -> None:
    about = {
        "role_family": "office_based",
        "directorate": "Place",
        "service_area": f"Housing {PHRASES['skills']}",
    }
    card = card_of((await priya.say("skills check"))[-1])
    card = await press(priya, card, "Next", about)
    for area, level in SKILLS_LEVELS.items():
        card = await press(priya, card, "Next", {area: level})
    result = await press(priya, card, "Send and see my results")
    assert "There is a problem" not in all_text(result), all_text(result)


async def process_map(priya: TeamsUser) -> None:
    about = {
        "name": f"Booking a housing repair {PHRASES['process']} {EMAIL} {PHONE}",
        "directorate": "Place",
        "service_area": "Housing",
        "users": "residents,staff",
        "items_per_month": "1,000",
    }
    card = card_of((await priya.say("map a process"))[-1])
    card = await press(priya, card, "Next", about)
    steps = [
        {
            "who": NAME,
            "what": "Books the repair",
            "system": "Northgate",
            "minutes": "4",
            "often": "every",
        },
        {
            "who": "Repairs officer",
            "what": "Checks the address",
            "system": "Northgate",
            "minutes": "2",
            "often": "every",
        },
    ]
    for answers in steps:
        card = await press(
            priya, card, "Add another step", {f"step_{k}": v for k, v in answers.items()}
        )
    card = await press(priya, card, "Next")
    pain = {"pain_points": f"{NAME} types each booking twice. {PHRASES['pain']}"}
    review = await press(priya, card, "Next", pain)
    sent = await press(priya, review, "Send process map")
    assert "Version 1" in all_text(sent), all_text(sent)


async def benefits(priya: TeamsUser, reference: str) -> None:
    """Three months on, she records what it brought, of her own accord."""
    priya.bot.clock.set(THREE_MONTHS_ON)
    [reply] = await priya.say(f"benefits {reference}")
    card = card_of(reply)
    send = find_action(card, "Send benefits")
    notes = f"Fewer calls for {NAME}. {PHRASES['benefits']}"
    thanks = invoke_card(
        await priya.press(send["verb"], send["data"], {"residents_affected": "900", "notes": notes})
    )
    assert "benefits recorded" in all_text(thanks), all_text(thanks)


async def procurement_and_a_draft(priya: TeamsUser) -> None:
    """An early engagement where nothing fits; the request form it opens is left
    half-filled (step 1 done, with a phrase of its own)."""
    card = await check(priya, f"We need online repair bookings for {NAME}. {PHRASES['need']}")
    answer = await none_fit(priya, card, f"None of them book repairs. {PHRASES['none_fit']}")
    form = invoke_card(answer)
    if not any(a.get("title") == "Next" for a in iter_actions(form)):
        form = card_of((await priya.say("new request"))[-1])
    step1 = {**GOOD_ANSWERS[1], "title": f"Half done {PHRASES['draft']}"}
    after = await press(priya, form, "Next", step1)
    assert "There is a problem" not in all_text(after), all_text(after)


async def use_everything(
    bot: BotServer, priya: TeamsUser, admin: TeamsUser, megan: TeamsUser
) -> Seeded:
    """The whole story, in order. The bot's clock ends three months after START."""
    assert bot.clock.now() == START
    await priya.say(f"hello, it is {NAME} {SAID_ONLY}")  # a personal chat
    await in_channel(admin).say("register triage")
    reference = await raise_and_change(priya)
    seeded = Seeded(reference, ["request", "change"])
    await triage_naming_her(admin, priya, reference)
    seeded.steps.append("triage")
    await board_decides(admin, bot, reference)
    seeded.steps.append("board")
    await delivered(admin, reference)
    seeded.steps.append("delivered")
    await feedback(priya)
    seeded.steps.append("feedback")
    await community(admin, priya, megan)
    seeded.steps.append("community")
    await skills_check(priya)
    seeded.steps.append("skills")
    await process_map(priya)
    seeded.steps.append("process map")
    await benefits(priya, reference)
    seeded.steps.append("benefits")
    await procurement_and_a_draft(priya)
    seeded.steps.append("procurement and draft")
    await bot.settled()
    return seeded


async def writes_done(http: aiohttp.ClientSession, bot: BotServer, timeout: float = 15) -> None:
    """In SharePoint mode: wait until every write has reached the Graph-like server."""
    deadline = time.monotonic() + timeout
    while True:
        async with http.get(f"{bot.url}/readyz") as response:
            body = await response.json(content_type=None)
        waiting = body.get("pending_sharepoint_writes", 0) if isinstance(body, dict) else 0
        if not waiting:
            return
        assert time.monotonic() < deadline, f"{waiting} SharePoint writes still waiting"
        await asyncio.sleep(0.05)


# ---- Reading every stored value back ----------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One stored value: where it is (file, table, row number, column) and its text."""

    where: str  # "digital-front-door.sqlite3:requests" or "list:DFD Requests"
    row_id: int
    column: str
    text: str
    row_json: str = dataclasses.field(default="{}", compare=False, repr=False)

    @property
    def row(self) -> dict[str, str]:
        """The whole row (or list item) this value is in: column -> text."""
        found: dict[str, str] = json.loads(self.row_json)
        return found

    def __str__(self) -> str:
        return f"{self.where} row {self.row_id} column {self.column}: {self.text[:300]}"


def sqlite_files(data_dir: Path) -> list[Path]:
    return sorted(p for p in data_dir.rglob("*") if p.is_file() and _is_sqlite(p))


def _is_sqlite(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(16) == b"SQLite format 3\x00"


def scan_sqlite(data_dir: Path) -> Iterator[Cell]:
    """Every value of every column of every table of every SQLite file, as text (JSON and
    blobs included), with the whole row's text beside it."""
    for path in sqlite_files(data_dir):
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            tables = [
                r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            ]
            for table in tables:
                cursor = db.execute(f'SELECT * FROM "{table}"')
                columns = [d[0] for d in cursor.description]
                for n, row in enumerate(cursor):
                    texts = [_text(v) for v in row]
                    row_json = json.dumps(dict(zip(columns, texts, strict=True)))
                    for column, text in zip(columns, texts, strict=True):
                        if text:
                            yield Cell(f"{path.name}:{table}", n, column, text, row_json)
        finally:
            db.close()


def scan_lists(fake: FakeGraph | None) -> Iterator[Cell]:
    """Every field of every item of every list on the Graph-like server."""
    if fake is None:
        return
    for lst in list(fake._lists.values()):
        for n, item in enumerate(fake.list_items(lst.display_name)):
            texts = {k: _text(v) for k, v in item.items()}
            row_json = json.dumps(texts)
            for column, text in texts.items():
                if text:
                    yield Cell(f"list:{lst.display_name}", n, column, text, row_json)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, str):
        return value
    return json.dumps(value, default=str)


def leaves(text: str) -> list[str]:
    """The strings inside a stored value: each string of a JSON value, or the text itself."""
    try:
        value = json.loads(text)
    except ValueError:
        return [text]
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, str):
            found.append(node)
            # JSON kept inside a JSON string (a card's data, say): its strings too.
            if node[:1] in "{[":
                found.extend(s for s in leaves(node) if s != node)
        elif isinstance(node, dict):
            for key, item in node.items():
                walk(str(key))
                walk(item)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(value)
    return found


def found_in(text: str, words: list[str]) -> list[str]:
    """Which of `words` are in `text`, ignoring case."""
    return [w for w in words if re.search(re.escape(w), text, re.IGNORECASE)]


# ---- For the tests that scan what the bot holds ------------------------------------------


@pytest.fixture(params=["sqlite", "sharepoint"])
def mode(request: pytest.FixtureRequest) -> str:
    """Both ways the bot keeps requests: the local store, or SharePoint lists."""
    return str(request.param)


def core_db(bot: BotServer) -> Path:
    return Path(bot.env["DATA_DIR"]) / "digital-front-door.sqlite3"


def requests_rows(bot: BotServer) -> dict[str, dict[str, Any]]:
    """Every request the bot holds (the local store, or SharePoint mode's journal)."""
    with sqlite3.connect(core_db(bot)) as db:
        db.row_factory = sqlite3.Row
        rows = db.execute("SELECT * FROM requests").fetchall()
    return {str(row["reference"]): dict(row) for row in rows}
