"""Power Automate's webhook triggers, end to end over real HTTP: a flow subscribes through
the API, people work in Teams, and the flow is called once per event, signed with the
secret it was given, tried again with back-off when its side fails (also across a
restart), paused with its owner told when it keeps failing, and dropped when it is gone;
with SQLite and with SharePoint (the local Graph-like server) as the store.

The flows are a stand-in on 127.0.0.1 (tests/e2e/flow_receiver.py) that checks every
signature itself. Time moves only on the bot's settable clock.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.app import CONTEXT
from bot.domain.model import AuditEntry, Status
from bot.journeys.flows.config import MOST_PER_OWNER
from bot.journeys.flows.store import SqliteFlowStore, Subscription
from bot.journeys.flows.webhooks import Webhooks
from tests.e2e.boards import (
    APPROVE_INPUTS,
    agenda_of,
    decide,
    decision_card,
    make_member,
    put_on_list,
    register_board_channel,
    to_board,
)
from tests.e2e.flow_receiver import Receiver
from tests.e2e.journey import raise_request
from tests.support.api import ALEX, API_ENV, ApiClient
from tests.support.cards import all_text, assert_cards_ok
from tests.support.fake_graph import FakeGraph
from tests.support.graph import connect
from tests.support.teams import START, BotServer, Connector, TeamsUser, card_of

MEGAN = "00000000-0000-0000-0000-0000000000021"  # not an admin
ADELE = "00000000-0000-0000-0000-0000000000022"  # not an admin
SECOND = dt.timedelta(seconds=1)
MINUTE = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)
IN_TRIAGE, WITH_BOARD = Status.IN_TRIAGE, Status.WITH_BOARD


@pytest.fixture
def env() -> dict[str, str]:
    return {**API_ENV}


@pytest.fixture
async def bot(tmp_path: Path, env: dict[str, str]) -> AsyncIterator[BotServer]:
    server = BotServer(tmp_path / "data", env=env)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def receiver(bot: BotServer) -> AsyncIterator[Receiver]:
    flows = Receiver(clock=bot.clock.now)
    await flows.start()
    yield flows
    await flows.stop()


@pytest.fixture
def api(http: aiohttp.ClientSession, bot: BotServer) -> ApiClient:
    return ApiClient(http, bot)


async def subscribe(
    api: ApiClient, receiver: Receiver, flow: str, trigger: str = "request-created", **more: Any
) -> str:
    """Turn a flow on: its subscription's id. Keeps the secret for the receiver."""
    answer = await api.post(
        f"subscriptions/{trigger}", {"notificationUrl": receiver.url(flow), **more}
    )
    assert answer.status == 201, answer.body
    receiver.secrets[flow] = answer.body["secret"]
    sid: str = answer.body["id"]
    return sid


async def deliver_now(bot: BotServer) -> int:
    """What the delivery loop does on its next look, at the bot's clock's time: a second
    runner over the same file, as a second process would be."""
    assert bot.app is not None
    ctx = bot.app[CONTEXT]
    hooks = Webhooks(ctx, ctx.journey_settings["flows"])
    try:
        return await hooks.run_deliveries(ctx.now())
    finally:
        await hooks.close()


async def log_of(api: ApiClient, sid: str, **query: str) -> list[dict[str, Any]]:
    answer = await api.get(f"subscriptions/{sid}/deliveries", **query)
    assert answer.status == 200, answer.body
    rows: list[dict[str, Any]] = answer.body["value"]
    return rows


async def oldest_tried(api: ApiClient, sid: str, attempts: int) -> dict[str, Any]:
    """The oldest row of the log, once it shows `attempts` tries (the runner that called
    the flow may still be writing down its answer); bounded."""
    deadline = time.monotonic() + 10.0
    while True:
        row = (await log_of(api, sid))[-1]
        if row["attempts"] == attempts or time.monotonic() > deadline:
            assert row["attempts"] == attempts, row
            return row
        await asyncio.sleep(0.02)


def moments(when: dt.datetime) -> str:
    return when.isoformat().replace("+00:00", "Z")


# ---- Each event, once, signed -------------------------------------------------------


