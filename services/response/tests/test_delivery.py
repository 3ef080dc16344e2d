"""Delivery guarantees (item 9's rapid response must not lose a report), shown against real servers.

- kill -9 of the service while thousands of reports are pushed: each is stored exactly once,
  every accepted event is published once, the consumer catches up after a restart;
- resends, with the same or a new message id, store nothing twice;
- a large batch of malformed payloads of every class, plus generated ones: nothing stored,
  every one kept aside with a reason, no redelivery loop, the service stays healthy;
- a NATS server restart under a running service loses nothing.
Sizes come from RESPONSE_DELIVERY_N (default 2000) so `make soak` can run them larger.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import grpc
import nats
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pymongo import AsyncMongoClient

from mesh_response.events import REJECT_CODE, REJECT_REASON
from mesh_response.testing import report
from meshlib.devstack import servers
from meshlib.testing.poll import eventually

N = int(os.environ.get("RESPONSE_DELIVERY_N", "2000"))
AGENCY = "luolong-police"
pytestmark = pytest.mark.slow
T = TypeVar("T")


class ServiceProcess:
    """The response service as its own process, so it can be killed with SIGKILL."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.log = log
        self.port = int(env["GRPC_PORT"])
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = servers.spawn([sys.executable, "-m", "mesh_response"], self.log, self.env)
        servers.wait_until(self.serving, timeout=60, what="response service", proc=self.proc, log=self.log)

    def serving(self) -> bool:
        with grpc.insecure_channel(f"127.0.0.1:{self.port}") as ch:
            reply = health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(), timeout=1)
        return bool(reply.status == health_pb2.HealthCheckResponse.SERVING)

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None:
            servers.stop(self.proc)


@pytest.fixture
def service(mesh_env: dict[str, str], tmp_path: Path) -> Iterator[ServiceProcess]:
    env = {**os.environ, **mesh_env, "GRPC_PORT": str(servers.free_port()), "LOG_LEVEL": "WARNING"}
    svc = ServiceProcess(env, tmp_path / "response.log")
    svc.start()
    try:
        yield svc
    finally:
        svc.stop()


@pytest.fixture
async def incidents(mongo_server: Any, namespace: str) -> AsyncIterator[Any]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo_server.uri)
    try:
        yield client[f"{namespace}_response"]["incidents"]
    finally:
        await client.close()


async def publish_many(js: Any, subject: str, bodies: list[tuple[bytes, str]], window: int = 200) -> None:
    for start in range(0, len(bodies), window):
        await asyncio.gather(*(js.publish(subject, body, headers={"Nats-Msg-Id": mid})
                               for body, mid in bodies[start:start + window]))


async def count_in_stream(js: Any, stream: str, subject: str) -> int:
    info = await js.stream_info(stream, subjects_filter=subject)
    return sum((info.state.subjects or {}).values())


async def reaches(probe: Callable[[], Awaitable[T]], expected: T) -> T:
    """Poll ``probe`` until it answers ``expected``: thousands of messages through a killed service take minutes."""
    return await eventually(probe, until=lambda value: value == expected, timeout=300.0, interval=0.2,
                            what=f"{expected!r}")


def bodies(prefix: str, n: int) -> list[tuple[bytes, str]]:
    return [(json.dumps(report(f"{prefix}-{i}")).encode(), f"{AGENCY}:{prefix}-{i}") for i in range(n)]


