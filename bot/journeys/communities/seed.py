"""The communities and first answers a new council starts with (local mode). Data only.

The eight communities come from the strategy's Priority 1 and issue 11. The answers are
the questions staff ask digital champions most, in plain English; leads add their own
over time. Ids are fixed, so seeding twice keeps one copy. Leads are named later.
"""

from __future__ import annotations

import datetime as dt

from bot.domain.communities import Community, KnowledgeEntry

ANSWERED_BY = "Digital champions"
REVIEW_AFTER_DAYS = 365  # seeded answers are checked with the lead a year after they start


def seed_communities() -> list[Community]:
    return [
        Community(
            "m365-teams",
            "Microsoft 365 and Teams",
            "Help with Teams, Outlook, OneDrive and the rest of Microsoft 365.",
            (
                "teams",
                "outlook",
                "onedrive",
                "email",
                "mailbox",
                "calendar",
                "meeting",
                "chat",
                "channel",
                "office",
                "word",
                "excel",
                "forms",
                "planner",
                "m365",
            ),
        ),
        Community(
            "power-platform",
            "Power Platform",
            "Help with Power Automate flows, Power Apps and approvals.",
            (
                "power automate",
                "flow",
                "power apps",
                "app",
                "approval",
                "automation",
                "workflow",
                "connector",
                "dataverse",
                "low code",
            ),
        ),
        Community(
            "sharepoint",
            "SharePoint",
            "Help with SharePoint sites, libraries, lists and sharing files safely.",
            (
                "sharepoint",
                "site",
                "library",
                "list",
                "permissions",
                "intranet",
                "page",
                "document library",
                "version history",
                "metadata",
            ),
        ),
        Community(
            "data-reporting",
            "Data and reporting",
            "Help with Power BI, Excel reports, clean data and dashboards.",
            (
                "power bi",
                "report",
                "dashboard",
                "data",
                "excel",
                "spreadsheet",
                "chart",
                "pivot",
                "kpi",
                "statistics",
                "dataset",
            ),
        ),
        Community(
            "service-design",
            "Service design and user research",
            "Help to find out what residents need, and to test and plan services.",
            (
                "user research",
                "research",
                "interview",
                "consent",
                "residents",
                "journey",
                "prototype",
                "usability",
                "survey",
                "service design",
                "persona",
            ),
        ),
        Community(
            "agile-delivery",
            "Agile delivery",
            "Help with running projects in small steps: stand-ups, boards and retrospectives.",
            (
                "agile",
                "scrum",
                "kanban",
                "stand-up",
                "standup",
                "sprint",
                "retrospective",
                "backlog",
                "user story",
                "board",
                "delivery",
            ),
        ),
        Community(
            "cyber-security",
            "Cyber security awareness",
            "Help with staying safe online: phishing, passwords and sign-in.",
            (
                "phishing",
                "scam",
                "password",
                "mfa",
                "authenticator",
                "security",
                "virus",
                "suspicious",
                "hacked",
                "sign in",
                "two-factor",
            ),
        ),
        Community(
            "accessibility",
            "Accessibility",
            "Help with making documents, web pages and services work for everyone.",
            (
                "accessibility",
                "accessible",
                "alt text",
                "screen reader",
                "contrast",
                "captions",
                "disability",
                "wcag",
                "heading",
                "easy read",
            ),
        ),
    ]


