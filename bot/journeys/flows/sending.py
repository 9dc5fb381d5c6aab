"""Calling a flow once: the signed POST, and what its answer means.

Signed as the Standard Webhooks convention says: `webhook-id` (the event id),
`webhook-timestamp` (Unix seconds) and `webhook-signature` (`v1,` and the base64 HMAC-
SHA256 of "{id}.{timestamp}.{body}", keyed with the secret's bytes after `whsec_`).
A flow, or anything else that receives the call, can check it with the secret it was
given when it subscribed.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import email.utils
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Literal

import aiohttp

TIMEOUT_SECONDS = 10.0
# Waits before each try again after a server error, a timeout or no connection; after
# the last, the event has failed for good.
BACK_OFF = (
    dt.timedelta(seconds=30),
    dt.timedelta(minutes=2),
    dt.timedelta(minutes=8),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
)
LONGEST_RETRY_AFTER = dt.timedelta(hours=2)
SECRET_PREFIX = "whsec_"

Verdict = Literal["delivered", "retry", "failed", "gone"]


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def signature(secret: str, event_id: str, timestamp: int, body: str) -> str:
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{event_id}.{timestamp}.{body}".encode()
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


@dataclass(frozen=True)
class Outcome:
    verdict: Verdict
    status: int | None  # the flow's HTTP status, if it answered
    error: str  # plain words, "" when delivered
    wait: dt.timedelta | None = None  # Retry-After, on 429


async def call_flow(
    http: aiohttp.ClientSession, url: str, secret: str, event_id: str, body: str, now: dt.datetime
) -> Outcome:
    timestamp = int(now.timestamp())
    headers = {
        "Content-Type": "application/json",
        "webhook-id": event_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, event_id, timestamp, body),
    }
    try:
        async with http.post(
            url,
            data=body.encode(),
            headers=headers,
            allow_redirects=False,
            timeout=aiohttp.ClientTimeout(total=TIMEOUT_SECONDS),
        ) as response:
            await response.read()
            return judge(response.status, response.headers.get("Retry-After", ""), now)
    except TimeoutError:
        said = f"The flow did not answer within {TIMEOUT_SECONDS:.0f} seconds."
        return Outcome("retry", None, said)
    except asyncio.CancelledError:
        raise
    except aiohttp.ClientError:
        return Outcome("retry", None, "We could not connect to the flow's address.")


def judge(status: int, retry_after: str, now: dt.datetime) -> Outcome:
    """What an answer means: 2xx delivered; 410 the flow is gone; 429, 5xx tried again;
    any other answer failed for good (a retry would get the same)."""
    if 200 <= status < 300:
        return Outcome("delivered", status, "")
    if status == 410:
        return Outcome("gone", status, "The flow's address answered 410: the flow is gone.")
    if status == 429:
        wait = _retry_after(retry_after, now)
        return Outcome("retry", status, "The flow answered 429: too many calls at once.", wait)
    if status >= 500:
        return Outcome("retry", status, f"The flow answered {status}: an error on its side.")
    if 300 <= status < 400:
        return Outcome("failed", status, f"The flow answered {status}: it sent us elsewhere.")
    return Outcome("failed", status, f"The flow answered {status}: it refused the event.")


def _retry_after(value: str, now: dt.datetime) -> dt.timedelta | None:
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        wait = dt.timedelta(seconds=int(value))
    else:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            return None
        wait = when - now
    return max(dt.timedelta(seconds=1), min(wait, LONGEST_RETRY_AFTER))


def time_to_pause(pause_after: int) -> dt.timedelta:
    """From the first failed try to the pause, for a flow whose side keeps failing (a
    server error or no answer each time) and has events waiting: the waits between
    `pause_after` tries in a row. After the last wait an event has failed for good and
    the next one waiting is tried at once."""
    waits = (*BACK_OFF, dt.timedelta(0))
    return sum((waits[n % len(waits)] for n in range(pause_after - 1)), dt.timedelta(0))


def wait_words(wait: dt.timedelta) -> str:
    """A wait in words, rounded: '30 seconds', '40 minutes', '3 hours'."""
    seconds = round(wait.total_seconds())
    if seconds < 120:
        return f"{seconds} second{'' if seconds == 1 else 's'}"
    if seconds < 2 * 3600:
        return f"{round(seconds / 60)} minutes"
    return f"{round(seconds / 3600)} hours"


def next_try(attempts_before: int, outcome: Outcome, now: dt.datetime) -> dt.datetime | None:
    """When to try again after this many failed attempts (this one included), or None
    when it has failed for good."""
    if attempts_before >= len(BACK_OFF):
        return None
    wait = outcome.wait or BACK_OFF[attempts_before]
    return now + wait
