"""Governance cases, the incidents linked to them, leaders in charge, and the key-protection list."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from mesh_environment.domain.cases import CaseState, Site
from mesh_environment.repository.paging import created_in, page
from meshlib import deadlines, outbox
from meshlib.mongo import Document
from meshlib.windows import Window

CASES = "cases"
INCIDENT_LINKS = "incident_links"
LEADERS = "leaders_in_charge"
KEY_PROTECTION = "key_protection"

_OWED = IndexModel([(f"{outbox.FIELD}.at", ASCENDING)], name="events_owed", sparse=True)

INDEXES = {
    CASES: [
        IndexModel([("created_at", DESCENDING), ("_id", DESCENDING)], name="newest_first"),
        # The cases of an enterprise or project, newest first: what the batch reads, the site check at intake
        # and a list filtered by site ask. Not partial: a query may use a partial index only if it repeats the
        # index's filter, and none of these says `$type: "string"` (the former partial `by_enterprise` and
        # `by_project` were never used; drop them where they exist).
        IndexModel([("enterprise_id", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)],
                   name="enterprise_newest_first"),
        IndexModel([("project_id", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)],
                   name="project_newest_first"),
        # Item 9, idempotent intake: an incident belongs to one case only. Partial, so that cases without
        # incidents do not collide; a read by incident states the filter to use it (`by_field`).
        IndexModel([("incident_ids", ASCENDING)], name="one_case_per_incident", unique=True,
                   partialFilterExpression={"incident_ids": {"$type": "string"}}),
        IndexModel([("territory.township_code", ASCENDING), ("state", ASCENDING)], name="by_township"),
        # Item 9: a county's cases newest first (and opened in a window): what a county-level user's list asks.
        IndexModel([("territory.county_code", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)],
                   name="by_county"),
        _OWED,
    ],
    LEADERS: [IndexModel([("code", ASCENDING)], name="by_code")],
    KEY_PROTECTION: [IndexModel([("active", ASCENDING), ("added_at", DESCENDING)], name="active")],
}


@dataclass(frozen=True)
class CaseFilter:
    county_code: str | None = None
    township_code: str | None = None
    states: Sequence[str] = ()
    enterprise_id: str | None = None
    project_id: str | None = None
    key_protection: bool | None = None
    major: bool | None = None
    level: str | None = None
    opened: Window = Window()

    def query(self) -> Document:
        q: Document = created_in(self.opened)
        if self.county_code is not None:
            q["territory.county_code"] = self.county_code
        if self.township_code is not None:
            q["territory.township_code"] = self.township_code
        if self.states:
            q["state"] = {"$in": list(self.states)}
        for name in ("enterprise_id", "project_id", "key_protection", "major", "level"):
            value = getattr(self, name)
            if value is not None:
                q[name] = value
        return q


def site_query(site: Site) -> Document:
    alternatives: list[Document] = []
    if site.enterprise_id:
        alternatives.append({"enterprise_id": site.enterprise_id})
    if site.project_id:
        alternatives.append({"project_id": site.project_id})
    return {"$or": alternatives} if alternatives else {"_id": {"$in": []}}


class CaseRepository:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.cases = db[CASES]
        self._links = db[INCIDENT_LINKS]
        self._leaders = db[LEADERS]
        self._keys = db[KEY_PROTECTION]
        self._clocks = deadlines.DeadlineStore(db)

    # ---- cases ----

    async def insert(self, doc: Document) -> bool:
        """Store a new case; False if a case with its id exists already (a redelivered open)."""
        try:
            await self.cases.insert_one(doc)
        except DuplicateKeyError:
            return False
        return True

    async def get(self, case_id: str) -> Document | None:
        return await self.cases.find_one({"_id": case_id}, {outbox.FIELD: 0})

    async def get_many(self, ids: Sequence[str]) -> list[Document]:
        if not ids:
            return []
        return await self.cases.find({"_id": {"$in": list(dict.fromkeys(ids))}}, {outbox.FIELD: 0}).to_list(None)

    async def not_closed_at(self, site: Site) -> list[Document]:
        query = {"$and": [site_query(site), {"state": {"$ne": CaseState.CLOSED.value}}]}
        return await self.cases.find(query, {outbox.FIELD: 0}).to_list(None)

    async def by_field(self, field: str, keys: Sequence[str], *, open_only: bool = False) -> list[Document]:
        if not keys:
            return []
        clause: Document = {"$in": list(dict.fromkeys(keys))}
        if field == "incident_ids":
            clause["$type"] = "string"  # one_case_per_incident's filter: stated, so the index serves the read
        query: Document = {field: clause}
        if open_only:
            query["state"] = {"$ne": CaseState.CLOSED.value}
        docs = await self.cases.find(query, {outbox.FIELD: 0}).to_list(None)
        # Newest first. Sorted here rather than by the server: the batch is grouped by key, so only the order
        # within a key counts, which the index already gives; no need to sort the whole batch on the server.
        docs.sort(key=lambda d: d["created_at"], reverse=True)
        return docs

    async def transition(self, case_id: str, *, states: Sequence[str] | None = None, update: Document,
                         extra: Document | None = None) -> Document | None:
        """Apply ``update`` only while the case is in one of ``states`` (and matches ``extra``); None if not."""
        query: Document = {"_id": case_id, **(extra or {})}
        if states is not None:
            query["state"] = {"$in": list(states)}
        return await self.cases.find_one_and_update(query, update, projection={outbox.FIELD: 0},
                                                    return_document=ReturnDocument.AFTER)

    async def page(self, flt: CaseFilter, page_size: int, token: str) -> tuple[list[Document], str]:
        docs, next_token = await page(self.cases, flt.query(), page_size, token)
        for d in docs:
            d.pop(outbox.FIELD, None)
        return docs, next_token

    async def place_clocks(self, case_id: str, county_code: str | None) -> None:
        """Give the case's clocks its county (item 9) where they carry another, so its alerts reach that county.

        Called after the case moves (a reassignment) and after a clock is written from a case read a moment
        before (it may have moved in between), so a clock ends with its case's county whichever came first.
        """
        await self._clocks.place("case", [case_id], county_code)

    # ---- incidents → cases (item 9, idempotent intake) ----

    async def link(self, incident_id: str, case_id: str, at: datetime) -> str:
        """Claim ``incident_id`` for ``case_id``; returns the case it belongs to (an earlier claim wins)."""
        try:
            await self._links.insert_one({"_id": incident_id, "case_id": case_id, "at": at})
        except DuplicateKeyError:
            existing = await self._links.find_one({"_id": incident_id})
            assert existing is not None
            return str(existing["case_id"])
        return case_id

    async def linked_case(self, incident_id: str) -> str | None:
        doc = await self._links.find_one({"_id": incident_id})
        return None if doc is None else str(doc["case_id"])

    async def add_incident(self, case_id: str, incident_id: str, *, occurred_at: datetime, now: datetime,
                           major: bool, events: Sequence[Document]) -> Document | None:
        """Join an incident to a case once; None if it was already there (a redelivery)."""
        update: dict[str, Any] = {
            "$push": {"incident_ids": incident_id, **outbox.push(*events)},
            "$max": {"last_incident_at": occurred_at},
            "$set": {"updated_at": now},
        }
        if major:
            update["$set"].update(major=True, ack_started_at=now)
        return await self.cases.find_one_and_update(
            {"_id": case_id, "incident_ids": {"$ne": incident_id}}, update, projection={outbox.FIELD: 0},
            return_document=ReturnDocument.AFTER)

    # ---- leaders in charge (item 9: the county and township each name one) ----

    async def name_leader(self, level: str, code: str, leader: str, actor: str, at: datetime) -> Document:
        doc = {"level": level, "code": code, "leader": leader, "actor": actor, "named_at": at}
        await self._leaders.update_one({"_id": f"{level}:{code}"}, {"$set": doc}, upsert=True)
        return {"_id": f"{level}:{code}", **doc}

    async def leaders(self, codes: Sequence[str] = ()) -> list[Document]:
        query: Document = {"code": {"$in": list(codes)}} if codes else {}
        return await self._leaders.find(query).sort([("_id", ASCENDING)]).to_list(None)

    async def leader_of(self, level: str, code: str) -> str:
        doc = await self._leaders.find_one({"_id": f"{level}:{code}"})
        return "" if doc is None else str(doc["leader"])

    # ---- key protection (item 9, 重点监护) ----

    async def add_key_protection(self, kind: str, site_id: str, reason: str, actor: str, at: datetime) -> Document:
        doc = {"site_kind": kind, "site_id": site_id, "reason": reason, "actor": actor, "added_at": at,
               "active": True, "removed_at": None, "removal_reason": "", "removed_by": ""}
        await self._keys.update_one({"_id": f"{kind}:{site_id}"}, {"$set": doc}, upsert=True)
        return {"_id": f"{kind}:{site_id}", **doc}

    async def remove_key_protection(self, kind: str, site_id: str, reason: str, actor: str,
                                    at: datetime) -> Document | None:
        return await self._keys.find_one_and_update(
            {"_id": f"{kind}:{site_id}", "active": True},
            {"$set": {"active": False, "removed_at": at, "removal_reason": reason, "removed_by": actor}},
            return_document=ReturnDocument.AFTER)

    async def active_key_protection(self) -> list[Document]:
        return await self._keys.find({"active": True}).sort([("added_at", DESCENDING)]).to_list(None)

    async def key_protection_reason(self, site: Site) -> str | None:
        """Why the site is under manual key protection, or None."""
        ids = [f"enterprise:{site.enterprise_id}"] if site.enterprise_id else []
        ids += [f"project:{site.project_id}"] if site.project_id else []
        if not ids:
            return None
        doc = await self._keys.find_one({"_id": {"$in": ids}, "active": True})
        return None if doc is None else str(doc["reason"])
