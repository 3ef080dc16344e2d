"""The contacts database: collections, indexes, filters, and the queries the commands need."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.asynchronous.mongo_client import AsyncMongoClient

from mesh_contacts.domain.pairing import Span
from mesh_contacts.domain.problems import OPEN_STATUSES
from meshlib import deadlines
from meshlib.mongo import Document
from meshlib.outbox import FIELD as OUTBOX
from meshlib.paging import Order, page
from meshlib.windows import Window

HIDDEN = {OUTBOX: 0}
"""Projection that keeps events still owed (the outbox) out of every read."""

ENTERPRISES = "enterprises"
PROJECTS = "projects"
LEADERS = "leaders"
PAIRINGS = "pairings"
VISITS = "visits"
PROBLEMS = "problems"
EDITIONS = "editions"
META = "meta"
WITH_EVENTS = (ENTERPRISES, PROJECTS, LEADERS, PAIRINGS, VISITS, PROBLEMS, EDITIONS)
"""Collections whose documents carry an outbox."""

COUNTY = "territory.county_code"
"""Where a pairing, visit or problem belongs (item 9, territorial management: "the county and township where
the enterprise or project lies are responsible").

Each carries its target's ``territory``, copied from the enterprise or project when it is written (a visit
from its target, like the pairing it is made under; a problem from its visit), and moved with the target
when the registry changes where the target lies (:meth:`Repository.follow_territory`). So a county sees the
pairings, visits and problems of what lies in it now, the same rows its enterprises and projects lists show;
a city leader's pairing with an enterprise in county A is county A's row too. Published editions keep the
territory they were published with.
"""

_OUTBOX_PENDING = IndexModel([(f"{OUTBOX}.at", ASCENDING)], name="outbox_pending",
                             partialFilterExpression={f"{OUTBOX}.at": {"$exists": True}})

INDEXES: dict[str, list[IndexModel]] = {
    ENTERPRISES: [
        IndexModel([("credit_code", ASCENDING)], unique=True, name="credit_code_unique"),
        IndexModel([("name", ASCENDING), ("_id", ASCENDING)], name="by_name"),
        IndexModel([("territory.county_code", ASCENDING), ("territory.township_code", ASCENDING)],
                   name="by_territory"),
        IndexModel([("key_lists", ASCENDING)], name="by_key_list"),
        _OUTBOX_PENDING,
    ],
    PROJECTS: [
        IndexModel([("name", ASCENDING), ("_id", ASCENDING)], name="by_name"),
        IndexModel([("owner_enterprise_id", ASCENDING)], name="by_owner"),
        IndexModel([("territory.county_code", ASCENDING), ("territory.township_code", ASCENDING)],
                   name="by_territory"),
        IndexModel([("key_lists", ASCENDING)], name="by_key_list"),
        _OUTBOX_PENDING,
    ],
    LEADERS: [IndexModel([("level", ASCENDING), ("name", ASCENDING), ("_id", ASCENDING)], name="by_level_name"),
              _OUTBOX_PENDING],
    PAIRINGS: [
        # Item 20: a leader is paired with a target at most once at a time. While current the key is
        # "<leader>:<target>"; an ended pairing's key becomes "ended:<its id>", freeing the pair.
        IndexModel([("current_key", ASCENDING)], unique=True, name="one_current_per_leader_and_target"),
        IndexModel([("leader_id", ASCENDING), ("started_on", DESCENDING)], name="by_leader"),
        IndexModel([("target_id", ASCENDING), ("started_on", DESCENDING)], name="by_target"),
        IndexModel([("started_on", DESCENDING), ("_id", DESCENDING)], name="newest_first"),
        IndexModel([(COUNTY, ASCENDING), ("started_on", DESCENDING), ("_id", DESCENDING)], name="by_county"),
        _OUTBOX_PENDING,
    ],
    VISITS: [
        IndexModel([("leader_id", ASCENDING), ("visited_on", DESCENDING)], name="by_leader"),
        IndexModel([("target_id", ASCENDING), ("visited_on", DESCENDING)], name="by_target"),
        IndexModel([("pairing_id", ASCENDING), ("visited_on", ASCENDING)], name="by_pairing"),
        IndexModel([("visited_on", DESCENDING), ("_id", DESCENDING)], name="newest_first"),
        IndexModel([(COUNTY, ASCENDING), ("visited_on", DESCENDING), ("_id", DESCENDING)], name="by_county"),
        _OUTBOX_PENDING,
    ],
    PROBLEMS: [
        IndexModel([("leader_id", ASCENDING), ("status", ASCENDING)], name="by_leader"),
        IndexModel([("target_id", ASCENDING), ("status", ASCENDING)], name="by_target"),
        IndexModel([("visit_id", ASCENDING)], name="by_visit"),
        IndexModel([("status", ASCENDING), ("due_on", ASCENDING)], name="by_status_due"),
        # The list's order (due_on, _id), after the county when one is asked for; raised_at trails the order
        # so a raised_after/raised_before window is checked on the index keys, not on fetched documents.
        IndexModel([("due_on", ASCENDING), ("_id", ASCENDING), ("raised_at", ASCENDING)], name="by_due_raised"),
        IndexModel([(COUNTY, ASCENDING), ("due_on", ASCENDING), ("_id", ASCENDING), ("raised_at", ASCENDING)],
                   name="by_county_due_raised"),
        _OUTBOX_PENDING,
    ],
    EDITIONS: [_OUTBOX_PENDING],
    **deadlines.INDEXES,
}

RETIRED_INDEXES = {PROBLEMS: ["by_due", "by_county"]}
"""Indexes an earlier release made that a declared one now covers (their keys are its prefix)."""

ENTERPRISE_ORDER = Order((("name", ASCENDING), ("_id", ASCENDING)))
PROJECT_ORDER = Order((("name", ASCENDING), ("_id", ASCENDING)))
LEADER_ORDER = Order((("level", ASCENDING), ("name", ASCENDING), ("_id", ASCENDING)))
PAIRING_ORDER = Order((("started_on", DESCENDING), ("_id", DESCENDING)), default_size=100, max_size=500)
VISIT_ORDER = Order((("visited_on", DESCENDING), ("_id", DESCENDING)), max_size=500)
PROBLEM_ORDER = Order((("due_on", ASCENDING), ("_id", ASCENDING)), max_size=500)
EDITION_ORDER = Order((("_id", DESCENDING),))


def _set(q: Document, key: str, value: Any) -> None:
    if value is not None:
        q[key] = value


def _any(q: Document, key: str, values: Sequence[Any]) -> None:
    if values:
        q[key] = {"$in": list(dict.fromkeys(values))}


def _contains(text: str) -> Document:
    return {"$regex": re.escape(text.strip()), "$options": "i"}


@dataclass(frozen=True)
class EnterpriseFilter:
    county_code: str | None = None
    township_code: str | None = None
    key_list: str | None = None
    sector: str | None = None
    is_key: bool | None = None
    name_contains: str | None = None

    def query(self) -> Document:
        q: Document = {}
        _set(q, "territory.county_code", self.county_code)
        _set(q, "territory.township_code", self.township_code)
        _set(q, "key_lists", self.key_list)
        _set(q, "sector", self.sector)
        _set(q, "is_key", self.is_key)
        if self.name_contains:
            q["name"] = _contains(self.name_contains)
        return q


@dataclass(frozen=True)
class ProjectFilter(EnterpriseFilter):
    stage: str | None = None
    owner_enterprise_id: str | None = None

    def query(self) -> Document:
        q = super().query()
        _set(q, "stage", self.stage)
        _set(q, "owner_enterprise_id", self.owner_enterprise_id)
        return q


@dataclass(frozen=True)
class LeaderFilter:
    level: str | None = None
    county_code: str | None = None

    def query(self) -> Document:
        q: Document = {}
        _set(q, "level", self.level)
        _set(q, "county_code", self.county_code)
        return q


@dataclass(frozen=True)
class PairingFilter:
    leader_ids: Sequence[str] = ()
    target_ids: Sequence[str] = ()
    target_kind: str | None = None
    current: bool | None = None
    county_code: str | None = None
    """Item 9: only pairings whose target lies in this county (see :data:`COUNTY`)."""

    def query(self) -> Document:
        q: Document = {}
        _any(q, "leader_id", self.leader_ids)
        _any(q, "target_id", self.target_ids)
        _set(q, "target_kind", self.target_kind)
        _set(q, "current", self.current)
        _set(q, COUNTY, self.county_code)
        return q


@dataclass(frozen=True)
class VisitFilter:
    leader_ids: Sequence[str] = ()
    target_ids: Sequence[str] = ()
    unpaired: bool | None = None
    visited_from: date | None = None
    visited_to: date | None = None
    county_code: str | None = None
    """Item 9: only visits to targets that lie in this county (see :data:`COUNTY`)."""

    def query(self) -> Document:
        q: Document = {}
        _any(q, "leader_id", self.leader_ids)
        _any(q, "target_id", self.target_ids)
        _set(q, "unpaired", self.unpaired)
        _set(q, COUNTY, self.county_code)
        # Both days inclusive, asked with exclusive bounds (the day before, the day after): the same rows,
        # since visited_on holds whole days, and by_county is then walked right by SecantusDB 0.7.0b3, which
        # drops the row at an inclusive bound on that (county, visited_on desc, _id desc) index (see
        # meshlib.windows).
        window: Document = {}
        if self.visited_from is not None:
            window["$gt"] = (self.visited_from - timedelta(days=1)).isoformat()
        if self.visited_to is not None:
            window["$lt"] = (self.visited_to + timedelta(days=1)).isoformat()
        if window:
            q["visited_on"] = window
        return q


@dataclass(frozen=True)
class ProblemFilter:
    today: date
    leader_ids: Sequence[str] = ()
    target_ids: Sequence[str] = ()
    visit_ids: Sequence[str] = ()
    statuses: Sequence[str] = field(default=())
    category: str | None = None
    department: str | None = None
    overdue: bool | None = None
    county_code: str | None = None
    """Item 9: only problems of targets that lie in this county (see :data:`COUNTY`)."""
    raised: Window = Window()
    """Only problems raised in this window (at or after its start, before its end)."""

    def query(self) -> Document:
        q: Document = {}
        _any(q, "leader_id", self.leader_ids)
        _any(q, "target_id", self.target_ids)
        _any(q, "visit_id", self.visit_ids)
        _any(q, "status", self.statuses)
        _set(q, "category", self.category)
        _set(q, "department", self.department)
        _set(q, COUNTY, self.county_code)
        raised = self.raised.condition()
        if raised:  # checked on the keys of by_due_raised / by_county_due_raised (see INDEXES)
            q["raised_at"] = raised
        open_ = [s.value for s in OPEN_STATUSES]
        today = self.today.isoformat()
        if self.overdue is True:
            return {"$and": [q, {"status": {"$in": open_}, "due_on": {"$lt": today}}]}
        if self.overdue is False:
            return {"$and": [q, {"$or": [{"status": {"$nin": open_}}, {"due_on": {"$gte": today}}]}]}
        return q


class Repository:
    """Every read and write of the service's collections (documents never include ``_outbox``)."""

    def __init__(self, client: AsyncMongoClient[Document], db: AsyncDatabase[Document]) -> None:
        self._client = client
        self.db = db

    async def get(self, collection: str, doc_id: object) -> Document | None:
        return await self.db[collection].find_one({"_id": doc_id}, HIDDEN)

    async def get_many(self, collection: str, ids: Sequence[str]) -> list[Document]:
        if not ids:
            return []
        return await self.db[collection].find({"_id": {"$in": list(dict.fromkeys(ids))}}, HIDDEN).to_list(None)

    async def page(self, collection: str, query: Document, order: Order, page_size: int,
                   token: str) -> tuple[list[Document], str]:
        return await page(self.db[collection], query, order, page_size, token, projection=HIDDEN)

    async def insert(self, collection: str, doc: Document) -> None:
        """Insert; a clash on ``_id`` or a unique index raises pymongo's DuplicateKeyError."""
        await self.db[collection].insert_one(doc)

    async def insert_together(self, docs: Sequence[tuple[str, Document]], *, push: tuple[str, str, Document] | None
                              = None) -> None:
        """Insert several documents (and optionally ``$push`` onto another) all or nothing."""
        async with self._client.start_session() as session, await session.start_transaction():
            for collection, doc in docs:
                await self.db[collection].insert_one(doc, session=session)
            if push is not None:
                collection, doc_id, changes = push
                await self.db[collection].update_one({"_id": doc_id}, {"$push": changes}, session=session)

    async def update(self, collection: str, query: Document, changes: Document) -> Document | None:
        """Apply ``changes`` to the one document matching ``query`` (a compare-and-set); None if none does."""
        return await self.db[collection].find_one_and_update(
            query, changes, projection=HIDDEN, return_document=ReturnDocument.AFTER
        )

    # -- territory (item 9) ---------------------------------------------------------

    async def follow_territory(self, target_id: str, territory: Document) -> None:
        """Item 9: the target's pairings, visits and problems move with it to where it now lies.

        Idempotent, so saving the target again repairs rows a crash left behind; a row written while
        the target moved may keep the old territory until then.
        """
        for collection in (PAIRINGS, VISITS, PROBLEMS):
            await self.db[collection].update_many({"target_id": target_id, "territory": {"$ne": territory}},
                                                  {"$set": {"territory": territory}})

    async def targets_without_territory(self) -> list[tuple[str, str]]:
        """(kind, id) of targets whose pairings were stored before pairings carried a territory."""
        docs = self.db[PAIRINGS].find({"territory": {"$exists": False}}, {"target_kind": 1, "target_id": 1})
        return list(dict.fromkeys([(d["target_kind"], d["target_id"]) async for d in docs]))

    # -- pairings ---------------------------------------------------------------

    async def current_leaders_of(self, target_id: str) -> list[str]:
        docs = self.db[PAIRINGS].find({"target_id": target_id, "current": True}, {"leader_id": 1})
        return [d["leader_id"] async for d in docs]

    async def spans(self, leader_id: str, target_id: str) -> list[Span]:
        docs = self.db[PAIRINGS].find({"leader_id": leader_id, "target_id": target_id},
                                      {"started_on": 1, "ended_on": 1})
        return [Span(d["_id"], date.fromisoformat(d["started_on"]),
                     date.fromisoformat(d["ended_on"]) if d.get("ended_on") else None) async for d in docs]

    async def pairings_active_on(self, day: date) -> list[Document]:
        """Item 20: the pairings in force on ``day`` (started by then, not ended before it)."""
        iso = day.isoformat()
        query = {"started_on": {"$lte": iso}, "$or": [{"ended_on": None}, {"ended_on": {"$gte": iso}}]}
        return await self.db[PAIRINGS].find(query, HIDDEN).to_list(None)

    # -- counts for an edition ------------------------------------------------------

    async def count_by_pairing(self, collection: str, date_field: str, start: date, end: date,
                               pairing_ids: Sequence[str]) -> dict[str, int]:
        """How many documents per pairing have ``date_field`` within [start, end]."""
        if not pairing_ids:
            return {}
        pipeline: list[Document] = [
            {"$match": {"pairing_id": {"$in": list(pairing_ids)},
                        date_field: {"$gte": start.isoformat(), "$lte": end.isoformat()}}},
            {"$group": {"_id": "$pairing_id", "n": {"$sum": 1}}},
        ]
        rows = await (await self.db[collection].aggregate(pipeline)).to_list(None)
        return {r["_id"]: int(r["n"]) for r in rows}

    async def latest_edition(self) -> Document | None:
        docs = await self.db[EDITIONS].find({}, {**HIDDEN, "entries": 0}).sort("_id", DESCENDING).limit(1) \
            .to_list(None)
        return docs[0] if docs else None

    async def edition_summaries(self, page_size: int, token: str) -> tuple[list[Document], str]:
        return await self.page(EDITIONS, {}, EDITION_ORDER, page_size, token)

    # -- marks ----------------------------------------------------------------------

    async def mark(self, name: str) -> Document | None:
        return await self.db[META].find_one({"_id": name})

    async def set_mark(self, name: str, **values: Any) -> None:
        await self.db[META].update_one({"_id": name}, {"$set": values}, upsert=True)
