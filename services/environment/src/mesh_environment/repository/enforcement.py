"""Quiet production days, the enforcement filing record (every guard check), and fine filings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from mesh_environment.domain.guard import Prohibition
from mesh_environment.repository.paging import created_in, page
from meshlib import outbox
from meshlib.mongo import Document
from meshlib.windows import Window

QUIET_DAYS = "quiet_days"
CHECKS = "enforcement_checks"
FINES = "fine_filings"

_OWED = IndexModel([(f"{outbox.FIELD}.at", ASCENDING)], name="events_owed", sparse=True)
_BY_COUNTY = IndexModel([("county_code", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)],
                        name="by_county")
"""Item 9: a county's checks or filings newest first; ``county_code`` is where the enterprise lay when written."""

INDEXES = {
    CHECKS: [
        IndexModel([("created_at", DESCENDING), ("_id", DESCENDING)], name="newest_first"),
        IndexModel([("enterprise_id", ASCENDING), ("matter_key", ASCENDING), ("allowed", ASCENDING)],
                   name="prior_inspections"),
        IndexModel([("agency", ASCENDING), ("created_at", DESCENDING)], name="by_agency"),
        _BY_COUNTY,
        _OWED,
    ],
    FINES: [
        IndexModel([("created_at", DESCENDING), ("_id", DESCENDING)], name="newest_first"),
        IndexModel([("enterprise_id", ASCENDING), ("created_at", DESCENDING)], name="by_enterprise"),
        IndexModel([("body", ASCENDING), ("state", ASCENDING)], name="by_body"),
        _BY_COUNTY,
        _OWED,
    ],
}


@dataclass(frozen=True)
class CheckFilter:
    enterprise_id: str | None = None
    agency: str | None = None
    allowed: bool | None = None
    county_code: str | None = None
    checked: Window = Window()

    def query(self) -> Document:
        return {**{k: v for k, v in (("enterprise_id", self.enterprise_id), ("agency", self.agency),
                                     ("allowed", self.allowed), ("county_code", self.county_code)) if v is not None},
                **created_in(self.checked)}


@dataclass(frozen=True)
class FineFilter:
    enterprise_id: str | None = None
    agency: str | None = None
    body: str | None = None
    state: str | None = None
    county_code: str | None = None
    filed: Window = Window()

    def query(self) -> Document:
        return {**{k: v for k, v in (("enterprise_id", self.enterprise_id), ("agency", self.agency),
                                     ("body", self.body), ("state", self.state), ("county_code", self.county_code))
                   if v is not None},
                **created_in(self.filed)}


class EnforcementRepository:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._quiet = db[QUIET_DAYS]
        self.checks = db[CHECKS]
        self.fines = db[FINES]

    # ---- quiet production days (item 10) ----

    async def declare_quiet_days(self, enterprise_id: str, weekdays: Sequence[int],
                                 ranges: Sequence[tuple[date, date]], actor: str, at: datetime) -> Document:
        doc = {"weekdays": sorted(set(weekdays)),
               "ranges": [{"first": a.isoformat(), "last": b.isoformat()} for a, b in ranges],
               "actor": actor, "declared_at": at}
        await self._quiet.update_one({"_id": enterprise_id}, {"$set": doc}, upsert=True)
        return {"_id": enterprise_id, **doc}

    async def quiet_days(self, enterprise_id: str) -> Document | None:
        return await self._quiet.find_one({"_id": enterprise_id})

    # ---- the enforcement filing record (item 10) ----

    async def insert_check(self, doc: Document) -> None:
        await self.checks.insert_one(doc)

    async def checks_by_id(self, ids: Sequence[str]) -> list[Document]:
        if not ids:
            return []
        return await self.checks.find({"_id": {"$in": list(dict.fromkeys(ids))}}, {outbox.FIELD: 0}).to_list(None)

    async def prior_inspections(self, enterprise_id: str, matter_key: str) -> list[Document]:
        """Earlier actions on the same matter at the enterprise that the guard allowed."""
        return await self.checks.find({"enterprise_id": enterprise_id, "matter_key": matter_key, "allowed": True},
                                      {outbox.FIELD: 0}).to_list(None)

    async def add_complaint(self, check_id: str, complaint: Document, *,
                            enterprise_id: str | None = None) -> Document | None:
        """The check with the complaint added; None if there is no such check (at ``enterprise_id``, if given)."""
        query: Document = {"_id": check_id}
        if enterprise_id is not None:
            query["enterprise_id"] = enterprise_id
        return await self.checks.find_one_and_update(
            query, {"$push": {"complaints": complaint}}, projection={outbox.FIELD: 0},
            return_document=ReturnDocument.AFTER)

    async def page_checks(self, flt: CheckFilter, page_size: int, token: str) -> tuple[list[Document], str]:
        docs, next_token = await page(self.checks, flt.query(), page_size, token)
        for d in docs:
            d.pop(outbox.FIELD, None)
        return docs, next_token

    async def check_stats(self, flt: CheckFilter) -> Document:
        """Counts of checks, allowed and refused, refusals per prohibition, rough-enforcement complaints."""
        match = flt.query()
        total = await self.checks.count_documents(match)
        allowed = await self.checks.count_documents({**match, "allowed": True})
        by_reason = {p.value: 0 for p in Prohibition}
        pipeline: list[Document] = [
            {"$match": {**match, "allowed": False}},
            {"$unwind": "$reasons"},
            {"$group": {"_id": "$reasons.prohibition", "n": {"$sum": 1}}},
        ]
        async for row in await self.checks.aggregate(pipeline):
            by_reason[str(row["_id"])] = int(row["n"])
        complaints = 0
        async for row in await self.checks.aggregate([
            {"$match": match}, {"$unwind": "$complaints"}, {"$group": {"_id": None, "n": {"$sum": 1}}},
        ]):
            complaints = int(row["n"])
        return {"checks": total, "allowed": allowed, "refused": total - allowed, "by_reason": by_reason,
                "complaints": complaints}

    # ---- fine and fee filings (item 11) ----

    async def insert_fine(self, doc: Document) -> None:
        await self.fines.insert_one(doc)

    async def fine(self, fine_id: str) -> Document | None:
        return await self.fines.find_one({"_id": fine_id}, {outbox.FIELD: 0})

    async def fines_by_id(self, ids: Sequence[str]) -> list[Document]:
        if not ids:
            return []
        return await self.fines.find({"_id": {"$in": list(dict.fromkeys(ids))}}, {outbox.FIELD: 0}).to_list(None)

    async def transition_fine(self, fine_id: str, state: str, update: Document) -> Document | None:
        """Apply ``update`` only while the filing is still in ``state`` (two deciders never both win)."""
        return await self.fines.find_one_and_update({"_id": fine_id, "state": state}, update,
                                                    projection={outbox.FIELD: 0},
                                                    return_document=ReturnDocument.AFTER)

    async def page_fines(self, flt: FineFilter, page_size: int, token: str) -> tuple[list[Document], str]:
        docs, next_token = await page(self.fines, flt.query(), page_size, token)
        for d in docs:
            d.pop(outbox.FIELD, None)
        return docs, next_token
