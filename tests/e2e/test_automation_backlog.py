"""The automation backlog (Priority 5): every mapped process where self-service or
automation could save time, most hours saved first, seen by anyone with `automation
backlog`; any one raised as a digital request with its answers carried over, so the
request's self-service and automation score uses them. Card data no card of ours sends
changes nothing.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp

from bot.app import CONTEXT
from bot.ports import Record
from tests.e2e.conftest import in_channel
from tests.e2e.journey import stored_draft
from tests.e2e.test_form import press, value_of
from tests.e2e.test_map_a_process import PAIN, STEPS, add_steps, as_teams, to_steps
from tests.support.api import API_ENV, ApiClient
from tests.support.cards import all_text, assert_cards_ok, find_inputs
from tests.support.teams import (
    START,
    BotServer,
    TeamsUser,
    card_of,
    find_action,
    invoke_card,
    invoke_message,
)

RAISE = "Raise as a digital request"


def step(who: str, what: str, system: str, minutes: float, share: float = 100) -> dict[str, Any]:
    return {"who": who, "what": what, "system": system, "minutes": minutes, "share": share}


def a_map(
    number: int,
    name: str,
    items: int,
    steps: list[dict[str, Any]],
    version: int = 1,
    users: tuple[str, ...] = ("staff",),
) -> dict[str, Any]:
    return {
        "id": f"{number:032x}",
        "version": version,
        "name": name,
        "directorate": "Place",
        "service_area": "Waste and Recycling",
        "users": list(users),
        "items_per_month": items,
        "steps": steps,
        "pain_points": "Every booking is typed twice.",
        "submitted_at": START.isoformat(),
    }


# Phone intake: 8 × 250 × 12 / 60 = 400 hours; a form saves 50%: 200. Spent 550.
GARDEN = a_map(
    1,
    "Garden waste bookings",
    250,
    [
        step("Contact centre adviser", "Takes the call and writes down the details", "Phone", 8),
        step("Waste officer", "Checks the round", "Bartec", 3),
    ],
    users=("residents", "staff"),
)
# Re-keying from Academy into Civica: 5 × 300 × 12 / 60 = 300 hours, × 80% = 240.
BENEFITS = a_map(
    2,
    "Housing benefit changes",
    300,
    [
        step("Assessor", "Records the change", "Academy", 2),
        step("Assessor", "Re-keys the change into Civica", "Civica", 5),
    ],
)
# Approvals in Outlook: 6 × 100 × 12 / 60 = 120, × 60% = 72.
LEAVE = a_map(
    3, "Annual leave approvals", 100, [step("Manager", "Approves the leave", "Outlook", 6)]
)
# Nothing repetitive: never in the backlog.
SITES = a_map(4, "Site inspections", 1000, [step("Inspector", "Inspects the site", "App", 30)])
# Version 2 of leave approvals: 6 × 400 × 12 / 60 = 480, × 60% = 288: now first.
LEAVE_2 = {**LEAVE, "version": 2, "items_per_month": 400}


async def seed(bot: BotServer, *maps: dict[str, Any], owner: str = "someone") -> None:
    assert bot.app is not None
    store = bot.app[CONTEXT].store
    for data in maps:
        record = Record("process_map", f"{data['id']}:{data['version']}", owner, START, data)
        assert await store.add_record(record)


async def backlog_card(user: TeamsUser) -> dict[str, Any]:
    return card_of((await user.say("automation backlog"))[-1])


def names_in_order(card: dict[str, Any], *names: str) -> list[str]:
    text = all_text(card)
    return sorted((name for name in names if name in text), key=text.index)


async def test_the_backlog_is_the_newest_versions_most_hours_saved_first(
    megan: TeamsUser,
) -> None:
    empty = await backlog_card(megan)
    assert "Nothing is in the automation backlog yet" in all_text(empty)
    await seed(megan.bot, GARDEN, BENEFITS, LEAVE, SITES)
    # A record no version of the bot would keep is left out, not a failure.
    await seed(megan.bot, {"id": "broken", "version": 1, "steps": "lots"})
    card = await backlog_card(megan)
    text = all_text(card)
    assert names_in_order(card, "Garden", "Housing", "Annual", "Site inspections") == [
        "Housing",
        "Garden",
        "Annual",
    ]
    assert "Showing 1 to 3 of 3." in text
    assert "A self-service form. Could save about 200 of the 550 hours a year it takes." in text
    assert "An integration between named systems. Could save about 240 of the 420 hours" in text
    assert "(Academy and Civica)" in text
    assert "Ease: 3 out of 3, quick to build." in text
    await seed(megan.bot, LEAVE_2)
    card = await backlog_card(megan)
    assert names_in_order(card, "Garden", "Housing", "Annual") == ["Annual", "Housing", "Garden"]
    assert "Could save about 288 of the 480 hours" in all_text(card)
    assert all_text(card).count("Annual leave approvals") == 1, "only the newest version"
    await megan.bot.restart()  # read afresh from the store: the same backlog
    again = await backlog_card(megan)
    assert names_in_order(again, "Garden", "Housing", "Annual") == ["Annual", "Housing", "Garden"]
    assert_cards_ok([empty, card])


async def test_ten_at_a_time_with_show_more(alex: TeamsUser) -> None:
    # 10 × (100 + n) × 12 / 60 = 2 × (100 + n) hours, half saved: 100 + n, all different.
    many = [
        a_map(
            100 + n, f"Process {n:02}", 100 + n, [step("Adviser", "Answers the phone", "Phone", 10)]
        )
        for n in range(23)
    ]
    await seed(alex.bot, *many)
    card = await backlog_card(alex)
    assert "Showing 1 to 10 of 23." in all_text(card)
    assert "Process 22" in all_text(card) and "Process 12" not in all_text(card)
    card = await press(alex, card, "Show more")
    assert "Showing 11 to 20 of 23." in all_text(card)
    assert "11. Process 12" in all_text(card)
    last = await press(alex, card, "Show more")
    assert "Showing 21 to 23 of 23." in all_text(last)
    assert not [a for a in last.get("actions", []) if a.get("title") == "Show more"]
    # Past the end (the backlog got shorter since the card was drawn): the last page.
    more = find_action(card, "Show more")
    beyond = invoke_card(await alex.press(more["verb"], {**more["data"], "from": 500}))
    assert "Showing 21 to 23 of 23." in all_text(beyond)
    # Anyone can see it, in a channel too.
    in_team = card_of((await in_channel(alex).say("automation backlog"))[-1])
    assert "Showing 1 to 10 of 23." in all_text(in_team)
    assert_cards_ok([card, last])


def answers_on(card: dict[str, Any]) -> dict[str, Any]:
    return {item["id"]: item.get("value", "") for item in find_inputs(card)}


async def next_step(user: TeamsUser, card: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """Next, as Teams sends it: every input's value as shown, with `extra` typed over it."""
    return await press(user, card, "Next", {**answers_on(card), **extra})


