"""NATS JetStream: connection, idempotent stream declarations, traced publish and consume.

Every publish carries a ``Nats-Msg-Id`` (the server drops duplicates inside the
stream's duplicate window) and the W3C trace context in its headers. Every consume
runs the handler inside a span whose parent is the publisher's, and acknowledges
only after the handler returns; a handler that raises is redelivered with backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import nats
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from nats.errors import ConnectionClosedError, NoServersError
from nats.errors import TimeoutError as NatsTimeout
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy, PubAck, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from meshlib import telemetry
from meshlib.envelope import Envelope
from meshlib.settings import RuntimeSettings

log = logging.getLogger(__name__)
_tracer = trace.get_tracer("meshlib.bus")

MSG_ID = "Nats-Msg-Id"


@dataclass(frozen=True)
class Namespace:
    """Prefix applied to subjects and stream names, so tests (or tenants) never collide."""

    prefix: str = ""

    def subject(self, subject: str) -> str:
        return f"{self.prefix}.{subject}" if self.prefix else subject

    def strip(self, subject: str) -> str:
        """The subject without the namespace prefix (as handlers reason about it)."""
        if self.prefix and subject.startswith(self.prefix + "."):
            return subject[len(self.prefix) + 1 :]
        return subject

    def stream(self, name: str) -> str:
        return f"{self.prefix.upper().replace('.', '_')}_{name}" if self.prefix else name


@dataclass(frozen=True)
class StreamSpec:
    """A stream a service owns and declares at start-up."""

    name: str
    subjects: Sequence[str]
    max_age_seconds: float = 90 * 24 * 3600
    duplicate_window_seconds: float = 2 * 3600
    max_msg_size: int = -1
    description: str = ""


@dataclass
class Delivery:
    """One message handed to a consumer's handler (subject without the namespace prefix)."""

    subject: str
    data: bytes
    headers: Mapping[str, str]
    stream_sequence: int
    num_delivered: int
    msg: Msg = field(repr=False)

    @property
    def msg_id(self) -> str | None:
        return self.headers.get(MSG_ID)


Handler = Callable[[Delivery], Awaitable[None]]


