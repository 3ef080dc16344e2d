"""Integration: a non-approval climbs to the principal leaders, by decision and by missed deadlines."""

from __future__ import annotations

from datetime import timedelta

import grpc
import pytest

from mesh.officers.v1 import officers_pb2 as pb
from mesh_officers.testing import RunningOfficers
from meshlib.bus import Bus
from meshlib.errors import RULE_KEY
from meshlib.settings import RuntimeSettings
from meshlib.testing.plugin import settings_for
from meshlib.testing.poll import eventually
from meshlib.testing.streams import read_stream

DAY = timedelta(days=1)
SECOND = timedelta(seconds=1)


async def test_a_non_approval_reaches_the_top(officers: RunningOfficers, mesh_env: dict[str, str]) -> None:
    svc, stub = officers, officers.stub
    request = await stub.OpenRequest(
        pb.OpenRequestRequest(
            enterprise_id="ent-9",
            source=pb.REQUEST_SOURCE_ENTERPRISE,
            subject="construction permit for plant 2",
            category=pb.REQUEST_CATEGORY_PERMIT,
            department="Housing Bureau",
            actor="ent-9",
        )
    )
    with pytest.raises(grpc.aio.AioRpcError) as unreported:
        await stub.CompleteRequest(
            pb.CompleteRequestRequest(
                request_id=request.id, department="Housing Bureau", outcome=pb.OUTCOME_NOT_APPROVED, summary="no"
            )
        )
    assert dict(unreported.value.trailing_metadata() or ())[RULE_KEY] == "non-approval-reported"

    na = await stub.ReportNonApproval(
        pb.ReportNonApprovalRequest(
            subject_kind=pb.SUBJECT_KIND_REQUEST,
            subject_id=request.id,
            agency="Housing Bureau",
            kind=pb.NON_APPROVAL_KIND_NOT_APPROVED,
            handler="section clerk Li",
            reasons="fire lanes too narrow",
            suggestion="widen the east lane to 4 m",
            actor="Li",
        )
    )
    assert na.level == pb.APPROVAL_LEVEL_DEPUTY_HEAD and na.state == pb.NON_APPROVAL_STATE_PENDING
    assert na.level_deadline.due_at.ToDatetime() - na.reported_at.ToDatetime() == 3 * DAY
    assert na.level_deadline.escalate_to == "head"

    with pytest.raises(grpc.aio.AioRpcError) as skip:
        await stub.DecideNonApproval(
            pb.DecideNonApprovalRequest(
                non_approval_id=na.id,
                level=pb.APPROVAL_LEVEL_HEAD,
                approve=False,
                decided_by="head",
                reasons="r",
                suggestion="s",
            )
        )
    assert dict(skip.value.trailing_metadata() or ())[RULE_KEY] == "one-level-at-a-time"

    svc.clock.now += DAY
    na = await stub.DecideNonApproval(
        pb.DecideNonApprovalRequest(
            non_approval_id=na.id,
            level=pb.APPROVAL_LEVEL_DEPUTY_HEAD,
            approve=False,
            decided_by="deputy director Zhou",
            reasons="lanes are a legal minimum",
            suggestion="redesign the east side",
            actor="Zhou",
        )
    )
    assert na.level == pb.APPROVAL_LEVEL_HEAD and not na.HasField("office_filing")

    # The head lets the deadline pass: the report goes up by itself and is filed with the city office.
    svc.clock.now += 3 * DAY + SECOND

    async def at_supervising_leader() -> pb.NonApproval | None:
        (n,) = (await stub.BatchGetNonApprovals(pb.BatchGetNonApprovalsRequest(ids=[na.id]))).non_approvals
        return n if n.level == pb.APPROVAL_LEVEL_SUPERVISING_LEADER else None

    na = await eventually(at_supervising_leader)
    assert na.steps[-1].decision == pb.DECISION_AUTO_ESCALATED and na.steps[-1].level == pb.APPROVAL_LEVEL_HEAD
    assert na.office_filing.office.level == pb.LEVEL_CITY and na.office_filing.basis == "head's deadline passed"

    na = await stub.DecideNonApproval(
        pb.DecideNonApprovalRequest(
            non_approval_id=na.id,
            level=pb.APPROVAL_LEVEL_SUPERVISING_LEADER,
            approve=False,
            decided_by="Vice Mayor Sun",
            reasons="safety first",
            suggestion="apply for plant 2 next quarter",
        )
    )
    assert na.level == pb.APPROVAL_LEVEL_PRINCIPAL_LEADERS

    # The principal leaders' deadline passes: nowhere further to go, so it is marked and announced.
    svc.clock.now += 7 * DAY + SECOND

    async def top_overdue() -> pb.NonApproval | None:
        (n,) = (await stub.BatchGetNonApprovals(pb.BatchGetNonApprovalsRequest(ids=[na.id]))).non_approvals
        return n if n.top_overdue else None

    na = await eventually(top_overdue)
    assert na.state == pb.NON_APPROVAL_STATE_PENDING and na.level_deadline.state == "breached"

    na = await stub.DecideNonApproval(
        pb.DecideNonApprovalRequest(
            non_approval_id=na.id,
            level=pb.APPROVAL_LEVEL_PRINCIPAL_LEADERS,
            approve=False,
            decided_by="Party Secretary",
            reasons="confirmed",
            suggestion="the redesign route stays open",
        )
    )
    assert na.state == pb.NON_APPROVAL_STATE_CONFIRMED
    assert [(s.level, s.decision) for s in na.steps] == [
        (pb.APPROVAL_LEVEL_SECTION, pb.DECISION_REPORTED),
        (pb.APPROVAL_LEVEL_DEPUTY_HEAD, pb.DECISION_CONFIRMED),
        (pb.APPROVAL_LEVEL_HEAD, pb.DECISION_AUTO_ESCALATED),
        (pb.APPROVAL_LEVEL_SUPERVISING_LEADER, pb.DECISION_CONFIRMED),
        (pb.APPROVAL_LEVEL_PRINCIPAL_LEADERS, pb.DECISION_CONFIRMED),
    ]
    assert [s.decided_by for s in na.steps][-1] == "Party Secretary"

    done = await stub.CompleteRequest(
        pb.CompleteRequestRequest(
            request_id=request.id,
            department="Housing Bureau",
            outcome=pb.OUTCOME_NOT_APPROVED,
            summary="not approved; redesign suggested",
            actor="Housing Bureau",
        )
    )
    assert done.outcome == pb.OUTCOME_NOT_APPROVED
    (by_subject,) = (
        await stub.NonApprovalsBySubjects(pb.NonApprovalsBySubjectsRequest(subject_ids=[request.id]))
    ).non_approvals
    assert by_subject.id == na.id

    bus = await Bus.connect(settings_for(RuntimeSettings, mesh_env), name="test-peer")
    try:
        escalated = await read_stream(bus, "officers.nonapproval.escalated", count=3)
        (filed,) = await read_stream(bus, "officers.nonapproval.filed", count=1)
        (top,) = await read_stream(bus, "officers.nonapproval.top_overdue", count=1)
        (concluded,) = await read_stream(bus, "officers.nonapproval.concluded", count=1)
    finally:
        await bus.close()
    assert [(e.data["to_level"], e.data["automatic"]) for e in escalated] == [
        ("head", False),
        ("supervising_leader", True),
        ("principal_leaders", False),
    ]
    assert filed.data["office"] == "city" and top.data["level"] == "principal_leaders"
    assert concluded.data["state"] == "confirmed"


