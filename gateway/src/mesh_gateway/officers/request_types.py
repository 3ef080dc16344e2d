"""Enterprise requests (item 13) with their agency (item 7), and the centres' monthly agency report."""

from __future__ import annotations

from datetime import datetime

import strawberry

from mesh.officers.v1 import officers_pb2 as pb
from mesh_gateway.contacts.types import Enterprise, contacts_loaders
from mesh_gateway.county import in_county
from mesh_gateway.officers.enums import (
    AgencyMethod,
    AgencyMode,
    AgencyStepStatus,
    HandOverState,
    RequestCategory,
    RequestOutcome,
    RequestSource,
    RequestState,
    from_proto,
    maybe_from_proto,
)
from mesh_gateway.officers.project_types import NonApproval, non_approvals_of
from mesh_gateway.officers.types import DeadlineInfo, Jurisdiction, Officer, Person, officers_loaders
from mesh_gateway.proto_time import maybe_timestamp as maybe_time
from mesh_gateway.proto_time import timestamp as time


@strawberry.type(description="Item 17: a rating after a service, 1 (very dissatisfied) to 5 (very satisfied)")
class ServiceRating:
    score: int
    comment: str
    rated_at: datetime
    rated_by: str


@strawberry.type(description="Item 13: one hand-over; the hander stays accountable until it is accepted")
class HandOver:
    seq: int
    from_department: str
    to_department: str
    reason: str
    handed_at: datetime
    handed_by: str
    state: HandOverState
    decided_at: datetime | None
    decided_by: str
    decline_reason: str

    @classmethod
    def from_proto(cls, h: pb.HandOver) -> HandOver:
        return cls(
            seq=h.seq,
            from_department=h.from_department,
            to_department=h.to_department,
            reason=h.reason,
            handed_at=time(h.handed_at),
            handed_by=h.handed_by,
            state=from_proto(HandOverState, pb.HandOverState, h.state),
            decided_at=maybe_time(h, "decided_at"),
            decided_by=h.decided_by,
            decline_reason=h.decline_reason,
        )


@strawberry.type
class AgencyStepChange:
    status: AgencyStepStatus
    at: datetime
    by: str
    note: str


@strawberry.type(description="Item 7: a step the centre takes on the enterprise's behalf")
class AgencyStep:
    id: strawberry.ID
    department: str
    permit: str
    status: AgencyStepStatus
    history: list[AgencyStepChange]

    @classmethod
    def from_proto(cls, s: pb.AgencyStep) -> AgencyStep:
        return cls(
            id=strawberry.ID(s.id),
            department=s.department,
            permit=s.permit,
            status=from_proto(AgencyStepStatus, pb.StepStatus, s.status),
            history=[
                AgencyStepChange(
                    status=from_proto(AgencyStepStatus, pb.StepStatus, h.status), at=time(h.at), by=h.by, note=h.note
                )
                for h in s.history
            ],
        )


@strawberry.type(description="Item 7: the centre's proposal that a government leader take charge")
class LeaderProposal:
    leader: str
    reason: str
    proposed_at: datetime
    proposed_by: str


@strawberry.type(description="Item 7: the service centre acting for the enterprise")
class Agency:
    centre: Jurisdiction
    mode: AgencyMode
    method: AgencyMethod
    agent: Person
    taken_at: datetime
    steps: list[AgencyStep]
    leader_proposals: list[LeaderProposal]

    @classmethod
    def from_proto(cls, a: pb.Agency) -> Agency:
        return cls(
            centre=Jurisdiction.from_proto(a.centre),
            mode=from_proto(AgencyMode, pb.AgencyMode, a.mode),
            method=from_proto(AgencyMethod, pb.AgencyMethod, a.method),
            agent=Person.from_proto(a.agent),
            taken_at=time(a.taken_at),
            steps=[AgencyStep.from_proto(s) for s in a.steps],
            leader_proposals=[
                LeaderProposal(
                    leader=p.leader, reason=p.reason, proposed_at=time(p.proposed_at), proposed_by=p.proposed_by
                )
                for p in a.leader_proposals
            ],
        )


