"""Enforcement checks by id in one call (the gateway's DataLoader): unknown ids are absent; each check carries the
county its enterprise lay in when checked (item 9), empty when the registry did not know it."""

from __future__ import annotations

from datetime import UTC, datetime

from mesh.environment.v1 import environment_pb2 as pb
from mesh_environment.testing import LUOLONG, RunningEnvironment, Sites

OFFICERS = [pb.EnforcementOfficer(officer_id="o-1", name="Zhang Wei", credential_number="HN-ZF-0001",
                                  credential_expires_on="2027-06-30")]


def check_at(enterprise_id: str) -> pb.CheckEnforcementRequest:
    request = pb.CheckEnforcementRequest(enterprise_id=enterprise_id, agency="city-market-supervision",
                                         matter="food safety", officers=OFFICERS, filing_reference="BA-2026-17",
                                         actor="agency-desk")
    request.planned_at.FromDatetime(datetime(2026, 12, 2, 2, 0, tzinfo=UTC))  # a Wednesday, 10:00 in the city
    return request


async def test_checks_are_found_by_id_with_their_county_and_unknown_ids_are_absent(
    environment: RunningEnvironment, sites: Sites,
) -> None:
    stub = environment.stub
    placed = await stub.CheckEnforcement(check_at(sites.plain))
    nowhere = await stub.CheckEnforcement(check_at("ent-not-in-the-registry"))
    complained = await stub.RecordRoughEnforcement(pb.RecordRoughEnforcementRequest(
        check_id=placed.id, complaint="shouted at the staff", actor="ent"))
    assert placed.county_code == LUOLONG and nowhere.county_code == ""

    reply = await stub.BatchGetEnforcementChecks(pb.BatchGetEnforcementChecksRequest(
        ids=[nowhere.id, "CHK-missing", placed.id, placed.id]))
    found = {c.id: c for c in reply.checks}
    assert set(found) == {placed.id, nowhere.id} and len(reply.checks) == 2
    assert found[placed.id] == complained and found[placed.id].county_code == LUOLONG
    assert found[nowhere.id] == nowhere and found[nowhere.id].county_code == ""
    assert list((await stub.BatchGetEnforcementChecks(pb.BatchGetEnforcementChecksRequest(
        ids=["CHK-missing"]))).checks) == []
    assert list((await stub.BatchGetEnforcementChecks(pb.BatchGetEnforcementChecksRequest())).checks) == []
