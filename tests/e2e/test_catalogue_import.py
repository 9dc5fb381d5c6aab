"""Admins import the council's application catalogue in Teams: pasted after `import
catalogue`, or a CSV file attached to the message. Good rows go in, bad rows are named by
line number, and anything that is not a catalogue gets a plain answer with nothing changed.
The file is the whole catalogue: systems not in it are removed, but never one whose row
was bad. `add to catalogue` only adds or updates; `remove from catalogue` removes one.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.journeys.procurement import csv_upload
from bot.journeys.procurement.sample_catalogue import SAMPLE
from tests.e2e.conftest import in_channel
from tests.support.cards import all_text, assert_cards_ok
from tests.support.fake_graph import FakeGraph
from tests.support.graph import connect
from tests.support.teams import (
    BotServer,
    Connector,
    TeamsUser,
    card_of,
    find_action,
    invoke_card,
    invoke_message,
)

CATALOGUE_LIST = "DFD Application catalogue"
FILE_DOWNLOAD = "application/vnd.microsoft.teams.file.download.info"
HEADER = "System,Supplier,Owner,Capabilities,Contract end,Licences"
GOOD_CSV = (
    f"{HEADER}\n"
    "Tascomi Licensing,Idox,Sam Lee,licensing; inspections,31/03/2027,120\n"
    'Abavus Report It,Abavus,Kim Ray,"fault reporting; online forms",2027-06-30,40\n'
    "Broken Row,Acme,Pat Doe,things,31/02/2027,10\n"
)


async def say_with(user: TeamsUser, text: str, attachments: list[dict[str, Any]]) -> list[Any]:
    """A message with attachments, as Teams sends a file from a personal chat."""
    activity = user.activity(type="message", text=text, attachments=attachments)
    status, _ = await user.post(activity)
    assert status in (200, 201, 202)
    return await user.connector.wait_for_replies(user.conversation_id, activity["id"])


def teams_file(url: str, name: str = "catalogue.csv", kind: str = "csv") -> dict[str, Any]:
    return {
        "contentType": FILE_DOWNLOAD,
        "contentUrl": url,
        "name": name,
        "content": {"downloadUrl": url, "uniqueId": "1B2C3D", "fileType": kind},
    }


async def catalogue_size(user: TeamsUser) -> str:
    return all_text(card_of((await user.say("catalogue"))[-1]))


@pytest.fixture
async def files() -> AsyncIterator[str]:
    """A stand-in for SharePoint's download addresses, on loopback (local mode allows it)."""

    async def good(_: web.Request) -> web.Response:
        return web.Response(body=GOOD_CSV.encode("utf-8-sig"), content_type="text/csv")

    async def big(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()  # no length given: the cap applies while reading
        await response.prepare(request)
        row = ("x" * 1023 + "\n").encode()
        for _ in range(6 * 1024):
            await response.write(row)
        await response.write_eof()
        return response

    async def workbook(_: web.Request) -> web.Response:
        return web.Response(body=b"PK\x03\x04" + bytes(range(256)) * 10)

    async def moved(request: web.Request) -> web.Response:
        # Even to a file it could read: a redirect could as well lead anywhere else.
        raise web.HTTPFound(f"http://{request.host}/good.csv")

    async def stuck(_: web.Request) -> web.Response:
        await asyncio.Event().wait()  # a server that never answers
        raise AssertionError("unreachable")

    app = web.Application()
    app.router.add_get("/stuck.csv", stuck)
    app.router.add_get("/good.csv", good)
    app.router.add_get("/big.csv", big)
    app.router.add_get("/book.csv", workbook)
    app.router.add_get("/moved.csv", moved)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    await runner.cleanup()


async def test_pasted_catalogue_imports_good_rows_and_names_the_bad_one(alex: TeamsUser) -> None:
    assert f"{len(SAMPLE)} systems" in await catalogue_size(alex)
    assert "sample data" in await catalogue_size(alex)

    replies = await alex.say(f"import catalogue\n{GOOD_CSV}")

    card = card_of(replies[-1])
    text = all_text(card)
    assert "Catalogue imported" in text
    assert "2 systems imported. The catalogue now has 2 systems." in text
    assert "The sample data is gone" in text
    assert "Line 4" in text and "1 row was not imported" in text
    assert_cards_ok([card])
    after = await catalogue_size(alex)
    assert "2 systems" in after and "sample data" not in after
    assert "last imported on 25 November 2026" in after


async def test_an_attached_teams_file_is_downloaded_and_imported(
    alex: TeamsUser, files: str
) -> None:
    replies = await say_with(alex, "import catalogue", [teams_file(f"{files}/good.csv")])

    text = all_text(card_of(replies[-1]))
    assert "2 systems imported" in text
    assert "catalogue.csv" in text  # the file's name, shown as they named it


async def test_a_playground_csv_attachment_is_read_inline(alex: TeamsUser) -> None:
    inline = {"contentType": "text/csv", "name": "cmdb.csv", "content": GOOD_CSV}
    replies = await say_with(alex, "import catalogue", [inline])

    assert "2 systems imported" in all_text(card_of(replies[-1]))


@pytest.mark.parametrize(
    ("path", "said"),
    [
        ("/big.csv", "bigger than 5 MB"),
        ("/book.csv", "is not a CSV file"),
        ("/moved.csv", "could not be downloaded"),
    ],
)
async def test_files_that_are_not_a_catalogue_change_nothing(
    alex: TeamsUser, files: str, path: str, said: str
) -> None:
    replies = await say_with(alex, "import catalogue", [teams_file(f"{files}{path}")])

    assert said in replies[-1]["text"]
    assert f"{len(SAMPLE)} systems" in await catalogue_size(alex)


async def test_a_download_that_never_finishes_is_given_up(
    alex: TeamsUser, files: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(csv_upload, "DOWNLOAD_SECONDS", 0.3)

    replies = await say_with(alex, "import catalogue", [teams_file(f"{files}/stuck.csv")])

    assert "could not be downloaded from Teams just now" in replies[-1]["text"]
    assert f"{len(SAMPLE)} systems" in await catalogue_size(alex)


@pytest.mark.parametrize(
    ("attachment", "said"),
    [
        (teams_file("https://evil.example.com/catalogue.csv"), "only read a file attached"),
        (teams_file("http://contoso.sharepoint.com/catalogue.csv"), "only read a file attached"),
        (teams_file("https://contoso.sharepoint.com.evil.example/c.csv"), "only read a file"),
        (teams_file("https://x.sharepoint.com/c.xlsx", "c.xlsx", "xlsx"), "spreadsheet"),
        (teams_file("https://x.sharepoint.com/c.pdf", "c.pdf", "pdf"), "ending in .csv"),
        ({"contentType": "text/csv", "content": {"not": "text"}}, "could not be read"),
    ],
)
async def test_files_from_elsewhere_or_of_the_wrong_kind_are_refused(
    alex: TeamsUser, attachment: dict[str, Any], said: str
) -> None:
    replies = await say_with(alex, "import catalogue", [attachment])

    assert said in replies[-1]["text"]
    assert f"{len(SAMPLE)} systems" in await catalogue_size(alex)


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("import catalogue", "There is no catalogue in your message"),
        ("import catalogue\nSystem,Supplier\n", "Nothing imported"),
        ("import catalogue\nName of thing,Who sells it\nA,B\n", "Nothing imported"),
        ("import catalogue\nSystem,Supplier\n\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f", "CSV"),
    ],
)
async def test_empty_or_headerless_text_gets_a_plain_answer(
    alex: TeamsUser, typed: str, said: str
) -> None:
    replies = await alex.say(typed)

    reply = replies[-1]
    shown = all_text(card_of(reply)) if reply.get("attachments") else reply["text"]
    assert said in shown
    assert f"{len(SAMPLE)} systems" in await catalogue_size(alex)


