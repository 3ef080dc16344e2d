"""The contacts types, each built from the service's protobuf; nested lookups go through DataLoaders.

Item 9: the lists under a row hold only a county-level user's county's rows (a city leader's pairings,
visits and problems; an enterprise's officers, requests, cases, incidents), and a federation lookup of
another county's row is refused; single references are followed (see :mod:`mesh_gateway.county`).
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry

from mesh.contacts.v1 import contacts_pb2 as pb
from mesh.environment.v1 import environment_pb2
from mesh.officers.v1 import officers_pb2
from mesh_gateway.auth import Role
from mesh_gateway.authorization import forbidden
from mesh_gateway.contacts.enums import (
    KeyList,
    LeaderLevel,
    ProblemCategory,
    ProblemStatus,
    ProjectKeyList,
    ProjectSector,
    ProjectStage,
    TargetKind,
    from_proto,
)
from mesh_gateway.contacts.loaders import ContactsLoaders
from mesh_gateway.county import in_county, leader_county, of_county
from mesh_gateway.errors import UserError, call
from mesh_gateway.proto_time import timestamp as _time

if TYPE_CHECKING:  # the other domains' types refer back to these: imported lazily (strawberry.lazy)
    from mesh_gateway.environment.types import GovernanceCase
    from mesh_gateway.incidents.types import Incident
    from mesh_gateway.officers.project_types import LeadHandledProject, Procedure
    from mesh_gateway.officers.request_types import EnterpriseRequest
    from mesh_gateway.officers.types import Officer

OfficerRef = Annotated["Officer", strawberry.lazy("mesh_gateway.officers.types")]
RequestRef = Annotated["EnterpriseRequest", strawberry.lazy("mesh_gateway.officers.request_types")]
LeadHandlingRef = Annotated["LeadHandledProject", strawberry.lazy("mesh_gateway.officers.project_types")]
ProcedureRef = Annotated["Procedure", strawberry.lazy("mesh_gateway.officers.project_types")]
CaseRef = Annotated["GovernanceCase", strawberry.lazy("mesh_gateway.environment.types")]
IncidentRef = Annotated["Incident", strawberry.lazy("mesh_gateway.incidents.types")]
MAX_LATEST_INCIDENTS = 20
"""The response service's largest batch of an enterprise's newest incidents."""


def contacts_loaders(info: strawberry.Info) -> ContactsLoaders:
    loaders: ContactsLoaders = info.context.loaders.contacts
    return loaders


def _day(text: str) -> date:
    return date.fromisoformat(text)


@strawberry.type(description="Item 9: the county/district and township responsible for what lies in them")
class Territory:
    county_code: str
    county_name: str
    township_code: str
    township_name: str

    @classmethod
    def from_proto(cls, t: pb.Territory) -> Territory:
        return cls(county_code=t.county_code, county_name=t.county_name, township_code=t.township_code,
                   township_name=t.township_name)


@strawberry.federation.type(keys=["id"], description="An enterprise in the registry every service refers to by id")
class Enterprise:
    id: strawberry.ID
    name: str
    credit_code: str = strawberry.field(description="Unified social credit code (GB 32100-2015)")
    sector: str
    territory: Territory
    address: str
    contact_name: str
    contact_phone: str
    key_lists: list[KeyList]
    is_key: bool = strawberry.field(description="Item 20: on at least one key list")
    registered_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def from_proto(cls, e: pb.Enterprise) -> Enterprise:
        return cls(
            id=strawberry.ID(e.id), name=e.name, credit_code=e.credit_code, sector=e.sector,
            territory=Territory.from_proto(e.territory), address=e.address, contact_name=e.contact.name,
            contact_phone=e.contact.phone, key_lists=[from_proto(KeyList, pb.KeyList, k) for k in e.key_lists],
            is_key=e.is_key, registered_at=_time(e.registered_at), updated_at=_time(e.updated_at), version=e.version,
        )

    @strawberry.field(description="Leaders paired with it (item 20); current pairings unless includeEnded")
    async def pairings(self, info: strawberry.Info, include_ended: bool = False) -> list[Pairing]:
        found = await contacts_loaders(info).pairings_of_target.load(str(self.id))
        return [Pairing.from_proto(p) for p in of_county(info, found) if include_ended or p.current]

    @strawberry.field(description="Item 6: chief service officers serving it or one of its projects")
    async def officers(self, info: strawberry.Info) -> list[OfficerRef]:
        from mesh_gateway.officers.types import Officer, officers_of_county

        found = await info.context.loaders.officers.officers_of_target.load(str(self.id))
        return [Officer.from_proto(o) for o in await officers_of_county(info, found)]

    @strawberry.field(description="Item 13: its requests; completed ones too unless openOnly")
    async def requests(self, info: strawberry.Info, open_only: bool = False) -> list[RequestRef]:
        from mesh_gateway.officers.request_types import EnterpriseRequest

        found = await info.context.loaders.officers.requests_of_enterprise.load(str(self.id))
        return [EnterpriseRequest.from_proto(r) for r in of_county(info, found)
                if not open_only or r.state != officers_pb2.REQUEST_STATE_COMPLETED]

    @strawberry.field(description="Item 9: governance cases around it; closed ones too unless openOnly")
    async def cases(self, info: strawberry.Info, open_only: bool = False) -> list[CaseRef]:
        return await _cases(info, info.context.loaders.environment.cases_by_enterprise.load(str(self.id)), open_only)

    @strawberry.field(description="Incidents reported at it, newest first; at most 20")
    async def incidents(self, info: strawberry.Info, first: int = 5) -> list[IncidentRef]:
        from mesh_gateway.incidents.types import Incident

        if not 1 <= first <= MAX_LATEST_INCIDENTS:
            raise UserError(f"first must be between 1 and {MAX_LATEST_INCIDENTS}",
                            extensions={"code": "BAD_USER_INPUT", "field": "first"})
        found = await info.context.loaders.latest_incidents.load((str(self.id), first))
        return [Incident.from_proto(i) for i in of_county(info, found)]

    @strawberry.field(description="The newest incident reported at it, if any (item 9: for a county-level user, "
                                  "null when the newest lies in another county)")
    async def latest_incident(self, info: strawberry.Info) -> IncidentRef | None:
        from mesh_gateway.incidents.types import Incident

        found = of_county(info, await info.context.loaders.latest_incidents.load((str(self.id), 1)))
        return Incident.from_proto(found[0]) if found else None

    @classmethod
    async def resolve_reference(cls, info: strawberry.Info, id: strawberry.ID) -> Enterprise | None:
        found = in_county(info, await contacts_loaders(info).enterprises.load(str(id)), "enterprise")
        return None if found is None else cls.from_proto(found)


@strawberry.federation.type(keys=["id"], description="An investment project, owned by an enterprise")
class Project:
    id: strawberry.ID
    name: str
    owner_enterprise_id: strawberry.ID
    sector: ProjectSector
    investment_yuan: Decimal = strawberry.field(description="Total investment in CNY, exact to the fen")
    territory: Territory
    stage: ProjectStage
    key_lists: list[ProjectKeyList]
    is_key: bool = strawberry.field(description="Item 20: a provincial or a city key project")
    registered_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def from_proto(cls, p: pb.Project) -> Project:
        return cls(
            id=strawberry.ID(p.id), name=p.name, owner_enterprise_id=strawberry.ID(p.owner_enterprise_id),
            sector=from_proto(ProjectSector, pb.ProjectSector, p.sector),
            investment_yuan=Decimal(p.investment_fen).scaleb(-2), territory=Territory.from_proto(p.territory),
            stage=from_proto(ProjectStage, pb.ProjectStage, p.stage),
            key_lists=[from_proto(ProjectKeyList, pb.ProjectKeyList, k) for k in p.key_lists], is_key=p.is_key,
            registered_at=_time(p.registered_at), updated_at=_time(p.updated_at), version=p.version,
        )

    @strawberry.field(description="The enterprise that owns the project")
    async def owner(self, info: strawberry.Info) -> Enterprise | None:
        found = await contacts_loaders(info).enterprises.load(str(self.owner_enterprise_id))
        return None if found is None else Enterprise.from_proto(found)

    @strawberry.field(description="Leaders in charge of it (item 20); current pairings unless includeEnded")
    async def pairings(self, info: strawberry.Info, include_ended: bool = False) -> list[Pairing]:
        found = await contacts_loaders(info).pairings_of_target.load(str(self.id))
        return [Pairing.from_proto(p) for p in of_county(info, found) if include_ended or p.current]

    @strawberry.field(description="Item 20: the leaders in charge of it now (分包), from its current pairings")
    async def leaders_in_charge(self, info: strawberry.Info) -> list[Leader]:
        loaders = contacts_loaders(info)
        pairings = of_county(info, await loaders.pairings_of_target.load(str(self.id)))
        found = await loaders.leaders.load_many([p.leader_id for p in pairings if p.current])
        return [Leader.from_proto(x) for x in of_county(info, [x for x in found if x is not None], leader_county)]

    @strawberry.field(description="Item 8: its lead-handling (项目领办), if the project is lead-handled")
    async def lead_handling(self, info: strawberry.Info) -> LeadHandlingRef | None:
        from mesh_gateway.officers.project_types import LeadHandledProject

        found = await info.context.loaders.officers.projects.load(str(self.id))
        return None if found is None else LeadHandledProject.from_proto(found)

    @strawberry.field(description="Item 8: its lead-handled pre-construction procedures and hook-ups")
    async def lead_handling_procedures(self, info: strawberry.Info) -> list[ProcedureRef]:
        from mesh_gateway.officers.project_types import Procedure

        found = await info.context.loaders.officers.projects.load(str(self.id))
        return [] if found is None else [Procedure.from_proto(p) for p in found.procedures]

    @strawberry.field(description="Item 9: governance cases around it; closed ones too unless openOnly")
    async def cases(self, info: strawberry.Info, open_only: bool = False) -> list[CaseRef]:
        return await _cases(info, info.context.loaders.environment.cases_by_project.load(str(self.id)), open_only)

    @classmethod
    async def resolve_reference(cls, info: strawberry.Info, id: strawberry.ID) -> Project | None:
        found = own_project(info, in_county(info, await contacts_loaders(info).projects.load(str(id)), "project"),
                            "Query._entities")
        return None if found is None else cls.from_proto(found)


def own_project(info: strawberry.Info, found: pb.Project | None, where: str) -> pb.Project | None:
    """``found``, unless the user is an enterprise and the project is another's: an enterprise sees its own
    projects, as it sees its own record (another's investment is not its)."""
    principal = info.context.principal
    if (found is not None and principal.role is Role.ENTERPRISE and info.context.verifier is not None
            and found.owner_enterprise_id != principal.enterprise_id):
        raise forbidden(f"an enterprise may look up only its own projects (of {principal.enterprise_id!r})", where)
    return found


async def _cases(info: strawberry.Info, pending: Awaitable[list[environment_pb2.Case]],
                 open_only: bool) -> list[GovernanceCase]:
    from mesh_gateway.environment.types import GovernanceCase

    return [GovernanceCase.from_proto(c) for c in of_county(info, await pending)
            if not open_only or c.state != environment_pb2.CASE_STATE_CLOSED]


PairingTarget = Annotated[Enterprise | Project, strawberry.union("PairingTarget")]


async def _target(info: strawberry.Info, kind: TargetKind, target_id: str) -> Enterprise | Project | None:
    if kind is TargetKind.ENTERPRISE:
        e = await contacts_loaders(info).enterprises.load(target_id)
        return None if e is None else Enterprise.from_proto(e)
    p = await contacts_loaders(info).projects.load(target_id)
    return None if p is None else Project.from_proto(p)


@strawberry.federation.type(keys=["id"], description="A city or county leader (item 20)")
class Leader:
    id: strawberry.ID
    name: str
    level: LeaderLevel
    post: str
    county_code: str
    county_name: str

    @classmethod
    def from_proto(cls, leader: pb.Leader) -> Leader:
        return cls(id=strawberry.ID(leader.id), name=leader.name,
                   level=from_proto(LeaderLevel, pb.LeaderLevel, leader.level), post=leader.post,
                   county_code=leader.county_code, county_name=leader.county_name)

    @strawberry.field(description="Key enterprises and projects paired with the leader; current unless includeEnded "
                                  "(item 9: a county-level user sees those in their county)")
    async def pairings(self, info: strawberry.Info, include_ended: bool = False) -> list[Pairing]:
        found = await contacts_loaders(info).pairings_of_leader.load(str(self.id))
        return [Pairing.from_proto(p) for p in of_county(info, found) if include_ended or p.current]

    @strawberry.field(description="The leader's visits, newest first (item 19; item 9: a county-level user sees "
                                  "those in their county)")
    async def visits(self, info: strawberry.Info, first: int = 20) -> list[Visit]:
        found = of_county(info, await contacts_loaders(info).visits_of_leader.load(str(self.id)))
        return [Visit.from_proto(v) for v in found[:max(first, 0)]]

    @strawberry.field(description="Problems the leader raised that are still open or being coordinated (item 9: a "
                                  "county-level user sees those in their county)")
    async def open_problems(self, info: strawberry.Info) -> list[Problem]:
        found = await contacts_loaders(info).open_problems_of_leader.load(str(self.id))
        return [Problem.from_proto(p) for p in of_county(info, found)]

    @classmethod
    async def resolve_reference(cls, info: strawberry.Info, id: strawberry.ID) -> Leader | None:
        found = in_county(info, await contacts_loaders(info).leaders.load(str(id)), "leader", leader_county)
        return None if found is None else cls.from_proto(found)


@strawberry.type(description="Item 20: a leader paired with a key enterprise (联系) or a key project (分包)")
class Pairing:
    id: strawberry.ID
    leader_id: strawberry.ID
    target_kind: TargetKind
    target_id: strawberry.ID
    started_on: date
    ended_on: date | None
    end_reason: str
    current: bool
    created_at: datetime
    created_by: str
    county_code: str | None = strawberry.field(description="Item 9: the county where its target lies; null: none known")

    @classmethod
    def from_proto(cls, p: pb.Pairing) -> Pairing:
        return cls(
            id=strawberry.ID(p.id), leader_id=strawberry.ID(p.leader_id),
            target_kind=from_proto(TargetKind, pb.TargetKind, p.target_kind), target_id=strawberry.ID(p.target_id),
            started_on=_day(p.started_on), ended_on=_day(p.ended_on) if p.ended_on else None,
            end_reason=p.end_reason, current=p.current, created_at=_time(p.created_at), created_by=p.created_by,
            county_code=p.county_code or None,
        )

    @strawberry.field
    async def leader(self, info: strawberry.Info) -> Leader | None:
        found = await contacts_loaders(info).leaders.load(str(self.leader_id))
        return None if found is None else Leader.from_proto(found)

    @strawberry.field(description="The enterprise or project")
    async def target(self, info: strawberry.Info) -> PairingTarget | None:
        return await _target(info, self.target_kind, str(self.target_id))

    @strawberry.field(description="Item 19: the leader's visits made under this pairing, newest first (a visit "
                                  "made while unpaired belongs to no pairing)")
    async def visits(self, info: strawberry.Info, first: int = 20) -> list[Visit]:
        # The leader's visits, batched across the request (one ListVisits for every pairing's leader).
        found = of_county(info, await contacts_loaders(info).visits_of_leader.load(str(self.leader_id)))
        return [Visit.from_proto(v) for v in found if v.pairing_id == self.id][:max(first, 0)]


@strawberry.type(description="Item 19: a leader's visit to an enterprise or a project site")
class Visit:
    id: strawberry.ID
    leader_id: strawberry.ID
    target_kind: TargetKind
    target_id: strawberry.ID
    visited_on: date
    participants: list[str]
    learned: str
    unpaired: bool = strawberry.field(description="The leader was not paired with the target that day")
    pairing_id: strawberry.ID | None
    recorded_at: datetime
    recorded_by: str
    county_code: str | None = strawberry.field(description="Item 9: the county where its target lies; null: none known")
    problem_ids: strawberry.Private[list[str]]

    @classmethod
    def from_proto(cls, v: pb.Visit) -> Visit:
        return cls(
            id=strawberry.ID(v.id), leader_id=strawberry.ID(v.leader_id),
            target_kind=from_proto(TargetKind, pb.TargetKind, v.target_kind), target_id=strawberry.ID(v.target_id),
            visited_on=_day(v.visited_on), participants=list(v.participants), learned=v.learned, unpaired=v.unpaired,
            pairing_id=strawberry.ID(v.pairing_id) if v.pairing_id else None, recorded_at=_time(v.recorded_at),
            recorded_by=v.recorded_by, county_code=v.county_code or None, problem_ids=list(v.problem_ids),
        )

    @strawberry.field
    async def leader(self, info: strawberry.Info) -> Leader | None:
        found = await contacts_loaders(info).leaders.load(str(self.leader_id))
        return None if found is None else Leader.from_proto(found)

    @strawberry.field
    async def target(self, info: strawberry.Info) -> PairingTarget | None:
        return await _target(info, self.target_kind, str(self.target_id))

    @strawberry.field(description="Problems raised on this visit")
    async def problems(self, info: strawberry.Info) -> list[Problem]:
        found = await contacts_loaders(info).problems.load_many(self.problem_ids)
        return [Problem.from_proto(p) for p in of_county(info, [p for p in found if p is not None])]


@strawberry.type(description="One change in a problem's life: who, when, what")
class TrailEntry:
    at: datetime
    actor: str
    action: str
    from_status: ProblemStatus | None
    to_status: ProblemStatus
    note: str
    department: str
    due_on: date

    @classmethod
    def from_proto(cls, t: pb.TrailEntry) -> TrailEntry:
        return cls(
            at=_time(t.at), actor=t.actor, action=t.action,
            from_status=from_proto(ProblemStatus, pb.ProblemStatus, t.from_status) if t.from_status else None,
            to_status=from_proto(ProblemStatus, pb.ProblemStatus, t.to_status), note=t.note,
            department=t.department, due_on=_day(t.due_on),
        )


@strawberry.type(description="A problem raised on a visit and coordinated to a department (items 19, 20)")
class Problem:
    id: strawberry.ID
    visit_id: strawberry.ID
    leader_id: strawberry.ID
    target_kind: TargetKind
    target_id: strawberry.ID
    category: ProblemCategory
    description: str
    department: str
    due_on: date
    status: ProblemStatus
    resolution: str
    close_reason: str
    overdue: bool = strawberry.field(description="Past its due date and still open or being coordinated")
    raised_at: datetime
    updated_at: datetime
    trail: list[TrailEntry]
    county_code: str | None = strawberry.field(description="Item 9: the county where its target lies; null: none known")

    @classmethod
    def from_proto(cls, p: pb.Problem) -> Problem:
        return cls(
            id=strawberry.ID(p.id), visit_id=strawberry.ID(p.visit_id), leader_id=strawberry.ID(p.leader_id),
            target_kind=from_proto(TargetKind, pb.TargetKind, p.target_kind), target_id=strawberry.ID(p.target_id),
            category=from_proto(ProblemCategory, pb.ProblemCategory, p.category), description=p.description,
            department=p.department, due_on=_day(p.due_on), status=from_proto(ProblemStatus, pb.ProblemStatus,
                                                                               p.status),
            resolution=p.resolution, close_reason=p.close_reason, overdue=p.overdue, raised_at=_time(p.raised_at),
            updated_at=_time(p.updated_at), trail=[TrailEntry.from_proto(t) for t in p.trail],
            county_code=p.county_code or None,
        )

    @strawberry.field
    async def visit(self, info: strawberry.Info) -> Visit | None:
        found = await contacts_loaders(info).visits.load(str(self.visit_id))
        return None if found is None else Visit.from_proto(found)

    @strawberry.field
    async def leader(self, info: strawberry.Info) -> Leader | None:
        found = await contacts_loaders(info).leaders.load(str(self.leader_id))
        return None if found is None else Leader.from_proto(found)

    @strawberry.field
    async def target(self, info: strawberry.Info) -> PairingTarget | None:
        return await _target(info, self.target_kind, str(self.target_id))


# -- the published list: public, flat (nothing in it leads to data the public may not read) ------------

@strawberry.type(description="Public. One pairing as published, with what happened in the edition's period")
class EditionEntry:
    pairing_id: strawberry.ID
    leader_name: str
    leader_level: LeaderLevel
    leader_post: str
    target_kind: TargetKind
    target_id: strawberry.ID
    target_name: str
    territory: Territory
    started_on: date
    visits_in_period: int
    problems_raised_in_period: int
    problems_resolved_in_period: int

    @classmethod
    def from_proto(cls, e: pb.EditionEntry) -> EditionEntry:
        return cls(
            pairing_id=strawberry.ID(e.pairing_id), leader_name=e.leader_name,
            leader_level=from_proto(LeaderLevel, pb.LeaderLevel, e.leader_level), leader_post=e.leader_post,
            target_kind=from_proto(TargetKind, pb.TargetKind, e.target_kind), target_id=strawberry.ID(e.target_id),
            target_name=e.target_name, territory=Territory.from_proto(e.territory), started_on=_day(e.started_on),
            visits_in_period=e.visits_in_period, problems_raised_in_period=e.problems_raised_in_period,
            problems_resolved_in_period=e.problems_resolved_in_period,
        )


@strawberry.type(description="Public. A numbered, immutable edition of the pairing list (item 20)")
class Edition:
    number: int
    published_at: datetime
    period_start: date
    period_end: date
    trigger: str = strawberry.field(description="on_demand or scheduled")
    entry_count: int
    proto: strawberry.Private[pb.Edition]

    @classmethod
    def from_proto(cls, e: pb.Edition) -> Edition:
        return cls(number=e.number, published_at=_time(e.published_at), period_start=_day(e.period_start),
                   period_end=_day(e.period_end), trigger=e.trigger, entry_count=e.entry_count, proto=e)

    @strawberry.field(description="The pairings in the edition")
    async def entries(self, info: strawberry.Info) -> list[EditionEntry]:
        edition = self.proto
        if len(edition.entries) < edition.entry_count:  # a summary from a list: fetch the whole edition
            edition = await call(info.context.clients.contacts.GetEdition(pb.GetEditionRequest(number=self.number)))
        return [EditionEntry.from_proto(x) for x in edition.entries]


@strawberry.type(description="Public. Pairings added and ended between two editions")
class EditionDiff:
    from_number: int
    to_number: int
    added: list[EditionEntry]
    ended: list[EditionEntry]

    @classmethod
    def from_proto(cls, d: pb.EditionDiff) -> EditionDiff:
        return cls(from_number=d.from_number, to_number=d.to_number,
                   added=[EditionEntry.from_proto(e) for e in d.added],
                   ended=[EditionEntry.from_proto(e) for e in d.ended])

