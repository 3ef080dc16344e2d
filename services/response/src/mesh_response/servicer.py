"""gRPC in and out for the response service; conversion at the edge, rules elsewhere."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeAlias

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from mesh.response.v1 import response_pb2, response_pb2_grpc
from mesh_response import statistics
from mesh_response.desk import Desk
from mesh_response.domain import AGENCY_PATTERN
from mesh_response.repository import IncidentFilter, IncidentRepository, UnitRepository, cursor_of
from mesh_response.workflow import Status, Unit
from meshlib.deadlines import DeadlineStore
from meshlib.errors import InvalidArgument, NotFound
from meshlib.mongo import Document
from meshlib.windows import window

MAX_BATCH = 500
DEFAULT_PER_ENTERPRISE = 1
MAX_PER_ENTERPRISE = 20
Context: TypeAlias = grpc.aio.ServicerContext[Any, Any]


class ResponseServicer(response_pb2_grpc.ResponseServiceServicer):
    def __init__(self, repo: IncidentRepository, units: UnitRepository, desk: Desk, deadlines: DeadlineStore) -> None:
        self._repo = repo
        self._units = units
        self._desk = desk
        self._deadlines = deadlines

    async def _full(self, doc: Document) -> response_pb2.Incident:
        clocks = await self._deadlines.for_subject("incident", [doc["_id"]])
        return to_proto(doc, clocks)

    async def GetIncident(self, request: response_pb2.GetIncidentRequest, context: Context) -> response_pb2.Incident:
        doc = await self._repo.get(request.id)
        if doc is None:
            raise NotFound(f"no incident with id {request.id!r}", rule="incident-exists", field="id")
        return await self._full(doc)

    async def BatchGetIncidents(
        self, request: response_pb2.BatchGetIncidentsRequest, context: Context
    ) -> response_pb2.BatchGetIncidentsResponse:
        docs = await self._repo.get_many(list(request.ids)[:MAX_BATCH])
        clocks = await self._deadlines.for_subject("incident", [d["_id"] for d in docs])
        by_incident: dict[str, list[Document]] = {}
        for c in clocks:
            by_incident.setdefault(c["subject_id"], []).append(c)
        return response_pb2.BatchGetIncidentsResponse(
            incidents=[to_proto(d, by_incident.get(d["_id"], [])) for d in docs])

    async def ListIncidents(
        self, request: response_pb2.ListIncidentsRequest, context: Context
    ) -> response_pb2.ListIncidentsResponse:
        docs, token = await self._repo.page(filter_from_proto(request.filter), request.page_size, request.page_token)
        return response_pb2.ListIncidentsResponse(
            incidents=[to_proto(d, []) for d in docs], next_page_token=token, cursors=[cursor_of(d) for d in docs]
        )

    async def IncidentsByEnterprises(
        self, request: response_pb2.IncidentsByEnterprisesRequest, context: Context
    ) -> response_pb2.IncidentsByEnterprisesResponse:
        per = request.per_enterprise or DEFAULT_PER_ENTERPRISE
        if not 1 <= per <= MAX_PER_ENTERPRISE:
            raise InvalidArgument(f"per_enterprise must be between 1 and {MAX_PER_ENTERPRISE}",
                                  rule="per-enterprise", field="per_enterprise")
        ids = list(dict.fromkeys(request.enterprise_ids))
        if len(ids) > MAX_BATCH:
            raise InvalidArgument(f"at most {MAX_BATCH} enterprise ids in one call", rule="batch-size",
                                  field="enterprise_ids")
        found = await self._repo.latest_of_enterprises(ids, per)
        return response_pb2.IncidentsByEnterprisesResponse(results=[
            response_pb2.IncidentsOfEnterprise(enterprise_id=i, incidents=[to_proto(d, []) for d in found.get(i, [])])
            for i in ids])

    async def Dispatch(self, request: response_pb2.DispatchRequest, context: Context) -> response_pb2.Incident:
        doc = await self._desk.dispatch(request.incident_id, unit_id=request.unit_id, by=_by(request.by),
                                        reason=request.reason.strip(), channel="grpc")
        return await self._full(doc)

    def _change(self, target: Status) -> Callable[[response_pb2.StatusChangeRequest, Context],
                                                  Awaitable[response_pb2.Incident]]:
        async def change(request: response_pb2.StatusChangeRequest, context: Context) -> response_pb2.Incident:
            at = request.at.ToDatetime(UTC) if request.HasField("at") else None
            if at is not None and at > datetime.now(UTC):
                raise InvalidArgument("at must not be in the future", rule="no-future-times", field="at")
            doc = await self._desk.change(request.incident_id, target, by=_by(request.by), note=request.note,
                                          to_unit=request.to_unit_id, at=at, channel="grpc",
                                          require_responsible=request.by_unit)
            return await self._full(doc)
        return change

    async def Acknowledge(self, request: response_pb2.StatusChangeRequest, context: Context) -> response_pb2.Incident:
        return await self._change(Status.ACKNOWLEDGED)(request, context)

    async def ArriveOnScene(self, request: response_pb2.StatusChangeRequest, context: Context) -> response_pb2.Incident:
        return await self._change(Status.ON_SCENE)(request, context)

    async def Resolve(self, request: response_pb2.StatusChangeRequest, context: Context) -> response_pb2.Incident:
        return await self._change(Status.RESOLVED)(request, context)

    async def Transfer(self, request: response_pb2.StatusChangeRequest, context: Context) -> response_pb2.Incident:
        return await self._change(Status.TRANSFERRED)(request, context)

    async def CloseUnfounded(
        self, request: response_pb2.StatusChangeRequest, context: Context
    ) -> response_pb2.Incident:
        return await self._change(Status.CLOSED_UNFOUNDED)(request, context)

    async def RegisterUnit(self, request: response_pb2.Unit, context: Context) -> response_pb2.Unit:
        if not re.match(AGENCY_PATTERN, request.id):
            raise InvalidArgument("a unit id is lower-case letters, digits and dashes (its NATS agency name)",
                                  rule="unit-id", field="id")
        if not request.name.strip():
            raise InvalidArgument("a unit needs a name", rule="unit-fields", field="name")
        if request.kind not in ("police", "department"):
            raise InvalidArgument("a unit's kind is police or department", rule="unit-fields", field="kind")
        if not request.county_code:
            raise InvalidArgument("a unit needs its county code", rule="unit-territory", field="county_code")
        unit = Unit(request.id, request.name.strip(), request.kind, request.county_code, request.township_code,
                    frozenset(request.categories))
        await self._units.upsert(unit)
        return unit_to_proto(unit)

    async def ListUnits(
        self, request: response_pb2.ListUnitsRequest, context: Context
    ) -> response_pb2.ListUnitsResponse:
        county = request.county_code if request.HasField("county_code") else None
        return response_pb2.ListUnitsResponse(units=[unit_to_proto(u) for u in await self._units.list(county)])

    async def GetStatistics(
        self, request: response_pb2.StatisticsRequest, context: Context
    ) -> response_pb2.StatisticsResponse:
        since = request.since.ToDatetime(UTC) if request.HasField("since") else None
        until = request.until.ToDatetime(UTC) if request.HasField("until") else None
        county = request.county_code if request.HasField("county_code") else None
        docs = await self._repo.received_between(since, until, county)
        clocks = await self._deadlines.for_subject("incident", [d["_id"] for d in docs])
        by_unit, by_category = statistics.compute(docs, statistics.count_breaches(clocks))
        return response_pb2.StatisticsResponse(by_unit=[_row(r) for r in by_unit],
                                               by_category=[_row(r) for r in by_category])


def _by(value: str) -> str:
    return value.strip() or "unknown"


def _row(row: statistics.Row) -> response_pb2.StatisticsRow:
    def d(name: str) -> response_pb2.Durations:
        x = row.durations(name)
        return response_pb2.Durations(count=x.count, median_seconds=x.median_seconds, p90_seconds=x.p90_seconds)

    return response_pb2.StatisticsRow(key=row.key, incidents=row.incidents, open=row.open,
                                      to_acknowledge=d("to_acknowledge"), to_arrive=d("to_arrive"),
                                      to_resolve=d("to_resolve"), breaches=row.breaches)


def unit_to_proto(u: Unit) -> response_pb2.Unit:
    return response_pb2.Unit(id=u.id, name=u.name, kind=u.kind, county_code=u.county_code,
                             township_code=u.township_code, categories=sorted(u.categories))


def filter_from_proto(f: response_pb2.IncidentFilter) -> IncidentFilter:
    return IncidentFilter(
        agency=f.agency if f.HasField("agency") else None,
        category=response_pb2.Category.Name(f.category).lower() if f.HasField("category") else None,
        severity=response_pb2.Severity.Name(f.severity).lower() if f.HasField("severity") else None,
        enterprise_id=f.enterprise_id if f.HasField("enterprise_id") else None,
        project_id=f.project_id if f.HasField("project_id") else None,
        occurred=window(f, "occurred_after", "occurred_before", "filter"),
        county_code=f.county_code if f.HasField("county_code") else None,
        statuses=tuple(_status(s, f"filter.statuses[{i}]") for i, s in enumerate(f.statuses)),
    )


def _status(value: str, field: str) -> str:
    try:
        return Status(value).value
    except ValueError:
        known = ", ".join(s.value for s in Status)
        raise InvalidArgument(f"no incident status {value!r}; the statuses are {known}", rule="incident-status",
                              field=field) from None


def _ts(value: datetime) -> Timestamp:
    ts = Timestamp()
    ts.FromDatetime(value)
    return ts


def to_proto(doc: Document, clocks: list[Document]) -> response_pb2.Incident:
    territory = doc.get("territory") or {}
    return response_pb2.Incident(
        id=doc["_id"],
        agency=doc["agency"],
        external_id=doc["external_id"],
        category=response_pb2.Category.Value(doc["category"].upper()),
        severity=response_pb2.Severity.Value(doc["severity"].upper()),
        occurred_at=_ts(doc["occurred_at"]),
        received_at=_ts(doc["received_at"]),
        location=doc["location"],
        enterprise_id=doc.get("enterprise_id"),
        project_id=doc.get("project_id"),
        description=doc["description"],
        reporter_contact=doc["reporter_contact"],
        status=doc["status"],
        schema_version=doc["schema_version"],
        unit_id=doc.get("unit_id", ""),
        territory=response_pb2.Territory(county_code=territory.get("county_code", ""),
                                         township_code=territory.get("township_code", ""),
                                         source=territory.get("source", "")),
        key_protection=bool(doc.get("key_protection")),
        dispatches=[response_pb2.DispatchRecord(unit_id=d["unit_id"], rule=d["rule"], by=d["by"], reason=d["reason"],
                                                at=_ts(d["at"])) for d in doc.get("dispatches", [])],
        history=[response_pb2.StatusRecord(status=h["status"], by=h["by"], channel=h["channel"], note=h["note"],
                                           at=_ts(h["at"])) for h in doc.get("history", [])],
        escalations=[response_pb2.Escalation(level=e["level"], reason=e["reason"], at=_ts(e["at"]))
                     for e in doc.get("escalations", [])],
        clocks=[response_pb2.Clock(kind=c["kind"].removeprefix("incident-"), due_at=_ts(c["due_at"]), state=c["state"],
                                   met_at=_ts(c["met_at"]) if c.get("met_at") else None)
                for c in sorted(clocks, key=lambda c: c["due_at"])],
        outcome=doc.get("outcome", ""),
        reason=doc.get("reason", ""),
    )
