"""gRPC in and out for the contacts service; rules live in domain/, changes in commands."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import TypeAlias

import grpc

from mesh.contacts.v1 import contacts_pb2 as pb
from mesh.contacts.v1 import contacts_pb2_grpc
from mesh_contacts import messages as m
from mesh_contacts.commands import Contacts
from mesh_contacts.domain import editions as ed
from mesh_contacts.domain.calendar import city_today
from mesh_contacts.domain.pairing import LeaderLevel
from mesh_contacts.domain.problems import ProblemCategory, ProblemStatus
from mesh_contacts.domain.registry import KeyList, ProjectKeyList, ProjectSector, ProjectStage
from mesh_contacts.repository import (
    EDITION_ORDER,
    EDITIONS,
    ENTERPRISE_ORDER,
    ENTERPRISES,
    LEADER_ORDER,
    LEADERS,
    PAIRING_ORDER,
    PAIRINGS,
    PROBLEM_ORDER,
    PROBLEMS,
    PROJECT_ORDER,
    PROJECTS,
    VISIT_ORDER,
    VISITS,
    EnterpriseFilter,
    LeaderFilter,
    PairingFilter,
    ProblemFilter,
    ProjectFilter,
    Repository,
    VisitFilter,
)
from meshlib.errors import NotFound
from meshlib.mongo import Document
from meshlib.paging import cursors
from meshlib.windows import window

MAX_BATCH = 500
Ctx: TypeAlias = grpc.aio.ServicerContext


def _opt(msg: object, name: str) -> object:
    return getattr(msg, name) if msg.HasField(name) else None  # type: ignore[attr-defined]


class ContactsServicer(contacts_pb2_grpc.ContactsServiceServicer):
    def __init__(self, contacts: Contacts, repo: Repository,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._c = contacts
        self._repo = repo
        self._clock = clock

    def _today(self) -> date:
        return city_today(self._clock())

    # -- enterprises ---------------------------------------------------------------------------

    async def RegisterEnterprise(self, request: pb.RegisterEnterpriseRequest, context: Ctx) -> pb.Enterprise:
        return m.enterprise_out(await self._c.register_enterprise(m.enterprise_in(request.enterprise),
                                                                  request.actor))

    async def UpdateEnterprise(self, request: pb.UpdateEnterpriseRequest, context: Ctx) -> pb.Enterprise:
        return m.enterprise_out(await self._c.update_enterprise(request.id, m.enterprise_in(request.enterprise),
                                                                request.actor))

    async def GetEnterprise(self, request: pb.GetEnterpriseRequest, context: Ctx) -> pb.Enterprise:
        doc = await self._repo.get(ENTERPRISES, request.id)
        if doc is None:
            raise NotFound(f"no enterprise with id {request.id!r}", rule="enterprise-exists", field="id")
        return m.enterprise_out(doc)

    async def BatchGetEnterprises(self, request: pb.BatchGetEnterprisesRequest,
                                  context: Ctx) -> pb.BatchGetEnterprisesResponse:
        docs = await self._repo.get_many(ENTERPRISES, list(request.ids)[:MAX_BATCH])
        return pb.BatchGetEnterprisesResponse(enterprises=[m.enterprise_out(d) for d in docs])

    async def ListEnterprises(self, request: pb.ListEnterprisesRequest, context: Ctx) -> pb.ListEnterprisesResponse:
        f = request.filter
        flt = EnterpriseFilter(
            county_code=_opt(f, "county_code"), township_code=_opt(f, "township_code"),  # type: ignore[arg-type]
            key_list=m.enum_in(KeyList, pb.KeyList, f.key_list, "filter.key_list").value
            if f.HasField("key_list") else None,
            sector=_opt(f, "sector"), is_key=_opt(f, "is_key"),  # type: ignore[arg-type]
            name_contains=_opt(f, "name_contains"),  # type: ignore[arg-type]
        )
        docs, token = await self._repo.page(ENTERPRISES, flt.query(), ENTERPRISE_ORDER, request.page_size,
                                            request.page_token)
        return pb.ListEnterprisesResponse(enterprises=[m.enterprise_out(d) for d in docs], next_page_token=token,
                                          cursors=cursors(ENTERPRISE_ORDER, docs))

    # -- projects ------------------------------------------------------------------------------

    async def RegisterProject(self, request: pb.RegisterProjectRequest, context: Ctx) -> pb.Project:
        return m.project_out(await self._c.register_project(m.project_in(request.project), request.actor))

    async def UpdateProject(self, request: pb.UpdateProjectRequest, context: Ctx) -> pb.Project:
        return m.project_out(await self._c.update_project(request.id, m.project_in(request.project), request.actor))

    async def GetProject(self, request: pb.GetProjectRequest, context: Ctx) -> pb.Project:
        doc = await self._repo.get(PROJECTS, request.id)
        if doc is None:
            raise NotFound(f"no project with id {request.id!r}", rule="project-exists", field="id")
        return m.project_out(doc)

    async def BatchGetProjects(self, request: pb.BatchGetProjectsRequest, context: Ctx) -> pb.BatchGetProjectsResponse:
        docs = await self._repo.get_many(PROJECTS, list(request.ids)[:MAX_BATCH])
        return pb.BatchGetProjectsResponse(projects=[m.project_out(d) for d in docs])

    async def ListProjects(self, request: pb.ListProjectsRequest, context: Ctx) -> pb.ListProjectsResponse:
        f = request.filter
        flt = ProjectFilter(
            county_code=_opt(f, "county_code"), township_code=_opt(f, "township_code"),  # type: ignore[arg-type]
            key_list=m.enum_in(ProjectKeyList, pb.ProjectKeyList, f.key_list, "filter.key_list").value
            if f.HasField("key_list") else None,
            sector=m.enum_in(ProjectSector, pb.ProjectSector, f.sector, "filter.sector").value
            if f.HasField("sector") else None,
            stage=m.enum_in(ProjectStage, pb.ProjectStage, f.stage, "filter.stage").value
            if f.HasField("stage") else None,
            is_key=_opt(f, "is_key"), owner_enterprise_id=_opt(f, "owner_enterprise_id"),  # type: ignore[arg-type]
            name_contains=_opt(f, "name_contains"),  # type: ignore[arg-type]
        )
        docs, token = await self._repo.page(PROJECTS, flt.query(), PROJECT_ORDER, request.page_size,
                                            request.page_token)
        return pb.ListProjectsResponse(projects=[m.project_out(d) for d in docs], next_page_token=token,
                                       cursors=cursors(PROJECT_ORDER, docs))

    # -- leaders -------------------------------------------------------------------------------

    async def RegisterLeader(self, request: pb.RegisterLeaderRequest, context: Ctx) -> pb.Leader:
        return m.leader_out(await self._c.register_leader(m.leader_in(request.leader), request.actor))

    async def UpdateLeader(self, request: pb.UpdateLeaderRequest, context: Ctx) -> pb.Leader:
        return m.leader_out(await self._c.update_leader(request.id, m.leader_in(request.leader), request.actor))

    async def BatchGetLeaders(self, request: pb.BatchGetLeadersRequest, context: Ctx) -> pb.BatchGetLeadersResponse:
        docs = await self._repo.get_many(LEADERS, list(request.ids)[:MAX_BATCH])
        return pb.BatchGetLeadersResponse(leaders=[m.leader_out(d) for d in docs])

    async def ListLeaders(self, request: pb.ListLeadersRequest, context: Ctx) -> pb.ListLeadersResponse:
        f = request.filter
        flt = LeaderFilter(
            level=m.enum_in(LeaderLevel, pb.LeaderLevel, f.level, "filter.level").value
            if f.HasField("level") else None,
            county_code=_opt(f, "county_code"),  # type: ignore[arg-type]
        )
        docs, token = await self._repo.page(LEADERS, flt.query(), LEADER_ORDER, request.page_size,
                                            request.page_token)
        return pb.ListLeadersResponse(leaders=[m.leader_out(d) for d in docs], next_page_token=token,
                                      cursors=cursors(LEADER_ORDER, docs))

    # -- pairings ------------------------------------------------------------------------------

    async def Pair(self, request: pb.PairRequest, context: Ctx) -> pb.Pairing:
        doc = await self._c.pair(request.leader_id, m.target_kind_in(request.target_kind), request.target_id,
                                 m.optional_date(request.started_on, "started_on"), request.actor)
        return m.pairing_out(doc)

    async def EndPairing(self, request: pb.EndPairingRequest, context: Ctx) -> pb.Pairing:
        doc = await self._c.end_pairing(request.pairing_id, m.optional_date(request.ended_on, "ended_on"),
                                        request.reason, request.actor)
        return m.pairing_out(doc)

    async def BatchGetPairings(self, request: pb.BatchGetPairingsRequest, context: Ctx) -> pb.BatchGetPairingsResponse:
        docs = await self._repo.get_many(PAIRINGS, list(request.ids)[:MAX_BATCH])
        return pb.BatchGetPairingsResponse(pairings=[m.pairing_out(d) for d in docs])

    async def ListPairings(self, request: pb.ListPairingsRequest, context: Ctx) -> pb.ListPairingsResponse:
        f = request.filter
        flt = PairingFilter(
            leader_ids=list(f.leader_ids), target_ids=list(f.target_ids),
            target_kind=m.target_kind_in(f.target_kind, "filter.target_kind").value if f.HasField("target_kind")
            else None,
            current=_opt(f, "current"), county_code=_opt(f, "county_code"),  # type: ignore[arg-type]
        )
        docs, token = await self._repo.page(PAIRINGS, flt.query(), PAIRING_ORDER, request.page_size,
                                            request.page_token)
        return pb.ListPairingsResponse(pairings=[m.pairing_out(d) for d in docs], next_page_token=token,
                                       cursors=cursors(PAIRING_ORDER, docs))

    # -- visits and problems -------------------------------------------------------------------

    async def RecordVisit(self, request: pb.RecordVisitRequest, context: Ctx) -> pb.RecordVisitResponse:
        problems = [m.problem_in(p, f"problems[{i}]") for i, p in enumerate(request.problems)]
        visit, docs = await self._c.record_visit(
            request.leader_id, m.target_kind_in(request.target_kind), request.target_id,
            m.optional_date(request.visited_on, "visited_on"), list(request.participants), request.learned,
            problems, request.actor,
        )
        today = self._today()
        return pb.RecordVisitResponse(visit=m.visit_out(visit), problems=[m.problem_out(d, today) for d in docs])

    async def BatchGetVisits(self, request: pb.BatchGetVisitsRequest, context: Ctx) -> pb.BatchGetVisitsResponse:
        docs = await self._repo.get_many(VISITS, list(request.ids)[:MAX_BATCH])
        return pb.BatchGetVisitsResponse(visits=[m.visit_out(d) for d in docs])

    async def ListVisits(self, request: pb.ListVisitsRequest, context: Ctx) -> pb.ListVisitsResponse:
        f = request.filter
        flt = VisitFilter(
            leader_ids=list(f.leader_ids), target_ids=list(f.target_ids),
            unpaired=_opt(f, "unpaired"),  # type: ignore[arg-type]
            visited_from=m.optional_date(f.visited_from, "filter.visited_from") if f.HasField("visited_from") else None,
            visited_to=m.optional_date(f.visited_to, "filter.visited_to") if f.HasField("visited_to") else None,
            county_code=_opt(f, "county_code"),  # type: ignore[arg-type]
        )
        docs, token = await self._repo.page(VISITS, flt.query(), VISIT_ORDER, request.page_size, request.page_token)
        return pb.ListVisitsResponse(visits=[m.visit_out(d) for d in docs], next_page_token=token,
                                     cursors=cursors(VISIT_ORDER, docs))

    async def RaiseProblem(self, request: pb.RaiseProblemRequest, context: Ctx) -> pb.Problem:
        doc = await self._c.raise_problem(request.visit_id, m.problem_in(request.problem), request.actor)
        return m.problem_out(doc, self._today())

    async def CoordinateProblem(self, request: pb.CoordinateProblemRequest, context: Ctx) -> pb.Problem:
        doc = await self._c.coordinate(request.problem_id, request.department,
                                       m.optional_date(request.due_on, "due_on"), request.note, request.actor)
        return m.problem_out(doc, self._today())

    async def ResolveProblem(self, request: pb.ResolveProblemRequest, context: Ctx) -> pb.Problem:
        doc = await self._c.resolve(request.problem_id, request.resolution, request.actor)
        return m.problem_out(doc, self._today())

    async def CloseProblemUnresolved(self, request: pb.CloseProblemUnresolvedRequest, context: Ctx) -> pb.Problem:
        doc = await self._c.close_unresolved(request.problem_id, request.reason, request.actor)
        return m.problem_out(doc, self._today())

    async def BatchGetProblems(self, request: pb.BatchGetProblemsRequest, context: Ctx) -> pb.BatchGetProblemsResponse:
        docs = await self._repo.get_many(PROBLEMS, list(request.ids)[:MAX_BATCH])
        today = self._today()
        return pb.BatchGetProblemsResponse(problems=[m.problem_out(d, today) for d in docs])

    async def ListProblems(self, request: pb.ListProblemsRequest, context: Ctx) -> pb.ListProblemsResponse:
        f = request.filter
        today = self._today()
        raised = window(f, "raised_after", "raised_before", "filter")
        flt = ProblemFilter(
            today=today, leader_ids=list(f.leader_ids), target_ids=list(f.target_ids), visit_ids=list(f.visit_ids),
            statuses=[m.enum_in(ProblemStatus, pb.ProblemStatus, s, f"filter.statuses[{i}]").value
                      for i, s in enumerate(f.statuses)],
            category=m.enum_in(ProblemCategory, pb.ProblemCategory, f.category, "filter.category").value
            if f.HasField("category") else None,
            department=_opt(f, "department"), overdue=_opt(f, "overdue"),  # type: ignore[arg-type]
            county_code=_opt(f, "county_code"),  # type: ignore[arg-type]
            raised=raised,
        )
        docs, token = await self._repo.page(PROBLEMS, flt.query(), PROBLEM_ORDER, request.page_size,
                                            request.page_token)
        return pb.ListProblemsResponse(problems=[m.problem_out(d, today) for d in docs], next_page_token=token,
                                       cursors=cursors(PROBLEM_ORDER, docs))

    # -- editions ------------------------------------------------------------------------------

    async def PublishEdition(self, request: pb.PublishEditionRequest, context: Ctx) -> pb.Edition:
        doc = await self._c.publish_edition(request.actor, m.optional_date(request.period_end, "period_end"))
        return m.edition_out(doc)

    async def _edition(self, number: int, field: str) -> Document:
        if number == 0:
            latest = await self._repo.latest_edition()
            if latest is None:
                raise NotFound("no edition has been published yet", rule="edition-exists", field=field)
            number = int(latest["_id"])
        doc = await self._repo.get(EDITIONS, number)
        if doc is None:
            raise NotFound(f"there is no edition {number}", rule="edition-exists", field=field)
        return doc

    async def GetEdition(self, request: pb.GetEditionRequest, context: Ctx) -> pb.Edition:
        return m.edition_out(await self._edition(request.number, "number"))

    async def ListEditions(self, request: pb.ListEditionsRequest, context: Ctx) -> pb.ListEditionsResponse:
        docs, token = await self._repo.edition_summaries(request.page_size, request.page_token)
        return pb.ListEditionsResponse(editions=[m.edition_out(d, with_entries=False) for d in docs],
                                       next_page_token=token, cursors=cursors(EDITION_ORDER, docs))

    async def DiffEditions(self, request: pb.DiffEditionsRequest, context: Ctx) -> pb.EditionDiff:
        after = await self._edition(request.to_number, "to_number")
        to_number = int(after["_id"])
        from_number = request.from_number or to_number - 1
        if from_number == 0:
            before: Document = {"_id": 0, "entries": []}  # the first edition: everything is new
        else:
            before = await self._edition(from_number, "from_number")
        d = ed.diff(before["entries"], after["entries"])
        return pb.EditionDiff(from_number=from_number, to_number=to_number,
                              added=[m.entry_out(dict(e)) for e in d.added],
                              ended=[m.entry_out(dict(e)) for e in d.ended])