async def test_each_event_reaches_each_subscribed_flow_once_and_signed(
    bot: BotServer, api: ApiClient, receiver: Receiver, alex: TeamsUser, megan: TeamsUser
) -> None:
    answer = await api.post(
        "subscriptions/request-created", {"notificationUrl": receiver.url("created")}
    )
    assert answer.status == 201
    made = answer.body
    assert answer.headers["Location"] == f"{bot.url}/api/v1/subscriptions/{made['id']}"
    assert made["event"] == "request.created" and made["state"] == "active"
    assert made["secret"].startswith("whsec_") and made["createdAt"] == moments(START)
    receiver.secrets["created"] = made["secret"]
    await subscribe(api, receiver, "changed", "request-status-changed")
    await subscribe(api, receiver, "to-board", "request-status-changed", toStatus="with_board")
    await subscribe(api, receiver, "to-project", "request-status-changed", toStatus="in_project")
    await subscribe(api, receiver, "decided", "board-decided")
    await subscribe(api, receiver, "trb", "board-decided", board="trb")
    await subscribe(api, receiver, "ictig", "board-decided", board="ictig")

    reference = await to_board(alex, megan, board="trb")
    [created] = await receiver.wait_for("created", 1)
    assert created.body["event"] == "request.created"
    assert created.body["eventId"] == created.event_id
    assert created.body["request"]["reference"] == reference
    assert created.body["request"]["requesterName"] == "Megan Bowen"
    assert created.body["request"]["link"].endswith(f"/api/v1/requests/{reference}")
    [onto] = await receiver.wait_for("to-board", 1)
    assert (onto.body["fromStatus"], onto.body["toStatus"]) == ("in_triage", "with_board")
    assert onto.body["toStatusLabel"] == "With the board"
    assert onto.body["request"]["board"] == "trb"

    channel = await register_board_channel(alex, "trb")
    await make_member(bot, "trb", alex, only=True)
    card = await decision_card(channel, await agenda_of(channel), reference)
    await decide(channel, card, "approve_change", {**APPROVE_INPUTS, "changeWhy": "Fits."})
    [decided] = await receiver.wait_for("decided", 1)
    assert decided.body["event"] == "board.decided"
    assert decided.body["reference"] == reference and decided.body["board"] == "trb"
    assert decided.body["boardName"] == "Technical Review Board"
    assert (decided.body["decision"], decided.body["decisionLabel"]) == ("approve", "Approved")
    # Named as RecordDecision names them; who delivers it is the request's, once.
    assert (decided.body["reason"], decided.body["question"]) == ("Fits.", "")
    assert "rationale" not in decided.body and "deliveryOwner" not in decided.body
    assert decided.body["request"]["deliveryOwner"] == "Jo Smith, Waste Services"
    assert decided.body["decidedByName"] == "Alex Wilber"
    assert decided.body["request"]["status"] == "in_change"
    await receiver.wait_for("trb", 1)
    changes = await receiver.wait_for("changed", 3)

    await bot.settled()
    assert await deliver_now(bot) == 0
    assert [(c.body["fromStatus"], c.body["toStatus"]) for c in changes] == [
        ("submitted", "in_triage"),
        ("in_triage", "with_board"),
        ("with_board", "in_change"),
    ]
    for flow, count in [("created", 1), ("changed", 3), ("to-board", 1), ("decided", 1)]:
        calls = receiver.to(flow, delivered_only=False)
        assert len(calls) == count, flow
        assert len({c.event_id for c in calls}) == count, flow
    assert receiver.to("ictig", False) == [] and receiver.to("to-project", False) == []
    assert all(call.signed for call in receiver.calls)
    [logged] = await log_of(api, made["id"])
    assert logged["eventId"] == created.event_id and logged["state"] == "delivered"
    assert (logged["attempts"], logged["lastStatusCode"], logged["lastError"]) == (1, 200, "")
    assert logged["deliveredAt"] == moments(START) and logged["nextTryAt"] is None


async def test_a_flow_with_the_wrong_secret_would_see_the_signature_fail(
    bot: BotServer, api: ApiClient, receiver: Receiver, megan: TeamsUser
) -> None:
    await subscribe(api, receiver, "one")
    await subscribe(api, receiver, "two")
    receiver.secrets["two"] = receiver.secrets["one"]  # each flow has its own secret
    await raise_request(megan)
    await receiver.wait_for("one", 1)
    await receiver.wait_for("two", 1)
    assert [c.signed for c in receiver.to("one")] == [True]
    assert [c.signed for c in receiver.to("two")] == [False]


