"""Lead-handled projects (item 8) and non-approval chains (item 14) in the graph."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from mesh.officers.v1 import officers_pb2 as pb
from mesh_gateway.contacts.types import Project, contacts_loaders
from mesh_gateway.county import in_county, row_county, sees, user_county
from mesh_gateway.officers.enums import (
    ApprovalLevel,
    EligibilityBasis,
    KeyProjectLevel,
    LeadHandlingSector,
    NonApprovalDecision,
    NonApprovalKind,
    NonApprovalState,
    NonApprovalSubjectKind,
    ProcedureKind,
    ProcedureStatus,
    StaffingUnitKind,
    from_proto,
    maybe_from_proto,
)
from mesh_gateway.officers.types import DeadlineInfo, Jurisdiction, Person, officers_loaders
from mesh_gateway.proto_time import maybe_timestamp as maybe_time
from mesh_gateway.proto_time import timestamp as time


@strawberry.type(description="Item 14: one level's part in the chain — who decided what, and when")
class NonApprovalStep:
    level: ApprovalLevel
    decision: NonApprovalDecision
    decided_by: str
    reasons: str
    suggestion: str
    at: datetime

    @classmethod
    def from_proto(cls, s: pb.NonApprovalStep) -> NonApprovalStep:
        return cls(
            level=from_proto(ApprovalLevel, pb.ApprovalLevel, s.level),
            decision=from_proto(NonApprovalDecision, pb.Decision, s.decision),
            decided_by=s.decided_by,
            reasons=s.reasons,
            suggestion=s.suggestion,
            at=time(s.at),
        )


@strawberry.type(description="Item 14: the filing with the city optimisation office of a head's non-approval")
class OfficeFiling:
    office: Jurisdiction
    filed_at: datetime
    basis: str


@strawberry.federation.type(keys=["id"], description="Item 14: a non-approval report climbing one level at a time")
class NonApproval:
    id: strawberry.ID
    subject_kind: NonApprovalSubjectKind
    subject_id: str
    agency: str
    kind: NonApprovalKind
    state: NonApprovalState
    level: ApprovalLevel = strawberry.field(description="Whose decision is awaited (pending), or who decided last")
    steps: list[NonApprovalStep]
    office_filing: OfficeFiling | None
    level_deadline: DeadlineInfo | None
    top_overdue: bool
    reported_at: datetime

    @classmethod
    def from_proto(cls, n: pb.NonApproval) -> NonApproval:
        filing = None
        if n.HasField("office_filing"):
            f = n.office_filing
            filing = OfficeFiling(office=Jurisdiction.from_proto(f.office), filed_at=time(f.filed_at), basis=f.basis)
        return cls(
            id=strawberry.ID(n.id),
            subject_kind=from_proto(NonApprovalSubjectKind, pb.SubjectKind, n.subject_kind),
            subject_id=n.subject_id,
            agency=n.agency,
            kind=from_proto(NonApprovalKind, pb.NonApprovalKind, n.kind),
            state=from_proto(NonApprovalState, pb.NonApprovalState, n.state),
            level=from_proto(ApprovalLevel, pb.ApprovalLevel, n.level),
            steps=[NonApprovalStep.from_proto(s) for s in n.steps],
            office_filing=filing,
            level_deadline=DeadlineInfo.maybe(n, "level_deadline"),
            top_overdue=n.top_overdue,
            reported_at=time(n.reported_at),
        )

    @classmethod
    async def resolve_reference(cls, info: strawberry.Info, id: strawberry.ID) -> NonApproval | None:
        found = await non_approval_in_county(info, await officers_loaders(info).non_approvals.load(str(id)))
        return None if found is None else cls.from_proto(found)


async def subject_county(info: strawberry.Info, kind: pb.SubjectKind.ValueType, subject_id: str) -> str | None:
    """Item 9: the county of a non-approval's subject — a request's, or a procedure's project's (None: none)."""
    if kind == pb.SUBJECT_KIND_REQUEST:
        return row_county(await officers_loaders(info).requests.load(subject_id))
    # A procedure's id is "<project id>/<procedure kind>"; a lead-handled project lies where its project does.
    return row_county(await contacts_loaders(info).projects.load(subject_id.split("/", 1)[0]))


async def non_approval_in_county(info: strawberry.Info, found: pb.NonApproval | None) -> pb.NonApproval | None:
    """The report, refused (naming the field) when its subject lies in another county, or in none (item 9)."""
    if found is None or user_county(info) is None:
        return found
    county = await subject_county(info, found.subject_kind, found.subject_id)
    return in_county(info, found, "non-approval", lambda _: county)


async def non_approvals_of(info: strawberry.Info, subject_id: str, county: str | None) -> list[NonApproval]:
    """A subject's reports; none for a county-level user when the subject (of ``county``) is not theirs (item 9)."""
    if not sees(user_county(info), county):
        return []
    return [NonApproval.from_proto(n) for n in await officers_loaders(info).non_approvals_of_subject.load(subject_id)]


