"""The privacy journey's cards: pure functions, plain words."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import microsoft_teams.cards as ac

from bot.domain.retention import DEFAULTS, RetentionKind, RetentionPolicy, years
from bot.privacy import Held, Kept
from cards.elements import button, card, facts, heading, notice, para, to_dict, user_text

UNLOCK = "privacy.unlock"
REFUSE = "privacy.refuse"
ERASE = "privacy.erase"
ERASE_CANCEL = "privacy.erase.cancel"
REASON = "reason"
REASONS: dict[str, str] = {
    "article17": "Erasure request from the person (UK GDPR Article 17)",
    "leaver": "Leaver: data no longer needed",
    "other": "Other",
}
SHOWN_ITEMS = 5  # things shown for each part of the product; the file holds them all
SHOWN_FIELDS = 4
SHOWN_KEPT = 10


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def _time(at: dt.datetime, zone: dt.tzinfo) -> str:
    local = at.astimezone(zone)
    return f"{local:%H:%M} on {local.day} {local:%B %Y}"


def my_data_card(
    held: Sequence[Held], json_url: str, csv_url: str, until: dt.datetime, zone: dt.tzinfo
) -> dict[str, Any]:
    body: list[ac.CardElement] = [heading("What Digital Front Door holds about you")]
    if not held:
        body.append(para("Digital Front Door holds nothing about you at the moment."))
    else:
        parts: dict[str, list[Held]] = {}
        for item in held:
            parts.setdefault(item.journey, []).append(item)
        body.append(
            para(
                f"Digital Front Door holds {_plural(len(held), 'thing')} about you, in "
                f"{_plural(len(parts), 'part')} of the product. Below is a summary. The file "
                "holds everything, with every field in full."
            )
        )
        for journey, items in parts.items():
            body.append(heading(journey[:1].upper() + journey[1:], size="Medium"))
            counts = Counter(item.what for item in items)
            body.append(facts([(what, f"{n:,}") for what, n in counts.items()]))
            for item in items[:SHOWN_ITEMS]:
                title = f"{item.what} {item.key}".strip()
                body.append(ac.TextBlock(text=title, weight="Bolder", wrap=True))
                shown = list(item.fields.items())[:SHOWN_FIELDS]
                words = "; ".join(f"{label}: {value}" for label, value in shown)
                if words:
                    body.append(user_text(words, max_chars=300))
            if len(items) > SHOWN_ITEMS:
                more = len(items) - SHOWN_ITEMS
                body.append(para(f"And {more:,} more in the file.", subtle=True))
    body.append(
        notice(
            f"The download links work until {_time(until, zone)}, and only for you. When "
            "you open one, I will send you a code here to check before the file downloads."
        )
    )
    actions: list[ac.Action] = [
        ac.OpenUrlAction(title="Download as JSON", url=json_url),
        ac.OpenUrlAction(title="Download as CSV", url=csv_url),
    ]
    fallback = f"Digital Front Door holds {_plural(len(held), 'thing')} about you."
    return to_dict(card(body, actions, fallback=fallback))


def is_it_you_card(open_id: str, code: str) -> dict[str, Any]:
    body: list[ac.CardElement] = [
        heading("Someone opened your data download link"),
        para(f"If the page shows code {code}, press Yes, that is me."),
        para(
            "If you did not open it, press No. The link will stop working and nobody "
            "can download your data with it."
        ),
    ]
    actions: list[ac.Action] = [
        button("Yes, that is me", UNLOCK, {"open": open_id}, primary=True),
        button("No", REFUSE, {"open": open_id}),
    ]
    return to_dict(card(body, actions, fallback="Someone opened your data download link."))


def unlocked_card(code: str) -> dict[str, Any]:
    return to_dict(
        card(
            [
                heading("Your download is unlocked"),
                para(
                    f"Go back to the page that shows code {code}. Press Check again, "
                    "and your file downloads."
                ),
            ],
            fallback="Your download is unlocked.",
        )
    )


def stopped_card() -> dict[str, Any]:
    return to_dict(
        card(
            [
                heading("The link has stopped working"),
                para(
                    "Nobody can download your data with that link. If you want your data, "
                    "type my data for a new link."
                ),
            ],
            fallback="The link has stopped working.",
        )
    )


# ---- Erase ----------------------------------------------------------------------


def confirm_erase_card(
    who: str,
    held: Sequence[Held],
    data: Mapping[str, Any],
    unread: Sequence[str] = (),
    no_name: bool = False,
    yourself: bool = False,
    admin: bool = False,
) -> dict[str, Any]:
    counts = Counter(f"{item.what} ({item.journey})" for item in held)
    body: list[ac.CardElement] = [heading("Erase this person's data?")]
    if yourself:
        body.append(
            notice(
                "You are erasing your own data. Your name and the words you wrote will go "
                "too. You stay an admin until you are removed from ADMIN_IDS."
            )
        )
    if admin:
        body.append(
            notice("This person is a Digital Front Door admin. Remove them from ADMIN_IDS too.")
        )
    body += [
        para("You are about to erase everything Digital Front Door holds about:"),
        user_text(who, weight="Bolder"),
    ]
    if no_name:
        body.append(
            notice(
                "I do not know this person's name, so I cannot find words other people "
                "wrote that name them. If you know their name, cancel and type erase and "
                "their name instead."
            )
        )
    if counts:
        body.append(para(f"This is {_plural(len(held), 'thing')}:"))
        body.append(facts([(what, f"{n:,}") for what, n in sorted(counts.items())]))
    elif not unread:
        body.append(para("Digital Front Door holds nothing else about them."))
    if unread:
        body.append(
            notice(
                f"I could not count what is held in {', '.join(unread)}: it did not answer. "
                "Erase still tries there, and tells you if it could not finish."
            )
        )
    body.append(
        para(
            "Their names, ids and the words they wrote go everywhere. Their requests stay "
            "as anonymous records so that reports still count them. This cannot be undone."
        )
    )
    body.append(
        ac.ChoiceSetInput(
            id=REASON,
            label="Why are you erasing it?",
            is_required=True,
            error_message="Choose why you are erasing it",
            choices=[ac.Choice(title=title, value=value) for value, title in REASONS.items()],
            style="expanded",
        )
    )
    actions: list[ac.Action] = [
        button("Erase", ERASE, dict(data), primary=True, validate=True),
        button("Cancel", ERASE_CANCEL),
    ]
    return to_dict(card(body, actions, fallback="Erase this person's data?"))


def erased_card(changed: Mapping[str, int], kept: Sequence[Kept], stand_in: str) -> dict[str, Any]:
    total = sum(changed.values())
    body: list[ac.CardElement] = [
        heading("Their data has been erased"),
        para(
            f"{_plural(total, 'record')} changed or removed. Where a record stays for the "
            f"reports, it now names {stand_in} instead of them."
        ),
    ]
    if changed:
        body.append(facts([(kind, f"{n:,}") for kind, n in sorted(changed.items())]))
    if kept:
        body.append(heading("What was kept, and why", size="Medium"))
        for item in kept[:SHOWN_KEPT]:
            body.append(
                ac.TextBlock(text=f"{item.what} {item.key}".strip(), weight="Bolder", wrap=True)
            )
            body.append(para(item.reason))
        if len(kept) > SHOWN_KEPT:
            body.append(para(f"And {len(kept) - SHOWN_KEPT:,} more kept for the same reasons."))
    body.append(para("The erasure is recorded, with the reason, without their name.", subtle=True))
    return to_dict(card(body, fallback="Their data has been erased."))


def erase_unfinished_card(
    changed: Mapping[str, int], failed: Sequence[str], data: Mapping[str, Any]
) -> dict[str, Any]:
    """Some parts did not answer: what was done, and a new Erase button to finish."""
    where = ", ".join(failed)
    body: list[ac.CardElement] = [
        heading("Not all of their data has been erased"),
        notice(
            f"Some of their data could not be erased because {where} did not answer. "
            "Press Erase again to finish."
        ),
        para(f"{_plural(sum(changed.values()), 'record')} changed or removed so far."),
    ]
    if changed:
        body.append(facts([(kind, f"{n:,}") for kind, n in sorted(changed.items())]))
    body.append(para("This try is recorded, with the reason, without their name.", subtle=True))
    actions: list[ac.Action] = [
        button("Erase", ERASE, dict(data), primary=True),
        button("Cancel", ERASE_CANCEL),
    ]
    return to_dict(card(body, actions, fallback="Not all of their data has been erased."))


def choose_person_card(name: str, people: Mapping[str, tuple[str, str]]) -> dict[str, Any]:
    body: list[ac.CardElement] = [
        heading("More than one person has that name"),
        para(
            f"{_plural(len(people), 'person', 'people')} match. "
            "Type erase and @mention the one you mean."
        ),
    ]
    for user_id, (_, found) in sorted(people.items(), key=lambda p: p[1][1]):
        body.append(user_text(f"{found} ({user_id})"))
    return to_dict(card(body, fallback="More than one person has that name."))


SHOWN_ERASURES = 20


def erasures_card(erasures: Sequence[Mapping[str, Any]], zone: dt.tzinfo) -> dict[str, Any]:
    """Past erasures, newest first: when, why and how much. Never who."""
    body: list[ac.CardElement] = [heading("Erasures")]
    if not erasures:
        body.append(para("Nobody's data has been erased yet."))
        return to_dict(card(body, fallback="Nobody's data has been erased yet."))
    body.append(
        para(
            f"{_plural(len(erasures), 'erasure')} so far. Each is recorded with its reason "
            "and counts, without the person's name."
        )
    )
    for data in list(reversed(erasures))[:SHOWN_ERASURES]:
        at = dt.datetime.fromisoformat(str(data.get("at", "")))
        counts: Mapping[str, Any] = data.get("counts", {})
        changed = sum(n for n in counts.values() if isinstance(n, int))
        reason = REASONS.get(str(data.get("reason", "")), "Other")
        body.append(ac.TextBlock(text=_time(at, zone), weight="Bolder", wrap=True))
        body.append(
            para(
                f"{reason}. {_plural(changed, 'record')} changed or removed, "
                f"{_plural(int(data.get('kept', 0) or 0), 'thing')} kept."
            )
        )
        failed = [str(part) for part in data.get("failed", []) or []]
        if failed:
            body.append(
                para(f"Not finished: {', '.join(failed)} did not answer. A later try finishes it.")
            )
    if len(erasures) > SHOWN_ERASURES:
        body.append(para(f"And {len(erasures) - SHOWN_ERASURES:,} older.", subtle=True))
    return to_dict(card(body, fallback=f"{_plural(len(erasures), 'erasure')} so far."))


# ---- Retention -------------------------------------------------------------------


def _period(days: int) -> str:
    """A period in the words a person would use: "6 years" for years(6) (leap days
    included, bot/domain/retention.py), else days."""
    for n in range(1, 101):
        if days == years(n):
            return _plural(n, "year")
    return _plural(days, "day")


def retention_card(
    policy: RetentionPolicy, last: Mapping[str, Any] | None, zone: dt.tzinfo
) -> dict[str, Any]:
    body: list[ac.CardElement] = [
        heading("How long Digital Front Door keeps things"),
        para(
            "Each night the retention job deletes or anonymises what is past its period. "
            "A council sets each period with its RETENTION_..._DAYS setting."
        ),
    ]
    for kind in RetentionKind:
        rule = DEFAULTS[kind]
        action = "deleted" if rule.action == "delete" else "anonymised"
        body.append(ac.TextBlock(text=rule.what, weight="Bolder", wrap=True, spacing="Medium"))
        body.append(para(f"Kept for {_period(policy.days[kind])}, then {action}."))
        body.append(para(rule.reason, subtle=True))
    body.append(heading("The last run", size="Medium"))
    if last is None:
        body.append(para("The retention job has not run yet."))
    else:
        at = dt.datetime.fromisoformat(str(last.get("at", "")))
        counts: Mapping[str, Any] = last.get("counts", {})
        body.append(para(f"It ran at {_time(at, zone)}."))
        changed = [(_what(kind), n) for kind, n in counts.items() if n]
        if changed:
            body.append(facts([(what, f"{n:,}") for what, n in changed]))
        else:
            body.append(para("Nothing was past its period."))
    return to_dict(card(body, fallback="How long Digital Front Door keeps things."))


def _what(kind: str) -> str:
    try:
        return DEFAULTS[RetentionKind(kind)].what
    except ValueError:
        return kind


def ran_card(counts: Mapping[str, int]) -> dict[str, Any]:
    body: list[ac.CardElement] = [heading("The retention job has run")]
    changed = [(_what(kind), n) for kind, n in counts.items() if n]
    if changed:
        body.append(para("Records deleted or anonymised, by kind:"))
        body.append(facts([(what, f"{n:,}") for what, n in changed]))
    else:
        body.append(para("Nothing was past its period, so nothing changed."))
    return to_dict(card(body, fallback="The retention job has run."))
