"""Settings of the leaders' contacts service."""

from __future__ import annotations

from dataclasses import dataclass

from meshlib.config import env
from meshlib.settings import ServiceSettings

SCHEDULES = ("monthly", "off")


def _schedule(raw: str) -> str:
    value = raw.strip().lower()
    if value not in SCHEDULES:
        raise ValueError(f"expected one of {', '.join(SCHEDULES)}")
    return value


@dataclass(frozen=True, kw_only=True)
class ContactsSettings(ServiceSettings):
    grpc_port: int = env("GRPC_PORT", 50051, doc="gRPC port; 0 picks a free one")
    mongodb_database: str = env("MONGODB_DATABASE", "contacts", doc="database owned by this service")
    edition_schedule: str = env(
        "EDITION_SCHEDULE", "monthly", parse=_schedule,
        doc="when the pairing list is published on its own (item 20): monthly, or off",
    )
    edition_check_seconds: float = env(
        "EDITION_CHECK_SECONDS", 300.0, doc="how often a replica checks whether a scheduled edition is due"
    )
    deadline_scan_seconds: float = env("DEADLINE_SCAN_SECONDS", 5.0, doc="how often problem due dates are checked")
    outbox_relay_seconds: float = env(
        "OUTBOX_RELAY_SECONDS", 10.0, doc="how often events written but not yet published are re-published"
    )
    demo_data: bool = env("DEMO_DATA", False, doc="load the demo city once at start-up (`make run` sets it)")
