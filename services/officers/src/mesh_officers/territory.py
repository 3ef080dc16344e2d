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
"""

from __future__ import annotations

import contextlib

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from mesh_officers.repository import REQUESTS
from meshlib.mongo import Document

ENTERPRISES = "enterprise_territories"
"""This service's copy: ``{_id: enterprise id, territory, version}``."""

COUNTY = "territory.county_code"
"""The field a county filter matches on a request (indexed with the list's order: ``by_county``)."""


class Territories:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._copies = db[ENTERPRISES]
        self._requests = db[REQUESTS]

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

    async def settle(self, request_id: str, enterprise_id: str, written: Document | None) -> None:
        """After a request is stored with ``written``: give it the copy's territory if that differs.

        An event that arrived between the read of the copy and the insert moved the enterprise's
        requests before this one existed; reading the copy again after the insert catches it.
        """
        current = await self.of(enterprise_id)
        if current is not None and current != written:
            await self._requests.update_one({"_id": request_id, "territory": {"$ne": current}},
                                            {"$set": {"territory": current}})
