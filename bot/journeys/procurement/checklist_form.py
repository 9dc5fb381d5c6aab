"""The early-engagement checklist, as data for the form engine: four short steps.

The strategy asks that IT is engaged early in all technology procurement, with
requirements gathered and standard IT principles applied before anything is bought:
integration with the systems the council has, data protection, security and hosting,
accessibility, a way out at the end, and who in the service owns it.

The engagement the checklist is for travels in the draft as a prefilled value (not a
question), so card data never says which engagement is being answered for.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from bot.domain import forms
from bot.domain.forms import (
    YES,
    Choice,
    FieldSpec,
    FormDefinition,
    Step,
    read_choice,
    read_date,
    read_number,
    read_text,
    read_yes_no,
)

# Draft values that are not questions: which engagement, and its request's reference.
ENGAGEMENT = "engagement"
REFERENCE = "reference"

# Answers to the choice questions, as kept.
YES_ANSWER, NO_ANSWER, PARTLY = "yes", "no", "partly"
NOT_SURE, NOT_KNOWN = "not_sure", "not_known"
RENEWAL, NEW_BUY = "renewal", "new"
SUPPLIER_CLOUD, AZURE, ON_PREMISES = "supplier_cloud", "azure", "on_premises"

YES_NO_PARTLY = (Choice(YES_ANSWER, "Yes"), Choice(NO_ANSWER, "No"), Choice(PARTLY, "Partly"))
YES_NO_NOT_SURE = (Choice(YES_ANSWER, "Yes"), Choice(NO_ANSWER, "No"), Choice(NOT_SURE, "Not sure"))
YES_NO_NOT_KNOWN = (
    Choice(YES_ANSWER, "Yes"),
    Choice(NO_ANSWER, "No"),
    Choice(NOT_KNOWN, "Not known"),
)
HOSTING = (
    Choice(SUPPLIER_CLOUD, "The supplier's cloud"),
    Choice(AZURE, "The council's Microsoft Azure"),
    Choice(ON_PREMISES, "On council premises"),
    Choice(NOT_KNOWN, "Not known yet"),
)
RENEWAL_OR_NEW = (Choice(RENEWAL, "A renewal"), Choice(NEW_BUY, "A new buy"))


def _renewing(values: Mapping[str, str], today: dt.date) -> bool:
    return values.get("renewal_or_new", "").strip() == RENEWAL


REQUIREMENTS = FieldSpec(
    "requirements",
    "Have you gathered requirements with the people who will use it?",
    "choice",
    required=True,
    choices=YES_NO_PARTLY,
    help="Your request's answers are the requirements gathering toolkit's answers. "
    "The pack includes them.",
    noun="whether requirements are gathered",
    missing="Choose yes, no or partly to say if requirements are gathered",
)
SYSTEMS = FieldSpec(
    "systems",
    "Which systems must it work with?",
    "text",
    required=True,
    max_length=500,
    help="For example, Academy, SharePoint. Write none if it works on its own.",
    noun="the systems it must work with",
    missing="Enter the systems it must work with, or write none",
)
DATA_FLOW = FieldSpec(
    "data_flow",
    "How will information move between them?",
    "multiline",
    max_length=2000,
    help="For example, each night a file of new cases goes from Academy to the new system.",
    noun="how information moves",
)
PERSONAL_DATA = FieldSpec(
    "personal_data",
    "Will it hold personal data?",
    "yesno",
    required=True,
    help="Personal data is anything that tells you who someone is, like a name or address.",
    noun="whether it will hold personal data",
    missing="Choose yes if it will hold personal data. Choose no if it will not.",
)
DPIA = FieldSpec(
    "dpia",
    "Do you need a data protection impact assessment (DPIA)?",
    "choice",
    required=True,
    choices=YES_NO_NOT_SURE,
    help="A DPIA is usually needed when it holds personal data. "
    "The data protection officer can help.",
    noun="whether a DPIA is needed",
    missing="Choose yes, no or not sure to say if a DPIA is needed",
)
HOSTING_WHERE = FieldSpec(
    "hosting",
    "Where will it be hosted?",
    "choice",
    required=True,
    choices=HOSTING,
    help="Hosted means where the system and its data are kept and run.",
    noun="where it will be hosted",
    missing="Choose where it will be hosted, or not known yet",
)
CERTIFICATION = FieldSpec(
    "certification",
    "Does the supplier hold Cyber Essentials Plus or ISO 27001?",
    "choice",
    required=True,
    choices=YES_NO_NOT_KNOWN,
    help="These show the supplier keeps information secure. Ask the supplier if you do not know.",
    noun="whether the supplier holds a security certificate",
    missing="Choose yes, no or not known for the supplier's security certificate",
)
ACCESSIBILITY = FieldSpec(
    "accessibility",
    "Does the supplier say it meets WCAG 2.2 AA and publish an accessibility statement?",
    "choice",
    required=True,
    choices=YES_NO_NOT_KNOWN,
    help="The Public Sector Bodies Accessibility Regulations 2018 say the council's websites "
    "and apps must be accessible. WCAG 2.2 AA is the standard they use.",
    noun="whether it meets the accessibility standard",
    missing="Choose yes, no or not known for accessibility",
)
EXIT_PLAN = FieldSpec(
    "exit_plan",
    "How will the council get its data back at the end?",
    "multiline",
    required=True,
    max_length=2000,
    help="For example, the supplier sends all our records as files we can open, within 30 days.",
    noun="how the council gets its data back",
    missing="Say how the council will get its data back at the end",
)
CONTRACT_VALUE = FieldSpec(
    "contract_value",
    "What is the contract worth in total, in pounds?",
    "number",
    minimum=0,
    maximum=1_000_000_000,
    example="45000",
    money=True,
    help="A rough figure is fine. Leave blank if you do not know yet.",
    noun="the contract value",
)
CONTRACT_START = FieldSpec(
    "contract_start",
    "When will the contract start?",
    "date",
    help="For example, 1 April 2027. Leave blank if you do not know yet.",
    noun="the contract start date",
)
CONTRACT_END = FieldSpec(
    "contract_end",
    "When will the contract end?",
    "date",
    help="For example, 31 March 2030. It must be after the start date.",
    noun="the contract end date",
)
RENEWAL_QUESTION = FieldSpec(
    "renewal_or_new",
    "Is this a renewal or a new buy?",
    "choice",
    required=True,
    choices=RENEWAL_OR_NEW,
    help="A renewal means you keep a system the council uses now.",
    noun="whether this is a renewal or a new buy",
    missing="Choose a renewal or a new buy",
)
SCOPE_CHANGING = FieldSpec(
    "scope_changing",
    "Is the scope changing?",
    "yesno",
    required=True,
    help="Choose yes if the renewal adds users, features, data or links to other systems.",
    noun="whether the scope is changing",
    missing="Choose yes if the scope is changing. Choose no if it is not.",
    shown_when=_renewing,
)
SERVICE_OWNER = FieldSpec(
    "service_owner",
    "Who in your service will own it?",
    "text",
    required=True,
    max_length=120,
    help="The name of the person who will be responsible for it day to day.",
    noun="the owner's name",
    missing="Enter the name of the person who will own it",
)

STEPS: tuple[Step, ...] = (
    Step(
        1,
        "Requirements and other systems",
        "These questions help IT check it will fit with what the council already has.",
        (REQUIREMENTS, SYSTEMS, DATA_FLOW),
    ),
    Step(
        2,
        "Data, security and hosting",
        "These questions help keep people's information safe.",
        (PERSONAL_DATA, DPIA, HOSTING_WHERE, CERTIFICATION),
    ),
    Step(
        3,
        "Access for all and the end of the contract",
        "Everyone must be able to use it, and the council must not lose its data.",
        (ACCESSIBILITY, EXIT_PLAN),
    ),
    Step(
        4,
        "Contract and owner",
        "Tell us about the contract and who will look after it.",
        (
            CONTRACT_VALUE,
            CONTRACT_START,
            CONTRACT_END,
            RENEWAL_QUESTION,
            SCOPE_CHANGING,
            SERVICE_OWNER,
        ),
    ),
)
FIELDS: dict[str, FieldSpec] = {spec.name: spec for step in STEPS for spec in step.fields}


@dataclass(frozen=True)
class Checklist:
    """The checklist's answers, checked and typed."""

    requirements: str  # yes, no or partly
    systems: str
    data_flow: str
    personal_data: bool
    dpia: str  # yes, no or not_sure
    hosting: str
    certification: str  # yes, no or not_known
    accessibility: str  # yes, no or not_known
    exit_plan: str
    contract_value: int | None
    contract_start: dt.date | None
    contract_end: dt.date | None
    renewal: bool
    scope_changing: bool  # False for a new buy (not asked)
    service_owner: str

    def answers(self) -> dict[str, str]:
        """As kept on the engagement: the draft's strings, cleaned."""
        return {
            "requirements": self.requirements,
            "systems": self.systems,
            "data_flow": self.data_flow,
            "personal_data": forms.YES if self.personal_data else forms.NO,
            "dpia": self.dpia,
            "hosting": self.hosting,
            "certification": self.certification,
            "accessibility": self.accessibility,
            "exit_plan": self.exit_plan,
            "contract_value": "" if self.contract_value is None else str(self.contract_value),
            "contract_start": self.contract_start.isoformat() if self.contract_start else "",
            "contract_end": self.contract_end.isoformat() if self.contract_end else "",
            "renewal_or_new": RENEWAL if self.renewal else NEW_BUY,
            "scope_changing": (forms.YES if self.scope_changing else forms.NO)
            if self.renewal
            else "",
            "service_owner": self.service_owner,
        }


