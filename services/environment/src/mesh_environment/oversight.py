"""Supervision at work: inspection groups and supervised findings (item 15), accountability (items 9, 18)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

from mesh_environment import events
from mesh_environment.domain import findings as rules
from mesh_environment.domain.accountability import CLAUSES, AccountabilityKind, Responsible, closed_late
from mesh_environment.domain.cases import ClockPolicy, Site
from mesh_environment.domain.findings import Channel, FindingKind, FindingState
from mesh_environment.repository import new_id, utcnow
from mesh_environment.repository.oversight import OversightRepository
from meshlib import deadlines, outbox
from meshlib.deadlines import Deadline, DeadlineStore
from meshlib.errors import InvalidArgument, NotFound, Refused, under
from meshlib.mongo import Document
from meshlib.outbox import Outbox

ITEM = "Item 15"
SiteLookup = Callable[[Site], Awaitable[tuple[bool, str | None]]]
"""Whether a site is a key one (or under key protection), and the county it lies in (None if unknown)."""


class AccountabilityLedger:
    """Items 9, 18: one record per late case, late finding or missing plan, against the responsible unit."""

    def __init__(self, repo: OversightRepository, box: Outbox) -> None:
        self._repo = repo
        self._box = box

    async def record(self, *, kind: AccountabilityKind, subject_type: str, subject_id: str,
                     responsible: Responsible, facts: str, due_at: datetime | None, now: datetime,
                     county_code: str | None) -> Document:
        """Keep the record; ``county_code`` is its case's or finding's (item 9: that county sees it)."""
        record_id = f"ACC-{kind.value}-{subject_id}"
        doc: Document = {
            "_id": record_id, "kind": kind.value, "county_code": county_code, "responsible_unit": responsible.unit,
            "responsible_leader": responsible.leader, "subject_type": subject_type, "subject_id": subject_id,
            "facts": facts, "due_at": due_at, "clause": CLAUSES[kind], "recorded_at": now, "created_at": now,
        }
        data = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in doc.items() if k != "_id"}
        doc[outbox.FIELD] = [events.owed(events.ACCOUNTABILITY_RECORDED, f"accountability-recorded:{record_id}",
                                         record_id, {"record_id": record_id, **data})]
        await self._repo.record(doc)  # a second call (re-fired deadline) finds it there
        await self._box.flush(self._repo.accountability, record_id)
        doc.pop(outbox.FIELD)
        return doc


class Findings:
    """Item 15: findings registered as supervised cases (挂号督办) with a deadline, to a rechecked resolution."""

    def __init__(self, repo: OversightRepository, clocks_store: DeadlineStore, box: Outbox,
                 ledger: AccountabilityLedger, site_lookup: SiteLookup, *, clocks: ClockPolicy,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self._repo = repo
        self._deadlines = clocks_store
        self._box = box
        self._ledger = ledger
        self._lookup = site_lookup
        self._clocks = clocks
        self._clock = clock

    async def get(self, finding_id: str) -> Document:
        doc = await self._repo.finding(finding_id)
        if doc is None:
            raise NotFound(f"no finding with id {finding_id!r}", rule="finding-exists", field="finding_id")
        return doc

    async def assign_group(self, group_id: str, name: str, sites: Sequence[tuple[str, str]],
                           actor: str) -> Document:
        """Item 15: inspection groups are assigned key enterprises and projects (and only those)."""
        if not group_id.strip():
            raise InvalidArgument("name the inspection group", rule="group-id", item=ITEM, field="group_id")
        for i, (kind, site_id) in enumerate(sites):
            site = Site(enterprise_id=site_id) if kind == "enterprise" else Site(project_id=site_id)
            with under(f"sites[{i}]"):  # the site at fault, by its place in the request
                if not (await self._lookup(site))[0]:
                    raise Refused(f"{kind} {site_id} is not a key enterprise or project (nor under key protection); "
                                  "inspection groups are assigned key sites", rule="inspection-key-sites", item=ITEM,
                                  field="id")
        doc = {"name": name or group_id, "sites": [{"kind": k, "id": i} for k, i in sites],
               "updated_at": self._clock(), "actor": actor}
        return await self._repo.assign_group(group_id, doc)

    async def register(
        self, *, channel: Channel, inspection_group: str, kind: FindingKind, description: str,
        responsible_unit: str, responsible_leader: str, site: Site, due_at: datetime | None, actor: str,
    ) -> Document:
        rules.check_registration(channel=channel, inspection_group=inspection_group,
                                 responsible_unit=responsible_unit, description=description)
        now = self._clock()
        # Item 9: the finding is the county's where its site lies; one at no site has no county.
        key, county = await self._lookup(site) if site else (False, None)
        due = due_at or self._clocks.finding_due(now, key)
        if due <= now:
            raise InvalidArgument("a finding's deadline is in the future", rule="finding-due", item=ITEM,
                                  field="due_at")
        finding_id = new_id("DB")  # 督办
        doc: Document = {
            "_id": finding_id, "channel": channel.value, "inspection_group": inspection_group, "kind": kind.value,
            "description": description, "responsible_unit": responsible_unit,
            "responsible_leader": responsible_leader, "enterprise_id": site.enterprise_id,
            "project_id": site.project_id, "county_code": county, "key_protection": key,
            "state": FindingState.OPEN.value,
            "due_at": due, "outcome": "", "resolved_at": None, "rechecks": [], "closed_at": None,
            "registered_at": now, "created_at": now, "actor": actor,
        }
        doc[outbox.FIELD] = [events.owed(events.FINDING_REGISTERED, f"finding-registered:{finding_id}",
                                         finding_id, _finding_data(doc))]
        await self._repo.insert_finding(doc)
        await self._deadlines.set(self._deadline(doc, start=now))
        await self._box.flush(self._repo.findings, finding_id)
        doc.pop(outbox.FIELD)
        return doc

    def _deadline(self, doc: Document, *, start: datetime) -> Deadline:
        return Deadline(f"finding-resolve:{doc['_id']}", "finding-resolve", "finding", doc["_id"],
                        doc["responsible_unit"], doc["due_at"], ITEM,
                        warn_at=self._clocks.warn_at(min(start, doc["due_at"]), doc["due_at"]),
                        # Item 9: the finding's county, so the clock's warning and breach reach that county.
                        data={"leader": doc["responsible_leader"], "key_protection": doc["key_protection"],
                              **deadlines.county_data(doc.get("county_code"))})

    async def resolve(self, finding_id: str, outcome: str, actor: str) -> Document:
        doc = await self.get(finding_id)
        state = rules.resolve(FindingState(doc["state"]), outcome)
        now = self._clock()
        updated = await self._repo.transition_finding(
            finding_id, FindingState.OPEN.value,
            {"$set": {"state": state.value, "outcome": outcome, "resolved_at": now, "resolved_by": actor}})
        if updated is None:
            raise Refused("the finding changed meanwhile; read it again", rule="concurrent-change", item=ITEM)
        await self._deadlines.met(f"finding-resolve:{finding_id}", now)
        return updated

    async def recheck(self, finding_id: str, *, confirmed: bool, note: str, actor: str) -> Document:
        """Item 15: closed only once a recheck confirms it; resolved after its deadline is accounted for."""
        doc = await self.get(finding_id)
        state = rules.recheck(FindingState(doc["state"]), confirmed=confirmed)
        now = self._clock()
        entry = {"confirmed": confirmed, "note": note, "actor": actor, "at": now}
        if confirmed:
            closed = {**doc, "state": state.value, "closed_at": now}
            event = events.owed(events.FINDING_CLOSED, f"finding-closed:{finding_id}", finding_id,
                                _finding_data(closed))
            update: Document = {"$set": {"state": state.value, "closed_at": now},
                                "$push": {"rechecks": entry, **outbox.push(event)}}
        else:
            update = {"$set": {"state": state.value, "outcome": "", "resolved_at": None},
                      "$push": {"rechecks": entry}}
        updated = await self._repo.transition_finding(finding_id, FindingState.AWAITING_RECHECK.value, update)
        if updated is None:
            raise Refused("the finding changed meanwhile; read it again", rule="concurrent-change", item=ITEM)
        if not confirmed:
            await self._deadlines.set(self._deadline(updated, start=updated["registered_at"]))
            return updated
        await self._box.flush(self._repo.findings, finding_id)
        if closed_late(updated["due_at"], updated["resolved_at"]):
            await self._ledger.record(
                kind=AccountabilityKind.FINDING_CLOSED_LATE, subject_type="finding", subject_id=finding_id,
                responsible=Responsible(updated["responsible_unit"], updated["responsible_leader"]),
                facts=(f"supervised finding {finding_id} ({updated['kind']}) was due by "
                       f"{updated['due_at'].isoformat()} and resolved at {updated['resolved_at'].isoformat()}: "
                       f"{updated['outcome']}"),
                due_at=updated["due_at"], now=now, county_code=updated.get("county_code"))
        return updated


def _finding_data(doc: Document) -> dict[str, object]:
    return {
        "finding_id": doc["_id"], "channel": doc["channel"], "kind": doc["kind"], "state": doc["state"],
        "responsible_unit": doc["responsible_unit"], "responsible_leader": doc["responsible_leader"],
        "enterprise_id": doc["enterprise_id"], "project_id": doc["project_id"],
        "key_protection": doc["key_protection"], "due_at": doc["due_at"].isoformat(),
    }