# (id, community, question, answer, tags)
_ENTRIES: tuple[tuple[str, str, str, str, tuple[str, ...]], ...] = (
    (
        "kb-shared-mailbox-access",
        "m365-teams",
        "How do I get access to my team's shared mailbox?",
        "Ask the mailbox owner or your manager to raise an IT request for access. Once it is "
        "given, close and reopen Outlook and the shared mailbox shows under your own folders "
        "within an hour. You do not need a separate password.",
        ("shared mailbox", "outlook", "access", "email"),
    ),
    (
        "kb-shared-mailbox-send-as",
        "m365-teams",
        "How do I send an email from the shared mailbox instead of my own address?",
        "In a new email, choose Options, then Show From. Type the shared mailbox address in "
        "the From box. You need Send As permission; if you get an error, ask for it through IT.",
        ("shared mailbox", "send as", "from address", "outlook"),
    ),
    (
        "kb-teams-channel-or-chat",
        "m365-teams",
        "Should I use a Teams channel or a group chat?",
        "Use a channel for work the whole team shares, so others can find it later and new "
        "starters see the history. Use a chat for quick, short-lived talk between a few "
        "people. Files in a channel are kept in the team's SharePoint site.",
        ("teams", "channel", "chat", "conversation"),
    ),
    (
        "kb-onedrive-or-sharepoint",
        "m365-teams",
        "When should I save files in OneDrive and when in SharePoint?",
        "OneDrive is for your own drafts and work only you need. SharePoint, or the Files tab "
        "in a Teams channel, is for anything the team needs to keep or find when you are away. "
        "Move a file to SharePoint once others rely on it.",
        ("onedrive", "sharepoint", "files", "storage", "saving"),
    ),
    (
        "kb-teams-meeting-recording",
        "m365-teams",
        "How do I record a Teams meeting and where does the recording go?",
        "In the meeting, choose More actions, then Record and transcribe. Tell people first. "
        "The recording is saved in the organiser's OneDrive, or in the channel's files for a "
        "channel meeting, and is deleted after 120 days unless you change it.",
        ("teams", "meeting", "recording", "transcript"),
    ),
    (
        "kb-out-of-office",
        "m365-teams",
        "How do I set an out of office reply in Outlook?",
        "In Outlook choose Settings, then Mail, then Automatic replies. Turn them on, set the "
        "dates and write one message for people inside the council and one for everyone else. "
        "Say who to contact while you are away.",
        ("outlook", "out of office", "automatic replies", "leave"),
    ),
    (
        "kb-calendar-sharing",
        "m365-teams",
        "How can I let a colleague see or manage my calendar?",
        "In Outlook, open your calendar and choose Share. Add your colleague and pick what they "
        "can do: see when you are busy, see all details, or edit. A delegate can also accept "
        "meetings for you.",
        ("calendar", "outlook", "delegate", "sharing"),
    ),
    (
        "kb-microsoft-forms-survey",
        "m365-teams",
        "How do I make a quick survey with Microsoft Forms?",
        "Go to forms.office.com and choose New Form. Add questions, then Collect responses to "
        "get a link. Choose whether only council staff or anyone with the link can answer. "
        "Open results in Excel to work with them.",
        ("forms", "survey", "questionnaire", "poll"),
    ),
    (
        "kb-teams-guest",
        "m365-teams",
        "Can I add someone from outside the council to a Teams team?",
        "Yes, as a guest, if the team owner allows it. The owner adds them by email address. "
        "Guests can see channels and files in that team only. Remove them when the work ends.",
        ("teams", "guest", "external", "partner"),
    ),
    (
        "kb-planner-tasks",
        "m365-teams",
        "How can our team keep track of tasks in Teams?",
        "Add a Planner tab to your channel. Make a bucket for each stage, add tasks with an "
        "owner and a due date, and move them along. Everyone sees the same plan.",
        ("planner", "tasks", "teams", "to do"),
    ),
    (
        "kb-power-automate-approval",
        "power-platform",
        "How do I set up an approval flow in Power Automate?",
        "Start from the template Request manager approval for a selected item. Choose who "
        "approves and what happens when they approve or reject. The approver gets the request "
        "in Teams and in email. Test it with a colleague before you share it.",
        ("power automate", "approval", "flow", "workflow"),
    ),
    (
        "kb-power-automate-forms-email",
        "power-platform",
        "Can I get an email automatically each time someone fills in my form?",
        "Yes. In Power Automate use the trigger When a new response is submitted, then Get "
        "response details, then Send an email. Pick your form in both steps.",
        ("power automate", "forms", "email", "notification", "flow"),
    ),
    (
        "kb-power-automate-failed",
        "power-platform",
        "My flow has stopped running. How do I find out why?",
        "Open the flow in Power Automate and look at the run history. Select a failed run to "
        "see which step failed and why. Often a connection needs signing in again, or a file "
        "or list was renamed.",
        ("power automate", "flow", "error", "failed", "run history"),
    ),
    (
        "kb-power-apps-start",
        "power-platform",
        "Can I build a simple app for my team without being a developer?",
        "Yes. Power Apps can make an app from a SharePoint list or an Excel table in a few "
        "minutes. Start small, keep the data in SharePoint, and talk to a champion before it "
        "holds personal data.",
        ("power apps", "app", "low code", "sharepoint list"),
    ),
    (
        "kb-flow-owner-leaving",
        "power-platform",
        "What happens to my flows when I leave the council?",
        "Flows owned only by you stop when your account closes. Before you go, add a colleague "
        "as a co-owner of each flow, and use shared mailboxes or service accounts for "
        "connections where you can.",
        ("power automate", "flow", "owner", "leaver"),
    ),
    (
        "kb-sharepoint-permissions",
        "sharepoint",
        "How do I give someone access to a SharePoint site?",
        "If you own the site, choose Settings, then Site permissions, then Share site, and add "
        "them as a member or visitor. Otherwise ask the site owner. Give the least access that "
        "lets them do their work.",
        ("sharepoint", "permissions", "access", "site owner"),
    ),
    (
        "kb-sharepoint-version-history",
        "sharepoint",
        "Someone overwrote my document. Can I get the old version back?",
        "Yes. In the document library select the file, then Version history. Open an earlier "
        "version to check it, then Restore. Nothing is lost: the newer version is kept too.",
        ("sharepoint", "version history", "restore", "document"),
    ),
    (
        "kb-sharepoint-external-sharing",
        "sharepoint",
        "How do I share a file safely with someone outside the council?",
        "Choose Share on the file and pick Specific people, then type their email address. "
        "They get a code to open it. Never use Anyone with the link for personal or sensitive "
        "information, and set an end date where you can.",
        ("sharepoint", "sharing", "external", "secure", "link", "onedrive"),
    ),
    (
        "kb-sharepoint-recycle-bin",
        "sharepoint",
        "I deleted a file from SharePoint by mistake. How do I get it back?",
        "Open the site's Recycle bin from the left-hand menu or Site contents. Select the file "
        "and choose Restore. Deleted files are kept for 93 days.",
        ("sharepoint", "recycle bin", "deleted", "restore"),
    ),
    (
        "kb-sharepoint-list",
        "sharepoint",
        "Is a SharePoint list better than a spreadsheet for tracking cases?",
        "Often, yes. A list lets several people edit at once, keeps a history of changes, and "
        "can send alerts or start a flow. Keep Excel for sums and analysis.",
        ("sharepoint list", "excel", "tracker", "spreadsheet"),
    ),
    (
        "kb-power-bi-access",
        "data-reporting",
        "How do I get access to a Power BI report?",
        "Open the link and choose Request access; the report owner gets your request. If you "
        "do not know the owner, ask the data team. You need a Power BI licence to see reports "
        "outside the council's shared workspaces.",
        ("power bi", "report", "access", "licence", "dashboard"),
    ),
    (
        "kb-power-bi-refresh",
        "data-reporting",
        "Why is my Power BI dashboard showing old figures?",
        "The dataset may not have refreshed. Check Refreshed on in the report. The owner can "
        "set a scheduled refresh in the dataset settings, or refresh it now. Failed refreshes "
        "often need the data source sign-in renewed.",
        ("power bi", "refresh", "dataset", "dashboard"),
    ),
    (
        "kb-excel-pivot",
        "data-reporting",
        "How do I summarise a big spreadsheet by category?",
        "Use a PivotTable. Select your data, choose Insert then PivotTable, and drag the "
        "category into Rows and the number into Values. It adds up each category for you.",
        ("excel", "pivot table", "summary", "spreadsheet"),
    ),
    (
        "kb-personal-data-reports",
        "data-reporting",
        "Can I put residents' names in a report I share with other teams?",
        "Only if they need them for the work. Usually share counts or anonymised data instead. "
        "Check with the information governance team before sharing personal data outside "
        "your service.",
        ("personal data", "gdpr", "data protection", "report", "residents"),
    ),
    (
        "kb-data-quality",
        "data-reporting",
        "Our spreadsheet has lots of duplicate and messy entries. How do we clean it up?",
        "Use Remove Duplicates on the Data tab, and Data Validation so new entries are chosen "
        "from a list. Power Query can tidy spaces and spelling each time the data is loaded.",
        ("data quality", "excel", "duplicates", "power query"),
    ),
    (
        "kb-research-consent",
        "service-design",
        "What do I need before interviewing residents for user research?",
        "Get their informed consent: say what the research is for, how you record and store "
        "what they say, and that they can stop at any time. Use the council's consent form and "
        "keep notes anonymised.",
        ("user research", "consent", "interview", "residents"),
    ),
    (
        "kb-research-recruit",
        "service-design",
        "How do we find residents to take part in research?",
        "Start with people who use the service now: ask at the front desk, in letters, or "
        "through partners such as libraries. Include people who find it hard to use. Offer a "
        "thank-you voucher where the budget allows.",
        ("user research", "recruitment", "participants", "residents"),
    ),
    (
        "kb-prototype-testing",
        "service-design",
        "How do I test a new form with users before it goes live?",
        "Make a simple prototype, even on paper. Ask five people who would really use it to "
        "complete a task while you watch and say nothing. Note where they get stuck, change "
        "it, and test again.",
        ("prototype", "usability testing", "form", "users"),
    ),
    (
        "kb-journey-map",
        "service-design",
        "What is a user journey map and when should I make one?",
        "It shows each step a person goes through to get something done, with what they feel "
        "and where it goes wrong. Make one at the start of changing a service, from research, "
        "not guesses.",
        ("journey map", "service design", "user needs"),
    ),
    (
        "kb-standup",
        "agile-delivery",
        "How do we run a good daily stand-up?",
        "Keep it to 15 minutes at the same time each day. Each person says what they did, what "
        "they will do next, and anything blocking them. Solve problems after the stand-up with "
        "only the people needed.",
        ("stand-up", "agile", "meeting", "scrum"),
    ),
    (
        "kb-retrospective",
        "agile-delivery",
        "What is a retrospective and how do I run one?",
        "A regular meeting where the team looks back on how work went. Ask what went well, what "
        "did not, and what to try next. Agree one or two actions and check on them next time.",
        ("retrospective", "agile", "lessons learned", "team"),
    ),
    (
        "kb-kanban-board",
        "agile-delivery",
        "How can we see all our team's work in one place?",
        "Use a Kanban board with columns such as To do, Doing and Done. Put each piece of work "
        "on a card. Limit how much is in Doing so things get finished. Planner in Teams works "
        "well for this.",
        ("kanban", "board", "planner", "workload"),
    ),
    (
        "kb-user-stories",
        "agile-delivery",
        "How do I write a user story?",
        "Write: As a [kind of person], I need [something], so that [reason]. Add how you will "
        "know it is done. Keep each story small enough to finish in a few days.",
        ("user story", "backlog", "requirements", "agile"),
    ),
    (
        "kb-report-phishing",
        "cyber-security",
        "I think I got a phishing email. What should I do?",
        "Do not click links or open attachments. In Outlook choose Report, then Report "
        "phishing. Then delete it. If you already clicked or typed your password, call the IT "
        "service desk straight away.",
        ("phishing", "suspicious email", "scam", "report", "outlook"),
    ),
    (
        "kb-mfa-new-phone",
        "cyber-security",
        "I have a new phone. How do I move my multi-factor sign-in to it?",
        "Before you reset the old phone, go to My Sign-Ins, add the Microsoft Authenticator "
        "app on the new phone as a sign-in method, then remove the old one. If the old phone "
        "is gone, the IT service desk can reset it.",
        ("mfa", "authenticator", "sign in", "phone", "two-factor"),
    ),
    (
        "kb-password-strong",
        "cyber-security",
        "How do I choose a strong password I can remember?",
        "Use three random words, with a number or symbol if you like. Never use it for "
        "anything else. Do not write it on a note by your desk.",
        ("password", "security", "three random words"),
    ),
    (
        "kb-lost-laptop",
        "cyber-security",
        "What do I do if my work laptop or phone is lost or stolen?",
        "Tell the IT service desk at once so they can lock it, and your manager. If it was "
        "stolen, report it to the police and get a crime number. Say if it held personal data.",
        ("lost", "stolen", "laptop", "phone", "data breach"),
    ),
    (
        "kb-alt-text",
        "accessibility",
        "How do I write good alt text for an image?",
        "Say what the image shows and why it is there, in a short sentence. Do not start with "
        "Image of. If the image is only decoration, mark it as decorative. For a chart, give "
        "the main finding.",
        ("alt text", "image", "screen reader", "accessibility"),
    ),
    (
        "kb-accessible-word",
        "accessibility",
        "How do I make a Word document accessible?",
        "Use the built-in Heading styles, not bold text, so people can move around it. Add alt "
        "text to images, use plain English and real lists. Then run Review, Check "
        "Accessibility and fix what it finds.",
        ("accessible documents", "word", "headings", "accessibility checker"),
    ),
    (
        "kb-pdf-accessibility",
        "accessibility",
        "Should we publish documents as PDFs on the website?",
        "Usually not. Put the information on a web page instead, which works better with "
        "screen readers and on phones. If you must use a PDF, make it from an accessible Word "
        "document and check it.",
        ("pdf", "website", "accessibility", "publishing"),
    ),
    (
        "kb-captions-meetings",
        "accessibility",
        "How do I turn on captions in a Teams meeting?",
        "In the meeting choose More, then Language and speech, then Turn on live captions. "
        "Each person can turn them on for themselves. For events, the organiser can turn them "
        "on for everyone.",
        ("captions", "teams", "meeting", "deaf", "hearing"),
    ),
    (
        "kb-colour-contrast",
        "accessibility",
        "How do I check that the colours in my poster are easy to read?",
        "Check the contrast between the text and background colours with a contrast checker; "
        "aim for at least 4.5 to 1. Never use colour alone to show meaning: add words or "
        "symbols too.",
        ("colour contrast", "design", "poster", "accessibility"),
    ),
)


def seed_entries(today: dt.date) -> list[KnowledgeEntry]:
    """The seeded answers, added today and due for review a year on."""
    added = dt.datetime.combine(today, dt.time(9, 0), dt.UTC)
    review_on = today + dt.timedelta(days=REVIEW_AFTER_DAYS)
    return [
        KnowledgeEntry(
            id=entry_id,
            question=question,
            answer=answer,
            community_id=community_id,
            tags=tags,
            answered_by=ANSWERED_BY,
            added_at=added,
            review_on=review_on,
        )
        for entry_id, community_id, question, answer, tags in _ENTRIES
    ]
