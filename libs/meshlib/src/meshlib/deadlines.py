"""The one deadline model every clock in the mesh uses, and the scanner that fires it.

Many of the policy's mechanisms are clocks: first-inquiry answers and time-limited
completion (item 13), governance plans (item 9), non-approval reports at each level
(item 14), rapid-response acknowledgement (item 9), monthly agency reports (item 7).
Each is a :class:`Deadline`: what it belongs to, who is responsible, when it is due,
when to warn early, where it escalates when breached, and the policy clause it
enforces. A service stores its own deadlines (collection ``deadlines``) and runs a
:class:`DeadlineScanner`, which claims due deadlines atomically — so with several
replicas each warning and each breach is published once — and publishes
``<domain>.deadline.warning`` / ``<domain>.deadline.breached``.

A claim and its event are not one transaction: the claim marks the event as owed
(``pending_event``), the publish uses a deterministic message id, and the scanner
re-publishes events still owed after :data:`REPUBLISH_AFTER`, so a crash between the
two loses nothing and a re-publish is dropped by the server as a duplicate.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import ASCENDING, IndexModel, ReturnDocument, UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from meshlib.bus import Bus
from meshlib.envelope import Envelope
from meshlib.mongo import Document
from meshlib.periodic import Periodic

COLLECTION = "deadlines"
REPUBLISH_AFTER = timedelta(seconds=30)

PENDING = "pending"
WARNED = "warned"
BREACHED = "breached"
MET = "met"
CANCELLED = "cancelled"
OPEN_STATES = (PENDING, WARNED, BREACHED)

INDEXES = {
    COLLECTION: [
        IndexModel([("state", ASCENDING), ("warn_at", ASCENDING)], name="warn_due"),
        IndexModel([("state", ASCENDING), ("due_at", ASCENDING)], name="breach_due"),
        IndexModel([("subject_type", ASCENDING), ("subject_id", ASCENDING)], name="by_subject"),
        IndexModel([("pending_event", ASCENDING)], name="events_owed",
                   partialFilterExpression={"pending_event": {"$type": "string"}}),
    ]
}


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Deadline:
    """A clock on something someone must do."""

    id: str
    """Stable per clock, e.g. ``request-completion:REQ-17``; setting it again reschedules."""
    kind: str
    subject_type: str
    subject_id: str
    responsible: str
    due_at: datetime
    clause: str
    """The policy clause it enforces, e.g. ``Item 13``."""
    warn_at: datetime | None = None
    escalate_to: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.warn_at is not None and self.warn_at > self.due_at:
            raise ValueError("warn_at must not be later than due_at")


def on_time(due_at: datetime, met_at: datetime | None, now: datetime) -> bool | None:
    """Whether a deadline counts as kept: met by its due time.

    An open deadline past its due time counts as late (supervision's rule: open-and-overdue
    items are not left out of on-time rates); an open one not yet due has no verdict (None).
    The due instant itself is on time.
    """
    if met_at is not None:
        return met_at <= due_at
    return False if now > due_at else None


def on_time_rate(items: Iterable[tuple[datetime, datetime | None]], now: datetime) -> float | None:
    """Share of kept deadlines among those with a verdict; None when none has one yet."""
    verdicts = [v for v in (on_time(due, met, now) for due, met in items) if v is not None]
    return sum(verdicts) / len(verdicts) if verdicts else None


def _fields(deadline: Deadline) -> Document:
    """A deadline's stored fields, its clock (re)started."""
    return {
        "kind": deadline.kind,
        "subject_type": deadline.subject_type,
        "subject_id": deadline.subject_id,
        "responsible": deadline.responsible,
        "due_at": deadline.due_at,
        "warn_at": deadline.warn_at,
        "escalate_to": deadline.escalate_to,
        "clause": deadline.clause,
        "data": deadline.data,
        "state": PENDING,
        "met_at": None,
        "pending_event": None,
    }


CLOCK_COUNTY = "data.county_code"
"""Where a clock carries the county its subject lies in (item 9), so its warning and breach reach that county's
users (the gateway's subscriptions read it)."""


def county_data(county_code: str | None) -> dict[str, str]:
    """Item 9: what a clock carries in its ``data`` to be its county's; nothing while no county is known."""
    return {} if county_code is None else {"county_code": county_code}


