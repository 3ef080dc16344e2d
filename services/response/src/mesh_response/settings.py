"""Settings of the rapid-response service."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from mesh_response import domain
from mesh_response.workflow import ClockPolicy
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
    contacts_target: str = env(
        "CONTACTS_GRPC_TARGET", "", doc="host:port of the contacts service, for enterprise territory and key status"
    )
    acknowledge_within: float = env("ACKNOWLEDGE_WITHIN_SECONDS", 600.0, doc="time to acknowledge, from receipt")
    arrive_within: float = env("ARRIVE_WITHIN_SECONDS", 1800.0, doc="time to arrive on scene, from receipt")
    resolve_within: float = env("RESOLVE_WITHIN_SECONDS", 86400.0, doc="time to resolve, from receipt")
    urgent_acknowledge_within: float = env(
        "URGENT_ACKNOWLEDGE_WITHIN_SECONDS", 300.0, doc="the same for major incidents and key-protection sites"
    )
    urgent_arrive_within: float = env("URGENT_ARRIVE_WITHIN_SECONDS", 900.0, doc="arrive, major or key protection")
    urgent_resolve_within: float = env("URGENT_RESOLVE_WITHIN_SECONDS", 28800.0, doc="resolve, major or key protection")
    warn_at_fraction: float = env("CLOCK_WARN_AT_FRACTION", 0.8, doc="early warning at this share of each window")
    demo_data: bool = env("DEMO_DATA", False, doc="load the demo city's responding units at start-up (`make run`)")
    scan_interval: float = env("DEADLINE_SCAN_SECONDS", 1.0, doc="how often clocks are checked")

    def clock_policies(self) -> tuple[ClockPolicy, ClockPolicy]:
        """The normal and the urgent (major incident, key-protection site) response clocks."""
        def policy(ack: float, arrive: float, resolve: float) -> ClockPolicy:
            return ClockPolicy(timedelta(seconds=ack), timedelta(seconds=arrive), timedelta(seconds=resolve),
                               self.warn_at_fraction)
        return (policy(self.acknowledge_within, self.arrive_within, self.resolve_within),
                policy(self.urgent_acknowledge_within, self.urgent_arrive_within, self.urgent_resolve_within))
