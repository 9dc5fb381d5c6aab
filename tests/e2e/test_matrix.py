"""The matrix is the board's: anyone sees how requests are scored; admins and members of
the Digital, Data and Customer Board publish new weights; a board compares old and new
scores side by side on its list before it uses them. All over HTTP."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

import pytest

from bot.app import CONTEXT
from bot.domain import scoring
from bot.domain.glossary import CRITERION_MEANINGS
from bot.domain.governance import DEFAULT_MATRIX
from bot.domain.model import AuditEntry, DigitalRequest, Status
from bot.ports import NewRequest
from cards.matrix_cards import PUBLISH, RESCORE, RESCORE_PAGE
from tests.e2e.boards import (
    BOARD_NAMES,
    in_board_channel,
    make_member,
    press_on,
    reference_in,
    register_board_channel,
    to_board,
)
from tests.e2e.conftest import CHANNEL, in_channel
from tests.e2e.journey import raise_request
from tests.support.cards import all_text, assert_cards_ok
from tests.support.teams import (
    START,
    BotServer,
    Connector,
    TeamsUser,
    card_of,
    invoke_card,
    invoke_message,
)

REASON = "Benefits for residents count for more this year."
# Benefits down 10, reuse up 10: still 100 in all.
MOVED = {"benefits": 10, "reuse": 20}


def weights(**changes: Any) -> dict[str, Any]:
    """What the weights card sends: every criterion's number, as text, and the reason."""
    typed = {c.key: str(c.weight) for c in DEFAULT_MATRIX.criteria}
    typed.update({key: str(value) for key, value in changes.items()})
    return {**{f"weight_{key}": value for key, value in typed.items()}, "reason": REASON}


async def matrix_now(bot: BotServer) -> str:
    assert bot.app is not None
    return (await bot.app[CONTEXT].store.governance()).matrix.version


async def request_now(bot: BotServer, reference: str) -> DigitalRequest:
    assert bot.app is not None
    found = await bot.app[CONTEXT].store.get(reference)
    assert found is not None
    return found


async def weights_card(user: TeamsUser) -> dict[str, Any]:
    return card_of((await user.say("change weights"))[-1])


async def publish(user: TeamsUser, **changes: Any) -> dict[str, Any]:
    card = await weights_card(user)
    return await press_on(user, card, "Publish the new weights", weights(**changes))


def input_values(card: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if str(node.get("type", "")).startswith("Input."):
                found[node["id"]] = node.get("value")
            for key, value in node.items():
                if key != "data":
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card)
    return found


# ---- How requests are scored: anyone, anywhere --------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "how are requests scored?",
        "How are requests scored",
        "how is my request scored?",
        "how does scoring work?",
        "scoring",
        "the prioritisation matrix",
        "show the matrix",
    ],
)
async def test_anyone_sees_the_criteria_weights_version_and_bands(
    megan: TeamsUser, typed: str
) -> None:
    card = card_of((await megan.say(typed))[-1])

    text = all_text(card)
    assert "How requests are scored" in text
    assert f"Version now\n{DEFAULT_MATRIX.version}" in text
    for criterion in DEFAULT_MATRIX.criteria:
        worth = f"Up to {criterion.weight} points out of 100."
        # What it looks at, in the glossary's short words.
        assert f"{criterion.label}\n{worth} {CRITERION_MEANINGS[criterion.key]}" in text
    assert f"Scores of {scoring.HIGH_FROM} or more are high priority" in text
    assert f"Scores under {scoring.LOW_BELOW} are low priority" in text
    assert "Each request keeps the version it was scored with" in text
    assert "The Digital, Data and Customer Board owns the prioritisation matrix" in text
    assert_cards_ok([card])


async def test_the_matrix_is_shown_in_a_channel_too(megan: TeamsUser) -> None:
    card = card_of((await in_channel(megan).say("how are requests scored?"))[-1])

    assert "How requests are scored" in all_text(card)


# ---- Who may change the weights --------------------------------------------------------------


