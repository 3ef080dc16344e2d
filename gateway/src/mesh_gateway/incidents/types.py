"""The Incident type and its enums, built from the service's protobuf or from an event."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from mesh.response.v1 import response_pb2
from mesh_gateway.contacts.types import Enterprise, Project, contacts_loaders

if TYPE_CHECKING:  # the environment's types refer back to Incident: imported lazily (strawberry.lazy)
    from mesh_gateway.environment.types import GovernanceCase

CaseRef = Annotated["GovernanceCase", strawberry.lazy("mesh_gateway.environment.types")]


@strawberry.enum(description="Item 9: the offences around enterprises and projects, plus other")
class IncidentCategory(Enum):
    MARKET_BULLYING = "market_bullying"
    PROVOKING_TROUBLE = "provoking_trouble"
    EXTORTION = "extortion"
    FORCED_LOADING_UNLOADING = "forced_loading_unloading"
    OBSTRUCTION_OF_CONSTRUCTION = "obstruction_of_construction"
    OTHER = "other"


@strawberry.enum
class IncidentSeverity(Enum):
    MINOR = "minor"
    GENERAL = "general"
    SERIOUS = "serious"
    MAJOR = "major"


@strawberry.federation.type(keys=["id"], description="An incident pushed by a police or department system")
class Incident:
    id: strawberry.ID
    agency: str
    external_id: str
    category: IncidentCategory
    severity: IncidentSeverity
    occurred_at: datetime
    received_at: datetime
    location: str
    enterprise_id: str | None
    project_id: str | None
    description: str
    reporter_contact: str
    status: str

    @classmethod
    def from_proto(cls, p: response_pb2.Incident) -> Incident:
        return cls(
            id=strawberry.ID(p.id),
            agency=p.agency,
            external_id=p.external_id,
            category=IncidentCategory[response_pb2.Category.Name(p.category)],
            severity=IncidentSeverity[response_pb2.Severity.Name(p.severity)],
            occurred_at=p.occurred_at.ToDatetime(UTC),
            received_at=p.received_at.ToDatetime(UTC),
            location=p.location,
            enterprise_id=p.enterprise_id if p.HasField("enterprise_id") else None,
            project_id=p.project_id if p.HasField("project_id") else None,
            description=p.description,
            reporter_contact=p.reporter_contact,
            status=p.status,
        )

    @classmethod
    def from_event(cls, data: dict[str, Any]) -> Incident:
        """From ``incidents.accepted`` data, which carries the whole stored incident."""
        return cls(
            id=strawberry.ID(data["incident_id"]),
            agency=data["agency"],
            external_id=data["external_id"],
            category=IncidentCategory(data["category"]),
            severity=IncidentSeverity(data["severity"]),
            occurred_at=datetime.fromisoformat(data["occurred_at"]),
            received_at=datetime.fromisoformat(data["received_at"]),
            location=data["location"],
            enterprise_id=data.get("enterprise_id"),
            project_id=data.get("project_id"),
            description=data["description"],
            reporter_contact=data["reporter_contact"],
            status=data["status"],
        )

    @strawberry.field(description="Item 9: the governance case it opened or joined, if any")
    async def case(self, info: strawberry.Info) -> CaseRef | None:
        from mesh_gateway.environment.types import GovernanceCase

        found = await info.context.loaders.environment.cases_by_incident.load(str(self.id))
        return GovernanceCase.from_proto(found[0]) if found else None

    @strawberry.field(description="The enterprise it happened at (from the contacts registry)")
    async def enterprise(self, info: strawberry.Info) -> Enterprise | None:
        if self.enterprise_id is None:
            return None
        found = await contacts_loaders(info).enterprises.load(self.enterprise_id)
        return None if found is None else Enterprise.from_proto(found)

    @strawberry.field(description="The project it happened at (from the contacts registry)")
    async def project(self, info: strawberry.Info) -> Project | None:
        if self.project_id is None:
            return None
        found = await contacts_loaders(info).projects.load(self.project_id)
        return None if found is None else Project.from_proto(found)

    @classmethod
    async def resolve_reference(cls, info: strawberry.Info, id: strawberry.ID) -> Incident | None:
        found = await info.context.loaders.incidents.load(str(id))
        return None if found is None else cls.from_proto(found)


@strawberry.input
class IncidentFilter:
    agency: str | None = None
    category: IncidentCategory | None = None
    severity: IncidentSeverity | None = None
    enterprise_id: str | None = None
    project_id: str | None = None
    occurred_after: datetime | None = None
    occurred_before: datetime | None = None

    def to_proto(self) -> response_pb2.IncidentFilter:
        f = response_pb2.IncidentFilter()
        if self.agency is not None:
            f.agency = self.agency
        if self.category is not None:
            f.category = response_pb2.Category.Value(self.category.name)
        if self.severity is not None:
            f.severity = response_pb2.Severity.Value(self.severity.name)
        if self.enterprise_id is not None:
            f.enterprise_id = self.enterprise_id
        if self.project_id is not None:
            f.project_id = self.project_id
        if self.occurred_after is not None:
            f.occurred_after.FromDatetime(self.occurred_after)
        if self.occurred_before is not None:
            f.occurred_before.FromDatetime(self.occurred_before)
        return f
