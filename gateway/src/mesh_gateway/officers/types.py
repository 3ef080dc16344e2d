"""Officers in the graph (item 6): officers, working groups, pledges, supervision, rewards, records; shared types."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime

import strawberry

from mesh.officers.v1 import officers_pb2 as pb
from mesh_gateway.contacts.types import Enterprise, Project, contacts_loaders
from mesh_gateway.county import in_county, of_county, row_county, user_county
from mesh_gateway.officers.enums import (
    CadreRank,
    EvidenceKind,
    OfficeLevel,
    PledgeStatus,
    RewardAuthority,
    RewardKind,
    ServiceTargetKind,
    SupervisionFinding,
    SupervisionStatus,
    from_proto,
    maybe_from_proto,
)
from mesh_gateway.officers.loaders import OfficersLoaders
from mesh_gateway.proto_time import maybe_timestamp as maybe_time
from mesh_gateway.proto_time import timestamp as time


def officers_loaders(info: strawberry.Info) -> OfficersLoaders:
    loaders: OfficersLoaders = info.context.loaders.officers
    return loaders


async def officer_counties(info: strawberry.Info, officers: Sequence[pb.Officer]) -> dict[str, str | None]:
    """Officer id -> the county of the enterprise or project the officer serves (item 9: the officer's county).

    Asked of the contacts registry (batched), and only for a county-level user: a city-wide user needs none.
    """
    if user_county(info) is None or not officers:
        return {}
    loaders = contacts_loaders(info)
    projects = [o for o in officers if o.target_kind == pb.TARGET_KIND_PROJECT]
    enterprises = [o for o in officers if o.target_kind != pb.TARGET_KIND_PROJECT]
    of_projects, of_enterprises = await asyncio.gather(
        loaders.projects.load_many([o.target_id for o in projects]),
        loaders.enterprises.load_many([o.target_id for o in enterprises]))
    targets = [*of_projects, *of_enterprises]  # a target the registry does not know is in no county
    return {o.id: row_county(t) for o, t in zip([*projects, *enterprises], targets, strict=True)}


async def officers_of_county(info: strawberry.Info, officers: Sequence[pb.Officer]) -> list[pb.Officer]:
    """The officers a county-level user may see: those serving what lies in their county (item 9)."""
    counties = await officer_counties(info, officers)
    return of_county(info, officers, lambda o: counties.get(o.id))


async def officer_in_county(info: strawberry.Info, officer: pb.Officer | None) -> pb.Officer | None:
    """The officer, refused (naming the field) when they serve what lies in another county (item 9)."""
    counties = await officer_counties(info, [] if officer is None else [officer])
    return in_county(info, officer, "officer", lambda o: counties.get(o.id))


@strawberry.type(description="An optimisation office or service centre: the city's, or a county's")
class Jurisdiction:
    level: OfficeLevel
    county_code: str

    @classmethod
    def from_proto(cls, j: pb.Jurisdiction) -> Jurisdiction:
        return cls(level=from_proto(OfficeLevel, pb.Level, j.level), county_code=j.county_code)


@strawberry.type
class Person:
    id: strawberry.ID
    name: str
    department: str
    rank: CadreRank
    post: str

    @classmethod
    def from_proto(cls, p: pb.Person) -> Person:
        return cls(
            id=strawberry.ID(p.id),
            name=p.name,
            department=p.department,
            rank=from_proto(CadreRank, pb.Rank, p.rank),
            post=p.post,
        )


@strawberry.type(description="A clock from the shared deadline model: who must act by when, and how it went")
class DeadlineInfo:
    id: str
    kind: str
    responsible: str
    due_at: datetime
    warn_at: datetime | None
    state: str = strawberry.field(description="pending, warned, breached, met or cancelled")
    met_at: datetime | None
    on_time: bool | None = strawberry.field(description="Unset while open and not yet due; open and overdue is late")
    clause: str
    escalate_to: str

    @classmethod
    def from_proto(cls, d: pb.DeadlineInfo) -> DeadlineInfo:
        return cls(
            id=d.id,
            kind=d.kind,
            responsible=d.responsible,
            due_at=time(d.due_at),
            warn_at=maybe_time(d, "warn_at"),
            state=d.state,
            met_at=maybe_time(d, "met_at"),
            on_time=d.on_time if d.HasField("on_time") else None,
            clause=d.clause,
            escalate_to=d.escalate_to,
        )

    @classmethod
    def maybe(cls, message: object, field: str) -> DeadlineInfo | None:
        return cls.from_proto(getattr(message, field)) if message.HasField(field) else None  # type: ignore[attr-defined]


@strawberry.type(description="Item 6: why the officer was dispatched — a leader's instruction or the enterprise's ask")
class DispatchBasis:
    kind: str = strawberry.field(description="leader_instruction or enterprise_ask")
    leader_id: str
    leader_name: str
    instruction: str
    contact: str
    note: str
    request_id: str
    at: datetime

    @classmethod
    def from_proto(cls, b: pb.DispatchBasis) -> DispatchBasis:
        if b.WhichOneof("basis") == "leader_instruction":
            li = b.leader_instruction
            return cls(
                kind="leader_instruction",
                leader_id=li.leader_id,
                leader_name=li.leader_name,
                instruction=li.instruction,
                contact="",
                note="",
                request_id="",
                at=time(li.instructed_at),
            )
        ea = b.enterprise_ask
        return cls(
            kind="enterprise_ask",
            leader_id="",
            leader_name="",
            instruction="",
            contact=ea.contact,
            note=ea.note,
            request_id=ea.request_id,
            at=time(ea.asked_at),
        )


@strawberry.type(description="Item 6: a membership of the working group; released ones stay in the history")
class GroupMembership:
    person: Person
    proposal: str
    joined_at: datetime
    released_at: datetime | None
    release_reason: str
    active: bool

    @classmethod
    def from_proto(cls, m: pb.GroupMembership) -> GroupMembership:
        return cls(
            person=Person.from_proto(m.person),
            proposal=m.proposal,
            joined_at=time(m.joined_at),
            released_at=maybe_time(m, "released_at"),
            release_reason=m.release_reason,
            active=m.active,
        )


@strawberry.type(description="Item 6: the working group's service pledge to the optimisation office of its level")
class Pledge:
    id: strawberry.ID
    officer_id: strawberry.ID
    office: Jurisdiction
    commitments: str
    due_at: datetime
    filed_at: datetime
    status: PledgeStatus
    finding: str
    assessed_at: datetime | None
    assessed_by: str
    deadline: DeadlineInfo | None

    @classmethod
    def from_proto(cls, p: pb.Pledge) -> Pledge:
        return cls(
            id=strawberry.ID(p.id),
            officer_id=strawberry.ID(p.officer_id),
            office=Jurisdiction.from_proto(p.office),
            commitments=p.commitments,
            due_at=time(p.due_at),
            filed_at=time(p.filed_at),
            status=from_proto(PledgeStatus, pb.PledgeStatus, p.status),
            finding=p.finding,
            assessed_at=maybe_time(p, "assessed_at"),
            assessed_by=p.assessed_by,
            deadline=DeadlineInfo.maybe(p, "deadline"),
        )


@strawberry.type(description="Item 6: follow-up supervision (跟踪督办) of an officer's work")
class SupervisionItem:
    id: strawberry.ID
    officer_id: strawberry.ID
    task: str
    due_at: datetime
    opened_at: datetime
    opened_by: str
    status: SupervisionStatus
    finding: SupervisionFinding | None
    finding_note: str
    closed_at: datetime | None
    closed_by: str
    deadline: DeadlineInfo | None

    @classmethod
    def from_proto(cls, s: pb.SupervisionItem) -> SupervisionItem:
        return cls(
            id=strawberry.ID(s.id),
            officer_id=strawberry.ID(s.officer_id),
            task=s.task,
            due_at=time(s.due_at),
            opened_at=time(s.opened_at),
            opened_by=s.opened_by,
            status=from_proto(SupervisionStatus, pb.SupervisionStatus, s.status),
            finding=maybe_from_proto(SupervisionFinding, pb.Finding, s.finding),
            finding_note=s.finding_note,
            closed_at=maybe_time(s, "closed_at"),
            closed_by=s.closed_by,
            deadline=DeadlineInfo.maybe(s, "deadline"),
        )


@strawberry.type(description="A piece of evidence a reward cites, and which way the record says it points")
class Evidence:
    kind: EvidenceKind
    ref: str
    rating: int
    note: str
    favourable: bool

    @classmethod
    def from_proto(cls, e: pb.Evidence) -> Evidence:
        return cls(
            kind=from_proto(EvidenceKind, pb.EvidenceKind, e.kind),
            ref=e.ref,
            rating=e.rating,
            note=e.note,
            favourable=e.favourable,
        )


@strawberry.type(description="Item 6: a commendation, merit citation or penalty, with its evidence")
class Reward:
    id: strawberry.ID
    officer_id: strawberry.ID
    recipient: Person
    kind: RewardKind
    authority: RewardAuthority
    authority_level: Jurisdiction
    citation: str
    evidence: list[Evidence]
    recorded_at: datetime
    recorded_by: str

    @classmethod
    def from_proto(cls, r: pb.Reward) -> Reward:
        return cls(
            id=strawberry.ID(r.id),
            officer_id=strawberry.ID(r.officer_id),
            recipient=Person.from_proto(r.recipient),
            kind=from_proto(RewardKind, pb.RewardKind, r.kind),
            authority=from_proto(RewardAuthority, pb.Authority, r.authority),
            authority_level=Jurisdiction.from_proto(r.authority_level),
            citation=r.citation,
            evidence=[Evidence.from_proto(e) for e in r.evidence],
            recorded_at=time(r.recorded_at),
            recorded_by=r.recorded_by,
        )


@strawberry.type(description="Item 6: what rewards rest on — requests handled, on-time rate, pledges kept/broken")
class OfficerRecord:
    requests_handled: int
    requests_completed: int
    requests_on_time: int
    requests_late: int = strawberry.field(description="Completed late, or open past their due time")
    on_time_rate: float | None = strawberry.field(description="onTime / (onTime + late); null when neither")
    pledges_kept: int
    pledges_broken: int
    pledges_open: int
    supervision_open: int
    supervision_satisfactory: int
    supervision_unsatisfactory: int
    commendations: int
    merit_citations: int
    penalties: int

    @classmethod
    def from_proto(cls, r: pb.OfficerRecord) -> OfficerRecord:
        return cls(
            requests_handled=r.requests_handled,
            requests_completed=r.requests_completed,
            requests_on_time=r.requests_on_time,
            requests_late=r.requests_late,
            on_time_rate=r.on_time_rate if r.HasField("on_time_rate") else None,
            pledges_kept=r.pledges_kept,
            pledges_broken=r.pledges_broken,
            pledges_open=r.pledges_open,
            supervision_open=r.supervision_open,
            supervision_satisfactory=r.supervision_satisfactory,
            supervision_unsatisfactory=r.supervision_unsatisfactory,
            commendations=r.commendations,
            merit_citations=r.merit_citations,
            penalties=r.penalties,
        )


@strawberry.federation.type(
    keys=["id"], description="Item 6: a chief service officer (首席服务官) and their working group"
)
class Officer:
    id: strawberry.ID
    person: Person
    target_kind: ServiceTargetKind
    target_id: strawberry.ID
    enterprise_id: strawberry.ID
    office: Jurisdiction = strawberry.field(description="The dispatching optimisation office")
    basis: DispatchBasis
    dispatched_at: datetime
    dispatched_by: str
    memberships: strawberry.Private[list[pb.GroupMembership]]

    @classmethod
    def from_proto(cls, o: pb.Officer) -> Officer:
        return cls(
            id=strawberry.ID(o.id),
            person=Person.from_proto(o.officer),
            target_kind=from_proto(ServiceTargetKind, pb.TargetKind, o.target_kind),
            target_id=strawberry.ID(o.target_id),
            enterprise_id=strawberry.ID(o.enterprise_id),
            office=Jurisdiction.from_proto(o.office),
            basis=DispatchBasis.from_proto(o.basis),
            dispatched_at=time(o.dispatched_at),
            dispatched_by=o.dispatched_by,
            memberships=list(o.group),
        )

    @strawberry.field(description="The working group, oldest membership first; released members unless activeOnly")
    def group(self, active_only: bool = False) -> list[GroupMembership]:
        return [GroupMembership.from_proto(m) for m in self.memberships if m.active or not active_only]

    async def _dossier(self, info: strawberry.Info) -> pb.OfficerDossier:
        found = await officers_loaders(info).dossiers.load(str(self.id))
        return found if found is not None else pb.OfficerDossier(officer_id=str(self.id))

    @strawberry.field(description="Pledges, oldest first")
    async def pledges(self, info: strawberry.Info) -> list[Pledge]:
        return [Pledge.from_proto(p) for p in (await self._dossier(info)).pledges]

    @strawberry.field(description="Follow-up supervision items, oldest first")
    async def supervision(self, info: strawberry.Info) -> list[SupervisionItem]:
        return [SupervisionItem.from_proto(s) for s in (await self._dossier(info)).supervision]

    @strawberry.field(description="Commendations, merit citations and penalties")
    async def rewards(self, info: strawberry.Info) -> list[Reward]:
        return [Reward.from_proto(r) for r in (await self._dossier(info)).rewards]

    @strawberry.field(description="Requests handled, on-time rate, pledges kept and broken")
    async def record(self, info: strawberry.Info) -> OfficerRecord:
        return OfficerRecord.from_proto((await self._dossier(info)).record)

    @strawberry.field(description="The enterprise served (from the contacts registry)")
    async def enterprise(self, info: strawberry.Info) -> Enterprise | None:
        found = await contacts_loaders(info).enterprises.load(str(self.enterprise_id))
        return None if found is None else Enterprise.from_proto(found)

    @strawberry.field(description="The project served, when dispatched to a project (from the contacts registry)")
    async def project(self, info: strawberry.Info) -> Project | None:
        if self.target_kind is not ServiceTargetKind.PROJECT:
            return None
        found = await contacts_loaders(info).projects.load(str(self.target_id))
        return None if found is None else Project.from_proto(found)

    @classmethod
    async def resolve_reference(cls, info: strawberry.Info, id: strawberry.ID) -> Officer | None:
        found = await officer_in_county(info, await officers_loaders(info).officers.load(str(id)))
        return None if found is None else cls.from_proto(found)