async def test_someone_not_on_the_board_cannot_change_the_weights(
    bot: BotServer, megan: TeamsUser
) -> None:
    said = (await megan.say("change weights"))[-1]["text"]

    assert said.startswith("Only members of the Digital, Data and Customer Board")
    # Pressing a weights card anyway (forged, or kept from before) changes nothing either.
    answer = await megan.press(PUBLISH, {"verb": PUBLISH, "version": "2026.1", **weights(**MOVED)})
    assert "Only members of the Digital, Data and Customer Board" in invoke_message(answer)
    assert await matrix_now(bot) == "2026.1"


async def test_a_member_of_the_board_can_change_the_weights(
    bot: BotServer, megan: TeamsUser
) -> None:
    await make_member(bot, "ddc", megan)

    card = invoke_card(await publish(megan, **MOVED))

    assert "New requests are scored with 2026.2 from now" in all_text(card)
    assert await matrix_now(bot) == "2026.2"


async def test_a_member_of_another_board_cannot(bot: BotServer, megan: TeamsUser) -> None:
    await make_member(bot, "trb", megan)

    said = (await megan.say("change weights"))[-1]["text"]

    assert said.startswith("Only members of the Digital, Data and Customer Board")


async def test_the_weights_card_shows_the_weights_now_and_asks_why(alex: TeamsUser) -> None:
    card = await weights_card(alex)

    values = input_values(card)
    for criterion in DEFAULT_MATRIX.criteria:
        assert values[f"weight_{criterion.key}"] == criterion.weight
    assert "reason" in values
    text = json.dumps(card)
    assert "Why are the weights changing?" in text
    assert '"type": "Input.Number"' in text
    assert_cards_ok([card])


# ---- Bad weights: shown on the same card, with what was typed ------------------------------


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"benefits": "10", "reuse": "19"}, "The weights add up to 99."),
        ({"benefits": "-1", "reuse": "31"}, "The weight for Benefits cannot be below 0."),
        ({"benefits": "101"}, "The weight for Benefits cannot be over 100."),
        ({"benefits": "ten"}, "The weight for Benefits must be a whole number"),
        ({"benefits": ""}, "Give a weight for Benefits, from 0 to 100."),
        ({"magic": "5"}, "This card asked for a weight the matrix does not have."),
        ({}, "These are the weights already published."),
    ],
)
async def test_bad_weights_are_refused_on_the_same_card_with_the_values_kept(
    bot: BotServer, alex: TeamsUser, changes: dict[str, str], said: str
) -> None:
    card = invoke_card(await publish(alex, **changes))

    text = all_text(card)
    assert said in text
    assert "Nothing has been published" in text
    values = input_values(card)
    if changes.get("reuse"):
        assert values["weight_reuse"] == float(changes["reuse"])
    assert values["reason"] == REASON
    assert await matrix_now(bot) == "2026.1"
    assert_cards_ok([card])


async def test_a_missing_weight_is_refused(bot: BotServer, alex: TeamsUser) -> None:
    card = await weights_card(alex)
    sent = {k: v for k, v in weights(**MOVED).items() if k != "weight_readiness"}

    refused = invoke_card(await press_on(alex, card, "Publish the new weights", sent))

    assert "Give a weight for Readiness" in all_text(refused)
    assert await matrix_now(bot) == "2026.1"


@pytest.mark.parametrize("reason", ["", "ok", "x" * 501])
async def test_the_reason_is_needed_and_not_too_long(
    bot: BotServer, alex: TeamsUser, reason: str
) -> None:
    card = await weights_card(alex)

    refused = invoke_card(
        await press_on(
            alex, card, "Publish the new weights", {**weights(**MOVED), "reason": reason}
        )
    )

    assert "Say why" in all_text(refused)
    assert await matrix_now(bot) == "2026.1"