async def test_a_request_whose_non_approval_was_approved_after_all_is_not_closed_as_not_approved(
    officers: RunningOfficers,
) -> None:
    """Item 14: the deputy head approves what the section could not; the request is then not closed as not
    approved on the strength of that report (it was, before: any report at all let it through)."""
    stub = officers.stub
    request = await stub.OpenRequest(pb.OpenRequestRequest(
        enterprise_id="ent-9", source=pb.REQUEST_SOURCE_ENTERPRISE, subject="construction permit for plant 3",
        category=pb.REQUEST_CATEGORY_PERMIT, department="Housing Bureau", actor="ent-9"))
    na = await stub.ReportNonApproval(pb.ReportNonApprovalRequest(
        subject_kind=pb.SUBJECT_KIND_REQUEST, subject_id=request.id, agency="Housing Bureau",
        kind=pb.NON_APPROVAL_KIND_NOT_APPROVED, handler="section clerk Li", reasons="fire lanes too narrow",
        suggestion="widen the east lane to 4 m", actor="Li"))
    approved = await stub.DecideNonApproval(pb.DecideNonApprovalRequest(
        non_approval_id=na.id, level=pb.APPROVAL_LEVEL_DEPUTY_HEAD, approve=True, decided_by="deputy director Zhou",
        reasons="the lanes meet the code with the widening", suggestion="approve with the widening"))
    assert approved.state == pb.NON_APPROVAL_STATE_APPROVED

    not_approved = pb.CompleteRequestRequest(request_id=request.id, department="Housing Bureau",
                                             outcome=pb.OUTCOME_NOT_APPROVED, summary="refused")
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.CompleteRequest(not_approved)
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert dict(refused.value.trailing_metadata() or ())[RULE_KEY] == "non-approval-overturned"
    done = await stub.CompleteRequest(pb.CompleteRequestRequest(
        request_id=request.id, department="Housing Bureau", outcome=pb.OUTCOME_RESOLVED, summary="permit issued"))
    assert done.state == pb.REQUEST_STATE_COMPLETED
