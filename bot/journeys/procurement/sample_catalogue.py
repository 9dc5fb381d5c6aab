"""SAMPLE DATA: a made-up application catalogue for a UK city council.

Seeded in local mode only, so the catalogue check has something to find before an
admin imports the council's real catalogue (a CSV export of the CMDB). Every entry is
marked `sample=True`; importing the real catalogue drops them all.

Drawn from the digital strategy's own examples: several case management systems doing
the same job (children's, adults' social care, housing, complaints), two payment
systems, asset management, revenues and benefits on both Academy and Digital360, and
the platforms the council already owns (Microsoft 365 E5, SharePoint, Power Platform).
Names of people are invented; owner ids are fake, in the shape of Entra object ids.
Contract end dates are spread from 2026 to 2029, some within nine months of
25 November 2026 so renewal reminders can be tried.
"""

from __future__ import annotations

import datetime as dt

from bot.domain.procurement import CatalogueEntry


def _owner(number: int) -> str:
    return f"00000000-0000-0000-0000-0000000001{number:02d}"


def _entry(
    id: str,
    name: str,
    supplier: str,
    owner: tuple[str, int],
    capabilities: tuple[str, ...],
    description: str,
    *,
    users: int | None = None,
    end: str | None = None,
    licences: int | None = None,
    directorate: str = "",
    platform: bool = False,
) -> CatalogueEntry:
    return CatalogueEntry(
        id=id,
        name=name,
        supplier=supplier,
        owner_name=owner[0],
        owner_id=_owner(owner[1]),
        capabilities=capabilities,
        description=description,
        users=users,
        contract_end=dt.date.fromisoformat(end) if end else None,
        licences=licences,
        directorate=directorate,
        platform=platform,
        sample=True,
    )


