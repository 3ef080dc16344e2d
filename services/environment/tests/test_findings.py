"""Integration (items 15, 18): findings supervised to a rechecked resolution; late ones accounted for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import grpc
import pytest

from mesh.environment.v1 import environment_pb2 as pb
from mesh_environment import events
from mesh_environment.testing import RunningEnvironment, Sites
from meshlib.testing.streams import read_stream


async def register(env: RunningEnvironment, **over: object) -> pb.Finding:
    request = pb.RegisterFindingRequest(
        channel=pb.CHANNEL_INSPECTION_GROUP, inspection_group="group-3", kind=pb.FINDING_KIND_SLOW_ACTION,
        description="fire-safety sign-off pending 40 days", responsible_unit="city fire brigade",
        responsible_leader="Deputy chief Wu", actor="group-3")
    for k, v in over.items():
        setattr(request, k, v)
    found: pb.Finding = await env.stub.RegisterFinding(request)
    return found


async def test_a_finding_is_supervised_to_a_rechecked_resolution(environment: RunningEnvironment,
                                                                 sites: Sites) -> None:
    env = environment
    group = await env.stub.AssignInspectionGroup(pb.AssignInspectionGroupRequest(
        group_id="group-3", name="Inspection group 3", actor="city-optimisation-office",
        sites=[pb.SiteRef(kind=pb.SITE_KIND_ENTERPRISE, id=sites.key),
               pb.SiteRef(kind=pb.SITE_KIND_PROJECT, id=sites.project)]))
    assert [s.id for s in group.sites] == [sites.key, sites.project]
    with pytest.raises(grpc.aio.AioRpcError) as refused:  # item 15: key sites only
        await env.stub.AssignInspectionGroup(pb.AssignInspectionGroupRequest(
            group_id="group-4", name="Inspection group 4", actor="city-optimisation-office",
            sites=[pb.SiteRef(kind=pb.SITE_KIND_ENTERPRISE, id=sites.plain)]))
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert dict(refused.value.trailing_metadata())["mesh-rule"] == "inspection-key-sites"

    at_key = await register(env, enterprise_id=sites.key)
    elsewhere = await register(env, channel=pb.CHANNEL_ONLINE_PETITION, inspection_group="",
                               enterprise_id=sites.other)
    assert at_key.key_protection and not elsewhere.key_protection
    span = at_key.due_at.ToDatetime(UTC) - at_key.registered_at.ToDatetime(UTC)
    assert span == timedelta(days=7)  # key protection: the shorter default
    assert [c.kind for c in at_key.clocks] == ["finding-resolve"]

    resolved = await env.stub.ResolveFinding(pb.ResolveFindingRequest(finding_id=at_key.id,
                                                                      outcome="signed off", actor="fire"))
    assert resolved.state == pb.FINDING_STATE_AWAITING_RECHECK
    closed = await env.stub.RecheckFinding(pb.RecheckFindingRequest(finding_id=at_key.id, confirmed=True,
                                                                    note="seen the permit", actor="group-3"))
    assert closed.state == pb.FINDING_STATE_CLOSED and closed.clocks[0].state == "met"
    (event,) = await read_stream(env.bus, events.FINDING_CLOSED, until=lambda seen: len(seen) >= 1)
    assert event.subject == at_key.id
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await register(env, inspection_group="")
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_a_finding_resolved_after_its_deadline_is_accounted_for(environment: RunningEnvironment) -> None:
    env = environment
    finding = await register(env)
    later = datetime.now(UTC) + timedelta(days=20)
    parts = env.parts(clock=lambda: later)
    await parts.findings.resolve(finding.id, "signed off at last", "fire")
    await parts.findings.recheck(finding.id, confirmed=True, note="ok", actor="group-3")
    records = await env.stub.ListAccountability(pb.ListAccountabilityRequest(responsible_unit="city fire brigade"))
    (record,) = records.records
    assert record.kind == pb.ACCOUNTABILITY_KIND_FINDING_CLOSED_LATE and record.subject_id == finding.id
    assert record.responsible_leader == "Deputy chief Wu" and record.clause == "Items 15, 18"
    assert "signed off at last" in record.facts
