"""Incident queries: one by id (batched), a filtered newest-first page."""

from __future__ import annotations

import strawberry

from mesh.response.v1 import response_pb2
from mesh_gateway.errors import call
from mesh_gateway.incidents.types import Incident, IncidentFilter
from mesh_gateway.pagination import Connection, check_first


@strawberry.type
class IncidentQuery:
    @strawberry.field(description="One incident by id (\"<agency>:<external id>\")")
    async def incident(self, info: strawberry.Info, id: strawberry.ID) -> Incident | None:
        found = await info.context.loaders.incidents.load(str(id))
        return None if found is None else Incident.from_proto(found)

    @strawberry.field(description="Incidents newest first, filtered; a page of at most 100")
    async def incidents(
        self, info: strawberry.Info, filter: IncidentFilter | None = None, first: int = 20, after: str | None = None
    ) -> Connection[Incident]:
        request = response_pb2.ListIncidentsRequest(
            filter=filter.to_proto() if filter else None, page_size=check_first(first), page_token=after or ""
        )
        reply = await call(info.context.clients.response.ListIncidents(request))
        nodes = [Incident.from_proto(i) for i in reply.incidents]
        return Connection[Incident].from_page(nodes, list(reply.cursors), reply.next_page_token)