SAMPLE: tuple[CatalogueEntry, ...] = (
    # The platforms the council already owns: "use what we already own" first.
    _entry(
        "microsoft-365-e5",
        "Microsoft 365 E5",
        "Microsoft",
        ("Priya Shah", 1),
        (
            "email",
            "chat and video calls",
            "online meetings",
            "file storage",
            "document collaboration",
            "calendars",
            "task planning",
        ),
        "Teams, Outlook, Exchange, OneDrive, Word, Excel and Planner for all staff. "
        "Includes security and compliance tools such as data loss prevention.",
        users=6200,
        end="2028-06-30",
        licences=6500,
        directorate="Corporate Resources",
        platform=True,
    ),
    _entry(
        "sharepoint-online",
        "SharePoint Online",
        "Microsoft",
        ("Priya Shah", 1),
        (
            "intranet",
            "document management",
            "team sites",
            "records retention",
            "shared lists",
            "document libraries",
        ),
        "Team sites and document libraries with version history and retention labels. "
        "Hosts the staff intranet.",
        users=6200,
        end="2028-06-30",
        licences=6500,
        directorate="Corporate Resources",
        platform=True,
    ),
    _entry(
        "power-apps",
        "Power Apps",
        "Microsoft",
        ("Tom Okafor", 2),
        (
            "low-code apps",
            "mobile apps",
            "inspections",
            "data capture forms",
            "offline working",
            "simple business apps",
        ),
        "Build simple apps for phones, tablets and the web without writing code, "
        "for example inspections, site visits and checklists.",
        users=340,
        end="2028-06-30",
        licences=500,
        directorate="Corporate Resources",
        platform=True,
    ),
    _entry(
        "power-automate",
        "Power Automate",
        "Microsoft",
        ("Tom Okafor", 2),
        (
            "workflow automation",
            "approvals",
            "notifications",
            "scheduled tasks",
            "robotic process automation",
        ),
        "Automates repetitive tasks and approval workflows between Microsoft 365 and "
        "other systems, such as sending reminders or copying data.",
        users=410,
        end="2028-06-30",
        licences=500,
        directorate="Corporate Resources",
        platform=True,
    ),
    _entry(
        "power-bi",
        "Power BI",
        "Microsoft",
        ("Amira Hassan", 3),
        (
            "dashboards",
            "reporting",
            "data visualisation",
            "performance data",
            "business intelligence",
        ),
        "Interactive dashboards and reports from council data, shared with managers "
        "and members. Used for the corporate performance report.",
        users=900,
        end="2028-06-30",
        licences=1000,
        directorate="Corporate Resources",
        platform=True,
    ),
    _entry(
        "microsoft-forms",
        "Microsoft Forms",
        "Microsoft",
        ("Priya Shah", 1),
        ("surveys", "questionnaires", "quizzes", "consultations", "feedback forms"),
        "Quick surveys, polls and quizzes for staff or residents, with results in Excel.",
        users=1500,
        end="2028-06-30",
        directorate="Corporate Resources",
        platform=True,
    ),
    _entry(
        "microsoft-lists",
        "Microsoft Lists",
        "Microsoft",
        ("Priya Shah", 1),
        ("trackers", "registers", "issue tracking", "simple lists", "asset registers"),
        "Shared lists to track issues, assets, contacts or work, with views, alerts "
        "and simple rules. Part of Microsoft 365.",
        users=700,
        end="2028-06-30",
        directorate="Corporate Resources",
        platform=True,
    ),
    _entry(
        "dynamics-365",
        "Dynamics 365 Customer Service",
        "Microsoft",
        ("Grace Bennett", 4),
        (
            "customer relationship management",
            "customer contact",
            "case management",
            "contact centre",
            "knowledge articles",
        ),
        "The customer relationship management platform behind the contact centre. "
        "Records contacts from residents and tracks each enquiry to the end.",
        users=260,
        end="2027-03-31",
        licences=300,
        directorate="Customer Services",
        platform=True,
    ),
    # Case management: several systems doing much the same job.
    _entry(
        "mosaic",
        "Mosaic",
        "Servelec",
        ("Helen Clarke", 5),
        (
            "case management",
            "social care records",
            "care assessments",
            "care plans",
            "safeguarding",
        ),
        "Adults' social care case records: assessments, care plans, reviews and "
        "safeguarding enquiries.",
        users=820,
        end="2027-09-30",
        licences=900,
        directorate="Adults and Health",
    ),
    _entry(
        "liquidlogic-lcs",
        "Liquidlogic Children's Social Care",
        "System C",
        ("Daniel Reid", 6),
        (
            "case management",
            "children's social care",
            "child protection",
            "looked after children",
            "care plans",
        ),
        "Case records for children's social care, including child protection plans "
        "and children in care.",
        users=640,
        end="2027-05-31",
        licences=700,
        directorate="Children's Services",
    ),
    _entry(
        "northgate-housing",
        "NEC Housing",
        "NEC Software Solutions",
        ("Sunita Patel", 7),
        (
            "housing management",
            "tenancy management",
            "rent accounts",
            "housing repairs",
            "void properties",
            "case management",
        ),
        "Manages council homes: tenancies, rent, repairs and empty homes. Tenants "
        "report repairs by phone or online.",
        users=480,
        end="2027-02-28",
        licences=500,
        directorate="Housing",
    ),
    _entry(
        "respond-complaints",
        "Respond",
        "Civica",
        ("Grace Bennett", 4),
        (
            "complaints handling",
            "compliments",
            "freedom of information requests",
            "case management",
            "ombudsman cases",
        ),
        "Logs and tracks complaints, compliments and freedom of information requests "
        "through each stage to a response.",
        users=150,
        end="2026-12-31",
        licences=160,
        directorate="Customer Services",
    ),
    _entry(
        "homelessness-case",
        "Jigsaw Homelessness",
        "Housing Partners",
        ("Sunita Patel", 7),
        (
            "homelessness applications",
            "housing advice",
            "case management",
            "temporary accommodation",
        ),
        "Case management for homelessness prevention and relief duties and temporary "
        "accommodation placements.",
        users=90,
        end="2027-08-31",
        licences=100,
        directorate="Housing",
    ),
    # Payments: two systems doing the same job.
    _entry(
        "civica-pay",
        "Civica Pay",
        "Civica",
        ("Mark Evans", 8),
        (
            "online payments",
            "card payments",
            "payment kiosks",
            "telephone payments",
            "income management",
        ),
        "Takes card payments online, by phone and at kiosks, and posts the income to "
        "the finance system.",
        users=210,
        end="2027-06-30",
        directorate="Finance",
    ),
    _entry(
        "capita-pay360",
        "Pay360",
        "Capita",
        ("Mark Evans", 8),
        ("online payments", "card payments", "direct debits", "recurring payments"),
        "Card payments and direct debits for parking, licensing and some fees. "
        "Runs alongside Civica Pay.",
        users=60,
        end="2027-01-31",
        directorate="Finance",
    ),
    # Revenues and benefits: on Academy and on Digital360.
    _entry(
        "academy-revs-bens",
        "Academy Revenues and Benefits",
        "Capita",
        ("Julie Morgan", 9),
        (
            "council tax billing",
            "business rates",
            "housing benefit",
            "council tax reduction",
            "recovery",
        ),
        "Bills and collects council tax and business rates, and assesses housing "
        "benefit and council tax reduction claims.",
        users=230,
        end="2028-03-31",
        licences=250,
        directorate="Finance",
    ),
    _entry(
        "digital360",
        "Digital360",
        "Civica",
        ("Julie Morgan", 9),
        (
            "council tax accounts online",
            "benefit claims online",
            "resident self-service",
            "e-billing",
        ),
        "Resident self-service for council tax and benefits: view bills, move home, "
        "claim benefits and sign up for e-billing.",
        users=40,
        end="2027-07-31",
        directorate="Finance",
    ),
    # Assets, property, places.
    _entry(
        "confirm",
        "Confirm",
        "Brightly",
        ("Owen Hughes", 10),
        (
            "asset management",
            "highways maintenance",
            "street lighting",
            "inspections",
            "fault reporting",
        ),
        "Keeps the register of roads, pavements, street lights and trees, and plans "
        "inspections and maintenance work.",
        users=180,
        end="2028-09-30",
        licences=200,
        directorate="Place",
    ),
    _entry(
        "concerto",
        "Concerto",
        "Concerto Support Services",
        ("Owen Hughes", 10),
        (
            "property management",
            "asset management",
            "building maintenance",
            "leases",
            "compliance checks",
        ),
        "The council's property estate: buildings, leases, planned maintenance and "
        "health and safety compliance checks.",
        users=120,
        end="2029-03-31",
        licences=120,
        directorate="Place",
    ),
    _entry(
        "arcgis",
        "ArcGIS",
        "Esri UK",
        ("Fatima Ali", 11),
        ("maps", "geographic information system", "spatial analysis", "address data"),
        "Mapping and spatial analysis for planning, highways and emergency planning, "
        "with the council's address gazetteer.",
        users=150,
        end="2028-12-31",
        licences=160,
        directorate="Place",
    ),
    _entry(
        "uniform-planning",
        "Uniform",
        "Idox",
        ("Fatima Ali", 11),
        (
            "planning applications",
            "building control",
            "licensing",
            "environmental health",
            "land charges",
        ),
        "Processes planning applications, building control, licences and "
        "environmental health cases.",
        users=260,
        end="2027-04-30",
        licences=280,
        directorate="Place",
    ),
    _entry(
        "bartec-waste",
        "Bartec Collective",
        "Bartec Municipal Technologies",
        ("Liam Walsh", 12),
        (
            "waste collection rounds",
            "missed bin reports",
            "bulky waste bookings",
            "in-cab devices",
        ),
        "Plans bin collection rounds and sends jobs to crews' in-cab devices. Residents "
        "report missed bins and book bulky waste collections.",
        users=140,
        end="2029-01-31",
        licences=90,
        directorate="Place",
    ),
    _entry(
        "parking-taranto",
        "Taranto",
        "NEC Software Solutions",
        ("Liam Walsh", 12),
        (
            "parking permits",
            "penalty charge notices",
            "parking enforcement",
            "appeals",
        ),
        "Issues resident parking permits and processes penalty charge notices, "
        "challenges and appeals.",
        users=75,
        end="2027-10-31",
        licences=80,
        directorate="Place",
    ),
    # Corporate systems.
    _entry(
        "itrent",
        "iTrent",
        "MHR",
        ("Rachel Green", 13),
        (
            "payroll",
            "human resources",
            "absence management",
            "recruitment",
            "employee self-service",
            "expenses",
        ),
        "HR and payroll for all staff: pay, sickness absence, leave, recruitment and "
        "expense claims.",
        users=6200,
        end="2029-03-31",
        licences=6500,
        directorate="Corporate Resources",
    ),
    _entry(
        "unit4-erp",
        "Unit4 ERP",
        "Unit4",
        ("Mark Evans", 8),
        (
            "finance",
            "general ledger",
            "purchase orders",
            "accounts payable",
            "budget monitoring",
        ),
        "The council's finance system: the general ledger, budgets, purchase orders "
        "and paying suppliers.",
        users=700,
        end="2028-03-31",
        licences=750,
        directorate="Finance",
    ),
    _entry(
        "learning-pool",
        "Learning Pool",
        "Learning Pool",
        ("Rachel Green", 13),
        ("e-learning", "training courses", "mandatory training", "course bookings"),
        "Online training for staff, including mandatory courses, with records of who "
        "has completed what.",
        users=5800,
        end="2026-03-31",
        licences=6500,
        directorate="Corporate Resources",
    ),
    _entry(
        "information-at-work",
        "Information@Work",
        "Northgate",
        ("Helen Clarke", 5),
        (
            "electronic document management",
            "scanning",
            "document workflow",
            "records retention",
        ),
        "Electronic document management: scanned post and case documents, indexed and "
        "routed to teams. Used by revenues, benefits and social care.",
        users=600,
        end="2027-03-31",
        licences=650,
        directorate="Corporate Resources",
    ),
    _entry(
        "firmstep-forms",
        "Firmstep Achieve Forms",
        "Granicus",
        ("Grace Bennett", 4),
        (
            "online forms",
            "resident accounts",
            "report it forms",
            "form builder",
            "integration with back-office systems",
        ),
        "Online forms on the council website, such as report a pothole, with a resident "
        "account. Sends each form to the right back-office system.",
        users=45,
        end="2027-11-30",
        directorate="Customer Services",
    ),
    _entry(
        "bookings-plus",
        "Bookings Plus",
        "Bookings Plus",
        ("Chris Lewis", 14),
        (
            "room bookings",
            "venue hire",
            "desk booking",
            "sports facility bookings",
            "appointments",
        ),
        "Books meeting rooms, desks, community halls and sports pitches, for staff and "
        "for the public, with online payment.",
        users=350,
        end="2027-12-31",
        licences=400,
        directorate="Communities",
    ),
    _entry(
        "spydus",
        "Spydus",
        "Civica",
        ("Chris Lewis", 14),
        (
            "library management",
            "book loans",
            "library catalogue",
            "reservations",
            "library membership",
        ),
        "The libraries' management system: the catalogue, loans, reservations and "
        "members, with the online library catalogue.",
        users=130,
        end="2028-07-31",
        licences=140,
        directorate="Communities",
    ),
    _entry(
        "modern-gov",
        "ModernGov",
        "Civica",
        ("Rachel Green", 13),
        (
            "committee meetings",
            "agendas and minutes",
            "councillor information",
            "decision records",
        ),
        "Publishes committee agendas, reports, minutes and decisions, and keeps "
        "councillors' details and declarations of interest.",
        users=90,
        end="2027-08-31",
        directorate="Corporate Resources",
    ),
    _entry(
        "servicenow",
        "ServiceNow IT Service Management",
        "ServiceNow",
        ("Priya Shah", 1),
        (
            "IT service desk",
            "incident management",
            "change management",
            "IT asset management",
            "self-service portal",
        ),
        "The IT service desk: incidents, requests, changes and the register of IT "
        "equipment, with a self-service portal for staff.",
        users=120,
        end="2028-01-31",
        licences=130,
        directorate="Corporate Resources",
    ),
    _entry(
        "gov-delivery",
        "GovDelivery",
        "Granicus",
        ("Grace Bennett", 4),
        ("email newsletters", "text messages", "resident alerts", "mailing lists"),
        "Sends email newsletters and alerts to residents who sign up, such as bin "
        "collection changes and consultations.",
        users=25,
        end="2027-06-30",
        directorate="Customer Services",
    ),
    _entry(
        "education-capita-one",
        "Capita One",
        "Capita",
        ("Daniel Reid", 6),
        (
            "school admissions",
            "special educational needs",
            "pupil records",
            "attendance",
            "free school meals",
        ),
        "Education records: school admissions, special educational needs plans, "
        "attendance and free school meals.",
        users=310,
        end="2028-08-31",
        licences=320,
        directorate="Children's Services",
    ),
    _entry(
        "ecins",
        "ECINS",
        "Empowering Communities",
        ("Liam Walsh", 12),
        (
            "community safety",
            "anti-social behaviour cases",
            "multi-agency case sharing",
            "case management",
        ),
        "Shares anti-social behaviour and community safety cases with the police and "
        "housing partners.",
        users=110,
        end="2027-04-30",
        licences=120,
        directorate="Communities",
    ),
)
