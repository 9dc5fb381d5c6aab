"""The "DFD Config" list: boards, processes, matrix and routing rules, as admins keep them.

Admins edit the items by hand, so every item is checked before it is used: an invalid
one is left out (the last good copy stays in use) and the problem is said in plain words.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kiota_abstractions.api_error import APIError
from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph import GraphServiceClient
from msgraph.generated.models.field_value_set import FieldValueSet
from msgraph.generated.models.list_item import ListItem
from msgraph.generated.sites.item.lists.item.items.items_request_builder import (
    ItemsRequestBuilder,
)

from bot.domain import codec
from bot.domain.model import Board, Criterion, Matrix, Process, RoutingRule
from bot.domain.routing import check_rules
from bot.domain.scoring import check_matrix
from bot.ports import Governance
from graph_clients.client import RetryPolicy, with_retries
from graph_clients.schema import CONFIG

KEYS = ("boards", "processes", "matrix", "routing_rules", "matrix_history")
WEIGHTS_TOTAL = 100  # the published matrix's weights add up to 100, so points are plain


class Invalid(ValueError):
    """What is wrong with a config item, in words an admin can act on."""


@dataclass(frozen=True)
class CheckedConfig:
    values: dict[str, Any] = field(default_factory=dict)  # key -> JSON value, only valid ones
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ConfigItem:
    item_id: str
    etag: str
    value_json: str


async def read_config(
    client: GraphServiceClient, site_id: str, policy: RetryPolicy
) -> dict[str, str]:
    """Every config item, key to its ValueJson text, unchecked."""
    items = await read_config_items(client, site_id, policy)
    return {key: item.value_json for key, item in items.items()}


async def read_config_items(
    client: GraphServiceClient, site_id: str, policy: RetryPolicy
) -> dict[str, ConfigItem]:
    """Every config item by key, with its id and ETag. Pages through @odata.nextLink."""
    items = client.sites.by_site_id(site_id).lists.by_list_id(CONFIG.name).items
    config = RequestConfiguration(
        query_parameters=ItemsRequestBuilder.ItemsRequestBuilderGetQueryParameters(
            expand=["fields"], top=50
        )
    )

    async def first() -> Any:
        return await items.get(request_configuration=config)

    values: dict[str, ConfigItem] = {}
    page = await with_retries(first, policy, "Read DFD Config")
    for _ in range(100):  # bounded: the config list has a handful of items
        for item in (page.value or []) if page else []:
            fields = item.fields.additional_data if item.fields else {}
            key = fields.get("ConfigKey") or fields.get("Title")
            if key in KEYS:
                etag = item.e_tag or str(fields.get("@odata.etag") or "")
                text = str(fields.get("ValueJson") or "")
                values[str(key)] = ConfigItem(str(item.id or ""), etag, text)
        link = page.odata_next_link if page else None
        if not link:
            break

        async def more(url: str = link) -> Any:
            return await items.with_url(url).get()

        page = await with_retries(more, policy, "Read DFD Config")
    return values


def check_config(items: Mapping[str, str], known: Governance) -> CheckedConfig:
    """The valid items, as JSON values, and what is wrong with the others.

    `known` is the governance in use: an item is also checked against it, so a routing
    rule must name a board that exists, in the boards item if that is valid, or else
    in the last good boards.
    """
    parsed: dict[str, Any] = {}
    problems: list[str] = []
    for key in KEYS:
        if key not in items:
            continue
        try:
            parsed[key] = _DECODERS[key](_json(items[key]))
        except Invalid as error:
            problems.append(_problem(key, str(error)))
    problems.extend(_check_references(parsed, known))
    return CheckedConfig({key: _ENCODERS[key](value) for key, value in parsed.items()}, problems)


def _problem(key: str, what: str) -> str:
    return f"DFD Config item '{key}': {what[:1].lower()}{what[1:]}"


def _check_references(parsed: dict[str, Any], known: Governance) -> list[str]:
    """Rules name boards and processes: drop whichever edited item breaks that."""
    problems = []
    boards = parsed.get("boards", known.boards)
    processes = parsed.get("processes", known.processes)
    # Unchanged rules are not to blame when a board goes: the boards item is.
    if parsed.get("routing_rules", known.rules) != known.rules:
        try:
            check_rules(parsed["routing_rules"], boards, processes)
        except ValueError as error:
            problems.append(_problem("routing_rules", str(error)))
            del parsed["routing_rules"]
    rules = parsed.get("routing_rules", known.rules)
    for key, named in (("boards", "board"), ("processes", "process")):
        if key not in parsed:
            continue
        missing = [rule for rule in rules if getattr(rule, named) not in parsed[key]]
        if missing:
            rule = missing[0]
            problems.append(
                _problem(
                    key,
                    f"routing rule '{rule.key}' sends requests to {named} "
                    f"'{getattr(rule, named)}', which this item does not have",
                )
            )
            del parsed[key]
    return problems


def _json(text: str) -> Any:
    if not text.strip():
        raise Invalid("it is empty")
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise Invalid(
            f"it is not valid JSON ({error.msg} at line {error.lineno}, column {error.colno})"
        ) from error


def _is_whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


_KINDS: dict[type, tuple[str, Any]] = {
    str: ("text", lambda v: isinstance(v, str)),
    int: ("a whole number", _is_whole),
    dict: ("an object", lambda v: isinstance(v, dict)),
    list: ("a JSON list [...]", lambda v: isinstance(v, list)),
}


def _object(
    value: Any, what: str, shape: Mapping[str, type], optional: tuple[str, ...] = ()
) -> Any:
    """Check one JSON object against the fields it must have and their kinds.

    `what` names it in a problem ("board 'trb'"); "" for the item's value itself.
    """
    if not isinstance(value, dict):
        raise Invalid(f"{what or 'it'} must be a JSON object {{...}}")
    prefix = f"{what}: " if what else ""
    missing = [name for name in shape if name not in value and name not in optional]
    if missing:
        verb = "is" if len(missing) == 1 else "are"
        raise Invalid(f"{prefix}{' and '.join(missing)} {verb} missing")
    unknown = sorted(set(value) - set(shape))
    if unknown:
        raise Invalid(f"{prefix}{', '.join(unknown)} is not a field it can have")
    for name, kind in shape.items():
        label, fits = _KINDS[kind]
        if name in value and not fits(value[name]):
            raise Invalid(f"{prefix}{name} must be {label}")
    return value


def _objects(
    value: Any, noun: str, shape: Mapping[str, type], optional: tuple[str, ...] = ()
) -> Any:
    if not isinstance(value, list) or not value:
        raise Invalid(f"it must be a JSON list [...] with at least one {noun}")
    for number, entry in enumerate(value, start=1):
        key = entry.get("key") if isinstance(entry, dict) else None
        what = f"{noun} '{key}'" if isinstance(key, str) and key else f"{noun} {number}"
        _object(entry, what, shape, optional)
        if not entry["key"].strip():
            raise Invalid(f"{what}: key must not be empty")
    keys = [entry["key"] for entry in value]
    repeated = sorted({key for key in keys if keys.count(key) > 1})
    if repeated:
        raise Invalid(f"the key {repeated[0]!r} is there more than once")
    return value


def _boards(value: Any) -> dict[str, Board]:
    shape = {"key": str, "name": str, "purpose": str}
    return codec.boards_from_list(_objects(value, "board", shape))


def _processes(value: Any) -> dict[str, Process]:
    shape = {"key": str, "name": str, "description": str}
    return codec.processes_from_list(_objects(value, "process", shape))


def _matrix(value: Any) -> Matrix:
    _object(value, "", {"version": str, "criteria": list})
    if not value["version"].strip():
        raise Invalid("version must not be empty")
    shape = {"key": str, "label": str, "weight": int, "description": str}
    matrix = Matrix(
        value["version"],
        tuple(Criterion(**c) for c in _objects(value["criteria"], "criterion", shape)),
    )
    try:
        check_matrix(matrix)
    except ValueError as error:
        raise Invalid(str(error)) from error
    total = sum(criterion.weight for criterion in matrix.criteria)
    if total != WEIGHTS_TOTAL:
        raise Invalid(f"the weights add up to {total}, not {WEIGHTS_TOTAL}")
    return matrix


def _matrix_history(value: Any) -> list[Matrix]:
    """The matrices published before the current one, oldest first (none yet: [])."""
    if not isinstance(value, list):
        raise Invalid("it must be a JSON list [...] of the matrices published before")
    history = []
    for number, entry in enumerate(value, start=1):
        try:
            history.append(_matrix(entry))
        except Invalid as error:
            raise Invalid(f"matrix {number}: {error}") from error
    return history


def _rules(value: Any) -> tuple[RoutingRule, ...]:
    shape = {"key": str, "board": str, "process": str, "reason": str, "when": dict}
    rules = codec.rules_from_list(_objects(value, "routing rule", shape, optional=("when",)))
    try:
        check_rules(rules)
    except ValueError as error:
        raise Invalid(str(error)) from error
    return rules


_DECODERS: dict[str, Any] = {
    "boards": _boards,
    "processes": _processes,
    "matrix": _matrix,
    "routing_rules": _rules,
    "matrix_history": _matrix_history,
}
_ENCODERS: dict[str, Any] = {
    "boards": lambda boards: [dataclasses.asdict(b) for b in boards.values()],
    "processes": lambda processes: [dataclasses.asdict(p) for p in processes.values()],
    "matrix": codec.matrix_to_dict,
    "routing_rules": codec.rules_to_list,
    "matrix_history": lambda history: [codec.matrix_to_dict(m) for m in history],
}


class ConfigChangedMeanwhile(Exception):
    """Someone else changed a config item between the bot's read and its write."""


