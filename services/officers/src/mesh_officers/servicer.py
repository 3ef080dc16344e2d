"""gRPC in and out for the chief service officers service; conversion at the edge, rules elsewhere."""

from __future__ import annotations

from collections.abc import Sequence

import grpc

from mesh.officers.v1 import officers_pb2 as pb
from mesh.officers.v1 import officers_pb2_grpc as pb_grpc
from mesh_officers import convert as c
from mesh_officers import territory
from mesh_officers.domain import agency, nonapproval, officers, projects, requests
from mesh_officers.domain.common import TargetKind
from mesh_officers.repository import (
    NON_APPROVALS,
    OFFICERS,
    PLEDGES,
    PROJECTS,
    REQUESTS,
    SUPERVISION,
    Repository,
    cursor_of,
)
from mesh_officers.workflows.agency import AgencyDesk
from mesh_officers.workflows.nonapprovals import NonApprovalDesk, level_clock_id
from mesh_officers.workflows.officers import OfficerDesk
from mesh_officers.workflows.projects import ProjectDesk, procedure_clock_id
from mesh_officers.workflows.requests import NewRequest, RequestDesk, clock_ids
from meshlib.errors import InvalidArgument, NotFound
from meshlib.mongo import Document
from meshlib.windows import window

MAX_BATCH = 500