# ---- Back-off, and once across a restart ---------------------------------------------


async def test_a_failing_flow_is_tried_again_later_and_gets_the_event_once_across_restarts(
    bot: BotServer, api: ApiClient, receiver: Receiver, megan: TeamsUser
) -> None:
    receiver.answers["flaky"] = 500
    sid = await subscribe(api, receiver, "flaky")
    await raise_request(megan)
    [first] = await receiver.wait_for_any("flaky", 1)
    [row] = await log_of(api, sid)
    assert (row["state"], row["attempts"], row["lastStatusCode"]) == ("pending", 1, 500)
    assert row["lastError"] == "The flow answered 500: an error on its side."
    assert row["nextTryAt"] == moments(START + 30 * SECOND)

    bot.clock.advance(29 * SECOND)
    assert await deliver_now(bot) == 0
    assert len(receiver.to("flaky", False)) == 1  # not before its time
    bot.clock.advance(SECOND)
    assert await deliver_now(bot) == 0
    await receiver.wait_for_any("flaky", 2)
    [row] = await log_of(api, sid)
    assert row["attempts"] == 2
    assert row["nextTryAt"] == moments(START + 30 * SECOND + dt.timedelta(minutes=2))

    await bot.restart()  # with the event still to deliver
    receiver.answers["flaky"] = 200
    assert await deliver_now(bot) == 0
    assert len(receiver.to("flaky", False)) == 2
    bot.clock.advance(dt.timedelta(minutes=2))
    await deliver_now(bot)
    [delivered] = await receiver.wait_for("flaky", 1)
    await bot.restart()
    bot.clock.advance(dt.timedelta(hours=3))
    assert await deliver_now(bot) == 0
    calls = receiver.to("flaky", delivered_only=False)
    assert [c.answered for c in calls] == [500, 500, 200]
    assert {c.event_id for c in calls} == {first.event_id} == {delivered.event_id}
    assert all(c.signed for c in calls)
    [row] = await log_of(api, sid)
    assert (row["state"], row["attempts"], row["lastStatusCode"]) == ("delivered", 3, 200)


@pytest.mark.parametrize("env", [{**API_ENV, "API_WEBHOOK_PAUSE_AFTER": "5"}])
async def test_a_flow_that_always_fails_is_paused_after_five_tries_about_forty_minutes_on(
    bot: BotServer, api: ApiClient, receiver: Receiver, alex: TeamsUser, connector: Connector
) -> None:
    await alex.say("help")  # the owner (the API key's person) has a chat with the bot
    before = len(connector.in_conversation(alex.conversation_id))
    receiver.answers["down"] = 503
    sid = await subscribe(api, receiver, "down", "request-status-changed")
    await put_on_list(bot, "ddc", 2)  # two events: the second waits behind the first
    await receiver.wait_for_any("down", 1)
    for wait, tries in ((30 * SECOND, 2), (2 * MINUTE, 3), (8 * MINUTE, 4)):
        bot.clock.advance(wait)
        await deliver_now(bot)
        await receiver.wait_for_any("down", tries)
        first = await oldest_tried(api, sid, tries)
        assert first["state"] == "pending" and first["nextTryAt"] is not None
    bot.clock.advance(30 * MINUTE)  # 40 minutes 30 seconds after the first try
    await deliver_now(bot)
    told = await connector.wait_for(alex.conversation_id, before + 1)
    calls = receiver.to("down", delivered_only=False)
    assert [c.answered for c in calls] == [503] * 5
    assert len({c.event_id for c in calls}) == 1  # all five were tries of the first event
    assert [(r["state"], r["attempts"]) for r in await log_of(api, sid)] == [
        ("skipped", 0),
        ("skipped", 5),
    ]
    text = all_text(card_of(told[-1]))
    assert "The last 5 tries to send it an event all failed." in text
    assert "25 November 2026 at 10:40" in text
    assert (
        "we try again after 30 seconds, then 2 minutes, 8 minutes, 30 minutes and 2 hours" in text
    )
    assert "For a flow that keeps failing, that is about 40 minutes." in text
    bot.clock.advance(3 * HOUR)
    assert await deliver_now(bot) == 0
    assert len(receiver.to("down", delivered_only=False)) == 5  # never called again


