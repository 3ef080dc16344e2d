"""The bus: traced publish and consume, and following a subject whose stream appears later."""

from __future__ import annotations

import asyncio
from typing import Any

from meshlib.bus import Delivery, StreamSpec
from meshlib.envelope import Envelope
from meshlib.testing.poll import eventually


async def test_tail_waits_for_a_stream_that_does_not_exist_yet(bus: Any) -> None:
    seen: list[str] = []
    got = asyncio.Event()

    async def handler(msg: Delivery) -> None:
        seen.append(Envelope.from_bytes(msg.data).id)
        got.set()

    await bus.tail("late.thing", handler)  # no stream holds late.thing yet
    await bus.ensure_streams([StreamSpec("LATE", ["late.thing"])])
    sent = 0

    async def followed() -> bool:  # until the tail follows, publish another each round
        nonlocal sent
        if not got.is_set():
            sent += 1
            await bus.publish("late.thing", Envelope(id=f"e{sent}", type="t", source="s", subject="x", data={}))
        return got.is_set()

    await eventually(followed, timeout=10, interval=0.3, what="the tail to follow the stream")
    assert seen


async def test_a_failing_handler_is_redelivered_until_it_succeeds(bus: Any) -> None:
    await bus.ensure_streams([StreamSpec("RETRY", ["retry.thing"])])
    attempts: list[int] = []
    done = asyncio.Event()

    async def flaky(msg: Delivery) -> None:
        attempts.append(msg.num_delivered)
        if msg.num_delivered < 3:
            raise RuntimeError("not yet")
        done.set()

    bus.consume(stream="RETRY", durable="retry-test", subjects=["retry.thing"], handler=flaky)
    await bus.publish("retry.thing", Envelope(id="r1", type="t", source="s", subject="x", data={}))
    await asyncio.wait_for(done.wait(), 20)
    assert attempts == [1, 2, 3]
