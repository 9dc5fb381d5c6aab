"""Two bot processes behind a round-robin proxy, one killed with SIGKILL mid-run: nothing lost.

Everything real and on loopback: two `python -m tests.support.bot_process` (the product's
app, Graph pointed at the local Graph-like server), one Azurite holding their shared
working state (STATE_STORE=azure), a Connector catching what they send, and a proxy that
hands each request to the next process in turn, skipping one that refuses the connection.

The test drives a mixed workload through the proxy: people raising requests through the
chat form (so each turn of one draft lands on either process), IT triage pressing "Assign
to me" on each new request, questions asked and routed to a community, and nudges to
champions falling due. A third of the way through, with writes to SharePoint queued and
the second wave of nudges just due, one process is killed (SIGKILL: no clean-up) and
started again at once, as the platform would; the people carry on through the other. A
request the dying process took and never answered is sent again with the same Activity
id, as the Bot Connector redelivers. After the restart one more person raises a request,
their turns shared by both processes again.

Afterwards: each request is in the DFD Requests list exactly once, with the one reference
its requester was told; no two people share a reference; every draft became a request;
each nudge reached its champion exactly once; and each requester was told once that IT
is looking at their request.

Shared time: both processes read the clock offset file (tests/support/bot_process.py);
the test moves it to make nudges fall due and, as a person coming back later would, past
the 10-minute hold on anything the killed process had claimed.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import re
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.invoke import STILL_RUNNING
from tests.e2e.conftest import in_channel
from tests.e2e.journey import distinct_answers, fill_form, send_anyway
from tests.e2e.nudge_steps import (
    ask_and_route,
    cards_to,
    community_with,
    person,
)
from tests.support.azurite import Azurite
from tests.support.bot_process import BotProcess, write_offset
from tests.support.cards import all_text
from tests.support.fake_graph import FakeGraph
from tests.support.round_robin import RoundRobin
from tests.support.teams import START, Connector, TeamsUser, card_of, find_action, invoke_card

REQUESTS = "DFD Requests"
ALEX = "00000000-0000-0000-0000-0000000000020"  # the default TeamsUser: admin and triager
RAISERS = 8
QUESTIONS = [
    "How do I make a flow that emails me when someone fills in my form?",
    "Can a Power App read a SharePoint list with more than five thousand rows?",
]
# The confirmation; or, when the instance that sent the request died before answering and
# the redelivered press ran again on the other, the answer that it was sent already.
REFERENCE = re.compile(r"(?:Your reference is|It was sent as) (DR-\d{4}-\d{4})")
WAVE_TWO = START.replace(hour=14)  # 4 working hours after the question: more champions
AFTER_HOLD = WAVE_TWO + dt.timedelta(minutes=11)  # past any claim or lease of the killed one
# Seconds, at most, for the writes and sends after the workload. A write that failed on a
# busy machine waits a back-off that doubles (2 s, 4 s, 8 s, 16 s...) before it is tried
# again; CI once found 2 writes still waiting after 30 s.
SETTLE = 90.0


@dataclasses.dataclass
class Front:
    """What a TeamsUser needs of a bot: its address (here the proxy's). No test clock:
    the processes' clock is the shared offset file."""

    url: str
    clock: Any = None


@dataclasses.dataclass
class RedeliveringUser(TeamsUser):
    """A person whose Activities the Bot Connector sends again, with the same id, when the
    instance that took one died before answering (the proxy says 502) or none was up.

    A card action the killed instance had claimed is answered "still doing" until the
    claim runs out (CLAIM_HOLD): the person comes back later (`later` moves the shared
    clock on) and the same delivery is then done by the live instance."""

    later: Callable[[], None] | None = None

    async def post(self, activity: dict[str, Any]) -> tuple[int, Any]:
        for _ in range(20):  # bounded: the surviving process answers within a try or two
            status, body = await super().post(activity)
            if status in (502, 503):
                await asyncio.sleep(0.1)
            elif isinstance(body, dict) and body.get("value") == STILL_RUNNING and self.later:
                self.later()
            else:
                return status, body
        return status, body


def redelivering(user: TeamsUser, later: Callable[[], None] | None = None) -> RedeliveringUser:
    return RedeliveringUser(
        user.http,
        user.bot,
        user.connector,
        user.user_id,
        user.name,
        user.aad_object_id,
        conversation=user.conversation,
        later=later,
    )


@pytest.fixture
async def processes(
    tmp_path: Path, fake: FakeGraph, azurite: Azurite
) -> AsyncIterator[tuple[BotProcess, BotProcess, Path]]:
    clock_file = tmp_path / "clock"
    write_offset(clock_file, START)
    env = {
        "BOT_STORE": "sharepoint",
        **azurite.env(),
        "FAKE_GRAPH_URL": fake.url,
        "FAKE_GRAPH_TENANT": fake.tenant_id,
        "FAKE_GRAPH_SITE_ID": fake.site_id,
        "TEST_CLOCK_FILE": str(clock_file),
        "TEST_NUDGE_LOOP_SECONDS": "0.3",
        "TRIAGE_ROSTER": ALEX,
        "COMMUNITY_CHAMPIONS_PER_WAVE": "1",
    }
    one = BotProcess(env, tmp_path / "one")
    two = BotProcess(env, tmp_path / "two")
    try:
        await asyncio.gather(one.start(), two.start())
        yield one, two, clock_file
    finally:
        await asyncio.gather(one.stop(), two.stop())


@pytest.fixture
async def proxy(processes: tuple[BotProcess, BotProcess, Path]) -> AsyncIterator[RoundRobin]:
    one, two, _ = processes
    front = RoundRobin([one.url, two.url])
    await front.start()
    yield front
    await front.stop()


async def test_two_instances_one_killed_mid_run_lose_nothing_and_send_nothing_twice(
    processes: tuple[BotProcess, BotProcess, Path],
    proxy: RoundRobin,
    fake: FakeGraph,
    connector: Connector,
    http: aiohttp.ClientSession,
) -> None:
    one, two, clock_file = processes

    def later() -> None:
        """The person comes back after the hold on what the killed process had claimed."""
        write_offset(clock_file, AFTER_HOLD)

    def someone(number: int, name: str) -> RedeliveringUser:
        return redelivering(person(alex, number, name), later)

    alex = redelivering(TeamsUser(http, Front(proxy.url), connector), later)  # type: ignore[arg-type]
    lead = someone(1, "Lee Gu")
    first, second = someone(10, "Adele Vance"), someone(11, "Diego Siciliani")
    champions: list[TeamsUser] = [first, second]
    askers = [someone(20 + n, f"Asker {n}") for n in range(len(QUESTIONS))]
    raisers = [someone(100 + n, f"Raiser {n}") for n in range(RAISERS)]
    late = someone(200, "Late Raiser")  # after the restart: both processes serve the draft

    # Before: the triage channel, a community with a lead and two champions, two questions
    # sent to it (the first wave goes to one champion at once).
    await redelivering(in_channel(alex), later).say("register triage")
    await community_with(alex, lead, champions)
    questions = await asyncio.gather(
        *(ask_and_route(a, q) for a, q in zip(askers, QUESTIONS, strict=True))
    )
    await wait_until(lambda: all(cards_to(first, q) for q in questions), "first wave", 30)

    told: dict[str, list[str]] = {}  # person -> references they were told
    fake.faults.latency = 0.2  # SharePoint slow: writes queue up behind the turns
    restarted: list[asyncio.Task[None]] = []
    waiting_at_kill: list[int] = []

    async def raise_and_triage(user: RedeliveringUser) -> None:
        review = await fill_form(user, distinct_answers(user.user_id))
        send = find_action(review, "Send request")
        card = await send_anyway(user, invoke_card(await user.press(send["verb"], send["data"])))
        found = REFERENCE.findall(all_text(card))
        assert found, all_text(card)
        told.setdefault(user.user_id, []).extend(found)
        await assign_to_me(alex, found[0])

    async def kill_mid_run() -> None:
        """Once a third of the requests are in (the others mid-form) and writes to
        SharePoint are queued, the second wave of nudges falls due and `two` is killed
        a moment later, perhaps mid-send; it is started again at once (as the platform
        does), while the people carry on through `one`."""
        await wait_until(lambda: len(told) >= RAISERS // 3, "a third raised", timeout=60)
        waiting_at_kill.append(await writes_waiting(http, one))
        write_offset(clock_file, WAVE_TWO)
        await asyncio.sleep(0.2)  # the nudge loops look every 0.3 s
        two.kill()
        restarted.append(asyncio.ensure_future(two.start()))

    await asyncio.gather(kill_mid_run(), *(raise_and_triage(user) for user in raisers))
    assert restarted, "two was killed"
    await restarted[0]
    fake.faults.latency = 0.0
    later()  # whatever the killed process held (a nudge's lease, a claim) comes free
    await raise_and_triage(late)

    # Every request in SharePoint exactly once, with the one reference its requester was told.
    assert all(len(refs) == 1 for refs in told.values()), told
    references = [refs[0] for refs in told.values()]
    assert len(references) == RAISERS + 1 and len(set(references)) == RAISERS + 1, told
    await wait_for(lambda: fake.list_items(REQUESTS), RAISERS + 1, "requests stored")
    for process in (one, two):
        await no_writes_waiting(http, process)
    items = fake.list_items(REQUESTS)
    stored = Counter(str(item["Reference"]) for item in items)
    assert stored == Counter(references), (stored, waiting_at_kill)
    # IT triage's "Assign to me" reached SharePoint for every one, after the request itself.
    assigned = {str(i["Reference"]): i.get("AssigneeId") for i in items}
    assert assigned == dict.fromkeys(references, ALEX), assigned
    assert waiting_at_kill[0] > 0, "writes to SharePoint were queued when two was killed"

    # Each champion's nudge for each question exactly once: the second wave fell due with
    # both nudge loops running, and one of them was killed straight after.
    await wait_until(lambda: all(cards_to(second, q) for q in questions), "second wave")
    await asyncio.sleep(1.0)  # three more turns of each nudge loop: a second send shows now
    for champion in champions:
        for question in questions:
            assert len(cards_to(champion, question)) == 1, (champion.name, question)

    # Each requester told once (proactively, in their chat) that IT is triaging it.
    for user in [*raisers, late]:
        told_triaged = [
            a
            for a in connector.in_conversation(user.conversation_id)
            if a.get("attachments") and "Being triaged by IT" in all_text(card_of(a))
        ]
        assert len(told_triaged) == 1, (user.name, len(told_triaged))
    assert proxy.refused[two.url] > 0, "the proxy met the killed process and went on"


async def assign_to_me(alex: RedeliveringUser, reference: str) -> None:
    """IT triage opens the request's card and takes it."""
    channel = redelivering(in_channel(alex), alex.later)
    view = invoke_card(
        await channel.press("triage.refresh", {"verb": "triage.refresh", "reference": reference})
    )
    action = find_action(view, "Assign to me")
    after = invoke_card(await channel.press(action["verb"], action["data"]))
    assert "Being triaged by IT" in all_text(after), all_text(after)


async def writes_waiting(http: aiohttp.ClientSession, process: BotProcess) -> int:
    """Writes owed to SharePoint (the outbox is shared: any process tells them all)."""
    async with http.get(f"{process.url}/readyz") as response:
        waiting: int = (await response.json())["pending_sharepoint_writes"]
        return waiting


async def no_writes_waiting(http: aiohttp.ClientSession, process: BotProcess) -> None:
    deadline = time.monotonic() + SETTLE
    while (waiting := await writes_waiting(http, process)) != 0:
        assert time.monotonic() < deadline, (
            f"{waiting} writes still waiting. The bot's log ends:\n{process.log_tail(60)}"
        )
        await asyncio.sleep(0.05)


async def wait_for(
    read: Callable[[], list[Any]], count: int, what: str, timeout: float = SETTLE
) -> list[Any]:
    deadline = time.monotonic() + timeout
    while len(found := read()) < count:
        assert time.monotonic() < deadline, f"{what}: {len(found)} of {count}"
        await asyncio.sleep(0.05)
    return found


async def wait_until(check: Callable[[], Any], what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"Not in time: {what}"
        await asyncio.sleep(0.02)
