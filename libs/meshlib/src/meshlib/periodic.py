"""Work a service repeats every few seconds for as long as it runs: deadline scans, outbox sweeps, schedules."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


class Periodic:
    """Runs ``job`` in a background task from :meth:`start` until :meth:`stop`, pausing ``interval`` s between runs.

    A run that raises is logged and the next one goes ahead: a passing database or broker
    outage must not end the loop. A slow run delays the next one rather than overlapping it.
    """

    def __init__(self, job: Callable[[], Awaitable[object]], interval: float, *, name: str) -> None:
        self._job = job
        self._interval = interval
        self._name = name
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._loop(), name=self._name)

    async def stop(self) -> None:
        """Cancel the loop (mid-run if it is running) and wait until it has ended."""
        if self._task is not None:
            self._stopping = True
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _loop(self) -> None:
        # The flag ends the loop, not the cancel alone: a cancel can be lost inside the job. Python 3.11's
        # asyncio.wait_for returns a result that arrives in the same pass of the event loop as the cancel and
        # drops the cancel (nats-py's request, and so every JetStream publish, waits with it). The run then
        # finished normally, the loop slept and ran again, and stop() waited for ever: a deadline scan that
        # published while its service stopped hung the service's shutdown.
        while True:
            try:
                await self._job()
            except Exception:
                log.exception("%s failed; trying again in %ss", self._name, self._interval)
            if self._stopping:
                return
            await asyncio.sleep(self._interval)