@pytest.mark.parametrize(
    "data",
    [{}, {"version": 2026.1}, {"version": "x" * 500}, {"version": ["2026.1"]}, "not a card"],
)
async def test_forged_card_data_changes_nothing(bot: BotServer, alex: TeamsUser, data: Any) -> None:
    answer = await alex.press(
        PUBLISH, data if isinstance(data, str) else {**weights(**MOVED), **data}
    )

    assert answer["type"] == "application/vnd.microsoft.activity.message"
    assert await matrix_now(bot) == "2026.1"


async def test_a_card_drawn_before_the_last_publish_is_refused(
    bot: BotServer, alex: TeamsUser
) -> None:
    old_card = await weights_card(alex)
    await publish(alex, **MOVED)

    again = invoke_card(
        await press_on(alex, old_card, "Publish the new weights", weights(benefits=15, reuse=15))
    )

    assert "The weights changed after this card was drawn: version 2026.2" in all_text(again)
    assert await matrix_now(bot) == "2026.2"
    # The card drawn again is for 2026.2, and publishing from it works.
    done = await press_on(alex, again, "Publish the new weights", weights(benefits=15, reuse=15))
    assert "New requests are scored with 2026.3 from now" in all_text(invoke_card(done))


# ---- Publishing ---------------------------------------------------------------------------


async def test_new_requests_use_the_new_version_and_old_scores_keep_theirs(
    bot: BotServer, alex: TeamsUser, megan: TeamsUser
) -> None:
    before = reference_in(await raise_request(megan))

    published = invoke_card(await publish(alex, **MOVED))

    text = all_text(published)
    assert "Requests already scored keep their score: type rescore in a board's channel" in text
    assert "Reuse of existing platforms\nUp to 20 points out of 100." in text
    after = reference_in(await raise_request(megan))
    old, new = await request_now(bot, before), await request_now(bot, after)
    assert old.score.matrix_version == "2026.1"
    assert new.score.matrix_version == "2026.2"
    reuse = {line.key: line for line in new.score.lines}["reuse"]
    assert reuse.weight == 20
    # Anyone now sees who published it, when and why, and the version before.
    shown = all_text(card_of((await megan.say("how are requests scored"))[-1]))
    assert f"Published by Alex Wilber on 25 November {START.year}, because:" in shown
    assert REASON in shown
    earlier = shown[shown.index("Earlier versions") :]
    assert "Version 2026.1\nStrategic alignment\n20 points\nBenefits\n20 points" in earlier


async def test_the_boards_channel_hears_of_new_weights(
    bot: BotServer, alex: TeamsUser, connector: Connector
) -> None:
    await register_board_channel(alex, "ddc")

    await publish(alex, **MOVED)
    await bot.settled()

    posted = [card_of(a) for a in connector.in_conversation("19:board-ddc@thread.tacv2")]
    notes = [c for c in posted if "New weights published: version 2026.2" in all_text(c)]
    assert len(notes) == 1
    assert REASON in all_text(notes[0])
    assert_cards_ok(notes)


# ---- Rescoring a board's list ---------------------------------------------------------------


async def rescore_card(user: TeamsUser, board: str = "ddc") -> dict[str, Any]:
    return card_of((await in_board_channel(user, board).say("rescore"))[-1])


async def two_on_the_list(alex: TeamsUser, megan: TeamsUser) -> tuple[str, str]:
    await register_board_channel(alex, "ddc")
    first = await to_board(alex, megan)
    second = await to_board(alex, megan)
    return first, second


async def test_rescore_shows_old_and_new_side_by_side_and_changes_nothing(
    bot: BotServer, alex: TeamsUser, megan: TeamsUser
) -> None:
    first, second = await two_on_the_list(alex, megan)
    kept = (await request_now(bot, first)).score
    await publish(alex, **MOVED)

    card = await rescore_card(alex)

    text = all_text(card)
    new = scoring.score((await request_now(bot, first)).details, await current(bot), today())
    assert "2 requests on this list were scored with an older version" in text
    assert "0 requests on the list are already scored with version 2026.2" in text
    assert first in text and second in text
    assert f"{kept.total}, place 1 (version 2026.1)" in text
    assert f"{new.total}, place 1" in text
    assert any(t["type"] == "Table" for t in card["body"])
    assert (await request_now(bot, first)).score == kept  # looking changes nothing
    assert_cards_ok([card])


