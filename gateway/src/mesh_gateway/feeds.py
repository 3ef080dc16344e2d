"""Domain events from NATS into the subscription hub, with their trace context."""

from __future__ import annotations

import logging

from opentelemetry import context as otel_context

from mesh_gateway.hub import Event, Hub
from mesh_gateway.live import FEEDS
from meshlib.bus import Bus, Delivery
from meshlib.envelope import Envelope

log = logging.getLogger(__name__)


async def start_feeds(bus: Bus, hub: Hub) -> None:
    for subject in FEEDS:

        async def forward(msg: Delivery, topic: str = subject) -> None:
            try:
                envelope = Envelope.from_bytes(msg.data)
            except ValueError:
                log.error("dropping a malformed event on %s (stream seq %d)", topic, msg.stream_sequence)
                return
            # Deliveries continue the trace from this receive span (the bus made it current).
            hub.publish(Event(topic, envelope, otel_context.get_current()))

        await bus.tail(subject, forward)
