"""Fixtures of the officers service's tests: the service running in-process with a clock the test moves."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from mesh_officers.testing import MovableClock, RunningOfficers, officers_service


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
async def officers(mesh_env: dict[str, str], clock: MovableClock) -> AsyncIterator[RunningOfficers]:
    async with officers_service(mesh_env, clock) as svc:
        yield svc