async def test_raising_one_carries_its_answers_over_and_scores_them(megan: TeamsUser) -> None:
    await seed(megan.bot, GARDEN, BENEFITS)
    card = await backlog_card(megan)
    raised = invoke_card(await megan.press(**_raise_of(card, "Garden waste bookings")))
    text = all_text(raised)
    assert "We started this request from the automation backlog" in text
    assert "Step 1 of 4: About the problem" in text
    assert value_of(raised, "title") == "A self-service form for Garden waste bookings"
    problem = value_of(raised, "problem")
    assert 'From the process map "Garden waste bookings" (Place, Waste and Recycling)' in problem
    assert "Hours a year it could save: 200." in problem
    assert "Pain points:\nEvery booking is typed twice." in problem
    assert (
        "1. Contact centre adviser: Takes the call and writes down the details (Phone)" in problem
    )
    assert value_of(raised, "affected_staff") == "2"
    assert value_of(raised, "affected_residents") == "3000", "250 items a month × 12"
    assert value_of(raised, "directorate") == "Place"
    card = await next_step(megan, raised, {})
    assert value_of(card, "kind") == "automation"
    assert value_of(card, "existing_systems") == "Bartec"
    card = await next_step(megan, card, {"involves_procurement": "false", "personal_data": "true"})
    card = await next_step(megan, card, {"budget": "under_10k"})
    assert value_of(card, "hours_saved_per_year") == "200"
    review = await next_step(megan, card, {"drivers": "efficiency"})
    sent = await press(megan, review, "Send request")
    text = all_text(sent)
    assert f"DR-{START.year}-0001" in text
    assert "It is a request to automate work or let people serve themselves." in text
    assert "Expects to save 200 staff hours a year." in text
    assert megan.bot.app is not None
    request = await megan.bot.app[CONTEXT].store.get(f"DR-{START.year}-0001")
    assert request is not None and request.requester.user_id == megan.aad_object_id
    assert request.details.kind.value == "automation"
    assert request.details.hours_saved_per_year == 200
    assert request.details.existing_systems == "Bartec"
    assert_cards_ok([raised, review, sent])