async def current(bot: BotServer) -> Any:
    assert bot.app is not None
    return (await bot.app[CONTEXT].store.governance()).matrix


def today() -> dt.date:
    return START.date()


async def test_pressing_uses_the_new_scores_and_records_it(
    bot: BotServer, alex: TeamsUser, megan: TeamsUser, connector: Connector
) -> None:
    first, second = await two_on_the_list(alex, megan)
    old = (await request_now(bot, first)).score
    await publish(alex, **MOVED)
    card = await rescore_card(alex)

    done = invoke_card(
        await press_on(
            in_board_channel(alex, "ddc"), card, "Use the new scores for these 2 requests"
        )
    )

    for reference in (first, second):
        request = await request_now(bot, reference)
        assert request.score.matrix_version == "2026.2"
        assert request.status is Status.WITH_BOARD
        entry = request.history[-1]
        assert entry.actor_name == "Alex Wilber"
        assert entry.detail == (
            f"Rescored with matrix 2026.2: {old.total} to {request.score.total} "
            "(it was scored with 2026.1)."
        )
    # IT triage's cards in the triage channel are redrawn with the new score.
    await bot.settled()
    redrawn = [all_text(card_of(sent.activity)) for sent in connector.updates(CHANNEL["id"])]
    for reference in (first, second):
        assert any(reference in t and "Rescored with matrix 2026.2" in t for t in redrawn)
    # The history says what happened in plain words, not "Alex Wilber rescored."
    assert any("Alex Wilber gave it a new score. Rescored with matrix 2026.2" in t for t in redrawn)
    assert not any("Alex Wilber rescored." in t for t in redrawn)
    text = all_text(done)
    assert "2 requests now scored with version 2026.2" in text
    assert "Every request on the list is scored with version 2026.2" in text
    assert_cards_ok([done])
    # Nothing left to rescore now.
    said = (await in_board_channel(alex, "ddc").say("rescore"))[-1]["text"]
    assert "already scored with version 2026.2. There is nothing to rescore." in said


async def test_pressing_again_says_you_rescored_it_already_not_that_someone_changed_it(
    bot: BotServer, alex: TeamsUser, megan: TeamsUser
) -> None:
    first, second = await two_on_the_list(alex, megan)
    await publish(alex, **MOVED)
    card = await rescore_card(alex)
    bot.clock.set(START + dt.timedelta(minutes=4))
    button = "Use the new scores for these 2 requests"
    await press_on(in_board_channel(alex, "ddc"), card, button)
    bot.clock.set(START + dt.timedelta(minutes=9))

    again = invoke_card(await press_on(in_board_channel(alex, "ddc"), card, button))

    text = all_text(again)
    for reference in (first, second):
        assert f"{reference}: It already has the new score (you rescored it at 10:04am)." in text
    assert "changed it after this list was shown" not in text
    assert "No requests were rescored." in text
    assert_cards_ok([again])


async def test_a_request_changed_in_between_is_skipped_and_named(
    bot: BotServer, alex: TeamsUser, megan: TeamsUser
) -> None:
    first, second = await two_on_the_list(alex, megan)
    await publish(alex, **MOVED)
    card = await rescore_card(alex)
    # After the card is drawn: the first is changed in the shared list by Lee, and Megan
    # withdraws the second.
    assert bot.app is not None
    store = bot.app[CONTEXT].store
    request = await request_now(bot, first)
    edit = AuditEntry(
        START, "lee", "Lee Gu", "edited_in_sharepoint", Status.WITH_BOARD, Status.WITH_BOARD
    )
    await store.update(dataclasses.replace(request, history=(*request.history, edit)))
    asks = card_of((await megan.say(f"withdraw {second}"))[-1])
    await press_on(megan, asks, "Withdraw request", {"withdrawReason": "Not needed now."})

    done = invoke_card(
        await press_on(
            in_board_channel(alex, "ddc"), card, "Use the new scores for these 2 requests"
        )
    )

    text = all_text(done)
    assert f"{first}: Lee Gu changed it after this list was shown." in text
    assert f"{second}: It is no longer on this board's list." in text
    assert "No requests were rescored." in text
    assert (await request_now(bot, first)).score.matrix_version == "2026.1"
    assert (await request_now(bot, second)).score.matrix_version == "2026.1"