async def test_retry_after_on_429_is_honoured(
    bot: BotServer, api: ApiClient, receiver: Receiver, megan: TeamsUser
) -> None:
    receiver.answers["busy"] = 429
    receiver.headers["busy"] = {"Retry-After": "600"}
    sid = await subscribe(api, receiver, "busy")
    await raise_request(megan)
    await receiver.wait_for_any("busy", 1)
    [row] = await log_of(api, sid)
    assert row["nextTryAt"] == moments(START + dt.timedelta(minutes=10))
    assert row["lastStatusCode"] == 429
    receiver.answers["busy"] = 200
    bot.clock.advance(dt.timedelta(minutes=9))
    assert await deliver_now(bot) == 0
    bot.clock.advance(dt.timedelta(minutes=1))
    await deliver_now(bot)
    await receiver.wait_for("busy", 1)


async def test_events_for_one_flow_go_in_order_behind_one_waiting_to_be_tried_again(
    bot: BotServer, api: ApiClient, receiver: Receiver
) -> None:
    receiver.answers["ordered"] = 503
    sid = await subscribe(api, receiver, "ordered", "request-status-changed")
    await put_on_list(bot, "ddc", 3)
    await receiver.wait_for_any("ordered", 1)
    await bot.settled()
    assert await deliver_now(bot) == 0
    assert len(receiver.to("ordered", False)) == 1  # the later two wait behind the first
    receiver.answers["ordered"] = 200
    bot.clock.advance(30 * SECOND)
    await deliver_now(bot)
    calls = await receiver.wait_for("ordered", 3)
    references = [c.body["request"]["reference"] for c in calls]
    assert references == sorted(references)
    assert [r["state"] for r in await log_of(api, sid)] == ["delivered"] * 3


async def test_a_slow_flow_does_not_hold_up_another(
    bot: BotServer, api: ApiClient, receiver: Receiver
) -> None:
    receiver.holds["slow"] = asyncio.Event()
    await subscribe(api, receiver, "slow", "request-status-changed")
    await subscribe(api, receiver, "fast", "request-status-changed")
    await put_on_list(bot, "ddc", 2)
    await receiver.wait_for("fast", 2)  # while the slow flow still holds its first call
    assert receiver.to("slow", delivered_only=False) == []
    receiver.holds["slow"].set()
    await receiver.wait_for("slow", 2)


# ---- Pausing, and a flow that is gone ------------------------------------------------


@pytest.mark.parametrize("env", [{**API_ENV, "API_WEBHOOK_PAUSE_AFTER": "2"}])
async def test_a_flow_that_keeps_failing_is_paused_and_its_owner_told_once(
    bot: BotServer, api: ApiClient, receiver: Receiver, alex: TeamsUser, connector: Connector
) -> None:
    await alex.say("help")  # the owner (the API key's person) has a chat with the bot
    before = len(connector.in_conversation(alex.conversation_id))
    receiver.answers["broken"] = 404
    sid = await subscribe(api, receiver, "broken", "request-status-changed")
    await put_on_list(bot, "ddc", 3)

    told = await connector.wait_for(alex.conversation_id, before + 1)
    await bot.settled()
    assert await deliver_now(bot) == 0
    calls = receiver.to("broken", delivered_only=False)
    assert [c.answered for c in calls] == [404, 404]  # no retry for a 404; the third skipped
    paused_card = card_of(told[-1])
    assert_cards_ok([paused_card])
    text = all_text(paused_card)
    assert "A Power Automate flow has stopped getting events" in text
    assert "When a request's status changes" in text
    assert "The flow answered 404: it refused the event." in text
    assert "25 November 2026 at 10:00" in text
    assert "turn it off and on again" in text
    log = await log_of(api, sid)
    assert [r["state"] for r in log] == ["skipped", "failed", "failed"]
    assert log[0]["lastError"].startswith("Not sent: this trigger was paused")

    await put_on_list(bot, "ddc", 1, title="After the pause")
    await bot.settled()
    assert await deliver_now(bot) == 0
    assert len(receiver.to("broken", delivered_only=False)) == 2
    newest = (await log_of(api, sid))[0]
    assert (newest["state"], newest["attempts"]) == ("skipped", 0)
    assert len(connector.in_conversation(alex.conversation_id)) == before + 1  # told once

    listed = card_of((await alex.say("flows"))[-1])
    assert_cards_ok([listed])
    assert "Paused since 25 November 2026 at 10:00" in all_text(listed)


