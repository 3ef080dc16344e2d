"""Integration (item 9, territorial management): checks, fines, findings and accountability by county."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc

from mesh.contacts.v1 import contacts_pb2 as cpb
from mesh.environment.v1 import environment_pb2 as pb
from mesh_contacts.testing import RunningContacts, enterprise
from mesh_environment.service import assemble
from mesh_environment.territory import SiteInfo
from mesh_environment.testing import LUOLONG, FixedDirectory, RunningEnvironment, Sites

JIANXI = "410305"

OFFICERS = [pb.EnforcementOfficer(officer_id="o-1", name="Zhang Wei", credential_number="HN-ZF-0001",
                                  credential_expires_on="2027-06-30")]


def check_at(enterprise_id: str, planned: datetime) -> pb.CheckEnforcementRequest:
    request = pb.CheckEnforcementRequest(enterprise_id=enterprise_id, agency="city-market-supervision",
                                         matter="food safety", officers=OFFICERS, filing_reference="BA-2026-17",
                                         actor="agency-desk")
    request.planned_at.FromDatetime(planned)
    return request


async def test_each_record_is_its_enterprises_countys_and_lists_and_counts_filter_by_county(
    environment: RunningEnvironment, sites: Sites, contacts_service: RunningContacts,
) -> None:
    stub = environment.stub
    jianxi = (await contacts_service.stub.RegisterEnterprise(cpb.RegisterEnterpriseRequest(
        enterprise=enterprise(9, "洛阳涧西重工有限公司", township="410305005"), actor="test"))).id
    unknown = "ent-not-in-the-registry"
    planned = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)  # a Wednesday, 10:00 in the city
    checks, fines = {}, {}
    for ent in (sites.plain, jianxi, unknown):
        checks[ent] = (await stub.CheckEnforcement(check_at(ent, planned))).id
        fines[ent] = (await stub.FileFine(pb.FileFineRequest(
            enterprise_id=ent, agency="city-market-supervision", kind=pb.CHARGE_KIND_FINE, amount_fen=200_000,
            matter="food safety", legal_basis="Food Safety Law art. 124", actor="agency-desk"))).id

    async def check_ids(county: str | None) -> set[str]:
        reply = await stub.ListEnforcementChecks(pb.ListEnforcementChecksRequest(county_code=county, page_size=100))
        return {c.id for c in reply.checks}

    async def fine_ids(county: str | None) -> set[str]:
        return {f.id for f in (await stub.ListFines(pb.ListFinesRequest(county_code=county, page_size=100))).fines}

    assert await check_ids(LUOLONG) == {checks[sites.plain]} and await check_ids(JIANXI) == {checks[jianxi]}
    assert await check_ids(None) == set(checks.values())  # unknown to the registry: in no county's list
    assert await fine_ids(LUOLONG) == {fines[sites.plain]} and await fine_ids(JIANXI) == {fines[jianxi]}
    assert await fine_ids(None) == set(fines.values())
    stats = await stub.GetEnforcementStats(pb.GetEnforcementStatsRequest(county_code=JIANXI))
    assert (stats.checks, stats.allowed) == (1, 1)
    assert (await stub.GetEnforcementStats(pb.GetEnforcementStatsRequest())).checks == 3

    findings = {}
    for ent in (sites.plain, jianxi, None):
        request = pb.RegisterFindingRequest(
            channel=pb.CHANNEL_ONLINE_PETITION, kind=pb.FINDING_KIND_SLOW_ACTION, description="sign-off pending",
            responsible_unit=f"fire brigade {ent}", responsible_leader="Deputy chief Wu", actor="desk")
        if ent is not None:
            request.enterprise_id = ent
        findings[ent] = (await stub.RegisterFinding(request)).id

    async def finding_ids(county: str | None) -> set[str]:
        reply = await stub.ListFindings(pb.ListFindingsRequest(county_code=county, page_size=100))
        return {f.id for f in reply.findings}

    assert await finding_ids(LUOLONG) == {findings[sites.plain]} and await finding_ids(JIANXI) == {findings[jianxi]}
    assert await finding_ids(None) == set(findings.values())  # one at no site is in no county's list

    # Each closed late: the accountability record is its finding's county's.
    parts = environment.parts(clock=lambda: datetime.now(UTC) + timedelta(days=40))
    for finding_id in findings.values():
        await parts.findings.resolve(finding_id, "signed off at last", "fire")
        await parts.findings.recheck(finding_id, confirmed=True, note="ok", actor="desk")

    async def record_subjects(county: str | None) -> set[str]:
        reply = await stub.ListAccountability(pb.ListAccountabilityRequest(county_code=county, page_size=100))
        return {r.subject_id for r in reply.records}

    assert await record_subjects(LUOLONG) == {findings[sites.plain]}
    assert await record_subjects(JIANXI) == {findings[jianxi]}
    assert await record_subjects(None) == set(findings.values())
    counted = await stub.CountAccountability(pb.CountAccountabilityRequest(county_code=JIANXI))
    assert [(u.responsible_unit, u.count) for u in counted.units] == [(f"fire brigade {jianxi}", 1)]
    assert len((await stub.CountAccountability(pb.CountAccountabilityRequest())).units) == 3


class Unreachable(FixedDirectory):
    async def enterprises(self, ids: Sequence[str]) -> Mapping[str, SiteInfo]:
        raise grpc.aio.AioRpcError(grpc.StatusCode.UNAVAILABLE, grpc.aio.Metadata(), grpc.aio.Metadata(), "down")


async def test_the_guard_answers_when_the_registry_is_unreachable_and_keeps_the_check_without_a_county(
    environment: RunningEnvironment, sites: Sites,
) -> None:
    servicer = assemble(environment.runtime, Unreachable()).servicer
    context: Any = None
    check = await servicer.CheckEnforcement(check_at(sites.plain, datetime(2026, 12, 2, 2, 0, tzinfo=UTC)), context)
    assert check.allowed
    listed = await environment.stub.ListEnforcementChecks(pb.ListEnforcementChecksRequest(county_code=LUOLONG))
    assert [c.id for c in listed.checks] == []
    everything = await environment.stub.ListEnforcementChecks(pb.ListEnforcementChecksRequest())
    assert [c.id for c in everything.checks] == [check.id]
