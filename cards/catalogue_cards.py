"""Cards for the start of a procurement early engagement: "before you buy", the
catalogue check, and the note a system owner gets. Pure functions: data in, card JSON out.

Catalogue text (names, suppliers, owners, capabilities) comes from an imported file and
what people typed comes from them: both are shown with `user_text`, never as Markdown.
Card data names which engagement or entry a button is about, never who pressed it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import microsoft_teams.cards as ac

from bot.domain.procurement import STAGE_LABELS, CatalogueEntry, CatalogueMatch, Engagement
from bot.domain.text import defang_for_display, long_date
from cards.elements import (
    button,
    card,
    facts,
    heading,
    labelled_user_text,
    notice,
    para,
    to_dict,
    user_text,
)

# Verbs: every one of this part's buttons starts with `procurement.`.
CHECK = "procurement.check"  # "Check what the council already has"
EXISTING = "procurement.existing"  # "This already does it"
NONE_FIT = "procurement.none_fit"  # "None of these fit"
CARRY_ON = "procurement.carry_on"  # "Carry on where I was"
REQUEST = "procurement.request"  # open the engagement's request form (after a draft)
RENEW = "procurement.renew_it"  # "Renew <system>": keep the system being renewed
START_ANYWAY = "procurement.start"  # "Before you buy" after all (from the service desk note)

# Input ids and card data keys
NEED = "need"
BUY = "buy"  # NEW_BUY or RENEWAL
SYSTEM = "system_name"
REASON = "reason"
KEY = "key"  # one "before you buy" card: pressing it twice makes one engagement
ENGAGEMENT = "engagement"
ENTRY = "entry"
NEW_BUY, RENEWAL = "new", "renewal"

MAX_NEED = 2000
MAX_SYSTEM = 200
MAX_REASON = 1000
NEED_MISSING = "Describe what you need it to do"
BUY_MISSING = "Choose new buy or renewing a contract"
REASON_MISSING = "Say why none of these fit"

WHY_EARLY = (
    "The council's Digital Strategy says IT must be involved early, before anything is "
    "bought. We gather what you need first, and check if the council already has something "
    "that does the job. This saves money and stops us paying for two systems that do the same."
)


def _problem(message: str) -> ac.TextBlock:
    """A refusal next to the input it is about: the words say it, not only the colour."""
    return ac.TextBlock(text=f"Error: {message}", weight="Bolder", wrap=True)


def _name(text: str) -> ac.RichTextBlock:
    """A system's name from the catalogue, as a section title, never as Markdown."""
    shown: ac.CardElement = ac.TextRun(
        text=defang_for_display(text), size="Medium", weight="Bolder"
    )
    return ac.RichTextBlock(inlines=[shown], spacing="Large")


def _in_progress(engagement: Engagement) -> list[ac.CardElement]:
    return [
        notice(
            "You already have an early engagement in progress. "
            f"It is at this stage: {STAGE_LABELS[engagement.stage]}."
        ),
        labelled_user_text("What you said you need", engagement.need, max_chars=300),
        ac.ActionSet(
            actions=[button("Carry on where I was", CARRY_ON, {ENGAGEMENT: engagement.id}, True)]
        ),
        para("Or start a new one below.", subtle=True),
    ]


