"""What the benefits journey holds about people (bot/journeys/benefits/records.py,
report.py):

- "benefits_due" and "benefits_asked", under the requester of the delivered request:
  only the link to them goes, so the asks and the report's counts stay.
- "benefits_recorded", under whoever told us the benefits: their notes are free text
  and `by` is their id. The figures stay for the report and the roadmap review.
- "benefits_report_link", under whoever made the link, with their name and id: nothing
  but that, so it is deleted on erase and once it no longer works.

They are kept as long as the request they are about: the closed requests' period.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from bot.domain.retention import RetentionKind
from bot.journeys.benefits import records
from bot.journeys.benefits.report import LINK_DAYS, LINK_KIND
from bot.ports import Record
from bot.privacy_records import OWNER, RecordKeeper, RecordKindData, RecordSpec

DUE = RecordSpec(
    kind=records.DUE,
    journey="benefits",
    what="Request of yours that was delivered, for asking about its benefits",
    retention=RetentionKind.CLOSED_REQUESTS,
    labels={OWNER: "Requester (your id)", "reference": "Request", "delivered_at": "Delivered"},
)
ASKED = RecordSpec(
    kind=records.ASKED,
    journey="benefits",
    what="Time we asked you about a request's benefits",
    retention=RetentionKind.CLOSED_REQUESTS,
    labels={OWNER: "Asked (your id)", "reference": "Request", "months": "Months after delivery"},
)
RECORDED = RecordSpec(
    kind=records.RECORDED,
    journey="benefits",
    what="Benefits you told us about",
    retention=RetentionKind.CLOSED_REQUESTS,
    text_fields=("notes",),
    person_fields=("by",),
    labels={
        OWNER: "Told us (your id)",
        "reference": "Request",
        "months": "Months after delivery",
        "cash_saving_per_year": "Cash saving a year (£)",
        "hours_saved_per_year": "Hours saved a year",
        "residents_affected": "Residents affected",
        "notes": "Notes",
        "by": "Recorded by (your id)",
        "at": "Recorded at",
    },
)
REPORT_LINK = RecordSpec(
    kind=LINK_KIND,
    journey="benefits",
    what="Link to a benefits report you made",
    retention=RetentionKind.CLOSED_REQUESTS,
    on_retention="delete",
    on_erase="delete",
    expires_after=dt.timedelta(days=LINK_DAYS),
    name_fields=("by",),
    person_fields=("by_id",),
    labels={
        OWNER: "Made by (your id)",
        "by": "Your name",
        "by_id": "Your Entra id",
        "board": "Board",
        "theme": "Theme",
        "year": "Financial year",
    },
)
SPECS = (DUE, ASKED, RECORDED, REPORT_LINK)


def benefits_data(
    store: RecordKeeper, forget: Callable[[list[Record]], Any] | None = None
) -> RecordKindData:
    """`forget` drops the links and pages the report drew (report.BenefitsReporting)."""
    return RecordKindData(store, SPECS, after_change=forget)
