"""The early-engagement pack: one printable web page for Procurement and the Technical
Review Board, with the request, the catalogue check, the checklist and what is still open.

Pure functions: which review an engagement needs, its open questions, and the page
itself (HTML that prints well on A4; no scripts, every value escaped). The page's
address holds an unguessable token, which is the only key to it. The link works for a
set number of days after the pack is made; making the pack after that gives a new one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import html
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.domain.cells import safe_cell
from bot.domain.forms import YES
from bot.domain.model import (
    BUDGET_LABELS,
    DRIVER_LABELS,
    KIND_LABELS,
    Budget,
    DigitalRequest,
    RequestDetails,
    RequestKind,
)
from bot.domain.procurement import CatalogueMatch, CatalogueOutcome, Engagement, ReviewPath
from bot.domain.scoring import score_summary
from bot.domain.text import long_date
from bot.journeys.intake.form import FIELDS as REQUEST_FIELDS
from bot.journeys.procurement import checklist_form as form
from bot.journeys.procurement.checklist_form import (
    NO_ANSWER,
    NOT_KNOWN,
    NOT_SURE,
    PARTLY,
    RENEWAL,
    YES_ANSWER,
)

TRB = "Technical Review Board"


# ---- Which review, and why -------------------------------------------------


def _renewal_unchanged(answers: Mapping[str, str]) -> bool:
    return answers.get("renewal_or_new") == RENEWAL and answers.get("scope_changing") != YES


def review_path(answers: Mapping[str, str], light_renewals: bool) -> ReviewPath:
    """A renewal whose scope is not changing brings no new technology, integration or
    architecture: it may take the lighter path, where the council allows it. Anything
    else goes to the Technical Review Board."""
    if light_renewals and _renewal_unchanged(answers):
        return ReviewPath.LIGHT
    return ReviewPath.FULL


def why_the_board(answers: Mapping[str, str], light_renewals: bool) -> str:
    """Why an engagement on the full path goes to the Technical Review Board, in words."""
    if answers.get("renewal_or_new") != RENEWAL:
        why = "It is a new buy. The board checks all new technology before anything is bought."
    elif answers.get("scope_changing") == YES:
        why = "It is a renewal, and its scope is changing."
    elif not light_renewals:
        why = "The council asks the board to look at every renewal."
    else:
        why = "It needs the board's review."
    systems = answers.get("systems", "").strip()
    if systems and systems.lower() not in ("none", "no", "n/a"):
        why += f" It must work with other systems: {systems}."
    return why


def who_reviews(path: ReviewPath | None) -> str:
    if path is ReviewPath.LIGHT:
        return (
            "Procurement reviews it. It is a renewal with no change in scope, so it does not "
            f"need to go to the {TRB}."
        )
    return (
        f"Procurement and the {TRB} review it. The board checks how it fits the council's "
        "systems and IT architecture before anything is bought."
    )


# ---- How long the link works, and what a channel was told ------------------


def link_expires(engagement: Engagement, days: int) -> dt.datetime:
    """The pack is made when it is saved as ready, and nothing saves it after that."""
    return engagement.updated_at + dt.timedelta(days=days)


def link_works(engagement: Engagement, now: dt.datetime, days: int) -> bool:
    return bool(engagement.pack_token) and now < link_expires(engagement, days)


def version_of(engagement: Engagement) -> str:
    """A short fingerprint of what a channel is told: the answers, the path and the link.
    The same pack made again has the same one."""
    told = [sorted(engagement.checklist.items()), engagement.path, engagement.pack_token]
    return hashlib.sha256(json.dumps(told).encode()).hexdigest()[:12]


# ---- What is still open ----------------------------------------------------

_OPEN: dict[str, dict[str, str]] = {
    "requirements": {
        NO_ANSWER: "Requirements have not been gathered with the people who will use it.",
        PARTLY: "Requirements have only partly been gathered with the people who will use it.",
    },
    "dpia": {
        YES_ANSWER: "A data protection impact assessment (DPIA) is needed. "
        "It must be done before the contract is signed.",
        NOT_SURE: "Nobody knows yet if a data protection impact assessment (DPIA) is needed.",
    },
    "hosting": {NOT_KNOWN: "Where it will be hosted is not known yet."},
    "certification": {
        NO_ANSWER: "The supplier does not hold Cyber Essentials Plus or ISO 27001.",
        NOT_KNOWN: "Nobody knows yet if the supplier holds Cyber Essentials Plus or ISO 27001.",
    },
    "accessibility": {
        NO_ANSWER: "The supplier does not say it meets WCAG 2.2 AA and publish an "
        "accessibility statement.",
        NOT_KNOWN: "Nobody knows yet if it meets WCAG 2.2 AA or has an accessibility statement.",
    },
}
_NOT_GIVEN = {
    "contract_value": "The contract value is not known yet.",
    "contract_start": "The contract start date is not known yet.",
    "contract_end": "The contract end date is not known yet.",
}


def open_questions(answers: Mapping[str, str], details: RequestDetails | None) -> list[str]:
    """Everything still to settle, each as a plain sentence, in the checklist's order."""
    found = [
        _OPEN[name][answers.get(name, "")] for name in _OPEN if answers.get(name) in _OPEN[name]
    ]
    if answers.get("personal_data") == YES and answers.get("dpia") == NO_ANSWER:
        found.append(
            "It will hold personal data, but the checklist says no DPIA is needed. "
            "The data protection officer should agree this."
        )
    systems = answers.get("systems", "").strip().lower()
    if systems and systems not in ("none", "no", "n/a") and not answers.get("data_flow"):
        found.append("How information will move between the systems is not described yet.")
    found += [sentence for name, sentence in _NOT_GIVEN.items() if not answers.get(name)]
    if details is not None and not details.sponsor:
        found.append("There is no named senior sponsor yet.")
    return found


