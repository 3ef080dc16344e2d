"""Subscriptions filterable by territory, delivering only what the subscriber may see (/work/helpers/audit-7.md).

Domain events are published on NATS as the services publish them (the streams declared as the services
declare them); the gateway follows them and delivers over graphql-transport-ws. In each case the event the
subscriber must not get is published first on the same subject, so were it delivered it would come first.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from mesh_contacts.events import STREAMS as CONTACTS_STREAMS
from mesh_environment.domain.cases import CaseSource, CaseState, Level, Offence, Territory
from mesh_environment.events import STREAMS as ENVIRONMENT_STREAMS
from mesh_environment.events import case_data
from mesh_gateway.auth import Principal, Role
from mesh_gateway.testing import SignedIn, next_payload, signed_in_gateway, subscription
from mesh_officers.events import STREAMS as OFFICERS_STREAMS
from mesh_response.events import STREAMS as RESPONSE_STREAMS
from mesh_response.repository import to_event_data
from mesh_response.workflow import Territory as IncidentTerritory
from mesh_response.workflow import escalation_levels
from meshlib.bus import Bus
from meshlib.deadlines import BREACHED, county_data, deadline_event_data
from meshlib.envelope import Envelope

OWN, OTHER = "410311", "410305"
COUNTY_LEADER = Principal("l2", Role.LEADER, county_code=OWN)
OFFICE = Principal("x1", Role.OPTIMISATION_OFFICE)
POLICE = Principal("p1", Role.POLICE, agency="luolong-police", county_code=OWN)


@dataclass
class Live(SignedIn):
    bus: Bus

    async def publish(self, subject: str, about: str, data: dict[str, Any]) -> None:
        await self.bus.publish(subject, Envelope(id=f"{subject}:{about}", type=f"mesh.{subject}", source="test",
                                                 subject=about, data=data))


@pytest.fixture
async def live(mesh_env: dict[str, str], bus: Bus, tmp_path: Path) -> AsyncIterator[Live]:
    for streams in (RESPONSE_STREAMS, ENVIRONMENT_STREAMS, OFFICERS_STREAMS, CONTACTS_STREAMS):
        await bus.ensure_streams(streams)
    async with signed_in_gateway(mesh_env, tmp_path) as signed_in:
        yield Live(signed_in.gateway, signed_in.secret, bus)


WHEN = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


def case(case_id: str, county: str) -> dict[str, Any]:
    """A case event's data as the environment service makes it (:func:`mesh_environment.events.case_data`)."""
    township = Territory(county, "", county + "010", "")
    return case_data({
        "_id": case_id, "enterprise_id": "ent-1", "project_id": None, "offence": Offence.EXTORTION.value,
        "state": CaseState.OPEN.value, "level": Level.TOWNSHIP.value, "major": True, "key_protection": False,
        "territory": vars(township), "responsible_unit": f"township:{township.township_code}",
        "responsible_leader": "", "incident_ids": [], "source": CaseSource.POLICE_INCIDENT.value, "opened_at": WHEN})


def incident(incident_id: str, agency: str, county: str) -> dict[str, Any]:
    """An ``incidents.escalated`` event's data as the response service makes it (:meth:`mesh_response.desk.Desk
    .dispatch`): the stored incident (:func:`~mesh_response.repository.to_event_data`) as its dispatch placed it,
    with the rule and the levels."""
    placed = {"status": "dispatched", "unit_id": agency, "territory": vars(IncidentTerritory(county, "", "enterprise")),
              "key_protection": False}
    stored = {"_id": incident_id, "agency": agency, "external_id": incident_id.split(":")[1], "category": "extortion",
              "severity": "major", "occurred_at": WHEN, "received_at": WHEN + timedelta(seconds=1), "location": "x",
              "enterprise_id": "ent-1", "project_id": None, "description": "d", "reporter_contact": "110"}
    return {**to_event_data({**stored, **placed}), "rule": "county-unit", "levels": list(escalation_levels("major"))}


def deadline(deadline_id: str, county: str) -> dict[str, Any]:
    """A breached request clock's event data as the officers service's scanner makes it
    (:func:`meshlib.deadlines.deadline_event_data`)."""
    return deadline_event_data({
        "_id": deadline_id, "kind": "request-completion", "subject_type": "request", "subject_id": deadline_id,
        "responsible": "Housing Bureau", "due_at": WHEN, "warn_at": None, "escalate_to": "optimisation-office",
        "clause": "Item 13", "state": BREACHED,
        "data": {"enterprise_id": "ent-1", "urgent": False, "category": "permit", **county_data(county)}})


