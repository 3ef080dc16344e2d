"""The Incident type and its enums, built from the service's protobuf or from an event."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from mesh.response.v1 import response_pb2
from mesh_gateway.auth import Principal, Role
from mesh_gateway.authorization import forbidden
from mesh_gateway.contacts.types import Enterprise, Project, contacts_loaders
from mesh_gateway.county import row_county, sees
from mesh_gateway.proto_time import instant, timestamp

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


@strawberry.enum(description="Item 9: where an incident is in the response workflow")
class IncidentStatus(Enum):
    REPORTED = "reported"
    DISPATCHED = "dispatched"
    ACKNOWLEDGED = "acknowledged"
    ON_SCENE = "on_scene"
    RESOLVED = "resolved"
    TRANSFERRED = "transferred"
    CLOSED_UNFOUNDED = "closed_unfounded"


@strawberry.type
class IncidentTerritory:
    county_code: str | None
    township_code: str | None
    source: str


@strawberry.type(description="A dispatch to a responding unit (item 9)")
class DispatchRecord:
    unit_id: str
    rule: str = strawberry.field(description="township-unit, county-unit, reporting-agency or manual")
    by: str
    reason: str | None
    at: datetime


@strawberry.type
class StatusChange:
    status: str
    by: str
    channel: str = strawberry.field(description="nats (pushed by the unit), grpc (through the graph), auto")
    note: str | None
    at: datetime


@strawberry.type
class EscalationRecord:
    level: str
    reason: str
    at: datetime


@strawberry.type
class ResponseClock:
    kind: str = strawberry.field(description="acknowledge, arrive or resolve")
    due_at: datetime
    state: str = strawberry.field(description="pending, warned, breached, met or cancelled")
    met_at: datetime | None


def may_see(principal: Principal, incident: response_pb2.Incident) -> bool:
    """Police: their agency's; an enterprise: its own; anyone else: their county's (see mesh_gateway.county)."""
    if principal.role is Role.POLICE:
        return principal.agency in (incident.agency, incident.unit_id)
    if principal.role is Role.ENTERPRISE:
        return bool(incident.enterprise_id) and incident.enterprise_id == principal.enterprise_id
    return sees(principal.county_code, row_county(incident))


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
    unit_id: str | None = strawberry.field(default=None, description="The responding unit now responsible")
    outcome: str | None = None
    reason: str | None = strawberry.field(default=None, description="Why it was transferred or closed as unfounded")
    workflow: strawberry.Private[response_pb2.Incident | None] = None

    @strawberry.field(description="Where it lies, and how that was decided (enterprise, project, reporting agency)")
    def territory(self) -> IncidentTerritory | None:
        if self.workflow is None or not self.workflow.HasField("territory"):
            return None
        t = self.workflow.territory
        return IncidentTerritory(county_code=t.county_code or None, township_code=t.township_code or None,
                                 source=t.source)

    @strawberry.field(description="Item 9: at a key-protection site (a key enterprise or project): tighter clocks")
    def key_protection(self) -> bool:
        return bool(self.workflow and self.workflow.key_protection)

    @strawberry.field(description="Every dispatch, with the rule that chose the unit")
    def dispatches(self) -> list[DispatchRecord]:
        return [DispatchRecord(unit_id=d.unit_id, rule=d.rule, by=d.by, reason=d.reason or None,
                               at=timestamp(d.at)) for d in (self.workflow.dispatches if self.workflow else [])]

    @strawberry.field(description="Every status change: who, through which channel, when")
    def history(self) -> list[StatusChange]:
        return [StatusChange(status=h.status, by=h.by, channel=h.channel, note=h.note or None,
                             at=timestamp(h.at)) for h in (self.workflow.history if self.workflow else [])]

    @strawberry.field(description="Item 9: a major incident goes to the county and the city at once")
    def escalations(self) -> list[EscalationRecord]:
        return [EscalationRecord(level=e.level, reason=e.reason, at=timestamp(e.at))
                for e in (self.workflow.escalations if self.workflow else [])]

    @strawberry.field(description="The response clocks: acknowledge, arrive, resolve")
    def clocks(self) -> list[ResponseClock]:
        return [ResponseClock(kind=c.kind, due_at=timestamp(c.due_at), state=c.state,
                              met_at=timestamp(c.met_at) if c.HasField("met_at") else None)
                for c in (self.workflow.clocks if self.workflow else [])]

    @classmethod
    def from_proto(cls, p: response_pb2.Incident) -> Incident:
        return cls(
            id=strawberry.ID(p.id),
            agency=p.agency,
            external_id=p.external_id,
            category=IncidentCategory[response_pb2.Category.Name(p.category)],
            severity=IncidentSeverity[response_pb2.Severity.Name(p.severity)],
            occurred_at=timestamp(p.occurred_at),
            received_at=timestamp(p.received_at),
            location=p.location,
            enterprise_id=p.enterprise_id if p.HasField("enterprise_id") else None,
            project_id=p.project_id if p.HasField("project_id") else None,
            description=p.description,
            reporter_contact=p.reporter_contact,
            status=p.status,
            unit_id=p.unit_id or None,
            outcome=p.outcome or None,
            reason=p.reason or None,
            workflow=p,
        )

    @classmethod
    def from_event(cls, data: dict[str, Any]) -> Incident:
        """From an ``incidents.*`` event's data, which carries the stored incident (and, once placed, where it lies).

        The event has no dispatches, history or clocks: those lists are empty, as they were before.
        """
        territory = data.get("territory") or {}
        workflow = response_pb2.Incident(
            id=data["incident_id"], unit_id=data.get("unit_id") or "", key_protection=bool(data.get("key_protection")),
            territory=response_pb2.Territory(county_code=territory.get("county_code") or "",
                                             township_code=territory.get("township_code") or "",
                                             source=territory.get("source") or "")) if territory else None
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
            unit_id=data.get("unit_id") or None,
            outcome=data.get("outcome") or None,
            reason=data.get("reason") or None,
            workflow=workflow,
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
        return await cls.seen(info, str(id), "Query._entities")

    @classmethod
    async def seen(cls, info: strawberry.Info, incident_id: str, where: str) -> Incident | None:
        """The incident by id (None if there is none), refused naming ``where`` unless the user may see it
        (:func:`may_see`): ``incident(id)`` and federation's lookup by key alike."""
        found = await info.context.loaders.incidents.load(incident_id)
        if found is None:
            return None
        if not may_see(info.context.principal, found):
            raise forbidden("this incident is not one your agency reported, is responsible for, that concerns "
                            "your enterprise, or that lies in your county", where)
        return cls.from_proto(found)


@strawberry.input
class IncidentFilter:
    agency: str | None = None
    category: IncidentCategory | None = None
    severity: IncidentSeverity | None = None
    enterprise_id: str | None = None
    project_id: str | None = None
    occurred_after: datetime | None = None
    occurred_before: datetime | None = None
    county_code: str | None = strawberry.field(
        default=None, description="Item 9: only incidents that lie in this county (6 digits), by the territory they "
                                  "were dispatched in; a county-level user always gets their own")
    statuses: list[IncidentStatus] | None = strawberry.field(
        default=None, description="Only incidents in one of these statuses, e.g. the open ones (REPORTED, "
                                  "DISPATCHED, ACKNOWLEDGED, ON_SCENE, TRANSFERRED); none or empty: every status")

    def to_proto(self) -> response_pb2.IncidentFilter:
        f = response_pb2.IncidentFilter(occurred_after=instant(self.occurred_after, "filter.occurredAfter"),
                                        occurred_before=instant(self.occurred_before, "filter.occurredBefore"))
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
        if self.county_code is not None:
            f.county_code = self.county_code
        f.statuses.extend(s.value for s in self.statuses or ())
        return f
