"""What the service does when asked: rules from :mod:`mesh_contacts.domain`, storage, events.

Every change is one write that carries its own event (see :mod:`meshlib.outbox`);
the event is published right after, inside the caller's trace. Changes that race are
settled by compare-and-set on the stored state or by a unique index, never by luck.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import UTC, date, datetime
from typing import Any

from pymongo.errors import DuplicateKeyError

from mesh_contacts import events
from mesh_contacts.domain import editions as ed
from mesh_contacts.domain.calendar import city_today
from mesh_contacts.domain.pairing import (
    Leader,
    LeaderInput,
    LeaderLevel,
    Target,
    TargetKind,
    check_end,
    check_pairing,
    pairing_on,
    validate_leader,
)
from mesh_contacts.domain.problems import (
    Action,
    ProblemInput,
    ProblemStatus,
    check_due,
    check_visit_date,
    coordination_action,
    next_status,
    require_text,
    validate_problem,
)
from mesh_contacts.domain.registry import (
    EnterpriseInput,
    ProjectInput,
    Territory,
    is_key_enterprise,
    is_key_project,
    validate_enterprise,
    validate_project,
)
from mesh_contacts.repository import EDITIONS, ENTERPRISES, LEADERS, PAIRINGS, PROBLEMS, PROJECTS, VISITS, Repository
from meshlib.errors import AlreadyExists, NotFound, Refused, under
from meshlib.mongo import Document
from meshlib.outbox import FIELD as OUTBOX
from meshlib.outbox import Outbox

SYSTEM = "system"
_RETRIES = 5


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(6)}"


def _actor(actor: str) -> str:
    return actor.strip() or "unknown"


def territory_doc(t: Territory) -> Document:
    return asdict(t)


class Contacts:
    """The service's commands; reads go straight to the :class:`Repository`."""

    def __init__(self, repo: Repository, outbox: Outbox, *, clock: Callable[[], datetime] = utcnow) -> None:
        self.repo = repo
        self.outbox = outbox
        self.clock = clock

    def at(self, clock: Callable[[], datetime]) -> Contacts:
        """The same commands on another clock (the demo loader records the past this way)."""
        return Contacts(self.repo, self.outbox, clock=clock)

    def now(self) -> datetime:
        """The clock, to the millisecond (what the database keeps), so a reply equals a later read."""
        t = self.clock()
        return t.replace(microsecond=t.microsecond // 1000 * 1000)

    def today(self) -> date:
        return city_today(self.now())

    async def _flush(self, collection: str, doc_id: object) -> None:
        await self.outbox.flush(self.repo.db[collection], doc_id)

    async def _insert(self, collection: str, doc: Document, subject: str, event_id: str,
                      data: dict[str, Any]) -> Document:
        doc[OUTBOX] = [events.entry(subject, event_id, str(doc["_id"]), data, doc.get("updated_at", self.now()))]
        await self.repo.insert(collection, doc)
        await self._flush(collection, doc["_id"])
        del doc[OUTBOX]
        return doc

    async def _get(self, collection: str, doc_id: str, what: str, field: str = "id") -> Document:
        """The document, or NOT_FOUND naming ``field``, the request's field that gave its id."""
        doc = await self.repo.get(collection, doc_id)
        if doc is None:
            raise NotFound(f"no {what} with id {doc_id!r}", rule=f"{what}-exists", field=field)
        return doc

    # -- registry -------------------------------------------------------------------------

    async def register_enterprise(self, given: EnterpriseInput, actor: str, *, id: str | None = None) -> Document:
        with under("enterprise"):
            e = validate_enterprise(given)
        now = self.now()
        doc = {"_id": id or new_id("ent"), **_enterprise_fields(e), "registered_at": now, "updated_at": now,
               "registered_by": _actor(actor), "updated_by": _actor(actor), "version": 1}
        try:
            return await self._insert(ENTERPRISES, doc, events.ENTERPRISE_REGISTERED,
                                      f"enterprise-registered:{doc['_id']}", events.enterprise_data(doc))
        except DuplicateKeyError as exc:
            raise _clash(exc, e.credit_code) from None

    async def update_enterprise(self, enterprise_id: str, given: EnterpriseInput, actor: str) -> Document:
        with under("enterprise"):
            e = validate_enterprise(given)
        for _ in range(_RETRIES):
            current = await self._get(ENTERPRISES, enterprise_id, "enterprise")
            fields = {**_enterprise_fields(e), "updated_at": self.now(), "updated_by": _actor(actor),
                      "version": current["version"] + 1}
            try:
                doc = await self._versioned(ENTERPRISES, current, fields, events.ENTERPRISE_UPDATED, "enterprise",
                                            events.enterprise_data)
            except DuplicateKeyError as exc:
                raise _clash(exc, e.credit_code) from None
            if doc is not None:
                await self.repo.follow_territory(enterprise_id, doc["territory"])
                return doc
        raise _busy("enterprise")

    async def register_project(self, given: ProjectInput, actor: str, *, id: str | None = None) -> Document:
        with under("project"):
            p = validate_project(given)
        await self._owner(p.owner_enterprise_id)
        now = self.now()
        doc = {"_id": id or new_id("prj"), **_project_fields(p), "registered_at": now, "updated_at": now,
               "registered_by": _actor(actor), "updated_by": _actor(actor), "version": 1}
        try:
            return await self._insert(PROJECTS, doc, events.PROJECT_REGISTERED, f"project-registered:{doc['_id']}",
                                      events.project_data(doc))
        except DuplicateKeyError:
            raise AlreadyExists(f"a project with id {doc['_id']!r} exists", rule="id-unique", field="id") from None

    async def update_project(self, project_id: str, given: ProjectInput, actor: str) -> Document:
        with under("project"):
            p = validate_project(given)
        await self._owner(p.owner_enterprise_id)
        for _ in range(_RETRIES):
            current = await self._get(PROJECTS, project_id, "project")
            fields = {**_project_fields(p), "updated_at": self.now(), "updated_by": _actor(actor),
                      "version": current["version"] + 1}
            doc = await self._versioned(PROJECTS, current, fields, events.PROJECT_UPDATED, "project",
                                        events.project_data)
            if doc is not None:
                await self.repo.follow_territory(project_id, doc["territory"])
                return doc
        raise _busy("project")

    async def _owner(self, enterprise_id: str) -> None:
        if await self.repo.get(ENTERPRISES, enterprise_id) is None:
            raise NotFound(f"no enterprise with id {enterprise_id!r} to own the project", rule="owner-exists",
                           field="project.owner_enterprise_id")

    async def _versioned(self, collection: str, current: Document, fields: Document, subject: str, noun: str,
                         data: Callable[[Document], dict[str, Any]]) -> Document | None:
        """Replace fields if nobody changed the document since ``current`` was read; None if somebody did."""
        after = {**current, **fields}
        item = events.entry(subject, f"{noun}-updated:{current['_id']}:{fields['version']}", current["_id"],
                            data(after), fields["updated_at"])
        doc = await self.repo.update(collection, {"_id": current["_id"], "version": current["version"]},
                                     {"$set": fields, "$push": {OUTBOX: item}})
        if doc is not None:
            await self._flush(collection, doc["_id"])
        return doc

    # -- leaders --------------------------------------------------------------------------

    async def register_leader(self, given: LeaderInput, actor: str, *, id: str | None = None) -> Document:
        with under("leader"):
            leader = validate_leader(given)
        now = self.now()
        doc = {"_id": id or new_id("ldr"), **_leader_fields(leader), "registered_at": now, "updated_at": now,
               "registered_by": _actor(actor), "updated_by": _actor(actor), "version": 1}
        try:
            return await self._insert(LEADERS, doc, events.LEADER_REGISTERED, f"leader-registered:{doc['_id']}",
                                      events.leader_data(doc))
        except DuplicateKeyError:
            raise AlreadyExists(f"a leader with id {doc['_id']!r} exists", rule="id-unique", field="id") from None

    async def update_leader(self, leader_id: str, given: LeaderInput, actor: str) -> Document:
        with under("leader"):
            leader = validate_leader(given)
        for _ in range(_RETRIES):
            current = await self._get(LEADERS, leader_id, "leader")
            fields = {**_leader_fields(leader), "updated_at": self.now(), "updated_by": _actor(actor),
                      "version": current["version"] + 1}
            doc = await self._versioned(LEADERS, current, fields, events.LEADER_UPDATED, "leader",
                                        events.leader_data)
            if doc is not None:
                return doc
        raise _busy("leader")

    # -- pairings (item 20) -----------------------------------------------------------------

    async def target(self, kind: TargetKind, target_id: str) -> tuple[Target, Document]:
        collection, noun = (ENTERPRISES, "enterprise") if kind is TargetKind.ENTERPRISE else (PROJECTS, "project")
        doc = await self.repo.get(collection, target_id)
        if doc is None:
            raise NotFound(f"no {noun} with id {target_id!r}", rule="target-exists", field="target_id")
        t = doc["territory"]
        return Target(kind, doc["_id"], doc["name"], bool(doc["is_key"]),
                      Territory(t["county_code"], t["county_name"], t["township_code"], t["township_name"])), doc

    async def pair(self, leader_id: str, kind: TargetKind, target_id: str, started_on: date | None, actor: str,
                   *, id: str | None = None) -> Document:
        """Item 20: pair a leader with a key target; the pairing is the county's where the target lies (item 9).

        The target's territory is copied onto the pairing (see :data:`~mesh_contacts.repository.COUNTY`), so
        a county's list of pairings is one indexed query, whichever level the leader is.
        """
        leader = await self._get(LEADERS, leader_id, "leader", "leader_id")
        target, target_doc = await self.target(kind, target_id)
        check_pairing(Leader(leader["_id"], LeaderLevel(leader["level"]), leader["county_code"]), target,
                      await self.repo.current_leaders_of(target_id))
        now = self.now()
        doc: Document = {
            "_id": id or new_id("pair"), "leader_id": leader_id, "target_kind": kind.value, "target_id": target_id,
            "territory": target_doc["territory"], "started_on": (started_on or self.today()).isoformat(),
            "ended_on": None, "end_reason": "",
            "current": True, "current_key": f"{leader_id}:{target_id}", "created_at": now, "updated_at": now,
            "created_by": _actor(actor), "ended_by": "",
        }
        try:
            return await self._insert(PAIRINGS, doc, events.PAIRING_STARTED, f"pairing-started:{doc['_id']}",
                                      events.pairing_data(doc))
        except DuplicateKeyError as exc:
            if "current_key" in str(exc):
                raise Refused(f"the leader is already paired with {target.name}", rule="pair-once", item="Item 20",
                              field="target_id") from None
            raise AlreadyExists(f"a pairing with id {doc['_id']!r} exists", rule="id-unique", field="id") from None

    async def end_pairing(self, pairing_id: str, ended_on: date | None, reason: str, actor: str) -> Document:
        current = await self._get(PAIRINGS, pairing_id, "pairing", "pairing_id")
        if not current["current"]:
            raise Refused(f"the pairing ended on {current['ended_on']}", rule="pairing-ended", item="Item 20",
                          field="pairing_id")
        end = ended_on or self.today()
        check_end(date.fromisoformat(current["started_on"]), end)
        now = self.now()
        fields = {"current": False, "ended_on": end.isoformat(), "end_reason": reason.strip(), "ended_at": now,
                  "ended_by": _actor(actor), "updated_at": now, "current_key": f"ended:{pairing_id}"}
        item = events.entry(events.PAIRING_ENDED, f"pairing-ended:{pairing_id}", pairing_id,
                            events.pairing_data({**current, **fields}), now)
        doc = await self.repo.update(PAIRINGS, {"_id": pairing_id, "current": True},
                                     {"$set": fields, "$push": {OUTBOX: item}})
        if doc is None:
            raise Refused("the pairing has just been ended", rule="pairing-ended", item="Item 20", field="pairing_id")
        await self._flush(PAIRINGS, pairing_id)
        return doc

    async def backfill_territory(self) -> int:
        """Item 9: give pairings stored before they carried a territory their target's; how many targets."""
        moved = 0
        for kind, target_id in await self.repo.targets_without_territory():
            doc = await self.repo.get(ENTERPRISES if kind == TargetKind.ENTERPRISE.value else PROJECTS, target_id)
            if doc is not None:
                await self.repo.follow_territory(target_id, doc["territory"])
                moved += 1
        return moved

    # -- visits and problems (items 19, 20) -------------------------------------------------------

    async def record_visit(
        self, leader_id: str, kind: TargetKind, target_id: str, visited_on: date | None, participants: Sequence[str],
        learned: str, problems: Sequence[ProblemInput], actor: str, *, id: str | None = None,
        problem_ids: Sequence[str] = (),
    ) -> tuple[Document, list[Document]]:
        """Item 19: a visit, flagged unpaired when no pairing of the leader with the target ran that day.

        It carries its target's territory, as the pairing it is made under does, and its problems carry the
        visit's: item 9 makes the county where the target lies responsible (see
        :data:`~mesh_contacts.repository.COUNTY`).
        """
        await self._get(LEADERS, leader_id, "leader", "leader_id")
        _, target = await self.target(kind, target_id)
        today = self.today()
        day = visited_on or today
        check_visit_date(day, today)
        valid: list[ProblemInput] = []
        for i, p in enumerate(problems):
            with under(f"problems[{i}]"):
                valid.append(validate_problem(p, kind, today))
        pairing_id = pairing_on(await self.repo.spans(leader_id, target_id), day)
        now = self.now()
        visit_id = id or new_id("vis")
        pids = list(problem_ids) or [new_id("prb") for _ in valid]
        visit: Document = {
            "_id": visit_id, "leader_id": leader_id, "target_kind": kind.value, "target_id": target_id,
            "territory": target["territory"], "visited_on": day.isoformat(),
            "participants": [p.strip() for p in participants if p.strip()], "learned": learned.strip(),
            "unpaired": pairing_id is None, "pairing_id": pairing_id, "problem_ids": pids, "recorded_at": now,
            "recorded_by": _actor(actor),
        }
        visit[OUTBOX] = [events.entry(events.VISIT_RECORDED, f"visit-recorded:{visit_id}", visit_id,
                                      events.visit_data(visit), now)]
        docs = [self._problem_doc(pid, visit, p, actor, now, today) for pid, p in zip(pids, valid, strict=True)]
        try:
            await self.repo.insert_together([(VISITS, visit), *((PROBLEMS, d) for d in docs)])
        except DuplicateKeyError:
            raise AlreadyExists(f"visit {visit_id!r} or one of its problems exists", rule="id-unique",
                                field="id") from None
        await self._flush(VISITS, visit_id)
        for d in docs:
            await self._flush(PROBLEMS, d["_id"])
            del d[OUTBOX]
        del visit[OUTBOX]
        return visit, docs

    async def raise_problem(self, visit_id: str, given: ProblemInput, actor: str, *, id: str | None = None) -> Document:
        visit = await self._get(VISITS, visit_id, "visit", "visit_id")
        today = self.today()
        with under("problem"):
            p = validate_problem(given, TargetKind(visit["target_kind"]), today)
        doc = self._problem_doc(id or new_id("prb"), visit, p, actor, self.now(), today)
        try:
            await self.repo.insert_together([(PROBLEMS, doc)], push=(VISITS, visit_id, {"problem_ids": doc["_id"]}))
        except DuplicateKeyError:
            raise AlreadyExists(f"a problem with id {doc['_id']!r} exists", rule="id-unique", field="id") from None
        await self._flush(PROBLEMS, doc["_id"])
        del doc[OUTBOX]
        return doc

    def _problem_doc(self, pid: str, visit: Document, p: ProblemInput, actor: str, now: datetime,
                     today: date) -> Document:
        doc: Document = {
            "_id": pid, "visit_id": visit["_id"], "leader_id": visit["leader_id"],
            "target_kind": visit["target_kind"], "target_id": visit["target_id"], "territory": visit["territory"],
            "pairing_id": visit.get("pairing_id"), "category": p.category.value, "description": p.description,
            "department": p.department, "due_on": p.due_on.isoformat(), "status": ProblemStatus.OPEN.value,
            "resolution": "", "close_reason": "", "raised_at": now, "raised_on": today.isoformat(),
            "resolved_on": None, "closed_on": None, "updated_at": now, "revision": 1, "overdue_noticed_for": None,
            "trail": [_trail(now, actor, Action.RAISED, None, ProblemStatus.OPEN, "", p.department,
                             p.due_on.isoformat())],
        }
        doc[OUTBOX] = [events.entry(f"{events.PROBLEM_PREFIX}.{Action.RAISED.value}", f"problem-raised:{pid}", pid,
                                    {**events.problem_data(doc), "action": Action.RAISED.value, "actor": _actor(actor)},
                                    now)]
        return doc

    async def coordinate(self, problem_id: str, department: str, due_on: date | None, note: str,
                         actor: str) -> Document:
        """Items 19, 20: open → coordinating; while coordinating, a re-route to another department or date."""
        if due_on is not None:
            check_due(due_on, self.today())

        def change(doc: Document) -> tuple[Action, Document]:
            fields: Document = {}
            if department.strip() and department.strip() != doc["department"]:
                fields["department"] = department.strip()
            if due_on is not None and due_on.isoformat() != doc["due_on"]:
                fields["due_on"] = due_on.isoformat()
            return coordination_action(ProblemStatus(doc["status"]), bool(fields)), fields

        return await self._transition(problem_id, change, note, actor)

    async def resolve(self, problem_id: str, resolution: str, actor: str) -> Document:
        """coordinating → resolved, saying what was done."""
        text = require_text(resolution, "resolution")
        return await self._transition(
            problem_id, lambda _: (Action.RESOLVED, {"resolution": text, "resolved_on": self.today().isoformat()}),
            text, actor)

    async def close_unresolved(self, problem_id: str, reason: str, actor: str) -> Document:
        """coordinating → closed unresolved, saying why."""
        text = require_text(reason, "reason")
        return await self._transition(
            problem_id, lambda _: (Action.CLOSED_UNRESOLVED, {"close_reason": text,
                                                              "closed_on": self.today().isoformat()}),
            text, actor)

    async def _transition(self, problem_id: str, change: Callable[[Document], tuple[Action, Document]], note: str,
                          actor: str) -> Document:
        for _ in range(_RETRIES):
            doc = await self._get(PROBLEMS, problem_id, "problem", "problem_id")
            status = ProblemStatus(doc["status"])
            action, fields = change(doc)
            to = next_status(status, action)
            now = self.now()
            after = {**doc, **fields, "status": to.value}
            entry = _trail(now, actor, action, status, to, note.strip(), after["department"], after["due_on"])
            item = events.entry(f"{events.PROBLEM_PREFIX}.{action.value}",
                                f"problem-{action.value}:{problem_id}:{doc['revision'] + 1}", problem_id,
                                {**events.problem_data(after), "action": action.value, "actor": _actor(actor),
                                 "note": note.strip()}, now)
            updated = await self.repo.update(
                PROBLEMS, {"_id": problem_id, "revision": doc["revision"]},
                {"$set": {**fields, "status": to.value, "updated_at": now}, "$inc": {"revision": 1},
                 "$push": {"trail": entry, OUTBOX: item}},
            )
            if updated is not None:
                await self._flush(PROBLEMS, problem_id)
                return updated
        raise _busy("problem")

    async def mark_overdue(self, problem_id: str, due_on: str) -> Document | None:
        """A problem still open after its due date: noted once per due date in its trail, and announced."""
        doc = await self.repo.get(PROBLEMS, problem_id)
        if doc is None or not ProblemStatus(doc["status"]).is_open or doc["due_on"] != due_on:
            return None
        now = self.now()
        status = ProblemStatus(doc["status"])
        entry = _trail(now, SYSTEM, Action.OVERDUE, status, status, f"not concluded by {due_on}", doc["department"],
                       due_on)
        item = events.entry(f"{events.PROBLEM_PREFIX}.{Action.OVERDUE.value}", f"problem-overdue:{problem_id}:{due_on}",
                            problem_id, {**events.problem_data(doc), "action": Action.OVERDUE.value, "actor": SYSTEM},
                            now)
        updated = await self.repo.update(
            PROBLEMS,
            {"_id": problem_id, "status": status.value, "due_on": due_on, "overdue_noticed_for": {"$ne": due_on}},
            {"$set": {"overdue_noticed_for": due_on, "updated_at": now}, "$inc": {"revision": 1},
             "$push": {"trail": entry, OUTBOX: item}},
        )
        if updated is not None:
            await self._flush(PROBLEMS, problem_id)
        return updated

    # -- the published list (item 20) -------------------------------------------------------

    async def publish_edition(self, actor: str, period_end: date | None, *, trigger: str = "on_demand") -> Document:
        """Item 20: the next numbered edition of the pairing list; earlier editions never change."""
        for _ in range(_RETRIES):
            latest = await self.repo.latest_edition()
            previous_end = date.fromisoformat(latest["period_end"]) if latest else None
            period = ed.next_period(previous_end, period_end or self.today())
            entries = await self._entries(period)
            now = self.now()
            number = (latest["_id"] if latest else 0) + 1
            doc: Document = {
                "_id": number, "published_at": now, "period_start": period.start.isoformat(),
                "period_end": period.end.isoformat(), "trigger": trigger, "published_by": _actor(actor),
                "entry_count": len(entries), "entries": entries, "updated_at": now,
            }
            try:
                return await self._insert(EDITIONS, doc, events.EDITION_PUBLISHED, f"edition-published:{number}",
                                          events.edition_data(doc))
            except DuplicateKeyError:
                continue  # another replica published this number first; recompute against it
        raise _busy("edition")

    async def publish_scheduled(self) -> Document | None:
        """Item 20, regularly: publish last month's edition if no edition covers it yet."""
        latest = await self.repo.latest_edition()
        end = ed.scheduled_end(date.fromisoformat(latest["period_end"]) if latest else None, self.today())
        if end is None:
            return None
        try:
            return await self.publish_edition("schedule", end, trigger="scheduled")
        except Refused as exc:
            if exc.rule == "edition-period":  # an edition covering the month appeared meanwhile
                return None
            raise

    async def _entries(self, period: ed.Period) -> list[Document]:
        pairings = await self.repo.pairings_active_on(period.end)
        ids = [p["_id"] for p in pairings]
        leaders = {d["_id"]: d for d in await self.repo.get_many(LEADERS, [p["leader_id"] for p in pairings])}
        targets = {d["_id"]: d for d in [
            *await self.repo.get_many(ENTERPRISES, [p["target_id"] for p in pairings
                                                    if p["target_kind"] == TargetKind.ENTERPRISE.value]),
            *await self.repo.get_many(PROJECTS, [p["target_id"] for p in pairings
                                                 if p["target_kind"] == TargetKind.PROJECT.value]),
        ]}
        visits = await self.repo.count_by_pairing(VISITS, "visited_on", period.start, period.end, ids)
        raised = await self.repo.count_by_pairing(PROBLEMS, "raised_on", period.start, period.end, ids)
        resolved = await self.repo.count_by_pairing(PROBLEMS, "resolved_on", period.start, period.end, ids)
        entries = []
        for p in pairings:
            leader, target = leaders.get(p["leader_id"]), targets.get(p["target_id"])
            if leader is None or target is None:
                continue
            entries.append({
                "pairing_id": p["_id"], "leader_id": leader["_id"], "leader_name": leader["name"],
                "leader_level": leader["level"], "leader_post": leader["post"], "target_kind": p["target_kind"],
                "target_id": target["_id"], "target_name": target["name"], "territory": target["territory"],
                "started_on": p["started_on"], "visits_in_period": visits.get(p["_id"], 0),
                "problems_raised_in_period": raised.get(p["_id"], 0),
                "problems_resolved_in_period": resolved.get(p["_id"], 0),
            })
        entries.sort(key=lambda e: (e["leader_level"] != "city", e["leader_name"], e["leader_id"], e["target_kind"],
                                    e["target_name"], e["pairing_id"]))
        return entries


def _enterprise_fields(e: EnterpriseInput) -> Document:
    return {
        "name": e.name, "credit_code": e.credit_code, "sector": e.sector, "territory": territory_doc(e.territory),
        "address": e.address, "contact": asdict(e.contact), "key_lists": [k.value for k in e.key_lists],
        "is_key": is_key_enterprise(e.key_lists),
    }


def _project_fields(p: ProjectInput) -> Document:
    return {
        "name": p.name, "owner_enterprise_id": p.owner_enterprise_id, "sector": p.sector.value,
        "investment_fen": p.investment_fen, "territory": territory_doc(p.territory), "stage": p.stage.value,
        "key_lists": [k.value for k in p.key_lists], "is_key": is_key_project(p.key_lists),
    }


def _leader_fields(leader: LeaderInput) -> Document:
    return {"name": leader.name, "level": leader.level.value, "post": leader.post,
            "county_code": leader.county_code, "county_name": leader.county_name}


def _trail(at: datetime, actor: str, action: Action, from_status: ProblemStatus | None, to: ProblemStatus,
           note: str, department: str, due_on: str) -> Document:
    return {"at": at, "actor": _actor(actor), "action": action.value,
            "from_status": from_status.value if from_status else None, "to_status": to.value, "note": note,
            "department": department, "due_on": due_on}


def _clash(exc: DuplicateKeyError, code: str) -> AlreadyExists:
    if "credit_code" in str(exc):
        return AlreadyExists(f"an enterprise with credit code {code} is already registered",
                             rule="credit-code-unique", field="enterprise.credit_code")
    return AlreadyExists("an enterprise with this id exists", rule="id-unique", field="id")


def _busy(noun: str) -> Refused:
    return Refused(f"the {noun} kept changing while this request was applied; try again", rule="concurrent-change")
