"""Where each enterprise lies, followed from the contacts registry, and carried by its requests (item 9).

Item 9 (territorial management) makes the county where an enterprise lies responsible for it, so a
county-level user sees the requests of the enterprises in their county. The registry is the contacts
service's; this service keeps a copy of each enterprise's territory, fed by
``contacts.enterprise.registered`` and ``contacts.enterprise.updated`` (which carry the territory and a
version), so opening a request needs no call to contacts. Each request carries its enterprise's
``territory`` (a project's request: its owner enterprise's), and moves with it when the registry moves
the enterprise.

A request opened before this service has heard of its enterprise has no territory until the event
arrives; :meth:`Territories.settle` closes the race between the two.

The request's clocks (completion, agreed answer, hand-over acceptance) carry its county too, as
``county_code`` in their deadline ``data`` (:func:`clock_data`), so their warnings and breaches reach the
county's users (the gateway's subscriptions place a deadline by that field); they move with the request.
A clock of a request with no county yet has none, and is seen by city-wide users only.
"""

from __future__ import annotations

import contextlib

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from mesh_officers.repository import REQUESTS
from meshlib import deadlines
from meshlib.mongo import Document

ENTERPRISES = "enterprise_territories"
"""This service's copy: ``{_id: enterprise id, territory, version}``."""

COUNTY = "territory.county_code"
"""The field a county filter matches on a request (indexed with the list's order: ``by_county``)."""


def county_of(territory: Document | None) -> str | None:
    """The county code of a stored territory; None when there is none (yet)."""
    return (territory or {}).get("county_code") or None


def clock_data(territory: Document | None) -> dict[str, str]:
    """Item 9: what a request's clock carries in its ``data`` to be its county's: nothing while none is known."""
    return deadlines.county_data(county_of(territory))


class Territories:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._copies = db[ENTERPRISES]
        self._requests = db[REQUESTS]
        self._clocks = deadlines.DeadlineStore(db)

    async def of(self, enterprise_id: str) -> Document | None:
        """The enterprise's territory as last heard from the registry; None if not heard of yet."""
        doc = await self._copies.find_one({"_id": enterprise_id})
        return None if doc is None else dict(doc["territory"])

    async def follow(self, enterprise_id: str, territory: Document, version: int) -> None:
        """Keep the registry's newest territory of the enterprise, and move its requests there.

        An event older than the copy (a redelivery, or out of order) changes nothing but still
        re-applies the copy to the requests, so a crash between the two writes is repaired.
        """
        with contextlib.suppress(DuplicateKeyError):  # the copy is as new or newer
            await self._copies.update_one({"_id": enterprise_id, "version": {"$lt": version}},
                                          {"$set": {"territory": territory, "version": version}}, upsert=True)
        current = await self.of(enterprise_id)
        if current is not None:
            await self._requests.update_many({"enterprise_id": enterprise_id, "territory": {"$ne": current}},
                                             {"$set": {"territory": current}})
            ids = [d["_id"] async for d in self._requests.find({"enterprise_id": enterprise_id}, {"_id": 1})]
            await self.place_clocks(ids, current)

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

    async def place_clocks(self, request_ids: list[str], territory: Document | None) -> None:
        """Give the requests' clocks the county of ``territory`` (item 9), where they carry another.

        Called after a clock is written from a request read a moment before (the request may have
        moved in between: the write checks the request's version, which a move does not change), and
        whenever requests move, so a clock ends up with its request's county whichever came first.
        """
        await self._clocks.place("request", request_ids, county_of(territory))
