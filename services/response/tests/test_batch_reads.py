"""Integration: the latest incidents of many enterprises in one call (what the gateway's DataLoader asks)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
import pytest

from mesh.response.v1 import response_pb2 as pb
from mesh_response.push import push
from mesh_response.testing import report, wait_stored

AGENCY = "luolong-police"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _at(minutes: int) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat()


@pytest.fixture
async def stored(response_service: Any) -> Any:
    """ent-a: four incidents (two at the same minute), ent-b: one, a project-only one; ent-c has none."""
    svc = response_service
    reports = [
        report("A-1", enterprise_id="ent-a", occurred_at=_at(0)),
        report("A-3", enterprise_id="ent-a", occurred_at=_at(20)),
        report("A-2", enterprise_id="ent-a", occurred_at=_at(10)),
        report("A-4", enterprise_id="ent-a", occurred_at=_at(20)),  # ties A-3: the larger id is newer
        report("B-1", enterprise_id="ent-b", occurred_at=_at(5)),
        report("P-1", enterprise_id=None, project_id="prj-1", occurred_at=_at(30)),
    ]
    await push(svc.bus.nc, AGENCY, reports, namespace=svc.bus.ns.prefix)
    await wait_stored(svc.stub, [f"{AGENCY}:{r['external_id']}" for r in reports])
    return svc


def _ids(reply: pb.IncidentsByEnterprisesResponse) -> list[tuple[str, list[str]]]:
    return [(r.enterprise_id, [i.external_id for i in r.incidents]) for r in reply.results]


async def test_latest_per_enterprise_newest_first_in_the_order_asked(stored: Any) -> None:
    stub = stored.stub
    two = await stub.IncidentsByEnterprises(pb.IncidentsByEnterprisesRequest(
        enterprise_ids=["ent-c", "ent-a", "ent-b", "ent-a"], per_enterprise=2))
    assert _ids(two) == [("ent-c", []), ("ent-a", ["A-4", "A-3"]), ("ent-b", ["B-1"])]
    assert two.results[1].incidents[0].enterprise_id == "ent-a"
    assert two.results[1].incidents[0].category == pb.EXTORTION

    default = await stub.IncidentsByEnterprises(pb.IncidentsByEnterprisesRequest(enterprise_ids=["ent-a", "ent-b"]))
    assert _ids(default) == [("ent-a", ["A-4"]), ("ent-b", ["B-1"])], "0 means the latest one"

    every = await stub.IncidentsByEnterprises(pb.IncidentsByEnterprisesRequest(enterprise_ids=["ent-a"],
                                                                               per_enterprise=20))
    assert _ids(every) == [("ent-a", ["A-4", "A-3", "A-2", "A-1"])]

    nothing = await stub.IncidentsByEnterprises(pb.IncidentsByEnterprisesRequest())
    assert list(nothing.results) == []


@pytest.mark.parametrize("per", [-1, 21])
async def test_per_enterprise_outside_1_to_20_is_refused(response_service: Any, per: int) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await response_service.stub.IncidentsByEnterprises(pb.IncidentsByEnterprisesRequest(
            enterprise_ids=["ent-a"], per_enterprise=per))
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "between 1 and 20" in (refused.value.details() or "")


async def test_more_than_500_enterprises_in_one_call_is_refused(response_service: Any) -> None:
    ids = [f"ent-{i}" for i in range(501)]
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await response_service.stub.IncidentsByEnterprises(pb.IncidentsByEnterprisesRequest(enterprise_ids=ids))
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    reply = await response_service.stub.IncidentsByEnterprises(pb.IncidentsByEnterprisesRequest(
        enterprise_ids=ids[:500] + ids[:3]))
    assert len(reply.results) == 500, "duplicates count once"
