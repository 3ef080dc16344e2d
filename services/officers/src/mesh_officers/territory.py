"""Where each enterprise lies, followed from the contacts registry, and carried by its requests and clocks (item 9).

Item 9 (territorial management) makes the county where an enterprise lies responsible for it, so a
county-level user sees the requests of the enterprises in their county. The registry is the contacts
service's; this service keeps a copy of each enterprise's territory, fed by
``contacts.enterprise.registered`` and ``contacts.enterprise.updated`` (which carry the territory and a
version), so opening a request needs no call to contacts. Each request carries its enterprise's
``territory`` (a project's request: its owner enterprise's), and moves with it when the registry moves
the enterprise.

A request opened before this service has heard of its enterprise has no territory until the event
arrives; :meth:`Territories.settle` closes the race between the two.

Every clock of the service carries the county its subject lies in, as ``county_code`` in its deadline
``data`` (:func:`clock_data`), so its warnings and breaches reach the county's users (the gateway's
subscriptions place a deadline by that field):

- a request's clocks (completion, agreed answer, hand-over acceptance): the request's ``territory``;
- a pledge's and a supervision item's (item 6): the county of the enterprise its officer serves;
- a procedure's (item 8): the county of the enterprise that owns the project;
- each level clock of a non-approval report (item 14): its subject's, a request's own ``territory`` or
  a procedure's project's enterprise's.

These clocks move with the enterprise (:meth:`Territories.follow`). A clock written from a territory
read a moment before is placed again if the enterprise moved in between (:meth:`Territories.settle_clocks`).
A clock whose subject's county is not known yet has none, and is seen by city-wide users only until the
registry's event places it. (A county service centre's monthly-report clock, item 7, carries the
centre's county: see :mod:`mesh_officers.workflows.agency`.)

Clocks written by older versions of the service carry no county (a request's before its clocks carried one, the
others' before theirs did). At start-up, before its deadline scanner runs, the service places those that can still
warn or breach where their subject lies now (:meth:`Territories.place_unplaced_clocks`), so a county's users get
the alerts of clocks already running when the city upgrades, not only after the enterprise's next registry event.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Sequence

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from mesh_officers.domain.nonapproval import SubjectKind
from mesh_officers.repository import NON_APPROVALS, OFFICERS, PLEDGES, PROJECTS, REQUESTS, SUPERVISION
from meshlib import deadlines
from meshlib.mongo import Document

ENTERPRISES = "enterprise_territories"
"""This service's copy: ``{_id: enterprise id, territory, version}``."""

COUNTY = "territory.county_code"
"""The field a county filter matches on a request (indexed with the list's order: ``by_county``)."""

Where = Callable[[], Awaitable[Document | None]]
"""Reads where a clock's subject lies now (its territory; None while none is known)."""

PLACED_SUBJECTS = ("request", "pledge", "supervision", "procedure", "non_approval")
"""The subject types of the clocks that carry their subject's county (item 9); the agency-report clock carries its
centre's, which it has had from the start."""


def county_of(territory: Document | None) -> str | None:
    """The county code of a stored territory; None when there is none (yet)."""
    return (territory or {}).get("county_code") or None


def clock_data(territory: Document | None) -> dict[str, str]:
    """Item 9: what a clock carries in its ``data`` to be its county's: nothing while none is known."""
    return deadlines.county_data(county_of(territory))


