"""Stopping the app never hangs on a background task that will not stop."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot import app


async def test_a_task_that_swallows_its_cancel_is_left_and_logged(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(app, "STOP_WAIT", 0.2)
    release = asyncio.Event()

    async def stubborn() -> None:
        while not release.is_set():
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                continue  # what asyncio.wait_for can do on Python 3.11 by accident

    async def obedient() -> None:
        await asyncio.sleep(10)

    async def failed() -> None:
        raise RuntimeError("boom")

    tasks = [asyncio.ensure_future(t()) for t in (stubborn, obedient, failed)]
    await asyncio.sleep(0)
    with caplog.at_level(logging.ERROR, logger="bot.app"):
        await asyncio.wait_for(app._cancel_all(tasks), timeout=5)
    assert tasks[1].cancelled()
    assert not tasks[0].done()
    assert "did not stop" in caplog.text
    release.set()
    tasks[0].cancel()
    await asyncio.wait([tasks[0]], timeout=1)


async def test_nothing_to_stop_returns_at_once() -> None:
    await asyncio.wait_for(app._cancel_all([]), timeout=1)
