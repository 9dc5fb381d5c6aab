"""Skills reports over real HTTP: who may ask, the share at or above target with the change
since the previous baseline, groups too small (or that would let someone work out a small
group) not shown, only closed baselines shown (so a report before and after someone takes
the check is the same), report viewers not counted towards the smallest group, filter
lists with only groups that may be shown, plain answers to bad filters, and the printable
report only for the person who asked, until its link expires."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest

from bot.app import CONTEXT
from bot.journeys.skills.framework import seed_framework
from bot.journeys.skills.report_cards import HIDDEN, HOW_TO_CLOSE
from bot.journeys.skills.reports import WHO_MAY
from bot.ports import Record
from tests.support.cards import all_text, assert_cards_ok
from tests.support.teams import (
    START,
    BotServer,
    Connector,
    TeamsUser,
    card_of,
    find_action,
    invoke_card,
    invoke_message,
    iter_actions,
)

HR_ID = "00000000-0000-0000-0000-0000000000031"
CYBER = seed_framework().area("cyber_security")
assert CYBER is not None
SPRING, AUTUMN, WINTER = "Spring 2026", "Autumn 2026", "Winter 2026"
# When each baseline opened (each closes when the next opens), and when its checks were sent.
OPENED = {
    SPRING: START - dt.timedelta(days=200),
    AUTUMN: START - dt.timedelta(days=30),
    WINTER: START - dt.timedelta(days=5),
}
SENT = {SPRING: START - dt.timedelta(days=190), AUTUMN: START - dt.timedelta(days=20)}


async def add_baseline(bot: BotServer, name: str, at: dt.datetime) -> None:
    assert bot.app is not None
    data = {"name": name, "opened_at": at.isoformat()}
    await bot.app[CONTEXT].store.add_record(
        Record("skills_baseline", name.casefold(), "", at, data)
    )


async def add_people(
    bot: BotServer,
    baseline: str,
    count: int,
    directorate: str,
    service_area: str,
    role_family: str,
    at_target: int,
    first: int = 0,
    person: str = "",
    at: dt.datetime | None = None,
) -> None:
    """`count` people's checks: the first `at_target` at level 4 in cyber security, the
    rest at level 1 (below every role family's target there). Sent while the baseline was
    open, unless `at` is given; `person` names the one person if given."""
    assert bot.app is not None
    store = bot.app[CONTEXT].store
    at = at or SENT.get(baseline, bot.clock.now() - dt.timedelta(hours=1))
    for n in range(count):
        who = person or f"{service_area}-{role_family}-{first + n}"
        data = {
            "baseline": baseline,
            "role_family": role_family,
            "directorate": directorate,
            "service_area": service_area,
            "levels": {"cyber_security": 4 if n < at_target else 1},
            "framework_version": 1,
        }
        await store.add_record(
            Record("skills_assessment", f"{baseline}:{who}:{at.isoformat()}", who, at, data)
        )


async def seed(bot: BotServer) -> None:
    """Two closed baselines, and a third open now with no checks yet. Place: Parks and
    Roads, 10 front line each. Resources: Finance, 12 office based and (in the autumn) 6
    senior leaders. Parks improves from 5 to 8 of 10."""
    await add_baseline(bot, SPRING, OPENED[SPRING])
    await add_people(bot, SPRING, 10, "Place", "Parks", "front_line", 5)
    await add_people(bot, SPRING, 12, "Resources", "Finance", "office_based", 6)
    await add_baseline(bot, AUTUMN, OPENED[AUTUMN])
    await add_people(bot, AUTUMN, 10, "Place", "Parks", "front_line", 8)
    await add_people(bot, AUTUMN, 10, "Place", "Roads", "front_line", 5)
    await add_people(bot, AUTUMN, 12, "Resources", "Finance", "office_based", 6)
    await add_people(bot, AUTUMN, 6, "Resources", "Finance", "senior_leader", 3)
    await add_baseline(bot, WINTER, OPENED[WINTER])


async def add_waste(bot: BotServer) -> None:
    """3 office-based people in Waste, in Place: a group too small to show."""
    await add_people(bot, AUTUMN, 3, "Place", "Waste", "office_based", 3)


async def report(user: TeamsUser, typed: str = "skills report") -> dict[str, Any]:
    replies = await user.say(typed)
    return card_of(replies[-1])


def facts_of(card: dict[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "FactSet":
                found.update({f["title"]: f["value"] for f in node["facts"]})
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card)
    return found


def people_in(card: dict[str, Any]) -> int | None:
    found = re.search(r"([\d,]+) people took the skills check", all_text(card))
    return int(found.group(1).replace(",", "")) if found else None


async def shown_people(user: TeamsUser, typed: str) -> int | None:
    """The group's people, or None when it is not shown (or not offered at all)."""
    reply = (await user.say(typed))[-1]
    if not reply.get("attachments"):
        assert "that the report can show" in reply["text"], reply["text"]
        return None
    return people_in(card_of(reply))


def page_link(card: dict[str, Any]) -> str:
    urls = [a["url"] for a in iter_actions(card) if a.get("type") == "Action.OpenUrl"]
    assert len(urls) == 1, urls
    return urlsplit(urls[0]).path


async def test_an_admin_sees_each_areas_share_at_target_and_the_change(
    alex: TeamsUser, bot: BotServer
) -> None:
    await seed(bot)
    card = await report(alex, "skills report Parks")
    text = all_text(card)
    assert "Digital skills report" in text and "Parks service area" in text
    assert people_in(card) == 10
    assert f"Baseline: {AUTUMN}." in text
    assert facts_of(card)[CYBER.name] == (
        "80% at or above target. Up 30 percentage points since the previous baseline."
    )
    assert "We only show a group if at least 5 people in it can be told apart" in text
    assert f"Figures for {WINTER} are shown when it closes" in text
    assert "Anyone with this link can open it for 24 hours. Do not forward it." in text
    # Everyone: 22 of 38 at target in the autumn (58%), 11 of 22 in the spring (50%).
    everyone = await report(alex)
    assert people_in(everyone) == 38
    assert facts_of(everyone)[CYBER.name] == (
        "58% at or above target. Up 8 percentage points since the previous baseline."
    )


async def test_a_small_group_is_not_shown(alex: TeamsUser, bot: BotServer) -> None:
    await seed(bot)
    await add_waste(bot)
    # Waste (3) is in no group that may be shown: it is not offered, nor found when typed.
    typed = await alex.say("skills report Waste")
    assert (
        "I could not find 'Waste' as a directorate, service area or role family"
        in (typed[-1]["text"])
    )
    # Front line (20) is bigger than 5, but Place (23) less front line is the 3 in Waste.
    card = await report(alex, "skills report front line")
    text = all_text(card)
    assert people_in(card) is None
    assert HIDDEN in text and "fewer than" not in text
    assert CYBER.name not in facts_of(card)


async def test_subtracting_service_area_reports_from_their_directorates_reveals_nobody(
    alex: TeamsUser, bot: BotServer
) -> None:
    # Place has 23 people: 10 in Parks, 10 in Roads and 3 in Waste. Place less Parks less
    # Roads would give the 3 in Waste, so not all three may be shown.
    await seed(bot)
    await add_waste(bot)
    place = people_in(await report(alex, "skills report Place"))
    parts = [await shown_people(alex, f"skills report {area}") for area in ("Parks", "Roads")]
    assert place == 23
    shown = [n for n in parts if n is not None]
    assert shown and not 0 < place - sum(shown) < 5
    for part in shown:
        assert not 0 < place - part < 5
    # By role family: 15 office-based people, 12 of them in Finance. Both shown would
    # give the 3 in Waste.
    office = await shown_people(alex, "skills report office based")
    finance_office = await shown_people(alex, "skills report Finance, office based")
    assert None in (office, finance_office)


async def test_reports_far_enough_apart_are_both_shown(alex: TeamsUser, bot: BotServer) -> None:
    # Finance (18) less its office-based staff (12) is 6: both show.
    await seed(bot)
    finance = people_in(await report(alex, "skills report Finance"))
    office = people_in(await report(alex, "skills report Finance, office based"))
    assert (finance, office) == (18, 12)


async def test_the_senior_leaders_view_keeps_to_senior_leaders(
    alex: TeamsUser, bot: BotServer
) -> None:
    await seed(bot)
    card = await report(alex, "skills report senior leaders")
    text = all_text(card)
    assert "Senior leaders' digital skills" in text and "Priority 3" in text
    assert people_in(card) == 6
    # No earlier baseline had senior leaders: no change is claimed.
    assert facts_of(card)[CYBER.name] == "50% at or above target."
    assert "Role family" not in text  # its filters are directorate and service area only


async def test_filters_picked_on_the_card_and_bad_ones_answered_plainly(
    alex: TeamsUser, bot: BotServer
) -> None:
    await seed(bot)
    card = await report(alex)
    show = find_action(card, "Show this group")
    picked = invoke_card(
        await alex.press(
            show["verb"], show["data"], {"directorate": "Resources", "role_family": ""}
        )
    )
    assert "Resources directorate" in all_text(picked)
    assert people_in(picked) == 18
    assert facts_of(picked)[CYBER.name].startswith("50% at or above target.")
    unknown = invoke_message(
        await alex.press(show["verb"], show["data"], {"directorate": "Atlantis"})
    )
    assert "There is no directorate called 'Atlantis'" in unknown
    forged = invoke_message(await alex.press(show["verb"], show["data"], {"service_area": 7}))
    assert "That card sent something I cannot use" in forged
    typed = await alex.say("skills report Narnia")
    assert (
        "I could not find 'Narnia' as a directorate, service area or role family"
        in (typed[-1]["text"])
    )
    two = await alex.say("skills report Place, Resources")
    assert "Choose one directorate at most." in two[-1]["text"]


async def test_others_are_refused(megan: TeamsUser, bot: BotServer) -> None:
    await seed(bot)
    replies = await megan.say("skills report")
    assert replies[-1]["text"] == WHO_MAY
    replies = await megan.say("skills report senior leaders")
    assert replies[-1]["text"] == WHO_MAY


@pytest.fixture
async def hr_bot(tmp_path: Path) -> AsyncIterator[BotServer]:
    server = BotServer(tmp_path / "hr", env={"SKILLS_REPORT_IDS": HR_ID})
    await server.start()
    yield server
    await server.stop()


async def test_the_printable_report_is_for_its_owner_until_it_expires(
    hr_bot: BotServer, connector: Connector, http: aiohttp.ClientSession
) -> None:
    hr = TeamsUser(http, hr_bot, connector, "user-id-3", "Hana Reid", HR_ID)
    await seed(hr_bot)
    card = await report(hr, "skills report Parks")
    link = page_link(card)
    async with http.get(hr_bot.url + link) as response:
        assert response.status == 200
        assert response.headers["Cache-Control"] == "no-store"
        page = await response.text()
    assert "Digital skills report" in page
    assert f"Bar chart of the share of people at or above target in {CYBER.name}" in page
    assert f"{SPRING}: 50%; {AUTUMN}: 80%." in page
    assert "data:image/png;base64," in page
    # A token changed by one character, or made up, is no link.
    token = link.rsplit("/", 1)[1]
    other = ("A" if token[0] != "A" else "B") + token[1:]
    for wrong in (other, "not-a-token", "x" * 32):
        async with http.get(hr_bot.url + f"/skills/reports/{wrong}") as response:
            assert response.status == 404
    # Only while its owner may see skills reports: not once HR access is taken away.
    hr_bot.env["SKILLS_REPORT_IDS"] = ""
    await hr_bot.restart()
    async with http.get(hr_bot.url + link) as response:
        assert response.status == 404
    hr_bot.env["SKILLS_REPORT_IDS"] = HR_ID
    await hr_bot.restart()
    async with http.get(hr_bot.url + link) as response:
        assert response.status == 200
    # And only for 24 hours.
    hr_bot.clock.advance(dt.timedelta(hours=24))
    async with http.get(hr_bot.url + link) as response:
        assert response.status == 404
        assert "This link to a skills report is not right, or it has expired." in (
            await response.text()
        )


async def test_a_small_group_has_no_chart_on_the_page(
    alex: TeamsUser, bot: BotServer, http: aiohttp.ClientSession
) -> None:
    await seed(bot)
    await add_waste(bot)
    link = page_link(await report(alex, "skills report front line"))
    async with http.get(bot.url + link) as response:
        page = await response.text()
    assert HIDDEN.replace("'", "&#x27;") in page
    assert "data:image/png" not in page


async def test_the_report_cards_are_valid_labelled_and_easy_to_read(
    alex: TeamsUser, bot: BotServer
) -> None:
    from tests.support.readability import MIN_WORDS, bot_texts, grade, plain, word_count

    await seed(bot)
    await add_waste(bot)
    cards = [
        await report(alex),
        await report(alex, "skills report front line"),
        await report(alex, "skills report senior leaders"),
    ]
    assert_cards_ok(cards)
    names = ["Place", "Parks", "Roads", "Waste", "Finance", "Resources", SPRING, AUTUMN, WINTER]
    hard = [
        (grade(ours), text)
        for card in cards
        for text in bot_texts(card)
        if word_count(ours := plain(text, names)) >= MIN_WORDS and grade(ours) > 8
    ]
    assert hard == []


# ---- Only closed baselines: comparing reports over time reveals nobody ---------------------


async def test_a_check_in_the_open_baseline_changes_nothing_shown(
    alex: TeamsUser, bot: BotServer
) -> None:
    await seed(bot)
    asks = ["skills report", "skills report Parks", "skills report Resources"]
    before = [all_text(await report(alex, typed)) for typed in asks]
    # A new starter in Parks takes the check in the open baseline, all at level 1.
    await add_people(bot, WINTER, 1, "Place", "Parks", "front_line", 0, first=50)
    # Someone from the autumn takes it again, now at level 4.
    await add_people(bot, WINTER, 1, "Place", "Parks", "front_line", 1)
    # And a check kept under the autumn baseline, though sent after it closed.
    await add_people(bot, AUTUMN, 1, "Place", "Parks", "front_line", 0, first=60, at=START)
    after = [all_text(await report(alex, typed)) for typed in asks]
    assert after == before
    # A retake in the open baseline changes nothing either.
    await add_people(bot, WINTER, 1, "Place", "Parks", "front_line", 1, first=50, at=START)
    assert [all_text(await report(alex, typed)) for typed in asks] == before
    assert (
        f"Baseline: {AUTUMN}." in before[0] and WINTER + " are shown when it closes" in (before[0])
    )
    assert "took the check in " + WINTER not in before[0]  # no count for the open one


async def test_a_baseline_is_shown_once_an_admin_closes_it(alex: TeamsUser, bot: BotServer) -> None:
    await seed(bot)
    await add_people(bot, WINTER, 10, "Place", "Parks", "front_line", 10)
    await add_people(bot, WINTER, 10, "Resources", "Finance", "office_based", 10)
    assert people_in(await report(alex)) == 38  # still the autumn
    await alex.say("skills baseline Spring 2027")
    card = await report(alex)
    assert f"Baseline: {WINTER}." in all_text(card) and people_in(card) == 20
    assert "Figures for Spring 2027 are shown when it closes" in all_text(card)
    assert facts_of(await report(alex, "skills report Parks"))[CYBER.name] == (
        "100% at or above target. Up 20 percentage points since the previous baseline."
    )


async def test_with_no_closed_baseline_the_report_says_how_to_close_one(
    alex: TeamsUser, bot: BotServer
) -> None:
    await add_baseline(bot, AUTUMN, OPENED[AUTUMN])
    await add_people(bot, AUTUMN, 10, "Place", "Parks", "front_line", 8)
    for typed in ("skills report", "skills report Parks", "skills report senior leaders"):
        card = await report(alex, typed)
        text = all_text(card)
        assert people_in(card) is None and CYBER.name not in facts_of(card)
        assert f"Figures for {AUTUMN} are shown when it closes" in text
        assert HOW_TO_CLOSE in text
        assert_cards_ok([card])
    assert not [a for a in iter_actions(card) if a.get("type") == "Action.OpenUrl"]


# ---- People who see reports do not count towards the smallest group -------------------------


async def test_a_report_viewer_cannot_unlock_a_small_group_by_joining_it(
    hr_bot: BotServer, connector: Connector, http: aiohttp.ClientSession
) -> None:
    hr = TeamsUser(http, hr_bot, connector, "user-id-3", "Hana Reid", HR_ID)
    await seed(hr_bot)
    await add_people(hr_bot, AUTUMN, 4, "Place", "Highways", "office_based", 0)
    # HR took the check in Highways too, while the autumn baseline was open: 5 people.
    await add_people(hr_bot, AUTUMN, 1, "Place", "Highways", "office_based", 1, person=HR_ID)
    typed = await hr.say("skills report Highways")
    assert "I could not find 'Highways'" in typed[-1]["text"]
    card = await report(hr)
    choices = choice_values(card, "service_area")
    assert "Highways" not in choices
    assert people_in(card) == 43  # everyone is shown, HR included
    # One more person who cannot see reports makes 5: now Highways may be shown.
    await add_people(hr_bot, AUTUMN, 1, "Place", "Highways", "office_based", 0, first=9)
    assert people_in(await report(hr, "skills report Highways")) == 6


# ---- Filter lists: only groups that may be shown, service areas grouped ---------------------


def choice_values(card: dict[str, Any], name: str) -> list[str]:
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "Input.ChoiceSet" and node.get("id") == name:
                found.extend(str(c["value"]) for c in node["choices"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card)
    return found


async def test_filter_lists_offer_only_groups_that_may_be_shown(
    alex: TeamsUser, bot: BotServer
) -> None:
    await seed(bot)
    await add_waste(bot)
    # Three more in Parks, typed in other capitals and spaces: one service area.
    await add_people(bot, AUTUMN, 2, "Place", "parks ", "front_line", 2, first=20)
    await add_people(bot, AUTUMN, 1, "Place", " PARKS", "front_line", 1, first=30)
    card = await report(alex)
    areas = choice_values(card, "service_area")
    assert "Parks" in areas and "Finance" in areas
    assert "Waste" not in areas and "parks" not in areas and "PARKS" not in areas
    assert len(areas) == len(set(areas))
    parks = await report(alex, "skills report  pArks")
    assert people_in(parks) == 13 and "Parks service area" in all_text(parks)
    # Every value offered is one whose group may be shown.
    for value in areas[1:]:
        assert people_in(await report(alex, f"skills report {value}")) is not None
