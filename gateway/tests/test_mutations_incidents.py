"""Item 9 (rapid response) through the gateway, end to end: resolveIncident, closeIncidentUnfounded and
registerRespondingUnit, sent over HTTP by signed-in users to the real response service (incidents pushed on
NATS, placed by the demo registry), work and are read back through ``incident`` (status, outcome or reason,
history, clocks); the workflow's refusals (a blank outcome or reason, a closed incident, a unit that is not the
responsible one) reach the user with their code, rule, policy item and field; a unit registered through the
graph is the one the dispatch rule chooses in its county, and an incident can be handed to it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from mesh.response.v1 import response_pb2_grpc
from mesh_gateway.auth import Principal, Role
from mesh_gateway.testing import SignedIn, codes, refusal
from mesh_response.push import push
from mesh_response.testing import report, wait_dispatched
from meshlib.bus import Bus

LUOLONG = "410311"
SITE = "ent-002"  # a demo enterprise in Luolong (410311), township 410311101
AGENCY = "luolong-police"
OFFICE = Principal("x1", Role.OPTIMISATION_OFFICE)
POLICE = Principal("p1", Role.POLICE, county_code=LUOLONG, agency=AGENCY)
STRANGER = Principal("p9", Role.POLICE, county_code="410305", agency="jianxi-police")
NEW_UNIT = "longmen-station"
NEW_UNIT_POLICE = Principal("p3", Role.POLICE, county_code=LUOLONG, agency=NEW_UNIT)

INCIDENT = """query($id: ID!) { incident(id: $id) { id status unitId outcome reason
  history { status by channel note } clocks { kind state } dispatches { unitId rule } } }"""
SHOWN = "id status unitId outcome reason"
RESOLVE = f"mutation($id: ID!, $o: String!) {{ resolveIncident(incidentId: $id, outcome: $o) {{ {SHOWN} }} }}"
CLOSE = f"""mutation($id: ID!, $r: String!) {{ closeIncidentUnfounded(incidentId: $id, reason: $r) {{ {SHOWN} }} }}"""
TRANSFER = f"""mutation($id: ID!, $to: String!) {{ transferIncident(incidentId: $id, toUnitId: $to,
  reason: "the station next to the site") {{ {SHOWN} }} }}"""
REGISTER = """mutation($id: String!, $county: String!, $categories: [IncidentCategory!]) {
  registerRespondingUnit(id: $id, name: "龙门派出所 Longmen Police Station", kind: "police", countyCode: $county,
                         categories: $categories) { id name kind countyCode townshipCode categories } }"""
UNITS = "query($c: String) { respondingUnits(countyCode: $c) { id kind countyCode categories } }"


def change(mutation: str) -> str:
    return f"mutation($id: ID!) {{ {mutation}(incidentId: $id) {{ {SHOWN} }} }}"


@dataclass
class Desk(SignedIn):
    response: response_pb2_grpc.ResponseServiceStub
    nc: Any
    namespace: str

    async def reported(self, *external_ids: str) -> list[str]:
        """Incidents pushed by Luolong police at SITE, once the service has dispatched them: their ids."""
        await push(self.nc, AGENCY, [report(e, agency=AGENCY, enterprise_id=SITE) for e in external_ids],
                   namespace=self.namespace)
        ids = [f"{AGENCY}:{e}" for e in external_ids]
        await wait_dispatched(self.response, ids)
        return ids

    async def read(self, incident_id: str) -> dict[str, Any]:
        found: dict[str, Any] = (await self.data(INCIDENT, OFFICE, {"id": incident_id}))["incident"]
        return found


@pytest.fixture
def desk(incident_desk: tuple[SignedIn, response_pb2_grpc.ResponseServiceStub], bus: Bus) -> Desk:
    """The demo registry, the response service (no units registered: an incident stays with the agency that
    reported it until a unit of its territory is) and a signed-in gateway in front of both."""
    signed_in, response = incident_desk
    return Desk(signed_in.gateway, signed_in.secret, response, bus.nc, bus.ns.prefix)


async def test_the_responsible_unit_resolves_an_incident_on_scene_with_its_outcome(desk: Desk) -> None:
    (incident_id,) = await desk.reported("R-1")
    assert (await desk.read(incident_id))["unitId"] == AGENCY  # no unit of the site's territory: the reporter's

    # Item 9's status machine: a dispatched incident is not resolved before the unit is on scene.
    refused = await desk.query(RESOLVE, POLICE, {"id": incident_id, "o": "two men detained"})
    assert refusal(refused) == {"code": "FAILED_PRECONDITION", "rule": "incident-status-transition",
                                "policyItem": "Item 9", "field": "status"}, refused
    for mutation, status in (("acknowledgeIncident", "acknowledged"), ("arriveOnScene", "on_scene")):
        reply = await desk.data(change(mutation), POLICE, {"id": incident_id})
        assert reply[mutation]["status"] == status

    # Only the unit responsible acts as a unit; another agency's police are refused, and nothing changes.
    before = await desk.read(incident_id)
    refused = await desk.query(RESOLVE, STRANGER, {"id": incident_id, "o": "two men detained"})
    assert refusal(refused) == {"code": "FAILED_PRECONDITION", "rule": "responsible-unit",
                                "policyItem": "Item 9", "field": None}, refused  # who acts is the token's
    # Item 9: a resolution gives its outcome.
    refused = await desk.query(RESOLVE, POLICE, {"id": incident_id, "o": "  "})
    assert refusal(refused) == {"code": "INVALID_ARGUMENT", "rule": "outcome-required", "policyItem": "Item 9",
                                "field": "outcome"}, refused  # the argument to fix, as the graph spells it
    assert await desk.read(incident_id) == before

    reply = await desk.data(RESOLVE, POLICE, {"id": incident_id, "o": "two men detained"})
    assert reply == {"resolveIncident": {"id": incident_id, "status": "resolved", "unitId": AGENCY,
                                         "outcome": "two men detained", "reason": None}}

    found = await desk.read(incident_id)
    assert (found["status"], found["outcome"]) == ("resolved", "two men detained")
    assert [(h["status"], h["by"], h["channel"]) for h in found["history"]] == [
        ("dispatched", "dispatch-rule", "auto"), ("acknowledged", AGENCY, "grpc"), ("on_scene", AGENCY, "grpc"),
        ("resolved", AGENCY, "grpc")]
    assert found["history"][-1]["note"] == "two men detained"
    assert {c["kind"]: c["state"] for c in found["clocks"]} == {"acknowledge": "met", "arrive": "met",
                                                                "resolve": "met"}
    # Resolved is final.
    refused = await desk.query(CLOSE, OFFICE, {"id": incident_id, "r": "a prank call"})
    assert refusal(refused)["rule"] == "incident-status-transition", refused
    assert await desk.read(incident_id) == found


async def test_an_incident_is_closed_as_unfounded_with_its_reason(desk: Desk) -> None:
    by_police, by_office = await desk.reported("U-1", "U-2")

    # Item 9: closing as unfounded gives the reason.
    before = await desk.read(by_police)
    refused = await desk.query(CLOSE, POLICE, {"id": by_police, "r": ""})
    assert refusal(refused) == {"code": "INVALID_ARGUMENT", "rule": "reason-required", "policyItem": "Item 9",
                                "field": "reason"}, refused
    refused = await desk.query(CLOSE, STRANGER, {"id": by_police, "r": "a prank call"})
    assert refusal(refused)["rule"] == "responsible-unit", refused
    assert await desk.read(by_police) == before

    # The responsible unit closes a dispatched incident; the office closes one the unit has acknowledged.
    reply = await desk.data(CLOSE, POLICE, {"id": by_police, "r": "a prank call"})
    assert reply == {"closeIncidentUnfounded": {"id": by_police, "status": "closed_unfounded", "unitId": AGENCY,
                                                "outcome": None, "reason": "a prank call"}}
    await desk.data(change("acknowledgeIncident"), POLICE, {"id": by_office})
    reply = await desk.data(CLOSE, OFFICE, {"id": by_office, "r": "the fees were the site's rent"})
    assert reply["closeIncidentUnfounded"]["status"] == "closed_unfounded"

    # Unfounded: the clocks still running are cancelled (not breached later); one already met stays met.
    for incident_id, history, acknowledged in (
            (by_police, [("dispatched", "dispatch-rule"), ("closed_unfounded", AGENCY)], "cancelled"),
            (by_office, [("dispatched", "dispatch-rule"), ("acknowledged", AGENCY), ("closed_unfounded", "x1")],
             "met")):
        found = await desk.read(incident_id)
        assert found["status"] == "closed_unfounded" and found["outcome"] is None
        assert [(h["status"], h["by"]) for h in found["history"]] == history
        assert {c["kind"]: c["state"] for c in found["clocks"]} == {
            "acknowledge": acknowledged, "arrive": "cancelled", "resolve": "cancelled"}
    assert (await desk.read(by_office))["reason"] == "the fees were the site's rent"

    # Closed is final: it is neither resolved nor closed again.
    closed = await desk.read(by_police)
    for mutation, variables in ((RESOLVE, {"id": by_police, "o": "settled"}),
                                (CLOSE, {"id": by_police, "r": "again"})):
        refused = await desk.query(mutation, OFFICE, variables)
        assert refusal(refused) == {"code": "FAILED_PRECONDITION", "rule": "incident-status-transition",
                                    "policyItem": "Item 9", "field": "status"}, refused
    assert await desk.read(by_police) == closed


async def test_a_unit_registered_through_the_graph_is_dispatched_to_and_handed_incidents(desk: Desk) -> None:
    (earlier,) = await desk.reported("T-1")  # before the unit exists: the reporting agency keeps it

    # Only the optimisation office (or ops) registers units; a unit's fields are checked by the service.
    refused = await desk.query(REGISTER, POLICE, {"id": NEW_UNIT, "county": LUOLONG})
    assert codes(refused) == ["FORBIDDEN"], refused
    refused = await desk.query(REGISTER, OFFICE, {"id": "Longmen Station", "county": LUOLONG})
    assert refusal(refused) == {"code": "INVALID_ARGUMENT", "rule": "unit-id", "policyItem": None,
                                "field": "id"}, refused
    assert NEW_UNIT not in [u["id"] for u in (await desk.data(UNITS, OFFICE))["respondingUnits"]]

    reply = await desk.data(REGISTER, OFFICE, {"id": NEW_UNIT, "county": LUOLONG, "categories": ["EXTORTION"]})
    assert reply == {"registerRespondingUnit": {"id": NEW_UNIT, "name": "龙门派出所 Longmen Police Station",
                                                "kind": "police", "countyCode": LUOLONG, "townshipCode": None,
                                                "categories": ["EXTORTION"]}}
    units = (await desk.data(UNITS, OFFICE, {"c": LUOLONG}))["respondingUnits"]
    assert units == [{"id": NEW_UNIT, "kind": "police", "countyCode": LUOLONG, "categories": ["EXTORTION"]}]

    # The dispatch rule (item 9, territorial management) now chooses the county's unit for an extortion there.
    (later,) = await desk.reported("T-2")
    found = await desk.read(later)
    assert (found["unitId"], found["dispatches"]) == (NEW_UNIT, [{"unitId": NEW_UNIT, "rule": "county-unit"}])
    reply = await desk.data(change("acknowledgeIncident"), NEW_UNIT_POLICE, {"id": later})
    assert reply["acknowledgeIncident"]["status"] == "acknowledged"

    # The earlier incident is handed to it by the unit that had it; the new unit then takes it.
    refused = await desk.query(change("acknowledgeIncident"), NEW_UNIT_POLICE, {"id": earlier})
    assert refusal(refused)["rule"] == "responsible-unit", refused
    refused = await desk.query(TRANSFER, POLICE, {"id": earlier, "to": "no-such-unit"})
    assert refusal(refused) == {"code": "NOT_FOUND", "rule": "unit-exists", "policyItem": None,
                                "field": "toUnitId"}, refused
    reply = await desk.data(TRANSFER, POLICE, {"id": earlier, "to": NEW_UNIT})
    assert reply["transferIncident"] == {"id": earlier, "status": "transferred", "unitId": NEW_UNIT,
                                         "outcome": None, "reason": "the station next to the site"}
    for mutation, status in (("acknowledgeIncident", "acknowledged"), ("arriveOnScene", "on_scene")):
        reply = await desk.data(change(mutation), NEW_UNIT_POLICE, {"id": earlier})
        assert reply[mutation]["status"] == status
    reply = await desk.data(RESOLVE, NEW_UNIT_POLICE, {"id": earlier, "o": "fees returned"})
    assert reply["resolveIncident"]["status"] == "resolved"
    found = await desk.read(earlier)
    assert (found["status"], found["unitId"], found["outcome"]) == ("resolved", NEW_UNIT, "fees returned")
    assert [(h["status"], h["by"]) for h in found["history"]] == [
        ("dispatched", "dispatch-rule"), ("transferred", AGENCY), ("acknowledged", NEW_UNIT),
        ("on_scene", NEW_UNIT), ("resolved", NEW_UNIT)]

    # Registering the same id again updates the unit (no second one).
    reply = await desk.data(REGISTER, OFFICE, {"id": NEW_UNIT, "county": LUOLONG, "categories": None})
    assert reply["registerRespondingUnit"]["categories"] == []
    assert [u["id"] for u in (await desk.data(UNITS, OFFICE, {"c": LUOLONG}))["respondingUnits"]] == [NEW_UNIT]
