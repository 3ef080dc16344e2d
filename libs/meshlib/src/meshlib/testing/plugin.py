"""pytest fixtures: a real nats-server and a real secantusdb on free ports, and per-test isolation.

The servers start once per test session. Each test gets its own :func:`namespace`,
which prefixes its subjects, stream names and database names, so tests never see
each other's data.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from pymongo.asynchronous.database import AsyncDatabase

from meshlib import mongo
from meshlib.bus import Bus
from meshlib.config import load
from meshlib.devstack import servers
from meshlib.mongo import Document
from meshlib.settings import RuntimeSettings
from meshlib.telemetry import setup_telemetry

T = TypeVar("T")
_counter = itertools.count(1)


@dataclass(frozen=True)
class NatsServer:
    url: str
    port: int
    monitor_port: int
    store_dir: Path
    conf_path: Path
    log_path: Path


@dataclass(frozen=True)
class MongoServer:
    uri: str
    port: int


@pytest.fixture(scope="session")
def nats_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    """A JetStream-enabled nats-server on a free port (file store in a temp dir)."""
    root = tmp_path_factory.mktemp("nats")
    config = servers.NatsConfig(
        port=servers.free_port(), monitor_port=servers.free_port(), store_dir=root / "js",
        # Tests fsync on the server's default schedule: they do not survive power loss and need not.
        sync_always=False,
    )
    proc = servers.start_nats(config, root / "nats.conf", root / "nats.log")
    try:
        yield NatsServer(f"nats://127.0.0.1:{config.port}", config.port, config.monitor_port, config.store_dir,
                         root / "nats.conf", root / "nats.log")
    finally:
        servers.stop(proc)


@pytest.fixture(scope="session")
def mongo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MongoServer]:
    """A secantusdb (MongoDB wire protocol, single-node replica set) on a free port, in memory."""
    port = servers.free_port()
    proc = servers.start_mongo(port, ":memory:", tmp_path_factory.mktemp("mongo") / "mongo.log")
    try:
        yield MongoServer(servers.mongo_uri(port), port)
    finally:
        servers.stop(proc)


@pytest.fixture
def namespace() -> str:
    """A prefix unique to this test for subjects, streams and databases."""
    return f"t{next(_counter)}{uuid.uuid4().hex[:6]}"


@pytest.fixture
def mesh_env(nats_server: NatsServer, mongo_server: MongoServer, namespace: str) -> dict[str, str]:
    """Environment variables that point a service at the test servers, in this test's namespace."""
    return {
        "NATS_URL": nats_server.url,
        "MONGODB_URI": mongo_server.uri,
        "MESH_NAMESPACE": namespace,
        "GRPC_PORT": "0",
        "SHUTDOWN_GRACE_SECONDS": "1",
    }


def settings_for(cls: type[T], env: Mapping[str, str], **overrides: Any) -> T:
    """Load ``cls`` from ``env`` only (never the developer's own environment), plus overrides."""
    merged = dict(env)
    merged.update({k: str(v) for k, v in overrides.items()})
    return load(cls, merged)



@pytest.fixture(scope="session")
def span_exporter() -> InMemorySpanExporter:
    """Every span the test process ends, kept in memory (the tracer provider is installed once)."""
    return _EXPORTER


@pytest.fixture(autouse=True)
def _fresh_spans() -> None:
    _EXPORTER.clear()


_EXPORTER = InMemorySpanExporter()


def pytest_configure(config: pytest.Config) -> None:
    # One provider per process (OpenTelemetry's rule): installed before any service starts,
    # so services started in-process by tests trace into the in-memory exporter.
    setup_telemetry("mesh-tests", None, extra_processor=SimpleSpanProcessor(_EXPORTER))


@pytest.fixture
async def bus(nats_server: NatsServer, namespace: str) -> AsyncIterator[Bus]:
    """A NATS connection in this test's namespace."""
    connection = await Bus.connect(settings_for(RuntimeSettings, {"NATS_URL": nats_server.url,
                                                                  "MESH_NAMESPACE": namespace}), name="test")
    try:
        yield connection
    finally:
        await connection.close()


@pytest.fixture
async def mongo_db(mongo_server: MongoServer, namespace: str) -> AsyncIterator[AsyncDatabase[Document]]:
    """A database of this test's own."""
    client = mongo.connect(mongo_server.uri, app_name="test")
    try:
        yield client[mongo.database_name(namespace, "test")]
    finally:
        await client.close()


async def anonymous_connect_reply(port: int) -> str:
    """What a NATS server answers a client that presents no credentials (the protocol by hand, no leaks)."""
    import asyncio

    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        await reader.readline()  # INFO
        writer.write(b'CONNECT {"verbose":false,"pedantic":false}\r\nPING\r\n')
        await writer.drain()
        return (await asyncio.wait_for(reader.readline(), 10)).decode()
    finally:
        writer.close()
        await writer.wait_closed()