# ---- The page ----------------------------------------------------------------


@dataclass(frozen=True)
class PackView:
    """What the page shows, gathered by the route that serves it."""

    engagement: Engagement
    request: DigitalRequest | None
    board_name: str  # the board the request's route names
    process_name: str
    chosen_name: str  # with CatalogueOutcome.EXISTING: the system chosen
    sample: bool  # the catalogue check used sample data
    light_renewals: bool


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _text(value: str) -> str:
    """Someone's words, escaped, with their line breaks kept."""
    return "<br>".join(_e(line) for line in value.split("\n"))


def _cell(value: str) -> str:
    """Someone's words as a table cell: escaped, and never read as a spreadsheet formula
    when the page is copied into Excel."""
    return _text(safe_cell(value))


def _rows(pairs: Sequence[tuple[str, str]]) -> str:
    """Label and value rows; values are already HTML."""
    return "".join(
        f'<tr><th scope="row">{_e(label)}</th><td>{value}</td></tr>' for label, value in pairs
    )


def _table(caption: str, pairs: Sequence[tuple[str, str]]) -> str:
    return f"<table><caption>{_e(caption)}</caption><tbody>{_rows(pairs)}</tbody></table>"


def _request_value(name: str, value: object) -> str:
    match value:
        case None | "" | ():
            return "Not given"
        case bool():
            return "Yes" if value else "No"
        case int():
            return f"£{value:,}" if REQUEST_FIELDS[name].money else f"{value:,}"
        case dt.date():
            return long_date(value)
        case RequestKind():
            return KIND_LABELS[value]
        case Budget():
            return BUDGET_LABELS[value]
        case tuple():
            return ", ".join(DRIVER_LABELS.get(driver, str(driver)) for driver in value)
    return str(value)


def _request_section(request: DigitalRequest | None) -> str:
    if request is None:
        return "<h2>The request</h2><p>The request could not be read just now.</p>"
    values = dataclasses.asdict(request.details)
    pairs = [
        (spec.label, _cell(_request_value(name, values[name])))
        for name, spec in REQUEST_FIELDS.items()
    ]
    return (
        "<h2>The request</h2>"
        "<p>These are the answers to the requirements gathering toolkit.</p>"
        + _table("The request's answers", pairs)
    )