def start_card(
    key: str,
    *,
    need: str = "",
    renewal: bool | None = None,
    system_name: str = "",
    in_progress: Engagement | None = None,
    errors: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The "Before you buy" card: what they need, new or renewal, and which system."""
    errors = errors or {}
    body: list[ac.CardElement] = [heading("Before you buy")]
    if in_progress is not None:
        body += _in_progress(in_progress)
    if errors:
        summary: list[ac.CardElement] = [
            ac.TextBlock(text="There is a problem", weight="Bolder", size="Medium", wrap=True)
        ]
        summary += [para(message) for message in errors.values()]
        body.append(ac.Container(style="attention", items=summary))
    body.append(para(WHY_EARLY))
    if NEED in errors:
        body.append(_problem(errors[NEED]))
    body.append(
        ac.TextInput(
            id=NEED,
            label="What do you need it to do?",
            is_multiline=True,
            max_length=MAX_NEED,
            value=need[:MAX_NEED] or None,
            is_required=True,
            error_message=NEED_MISSING,
        )
    )
    if BUY in errors:
        body.append(_problem(errors[BUY]))
    chosen = None if renewal is None else (RENEWAL if renewal else NEW_BUY)
    body.append(
        ac.ChoiceSetInput(
            id=BUY,
            label="Is this a new buy or a renewal?",
            choices=[
                ac.Choice(title="New buy", value=NEW_BUY),
                ac.Choice(title="Renewing a contract we already have", value=RENEWAL),
            ],
            value=chosen,
            style="expanded",
            is_required=True,
            error_message=BUY_MISSING,
        )
    )
    if SYSTEM in errors:
        body.append(_problem(errors[SYSTEM]))
    body.append(
        ac.TextInput(
            id=SYSTEM,
            label="Which system or product, if you know (optional)",
            max_length=MAX_SYSTEM,
            value=system_name[:MAX_SYSTEM] or None,
        )
    )
    check = button(
        "Check what the council already has", CHECK, {KEY: key}, primary=True, validate=True
    )
    return to_dict(card(body, [check], fallback="Before you buy: tell us what you need."))


def _entry_items(entry: CatalogueEntry, today: dt.date) -> list[ac.CardElement]:
    items: list[ac.CardElement] = []
    if entry.capabilities:
        items.append(labelled_user_text("What it does", ", ".join(entry.capabilities)))
    items.append(labelled_user_text("Owner", entry.owner_name))
    items.append(labelled_user_text("Supplier", entry.supplier))
    known: list[tuple[str, str]] = []
    if entry.contract_end is not None:
        ended = "Contract ended" if entry.contract_end < today else "Contract ends"
        known.append((ended, long_date(entry.contract_end)))
    if entry.users is not None:
        known.append(("Users", f"{entry.users:,}"))
    if known:
        items.append(facts(known))
    return items


def _match_items(
    engagement: Engagement,
    match: CatalogueMatch,
    entry: CatalogueEntry | None,
    today: dt.date,
    choose: str = "This already does it",
) -> list[ac.CardElement]:
    items: list[ac.CardElement] = [_name(match.name)]
    if match.platform or (entry is not None and entry.platform):
        items.append(para("A platform the council already owns."))
    if entry is not None:
        items += _entry_items(entry, today)
    if match.why:
        items.append(ac.TextBlock(text="Why it matched", weight="Bolder", wrap=True))
        items += [user_text(line) for line in match.why]
    data = {ENGAGEMENT: engagement.id, ENTRY: match.entry_id}
    items.append(ac.ActionSet(actions=[button(choose, EXISTING, data)]))
    return [ac.Container(items=items, separator=True, spacing="Large")]


def renew_title(system: str) -> str:
    """The renew button's words: the system's name, cut to fit a button."""
    name = " ".join(system.split())
    if not name:
        return "Renew the current system"
    return "Renew " + (name if len(name) <= 60 else name[:59].rstrip() + "…")


def _renewing_items(
    engagement: Engagement, renewed: CatalogueEntry | None, today: dt.date
) -> list[ac.CardElement]:
    """The system being renewed, on its own, with the button to renew it."""
    name = renewed.name if renewed is not None else engagement.system_name
    items: list[ac.CardElement] = [
        ac.TextBlock(text="The system you are renewing", size="Medium", weight="Bolder", wrap=True)
    ]
    if name:
        items.append(_name(name))
    if renewed is not None:
        items += _entry_items(renewed, today)
    else:
        items.append(para("We could not find it in the application catalogue.", subtle=True))
    renew = button(renew_title(name), RENEW, {ENGAGEMENT: engagement.id}, primary=True)
    items.append(ac.ActionSet(actions=[renew]))
    return [ac.Container(items=items, spacing="Large")]


def check_card(
    engagement: Engagement,
    shown: Sequence[tuple[CatalogueMatch, CatalogueEntry | None]],
    *,
    today: dt.date,
    renewed: CatalogueEntry | None = None,
    intro: str = "",
    error: str = "",
    reason: str = "",
) -> dict[str, Any]:
    """The catalogue check: what the council already has that may do the job, and why.
    For a renewal, the system being renewed comes first, on its own, with "Renew" it;
    the matches below are other systems that could be used instead."""
    sample = any(entry is not None and entry.sample for _, entry in shown)
    sample = sample or (renewed is not None and renewed.sample)
    title = "What the council already has" + (" (sample data)" if sample else "")
    body: list[ac.CardElement] = [heading(title)]
    if intro:
        body.append(notice(intro))
    body.append(labelled_user_text("What you need", engagement.need, max_chars=500))
    data = {ENGAGEMENT: engagement.id}
    if engagement.renewal:
        body += _renewing_items(engagement, renewed, today)
        if not shown:
            return to_dict(card(body, fallback="The system you are renewing."))
    if not shown:
        body.append(
            para(
                "Nothing in the council's application catalogue matched what you need. "
                "The next step is to tell us more about it."
            )
        )
        go_on = button("Go on to the next step", NONE_FIT, data, primary=True)
        return to_dict(card(body, [go_on], fallback="Nothing in the catalogue matched."))
    if sample:
        body.append(
            para("These are sample entries, not the council's real catalogue yet.", subtle=True)
        )
    if engagement.renewal:
        body.append(ac.TextBlock(text="Other systems", size="Medium", weight="Bolder", wrap=True))
        body.append(
            para("These may do the same job. You could use one of them instead of renewing.")
        )
    else:
        body.append(
            para(
                "These may already do what you need. If one does, choose This already "
                "does it. If none does, say why below."
            )
        )
    choose = "Use this instead" if engagement.renewal else "This already does it"
    for match, entry in shown:
        body += _match_items(engagement, match, entry, today, choose)
    body.append(ac.TextBlock(text="None of these fit", size="Medium", weight="Bolder", wrap=True))
    if error:
        body.append(_problem(error))
    body.append(
        ac.TextInput(
            id=REASON,
            label="Why do none of these fit?",
            is_multiline=True,
            max_length=MAX_REASON,
            value=reason[:MAX_REASON] or None,
            is_required=True,
            error_message=REASON_MISSING,
        )
    )
    none_fit = button("None of these fit", NONE_FIT, data, validate=True)
    return to_dict(card(body, [none_fit], fallback="What the council already has."))


def owner_card(
    engagement: Engagement, entry: CatalogueEntry, *, for_admins: bool = False
) -> dict[str, Any]:
    """Tells a system owner (or the admins, when the owner cannot be reached) that
    someone wants to use or extend their system instead of buying something new."""
    who = engagement.owner_name or "A member of staff"
    body: list[ac.CardElement] = [heading("Someone wants to use a system the council has")]
    if for_admins:
        body.append(
            notice(
                "We could not reach the owner of this system, so we are telling you. "
                "Please pass this on to them.",
                important=True,
            )
        )
    body += [
        labelled_user_text("The system", entry.name),
        labelled_user_text("Its owner", entry.owner_name),
        labelled_user_text("Who", who),
        labelled_user_text("What they need", engagement.need, max_chars=1000),
        para(
            "They checked the application catalogue and think this system already does "
            "what they need. They are raising a request to use or extend it, instead of buying "
            "something new. IT triage will contact you if they need your help."
        ),
    ]
    return to_dict(card(body, fallback="Someone wants to use a system the council has."))


def draft_waiting_card(
    engagement: Engagement, continue_verb: str, told: str = ""
) -> dict[str, Any]:
    """They already have a request form open: it is not overwritten."""
    body: list[ac.CardElement] = [heading("Finish your other request first")]
    if told:
        body.append(user_text(told))
    body += [
        para(
            "You already have a request in progress. We have not changed it. "
            "Finish or discard it first, then start this one."
        ),
    ]
    actions: list[ac.Action] = [
        button("Continue my request", continue_verb, primary=True),
        button("Start this request", REQUEST, {ENGAGEMENT: engagement.id}),
    ]
    return to_dict(card(body, actions, fallback="You already have a request in progress."))


def moved_on_card(engagement: Engagement, reference_note: str = "") -> dict[str, Any]:
    """Where an engagement is now, for a press on a card it has moved past."""
    body: list[ac.CardElement] = [
        heading("This has moved on"),
        para(
            "This card is from an earlier step, so nothing on it was saved. "
            f"Your early engagement is at this stage: {STAGE_LABELS[engagement.stage]}."
        ),
    ]
    if reference_note:
        body.append(para(reference_note))
    go_on = button("Carry on where I was", CARRY_ON, {ENGAGEMENT: engagement.id}, True)
    return to_dict(card(body, [go_on], fallback="This early engagement has moved on."))


def existing_done_card(
    entry_name: str, told: str, reference: str, noted: bool = True
) -> dict[str, Any]:
    """After "This already does it" on an engagement whose request is already sent."""
    if noted:
        after = (
            f"Your request {reference} has already been sent. We have added your choice to "
            "it, so IT triage will see it. They can help you use this system instead of "
            "buying something new."
        )
    else:
        after = (
            f"Your request {reference} has already been sent. We could not add your choice "
            "to it just now. Tell IT triage when they contact you."
        )
    body: list[ac.CardElement] = [
        heading("Thank you"),
        labelled_user_text("You chose", entry_name),
        para(told),
        para(after),
    ]
    return to_dict(card(body, fallback="Thank you. We have noted the system you chose."))


def renewal_started_card(engagement: Engagement, entry: CatalogueEntry) -> dict[str, Any]:
    """Tells a system's owner that someone else started the renewal of their system."""
    who = engagement.owner_name or "A member of staff"
    body: list[ac.CardElement] = [
        heading("Someone started a renewal"),
        user_text(f"{who} started the renewal of {entry.name}."),
        labelled_user_text("The system", entry.name),
        labelled_user_text("What they need", engagement.need, max_chars=1000),
        para("You own this system, so we are letting you know. You do not need to do anything."),
    ]
    return to_dict(card(body, fallback="Someone started the renewal of your system."))


def equipment_card(need: str, contact: str) -> dict[str, Any]:
    """ "We want to buy a new laptop": devices come from the IT service desk, not a buy."""
    body: list[ac.CardElement] = [
        heading("Ask the IT service desk"),
        labelled_user_text("You asked for", need, max_chars=300),
        para(
            "Laptops, phones, screens and other kit come from the IT service desk. "
            "You do not need to buy them yourself."
        ),
        user_text(contact),
        para("If you do need to buy software or a system, you can go on.", subtle=True),
    ]
    go_on = button("Go on anyway", START_ANYWAY, {NEED: need[:MAX_NEED]})
    return to_dict(card(body, [go_on], fallback="Ask the IT service desk."))
