"""`make bench`: incident ingest throughput and push→subscription latency, beside a raw nats-py baseline.

Everything runs in one process against a real nats-server (``sync_interval: always``,
as in production) and a real secantusdb, both started here on free ports:

1. ingest: N reports pushed → validated, stored, ``incidents.accepted`` published;
   timed from the first push to the last accepted event.
2. baseline: the same loop with raw nats-py only (publish N, a pull consumer fetches,
   re-publishes each and acks), i.e. what the broker alone costs.
3. latency: reports pushed at a fixed rate while a GraphQL subscriber listens through
   the gateway; p50/p99 of push → subscription message.

No figure is asserted anywhere; this prints numbers to compare between runs.
Sizes: BENCH_N (default 2000), BENCH_RATE (per second, default 50), BENCH_SECONDS (default 10).
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import loadgen
import nats
from nats.js.api import ConsumerConfig, StreamConfig

from mesh_gateway.settings import GatewaySettings
from mesh_gateway.testing import running_gateway, subscription
from mesh_response.push import push
from mesh_response.service import SPEC as RESPONSE
from mesh_response.settings import ResponseSettings
from mesh_response.testing import report
from meshlib.config import load
from meshlib.devstack import servers
from meshlib.service import running

N = int(os.environ.get("BENCH_N", "2000"))
RATE = float(os.environ.get("BENCH_RATE", "50"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
PUBLISH_WINDOW = 256  # publishes in flight at once, for both the pipeline and the baseline


async def _publish_all(js: Any, subject: str, bodies: list[tuple[bytes, dict[str, str]]]) -> None:
    for start in range(0, len(bodies), PUBLISH_WINDOW):
        chunk = bodies[start:start + PUBLISH_WINDOW]
        await asyncio.gather(*(js.publish(subject, body, headers=headers) for body, headers in chunk))


async def bench_ingest(nats_url: str, env: dict[str, str]) -> float:
    settings = load(ResponseSettings, dict(env, MESH_NAMESPACE="benchingest", GRPC_PORT="0"))
    async with running(RESPONSE, settings):
        nc = await nats.connect(nats_url)
        done = asyncio.Event()
        seen = 0

        async def on_accepted(msg: Any) -> None:
            nonlocal seen
            seen += 1
            if seen >= N:
                done.set()

        await nc.subscribe("benchingest.incidents.accepted", cb=on_accepted)
        bodies = [(json.dumps(report(f"B-{i}")).encode(), {"Nats-Msg-Id": f"luolong-police:B-{i}"})
                  for i in range(N)]
        started = time.perf_counter()
        await _publish_all(nc.jetstream(), "benchingest.incidents.report.luolong-police", bodies)
        await asyncio.wait_for(done.wait(), 600)
        elapsed = time.perf_counter() - started
        await nc.drain()
    return N / elapsed


async def bench_baseline(nats_url: str) -> float:
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    await js.add_stream(StreamConfig(name="BASELINE", subjects=["baseline.in", "baseline.out"]))
    done = asyncio.Event()
    seen = 0

    async def on_out(msg: Any) -> None:
        nonlocal seen
        seen += 1
        if seen >= N:
            done.set()

    await nc.subscribe("baseline.out", cb=on_out)
    sub = await js.pull_subscribe("baseline.in", durable="baseline", config=ConsumerConfig(max_ack_pending=1024))

    async def relay() -> None:
        while not done.is_set():
            try:
                msgs = await sub.fetch(64, timeout=1)
            except nats.errors.TimeoutError:
                continue
            for msg in msgs:
                msg_id = f"out-{msg.metadata.sequence.stream}"
                await js.publish("baseline.out", msg.data, headers={"Nats-Msg-Id": msg_id})
                await msg.ack()

    relay_task = asyncio.create_task(relay())
    bodies = [(json.dumps(report(f"B-{i}")).encode(), {"Nats-Msg-Id": f"in-{i}"}) for i in range(N)]
    started = time.perf_counter()
    await _publish_all(js, "baseline.in", bodies)
    await asyncio.wait_for(done.wait(), 600)
    elapsed = time.perf_counter() - started
    await relay_task
    await nc.drain()
    return N / elapsed


async def bench_latency(nats_url: str, env: dict[str, str]) -> list[float]:
    ns = "benchlatency"
    settings = load(ResponseSettings, dict(env, MESH_NAMESPACE=ns, GRPC_PORT="0"))
    async with running(RESPONSE, settings) as response:
        gw = load(GatewaySettings, dict(env, MESH_NAMESPACE=ns, HTTP_PORT="0",
                                        RESPONSE_GRPC_TARGET=f"127.0.0.1:{response.port}"))
        async with running_gateway(gw) as gateway:
            query = "subscription { incidentReported { id } }"
            async with subscription(gateway.url, query) as ws:
                await gateway.wait_subscribers("incidents.accepted")
                nc = await nats.connect(nats_url)
                sent: dict[str, float] = {}
                received: dict[str, float] = {}
                count = int(RATE * SECONDS)

                async def receive() -> None:
                    while len(received) < count:
                        msg = json.loads(await ws.recv())
                        if msg["type"] == "next":
                            received[msg["payload"]["data"]["incidentReported"]["id"]] = time.perf_counter()

                receiver = asyncio.create_task(receive())
                interval = 1 / RATE
                start = time.perf_counter()
                for i in range(count):
                    await asyncio.sleep(max(0.0, start + i * interval - time.perf_counter()))
                    sent[f"luolong-police:L-{i}"] = time.perf_counter()
                    await push(nc, "luolong-police", [report(f"L-{i}")], namespace=ns)
                await asyncio.wait_for(receiver, 120)
                await nc.drain()
    return sorted((received[k] - sent[k]) * 1000 for k in sent)


def _pct(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        cfg = servers.NatsConfig(port=servers.free_port(), monitor_port=servers.free_port(),
                                 store_dir=root / "js", sync_always=True)
        nats_proc = servers.start_nats(cfg, root / "nats.conf", root / "nats.log")
        mongo_port = servers.free_port()
        mongo_proc = servers.start_mongo(mongo_port, root / "mongo", root / "mongo.log")
        nats_url = f"nats://127.0.0.1:{cfg.port}"
        env = {"NATS_URL": nats_url, "MONGODB_URI": servers.mongo_uri(mongo_port), "LOG_LEVEL": "WARNING"}
        try:
            print(f"ingest: {N} reports, server fsync always, {os.cpu_count()} cores", flush=True)
            baseline = await bench_baseline(nats_url)
            mesh = await bench_ingest(nats_url, env)
            print(f"  {'raw nats-py publish→consume→publish (baseline)':<52} {baseline:10.0f} msg/s")
            print(f"  {'push→validate→store→accepted event (the mesh)':<52} {mesh:10.0f} incidents/s"
                  f"   ({mesh / baseline:.0%} of baseline)")
            print(f"latency: {int(RATE * SECONDS)} reports at {RATE:.0f}/s, push → GraphQL subscription", flush=True)
            busy_before, started = loadgen.cpu_seconds(mongo_proc.pid), time.perf_counter()
            lat = await bench_latency(nats_url, env)
            busy = (loadgen.cpu_seconds(mongo_proc.pid) - busy_before) / (time.perf_counter() - started)
            print(f"  p50 {statistics.median(lat):7.1f} ms   p99 {_pct(lat, 0.99):7.1f} ms   max {lat[-1]:7.1f} ms")
            # Near a whole core, the figures are secantusdb's queue (a single Python process), not the mesh's.
            print(f"  secantusdb busy {busy:.0%} of a core meanwhile")
        finally:
            servers.stop(mongo_proc)
            servers.stop(nats_proc)


if __name__ == "__main__":
    asyncio.run(main())
