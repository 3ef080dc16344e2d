"""Transactional outbox in the document itself: a write and the events it owes are one atomic update.

A service that changes a document adds the events the change owes to the document's
``_outbox`` array *in the same update* (:func:`entry`), then calls :meth:`Outbox.flush`,
which publishes them with their deterministic message ids and removes them. A crash
between the write and the publish leaves the events in ``_outbox``; the sweeper
publishes them later, and JetStream drops any that had in fact gone out (same id).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from meshlib.bus import Bus
from meshlib.envelope import Envelope
from meshlib.mongo import Document
from meshlib.periodic import Periodic

FIELD = "_outbox"

BeforePublish = Callable[[str, Envelope], Awaitable[None]]
"""Called with (subject, envelope) before an owed event is published."""


def entry(subject: str, envelope: Envelope) -> Document:
    """An event to owe: ``{"$push": {outbox.FIELD: entry(...)}}`` in the same update as the change."""
    return {"subject": subject, "msg_id": envelope.id, "envelope": envelope.model_dump(mode="json"),
            "at": datetime.now(UTC)}


def push(*entries: Document) -> Document:
    """The update operator that owes ``entries`` (merge it into the change's update)."""
    return {FIELD: {"$each": list(entries)}}


class Outbox:
    def __init__(self, bus: Bus, collections: Sequence[AsyncCollection[Document]], *,
                 sweep_every: float = 5.0, grace: timedelta = timedelta(seconds=10),
                 before_publish: BeforePublish | None = None) -> None:
        """``before_publish`` runs before each event goes out, on every (re)try: a side effect that must
        follow the write (e.g. setting a deadline) is as crash-safe as the event itself; make it idempotent."""
        self._bus = bus
        self._before = before_publish
        self._collections = list(collections)
        self._grace = grace
        self._sweeper = Periodic(self.sweep, sweep_every, name="outbox sweep")

    async def flush(self, collection: AsyncCollection[Document], doc_id: Any) -> int:
        """Publish what ``doc_id`` owes, oldest first; returns how many events went out."""
        doc = await collection.find_one({"_id": doc_id}, {FIELD: 1})
        owed = (doc or {}).get(FIELD) or []
        for item in owed:
            envelope = Envelope.model_validate(item["envelope"])
            if self._before is not None:
                await self._before(item["subject"], envelope)
            await self._bus.publish(item["subject"], envelope, msg_id=item["msg_id"])
            await collection.update_one({"_id": doc_id}, {"$pull": {FIELD: {"msg_id": item["msg_id"]}}})
        return len(owed)

    async def sweep(self) -> int:
        """Publish events owed for longer than the grace period (their writer died before flushing)."""
        cutoff = datetime.now(UTC) - self._grace
        sent = 0
        for collection in self._collections:
            async for doc in collection.find({f"{FIELD}.at": {"$lt": cutoff}}, {"_id": 1}):
                sent += await self.flush(collection, doc["_id"])
        return sent

    def start(self) -> None:
        self._sweeper.start()

    async def stop(self) -> None:
        await self._sweeper.stop()
