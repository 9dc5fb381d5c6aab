"""Cards for the prioritisation matrix: how requests are scored, the weights card the
Digital, Data and Customer Board publishes with, and rescoring a board's list.

Pure functions: data in, card JSON out. A reason someone typed and request titles are
people's words, so they are shown with `user_text`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import microsoft_teams.cards as ac

from bot.domain import scoring
from bot.domain.glossary import CRITERION_MEANINGS
from bot.domain.matrix_change import HIGHEST, LOWEST, REASON_MAX, TOTAL, Published, RescoreRow
from bot.domain.model import Criterion, Matrix
from bot.domain.text import long_date
from cards.elements import button, card, facts, heading, notice, para, to_dict, user_text

# Verbs: `matrix.` is the boards journey's matrix part's.
PUBLISH = "matrix.publish"  # "Publish the new weights" on the weights card
RESCORE = "matrix.rescore"  # "Use the new scores for these requests" on the rescore card
RESCORE_PAGE = "matrix.rescore_page"  # another page of the rescore card

WEIGHT_INPUT = "weight_"  # the weights card's inputs: "weight_" and the criterion's key
REASON_INPUT = "reason"
RESCORE_PAGE_SIZE = 25  # requests on one page of the rescore card
EARLIER_SHOWN = 3  # earlier versions listed on the scoring card, newest first
TITLE_CHARS = 80  # a request's title in the rescore table

OWNER = "The Digital, Data and Customer Board owns the prioritisation matrix."


def _points(weight: int) -> str:
    return "1 point" if weight == 1 else f"{weight} points"


def _requests(count: int) -> str:
    return "1 request" if count == 1 else f"{count:,} requests"


def bands_words() -> str:
    """The priority bands, from the scoring rules themselves."""
    return (
        f"Scores of {scoring.HIGH_FROM} or more are high priority. Scores under "
        f"{scoring.LOW_BELOW} are low priority. Scores in between are medium priority."
    )


def _looks_at(criterion: Criterion) -> str:
    """What a criterion looks at: the glossary's short words where it has them. The
    matrix's own descriptions name the strategy's priorities and are harder to read."""
    return CRITERION_MEANINGS.get(criterion.key) or criterion.description


def _criterion(criterion: Criterion) -> ac.Container:
    return ac.Container(
        items=[
            ac.TextBlock(text=criterion.label, weight="Bolder", wrap=True),
            # The weight first, in a short sentence of its own: easier to read.
            para(
                f"Up to {_points(criterion.weight)} out of {scoring.MAX_TOTAL}. "
                f"{_looks_at(criterion)}"
            ),
        ],
        spacing="Medium",
    )


def _weights(matrix: Matrix) -> ac.FactSet:
    return facts([(c.label, _points(c.weight)) for c in matrix.criteria])


def _published(published: Published | None) -> list[ac.CardElement]:
    if published is None:
        return []
    return [
        para(f"Published by {published.by_name} on {long_date(published.on)}, because:"),
        user_text(published.reason),
    ]


def _earlier(history: Sequence[Matrix]) -> list[ac.CardElement]:
    if not history:
        return []
    items: list[ac.CardElement] = [heading("Earlier versions", size="Medium")]
    for matrix in list(reversed(history))[:EARLIER_SHOWN]:
        items.append(ac.TextBlock(text=f"Version {matrix.version}", weight="Bolder", wrap=True))
        items.append(_weights(matrix))
    if len(history) > EARLIER_SHOWN:
        older = len(history) - EARLIER_SHOWN
        items.append(para(f"And {older} older {'version' if older == 1 else 'versions'}."))
    return items


def scoring_card(
    matrix: Matrix,
    published: Published | None,
    history: Sequence[Matrix],
    news: str = "",
) -> dict[str, Any]:
    """How requests are scored: `how are requests scored?`, for anyone. `news` goes first
    (just published, say)."""
    body: list[ac.CardElement] = [heading("How requests are scored")]
    if news:
        body.append(notice(news, important=True))
    body += [
        para(
            f"Every request gets a priority score out of {scoring.MAX_TOTAL}. The score comes "
            "from the prioritisation matrix: a set of criteria, each worth some points. "
            f"The points add up to {scoring.MAX_TOTAL}."
        ),
        para(OWNER + " It publishes the weights, and each change is a new version."),
        facts([("Version now", matrix.version)]),
        *_published(published),
        heading("The criteria", size="Medium"),
        *[_criterion(c) for c in matrix.criteria],
        heading("Priority", size="Medium"),
        para(bands_words()),
        para(
            "Each request keeps the version it was scored with, so its score can always be "
            "checked. New requests are scored with the version now."
        ),
        *_earlier(history),
        para(
            "To see why your request scored what it did, type status and its reference.",
            subtle=True,
        ),
    ]
    return to_dict(card(body, fallback=f"How requests are scored (version {matrix.version})"))


def _weight_value(value: Any) -> float | None:
    """What the number box shows: the value given if it is a number, else nothing."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        try:
            return float(value.strip()) if value.strip() else None
        except ValueError:
            return None
    return None


