"""The lifecycle every gRPC domain service shares.

A service describes itself with a :class:`ServiceSpec` (its settings, streams,
indexes, gRPC services and a ``wire`` hook that adds its servicers and background
work). :func:`running` brings it up in order, reports SERVING only once MongoDB and
NATS answer, and on exit goes down in the reverse order: health NOT_SERVING, gRPC
stop with grace, background work stopped, NATS drained, MongoDB closed.
:func:`main` is what a service's ``__main__`` calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1._async import HealthServicer
from grpc_reflection.v1alpha import reflection
from opentelemetry.instrumentation.grpc import aio_server_interceptor
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from meshlib import heap, mongo
from meshlib.bus import Bus, StreamSpec
from meshlib.config import ConfigError, load
from meshlib.errors import DomainErrorInterceptor
from meshlib.mongo import Document, Indexes
from meshlib.settings import ServiceSettings
from meshlib.telemetry import setup_telemetry, shutdown_telemetry

log = logging.getLogger(__name__)

S = TypeVar("S", bound=ServiceSettings)


@dataclass
class Runtime(Generic[S]):
    """What a running service holds; passed to its ``wire`` hook (dependencies, not globals)."""

    name: str
    settings: S
    bus: Bus
    client: AsyncMongoClient[Document]
    db: AsyncDatabase[Document]
    server: grpc.aio.Server
    port: int


@dataclass(frozen=True)
class ServiceSpec(Generic[S]):
    """How a domain service plugs into the shared runtime."""

    name: str
    settings_type: type[S]
    streams: Sequence[StreamSpec]
    indexes: Indexes
    grpc_services: Sequence[str]
    wire: Callable[[Runtime[S]], AbstractAsyncContextManager[Any]]
    retired_indexes: Mapping[str, Sequence[str]] = field(default_factory=dict)
    """Indexes an earlier release made and this one replaced, by collection: dropped at start-up."""


SERVER_OPTIONS = [("grpc.max_connection_age_ms", 5 * 60_000), ("grpc.max_connection_age_grace_ms", 30_000)]
"""Clients reconnect every five minutes (in-flight calls get 30 s), and so resolve the target again:
with round robin over a headless Service, a replica added by scaling out starts getting calls."""


@asynccontextmanager
async def running(spec: ServiceSpec[S], settings: S) -> AsyncIterator[Runtime[S]]:
    """Start the service; leave the block to stop it gracefully."""
    health = HealthServicer()
    watched = ["", *spec.grpc_services]
    tracing = aio_server_interceptor()  # type: ignore[no-untyped-call]
    server = grpc.aio.server(interceptors=[tracing, DomainErrorInterceptor()], options=SERVER_OPTIONS)
    health_pb2_grpc.add_HealthServicer_to_server(health, server)
    reflection.enable_server_reflection([*spec.grpc_services, reflection.SERVICE_NAME, "grpc.health.v1.Health"],
                                        server)
    for name in watched:
        await health.set(name, health_pb2.HealthCheckResponse.NOT_SERVING)
    port = server.add_insecure_port(f"{settings.grpc_host}:{settings.grpc_port}")

    client = mongo.connect(settings.mongodb_uri, app_name=f"mesh-{spec.name}")
    db = client[mongo.database_name(settings.namespace, settings.mongodb_database)]
    bus: Bus | None = None
    async with contextlib.AsyncExitStack() as stack:
        stack.push_async_callback(client.close)
        await client.admin.command("ping")
        await mongo.ensure_indexes(db, spec.indexes, spec.retired_indexes)
        bus = await Bus.connect(settings, name=f"mesh-{spec.name}")
        stack.push_async_callback(bus.close)
        await bus.ensure_streams(spec.streams)
        runtime = Runtime(spec.name, settings, bus, client, db, server, port)
        await stack.enter_async_context(spec.wire(runtime))
        await server.start()
        stack.push_async_callback(_stop_server, server, health, watched, settings.shutdown_grace)
        for name in watched:
            await health.set(name, health_pb2.HealthCheckResponse.SERVING)
        log.info("%s serving gRPC on %s:%d", spec.name, settings.grpc_host, port)
        yield runtime


async def _stop_server(server: grpc.aio.Server, health: HealthServicer, names: list[str], grace: float) -> None:
    for name in names:
        await health.set(name, health_pb2.HealthCheckResponse.NOT_SERVING)
    await server.stop(grace)


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def load_or_exit(settings_type: type[Any]) -> Any:
    """Read settings, or print what is wrong with the environment and exit with status 2."""
    try:
        return load(settings_type)
    except ConfigError as err:
        print(err, file=sys.stderr)
        raise SystemExit(2) from None


def main(spec: ServiceSpec[Any]) -> None:
    """Run a service until SIGTERM or SIGINT, then stop it gracefully."""
    settings = load_or_exit(spec.settings_type)
    configure_logging(settings.log_level)
    setup_telemetry(f"mesh-{spec.name}", settings.otel_endpoint)
    try:
        asyncio.run(_serve(spec, settings))
    finally:
        shutdown_telemetry()


async def _serve(spec: ServiceSpec[Any], settings: Any) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with running(spec, settings):
        heap.settle()
        await stop.wait()
        log.info("%s stopping", spec.name)