async def test_a_long_list_of_bad_rows_is_cut_with_a_count(alex: TeamsUser) -> None:
    bad = "".join(f"Bad {n},Acme,Pat,things,not a date,1\n" for n in range(45))
    replies = await alex.say(f"import catalogue\n{HEADER}\nGood One,Acme,Pat,things,,1\n{bad}")

    card = card_of(replies[-1])
    text = all_text(card)
    assert "45 rows were not imported" in text
    assert "Line 3" in text and "Line 22" in text and "Line 23" not in text
    assert "And 25 more, on lines 23, 24" in text and "Fix them and import again" in text
    assert_cards_ok([card])


async def test_only_admins_can_import(megan: TeamsUser) -> None:
    replies = await megan.say(f"import catalogue\n{GOOD_CSV}")

    assert "Only a Digital Front Door admin" in replies[-1]["text"]
    assert f"{len(SAMPLE)} systems" in await catalogue_size(megan)


async def test_importing_in_a_channel_is_refused(alex: TeamsUser) -> None:
    replies = await in_channel(alex).say(f"import catalogue\n{GOOD_CSV}")

    assert "chat with me one to one" in replies[-1]["text"]
    assert f"{len(SAMPLE)} systems" in await catalogue_size(alex)


async def test_a_formatted_teams_message_is_read_line_by_line(alex: TeamsUser) -> None:
    html = "<p>import catalogue</p>" + "".join(
        f"<p>{line.replace('&', '&amp;')}</p>" for line in GOOD_CSV.splitlines()
    )
    replies = await alex.say(html)

    assert "2 systems imported" in all_text(card_of(replies[-1]))