def _raise_of(card: dict[str, Any], name: str) -> dict[str, Any]:
    """The Raise button of the backlog item called `name`, as press() takes it."""
    for element in card["body"]:
        if element.get("type") == "Container" and name in all_text({"body": [element]}):
            action = find_action(element, RAISE)
            return {"verb": action["verb"], "data": action["data"]}
    raise AssertionError(f"{name} is not on the backlog card")


async def test_a_button_from_before_a_newer_map_says_the_latest_version_was_used(
    megan: TeamsUser, alex: TeamsUser
) -> None:
    await seed(megan.bot, LEAVE)
    shown = await backlog_card(megan)  # leave approvals at version 1
    await seed(megan.bot, LEAVE_2)  # someone saves version 2 after the list was shown
    raised = invoke_card(await megan.press(**_raise_of(shown, "Annual leave approvals")))
    text = all_text(raised)
    assert "The process map was changed after that list was shown" in text
    assert "Hours a year it could save: 288." in str(value_of(raised, "problem")), "version 2"
    team = in_channel(alex)
    message = invoke_message(await team.press(**_raise_of(shown, "Annual leave approvals")))
    assert "type continue" in message and "We used its latest version." in message


async def test_a_list_shown_after_the_change_says_nothing_of_it(megan: TeamsUser) -> None:
    await seed(megan.bot, LEAVE, LEAVE_2)
    fresh = await backlog_card(megan)
    raised = invoke_card(await megan.press(**_raise_of(fresh, "Annual leave approvals")))
    assert "We started this request from the automation backlog" in all_text(raised)
    assert "was changed after that list was shown" not in all_text(raised)


async def test_someone_with_a_request_in_progress_is_told_and_nothing_is_copied(
    megan: TeamsUser,
) -> None:
    await seed(megan.bot, GARDEN)
    await megan.say("I need a way to book rooms online")
    before = stored_draft(megan)
    card = await backlog_card(megan)
    message = invoke_message(await megan.press(**_raise_of(card, "Garden waste bookings")))
    assert "You already have a request in progress, at step 1 of 4" in message
    assert "nothing from this process was copied" in message
    assert stored_draft(megan) == before


async def test_in_a_channel_the_request_waits_in_the_persons_own_chat(alex: TeamsUser) -> None:
    await seed(alex.bot, BENEFITS)
    team = in_channel(alex)
    card = card_of((await team.say("automation backlog"))[-1])
    message = invoke_message(await team.press(**_raise_of(card, "Housing benefit changes")))
    assert "Open your chat with Digital Front Door and type continue" in message
    draft = stored_draft(alex)
    assert draft is not None and draft["title"] == (
        "An integration between named systems for Housing benefit changes"
    )
    assert draft["existing_systems"] == "Academy, Civica"
    resumed = card_of((await alex.say("continue"))[-1])
    assert value_of(resumed, "title") == draft["title"]


