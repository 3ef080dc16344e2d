"""Item 9 through the gateway: a county-level user's requests, enforcement checks, fine filings, findings and
accountability records (and their counts) hold only its county's rows."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from mesh.environment.v1 import environment_pb2 as epb
from mesh.officers.v1 import officers_pb2 as opb
from mesh_contacts.settings import ContactsSettings
from mesh_contacts.testing import run_contacts
from mesh_environment.settings import EnvironmentSettings
from mesh_environment.testing import RunningEnvironment, run_environment
from mesh_gateway.auth import Principal, Role, issue
from mesh_gateway.settings import GatewaySettings
from mesh_gateway.testing import RunningGateway, running_gateway
from mesh_officers.testing import MovableClock, RunningOfficers, officers_service, wait_for
from mesh_response.events import STREAMS as RESPONSE_STREAMS
from meshlib.bus import Bus
from meshlib.testing.plugin import settings_for

ISSUER, AUDIENCE = "mesh-dev", "mesh-gateway"
OWN, OTHER = "410311", "410305"
COUNTY_LEADER = Principal("l2", Role.LEADER, county_code=OWN)
CITY_LEADER = Principal("l1", Role.LEADER)
OFFICE = Principal("x1", Role.OPTIMISATION_OFFICE)
# Demo enterprises (mesh_contacts.demo): ent-001 lies in 410305, ent-002 and ent-003 in 410311, ent-006 in 410307.
REQUESTED = ["ent-001", "ent-002", "ent-003", "ent-006"]


class Mesh:
    def __init__(self, gateway: RunningGateway, secret: bytes, officers: RunningOfficers,
                 environment: RunningEnvironment) -> None:
        self.gateway = gateway
        self.secret = secret
        self.officers = officers
        self.environment = environment

    async def query(self, query: str, principal: Principal, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        token = issue(self.secret, principal, issuer=ISSUER, audience=AUDIENCE)
        return await self.gateway.query(query, variables, headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
async def mesh(mesh_env: dict[str, str], bus: Bus, tmp_path: Path) -> AsyncIterator[Mesh]:
    await bus.ensure_streams(RESPONSE_STREAMS)  # the gateway follows incidents.accepted from start-up
    secret_file = tmp_path / "jwt.key"
    contacts_settings = settings_for(ContactsSettings, mesh_env, EDITION_SCHEDULE="off", DEMO_DATA="true")
    async with run_contacts(contacts_settings) as contacts:
        contacts_target = f"127.0.0.1:{contacts.runtime.port}"
        async with officers_service(mesh_env, MovableClock(), FOLLOW_ENTERPRISES="true",
                                    CONTACTS_GRPC_TARGET=contacts_target) as officers, \
                run_environment(settings_for(EnvironmentSettings, mesh_env,
                                             CONTACTS_GRPC_TARGET=contacts_target)) as environment:
            gw = settings_for(GatewaySettings, mesh_env, HTTP_PORT=0, JWT_SECRET_FILE=str(secret_file),
                              CONTACTS_GRPC_TARGET=contacts_target,
                              OFFICERS_GRPC_TARGET=f"127.0.0.1:{officers.runtime.port}",
                              ENVIRONMENT_GRPC_TARGET=f"127.0.0.1:{environment.runtime.port}")
            async with running_gateway(gw) as gateway:
                yield Mesh(gateway, secret_file.read_bytes().strip(), officers, environment)


def codes(reply: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in reply.get("errors", [])]


def assert_scoped(everything: dict[str, str], own: dict[str, str]) -> None:
    assert len(set(everything.values())) > 1
    assert own and own == {i: c for i, c in everything.items() if c == OWN}


REQUESTS = """query($f: RequestFilter) {
  enterpriseRequests(first: 100, filter: $f) { edges { node { id enterprise { territory { countyCode } } } } } }"""


async def test_a_county_level_user_sees_only_its_countys_enterprise_requests(mesh: Mesh) -> None:
    stub = mesh.officers.stub
    for enterprise_id in REQUESTED:
        await stub.OpenRequest(opb.OpenRequestRequest(
            enterprise_id=enterprise_id, source=opb.REQUEST_SOURCE_ENTERPRISE, subject="a permit",
            category=opb.REQUEST_CATEGORY_PERMIT, department="Housing Bureau", actor="t"))

    async def settled() -> bool:  # the officers service has heard from the registry where each lies
        counted = 0
        for county in ("410305", "410311", "410307"):
            reply = await stub.ListRequests(opb.ListRequestsRequest(filter=opb.RequestFilter(county_code=county)))
            counted += len(reply.requests)
        return counted == len(REQUESTED)

    await wait_for(settled)

    def rows(reply: dict[str, Any]) -> dict[str, str]:
        assert "errors" not in reply, reply["errors"]
        edges = reply["data"]["enterpriseRequests"]["edges"]
        return {e["node"]["id"]: e["node"]["enterprise"]["territory"]["countyCode"] for e in edges}

    everything = rows(await mesh.query(REQUESTS, CITY_LEADER))
    assert len(everything) == len(REQUESTED)
    own = rows(await mesh.query(REQUESTS, COUNTY_LEADER))
    assert_scoped(everything, own)
    assert len(own) == 2
    assert rows(await mesh.query(REQUESTS, COUNTY_LEADER, {"f": {"countyCode": OWN}})) == own
    other = await mesh.query(REQUESTS, COUNTY_LEADER, {"f": {"countyCode": OTHER}})
    assert codes(other) == ["FORBIDDEN"] and f"only county {OWN}" in other["errors"][0]["message"]
    assert other["errors"][0]["extensions"]["field"] == "filter.countyCode"
    # A city-wide user may narrow to any county.
    assert rows(await mesh.query(REQUESTS, OFFICE, {"f": {"countyCode": OTHER}})) == {
        i: c for i, c in everything.items() if c == OTHER}


COUNTY_OF = {"ent-001": OTHER, "ent-002": OWN, "ent-003": OWN, "ent-006": "410307"}
ENVIRONMENT_LISTS = {
    "enforcementChecks": "enterpriseId", "fineFilings": "enterpriseId", "inspectionFindings": "enterpriseId",
    "accountabilityRecords": "subjectId",
}


async def _environment_records(env: RunningEnvironment) -> dict[str, str]:
    """A check, a fine filing and a finding closed late (so an accountability record) at each requested enterprise.

    Returns each finding's id with its enterprise's county (accountability records name their finding).
    """
    stub = env.stub
    findings = {}
    for enterprise_id in REQUESTED:
        check = epb.CheckEnforcementRequest(
            enterprise_id=enterprise_id, agency="city-market-supervision", matter="food safety",
            officers=[epb.EnforcementOfficer(officer_id="o-1", name="Zhang Wei", credential_number="HN-ZF-0001",
                                             credential_expires_on="2027-06-30")],
            filing_reference="BA-2026-17", actor="agency-desk")
        check.planned_at.FromDatetime(datetime(2026, 12, 2, 2, 0, tzinfo=UTC))
        await stub.CheckEnforcement(check)
        await stub.FileFine(epb.FileFineRequest(
            enterprise_id=enterprise_id, agency="city-market-supervision", kind=epb.CHARGE_KIND_FINE,
            amount_fen=200_000, matter="food safety", legal_basis="Food Safety Law art. 124", actor="agency-desk"))
        finding = await stub.RegisterFinding(epb.RegisterFindingRequest(
            channel=epb.CHANNEL_ONLINE_PETITION, kind=epb.FINDING_KIND_SLOW_ACTION, description="sign-off pending",
            responsible_unit=f"fire brigade of {enterprise_id}", responsible_leader="Deputy chief Wu",
            enterprise_id=enterprise_id, actor="desk"))
        findings[finding.id] = COUNTY_OF[enterprise_id]
    late = env.parts(clock=lambda: datetime.now(UTC) + timedelta(days=40))
    for finding_id in findings:
        await late.findings.resolve(finding_id, "signed off at last", "fire")
        await late.findings.recheck(finding_id, confirmed=True, note="ok", actor="desk")
    return findings


async def test_a_county_level_user_sees_only_its_countys_enforcement_fines_findings_and_accountability(
    mesh: Mesh,
) -> None:
    findings = await _environment_records(mesh.environment)

    async def rows(field: str, principal: Principal, county: str | None = None) -> dict[str, str]:
        """Row id → the county of its enterprise (or of its finding, for accountability records)."""
        key = ENVIRONMENT_LISTS[field]
        reply = await mesh.query(f"""query($c: String) {{ {field}(first: 100, countyCode: $c) {{
            edges {{ node {{ id {key} }} }} }} }}""", principal, {"c": county})
        assert "errors" not in reply, reply["errors"]
        return {e["node"]["id"]: COUNTY_OF.get(e["node"][key]) or findings[e["node"][key]]
                for e in reply["data"][field]["edges"]}

    for field in ENVIRONMENT_LISTS:
        everything = await rows(field, CITY_LEADER)
        assert len(everything) == len(REQUESTED), field
        own = await rows(field, COUNTY_LEADER)
        assert_scoped(everything, own)
        assert await rows(field, COUNTY_LEADER, OWN) == own
        assert await rows(field, OFFICE, OTHER) == {i: c for i, c in everything.items() if c == OTHER}
        other = await mesh.query(f'{{ {field}(countyCode: "{OTHER}") {{ edges {{ node {{ id }} }} }} }}',
                                 COUNTY_LEADER)
        assert codes(other) == ["FORBIDDEN"] and f"only county {OWN}" in other["errors"][0]["message"], field
        assert other["errors"][0]["extensions"]["field"] == "countyCode"

    async def stats(principal: Principal, county: str | None = None) -> int:
        reply = await mesh.query("query($c: String) { enforcementStats(countyCode: $c) { checks } }", principal,
                                 {"c": county})
        assert "errors" not in reply, reply["errors"]
        checks: int = reply["data"]["enforcementStats"]["checks"]
        return checks

    assert (await stats(CITY_LEADER), await stats(COUNTY_LEADER), await stats(OFFICE, OTHER)) == (4, 2, 1)
    assert codes(await mesh.query('{ enforcementStats(countyCode: "410305") { checks } }', COUNTY_LEADER)) == [
        "FORBIDDEN"]

    async def counts(principal: Principal, county: str | None = None) -> dict[str, int]:
        reply = await mesh.query("query($c: String) { accountabilityCounts(countyCode: $c) { responsibleUnit count } }",
                                 principal, {"c": county})
        assert "errors" not in reply, reply["errors"]
        return {r["responsibleUnit"]: r["count"] for r in reply["data"]["accountabilityCounts"]}

    assert len(await counts(CITY_LEADER)) == len(REQUESTED)
    assert await counts(COUNTY_LEADER) == {"fire brigade of ent-002": 1, "fire brigade of ent-003": 1}
    assert await counts(OFFICE, OTHER) == {"fire brigade of ent-001": 1}
    assert codes(await mesh.query('{ accountabilityCounts(countyCode: "410305") { count } }', COUNTY_LEADER)) == [
        "FORBIDDEN"]
