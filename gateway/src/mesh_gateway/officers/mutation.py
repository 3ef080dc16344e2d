"""Officers mutations (items 6, 7, 8, 13, 14); each refusal comes back with its rule and policy item.

Every change is recorded as made by the signed-in caller (:func:`mesh_gateway.context.actor`).
"""

from __future__ import annotations

from datetime import datetime

import strawberry

from mesh.officers.v1 import officers_pb2 as pb
from mesh_gateway.auth import Role
from mesh_gateway.authorization import forbidden
from mesh_gateway.context import actor
from mesh_gateway.errors import call
from mesh_gateway.officers.enums import (
    AgencyMethod,
    AgencyMode,
    AgencyStepStatus,
    ApprovalLevel,
    NonApprovalKind,
    NonApprovalSubjectKind,
    ProcedureKind,
    ProcedureStatus,
    RequestCategory,
    RequestOutcome,
    RequestSource,
    RewardAuthority,
    RewardKind,
    ServiceTargetKind,
    SupervisionFinding,
    to_proto,
)
from mesh_gateway.officers.inputs import (
    DesignationInput,
    DispatchBasisInput,
    EvidenceInput,
    JurisdictionInput,
    PersonInput,
    ProjectFactsInput,
    StaffingUnitInput,
    stamp,
)
from mesh_gateway.officers.project_types import LeadHandledProject, NonApproval
from mesh_gateway.officers.request_types import AgencyMonthlyReport, EnterpriseRequest
from mesh_gateway.officers.types import Officer, Pledge, Reward, SupervisionItem

BASIS = {"basis.leader_instruction": "basis", "basis.leader_instruction.instructed_at": "basis.at",
         "basis.enterprise_ask": "basis", "basis.enterprise_ask.contact": "basis.enterpriseContact",
         "basis.enterprise_ask.asked_at": "basis.at"}
"""Where the user typed what a refusal names: the graph's basis is one flat input, the request's one of two
messages."""


