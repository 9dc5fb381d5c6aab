"""The rules a flow's call follows, as plain functions: where a flow may be called (m365
and local mode), what the flow's answer means, when to try again, and the signature."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac

import pytest

from bot.journeys.flows.addresses import address_problem
from bot.journeys.flows.sending import BACK_OFF, Outcome, judge, new_secret, next_try, signature

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