async def test_card_data_no_card_of_ours_sends_changes_nothing(megan: TeamsUser) -> None:
    await seed(megan.bot, GARDEN, SITES)
    card = await backlog_card(megan)
    button = _raise_of(card, "Garden waste bookings")
    verb, data = button["verb"], button["data"]
    for bad in (
        {},
        {**data, "processId": ""},
        {**data, "processId": "<script>"},
        {**data, "processId": ["a"]},
        {**data, "version": "1"},
        {**data, "version": True},
        {**data, "version": 0},
        None,
        ["a list"],
    ):
        message = invoke_message(await megan.press(verb, bad))
        said = "That button did not say which" if isinstance(bad, dict) else "not one I recognise"
        assert said in message, bad
    # A process that is not (or no longer) in the backlog.
    for gone in ({**data, "processId": "f" * 32}, {**data, "processId": SITES["id"]}):
        message = invoke_message(await megan.press(verb, gone))
        assert "no longer in the automation backlog" in message
    more = "processes.backlog.more"
    for bad in ({"from": -1}, {"from": "10"}, {"from": 10**9}, {}, {"from": None}):
        message = invoke_message(await megan.press(more, bad))
        assert "did not say where the list goes on" in message, bad
    assert stored_draft(megan) is None


async def test_help_lists_the_automation_backlog(megan: TeamsUser) -> None:
    text = all_text(card_of((await megan.say("help"))[-1]))
    assert "automation backlog" in text


async def test_a_map_sent_through_map_a_process_shows_its_estimate_and_joins_the_backlog(
    megan: TeamsUser, alex: TeamsUser
) -> None:
    card = await add_steps(megan, await to_steps(megan), STEPS)
    card = await press(megan, card, "Next")
    review = await press(megan, card, "Next", PAIN)
    sent = await as_teams(megan, review, "Send process map")
    text = all_text(sent)
    # 10,000 items a month. Step 1, a resident phones to book: 3 × 10,000 × 12 / 60 = 6,000
    # hours, phone intake. Step 2: 4.5 × … = 9,000; step 3: 2 × 25% × … = 1,000. Spent
    # 16,000; a self-service form saves 6,000 × 50% = 3,000.
    assert "What self-service or automation could save" in text
    assert "Hours a year spent: 16,000." in text
    assert "Kind that fits: a self-service form." in text
    assert "Hours a year it could save: 3,000." in text
    assert "Step 3: 2 minutes × 25% of items × 10,000 items a month" in text
    find_action(sent, RAISE)
    assert_cards_ok([sent])
    backlog = await backlog_card(alex)
    assert "1. Booking a garden waste collection" in all_text(backlog)
    raised = invoke_card(await alex.press(**_raise_of(backlog, "Booking a garden waste")))
    assert value_of(raised, "title") == "A self-service form for Booking a garden waste collection"
    assert stored_draft(alex) is not None and stored_draft(megan) is None, "it is Alex's draft"


async def test_a_map_of_200_steps_and_10000_items_a_month_is_raised_within_the_forms_limits(
    megan: TeamsUser,
) -> None:
    steps = [
        step("Officer", f"Approves claim part {n} in the inbox", "Outlook", 1) for n in range(200)
    ]
    huge = a_map(9, "Council tax discounts " + "very " * 40, 10_000, steps, users=("businesses",))
    await seed(megan.bot, huge)
    card = await backlog_card(megan)
    # Each step: 1 × 10,000 × 12 / 60 = 2,000 hours; 200 steps: 400,000; a flow saves 60%.
    assert "Could save about 240,000 of the 400,000 hours a year" in all_text(card)
    assert "In steps 1 to 200," in all_text(card)
    raised = invoke_card(await megan.press(**_raise_of(card, "Council tax discounts")))
    assert len(value_of(raised, "title")) <= 120 and len(value_of(raised, "problem")) <= 4000
    assert "20. Officer: Approves claim part 19" in value_of(raised, "problem")
    assert "And 180 more steps in the map." in value_of(raised, "problem"), "20 are listed"
    assert value_of(raised, "affected_businesses") == "120000"
    card = await next_step(megan, raised, {})
    assert "Step 2 of 4" in all_text(card), "the carried-over answers pass the form's checks"
    assert value_of(card, "existing_systems") == "Outlook"


