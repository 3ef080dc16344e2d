"""The dispatch desk: applies the workflow rules to stored incidents, with their clocks and events.

Every change is one conditional update of the incident (it must still be in the status the
rule was checked against) that also records the events it owes in the incident's outbox;
the events are published right after, or by the outbox sweeper if this process dies first.
The same path serves gRPC calls and status updates pushed on NATS.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from mesh.contacts.v1 import contacts_pb2, contacts_pb2_grpc
from mesh_response import workflow
from mesh_response.repository import IncidentRepository, UnitRepository, to_event_data
from mesh_response.workflow import ClockPolicy, Status, Territory
from meshlib import outbox
from meshlib.deadlines import Deadline, DeadlineStore
from meshlib.envelope import Envelope
from meshlib.errors import InvalidArgument, NotFound, Refused
from meshlib.mongo import Document
from meshlib.outbox import Outbox

log = logging.getLogger(__name__)

SOURCE = "mesh/response"
MAX_RETRIES = 5


def clock_id(kind: str, incident_id: str) -> str:
    return f"incident-{kind}:{incident_id}"


class TerritoryLookup:
    """Where an incident lies: its enterprise's or project's territory (from contacts), else its agency's."""

    def __init__(self, units: UnitRepository, contacts: contacts_pb2_grpc.ContactsServiceStub | None) -> None:
        self._units = units
        self._contacts = contacts

    async def locate(self, doc: Document) -> tuple[Territory, bool]:
        """The territory and whether the site is under key protection (a key enterprise or project)."""
        if self._contacts is not None and doc.get("enterprise_id"):
            reply = await self._contacts.BatchGetEnterprises(
                contacts_pb2.BatchGetEnterprisesRequest(ids=[doc["enterprise_id"]]), timeout=5)
            for e in reply.enterprises:
                return Territory(e.territory.county_code, e.territory.township_code, "enterprise"), e.is_key
        if self._contacts is not None and doc.get("project_id"):
            reply_p = await self._contacts.BatchGetProjects(
                contacts_pb2.BatchGetProjectsRequest(ids=[doc["project_id"]]), timeout=5)
            for p in reply_p.projects:
                return Territory(p.territory.county_code, p.territory.township_code, "project"), p.is_key
        agency = await self._units.get(doc["agency"])
        if agency is not None:
            return Territory(agency.county_code, agency.township_code, "reporting-agency"), False
        return Territory(), False


