"""gRPC in and out for the response service; conversion at the edge, rules elsewhere."""

from __future__ import annotations

from datetime import UTC

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from mesh.response.v1 import response_pb2, response_pb2_grpc
from mesh_response.repository import IncidentFilter, IncidentRepository, cursor_of
from meshlib.errors import NotFound
from meshlib.mongo import Document

MAX_BATCH = 500


class ResponseServicer(response_pb2_grpc.ResponseServiceServicer):
    def __init__(self, repo: IncidentRepository) -> None:
        self._repo = repo

    async def GetIncident(
        self, request: response_pb2.GetIncidentRequest, context: grpc.aio.ServicerContext
    ) -> response_pb2.Incident:
        doc = await self._repo.get(request.id)
        if doc is None:
            raise NotFound(f"no incident with id {request.id!r}", rule="incident-exists", field="id")
        return to_proto(doc)

    async def BatchGetIncidents(
        self, request: response_pb2.BatchGetIncidentsRequest, context: grpc.aio.ServicerContext
    ) -> response_pb2.BatchGetIncidentsResponse:
        docs = await self._repo.get_many(list(request.ids)[:MAX_BATCH])
        return response_pb2.BatchGetIncidentsResponse(incidents=[to_proto(d) for d in docs])

    async def ListIncidents(
        self, request: response_pb2.ListIncidentsRequest, context: grpc.aio.ServicerContext
    ) -> response_pb2.ListIncidentsResponse:
        docs, token = await self._repo.page(filter_from_proto(request.filter), request.page_size, request.page_token)
        return response_pb2.ListIncidentsResponse(
            incidents=[to_proto(d) for d in docs], next_page_token=token, cursors=[cursor_of(d) for d in docs]
        )


def filter_from_proto(f: response_pb2.IncidentFilter) -> IncidentFilter:
    return IncidentFilter(
        agency=f.agency if f.HasField("agency") else None,
        category=response_pb2.Category.Name(f.category).lower() if f.HasField("category") else None,
        severity=response_pb2.Severity.Name(f.severity).lower() if f.HasField("severity") else None,
        enterprise_id=f.enterprise_id if f.HasField("enterprise_id") else None,
        project_id=f.project_id if f.HasField("project_id") else None,
        occurred_after=f.occurred_after.ToDatetime(UTC) if f.HasField("occurred_after") else None,
        occurred_before=f.occurred_before.ToDatetime(UTC) if f.HasField("occurred_before") else None,
    )


def _ts(value: object) -> Timestamp:
    ts = Timestamp()
    ts.FromDatetime(value)  # type: ignore[arg-type]
    return ts


def to_proto(doc: Document) -> response_pb2.Incident:
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
    )
