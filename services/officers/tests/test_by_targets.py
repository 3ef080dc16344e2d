"""Integration: the officers of many targets in one call (the gateway's batch read), in dispatch order."""

from __future__ import annotations

from datetime import timedelta

from google.protobuf.timestamp_pb2 import Timestamp

from mesh.officers.v1 import officers_pb2 as pb
from mesh_officers.testing import CITY, RunningOfficers, person


async def _dispatch(svc: RunningOfficers, pid: str, kind: pb.TargetKind.ValueType, target: str, enterprise: str) -> str:
    asked = Timestamp()
    asked.FromDatetime(svc.clock.now)
    officer = await svc.stub.DispatchOfficer(pb.DispatchOfficerRequest(
        officer=person(pid, f"Officer {pid}", "Commerce Bureau", pb.RANK_DEPARTMENT_LEADER),
        target_kind=kind, target_id=target, enterprise_id=enterprise, office=CITY,
        basis=pb.DispatchBasis(enterprise_ask=pb.EnterpriseAsk(contact="CEO", asked_at=asked)),
        actor="city optimisation office"))
    return str(officer.id)


async def test_officers_of_targets_come_in_dispatch_order_with_those_of_an_enterprises_projects(
    officers: RunningOfficers,
) -> None:
    start = officers.clock.now
    officers.clock.now = start + timedelta(hours=2)
    at_plant = await _dispatch(officers, "p-1", pb.TARGET_KIND_ENTERPRISE, "ent-1", "ent-1")
    officers.clock.now = start + timedelta(hours=1)
    at_project = await _dispatch(officers, "p-2", pb.TARGET_KIND_PROJECT, "proj-1", "ent-1")
    officers.clock.now = start
    elsewhere = await _dispatch(officers, "p-3", pb.TARGET_KIND_ENTERPRISE, "ent-2", "ent-2")

    async def ids(*targets: str) -> list[str]:
        reply = await officers.stub.OfficersByTargets(pb.OfficersByTargetsRequest(target_ids=targets))
        return [o.id for o in reply.officers]

    assert await ids("ent-1") == [at_project, at_plant]
    assert await ids("proj-1") == [at_project]
    assert await ids("ent-2", "ent-1", "ent-3") == [elsewhere, at_project, at_plant]
    assert await ids("ent-3") == []
