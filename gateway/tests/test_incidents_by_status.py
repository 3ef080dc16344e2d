"""Incidents filtered by status through the gateway: a police dispatcher's open incidents, a county's resolved ones."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest

from mesh.response.v1 import response_pb2 as pb
from mesh.response.v1 import response_pb2_grpc
from mesh_gateway.auth import Principal, Role
from mesh_gateway.testing import SignedIn, signed_in_gateway
from mesh_response.push import push
from mesh_response.service import SPEC as RESPONSE
from mesh_response.settings import ResponseSettings
from mesh_response.testing import report, wait_dispatched
from meshlib.bus import Bus
from meshlib.channels import channel
from meshlib.service import running
from meshlib.testing.plugin import settings_for

LUOLONG = "410311"
POLICE = Principal("p1", Role.POLICE, agency="luolong-police", county_code=LUOLONG)
COUNTY_LEADER = Principal("l2", Role.LEADER, county_code=LUOLONG)
OFFICE = Principal("x1", Role.OPTIMISATION_OFFICE)


@dataclass
class Desk(SignedIn):
    response: response_pb2_grpc.ResponseServiceStub

    async def incidents(self, principal: Principal, flt: dict[str, Any]) -> list[tuple[str, str]]:
        data = await self.data(
            "query($f: IncidentFilter) { incidents(filter: $f, first: 100) { edges { node { id status } } } }",
            principal, {"f": flt})
        return sorted((e["node"]["id"], e["node"]["status"]) for e in data["incidents"]["edges"])


@pytest.fixture
async def desk(mesh_env: dict[str, str], bus: Bus, tmp_path: Path) -> AsyncIterator[Desk]:
    """Reports (no enterprise: they lie where their agency does) from two agencies, dispatched, some moved on."""
    async with running(RESPONSE, settings_for(ResponseSettings, mesh_env, DEMO_DATA="true")) as response:
        ch: grpc.aio.Channel = channel(f"127.0.0.1:{response.port}")
        stub = response_pb2_grpc.ResponseServiceStub(ch)
        try:
            reports = [("luolong-police", f"S-{n}") for n in range(1, 5)] + [("xigong-police", "S-5")]
            for agency, external_id in reports:
                await push(bus.nc, agency, [report(external_id, agency=agency, enterprise_id=None)],
                           namespace=bus.ns.prefix)
            ids = [f"{agency}:{external_id}" for agency, external_id in reports]
            await wait_dispatched(stub, ids)
            # S-1 stays dispatched, S-2 is acknowledged, S-3 resolved, S-4 closed as unfounded.
            for incident_id in ids[1:3]:
                await stub.Acknowledge(pb.StatusChangeRequest(incident_id=incident_id, by="luolong-police"))
            await stub.ArriveOnScene(pb.StatusChangeRequest(incident_id=ids[2], by="luolong-police"))
            await stub.Resolve(pb.StatusChangeRequest(incident_id=ids[2], by="luolong-police", note="settled"))
            await stub.CloseUnfounded(pb.StatusChangeRequest(incident_id=ids[3], by="luolong-police", note="a prank"))
            async with signed_in_gateway(mesh_env, tmp_path,
                                         RESPONSE_GRPC_TARGET=f"127.0.0.1:{response.port}") as signed_in:
                yield Desk(signed_in.gateway, signed_in.secret, stub)
        finally:
            await ch.close()


async def test_a_police_dispatcher_gets_only_its_open_incidents(desk: Desk) -> None:
    open_ones = {"statuses": ["REPORTED", "DISPATCHED", "ACKNOWLEDGED"]}
    assert await desk.incidents(POLICE, open_ones) == [
        ("luolong-police:S-1", "dispatched"), ("luolong-police:S-2", "acknowledged")]
    # Every agency's, for the city; the status combines with the other filters.
    assert await desk.incidents(OFFICE, open_ones) == [
        ("luolong-police:S-1", "dispatched"), ("luolong-police:S-2", "acknowledged"),
        ("xigong-police:S-5", "dispatched")]
    assert await desk.incidents(OFFICE, {**open_ones, "agency": "xigong-police"}) == [
        ("xigong-police:S-5", "dispatched")]
    assert await desk.incidents(COUNTY_LEADER, {"statuses": ["RESOLVED", "CLOSED_UNFOUNDED"]}) == [
        ("luolong-police:S-3", "resolved"), ("luolong-police:S-4", "closed_unfounded")]
    # No statuses (or an empty list): every status.
    assert len(await desk.incidents(POLICE, {})) == len(await desk.incidents(POLICE, {"statuses": []})) == 4