class DeadlineStore:
    """A service's deadlines.

    The writes take an optional ``session``: a service that changes its own document and the
    clocks on it in one transaction never leaves a clock without its subject, or the reverse.
    """

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._c = db[COLLECTION]

    async def set(self, deadline: Deadline, *, session: AsyncClientSession | None = None) -> None:
        """Create the deadline, or reschedule it (its clock starts again: state pending)."""
        await self._c.update_one({"_id": deadline.id}, {"$set": _fields(deadline)}, upsert=True, session=session)

    async def ensure(self, deadline: Deadline, *, session: AsyncClientSession | None = None) -> bool:
        """Create the deadline unless one with its id exists (whatever its state); True if created.

        For handlers that run again on redelivery or re-publish: unlike :meth:`set`, a second
        call never restarts a clock that has already warned, breached or been met.
        """
        result = await self._c.update_one({"_id": deadline.id}, {"$setOnInsert": _fields(deadline)}, upsert=True,
                                          session=session)
        return result.upserted_id is not None

    async def ensure_many(self, deadlines: Sequence[Deadline]) -> int:
        """:meth:`ensure` for several clocks in one round trip; returns how many were created."""
        if not deadlines:
            return 0
        result = await self._c.bulk_write([UpdateOne({"_id": d.id}, {"$setOnInsert": _fields(d)}, upsert=True)
                                           for d in deadlines], ordered=False)
        return int(result.upserted_count)

    async def met(self, deadline_id: str, at: datetime, *,
                  session: AsyncClientSession | None = None) -> Document | None:
        """Stop the clock: the thing was done at ``at``. Returns the deadline, or None if unknown."""
        return await self._c.find_one_and_update(
            {"_id": deadline_id, "state": {"$in": list(OPEN_STATES)}},
            {"$set": {"state": MET, "met_at": at}},
            return_document=ReturnDocument.AFTER,
            session=session,
        )

    async def reassign(self, deadline_id: str, responsible: str, *,
                       session: AsyncClientSession | None = None) -> None:
        """Someone else is now responsible; the clock runs on (a transfer does not restart it)."""
        await self._c.update_one({"_id": deadline_id}, {"$set": {"responsible": responsible}}, session=session)

    async def cancel(self, deadline_id: str, *, session: AsyncClientSession | None = None) -> None:
        await self._c.update_one({"_id": deadline_id, "state": {"$in": list(OPEN_STATES)}},
                                 {"$set": {"state": CANCELLED}}, session=session)

    async def get(self, deadline_id: str, *, session: AsyncClientSession | None = None) -> Document | None:
        return await self._c.find_one({"_id": deadline_id}, session=session)

    async def place(self, subject_type: str, subject_ids: Sequence[str], county_code: str | None) -> None:
        """Give the subjects' clocks ``county_code`` where they carry another (:data:`CLOCK_COUNTY`); nothing
        while no county is known."""
        if county_code is None or not subject_ids:
            return
        await self._c.update_many(
            {"subject_type": subject_type, "subject_id": {"$in": list(subject_ids)},
             CLOCK_COUNTY: {"$ne": county_code}},
            {"$set": {CLOCK_COUNTY: county_code}})

    async def place_unplaced(self, subject_types: Sequence[str],
                             county_of: Callable[[str, str], Awaitable[str | None]]) -> int:
        """Item 9: place each clock of ``subject_types`` that carries no county (:data:`CLOCK_COUNTY`) and can still
        fire an event in the county ``county_of(subject_type, subject_id)`` says its subject lies in now; returns how
        many were placed.

        Those that can fire: pending or warned (:meth:`claim` moves them on), and any with an event still owed
        (:meth:`owed_events` re-publishes it whatever the state). A clock whose subject's county is not known stays
        unplaced. For a service whose older versions wrote clocks without a county: the query asks for those
        directly, so a second run places nothing. A write matches only clocks still unplaced and live, so one a move
        placed, or that was stopped, since the read is left as it is.
        """
        # No index of its own: on MongoDB each branch of the $or runs on an existing one (state: warn_due, owed
        # events: events_owed), so the query reads only the clocks that can still fire, not the finished ones.
        live: Document = {"$or": [{"state": {"$in": [PENDING, WARNED]}}, {"pending_event": {"$type": "string"}}]}
        unplaced: Document = {"subject_type": {"$in": list(subject_types)}, CLOCK_COUNTY: {"$exists": False}, **live}
        subjects: dict[tuple[str, str], list[str]] = {}
        async for d in self._c.find(unplaced, {"subject_type": 1, "subject_id": 1}):
            subjects.setdefault((d["subject_type"], d["subject_id"]), []).append(d["_id"])
        counties: dict[str, list[str]] = {}
        for (subject_type, subject_id), ids in subjects.items():
            county = await county_of(subject_type, subject_id)
            if county is not None:
                counties.setdefault(county, []).extend(ids)
        placed = 0
        for county, ids in counties.items():
            result = await self._c.update_many({**unplaced, "_id": {"$in": ids}}, {"$set": {CLOCK_COUNTY: county}})
            placed += result.modified_count
        return placed

    async def for_subject(self, subject_type: str, subject_ids: list[str]) -> list[Document]:
        return await self._c.find({"subject_type": subject_type, "subject_id": {"$in": subject_ids}}).to_list(None)

    async def claim(self, phase: str, now: datetime) -> Document | None:
        """Atomically move one due deadline into ``phase`` (warned or breached); None if none is due."""
        if phase == WARNED:
            query: Document = {"state": PENDING, "warn_at": {"$ne": None, "$lte": now}, "due_at": {"$gt": now}}
        elif phase == BREACHED:
            query = {"state": {"$in": [PENDING, WARNED]}, "due_at": {"$lt": now}}
        else:
            raise ValueError(f"cannot claim phase {phase!r}")
        return await self._c.find_one_and_update(
            query,
            {"$set": {"state": phase, f"{phase}_at": now, "pending_event": phase, "claimed_at": now}},
            return_document=ReturnDocument.AFTER,
        )

    async def owed_events(self, older_than: datetime) -> list[Document]:
        return await self._c.find({"pending_event": {"$type": "string"}, "claimed_at": {"$lt": older_than}}) \
            .to_list(100)

    async def event_published(self, deadline_id: str, phase: str) -> None:
        await self._c.update_one({"_id": deadline_id, "pending_event": phase}, {"$set": {"pending_event": None}})