async def test_a_county_level_user_gets_its_countys_cases_and_a_city_wide_one_the_county_it_asks_for(
    live: Live,
) -> None:
    """Police are county-level users for cases (only incidents are theirs by agency)."""
    query = "subscription($c: String) { caseOpened(countyCode: $c) { caseId countyCode } }"
    async with AsyncExitStack() as stack:
        county_leader = await stack.enter_async_context(subscription(
            live.gateway.url, query, payload=live.auth(COUNTY_LEADER)))
        office = await stack.enter_async_context(subscription(
            live.gateway.url, query, {"c": OTHER}, payload=live.auth(OFFICE)))
        police = await stack.enter_async_context(subscription(live.gateway.url, query, payload=live.auth(POLICE)))
        # A county-level user asking for another county is refused, as the lists refuse it (and gets nothing).
        refused = await stack.enter_async_context(subscription(
            live.gateway.url, query, {"c": OTHER}, payload=live.auth(COUNTY_LEADER)))
        first = await next_payload(refused)
        assert first["data"] is None and first["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        assert first["errors"][0]["extensions"]["field"] == "countyCode"
        assert f"only county {OWN}" in first["errors"][0]["message"]
        await live.gateway.wait_subscribers("environment.case.opened", 3)
        await live.publish("environment.case.opened", "CASE-1", case("CASE-1", OTHER))
        await live.publish("environment.case.opened", "CASE-2", case("CASE-2", OWN))
        assert await next_payload(county_leader) == {"data": {"caseOpened": {"caseId": "CASE-2", "countyCode": OWN}}}
        assert await next_payload(office) == {"data": {"caseOpened": {"caseId": "CASE-1", "countyCode": OTHER}}}
        assert await next_payload(police) == {"data": {"caseOpened": {"caseId": "CASE-2", "countyCode": OWN}}}


async def test_escalated_incidents_by_territory_and_to_police_by_their_agency(live: Live) -> None:
    query = "subscription($c: String) { incidentEscalated(countyCode: $c) { id } }"
    async with AsyncExitStack() as stack:
        office = await stack.enter_async_context(subscription(
            live.gateway.url, query, {"c": OWN}, payload=live.auth(OFFICE)))
        police = await stack.enter_async_context(subscription(live.gateway.url, query, payload=live.auth(POLICE)))
        county_leader = await stack.enter_async_context(subscription(
            live.gateway.url, query, payload=live.auth(COUNTY_LEADER)))
        await live.gateway.wait_subscribers("incidents.escalated", 3)
        # Police are scoped by agency, not county: another agency's incident in their own county is not theirs.
        await live.publish("incidents.escalated", "xigong-police:1", incident("xigong-police:1", "xigong-police", OWN))
        await live.publish("incidents.escalated", "luolong-police:2",
                           incident("luolong-police:2", "luolong-police", OTHER))
        await live.publish("incidents.escalated", "luolong-police:3",
                           incident("luolong-police:3", "luolong-police", OWN))
        assert await next_payload(office) == {"data": {"incidentEscalated": {"id": "xigong-police:1"}}}
        assert await next_payload(office) == {"data": {"incidentEscalated": {"id": "luolong-police:3"}}}
        assert await next_payload(police) == {"data": {"incidentEscalated": {"id": "luolong-police:2"}}}
        assert await next_payload(county_leader) == {"data": {"incidentEscalated": {"id": "xigong-police:1"}}}
        assert await next_payload(county_leader) == {"data": {"incidentEscalated": {"id": "luolong-police:3"}}}


async def test_breached_deadlines_by_territory(live: Live) -> None:
    query = "subscription($c: String) { deadlineBreached(countyCode: $c) { deadlineId countyCode clause } }"
    async with subscription(live.gateway.url, query, {"c": OWN}, payload=live.auth(OFFICE)) as office, \
            subscription(live.gateway.url, query, payload=live.auth(COUNTY_LEADER)) as county_leader:
        await live.gateway.wait_subscribers("officers.deadline.breached", 2)
        await live.publish("officers.deadline.breached", "D-1", deadline("D-1", OTHER))
        await live.publish("officers.deadline.breached", "D-2", deadline("D-2", OWN))
        expected = {"data": {"deadlineBreached": {"deadlineId": "D-2", "countyCode": OWN, "clause": "Item 13"}}}
        assert await next_payload(office) == expected
        assert await next_payload(county_leader) == expected