@pytest.mark.parametrize("env", [{**API_ENV, "API_WEBHOOK_PAUSE_AFTER": "1"}])
async def test_when_an_apps_flow_is_paused_the_admins_are_told(
    bot: BotServer, receiver: Receiver, alex: TeamsUser, connector: Connector
) -> None:
    await alex.say("help")  # Alex, an admin, has a chat with the bot
    before = len(connector.in_conversation(alex.conversation_id))
    receiver.answers["apps"] = 400
    assert bot.app is not None
    data_dir = bot.app[CONTEXT].data_dir
    assert data_dir is not None
    store = SqliteFlowStore(data_dir / "flows.sqlite3")
    await store.open()
    try:  # an app on its own subscribed (m365 mode: a token with no signed-in person)
        await store.add_subscription(
            Subscription(
                id="sub_app",
                event="request.status_changed",
                notification_url=receiver.url("apps"),
                secret="whsec_" + base64.b64encode(b"0123456789abcdef01234567").decode(),
                owner_id="11111111-2222-3333-4444-555555555555",
                owner_is_app=True,
                owner_name="Planner sync",
                created_at=START,
                api_base=bot.url,
            )
        )
    finally:
        await store.close()
    await put_on_list(bot, "ddc", 1)
    told = await connector.wait_for(alex.conversation_id, before + 1)
    text = all_text(card_of(told[-1]))
    assert "An app made this subscription, so we are telling admins." in text
    assert "The flow answered 400: it refused the event." in text


async def test_a_flow_that_answers_410_is_gone_and_its_subscription_deleted(
    bot: BotServer, api: ApiClient, receiver: Receiver
) -> None:
    receiver.answers["gone"] = 410
    sid = await subscribe(api, receiver, "gone", "request-status-changed")
    await put_on_list(bot, "ddc", 2)
    await receiver.wait_for_any("gone", 1)
    await bot.settled()
    assert await deliver_now(bot) == 0
    answer = await api.get(f"subscriptions/{sid}/deliveries")
    assert answer.status == 404, answer.body
    await put_on_list(bot, "ddc", 1)
    await bot.settled()
    assert await deliver_now(bot) == 0
    assert len(receiver.to("gone", delivered_only=False)) == 1


# ---- A request the flows' file has not seen ------------------------------------------


async def test_a_status_change_reaches_the_flow_when_the_flows_file_was_lost(
    bot: BotServer, api: ApiClient, receiver: Receiver
) -> None:
    moving, resting = await put_on_list(bot, "ddc", 2)  # raised and moved to the board
    await bot.settled()
    await bot.stop()
    data = Path(bot.env["DATA_DIR"])
    for name in ("flows.sqlite3", "flows.sqlite3-wal", "flows.sqlite3-shm"):
        (data / name).unlink(missing_ok=True)  # lost, or an upgrade from before flows
    await bot.start()
    bot.clock.advance(MINUTE)
    sid = await subscribe(api, receiver, "changes", "request-status-changed")
    bot.clock.advance(MINUTE)

    assert bot.app is not None
    store = bot.app[CONTEXT].store
    now = bot.app[CONTEXT].now()
    # One request moves; the other is only noted (no new status): its last move was
    # before the flow subscribed, so it is never sent.
    request = await store.get(moving)
    assert request is not None
    back = AuditEntry(now, "triager", "Alex Wilber", "send_back", WITH_BOARD, IN_TRIAGE)
    await store.update(replace(request, status=IN_TRIAGE, history=(*request.history, back)))
    other = await store.get(resting)
    assert other is not None
    note = AuditEntry(now, "triager", "Alex Wilber", "note", WITH_BOARD, WITH_BOARD, "Seen.")
    await store.update(replace(other, history=(*other.history, note)))

    [change] = await receiver.wait_for("changes", 1)
    await bot.settled()
    assert await deliver_now(bot) == 0
    assert len(receiver.to("changes", delivered_only=False)) == 1
    assert change.body["request"]["reference"] == moving
    assert (change.body["fromStatus"], change.body["toStatus"]) == ("with_board", "in_triage")
    assert change.body["occurredAt"] == moments(now)
    assert [r["event"] for r in await log_of(api, sid)] == ["request.status_changed"]

    # Seen now: the next change is compared with what was kept, as usual.
    request = await store.get(moving)
    assert request is not None
    onward = AuditEntry(now, "triager", "Alex Wilber", "accept", IN_TRIAGE, WITH_BOARD)
    await store.update(replace(request, status=WITH_BOARD, history=(*request.history, onward)))
    [_, again] = await receiver.wait_for("changes", 2)
    assert (again.body["fromStatus"], again.body["toStatus"]) == ("in_triage", "with_board")


