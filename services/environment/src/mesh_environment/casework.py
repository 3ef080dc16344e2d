"""Governance cases at work (item 9): opening and joining, territory, escalation, plans, closing.

Every change is one conditional update of the case document that also owes its event
(outbox), followed by the clocks it starts or stops in the shared deadline model. Handlers
that can run twice (a redelivered incident, a re-fired deadline) are idempotent.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from mesh_environment import events
from mesh_environment.domain import cases as rules
from mesh_environment.domain.accountability import AccountabilityKind, Responsible, closed_late, responsible_for
from mesh_environment.domain.cases import (
    ESCALATION_CHAIN,
    CaseSource,
    CaseState,
    ClockPolicy,
    Level,
    Offence,
    OpenCase,
    Site,
    Territory,
)
from mesh_environment.events import AcceptedIncident
from mesh_environment.oversight import AccountabilityLedger
from mesh_environment.repository import new_id, utcnow
from mesh_environment.repository.cases import CaseRepository
from mesh_environment.territory import SiteInfo, TerritoryDirectory
from meshlib import deadlines, outbox
from meshlib.deadlines import Deadline, DeadlineStore
from meshlib.errors import InvalidArgument, NotFound, Refused
from meshlib.mongo import Document
from meshlib.outbox import Outbox

ITEM = "Item 9"
NOT_CLOSED = [s.value for s in CaseState if s is not CaseState.CLOSED]
KEY_FROM_CONTACTS = "key enterprise or project in the contacts registry (item 20)"


def case_id_for_incident(incident_id: str) -> str:
    """The id of the case an incident opens: deterministic, so a redelivery cannot open a second one."""
    return "CASE-" + hashlib.sha256(incident_id.encode()).hexdigest()[:12].upper()


def territory_of(doc: Document) -> Territory | None:
    t = doc.get("territory")
    return None if t is None else Territory(**t)


def site_of(doc: Document) -> Site:
    return Site(doc.get("enterprise_id"), doc.get("project_id"))


def _county(doc: Document) -> str | None:
    """The county a case is assigned to (item 9); None if its territory is unknown."""
    return (doc.get("territory") or {}).get("county_code") or None


@dataclass(frozen=True)
class KeyStatus:
    key: bool
    reason: str


class Casework:
    def __init__(
        self, repo: CaseRepository, clocks_store: DeadlineStore, box: Outbox, directory: TerritoryDirectory,
        ledger: AccountabilityLedger, *, clocks: ClockPolicy, merge_window: timedelta,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._repo = repo
        self._deadlines = clocks_store
        self._box = box
        self._directory = directory
        self._ledger = ledger
        self._clocks = clocks
        self._window = merge_window
        self._clock = clock

    # ---- looking things up ----

    async def get(self, case_id: str, *, field: str = "case_id") -> Document:
        """The case, or NOT_FOUND naming ``field``, the request's field that gave its id."""
        doc = await self._repo.get(case_id)
        if doc is None:
            raise NotFound(f"no case with id {case_id!r}", rule="case-exists", field=field)
        return doc

    async def site_info(self, site: Site) -> SiteInfo | None:
        """Territory from the project when one is named (it is the more precise place), else the enterprise."""
        if site.project_id:
            found = (await self._directory.projects([site.project_id])).get(site.project_id)
            if found is not None:
                if not found.is_key and site.enterprise_id:
                    ent = (await self._directory.enterprises([site.enterprise_id])).get(site.enterprise_id)
                    if ent is not None and ent.is_key:
                        return SiteInfo(found.county_code, found.county_name, found.township_code,
                                        found.township_name, True, found.name)
                return found
        if site.enterprise_id:
            return (await self._directory.enterprises([site.enterprise_id])).get(site.enterprise_id)
        return None

    async def key_status(self, site: Site, info: SiteInfo | None = None) -> KeyStatus:
        """Item 9: key protection from contacts' key status, or a manual addition with its reason."""
        if info is not None and info.is_key:
            return KeyStatus(True, KEY_FROM_CONTACTS)
        manual = await self._repo.key_protection_reason(site)
        return KeyStatus(manual is not None, manual or "")

    async def territory(self, county_code: str, county_name: str, township_code: str,
                        township_name: str) -> Territory:
        return Territory(county_code, county_name, township_code, township_name,
                         await self._repo.leader_of(Level.COUNTY.value, county_code),
                         await self._repo.leader_of(Level.TOWNSHIP.value, township_code))

    # ---- opening: from incidents.accepted, and by hand ----

    async def take_incident(self, inc: AcceptedIncident) -> str | None:
        """Item 9: an accepted incident opens or joins a case, once however often it is delivered."""
        if not rules.opens_case(inc.category, inc.enterprise_id, inc.project_id):
            return None
        now = self._clock()
        site = Site(inc.enterprise_id or None, inc.project_id or None)
        case_id = await self._repo.linked_case(inc.incident_id)
        if case_id is None:
            candidates = [OpenCase(d["_id"], site_of(d), CaseState(d["state"]), d["last_incident_at"])
                          for d in (await self._repo.not_closed_at(site) if site else [])]
            target = rules.case_to_join(candidates, site, inc.occurred_at, self._window)
            case_id = await self._repo.link(inc.incident_id, target or case_id_for_incident(inc.incident_id), now)
        doc = await self._repo.get(case_id)
        if doc is None:
            doc = await self._open_from_incident(case_id, inc, site, now)
        elif inc.incident_id not in doc["incident_ids"]:
            doc = await self._join(doc, inc, now) or await self.get(case_id)
        await self._ensure_clocks(doc)
        await self._box.flush(self._repo.cases, case_id)
        return case_id

    async def _open_from_incident(self, case_id: str, inc: AcceptedIncident, site: Site, now: datetime) -> Document:
        info = await self.site_info(site)
        key = await self.key_status(site, info)
        doc = await self._new_case(
            case_id, site, info, key, offence=rules.offence_of(inc.category), description=inc.description,
            location=inc.location, occurred_at=inc.occurred_at, source=CaseSource.POLICE_INCIDENT,
            source_ref=inc.incident_id, reported_by=inc.agency, major=rules.is_major(inc.severity, key.key),
            incident_ids=[inc.incident_id], now=now,
        )
        # Clocks before the case: whoever can read the case can read its clocks (a retry finds them set).
        await self._ensure_clocks(doc)
        if not await self._repo.insert(doc):
            return await self.get(case_id)
        return doc

    async def _join(self, doc: Document, inc: AcceptedIncident, now: datetime) -> Document | None:
        case_id = doc["_id"]
        becomes_major = rules.is_major(inc.severity, doc["key_protection"]) and not doc["major"]
        joined = {**doc, "incident_ids": [*doc.get("incident_ids", []), inc.incident_id],
                  "major": doc["major"] or becomes_major}  # the case as it is once joined, as every event says
        data = {**events.case_data(joined), "incident_id": inc.incident_id}
        event = events.owed(events.CASE_INCIDENT_JOINED, f"case-incident-joined:{case_id}:{inc.incident_id}",
                            case_id, data)
        if becomes_major:
            await self._ensure_clocks({**doc, "major": True, "ack_started_at": now})
        return await self._repo.add_incident(case_id, inc.incident_id, occurred_at=inc.occurred_at, now=now,
                                             major=becomes_major, events=[event])

    async def open_case(
        self, *, site: Site, offence: Offence, description: str, location: str, occurred_at: datetime | None,
        source: CaseSource, source_ref: str, major: bool, actor: str,
    ) -> Document:
        """Item 9: a case opened by hand (an inspection, a complaint, an enterprise) at a registered site."""
        if not site:
            raise InvalidArgument("a case concerns an enterprise or a project", rule="case-site", item=ITEM,
                                  field="enterprise_id")
        if source is CaseSource.POLICE_INCIDENT:
            raise InvalidArgument("police incidents open cases through incidents.accepted", rule="case-source",
                                  item=ITEM, field="source")
        if not description.strip():
            raise InvalidArgument("say what happened", rule="case-description", item=ITEM, field="description")
        now = self._clock()
        info = await self.site_info(site)
        if info is None:
            raise NotFound("the enterprise or project is not in the contacts registry", rule="site-registered",
                           item=ITEM, field="enterprise_id")
        key = await self.key_status(site, info)
        case_id = new_id("CASE")
        doc = await self._new_case(
            case_id, site, info, key, offence=offence, description=description, location=location,
            occurred_at=occurred_at or now, source=source, source_ref=source_ref, reported_by=actor,
            major=major or key.key, incident_ids=[], now=now,
        )
        await self._ensure_clocks(doc)
        await self._repo.insert(doc)
        await self._box.flush(self._repo.cases, case_id)
        return doc

    async def _new_case(
        self, case_id: str, site: Site, info: SiteInfo | None, key: KeyStatus, *, offence: Offence,
        description: str, location: str, occurred_at: datetime, source: CaseSource, source_ref: str,
        reported_by: str, major: bool, incident_ids: list[str], now: datetime,
    ) -> Document:
        territory = None if info is None else await self.territory(
            info.county_code, info.county_name, info.township_code, info.township_name)
        responsible = responsible_for(territory, Level.TOWNSHIP)
        limit = self._clocks.resolve_limit(now, key.key)
        doc: Document = {
            "_id": case_id, "enterprise_id": site.enterprise_id, "project_id": site.project_id,
            "offence": offence.value, "description": description, "location": location,
            "occurred_at": occurred_at, "source": source.value, "source_ref": source_ref,
            "reported_by": reported_by, "territory": None if territory is None else vars(territory),
            "reassignments": [], "incident_ids": incident_ids, "last_incident_at": occurred_at,
            "key_protection": key.key, "key_protection_reason": key.reason, "major": major,
            "level": Level.TOWNSHIP.value, "level_since": now, "escalations": [],
            "acknowledged_at": None, "acknowledged_by": "",
            "responsible_unit": responsible.unit, "responsible_leader": responsible.leader,
            "state": CaseState.OPEN.value, "plan": None, "progress": [], "outcome": "", "resolved_at": None,
            "recheck_required": rules.needs_recheck(source), "rechecks": [], "closed_at": None,
            "plan_due_at": self._clocks.plan_due(now, key.key), "resolve_limit_at": limit, "resolve_due_at": limit,
            "opened_at": now, "created_at": now, "updated_at": now,
        }
        if major:
            doc["ack_started_at"] = now
        doc[outbox.FIELD] = [events.owed(events.CASE_OPENED, f"case-opened:{case_id}", case_id,
                                         events.case_data(doc))]
        return doc

    # ---- clocks (the shared deadline model) ----

    def _deadline(self, kind: str, doc: Document, suffix: str, *, start: datetime, due: datetime,
                  responsible: Responsible, escalate_to: str | None = None, **data: Any) -> Deadline:
        return Deadline(
            f"{kind}:{doc['_id']}{suffix}", kind, "case", doc["_id"], responsible.unit, due, ITEM,
            warn_at=self._clocks.warn_at(start, due), escalate_to=escalate_to,
            # Item 9: the case's county, so the clock's warning and breach reach that county's users.
            data={"leader": responsible.leader, "key_protection": doc["key_protection"],
                  **deadlines.county_data(_county(doc)), **data},
        )

    async def _ensure_clocks(self, doc: Document) -> None:
        """Start the clocks a case owes (idempotent: a clock already running is left alone)."""
        if doc["state"] == CaseState.CLOSED.value:
            return
        responsible = Responsible(doc["responsible_unit"], doc["responsible_leader"])
        opened = doc["opened_at"]
        if doc.get("plan") is None:
            await self._deadlines.ensure(self._deadline("case-plan", doc, "", start=opened, due=doc["plan_due_at"],
                                                        responsible=responsible))
        await self._deadlines.ensure(self._deadline("case-resolve", doc, "", start=opened,
                                                    due=doc["resolve_due_at"], responsible=responsible))
        if doc["major"] and doc.get("acknowledged_at") is None:
            level = Level(doc["level"])
            # The township's clock starts when the case became major; a higher level's when it got the case.
            start: datetime = doc["level_since"]
            if level is Level.TOWNSHIP and "ack_started_at" in doc:
                start = doc["ack_started_at"]
            nxt = rules.next_level(level)
            await self._deadlines.ensure(self._deadline(
                "case-ack", doc, f":{level.value}", start=start, due=self._clocks.ack_due(start, doc["key_protection"]),
                responsible=responsible, escalate_to=None if nxt is None else nxt.value, level=level.value))

    async def on_deadline(self, deadline: Document, phase: str) -> None:
        """The scanner's hook: an unacknowledged major case escalates; a missing plan is accounted for."""
        if phase != deadlines.BREACHED:
            return
        if deadline["kind"] == "case-ack":
            await self.escalate(deadline)
        elif deadline["kind"] == "case-plan":
            await self._plan_missing(deadline)

    async def escalate(self, deadline: Document) -> Document | None:
        """Item 9: an unacknowledged major case goes up one level (township → county → city), once."""
        from_level = Level(deadline["data"]["level"])
        to_level = rules.next_level(from_level)
        doc = await self._repo.get(deadline["subject_id"])
        if (to_level is None or doc is None or doc["state"] == CaseState.CLOSED.value
                or doc.get("acknowledged_at") is not None):
            return None
        now = self._clock()
        responsible = responsible_for(territory_of(doc), to_level)
        changed = {**doc, "level": to_level.value, "level_since": now, "responsible_unit": responsible.unit,
                   "responsible_leader": responsible.leader}
        # The next level's clock first: if we stop between the two writes, a re-fire finishes the job.
        await self._ensure_clocks(changed)
        event = events.owed(events.CASE_ESCALATED, f"case-escalated:{doc['_id']}:{to_level.value}", doc["_id"],
                            {**events.case_data(changed), "from_level": from_level.value,
                             "to_level": to_level.value})
        updated = await self._repo.transition(
            doc["_id"], states=NOT_CLOSED, extra={"level": from_level.value, "acknowledged_at": None},
            update={"$set": {"level": to_level.value, "level_since": now, "responsible_unit": responsible.unit,
                             "responsible_leader": responsible.leader, "updated_at": now},
                    "$push": {"escalations": {"from_level": from_level.value, "to_level": to_level.value,
                                              "at": now}, **outbox.push(event)}})
        if updated is not None:  # the new clock was built from the case as read: it may have moved since
            await self._repo.place_clocks(doc["_id"], _county(updated))
        await self._box.flush(self._repo.cases, doc["_id"])
        return updated

    async def _plan_missing(self, deadline: Document) -> None:
        doc = await self._repo.get(deadline["subject_id"])
        if doc is None or doc.get("plan") is not None:
            return
        await self._ledger.record(
            kind=AccountabilityKind.PLAN_MISSING, subject_type="case", subject_id=doc["_id"],
            responsible=Responsible(doc["responsible_unit"], doc["responsible_leader"]),
            facts=f"no governance plan for case {doc['_id']} ({doc['offence']}) by {deadline['due_at'].isoformat()}",
            due_at=deadline["due_at"], now=self._clock(), county_code=_county(doc))

    # ---- the responsible level's work ----

    async def acknowledge(self, case_id: str, actor: str) -> Document:
        """Item 9: the responsible level acknowledges; the escalation clock stops at every level."""
        now = self._clock()
        doc = await self._repo.transition(case_id, states=NOT_CLOSED, extra={"acknowledged_at": None},
                                          update={"$set": {"acknowledged_at": now, "acknowledged_by": actor,
                                                           "updated_at": now}})
        if doc is None:
            doc = await self.get(case_id)
            rules.acknowledge(CaseState(doc["state"]))
            return doc  # acknowledged before: nothing changes
        for level in ESCALATION_CHAIN:
            await self._deadlines.met(f"case-ack:{case_id}:{level.value}", now)
        return doc

    async def assign_territory(self, case_id: str, *, county_code: str, county_name: str, township_code: str,
                               township_name: str, reason: str, actor: str) -> Document:
        """Item 9: correct the territory; the reassignment is kept with its reason."""
        for field, code in (("county_code", county_code), ("township_code", township_code)):
            if not code.strip():
                raise InvalidArgument("name the county and the township", rule="territory-codes", item=ITEM,
                                      field=field)
        if not reason.strip():
            raise InvalidArgument("say why the territory was wrong", rule="reassignment-reason", item=ITEM,
                                  field="reason")
        doc = await self.get(case_id)
        rules.reassign(CaseState(doc["state"]))
        now = self._clock()
        territory = await self.territory(county_code, county_name, township_code, township_name)
        responsible = responsible_for(territory, Level(doc["level"]))
        changed = {**doc, "territory": vars(territory), "responsible_unit": responsible.unit,
                   "responsible_leader": responsible.leader}
        n = len(doc["reassignments"]) + 1
        event = events.owed(events.CASE_REASSIGNED, f"case-reassigned:{case_id}:{n}", case_id,
                            {**events.case_data(changed), "from_territory": doc["territory"], "reason": reason})
        updated = await self._repo.transition(
            case_id, states=NOT_CLOSED, extra={"reassignments": {"$size": n - 1}},
            update={"$set": {"territory": vars(territory), "responsible_unit": responsible.unit,
                             "responsible_leader": responsible.leader, "updated_at": now},
                    "$push": {"reassignments": {"from": doc["territory"], "to": vars(territory), "reason": reason,
                                                "actor": actor, "at": now}, **outbox.push(event)}})
        if updated is None:
            raise Refused("the case changed meanwhile; read it again", rule="concurrent-change", item=ITEM)
        await self._repo.place_clocks(case_id, _county(updated))  # item 9: its alerts now reach the new county
        await self._box.flush(self._repo.cases, case_id)
        return updated

    async def file_plan(self, case_id: str, *, measures: Sequence[str], responsible_units: Sequence[str],
                        due_at: datetime | None, actor: str) -> Document:
        """Item 9: the governance plan; its due date becomes the case's resolution deadline."""
        measures = [m.strip() for m in measures if m.strip()]
        units = [u.strip() for u in responsible_units if u.strip()]
        if not measures:
            raise InvalidArgument("a plan lists its measures", rule="plan-measures", item=ITEM, field="measures")
        if not units:
            raise InvalidArgument("a plan names its responsible units", rule="plan-units", item=ITEM,
                                  field="responsible_units")
        if due_at is None:
            raise InvalidArgument("a plan has a due date", rule="plan-due", item=ITEM, field="due_at")
        doc = await self.get(case_id)
        now = self._clock()
        current_due = doc["resolve_due_at"] if doc.get("plan") is not None else None
        rules.file_plan(CaseState(doc["state"]), current_due=current_due, now=now)
        rules.check_plan_due(due_at, now=now, limit=doc["resolve_limit_at"], key=doc["key_protection"])
        plan = {"measures": measures, "responsible_units": units, "due_at": due_at, "filed_at": now,
                "filed_by": actor}
        updated = await self._repo.transition(
            case_id, states=[CaseState.OPEN.value, CaseState.PLANNED.value],
            update={"$set": {"plan": plan, "state": CaseState.PLANNED.value, "resolve_due_at": due_at,
                             "updated_at": now}})
        if updated is None:
            raise Refused("the case changed meanwhile; read it again", rule="concurrent-change", item=ITEM)
        await self._deadlines.met(f"case-plan:{case_id}", now)
        responsible = Responsible(updated["responsible_unit"], updated["responsible_leader"])
        await self._deadlines.set(self._deadline("case-resolve", updated, "", start=now, due=due_at,
                                                 responsible=responsible))
        return updated

    async def add_progress(self, case_id: str, note: str, actor: str) -> Document:
        if not note.strip():
            raise InvalidArgument("a progress update says what happened", rule="progress-note", item=ITEM,
                                  field="note")
        now = self._clock()
        updated = await self._repo.transition(
            case_id, states=NOT_CLOSED,
            update={"$push": {"progress": {"note": note, "actor": actor, "at": now}}, "$set": {"updated_at": now}})
        if updated is None:
            rules.add_progress(CaseState((await self.get(case_id))["state"]))
            raise Refused("the case changed meanwhile; read it again", rule="concurrent-change", item=ITEM)
        return updated

    async def close(self, case_id: str, outcome: str, actor: str) -> Document:
        """Item 9: close with the outcome (awaiting a recheck for inspection and complaint cases)."""
        doc = await self.get(case_id)
        state = rules.close(CaseState(doc["state"]), source=CaseSource(doc["source"]), outcome=outcome)
        now = self._clock()
        fields: Document = {"state": state.value, "outcome": outcome, "resolved_at": now, "resolved_by": actor,
                            "updated_at": now}
        update: Document = {"$set": fields}
        if state is CaseState.CLOSED:
            fields["closed_at"] = now
            update["$push"] = outbox.push(self._closed_event({**doc, **fields}))
        updated = await self._repo.transition(case_id, states=[CaseState.PLANNED.value], update=update)
        if updated is None:
            raise Refused("the case changed meanwhile; read it again", rule="concurrent-change", item=ITEM)
        await self._deadlines.met(f"case-resolve:{case_id}", now)
        if state is CaseState.CLOSED:
            await self._after_close(updated)
        return updated

    async def recheck(self, case_id: str, *, confirmed: bool, note: str, actor: str) -> Document:
        """Item 9: a confirmed recheck closes the case; otherwise work resumes and its clock runs again."""
        doc = await self.get(case_id)
        state = rules.recheck(CaseState(doc["state"]), confirmed=confirmed)
        now = self._clock()
        entry = {"confirmed": confirmed, "note": note, "actor": actor, "at": now}
        if confirmed:
            fields: Document = {"state": state.value, "closed_at": now, "updated_at": now}
            update: Document = {"$set": fields, "$push": {"rechecks": entry,
                                                         **outbox.push(self._closed_event({**doc, **fields}))}}
        else:
            update = {"$set": {"state": state.value, "outcome": "", "resolved_at": None, "updated_at": now},
                      "$push": {"rechecks": entry}}
        updated = await self._repo.transition(case_id, states=[CaseState.AWAITING_RECHECK.value], update=update)
        if updated is None:
            raise Refused("the case changed meanwhile; read it again", rule="concurrent-change", item=ITEM)
        if confirmed:
            await self._after_close(updated)
        else:
            responsible = Responsible(updated["responsible_unit"], updated["responsible_leader"])
            await self._deadlines.set(self._deadline("case-resolve", updated, "", start=updated["opened_at"],
                                                     due=updated["resolve_due_at"], responsible=responsible))
        return updated

    def _closed_event(self, doc: Document) -> Document:
        return events.owed(events.CASE_CLOSED, f"case-closed:{doc['_id']}", doc["_id"],
                           {**events.case_data(doc), "outcome": doc["outcome"]})

    async def _after_close(self, doc: Document) -> None:
        """Stop what is still running; a case resolved after its due date is accounted for (items 9, 18)."""
        for level in ESCALATION_CHAIN:
            await self._deadlines.cancel(f"case-ack:{doc['_id']}:{level.value}")
        await self._deadlines.cancel(f"case-plan:{doc['_id']}")
        await self._box.flush(self._repo.cases, doc["_id"])
        if closed_late(doc["resolve_due_at"], doc["resolved_at"]):
            await self._ledger.record(
                kind=AccountabilityKind.CASE_CLOSED_LATE, subject_type="case", subject_id=doc["_id"],
                responsible=Responsible(doc["responsible_unit"], doc["responsible_leader"]),
                facts=(f"case {doc['_id']} ({doc['offence']}) was due by {doc['resolve_due_at'].isoformat()} "
                       f"and resolved at {doc['resolved_at'].isoformat()}: {doc['outcome']}"),
                due_at=doc["resolve_due_at"], now=self._clock(), county_code=_county(doc))

    # ---- leaders in charge and key protection ----

    async def name_leader(self, level: Level, code: str, leader: str, actor: str) -> Document:
        if level not in (Level.COUNTY, Level.TOWNSHIP):
            raise InvalidArgument("a county or a township names a leader in charge", rule="leader-level",
                                  item=ITEM, field="level")
        for field, value in (("code", code), ("leader", leader)):
            if not value.strip():
                raise InvalidArgument("name the territory code and the leader", rule="leader-named", item=ITEM,
                                      field=field)
        return await self._repo.name_leader(level.value, code, leader, actor, self._clock())

    async def add_key_protection(self, kind: str, site_id: str, reason: str, actor: str) -> Document:
        if not site_id.strip():
            raise InvalidArgument("name the enterprise or project", rule="key-site", item=ITEM, field="site_id")
        if not reason.strip():
            raise InvalidArgument("a manual key-protection addition gives its reason", rule="key-reason",
                                  item=ITEM, field="reason")
        return await self._repo.add_key_protection(kind, site_id, reason, actor, self._clock())

    async def remove_key_protection(self, kind: str, site_id: str, reason: str, actor: str) -> Document:
        if not reason.strip():  # as an addition does: who ended the protection, and why, is kept with it
            raise InvalidArgument("ending a manual key protection gives its reason", rule="key-reason", item=ITEM,
                                  field="reason")
        doc = await self._repo.remove_key_protection(kind, site_id, reason.strip(), actor, self._clock())
        if doc is None:
            raise NotFound(f"{kind} {site_id} is not under manual key protection", rule="key-listed", item=ITEM,
                           field="site_id")
        return doc