OnFire = Callable[[Document, str], Awaitable[None]]


class DeadlineScanner:
    """Fires warnings and breaches for one service's deadlines; safe to run in every replica.

    A deadline is breached once its due instant has passed (``due_at < now``): something
    completed exactly at the due instant is on time.
    """

    def __init__(
        self, store: DeadlineStore, bus: Bus, *, domain: str, source: str, interval: float = 1.0,
        clock: Callable[[], datetime] = utcnow, on_fire: OnFire | None = None,
    ) -> None:
        self._store = store
        self._bus = bus
        self._domain = domain
        self._source = source
        self._clock = clock
        self._on_fire = on_fire
        self._periodic = Periodic(self.scan_once, interval, name=f"deadline scan ({domain})")

    @property
    def subjects(self) -> list[str]:
        """The subjects this scanner publishes; the service's stream must include them."""
        return [f"{self._domain}.deadline.warning", f"{self._domain}.deadline.breached"]

    async def scan_once(self) -> int:
        """Fire everything due now; returns how many events were published."""
        now = self._clock()
        fired = 0
        for phase in (BREACHED, WARNED):
            while (doc := await self._store.claim(phase, now)) is not None:
                await self._fire(doc, phase)
                fired += 1
        for doc in await self._store.owed_events(now - REPUBLISH_AFTER):
            await self._fire(doc, doc["pending_event"])
            fired += 1
        return fired

    async def _fire(self, doc: Document, phase: str) -> None:
        if self._on_fire is not None:
            await self._on_fire(doc, phase)
        event = "warning" if phase == WARNED else "breached"
        envelope = Envelope(
            id=f"deadline-{event}:{doc['_id']}:{doc['due_at'].isoformat()}",
            type=f"mesh.deadline.{event}",
            source=self._source,
            subject=doc["_id"],
            data=deadline_event_data(doc),
        )
        await self._bus.publish(f"{self._domain}.deadline.{event}", envelope)
        await self._store.event_published(doc["_id"], phase)

    def start(self) -> None:
        self._periodic.start()

    async def stop(self) -> None:
        await self._periodic.stop()


def deadline_event_data(doc: Document) -> dict[str, Any]:
    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "deadline_id": doc["_id"],
        "kind": doc["kind"],
        "subject_type": doc["subject_type"],
        "subject_id": doc["subject_id"],
        "responsible": doc["responsible"],
        "due_at": iso(doc["due_at"]),
        "warn_at": iso(doc.get("warn_at")),
        "escalate_to": doc.get("escalate_to"),
        "clause": doc["clause"],
        "state": doc["state"],
        "data": doc.get("data", {}),
    }