class Territories:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._copies = db[ENTERPRISES]
        self._requests = db[REQUESTS]
        self._officers = db[OFFICERS]
        self._pledges = db[PLEDGES]
        self._supervision = db[SUPERVISION]
        self._projects = db[PROJECTS]
        self._non_approvals = db[NON_APPROVALS]
        self._clocks = deadlines.DeadlineStore(db)

    async def of(self, enterprise_id: str) -> Document | None:
        """The enterprise's territory as last heard from the registry; None if not heard of yet."""
        doc = await self._copies.find_one({"_id": enterprise_id})
        return None if doc is None else dict(doc["territory"])

    async def of_request(self, request_id: str) -> Document | None:
        """Item 9: the territory a request carries; None if it has none (yet) or does not exist."""
        doc = await self._requests.find_one({"_id": request_id}, {"territory": 1})
        territory = None if doc is None else doc.get("territory")
        return None if territory is None else dict(territory)

    async def of_project(self, project_id: str) -> Document | None:
        """Item 9: the territory of the enterprise that owns a lead-handled project; None if not known."""
        doc = await self._projects.find_one({"_id": project_id}, {"enterprise_id": 1})
        return None if doc is None else await self.of(doc["enterprise_id"])

    async def of_officer(self, officer_id: str) -> Document | None:
        """Item 9: the territory of the enterprise an officer serves (a pledge's and a supervision item's)."""
        doc = await self._officers.find_one({"_id": officer_id}, {"enterprise_id": 1})
        return None if doc is None else await self.of(doc["enterprise_id"])

    async def of_report_subject(self, subject_kind: str, subject_id: str) -> Document | None:
        """Item 9: where a non-approval report's subject lies: a request's own territory, a procedure's project's
        owner's."""
        if subject_kind == SubjectKind.REQUEST.value:
            return await self.of_request(subject_id)
        return await self.of_project(subject_id.rpartition("/")[0])

    async def of_clock_subject(self, subject_type: str, subject_id: str) -> Document | None:
        """Item 9: where the subject of one of the service's clocks lies now (see :data:`PLACED_SUBJECTS`)."""
        if subject_type in (SubjectKind.REQUEST.value, SubjectKind.PROCEDURE.value):  # what a report may be on
            return await self.of_report_subject(subject_type, subject_id)
        if subject_type in ("pledge", "supervision"):
            collection = self._pledges if subject_type == "pledge" else self._supervision
            doc = await collection.find_one({"_id": subject_id}, {"officer_id": 1})
            return None if doc is None else await self.of_officer(doc["officer_id"])
        if subject_type == "non_approval":
            report = await self._non_approvals.find_one({"_id": subject_id}, {"subject_kind": 1, "subject_id": 1})
            return None if report is None else await self.of_report_subject(report["subject_kind"],
                                                                            report["subject_id"])
        return None

    async def place_unplaced_clocks(self) -> int:
        """Item 9: the start-up backfill: each clock written without a county by an older version, and still able
        to warn or breach, placed in the county its subject lies in now; returns how many were placed.

        The query finds the clocks without a county directly (:meth:`~meshlib.deadlines.DeadlineStore.place_unplaced`),
        so a second run places nothing, and reads no more than where the subjects still unplaced lie. A clock whose
        subject's county is not known yet stays unplaced, for the registry's event to place (:meth:`follow`).
        """

        async def county(subject_type: str, subject_id: str) -> str | None:
            return county_of(await self.of_clock_subject(subject_type, subject_id))

        return await self._clocks.place_unplaced(PLACED_SUBJECTS, county)

    async def follow(self, enterprise_id: str, territory: Document, version: int) -> None:
        """Keep the registry's newest territory of the enterprise, and move its requests and clocks there.

        An event older than the copy (a redelivery, or out of order) changes nothing but still
        re-applies the copy to the requests and clocks, so a crash between the writes is repaired.
        """
        with contextlib.suppress(DuplicateKeyError):  # the copy is as new or newer
            await self._copies.update_one({"_id": enterprise_id, "version": {"$lt": version}},
                                          {"$set": {"territory": territory, "version": version}}, upsert=True)
        current = await self.of(enterprise_id)
        if current is not None:
            await self._requests.update_many({"enterprise_id": enterprise_id, "territory": {"$ne": current}},
                                             {"$set": {"territory": current}})
            await self._place_everything_of(enterprise_id, current)

    async def _place_everything_of(self, enterprise_id: str, territory: Document) -> None:
        """Item 9: every clock on something of the enterprise, in the county of ``territory``.

        Its requests' clocks; its officers' pledges and supervision items (item 6); its projects'
        procedures (item 8); the non-approval reports on those requests and procedures (item 14). Each
        query goes through an index: requests, officers and projects ``by_enterprise``, pledges and
        supervision ``by_officer``, non-approvals ``by_subject``, clocks ``by_subject``.
        Runs after the requests carry ``territory``, so a report on a request that reads its territory
        before that write is written before these reads find it, or reads the new one again after
        (:meth:`settle_clocks`).
        """
        county = county_of(territory)
        if county is None:
            return
        of_enterprise: Document = {"enterprise_id": enterprise_id}
        requests = [d["_id"] async for d in self._requests.find(of_enterprise, {"_id": 1})]
        await self._clocks.place("request", requests, county)
        officers = [d["_id"] async for d in self._officers.find(of_enterprise, {"_id": 1})]
        if officers:
            of_officers: Document = {"officer_id": {"$in": officers}}
            pledges = [d["_id"] async for d in self._pledges.find(of_officers, {"_id": 1})]
            await self._clocks.place("pledge", pledges, county)
            items = [d["_id"] async for d in self._supervision.find(of_officers, {"_id": 1})]
            await self._clocks.place("supervision", items, county)
        procedures = [p["id"] async for d in self._projects.find(of_enterprise, {"procedures": 1})
                      for p in (d.get("procedures") or {}).values()]
        await self._clocks.place("procedure", procedures, county)
        subjects = requests + procedures
        if subjects:
            reports = [d["_id"] async for d in self._non_approvals.find({"subject_id": {"$in": subjects}}, {"_id": 1})]
            await self._clocks.place("non_approval", reports, county)

    async def settle(self, request_id: str, enterprise_id: str, written: Document | None) -> None:
        """After a request is stored with ``written``: give it the copy's territory if that differs.

        An event that arrived between the read of the copy and the insert moved the enterprise's
        requests before this one existed; reading the copy again after the insert catches it.
        """
        current = await self.of(enterprise_id)
        if current is not None and current != written:
            await self._requests.update_one({"_id": request_id, "territory": {"$ne": current}},
                                            {"$set": {"territory": current}})
            await self.place_clocks([request_id], current)

    async def settle_clocks(self, subject_type: str, subject_ids: Sequence[str], written: Document | None,
                            where: Where) -> None:
        """Item 9: after clocks of the subjects are written carrying the county of ``written``, place them where
        ``where`` says the subjects lie now, if that is another county.

        ``written`` was read a moment before the write; a move that arrived in between placed the clocks that
        existed then, not these. Reading again after the write catches it, as :meth:`settle` does for a request.
        """
        current = await where()
        if current is not None and county_of(current) != county_of(written):
            await self._clocks.place(subject_type, subject_ids, county_of(current))

    async def place_clocks(self, request_ids: list[str], territory: Document | None) -> None:
        """Give the requests' clocks the county of ``territory`` (item 9), where they carry another.

        Called after a clock is written from a request read a moment before (the request may have
        moved in between: the write checks the request's version, which a move does not change), and
        whenever requests move, so a clock ends up with its request's county whichever came first.
        """
        await self._clocks.place("request", request_ids, county_of(territory))
