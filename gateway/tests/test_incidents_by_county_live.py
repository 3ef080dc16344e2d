"""``incidentReported`` by territory (item 9): the real registry, response service and gateway, reports pushed on NATS.

An incident lies where its enterprise does, which the response service learns when it dispatches it; a
subscription followed by county gets each incident placed in that county, once, and a city-wide one gets
every incident as soon as it is accepted. In each case the incident a subscriber must not get is reported
first, so were it delivered it would come first.
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

import pytest

from mesh.response.v1 import response_pb2 as pb
from mesh.response.v1 import response_pb2_grpc
from mesh_gateway.auth import Principal, Role
from mesh_gateway.testing import SignedIn, next_payload, subscription
from mesh_response.push import push
from mesh_response.testing import report
from meshlib.bus import Bus
from meshlib.testing.poll import eventually
from meshlib.testing.streams import read_stream

OWN, OTHER = "410311", "410305"
# Demo enterprises (mesh_contacts.demo): ent-001 lies in 410305, ent-002 and ent-003 in 410311.
OTHER_SITE, OWN_SITE, OWN_SITE_2 = "ent-001", "ent-002", "ent-003"
COUNTY_LEADER = Principal("l2", Role.LEADER, county_code=OWN)
COUNTY_DEPARTMENT = Principal("d2", Role.DEPARTMENT, county_code=OWN)
OFFICE = Principal("x1", Role.OPTIMISATION_OFFICE)
AGENCY = "luolong-police"


@dataclass
class Live(SignedIn):
    response: response_pb2_grpc.ResponseServiceStub
    bus: Bus

    async def report(self, external_id: str, enterprise_id: str, agency: str = AGENCY) -> str:
        """Push a report from the police and wait until the response service has placed it."""
        await push(self.bus.nc, agency, [report(external_id, agency=agency, enterprise_id=enterprise_id)],
                   namespace=self.bus.ns.prefix)
        incident_id = f"{agency}:{external_id}"

        async def placed() -> bool:
            reply = await self.response.BatchGetIncidents(pb.BatchGetIncidentsRequest(ids=[incident_id]))
            return bool(reply.incidents) and bool(reply.incidents[0].territory.county_code)

        await eventually(placed)
        return incident_id


@pytest.fixture
def response_overrides() -> dict[str, str]:
    return {"DEMO_DATA": "true"}  # the demo city's responding units: an incident is dispatched to its county's


@pytest.fixture
def live(incident_desk: tuple[SignedIn, response_pb2_grpc.ResponseServiceStub], bus: Bus) -> Live:
    signed_in, response = incident_desk
    return Live(signed_in.gateway, signed_in.secret, response, bus)


QUERY = "subscription($c: String) { incidentReported(countyCode: $c) { id status territory { countyCode } } }"


def reported(incident_id: str, status: str, county: str | None) -> dict[str, Any]:
    territory = None if county is None else {"countyCode": county}
    return {"data": {"incidentReported": {"id": incident_id, "status": status, "territory": territory}}}


async def test_a_county_subscriber_gets_each_incident_placed_in_its_county_once_and_a_city_wide_one_every_one(
    live: Live,
) -> None:
    async with AsyncExitStack() as stack:
        async def subscribe(principal: Principal, county: str | None = None) -> Any:
            return await stack.enter_async_context(subscription(
                live.gateway.url, QUERY, {"c": county}, payload=live.auth(principal)))

        county_leader = await subscribe(COUNTY_LEADER)
        county_department = await subscribe(COUNTY_DEPARTMENT, OWN)
        office_in_own = await subscribe(OFFICE, OWN)
        office = await subscribe(OFFICE)
        # A county-level user asking for another county is refused, as the lists refuse it.
        refused = await subscribe(COUNTY_LEADER, OTHER)
        first = await next_payload(refused)
        assert first["data"] is None and first["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        assert first["errors"][0]["extensions"]["field"] == "countyCode"
        await live.gateway.wait_subscribers("incidents.dispatched", 3)
        await live.gateway.wait_subscribers("incidents.accepted", 1)

        elsewhere = await live.report("R-1", OTHER_SITE)
        mine = await live.report("R-2", OWN_SITE)
        for subscriber in (county_leader, county_department, office_in_own):
            assert await next_payload(subscriber) == reported(mine, "dispatched", OWN)
        # City-wide: every incident, from its acceptance (before it is placed), as before.
        assert await next_payload(office) == reported(elsewhere, "reported", None)
        assert await next_payload(office) == reported(mine, "reported", None)

        # Once: a re-dispatch is not reported again, not even to a subscriber that did not see the placing.
        late = await subscribe(COUNTY_LEADER)
        await live.gateway.wait_subscribers("incidents.dispatched", 4)
        await live.response.Dispatch(pb.DispatchRequest(incident_id=mine, unit_id="kaiyuan-station", by="desk",
                                                        reason="the station is closer"))
        later = await live.report("R-3", OWN_SITE_2)
        for subscriber in (county_leader, county_department, office_in_own, late):
            assert await next_payload(subscriber) == reported(later, "dispatched", OWN)
        assert await next_payload(office) == reported(later, "reported", None)

        # Nor a copy of an event republished after the broker's duplicate window (here: another message id).
        placings = await read_stream(live.bus, "incidents.dispatched", until=lambda got: len(got) == 4)
        [placing] = [e for e in placings if e.subject == mine and e.data["previous_status"] == "reported"]
        await live.bus.publish("incidents.dispatched", placing, msg_id=f"{placing.id}:after-the-window")
        [accepted] = [e for e in await read_stream(live.bus, "incidents.accepted", count=3) if e.subject == mine]
        await live.bus.publish("incidents.accepted", accepted, msg_id=f"{accepted.id}:after-the-window")
        last = await live.report("R-4", OWN_SITE)
        for subscriber in (county_leader, county_department, office_in_own):
            assert await next_payload(subscriber) == reported(last, "dispatched", OWN)
        assert await next_payload(office) == reported(last, "reported", None)


async def test_police_follow_their_agencys_incidents_and_may_narrow_them_to_a_county(live: Live) -> None:
    """Police are scoped by agency, not county: they may ask for any county, and get their agency's there."""
    police = Principal("p1", Role.POLICE, agency=AGENCY, county_code=OWN)
    xigong = Principal("p2", Role.POLICE, agency="xigong-police", county_code="410303")
    async with subscription(live.gateway.url, QUERY, {"c": OTHER}, payload=live.auth(police)) as in_other, \
            subscription(live.gateway.url, QUERY, payload=live.auth(police)) as everywhere, \
            subscription(live.gateway.url, QUERY, {"c": OWN}, payload=live.auth(xigong)) as xigong_in_own:
        await live.gateway.wait_subscribers("incidents.dispatched", 2)
        await live.gateway.wait_subscribers("incidents.accepted", 1)
        mine = await live.report("P-1", OWN_SITE)
        elsewhere = await live.report("P-2", OTHER_SITE)
        theirs = await live.report("X-1", OWN_SITE, agency="xigong-police")
        assert await next_payload(in_other) == reported(elsewhere, "dispatched", OTHER)
        assert await next_payload(everywhere) == reported(mine, "reported", None)
        assert await next_payload(everywhere) == reported(elsewhere, "reported", None)
        # P-1 was placed in OWN first, but it is not xigong-police's.
        assert await next_payload(xigong_in_own) == reported(theirs, "dispatched", OWN)