def _end_after_start(values: Mapping[str, str], errors: Mapping[str, str]) -> dict[str, str]:
    if "contract_start" in errors or "contract_end" in errors:
        return {}
    today = dt.date.min  # only the order of the two dates matters here
    start = read_date(CONTRACT_START, values.get("contract_start", ""), today)
    end = read_date(CONTRACT_END, values.get("contract_end", ""), today)
    if start is not None and end is not None and end <= start:
        return {"contract_end": "The contract end date must be after the start date"}
    return {}


def build_checklist(values: Mapping[str, str], today: dt.date) -> Checklist:
    """Typed answers from checked ones. Raises ValueError if any answer is wrong."""
    errors = forms.all_errors(CHECKLIST_FORM, values, today)
    if errors:
        raise ValueError(f"These answers need changing first: {', '.join(errors)}")

    def raw(name: str) -> str:
        return values.get(name, "")

    renewal = read_choice(RENEWAL_QUESTION, raw("renewal_or_new")) == RENEWAL
    return Checklist(
        requirements=read_choice(REQUIREMENTS, raw("requirements")),
        systems=read_text(SYSTEMS, raw("systems")),
        data_flow=read_text(DATA_FLOW, raw("data_flow")),
        personal_data=read_yes_no(PERSONAL_DATA, raw("personal_data")) is True,
        dpia=read_choice(DPIA, raw("dpia")),
        hosting=read_choice(HOSTING_WHERE, raw("hosting")),
        certification=read_choice(CERTIFICATION, raw("certification")),
        accessibility=read_choice(ACCESSIBILITY, raw("accessibility")),
        exit_plan=read_text(EXIT_PLAN, raw("exit_plan")),
        contract_value=read_number(CONTRACT_VALUE, raw("contract_value")),
        contract_start=read_date(CONTRACT_START, raw("contract_start"), today),
        contract_end=read_date(CONTRACT_END, raw("contract_end"), today),
        renewal=renewal,
        scope_changing=renewal and read_yes_no(SCOPE_CHANGING, raw("scope_changing")) is True,
        service_owner=read_text(SERVICE_OWNER, raw("service_owner")),
    )


