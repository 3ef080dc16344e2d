"""Incident queries: one by id (batched), a filtered newest-first page, units, statistics.

Rows are narrowed to what the caller may see: police see the incidents their agency
reported or is responsible for; an enterprise sees those at itself; any other county-level
user sees those that lie in their county (item 9), their county's statistics and units.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import strawberry

from mesh.response.v1 import response_pb2
from mesh_gateway.auth import Principal, Role
from mesh_gateway.county import county_scoped, own_county
from mesh_gateway.errors import call
from mesh_gateway.incidents.mutation import RespondingUnit
from mesh_gateway.incidents.types import Incident, IncidentFilter
from mesh_gateway.pagination import Connection, check_first
from mesh_gateway.proto_time import instant


def scoped(info: strawberry.Info, flt: IncidentFilter | None) -> IncidentFilter:
    """The filter narrowed to the caller's rows (a caller cannot widen it by asking).

    Police are narrowed by agency rather than county: the incidents they report or are
    dispatched may lie in a neighbouring county.
    """
    principal: Principal = info.context.principal
    flt = flt or IncidentFilter()
    if principal.role is Role.POLICE:
        return replace(flt, agency=principal.agency or "\x00none")
    if principal.role is Role.ENTERPRISE:
        return replace(flt, enterprise_id=principal.enterprise_id or "\x00none")
    return county_scoped(info, flt, IncidentFilter)


@strawberry.type
class Durations:
    count: int
    median_seconds: float
    p90_seconds: float


@strawberry.type(description="Counts and response times from receipt (item 9), with clock breaches")
class ResponseStatistics:
    key: str = strawberry.field(description="The unit id, or the category")
    incidents: int
    open: int
    breaches: int
    to_acknowledge: Durations
    to_arrive: Durations
    to_resolve: Durations

    @classmethod
    def from_proto(cls, r: response_pb2.StatisticsRow) -> ResponseStatistics:
        def d(x: response_pb2.Durations) -> Durations:
            return Durations(count=x.count, median_seconds=x.median_seconds, p90_seconds=x.p90_seconds)

        return cls(key=r.key, incidents=r.incidents, open=r.open, breaches=r.breaches,
                   to_acknowledge=d(r.to_acknowledge), to_arrive=d(r.to_arrive), to_resolve=d(r.to_resolve))


@strawberry.type
class IncidentStatistics:
    by_unit: list[ResponseStatistics]
    by_category: list[ResponseStatistics]


@strawberry.type
class IncidentQuery:
    @strawberry.field(description="One incident by id (\"<agency>:<external id>\")")
    async def incident(self, info: strawberry.Info, id: strawberry.ID) -> Incident | None:
        return await Incident.seen(info, str(id), "Query.incident")

    @strawberry.field(description="Incidents newest first, filtered; a page of at most 100")
    async def incidents(
        self, info: strawberry.Info, filter: IncidentFilter | None = None, first: int = 20, after: str | None = None
    ) -> Connection[Incident]:
        flt = scoped(info, filter)
        request = response_pb2.ListIncidentsRequest(
            filter=flt.to_proto(), page_size=check_first(first), page_token=after or ""
        )
        reply = await call(info.context.clients.response.ListIncidents(request))
        nodes = [Incident.from_proto(i) for i in reply.incidents]
        return Connection[Incident].from_page(nodes, list(reply.cursors), reply.next_page_token)

    @strawberry.field(description="Responding units, optionally of one county (item 9: a county-level user always "
                                  "gets their own; police, who hand incidents across county lines, see every unit)")
    async def responding_units(self, info: strawberry.Info, county_code: str | None = None) -> list[RespondingUnit]:
        if info.context.principal.role is not Role.POLICE:
            county_code = own_county(info, county_code)
        request = response_pb2.ListUnitsRequest(county_code=county_code) if county_code else \
            response_pb2.ListUnitsRequest()
        reply = await call(info.context.clients.response.ListUnits(request))
        return [RespondingUnit.from_proto(u) for u in reply.units]

    @strawberry.field(description="Per unit and per category: counts, median and 90th-percentile times, breaches; "
                                  "of one county if given (item 9: a county-level user always gets their own)")
    async def incident_statistics(self, info: strawberry.Info, since: datetime | None = None,
                                  until: datetime | None = None,
                                  county_code: str | None = None) -> IncidentStatistics:
        request = response_pb2.StatisticsRequest(county_code=own_county(info, county_code),
                                                  since=instant(since, "since"), until=instant(until, "until"))
        reply = await call(info.context.clients.response.GetStatistics(request))
        return IncidentStatistics(by_unit=[ResponseStatistics.from_proto(r) for r in reply.by_unit],
                                  by_category=[ResponseStatistics.from_proto(r) for r in reply.by_category])
