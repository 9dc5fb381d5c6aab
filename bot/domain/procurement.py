"""Procurement early engagement, as plain data: the application catalogue, what a
catalogue check found, and one person's engagement from the need to the pack.

The strategy ("Design, plan and implement", now): services engage IT at an early stage
in all technology procurement, with requirements gathered before anything is bought;
and ("Technology and architecture") the council finds and removes duplicate systems and
fully uses what it already owns (Microsoft 365 E5, Power Platform, SharePoint).

No I/O here, no SDK, no SQL.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum


@dataclass(frozen=True)
class CatalogueEntry:
    """One system the council has (or a platform it owns), as the CMDB knows it."""

    id: str  # stable: the CMDB's id, or a slug of the name; unique in the catalogue
    name: str
    supplier: str
    owner_name: str  # who in the council owns the system
    owner_id: str  # their Entra object id, "" when not known (admins are told instead)
    capabilities: tuple[str, ...]  # short phrases: "case management", "online payments"
    description: str
    users: int | None = None  # how many staff use it
    contract_end: dt.date | None = None
    licences: int | None = None
    directorate: str = ""
    # A platform the council owns across the organisation (Microsoft 365 E5, Power
    # Platform, SharePoint): "use what we already own" before buying.
    platform: bool = False
    sample: bool = False  # seeded sample data, not the council's real catalogue


@dataclass(frozen=True)
class CatalogueMatch:
    """A catalogue entry that may do the job, with why, in words a person can check."""

    entry_id: str
    name: str
    score: float
    why: tuple[str, ...]  # e.g. "Its capabilities include case management."
    platform: bool = False


class Stage(StrEnum):
    """Where an engagement is. Each stage says what the person does next."""

    CATALOGUE = "catalogue"  # the need is known; the catalogue check is shown
    REQUEST = "request"  # nothing fits: the request form (the requirements toolkit) is open
    CHECKLIST = "checklist"  # the request is sent; the early-engagement checklist is next
    READY = "ready"  # the checklist is done and the pack is made
    EXISTING = "existing"  # an existing system does it: a request to use or extend it instead


STAGE_LABELS: dict[Stage, str] = {
    Stage.CATALOGUE: "Checking what the council already has",
    Stage.REQUEST: "Gathering requirements",
    Stage.CHECKLIST: "Early-engagement checklist to complete",
    Stage.READY: "Pack ready for Procurement and the Technical Review Board",
    Stage.EXISTING: "Using or extending a system the council already has",
}


class CatalogueOutcome(StrEnum):
    EXISTING = "existing"  # "this already does it"
    NONE_FIT = "none_fit"  # "none of these fit, because…"
    RENEWAL = "renewal"  # "renew <system>": keep the system the council has now


class ReviewPath(StrEnum):
    """Which review the engagement needs (decided when the checklist is done)."""

    FULL = "full"  # new technology, integration or architecture: the Technical Review Board
    LIGHT = "light"  # a renewal with no change in scope, where the council allows it


@dataclass(frozen=True)
class Engagement:
    """One person's procurement early engagement. `version` guards every save."""

    id: str  # "PE-" and 12 hex digits: never shown as the main reference
    owner_id: str
    owner_name: str
    need: str  # what they want it to do, in their words
    renewal: bool  # renewing a contract, not buying something new
    system_name: str  # the system being renewed, or the product they have in mind
    stage: Stage
    created_at: dt.datetime
    updated_at: dt.datetime
    reference: str = ""  # the DR- request, once sent
    draft_id: str = ""  # the request form's draft this engagement opened
    matches: tuple[CatalogueMatch, ...] = ()  # what the catalogue check showed
    outcome: CatalogueOutcome | None = None
    # With EXISTING: the system that already does it. For a renewal still at the check,
    # or renewed (RENEWAL): the catalogue's entry for the system being renewed, if found.
    chosen_entry_id: str = ""
    none_fit_reason: str = ""  # with NONE_FIT: why none of the matches fit
    checklist: dict[str, str] = field(default_factory=dict)  # answers as typed, by field
    path: ReviewPath | None = None
    pack_token: str = ""  # the unguessable part of the pack's web address
    version: int = 0

    @property
    def label(self) -> str:
        """How the engagement is named to people: its request's reference when it has one."""
        return self.reference or "your early engagement"


@dataclass(frozen=True)
class ImportProblem:
    """A CSV row that was not imported: its line number in the file, and why."""

    line: int
    reason: str


@dataclass(frozen=True)
class ImportResult:
    entries: tuple[CatalogueEntry, ...]
    problems: tuple[ImportProblem, ...]


@dataclass(frozen=True)
class RenewalDue:
    """A contract ending within the notice period: who to tell, once per renewal."""

    entry: CatalogueEntry
    months_left: int

    @property
    def once_key(self) -> str:
        """The same contract end date is told about once, across restarts and processes."""
        end = self.entry.contract_end.isoformat() if self.entry.contract_end else "none"
        return f"renewal:{self.entry.id}:{end}"


# The request history's action for a catalogue check recorded after the request was sent
# (or on it, when it was sent from the engagement's own form): IT triage sees it.
CATALOGUE_CHECK = "catalogue_check"
