"""The rules a flow's call follows, as plain functions: where a flow may be called (m365
and local mode), what the flow's answer means, when to try again, and the signature."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import socket

import pytest
from aiohttp.abc import AbstractResolver, ResolveResult

from bot.journeys.flows.addresses import PublicOnly, address_problem
from bot.journeys.flows.sending import (
    BACK_OFF,
    Outcome,
    judge,
    new_secret,
    next_try,
    signature,
    time_to_pause,
    wait_words,
)

NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)

PUBLIC = "https://prod-27.uksouth.logic.azure.com:443/workflows/abc/triggers/manual/run?sig=x"


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "https://hooks.localhost/hook",
        "https://[::1]/hook",
        "https://10.1.2.3/hook",
        "https://172.16.0.1/hook",
        "https://192.168.1.10/hook",
        "https://169.254.169.254/latest/meta-data",  # the cloud's metadata address
        "https://[fd00::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://2130706433/hook",  # 127.0.0.1 as one number
        "https://0x7f.1/hook",
        "https://127.1/hook",
        "https://printer.local/hook",
        "https://0.0.0.0/hook",
    ],
)
def test_m365_refuses_this_machine_and_private_networks(url: str) -> None:
    assert address_problem(url, local=False) == (
        "Events cannot go to this machine or to a private network address."
    )


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://prod-27.uksouth.logic.azure.com/workflows/abc", "starts with https://"),
        ("ftp://files.example.com/x", "starts with https://"),
        ("https://", "starts with https://"),
        ("https://user:secret@example.com/hook", "user name and password"),
        ("https://example.com:99999/hook", "Enter a web address"),
        ("   ", "Enter the address"),
    ],
)
def test_m365_refuses_what_is_not_a_public_https_address(url: str, words: str) -> None:
    problem = address_problem(url, local=False)
    assert problem is not None and words in problem


def test_m365_takes_power_automates_own_addresses() -> None:
    assert address_problem(PUBLIC, local=False) is None
    assert address_problem("https://8.8.8.8/hook", local=False) is None


# IPv6 forms that carry an IPv4 address: refused when the IPv4 one is not public.
CARRIED_INSIDE = (
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254, the cloud's metadata address
    "64:ff9b:1::808:808",  # the local-use NAT64 prefix: a private network's own
    "2002:7f00:1::1",  # 6to4 of 127.0.0.1
    "2002:c0a8:10a::1",  # 6to4 of 192.168.1.10
    "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo, client 127.0.0.1
    "2001:0:4136:e378:8000:63bf:f5ff:fffe",  # Teredo, client 10.0.0.1
    "::ffff:127.0.0.1",  # IPv4-mapped
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "::127.0.0.1",  # the old IPv4-compatible form
)
CARRIED_PUBLIC = ("64:ff9b::808:808", "2002:808:808::1", "2606:4700:4700::1111")


@pytest.mark.parametrize("address", CARRIED_INSIDE)
def test_m365_refuses_ipv6_forms_of_an_address_inside(address: str) -> None:
    assert address_problem(f"https://[{address}]/hook", local=False) == (
        "Events cannot go to this machine or to a private network address."
    )


@pytest.mark.parametrize("address", CARRIED_PUBLIC)
def test_m365_takes_ipv6_forms_of_a_public_address(address: str) -> None:
    assert address_problem(f"https://[{address}]/hook", local=False) is None


class Answers(AbstractResolver):
    """A name server that answers every name with the same addresses."""

    def __init__(self, *addresses: str) -> None:
        self.addresses = addresses

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        return [
            ResolveResult(
                hostname=host, host=a, port=port, family=socket.AF_INET6, proto=0, flags=0
            )
            for a in self.addresses
        ]

    async def close(self) -> None:
        pass


async def test_a_name_that_resolves_to_an_ipv6_form_of_an_address_inside_is_refused() -> None:
    for address in CARRIED_INSIDE:
        with pytest.raises(OSError, match="not a public address"):
            await PublicOnly(Answers(address)).resolve("flow.example.com", 443)
    mixed = PublicOnly(Answers(*CARRIED_INSIDE, *CARRIED_PUBLIC))
    kept = await mixed.resolve("flow.example.com", 443)
    assert [r["host"] for r in kept] == list(CARRIED_PUBLIC)


def test_local_mode_calls_this_machine_only() -> None:
    assert address_problem("http://127.0.0.1:9000/hook", local=True) is None
    assert address_problem("https://localhost/hook", local=True) is None
    assert address_problem("http://[::1]:9000/hook", local=True) is None
    problem = address_problem(PUBLIC, local=True)
    assert problem is not None and problem.startswith("Locally, events can only go")


@pytest.mark.parametrize(
    ("status", "verdict"),
    [
        (200, "delivered"),
        (202, "delivered"),
        (204, "delivered"),
        (410, "gone"),
        (429, "retry"),
        (500, "retry"),
        (502, "retry"),
        (503, "retry"),
        (301, "failed"),
        (400, "failed"),
        (401, "failed"),
        (404, "failed"),
    ],
)
def test_what_a_flows_answer_means(status: int, verdict: str) -> None:
    outcome = judge(status, "", NOW)
    assert outcome.verdict == verdict and outcome.status == status
    assert (outcome.error == "") == (verdict == "delivered")


def test_retry_after_in_seconds_or_as_a_date_and_never_beyond_two_hours() -> None:
    assert judge(429, "120", NOW).wait == dt.timedelta(minutes=2)
    assert judge(429, "Wed, 25 Nov 2026 10:05:00 GMT", NOW).wait == dt.timedelta(minutes=5)
    assert judge(429, "999999", NOW).wait == dt.timedelta(hours=2)
    assert judge(429, "0", NOW).wait == dt.timedelta(seconds=1)
    assert judge(429, "soon", NOW).wait is None
    assert judge(429, "", NOW).wait is None


def test_back_off_grows_then_gives_up() -> None:
    failed = Outcome("retry", 500, "The flow answered 500.")
    tries = [next_try(n, failed, NOW) for n in range(len(BACK_OFF) + 1)]
    assert tries == [
        NOW + dt.timedelta(seconds=30),
        NOW + dt.timedelta(minutes=2),
        NOW + dt.timedelta(minutes=8),
        NOW + dt.timedelta(minutes=30),
        NOW + dt.timedelta(hours=2),
        None,
    ]
    busy = Outcome("retry", 429, "busy", wait=dt.timedelta(minutes=7))
    assert next_try(0, busy, NOW) == NOW + dt.timedelta(minutes=7)


def test_a_flow_that_keeps_failing_is_paused_after_about_forty_minutes() -> None:
    # Five failed tries in a row: waits of 30 s, 2, 8 and 30 minutes between them.
    assert time_to_pause(5) == dt.timedelta(minutes=40, seconds=30)
    assert wait_words(time_to_pause(5)) == "40 minutes"
    assert time_to_pause(1) == dt.timedelta(0)
    assert time_to_pause(2) == dt.timedelta(seconds=30)
    # Six tries fail an event for good; the next event waiting is tried at once.
    assert time_to_pause(7) == time_to_pause(6) == sum(BACK_OFF, dt.timedelta(0))
    assert time_to_pause(8) == sum(BACK_OFF, dt.timedelta(seconds=30))
    assert [wait_words(w) for w in BACK_OFF] == [
        "30 seconds",
        "2 minutes",
        "8 minutes",
        "30 minutes",
        "2 hours",
    ]


def test_the_pause_card_says_the_real_timings() -> None:
    from bot.journeys.flows.cards import timings

    assert timings(5) == (
        "If the flow does not answer, or has an error on its side, we try again after 30 "
        "seconds, then 2 minutes, 8 minutes, 30 minutes and 2 hours. We stop after 5 failed "
        "tries in a row. For a flow that keeps failing, that is about 40 minutes."
    )
    assert timings(1).endswith("We stop after 1 failed try.")


def test_a_flow_can_choose_every_status_the_domain_has_and_no_other() -> None:
    import typing

    from bot.domain.model import STATUS_LABELS, Status
    from bot.journeys.flows.payloads import STATUSES, SubscribeStatusChanged

    assert STATUSES == tuple(s.value for s in Status) == tuple(s.value for s in STATUS_LABELS)
    field = SubscribeStatusChanged.model_fields["to_status"].annotation
    [literal, _none] = typing.get_args(field)
    assert typing.get_args(literal) == STATUSES
    schema = SubscribeStatusChanged.model_json_schema(by_alias=True)
    [choices, _null] = schema["properties"]["toStatus"]["anyOf"]
    assert choices == {"enum": list(STATUSES), "type": "string"}


def test_the_decided_event_names_the_reason_and_the_question_as_record_decision_does() -> None:
    from bot.domain.boards import Decision, DecisionKind
    from bot.journeys.flows.payloads import BoardDecidedEvent
    from bot.journeys.flows.webhooks import _decided

    def sent(kind: DecisionKind, said: str) -> dict[str, object]:
        decision = Decision("DR-2026-0001:3", "DR-2026-0001", "trb", kind, "u1", "Alex", NOW, said)
        event = _decided("decided.x", NOW, decision, {"trb": "Technical Review Board"}, None)
        return event.model_dump(by_alias=True)

    approved = sent(DecisionKind.APPROVE, "Fits the roadmap.")
    assert (approved["reason"], approved["question"]) == ("Fits the roadmap.", "")
    asked = sent(DecisionKind.ASK_INFO, "Who uses it now?")
    assert (asked["reason"], asked["question"]) == ("", "Who uses it now?")
    fields = BoardDecidedEvent.model_json_schema(by_alias=True)["properties"]
    assert "rationale" not in fields and "deliveryOwner" not in fields


def test_the_signature_is_the_standard_webhooks_one() -> None:
    secret = new_secret()
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) == 24
    assert new_secret() != secret
    key = base64.b64decode(secret[6:])
    body = '{"eventId": "e1"}'
    expected = hmac.new(key, b'e1.1795608800.{"eventId": "e1"}', hashlib.sha256).digest()
    assert signature(secret, "e1", 1795608800, body) == "v1," + base64.b64encode(expected).decode()


def test_the_flows_settings_follow_the_mode_and_the_apis_pause_setting() -> None:
    from bot.journeys.flows.config import FlowsConfig, load_settings

    problems: list[str] = []
    assert load_settings({}, problems) == FlowsConfig(local=True, pause_after=5)
    m365 = {"BOT_MODE": "m365", "CLIENT_ID": "x", "API_WEBHOOK_PAUSE_AFTER": "3"}
    assert load_settings(m365, problems) == FlowsConfig(local=False, pause_after=3)
    assert problems == []  # a bad value is the API settings' to report, once
