"""The working state's part of `my data`, `erase` and retention (bot/journeys/privacy/
working_part.py), on a real SQLite file: everything held about a person is shown, erase
leaves none of it in the file, and retention acts only on what is past its period."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.domain.model import Draft
from bot.domain.retention import RetentionKind, RetentionPolicy
from bot.journeys.privacy.working_part import A_CHANNEL, A_FORM, HOW_WE_REACH_YOU, WorkingData
from bot.privacy import ERASED_NAME, Person, Retained, pseudonym
from bot.store.sqlite import SqliteStore
from tests.support.clock import SettableClock

NOW = dt.datetime(2031, 6, 17, 9, 30, tzinfo=dt.UTC)
AAD, TEAMS = "6a1f0c2e-0000-4000-8000-00000000a11e", "29:1AnnTeamsId"
NAME = "Annabel Quigley-Fforde"
PROBLEM = "Our parking permit team retypes every Zephyrine application by hand"
ANN = Person(AAD, frozenset({AAD, TEAMS}), frozenset({NAME}))
CHAT = {
    "user": {"id": TEAMS, "name": NAME, "aadObjectId": AAD},
    "conversation": {"id": "a:1ChatWithAnnXyz"},
    "serviceUrl": "https://smba.trafficmanager.net/uk/",
}


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(NOW)


@pytest.fixture
async def store(tmp_path: Path, clock: SettableClock) -> AsyncIterator[SqliteStore]:
    opened = SqliteStore(tmp_path / "digital-front-door.sqlite3", clock)
    await opened.open()
    yield opened
    await opened.close()


async def ann_used_the_bot(store: SqliteStore) -> None:
    await store.save_draft(
        Draft(AAD, "request", "d-1", 2, {"title": "Parking permits", "problem": PROBLEM}, NOW)
    )
    await store.save_draft(Draft(AAD, "feedback", "d-2", 1, {"comment": "Quick, thanks"}, NOW))
    await store.remember_person(AAD, TEAMS, NAME)
    await store.remember_personal_chat(AAD, CHAT)
    await store.remember_invoke(f"act-1|{AAD}", {"card": f"Thanks {NAME}: {PROBLEM}"})
    await store.notification_sent(f"benefits.ask:DR-2031-0001:6:{AAD}")
    # Ann typed `register triage` in a channel: the reference keeps who typed it.
    await store.register_channel("triage", {**CHAT, "conversation": {"id": "19:t"}}, AAD)
    # A triager's press, whose stored answer quotes Ann's request.
    await store.remember_invoke("act-9|tess", {"card": f"DR-2031-0001 from {NAME}"})
    # Someone else, who must be left alone.
    await store.save_draft(Draft("bob", "request", "d-3", 1, {"title": "Bob's idea"}, NOW))
    await store.remember_person("bob", "29:bob", "Bob Jones")
    await store.remember_personal_chat("bob", {"user": {"id": "29:bob", "name": "Bob Jones"}})
    await store.remember_invoke("act-2|bob", {"card": "Bob's answer"})
    await store.register_channel("ideas", {"user": {"id": "29:bob", "name": "Bob Jones"}}, "bob")


async def test_my_data_shows_every_field_that_holds_the_persons_data(store: SqliteStore) -> None:
    await ann_used_the_bot(store)
    held = await WorkingData(store).held(ANN)
    forms = [h for h in held if h.what == A_FORM]
    assert {h.fields["Form"] for h in forms} == {"Digital request", "Feedback on the bot"}
    request = next(h for h in forms if h.key == "d-1")
    assert request.fields["title"] == "Parking permits"
    assert request.fields["problem"] == PROBLEM
    assert request.fields["Last changed"] == "17 June 2031 09:30"
    [reach] = [h for h in held if h.what == HOW_WE_REACH_YOU]
    assert reach.fields["Your name in Teams"] == NAME
    assert reach.fields["Your Teams id"] == TEAMS
    assert reach.fields["Your chat with the bot"] == "a:1ChatWithAnnXyz"
    assert reach.fields["Your name in the chat's details"] == NAME
    assert reach.fields["Last seen"] == "17 June 2031 09:30"
    assert reach.at == NOW
    [channel] = [h for h in held if h.what == A_CHANNEL]
    assert channel.key == "triage"
    assert channel.fields == {
        "Channel": "triage",
        "Registered by": AAD,
        "Your name in the channel's details": NAME,
        "Your id in the channel's details": TEAMS,
        "Your Entra id in the channel's details": AAD,
    }
    shown = " ".join(v for h in held for v in h.fields.values())
    assert "Bob" not in shown
    nobody = Person("nobody", frozenset({"nobody"}), frozenset({"Nobody"}))
    assert await WorkingData(store).held(nobody) == []


async def test_erase_leaves_none_of_the_person_in_the_file(
    store: SqliteStore, tmp_path: Path
) -> None:
    await ann_used_the_bot(store)
    part = WorkingData(store)
    erased = await part.erase(ANN, pseudonym(AAD), NOW)
    assert erased.changed == {
        "forms started and not sent": 2,
        "chats and names kept to reach them": 2,
        "stored card answers and message keys": 3,
        "channels they registered": 1,
    }
    assert erased.kept == []
    assert await part.held(ANN) == []
    assert (await part.erase(ANN, pseudonym(AAD), NOW)).changed == {}  # safe to run again
    # What was sent stays sent, under the stand-in.
    key = f"benefits.ask:DR-2031-0001:6:{pseudonym(AAD)}"
    assert await store.claim_notification(key) is False
    # Bob is untouched.
    assert await store.get_draft("bob", "request") is not None
    assert await store.handled_invoke("act-2|bob") == {"card": "Bob's answer"}
    assert set(await store.people(frozenset({"bob", AAD}))) == {"bob"}
    # The channel Ann registered stays registered, under her stand-in; Bob's is untouched.
    triage = await store.channel("triage")
    assert triage is not None and triage["conversation"] == {"id": "19:t"}
    assert triage["user"]["id"] == pseudonym(AAD) and triage["user"]["name"] == ERASED_NAME
    assert await store.channel("ideas") == {"user": {"id": "29:bob", "name": "Bob Jones"}}
    await store.close()
    kept = b"".join(p.read_bytes() for p in tmp_path.glob("digital-front-door.sqlite3*"))
    for text in (AAD, TEAMS, NAME, PROBLEM, "Zephyrine", "a:1ChatWithAnnXyz"):
        assert text.encode() not in kept, text
    assert b"Bob Jones" in kept  # the scan can find what is there


async def test_retention_acts_only_on_what_is_past_its_period(
    store: SqliteStore, clock: SettableClock
) -> None:
    await ann_used_the_bot(store)
    clock.advance(dt.timedelta(days=60))
    await store.remember_personal_chat("bob", {"user": {"id": "29:bob"}})  # Bob writes again
    await store.remember_person("bob", "29:bob", "Bob Jones")
    await store.save_draft(Draft("bob", "skills", "d-4", 1, {"level": "2"}, clock.now()))
    part, policy = WorkingData(store), RetentionPolicy()
    assert await part.retain(policy, clock.now()) == [
        Retained(RetentionKind.DRAFTS),
        Retained(RetentionKind.CONVERSATIONS),
        Retained(RetentionKind.CARD_ANSWERS, deleted=3),  # a week is up for all
    ]
    clock.advance(dt.timedelta(days=31))  # 91 days after Ann's and Bob's first drafts
    assert await part.retain(policy, clock.now()) == [
        Retained(RetentionKind.DRAFTS, deleted=3),
        Retained(RetentionKind.CONVERSATIONS),
        Retained(RetentionKind.CARD_ANSWERS),
    ]
    assert [d.form for d in await store.drafts_of("bob")] == ["skills"]
    clock.set(NOW + dt.timedelta(days=367))  # Ann unseen for a year; Bob seen 307 days ago
    assert await part.retain(policy, clock.now()) == [
        Retained(RetentionKind.DRAFTS, deleted=1),  # Bob's skills draft, 307 days old
        Retained(RetentionKind.CONVERSATIONS, deleted=2),
        Retained(RetentionKind.CARD_ANSWERS),
    ]
    assert await store.personal_chat(AAD) is None
    assert set(await store.people(frozenset({"bob", AAD}))) == {"bob"}
    assert await part.retain(policy, clock.now()) == [  # a second run finds nothing
        Retained(RetentionKind.DRAFTS),
        Retained(RetentionKind.CONVERSATIONS),
        Retained(RetentionKind.CARD_ANSWERS),
    ]