async def test_a_flow_subscribed_after_a_change_is_not_sent_it_from_history(
    bot: BotServer, api: ApiClient, receiver: Receiver
) -> None:
    [reference] = await put_on_list(bot, "ddc", 1)
    await bot.settled()
    await bot.stop()
    (Path(bot.env["DATA_DIR"]) / "flows.sqlite3").unlink()
    await bot.start()
    assert bot.app is not None
    store = bot.app[CONTEXT].store
    request = await store.get(reference)
    assert request is not None
    moved_at = bot.app[CONTEXT].now()
    back = AuditEntry(moved_at, "triager", "Alex Wilber", "send_back", WITH_BOARD, IN_TRIAGE)
    moved = replace(request, status=IN_TRIAGE, history=(*request.history, back))
    bot.clock.advance(MINUTE)
    await subscribe(api, receiver, "late", "request-status-changed")
    await store.update(moved)  # saved after the flow subscribed, but it moved before
    await bot.settled()
    await deliver_now(bot)
    assert receiver.to("late", delivered_only=False) == []


# ---- Subscribing again, and how many --------------------------------------------------


async def test_subscribing_again_with_the_same_address_answers_the_same_subscription(
    bot: BotServer, api: ApiClient, receiver: Receiver
) -> None:
    body = {"notificationUrl": receiver.url("again"), "toStatus": "with_board"}
    first = await api.post("subscriptions/request-status-changed", body)
    bot.clock.advance(MINUTE)
    second = await api.post("subscriptions/request-status-changed", {**body, "toStatus": None})
    assert (first.status, second.status) == (201, 201)
    assert second.body["id"] == first.body["id"]
    assert second.headers["Location"] == first.headers["Location"]
    assert second.body["createdAt"] == first.body["createdAt"] == moments(START)
    assert second.body["toStatus"] is None  # what it asked for the second time
    # A fresh secret, shown once again: the calls are signed with it.
    assert second.body["secret"].startswith("whsec_")
    assert second.body["secret"] != first.body["secret"]
    receiver.secrets["again"] = second.body["secret"]
    await put_on_list(bot, "ddc", 1)
    [call] = await receiver.wait_for("again", 1)
    assert call.signed
    await bot.settled()
    assert await deliver_now(bot) == 0
    assert len(receiver.to("again", delivered_only=False)) == 1  # one flow, called once
    # Another trigger with the same address is a subscription of its own.
    other = await api.post(
        "subscriptions/request-created", {"notificationUrl": body["notificationUrl"]}
    )
    assert other.status == 201 and other.body["id"] != first.body["id"]


async def test_one_person_has_at_most_25_triggers(
    bot: BotServer, api: ApiClient, receiver: Receiver
) -> None:
    triggers = ("request-created", "request-status-changed", "board-decided")
    for n in range(MOST_PER_OWNER):
        await subscribe(api, receiver, f"flow-{n}", triggers[n % 3])
    refused = await api.post(
        "subscriptions/board-decided", {"notificationUrl": receiver.url("one-too-many")}
    )
    assert refused.status == 409, refused.body
    assert refused.problem["detail"] == (
        "You have 25 flows using these triggers already, the most you can have. "
        "Turn off a flow you no longer use, then try again."
    )
    assert "Traceback" not in str(refused.body)
    # Power Automate subscribing one of them again is not one more.
    again = await api.post(
        "subscriptions/request-created", {"notificationUrl": receiver.url("flow-0")}
    )
    assert again.status == 201, again.body
    # Once one is turned off, there is room again.
    assert (await api.delete(f"subscriptions/{again.body['id']}")).status == 204
    await subscribe(api, receiver, "one-more", "board-decided")