async def test_anyone_can_see_what_the_catalogue_holds(megan: TeamsUser) -> None:
    card = card_of((await megan.say("catalogue"))[-1])

    text = all_text(card)
    assert f"It lists {len(SAMPLE)} systems" in text
    assert "sample data" in text and "buy software" in text
    assert_cards_ok([card])


async def test_in_sharepoint_mode_the_import_runs_after_the_answer(
    tmp_path: Path, fake: FakeGraph, http: aiohttp.ClientSession, connector: Connector
) -> None:
    """A big catalogue takes minutes to write to a SharePoint list, and Teams waits only
    seconds: the bot answers at once and sends the result when the list has it."""
    server = BotServer(tmp_path / "data", {"BOT_STORE": "sharepoint"}, graph=lambda: connect(fake))
    await server.start()
    try:
        alex = TeamsUser(http, server, connector)
        replies = await alex.say(f"import catalogue\n{GOOD_CSV}")

        assert "Importing 2 systems into the catalogue list in SharePoint" in replies[-1]["text"]
        await server.settled()
        result = card_of(connector.in_conversation(alex.conversation_id)[-1])
        assert "2 systems imported" in all_text(result)
        names = {item["Title"] for item in fake.list_items(CATALOGUE_LIST)}
        assert names == {"Tascomi Licensing", "Abavus Report It"}
    finally:
        await server.stop()


@pytest.mark.parametrize(
    ("text", "count", "said"),
    [
        ("import catalogue", 2, "Attach one CSV file at a time"),
        (f"import catalogue\n{GOOD_CSV}", 1, "not both"),
    ],
)
async def test_two_catalogues_in_one_message_are_refused(
    alex: TeamsUser, text: str, count: int, said: str
) -> None:
    inline = {"contentType": "text/csv", "name": "cmdb.csv", "content": GOOD_CSV}
    replies = await say_with(alex, text, [inline] * count)

    assert said in replies[-1]["text"]
    assert f"{len(SAMPLE)} systems" in await catalogue_size(alex)


ID_HEADER = "Id,System,Supplier,Owner,Capabilities,Contract end"
CMDB = (
    f"{ID_HEADER}\n"
    "cmdb-1,Tascomi Licensing,Idox,Sam Lee,licensing,31/03/2027\n"
    "cmdb-2,Abavus Report It,Abavus,Kim Ray,fault reporting,2027-06-30\n"
    "cmdb-3,Old CRM,Acme,Pat Doe,crm,2027-01-01\n"
)