def _score_section(view: PackView) -> str:
    request = view.request
    if request is None:
        return ""
    pairs = [
        ("Priority score", _e(score_summary(request.score.total))),
        ("Board", _e(safe_cell(view.board_name or "No board yet"))),
        ("After the board", _e(safe_cell(view.process_name or "Not known yet"))),
        ("Why", _cell(request.route.reason or "Not given")),
    ]
    return "<h2>Score and route</h2>" + _table("The request's score and route", pairs)


def _catalogue_section(view: PackView) -> str:
    engagement = view.engagement
    parts = ["<h2>What the council already has</h2>"]
    parts.append(
        "<p>The bot searched the application catalogue for: "
        f"{_text(engagement.need or 'not given')}</p>"
    )
    if engagement.matches:
        rows = "".join(
            f'<tr><th scope="row">{_e(safe_cell(match.name))}</th>'
            f"<td>{_e(' '.join(_why(match)))}</td></tr>"
            for match in engagement.matches
        )
        parts.append(
            "<table><caption>What the search showed</caption>"
            '<thead><tr><th scope="col">System</th><th scope="col">Why it matched</th></tr></thead>'
            f"<tbody>{rows}</tbody></table>"
        )
    else:
        parts.append("<p>Nothing in the catalogue matched closely.</p>")
    if engagement.outcome is CatalogueOutcome.EXISTING:
        parts.append(
            "<p>Outcome: an existing system does the job: "
            f"{_e(view.chosen_name or 'not named')}.</p>"
        )
    elif engagement.outcome is CatalogueOutcome.NONE_FIT:
        reason = engagement.none_fit_reason or "no reason given"
        parts.append(f"<p>Outcome: none of these fit, because: {_text(reason)}</p>")
    elif engagement.outcome is CatalogueOutcome.RENEWAL:
        renewed = view.chosen_name or engagement.system_name or "the current system"
        parts.append(f"<p>Outcome: renewing {_e(renewed)}.</p>")
    else:
        parts.append("<p>Outcome: not recorded.</p>")
    return "".join(parts)


_PLATFORM = "It is a platform the council already owns."


def _why(match: CatalogueMatch) -> tuple[str, ...]:
    """The search says when a match is a platform the council owns; older checks did not."""
    if match.platform and _PLATFORM not in match.why:
        return (*match.why, _PLATFORM)
    return match.why


def _answer(name: str, raw: str) -> str:
    spec = form.FIELDS[name]
    if spec.kind == "number" and raw.strip().isdigit():
        return _e(f"£{int(raw):,}")
    if spec.kind == "date" and raw.strip():
        try:
            return _e(long_date(dt.date.fromisoformat(raw.strip())))
        except ValueError:
            return _e(safe_cell(raw))
    return _cell(form.in_words(spec, raw) or "Not given")


def _checklist_section(answers: Mapping[str, str]) -> str:
    parts = ["<h2>Early-engagement checklist</h2>"]
    for step in form.STEPS:
        pairs = [
            (spec.label, _answer(spec.name, answers.get(spec.name, "")))
            for spec in step.fields
            if spec.shown_when is None or answers.get(spec.name)
        ]
        parts.append(f"<h3>{_e(step.title)}</h3>" + _table(step.title, pairs))
    return "".join(parts)


def _open_section(questions: list[str]) -> str:
    if not questions:
        return "<h2>Open questions</h2><p>There are no open questions.</p>"
    items = "".join(f"<li>{_e(question)}</li>" for question in questions)
    return f"<h2>Open questions</h2><ul>{items}</ul>"


def _review_section(view: PackView) -> str:
    engagement = view.engagement
    text = f"<h2>Review</h2><p>{_e(who_reviews(engagement.path))}</p>"
    if engagement.path is not ReviewPath.LIGHT:
        text += f"<p>{_e(why_the_board(engagement.checklist, view.light_renewals))}</p>"
    return text