def _error(text: str) -> ac.TextBlock:
    # Dark bold text, not red: the word "Error" carries the meaning.
    return ac.TextBlock(text=f"Error: {text}", weight="Bolder", wrap=True)


def weights_card(
    matrix: Matrix,
    given: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
    reason: str = "",
    news: str = "",
) -> dict[str, Any]:
    """`change weights`: one number per criterion and why. With `given` and `errors`, the
    same card again with what was typed and what is wrong. `news` goes first."""
    given = given if given is not None else {c.key: c.weight for c in matrix.criteria}
    errors = errors or {}
    keys = {c.key for c in matrix.criteria}
    body: list[ac.CardElement] = [
        heading("Change the weights"),
        *([notice(news, important=True)] if news else []),
        para(
            f"Give each criterion a whole number of points from {LOWEST} to {HIGHEST}. The "
            f"points must add up to exactly {scoring.MAX_TOTAL}."
        ),
        para(
            "Publishing makes a new version. New requests are scored with it. Requests "
            "already scored keep their score until a board rescores its list."
        ),
        facts([("Version now", matrix.version)]),
    ]
    if errors:
        body.append(notice("Some weights need changing. Nothing has been published.", True))
    if TOTAL in errors:
        body.append(_error(errors[TOTAL]))
    # Forged keys all say the same: once is enough.
    body += [
        _error(text)
        for text in dict.fromkeys(v for k, v in errors.items() if k not in keys | {TOTAL})
    ]
    for criterion in matrix.criteria:
        now = f"{criterion.label} is worth {_points(criterion.weight)} now."
        items: list[ac.CardElement] = [para(f"{now} {_looks_at(criterion)}", subtle=True)]
        if criterion.key in errors:
            items.append(_error(errors[criterion.key]))
        items.append(
            ac.NumberInput(
                id=WEIGHT_INPUT + criterion.key,
                label=f"{criterion.label} (points)",
                value=_weight_value(given.get(criterion.key)),
                min=LOWEST,
                max=HIGHEST,
                is_required=True,
                error_message=f"Give a weight for {criterion.label}, from {LOWEST} to {HIGHEST}.",
            )
        )
        body.append(ac.Container(items=items, separator=True, spacing="Medium"))
    if REASON_INPUT in errors:
        body.append(_error(errors[REASON_INPUT]))
    body.append(
        ac.TextInput(
            id=REASON_INPUT,
            label="Why are the weights changing?",
            value=reason[:REASON_MAX] or None,
            is_multiline=True,
            max_length=REASON_MAX,
            is_required=True,
            error_message="Say why the weights are changing.",
        )
    )
    actions: list[ac.Action] = [
        button(
            "Publish the new weights",
            PUBLISH,
            {"version": matrix.version},
            primary=True,
            validate=True,
        )
    ]
    return to_dict(card(body, actions, fallback="Change the weights"))


def published_note_card(matrix: Matrix, published: Published) -> dict[str, Any]:
    """The short note in the Digital, Data and Customer Board's channel."""
    body: list[ac.CardElement] = [
        heading(f"New weights published: version {matrix.version}"),
        para(f"{published.by_name} published them on {long_date(published.on)}, because:"),
        user_text(published.reason),
        _weights(matrix),
        para(
            "New requests are scored with this version. To compare a board's list, type "
            "rescore in the board's channel.",
            subtle=True,
        ),
    ]
    return to_dict(card(body, fallback=f"New weights published: version {matrix.version}"))


def _cell(items: list[ac.CardElement]) -> ac.TableCell:
    return ac.TableCell(items=items)


def _header(text: str) -> ac.TableCell:
    return _cell([ac.TextBlock(text=text, weight="Bolder", wrap=True)])


