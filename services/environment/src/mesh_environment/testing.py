"""Helpers for tests of the environment service (used here, by the gateway's tests and by tests/)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc

from mesh.environment.v1 import environment_pb2 as pb
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


def allowed_check(enterprise_id: str) -> pb.CheckEnforcementRequest:
    """An inspection planned at ``enterprise_id`` that the guard (item 10) lets through: filed, with credentials."""
    check = pb.CheckEnforcementRequest(
        enterprise_id=enterprise_id, agency="city-market-supervision", matter="food safety",
        officers=[pb.EnforcementOfficer(officer_id="o-1", name="Zhang Wei", credential_number="HN-ZF-0001",
                                        credential_expires_on="2027-06-30")],
        filing_reference="BA-2026-17", actor="agency-desk")
    check.planned_at.FromDatetime(datetime(2026, 12, 2, 2, 0, tzinfo=UTC))
    return check


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


async def records_at(env: RunningEnvironment, enterprise_ids: Sequence[str]) -> dict[str, str]:
    """A check, a fine filing and a finding closed late (so an accountability record) at each enterprise.

    Returns the id of each finding with its enterprise (accountability records name their finding).
    """
    findings = {}
    for enterprise_id in enterprise_ids:
        await env.stub.CheckEnforcement(allowed_check(enterprise_id))
        await env.stub.FileFine(pb.FileFineRequest(
            enterprise_id=enterprise_id, agency="city-market-supervision", kind=pb.CHARGE_KIND_FINE,
            amount_fen=200_000, matter="food safety", legal_basis="Food Safety Law art. 124", actor="agency-desk"))
        finding = await env.stub.RegisterFinding(pb.RegisterFindingRequest(
            channel=pb.CHANNEL_ONLINE_PETITION, kind=pb.FINDING_KIND_SLOW_ACTION, description="sign-off pending",
            responsible_unit=f"fire brigade of {enterprise_id}", responsible_leader="Deputy chief Wu",
            enterprise_id=enterprise_id, actor="desk"))
        findings[finding.id] = enterprise_id
    late = env.parts(clock=lambda: datetime.now(UTC) + timedelta(days=40))
    for finding_id in findings:
        await late.findings.resolve(finding_id, "signed off at last", "fire")
        await late.findings.recheck(finding_id, confirmed=True, note="ok", actor="desk")
    return findings
