"""Realistic things staff type before buying or renewing software, each with the sample
catalogue entry that should come first.

Worded the way a member of staff describes a need in Teams, not copied from the
entries: some loose, some naming the product they have in mind, some in US spelling.
Each query has the entry that should come first and, optionally, other entries that
are a fair answer too (they count for top-3 only when the expected one is missing
there: see `hit`). Used by tests/unit/test_catalogue_quality.py (hit rates asserted)
and tests/bench/bench_catalogue.py (hit rates and latency reported).
"""

from __future__ import annotations

# (query, the entry that should come first, other entries that would do in the top 3)
QUERIES: tuple[tuple[str, str, frozenset[str]], ...] = (
    ("we want to buy a system to take card payments online", "civica-pay", frozenset()),
    ("our contract for the housing repairs system ends", "northgate-housing", frozenset()),
    ("a tool to build a simple app for inspections", "power-apps", frozenset()),
    ("survey residents", "microsoft-forms", frozenset()),
    ("book meeting rooms", "bookings-plus", frozenset()),
    ("dashboard for performance data", "power-bi", frozenset()),
    (
        "we need a case management system for complaints and FOI requests",
        "respond-complaints",
        frozenset(),
    ),
    ("software to record care assessments for older adults", "mosaic", frozenset()),
    ("child protection case records for social workers", "liquidlogic-lcs", frozenset()),
    ("let tenants report a repair online", "northgate-housing", frozenset()),
    ("automate approvals for purchase requests", "power-automate", frozenset()),
    ("we want a new intranet for staff news", "sharepoint-online", frozenset()),
    ("somewhere to store documents with retention rules", "sharepoint-online", frozenset()),
    ("mapping software to show planning constraints", "arcgis", frozenset()),
    ("a system to process planning applications", "uniform-planning", frozenset()),
    ("plan bin collection routes and record missed bins", "bartec-waste", frozenset()),
    ("issue resident parking permits online", "parking-taranto", frozenset()),
    ("manage sickness absence and annual leave", "itrent", frozenset()),
    ("new payroll provider", "itrent", frozenset()),
    ("track our highways assets and street light faults", "confirm", frozenset()),
    ("manage leases and maintenance on council buildings", "concerto", frozenset()),
    ("e-learning platform for mandatory training", "learning-pool", frozenset()),
    ("scan incoming post and route it to teams", "information-at-work", frozenset()),
    ("online forms for residents to report potholes", "firmstep-forms", frozenset()),
    ("hire out community halls and sports pitches", "bookings-plus", frozenset()),
    ("library system for loans and reservations", "spydus", frozenset()),
    ("publish committee agendas and minutes", "modern-gov", frozenset()),
    ("IT helpdesk ticketing tool", "servicenow", frozenset()),
    ("send email newsletters to residents who sign up", "gov-delivery", frozenset()),
    ("school admissions and SEN records", "education-capita-one", frozenset()),
    (
        "share anti-social behaviour cases with the police",
        "ecins",
        frozenset(),
    ),
    ("council tax and business rates billing", "academy-revs-bens", frozenset()),
    (
        "let residents see their council tax bill online and sign up for paperless billing",
        "digital360",
        frozenset({"academy-revs-bens"}),
    ),
    ("a CRM for the contact center", "dynamics-365", frozenset()),
    ("video calls with residents", "microsoft-365-e5", frozenset()),
    ("a spreadsheet-style list to track issues on a project", "microsoft-lists", frozenset()),
    ("set up direct debits for recurring payments", "capita-pay360", frozenset()),
    ("temporary accommodation placements for homeless families", "homelessness-case", frozenset()),
    ("purchase orders and paying invoices", "unit4-erp", frozenset()),
    ("quiz for staff after training", "microsoft-forms", frozenset({"learning-pool"})),
    (
        "Hi, adult social care here. We've been looking at an app for our care reviews "
        "and support plans, has IT got anything already?",
        "mosaic",
        frozenset(),
    ),
    (
        "the team wants to send residents a text message reminder before their appointment",
        "gov-delivery",
        frozenset({"bookings-plus", "power-automate"}),
    ),
    (
        "our licence for the rent and tenancy system is up for renewal in March",
        "northgate-housing",
        frozenset(),
    ),
    (
        "we'd like something to keep track of our IT equipment like laptops and phones",
        "servicenow",
        frozenset({"microsoft-lists"}),
    ),
    (
        "looking for a better way to do webinars and online meetings",
        "microsoft-365-e5",
        frozenset(),
    ),
    (
        "customers keep asking to pay for bulky waste collections online",
        "bartec-waste",
        frozenset({"civica-pay"}),
    ),
)

# Needs nothing in the sample catalogue does: better to show nothing than noise.
UNRELATED: tuple[str, ...] = (
    "buy a new fleet of electric vans",
    "cctv cameras for the town centre",
    "we want to buy software",
    "our contract ends next year",
    "we want to take something and make it better",
    "help us get what we need and keep it",
)


def hit(found: list[str], want: str, also: frozenset[str], top: int) -> bool:
    """Top-1: the expected entry first. Top-3: the expected entry, or a fair
    alternative, in the first three."""
    if top == 1:
        return found[:1] == [want]
    return want in found[:top] or bool(also & set(found[:top]))