@strawberry.type
class Eligibility:
    eligible: bool
    basis: EligibilityBasis | None
    rule: str = strawberry.field(description="The clause of item 8 that decided, in words")

    @classmethod
    def from_proto(cls, e: pb.Eligibility) -> Eligibility:
        return cls(
            eligible=e.eligible, basis=maybe_from_proto(EligibilityBasis, pb.EligibilityBasis, e.basis), rule=e.rule
        )


@strawberry.type(description="Item 8: the city government's designation of a project for lead-handling")
class Designation:
    by: str
    document: str
    designated_at: datetime


@strawberry.type(description="Item 8: a unit's lead handlers (领办员) and agents (代理员)")
class StaffingUnit:
    unit: str
    kind: StaffingUnitKind
    lead_handlers: list[Person]
    agents: list[Person]

    @classmethod
    def from_proto(cls, u: pb.StaffingUnit) -> StaffingUnit:
        return cls(
            unit=u.unit,
            kind=from_proto(StaffingUnitKind, pb.UnitKind, u.kind),
            lead_handlers=[Person.from_proto(p) for p in u.lead_handlers],
            agents=[Person.from_proto(p) for p in u.agents],
        )


@strawberry.type
class ProcedureChange:
    status: ProcedureStatus
    at: datetime
    by: str
    note: str


@strawberry.type(description="Item 8: a led pre-construction procedure or utility hook-up, with its due date")
class Procedure:
    id: str = strawberry.field(description='"<project id>/<kind>", the subject id of its non-approvals')
    kind: ProcedureKind
    utility_hookup: bool
    department: str
    status: ProcedureStatus
    due_at: datetime
    opened_at: datetime
    done_at: datetime | None
    history: list[ProcedureChange]
    deadline: DeadlineInfo | None

    @classmethod
    def from_proto(cls, p: pb.Procedure) -> Procedure:
        return cls(
            id=p.id,
            kind=from_proto(ProcedureKind, pb.ProcedureKind, p.kind),
            utility_hookup=p.utility_hookup,
            department=p.department,
            status=from_proto(ProcedureStatus, pb.ProcedureStatus, p.status),
            due_at=time(p.due_at),
            opened_at=time(p.opened_at),
            done_at=maybe_time(p, "done_at"),
            history=[
                ProcedureChange(
                    status=from_proto(ProcedureStatus, pb.ProcedureStatus, h.status),
                    at=time(h.at),
                    by=h.by,
                    note=h.note,
                )
                for h in p.history
            ],
            deadline=DeadlineInfo.maybe(p, "deadline"),
        )

    @strawberry.field(description="Item 14: non-approval reports about this procedure (item 9: for a county-level "
                                  "user, those of their county's projects)")
    async def non_approvals(self, info: strawberry.Info) -> list[NonApproval]:
        county = None
        if user_county(info) is not None:  # a city-wide user needs no look-up
            county = await subject_county(info, pb.SUBJECT_KIND_PROCEDURE, self.id)
        return await non_approvals_of(info, self.id, county)


@strawberry.type(description="Item 8: a lead-handled investment project")
class LeadHandledProject:
    project_id: strawberry.ID
    enterprise_id: strawberry.ID
    office: Jurisdiction
    sector: LeadHandlingSector
    investment_yuan: Decimal = strawberry.field(description="Total investment in CNY, exact to the fen")
    key_level: KeyProjectLevel
    fits_industrial_policy: bool
    designation: Designation | None
    eligibility: Eligibility
    started_at: datetime
    started_by: str
    staffing: list[StaffingUnit]
    procedures: list[Procedure]

    @classmethod
    def from_proto(cls, p: pb.LeadHandledProject) -> LeadHandledProject:
        f = p.facts
        designation = None
        if f.HasField("designation"):
            designation = Designation(
                by=f.designation.by, document=f.designation.document, designated_at=time(f.designation.designated_at)
            )
        return cls(
            project_id=strawberry.ID(p.project_id),
            enterprise_id=strawberry.ID(p.enterprise_id),
            office=Jurisdiction.from_proto(p.office),
            sector=from_proto(LeadHandlingSector, pb.Sector, f.sector),
            investment_yuan=Decimal(f.investment_fen).scaleb(-2),
            key_level=from_proto(KeyProjectLevel, pb.KeyLevel, f.key_level),
            fits_industrial_policy=f.fits_industrial_policy,
            designation=designation,
            eligibility=Eligibility.from_proto(p.eligibility),
            started_at=time(p.started_at),
            started_by=p.started_by,
            staffing=[StaffingUnit.from_proto(u) for u in p.staffing],
            procedures=[Procedure.from_proto(x) for x in p.procedures],
        )

    @strawberry.field(description="The project in the contacts registry")
    async def project(self, info: strawberry.Info) -> Project | None:
        found = await contacts_loaders(info).projects.load(str(self.project_id))
        return None if found is None else Project.from_proto(found)
