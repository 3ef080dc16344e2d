"""Integration (items 9, 18): the accountability records of many cases and findings in one call, by index."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mesh.environment.v1 import environment_pb2 as pb
from mesh_environment import events
from mesh_environment.convert import ts
from mesh_environment.repository.oversight import ACCOUNTABILITY, of_subjects
from mesh_environment.testing import RunningEnvironment, Sites, plan_stages
from meshlib.deadlines import DeadlineScanner


async def open_case(env: RunningEnvironment, enterprise_id: str) -> str:
    opened = await env.stub.OpenCase(pb.OpenCaseRequest(
        enterprise_id=enterprise_id, offence=pb.OFFENCE_MARKET_BULLYING, description="a gang sells sand by force",
        source=pb.CASE_SOURCE_ENTERPRISE, actor="enterprise"))
    return str(opened.id)


async def test_the_records_of_many_cases_and_findings_come_in_one_call_grouped_by_subject(
    environment: RunningEnvironment, sites: Sites,
) -> None:
    env = environment
    twice, once, never = [await open_case(env, e) for e in (sites.plain, sites.other, sites.plain)]
    for case_id in (once, never):
        await env.stub.FilePlan(pb.FilePlanRequest(case_id=case_id, measures=["patrols"], responsible_units=["u"],
                                                   due_at=ts(datetime.now(UTC) + timedelta(days=2)), actor="x"))
    finding = await env.stub.RegisterFinding(pb.RegisterFindingRequest(
        channel=pb.CHANNEL_ONLINE_PETITION, kind=pb.FINDING_KIND_SLOW_ACTION, description="sign-off pending",
        responsible_unit="city fire brigade", enterprise_id=sites.plain, actor="desk"))

    # Eight days on, the first case has no plan (one record); it gets one and is closed late two days later
    # (a second). The second case is closed late; the third is closed in time; the finding is closed late.
    eight = datetime.now(UTC) + timedelta(days=8)
    at_eight = env.parts(clock=lambda: eight)
    await DeadlineScanner(at_eight.clocks, env.bus, domain=events.DOMAIN, source=events.SOURCE,
                          clock=lambda: eight, on_fire=at_eight.casework.on_deadline).scan_once()
    await at_eight.casework.file_plan(twice, measures=["m"], responsible_units=["u"],
                                      due_at=eight + timedelta(days=1), actor="x")
    await at_eight.casework.close(once, "settled late", "x")
    await env.stub.CloseCase(pb.CloseCaseRequest(case_id=never, outcome="settled", actor="x"))
    at_ten = env.parts(clock=lambda: eight + timedelta(days=2))
    await at_ten.casework.close(twice, "settled at last", "x")
    at_twenty = env.parts(clock=lambda: eight + timedelta(days=12))
    await at_twenty.findings.resolve(finding.id, "signed off at last", "fire")
    await at_twenty.findings.recheck(finding.id, confirmed=True, note="ok", actor="desk")

    asked = [twice, never, once, finding.id, "CASE-UNKNOWN", twice]
    reply = await env.stub.BatchGetAccountabilityBySubject(pb.BatchGetAccountabilityBySubjectRequest(
        subject_ids=asked))
    got = [(r.subject_id, [(x.kind, x.subject_type, x.subject_id) for x in r.records]) for r in reply.results]
    assert got == [
        # One entry per subject, in the order asked (a repeated id once); each subject's records newest first.
        (twice, [(pb.ACCOUNTABILITY_KIND_CASE_CLOSED_LATE, "case", twice),
                 (pb.ACCOUNTABILITY_KIND_PLAN_MISSING, "case", twice)]),
        (never, []),
        (once, [(pb.ACCOUNTABILITY_KIND_CASE_CLOSED_LATE, "case", once)]),
        (finding.id, [(pb.ACCOUNTABILITY_KIND_FINDING_CLOSED_LATE, "finding", finding.id)]),
        ("CASE-UNKNOWN", []),
    ]
    assert (await env.stub.BatchGetAccountabilityBySubject(pb.BatchGetAccountabilityBySubjectRequest())).results == []

    # The read is served by an index, not a scan of every record.
    plan = await env.runtime.db[ACCOUNTABILITY].find(of_subjects(asked)).explain()
    assert ("IXSCAN", "by_subject") in plan_stages(plan)
    assert "COLLSCAN" not in {stage for stage, _ in plan_stages(plan)}
