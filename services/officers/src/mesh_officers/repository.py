"""The service's collections, and the one way it changes them: a document, its events and its clocks at once.

Every change is a version-guarded update of one document that also owes its events (the
in-document outbox of :mod:`meshlib.outbox`) and sets or stops its clocks (the shared
:class:`~meshlib.deadlines.DeadlineStore`), all in one transaction. After the commit the owed
events are published; if the process dies first, the outbox sweeper publishes them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import PyMongoError

from meshlib import deadlines, outbox, paging
from meshlib.bus import Bus
from meshlib.deadlines import Deadline, DeadlineStore
from meshlib.envelope import Envelope
from meshlib.errors import NotFound, Refused
from meshlib.mongo import Document
from meshlib.outbox import Outbox

log = logging.getLogger(__name__)

SOURCE = "mesh/officers"

OFFICERS = "officers"
PLEDGES = "pledges"
SUPERVISION = "supervision"
REWARDS = "rewards"
REQUESTS = "requests"
PROJECTS = "projects"
NON_APPROVALS = "non_approvals"
AGENCY_REPORTS = "agency_reports"
ID_FIELDS = {OFFICERS: "officer_id", PLEDGES: "pledge_id", SUPERVISION: "supervision_id", REQUESTS: "request_id",
             PROJECTS: "project_id", NON_APPROVALS: "non_approval_id"}
"""The field every request that changes a document of a collection gives its id in, as a refusal names it."""

ENTITY_COLLECTIONS = (OFFICERS, PLEDGES, SUPERVISION, REWARDS, REQUESTS, PROJECTS, NON_APPROVALS, AGENCY_REPORTS)

INDEXES = {
    **deadlines.INDEXES,
    OFFICERS: [
        IndexModel([("target_id", ASCENDING)], name="by_target"),
        IndexModel([("enterprise_id", ASCENDING)], name="by_enterprise"),
        IndexModel([(f"{outbox.FIELD}.at", ASCENDING)], name="outbox", sparse=True),
    ],
    PLEDGES: [IndexModel([("officer_id", ASCENDING), ("filed_at", ASCENDING)], name="by_officer")],
    SUPERVISION: [IndexModel([("officer_id", ASCENDING), ("opened_at", ASCENDING)], name="by_officer")],
    REWARDS: [IndexModel([("officer_id", ASCENDING), ("recorded_at", ASCENDING)], name="by_officer")],
    REQUESTS: [
        IndexModel([("opened_at", DESCENDING), ("_id", DESCENDING)], name="newest_first"),
        IndexModel([("enterprise_id", ASCENDING), ("opened_at", DESCENDING)], name="by_enterprise"),
        IndexModel([("officer_id", ASCENDING)], name="by_officer", sparse=True),
        IndexModel([("source_ref", ASCENDING)], name="by_source_ref", sparse=True),
        IndexModel([("agency.centre", ASCENDING), ("agency.taken_at", ASCENDING)], name="by_centre", sparse=True),
        # Item 9: a county's requests, newest first (see mesh_officers.territory).
        IndexModel([("territory.county_code", ASCENDING), ("opened_at", DESCENDING), ("_id", DESCENDING)],
                   name="by_county"),
    ],
    PROJECTS: [IndexModel([("enterprise_id", ASCENDING)], name="by_enterprise")],
    NON_APPROVALS: [IndexModel([("subject_id", ASCENDING), ("reported_at", ASCENDING)], name="by_subject")],
    AGENCY_REPORTS: [],
}


# ---------------------------------------------------------------- what a change is


@dataclass(frozen=True)
class Emit:
    """An event the change owes: ``officers.<noun>.<fact>`` with its data."""

    subject: str
    data: dict[str, Any]


@dataclass(frozen=True)
class SetClock:
    deadline: Deadline
    only_if_absent: bool = False


@dataclass(frozen=True)
class StopClock:
    """The thing was done (``met``) or became moot (``cancel``)."""

    deadline_id: str
    at: datetime | None = None


@dataclass(frozen=True)
class Reassign:
    deadline_id: str
    responsible: str


ClockOp = SetClock | StopClock | Reassign


@dataclass
class Change:
    set: Document = field(default_factory=dict)
    push: Document = field(default_factory=dict)
    emit: list[Emit] = field(default_factory=list)
    clocks: list[ClockOp] = field(default_factory=list)


class _Stale(Exception):
    """Someone changed the document between the read and the write: read again."""


ATTEMPTS = 8


class Repository:
    def __init__(self, db: AsyncDatabase[Document], bus: Bus, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.client = db.client
        self.deadlines = DeadlineStore(db)
        self.outbox = Outbox(bus, [db[c] for c in ENTITY_COLLECTIONS])
        self._clock = clock

    def now(self) -> datetime:
        return self._clock()

    def envelope(self, e: Emit, entity_id: str, version: int, at: datetime) -> Envelope:
        """Deterministic id per (fact, entity, version): a re-publish is dropped as a duplicate."""
        return Envelope(
            id=f"{e.subject}:{entity_id}:v{version}",
            type=f"mesh.{e.subject}",
            source=SOURCE,
            subject=entity_id,
            time=at,
            data=e.data,
        )

    async def _apply_clocks(self, ops: Sequence[ClockOp], session: AsyncClientSession) -> None:
        for op in ops:
            if isinstance(op, SetClock):
                if op.only_if_absent:
                    await self.deadlines.ensure(op.deadline, session=session)
                else:
                    await self.deadlines.set(op.deadline, session=session)
            elif isinstance(op, StopClock):
                if op.at is not None:
                    await self.deadlines.met(op.deadline_id, op.at, session=session)
                else:
                    await self.deadlines.cancel(op.deadline_id, session=session)
            else:
                await self.deadlines.reassign(op.deadline_id, op.responsible, session=session)

    async def _flush(self, collection: str, entity_id: str) -> None:
        """Publish what the write owes; if NATS is unreachable the sweeper publishes it later."""
        try:
            await self.outbox.flush(self.db[collection], entity_id)
        except Exception:
            log.warning(
                "events of %s %s stay owed; the outbox sweeper will publish them", collection, entity_id, exc_info=True
            )

    def _owed(self, change: Change, entity_id: str, version: int) -> list[Document]:
        at = self.now()
        return [outbox.entry(e.subject, self.envelope(e, entity_id, version, at)) for e in change.emit]

    async def insert(self, collection: str, doc: Document, change: Change) -> Document:
        """Create a document (version 1) with its events and clocks."""
        doc = {**doc, "version": 1, outbox.FIELD: self._owed(change, str(doc["_id"]), 1)}
        async with self.client.start_session() as session, await session.start_transaction():
            await self.db[collection].insert_one(doc, session=session)
            await self._apply_clocks(change.clocks, session)
        await self._flush(collection, str(doc["_id"]))
        return doc

    async def mutate(
        self, collection: str, entity_id: str, decide: Callable[[Document], Change | None], *, what: str
    ) -> Document:
        """Read, let ``decide`` compute the change (it raises to refuse; None changes nothing), write.

        The write only lands if the document is still the version that was read; otherwise the
        change is decided again on the fresh document.
        """
        coll = self.db[collection]
        id_field = ID_FIELDS.get(collection, "id")
        for _ in range(ATTEMPTS):
            doc = await coll.find_one({"_id": entity_id})
            if doc is None:
                raise NotFound(f"no {what} with id {entity_id!r}", rule=f"{what.replace(' ', '-')}-exists",
                               field=id_field)
            change = decide(doc)
            if change is None:
                return doc
            version = int(doc["version"]) + 1
            push: Document = {**change.push}
            owed = self._owed(change, entity_id, version)
            if owed:
                push.update(outbox.push(*owed))
            update: Document = {"$set": {**change.set, "version": version}}
            if push:
                update["$push"] = push
            try:
                async with self.client.start_session() as session, await session.start_transaction():
                    new = await coll.find_one_and_update(
                        {"_id": entity_id, "version": doc["version"]},
                        update,
                        return_document=ReturnDocument.AFTER,
                        session=session,
                    )
                    if new is None:
                        raise _Stale
                    await self._apply_clocks(change.clocks, session)
            except _Stale:
                continue
            except PyMongoError as exc:
                if exc.has_error_label("TransientTransactionError"):
                    continue
                raise
            await self._flush(collection, entity_id)
            return new
        raise Refused(f"the {what} is being changed by others; try again", rule="concurrent-change", field=id_field)

    # ------------------------------------------------------------ reads

    async def get(self, collection: str, entity_id: str) -> Document | None:
        return await self.db[collection].find_one({"_id": entity_id})

    async def get_many(self, collection: str, ids: Sequence[str]) -> list[Document]:
        if not ids:
            return []
        return await self.db[collection].find({"_id": {"$in": list(dict.fromkeys(ids))}}).to_list(None)

    async def find(
        self, collection: str, query: Document, sort: Sequence[tuple[str, int]] = (), limit: int = 0
    ) -> list[Document]:
        cursor = self.db[collection].find(query)
        if sort:
            cursor = cursor.sort(list(sort))
        if limit:
            cursor = cursor.limit(limit)
        return await cursor.to_list(None)

    async def clocks(self, ids: Sequence[str]) -> dict[str, Document]:
        """Deadlines by id."""
        if not ids:
            return {}
        docs = await self.db[deadlines.COLLECTION].find({"_id": {"$in": list(dict.fromkeys(ids))}}).to_list(None)
        return {d["_id"]: d for d in docs}

    async def page(
        self, collection: str, query: Document, time_field: str, page_size: int, token: str
    ) -> tuple[list[Document], str]:
        """Newest first by ``time_field`` then id; the token of the next page ("" on the last)."""
        return await paging.page(self.db[collection], query, paging.Order.newest_first(time_field), page_size, token)


def cursor_of(doc: Document, time_field: str) -> str:
    return paging.Order.newest_first(time_field).cursor_of(doc)