# ---- Subscribing: what is refused ----------------------------------------------------

LONG = "http://127.0.0.1/" + "a" * 2000


@pytest.mark.parametrize(
    ("trigger", "body", "field", "words"),
    [
        ("request-created", {}, "notificationUrl", "Enter a value."),
        ("request-created", {"notificationUrl": 5}, "notificationUrl", "Enter text."),
        ("request-created", {"notificationUrl": ""}, "notificationUrl", "Enter the address"),
        ("request-created", {"notificationUrl": "not a url"}, "notificationUrl", "https://"),
        ("request-created", {"notificationUrl": "ftp://127.0.0.1/x"}, "notificationUrl", "http"),
        (
            "request-created",
            {"notificationUrl": "https://prod-01.westeurope.logic.azure.com/workflows/x"},
            "notificationUrl",
            "Locally, events can only go to this machine",
        ),
        ("request-created", {"notificationUrl": LONG}, "notificationUrl", "2000 characters"),
        (
            "request-created",
            {"notificationUrl": "http://127.0.0.1/x", "secret": "mine"},
            "secret",
            "We do not know this field.",
        ),
        (
            "request-status-changed",
            {"notificationUrl": "http://127.0.0.1/x", "toStatus": "approved"},
            "toStatus",
            "Choose one of",
        ),
        (
            "board-decided",
            {"notificationUrl": "http://127.0.0.1/x", "board": "finance"},
            "board",
            "Choose one of: ddc, ictig, trb.",
        ),
        (
            "board-decided",
            {"notificationUrl": "http://127.0.0.1/x", "board": "b" * 51},
            "board",
            "50 characters",
        ),
    ],
)
async def test_a_bad_subscription_is_refused_field_by_field(
    api: ApiClient, trigger: str, body: dict[str, Any], field: str, words: str
) -> None:
    answer = await api.post(f"subscriptions/{trigger}", body)
    assert answer.status == 422, answer.body
    [problem] = answer.problem["errors"]
    assert problem["field"] == field
    assert words in problem["message"], problem


async def test_subscribing_needs_the_key(api: ApiClient, receiver: Receiver) -> None:
    api.key = ""
    answer = await api.post("subscriptions/request-created", {"notificationUrl": receiver.url("x")})
    assert answer.status == 401
    api.key = "not-the-key"
    answer = await api.post("subscriptions/request-created", {"notificationUrl": receiver.url("x")})
    assert answer.status == 401


# ---- Whose subscription it is --------------------------------------------------------


@pytest.mark.parametrize("env", [{**API_ENV, "API_KEY_USER": MEGAN}])
async def test_only_the_owner_or_an_admin_sees_or_deletes_a_subscription(
    bot: BotServer, api: ApiClient, receiver: Receiver
) -> None:
    mine = await subscribe(api, receiver, "megans")
    other = await subscribe(api, receiver, "megans-too")

    bot.env["API_KEY_USER"] = ADELE  # someone else, not an admin
    await bot.restart()
    for sid in (mine, "sub_000000000000000000000000", "../x"):
        assert (await api.delete(f"subscriptions/{sid}")).status == 404
        assert (await api.get(f"subscriptions/{sid}/deliveries")).status == 404

    bot.env["API_KEY_USER"] = MEGAN
    await bot.restart()
    assert (await api.get(f"subscriptions/{mine}/deliveries")).status == 200
    gone = await api.delete(f"subscriptions/{mine}")
    assert (gone.status, gone.body) == (204, None)
    assert (await api.delete(f"subscriptions/{mine}")).status == 404

    bot.env["API_KEY_USER"] = ALEX  # an admin
    await bot.restart()
    assert (await api.delete(f"subscriptions/{other}")).status == 204