async def publish_matrix(
    client: GraphServiceClient,
    site_id: str,
    policy: RetryPolicy,
    matrix: Matrix,
    last_good: Matrix,
    last_history: list[Matrix],
) -> list[Matrix]:
    """Make `matrix` the "matrix" item, the one it replaces joining "matrix_history" first
    (so a failure between the two writes loses no version). Returns the history written.

    The matrix replaced is SharePoint's if valid, else `last_good`; the history is
    SharePoint's if valid, else `last_history` (a broken item is written over with a good
    one). Safe to run again after a failure: a version already last in the history, or
    already current, is not added twice. Each write carries the ETag read (`If-Match`)."""
    # Never publish what the next read would refuse.
    _matrix(json.loads(json.dumps(codec.matrix_to_dict(matrix))))
    items = await read_config_items(client, site_id, policy)
    current = _valid(_matrix, items.get("matrix")) or last_good
    history = _valid(_matrix_history, items.get("matrix_history"))
    history = list(last_history if history is None else history)
    if current != matrix and (not history or history[-1] != current):
        history.append(current)
    writes = (
        ("matrix_history", [codec.matrix_to_dict(m) for m in history]),
        ("matrix", codec.matrix_to_dict(matrix)),
    )
    for key, value in writes:
        text = json.dumps(value, indent=2, ensure_ascii=False)
        await put_config_item(client, site_id, policy, key, items.get(key), text)
    return history


