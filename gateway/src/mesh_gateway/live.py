"""Subscriptions: what people watch live, fed from the services' events through the hub.

Each subscription delivers only what its subscriber may see (police: their agency's
incidents; an enterprise: its own; a county-level user: its county) and what it asked
for (filters, territory). A subscriber more than ``SUBSCRIBER_QUEUE`` events behind is
disconnected with close code 4429 and a reason, so it never holds the others up.

``incidentReported`` by territory (item 9). An incident has no county when it is accepted: the
response service places it when it dispatches it (from contacts when it names an enterprise or
project, else from the reporting agency), and the ``incidents.dispatched`` event out of ``reported``
(``previous_status``) is the first to carry its territory. So a subscription whose county is known —
a county-level user's own, or the ``countyCode`` anyone asks for — follows those placing events,
and every other one (city-wide users, police by their agency) follows ``incidents.accepted`` as
before, neither waiting for dispatch nor losing what dispatch never places. Each subscription
follows exactly one of the two subjects, and re-dispatches are not placings, so an incident
reaches a subscriber once; the last ``ONCE_WINDOW`` incidents delivered are also remembered, so a
copy republished after the broker's duplicate window is not delivered again. Alternatives left
aside: placing the incident at intake would make intake wait on contacts (and fail with it), and
a territory in ``incidents.accepted`` would be the reporting agency's, wrong for an enterprise's
incident. A county subscriber sees the incident as placed (``dispatched``, with its unit and
territory) a dispatch later than a city-wide one; one placed while contacts is down reaches it
when the dispatch succeeds.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import AsyncGenerator, Callable
from typing import Any, TypeVar

import strawberry
from opentelemetry import trace
from opentelemetry.trace import SpanKind

from mesh_gateway.auth import Principal, Role
from mesh_gateway.county import own_county
from mesh_gateway.hub import Event, SubscriberLagged
from mesh_gateway.incidents.types import Incident, IncidentCategory, IncidentSeverity

log = logging.getLogger(__name__)
_tracer = trace.get_tracer("mesh_gateway.subscriptions")
T = TypeVar("T")

TOO_SLOW = 4429
"""Close code for a subscriber that fell too far behind (4000-4999 are the application's)."""

INCIDENT_TOPICS = {"reported": "incidents.accepted", "placed": "incidents.dispatched",
                   "escalated": "incidents.escalated", "resolved": "incidents.resolved"}
ONCE_WINDOW = 1000
"""How many incidents a subscription to ``incidentReported`` remembers having delivered."""
DEADLINE_DOMAINS = ("incidents", "officers", "environment", "contacts")
CASE_TOPICS = {"opened": "environment.case.opened", "escalated": "environment.case.escalated"}
FEEDS = sorted({*INCIDENT_TOPICS.values(), *CASE_TOPICS.values(),
                *(f"{d}.deadline.{e}" for d in DEADLINE_DOMAINS for e in ("warning", "breached"))})
"""Every subject the gateway follows for its subscriptions."""


def _county(data: dict[str, Any]) -> str | None:
    territory = data.get("territory") or {}
    nested = data.get("data") or {}
    return territory.get("county_code") or nested.get("county_code") or None


def visible(principal: Principal, data: dict[str, Any], *, incident: bool = True) -> bool:
    """Whether an event's subject is one the subscriber may see.

    Police see the incidents (and incident clocks) of their agency, wherever they lie; of anything else (cases,
    other services' deadlines) what lies in their county, as any county-level user (see mesh_gateway.county).
    """
    if principal.role is Role.POLICE and incident:
        return principal.agency is not None and principal.agency in (data.get("agency"), data.get("unit_id"),
                                                                      data.get("responsible"))
    if principal.role is Role.ENTERPRISE:
        return principal.enterprise_id is not None and data.get("enterprise_id") == principal.enterprise_id
    if principal.county_code is not None:
        return _county(data) == principal.county_code
    return True


async def _stream(info: strawberry.Info, field: str, topics: list[str], wanted: Callable[[dict[str, Any]], bool],
                  build: Callable[[Event], T]) -> AsyncGenerator[T, None]:
    context = info.context
    principal = context.principal
    hub = context.hub
    with hub.subscribe_many(topics) as subscriber:
        try:
            async for event in subscriber:
                data = event.envelope.data
                if not visible(principal, data, incident=event.topic.startswith("incidents.")) or not wanted(data):
                    continue
                with _tracer.start_as_current_span(
                    f"{field} deliver", context=event.trace_context, kind=SpanKind.PRODUCER,
                    attributes={"graphql.subscription": field, "mesh.event.id": event.envelope.id},
                ):
                    item = build(event)
                yield item
        except SubscriberLagged as lagged:
            log.info("closing a subscriber of %s: %s", field, lagged)
            websocket = context.request
            if websocket is not None and hasattr(websocket, "close"):
                await websocket.close(code=TOO_SLOW, reason=str(lagged)[:120])
            raise


def _county_asked(info: strawberry.Info, county_code: str | None, *, by_agency: bool = False) -> str | None:
    """The county a subscription follows (None: every county the subscriber may see).

    Item 9: a county-level user asking for another county is refused, as the lists refuse it, rather than
    left waiting for events that never come; police following incidents are scoped by agency, not county.
    """
    if by_agency and info.context.principal.role is Role.POLICE:
        return county_code
    return own_county(info, county_code)


def _in_county(info: strawberry.Info, county_code: str | None, *, by_agency: bool = False) -> Callable[[Any], bool]:
    """The events of the county asked for (see :func:`_county_asked`)."""
    county_code = _county_asked(info, county_code, by_agency=by_agency)
    return lambda d: county_code is None or _county(d) == county_code


def _placed(data: dict[str, Any]) -> bool:
    """Whether an ``incidents.dispatched`` event is the one that placed the incident (not a re-dispatch)."""
    return data.get("previous_status") == "reported"


class _Once:
    """The last ``size`` incident ids a subscription delivered: a republished copy is not delivered again."""

    def __init__(self, size: int = ONCE_WINDOW) -> None:
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._size = size

    def first(self, incident_id: str) -> bool:
        if incident_id in self._seen:
            return False
        self._seen[incident_id] = None
        if len(self._seen) > self._size:
            self._seen.popitem(last=False)
        return True


def _matches(data: dict[str, Any], **wanted: Any) -> bool:
    return all(v is None or data.get(k) == v for k, v in wanted.items())


@strawberry.type(description="A deadline warned before it fell due, or breached after (items 9, 13, 14, 16)")
class DeadlineAlert:
    deadline_id: str
    kind: str
    phase: str = strawberry.field(description="warning or breached")
    subject_type: str
    subject_id: str
    responsible: str
    due_at: str
    clause: str = strawberry.field(description="The policy item the clock enforces")
    county_code: str | None
    escalate_to: str | None

    @classmethod
    def from_event(cls, event: Event) -> DeadlineAlert:
        d = event.envelope.data
        return cls(deadline_id=d["deadline_id"], kind=d["kind"], phase=event.topic.rsplit(".", 1)[-1],
                   subject_type=d["subject_type"], subject_id=d["subject_id"], responsible=d["responsible"],
                   due_at=d["due_at"], clause=d["clause"], county_code=_county(d), escalate_to=d.get("escalate_to"))


@strawberry.type(description="A governance case around an enterprise or project (item 9)")
class CaseAlert:
    case_id: strawberry.ID
    enterprise_id: str | None
    project_id: str | None
    offence: str
    state: str
    level: str
    major: bool
    key_protection: bool
    county_code: str | None
    incident_ids: list[str]

    @classmethod
    def from_event(cls, event: Event) -> CaseAlert:
        d = event.envelope.data
        return cls(case_id=strawberry.ID(d["case_id"]), enterprise_id=d.get("enterprise_id"),
                   project_id=d.get("project_id"), offence=d["offence"], state=d["state"], level=d["level"],
                   major=bool(d.get("major")), key_protection=bool(d.get("key_protection")), county_code=_county(d),
                   incident_ids=list(d.get("incident_ids", [])))


def _incident(event: Event) -> Incident:
    return Incident.from_event(event.envelope.data)


@strawberry.type
class LiveSubscription:
    @strawberry.subscription(description=(
        "Each incident once: as soon as the response service has accepted it, or, followed by county (a "
        "county-level user's own, or the countyCode asked for), as soon as it is placed in that county by its "
        "dispatch (item 9); police follow their agency's, wherever they lie"))
    async def incident_reported(
        self, info: strawberry.Info, agency: str | None = None, category: IncidentCategory | None = None,
        severity: IncidentSeverity | None = None, enterprise_id: str | None = None, county_code: str | None = None,
    ) -> AsyncGenerator[Incident, None]:
        county = _county_asked(info, county_code, by_agency=True)
        once = _Once()

        def wanted(d: dict[str, Any]) -> bool:
            return ((county is None or (_placed(d) and _county(d) == county))
                    and _matches(d, agency=agency, category=category and category.value,
                                 severity=severity and severity.value, enterprise_id=enterprise_id)
                    and once.first(str(d.get("incident_id"))))

        topic = INCIDENT_TOPICS["reported" if county is None else "placed"]
        async for item in _stream(info, "incidentReported", [topic], wanted, _incident):
            yield item

    @strawberry.subscription(description="Major incidents escalated to the county and the city (item 9)")
    async def incident_escalated(self, info: strawberry.Info,
                                 county_code: str | None = None) -> AsyncGenerator[Incident, None]:
        async for item in _stream(info, "incidentEscalated", [INCIDENT_TOPICS["escalated"]],
                                  _in_county(info, county_code, by_agency=True), _incident):
            yield item

    @strawberry.subscription(description="Incidents resolved on scene")
    async def incident_resolved(self, info: strawberry.Info,
                                county_code: str | None = None) -> AsyncGenerator[Incident, None]:
        async for item in _stream(info, "incidentResolved", [INCIDENT_TOPICS["resolved"]],
                                  _in_county(info, county_code, by_agency=True), _incident):
            yield item

    @strawberry.subscription(description="Early warnings of deadlines about to fall due, in every service")
    async def deadline_warning(self, info: strawberry.Info,
                               county_code: str | None = None) -> AsyncGenerator[DeadlineAlert, None]:
        topics = [f"{d}.deadline.warning" for d in DEADLINE_DOMAINS]
        async for item in _stream(info, "deadlineWarning", topics, _in_county(info, county_code),
                                  DeadlineAlert.from_event):
            yield item

    @strawberry.subscription(description="Deadlines breached, in every service")
    async def deadline_breached(self, info: strawberry.Info,
                                county_code: str | None = None) -> AsyncGenerator[DeadlineAlert, None]:
        topics = [f"{d}.deadline.breached" for d in DEADLINE_DOMAINS]
        async for item in _stream(info, "deadlineBreached", topics, _in_county(info, county_code),
                                  DeadlineAlert.from_event):
            yield item

    @strawberry.subscription(description="Governance cases opened (item 9)")
    async def case_opened(self, info: strawberry.Info,
                          county_code: str | None = None) -> AsyncGenerator[CaseAlert, None]:
        async for item in _stream(info, "caseOpened", [CASE_TOPICS["opened"]], _in_county(info, county_code),
                                  CaseAlert.from_event):
            yield item

    @strawberry.subscription(description="Governance cases escalated to the county or the city (item 9)")
    async def case_escalated(self, info: strawberry.Info,
                             county_code: str | None = None) -> AsyncGenerator[CaseAlert, None]:
        async for item in _stream(info, "caseEscalated", [CASE_TOPICS["escalated"]], _in_county(info, county_code),
                                  CaseAlert.from_event):
            yield item
