"""Helpers for tests of the environment service (used here, by the gateway's tests and by tests/)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import grpc

from mesh.environment.v1 import environment_pb2_grpc
from mesh_environment.repository import utcnow
from mesh_environment.service import DirectoryFactory, Parts, assemble, contacts_directory, spec
from mesh_environment.settings import EnvironmentSettings
from mesh_environment.territory import SiteInfo, TerritoryDirectory
from meshlib.bus import Bus
from meshlib.channels import channel
from meshlib.service import Runtime, running

# A test city: Luolong District (洛龙区) and two of its townships, Kaiyuan (开元路街道) and Guanlin (关林镇).
LUOLONG, KAIYUAN, GUANLIN = "410311", "410311010", "410311003"


@dataclass(frozen=True)
class Sites:
    """Enterprises and a project registered in the contacts service."""

    plain: str  # in Kaiyuan township, not on any key list
    key: str  # in Guanlin township, a city key enterprise
    other: str  # another plain one in Kaiyuan
    project: str  # a city key project of ``plain``, in Guanlin


class FixedDirectory:
    """A territory directory from a fixed table, for tests that do not need the contacts service."""

    def __init__(self, enterprises: Mapping[str, SiteInfo] | None = None,
                 projects: Mapping[str, SiteInfo] | None = None) -> None:
        self._enterprises = dict(enterprises or {})
        self._projects = dict(projects or {})

    async def enterprises(self, ids: Sequence[str]) -> Mapping[str, SiteInfo]:
        return {i: self._enterprises[i] for i in ids if i in self._enterprises}

    async def projects(self, ids: Sequence[str]) -> Mapping[str, SiteInfo]:
        return {i: self._projects[i] for i in ids if i in self._projects}

    async def close(self) -> None:
        return None


@dataclass
class RunningEnvironment:
    runtime: Runtime[EnvironmentSettings]
    stub: environment_pb2_grpc.EnvironmentServiceStub
    bus: Bus
    """A separate connection in the same namespace, as another service would have."""
    directory: TerritoryDirectory

    def parts(self, clock: Callable[[], datetime] | None = None) -> Parts:
        """The service's working parts on its database and bus, optionally living at another time."""
        return assemble(self.runtime, self.directory, clock=clock or utcnow)


@asynccontextmanager
async def run_environment(settings: EnvironmentSettings,
                          directory: DirectoryFactory = contacts_directory) -> AsyncIterator[RunningEnvironment]:
    """The service in-process, a channel to it, and a peer NATS connection."""
    own = directory(settings)
    async with running(spec(directory), settings) as rt:
        ch: grpc.aio.Channel = channel(f"127.0.0.1:{rt.port}")
        other = await Bus.connect(settings, name="test-peer")
        try:
            yield RunningEnvironment(rt, environment_pb2_grpc.EnvironmentServiceStub(ch), other, own)
        finally:
            await other.close()
            await ch.close()
            await own.close()


def plan_stages(explained: Mapping[str, Any]) -> list[tuple[str, str | None]]:
    """The stages of an ``explain()``'s winning plan, top down, each with the index it scans (if any)."""
    out: list[tuple[str, str | None]] = []
    stage: Mapping[str, Any] | None = explained["queryPlanner"]["winningPlan"]
    while stage is not None:
        out.append((stage["stage"], stage.get("indexName")))
        stage = stage.get("inputStage")
    return out