class OfficersServicer(pb_grpc.OfficersServiceServicer):
    def __init__(
        self,
        repo: Repository,
        officers_desk: OfficerDesk,
        request_desk: RequestDesk,
        agency_desk: AgencyDesk,
        project_desk: ProjectDesk,
        non_approval_desk: NonApprovalDesk,
    ) -> None:
        self._repo = repo
        self._officers = officers_desk
        self._requests = request_desk
        self._agency = agency_desk
        self._projects = project_desk
        self._non_approvals = non_approval_desk

    # ------------------------------------------------------------ conversions needing clocks

    async def _requests_out(self, docs: Sequence[Document]) -> list[pb.EnterpriseRequest]:
        ids = {d["_id"]: clock_ids(d) for d in docs}
        clocks = await self._repo.clocks([i for v in ids.values() for i in v])
        now = self._repo.now()
        return [c.request_out(d, clocks, ids[d["_id"]], now) for d in docs]

    async def _request_out(self, doc: Document) -> pb.EnterpriseRequest:
        return (await self._requests_out([doc]))[0]

    async def _projects_out(self, docs: Sequence[Document]) -> list[pb.LeadHandledProject]:
        clocks = await self._repo.clocks(
            [procedure_clock_id(d["_id"], projects.ProcedureKind(k)) for d in docs for k in d["procedures"]]
        )
        now = self._repo.now()
        return [c.project_out(d, clocks, now) for d in docs]

    async def _project_out(self, doc: Document) -> pb.LeadHandledProject:
        return (await self._projects_out([doc]))[0]

    async def _non_approvals_out(self, docs: Sequence[Document]) -> list[pb.NonApproval]:
        clocks = await self._repo.clocks([level_clock_id(d["_id"], nonapproval.Level(d["level"])) for d in docs])
        now = self._repo.now()
        return [c.non_approval_out(d, clocks, now) for d in docs]

    async def _pledges_out(self, docs: Sequence[Document]) -> list[pb.Pledge]:
        clocks = await self._repo.clocks([f"pledge:{d['_id']}" for d in docs])
        now = self._repo.now()
        return [c.pledge_out(d, clocks, now) for d in docs]

    async def _supervision_out(self, docs: Sequence[Document]) -> list[pb.SupervisionItem]:
        clocks = await self._repo.clocks([f"supervision:{d['_id']}" for d in docs])
        now = self._repo.now()
        return [c.supervision_out(d, clocks, now) for d in docs]

    # ------------------------------------------------------------ officers (item 6)

    async def DispatchOfficer(
        self, request: pb.DispatchOfficerRequest, context: grpc.aio.ServicerContext
    ) -> pb.Officer:
        doc = await self._officers.dispatch(
            c.person_in(request.officer, "officer"),
            c.from_pb(pb.TargetKind, request.target_kind, TargetKind, "target_kind"),
            request.target_id,
            request.enterprise_id,
            c.jurisdiction_in(request.office, "office"),
            c.basis_in(request.basis),
            request.actor,
        )
        return c.officer_out(doc)

    async def AddGroupMembers(
        self, request: pb.AddGroupMembersRequest, context: grpc.aio.ServicerContext
    ) -> pb.Officer:
        members = [c.person_in(m, f"members[{i}]") for i, m in enumerate(request.members)]
        return c.officer_out(
            await self._officers.add_members(request.officer_id, request.proposal, members, request.actor)
        )

    async def ReleaseGroupMember(
        self, request: pb.ReleaseGroupMemberRequest, context: grpc.aio.ServicerContext
    ) -> pb.Officer:
        return c.officer_out(
            await self._officers.release_member(request.officer_id, request.person_id, request.reason, request.actor)
        )

    async def GetOfficer(self, request: pb.GetOfficerRequest, context: grpc.aio.ServicerContext) -> pb.Officer:
        doc = await self._repo.get(OFFICERS, request.id)
        if doc is None:
            raise NotFound(f"no officer with id {request.id!r}", rule="officer-exists", field="id")
        return c.officer_out(doc)

    async def BatchGetOfficers(
        self, request: pb.BatchGetOfficersRequest, context: grpc.aio.ServicerContext
    ) -> pb.BatchGetOfficersResponse:
        docs = await self._repo.get_many(OFFICERS, list(request.ids)[:MAX_BATCH])
        return pb.BatchGetOfficersResponse(officers=[c.officer_out(d) for d in docs])

    async def OfficersByTargets(
        self, request: pb.OfficersByTargetsRequest, context: grpc.aio.ServicerContext
    ) -> pb.OfficersByTargetsResponse:
        ids = list(request.target_ids)[:MAX_BATCH]
        docs = await self._repo.find(
            OFFICERS, {"$or": [{"target_id": {"$in": ids}}, {"enterprise_id": {"$in": ids}}]}
        )
        # In dispatch order. Sorted here rather than by the server: the caller groups by target, a few
        # officers each, and the server would have to sort the merged result of two index scans in memory.
        docs.sort(key=lambda d: (d["dispatched_at"], d["_id"]))
        return pb.OfficersByTargetsResponse(officers=[c.officer_out(d) for d in docs])

    async def FilePledge(self, request: pb.FilePledgeRequest, context: grpc.aio.ServicerContext) -> pb.Pledge:
        doc = await self._officers.file_pledge(
            request.officer_id, request.commitments, c.dt(request.due_at, "due_at"), request.actor
        )
        return (await self._pledges_out([doc]))[0]

    async def AssessPledge(self, request: pb.AssessPledgeRequest, context: grpc.aio.ServicerContext) -> pb.Pledge:
        doc = await self._officers.assess_pledge(request.pledge_id, request.kept, request.finding, request.actor)
        return (await self._pledges_out([doc]))[0]

    async def OpenSupervision(
        self, request: pb.OpenSupervisionRequest, context: grpc.aio.ServicerContext
    ) -> pb.SupervisionItem:
        doc = await self._officers.open_supervision(
            request.officer_id, request.task, c.dt(request.due_at, "due_at"), request.actor
        )
        return (await self._supervision_out([doc]))[0]

    async def CloseSupervision(
        self, request: pb.CloseSupervisionRequest, context: grpc.aio.ServicerContext
    ) -> pb.SupervisionItem:
        finding = c.from_pb(pb.Finding, request.finding, officers.Finding, "finding")
        doc = await self._officers.close_supervision(request.supervision_id, finding, request.note, request.actor)
        return (await self._supervision_out([doc]))[0]

    async def RecordReward(self, request: pb.RecordRewardRequest, context: grpc.aio.ServicerContext) -> pb.Reward:
        evidence = [
            officers.Evidence(
                c.from_pb(pb.EvidenceKind, e.kind, officers.EvidenceKind, f"evidence[{i}].kind"),
                e.ref,
                e.rating,
                e.note,
            )
            for i, e in enumerate(request.evidence)
        ]
        doc = await self._officers.record_reward(
            request.officer_id,
            request.recipient_person_id,
            c.from_pb(pb.RewardKind, request.kind, officers.RewardKind, "kind"),
            c.from_pb(pb.Authority, request.authority, officers.Authority, "authority"),
            c.jurisdiction_in(request.authority_level, "authority_level"),
            request.citation,
            evidence,
            request.actor,
        )
        return c.reward_out(doc)

    async def BatchGetOfficerDossiers(
        self, request: pb.BatchGetOfficerDossiersRequest, context: grpc.aio.ServicerContext
    ) -> pb.BatchGetOfficerDossiersResponse:
        known = {d["_id"] for d in await self._repo.get_many(OFFICERS, list(request.officer_ids)[:MAX_BATCH])}
        found = await self._officers.dossiers([i for i in request.officer_ids if i in known])
        now = self._repo.now()
        return pb.BatchGetOfficerDossiersResponse(
            dossiers=[
                pb.OfficerDossier(
                    officer_id=oid,
                    pledges=[c.pledge_out(p, d["clocks"], now) for p in d["pledges"]],
                    supervision=[c.supervision_out(s, d["clocks"], now) for s in d["supervision"]],
                    rewards=[c.reward_out(r) for r in d["rewards"]],
                    record=c.record_out(oid, d["record"]),
                )
                for oid, d in found.items()
            ]
        )

    async def BatchGetPledges(
        self, request: pb.BatchGetPledgesRequest, context: grpc.aio.ServicerContext
    ) -> pb.BatchGetPledgesResponse:
        docs = await self._repo.get_many(PLEDGES, list(request.ids)[:MAX_BATCH])
        return pb.BatchGetPledgesResponse(pledges=await self._pledges_out(docs))

    async def BatchGetSupervisionItems(
        self, request: pb.BatchGetSupervisionItemsRequest, context: grpc.aio.ServicerContext
    ) -> pb.BatchGetSupervisionItemsResponse:
        docs = await self._repo.get_many(SUPERVISION, list(request.ids)[:MAX_BATCH])
        return pb.BatchGetSupervisionItemsResponse(items=await self._supervision_out(docs))

    # ------------------------------------------------------------ requests (item 13)

    async def OpenRequest(
        self, request: pb.OpenRequestRequest, context: grpc.aio.ServicerContext
    ) -> pb.EnterpriseRequest:
        new = NewRequest(
            enterprise_id=request.enterprise_id,
            project_id=request.project_id,
            officer_id=request.officer_id,
            source=c.from_pb(pb.RequestSource, request.source, requests.Source, "source"),
            source_ref="",
            subject=request.subject,
            category=c.from_pb(pb.RequestCategory, request.category, requests.Category, "category"),
            urgent=request.urgent,
            department=request.department,
        )
        if new.source is requests.Source.LEADER_PROBLEM:
            raise InvalidArgument(
                "a leader's problem becomes a request through OpenRequestFromProblem",
                rule="problem-request",
                item="Item 13",
                field="source",
            )
        return await self._request_out(await self._requests.open(new, request.actor))

    async def OpenRequestFromProblem(
        self, request: pb.OpenRequestFromProblemRequest, context: grpc.aio.ServicerContext
    ) -> pb.EnterpriseRequest:
        category = (
            c.from_pb(pb.RequestCategory, request.category, requests.Category, "category") if request.category else None
        )
        doc = await self._requests.open_from_problem(request.problem_id, category, request.urgent, request.actor)
        return await self._request_out(doc)

    async def AgreeAnswerDeadline(
        self, request: pb.AgreeAnswerDeadlineRequest, context: grpc.aio.ServicerContext
    ) -> pb.EnterpriseRequest:
        doc = await self._requests.agree_answer_deadline(
            request.request_id, request.department.strip(), c.dt(request.answer_by, "answer_by"), request.actor
        )
        return await self._request_out(doc)

    async def HandOver(self, request: pb.HandOverRequest, context: grpc.aio.ServicerContext) -> pb.EnterpriseRequest:
        doc = await self._requests.hand_over(
            request.request_id, request.from_department, request.to_department, request.reason, request.actor
        )
        return await self._request_out(doc)

    async def AcceptHandOver(
        self, request: pb.AcceptHandOverRequest, context: grpc.aio.ServicerContext
    ) -> pb.EnterpriseRequest:
        doc = await self._requests.accept_hand_over(request.request_id, request.department, request.actor)
        return await self._request_out(doc)

    async def DeclineHandOver(
        self, request: pb.DeclineHandOverRequest, context: grpc.aio.ServicerContext
    ) -> pb.EnterpriseRequest:
        doc = await self._requests.decline_hand_over(
            request.request_id, request.department, request.reason, request.actor
        )
        return await self._request_out(doc)

    async def CompleteRequest(
        self, request: pb.CompleteRequestRequest, context: grpc.aio.ServicerContext
    ) -> pb.EnterpriseRequest:
        outcome = c.from_pb(pb.Outcome, request.outcome, requests.Outcome, "outcome")
        doc = await self._requests.complete(
            request.request_id, request.department, outcome, request.summary, request.actor
        )
        return await self._request_out(doc)

    async def RateRequest(
        self, request: pb.RateRequestRequest, context: grpc.aio.ServicerContext
    ) -> pb.EnterpriseRequest:
        doc = await self._requests.rate(request.request_id, request.score, request.comment, request.actor)
        return await self._request_out(doc)

    async def GetRequest(
        self, request: pb.GetRequestRequest, context: grpc.aio.ServicerContext
    ) -> pb.EnterpriseRequest:
        doc = await self._repo.get(REQUESTS, request.id)
        if doc is None:
            raise NotFound(f"no request with id {request.id!r}", rule="request-exists", field="id")
        return await self._request_out(doc)

    async def BatchGetRequests(
        self, request: pb.BatchGetRequestsRequest, context: grpc.aio.ServicerContext
    ) -> pb.BatchGetRequestsResponse:
        docs = await self._repo.get_many(REQUESTS, list(request.ids)[:MAX_BATCH])
        return pb.BatchGetRequestsResponse(requests=await self._requests_out(docs))

    async def RequestsByEnterprises(
        self, request: pb.RequestsByEnterprisesRequest, context: grpc.aio.ServicerContext
    ) -> pb.RequestsByEnterprisesResponse:
        docs = await self._repo.find(
            REQUESTS,
            {"enterprise_id": {"$in": list(request.enterprise_ids)[:MAX_BATCH]}},
            sort=[("opened_at", -1), ("_id", -1)],
        )
        return pb.RequestsByEnterprisesResponse(requests=await self._requests_out(docs))

    async def ListRequests(
        self, request: pb.ListRequestsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListRequestsResponse:
        f = request.filter
        query: Document = {}
        if f.HasField("enterprise_id"):
            query["enterprise_id"] = f.enterprise_id
        if f.HasField("officer_id"):
            query["officer_id"] = f.officer_id
        if f.HasField("department"):
            query["accountable_department"] = f.department
        if f.HasField("state"):
            query["state"] = c.from_pb(pb.RequestState, f.state, requests.RequestState, "filter.state").value
        if f.HasField("category"):
            query["category"] = c.from_pb(pb.RequestCategory, f.category, requests.Category, "filter.category").value
        if f.HasField("county_code"):
            query[territory.COUNTY] = f.county_code  # item 9
        opened = window(f, "opened_after", "opened_before", "filter").condition()
        if opened is not None:  # served with the order by newest_first, or by_county after the county
            query["opened_at"] = opened
        if f.HasField("overdue"):
            late = {"state": {"$ne": requests.RequestState.COMPLETED.value}, "due_at": {"$lt": self._repo.now()}}
            query.update(late if f.overdue else {"$nor": [late]})
        docs, token = await self._repo.page(REQUESTS, query, "opened_at", request.page_size, request.page_token)
        return pb.ListRequestsResponse(
            requests=await self._requests_out(docs),
            next_page_token=token,
            cursors=[cursor_of(d, "opened_at") for d in docs],
        )

    # ------------------------------------------------------------ agency (item 7)

    async def TakeAsAgent(
        self, request: pb.TakeAsAgentRequest, context: grpc.aio.ServicerContext
    ) -> pb.EnterpriseRequest:
        doc = await self._agency.take(
            request.request_id,
            c.jurisdiction_in(request.centre, "centre"),
            c.from_pb(pb.AgencyMode, request.mode, agency.Mode, "mode"),
            c.from_pb(pb.AgencyMethod, request.method, agency.Method, "method"),
            c.person_in(request.agent, "agent"),
            request.actor,
        )
        return await self._request_out(doc)

    async def RecordAgencyStep(
        self, request: pb.RecordAgencyStepRequest, context: grpc.aio.ServicerContext
    ) -> pb.EnterpriseRequest:
        doc = await self._agency.record_step(
            request.request_id,
            request.step_id,
            request.department,
            request.permit,
            c.from_pb(pb.StepStatus, request.status, agency.StepStatus, "status"),
            request.note,
            request.actor,
        )
        return await self._request_out(doc)

    async def ProposeLeaderTakeCharge(
        self, request: pb.ProposeLeaderTakeChargeRequest, context: grpc.aio.ServicerContext
    ) -> pb.EnterpriseRequest:
        doc = await self._agency.propose_leader(request.request_id, request.leader, request.reason, request.actor)
        return await self._request_out(doc)

    async def GetAgencyMonthlyReport(
        self, request: pb.GetAgencyMonthlyReportRequest, context: grpc.aio.ServicerContext
    ) -> pb.AgencyMonthlyReport:
        centre = c.jurisdiction_in(request.centre, "centre")
        return c.report_out(await self._agency.monthly_report(centre, request.month))

    async def FileAgencyMonthlyReport(
        self, request: pb.GetAgencyMonthlyReportRequest, context: grpc.aio.ServicerContext
    ) -> pb.AgencyMonthlyReport:
        centre = c.jurisdiction_in(request.centre, "centre")
        return c.report_out(await self._agency.file_report(centre, request.month, request.actor))

    # ------------------------------------------------------------ lead-handling (item 8)

    async def CheckLeadHandlingEligibility(
        self, request: pb.CheckLeadHandlingEligibilityRequest, context: grpc.aio.ServicerContext
    ) -> pb.Eligibility:
        result = projects.eligibility(c.facts_in(request.facts))
        return pb.Eligibility(
            eligible=result.eligible,
            basis=c.to_pb(pb.EligibilityBasis, result.basis.value if result.basis else None),
            rule=result.rule,
        )

    async def StartLeadHandling(
        self, request: pb.StartLeadHandlingRequest, context: grpc.aio.ServicerContext
    ) -> pb.LeadHandledProject:
        doc = await self._projects.start(
            request.project_id,
            request.enterprise_id,
            c.jurisdiction_in(request.office, "office"),
            c.facts_in(request.facts) if request.HasField("facts") else None,
            c.designation_in(request.designation) if request.HasField("designation") else None,
            request.fits_industrial_policy,
            request.actor,
        )
        return await self._project_out(doc)

    async def SetStaffing(
        self, request: pb.SetStaffingRequest, context: grpc.aio.ServicerContext
    ) -> pb.LeadHandledProject:
        units = [
            projects.StaffingUnit(
                unit=u.unit,
                kind=c.from_pb(pb.UnitKind, u.kind, projects.UnitKind, f"units[{i}].kind"),
                lead_handlers=[c.person_in(p, f"units[{i}].lead_handlers[{j}]") for j, p in enumerate(u.lead_handlers)],
                agents=[c.person_in(p, f"units[{i}].agents[{j}]") for j, p in enumerate(u.agents)],
            )
            for i, u in enumerate(request.units)
        ]
        return await self._project_out(await self._projects.set_staffing(request.project_id, units, request.actor))

    async def OpenProcedure(
        self, request: pb.OpenProcedureRequest, context: grpc.aio.ServicerContext
    ) -> pb.LeadHandledProject:
        doc = await self._projects.open_procedure(
            request.project_id,
            c.from_pb(pb.ProcedureKind, request.kind, projects.ProcedureKind, "kind"),
            request.department,
            c.dt(request.due_at, "due_at"),
            request.actor,
        )
        return await self._project_out(doc)

    async def UpdateProcedure(
        self, request: pb.UpdateProcedureRequest, context: grpc.aio.ServicerContext
    ) -> pb.LeadHandledProject:
        doc = await self._projects.update_procedure(
            request.project_id,
            c.from_pb(pb.ProcedureKind, request.kind, projects.ProcedureKind, "kind"),
            c.from_pb(pb.ProcedureStatus, request.status, projects.ProcedureStatus, "status"),
            request.note,
            request.actor,
        )
        return await self._project_out(doc)

    async def BatchGetLeadHandledProjects(
        self, request: pb.BatchGetLeadHandledProjectsRequest, context: grpc.aio.ServicerContext
    ) -> pb.BatchGetLeadHandledProjectsResponse:
        docs = await self._repo.get_many(PROJECTS, list(request.project_ids)[:MAX_BATCH])
        return pb.BatchGetLeadHandledProjectsResponse(projects=await self._projects_out(docs))

    # ------------------------------------------------------------ non-approval (item 14)

    async def ReportNonApproval(
        self, request: pb.ReportNonApprovalRequest, context: grpc.aio.ServicerContext
    ) -> pb.NonApproval:
        doc = await self._non_approvals.report(
            c.from_pb(pb.SubjectKind, request.subject_kind, nonapproval.SubjectKind, "subject_kind"),
            request.subject_id,
            request.agency,
            c.from_pb(pb.NonApprovalKind, request.kind, nonapproval.Kind, "kind"),
            request.handler,
            request.reasons,
            request.suggestion,
            request.actor,
        )
        return (await self._non_approvals_out([doc]))[0]

    async def DecideNonApproval(
        self, request: pb.DecideNonApprovalRequest, context: grpc.aio.ServicerContext
    ) -> pb.NonApproval:
        doc = await self._non_approvals.decide(
            request.non_approval_id,
            c.from_pb(pb.ApprovalLevel, request.level, nonapproval.Level, "level"),
            request.approve,
            request.decided_by,
            request.reasons,
            request.suggestion,
            request.actor,
        )
        return (await self._non_approvals_out([doc]))[0]

    async def BatchGetNonApprovals(
        self, request: pb.BatchGetNonApprovalsRequest, context: grpc.aio.ServicerContext
    ) -> pb.BatchGetNonApprovalsResponse:
        docs = await self._repo.get_many(NON_APPROVALS, list(request.ids)[:MAX_BATCH])
        return pb.BatchGetNonApprovalsResponse(non_approvals=await self._non_approvals_out(docs))

    async def NonApprovalsBySubjects(
        self, request: pb.NonApprovalsBySubjectsRequest, context: grpc.aio.ServicerContext
    ) -> pb.NonApprovalsBySubjectsResponse:
        docs = await self._repo.find(
            NON_APPROVALS,
            {"subject_id": {"$in": list(request.subject_ids)[:MAX_BATCH]}},
            sort=[("reported_at", 1), ("_id", 1)],
        )
        return pb.NonApprovalsBySubjectsResponse(non_approvals=await self._non_approvals_out(docs))