class Desk:
    def __init__(
        self, incidents: IncidentRepository, units: UnitRepository, deadlines: DeadlineStore, box: Outbox,
        territory: TerritoryLookup, *, normal: ClockPolicy, urgent: ClockPolicy,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._incidents = incidents
        self._units = units
        self._deadlines = deadlines
        self._outbox = box
        self._territory = territory
        self._normal = normal
        self._urgent = urgent
        self._clock = clock

    async def on_accepted(self, incident_id: str) -> None:
        """Dispatch a newly accepted incident by the rule, start its clocks, escalate it if major."""
        doc = await self._get(incident_id)
        if doc["status"] == Status.REPORTED:
            await self.dispatch(incident_id, unit_id="", by="dispatch-rule", reason="", channel="auto")
        else:
            await self._ensure_clocks(await self._get(incident_id))

    async def dispatch(self, incident_id: str, *, unit_id: str, by: str, reason: str, channel: str) -> Document:
        """Dispatch (or re-dispatch) to ``unit_id``, or to the unit the rule chooses when it is empty."""
        for _ in range(MAX_RETRIES):
            doc = await self._get(incident_id)
            current = Status(doc["status"])
            workflow.check_transition(current, Status.DISPATCHED)
            if current != Status.REPORTED and not reason:
                raise InvalidArgument("say why the incident is re-dispatched", rule="redispatch-reason",
                                      item=workflow.ITEM, field="reason")
            territory, key = await self._territory.locate(doc)
            if unit_id:
                if await self._units.get(unit_id) is None:
                    raise NotFound(f"no responding unit {unit_id!r}", rule="unit-exists", field="unit_id")
                choice = workflow.DispatchChoice(unit_id, "manual")
            else:
                units = await self._units.list()
                choice = workflow.choose_unit(units, territory, doc["category"], doc["agency"])
            now = self._clock()
            record = {"unit_id": choice.unit_id, "rule": choice.rule, "by": by, "reason": reason, "at": now}
            dispatched = {"status": "dispatched", "unit_id": choice.unit_id, "rule": choice.rule,
                          "territory": vars(territory), "key_protection": key}
            # The dispatch out of REPORTED places the incident (its territory is known from here on):
            # the gateway delivers incidentReported to county-level subscribers from that one event.
            owed = [self._event(doc, "dispatched", {**dispatched, "previous_status": current.value})]
            escalations: list[Document] = []
            if current == Status.REPORTED:
                for level in workflow.escalation_levels(doc["severity"]):
                    escalations.append({"level": level, "reason": "major incident", "at": now})
                if escalations:
                    owed.append(self._event(doc, "escalated",
                                            {**dispatched, "levels": [e["level"] for e in escalations]}))
            update: Document = {
                "$set": {"status": Status.DISPATCHED.value, "unit_id": choice.unit_id,
                         "territory": vars(territory), "key_protection": key},
                "$push": {"dispatches": record,
                          "history": {"status": "dispatched", "by": by, "channel": channel, "note": reason,
                                      "at": now},
                          "escalations": {"$each": escalations},
                          **outbox.push(*owed)},
            }
            updated = await self._incidents.apply(incident_id, current.value, update)
            if updated is None:
                continue  # changed under us: check the rule again against what it is now
            await self._ensure_clocks(updated)
            if current != Status.REPORTED:  # a re-dispatch: the clocks run on, for the new unit
                for kind in workflow.CLOCK_KINDS:
                    await self._deadlines.reassign(clock_id(kind, incident_id), choice.unit_id)
                # ...and in the county it now lies in (its enterprise may have moved since): their warnings and
                # breaches (data.county_code) reach that county's users, as the incident's list does (item 9).
                await self._deadlines.place("incident", [incident_id], territory.county_code or None)
            await self._outbox.flush(self._incidents.collection, incident_id)
            return updated
        raise Refused("the incident keeps changing; try again", rule="concurrent-change")

    async def change(
        self, incident_id: str, target: Status, *, by: str, note: str = "", to_unit: str = "",
        at: datetime | None = None, channel: str, update_id: str | None = None, require_responsible: bool = False,
    ) -> Document:
        """Move the incident to ``target`` (acknowledged, on scene, resolved, transferred, unfounded)."""
        at = at or self._clock()
        for _ in range(MAX_RETRIES):
            doc = await self._get(incident_id)
            if update_id is not None and update_id in doc.get("applied_updates", []):
                return doc  # a redelivered status update: already applied
            current = Status(doc["status"])
            workflow.check_transition(current, target)
            if require_responsible and by != doc.get("unit_id"):
                raise Refused(f"{by} is not the unit responsible for this incident ({doc.get('unit_id') or 'none'})",
                              rule="responsible-unit", item=workflow.ITEM, field="by")
            fields: Document = {"status": target.value}
            if target == Status.RESOLVED:
                fields["outcome"] = _required(note, "outcome")
            if target in (Status.TRANSFERRED, Status.CLOSED_UNFOUNDED):
                fields["reason"] = _required(note, "reason")
            if target == Status.TRANSFERRED:
                if not to_unit or await self._units.get(to_unit) is None:
                    raise NotFound(f"no responding unit {to_unit!r} to transfer to", rule="unit-exists",
                                   field="to_unit_id")
                fields["unit_id"] = to_unit
            data = {"status": target.value, "by": by, "note": note, "to_unit": to_unit or None,
                    "at": at.isoformat()}
            push: Document = {
                "history": {"status": target.value, "by": by, "channel": channel, "note": note, "at": at},
                **outbox.push(self._event({**doc, **fields}, target.value, data)),  # the incident as it now is
            }
            if update_id is not None:
                push["applied_updates"] = update_id
            updated = await self._incidents.apply(incident_id, current.value, {"$set": fields, "$push": push})
            if updated is None:
                continue
            await self._stop_clocks(incident_id, target, at, to_unit)
            await self._outbox.flush(self._incidents.collection, incident_id)
            return updated
        raise Refused("the incident keeps changing; try again", rule="concurrent-change")

    async def _stop_clocks(self, incident_id: str, target: Status, at: datetime, to_unit: str) -> None:
        for kind in workflow.clocks_met_by(target):
            await self._deadlines.met(clock_id(kind, incident_id), at)
        if target == Status.CLOSED_UNFOUNDED:
            for kind in workflow.CLOCK_KINDS:
                await self._deadlines.cancel(clock_id(kind, incident_id))
        if target == Status.TRANSFERRED:
            for kind in workflow.CLOCK_KINDS:
                await self._deadlines.reassign(clock_id(kind, incident_id), to_unit)

    async def _ensure_clocks(self, doc: Document) -> None:
        if Status(doc["status"]) in workflow.TERMINAL or doc["status"] == Status.REPORTED:
            return
        tight = doc["severity"] == "major" or bool(doc.get("key_protection"))
        dues = workflow.clocks_for(doc["received_at"], tight=tight, normal=self._normal, urgent=self._urgent)
        await self._deadlines.ensure_many([Deadline(
                id=clock_id(due.kind, doc["_id"]), kind=f"incident-{due.kind}", subject_type="incident",
                subject_id=doc["_id"], responsible=doc["unit_id"], due_at=due.due_at, warn_at=due.warn_at,
                escalate_to="county", clause=workflow.ITEM,
                data={"category": doc["category"], "severity": doc["severity"], "tight": tight,
                      "county_code": (doc.get("territory") or {}).get("county_code", "")},
            ) for due in dues])

    async def _get(self, incident_id: str) -> Document:
        doc = await self._incidents.get(incident_id)
        if doc is None:
            raise NotFound(f"no incident with id {incident_id!r}", rule="incident-exists", field="incident_id")
        return doc

    def _event(self, doc: Document, what: str, data: dict[str, Any]) -> Document:
        n = len(doc.get("history", []))
        envelope = Envelope(
            id=f"incident-{what}:{doc['_id']}:{n}", type=f"mesh.incident.{what}", source=SOURCE,
            subject=doc["_id"], data={**to_event_data(doc), **data},
        )
        return outbox.entry(f"incidents.{what}", envelope)


def _required(note: str, what: str) -> str:
    if not note.strip():
        raise InvalidArgument(f"give the {what}", rule=f"{what}-required", item=workflow.ITEM, field="note")
    return note.strip()