async def test_kill_9_during_a_push_loses_nothing_and_stores_nothing_twice(
    service: ServiceProcess, nats_server: Any, namespace: str, incidents: Any
) -> None:
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    subject = f"{namespace}.incidents.report.{AGENCY}"
    batch = bodies("K", N)
    third = N // 3
    await publish_many(js, subject, batch[:third])
    await reaches(lambda: _at_least(incidents, third // 3), True)  # the service is mid-stream
    service.kill()
    await publish_many(js, subject, batch[third:])  # pushing goes on while the service is dead
    service.start()

    await reaches(lambda: incidents.count_documents({}), N)
    cursor = await incidents.aggregate([
        {"$group": {"_id": {"a": "$agency", "e": "$external_id"}, "n": {"$sum": 1}}},
        {"$match": {"n": {"$gt": 1}}}])
    duplicates = await cursor.to_list(None)
    assert duplicates == []
    stream = f"{namespace.upper()}_INCIDENTS"
    await reaches(lambda: count_in_stream(js, stream, f"{namespace}.incidents.accepted"), N)

    # Resending everything, with the same message ids and then with new ones, stores nothing more.
    await publish_many(js, subject, batch)
    await publish_many(js, subject, [(body, f"resend-{mid}") for body, mid in batch])
    await reaches(lambda: _consumer_backlog(js, stream, "response-intake"), (0, 0))
    assert await incidents.count_documents({}) == N
    assert await count_in_stream(js, stream, f"{namespace}.incidents.accepted") == N
    await nc.drain()


async def _at_least(collection: Any, n: int) -> bool:
    return bool(await collection.count_documents({}) >= n)


async def _consumer_backlog(js: Any, stream: str, durable: str) -> tuple[int, int]:
    """(messages not yet delivered, delivered but not yet acknowledged)."""
    info = await js.consumer_info(stream, durable)
    return info.num_pending, info.num_ack_pending


MALFORMED: list[tuple[str, bytes]] = [
    ("not_json", b"\x00\x01 random bytes \xff"),
    ("not_json", b'{"external_id": "X", '),
    ("not_an_object", b'["a", "list"]'),
    ("wrong_type", json.dumps(report("M", location=42)).encode()),
    ("missing_field", json.dumps({k: v for k, v in report("M").items() if k != "category"}).encode()),
    ("invalid_value", json.dumps(report("M", severity="apocalyptic")).encode()),
    ("unknown_category", json.dumps(report("M", category="arson")).encode()),
    ("agency_mismatch", json.dumps(report("M", agency="xigong-police")).encode()),
    ("future_timestamp", json.dumps(report("M", occurred_at="2999-01-01T00:00:00+00:00")).encode()),
    ("oversized", json.dumps(report("M", description="x" * 70_000)).encode()),
    ("unknown_field", json.dumps(report("M", extra_field=1)).encode()),
]


@settings(max_examples=1, suppress_health_check=list(HealthCheck), deadline=None, database=None)
@given(generated=st.lists(st.one_of(
    st.binary(max_size=300),
    st.dictionaries(st.text(max_size=12), st.one_of(st.none(), st.integers(), st.text(max_size=20)), max_size=8)
    .map(lambda d: json.dumps(d).encode()),
    st.fixed_dictionaries({k: st.just(v) for k, v in report("G").items() if k not in ("category", "severity")},
                          optional={"category": st.text(max_size=10), "severity": st.integers()})
    .map(lambda d: json.dumps({**d, "external_id": "!bad id"}).encode()),
), min_size=300, max_size=300))
def test_malformed_payloads_are_all_kept_aside_and_none_stored(
    generated: list[bytes], service: ServiceProcess, nats_server: Any, namespace: str, mongo_server: Any
) -> None:
    # One hypothesis example: 300 generated payloads next to every hand-made class, pushed as one batch.
    asyncio.run(_push_malformed(generated, service, nats_server, namespace, mongo_server))


async def _push_malformed(generated: list[bytes], service: ServiceProcess, nats_server: Any, namespace: str,
                          mongo_server: Any) -> None:
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    subject = f"{namespace}.incidents.report.{AGENCY}"
    handmade = [body for _, body in MALFORMED] * max(1, N // len(MALFORMED))
    payloads = handmade + generated
    await publish_many(js, subject, [(body, f"bad-{i}") for i, body in enumerate(payloads)])
    stream = f"{namespace.upper()}_INCIDENTS"
    rejected_stream = f"{namespace.upper()}_INCIDENTS_REJECTED"
    await reaches(lambda: count_in_stream(js, rejected_stream, f"{namespace}.incidents.rejected"), len(payloads))
    await reaches(lambda: _consumer_backlog(js, stream, "response-intake"), (0, 0))
    info = await js.consumer_info(stream, "response-intake")
    assert info.num_redelivered == 0, "a rejected message must be acknowledged, never redelivered"

    sub = await js.subscribe(f"{namespace}.incidents.rejected", ordered_consumer=True)
    codes, kept = [], []
    for _ in payloads:
        msg = await sub.next_msg(timeout=10)
        assert msg.headers is not None, "a rejected message carries its reason in headers"
        reason = json.loads(msg.headers[REJECT_REASON])
        assert reason["code"] == msg.headers[REJECT_CODE] and reason["message"]
        codes.append(msg.headers[REJECT_CODE])
        kept.append(msg.data)
    await sub.unsubscribe()
    assert {code for code, _ in MALFORMED} <= set(codes)
    assert sorted(kept) == sorted(payloads), "every payload is kept aside byte for byte"
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo_server.uri)
    assert await client[f"{namespace}_response"]["incidents"].count_documents({}) == 0
    await client.close()
    assert service.serving()
    await nc.drain()


@pytest.fixture
def own_nats(tmp_path: Path) -> Iterator[servers.NatsConfig]:
    """A NATS server of this test's own, which the test restarts."""
    config = servers.NatsConfig(port=servers.free_port(), monitor_port=servers.free_port(),
                                store_dir=tmp_path / "js", sync_always=True)
    proc = servers.start_nats(config, tmp_path / "nats.conf", tmp_path / "nats.log")
    holder = {"proc": proc}
    config.__dict__["_holder"] = holder
    try:
        yield config
    finally:
        servers.stop(holder["proc"])


async def test_a_nats_restart_under_a_running_service_loses_nothing(
    own_nats: servers.NatsConfig, mongo_server: Any, namespace: str, tmp_path: Path, incidents: Any
) -> None:
    url = f"nats://127.0.0.1:{own_nats.port}"
    env = dict(os.environ, NATS_URL=url, MONGODB_URI=mongo_server.uri, MESH_NAMESPACE=namespace,
               GRPC_PORT=str(servers.free_port()), LOG_LEVEL="WARNING")
    svc = ServiceProcess(env, tmp_path / "response.log")
    svc.start()
    try:
        subject = f"{namespace}.incidents.report.{AGENCY}"
        batch = bodies("R", min(N, 1000))
        half = len(batch) // 2
        nc = await nats.connect(url)
        await publish_many(nc.jetstream(), subject, batch[:half])
        await nc.drain()
        holder = own_nats.__dict__["_holder"]
        servers.stop(holder["proc"])  # the broker goes away under the running service ...
        holder["proc"] = servers.start_nats(own_nats, tmp_path / "nats.conf", tmp_path / "nats.log")  # ... and back
        nc = await nats.connect(url)
        await publish_many(nc.jetstream(), subject, batch[half:])
        await reaches(lambda: incidents.count_documents({}), len(batch))
        stream = f"{namespace.upper()}_INCIDENTS"
        await reaches(lambda: count_in_stream(nc.jetstream(), stream, f"{namespace}.incidents.accepted"),
                      len(batch))
        assert svc.serving()
        await nc.drain()
    finally:
        svc.stop()