_STYLE = """
body { font-family: Arial, Helvetica, sans-serif; font-size: 12pt; line-height: 1.4;
  color: #0b0c0c; margin: 2rem auto; max-width: 48rem; padding: 0 1rem; }
h1 { font-size: 1.8rem; margin: 0 0 0.5rem; }
h2 { font-size: 1.35rem; margin: 2rem 0 0.5rem; border-top: 2px solid #0b0c0c;
  padding-top: 0.5rem; }
h3 { font-size: 1.1rem; margin: 1.25rem 0 0.25rem; }
table { border-collapse: collapse; width: 100%; margin: 0.5rem 0 1rem; }
caption { text-align: left; font-weight: bold; padding: 0.25rem 0; }
th, td { text-align: left; vertical-align: top; border-bottom: 1px solid #b1b4b6;
  padding: 0.4rem 0.5rem 0.4rem 0; overflow-wrap: anywhere; }
th[scope="row"] { width: 40%; font-weight: bold; }
.sample { border: 3px solid #0b0c0c; padding: 0.5rem 1rem; font-weight: bold; }
@page { size: A4; margin: 18mm 15mm; }
@media print {
  body { margin: 0; max-width: none; padding: 0; font-size: 11pt; }
  h2, h3, caption { break-after: avoid; page-break-after: avoid; }
  tr, li { break-inside: avoid; page-break-inside: avoid; }
}
"""


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="robots" content="noindex">\n'
        f"<title>{_e(title)}</title>\n<style>{_STYLE}</style>\n</head>\n"
        f"<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


def render_pack(view: PackView) -> str:
    """The whole pack as one HTML document."""
    engagement, request = view.engagement, view.request
    title = request.details.title if request else engagement.need or "Early engagement"
    summary = [
        ("Reference", _e(engagement.reference or "None yet")),
        ("Requester", _e(safe_cell(request.requester.name if request else engagement.owner_name))),
        ("Directorate", _e(safe_cell(request.details.directorate if request else "Not known"))),
        ("Renewal or new buy", _e("A renewal" if engagement.renewal else "A new buy")),
        (
            "Review",
            _e(
                "Lighter review by Procurement"
                if engagement.path is ReviewPath.LIGHT
                else f"Full review by Procurement and the {TRB}"
            ),
        ),
        ("Pack made on", _e(long_date(engagement.updated_at.date()))),
    ]
    if engagement.system_name:
        summary.insert(4, ("System or product", _e(safe_cell(engagement.system_name))))
    questions = open_questions(engagement.checklist, request.details if request else None)
    sample = (
        '<p class="sample">Sample data: the catalogue check used the sample catalogue, '
        "not the council's real one.</p>"
        if view.sample
        else ""
    )
    body = (
        f"<h1>Early-engagement pack: {_e(title)}</h1>"
        f"{sample}"
        + _table("Summary", summary)
        + _request_section(request)
        + _score_section(view)
        + _catalogue_section(view)
        + _checklist_section(engagement.checklist)
        + _open_section(questions)
        + _review_section(view)
    )
    return _page(f"Early-engagement pack {engagement.reference}".strip(), body)


NOT_FOUND_PAGE = _page(
    "Page not found",
    "<h1>Page not found</h1><p>There is no early-engagement pack at this address. "
    "Check the link, or ask the person who sent it for a new one.</p>",
)


def expired_page(days: int) -> str:
    """What an old link shows: that it has expired, and how to get a new one."""
    return _page(
        "This link has expired",
        "<h1>This link has expired</h1>"
        f"<p>A link to an early-engagement pack works for {days:,} "
        f"{'day' if days == 1 else 'days'} after the pack is made. This link is older than "
        "that, so it no longer shows the pack.</p>"
        "<p>To get a new link, ask the person who made the pack. In the Digital Front Door "
        "bot in Teams, they type checklist, check their answers and press Make the pack. "
        "They get a new link to share.</p>",
    )
