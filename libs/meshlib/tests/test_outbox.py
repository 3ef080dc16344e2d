"""The in-document outbox: events owed by a write are published once, even after a crash in between."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from meshlib import outbox
from meshlib.bus import StreamSpec
from meshlib.envelope import Envelope
from meshlib.outbox import Outbox


def event(n: int) -> Envelope:
    return Envelope(id=f"thing-changed:{n}", type="mesh.thing.changed", source="test", subject="t1", data={"n": n})


async def read_all(bus: Any, subject: str) -> list[Envelope]:
    sub = await bus.js.subscribe(bus.ns.subject(subject), ordered_consumer=True)
    info = await bus.js.stream_info(bus.ns.stream("TESTOB"))
    out = [Envelope.from_bytes((await sub.next_msg(timeout=5)).data) for _ in range(info.state.messages)]
    await sub.unsubscribe()
    return out


async def test_flush_publishes_owed_events_in_order_and_empties_the_outbox(bus: Any, mongo_db: Any) -> None:
    await bus.ensure_streams([StreamSpec("TESTOB", ["things.changed"])])
    things = mongo_db["things"]
    await things.insert_one({"_id": "t1", "n": 0})
    for n in (1, 2):
        await things.update_one({"_id": "t1"}, {"$set": {"n": n},
                                                "$push": outbox.push(outbox.entry("things.changed", event(n)))})
    box = Outbox(bus, [things])
    assert await box.flush(things, "t1") == 2
    assert await box.flush(things, "t1") == 0
    assert [e.data["n"] for e in await read_all(bus, "things.changed")] == [1, 2]
    assert (await things.find_one({"_id": "t1"}))[outbox.FIELD] == []


async def test_sweep_publishes_what_a_crashed_writer_owed_and_a_repeat_is_deduplicated(bus: Any, mongo_db: Any) -> None:
    await bus.ensure_streams([StreamSpec("TESTOB", ["things.changed"])])
    things = mongo_db["things"]
    await things.insert_one({"_id": "t1", outbox.FIELD: [outbox.entry("things.changed", event(7))]})
    # The writer published but died before removing the entry: the sweep publishes it again.
    await bus.publish("things.changed", event(7))
    box = Outbox(bus, [things], grace=timedelta(0))
    assert await box.sweep() == 1
    assert await box.sweep() == 0
    assert [e.id for e in await read_all(bus, "things.changed")] == ["thing-changed:7"]
