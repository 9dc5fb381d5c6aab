"""Realistic questions staff ask, each with the seeded answer that should come first.

Worded the way people type in Teams: paraphrased, some in US spelling, none copied from
the entries. Used by tests/unit/test_knowledge_search.py (hit rates asserted) and by
tests/bench/bench_search.py (hit rates reported).
"""

from __future__ import annotations

QUESTIONS: tuple[tuple[str, str], ...] = (
    (
        "my manager says I should be able to see the team inbox but it's not in outlook",
        "kb-shared-mailbox-access",
    ),
    (
        "how can I reply to residents using the generic team email address rather than mine",
        "kb-shared-mailbox-send-as",
    ),
    ("whats the difference between posting in a channel and chatting", "kb-teams-channel-or-chat"),
    (
        "where should we keep team documents, my onedrive or sharepoint?",
        "kb-onedrive-or-sharepoint",
    ),
    (
        "can I record the call on teams so people who missed it can watch later",
        "kb-teams-meeting-recording",
    ),
    ("I'm going on annual leave next week, how do I turn on automatic replies", "kb-out-of-office"),
    (
        "my PA needs to book meetings into my diary, how do I give her access to my calendar",
        "kb-calendar-sharing",
    ),
    ("I want to create a questionnaire for staff feedback", "kb-microsoft-forms-survey"),
    ("a partner organization needs to join our team in teams as a guest", "kb-teams-guest"),
    ("what's a good way to track who is doing which tasks in our team", "kb-planner-tasks"),
    (
        "I need my manager to approve requests automatically with a workflow",
        "kb-power-automate-approval",
    ),
    (
        "notify me by email whenever a new response comes in on my microsoft form",
        "kb-power-automate-forms-email",
    ),
    (
        "my power automate flow failed last night, how do I see what went wrong",
        "kb-power-automate-failed",
    ),
    ("I'm not a programmer but want to build an app for our team", "kb-power-apps-start"),
    ("I'm leaving the council next month, will my flows keep working?", "kb-flow-owner-leaving"),
    (
        "how do I add a new colleague to our sharepoint site so they can edit",
        "kb-sharepoint-permissions",
    ),
    (
        "someone saved over my document, how do I restore an earlier version",
        "kb-sharepoint-version-history",
    ),
    (
        "how can I send a document to an external contractor securely",
        "kb-sharepoint-external-sharing",
    ),
    (
        "I accidentally deleted a file on sharepoint, can it be recovered?",
        "kb-sharepoint-recycle-bin",
    ),
    ("should we track our cases in a sharepoint list or keep using excel", "kb-sharepoint-list"),
    (
        "I can't open the power bi report my manager sent me, it says I need permission",
        "kb-power-bi-access",
    ),
    (
        "the numbers on our power bi dashboard haven't updated since last week",
        "kb-power-bi-refresh",
    ),
    ("how do I total up rows by category in excel, is there a quick way", "kb-excel-pivot"),
    (
        "is it ok to include residents personal details in a report for another department",
        "kb-personal-data-reports",
    ),
    ("our spreadsheet is full of duplicates, how do I clean the data", "kb-data-quality"),
    ("do I need a consent form before I interview residents", "kb-research-consent"),
    ("how do we recruit residents to take part in user research sessions", "kb-research-recruit"),
    (
        "I want to try out a new online form with real users before we launch it",
        "kb-prototype-testing",
    ),
    ("what is journey mapping in service design", "kb-journey-map"),
    ("tips for running our daily standup meeting", "kb-standup"),
    ("how do I run a retrospective with my team at the end of a project", "kb-retrospective"),
    ("how can we visualize all the work our team has on in one place", "kb-kanban-board"),
    ("what's the format for writing user stories for the backlog", "kb-user-stories"),
    ("I received a suspicious email asking for my password, what do I do", "kb-report-phishing"),
    ("I got a new mobile, how do I set up the authenticator app on it", "kb-mfa-new-phone"),
    ("what makes a strong password", "kb-password-strong"),
    ("I left my work laptop on the train", "kb-lost-laptop"),
    ("how should I describe pictures for screen reader users", "kb-alt-text"),
    ("how do I check my word document is accessible", "kb-accessible-word"),
    ("is it ok to upload pdfs to the council website", "kb-pdf-accessibility"),
    ("how can I get live subtitles during a teams meeting", "kb-captions-meetings"),
    (
        "will people with poor eyesight be able to read the colors on my poster",
        "kb-colour-contrast",
    ),
)

# Questions nothing in the seeds answers: search must return nothing for these.
UNRELATED: tuple[str, ...] = (
    "what time does the staff canteen open",
    "where do I park my bike at the civic centre",
    "when is the next payday",
    "how much annual leave do I get after five years",
    "who won the football last night",
)