def _row(row: RescoreRow) -> ac.TableRow:
    return ac.TableRow(
        cells=[
            _cell([para(row.reference), user_text(row.title, max_chars=TITLE_CHARS)]),
            _cell([para(f"{row.old_score}, place {row.old_rank} (version {row.old_version})")]),
            _cell([para(f"{row.new_score}, place {row.new_rank}")]),
        ]
    )


def _table(rows: Sequence[RescoreRow], version: str) -> ac.Table:
    return ac.Table(
        columns=[
            ac.ColumnDefinition(width=2),
            ac.ColumnDefinition(width=2),
            ac.ColumnDefinition(width=1),
        ],
        first_row_as_headers=True,
        rows=[
            ac.TableRow(
                cells=[_header("Request"), _header("Score now"), _header(f"With {version}")]
            ),
            *[_row(row) for row in rows],
        ],
    )


def rescore_card(
    board_key: str,
    board_name: str,
    version: str,
    rows: Sequence[RescoreRow],
    page: int,
    current: int,
    seen: Mapping[str, str],
    news: str = "",
) -> dict[str, Any]:
    """Page `page` (from 0) of a board's requests scored with an older version, old and
    new side by side. `current`: how many on the list are on `version` already. `seen`:
    each shown request's version, so one changed since is not rescored."""
    start = page * RESCORE_PAGE_SIZE
    shown = rows[start : start + RESCORE_PAGE_SIZE]
    body: list[ac.CardElement] = [heading(f"Rescore the {board_name}'s list")]
    if news:
        body.append(notice(news))
    body += [
        para(
            f"{_requests(len(rows))} on this list {'was' if len(rows) == 1 else 'were'} "
            f"scored with an older version of the matrix. Here is each score and place on "
            f"the list now, and with version {version}. Nothing changes until you press the "
            "button."
        ),
        para(
            f"{_requests(current)} on the list {'is' if current == 1 else 'are'} already "
            f"scored with version {version}."
        ),
        _table(shown, version),
    ]
    if len(rows) > len(shown):
        body.append(
            para(f"Showing {start + 1} to {start + len(shown)} of {len(rows):,}.", subtle=True)
        )
    references = [row.reference for row in shown]
    data = {
        "board": board_key,
        "version": version,
        "references": references,
        "seen": {ref: seen.get(ref, "") for ref in references},
    }
    many = "this request" if len(shown) == 1 else f"these {len(shown)} requests"
    actions: list[ac.Action] = [button(f"Use the new scores for {many}", RESCORE, data, True)]
    if page > 0:
        actions.append(button("Show the previous page", RESCORE_PAGE, _page(board_key, page - 1)))
    if start + len(shown) < len(rows):
        actions.append(button("Show the next page", RESCORE_PAGE, _page(board_key, page + 1)))
    return to_dict(card(body, actions, fallback=f"Rescore the {board_name}'s list"))


def _page(board_key: str, page: int) -> dict[str, Any]:
    return {"board": board_key, "page": page}


def rescored_card(
    board_key: str,
    board_name: str,
    version: str,
    done: Sequence[tuple[str, int, int]],
    skipped: Sequence[tuple[str, str]],
    left: int,
) -> dict[str, Any]:
    """What pressing "Use the new scores" did: each request rescored (reference, old
    score, new score), each one skipped and why, and how many are still on older versions."""
    body: list[ac.CardElement] = [heading(f"The {board_name}'s list is rescored")]
    if done:
        body.append(para(f"{_requests(len(done))} now scored with version {version}:"))
        body += [para(f"{ref}: {old} to {new}.") for ref, old, new in done]
    else:
        body.append(para("No requests were rescored."))
    if skipped:
        body.append(heading("Not rescored", size="Medium"))
        body += [para(f"{ref}: {why}") for ref, why in skipped]
    actions: list[ac.Action] = []
    if left:
        body.append(
            para(
                f"{_requests(left)} on the list {'is' if left == 1 else 'are'} still scored "
                "with an older version."
            )
        )
        actions.append(button("Show them", RESCORE_PAGE, _page(board_key, 0), primary=True))
    else:
        body.append(para(f"Every request on the list is scored with version {version}."))
    body.append(para("Type agenda to see the list in its new order.", subtle=True))
    return to_dict(card(body, actions, fallback=f"The {board_name}'s list is rescored"))
