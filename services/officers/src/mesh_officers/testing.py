"""Helpers for tests that run the officers service in-process (used here and by the gateway's tests)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import grpc

from mesh.officers.v1 import officers_pb2 as pb
from mesh.officers.v1 import officers_pb2_grpc as pb_grpc
from mesh_officers.service import build_spec
from mesh_officers.settings import OfficersSettings
from meshlib.channels import channel
from meshlib.service import Runtime, running
from meshlib.testing.plugin import settings_for

START = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # 09:00 in the city


class MovableClock:
    """A clock the test moves; every instance of the service under test reads it."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class RunningOfficers:
    runtime: Runtime[OfficersSettings]
    stub: pb_grpc.OfficersServiceStub
    clock: MovableClock


@asynccontextmanager
async def officers_service(
    env: Mapping[str, str], clock: MovableClock, **overrides: Any
) -> AsyncIterator[RunningOfficers]:
    """One instance of the service against the test servers; several may share a namespace."""
    settings = settings_for(
        OfficersSettings, env,
        **{"DEADLINE_SCAN_SECONDS": 0.05, "CONSUME_PROBLEMS": "false", "FOLLOW_ENTERPRISES": "false", **overrides},
    )
    async with running(build_spec(clock), settings) as rt:
        ch: grpc.aio.Channel = channel(f"127.0.0.1:{rt.port}")
        try:
            yield RunningOfficers(rt, pb_grpc.OfficersServiceStub(ch), clock)
        finally:
            await ch.close()


def person(pid: str, name: str, department: str, rank: int = pb.RANK_STAFF) -> pb.Person:
    return pb.Person(id=pid, name=name, department=department, rank=rank)  # type: ignore[arg-type]


CITY = pb.Jurisdiction(level=pb.LEVEL_CITY)
