"""The triage card's panels: no box stops another button, every refusal is shown next to
its box, and nothing is linked, routed or styled in a way that misleads.

Teams checks every input of the card, and of the cards around it, whichever button is
pressed (associatedInputs "auto"). So `pressed_with` works out, for each button, the inputs
the client would check and send, and `client_press` presses a button the way the client
does: with every one of those inputs, and only if none it checks is required and empty.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from bot.domain.text import long_date
from bot.journeys.triage import verbs
from tests.e2e import test_triage
from tests.e2e.conftest import in_channel
from tests.e2e.journey import raise_request
from tests.e2e.test_triage import find_input, triage_card_posted, triager_view
from tests.support.cards import all_text, assert_cards_ok, elements
from tests.support.teams import (
    START,
    YEAR,
    BotServer,
    Connector,
    TeamsUser,
    card_of,
    find_action,
    invoke_card,
)

# The same bot on both stores, and the same second triager, as the main triage tests.
bot = test_triage.bot
adele = test_triage.adele
ALEX = "00000000-0000-0000-0000-0000000000020"
ADELE = "00000000-0000-0000-0000-0000000000022"
REF = f"DR-{YEAR}-0001"
TODAY = long_date(START.date())
# The inputs each button is for. A required input may be checked only by its own buttons.
OWN_INPUTS: dict[str, frozenset[str]] = {
    verbs.REJECT: frozenset({verbs.REJECT_REASON}),
    verbs.ASK: frozenset({verbs.QUESTION}),
    verbs.ASSIGN: frozenset({verbs.ASSIGNEE}),
    verbs.ROUTE: frozenset({verbs.ROUTE_BOARD, verbs.ROUTE_PROCESS, verbs.ROUTE_REASON}),
    verbs.DUPLICATE: frozenset({verbs.DUPLICATE_PICKED, verbs.DUPLICATE_TYPED}),
    verbs.ANSWER: frozenset({verbs.ANSWER_TEXT}),
}
ROUTE = {
    "routeBoard": "trb",
    "routeProcess": "change_request",
    "routeReason": "It must work with the waste system.",
}


# ---- What the client checks and sends for each button ------------------------------------


def _parts(node: Any, inputs: list[dict[str, Any]], actions: list[dict[str, Any]]) -> None:
    """The inputs and buttons of one card, not those of the panels it opens."""
    if isinstance(node, list):
        for item in node:
            _parts(item, inputs, actions)
    elif isinstance(node, dict):
        kind = str(node.get("type", ""))
        if kind.startswith("Input."):
            inputs.append(node)
        if kind.startswith("Action."):
            actions.append(node)
        for key, value in node.items():
            if key == "data" or (kind == "Action.ShowCard" and key == "card"):
                continue
            _parts(value, inputs, actions)


def pressed_with(
    card: dict[str, Any], around: tuple[dict[str, Any], ...] = ()
) -> Iterator[tuple[dict[str, Any], tuple[dict[str, Any], ...]]]:
    """Each button (fallbacks too), with the inputs the client checks and sends for it:
    those of its own card and of every card around it, unless it sends none."""
    inputs: list[dict[str, Any]] = []
    actions: list[dict[str, Any]] = []
    _parts(card, inputs, actions)
    scope = (*around, *inputs)
    for action in actions:
        if action["type"] == "Action.ShowCard":
            yield from pressed_with(action["card"], scope)
        elif action["type"] in ("Action.Execute", "Action.Submit"):
            sends = str(action.get("associatedInputs", "auto")).lower() != "none"
            yield action, scope if sends else ()


def _verb(action: dict[str, Any]) -> str:
    return str(action.get("verb") or action.get("data", {}).get("verb", ""))


def blocking_inputs(card: dict[str, Any]) -> list[str]:
    """Required inputs a button would check that are not for that button."""
    found = []
    for action, scope in pressed_with(card):
        own = OWN_INPUTS.get(_verb(action), frozenset())
        for item in scope:
            if item.get("isRequired") and item["id"] not in own:
                found.append(f"{action['type']} {action.get('title')!r} checks {item['id']!r}")
    return found


async def client_press(
    user: TeamsUser, card: dict[str, Any], title: str, filled: dict[str, str] | None = None
) -> dict[str, Any]:
    """Press as the client does: send every input it checks for this button, as drawn
    unless filled in; refuse, as the client would, if a required one is empty."""
    found = [
        (action, scope)
        for action, scope in pressed_with(card)
        if action["type"] == "Action.Execute" and action["title"] == title
    ]
    assert found, f"No button {title!r}"
    action, scope = found[0]
    sent = {str(item["id"]): str(item.get("value", "")) for item in scope}
    sent.update(filled or {})
    # The client takes a space as an answer: the bot does not.
    stopped = [i["id"] for i in scope if i.get("isRequired") and not sent[i["id"]]]
    assert not stopped, f"The client stops {title!r}: {stopped} must be filled in first"
    return await in_channel(user).press(action["verb"], action["data"], sent)


def primaries(card: dict[str, Any]) -> list[str]:
    return [
        str(e.get("title"))
        for e in elements(card)
        if e["type"].startswith("Action.") and e.get("style") in ("positive", "destructive")
    ]


def problem(card: dict[str, Any]) -> str:
    shown = [line for line in all_text(card).splitlines() if line.startswith("There is a problem")]
    assert len(shown) == 1, shown
    return shown[0]


async def withdraw(megan: TeamsUser, reference: str) -> None:
    """Megan withdraws her request. News about her other requests may arrive meanwhile."""
    await megan.say(f"withdraw {reference}")
    for _ in range(200):
        for sent in reversed(megan.connector.in_conversation(megan.conversation_id)):
            card = card_of(sent) if sent.get("attachments") else {}
            if card and "Withdraw request" in all_text(card) and reference in all_text(card):
                action = find_action(card, "Withdraw request")
                reason = {"withdrawReason": "Not needed."}
                await megan.press(action["verb"], action["data"], reason)
                return
        await asyncio.sleep(0.025)
    raise AssertionError(f"Megan was not asked to confirm withdrawing {reference}")


async def raise_more(megan: TeamsUser, count: int) -> None:
    for _ in range(count):
        await raise_request(megan)


# ---- The checks can fail -------------------------------------------------------------------


def test_the_check_finds_a_required_input_that_stops_another_button() -> None:
    def execute(title: str, verb: str) -> dict[str, Any]:
        return {"type": "Action.Execute", "title": title, "verb": verb, "associatedInputs": "auto"}

    assign = {"type": "Input.ChoiceSet", "id": "assignee", "label": "A", "isRequired": True}
    reason = {"type": "Input.Text", "id": "routeReason", "label": "R", "isRequired": True}
    more = {
        "type": "AdaptiveCard",
        "body": [
            assign,
            {"type": "ActionSet", "actions": [execute("Assign", verbs.ASSIGN)]},
            reason,
            {"type": "ActionSet", "actions": [execute("Change route", verbs.ROUTE)]},
        ],
    }
    old = {
        "type": "AdaptiveCard",
        "body": [],
        "actions": [
            {"type": "Action.Execute", "title": "Assign to me", "verb": verbs.ASSIGN_ME},
            {"type": "Action.ShowCard", "title": "More…", "card": more},
        ],
    }
    assert blocking_inputs(old) == [
        "Action.Execute 'Assign' checks 'routeReason'",
        "Action.Execute 'Change route' checks 'assignee'",
    ]


# ---- 1. No box stops another button ------------------------------------------------------


async def test_no_required_input_stops_another_button_in_any_state(
    alex: TeamsUser, megan: TeamsUser
) -> None:
    await triage_card_posted(alex, megan)
    view = await triager_view(alex)
    # Each panel drawn open with a refusal, then a card waiting for an answer, then closed.
    cards = [
        view,
        invoke_card(await client_press(alex, view, "Reject", {"rejectReason": "No"})),
        invoke_card(await client_press(alex, view, "Send question", {"question": " "})),
        invoke_card(await client_press(alex, view, "Assign", {"assignee": ""})),
        invoke_card(await client_press(alex, view, "Change route", {"routeReason": ""})),
        invoke_card(await client_press(alex, view, "Link as duplicate")),
    ]
    asked = invoke_card(await client_press(alex, view, "Send question", {"question": "Why?"}))
    rejected = invoke_card(
        await client_press(alex, asked, "Reject", {"rejectReason": "Not needed now."})
    )
    cards += [asked, rejected]
    for card in cards:
        assert not blocking_inputs(card), blocking_inputs(card)
    # Only a panel holding one box and its one button marks the box required.
    reject_panel = find_action(view, "Reject…")["card"]
    assert find_input(reject_panel, "rejectReason")["isRequired"] is True
    question_panel = find_action(view, "Ask for information…")["card"]
    assert find_input(question_panel, "question")["isRequired"] is True
    more = find_action(view, "More…")["card"]
    assert not [i["id"] for i in elements(more) if i.get("isRequired")]
    assert_cards_ok(cards)


async def test_change_route_and_link_work_with_the_other_boxes_empty(
    alex: TeamsUser, megan: TeamsUser
) -> None:
    await triage_card_posted(alex, megan)
    await raise_request(megan)
    view = await triager_view(alex, f"DR-{YEAR}-0002")
    # Nobody chosen under "Someone on the triage team", no duplicate: the route changes.
    routed = invoke_card(await client_press(alex, view, "Change route", ROUTE))
    assert "Proposed board: Technical Review Board, then a change request." in all_text(routed)
    # No route reason typed, nobody chosen: the link is made.
    linked = invoke_card(
        await client_press(alex, routed, "Link as duplicate", {"duplicateRef": REF})
    )
    assert f"Duplicate of {REF}." in all_text(linked)


async def test_assign_with_nobody_chosen_is_refused_next_to_the_list(
    alex: TeamsUser, adele: TeamsUser, megan: TeamsUser
) -> None:
    await triage_card_posted(alex, megan)
    await triager_view(adele)  # so the roster knows her name
    view = await triager_view(alex)
    refused = invoke_card(await client_press(alex, view, "Assign"))
    assert problem(refused) == "There is a problem: Choose someone on the triage team."
    text = all_text(refused)
    assert text.index("Choose someone on the triage team.") < text.index("Someone on the triage")
    assert "Who has it: nobody yet." in text, "nothing changed"
    done = invoke_card(await client_press(alex, refused, "Assign", {"assignee": ADELE}))
    assert "Who has it: Adele Vance" in all_text(done)
    assert_cards_ok([refused, done])


# ---- 2. Link as duplicate: refusals next to the box, with what was typed -----------------


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("", "Choose the request this one duplicates, or type its reference."),
        (REF.lower(), "A request cannot be a duplicate of itself."),
        (f"DR-{YEAR}-0999", f"There is no request DR-{YEAR}-0999. Check the reference."),
        ("garden", f"That is not a request reference. Type one like DR-{YEAR}-0042"),
    ],
)
async def test_a_refused_link_is_shown_next_to_the_box_with_what_was_typed(
    alex: TeamsUser, megan: TeamsUser, connector: Connector, typed: str, said: str
) -> None:
    await triage_card_posted(alex, megan)
    told_before = len(connector.in_conversation(megan.conversation_id))
    view = await triager_view(alex)
    refused = invoke_card(
        await client_press(alex, view, "Link as duplicate", {"duplicateRef": typed})
    )
    assert problem(refused).startswith(f"There is a problem: {said}")
    assert find_input(refused, "duplicateRef").get("value", "") == typed
    assert "Status: Submitted, waiting for IT triage." in all_text(refused), "nothing changed"
    more = find_action(refused, "More…")["card"]
    assert "Link as duplicate" not in all_text(more), "the open panel is not drawn twice"
    assert len(connector.in_conversation(megan.conversation_id)) == told_before
    assert_cards_ok([refused])


# ---- 3. Only an open request can be the one the work carries on under ---------------------


async def test_a_closed_request_cannot_be_the_original(
    alex: TeamsUser, megan: TeamsUser, connector: Connector, bot: BotServer
) -> None:
    await triage_card_posted(alex, megan)  # 0001: withdrawn below
    await raise_more(megan, 4)  # 0002 rejected, 0003 a duplicate of 0004, 0005 to link
    withdrawn, rejected, duplicate, open_one, mine = (f"DR-{YEAR}-000{n}" for n in range(1, 6))
    await withdraw(megan, withdrawn)
    await client_press(
        alex, await triager_view(alex, rejected), "Reject", {"rejectReason": "Not now."}
    )
    await client_press(
        alex, await triager_view(alex, duplicate), "Link as duplicate", {"duplicateRef": open_one}
    )
    view = await triager_view(alex, mine)
    offered = [c["value"] for c in find_input(view, "duplicateOf")["choices"]]
    assert open_one in offered, "an open request like this one is offered"
    assert not {withdrawn, rejected, duplicate} & set(offered), "closed ones are not"
    await bot.settled()  # Megan's news of the rejection and the link has reached her
    told_before = len(connector.in_conversation(megan.conversation_id))
    cards = []
    for other, said in (
        (withdrawn, f"{withdrawn} is withdrawn"),
        (rejected, f"{rejected} is rejected"),
        (duplicate, f"{duplicate} is itself a duplicate of {open_one}"),
    ):
        refused = invoke_card(
            await client_press(alex, view, "Link as duplicate", {"duplicateRef": other})
        )
        assert problem(refused) == (
            f"There is a problem: {said}, so the work cannot carry on under it. "
            "Choose an open request."
        )
        assert find_input(refused, "duplicateRef")["value"] == other
        assert "Status: Submitted, waiting for IT triage." in all_text(refused)
        cards.append(refused)
    assert len(connector.in_conversation(megan.conversation_id)) == told_before, "nobody told"
    linked = invoke_card(
        await client_press(alex, view, "Link as duplicate", {"duplicateOf": open_one})
    )
    assert f"Duplicate of {open_one}." in all_text(linked)
    assert_cards_ok(cards)


# ---- 4. Only "Accept to board" looks like the button to press ----------------------------


async def test_only_accept_to_board_is_styled_as_the_one_to_press(
    alex: TeamsUser, megan: TeamsUser
) -> None:
    await triage_card_posted(alex, megan)
    view = await triager_view(alex)
    assert primaries(view) == ["Accept to board"]
    assert "style" not in find_action(view, "Reject")
    refused = invoke_card(await client_press(alex, view, "Reject", {"rejectReason": "No"}))
    assert primaries(refused) == ["Accept to board"], "nor when the panel is drawn open"
    asked = invoke_card(await client_press(alex, view, "Send question", {"question": "How?"}))
    assert primaries(asked) == []  # nothing to accept while it waits for an answer
    rejected = invoke_card(
        await client_press(alex, asked, "Reject", {"rejectReason": "Not needed now."})
    )
    assert primaries(rejected) == [], "not even Reopen"
    assert [a["title"] for a in rejected["actions"]] == ["Reopen"]


# ---- 5. A closed request says who closed it ----------------------------------------------


async def test_a_closed_request_says_who_closed_it_not_who_has_it(
    alex: TeamsUser, megan: TeamsUser
) -> None:
    await triage_card_posted(alex, megan)
    await raise_more(megan, 2)
    first, second, third = (f"DR-{YEAR}-000{n}" for n in range(1, 4))
    await client_press(alex, await triager_view(alex, first), "Assign to me")
    view = await triager_view(alex, first)
    rejected = invoke_card(await client_press(alex, view, "Reject", {"rejectReason": "No need."}))
    await client_press(
        alex, await triager_view(alex, second), "Link as duplicate", {"duplicateRef": third}
    )
    await withdraw(megan, third)
    said = {
        first: f"Rejected by Alex Wilber on {TODAY}.",
        second: f"Linked as a duplicate by Alex Wilber on {TODAY}.",
        third: f"Withdrawn by Megan Bowen on {TODAY}.",
    }
    cards = [rejected]
    for reference, line in said.items():
        card = await triager_view(alex, reference)
        text = all_text(card)
        assert line in text, (reference, text)
        assert "Who has it" not in text
        cards.append(card)
    assert "Who has it" not in all_text(rejected)
    assert_cards_ok(cards)


# ---- 6. A route change must change the route ----------------------------------------------


async def test_changing_the_route_to_where_it_already_goes_is_refused(
    alex: TeamsUser, megan: TeamsUser
) -> None:
    await triage_card_posted(alex, megan)
    view = await triager_view(alex)
    same = {"routeBoard": "ddc", "routeProcess": "project", "routeReason": "Still right."}
    refused = invoke_card(await client_press(alex, view, "Change route", same))
    assert problem(refused) == (
        "There is a problem: It already goes to the Digital, Data and Customer Board, then a "
        "project. Choose a different board or process."
    )
    assert find_input(refused, "routeReason")["value"] == "Still right."
    text = all_text(refused)
    assert "Status: Submitted, waiting for IT triage." in text, "nothing changed"
    assert "changed where it goes" not in text and "History" not in text
    moved = invoke_card(await client_press(alex, refused, "Change route", ROUTE))
    assert "Proposed board: Technical Review Board, then a change request." in all_text(moved)
    assert_cards_ok([refused, moved])
