"""Integration: dispatch by rule, status pushed on NATS and over gRPC, clocks fired once, statistics."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import grpc
import pytest

from mesh.response.v1 import response_pb2 as pb
from mesh_response.events import REJECT_CODE, REJECTED
from mesh_response.push import push
from mesh_response.testing import report, wait_dispatched
from meshlib.testing.poll import eventually
from meshlib.testing.streams import raw, read_stream

LUOLONG, KAIYUAN = "410311", "410311003"
UNITS = [
    pb.Unit(id="luolong-police", name="Luolong District PSB", kind="police", county_code=LUOLONG),
    pb.Unit(id="kaiyuan-station", name="Kaiyuan Road Station", kind="police", county_code=LUOLONG,
            township_code=KAIYUAN),
    pb.Unit(id="luolong-urban", name="Luolong Urban Management", kind="department", county_code=LUOLONG,
            categories=["obstruction_of_construction"]),
]


async def register_units(svc: Any) -> None:
    for unit in UNITS:
        await svc.stub.RegisterUnit(unit)


async def pushed(svc: Any, external_id: str, **over: Any) -> pb.Incident:
    """Push a report from luolong-police and wait until it has been dispatched."""
    await push(svc.bus.nc, "luolong-police", [report(external_id, **over)], namespace=svc.bus.ns.prefix)
    incident_id = f"luolong-police:{external_id}"
    # Its clocks start just after the dispatch is stored (two writes): wait_dispatched waits for both.
    (incident,) = await wait_dispatched(svc.stub, [incident_id])
    return incident


async def push_status(svc: Any, unit: str, **body: Any) -> None:
    body.setdefault("at", datetime.now(UTC).isoformat())
    await svc.bus.publish_raw(f"incidents.status.{unit}", json.dumps({"unit": unit, **body}).encode(),
                              msg_id=f"{unit}:{body['update_id']}")


async def test_accepted_incident_is_dispatched_by_the_rule_and_its_clocks_start(response_service: Any) -> None:
    svc = response_service
    await register_units(svc)
    incident = await pushed(svc, "W-1", enterprise_id=None)  # no enterprise: the reporting agency's territory
    assert incident.unit_id == "luolong-police"
    assert [(d.unit_id, d.rule) for d in incident.dispatches] == [("luolong-police", "county-unit")]
    assert incident.territory.county_code == LUOLONG and incident.territory.source == "reporting-agency"
    assert sorted(c.kind for c in incident.clocks) == ["acknowledge", "arrive", "resolve"]
    ack = next(c for c in incident.clocks if c.kind == "acknowledge")
    assert ack.due_at.ToDatetime(UTC) - incident.received_at.ToDatetime(UTC) == \
        svc.runtime.settings.clock_policies()[0].acknowledge
    obstruction = await pushed(svc, "W-2", category="obstruction_of_construction", enterprise_id=None)
    assert (obstruction.unit_id, obstruction.dispatches[0].rule) == ("luolong-urban", "county-unit")


async def test_a_unit_pushes_its_status_on_nats_through_to_resolved(response_service: Any) -> None:
    svc = response_service
    await register_units(svc)
    incident = await pushed(svc, "W-3")
    unit = incident.unit_id
    await push_status(svc, unit, update_id="s1", incident_id=incident.id, status="acknowledged")
    await push_status(svc, unit, update_id="s2", incident_id=incident.id, status="on_scene")
    await push_status(svc, unit, update_id="s2", incident_id=incident.id, status="on_scene")  # redelivered copy
    await push_status(svc, unit, update_id="s3", incident_id=incident.id, status="resolved",
                      note="Suspects detained; site manager's statement taken")

    async def resolved() -> pb.Incident | None:
        # The clocks stop just after the status changes (two writes): wait for both.
        got = await svc.stub.GetIncident(pb.GetIncidentRequest(id=incident.id))
        stopped = all(c.state == "met" for c in got.clocks)
        return got if got.status == "resolved" and stopped else None

    done = await eventually(resolved)
    assert [h.status for h in done.history] == ["dispatched", "acknowledged", "on_scene", "resolved"]
    assert {h.channel for h in done.history[1:]} == {"nats"}
    assert done.outcome.startswith("Suspects detained")
    assert {c.kind: c.state for c in done.clocks} == {"acknowledge": "met", "arrive": "met", "resolve": "met"}
    events = await read_stream(svc.bus, "incidents.resolved", count=1)
    # The event carries the incident as it now is: resolved, with its outcome (a subscriber shows it).
    assert {k: events[0].data[k] for k in ("incident_id", "status", "outcome", "unit_id")} == {
        "incident_id": incident.id, "status": "resolved", "outcome": done.outcome, "unit_id": unit}


async def test_status_from_a_unit_that_is_not_responsible_or_out_of_order_is_kept_aside(response_service: Any) -> None:
    svc = response_service
    await register_units(svc)
    incident = await pushed(svc, "W-4")
    await push_status(svc, "kaiyuan-station", update_id="x1", incident_id=incident.id, status="acknowledged")
    await push_status(svc, incident.unit_id, update_id="x2", incident_id=incident.id, status="resolved", note="done")
    await push_status(svc, incident.unit_id, update_id="x3", incident_id="luolong-police:NOPE", status="acknowledged")
    rejected = await read_stream(svc.bus, REJECTED, count=3, decode=raw)
    assert [m.headers[REJECT_CODE] for m in rejected] == ["responsible-unit", "incident-status-transition",
                                                          "incident-exists"]
    still = await svc.stub.GetIncident(pb.GetIncidentRequest(id=incident.id))
    assert still.status == "dispatched"


async def test_major_incidents_escalate_to_county_and_city_at_once(response_service: Any) -> None:
    svc = response_service
    await register_units(svc)
    incident = await pushed(svc, "W-5", severity="major")
    assert [e.level for e in incident.escalations] == ["county", "city"]
    (event,) = await read_stream(svc.bus, "incidents.escalated", count=1)
    assert event.data["levels"] == ["county", "city"] and event.data["incident_id"] == incident.id
    ack = next(c for c in incident.clocks if c.kind == "acknowledge")
    assert ack.due_at.ToDatetime(UTC) - incident.received_at.ToDatetime(UTC) == \
        svc.runtime.settings.clock_policies()[1].acknowledge


async def test_grpc_transfer_redispatch_and_refusals(response_service: Any) -> None:
    svc = response_service
    await register_units(svc)
    incident = await pushed(svc, "W-6")
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await svc.stub.Resolve(pb.StatusChangeRequest(incident_id=incident.id, by="ops", note="x"))
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert dict(err.value.trailing_metadata())["mesh-rule"] == "incident-status-transition"
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await svc.stub.Dispatch(pb.DispatchRequest(incident_id=incident.id, unit_id="kaiyuan-station", by="ops"))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT  # re-dispatching needs a reason
    moved = await svc.stub.Dispatch(pb.DispatchRequest(incident_id=incident.id, unit_id="kaiyuan-station", by="ops",
                                                       reason="the station is next door"))
    assert (moved.unit_id, moved.dispatches[-1].rule) == ("kaiyuan-station", "manual")
    await svc.stub.Acknowledge(pb.StatusChangeRequest(incident_id=incident.id, by="kaiyuan-station"))
    handed = await svc.stub.Transfer(pb.StatusChangeRequest(incident_id=incident.id, by="kaiyuan-station",
                                                            to_unit_id="luolong-urban", note="a construction dispute"))
    assert (handed.status, handed.unit_id, handed.reason) == ("transferred", "luolong-urban", "a construction dispute")
    closed = await svc.stub.CloseUnfounded(pb.StatusChangeRequest(incident_id=incident.id, by="luolong-urban",
                                                                  note="no obstruction found on site"))
    assert {c.kind: c.state for c in closed.clocks} == {"acknowledge": "met", "arrive": "cancelled",
                                                        "resolve": "cancelled"}
    # Each event carries the incident as it now is: handed to the new unit with the reason; closed with its own.
    (transferred,) = await read_stream(svc.bus, "incidents.transferred", count=1)
    assert (transferred.data["status"], transferred.data["unit_id"], transferred.data["reason"]) == (
        "transferred", "luolong-urban", "a construction dispute")
    (unfounded,) = await read_stream(svc.bus, "incidents.closed_unfounded", count=1)
    assert (unfounded.data["status"], unfounded.data["reason"]) == ("closed_unfounded", "no obstruction found on site")


async def test_a_missed_acknowledgement_is_warned_and_breached_once_with_two_replicas(start_response: Any) -> None:
    fast = {"ACKNOWLEDGE_WITHIN_SECONDS": 1.5, "DEADLINE_SCAN_SECONDS": 0.1}
    first = await start_response(**fast)
    await start_response(**fast)  # a second replica on the same streams and database
    await register_units(first)
    incident = await pushed(first, "W-7")
    breached = await read_stream(first.bus, "incidents.deadline.breached", count=1)
    warned = await read_stream(first.bus, "incidents.deadline.warning", count=1)
    for event, kind in ((breached[0], "breached"), (warned[0], "warning")):
        assert event.type == f"mesh.deadline.{kind}"
        assert event.data["subject_id"] == incident.id and event.data["kind"] == "incident-acknowledge"
        assert event.data["responsible"] == incident.unit_id
    stats = await first.stub.GetStatistics(pb.StatisticsRequest())
    row = next(r for r in stats.by_unit if r.key == incident.unit_id)
    assert (row.incidents, row.open, row.breaches) == (1, 1, 1)


async def test_statistics_per_unit_and_category(response_service: Any) -> None:
    svc = response_service
    await register_units(svc)
    ids = []
    for n in range(3):
        incident = await pushed(svc, f"S-{n}")
        await svc.stub.Acknowledge(pb.StatusChangeRequest(incident_id=incident.id, by=incident.unit_id))
        ids.append(incident.id)
    await svc.stub.ArriveOnScene(pb.StatusChangeRequest(incident_id=ids[0], by="luolong-police"))
    stats = await svc.stub.GetStatistics(pb.StatisticsRequest())
    (unit,) = stats.by_unit
    assert (unit.key, unit.incidents, unit.open, unit.breaches) == ("luolong-police", 3, 3, 0)
    assert unit.to_acknowledge.count == 3 and unit.to_arrive.count == 1 and unit.to_resolve.count == 0
    assert 0 < unit.to_acknowledge.median_seconds <= unit.to_acknowledge.p90_seconds
    (category,) = stats.by_category
    assert (category.key, category.incidents) == ("extortion", 3)


async def test_demo_units_load_once_however_often_the_service_starts(start_response: Any) -> None:
    svc = await start_response(DEMO_DATA="true")
    await start_response(DEMO_DATA="true")  # a second start (or replica) loads the same units again: no change
    units = (await svc.stub.ListUnits(pb.ListUnitsRequest())).units
    assert len(units) == len({u.id for u in units}) >= 8
    station = next(u for u in units if u.id == "kaiyuan-station")
    assert (station.county_code, station.township_code) == ("410311", "410311010")


async def test_a_unit_without_a_name_or_with_an_unknown_kind_is_refused_naming_that_field(
    response_service: Any,
) -> None:
    async def field(unit: pb.Unit) -> str:
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await response_service.stub.RegisterUnit(unit)
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        return str(dict(err.value.trailing_metadata() or ())["mesh-field"])

    assert await field(pb.Unit(id="x-station", name=" ", kind="police", county_code=LUOLONG)) == "name"
    assert await field(pb.Unit(id="x-station", name="X Station", kind="army", county_code=LUOLONG)) == "kind"
