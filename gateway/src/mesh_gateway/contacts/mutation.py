"""Contacts mutations: the registry, leaders, pairings (item 20), visits and problems (items 19, 20), editions.

Every change is recorded as made by the signed-in caller (:func:`mesh_gateway.context.actor`).
"""

from __future__ import annotations

from datetime import date

import strawberry

from mesh.contacts.v1 import contacts_pb2 as pb
from mesh_gateway.contacts.enums import TargetKind, to_proto
from mesh_gateway.contacts.inputs import EnterpriseInput, LeaderInput, ProblemInput, ProjectInput, VisitInput, day
from mesh_gateway.contacts.types import Edition, Enterprise, Leader, Pairing, Problem, Project, Visit
from mesh_gateway.context import actor
from mesh_gateway.errors import call, inside

# Where the user typed what a refusal names: the input the requests carry as their enterprise, project, leader or
# problem; the enterprise's contact, flat in the graph's input; a visit's input, flat in its request.
ENTERPRISE = {"enterprise": "input", "enterprise.contact.name": "input.contactName",
              "enterprise.contact.phone": "input.contactPhone"}
PROJECT = {"project": "input"}
LEADER = {"leader": "input"}
PROBLEM = {"problem": "input"}
VISIT = inside("input", pb.RecordVisitRequest)


@strawberry.type(description="A visit as recorded, with the problems raised on it")
class RecordedVisit:
    visit: Visit
    problems: list[Problem]