async def test_an_import_removes_systems_not_in_the_file_but_keeps_a_bad_rows_system(
    alex: TeamsUser,
) -> None:
    """Old CRM was retired, so the CMDB no longer has it; Abavus's row has a typo."""
    await alex.say(f"import catalogue\n{CMDB}")
    later = (
        f"{ID_HEADER}\n"
        "cmdb-1,Tascomi Licensing,Idox,Sam Lee,licensing,31/03/2028\n"
        "cmdb-2,Abavus Report It,New Supplier Ltd,Kim Ray,fault reporting,31/02/2027\n"
        "cmdb-4,Civica Pay,Civica,Jo Bell,payments,2027-09-30\n"
    )

    card = card_of((await alex.say(f"import catalogue\n{later}"))[-1])

    text = all_text(card)
    assert "2 systems imported. The catalogue now has 3 systems." in text
    assert "1 system was removed" in text and "Old CRM" in text
    assert "1 row was not imported" in text and "Line 3" in text
    assert "kept as they were" in text
    assert_cards_ok([card])
    assert "3 systems" in await catalogue_size(alex)
    kept = all_text(card_of((await alex.say("remove from catalogue cmdb-2"))[-1]))
    assert "Abavus" in kept and "New Supplier Ltd" not in kept, "kept as it was"
    gone = (await alex.say("remove from catalogue Old CRM"))[-1]["text"]
    assert "There is no system with that name or id" in gone


async def test_an_import_names_ten_removed_systems_and_counts_the_rest(alex: TeamsUser) -> None:
    many = "".join(f"old-{n},Old System {n:02d},Acme,Pat,things,\n" for n in range(13))
    await alex.say(f"import catalogue\n{ID_HEADER}\n{many}")

    card = card_of((await alex.say(f"import catalogue\n{CMDB}"))[-1])

    text = all_text(card)
    assert "13 systems were removed" in text
    assert "Old System 09" in text and "Old System 10" not in text
    assert "And 3 more." in text
    assert "3 systems" in await catalogue_size(alex)


async def test_a_bad_row_that_names_no_system_stops_every_removal(alex: TeamsUser) -> None:
    """A row with cells in the wrong columns could be any system: none is removed."""
    await alex.say(f"import catalogue\n{CMDB}")
    shifted = f"{ID_HEADER}\ncmdb-1,Tascomi Licensing,Idox,Sam Lee,licensing,,,extra\n"
    only_one = (
        f"{ID_HEADER}\ncmdb-4,Civica Pay,Civica,Jo Bell,payments,\n{shifted.split(chr(10))[1]}\n"
    )

    card = card_of((await alex.say(f"import catalogue\n{only_one}"))[-1])

    text = all_text(card)
    assert "1 system imported. The catalogue now has 4 systems." in text
    assert "No systems were removed" in text and "They are not in the file" not in text
    assert "kept as they were" not in text
    assert_cards_ok([card])


async def test_an_empty_file_never_empties_the_catalogue(alex: TeamsUser) -> None:
    await alex.say(f"import catalogue\n{CMDB}")

    replies = await alex.say(f"import catalogue\n{ID_HEADER}\n")

    assert "Nothing imported" in all_text(card_of(replies[-1]))
    assert "3 systems" in await catalogue_size(alex)


async def test_add_to_catalogue_adds_and_updates_and_removes_nothing(alex: TeamsUser) -> None:
    await alex.say(f"import catalogue\n{CMDB}")
    part = f"{ID_HEADER}\ncmdb-4,Civica Pay,Civica,Jo Bell,payments,\ncmdb-3,Old CRM,Acme,,,\n"

    card = card_of((await alex.say(f"add to catalogue\n{part}"))[-1])

    text = all_text(card)
    assert "Catalogue updated" in text
    assert "2 systems added or updated. The catalogue now has 4 systems." in text
    assert "Nothing was removed" in text and "They are not in the file" not in text
    assert_cards_ok([card])
    assert "4 systems" in await catalogue_size(alex)


