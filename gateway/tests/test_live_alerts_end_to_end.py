"""Alerts made by the real services reach subscribers through the gateway (item 9), and what the services
recorded reads back through the graph.

The other subscription tests publish events shaped as the services publish them. These tests let the services
make them:
- a major case opened at a project is delivered by `caseOpened`; unacknowledged, it escalates township →
  county → city, and `caseEscalated` delivers each step; it is among `projectCases`;
- a major incident is escalated to the county and the city at once (`incidentEscalated`,
  `Incident.escalations`); when its unit resolves it, `incidentResolved` delivers it with its outcome.

So a field the gateway reads from an event that the service stops sending (or renames) fails here.
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import Any

import pytest

from mesh.response.v1 import response_pb2_grpc
from mesh_environment.testing import RunningEnvironment
from mesh_gateway.auth import Principal, Role
from mesh_gateway.testing import SignedIn, next_payload, subscription
from mesh_officers.testing import RunningOfficers
from mesh_response.push import push
from mesh_response.testing import report, wait_dispatched
from meshlib.bus import Bus

LUOLONG = "410311"
PROJECT = "prj-003"  # a demo project in Luolong (410311), township 410311011
SITE = "ent-002"  # a demo enterprise in Luolong
AGENCY = "luolong-police"
OFFICE = Principal("x1", Role.OPTIMISATION_OFFICE)
CITY_LEADER = Principal("l1", Role.LEADER)
COUNTY_LEADER = Principal("l2", Role.LEADER, county_code=LUOLONG)
POLICE = Principal("p1", Role.POLICE, county_code=LUOLONG, agency=AGENCY)


@pytest.fixture
def environment_overrides() -> dict[str, str]:
    # An unacknowledged major case goes up a level every half second (the demo project is a key site: item 9
    # gives key-protection sites the shorter clock, which is the one that runs here).
    return {"MAJOR_ACK_SECONDS": "0.5", "KEY_MAJOR_ACK_SECONDS": "0.5"}


@pytest.fixture
def city(demo_city: tuple[SignedIn, RunningOfficers, RunningEnvironment]) -> SignedIn:
    return demo_city[0]


OPEN = """mutation($input: OpenCaseInput!) { openGovernanceCase(input: $input) { id level major } }"""
CASE_ALERT = "{ caseId projectId level major countyCode }"
ESCALATED = f"subscription($c: String) {{ caseEscalated(countyCode: $c) {CASE_ALERT} }}"
OPENED = f"subscription {{ caseOpened {CASE_ALERT} }}"
PROJECT_CASES = "query($p: ID!) { projectCases(projectId: $p) { id level major escalations { fromLevel toLevel } } }"


async def test_an_unacknowledged_major_case_at_a_project_escalates_to_the_county_then_the_city(city: SignedIn) -> None:
    async with AsyncExitStack() as stack:
        office = await stack.enter_async_context(subscription(city.gateway.url, ESCALATED,
                                                              payload=city.auth(OFFICE)))
        county = await stack.enter_async_context(subscription(city.gateway.url, ESCALATED,
                                                              payload=city.auth(COUNTY_LEADER)))
        opening = await stack.enter_async_context(subscription(city.gateway.url, OPENED,
                                                               payload=city.auth(COUNTY_LEADER)))
        await city.gateway.wait_subscribers("environment.case.escalated", 2)
        await city.gateway.wait_subscribers("environment.case.opened", 1)
        opened = (await city.data(OPEN, CITY_LEADER, {"input": {
            "source": "COMPLAINT", "projectId": PROJECT, "offence": "OBSTRUCTION_OF_CONSTRUCTION", "major": True,
            "description": "villagers block the site's gate every morning"}}))["openGovernanceCase"]
        assert (opened["level"], opened["major"]) == ("TOWNSHIP", True)

        def alert(level: str, field: str = "caseEscalated") -> dict[str, Any]:
            return {"data": {field: {"caseId": opened["id"], "projectId": PROJECT, "level": level, "major": True,
                                     "countyCode": LUOLONG}}}

        assert await next_payload(opening) == alert("township", "caseOpened")
        for subscriber in (office, county):
            assert await next_payload(subscriber) == alert("county")
            assert await next_payload(subscriber) == alert("city")

    cases = (await city.data(PROJECT_CASES, OFFICE, {"p": PROJECT}))["projectCases"]
    assert cases == [{"id": opened["id"], "level": "CITY", "major": True, "escalations": [
        {"fromLevel": "TOWNSHIP", "toLevel": "COUNTY"}, {"fromLevel": "COUNTY", "toLevel": "CITY"}]}]
    assert (await city.data(PROJECT_CASES, OFFICE, {"p": "prj-001"}))["projectCases"] == []


INCIDENT = "query($id: ID!) { incident(id: $id) { severity escalations { level reason } } }"
ESCALATED_INCIDENTS = "subscription { incidentEscalated { id severity status unitId } }"
RESOLVED = "subscription { incidentResolved { id status outcome unitId } }"


def change(mutation: str, extra: str = "") -> str:
    return f"mutation($id: ID!) {{ {mutation}(incidentId: $id{extra}) {{ status }} }}"


async def test_a_major_incident_is_escalated_at_once_and_its_resolution_is_delivered_live(
    incident_desk: tuple[SignedIn, response_pb2_grpc.ResponseServiceStub], bus: Bus,
) -> None:
    gateway, response = incident_desk
    major, serious = f"{AGENCY}:M-1", f"{AGENCY}:M-2"
    async with subscription(gateway.gateway.url, ESCALATED_INCIDENTS, payload=gateway.auth(POLICE)) as escalated:
        await gateway.gateway.wait_subscribers("incidents.escalated", 1)
        # The serious one first: were it escalated, it would come first.
        await push(bus.nc, AGENCY, [report("M-2", agency=AGENCY, enterprise_id=SITE),
                                    report("M-1", agency=AGENCY, enterprise_id=SITE, severity="major")],
                   namespace=bus.ns.prefix)
        await wait_dispatched(response, [major, serious])
        assert await next_payload(escalated) == {"data": {"incidentEscalated": {
            "id": major, "severity": "MAJOR", "status": "dispatched", "unitId": AGENCY}}}

    found = (await gateway.data(INCIDENT, OFFICE, {"id": major}))["incident"]
    assert found["severity"] == "MAJOR"
    assert found["escalations"] == [{"level": "county", "reason": "major incident"},
                                    {"level": "city", "reason": "major incident"}]
    assert (await gateway.data(INCIDENT, OFFICE, {"id": serious}))["incident"]["escalations"] == []

    async with subscription(gateway.gateway.url, RESOLVED, payload=gateway.auth(POLICE)) as police, \
            subscription(gateway.gateway.url, RESOLVED, payload=gateway.auth(OFFICE)) as office:
        await gateway.gateway.wait_subscribers("incidents.resolved", 2)
        for incident_id in (serious, major):  # the serious one first: it is resolved first, so it comes first
            for step in ("acknowledgeIncident", "arriveOnScene"):
                await gateway.data(change(step), POLICE, {"id": incident_id})
            done = await gateway.data(change("resolveIncident", ', outcome: "two men detained"'), POLICE,
                                      {"id": incident_id})
            assert done == {"resolveIncident": {"status": "resolved"}}
        for subscriber in (police, office):
            for incident_id in (serious, major):
                assert await next_payload(subscriber) == {"data": {"incidentResolved": {
                    "id": incident_id, "status": "resolved", "outcome": "two men detained", "unitId": AGENCY}}}