async def test_makers_list_the_backlog_through_the_rest_api(tmp_path: Any) -> None:
    server = BotServer(tmp_path / "data", env={**API_ENV})
    await server.start()
    try:
        async with aiohttp.ClientSession() as http:
            api = ApiClient(http, server)
            empty = await api.get("automation-backlog")
            assert empty.status == 200 and empty.body == {"value": [], "nextLink": None}
            await seed(server, GARDEN, BENEFITS, LEAVE, SITES)
            first = await api.get("automation-backlog", top="2")
            assert first.status == 200, first.body
            names = [item["name"] for item in first.body["value"]]
            assert names == ["Housing benefit changes", "Garden waste bookings"]
            housing = first.body["value"][0]
            assert housing["kind"] == "integration" and housing["hoursSavedPerYear"] == 240
            assert housing["hoursPerYear"] == 420 and housing["ease"] == 1
            assert housing["systems"] == ["Academy", "Civica"]
            assert "Hours a year it could save: 240." in " ".join(housing["explanation"])
            assert "owner" not in json.dumps(housing).lower(), "who mapped it is not shown"
            link = first.body["nextLink"]
            last = await api.get(link.removeprefix(server.url))
            assert [item["name"] for item in last.body["value"]] == ["Annual leave approvals"]
            assert last.body["nextLink"] is None
            for bad in ({"after": "nonsense"}, {"top": "0"}, {"top": "many"}):
                refused = await api.get("automation-backlog", **bad)
                assert refused.status == 422, (bad, refused.body)
            nobody = await ApiClient(http, server, key="wrong").get("automation-backlog")
            assert nobody.status == 401
    finally:
        await server.stop()


async def test_a_map_sent_while_graph_is_down_reaches_the_sharepoint_list_after_a_restart(
    tmp_path: Any, fake: Any, connector: Any, http: aiohttp.ClientSession
) -> None:
    from graph_clients import schema
    from tests.support.graph import connect

    bot = BotServer(tmp_path / "data", {"BOT_STORE": "sharepoint"}, graph=lambda: connect(fake))
    await bot.start()
    try:
        user = TeamsUser(
            http, bot, connector, "user-sp", "Sam Green", "00000000-0000-0000-0000-0000000000055"
        )
        card = await add_steps(user, await to_steps(user), STEPS)
        review = await press(user, await press(user, card, "Next"), "Next", PAIN)
        fake.faults.retry_after = "0"
        fake.faults.unavailable = True
        sent = await press(user, review, "Send process map")
        assert "Process map sent" in all_text(sent), "the person is not kept waiting on Graph"
        await bot.settled()
        fake.faults.unavailable = False
        assert fake.list_items(schema.BACKLOG.name) == [], "the copy was missed"
        await bot.restart()
        await bot.settled()
        [item] = fake.list_items(schema.BACKLOG.name)
        assert item["Title"] == "Booking a garden waste collection"
        assert item["Version"] == 1 and item["OwnerId"] == user.aad_object_id
        assert item["HoursPerYear"] == 16_000 and item["HoursSaveable"] == 3_000
        await bot.restart()  # in step now: a second start changes nothing
        await bot.settled()
        assert fake.list_items(schema.BACKLOG.name) == [item]
    finally:
        await bot.stop()
