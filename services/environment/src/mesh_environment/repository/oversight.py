"""Inspection groups, supervised findings (item 15) and accountability records (items 9, 18)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from mesh_environment.repository.paging import page
from meshlib import outbox
from meshlib.mongo import Document

GROUPS = "inspection_groups"
FINDINGS = "findings"
ACCOUNTABILITY = "accountability"

_OWED = IndexModel([(f"{outbox.FIELD}.at", ASCENDING)], name="events_owed", sparse=True)
_BY_COUNTY = IndexModel([("county_code", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)],
                        name="by_county")
"""Item 9: a county's findings or records newest first (``county_code``: of the site, case or finding)."""

INDEXES = {
    FINDINGS: [
        IndexModel([("created_at", DESCENDING), ("_id", DESCENDING)], name="newest_first"),
        IndexModel([("responsible_unit", ASCENDING), ("state", ASCENDING)], name="by_unit"),
        _BY_COUNTY,
        _OWED,
    ],
    ACCOUNTABILITY: [
        IndexModel([("created_at", DESCENDING), ("_id", DESCENDING)], name="newest_first"),
        IndexModel([("responsible_unit", ASCENDING)], name="by_unit"),
        # The records of a case or finding (newest first): the batch by subject and a list by subject ask.
        IndexModel([("subject_id", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)], name="by_subject"),
        _BY_COUNTY,
        _OWED,
    ],
}


@dataclass(frozen=True)
class FindingFilter:
    responsible_unit: str | None = None
    states: Sequence[str] = ()
    channel: str | None = None
    enterprise_id: str | None = None
    county_code: str | None = None

    def query(self) -> Document:
        q: Document = {k: v for k, v in (("responsible_unit", self.responsible_unit), ("channel", self.channel),
                                          ("enterprise_id", self.enterprise_id), ("county_code", self.county_code))
                       if v is not None}
        if self.states:
            q["state"] = {"$in": list(self.states)}
        return q


@dataclass(frozen=True)
class AccountabilityFilter:
    responsible_unit: str | None = None
    kind: str | None = None
    subject_id: str | None = None
    county_code: str | None = None

    def query(self) -> Document:
        return {k: v for k, v in vars(self).items() if v is not None}


def of_subjects(subject_ids: Sequence[str]) -> Document:
    """The records of these cases or findings (served by the ``by_subject`` index)."""
    return {"subject_id": {"$in": list(dict.fromkeys(subject_ids))}}


class OversightRepository:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._groups = db[GROUPS]
        self.findings = db[FINDINGS]
        self.accountability = db[ACCOUNTABILITY]

    # ---- inspection groups ----

    async def assign_group(self, group_id: str, doc: Document) -> Document:
        await self._groups.update_one({"_id": group_id}, {"$set": doc}, upsert=True)
        return {"_id": group_id, **doc}

    async def groups(self) -> list[Document]:
        return await self._groups.find({}).sort([("_id", ASCENDING)]).to_list(None)

    # ---- findings ----

    async def insert_finding(self, doc: Document) -> None:
        await self.findings.insert_one(doc)

    async def finding(self, finding_id: str) -> Document | None:
        return await self.findings.find_one({"_id": finding_id}, {outbox.FIELD: 0})

    async def findings_by_id(self, ids: Sequence[str]) -> list[Document]:
        if not ids:
            return []
        return await self.findings.find({"_id": {"$in": list(dict.fromkeys(ids))}}, {outbox.FIELD: 0}) \
            .to_list(None)

    async def transition_finding(self, finding_id: str, state: str, update: Document) -> Document | None:
        return await self.findings.find_one_and_update({"_id": finding_id, "state": state}, update,
                                                       projection={outbox.FIELD: 0},
                                                       return_document=ReturnDocument.AFTER)

    async def page_findings(self, flt: FindingFilter, page_size: int, token: str) -> tuple[list[Document], str]:
        docs, next_token = await page(self.findings, flt.query(), page_size, token)
        for d in docs:
            d.pop(outbox.FIELD, None)
        return docs, next_token

    # ---- accountability ----

    async def record(self, doc: Document) -> bool:
        """Store an accountability record once (its id is deterministic); False if it exists."""
        try:
            await self.accountability.insert_one(doc)
        except DuplicateKeyError:
            return False
        return True

    async def page_accountability(self, flt: AccountabilityFilter, page_size: int,
                                  token: str) -> tuple[list[Document], str]:
        docs, next_token = await page(self.accountability, flt.query(), page_size, token)
        for d in docs:
            d.pop(outbox.FIELD, None)
        return docs, next_token

    async def accountability_of(self, subject_ids: Sequence[str]) -> list[Document]:
        """The records of these cases or findings, newest first (a subject has at most one of each kind)."""
        if not subject_ids:
            return []
        docs = await self.accountability.find(of_subjects(subject_ids), {outbox.FIELD: 0}).to_list(None)
        # The caller groups them by subject; sorted here, as only the order within a subject counts.
        docs.sort(key=lambda d: (d["created_at"], d["_id"]), reverse=True)
        return docs

    async def count_by_unit(self, county_code: str | None = None) -> list[tuple[str, int]]:
        """Records per responsible unit (of one county's cases and findings, item 9), most first."""
        match: list[Document] = [] if county_code is None else [{"$match": {"county_code": county_code}}]
        rows = [(str(r["_id"]), int(r["n"])) async for r in await self.accountability.aggregate(
            [*match, {"$group": {"_id": "$responsible_unit", "n": {"$sum": 1}}}])]
        return sorted(rows, key=lambda r: (-r[1], r[0]))
