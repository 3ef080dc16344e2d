"""NATS in and out: the incident streams, the intake and status consumers, rejected messages."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from opentelemetry import trace

from mesh_response import domain, workflow
from mesh_response.desk import Desk
from mesh_response.repository import IncidentRepository, to_event_data
from meshlib.bus import Bus, Delivery, StreamSpec
from meshlib.envelope import Envelope
from meshlib.errors import DomainError

log = logging.getLogger(__name__)

REPORTS = "incidents.report.*"
"""What agencies push: ``incidents.report.<agency>``."""
STATUS_UPDATES = "incidents.status.*"
"""What responding units push: ``incidents.status.<agency>``."""
ACCEPTED = "incidents.accepted"
REJECTED = "incidents.rejected"
ESCALATED = "incidents.escalated"
DEADLINE_WARNING = "incidents.deadline.warning"
DEADLINE_BREACHED = "incidents.deadline.breached"
WORKFLOW_EVENTS = [f"incidents.{s}" for s in ("dispatched", "acknowledged", "on_scene", "resolved", "transferred",
                                              "closed_unfounded", "escalated")]
"""Each carries the stored incident (:func:`~mesh_response.repository.to_event_data`) as it now is.

``incidents.dispatched`` also says ``previous_status``: the one dispatch out of ``reported`` places the
incident (item 9: its territory, from contacts or the reporting agency, is set there), so that event is
where an incident first carries its county; ``incidents.accepted`` is published before it has one.
"""
SOURCE = "mesh/response"

STREAMS = [
    StreamSpec(
        name="INCIDENTS",
        subjects=[REPORTS, STATUS_UPDATES, ACCEPTED, *WORKFLOW_EVENTS, DEADLINE_WARNING, DEADLINE_BREACHED],
        description="Incident reports and status updates pushed by agencies, and the response service's events",
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


class Rejector:
    """Keeps a refused push aside on ``incidents.rejected``: its original bytes and the reason."""

    def __init__(self, bus: Bus) -> None:
        self._bus = bus

    async def reject(self, msg: Delivery, rejection: domain.Rejection) -> None:
        log.info("rejected %s (seq %d): %s", msg.subject, msg.stream_sequence, rejection.code)
        trace.get_current_span().set_attribute("mesh.rejected", rejection.code)
        headers = {REJECT_CODE: rejection.code, REJECT_REASON: rejection.to_json(), ORIGINAL_SUBJECT: msg.subject}
        if msg.msg_id:
            headers[ORIGINAL_MSG_ID] = msg.msg_id
        # One rejection per pushed message, however often the push is redelivered.
        await self._bus.publish_raw(
            REJECTED, msg.data, msg_id=f"rejected:{msg.stream_sequence}:{msg.msg_id or ''}", headers=headers
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
        self._rejector = Rejector(bus)
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
            await self._rejector.reject(msg, result)
            return
        span.set_attributes({"mesh.incident.id": result.incident_id, "mesh.incident.agency": result.agency,
                             "mesh.incident.category": result.category.value})
        source = {"subject": msg.subject, "stream_sequence": msg.stream_sequence, "msg_id": msg.msg_id}
        doc = await self._repo.upsert_report(result, received_at=now, source=source)
        await self._bus.publish(ACCEPTED, accepted_event(doc))


class StatusIntake:
    """Consumes status updates pushed by responding units; validated like reports (item 9).

    A refusal of the workflow (an illegal transition, a unit that is not responsible, an
    unknown incident) is a rejection too: kept aside with its rule, never retried.
    """

    def __init__(self, desk: Desk, bus: Bus, *, max_bytes: int, clock_skew: timedelta,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._desk = desk
        self._rejector = Rejector(bus)
        self._max_bytes = max_bytes
        self._skew = clock_skew
        self._clock = clock

    async def __call__(self, msg: Delivery) -> None:
        agency = msg.subject.rsplit(".", 1)[-1]
        update = workflow.parse_status_update(msg.data, subject_agency=agency, now=self._clock(),
                                              max_bytes=self._max_bytes, clock_skew=self._skew)
        if isinstance(update, domain.Rejection):
            await self._rejector.reject(msg, update)
            return
        trace.get_current_span().set_attributes({"mesh.incident.id": update.incident_id,
                                                 "mesh.incident.status": update.status})
        try:
            await self._desk.change(
                update.incident_id, workflow.Status(update.status), by=update.unit, note=update.note or "",
                to_unit=update.to_unit or "", at=update.at, channel="nats", update_id=f"{agency}:{update.update_id}",
                require_responsible=True,
            )
        except DomainError as err:
            await self._rejector.reject(msg, domain.Rejection(err.rule, err.message))


class Dispatcher:
    """Consumes ``incidents.accepted``: dispatch by the rule, clocks, escalation (idempotent)."""

    def __init__(self, desk: Desk) -> None:
        self._desk = desk

    async def __call__(self, msg: Delivery) -> None:
        event = Envelope.from_bytes(msg.data)
        await self._desk.on_accepted(event.subject)
