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


async def test_stop_ends_the_loop_when_the_job_loses_the_cancel() -> None:
    """Python 3.11's asyncio.wait_for drops a cancel that arrives in the same pass as its result (nats-py's
    request waits with it): the run then ends normally, and the loop must still end rather than run on."""
    runs = 0
    waiting, answered = asyncio.Event(), asyncio.get_running_loop().create_future()

    async def publish_and_wait_for_ack() -> None:
        nonlocal runs
        runs += 1
        if runs == 1:
            waiting.set()
            await asyncio.wait_for(answered, 10)

    loop = Periodic(publish_and_wait_for_ack, 0.01, name="publisher")
    loop.start()
    await asyncio.wait_for(waiting.wait(), 10)
    answered.set_result(None)  # the ack arrives ...
    stopping = asyncio.create_task(loop.stop())  # ... and the cancel, in the same pass
    # A liveness guard, not a timing: without the fix stop() never returns.
    done, _ = await asyncio.wait([stopping], timeout=10)
    assert done == {stopping}, "stop() did not return: the loop ran on after its cancel was lost"
    await stopping
    assert runs == 1
