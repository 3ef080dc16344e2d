"""The service's clocks: problem due dates (on the shared deadline model) and the monthly edition."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from mesh_contacts import events
from mesh_contacts.commands import Contacts
from mesh_contacts.domain.calendar import end_of_day
from mesh_contacts.domain.problems import Action
from meshlib.deadlines import BREACHED, Deadline, DeadlineStore, OnFire
from meshlib.envelope import Envelope
from meshlib.mongo import Document
from meshlib.outbox import BeforePublish
from meshlib.periodic import Periodic

log = logging.getLogger(__name__)

KIND = "problem-due"
SUBJECT_TYPE = "problem"


def deadline_id(problem_id: str) -> str:
    return f"{KIND}:{problem_id}"


def problem_deadlines(store: DeadlineStore) -> BeforePublish:
    """Keeps each problem's deadline in step with its events (run before each is published).

    Driven by the outbox, so a deadline is set even if the process died right after the
    problem was written: the relay re-publishes the event and this runs again.
    """

    async def sync(subject: str, envelope: Envelope) -> None:
        if not subject.startswith(events.PROBLEM_PREFIX + "."):
            return
        action = Action(subject.rsplit(".", 1)[1])
        data = envelope.data
        did = deadline_id(data["problem_id"])
        if action in (Action.RAISED, Action.COORDINATION_STARTED, Action.REROUTED):
            due_at = end_of_day(date.fromisoformat(data["due_on"]))
            existing = await store.get(did)
            if existing is not None and existing["due_at"] == due_at and existing["responsible"] == data["department"]:
                return
            await store.set(Deadline(
                id=did, kind=KIND, subject_type=SUBJECT_TYPE, subject_id=data["problem_id"],
                responsible=data["department"], due_at=due_at, warn_at=due_at - timedelta(days=1),
                escalate_to=f"leader:{data['leader_id']}", clause="Item 20",
                data={"due_on": data["due_on"], "leader_id": data["leader_id"], "target_kind": data["target_kind"],
                      "target_id": data["target_id"], "category": data["category"],
                      # Item 9: the county's users are shown its warnings (the gateway filters on this).
                      "county_code": data["territory"]["county_code"]},
            ))
        elif action is Action.RESOLVED:
            await store.met(did, envelope.time)
        elif action is Action.CLOSED_UNRESOLVED:
            await store.cancel(did)

    return sync


def on_deadline(contacts: Contacts) -> OnFire:
    """The scanner's hook: a breached problem deadline marks the problem overdue (trail + event)."""

    async def fire(doc: Document, phase: str) -> None:
        if phase == BREACHED and doc["subject_type"] == SUBJECT_TYPE:
            await contacts.mark_overdue(doc["subject_id"], doc["data"]["due_on"])

    return fire


class EditionSchedule:
    """Item 20, "published regularly": each replica checks; numbering makes one edition win."""

    def __init__(self, contacts: Contacts, interval: float) -> None:
        self._contacts = contacts
        self._periodic = Periodic(self.check, interval, name="edition schedule")

    async def check(self) -> None:
        """Publish the edition that is due, if any (another replica may have got there first)."""
        published = await self._contacts.publish_scheduled()
        if published is not None:
            log.info("published scheduled edition %d", published["_id"])

    def start(self) -> None:
        self._periodic.start()

    async def stop(self) -> None:
        await self._periodic.stop()
