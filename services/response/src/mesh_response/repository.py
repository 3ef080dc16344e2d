"""The incidents collection: idempotent upsert on the natural id, reads, cursor pages."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from mesh_response.domain import IncidentReport
from mesh_response.workflow import Unit
from meshlib import paging
from meshlib.mongo import Document
from meshlib.windows import Window, whole_ms

INCIDENTS = "incidents"
UNITS = "units"

COUNTY = "territory.county_code"
"""Where an incident belongs (item 9, territorial management: the county where it lies is responsible).

Set at dispatch, which follows acceptance at once: the territory of its enterprise or project
(from contacts), else of the reporting agency (see :class:`mesh_response.desk.TerritoryLookup`).
An incident not yet dispatched has no county, so a county filter does not match it.
"""

INDEXES = {
    INCIDENTS: [
        # One document per (agency, external id): the _id is "<agency>:<external id>" and this
        # index says so explicitly, for readers and for any write path that does not set _id.
        IndexModel([("agency", ASCENDING), ("external_id", ASCENDING)], unique=True, name="agency_external_id"),
        IndexModel([("occurred_at", DESCENDING), ("_id", DESCENDING)], name="newest_first"),
        # The incidents of an enterprise or project in list order: its latest (the batch read) and a list
        # filtered by it. Not partial: a query may use a partial index only if it repeats the index's
        # filter, and none says `$type: "string"` (the former partial `by_enterprise` and `by_project` were
        # never used; drop them where they exist).
        IndexModel([("enterprise_id", ASCENDING), ("occurred_at", DESCENDING), ("_id", DESCENDING)],
                   name="enterprise_newest_first"),
        IndexModel([("project_id", ASCENDING), ("occurred_at", DESCENDING), ("_id", DESCENDING)],
                   name="project_newest_first"),
        IndexModel([("received_at", ASCENDING)], name="by_received"),
        # Item 9: a county's incidents, as its list pages them and as its statistics window them.
        IndexModel([(COUNTY, ASCENDING), ("occurred_at", DESCENDING), ("_id", DESCENDING)], name="by_county"),
        IndexModel([(COUNTY, ASCENDING), ("received_at", ASCENDING)], name="by_county_received"),
        # Incidents in some statuses (a unit's open ones), in list order: police by their agency (the
        # gateway narrows them so), county-level users by their county, city-wide users across the city.
        IndexModel([("agency", ASCENDING), ("status", ASCENDING), ("occurred_at", DESCENDING), ("_id", DESCENDING)],
                   name="agency_status_newest_first"),
        IndexModel([(COUNTY, ASCENDING), ("status", ASCENDING), ("occurred_at", DESCENDING), ("_id", DESCENDING)],
                   name="county_status_newest_first"),
        IndexModel([("status", ASCENDING), ("occurred_at", DESCENDING), ("_id", DESCENDING)],
                   name="status_newest_first"),
        IndexModel([("_outbox.at", ASCENDING)], name="events_owed",
                   partialFilterExpression={"_outbox.0": {"$exists": True}}),
    ],
    UNITS: [IndexModel([("county_code", ASCENDING), ("township_code", ASCENDING)], name="by_territory")],
}

ORDER = paging.Order.newest_first("occurred_at")


@dataclass(frozen=True)
class IncidentFilter:
    agency: str | None = None
    category: str | None = None
    severity: str | None = None
    enterprise_id: str | None = None
    project_id: str | None = None
    occurred: Window = Window()
    """Only incidents that occurred in this window (see meshlib.windows)."""
    county_code: str | None = None
    """Item 9: only incidents that lie in this county (see :data:`COUNTY`)."""
    statuses: tuple[str, ...] = ()
    """Only incidents in one of these statuses (empty: every status)."""

    def query(self) -> Document:
        q: Document = {}
        for name in ("agency", "category", "severity", "enterprise_id", "project_id"):
            value = getattr(self, name)
            if value is not None:
                q[name] = value
        if self.county_code is not None:
            q[COUNTY] = self.county_code
        if self.statuses:
            q["status"] = {"$in": sorted(set(self.statuses))}
        occurred = self.occurred.condition()
        if occurred:
            q["occurred_at"] = occurred
        return q


class IncidentRepository:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._incidents = db[INCIDENTS]

    async def upsert_report(self, report: IncidentReport, *, received_at: datetime, source: Document) -> Document:
        """Store a report once: a redelivery or a resend under a new message id changes nothing.

        The first accepted version of a report is kept (first write wins); later copies
        only count as ``resends``.
        """
        fields = report.model_dump(mode="python")
        fields.update(category=report.category.value, severity=report.severity.value)
        fields.update(_id=report.incident_id, received_at=received_at, status="reported", source=source,
                      unit_id="", dispatches=[], history=[], escalations=[], applied_updates=[])
        doc = await self._incidents.find_one_and_update(
            {"_id": report.incident_id},
            {"$setOnInsert": fields},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        assert doc is not None  # upsert=True with AFTER always returns the document
        return doc

    async def get(self, incident_id: str) -> Document | None:
        return await self._incidents.find_one({"_id": incident_id})

    async def get_many(self, ids: Sequence[str]) -> list[Document]:
        if not ids:
            return []
        return await self._incidents.find({"_id": {"$in": list(dict.fromkeys(ids))}}).to_list(None)

    async def latest_of_enterprises(
        self, enterprise_ids: Sequence[str], per_enterprise: int
    ) -> dict[str, list[Document]]:
        """The ``per_enterprise`` newest incidents (by occurred_at, then id) of each enterprise, in one query."""
        if not enterprise_ids:
            return {}
        pipeline: list[Document] = [
            {"$match": {"enterprise_id": {"$in": list(dict.fromkeys(enterprise_ids))}}},
            {"$group": {"_id": "$enterprise_id", "latest": {"$topN": {
                "n": per_enterprise, "sortBy": {"occurred_at": -1, "_id": -1}, "output": "$$ROOT"}}}},
        ]
        rows = await (await self._incidents.aggregate(pipeline)).to_list(None)
        return {row["_id"]: row["latest"] for row in rows}

    @property
    def collection(self) -> AsyncCollection[Document]:
        return self._incidents

    async def apply(self, incident_id: str, expected_status: str, update: Document) -> Document | None:
        """Apply ``update`` only if the incident is still in ``expected_status`` (None if it is not)."""
        return await self._incidents.find_one_and_update(
            {"_id": incident_id, "status": expected_status}, update, return_document=ReturnDocument.AFTER
        )

    async def received_between(self, since: datetime | None, until: datetime | None,
                               county_code: str | None = None) -> list[Document]:
        """Incidents received in the window (of one county, item 9), with what statistics need."""
        window = Window(since and whole_ms(since), until and whole_ms(until)).condition()
        query: Document = {"received_at": window} if window else {}
        if county_code is not None:
            query[COUNTY] = county_code
        fields = {"unit_id": 1, "category": 1, "status": 1, "received_at": 1, "history": 1}
        return await self._incidents.find(query, fields).to_list(None)

    async def count(self, query: Document | None = None) -> int:
        return await self._incidents.count_documents(query or {})

    async def page(self, flt: IncidentFilter, page_size: int, token: str) -> tuple[list[Document], str]:
        """A page newest-first and the token of the next page ("" when this is the last).

        The token of a document (:func:`cursor_of`) continues right after it.
        """
        return await paging.page(self._incidents, flt.query(), ORDER, page_size, token)


def cursor_of(doc: Document) -> str:
    return ORDER.cursor_of(doc)


def to_event_data(doc: Document) -> dict[str, Any]:
    """What ``incidents.accepted`` tells other services about a stored incident."""
    return {
        "incident_id": doc["_id"],
        "agency": doc["agency"],
        "external_id": doc["external_id"],
        "category": doc["category"],
        "severity": doc["severity"],
        "occurred_at": doc["occurred_at"].isoformat(),
        "location": doc["location"],
        "enterprise_id": doc.get("enterprise_id"),
        "project_id": doc.get("project_id"),
        "received_at": doc["received_at"].isoformat(),
        "description": doc["description"],
        "reporter_contact": doc["reporter_contact"],
        "status": doc["status"],
        "unit_id": doc.get("unit_id", ""),
        "outcome": doc.get("outcome"),
        "reason": doc.get("reason"),
        "territory": doc.get("territory"),
        "key_protection": bool(doc.get("key_protection")),
    }


class UnitRepository:
    """Responding units (police stations and bureaus, departments) incidents are dispatched to.

    A city has a few hundred units and they change rarely, while every dispatch reads them:
    reads come from a copy of the whole list refreshed every ``ttl`` seconds (another
    replica's registration shows up here within that time; this replica's, at once).
    """

    def __init__(self, db: AsyncDatabase[Document], *, ttl: float = 5.0) -> None:
        self._units = db[UNITS]
        self._ttl = ttl
        self._cached: tuple[float, dict[str, Unit]] | None = None

    async def upsert(self, unit: Unit) -> Unit:
        await self._units.update_one({"_id": unit.id}, {"$set": {
            "name": unit.name, "kind": unit.kind, "county_code": unit.county_code,
            "township_code": unit.township_code, "categories": sorted(unit.categories)}}, upsert=True)
        self._cached = None
        return unit

    async def _all(self) -> dict[str, Unit]:
        now = time.monotonic()
        if self._cached is None or now - self._cached[0] > self._ttl:
            docs = await self._units.find({}).sort("_id").to_list(None)
            self._cached = (now, {d["_id"]: _unit(d) for d in docs})
        return self._cached[1]

    async def get(self, unit_id: str) -> Unit | None:
        return (await self._all()).get(unit_id)

    async def list(self, county_code: str | None = None) -> list[Unit]:
        units = (await self._all()).values()
        return [u for u in units if county_code is None or u.county_code == county_code]


def _unit(doc: Document) -> Unit:
    return Unit(id=doc["_id"], name=doc["name"], kind=doc["kind"], county_code=doc["county_code"],
                township_code=doc.get("township_code", ""), categories=frozenset(doc.get("categories", ())))
