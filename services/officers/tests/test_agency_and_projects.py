"""Integration: agency services with a reproducible monthly report (item 7); lead-handled projects (item 8)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from mesh.officers.v1 import officers_pb2 as pb
from mesh.officers.v1 import officers_pb2_grpc as pb_grpc
from mesh_officers.testing import CITY, RunningOfficers, person
from meshlib.errors import ITEM_KEY, RULE_KEY

DAY = timedelta(days=1)
CNY = 100
LUOLONG = pb.Jurisdiction(level=pb.LEVEL_COUNTY, county_code="410311")


def ts(value: datetime) -> Timestamp:
    t = Timestamp()
    t.FromDatetime(value)
    return t


def figures(report: pb.AgencyMonthlyReport) -> pb.AgencyMonthlyReport:
    """The report without its filing details."""
    copy = pb.AgencyMonthlyReport()
    copy.CopyFrom(report)
    copy.ClearField("filed_at")
    copy.ClearField("filed_by")
    return copy


async def open_request(stub: pb_grpc.OfficersServiceStub, enterprise: str, subject: str) -> pb.EnterpriseRequest:
    return await stub.OpenRequest(
        pb.OpenRequestRequest(
            enterprise_id=enterprise,
            source=pb.REQUEST_SOURCE_ENTERPRISE,
            subject=subject,
            category=pb.REQUEST_CATEGORY_PERMIT,
            department="Luolong Service Centre",
            actor=enterprise,
        )
    )


async def test_monthly_agency_report_is_reproducible(officers: RunningOfficers) -> None:
    svc, stub = officers, officers.stub
    svc.clock.now = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
    agent = person("p-agent", "Ma Li", "Luolong Service Centre", pb.RANK_SECTION_HEAD)
    a = await open_request(stub, "ent-a", "all permits for the bakery")
    a = await stub.TakeAsAgent(
        pb.TakeAsAgentRequest(
            request_id=a.id,
            centre=LUOLONG,
            mode=pb.AGENCY_MODE_FULL_PROCESS,
            method=pb.AGENCY_METHOD_JOINT,
            agent=agent,
            actor="centre",
        )
    )
    a = await stub.RecordAgencyStep(
        pb.RecordAgencyStepRequest(
            request_id=a.id,
            department="Market Regulation Bureau",
            permit="food business licence",
            status=pb.STEP_STATUS_SUBMITTED,
            actor="Ma Li",
        )
    )
    step_id = a.agency.steps[0].id
    a = await stub.ProposeLeaderTakeCharge(
        pb.ProposeLeaderTakeChargeRequest(
            request_id=a.id, leader="Vice District Head Gao", reason="four bureaus involved", actor="centre"
        )
    )
    b = await open_request(stub, "ent-b", "fire safety check only")
    b = await stub.TakeAsAgent(
        pb.TakeAsAgentRequest(
            request_id=b.id,
            centre=LUOLONG,
            mode=pb.AGENCY_MODE_SINGLE_ITEM,
            method=pb.AGENCY_METHOD_CENTRE_ALONE,
            agent=agent,
            actor="centre",
        )
    )
    svc.clock.now += 2 * DAY
    await stub.CompleteRequest(
        pb.CompleteRequestRequest(
            request_id=b.id, department="Luolong Service Centre", outcome=pb.OUTCOME_RESOLVED, summary="passed"
        )
    )
    with pytest.raises(grpc.aio.AioRpcError) as twice:
        await stub.TakeAsAgent(
            pb.TakeAsAgentRequest(
                request_id=a.id,
                centre=LUOLONG,
                mode=pb.AGENCY_MODE_SINGLE_ITEM,
                method=pb.AGENCY_METHOD_JOINT,
                agent=agent,
            )
        )
    assert twice.value.code() == grpc.StatusCode.ALREADY_EXISTS

    march = pb.GetAgencyMonthlyReportRequest(centre=LUOLONG, month="2026-03", actor="centre")
    with pytest.raises(grpc.aio.AioRpcError) as early:
        await stub.GetAgencyMonthlyReport(march)
    md = dict(early.value.trailing_metadata() or ())
    assert md[RULE_KEY] == "agency-report-month-ended" and md[ITEM_KEY] == "Item 7"

    svc.clock.now = datetime(2026, 4, 2, 1, 0, tzinfo=UTC)
    filed = await stub.FileAgencyMonthlyReport(march)
    assert filed.HasField("filed_at") and filed.filed_with.county_code == "410311"
    rows = {(r.mode, r.method): r for r in filed.rows}
    full = rows[(pb.AGENCY_MODE_FULL_PROCESS, pb.AGENCY_METHOD_JOINT)]
    single = rows[(pb.AGENCY_MODE_SINGLE_ITEM, pb.AGENCY_METHOD_CENTRE_ALONE)]
    assert (full.taken, full.open_at_end, full.completed) == (1, 1, 0)
    assert (single.taken, single.completed, single.completed_on_time) == (1, 1, 1)
    assert filed.total.taken == 2 and filed.leader_proposals == 1
    assert {s.status: s.count for s in filed.steps_at_end}[pb.STEP_STATUS_SUBMITTED] == 1

    # April changes things; March's report does not change.
    await stub.RecordAgencyStep(
        pb.RecordAgencyStepRequest(request_id=a.id, step_id=step_id, status=pb.STEP_STATUS_APPROVED, actor="Ma Li")
    )
    await stub.CompleteRequest(
        pb.CompleteRequestRequest(
            request_id=a.id, department="Luolong Service Centre", outcome=pb.OUTCOME_RESOLVED, summary="all issued"
        )
    )
    c = await open_request(stub, "ent-c", "another")
    await stub.TakeAsAgent(
        pb.TakeAsAgentRequest(
            request_id=c.id,
            centre=LUOLONG,
            mode=pb.AGENCY_MODE_FULL_PROCESS,
            method=pb.AGENCY_METHOD_JOINT,
            agent=agent,
        )
    )
    again = await stub.GetAgencyMonthlyReport(march)
    assert figures(again) == figures(filed) and again.fingerprint == filed.fingerprint
    assert again.filed_at == filed.filed_at
    refiled = await stub.FileAgencyMonthlyReport(march)
    assert refiled.filed_at == filed.filed_at

    svc.clock.now = datetime(2026, 5, 1, 0, 0, tzinfo=UTC)
    april = await stub.GetAgencyMonthlyReport(pb.GetAgencyMonthlyReportRequest(centre=LUOLONG, month="2026-04"))
    assert april.total.carried_over == 1 and april.total.completed == 1 and april.total.taken == 1
    assert april.fingerprint != filed.fingerprint
    city = await stub.GetAgencyMonthlyReport(pb.GetAgencyMonthlyReportRequest(centre=CITY, month="2026-03"))
    assert city.total.taken == 0


def facts(sector: int, cny: int, key: int = pb.KEY_LEVEL_NONE) -> pb.ProjectFacts:
    return pb.ProjectFacts(
        sector=sector,
        investment_fen=cny * CNY,
        key_level=key,  # type: ignore[arg-type]
        fits_industrial_policy=True,
    )


def unit(
    name: str, kind: int, leads: int, agents: int, lead_rank: int = pb.RANK_DEPUTY_COUNTY_OR_ABOVE
) -> pb.StaffingUnit:
    return pb.StaffingUnit(
        unit=name,
        kind=kind,  # type: ignore[arg-type]
        lead_handlers=[person(f"{name}-l{i}", f"L{i}", name, lead_rank) for i in range(leads)],
        agents=[person(f"{name}-a{i}", f"A{i}", name, pb.RANK_SECTION_HEAD) for i in range(agents)],
    )


async def test_lead_handling_eligibility_staffing_and_procedures(officers: RunningOfficers) -> None:
    stub, now = officers.stub, officers.clock.now
    check = stub.CheckLeadHandlingEligibility
    assert not (
        await check(pb.CheckLeadHandlingEligibilityRequest(facts=facts(pb.SECTOR_INDUSTRIAL, 99_999_999)))
    ).eligible
    ok = await check(pb.CheckLeadHandlingEligibilityRequest(facts=facts(pb.SECTOR_AGRICULTURE, 30_000_000)))
    assert ok.eligible and ok.basis == pb.ELIGIBILITY_BASIS_AGRI_ENV_INFRA_WELFARE_INVESTMENT

    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.StartLeadHandling(
            pb.StartLeadHandlingRequest(
                project_id="prj-small", enterprise_id="ent-1", office=CITY, facts=facts(pb.SECTOR_SERVICE, 99_999_999)
            )
        )
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert dict(refused.value.trailing_metadata() or ())[RULE_KEY] == "lead-handling-eligibility"
    assert "100,000,000 CNY" in (refused.value.details() or "")

    project = await stub.StartLeadHandling(
        pb.StartLeadHandlingRequest(
            project_id="prj-1",
            enterprise_id="ent-1",
            office=CITY,
            facts=facts(pb.SECTOR_INDUSTRIAL, 100_000_000),
            actor="city optimisation office",
        )
    )
    assert project.eligibility.basis == pb.ELIGIBILITY_BASIS_INDUSTRY_SERVICE_INVESTMENT
    assert project.facts.investment_fen == 10_000_000_000
    with pytest.raises(grpc.aio.AioRpcError) as again:
        await stub.StartLeadHandling(
            pb.StartLeadHandlingRequest(
                project_id="prj-1", enterprise_id="ent-1", office=CITY, facts=facts(pb.SECTOR_INDUSTRIAL, 100_000_000)
            )
        )
    assert again.value.code() == grpc.StatusCode.ALREADY_EXISTS

    with pytest.raises(grpc.aio.AioRpcError) as bad_staff:
        await stub.SetStaffing(
            pb.SetStaffingRequest(
                project_id="prj-1",
                units=[unit("Natural Resources Bureau", pb.UNIT_KIND_APPROVAL_DEPARTMENT, 2, 2, pb.RANK_SECTION_HEAD)],
            )
        )
    assert dict(bad_staff.value.trailing_metadata() or ())[RULE_KEY] == "lead-handler-rank"
    project = await stub.SetStaffing(
        pb.SetStaffingRequest(
            project_id="prj-1",
            units=[
                unit("Natural Resources Bureau", pb.UNIT_KIND_APPROVAL_DEPARTMENT, 2, 2),
                unit("Development and Reform Commission", pb.UNIT_KIND_COORDINATION_DEPARTMENT, 2, 0),
                unit("State Grid Luoyang", pb.UNIT_KIND_PUBLIC_UTILITY, 0, 2),
            ],
        )
    )
    assert [len(u.lead_handlers) + len(u.agents) for u in project.staffing] == [4, 2, 2]

    for kind, dept in (
        (pb.PROCEDURE_KIND_PERMANENT_POWER, "State Grid Luoyang"),
        (pb.PROCEDURE_KIND_LAND, "Natural Resources Bureau"),
    ):
        project = await stub.OpenProcedure(
            pb.OpenProcedureRequest(project_id="prj-1", kind=kind, department=dept, due_at=ts(now + 30 * DAY))
        )
    assert [p.kind for p in project.procedures] == [pb.PROCEDURE_KIND_LAND, pb.PROCEDURE_KIND_PERMANENT_POWER]
    assert [p.utility_hookup for p in project.procedures] == [False, True]
    assert project.procedures[0].deadline.clause == "Item 8" and project.procedures[0].id == "prj-1/land"

    await stub.UpdateProcedure(
        pb.UpdateProcedureRequest(
            project_id="prj-1", kind=pb.PROCEDURE_KIND_LAND, status=pb.PROCEDURE_STATUS_IN_PROGRESS
        )
    )
    with pytest.raises(grpc.aio.AioRpcError) as unreported:
        await stub.UpdateProcedure(
            pb.UpdateProcedureRequest(
                project_id="prj-1", kind=pb.PROCEDURE_KIND_LAND, status=pb.PROCEDURE_STATUS_NOT_APPROVED
            )
        )
    assert dict(unreported.value.trailing_metadata() or ())[RULE_KEY] == "non-approval-reported"
    await stub.ReportNonApproval(
        pb.ReportNonApprovalRequest(
            subject_kind=pb.SUBJECT_KIND_PROCEDURE,
            subject_id="prj-1/land",
            agency="Natural Resources Bureau",
            kind=pb.NON_APPROVAL_KIND_NOT_IN_TIME,
            handler="clerk",
            reasons="quota exhausted",
            suggestion="next batch",
        )
    )
    await stub.UpdateProcedure(
        pb.UpdateProcedureRequest(
            project_id="prj-1", kind=pb.PROCEDURE_KIND_LAND, status=pb.PROCEDURE_STATUS_NOT_APPROVED
        )
    )
    project = await stub.UpdateProcedure(
        pb.UpdateProcedureRequest(
            project_id="prj-1", kind=pb.PROCEDURE_KIND_LAND, status=pb.PROCEDURE_STATUS_DONE, note="approved after all"
        )
    )
    land = project.procedures[0]
    assert land.status == pb.PROCEDURE_STATUS_DONE and land.deadline.state == "met" and land.deadline.on_time
    assert [h.status for h in land.history] == [
        pb.PROCEDURE_STATUS_NOT_STARTED,
        pb.PROCEDURE_STATUS_IN_PROGRESS,
        pb.PROCEDURE_STATUS_NOT_APPROVED,
        pb.PROCEDURE_STATUS_DONE,
    ]
    with pytest.raises(grpc.aio.AioRpcError) as unknown:
        await stub.ReportNonApproval(
            pb.ReportNonApprovalRequest(
                subject_kind=pb.SUBJECT_KIND_PROCEDURE,
                subject_id="prj-1/gas",
                agency="Gas Co.",
                kind=pb.NON_APPROVAL_KIND_NOT_APPROVED,
                handler="h",
                reasons="r",
                suggestion="s",
            )
        )
    assert unknown.value.code() == grpc.StatusCode.NOT_FOUND