@strawberry.type
class OfficersMutation:
    # ---- item 6 ----
    @strawberry.mutation(description="Item 6: dispatch a leading cadre as chief service officer")
    async def dispatch_officer(
        self,
        info: strawberry.Info,
        officer: PersonInput,
        target_kind: ServiceTargetKind,
        target_id: strawberry.ID,
        enterprise_id: strawberry.ID,
        office: JurisdictionInput,
        basis: DispatchBasisInput,
    ) -> Officer:
        reply = await call(
            info.context.clients.officers.DispatchOfficer(
                pb.DispatchOfficerRequest(
                    officer=officer.to_proto(),
                    target_kind=to_proto(pb.TargetKind, target_kind),
                    target_id=str(target_id),
                    enterprise_id=str(enterprise_id),
                    office=office.to_proto(),
                    basis=basis.to_proto(),
                    actor=actor(info),
                )
            ),
            fields=BASIS,
        )
        return Officer.from_proto(reply)

    @strawberry.mutation(description="Item 6: on the officer's proposal, staff join the working group")
    async def add_group_members(
        self, info: strawberry.Info, officer_id: strawberry.ID, proposal: str, members: list[PersonInput]
    ) -> Officer:
        reply = await call(
            info.context.clients.officers.AddGroupMembers(
                pb.AddGroupMembersRequest(
                    officer_id=str(officer_id),
                    proposal=proposal,
                    members=[m.to_proto() for m in members],
                    actor=actor(info),
                )
            )
        )
        return Officer.from_proto(reply)

    @strawberry.mutation(description="Item 6: a member leaves the working group (kept in its history)")
    async def release_group_member(
        self, info: strawberry.Info, officer_id: strawberry.ID, person_id: strawberry.ID, reason: str
    ) -> Officer:
        reply = await call(
            info.context.clients.officers.ReleaseGroupMember(
                pb.ReleaseGroupMemberRequest(
                    officer_id=str(officer_id), person_id=str(person_id), reason=reason, actor=actor(info)
                )
            )
        )
        return Officer.from_proto(reply)

    @strawberry.mutation(description="Item 6: the working group's pledge to the optimisation office of its level")
    async def file_pledge(
        self, info: strawberry.Info, officer_id: strawberry.ID, commitments: str, due_at: datetime
    ) -> Pledge:
        reply = await call(
            info.context.clients.officers.FilePledge(
                pb.FilePledgeRequest(
                    officer_id=str(officer_id), commitments=commitments, due_at=stamp(due_at), actor=actor(info)
                )
            )
        )
        return Pledge.from_proto(reply)

    @strawberry.mutation(description="Item 6: the office's verdict on a pledge")
    async def assess_pledge(self, info: strawberry.Info, pledge_id: strawberry.ID, kept: bool, finding: str) -> Pledge:
        reply = await call(
            info.context.clients.officers.AssessPledge(
                pb.AssessPledgeRequest(pledge_id=str(pledge_id), kept=kept, finding=finding, actor=actor(info))
            )
        )
        return Pledge.from_proto(reply)

    @strawberry.mutation(description="Item 6: open a follow-up supervision item on an officer")
    async def open_supervision(
        self, info: strawberry.Info, officer_id: strawberry.ID, task: str, due_at: datetime
    ) -> SupervisionItem:
        reply = await call(
            info.context.clients.officers.OpenSupervision(
                pb.OpenSupervisionRequest(
                    officer_id=str(officer_id), task=task, due_at=stamp(due_at), actor=actor(info)
                )
            )
        )
        return SupervisionItem.from_proto(reply)

    @strawberry.mutation(description="Item 6: close a supervision item with a finding")
    async def close_supervision(
        self, info: strawberry.Info, supervision_id: strawberry.ID, finding: SupervisionFinding, note: str
    ) -> SupervisionItem:
        reply = await call(
            info.context.clients.officers.CloseSupervision(
                pb.CloseSupervisionRequest(
                    supervision_id=str(supervision_id),
                    finding=to_proto(pb.Finding, finding),
                    note=note,
                    actor=actor(info),
                )
            )
        )
        return SupervisionItem.from_proto(reply)

    @strawberry.mutation(description="Item 6: a commendation, merit citation or penalty, citing evidence")
    async def record_reward(
        self,
        info: strawberry.Info,
        officer_id: strawberry.ID,
        kind: RewardKind,
        authority: RewardAuthority,
        authority_level: JurisdictionInput,
        citation: str,
        evidence: list[EvidenceInput],
        recipient_person_id: strawberry.ID | None = None,
    ) -> Reward:
        reply = await call(
            info.context.clients.officers.RecordReward(
                pb.RecordRewardRequest(
                    officer_id=str(officer_id),
                    recipient_person_id=str(recipient_person_id or ""),
                    kind=to_proto(pb.RewardKind, kind),
                    authority=to_proto(pb.Authority, authority),
                    authority_level=authority_level.to_proto(),
                    citation=citation,
                    evidence=[e.to_proto() for e in evidence],
                    actor=actor(info),
                )
            )
        )
        return Reward.from_proto(reply)

    # ---- item 13 ----
    @strawberry.mutation(description="Item 13: open a request; the department asked is first-inquiry responsible")
    async def open_request(
        self,
        info: strawberry.Info,
        enterprise_id: strawberry.ID,
        source: RequestSource,
        subject: str,
        category: RequestCategory,
        department: str,
        urgent: bool = False,
        officer_id: strawberry.ID | None = None,
        project_id: strawberry.ID | None = None,
    ) -> EnterpriseRequest:
        reply = await call(
            info.context.clients.officers.OpenRequest(
                pb.OpenRequestRequest(
                    enterprise_id=str(enterprise_id),
                    project_id=str(project_id or ""),
                    officer_id=str(officer_id or ""),
                    source=to_proto(pb.RequestSource, source),
                    subject=subject,
                    category=to_proto(pb.RequestCategory, category),
                    urgent=urgent,
                    department=department,
                    actor=actor(info),
                )
            )
        )
        return EnterpriseRequest.from_proto(reply)

    @strawberry.mutation(description="Items 13, 19, 20: a leader's problem becomes a request in one step")
    async def open_request_from_problem(
        self,
        info: strawberry.Info,
        problem_id: strawberry.ID,
        category: RequestCategory | None = None,
        urgent: bool = False,
    ) -> EnterpriseRequest:
        reply = await call(
            info.context.clients.officers.OpenRequestFromProblem(
                pb.OpenRequestFromProblemRequest(
                    problem_id=str(problem_id),
                    category=to_proto(pb.RequestCategory, category),
                    urgent=urgent,
                    actor=actor(info),
                )
            )
        )
        return EnterpriseRequest.from_proto(reply)

    @strawberry.mutation(description="Item 13: within its remit, the department agrees an answer deadline")
    async def agree_answer_deadline(
        self, info: strawberry.Info, request_id: strawberry.ID, department: str, answer_by: datetime
    ) -> EnterpriseRequest:
        reply = await call(
            info.context.clients.officers.AgreeAnswerDeadline(
                pb.AgreeAnswerDeadlineRequest(
                    request_id=str(request_id), department=department, answer_by=stamp(answer_by), actor=actor(info)
                )
            )
        )
        return EnterpriseRequest.from_proto(reply)

    @strawberry.mutation(description="Item 13: outside its remit, hand the request to the responsible department")
    async def hand_over_request(
        self, info: strawberry.Info, request_id: strawberry.ID, from_department: str, to_department: str, reason: str
    ) -> EnterpriseRequest:
        reply = await call(
            info.context.clients.officers.HandOver(
                pb.HandOverRequest(
                    request_id=str(request_id),
                    from_department=from_department,
                    to_department=to_department,
                    reason=reason,
                    actor=actor(info),
                )
            )
        )
        return EnterpriseRequest.from_proto(reply)

    @strawberry.mutation(description="Item 13: the receiving department accepts and becomes accountable")
    async def accept_hand_over(
        self, info: strawberry.Info, request_id: strawberry.ID, department: str
    ) -> EnterpriseRequest:
        reply = await call(
            info.context.clients.officers.AcceptHandOver(
                pb.AcceptHandOverRequest(request_id=str(request_id), department=department, actor=actor(info))
            )
        )
        return EnterpriseRequest.from_proto(reply)

    @strawberry.mutation(description="Item 13: the receiving department declines, saying why")
    async def decline_hand_over(
        self, info: strawberry.Info, request_id: strawberry.ID, department: str, reason: str
    ) -> EnterpriseRequest:
        reply = await call(
            info.context.clients.officers.DeclineHandOver(
                pb.DeclineHandOverRequest(
                    request_id=str(request_id), department=department, reason=reason, actor=actor(info)
                )
            )
        )
        return EnterpriseRequest.from_proto(reply)

    @strawberry.mutation(description="Item 13: the accountable department completes the request with its outcome")
    async def complete_request(
        self, info: strawberry.Info, request_id: strawberry.ID, department: str, outcome: RequestOutcome, summary: str
    ) -> EnterpriseRequest:
        reply = await call(
            info.context.clients.officers.CompleteRequest(
                pb.CompleteRequestRequest(
                    request_id=str(request_id),
                    department=department,
                    outcome=to_proto(pb.Outcome, outcome),
                    summary=summary,
                    actor=actor(info),
                )
            )
        )
        return EnterpriseRequest.from_proto(reply)

    @strawberry.mutation(description="Item 17: the enterprise rates a completed service, once (1 to 5)")
    async def rate_request(self, info: strawberry.Info, request_id: strawberry.ID, score: int,
                           comment: str = "") -> EnterpriseRequest:
        principal = info.context.principal
        if principal.role is Role.ENTERPRISE:
            found = await info.context.loaders.officers.requests.load(str(request_id))
            if found is None or found.enterprise_id != principal.enterprise_id:
                raise forbidden("an enterprise rates only its own requests", "Mutation.rateRequest")
        reply = await call(info.context.clients.officers.RateRequest(pb.RateRequestRequest(
            request_id=str(request_id), score=score, comment=comment, actor=actor(info))))
        return EnterpriseRequest.from_proto(reply)

    # ---- item 7 ----
    @strawberry.mutation(description="Item 7: the service centre takes the request as agent")
    async def take_as_agent(
        self,
        info: strawberry.Info,
        request_id: strawberry.ID,
        centre: JurisdictionInput,
        mode: AgencyMode,
        method: AgencyMethod,
        agent: PersonInput,
    ) -> EnterpriseRequest:
        reply = await call(
            info.context.clients.officers.TakeAsAgent(
                pb.TakeAsAgentRequest(
                    request_id=str(request_id),
                    centre=centre.to_proto(),
                    mode=to_proto(pb.AgencyMode, mode),
                    method=to_proto(pb.AgencyMethod, method),
                    agent=agent.to_proto(),
                    actor=actor(info),
                )
            )
        )
        return EnterpriseRequest.from_proto(reply)

    @strawberry.mutation(description="Item 7: record a step on the enterprise's behalf (new without stepId)")
    async def record_agency_step(
        self,
        info: strawberry.Info,
        request_id: strawberry.ID,
        status: AgencyStepStatus,
        step_id: strawberry.ID | None = None,
        department: str = "",
        permit: str = "",
        note: str = "",
    ) -> EnterpriseRequest:
        reply = await call(
            info.context.clients.officers.RecordAgencyStep(
                pb.RecordAgencyStepRequest(
                    request_id=str(request_id),
                    step_id=str(step_id or ""),
                    department=department,
                    permit=permit,
                    status=to_proto(pb.StepStatus, status),
                    note=note,
                    actor=actor(info),
                )
            )
        )
        return EnterpriseRequest.from_proto(reply)

    @strawberry.mutation(description="Item 7: propose that a government leader take charge of the matter")
    async def propose_leader_take_charge(
        self, info: strawberry.Info, request_id: strawberry.ID, leader: str, reason: str
    ) -> EnterpriseRequest:
        reply = await call(
            info.context.clients.officers.ProposeLeaderTakeCharge(
                pb.ProposeLeaderTakeChargeRequest(
                    request_id=str(request_id), leader=leader, reason=reason, actor=actor(info)
                )
            )
        )
        return EnterpriseRequest.from_proto(reply)

    @strawberry.mutation(description="Item 7: file a finished month's report with the optimisation office")
    async def file_agency_monthly_report(
        self, info: strawberry.Info, centre: JurisdictionInput, month: str
    ) -> AgencyMonthlyReport:
        reply = await call(
            info.context.clients.officers.FileAgencyMonthlyReport(
                pb.GetAgencyMonthlyReportRequest(centre=centre.to_proto(), month=month, actor=actor(info))
            )
        )
        return AgencyMonthlyReport.from_proto(reply)

    # ---- item 8 ----
    @strawberry.mutation(description="Item 8: lead-handle an eligible project (facts from the registry if omitted)")
    async def start_lead_handling(
        self,
        info: strawberry.Info,
        project_id: strawberry.ID,
        office: JurisdictionInput,
        enterprise_id: strawberry.ID | None = None,
        facts: ProjectFactsInput | None = None,
        designation: DesignationInput | None = None,
        fits_industrial_policy: bool = False,
    ) -> LeadHandledProject:
        reply = await call(
            info.context.clients.officers.StartLeadHandling(
                pb.StartLeadHandlingRequest(
                    project_id=str(project_id),
                    enterprise_id=str(enterprise_id or ""),
                    office=office.to_proto(),
                    facts=facts.to_proto() if facts else None,
                    designation=designation.to_proto() if designation else None,
                    fits_industrial_policy=fits_industrial_policy,
                    actor=actor(info),
                )
            )
        )
        return LeadHandledProject.from_proto(reply)

    @strawberry.mutation(description="Item 8: set lead handlers and agents (counts and ranks are checked)")
    async def set_staffing(
        self, info: strawberry.Info, project_id: strawberry.ID, units: list[StaffingUnitInput]
    ) -> LeadHandledProject:
        reply = await call(
            info.context.clients.officers.SetStaffing(
                pb.SetStaffingRequest(
                    project_id=str(project_id), units=[u.to_proto() for u in units], actor=actor(info)
                )
            )
        )
        return LeadHandledProject.from_proto(reply)

    @strawberry.mutation(description="Item 8: track a procedure or utility hook-up with its due date")
    async def open_procedure(
        self, info: strawberry.Info, project_id: strawberry.ID, kind: ProcedureKind, department: str, due_at: datetime
    ) -> LeadHandledProject:
        reply = await call(
            info.context.clients.officers.OpenProcedure(
                pb.OpenProcedureRequest(
                    project_id=str(project_id),
                    kind=to_proto(pb.ProcedureKind, kind),
                    department=department,
                    due_at=stamp(due_at),
                    actor=actor(info),
                )
            )
        )
        return LeadHandledProject.from_proto(reply)

    @strawberry.mutation(description="Item 8: move a procedure's status")
    async def update_procedure(
        self,
        info: strawberry.Info,
        project_id: strawberry.ID,
        kind: ProcedureKind,
        status: ProcedureStatus,
        note: str = "",
    ) -> LeadHandledProject:
        reply = await call(
            info.context.clients.officers.UpdateProcedure(
                pb.UpdateProcedureRequest(
                    project_id=str(project_id),
                    kind=to_proto(pb.ProcedureKind, kind),
                    status=to_proto(pb.ProcedureStatus, status),
                    note=note,
                    actor=actor(info),
                )
            )
        )
        return LeadHandledProject.from_proto(reply)

    # ---- item 14 ----
    @strawberry.mutation(description="Item 14: the section reports a non-approval with reasons and a suggestion")
    async def report_non_approval(
        self,
        info: strawberry.Info,
        subject_kind: NonApprovalSubjectKind,
        subject_id: str,
        agency: str,
        kind: NonApprovalKind,
        handler: str,
        reasons: str,
        suggestion: str,
    ) -> NonApproval:
        reply = await call(
            info.context.clients.officers.ReportNonApproval(
                pb.ReportNonApprovalRequest(
                    subject_kind=to_proto(pb.SubjectKind, subject_kind),
                    subject_id=subject_id,
                    agency=agency,
                    kind=to_proto(pb.NonApprovalKind, kind),
                    handler=handler,
                    reasons=reasons,
                    suggestion=suggestion,
                    actor=actor(info),
                )
            )
        )
        return NonApproval.from_proto(reply)

    @strawberry.mutation(description="Item 14: the awaited level approves, or confirms and passes the report up")
    async def decide_non_approval(
        self,
        info: strawberry.Info,
        non_approval_id: strawberry.ID,
        level: ApprovalLevel,
        approve: bool,
        decided_by: str,
        reasons: str = "",
        suggestion: str = "",
    ) -> NonApproval:
        reply = await call(
            info.context.clients.officers.DecideNonApproval(
                pb.DecideNonApprovalRequest(
                    non_approval_id=str(non_approval_id),
                    level=to_proto(pb.ApprovalLevel, level),
                    approve=approve,
                    decided_by=decided_by,
                    reasons=reasons,
                    suggestion=suggestion,
                    actor=actor(info),
                )
            )
        )
        return NonApproval.from_proto(reply)