CHECKLIST_FORM: FormDefinition[Checklist] = FormDefinition(
    key="engagement",
    title="Early-engagement checklist",
    steps=STEPS,
    build=build_checklist,
    cross_checks={4: _end_after_start},
    noun="early-engagement checklist",
    start_command="checklist",
    resume_command="checklist",
    submit_label="Make the pack",
    review_note="When you make the pack, Procurement gets a link to it. New technology also "
    "goes to the Technical Review Board.",
)


def prefill(
    engagement_id: str,
    reference: str,
    renewal: bool,
    personal_data: bool | None,
    systems: str,
    kept: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """A new checklist's first answers: what the engagement and its request already say,
    or the answers kept from the last time (changing them re-makes the same pack)."""
    if kept:
        values = {name: str(value) for name, value in kept.items() if name in FIELDS}
    else:
        values = {
            "renewal_or_new": RENEWAL if renewal else NEW_BUY,
            "systems": " ".join(systems.split())[: SYSTEMS.max_length or 0],
        }
        if personal_data is not None:
            values["personal_data"] = forms.YES if personal_data else forms.NO
    return {**values, ENGAGEMENT: engagement_id, REFERENCE: reference}


def in_words(spec: FieldSpec, raw: str) -> str:
    """One kept answer as a person reads it ("" when not given)."""
    text = raw.strip()
    if not text:
        return ""
    if spec.kind == "yesno":
        return "Yes" if text == YES else "No"
    if spec.choices:
        return {choice.value: choice.label for choice in spec.choices}.get(text, text)
    return text
