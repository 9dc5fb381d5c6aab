"""When someone was last seen is kept up to date while they use the bot (bot/registry.py
`_remember_chats`): stamped again once an hour has passed, so CONVERSATIONS retention
never forgets someone who uses the bot, and someone forgotten is remembered again."""

from __future__ import annotations

import datetime as dt
import sqlite3

from tests.support.teams import TeamsUser


def _db(user: TeamsUser) -> sqlite3.Connection:
    return sqlite3.connect(user.bot.env["DATA_DIR"] + "/digital-front-door.sqlite3")


def seen(user: TeamsUser) -> dict[str, tuple[str | None, str | None]]:
    """user id -> (seen_at of their chat, seen_at of their people row)."""
    with _db(user) as db:
        chats = dict(db.execute("SELECT user_id, seen_at FROM personal_chats").fetchall())
        people = dict(db.execute("SELECT user_id, seen_at FROM people").fetchall())
    return {u: (chats.get(u), people.get(u)) for u in chats.keys() | people.keys()}


def when(user: TeamsUser) -> dt.datetime:
    return user.bot.clock.now()


async def test_seen_again_once_an_hour(megan: TeamsUser) -> None:
    await megan.say("hello")
    first = when(megan).isoformat(timespec="microseconds")
    assert seen(megan)[megan.aad_object_id] == (first, first)

    megan.bot.clock.advance(dt.timedelta(minutes=30))
    await megan.say("hello")
    assert seen(megan)[megan.aad_object_id] == (first, first), "not stamped every message"

    megan.bot.clock.advance(dt.timedelta(minutes=31))
    await megan.say("hello")
    again = when(megan).isoformat(timespec="microseconds")
    assert seen(megan)[megan.aad_object_id] == (again, again)


async def test_someone_who_uses_the_bot_is_never_forgotten(
    alex: TeamsUser, megan: TeamsUser
) -> None:
    await megan.say("hello")
    for _ in range(4):
        megan.bot.clock.advance(dt.timedelta(days=100))
        await megan.say("hello")
        await alex.say("hello")
    await megan.bot.settled()
    await alex.say("run retention now")
    await megan.bot.settled()
    assert megan.aad_object_id in seen(megan), "Megan used the bot a moment ago"


async def test_forgotten_person_is_remembered_again_within_the_hour(megan: TeamsUser) -> None:
    await megan.say("hello")
    # Forgotten elsewhere (an erasure or retention on another instance).
    with _db(megan) as db:
        db.execute("DELETE FROM personal_chats")
        db.execute("DELETE FROM people")
    megan.bot.clock.advance(dt.timedelta(minutes=59))
    await megan.say("hello")
    assert megan.aad_object_id not in seen(megan)  # the stamp of this process still holds
    megan.bot.clock.advance(dt.timedelta(minutes=2))
    await megan.say("hello")
    now = when(megan).isoformat(timespec="microseconds")
    assert seen(megan)[megan.aad_object_id] == (now, now)
