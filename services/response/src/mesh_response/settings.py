"""Settings of the rapid-response service."""

from __future__ import annotations

from dataclasses import dataclass

from mesh_response import domain
from meshlib.config import env
from meshlib.settings import ServiceSettings


@dataclass(frozen=True, kw_only=True)
class ResponseSettings(ServiceSettings):
    grpc_port: int = env("GRPC_PORT", 50054, doc="gRPC port; 0 picks a free one")
    mongodb_database: str = env("MONGODB_DATABASE", "response", doc="database owned by this service")
    max_report_bytes: int = env("INCIDENT_MAX_BYTES", domain.MAX_REPORT_BYTES, doc="largest report accepted")
    clock_skew_seconds: float = env(
        "INCIDENT_CLOCK_SKEW_SECONDS", domain.CLOCK_SKEW.total_seconds(),
        doc="how far in the future occurred_at may be (pushers' clocks drift)",
    )
    intake_concurrency: int = env("INTAKE_CONCURRENCY", 32, doc="reports handled at once per replica")