async def test_the_delivery_log_comes_a_page_at_a_time(
    bot: BotServer, api: ApiClient, receiver: Receiver
) -> None:
    sid = await subscribe(api, receiver, "paged", "request-status-changed")
    await put_on_list(bot, "ddc", 3)
    await receiver.wait_for("paged", 3)
    first = await api.get(f"subscriptions/{sid}/deliveries", top="2")
    assert first.status == 200 and len(first.body["value"]) == 2
    link = first.body["nextLink"]
    assert link.startswith(f"{bot.url}/api/v1/subscriptions/{sid}/deliveries?top=2&after=")
    second = await api.get(link[len(bot.url) :])
    assert len(second.body["value"]) == 1 and second.body["nextLink"] is None
    seen = [r["eventId"] for r in first.body["value"] + second.body["value"]]
    assert len(set(seen)) == 3
    for bad in ("nonsense", "ZGE", "ZDA", "0" * 101):
        answer = await api.get(f"subscriptions/{sid}/deliveries", after=bad)
        assert answer.status == 422, bad
        assert answer.problem["errors"][0]["field"] == "after"
    for top in ("0", "101", "many"):
        answer = await api.get(f"subscriptions/{sid}/deliveries", top=top)
        assert answer.status == 422, top


async def test_admins_see_the_flows_that_use_the_triggers(
    bot: BotServer, api: ApiClient, receiver: Receiver, alex: TeamsUser, megan: TeamsUser
) -> None:
    empty = card_of((await alex.say("flows"))[-1])
    assert "No flows use the bot's triggers yet." in all_text(empty)
    await subscribe(api, receiver, "first", "request-status-changed", toStatus="with_board")
    bot.clock.advance(dt.timedelta(minutes=5))
    await subscribe(api, receiver, "second", "board-decided", board="trb")
    await put_on_list(bot, "ddc", 1)
    await receiver.wait_for("first", 1)

    listed = card_of((await alex.say("list flows"))[-1])
    assert_cards_ok([listed])
    text = all_text(listed)
    assert "2 flows use the bot's triggers, newest first." in text
    assert text.index("When a board decides") < text.index("When a request's status changes")
    assert "Decisions of the Technical Review Board" in text
    assert "Moves to: With the board" in text
    assert "25 November 2026 at 10:05" in text  # when the first flow last got an event
    assert "None yet" in text and "Working" in text

    refused = (await megan.say("flows"))[-1]
    assert "Only a Digital Front Door admin can see the list of flows." in str(refused.get("text"))


async def test_in_m365_mode_a_name_that_resolves_to_this_machine_is_never_called(
    receiver: Receiver,
) -> None:
    from bot.journeys.flows.addresses import PublicOnly
    from bot.journeys.flows.sending import call_flow, new_secret

    secret = new_secret()
    receiver.secrets["inside"] = secret
    by_name = receiver.url("inside").replace("127.0.0.1", "localhost")
    connector = aiohttp.TCPConnector(resolver=PublicOnly())
    async with aiohttp.ClientSession(connector=connector) as http:
        outcome = await call_flow(http, by_name, secret, "e1", "{}", START)
    assert (outcome.verdict, outcome.status) == ("retry", None)
    assert outcome.error == "We could not connect to the flow's address."
    assert receiver.calls == []
    async with aiohttp.ClientSession() as http:  # as local mode calls it
        outcome = await call_flow(http, by_name, secret, "e1", "{}", START)
    assert outcome.verdict == "delivered" and receiver.calls[0].signed


async def test_with_sharepoint_as_the_store_each_event_reaches_the_flow_once(
    tmp_path: Path,
    fake: FakeGraph,
    http: aiohttp.ClientSession,
    connector: Connector,
) -> None:
    server = BotServer(
        tmp_path / "sp", env={**API_ENV, "BOT_STORE": "sharepoint"}, graph=lambda: connect(fake)
    )
    await server.start()
    flows = Receiver(clock=server.clock.now)
    await flows.start()
    try:
        api = ApiClient(http, server)
        await subscribe(api, flows, "created")
        await subscribe(api, flows, "changed", "request-status-changed")
        alex = TeamsUser(http, server, connector)
        megan = TeamsUser(
            http, server, connector, "user-id-1", "Megan Bowen", MEGAN, conversation={}
        )
        reference = await to_board(alex, megan)
        [created] = await flows.wait_for("created", 1)
        assert created.body["request"]["reference"] == reference
        [change] = await flows.wait_for("changed", 1)  # accepted as it was: one change
        await server.settled()
        assert await deliver_now(server) == 0
        assert (change.body["fromStatus"], change.body["toStatus"]) == ("submitted", "with_board")
        assert len(flows.calls) == 2 and all(c.signed for c in flows.calls)
    finally:
        await flows.stop()
        await server.stop()
