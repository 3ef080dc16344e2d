"""NATS in and out: the ENVIRONMENT stream, the events this service owes, and ``incidents.accepted`` coming in."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from opentelemetry import trace
from pydantic import AwareDatetime, BaseModel, ConfigDict, ValidationError

from meshlib import outbox
from meshlib.bus import Delivery, StreamSpec
from meshlib.envelope import Envelope
from meshlib.mongo import Document

log = logging.getLogger(__name__)

SOURCE = "mesh/environment"
DOMAIN = "environment"

CASE_OPENED = "environment.case.opened"
CASE_INCIDENT_JOINED = "environment.case.incident_joined"
CASE_ESCALATED = "environment.case.escalated"
CASE_REASSIGNED = "environment.case.reassigned"
CASE_CLOSED = "environment.case.closed"
ENFORCEMENT_REFUSED = "environment.enforcement.refused"
FINE_FILED = "environment.fine.filed"
FINE_DECIDED = "environment.fine.decided"
FINE_IMPOSED = "environment.fine.imposed"
FINDING_REGISTERED = "environment.finding.registered"
FINDING_CLOSED = "environment.finding.closed"
ACCOUNTABILITY_RECORDED = "environment.accountability.recorded"
DEADLINE_WARNING = "environment.deadline.warning"
DEADLINE_BREACHED = "environment.deadline.breached"

STREAMS = [
    StreamSpec(
        name="ENVIRONMENT",
        subjects=["environment.case.*", "environment.enforcement.*", "environment.fine.*",
                  "environment.finding.*", "environment.accountability.*", "environment.deadline.*"],
        description="Governance cases, guard refusals, fine filings, findings, accountability, deadlines",
    ),
]

INCIDENTS_STREAM = "INCIDENTS"
"""Owned and declared by the response service; this service only holds a durable consumer on it."""
INCIDENT_ACCEPTED = "incidents.accepted"
INCIDENT_DURABLE = "environment-incidents"


def owed(subject: str, event_id: str, about: str, data: dict[str, Any]) -> Document:
    """An outbox entry for the event ``subject`` (type ``mesh.<subject>``) about entity ``about``."""
    envelope = Envelope(id=event_id, type=f"mesh.{subject}", source=SOURCE, subject=about, data=data)
    return outbox.entry(subject, envelope)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def case_data(doc: Document) -> dict[str, Any]:
    """What case events say about a case."""
    return {
        "case_id": doc["_id"],
        "enterprise_id": doc.get("enterprise_id"),
        "project_id": doc.get("project_id"),
        "offence": doc["offence"],
        "state": doc["state"],
        "level": doc["level"],
        "major": doc["major"],
        "key_protection": doc["key_protection"],
        "territory": doc.get("territory"),
        "responsible_unit": doc.get("responsible_unit"),
        "responsible_leader": doc.get("responsible_leader"),
        "incident_ids": list(doc.get("incident_ids", [])),
        "source": doc["source"],
        "opened_at": _iso(doc.get("opened_at")),
    }


class AcceptedIncident(BaseModel):
    """The part of ``incidents.accepted`` (response service, schema version 1) that item 9 needs."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    incident_id: str
    agency: str
    category: str
    severity: str
    occurred_at: AwareDatetime
    location: str = ""
    description: str = ""
    enterprise_id: str | None = None
    project_id: str | None = None


IncidentHandler = Callable[[AcceptedIncident], Awaitable[object]]


def incident_consumer(handle: IncidentHandler) -> Callable[[Delivery], Awaitable[None]]:
    """The bus handler for ``incidents.accepted``: decode, then hand over; an undecodable event is logged.

    A handler failure (Mongo or contacts unavailable) raises, so the bus redelivers with backoff.
    """

    async def consume(msg: Delivery) -> None:
        try:
            incident = AcceptedIncident.model_validate(Envelope.from_bytes(msg.data).data)
        except (ValidationError, ValueError):
            log.error("ignoring an undecodable incidents.accepted event (stream seq %d)", msg.stream_sequence)
            return
        trace.get_current_span().set_attributes({"mesh.incident.id": incident.incident_id,
                                                 "mesh.incident.category": incident.category})
        await handle(incident)

    return consume
