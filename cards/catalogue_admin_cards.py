"""Cards for looking after the application catalogue: what an import did, what the
catalogue holds, and contract renewal reminders. Pure functions: data in, card JSON out.

Names, suppliers and the reasons a row was refused can quote the council's CSV, so they
are shown with `user_text` (never Markdown, links defanged).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import microsoft_teams.cards as ac

from bot.domain.procurement import CatalogueEntry, ImportProblem, RenewalDue
from bot.domain.text import long_date
from cards.elements import (
    button,
    card,
    heading,
    labelled_user_text,
    notice,
    para,
    to_dict,
    user_text,
)

# Verbs: `catalogue.` and `renewal.` are the procurement admin part's.
RENEWAL_START = "renewal.start"  # "Start an early engagement" on a renewal reminder
CATALOGUE_REMOVE = "catalogue.remove"  # "Remove it" on `remove from catalogue`

REMOVED_NAMED = 10  # systems an import removed, named before "and N more"
MATCHES_SHOWN = 10  # systems with the name given to `remove from catalogue`
PROBLEMS_SHOWN = 20  # bad rows listed one by one; the rest are counted, by line
LINES_LISTED = 60  # line numbers of the rest, named before "and others"
REASON_CHARS = 300  # a reason quoting a very long cell is cut


def _systems(count: int) -> str:
    return "1 system" if count == 1 else f"{count:,} systems"


def _rows(count: int) -> str:
    return "1 row" if count == 1 else f"{count:,} rows"


def import_card(
    imported: int,
    total: int,
    problems: Sequence[ImportProblem],
    file_name: str,
    sample_removed: bool,
    *,
    replace: bool = True,
    removed: Sequence[CatalogueEntry] = (),
    removal_skipped: bool = False,
) -> dict[str, Any]:
    """What an import did: how many systems came in, which were removed (a replacing
    import: systems not in the file), and every bad row by line number (the first few
    in full, the rest by line number, never dropped without a word)."""
    body: list[ac.CardElement] = []
    if imported:
        body.append(heading("Catalogue imported" if replace else "Catalogue updated"))
        done = "imported" if replace else "added or updated"
        body.append(para(f"{_systems(imported)} {done}. The catalogue now has {_systems(total)}."))
    else:
        body.append(heading("Nothing imported"))
        body.append(para("No rows could be imported. The catalogue has not changed."))
    if file_name:  # the name the person gave their file: their words, not ours
        body.append(labelled_user_text("File", file_name, 255))
    if sample_removed:
        body.append(para("The sample data is gone. Searches now use your catalogue."))
    if removed:
        body.append(_removed_list(removed))
    if imported and removal_skipped:
        body.append(
            notice(
                "No systems were removed. We could not tell which system one of the bad "
                "rows is for, so we kept them all. Fix the rows and import the file again.",
                important=True,
            )
        )
    elif imported and not replace:
        body.append(
            para(
                "Nothing was removed. To make the catalogue match a whole file, "
                "use import catalogue.",
                subtle=True,
            )
        )
    if problems:
        kept = replace and imported > 0 and not removal_skipped
        body.extend(_problem_list(problems, imported > 0, kept))
    body.append(para("To see what people will find, type buy software.", subtle=True))
    fallback = "Catalogue imported" if imported else "Nothing imported"
    return to_dict(card(body, fallback=fallback))


def _removed_list(removed: Sequence[CatalogueEntry]) -> ac.Container:
    count = len(removed)
    verb = "was" if count == 1 else "were"
    items: list[Any] = [
        heading(f"{_systems(count)} {verb} removed", size="Medium"),
        para("They are not in the file. They will not be suggested or get renewal reminders."),
    ]
    items.extend(user_text(entry.name, max_chars=255) for entry in removed[:REMOVED_NAMED])
    if count > REMOVED_NAMED:
        items.append(para(f"And {count - REMOVED_NAMED:,} more."))
    return ac.Container(items=items, spacing="Medium")


def import_failed_card(message: str) -> dict[str, Any]:
    """An import that did not finish (SharePoint mode, where it runs after the answer)."""
    body: list[ac.CardElement] = [heading("The import did not finish"), user_text(message)]
    return to_dict(card(body, fallback="The import did not finish"))


def _problem_list(
    problems: Sequence[ImportProblem], some_imported: bool, kept: bool = False
) -> list[Any]:
    count = len(problems)
    verb = "was" if count == 1 else "were"
    items: list[Any] = [heading(f"{_rows(count)} {verb} not imported", size="Medium")]
    if kept:
        items.append(para("If these systems were in the catalogue, they are kept as they were."))
    for problem in problems[:PROBLEMS_SHOWN]:
        items.append(labelled_user_text(f"Line {problem.line}", problem.reason, REASON_CHARS))
    rest = problems[PROBLEMS_SHOWN:]
    if rest:
        lines = ", ".join(str(p.line) for p in rest[:LINES_LISTED])
        others = " and others" if len(rest) > LINES_LISTED else ""
        items.append(
            para(f"And {len(rest):,} more, on lines {lines}{others}. Fix them and import again.")
        )
    elif some_imported:
        items.append(para("Fix these rows and import the file again to add them."))
    else:
        items.append(para("Fix these rows and import the file again."))
    return [ac.Container(items=items, spacing="Medium")]


def remove_card(matches: Sequence[CatalogueEntry]) -> dict[str, Any]:
    """Before removing a system from the catalogue: which one, and a button to say yes.
    More than one system with the name given: each, with its own button."""
    one = len(matches) == 1
    body: list[ac.CardElement] = [
        heading("Remove this system?" if one else "Which system should go?"),
        para(
            "It will no longer be suggested or get renewal reminders. If it is still in "
            "the CMDB file, the next import will add it back."
            if one
            else f"{len(matches)} systems have that name. Remove only the right one."
        ),
    ]
    for entry in matches[:MATCHES_SHOWN]:
        details: list[Any] = [*_entry_details(entry), labelled_user_text("Id", entry.id, 255)]
        if not one:
            details.append(ac.ActionSet(actions=[_remove_button(entry, "Remove this one")]))
        body.append(ac.Container(items=details, spacing="Medium", separator=True))
    actions: list[ac.Action] = [_remove_button(matches[0], "Remove it")] if one else []
    return to_dict(card(body, actions, fallback="Remove a system from the catalogue"))


def _remove_button(entry: CatalogueEntry, title: str) -> ac.ExecuteAction:
    return button(title, CATALOGUE_REMOVE, {"entry": entry.id})


def removed_card(entry: CatalogueEntry, total: int) -> dict[str, Any]:
    """After a system was removed from the catalogue."""
    body: list[ac.CardElement] = [
        heading("System removed"),
        labelled_user_text("System", entry.name, 255),
        para(
            f"The catalogue now has {_systems(total)}. This system will no longer be "
            "suggested or get renewal reminders."
        ),
        para(
            "If it is still in the CMDB file, the next import will add it back. "
            "Remove it from the file too.",
            subtle=True,
        ),
    ]
    return to_dict(card(body, fallback="System removed"))


def catalogue_card(total: int, sample: bool, imported_at: dt.datetime | None) -> dict[str, Any]:
    """What the application catalogue holds, and how to use it."""
    if sample:
        where_from = (
            "This is sample data, made up to show how the check works. "
            "An admin can import the council's real catalogue."
        )
    elif imported_at is not None:
        where_from = f"It was last imported on {long_date(imported_at.date())}."
    else:
        where_from = "It is the council's own catalogue."
    body: list[ac.CardElement] = [
        heading("The application catalogue"),
        para(
            f"It lists {_systems(total)} the council already has, with who owns "
            "each one and when its contract ends."
        ),
        para(where_from),
        para(
            "Before anyone buys or renews software, the bot checks this catalogue for "
            "something that already does the job. To try it, type buy software."
        ),
    ]
    return to_dict(card(body, fallback="The application catalogue"))


def _ends(entry: CatalogueEntry) -> str:
    return long_date(entry.contract_end) if entry.contract_end else "soon"


def _months(months: int) -> str:
    if months <= 0:
        return "in less than a month"
    return "in about 1 month" if months == 1 else f"in about {months} months"


def renewal_card(due: RenewalDue) -> dict[str, Any]:
    """To a system's owner: the contract ends soon; talk to IT before renewing."""
    entry = due.entry
    body: list[ac.CardElement] = [
        heading("A contract is ending"),
        para(
            f"You own this system in the council's application catalogue. Its contract ends "
            f"on {_ends(entry)}, {_months(due.months_left)}."
        ),
        *_entry_details(entry),
        para(
            "Before the contract is renewed or replaced, talk to IT. An early engagement "
            "checks what the council already has and gathers what you need. A renewal "
            "with no change in scope can take a lighter path."
        ),
    ]
    actions: list[ac.Action] = [
        button("Start an early engagement", RENEWAL_START, {"entry": entry.id}, True)
    ]
    return to_dict(card(body, actions, fallback="A contract is ending"))


def owner_not_told_card(due: RenewalDue, reason: str) -> dict[str, Any]:
    """To the admins: a contract ends soon and its owner could not be told."""
    entry = due.entry
    body: list[ac.CardElement] = [
        heading("A contract is ending and its owner was not told"),
        para(f"The contract ends on {_ends(entry)}, {_months(due.months_left)}. {reason}"),
        *_entry_details(entry),
        notice(
            "Please tell the owner, or put the right owner in the catalogue and import it "
            "again. You can start the early engagement for them."
        ),
    ]
    actions: list[ac.Action] = [
        button("Start an early engagement", RENEWAL_START, {"entry": entry.id})
    ]
    return to_dict(card(body, actions, fallback="A contract is ending"))


def _entry_details(entry: CatalogueEntry) -> list[ac.CardElement]:
    details: list[ac.CardElement] = [labelled_user_text("System", entry.name, 255)]
    if entry.supplier:
        details.append(labelled_user_text("Supplier", entry.supplier, 255))
    if entry.owner_name:
        details.append(labelled_user_text("Owner", entry.owner_name, 255))
    return details
