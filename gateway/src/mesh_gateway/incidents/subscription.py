"""Live incidents: fed from ``incidents.accepted`` through the hub."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry
from opentelemetry import trace
from opentelemetry.trace import SpanKind

from mesh_gateway.incidents.types import Incident, IncidentCategory, IncidentSeverity

ACCEPTED = "incidents.accepted"
_tracer = trace.get_tracer("mesh_gateway.subscriptions")


@strawberry.type
class IncidentSubscription:
    @strawberry.subscription(description="Each incident as soon as the response service has accepted it")
    async def incident_reported(
        self,
        info: strawberry.Info,
        agency: str | None = None,
        category: IncidentCategory | None = None,
        severity: IncidentSeverity | None = None,
        enterprise_id: str | None = None,
    ) -> AsyncGenerator[Incident, None]:
        with info.context.hub.subscribe(ACCEPTED) as subscriber:
            async for event in subscriber:
                data = event.envelope.data
                if agency is not None and data["agency"] != agency:
                    continue
                if category is not None and data["category"] != category.value:
                    continue
                if severity is not None and data["severity"] != severity.value:
                    continue
                if enterprise_id is not None and data.get("enterprise_id") != enterprise_id:
                    continue
                # The delivery joins the trace that started at the pusher.
                with _tracer.start_as_current_span(
                    "incidentReported deliver", context=event.trace_context, kind=SpanKind.PRODUCER,
                    attributes={"mesh.incident.id": data["incident_id"], "graphql.subscription": "incidentReported"},
                ):
                    incident = Incident.from_event(data)
                yield incident