@strawberry.type
class ContactsMutation:
    @strawberry.mutation(description="Register an enterprise (its credit code is checked and must be new)")
    async def register_enterprise(self, info: strawberry.Info, input: EnterpriseInput) -> Enterprise:
        reply = await call(info.context.clients.contacts.RegisterEnterprise(
            pb.RegisterEnterpriseRequest(enterprise=input.to_proto(), actor=actor(info))), fields=ENTERPRISE)
        return Enterprise.from_proto(reply)

    @strawberry.mutation(description="Replace an enterprise's details, key lists included")
    async def update_enterprise(self, info: strawberry.Info, id: strawberry.ID, input: EnterpriseInput) -> Enterprise:
        reply = await call(info.context.clients.contacts.UpdateEnterprise(
            pb.UpdateEnterpriseRequest(id=str(id), enterprise=input.to_proto(), actor=actor(info))), fields=ENTERPRISE)
        return Enterprise.from_proto(reply)

    @strawberry.mutation(description="Register a project of an enterprise")
    async def register_project(self, info: strawberry.Info, input: ProjectInput) -> Project:
        reply = await call(info.context.clients.contacts.RegisterProject(
            pb.RegisterProjectRequest(project=input.to_proto(), actor=actor(info))), fields=PROJECT)
        return Project.from_proto(reply)

    @strawberry.mutation(description="Replace a project's details, key status included")
    async def update_project(self, info: strawberry.Info, id: strawberry.ID, input: ProjectInput) -> Project:
        reply = await call(info.context.clients.contacts.UpdateProject(
            pb.UpdateProjectRequest(id=str(id), project=input.to_proto(), actor=actor(info))), fields=PROJECT)
        return Project.from_proto(reply)

    @strawberry.mutation(description="Register a city or county leader")
    async def register_leader(self, info: strawberry.Info, input: LeaderInput) -> Leader:
        reply = await call(info.context.clients.contacts.RegisterLeader(
            pb.RegisterLeaderRequest(leader=input.to_proto(), actor=actor(info))), fields=LEADER)
        return Leader.from_proto(reply)

    @strawberry.mutation(description="Replace a leader's details")
    async def update_leader(self, info: strawberry.Info, id: strawberry.ID, input: LeaderInput) -> Leader:
        reply = await call(info.context.clients.contacts.UpdateLeader(
            pb.UpdateLeaderRequest(id=str(id), leader=input.to_proto(), actor=actor(info))), fields=LEADER)
        return Leader.from_proto(reply)

    @strawberry.mutation(description="Item 20: pair a leader with a key enterprise or key project (refused "
                                     "otherwise, or if already paired)")
    async def pair_leader(self, info: strawberry.Info, leader_id: strawberry.ID, target_kind: TargetKind,
                          target_id: strawberry.ID, started_on: date | None = None) -> Pairing:
        reply = await call(info.context.clients.contacts.Pair(pb.PairRequest(
            leader_id=str(leader_id), target_kind=to_proto(pb.TargetKind, target_kind), target_id=str(target_id),
            started_on=day(started_on), actor=actor(info))))
        return Pairing.from_proto(reply)

    @strawberry.mutation(description="End a current pairing; it stays in the history")
    async def end_pairing(self, info: strawberry.Info, pairing_id: strawberry.ID, reason: str = "",
                          ended_on: date | None = None) -> Pairing:
        reply = await call(info.context.clients.contacts.EndPairing(pb.EndPairingRequest(
            pairing_id=str(pairing_id), ended_on=day(ended_on), reason=reason, actor=actor(info))))
        return Pairing.from_proto(reply)

    @strawberry.mutation(description="Item 19: record a visit and the problems raised on it (unpaired visits "
                                     "are recorded and flagged)")
    async def record_visit(self, info: strawberry.Info, input: VisitInput) -> RecordedVisit:
        reply = await call(info.context.clients.contacts.RecordVisit(input.to_proto(actor(info))), fields=VISIT)
        return RecordedVisit(visit=Visit.from_proto(reply.visit),
                             problems=[Problem.from_proto(p) for p in reply.problems])

    @strawberry.mutation(description="Raise another problem on a recorded visit")
    async def raise_problem(self, info: strawberry.Info, visit_id: strawberry.ID, input: ProblemInput) -> Problem:
        reply = await call(info.context.clients.contacts.RaiseProblem(pb.RaiseProblemRequest(
            visit_id=str(visit_id), problem=input.to_proto(), actor=actor(info))), fields=PROBLEM)
        return Problem.from_proto(reply)

    @strawberry.mutation(description="open → coordinating; while coordinating, re-route to another department "
                                     "or due date")
    async def coordinate_problem(self, info: strawberry.Info, problem_id: strawberry.ID, department: str = "",
                                 due_on: date | None = None, note: str = "") -> Problem:
        reply = await call(info.context.clients.contacts.CoordinateProblem(pb.CoordinateProblemRequest(
            problem_id=str(problem_id), department=department, due_on=day(due_on), note=note, actor=actor(info))))
        return Problem.from_proto(reply)

    @strawberry.mutation(description="coordinating → resolved, saying what was done")
    async def resolve_problem(self, info: strawberry.Info, problem_id: strawberry.ID, resolution: str) -> Problem:
        reply = await call(info.context.clients.contacts.ResolveProblem(pb.ResolveProblemRequest(
            problem_id=str(problem_id), resolution=resolution, actor=actor(info))))
        return Problem.from_proto(reply)

    @strawberry.mutation(description="coordinating → closed unresolved, saying why")
    async def close_problem_unresolved(self, info: strawberry.Info, problem_id: strawberry.ID,
                                       reason: str) -> Problem:
        reply = await call(info.context.clients.contacts.CloseProblemUnresolved(pb.CloseProblemUnresolvedRequest(
            problem_id=str(problem_id), reason=reason, actor=actor(info))))
        return Problem.from_proto(reply)

    @strawberry.mutation(description="Item 20: publish the next edition of the pairing list now (it also "
                                     "publishes itself monthly)")
    async def publish_pairing_list(self, info: strawberry.Info, period_end: date | None = None) -> Edition:
        reply = await call(info.context.clients.contacts.PublishEdition(pb.PublishEditionRequest(
            period_end=day(period_end), actor=actor(info))))
        return Edition.from_proto(reply)
