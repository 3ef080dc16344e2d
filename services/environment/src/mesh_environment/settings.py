"""Settings of the peripheral-environment governance service.

The policy names the fine-filing thresholds (fixed in :mod:`mesh_environment.domain.fines`)
but no durations; every duration and window below is a setting with a documented default.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from mesh_environment.domain import fines, guard
from mesh_environment.domain.cases import DEFAULT_MERGE_WINDOW, ClockPolicy
from meshlib.config import env
from meshlib.settings import ServiceSettings

_DAY = 24 * 3600


def _parse_cny(raw: str) -> int:
    return fines.to_fen(raw, field="HEARING_THRESHOLD_CNY")


@dataclass(frozen=True, kw_only=True)
class EnvironmentSettings(ServiceSettings):
    grpc_port: int = env("GRPC_PORT", 50053, doc="gRPC port; 0 picks a free one")
    mongodb_database: str = env("MONGODB_DATABASE", "environment", doc="database owned by this service")
    contacts_target: str = env("CONTACTS_GRPC_TARGET", "127.0.0.1:50051",
                               doc="host:port of the contacts service (territory and key status)")
    contacts_timeout: float = env("CONTACTS_TIMEOUT_SECONDS", 5.0, doc="deadline of a call to contacts")
    merge_window_seconds: float = env(
        "CASE_MERGE_WINDOW_SECONDS", DEFAULT_MERGE_WINDOW.total_seconds(),
        doc="incidents at one enterprise or project this close in time join one open case (item 9)",
    )
    ack_seconds: float = env("MAJOR_ACK_SECONDS", 1800.0,
                             doc="a major case not acknowledged in this time escalates a level (item 9)")
    key_ack_seconds: float = env("KEY_MAJOR_ACK_SECONDS", 900.0, doc="the same, for key-protection sites")
    plan_seconds: float = env("PLAN_DUE_SECONDS", 7.0 * _DAY, doc="time to file a governance plan (item 9)")
    key_plan_seconds: float = env("KEY_PLAN_DUE_SECONDS", 3.0 * _DAY, doc="the same, under key protection")
    resolve_seconds: float = env("CASE_RESOLVE_SECONDS", 30.0 * _DAY, doc="latest due date a plan may set")
    key_resolve_seconds: float = env("KEY_CASE_RESOLVE_SECONDS", 15.0 * _DAY,
                                     doc="the same, under key protection")
    finding_seconds: float = env("FINDING_DUE_SECONDS", 15.0 * _DAY,
                                 doc="default deadline of a supervised finding (item 15)")
    key_finding_seconds: float = env("KEY_FINDING_DUE_SECONDS", 7.0 * _DAY,
                                     doc="the same, at a key-protection site")
    warn_fraction: float = env("DEADLINE_WARN_FRACTION", 0.8,
                               doc="share of the time allowed after which an early warning fires")
    repeat_window_days: int = env("REPEAT_ENFORCEMENT_WINDOW_DAYS", guard.DEFAULT_REPEAT_WINDOW_DAYS,
                                  doc="the same matter is not inspected again within this many days (item 10)")
    hearing_threshold_fen: int = env(
        "HEARING_THRESHOLD_CNY", fines.DEFAULT_HEARING_THRESHOLD_FEN, parse=_parse_cny,
        doc="fines of at least this many CNY are flagged as needing a hearing (item 11)",
    )
    scan_interval: float = env("DEADLINE_SCAN_SECONDS", 1.0, doc="how often due deadlines are looked for")
    outbox_sweep_seconds: float = env("OUTBOX_SWEEP_SECONDS", 10.0,
                                      doc="how often events whose publish was interrupted are re-published")
    incident_concurrency: int = env("INCIDENT_CONCURRENCY", 1,
                                    doc="accepted incidents handled at once per replica (1 keeps merges ordered)")

    @property
    def merge_window(self) -> timedelta:
        return timedelta(seconds=self.merge_window_seconds)

    def clocks(self) -> ClockPolicy:
        s = timedelta(seconds=1)
        return ClockPolicy(
            ack=self.ack_seconds * s, key_ack=self.key_ack_seconds * s,
            plan=self.plan_seconds * s, key_plan=self.key_plan_seconds * s,
            resolve=self.resolve_seconds * s, key_resolve=self.key_resolve_seconds * s,
            finding=self.finding_seconds * s, key_finding=self.key_finding_seconds * s,
            warn_fraction=self.warn_fraction,
        )