@strawberry.federation.type(keys=["id"], description="Item 13: an enterprise's request, first-inquiry and time-limited")
class EnterpriseRequest:
    id: strawberry.ID
    enterprise_id: strawberry.ID
    project_id: str
    officer_id: str
    source: RequestSource
    source_ref: str = strawberry.field(description="The leader's problem id, for a request made from one")
    subject: str
    category: RequestCategory
    urgent: bool
    first_inquiry_department: str
    accountable_department: str
    state: RequestState
    opened_at: datetime
    opened_by: str
    due_at: datetime
    answer_by: datetime | None
    hand_overs: list[HandOver]
    outcome: RequestOutcome | None
    outcome_summary: str
    completed_at: datetime | None
    completed_by: str
    overdue: bool
    on_time: bool | None
    deadlines: list[DeadlineInfo] = strawberry.field(description="Completion, agreed answer and hand-over clocks")
    agency: Agency | None
    rating: ServiceRating | None = strawberry.field(default=None,
                                                    description="Item 17: the enterprise's rating of the service")
    county_code: str | None = strawberry.field(
        default=None, description="Item 9: the county its enterprise lies in; null until the officers service "
                                  "has heard where (then only city-wide users see the request)")

    @classmethod
    def from_proto(cls, r: pb.EnterpriseRequest) -> EnterpriseRequest:
        return cls(
            id=strawberry.ID(r.id),
            enterprise_id=strawberry.ID(r.enterprise_id),
            project_id=r.project_id,
            officer_id=r.officer_id,
            source=from_proto(RequestSource, pb.RequestSource, r.source),
            source_ref=r.source_ref,
            subject=r.subject,
            category=from_proto(RequestCategory, pb.RequestCategory, r.category),
            urgent=r.urgent,
            first_inquiry_department=r.first_inquiry_department,
            accountable_department=r.accountable_department,
            state=from_proto(RequestState, pb.RequestState, r.state),
            opened_at=time(r.opened_at),
            opened_by=r.opened_by,
            due_at=time(r.due_at),
            answer_by=maybe_time(r, "answer_by"),
            hand_overs=[HandOver.from_proto(h) for h in r.hand_overs],
            outcome=maybe_from_proto(RequestOutcome, pb.Outcome, r.outcome),
            outcome_summary=r.outcome_summary,
            completed_at=maybe_time(r, "completed_at"),
            completed_by=r.completed_by,
            overdue=r.overdue,
            on_time=r.on_time if r.HasField("on_time") else None,
            deadlines=[DeadlineInfo.from_proto(d) for d in r.deadlines],
            agency=Agency.from_proto(r.agency) if r.HasField("agency") else None,
            rating=ServiceRating(score=r.rating.score, comment=r.rating.comment, rated_at=time(r.rating.rated_at),
                                 rated_by=r.rating.rated_by) if r.HasField("rating") else None,
            county_code=r.county_code or None,
        )

    @strawberry.field(description="The enterprise's chief service officer on this request, if any")
    async def officer(self, info: strawberry.Info) -> Officer | None:
        if not self.officer_id:
            return None
        found = await officers_loaders(info).officers.load(self.officer_id)
        return None if found is None else Officer.from_proto(found)

    @strawberry.field(description="Item 14: non-approval reports about this request (item 9: for a county-level "
                                  "user, those of their county's requests)")
    async def non_approvals(self, info: strawberry.Info) -> list[NonApproval]:
        return await non_approvals_of(info, str(self.id), self.county_code)

    @strawberry.field(description="The enterprise (from the contacts registry)")
    async def enterprise(self, info: strawberry.Info) -> Enterprise | None:
        found = await contacts_loaders(info).enterprises.load(str(self.enterprise_id))
        return None if found is None else Enterprise.from_proto(found)

    @classmethod
    async def resolve_reference(cls, info: strawberry.Info, id: strawberry.ID) -> EnterpriseRequest | None:
        found = in_county(info, await officers_loaders(info).requests.load(str(id)), "request")
        return None if found is None else cls.from_proto(found)


@strawberry.type(description="Item 7: one mode and method's figures in a month (or the total)")
class AgencyReportRow:
    mode: AgencyMode | None
    method: AgencyMethod | None
    carried_over: int
    taken: int
    completed: int
    completed_on_time: int
    completed_late: int
    open_at_end: int
    overdue_at_end: int

    @classmethod
    def from_proto(cls, r: pb.AgencyReportRow) -> AgencyReportRow:
        return cls(
            mode=maybe_from_proto(AgencyMode, pb.AgencyMode, r.mode),
            method=maybe_from_proto(AgencyMethod, pb.AgencyMethod, r.method),
            carried_over=r.carried_over,
            taken=r.taken,
            completed=r.completed,
            completed_on_time=r.completed_on_time,
            completed_late=r.completed_late,
            open_at_end=r.open_at_end,
            overdue_at_end=r.overdue_at_end,
        )


@strawberry.type
class AgencyStepCount:
    status: AgencyStepStatus
    count: int


@strawberry.type(description="Item 7: a service centre's monthly report to its optimisation office")
class AgencyMonthlyReport:
    centre: Jurisdiction
    month: str
    period_start: datetime
    period_end: datetime
    rows: list[AgencyReportRow]
    total: AgencyReportRow
    steps_at_end: list[AgencyStepCount]
    leader_proposals: int
    fingerprint: str = strawberry.field(description="sha256 of the figures: the same month always gives the same")
    filed_at: datetime | None
    filed_by: str
    filed_with: Jurisdiction

    @classmethod
    def from_proto(cls, r: pb.AgencyMonthlyReport) -> AgencyMonthlyReport:
        return cls(
            centre=Jurisdiction.from_proto(r.centre),
            month=r.month,
            period_start=time(r.period_start),
            period_end=time(r.period_end),
            rows=[AgencyReportRow.from_proto(x) for x in r.rows],
            total=AgencyReportRow.from_proto(r.total),
            steps_at_end=[
                AgencyStepCount(status=from_proto(AgencyStepStatus, pb.StepStatus, s.status), count=s.count)
                for s in r.steps_at_end
            ],
            leader_proposals=r.leader_proposals,
            fingerprint=r.fingerprint,
            filed_at=maybe_time(r, "filed_at"),
            filed_by=r.filed_by,
            filed_with=Jurisdiction.from_proto(r.filed_with),
        )
