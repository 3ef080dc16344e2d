"""The rapid-response workflow through the graph (item 9): dispatch, acknowledge, arrive, resolve, transfer, close.

Police and departments act as their unit (the token's agency), and the service refuses a
unit that is not the one responsible; the optimisation office can act on any incident.
"""

from __future__ import annotations

import strawberry

from mesh.response.v1 import response_pb2 as pb
from mesh_gateway.auth import Role
from mesh_gateway.context import actor
from mesh_gateway.errors import call
from mesh_gateway.incidents.types import Incident, IncidentCategory


def _acting(info: strawberry.Info) -> tuple[str, bool]:
    """Who acts, and whether as a unit that must be responsible for the incident."""
    principal = info.context.principal
    if principal.role in (Role.POLICE, Role.DEPARTMENT) and principal.agency:
        return principal.agency, True
    return actor(info), False


async def _change(info: strawberry.Info, rpc: str, incident_id: strawberry.ID, note: str = "",
                  to_unit: str = "", *, note_is: str = "note") -> Incident:
    """A status change by the acting unit or person (a module function: a root resolver's ``self`` is the root
    value, None, not the type).

    The service's request carries the outcome or the reason as its ``note``; a refusal of it names the argument
    the user sent it as, ``note_is``.
    """
    by, as_unit = _acting(info)
    method = getattr(info.context.clients.response, rpc)
    reply = await call(method(pb.StatusChangeRequest(incident_id=str(incident_id), by=by, note=note,
                                                     to_unit_id=to_unit, by_unit=as_unit)),
                       fields={"note": note_is, "by": ""})  # who acts comes from the token, not the user
    return Incident.from_proto(reply)


@strawberry.type(description="A responding unit: a police station or bureau, or a department")
class RespondingUnit:
    id: str
    name: str
    kind: str
    county_code: str
    township_code: str | None
    categories: list[IncidentCategory]

    @classmethod
    def from_proto(cls, u: pb.Unit) -> RespondingUnit:
        return cls(id=u.id, name=u.name, kind=u.kind, county_code=u.county_code, township_code=u.township_code or None,
                   categories=[IncidentCategory(c) for c in u.categories])


@strawberry.type
class IncidentMutation:
    @strawberry.mutation(description="Dispatch to a unit, or (no unitId) to the unit the rule chooses; "
                                     "re-dispatching needs a reason")
    async def dispatch_incident(self, info: strawberry.Info, incident_id: strawberry.ID, unit_id: str | None = None,
                                reason: str | None = None) -> Incident:
        reply = await call(info.context.clients.response.Dispatch(pb.DispatchRequest(
            incident_id=str(incident_id), unit_id=unit_id or "", by=actor(info), reason=reason or "")))
        return Incident.from_proto(reply)

    @strawberry.mutation(description="The responsible unit has taken the incident")
    async def acknowledge_incident(self, info: strawberry.Info, incident_id: strawberry.ID) -> Incident:
        return await _change(info, "Acknowledge", incident_id)

    @strawberry.mutation(description="The responsible unit is on scene")
    async def arrive_on_scene(self, info: strawberry.Info, incident_id: strawberry.ID) -> Incident:
        return await _change(info, "ArriveOnScene", incident_id)

    @strawberry.mutation(description="Resolved on scene, with the outcome")
    async def resolve_incident(self, info: strawberry.Info, incident_id: strawberry.ID, outcome: str) -> Incident:
        return await _change(info, "Resolve", incident_id, note=outcome, note_is="outcome")

    @strawberry.mutation(description="Handed to another unit, with the reason; its clocks run on")
    async def transfer_incident(self, info: strawberry.Info, incident_id: strawberry.ID, to_unit_id: str,
                                reason: str) -> Incident:
        return await _change(info, "Transfer", incident_id, note=reason, to_unit=to_unit_id, note_is="reason")

    @strawberry.mutation(description="Closed as unfounded, with the reason")
    async def close_incident_unfounded(self, info: strawberry.Info, incident_id: strawberry.ID,
                                       reason: str) -> Incident:
        return await _change(info, "CloseUnfounded", incident_id, note=reason, note_is="reason")

    @strawberry.mutation(description="Register or update a responding unit")
    async def register_responding_unit(self, info: strawberry.Info, id: str, name: str, kind: str, county_code: str,
                                       township_code: str | None = None,
                                       categories: list[IncidentCategory] | None = None) -> RespondingUnit:
        reply = await call(info.context.clients.response.RegisterUnit(pb.Unit(
            id=id, name=name, kind=kind, county_code=county_code, township_code=township_code or "",
            categories=[c.value for c in categories or []])))
        return RespondingUnit.from_proto(reply)
