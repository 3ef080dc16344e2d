"""Periodic background work: runs again after a failed run, and stops (mid-run too) when told."""

from __future__ import annotations

import asyncio

import pytest

from meshlib.periodic import Periodic


async def test_a_failed_run_is_logged_and_the_next_run_goes_ahead(caplog: pytest.LogCaptureFixture) -> None:
    runs = 0
    third = asyncio.Event()

    async def job() -> None:
        nonlocal runs
        runs += 1
        if runs == 3:
            third.set()
        if runs == 1:
            raise RuntimeError("the database is away")

    loop = Periodic(job, 0.01, name="test job")
    loop.start()
    try:
        await asyncio.wait_for(third.wait(), 10)
    finally:
        await loop.stop()
    assert runs >= 3
    (failure,) = [r for r in caplog.records if r.name == "meshlib.periodic"]
    assert "test job failed" in failure.getMessage() and failure.exc_info is not None


async def test_stop_cancels_a_run_in_progress_and_ends_the_loop() -> None:
    started, cancelled = asyncio.Event(), asyncio.Event()
    runs = 0

    async def stuck() -> None:
        nonlocal runs
        runs += 1
        started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    loop = Periodic(stuck, 0.01, name="stuck job")
    loop.start()
    await asyncio.wait_for(started.wait(), 10)
    await loop.stop()
    assert cancelled.is_set() and runs == 1
    await loop.stop()  # stopping again (or before start) is harmless


async def test_stop_before_start_does_nothing() -> None:
    async def job() -> None:
        raise AssertionError("never runs")

    await Periodic(job, 0.01, name="idle").stop()