async def test_only_admins_can_add_or_remove(alex: TeamsUser, megan: TeamsUser) -> None:
    await alex.say(f"import catalogue\n{CMDB}")
    for typed in (f"add to catalogue\n{CMDB}", "remove from catalogue cmdb-1"):
        assert "Only a Digital Front Door admin" in (await megan.say(typed))[-1]["text"]
    confirm = card_of((await alex.say("remove from catalogue cmdb-1"))[-1])
    button = find_action(confirm, "Remove it")

    refused = invoke_message(await megan.press(button["verb"], button["data"]))

    assert "Only a Digital Front Door admin" in refused
    assert "3 systems" in await catalogue_size(alex)


async def test_remove_from_catalogue_asks_first_then_removes_one_system(alex: TeamsUser) -> None:
    await alex.say(f"import catalogue\n{CMDB}")

    confirm = card_of((await alex.say("remove from catalogue old crm"))[-1])

    text = all_text(confirm)
    assert "Remove this system?" in text and "Old CRM" in text and "cmdb-3" in text
    assert "3 systems" in await catalogue_size(alex), "nothing removed before the button"
    button = find_action(confirm, "Remove it")
    assert button["type"] == "Action.Execute"
    done = invoke_card(await alex.press(button["verb"], button["data"]))
    assert "System removed" in all_text(done) and "now has 2 systems" in all_text(done)
    assert_cards_ok([confirm, done])
    assert "2 systems" in await catalogue_size(alex)
    again = await alex.press(button["verb"], button["data"])
    assert "not in the catalogue any more" in invoke_message(again)


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("remove from catalogue", "Type the system's name or id too"),
        ("remove from catalogue Nothing Like It", "There is no system with that name or id"),
    ],
)
async def test_removing_what_is_not_there_says_so(alex: TeamsUser, typed: str, said: str) -> None:
    replies = await alex.say(typed)

    assert said in replies[-1]["text"]
    assert f"{len(SAMPLE)} systems" in await catalogue_size(alex)


async def test_removing_is_refused_in_a_channel(alex: TeamsUser) -> None:
    replies = await in_channel(alex).say("remove from catalogue cmdb-1")

    assert "chat with me one to one" in replies[-1]["text"]


async def test_two_systems_with_one_name_each_get_their_own_button(alex: TeamsUser) -> None:
    twins = f"{ID_HEADER}\ncrm-a,Old CRM,Acme,,,\ncrm-b,Old CRM,Other,,,\n"
    await alex.say(f"import catalogue\n{twins}")

    card = card_of((await alex.say("remove from catalogue Old CRM"))[-1])

    text = all_text(card)
    assert "2 systems have that name" in text and "crm-a" in text and "crm-b" in text
    buttons = [a for a in _actions(card) if a.get("title") == "Remove this one"]
    assert [b["data"]["entry"] for b in buttons] == ["crm-a", "crm-b"]
    await alex.press(buttons[1]["verb"], buttons[1]["data"])
    assert "1 system" in await catalogue_size(alex)
    assert "crm-a" in all_text(card_of((await alex.say("remove from catalogue Old CRM"))[-1]))


def _actions(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        found = [node] if node.get("type") == "Action.Execute" else []
        return found + [a for value in node.values() for a in _actions(value)]
    if isinstance(node, list):
        return [a for value in node for a in _actions(value)]
    return []


async def test_in_sharepoint_mode_an_import_removes_items_not_in_the_file(
    tmp_path: Path, fake: FakeGraph, http: aiohttp.ClientSession, connector: Connector
) -> None:
    server = BotServer(tmp_path / "data", {"BOT_STORE": "sharepoint"}, graph=lambda: connect(fake))
    await server.start()
    try:
        alex = TeamsUser(http, server, connector)
        await alex.say(f"import catalogue\n{CMDB}")
        await server.settled()
        await alex.say(f"import catalogue\n{GOOD_CSV}")
        await server.settled()

        result = all_text(card_of(connector.in_conversation(alex.conversation_id)[-1]))
        assert "3 systems were removed" in result and "Old CRM" in result
        names = {item["Title"] for item in fake.list_items(CATALOGUE_LIST)}
        assert names == {"Tascomi Licensing", "Abavus Report It"}
    finally:
        await server.stop()
