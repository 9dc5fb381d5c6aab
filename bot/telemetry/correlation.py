"""The correlation id: one per turn or scheduled job, in every log line and span of it, and
sent to Microsoft Graph as `client-request-id` so Graph's own logs can be matched to ours."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_CURRENT: ContextVar[str] = ContextVar("correlation_id", default="")


def correlation_id() -> str:
    """The id of the turn or job running now, or "" outside one."""
    return _CURRENT.get()


def new_correlation_id() -> str:
    return str(uuid.uuid4())


@contextmanager
def correlated(value: str | None = None) -> Iterator[str]:
    """Run the block under `value` (a new id when None); the previous id comes back after.
    Tasks started inside keep the id (contextvars are copied into new tasks)."""
    token = _CURRENT.set(value or new_correlation_id())
    try:
        yield _CURRENT.get()
    finally:
        _CURRENT.reset(token)