def _valid(decode: Any, item: ConfigItem | None) -> Any:
    if item is None:
        return None
    try:
        return decode(_json(item.value_json))
    except Invalid:
        return None


async def put_config_item(
    client: GraphServiceClient,
    site_id: str,
    policy: RetryPolicy,
    key: str,
    item: ConfigItem | None,
    value_json: str,
) -> None:
    """Write one config item as read (`item`, None if the list has none: it is added).
    Raises ConfigChangedMeanwhile if someone else changed it since it was read."""
    items = client.sites.by_site_id(site_id).lists.by_list_id(CONFIG.name).items
    if item is None:
        body = ListItem(
            fields=FieldValueSet(
                additional_data={"Title": key, "ConfigKey": key, "ValueJson": value_json}
            )
        )

        async def post() -> Any:
            return await items.post(body)

        await with_retries(post, policy, f"Add DFD Config item {key}", idempotent=False)
        return
    if item.value_json == value_json:
        return
    config: RequestConfiguration[Any] = RequestConfiguration()
    config.headers.add("If-Match", item.etag or "*")
    fields = items.by_list_item_id(item.item_id).fields
    body_fields = FieldValueSet(additional_data={"ValueJson": value_json})

    async def patch() -> Any:
        return await fields.patch(body_fields, request_configuration=config)

    try:
        await with_retries(patch, policy, f"Change DFD Config item {key}")
    except APIError as error:
        if error.response_status_code != 412:
            raise
        # A retry of a write whose answer was lost finds its own change: that is done.
        now = (await read_config_items(client, site_id, policy)).get(key)
        if now is None or now.value_json != value_json:
            raise ConfigChangedMeanwhile(f"DFD Config item {key} changed meanwhile") from error
