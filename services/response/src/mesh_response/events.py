"""NATS in and out: the incident streams, the intake consumer, the accepted and rejected events."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from opentelemetry import trace

from mesh_response import domain
from mesh_response.repository import IncidentRepository, to_event_data
from meshlib.bus import Bus, Delivery, StreamSpec
from meshlib.envelope import Envelope

log = logging.getLogger(__name__)

REPORTS = "incidents.report.*"
"""What agencies push: ``incidents.report.<agency>``."""
ACCEPTED = "incidents.accepted"
REJECTED = "incidents.rejected"
SOURCE = "mesh/response"

STREAMS = [
    StreamSpec(
        name="INCIDENTS",
        subjects=[REPORTS, "incidents.status.*", ACCEPTED, "incidents.escalated", "incidents.resolved"],
        description="Incident reports pushed by agencies, and the response service's incident events",
    ),
    StreamSpec(
        name="INCIDENTS_REJECTED",
        subjects=[REJECTED],
        max_age_seconds=365 * 24 * 3600,
        description="Pushed messages that failed validation: original bytes plus the reason, kept aside",
    ),
]

# Headers of a message on incidents.rejected.
REJECT_CODE = "Mesh-Reject-Code"
REJECT_REASON = "Mesh-Reject-Reason"
ORIGINAL_SUBJECT = "Mesh-Original-Subject"
ORIGINAL_MSG_ID = "Mesh-Original-Msg-Id"


def accepted_event(doc: dict[str, object]) -> Envelope:
    incident_id = str(doc["_id"])
    return Envelope(
        id=f"incident-accepted:{incident_id}", type="mesh.incident.accepted", source=SOURCE,
        subject=incident_id, data=to_event_data(doc),
    )


class Intake:
    """Consumes pushed reports: reject with a reason, or store once and announce ``incidents.accepted``.

    The pushed message is acknowledged only after the store and the event succeeded, so
    the message in the stream is the outbox: a crash in between redelivers it, the upsert
    is a no-op, and the event's deterministic id dedupes the re-publish.
    """

    def __init__(
        self, repo: IncidentRepository, bus: Bus, *, max_bytes: int, clock_skew: timedelta,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._repo = repo
        self._bus = bus
        self._max_bytes = max_bytes
        self._skew = clock_skew
        self._clock = clock

    async def __call__(self, msg: Delivery) -> None:
        span = trace.get_current_span()
        subject_agency = msg.subject.rsplit(".", 1)[-1]
        now = self._clock()
        result = domain.parse_report(msg.data, subject_agency=subject_agency, now=now,
                                     max_bytes=self._max_bytes, clock_skew=self._skew)
        if isinstance(result, domain.Rejection):
            span.set_attribute("mesh.incident.rejected", result.code)
            await self._reject(msg, result)
            return
        span.set_attributes({"mesh.incident.id": result.incident_id, "mesh.incident.agency": result.agency,
                             "mesh.incident.category": result.category.value})
        source = {"subject": msg.subject, "stream_sequence": msg.stream_sequence, "msg_id": msg.msg_id}
        doc = await self._repo.upsert_report(result, received_at=now, source=source)
        await self._bus.publish(ACCEPTED, accepted_event(doc))

    async def _reject(self, msg: Delivery, rejection: domain.Rejection) -> None:
        log.info("rejected %s (seq %d): %s", msg.subject, msg.stream_sequence, rejection.code)
        headers = {
            REJECT_CODE: rejection.code,
            REJECT_REASON: rejection.to_json(),
            ORIGINAL_SUBJECT: msg.subject,
        }
        if msg.msg_id:
            headers[ORIGINAL_MSG_ID] = msg.msg_id
        # One rejection per pushed message, however often the push is redelivered.
        await self._bus.publish_raw(
            REJECTED, msg.data, msg_id=f"rejected:{msg.stream_sequence}:{msg.msg_id or ''}", headers=headers
        )
