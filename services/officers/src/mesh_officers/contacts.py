"""What this service asks the contacts service (which owns the enterprise/project registry and problems)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import grpc

from mesh.contacts.v1 import contacts_pb2, contacts_pb2_grpc
from mesh_officers.domain.common import TargetKind
from mesh_officers.domain.projects import KeyLevel, Sector
from meshlib.channels import channel
from meshlib.errors import NotFound

TIMEOUT = 10.0


@dataclass(frozen=True)
class RegisteredProject:
    project_id: str
    owner_enterprise_id: str
    sector: Sector
    investment_fen: int
    key_level: KeyLevel


@dataclass(frozen=True)
class RaisedProblem:
    problem_id: str
    target_kind: TargetKind
    target_id: str
    category: str
    description: str
    department: str


_SECTORS = {
    contacts_pb2.INDUSTRIAL: Sector.INDUSTRIAL,
    contacts_pb2.SERVICE: Sector.SERVICE,
    contacts_pb2.AGRICULTURE: Sector.AGRICULTURE,
    contacts_pb2.ENVIRONMENTAL_PROTECTION: Sector.ENVIRONMENTAL_PROTECTION,
    contacts_pb2.INFRASTRUCTURE: Sector.INFRASTRUCTURE,
    contacts_pb2.PUBLIC_WELFARE: Sector.PUBLIC_WELFARE,
}


def _key_level(key_lists: list[int]) -> KeyLevel:
    if contacts_pb2.PROVINCIAL_KEY_PROJECT in key_lists:
        return KeyLevel.PROVINCIAL
    if contacts_pb2.CITY_KEY_PROJECT in key_lists:
        return KeyLevel.CITY
    return KeyLevel.NONE


def problem_from_event(data: dict[str, Any]) -> RaisedProblem | None:
    """The problem as a ``contacts.problem.raised`` event carries it; None if the event lacks a field."""
    try:
        return RaisedProblem(
            str(data["problem_id"]),
            TargetKind(data["target_kind"]),
            str(data["target_id"]),
            str(data["category"]),
            str(data["description"]),
            str(data["department"]),
        )
    except (KeyError, ValueError):
        return None


class Contacts:
    """A client of the contacts service; its channel is opened on first use and closed with the service."""

    def __init__(self, target: str) -> None:
        self._target = target
        self._channel: grpc.aio.Channel | None = None
        self._stub: contacts_pb2_grpc.ContactsServiceStub | None = None

    def _client(self) -> contacts_pb2_grpc.ContactsServiceStub:
        if self._stub is None:
            self._channel = channel(self._target)
            self._stub = contacts_pb2_grpc.ContactsServiceStub(self._channel)
        return self._stub

    async def close(self) -> None:
        if self._channel is not None:
            await self._channel.close()

    async def project(self, project_id: str) -> RegisteredProject:
        """Item 8: a project's sector, investment and key status, as registered."""
        reply = await self._client().BatchGetProjects(
            contacts_pb2.BatchGetProjectsRequest(ids=[project_id]), timeout=TIMEOUT
        )
        if not reply.projects:
            raise NotFound(
                f"the contacts service has no project {project_id!r}", rule="project-registered", field="project_id"
            )
        p = reply.projects[0]
        return RegisteredProject(
            p.id,
            p.owner_enterprise_id,
            _SECTORS.get(p.sector, Sector.OTHER),
            p.investment_fen,
            _key_level(list(p.key_lists)),
        )

    async def problem(self, problem_id: str) -> RaisedProblem:
        reply = await self._client().BatchGetProblems(
            contacts_pb2.BatchGetProblemsRequest(ids=[problem_id]), timeout=TIMEOUT
        )
        if not reply.problems:
            raise NotFound(
                f"the contacts service has no problem {problem_id!r}", rule="problem-exists", field="problem_id"
            )
        p = reply.problems[0]
        kind = TargetKind.PROJECT if p.target_kind == contacts_pb2.PROJECT else TargetKind.ENTERPRISE
        return RaisedProblem(
            p.id, kind, p.target_id, contacts_pb2.ProblemCategory.Name(p.category).lower(), p.description, p.department
        )
