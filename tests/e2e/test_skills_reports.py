"""Skills reports over real HTTP: who may ask, the share at or above target with the change
since the previous baseline, groups too small (or too close to another) not shown, plain
answers to bad filters, and the printable report only for the person who asked, until its
link expires."""

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
SPRING, AUTUMN = "Spring 2026", "Autumn 2026"


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
) -> None:
    """`count` people's checks: the first `at_target` at level 4 in cyber security, the
    rest at level 1 (below every role family's target there)."""
    assert bot.app is not None
    store = bot.app[CONTEXT].store
    at = bot.clock.now() - dt.timedelta(hours=1)
    for n in range(count):
        person = f"{service_area}-{role_family}-{first + n}"
        data = {
            "baseline": baseline,
            "role_family": role_family,
            "directorate": directorate,
            "service_area": service_area,
            "levels": {"cyber_security": 4 if n < at_target else 1},
            "framework_version": 1,
        }
        await store.add_record(
            Record("skills_assessment", f"{baseline}:{person}", person, at, data)
        )


async def seed(bot: BotServer) -> None:
    """Two baselines. Place: Parks and Roads, 10 front line each. Resources: Finance, 12
    office based and (in the autumn) 6 senior leaders. Parks improves from 5 to 8 of 10."""
    await add_baseline(bot, SPRING, START - dt.timedelta(days=200))
    await add_people(bot, SPRING, 10, "Place", "Parks", "front_line", 5)
    await add_people(bot, SPRING, 12, "Resources", "Finance", "office_based", 6)
    await add_baseline(bot, AUTUMN, START - dt.timedelta(days=30))
    await add_people(bot, AUTUMN, 10, "Place", "Parks", "front_line", 8)
    await add_people(bot, AUTUMN, 10, "Place", "Roads", "front_line", 5)
    await add_people(bot, AUTUMN, 12, "Resources", "Finance", "office_based", 6)
    await add_people(bot, AUTUMN, 6, "Resources", "Finance", "senior_leader", 3)


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
    assert "Groups of fewer than 5 people are not shown, so nobody can be identified." in text
    # Everyone: 22 of 38 at target in the autumn (58%), 11 of 22 in the spring (50%).
    everyone = await report(alex)
    assert people_in(everyone) == 38
    assert facts_of(everyone)[CYBER.name] == (
        "58% at or above target. Up 8 percentage points since the previous baseline."
    )


async def test_a_small_group_is_not_shown(alex: TeamsUser, bot: BotServer) -> None:
    await seed(bot)
    await add_waste(bot)
    card = await report(alex, "skills report Waste")
    text = all_text(card)
    assert people_in(card) is None
    assert "Not shown: fewer than 5 people in this group." in text
    assert CYBER.name not in facts_of(card)


async def test_subtracting_service_area_reports_from_their_directorates_reveals_nobody(
    alex: TeamsUser, bot: BotServer
) -> None:
    # Place has 23 people: 10 in Parks, 10 in Roads and 3 in Waste. Place less Parks less
    # Roads would give the 3 in Waste, so not all three may be shown.
    await seed(bot)
    await add_waste(bot)
    place = people_in(await report(alex, "skills report Place"))
    parts = [people_in(await report(alex, f"skills report {area}")) for area in ("Parks", "Roads")]
    assert place == 23
    shown = [n for n in parts if n is not None]
    assert shown and not 0 < place - sum(shown) < 5
    for part in shown:
        assert not 0 < place - part < 5
    # By role family: 15 office-based people, 12 of them in Finance. Both shown would
    # give the 3 in Waste.
    office = people_in(await report(alex, "skills report office based"))
    finance_office = people_in(await report(alex, "skills report Finance, office based"))
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
    link = page_link(await report(alex, "skills report Waste"))
    async with http.get(bot.url + link) as response:
        page = await response.text()
    assert "Not shown: fewer than 5 people in this group in this baseline." in page
    assert "data:image/png" not in page


async def test_the_report_cards_are_valid_labelled_and_easy_to_read(
    alex: TeamsUser, bot: BotServer
) -> None:
    from tests.support.readability import MIN_WORDS, bot_texts, grade, plain, word_count

    await seed(bot)
    await add_waste(bot)
    cards = [
        await report(alex),
        await report(alex, "skills report Waste"),
        await report(alex, "skills report senior leaders"),
    ]
    assert_cards_ok(cards)
    names = ["Place", "Parks", "Roads", "Waste", "Finance", "Resources", SPRING, AUTUMN]
    hard = [
        (grade(ours), text)
        for card in cards
        for text in bot_texts(card)
        if word_count(ours := plain(text, names)) >= MIN_WORDS and grade(ours) > 8
    ]
    assert hard == []
