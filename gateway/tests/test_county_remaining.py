"""Item 9 through the gateway for the fields whose rows are not a service's county-filtered list: quiet production
days, key protection, inspection groups, responding units, the agency monthly report; and the unit an incident is
handed or dispatched to. A county-level user sees and acts in their county only; a city-wide user everywhere."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from mesh.environment.v1 import environment_pb2 as epb
from mesh_environment.testing import RunningEnvironment
from mesh_gateway.auth import Principal, Role
from mesh_gateway.testing import SignedIn, codes
from mesh_officers.testing import RunningOfficers
from mesh_response.push import push
from mesh_response.testing import report
from meshlib.bus import Bus
from meshlib.testing.poll import eventually

OWN, OTHER = "410311", "410305"
COUNTY_LEADER = Principal("l2", Role.LEADER, county_code=OWN)
CITY_LEADER = Principal("l1", Role.LEADER)
COUNTY_DEPARTMENT = Principal("d2", Role.DEPARTMENT, county_code=OWN, agency="luolong-housing")
COUNTY_OFFICE = Principal("x2", Role.OPTIMISATION_OFFICE, county_code=OWN)
OFFICE = Principal("x1", Role.OPTIMISATION_OFFICE)
# Demo registry (mesh_contacts.demo): ent-002 and prj-002 lie in OWN, ent-001 in OTHER, prj-001 outside OWN;
# ent-404 is not in the registry (in no county).
OWN_SITES = [("ENTERPRISE", "ent-002"), ("PROJECT", "prj-002")]
OTHER_SITES = [("ENTERPRISE", "ent-001"), ("PROJECT", "prj-001")]
UNKNOWN_SITE = ("ENTERPRISE", "ent-404")
# Demo units (mesh_response.demo): five in OWN, one per other county, and the city's (in the city's code 410300).
OWN_UNITS = {"luolong-police", "kaiyuan-station", "guanlin-station", "lilou-station", "luolong-urban-management"}


@dataclass
class Mesh(SignedIn):
    environment: RunningEnvironment


@pytest.fixture
def mesh(whole_city: tuple[SignedIn, RunningOfficers, RunningEnvironment]) -> Mesh:
    """The registry (demo city), officers, environment, response (demo units) and the gateway."""
    signed_in, _, environment = whole_city
    return Mesh(signed_in.gateway, signed_in.secret, environment)


def assert_forbidden(reply: dict[str, Any], field: str, says: str = f"county {OWN}") -> None:
    """FORBIDDEN naming ``field``, saying which county the user is confined to."""
    assert codes(reply) == ["FORBIDDEN"], reply
    assert reply["errors"][0]["extensions"]["field"] == field, reply["errors"]
    assert says in reply["errors"][0]["message"], reply["errors"][0]["message"]


QUIET = "query($e: ID!) { quietProductionDays(enterpriseId: $e) { enterpriseId weekdays } }"


async def test_a_county_level_user_reads_its_countys_enterprises_quiet_production_days_only(mesh: Mesh) -> None:
    weekdays = {"ent-002": 3, "ent-001": 5, "ent-404": 1}
    for enterprise_id, weekday in weekdays.items():
        await mesh.environment.stub.DeclareQuietDays(epb.DeclareQuietDaysRequest(
            enterprise_id=enterprise_id, weekdays=[weekday], actor="t"))

    def days(enterprise_id: str) -> dict[str, Any]:
        return {"quietProductionDays": {"enterpriseId": enterprise_id, "weekdays": [weekdays[enterprise_id]]}}

    assert await mesh.data(QUIET, COUNTY_LEADER, {"e": "ent-002"}) == days("ent-002")
    for theirs in ("ent-001", "ent-404"):  # another county's enterprise; one in no county (city-wide users only)
        refused = await mesh.query(QUIET, COUNTY_LEADER, {"e": theirs})
        assert_forbidden(refused, "Query.quietProductionDays")
        assert refused["data"] is None
    for enterprise_id in weekdays:  # a city-wide user reads any
        assert await mesh.data(QUIET, CITY_LEADER, {"e": enterprise_id}) == days(enterprise_id)
    # An enterprise reads its own, wherever it lies.
    assert await mesh.data(QUIET, Principal("e1", Role.ENTERPRISE, enterprise_id="ent-001"),
                           {"e": "ent-001"}) == days("ent-001")


KEY_PROTECTION = "{ keyProtection { siteKind siteId } }"
GROUPS = "{ inspectionGroups { id sites { kind id } } }"


async def test_a_county_level_user_sees_key_protection_and_inspection_groups_at_its_countys_sites(
    mesh: Mesh,
) -> None:
    stub = mesh.environment.stub
    kinds = {"ENTERPRISE": epb.SITE_KIND_ENTERPRISE, "PROJECT": epb.SITE_KIND_PROJECT}
    for kind, site_id in [*OWN_SITES, *OTHER_SITES, UNKNOWN_SITE]:
        await stub.AddKeyProtection(epb.AddKeyProtectionRequest(
            site_kind=kinds[kind], site_id=site_id, reason="repeated obstruction", actor="t"))
    groups = {"g-mixed": [OWN_SITES[0], OTHER_SITES[0]], "g-other": [OTHER_SITES[0]],
              "g-projects": [OTHER_SITES[1], OWN_SITES[1]], "g-nowhere": [UNKNOWN_SITE], "g-empty": []}
    for group_id, sites in groups.items():
        await stub.AssignInspectionGroup(epb.AssignInspectionGroupRequest(
            group_id=group_id, name=group_id, actor="t",
            sites=[epb.SiteRef(kind=kinds[kind], id=site_id) for kind, site_id in sites]))

    async def protected(principal: Principal) -> set[tuple[str, str]]:
        return {(k["siteKind"], k["siteId"]) for k in (await mesh.data(KEY_PROTECTION, principal))["keyProtection"]}

    async def assigned(principal: Principal) -> dict[str, list[tuple[str, str]]]:
        return {g["id"]: [(s["kind"], s["id"]) for s in g["sites"]]
                for g in (await mesh.data(GROUPS, principal))["inspectionGroups"]}

    assert await protected(CITY_LEADER) == {*OWN_SITES, *OTHER_SITES, UNKNOWN_SITE}
    assert await protected(COUNTY_LEADER) == set(OWN_SITES)
    assert await assigned(OFFICE) == groups
    # A group lies where its sites do: shown with the sites in the user's county, left out with none there.
    assert await assigned(COUNTY_LEADER) == {"g-mixed": [OWN_SITES[0]], "g-projects": [OWN_SITES[1]]}


UNITS = "query($c: String) { respondingUnits(countyCode: $c) { id countyCode } }"


async def test_a_county_level_user_lists_its_countys_responding_units_and_police_every_unit(mesh: Mesh) -> None:
    async def units(principal: Principal, county: str | None = None) -> dict[str, str]:
        found = (await mesh.data(UNITS, principal, {"c": county}))["respondingUnits"]
        return {u["id"]: u["countyCode"] for u in found}

    everything = await units(CITY_LEADER)
    assert {u for u, c in everything.items() if c == OWN} == OWN_UNITS
    assert everything["jianxi-police"] == OTHER and everything["city-urban-management"] == "410300"
    assert set(await units(COUNTY_LEADER)) == OWN_UNITS
    assert set(await units(COUNTY_LEADER, OWN)) == OWN_UNITS
    assert_forbidden(await mesh.query(UNITS, COUNTY_LEADER, {"c": OTHER}), "countyCode", f"only county {OWN}")
    assert await units(CITY_LEADER, OTHER) == {"jianxi-police": OTHER}
    # Police are scoped by agency: they hand incidents across county lines, so they see every unit.
    assert await units(Principal("p2", Role.POLICE, county_code=OWN, agency="luolong-police")) == everything


REPORT = """query($c: JurisdictionInput!) { agencyMonthlyReport(centre: $c, month: "2026-10") {
  centre { level countyCode } total { taken } } }"""


async def test_a_county_level_user_reads_its_countys_service_centres_monthly_report_only(mesh: Mesh) -> None:
    own, other, city = {"level": "COUNTY", "countyCode": OWN}, {"level": "COUNTY", "countyCode": OTHER}, {
        "level": "CITY"}
    reply = await mesh.data(REPORT, COUNTY_DEPARTMENT, {"c": own})
    assert reply["agencyMonthlyReport"]["centre"] == {"level": "COUNTY", "countyCode": OWN}
    for theirs in (other, city):  # another county's centre, and the city's (city-wide users only)
        refused = await mesh.query(REPORT, COUNTY_DEPARTMENT, {"c": theirs})
        assert_forbidden(refused, "Query.agencyMonthlyReport")
        assert refused["data"] is None
    for centre in (own, other, city):  # a city-wide user reads every centre's
        reply = await mesh.data(REPORT, CITY_LEADER, {"c": centre})
        assert reply["agencyMonthlyReport"]["centre"]["level"] == centre["level"]


INCIDENT = "query($id: ID!) { incident(id: $id) { status unitId history { status } } }"
TRANSFER = """mutation($id: ID!, $u: String!) {
  transferIncident(incidentId: $id, toUnitId: $u, reason: "outside our patch") { id status unitId } }"""
DISPATCH = """mutation($id: ID!, $u: String!) {
  dispatchIncident(incidentId: $id, unitId: $u, reason: "closer unit") { id status unitId } }"""
OWN_INCIDENT, OTHER_INCIDENT = "luolong-police:A-1", "luolong-police:A-2"


async def test_a_county_level_user_hands_its_countys_incidents_to_its_countys_units_only(
    mesh: Mesh, bus: Bus,
) -> None:
    await push(bus.nc, "luolong-police", [report("A-1", enterprise_id="ent-002"),
                                          report("A-2", enterprise_id="ent-001")], namespace=bus.ns.prefix)

    async def read(incident_id: str) -> dict[str, Any]:
        reply = await mesh.query(INCIDENT, OFFICE, {"id": incident_id})
        assert "errors" not in reply, reply["errors"]
        found: dict[str, Any] = reply["data"]["incident"] or {}
        return found

    async def dispatched() -> bool:
        return [(await read(i)).get("status") for i in (OWN_INCIDENT, OTHER_INCIDENT)] == ["dispatched"] * 2

    await eventually(dispatched)
    before = await read(OWN_INCIDENT)
    assert before["unitId"] in OWN_UNITS

    def changed(mutation: str, unit_id: str, status: str) -> dict[str, Any]:
        return {"data": {mutation: {"id": OWN_INCIDENT, "status": status, "unitId": unit_id}}}

    # Not to another county's unit, nor the city's, nor a unit the gateway cannot find; nothing changes.
    for unit_id in ("jianxi-police", "city-urban-management", "no-such-unit"):
        for mutation, query in (("transferIncident", TRANSFER), ("dispatchIncident", DISPATCH)):
            refused = await mesh.query(query, COUNTY_OFFICE, {"id": OWN_INCIDENT, "u": unit_id})
            assert_forbidden(refused, f"Mutation.{mutation}", f"the receiving unit {unit_id} does not lie in county "
                                                              f"{OWN}")
            assert refused["data"] is None
    assert await read(OWN_INCIDENT) == before
    # To its county's unit, yes; another county's incident not even to its county's unit.
    to = "kaiyuan-station" if before["unitId"] != "kaiyuan-station" else "guanlin-station"
    assert await mesh.query(TRANSFER, COUNTY_OFFICE, {"id": OWN_INCIDENT, "u": to}) == changed(
        "transferIncident", to, "transferred")
    assert_forbidden(await mesh.query(TRANSFER, COUNTY_OFFICE, {"id": OTHER_INCIDENT, "u": "luolong-police"}),
                     "Mutation.transferIncident", f"incident {OTHER_INCIDENT} does not lie in county {OWN}")
    # Police act by agency: the responsible unit hands its incident to another county's unit.
    police = Principal("p2", Role.POLICE, county_code=OWN, agency=to)
    assert await mesh.query(TRANSFER, police, {"id": OWN_INCIDENT, "u": "jianxi-police"}) == changed(
        "transferIncident", "jianxi-police", "transferred")
    # A city-wide office dispatches and hands over to any unit.
    assert await mesh.query(DISPATCH, OFFICE, {"id": OWN_INCIDENT, "u": "city-urban-management"}) == changed(
        "dispatchIncident", "city-urban-management", "dispatched")
    assert await mesh.query(TRANSFER, OFFICE, {"id": OWN_INCIDENT, "u": "luolong-police"}) == changed(
        "transferIncident", "luolong-police", "transferred")