async def test_forged_references_are_skipped_and_named(
    bot: BotServer, alex: TeamsUser, megan: TeamsUser
) -> None:
    first, _ = await two_on_the_list(alex, megan)
    elsewhere = await to_board(alex, megan, board="trb")
    await publish(alex, **MOVED)
    data = {
        "verb": RESCORE,
        "board": "ddc",
        "version": "2026.2",
        "references": [elsewhere, f"DR-{START.year}-9999", first],
    }

    done = invoke_card(await in_board_channel(alex, "ddc").press(RESCORE, data))

    text = all_text(done)
    assert f"{elsewhere}: It is no longer on this board's list." in text
    assert f"DR-{START.year}-9999: It is no longer on this board's list." in text
    assert f"{first}: " in text  # rescored
    assert (await request_now(bot, elsewhere)).score.matrix_version == "2026.1"
    assert (await request_now(bot, first)).score.matrix_version == "2026.2"


@pytest.mark.parametrize(
    "data",
    [
        {"board": "ddc", "version": "2026.2", "references": "DR-2026-0001"},
        {"board": "ddc", "version": "2026.2", "references": []},
        {"board": "ddc", "version": "2026.2", "references": ["banana"]},
        {"board": "ddc", "version": "2026.2", "references": [1]},
        {"board": "ddc", "version": "2026.2", "references": ["DR-2026-0001"] * 2},
        {
            "board": "ddc",
            "version": "2026.2",
            "references": [f"DR-2026-{n:04d}" for n in range(26)],
        },
        {"board": "DDC; drop", "version": "2026.2", "references": ["DR-2026-0001"]},
        {"board": "ddc", "references": ["DR-2026-0001"]},
        {"board": "ddc", "version": "2026.2", "references": ["DR-2026-0001"], "seen": []},
    ],
)
async def test_bad_rescore_data_changes_nothing(
    bot: BotServer, alex: TeamsUser, data: dict[str, Any]
) -> None:
    answer = await in_board_channel(alex, "ddc").press(RESCORE, {"verb": RESCORE, **data})

    assert answer["type"] == "application/vnd.microsoft.activity.message"
    assert "Nothing has changed" in invoke_message(answer) or "did not say" in invoke_message(
        answer
    )


async def test_someone_not_on_the_board_cannot_rescore(
    bot: BotServer, alex: TeamsUser, megan: TeamsUser
) -> None:
    first, _ = await two_on_the_list(alex, megan)
    await publish(alex, **MOVED)

    said = (await in_board_channel(megan, "ddc").say("rescore"))[-1]["text"]
    data = {"verb": RESCORE, "board": "ddc", "version": "2026.2", "references": [first]}
    pressed = invoke_message(await in_board_channel(megan, "ddc").press(RESCORE, data))

    for answer in (said, pressed):
        assert answer.startswith("Only members of the Digital, Data and Customer Board")
    assert (await request_now(bot, first)).score.matrix_version == "2026.1"


async def test_the_boards_secretary_may_rescore(
    bot: BotServer, alex: TeamsUser, megan: TeamsUser
) -> None:
    await two_on_the_list(alex, megan)
    await publish(alex, **MOVED)
    await make_member(bot, "ddc", megan, secretary=True, only=True)

    card = await rescore_card(megan)

    assert "Use the new scores for these 2 requests" in json.dumps(card)


