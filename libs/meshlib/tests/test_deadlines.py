"""The shared deadline model: verdicts at the due instant, and exactly-once firing across replicas."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from meshlib import deadlines
from meshlib.bus import StreamSpec
from meshlib.deadlines import Deadline, DeadlineScanner, DeadlineStore, on_time, on_time_rate
from meshlib.envelope import Envelope

DUE = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


def test_met_at_the_due_instant_is_on_time() -> None:
    assert on_time(DUE, DUE, now=DUE + timedelta(days=1)) is True
    assert on_time(DUE, DUE + SECOND, now=DUE + timedelta(days=1)) is False


def test_open_and_overdue_counts_as_late_and_open_not_yet_due_has_no_verdict() -> None:
    assert on_time(DUE, None, now=DUE + SECOND) is False
    assert on_time(DUE, None, now=DUE) is None
    items = [(DUE, DUE - SECOND), (DUE, None), (DUE + timedelta(days=9), None)]
    assert on_time_rate(items, now=DUE + SECOND) == 0.5
    assert on_time_rate([], now=DUE) is None


def test_warning_cannot_come_after_the_due_time() -> None:
    with pytest.raises(ValueError, match="warn_at"):
        Deadline("d", "k", "request", "r1", "unit", DUE, "Item 13", warn_at=DUE + SECOND)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def test_two_replicas_fire_each_warning_and_breach_once(bus: Any, mongo_db: Any) -> None:
    await bus.ensure_streams([StreamSpec("TESTDL", ["demo.deadline.*"])])
    await mongo_db[deadlines.COLLECTION].create_indexes(deadlines.INDEXES[deadlines.COLLECTION])
    store = DeadlineStore(mongo_db)
    for i in range(20):
        await store.set(Deadline(f"req:{i}", "request-completion", "request", f"r{i}", "city-housing-bureau",
                                 due_at=DUE, warn_at=DUE - timedelta(hours=2), clause="Item 13"))
    clock = Clock(DUE - timedelta(hours=3))
    replicas = [DeadlineScanner(store, bus, domain="demo", source="test", clock=clock) for _ in range(2)]

    assert sum(await asyncio.gather(*(r.scan_once() for r in replicas))) == 0
    clock.now = DUE - timedelta(hours=1)
    assert sum(await asyncio.gather(*(r.scan_once() for r in replicas))) == 20
    await store.met("req:0", DUE)  # done exactly at the due instant: on time, never breached
    clock.now = DUE  # the due instant itself is not yet a breach
    assert sum(await asyncio.gather(*(r.scan_once() for r in replicas))) == 0
    clock.now = DUE + SECOND
    assert sum(await asyncio.gather(*(r.scan_once() for r in replicas))) == 19

    sub = await bus.js.subscribe(bus.ns.subject("demo.deadline.*"), ordered_consumer=True)
    seen = [Envelope.from_bytes((await sub.next_msg(timeout=5)).data) for _ in range(39)]
    await sub.unsubscribe()
    assert sorted(e.type for e in seen).count("mesh.deadline.warning") == 20
    breached = {e.data["deadline_id"] for e in seen if e.type == "mesh.deadline.breached"}
    assert breached == {f"req:{i}" for i in range(1, 20)}
    assert (await store.get("req:0"))["state"] == deadlines.MET


async def test_an_event_owed_after_a_crash_is_published_again(bus: Any, mongo_db: Any) -> None:
    await bus.ensure_streams([StreamSpec("TESTDL", ["demo.deadline.*"])])
    store = DeadlineStore(mongo_db)
    await store.set(Deadline("d1", "ack", "incident", "i1", "station", due_at=DUE, clause="Item 9"))
    # A replica claimed the breach and died before publishing it.
    claimed = await store.claim(deadlines.BREACHED, DUE + SECOND)
    assert claimed is not None and claimed["pending_event"] == deadlines.BREACHED
    clock = Clock(DUE + SECOND + deadlines.REPUBLISH_AFTER + SECOND)
    scanner = DeadlineScanner(store, bus, domain="demo", source="test", clock=clock)
    assert await scanner.scan_once() == 1
    assert (await store.get("d1"))["pending_event"] is None
    assert await scanner.scan_once() == 0


async def test_ensure_creates_once_and_never_restarts_a_running_clock(mongo_db: Any) -> None:
    store = DeadlineStore(mongo_db)
    first = Deadline("ack:c1", "case-ack", "case", "c1", "township:410311003", due_at=DUE, clause="Item 9")
    assert await store.ensure(first) is True
    assert await store.claim(deadlines.BREACHED, DUE + SECOND) is not None
    # A handler run again (redelivery, re-publish) must not put a breached clock back to pending.
    assert await store.ensure(Deadline("ack:c1", "case-ack", "case", "c1", "township:410311003",
                                       due_at=DUE + timedelta(hours=1), clause="Item 9")) is False
    doc = await store.get("ack:c1")
    assert doc is not None and doc["state"] == deadlines.BREACHED and doc["due_at"] == DUE


async def test_clocks_written_in_an_aborted_transaction_are_not_kept(mongo_server: Any, namespace: str) -> None:
    from meshlib import mongo

    client = mongo.connect(mongo_server.uri, app_name="test")
    try:
        db = client[mongo.database_name(namespace, "txn")]
        store = DeadlineStore(db)
        await store.set(Deadline("kept", "k", "request", "r0", "unit", DUE, "Item 13"))
        with pytest.raises(RuntimeError):
            async with client.start_session() as session, await session.start_transaction():
                await db["requests"].insert_one({"_id": "r1"}, session=session)
                await store.set(Deadline("lost", "k", "request", "r1", "unit", DUE, "Item 13"), session=session)
                await store.met("kept", DUE, session=session)
                raise RuntimeError("the write failed after the clocks were set")
        assert await store.get("lost") is None
        assert (await store.get("kept"))["state"] == deadlines.PENDING
        async with client.start_session() as session, await session.start_transaction():
            await store.met("kept", DUE, session=session)
        assert (await store.get("kept"))["state"] == deadlines.MET
    finally:
        await client.close()



async def test_ensure_many_creates_the_missing_clocks_and_leaves_running_ones(mongo_db: Any) -> None:
    store = DeadlineStore(mongo_db)
    clocks = [Deadline(f"c{i}", "k", "incident", "i1", "unit", due_at=DUE, clause="Item 9") for i in range(3)]
    await store.ensure(clocks[0])
    await store.met("c0", DUE)
    assert await store.ensure_many(clocks) == 2
    assert await store.ensure_many(clocks) == 0
    assert (await store.get("c0"))["state"] == deadlines.MET
    assert await store.ensure_many([]) == 0


async def test_place_gives_a_subjects_clocks_its_county_and_leaves_other_subjects_alone(mongo_db: Any) -> None:
    store = DeadlineStore(mongo_db)
    for deadline_id, subject_id, data in (("a1", "c1", deadlines.county_data("410305")), ("a2", "c1", {}),
                                          ("b1", "c2", deadlines.county_data("410305"))):
        await store.set(Deadline(deadline_id, "case-ack", "case", subject_id, "unit", DUE, "Item 9", data=data))
    await store.place("case", ["c1"], None)  # no county known yet: nothing changes
    assert (await store.get("a1") or {})["data"] == {"county_code": "410305"}
    await store.place("case", ["c1"], "410311")
    by_id = {d["_id"]: d["data"] for d in await store.for_subject("case", ["c1", "c2"])}
    assert by_id == {"a1": {"county_code": "410311"}, "a2": {"county_code": "410311"},
                     "b1": {"county_code": "410305"}}
    assert deadlines.county_data(None) == {}


async def test_place_unplaced_places_the_clocks_that_can_still_fire_once(mongo_db: Any) -> None:
    store = DeadlineStore(mongo_db)
    clocks = mongo_db[deadlines.COLLECTION]
    # Written without a county (by an older version): pending, warned, breached with its event still owed (it is
    # re-published), and met, cancelled, breached and published (none fires again); one of a subject whose county is
    # not known; one of another subject type; and one already placed.
    states = {"pending": (deadlines.PENDING, None), "warned": (deadlines.WARNED, None),
              "owed": (deadlines.BREACHED, deadlines.BREACHED), "met": (deadlines.MET, None),
              "cancelled": (deadlines.CANCELLED, None), "breached": (deadlines.BREACHED, None)}
    for name, (state, owed) in states.items():
        await store.set(Deadline(name, "k", "case", f"c-{name}", "unit", DUE, "Item 9"))
        await clocks.update_one({"_id": name}, {"$set": {"state": state, "pending_event": owed}})
    await store.set(Deadline("unknown", "k", "case", "c-unknown", "unit", DUE, "Item 9"))
    await store.set(Deadline("other", "k", "report", "c-pending", "unit", DUE, "Item 7"))
    await store.set(Deadline("placed", "k", "case", "c-placed", "unit", DUE, "Item 9",
                             data=deadlines.county_data("410305")))
    asked: list[tuple[str, str]] = []

    async def county_of(subject_type: str, subject_id: str) -> str | None:
        asked.append((subject_type, subject_id))
        return None if subject_id == "c-unknown" else "410311"

    assert await store.place_unplaced(["case"], county_of) == 3
    assert sorted(asked) == [("case", "c-owed"), ("case", "c-pending"), ("case", "c-unknown"), ("case", "c-warned")]
    counties = {d["_id"]: d["data"].get("county_code") async for d in clocks.find()}
    assert counties == {"pending": "410311", "warned": "410311", "owed": "410311", "met": None, "cancelled": None,
                        "breached": None, "unknown": None, "other": None, "placed": "410305"}
    # Again: only the clock whose county is still unknown is looked at, and nothing is placed.
    asked.clear()
    assert await store.place_unplaced(["case"], county_of) == 0
    assert asked == [("case", "c-unknown")]
