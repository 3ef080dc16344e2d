"""The test reader for JetStream subjects: exact counts, conditions, decoding, and failures that say what came."""

from __future__ import annotations

import asyncio

import pytest

from meshlib.bus import Bus, Delivery, StreamSpec
from meshlib.envelope import Envelope
from meshlib.testing.streams import raw, read_stream, with_subject


def event(n: int) -> Envelope:
    return Envelope(id=f"thing-changed:{n}", type="mesh.thing.changed", source="test", subject="t1", data={"n": n})


@pytest.fixture
async def things(bus: Bus) -> Bus:
    await bus.ensure_streams([StreamSpec("TESTRS", ["things.>"])])
    return bus


async def test_count_reads_that_many_envelopes_in_order_and_waits_for_late_ones(things: Bus) -> None:
    await things.publish("things.changed", event(1))
    reader = asyncio.create_task(read_stream(things, "things.changed", count=2))
    await things.publish("things.changed", event(2))
    assert [e.data["n"] for e in await reader] == [1, 2]


async def test_count_fails_when_too_few_arrive_and_names_what_did(things: Bus) -> None:
    await things.publish("things.changed", event(1))
    with pytest.raises(AssertionError) as failure:
        await read_stream(things, "things.changed", count=2, timeout=0.5)
    assert "things.changed" in str(failure.value) and "2 message(s)" in str(failure.value)
    assert "got 1: [things.changed thing-changed:1]" in str(failure.value)


async def test_count_fails_when_more_follow(things: Bus) -> None:
    for n in (1, 2):
        await things.publish("things.changed", event(n))
    with pytest.raises(AssertionError, match=r"exactly 1 .* then another: things.changed thing-changed:2"):
        await read_stream(things, "things.changed", count=1)


async def test_until_reads_across_a_wildcard_with_subjects_outside_the_namespace(things: Bus) -> None:
    await things.publish("things.changed", event(1))
    await things.publish("things.removed", event(2))
    await things.publish("things.changed", event(3))
    seen = await read_stream(things, "things.>", decode=with_subject,
                             until=lambda seen: any(s == "things.removed" for s, _ in seen))
    assert [(s, e.data["n"]) for s, e in seen] == [("things.changed", 1), ("things.removed", 2)]


async def test_until_fails_with_what_came(things: Bus) -> None:
    await things.publish("things.changed", event(1))
    with pytest.raises(AssertionError, match=r"the until= condition; got 1: \[things.changed thing-changed:1\]"):
        await read_stream(things, "things.changed", until=lambda seen: len(seen) >= 5, timeout=0.5)


async def test_raw_keeps_bytes_and_headers_of_what_is_not_an_envelope(things: Bus) -> None:
    await things.publish_raw("things.odd", b"{not json", msg_id="odd-1", headers={"Why": "broken"})
    (msg,) = await read_stream(things, "things.odd", count=1, decode=raw)
    assert isinstance(msg, Delivery)
    assert (msg.subject, msg.data, msg.headers["Why"], msg.msg_id) == ("things.odd", b"{not json", "broken", "odd-1")


async def test_exactly_one_of_count_and_until(things: Bus) -> None:
    with pytest.raises(TypeError):
        await read_stream(things, "things.changed")
    with pytest.raises(TypeError):
        await read_stream(things, "things.changed", count=1, until=lambda seen: True)