class Bus:
    """A NATS connection with JetStream, scoped to one :class:`Namespace`."""

    def __init__(self, nc: NatsClient, namespace: Namespace, *, stream_replicas: int = 1) -> None:
        self.nc = nc
        self.js: JetStreamContext = nc.jetstream()
        self.ns = namespace
        self._replicas = stream_replicas
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = asyncio.Event()
        self._subs: list[Any] = []

    @classmethod
    async def connect(cls, settings: RuntimeSettings, *, name: str) -> Bus:
        options: dict[str, Any] = {
            "name": name,
            "max_reconnect_attempts": -1,
            "reconnect_time_wait": 0.5,
            "allow_reconnect": True,
            "connect_timeout": 5,
            "drain_timeout": 10,
        }
        if settings.nats_creds is not None:
            options["user_credentials"] = str(settings.nats_creds)
        if settings.nats_nkey_seed is not None:
            options["nkeys_seed"] = str(settings.nats_nkey_seed)
        if settings.nats_user is not None:
            options["user"] = settings.nats_user
            options["password"] = settings.nats_password
        servers = [s.strip() for s in settings.nats_url.split(",") if s.strip()]
        nc = await nats.connect(servers, **options)
        return cls(nc, Namespace(settings.namespace), stream_replicas=settings.stream_replicas)

    async def ensure_streams(self, specs: Sequence[StreamSpec]) -> None:
        """Create each stream, or bring an existing one's configuration up to date."""
        for spec in specs:
            config = StreamConfig(
                name=self.ns.stream(spec.name),
                description=spec.description or None,
                subjects=[self.ns.subject(s) for s in spec.subjects],
                retention=RetentionPolicy.LIMITS,
                storage=StorageType.FILE,
                num_replicas=self._replicas,
                max_age=spec.max_age_seconds,
                duplicate_window=spec.duplicate_window_seconds,
                max_msg_size=spec.max_msg_size,
            )
            try:
                await self.js.stream_info(config.name)  # type: ignore[arg-type]
            except NotFoundError:
                await self.js.add_stream(config)
            else:
                await self.js.update_stream(config)

    async def publish(
        self, subject: str, envelope: Envelope, *, msg_id: str | None = None, timeout: float = 10.0
    ) -> PubAck:
        """Publish a domain event; ``msg_id`` defaults to the envelope id (deterministic ids dedupe)."""
        return await self.publish_raw(
            subject, envelope.to_bytes(), msg_id=msg_id or envelope.id, timeout=timeout
        )

    async def publish_raw(
        self,
        subject: str,
        payload: bytes,
        *,
        msg_id: str | None,
        headers: Mapping[str, str] | None = None,
        timeout: float = 10.0,
    ) -> PubAck:
        """Publish bytes with a message id and the current trace context in the headers."""
        full = self.ns.subject(subject)
        with _tracer.start_as_current_span(
            f"{subject} publish",
            kind=SpanKind.PRODUCER,
            attributes={"messaging.system": "nats", "messaging.destination.name": full},
        ) as span:
            hdrs = dict(headers or {})
            if msg_id is not None:
                hdrs[MSG_ID] = msg_id
                span.set_attribute("messaging.message.id", msg_id)
            telemetry.inject(hdrs)
            ack = await self.js.publish(full, payload, headers=hdrs, timeout=timeout)
            span.set_attribute("mesh.nats.duplicate", bool(ack.duplicate))
            return ack

    def consume(
        self,
        *,
        stream: str,
        durable: str,
        subjects: Sequence[str],
        handler: Handler,
        batch: int = 64,
        concurrency: int = 1,
        ack_wait: float = 30.0,
        max_deliver: int = -1,
    ) -> None:
        """Start a durable pull consumer in the background; replicas of a service share it."""
        task = asyncio.create_task(
            self._consume_loop(stream, durable, subjects, handler, batch, concurrency, ack_wait, max_deliver),
            name=f"consume:{durable}",
        )
        self._tasks.append(task)

    async def _consume_loop(
        self,
        stream: str,
        durable: str,
        subjects: Sequence[str],
        handler: Handler,
        batch: int,
        concurrency: int,
        ack_wait: float,
        max_deliver: int,
    ) -> None:
        full_subjects = [self.ns.subject(s) for s in subjects]
        config = ConsumerConfig(
            durable_name=durable,
            deliver_policy=DeliverPolicy.ALL,
            ack_wait=ack_wait,
            max_deliver=max_deliver,
            max_ack_pending=max(batch * 4, 256),
            filter_subjects=full_subjects if len(full_subjects) > 1 else None,
            filter_subject=full_subjects[0] if len(full_subjects) == 1 else None,
        )
        sub = None
        limit = asyncio.Semaphore(concurrency)

        async def bounded(m: Msg) -> None:
            async with limit:
                await self._handle(m, handler)

        try:
            while not self._stopping.is_set():
                try:
                    if sub is None:
                        sub = await self.js.pull_subscribe(
                            full_subjects[0], durable=durable, stream=self.ns.stream(stream), config=config
                        )
                    msgs = await sub.fetch(batch, timeout=1.0)
                except (TimeoutError, NatsTimeout):
                    continue  # nothing to fetch within the second (nats-py raises either)
                except (ConnectionClosedError, NoServersError):
                    if self._stopping.is_set() or self.nc.is_closed:
                        return
                    await asyncio.sleep(0.5)
                    continue
                except Exception:
                    # The server is restarting or the connection is re-establishing; the client
                    # reconnects on its own, so wait a moment and fetch again.
                    log.warning("fetch on %s failed; retrying", durable, exc_info=True)
                    await asyncio.sleep(0.5)
                    continue
                if concurrency == 1:
                    for msg in msgs:
                        await self._handle(msg, handler)
                else:
                    await asyncio.gather(*(bounded(m) for m in msgs))
        finally:
            if sub is not None and not self.nc.is_closed:
                with contextlib.suppress(Exception):
                    await sub.unsubscribe()

    def delivery(self, msg: Msg) -> Delivery:
        """A JetStream message as a :class:`Delivery` (its subject without this bus's namespace)."""
        meta = msg.metadata
        return Delivery(subject=self.ns.strip(msg.subject), data=msg.data, headers=dict(msg.headers or {}),
                        stream_sequence=meta.sequence.stream, num_delivered=meta.num_delivered, msg=msg)

    async def _handle(self, msg: Msg, handler: Handler, *, ack: bool = True) -> None:
        delivery = self.delivery(msg)
        headers = delivery.headers
        meta = msg.metadata
        with _tracer.start_as_current_span(
            f"{delivery.subject} process",
            context=telemetry.extract(headers),
            kind=SpanKind.CONSUMER,
            attributes={
                "messaging.system": "nats",
                "messaging.destination.name": msg.subject,
                "messaging.message.id": headers.get(MSG_ID, ""),
                "mesh.nats.stream_sequence": meta.sequence.stream,
                "mesh.nats.num_delivered": meta.num_delivered,
            },
        ) as span:
            if not ack:
                await handler(delivery)
                return
            try:
                await handler(delivery)
            except Exception as exc:
                span.record_exception(exc)
                span.set_status(Status(StatusCode.ERROR, str(exc)))
                delay = min(0.5 * 2 ** (meta.num_delivered - 1), 30.0)
                log.exception("handler failed for %s (delivery %d); redelivering in %.1fs",
                              msg.subject, meta.num_delivered, delay)
                with contextlib.suppress(Exception):
                    await msg.nak(delay=delay)
                return
            await msg.ack()

    async def tail(self, subject: str, handler: Handler) -> None:
        """Follow new events on ``subject`` with an ephemeral ordered consumer (no acks, no sharing).

        For fan-out: every gateway replica sees every event. The ordered consumer resumes
        where it left off after a reconnect, so a short NATS outage loses nothing. If no
        stream holds ``subject`` yet (its owning service has not started), the subscription
        is retried in the background until one does, so start-up order does not matter.
        """

        async def on_message(msg: Msg) -> None:
            try:
                await self._handle(msg, handler, ack=False)
            except Exception:
                log.exception("tail handler failed for %s", msg.subject)

        async def subscribe() -> bool:
            try:
                sub = await self.js.subscribe(
                    self.ns.subject(subject), ordered_consumer=True, deliver_policy=DeliverPolicy.NEW, cb=on_message
                )
            except NotFoundError:
                return False
            self._subs.append(sub)
            return True

        async def keep_trying() -> None:
            while not self._stopping.is_set():
                await asyncio.sleep(1.0)
                if await subscribe():
                    log.info("now following %s", subject)
                    return

        if not await subscribe():
            log.warning("no stream holds %s yet; following it once one does", subject)
            self._tasks.append(asyncio.create_task(keep_trying(), name=f"tail:{subject}"))

    async def close(self) -> None:
        """Stop consumers, then drain: in-flight handlers finish and pending publishes flush."""
        self._stopping.set()
        for sub in self._subs:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()
        if self._tasks:
            done, pending = await asyncio.wait(self._tasks, timeout=5.0)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            for task in done:
                if not task.cancelled() and task.exception() is not None:
                    log.error("consumer %s ended with an error", task.get_name(), exc_info=task.exception())
        if not self.nc.is_closed:
            with contextlib.suppress(Exception):
                await self.nc.drain()
