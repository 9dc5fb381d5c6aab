"""What the bot's own working state holds about a person (bot/privacy.py): forms they
started and did not send, how the bot reaches them in Teams (their chat and the name
Teams gave), and the keys and stored answers that make a card press or a message happen
once.

It also holds, for each channel someone registered (`register …`), who did it: their id,
and their name and ids in the channel's reference.

Erase removes all of it: their drafts, their chat and people rows, stored answers to
card presses that are theirs or quote them (anyone's: a triager's card shows the
requester); keys of messages already sent keep their place under the person's
stand-in, so nothing is sent twice; channels they registered stay registered, with their
ids as the stand-in and their name ERASED_NAME.

Retention: drafts untouched for their period are deleted (DRAFTS); chats and names of
people not seen for their period are forgotten, and so are keys of one-off messages that
hold an id (ONE_OFF_KEYS) kept that long (CONVERSATIONS); stored answers to card presses,
and the claims of the presses, go after theirs (CARD_ANSWERS).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Protocol

from bot.domain.model import Draft
from bot.domain.retention import RetentionKind, RetentionPolicy
from bot.ports import ChannelDirectory, DraftStore, OnceOnly, WorkingPersonalData
from bot.privacy import Erased, Held, Person, Retained

JOURNEY = "your chats and forms"
A_FORM = "A form you started"
HOW_WE_REACH_YOU = "How the bot reaches you in Teams"
A_CHANNEL = "Channels you registered"

# The forms a person can leave half-filled, in plain words (anything else by its key).
FORM_NAMES = {
    "request": "Digital request",
    "request_change": "Change to a digital request",
    "feedback": "Feedback on the bot",
    "skills": "Digital skills check",
    "engagement": "Procurement checklist",
    "process_map": "Process map",
}


# Keys of messages sent once that hold a person's id, and whose send is never repeated by
# design (each is made by one event, never by a loop that looks again): after the
# CONVERSATIONS period they go. A champion's volunteering (`volunteered_at` is in the key)
# is asked about, decided and ended once (bot/journeys/communities/champions.py). A
# community nudge's key holds its question, step and champion: the nudge is sent from its
# own record in the communities store, finished once sent (bot/journeys/communities/
# nudging.py), so the key is never looked at again.
# Not these: keys a loop claims to send only once (benefits asks, deadline reminders,
# renewals, knowledge reviews, agenda and config notices): deleting one would send again.
ONE_OFF_KEYS = ("champion.decide:", "champion.decided:", "champion.removed:", "nudge:")


class WorkingStore(DraftStore, ChannelDirectory, OnceOnly, WorkingPersonalData, Protocol):
    """What this part needs of the store: the whole Store, or the working state alone."""


def _when(at: dt.datetime | None) -> str:
    return "" if at is None else at.strftime("%d %B %Y %H:%M")


def _typed(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _draft_held(journey: str, draft: Draft) -> Held:
    fields = {"Form": FORM_NAMES.get(draft.form, draft.form)}
    fields.update({label: _typed(value) for label, value in draft.values.items()})
    fields["Last changed"] = _when(draft.updated_at)
    return Held(journey, A_FORM, draft.draft_id or draft.form, fields, draft.updated_at)


class WorkingData:
    """PersonalData over the bot's working state (SQLite, Azure Table storage, or the
    working state under SharePoint mode)."""

    def __init__(self, store: WorkingStore, journey: str = JOURNEY) -> None:
        self._store = store
        self._journey = journey

    async def held(self, person: Person) -> list[Held]:
        store = self._store
        held: list[Held] = []
        ids = sorted(person.ids | {person.user_id})
        for user_id in ids:
            held.extend(_draft_held(self._journey, d) for d in await store.drafts_of(user_id))
        known = await store.people(frozenset(ids))
        for user_id in ids:
            chat = await store.personal_chat(user_id)
            if chat is None and user_id not in known:
                continue
            fields: dict[str, str] = {"Your id": user_id}
            if user_id in known:
                teams_id, name = known[user_id]
                fields["Your name in Teams"] = name
                fields["Your Teams id"] = teams_id
            if chat is not None:
                fields.update(_chat_fields(chat))
            seen = await store.last_seen(user_id)
            fields["Last seen"] = _when(seen)
            held.append(Held(self._journey, HOW_WE_REACH_YOU, user_id, fields, seen))
        registered = await store.channels_registered_by(frozenset(ids))
        for purpose, (by, reference) in registered.items():
            fields = {"Channel": purpose, "Registered by": by}
            fields.update(_channel_fields(reference))
            held.append(Held(self._journey, A_CHANNEL, purpose, fields))
        return held

    async def erase(self, person: Person, stand_in: str, now: dt.datetime) -> Erased:
        store = self._store
        done = Erased()
        for user_id in sorted(person.ids | {person.user_id}):
            if not user_id:
                continue
            drafts = await store.drafts_of(user_id)
            for draft in drafts:
                await store.delete_draft(draft.owner_id, draft.form)
            done.count("forms started and not sent", len(drafts))
            done.count("chats and names kept to reach them", await store.forget_person(user_id))
            done.count(
                "stored card answers and message keys",
                await store.forget_keys_naming(user_id, stand_in),
            )
        # Channels they registered stay registered, under their stand-in.
        done.count(
            "channels they registered",
            await store.forget_channel_registrar(
                frozenset(person.ids | {person.user_id}), stand_in
            ),
        )
        # Answers to anyone's presses that quote them (a triager's card of their request).
        done.count(
            "stored card answers and message keys",
            await store.forget_answers_naming(person.ids | person.names | {person.user_id}),
        )
        return done

    async def retain(self, policy: RetentionPolicy, now: dt.datetime) -> list[Retained]:
        store = self._store
        drafts = await store.delete_drafts_before(policy.cutoff(RetentionKind.DRAFTS, now))
        seen_before = policy.cutoff(RetentionKind.CONVERSATIONS, now)
        chats = await store.forget_unseen_since(seen_before)
        chats += await store.forget_sent_before(ONE_OFF_KEYS, seen_before)
        answers = await store.forget_invokes_before(policy.cutoff(RetentionKind.CARD_ANSWERS, now))
        return [
            Retained(RetentionKind.DRAFTS, deleted=drafts),
            Retained(RetentionKind.CONVERSATIONS, deleted=chats),
            Retained(RetentionKind.CARD_ANSWERS, deleted=answers),
        ]


def _channel_fields(reference: dict[str, Any]) -> dict[str, str]:
    """The parts of a channel's reference that are about whoever registered it."""
    fields: dict[str, str] = {}
    user = reference.get("user") or {}
    if isinstance(user, dict):
        labels = {
            "name": "Your name in the channel's details",
            "id": "Your id in the channel's details",
            "aadObjectId": "Your Entra id in the channel's details",
            "aad_object_id": "Your Entra id in the channel's details",
        }
        for name, label in labels.items():
            if user.get(name):
                fields[label] = str(user[name])
    return fields


def _chat_fields(chat: dict[str, Any]) -> dict[str, str]:
    """The parts of a chat reference that are about the person."""
    fields: dict[str, str] = {}
    user = chat.get("user") or {}
    conversation = chat.get("conversation") or {}
    if isinstance(user, dict):
        if user.get("name"):
            fields["Your name in the chat's details"] = str(user["name"])
        if user.get("id"):
            fields["Your id in the chat's details"] = str(user["id"])
        if user.get("aadObjectId") or user.get("aad_object_id"):
            fields["Your Entra id in the chat's details"] = str(
                user.get("aadObjectId") or user.get("aad_object_id")
            )
    if isinstance(conversation, dict) and conversation.get("id"):
        fields["Your chat with the bot"] = str(conversation["id"])
    return fields
