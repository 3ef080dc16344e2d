"""Fan-out of domain events to GraphQL subscriptions, with a bounded queue per subscriber.

A slow subscriber never delays the others: publishing never waits. When a
subscriber's queue is full it is cut off with :class:`SubscriberLagged`, which
tells it why and that it may resubscribe.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from opentelemetry.context import Context

from meshlib.envelope import Envelope


@dataclass(frozen=True)
class Event:
    topic: str
    envelope: Envelope
    trace_context: Context


class SubscriberLagged(Exception):
    """The subscriber fell more than its queue size behind and was disconnected."""


_OVERFLOW = object()


class Subscriber:
    def __init__(self, maxsize: int) -> None:
        self._queue: asyncio.Queue[object] = asyncio.Queue(maxsize)
        self._maxsize = maxsize
        self.lagged = False

    def offer(self, event: Event) -> None:
        if self.lagged:
            return
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            self.lagged = True
            while not self._queue.empty():
                self._queue.get_nowait()
            self._queue.put_nowait(_OVERFLOW)

    async def __aiter__(self) -> AsyncIterator[Event]:
        while True:
            item = await self._queue.get()
            if item is _OVERFLOW:
                raise SubscriberLagged(
                    f"subscription fell more than {self._maxsize} events behind and was closed; resubscribe"
                )
            assert isinstance(item, Event)
            yield item


class Hub:
    def __init__(self, queue_size: int) -> None:
        self._queue_size = queue_size
        self._subscribers: dict[str, set[Subscriber]] = defaultdict(set)

    def publish(self, event: Event) -> None:
        for subscriber in list(self._subscribers.get(event.topic, ())):
            subscriber.offer(event)

    def subscriber_count(self, topic: str) -> int:
        return len(self._subscribers.get(topic, ()))

    @contextmanager
    def subscribe(self, topic: str) -> Iterator[Subscriber]:
        with self.subscribe_many([topic]) as subscriber:
            yield subscriber

    @contextmanager
    def subscribe_many(self, topics: list[str]) -> Iterator[Subscriber]:
        """One queue for events on any of ``topics``, in the order they arrive."""
        subscriber = Subscriber(self._queue_size)
        for topic in topics:
            self._subscribers[topic].add(subscriber)
        try:
            yield subscriber
        finally:
            for topic in topics:
                self._subscribers[topic].discard(subscriber)