async def test_a_rescore_card_from_before_new_weights_rescores_nothing(
    bot: BotServer, alex: TeamsUser, megan: TeamsUser
) -> None:
    first, _ = await two_on_the_list(alex, megan)
    await publish(alex, **MOVED)
    card = await rescore_card(alex)
    await publish(alex, benefits=15, reuse=15)

    again = invoke_card(
        await press_on(
            in_board_channel(alex, "ddc"), card, "Use the new scores for these 2 requests"
        )
    )

    assert "version 2026.3 is published now. Nothing was rescored." in all_text(again)
    assert (await request_now(bot, first)).score.matrix_version == "2026.1"


async def test_rescore_outside_a_boards_channel_says_where(alex: TeamsUser) -> None:
    said = (await in_channel(alex).say("rescore"))[-1]["text"]

    assert "Type rescore in a board's channel" in said


@pytest.mark.parametrize("on_new", [False, True])
async def test_nothing_to_rescore_is_said(
    bot: BotServer, alex: TeamsUser, megan: TeamsUser, on_new: bool
) -> None:
    await register_board_channel(alex, "ddc")
    if on_new:
        await publish(alex, **MOVED)
        await to_board(alex, megan)  # scored with 2026.2 from the start

    said = (await in_board_channel(alex, "ddc").say("rescore"))[-1]["text"]

    if on_new:
        assert "already scored with version 2026.2. There is nothing to rescore." in said
    else:
        assert f"There are no requests on the {BOARD_NAMES['ddc']}'s list" in said


# ---- A long list, paged ------------------------------------------------------------------------


async def many_on_the_list(bot: BotServer, count: int, template: str) -> None:
    """`count` requests on the Digital, Data and Customer Board's list, straight into the
    store, copied from the request `template` (raised through the form)."""
    assert bot.app is not None
    store = bot.app[CONTEXT].store
    base = await request_now(bot, template)
    for number in range(count):
        added = await store.add(
            NewRequest(
                f"draft-{number}",
                dataclasses.replace(base.details, title=f"Long list request {number}"),
                base.requester,
                base.score,
                base.route,
                base.submitted_at + dt.timedelta(minutes=number + 1),
            )
        )
        await store.update(dataclasses.replace(added, status=Status.WITH_BOARD))


async def test_a_long_list_is_paged_never_cut(
    bot: BotServer, alex: TeamsUser, megan: TeamsUser
) -> None:
    await register_board_channel(alex, "ddc")
    template = await to_board(alex, megan)
    await many_on_the_list(bot, 29, template)  # 30 in all
    await publish(alex, **MOVED)

    first = await rescore_card(alex)

    assert len(json.dumps(first)) < 28_000
    assert "Showing 1 to 25 of 30." in all_text(first)
    assert "Use the new scores for these 25 requests" in json.dumps(first)
    second = invoke_card(await press_on(in_board_channel(alex, "ddc"), first, "Show the next page"))
    assert "Showing 26 to 30 of 30." in all_text(second)
    assert "Use the new scores for these 5 requests" in json.dumps(second)
    assert_cards_ok([first, second])
    done = invoke_card(
        await press_on(
            in_board_channel(alex, "ddc"), second, "Use the new scores for these 5 requests"
        )
    )
    assert "25 requests on the list are still scored with an older version." in all_text(done)
    left = invoke_card(await press_on(in_board_channel(alex, "ddc"), done, "Show them"))
    assert "Showing 1 to 25 of 25." not in all_text(left)  # one page: no "showing"
    assert "25 requests on this list were scored with an older version" in all_text(left)


async def test_a_page_past_the_end_shows_the_last_page(
    bot: BotServer, alex: TeamsUser, megan: TeamsUser
) -> None:
    await two_on_the_list(alex, megan)
    await publish(alex, **MOVED)

    card = invoke_card(
        await in_board_channel(alex, "ddc").press(
            RESCORE_PAGE, {"verb": RESCORE_PAGE, "board": "ddc", "page": 40}
        )
    )

    assert "2 requests on this list were scored" in all_text(card)
