"""How the response service plugs into the shared runtime."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from mesh.response.v1 import response_pb2, response_pb2_grpc
from mesh_response.events import REPORTS, STREAMS, Intake
from mesh_response.repository import INDEXES, IncidentRepository
from mesh_response.servicer import ResponseServicer
from mesh_response.settings import ResponseSettings
from meshlib.service import Runtime, ServiceSpec

INTAKE_DURABLE = "response-intake"


@asynccontextmanager
async def wire(rt: Runtime[ResponseSettings]) -> AsyncIterator[None]:
    repo = IncidentRepository(rt.db)
    response_pb2_grpc.add_ResponseServiceServicer_to_server(ResponseServicer(repo), rt.server)
    intake = Intake(repo, rt.bus, max_bytes=rt.settings.max_report_bytes,
                    clock_skew=timedelta(seconds=rt.settings.clock_skew_seconds))
    rt.bus.consume(stream="INCIDENTS", durable=INTAKE_DURABLE, subjects=[REPORTS], handler=intake,
                   concurrency=rt.settings.intake_concurrency)
    yield


SPEC = ServiceSpec(
    name="response",
    settings_type=ResponseSettings,
    streams=STREAMS,
    indexes=INDEXES,
    grpc_services=[response_pb2.DESCRIPTOR.services_by_name["ResponseService"].full_name],
    wire=wire,
)
