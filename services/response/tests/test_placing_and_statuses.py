"""Integration: the dispatch that places an incident says so (item 9), and incidents are listed by status."""

from __future__ import annotations

from typing import Any

import grpc
import pytest

from mesh.response.v1 import response_pb2 as pb
from mesh_response.events import ACCEPTED
from mesh_response.push import push
from mesh_response.repository import ORDER, IncidentFilter
from mesh_response.testing import report, wait_dispatched, wait_stored
from meshlib.devstack.servers import free_port
from meshlib.testing.refusals import refused
from meshlib.testing.streams import read_stream

LUOLONG = "410311"
OPEN = ["reported", "dispatched", "acknowledged"]


async def dispatched(svc: Any, agency: str, *external_ids: str) -> list[str]:
    """Push reports (no enterprise: the reporting agency's territory) and wait until each is dispatched."""
    await push(svc.bus.nc, agency, [report(e, agency=agency, enterprise_id=None) for e in external_ids],
               namespace=svc.bus.ns.prefix)
    ids = [f"{agency}:{e}" for e in external_ids]
    await wait_dispatched(svc.stub, ids)
    return ids


async def test_the_dispatch_that_places_an_incident_says_so_and_carries_where_it_lies(start_response: Any) -> None:
    svc = await start_response(DEMO_DATA="true")
    [incident_id] = await dispatched(svc, "luolong-police", "P-1")
    await svc.stub.Dispatch(pb.DispatchRequest(incident_id=incident_id, unit_id="kaiyuan-station", by="duty desk",
                                               reason="the station is closer"))
    events = await read_stream(svc.bus, "incidents.dispatched", count=2)
    placing, redispatch = (e.data for e in events)
    assert placing["previous_status"] == "reported" and placing["status"] == "dispatched"
    assert placing["territory"] == {"county_code": LUOLONG, "township_code": "", "source": "reporting-agency"}
    assert placing["incident_id"] == incident_id and placing["unit_id"] == "luolong-police"
    # A re-dispatch is not a placing: the gateway does not report the incident again from it.
    assert redispatch["previous_status"] == "dispatched" and redispatch["unit_id"] == "kaiyuan-station"


async def test_intake_stores_and_announces_reports_while_contacts_is_unavailable(start_response: Any) -> None:
    """Placing waits for contacts (an enterprise's territory); storing and announcing the report do not."""
    svc = await start_response(DEMO_DATA="true", CONTACTS_GRPC_TARGET=f"127.0.0.1:{free_port()}")
    await push(svc.bus.nc, "luolong-police", [report("C-1", enterprise_id="ent-002")], namespace=svc.bus.ns.prefix)
    [stored] = await wait_stored(svc.stub, ["luolong-police:C-1"])
    assert stored.status == "reported" and not stored.territory.county_code
    accepted = await read_stream(svc.bus, ACCEPTED, count=1)
    assert accepted[0].subject == "luolong-police:C-1"


async def test_a_unit_lists_its_open_incidents_only(start_response: Any) -> None:
    svc = await start_response(DEMO_DATA="true")
    stub = svc.stub
    ids = await dispatched(svc, "luolong-police", "S-1", "S-2", "S-3", "S-4", "S-5")
    [elsewhere] = await dispatched(svc, "xigong-police", "S-6")
    acknowledged, on_scene, resolved, unfounded = ids[1:]
    for incident_id in (acknowledged, on_scene, resolved):
        await stub.Acknowledge(pb.StatusChangeRequest(incident_id=incident_id, by="luolong-police"))
    for incident_id in (on_scene, resolved):
        await stub.ArriveOnScene(pb.StatusChangeRequest(incident_id=incident_id, by="luolong-police"))
    await stub.Resolve(pb.StatusChangeRequest(incident_id=resolved, by="luolong-police", note="settled"))
    await stub.CloseUnfounded(pb.StatusChangeRequest(incident_id=unfounded, by="luolong-police", note="a prank"))

    def ask(**flt: Any) -> Any:
        return stub.ListIncidents(pb.ListIncidentsRequest(filter=pb.IncidentFilter(**flt), page_size=100))

    mine = await ask(agency="luolong-police", statuses=OPEN)
    assert sorted((i.id, i.status) for i in mine.incidents) == [(ids[0], "dispatched"), (acknowledged, "acknowledged")]
    every_open = await ask(statuses=OPEN)
    assert sorted(i.id for i in every_open.incidents) == sorted([ids[0], acknowledged, elsewhere])
    closed = await ask(agency="luolong-police", statuses=["resolved", "closed_unfounded"])
    assert sorted(i.id for i in closed.incidents) == sorted([resolved, unfounded])
    in_county = await ask(county_code=LUOLONG, statuses=["on_scene"])
    assert [i.id for i in in_county.incidents] == [on_scene]
    assert len((await ask(agency="luolong-police")).incidents) == 5  # no statuses: every status
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await ask(statuses=["open"])
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "no incident status 'open'" in (refused.value.details() or "")


@pytest.mark.parametrize(("flt", "index"), [
    (IncidentFilter(agency="luolong-police", statuses=tuple(OPEN)), "agency_status_newest_first"),
    (IncidentFilter(county_code=LUOLONG, statuses=tuple(OPEN)), "county_status_newest_first"),
    (IncidentFilter(statuses=tuple(OPEN)), "status_newest_first"),
])
async def test_an_index_declared_in_the_service_serves_each_status_list(
    response_service: Any, flt: IncidentFilter, index: str,
) -> None:
    """Police lists are narrowed by agency, county-level users' by county, city-wide users' by neither."""
    plan = await response_service.repo.collection.find(flt.query()).sort(list(ORDER.keys)).explain()
    assert index in str(plan["queryPlanner"]["winningPlan"]), plan["queryPlanner"]["winningPlan"]


async def test_a_unit_acting_on_another_units_incident_is_refused_naming_who_acts(start_response: Any) -> None:
    """Item 9: a unit acts only on the incidents it is responsible for; the refusal names ``by``, the field at fault."""
    svc = await start_response(DEMO_DATA="true")
    [incident_id] = await dispatched(svc, "luolong-police", "R-1")
    stranger = pb.StatusChangeRequest(incident_id=incident_id, by="xigong-police", by_unit=True)
    assert await refused(svc.stub.Acknowledge(stranger)) == ("responsible-unit", "by")
    acknowledged = await svc.stub.Acknowledge(pb.StatusChangeRequest(incident_id=incident_id, by="luolong-police",
                                                                     by_unit=True))
    assert acknowledged.status == "acknowledged"
